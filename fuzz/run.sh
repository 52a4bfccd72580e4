#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a
# fixed time from its seed corpus (fuzz/corpus/<name without fuzz_>, copied,
# so the tree is not modified). A finding stops the run with the fuzzer's
# report and a non-zero exit; the reproducer is left in the work directory.
# Usage: fuzz/run.sh SECONDS_PER_TARGET [target ...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-30}"
shift || true
build="${ROPEKIT_BUILD_DIR:-$root/build}/fuzz"
work="$build/work"
cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DROPEKIT_BUILD_FUZZERS=ON \
  -DROPEKIT_BUILD_TESTS=OFF -DROPEKIT_BUILD_BENCH=OFF -DROPEKIT_BUILD_EXAMPLES=OFF -DROPEKIT_BUILD_DISPATCH=OFF \
  -DROPEKIT_INSTALL=OFF >/dev/null
targets=("$@")
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <(cmake --build "$build" --target help | sed -n 's/^\.\.\. \(fuzz_[a-z0-9_]*\).*/\1/p' | sort)
fi
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}"
for target in "${targets[@]}"; do
  corpus="$work/${target#fuzz_}"
  rm -rf "$corpus" && mkdir -p "$corpus"
  seeds="$root/fuzz/corpus/${target#fuzz_}"
  if [ -d "$seeds" ]; then cp -r "$seeds/." "$corpus/"; fi
  echo "== $target: ${seconds}s"
  (cd "$work" && "$build/fuzz/$target" -max_total_time="$seconds" -print_final_stats=1 "$corpus" 2>&1 |
    grep -E "^(#[0-9]+.*DONE|Done|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)|runtime error" || true)
  # libFuzzer exits non-zero on a finding; the pipeline above hides it, so
  # look for the crash file it writes.
  if compgen -G "$work/crash-*" >/dev/null || compgen -G "$work/leak-*" >/dev/null ||
    compgen -G "$work/timeout-*" >/dev/null || compgen -G "$work/oom-*" >/dev/null; then
    echo "$target: finding, reproducer in $work" >&2
    exit 1
  fi
done
echo "fuzzers ran: ${targets[*]}"
