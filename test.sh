#!/usr/bin/env bash
# The single test command (see README): installs what the tests need, checks formatting, runs every test.
# Extra arguments go to `dotnet test`, e.g. ./test.sh --filter "Category!=Slow"
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$repo"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

apt_updated=0

# ensure_pkg <command> <debian-package>: install the package only when the command is missing.
ensure_pkg() {
  local cmd="$1" pkg="$2" sudo=""
  if command -v "$cmd" >/dev/null 2>&1; then
    return 0
  fi
  if [[ "$(id -u)" -ne 0 ]]; then
    sudo="sudo"
  fi
  echo "test.sh: '$cmd' not found; installing Debian package '$pkg'" >&2
  if [[ "$apt_updated" -eq 0 ]]; then
    $sudo apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$pkg" >/dev/null
}

# The .NET SDK is the one prerequisite (README); say so clearly rather than fail later.
ensure_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "test.sh: 'dotnet' (the .NET 10 SDK) is not on PATH; install it first (see README.md)." >&2
    exit 2
  fi
}

ensure_dotnet
# Integration tests start real servers (NATS now; Redis with its engine):
ensure_pkg nats-server nats-server
# The dashboard's browser test drives Debian's chromium through Playwright (never a downloaded browser).
ensure_pkg chromium chromium
# Integration tests of later issues start real servers; enable these lines with them:
# ensure_pkg redis-server redis-server

# Old results go first, so nothing stale is reported if a later step fails.
rm -rf "$repo/TestResults"

# Locked restore: the packages are exactly those the lock files pin (a dependency changed without them fails here).
dotnet restore Shoal.sln --locked-mode
dotnet format Shoal.sln --verify-no-changes --no-restore

status=0
# A test that hangs is reported (with the name of the test and a dump) after 8 minutes, instead of holding CI until
# its 90-minute limit; the longest single test takes about a minute.
dotnet test Shoal.sln -c Release --logger "trx;LogFilePrefix=shoal" --results-directory "$repo/TestResults" \
  --blame-hang-timeout 8m --blame-hang-dump-type mini "$@" || status=$?

# Every package packs from the build the tests just made (--no-build: 34 s measured on a loaded 2-core machine), with
# warnings as errors and none suppressed; the shoal tool package must stay at most 25 MB (docs/install.md).
rm -rf "$repo/artifacts"
if dotnet pack Shoal.sln -c Release --no-build --no-restore -o "$repo/artifacts"; then
  tool_bytes=$(stat -c %s "$repo"/artifacts/shoal.*.nupkg)
  if (( tool_bytes > 25 * 1024 * 1024 )); then
    echo "test.sh: the shoal tool package is $tool_bytes bytes; the limit is 25 MB (docs/install.md)." >&2
    status=1
  fi
else
  echo "test.sh: dotnet pack failed (above); every package must pack without warnings (docs/install.md)." >&2
  status=1
fi
exit "$status"
