#!/usr/bin/env bash
# Configures (once) and builds offstage incrementally into build/.
# The daemon is linked statically (every library but glibc, with link-time optimisation:
# cmake/static_deps.cmake), with cpp-httplib and libzip built from Debian's source packages into
# build/deps (scripts/static-deps.sh; needs deb.debian.org once). OFFSTAGE_STATIC=0 builds against
# Debian's shared libraries instead (what the checked builds, scripts/sanitize.sh, always do).
set -euo pipefail
cd "$(dirname "$0")/.."
python=python3
if ! python3 -c 'import boto3' >/dev/null 2>&1 && [[ -x /usr/bin/python3 ]]; then
  python=/usr/bin/python3  # Debian's python3-boto3 lives there
fi
deps=""
if [[ "${OFFSTAGE_STATIC:-1}" == 1 ]]; then
  deps=$PWD/build/deps
  scripts/static-deps.sh "$deps" || {
    echo "building cpp-httplib and libzip from Debian's source packages failed (above);" \
         "OFFSTAGE_STATIC=0 scripts/build.sh builds with Debian's shared libraries" >&2
    exit 1
  }
fi
# Configured afresh when the choice of static or shared changed: the libraries found for one
# (OpenSSL's, in CMake's cache) are not the other's.
if [[ ! -f build/build.ninja ]] \
   || ! grep -qx "OFFSTAGE_STATIC_DEPS:PATH=$deps" build/CMakeCache.txt; then
  cmake --fresh -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPYTHON3="$(command -v "$python")" \
        -DOFFSTAGE_STATIC_DEPS="$deps" >/dev/null
fi
cmake --build build -- -j"$(nproc)"
