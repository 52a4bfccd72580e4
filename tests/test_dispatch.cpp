// ropekit::dispatch: the target chosen matches what the CPU reports (read here
// independently of the library: the compiler's CPU-feature builtins on x86-64,
// the auxiliary vector on AArch64), forcing a target works, and every
// supported target's kernel gives the results of the header kernel for the
// same instruction set, bit for bit.
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support.hpp"

#if defined(__aarch64__)
#  include <sys/auxv.h>
#endif
#if defined(__x86_64__) && defined(__clang__)
#  include <cpuid.h>
#endif

namespace {

using ropekit::dispatch::Target;

const std::vector<Target> kAll = {Target::sse2,        Target::avx2, Target::avx512,
                                  Target::avx512_bf16, Target::neon, Target::neon_bf16};

/// What this CPU can run, from the compiler's view of the CPU.
bool cpu_can_run(Target t) {
#if defined(__x86_64__)
  __builtin_cpu_init();
#  if defined(__clang__)
  // clang 14 knows neither "f16c" nor "avx512bf16" as feature strings: read
  // CPUID leaf 1 ECX bit 29 and leaf 7 subleaf 1 EAX bit 5 directly.
  unsigned a = 0, b, c = 0, d;
  const bool f16c = __get_cpuid(1, &a, &b, &c, &d) && ((c >> 29) & 1);
  a = 0;
  const bool bf16 = __get_cpuid_count(7, 1, &a, &b, &c, &d) && ((a >> 5) & 1);
#  else
  const bool f16c = __builtin_cpu_supports("f16c");
  const bool bf16 = __builtin_cpu_supports("avx512bf16");
#  endif
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && f16c;
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
                      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
                      __builtin_cpu_supports("avx512vl");
  switch (t) {
    case Target::sse2:
      return true;
    case Target::avx2:
      return avx2;
    case Target::avx512:
      return avx512;
    case Target::avx512_bf16:
      return avx512 && bf16;
    default:
      return false;
  }
#elif defined(__aarch64__)
  const bool bf16 = (getauxval(AT_HWCAP2) & (1ul << 14)) != 0;
  return t == Target::neon || (t == Target::neon_bf16 && bf16);
#else
  (void)t;
  return false;
#endif
}

TEST(Dispatch, SupportedTargetsAreWhatTheCpuReports) {
  for (Target t : kAll) {
    SCOPED_TRACE(ropekit::dispatch::name(t));
    EXPECT_EQ(ropekit::dispatch::supported(t), ropekit::dispatch::compiled(t) && cpu_can_run(t));
  }
#if defined(__x86_64__)
  for (Target t : {Target::sse2, Target::avx2, Target::avx512, Target::avx512_bf16})
    EXPECT_TRUE(ropekit::dispatch::compiled(t)) << ropekit::dispatch::name(t);
#elif defined(__aarch64__)
  for (Target t : {Target::neon, Target::neon_bf16}) EXPECT_TRUE(ropekit::dispatch::compiled(t));
#endif
}

TEST(Dispatch, BestIsTheMostCapableSupportedTarget) {
  const Target best = ropekit::dispatch::best();
  EXPECT_TRUE(ropekit::dispatch::supported(best));
  // Targets are declared from least to most capable within an architecture.
  for (Target t : kAll) {
    if (!ropekit::dispatch::supported(t)) continue;
    const bool same_family = (int(t) <= int(Target::avx512_bf16)) == (int(best) <= int(Target::avx512_bf16));
    if (same_family) {
      EXPECT_LE(int(t), int(best)) << ropekit::dispatch::name(t);
    }
  }
}

TEST(Dispatch, SelectedIsTheForcedTargetOrTheBest) {
  const char* forced = std::getenv("ROPEKIT_TARGET");
  const Target selected = ropekit::dispatch::selected();
  std::printf("ropekit::dispatch selected %s (best %s)\n", ropekit::dispatch::name(selected),
              ropekit::dispatch::name(ropekit::dispatch::best()));
  if (forced == nullptr || *forced == '\0') {
    EXPECT_EQ(selected, ropekit::dispatch::best());
    return;
  }
  for (Target t : kAll) {
    if (std::strcmp(forced, ropekit::dispatch::name(t)) != 0) continue;
    if (!ropekit::dispatch::supported(t)) GTEST_SKIP() << forced << " is not supported on this CPU";
    EXPECT_EQ(selected, t);
    return;
  }
  ADD_FAILURE() << "ROPEKIT_TARGET=" << forced << " names no target";
}

/// Runs Q+K through the dispatch library on target t and through the header
/// kernel of isa tag I, and compares the bits.
template <class I, class T>
void expect_same_as_header(Target t) {
  ropekit::RopeSpec spec;
  spec.rotary_dim = 96;
  ropekit::scaling::Yarn yarn;
  yarn.factor = 4.0;
  yarn.original_max_position_embeddings = 512;
  spec.scaling = yarn;
  const auto f = ropekit::frequencies(spec);
  const std::int64_t tokens = 7;
  auto q = rk_test::random_vector<T>(std::size_t(tokens * 5 * 128));
  auto k = rk_test::random_vector<T>(std::size_t(tokens * 2 * 128));
  auto q2 = q, k2 = k;
  const std::vector<std::int64_t> pos = {0, 1, 4095, 4096, 123456, 2147483647, 77};
  ASSERT_TRUE(ropekit::dispatch::select(t));
  for (ropekit::Pairing pairing : {ropekit::Pairing::neox, ropekit::Pairing::interleaved}) {
    ropekit::apply(pairing, f, ropekit::HeadsView<T>::token_major(q.data(), tokens, 5, 128),
                   ropekit::HeadsView<T>::token_major(k.data(), tokens, 2, 128), pos);
    ropekit::apply<I>(pairing, f, ropekit::HeadsView<T>::token_major(q2.data(), tokens, 5, 128),
                      ropekit::HeadsView<T>::token_major(k2.data(), tokens, 2, 128), pos);
  }
  EXPECT_EQ(std::memcmp(q.data(), q2.data(), q.size() * sizeof(T)), 0);
  EXPECT_EQ(std::memcmp(k.data(), k2.data(), k.size() * sizeof(T)), 0);
}

/// Bit-for-bit comparison needs the same instruction set on both sides and
/// the same contraction of multiply-adds: SSE2 has no FMA, so its a * b + c
/// is fused or not depending on the other flags of the translation unit
/// (this file may enable FMA; the library's sse2 unit does not).
template <class I>
void check_target(Target t) {
  SCOPED_TRACE(ropekit::dispatch::name(t));
  if (!ropekit::dispatch::supported(t)) return;
  if constexpr (ropekit::isa::compiled<I> && !std::is_same<I, ropekit::isa::sse2>::value) {
    expect_same_as_header<I, float>(t);
    expect_same_as_header<I, ropekit::bf16>(t);
    expect_same_as_header<I, ropekit::f16>(t);
  } else {
    // Compare with the reference instead (the kernel suites do that thoroughly).
    ASSERT_TRUE(ropekit::dispatch::select(t));
    ropekit::RopeSpec spec;
    spec.rotary_dim = 64;
    const auto f = ropekit::frequencies(spec);
    auto x = rk_test::random_vector<float>(3 * 64);
    std::vector<double> ref(x.size());
    const std::int64_t pos[3] = {5, 1000000, 0};
    ropekit::reference::apply_into(ropekit::Pairing::neox, f,
                                   ropekit::HeadsView<const float>::token_major(x.data(), 3, 1, 64),
                                   ropekit::HeadsView<double>::token_major(ref.data(), 3, 1, 64), pos);
    ropekit::apply(ropekit::Pairing::neox, f, ropekit::HeadsView<float>::token_major(x.data(), 3, 1, 64), pos);
    for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], ref[i], 1e-5 * (1 + std::abs(ref[i])));
  }
}

