#!/usr/bin/env bash
# Runs every benchmark scenario and prints one table; without --quick it also writes the table
# into docs/benchmarks.md. Benchmarks are not part of the test suite (a --quick smoke run is).
#   scripts/bench.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/build.sh >/dev/null
if [[ " $* " != *" --quick "* ]]; then
  # serverless-offline-sns for the side-by-side scenario, from its committed lockfile.
  (cd tests/bench/serverless-offline-sns && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
exec python3 tests/bench/bench.py "$@"
