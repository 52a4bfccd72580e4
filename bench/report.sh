#!/usr/bin/env bash
# The benchmark report: builds the benchmarks for this machine and runs them.
# Each kernel row reports x_stream (time / an in-place streaming pass over the
# same bytes), vs_reference and vs_naive (speed-ups) and ns_per_token.
# Extra arguments go to Google Benchmark, e.g. --benchmark_filter=llama3.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${ROPEKIT_BUILD_DIR:-$root/build}/bench-report"
bash "$root/cmake/install_dependencies.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DROPEKIT_BUILD_TESTS=OFF -DROPEKIT_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target bench_rope bench_encodings
"$build/bench/bench_rope" --benchmark_min_time=0.2 --benchmark_counters_tabular=true "$@"
"$build/bench/bench_encodings" --benchmark_min_time=0.2 "$@"
