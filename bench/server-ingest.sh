#!/usr/bin/env bash
# HTTP ingest throughput with wrk on loopback, against direct library publish in the same run (docs/benchmarks.md,
# Server ingest). Installs wrk (Debian) when missing. Extra arguments go to the benchmark, e.g. --seconds 20.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
if ! command -v wrk >/dev/null 2>&1; then
  sudo=""; [[ "$(id -u)" -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi
dotnet run -c Release --project bench/Shoal.Benchmarks -- server-ingest "$@"
