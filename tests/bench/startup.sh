#!/usr/bin/env bash
# Daemon start to first answered GET /_offstage/health, and idle RSS (a benchmark, not a test).
# Runs each configuration RUNS times (default 20) and prints min / median / max.
#   tests/bench/startup.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-20}
scripts/build.sh >/dev/null
probe=build/offstage_startup_probe
bin=build/offstage
port=$((20000 + RANDOM % 20000))
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

measure() {  # label, serve args...
  local label=$1; shift
  local times=() rss=() anon=()
  for ((i = 0; i < runs; i++)); do
    read -r ms kib anon_kib < <("$probe" "$bin" "$port" "$@")
    times+=("$ms"); rss+=("$kib"); anon+=("$anon_kib")
  done
  python3 - "$label" "${times[*]}" "${rss[*]}" "${anon[*]}" <<'PY'
import statistics, sys
label = sys.argv[1]
times, rss, anon = ([float(x) for x in a.split()] for a in sys.argv[2:5])
print(f"| {label:<28} | {min(times):7.2f} | {statistics.median(times):7.2f} | {max(times):7.2f} "
      f"| {statistics.median(rss)/1024:8.2f} | {statistics.median(anon)/1024:9.2f} |")
PY
}

echo "offstage $($bin --version | cut -d' ' -f2), $(nproc) cores, $runs runs each"
echo "| configuration                | min ms  | p50 ms  | max ms  | RSS MiB  | anon MiB  |"
echo "|------------------------------|---------|---------|---------|----------|-----------|"
measure "--ephemeral" --ephemeral
rm -rf "$tmp/data"
measure "--data-dir (existing state)" --data-dir "$tmp/data"
echo "targets: start <= 10 ms, idle RSS <= 8 MiB (RSS includes shared library text; anon is private memory)"
