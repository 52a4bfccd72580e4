#!/usr/bin/env bash
# The whole test suite: format check, warnings-as-errors Release build and
# tests (with the install/add_subdirectory consumer checks), a Debug build of
# the tests under AddressSanitizer + UndefinedBehaviorSanitizer, the examples,
# and one quick pass of every benchmark.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${ROPEKIT_BUILD_DIR:-$root/build}"
jobs="$(nproc)"
bash "$root/cmake/install_dependencies.sh"

echo "== clang-format"
(cd "$root" && git ls-files '*.hpp' '*.cpp' | xargs clang-format --dry-run -Werror)

echo "== Release build (-Werror) and tests"
cmake -S "$root" -B "$build/release" -DCMAKE_BUILD_TYPE=Release -DROPEKIT_WERROR=ON >/dev/null
cmake --build "$build/release" -j "$jobs"
ctest --test-dir "$build/release" --output-on-failure -j "$jobs"

echo "== Debug build under ASan + UBSan, and tests"
cmake -S "$root" -B "$build/sanitize" -DCMAKE_BUILD_TYPE=Debug -DROPEKIT_WERROR=ON \
  -DROPEKIT_BUILD_BENCH=OFF -DROPEKIT_BUILD_EXAMPLES=OFF -DROPEKIT_CONSUMER_TESTS=OFF \
  -DCMAKE_CXX_FLAGS="-O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" >/dev/null
cmake --build "$build/sanitize" -j "$jobs"
ASAN_OPTIONS=detect_leaks=1 ctest --test-dir "$build/sanitize" --output-on-failure -j "$jobs"

echo "== Examples"
for example in "$build/release/examples/"example_*; do "$example" >/dev/null && echo "ok: $(basename "$example")"; done

echo "== Benchmarks, one quick pass"
ROPEKIT_BENCH_QUICK=1 "$build/release/bench/bench_rope" --benchmark_min_time=0.001 >/dev/null
"$build/release/bench/bench_encodings" --benchmark_min_time=0.001 >/dev/null
echo "benchmarks ran"
