#!/usr/bin/env bash
# Configures (once) and builds offstage incrementally into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
python=python3
if ! python3 -c 'import boto3' >/dev/null 2>&1 && [[ -x /usr/bin/python3 ]]; then
  python=/usr/bin/python3  # Debian's python3-boto3 lives there
fi
if [[ ! -f build/build.ninja ]]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPYTHON3="$(command -v "$python")" >/dev/null
fi
cmake --build build -- -j"$(nproc)"