TEST(Dispatch, EveryTargetMatchesTheHeaderKernel) {
  const Target before = ropekit::dispatch::selected();
  check_target<ropekit::isa::sse2>(Target::sse2);
  check_target<ropekit::isa::avx2>(Target::avx2);
  check_target<ropekit::isa::avx512>(Target::avx512);
  check_target<ropekit::isa::avx512_bf16>(Target::avx512_bf16);
  check_target<ropekit::isa::neon>(Target::neon);
  check_target<ropekit::isa::neon_bf16>(Target::neon_bf16);
  EXPECT_TRUE(ropekit::dispatch::select(before));
}

/// Every target with an FMA unit (all but sse2) rounds the same operations
/// the same way, so the results agree bit for bit whichever one runs: a
/// fleet of different CPUs gives identical outputs.
template <class T>
void expect_fma_targets_agree() {
  ropekit::RopeSpec spec;
  spec.rotary_dim = 120;
  ropekit::scaling::Yarn yarn;
  yarn.factor = 8.0;
  yarn.original_max_position_embeddings = 4096;
  spec.scaling = yarn;
  const auto f = ropekit::frequencies(spec);
  const std::int64_t tokens = 9;
  const auto x = rk_test::random_vector<T>(std::size_t(tokens * 3 * 128));
  std::vector<std::int64_t> pos(static_cast<std::size_t>(tokens));
  for (auto& p : pos) p = std::int64_t(rk_test::rng()() % 2147483647u);
  std::vector<T> first;
  const char* first_name = nullptr;
  for (Target t : {Target::avx2, Target::avx512, Target::avx512_bf16, Target::neon, Target::neon_bf16}) {
    if (!ropekit::dispatch::supported(t)) continue;
    ASSERT_TRUE(ropekit::dispatch::select(t));
    std::vector<T> y = x;
    for (ropekit::Pairing pairing : {ropekit::Pairing::neox, ropekit::Pairing::interleaved})
      ropekit::apply(pairing, f, ropekit::HeadsView<T>::token_major(y.data(), tokens, 3, 128), pos);
    if (first_name == nullptr) {
      first = y;
      first_name = ropekit::dispatch::name(t);
      continue;
    }
    EXPECT_EQ(std::memcmp(first.data(), y.data(), y.size() * sizeof(T)), 0)
        << ropekit::dispatch::name(t) << " differs from " << first_name;
  }
}

TEST(Dispatch, TargetsWithFmaAgreeBitForBit) {
  const Target before = ropekit::dispatch::selected();
  expect_fma_targets_agree<float>();
  expect_fma_targets_agree<double>();
  expect_fma_targets_agree<ropekit::bf16>();
  expect_fma_targets_agree<ropekit::f16>();
  EXPECT_TRUE(ropekit::dispatch::select(before));
}

TEST(Dispatch, UnsupportedTargetsAreRefused) {
  const Target before = ropekit::dispatch::selected();
  for (Target t : kAll) {
    if (ropekit::dispatch::supported(t)) continue;
    EXPECT_FALSE(ropekit::dispatch::select(t)) << ropekit::dispatch::name(t);
    EXPECT_EQ(ropekit::dispatch::selected(), before);
  }
}

}  // namespace
