#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, ASan + UBSan, in build-asan/, shared with
# `scripts/sanitize.sh asan`) and runs each for SECONDS (default 60), starting from its committed
# seeds in tests/fuzz/corpus/<name>/. New inputs go to build-asan/fuzz-corpus/<name>/ (not
# committed); a crash stops the run and is saved as build-asan/fuzz-crashes/<name>-crash-<sha1>.
# Reproduce one: build-asan/fuzz/<name>_fuzz <that file>   (tests/README.md).
#   scripts/fuzz.sh [SECONDS] [target...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
dir=build-asan
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [[ ! -f $dir/build.ninja ]]; then
  CXX=clang++-16 cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DOFFSTAGE_SANITIZE=address,undefined -DOFFSTAGE_FUZZ=ON "${launcher[@]}" >/dev/null
fi
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  for f in tests/fuzz/*_fuzz.cc; do n=$(basename "$f" _fuzz.cc); targets+=("$n"); done
fi
cmake --build "$dir" --target "${targets[@]/%/_fuzz}" -- -j"$(nproc)"
mkdir -p "$dir/fuzz-crashes"
# Symbolized stacks (function names, lines) when an llvm-symbolizer is installed.
if command -v llvm-symbolizer >/dev/null 2>&1; then
  export ASAN_SYMBOLIZER_PATH=$(command -v llvm-symbolizer)
fi
export ASAN_OPTIONS="detect_leaks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
for name in "${targets[@]}"; do
  corpus=$dir/fuzz-corpus/$name
  mkdir -p "$corpus"
  echo "== fuzz $name for ${seconds}s"
  if ! "$dir/fuzz/${name}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$dir/fuzz-crashes/$name-" \
      "$corpus" "tests/fuzz/corpus/$name" 2>"$dir/fuzz-$name.log"; then
    tail -n 60 "$dir/fuzz-$name.log"
    echo "fuzz $name: crash; reproduce with $dir/fuzz/${name}_fuzz $dir/fuzz-crashes/$name-*" >&2
    exit 1
  fi
  grep -E '^stat::number_of_executed_units|^Done' "$dir/fuzz-$name.log" | tr '\n' ' '
  echo
done
