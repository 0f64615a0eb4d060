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
# The partition tests (Category=Partition) build networks of namespaces with iproute2 and cut links with nftables; they
# need root and skip, saying why, without it (docs/testing.md). Not root: nothing to install for them.
if [[ "$(id -u)" -eq 0 ]]; then
  ensure_pkg ip iproute2
  ensure_pkg nft nftables
fi
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

# check_worker_sample <dir>: runs the worker sample built in <dir> and waits (at most 30 s) until GET /health/ready
# answers 200, i.e. its engine opened and its group's member holds its partitions; then stops it with SIGTERM.
check_worker_sample() {
  local dir="$1" log pid url="" ready="" deadline=$((SECONDS + 30))
  log="$(mktemp)"
  # Port 0: Kestrel picks a free port and logs it ("Now listening on: http://127.0.0.1:PORT").
  (cd "$dir" && exec dotnet Shoal.Samples.Worker.dll --urls http://127.0.0.1:0) >"$log" 2>&1 &
  pid=$!
  while (( SECONDS < deadline )) && kill -0 "$pid" 2>/dev/null; do
    if [[ -z "$url" ]]; then
      url="$(grep -o 'Now listening on: http://[^ ]*' "$log" | head -n 1 | sed 's/^Now listening on: //' | tr -d '\r')" || true
    fi
    if [[ -n "$url" ]] && [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url/health/ready")" == "200" ]]; then
      ready=1
      break
    fi
    sleep 0.2
  done
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [[ -z "$ready" ]]; then
    echo "test.sh: the worker sample built from the local feed did not answer 200 on /health/ready within 30 s; its output:" >&2
    cat "$log" >&2
  fi
  rm -f "$log"
  [[ -n "$ready" ]]
}

# The samples as an application uses Shoal: built against the packages just packed into ./artifacts (package
# references, -p:ShoalFromPackages=true, see samples/Directory.Build.props), so a package missing a file or a
# dependency fails here. Their tests' results go to TestResults/ with the others; the worker must become ready.
samples_from_feed() {
  local samples_bin="$repo/artifacts/samples/bin"
  dotnet build samples/Shoal.Samples.slnf -c Release -p:ShoalFromPackages=true &&
    dotnet test samples/Shoal.Samples.Tests -c Release --no-build -p:ShoalFromPackages=true \
      --logger "trx;LogFilePrefix=samples-from-feed" --results-directory "$repo/TestResults" &&
    check_worker_sample "$samples_bin/Shoal.Samples.Worker/Release/net10.0"
}

# Every package packs from the build the tests just made (--no-build: 34 s measured on a loaded 2-core machine), with
# warnings as errors and none suppressed; the shoal tool package must stay at most 25 MB (docs/install.md).
rm -rf "$repo/artifacts"
if dotnet pack Shoal.sln -c Release --no-build --no-restore -o "$repo/artifacts"; then
  tool_bytes=$(stat -c %s "$repo"/artifacts/shoal.*.nupkg)
  if (( tool_bytes > 25 * 1024 * 1024 )); then
    echo "test.sh: the shoal tool package is $tool_bytes bytes; the limit is 25 MB (docs/install.md)." >&2
    status=1
  fi
  samples_started=$SECONDS
  if ! samples_from_feed; then
    echo "test.sh: the samples failed when built from the local package feed (above): a package lacks a file or a dependency, or a sample broke (docs/install.md)." >&2
    status=1
  fi
  echo "test.sh: samples from the local feed: $((SECONDS - samples_started)) s."
else
  echo "test.sh: dotnet pack failed (above); every package must pack without warnings (docs/install.md)." >&2
  status=1
fi
exit "$status"
