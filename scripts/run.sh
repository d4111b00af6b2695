#!/usr/bin/env bash
# Installs what is missing, builds incrementally, and runs build/offstage (default: serve).
#   scripts/run.sh                      serve on 127.0.0.1:4566 with ./.offstage
#   scripts/run.sh serve --ephemeral    any offstage arguments
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh >&2
if [[ $# -eq 0 ]]; then set -- serve; fi
exec build/offstage "$@"
