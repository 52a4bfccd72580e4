#!/usr/bin/env bash
# The benchmark report: builds rope_report (with ropekit::dispatch, so the
# kernels are the ones a shipped binary picks on this CPU) and the encodings
# benchmark, runs both, and leaves the report in the build directory:
#   report.md   the Markdown tables (also printed): per model shape and type,
#               ns/token, GB/s, x_stream (kernel time / a streaming pass over
#               the same bytes; 1.0 is the memory-bandwidth limit), x_naive and
#               x_ref (speed-ups over a naive version and the scalar reference),
#               multi-axis and KV-cache comparisons with their targets
#   report.svg  x_stream per case as a chart
# Arguments go to rope_report: --quick, --filter TEXT.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${ROPEKIT_BUILD_DIR:-$root/build}/bench-report"
bash "$root/cmake/install_dependencies.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DROPEKIT_BUILD_TESTS=OFF -DROPEKIT_BUILD_EXAMPLES=OFF \
  -DROPEKIT_INSTALL=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target rope_report bench_encodings
"$build/bench/rope_report" --markdown "$build/report.md" --svg "$build/report.svg" "$@"
echo
echo "== Encodings (Google Benchmark)"
"$build/bench/bench_encodings" --benchmark_min_time=0.1
echo
echo "report: $build/report.md, chart: $build/report.svg"
