#!/usr/bin/env bash
# The whole suite: installs what is missing (Debian packages, npm packages from the committed
# lockfile), builds, and runs every test through ctest. Each integration test starts its own
# daemon on an ephemeral port, so nothing needs to be running beforehand. Then the checked
# builds (tests/README.md): the suite again under ASan + UBSan with clang's lock analysis
# (build-asan/), and each fuzz target for 15 s. OFFSTAGE_SKIP_CHECKS=1 skips those two.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/build.sh
scripts/format.sh --check || { echo "formatting differs: run scripts/format.sh"; exit 1; }
ctest --test-dir build --output-on-failure --timeout 600 -j "$(nproc)" "$@"
if [[ "${OFFSTAGE_SKIP_CHECKS:-0}" != 1 ]]; then
  scripts/sanitize.sh asan
  scripts/fuzz.sh 15
fi
