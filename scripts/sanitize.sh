#!/usr/bin/env bash
# Builds offstage with clang under one sanitizer, in its own build directory, and runs the whole
# ctest suite against that build (the integration tests find its daemon through OFFSTAGE_BIN,
# which CMake sets per build directory). Every clang build also checks the lock annotations
# (-Wthread-safety -Werror).
#   scripts/sanitize.sh asan [ctest args]   ASan + UBSan (also the fuzz targets) in build-asan/
#   scripts/sanitize.sh ubsan [ctest args]  UBSan alone in build-ubsan/
#   scripts/sanitize.sh tsan [ctest args]   TSan in build-tsan/
#   scripts/sanitize.sh KIND --build-only   only configure and build (scripts/test.sh builds
#                                           build-asan/ this way while the normal suite runs)
# A report from any process (the unit tests, or a daemon a test started) fails the run: every
# sanitizer writes to <build dir>/sanitizer-logs/, which must stay empty. The container test and
# the benchmark are left out (the image builds its own binary; timings mean nothing here).
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-}
shift || true
case "$kind" in
  asan) sanitizers=address,undefined fuzz=ON ;;
  ubsan) sanitizers=undefined fuzz=OFF ;;
  tsan) sanitizers=thread fuzz=OFF ;;
  *) echo "usage: scripts/sanitize.sh asan|ubsan|tsan [ctest args]" >&2; exit 2 ;;
esac
dir=build-$kind
python=python3
if ! python3 -c 'import boto3' >/dev/null 2>&1 && [[ -x /usr/bin/python3 ]]; then
  python=/usr/bin/python3  # Debian's python3-boto3 lives there
fi
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [[ ! -f $dir/build.ninja ]]; then
  CXX=clang++-16 cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DOFFSTAGE_SANITIZE="$sanitizers" -DOFFSTAGE_FUZZ="$fuzz" "${launcher[@]}" \
    -DPYTHON3="$(command -v "$python")" >/dev/null
fi
cmake --build "$dir" -- -j"$(nproc)"
[[ ${1:-} == --build-only ]] && exit 0

logs=$PWD/$dir/sanitizer-logs
rm -rf "$logs" && mkdir -p "$logs"
suppressions=$PWD/tests/sanitizers
# Symbolized stacks (function names, lines): any llvm-symbolizer will do (Debian's llvm-14
# comes with libfuzzer-14-dev).
symbolizer=
for candidate in llvm-symbolizer-16 llvm-symbolizer llvm-symbolizer-14; do
  if command -v "$candidate" >/dev/null 2>&1; then symbolizer=$(command -v "$candidate"); break; fi
done
common_options="log_path=$logs/$kind${symbolizer:+:external_symbolizer_path=$symbolizer}"
# Only the chosen sanitizer's options: UBSAN_OPTIONS's log_path would otherwise name TSan's
# reports too.
unset ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS
case "$kind" in
  asan)
    export ASAN_OPTIONS="$common_options:detect_stack_use_after_return=1:strict_string_checks=1:detect_leaks=1"
    export LSAN_OPTIONS="suppressions=$suppressions/lsan.supp:print_suppressions=0"
    export UBSAN_OPTIONS="$common_options:print_stacktrace=1:halt_on_error=1"
    ;;
  ubsan) export UBSAN_OPTIONS="$common_options:print_stacktrace=1:halt_on_error=1" ;;
  tsan)
    export TSAN_OPTIONS="$common_options:second_deadlock_stack=1:suppressions=$suppressions/tsan.supp:print_suppressions=0"
    ;;
esac
# Tests that compare timings skip that part: under a sanitizer they measure the sanitizer.
export OFFSTAGE_SANITIZED=$kind
status=0
ctest --test-dir "$dir" --output-on-failure --timeout 900 -j "$(nproc)" \
  -E '^(container/|bench/)' "$@" || status=$?
if compgen -G "$logs/*" >/dev/null; then
  echo "== sanitizer reports ($kind) =="
  for f in "$logs"/*; do echo "-- $f"; cat "$f"; done
  status=1
fi
exit $status
