#!/usr/bin/env bash
# The whole test suite, as CI runs it (about 30 minutes on 2 cores):
#   1. format check (clang-format 14)
#   2. g++ Release build for this machine, warnings as errors, and every test
#      (kernels on each compiled instruction set against the scalar reference,
#      runtime dispatch per target, engine-style mixed flags, -ffast-math
#      callers, -fno-exceptions, ThreadSanitizer, header self-containment in
#      C++17 and C++20, model configs and ropekit-inspect, the install and
#      add_subdirectory consumers)
#   3. older x86 CPUs: a build without -march flags, its dispatch and
#      mixed-flags tests run natively and under qemu as Nehalem (SSE4.2, no
#      AVX) and Haswell (AVX2 + FMA + F16C, no AVX-512), and its header-kernel
#      suites (SSE2) under qemu as Nehalem
#   4. clang++ 14 Debug build under AddressSanitizer + UndefinedBehaviorSanitizer,
#      warnings as errors, and every test but the dispatch library's
#   5. AArch64: cross build (NEON and NEON+BF16 dispatch targets) and every
#      test under qemu-aarch64
#   6. libFuzzer targets, a short run of each from its seed corpus
#   7. the examples and one quick pass of the benchmarks
# ROPEKIT_BUILD_DIR sets where the builds go (default: build/).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${ROPEKIT_BUILD_DIR:-$root/build}"
jobs="$(nproc)"
started=$SECONDS
stage_started=$SECONDS
stage() {
  if ((SECONDS > started)); then echo "   ($((SECONDS - stage_started)) s)"; fi
  stage_started=$SECONDS
  echo "== $*"
}
bash "$root/cmake/install_dependencies.sh" --tests

stage "clang-format"
(cd "$root" && git ls-files '*.hpp' '*.cpp' | xargs clang-format --dry-run -Werror)

stage "g++ Release build (-Werror) and tests"
cmake -S "$root" -B "$build/release" -DCMAKE_BUILD_TYPE=Release -DROPEKIT_WERROR=ON >/dev/null
cmake --build "$build/release" -j "$jobs"
ctest --test-dir "$build/release" --output-on-failure -j "$jobs"

stage "Older x86 CPUs: a build without -march flags, natively and under qemu"
cmake -S "$root" -B "$build/generic" -DCMAKE_BUILD_TYPE=Release -DROPEKIT_WERROR=ON -DROPEKIT_NATIVE=OFF \
  -DROPEKIT_CONSUMER_TESTS=OFF -DROPEKIT_BUILD_BENCH=OFF -DROPEKIT_BUILD_EXAMPLES=OFF -DROPEKIT_INSTALL=OFF >/dev/null
generic_tests=(test_dispatch test_apply_dispatch test_kv_cache_dispatch test_mixed_flags_generic_first
  test_mixed_flags_v3_first test_apply test_kv_cache)
cmake --build "$build/generic" -j "$jobs" --target "${generic_tests[@]}"
run_generic() { # $1: a qemu CPU model, or native
  local cpu="$1" run=()
  if [ "$cpu" != native ]; then run=(qemu-x86_64 -cpu "$cpu"); fi
  local t="$build/generic/tests"
  "${run[@]}" "$t/test_dispatch" --gtest_brief=1
  "${run[@]}" "$t/test_apply_dispatch" --gtest_brief=1 --gtest_filter='*auto*'
  "${run[@]}" "$t/test_kv_cache_dispatch" --gtest_brief=1
  for order in generic_first v3_first; do "${run[@]}" "$t/test_mixed_flags_$order"; done
  echo "ok: ${cpu%%,*}"
}
run_generic native
run_generic Nehalem
# and the header kernels as a baseline build compiles them (SSE2)
qemu-x86_64 -cpu Nehalem "$build/generic/tests/test_apply" --gtest_brief=1
qemu-x86_64 -cpu Nehalem "$build/generic/tests/test_kv_cache" --gtest_brief=1
# qemu's Haswell model less the features its TCG does not emulate (no warnings)
run_generic Haswell,-pcid,-x2apic,-tsc-deadline,-hle,-invpcid,-rtm

stage "clang++ Debug build under ASan + UBSan (-Werror) and tests"
# (the dispatch library holds the same kernel templates the header suites
# instantiate; it is left out here to keep CI short)
cmake -S "$root" -B "$build/sanitize" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DROPEKIT_WERROR=ON \
  -DROPEKIT_BUILD_BENCH=OFF -DROPEKIT_BUILD_EXAMPLES=OFF -DROPEKIT_CONSUMER_TESTS=OFF -DROPEKIT_INSTALL=OFF \
  -DROPEKIT_BUILD_DISPATCH=OFF -DCMAKE_CXX_FLAGS_DEBUG=-gline-tables-only \
  -DCMAKE_CXX_FLAGS="-O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" >/dev/null
cmake --build "$build/sanitize" -j "$jobs"
ASAN_OPTIONS=detect_leaks=1 ctest --test-dir "$build/sanitize" --output-on-failure -j "$jobs"

stage "AArch64: cross build and tests under qemu-aarch64"
cmake -S "$root" -B "$build/aarch64" --toolchain "$root/cmake/toolchains/aarch64-linux-gnu.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DROPEKIT_WERROR=ON -DROPEKIT_NATIVE=OFF -DROPEKIT_BUILD_BENCH=OFF \
  -DROPEKIT_CONSUMER_TESTS=OFF -DROPEKIT_INSTALL=OFF >/dev/null
cmake --build "$build/aarch64" -j "$jobs"
ctest --test-dir "$build/aarch64" --output-on-failure -j "$jobs"

stage "libFuzzer targets, 20 s each"
ROPEKIT_BUILD_DIR="$build" bash "$root/fuzz/run.sh" 20

stage "Examples"
for example in "$build/release/examples/"example_*; do "$example" >/dev/null && echo "ok: $(basename "$example")"; done

stage "Benchmarks, one quick pass"
"$build/release/bench/rope_report" --quick >/dev/null
"$build/release/bench/bench_encodings" --benchmark_min_time=0.001 >/dev/null
echo "benchmarks ran"
stage "all passed in $(((SECONDS - started) / 60)) min"
