// Angle accuracy: ropekit's cos/sin against long double (exact product, glibc's
// exact argument reduction) at the positions where float32 angles fail.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "support.hpp"

namespace {

using Isa = ropekit::isa::best_compiled;
using B = ropekit::detail::batch_t<Isa, double>;

/// The positions named by the design: 0, powers of two and their neighbours,
/// 10^6, 2^24 + 1 (the first integer float32 cannot hold) and 2^31 - 1.
const std::vector<std::int64_t> kPositions = {0, 1, 4095, 4096, 65535, 131071, 1000000, 16777217, 2147483647};

/// Every pair of several real tables.
std::vector<float> all_inv_freq() {
  std::vector<float> out;
  for (double base : {10000.0, 500000.0, 1000000.0}) {
    ropekit::RopeSpec s;
    s.rotary_dim = 128;
    s.base = base;
    const auto f = ropekit::frequencies(s);
    out.insert(out.end(), f.inv_freq.begin(), f.inv_freq.end());
  }
  ropekit::RopeSpec s;
  s.rotary_dim = 128;
  s.base = 500000.0;
  s.scaling = ropekit::scaling::Llama3{8.0, 1.0, 4.0, 8192};
  const auto f = ropekit::frequencies(s);
  out.insert(out.end(), f.inv_freq.begin(), f.inv_freq.end());
  return out;
}

/// Max error in float ulps (of the exact value's magnitude) of float(cos) and
/// float(sin) from sincos_position, against long double.
double max_ulps(std::int64_t position, const std::vector<float>& inv, ropekit::AngleMode mode) {
  double worst = 0;
  for (std::size_t i = 0; i < inv.size(); i += B::size) {
    alignas(64) double in[B::size];
    for (std::size_t j = 0; j < B::size; ++j) in[j] = i + j < inv.size() ? inv[i + j] : 0.0;
    B s, c;
    ropekit::detail::sincos_position<Isa, float>(position, in, mode, s, c);
    for (std::size_t j = 0; j < B::size && i + j < inv.size(); ++j) {
      long double angle = mode == ropekit::AngleMode::accurate
                              ? static_cast<long double>(position) * inv[i + j]
                              : static_cast<long double>(static_cast<float>(float(position) * inv[i + j]));
      const double exact_c = double(std::cos(angle)), exact_s = double(std::sin(angle));
      worst = std::max(worst, rk_test::float_ulps(float(c.get(j)), exact_c));
      worst = std::max(worst, rk_test::float_ulps(float(s.get(j)), exact_s));
    }
  }
  return worst;
}

// The bound of the design: within 4 float ulps of the exact value at every
// position below 2^31 (the float rounding alone is 0.5 ulp; the double
// computation before it adds far less than 1 ulp).
TEST(Angles, AccurateWithinFourUlpsAtNamedPositions) {
  const auto inv = all_inv_freq();
  for (std::int64_t p : kPositions) EXPECT_LE(max_ulps(p, inv, ropekit::AngleMode::accurate), 4.0) << p;
}

TEST(Angles, AccurateWithinFourUlpsAtRandomPositions) {
  const auto inv = all_inv_freq();
  std::uniform_int_distribution<std::int64_t> d(-(std::int64_t(1) << 31) + 1, (std::int64_t(1) << 31) - 1);
  for (int k = 0; k < 2000; ++k) {
    const std::int64_t p = d(rk_test::rng());
    ASSERT_LE(max_ulps(p, inv, ropekit::AngleMode::accurate), 4.0) << p;
  }
}

TEST(Angles, Float32ModeIsTheCosSinOfTheFloatAngle) {
  const auto inv = all_inv_freq();
  for (std::int64_t p : kPositions) EXPECT_LE(max_ulps(p, inv, ropekit::AngleMode::float32_compatible), 4.0) << p;
}

// The reason for the accurate mode: float32 angles are far off at 10^6.
TEST(Angles, Float32AnglesLoseAccuracyAtLargePositions) {
  const auto inv = all_inv_freq();
  double worst = 0;
  for (float f : inv) {
    const double exact = double(std::cos(static_cast<long double>(1000000) * f));
    const double f32 = double(std::cos(static_cast<long double>(float(1000000.0f * f))));
    worst = std::max(worst, std::abs(f32 - exact));
  }
  EXPECT_GT(worst, 1e-2);  // ~3e-2 for these tables
}

TEST(Angles, ReferenceCosSinIsExactToDouble) {
  // reference::cos_sin against the same long double evaluation, and the
  // identity cos^2 + sin^2 = 1 to double rounding.
  for (std::int64_t p : kPositions) {
    for (float f : {1.0f, 0.5f, 1e-4f, 3.1415927f}) {
      double c, s;
      ropekit::reference::cos_sin(p, f, ropekit::AngleMode::accurate, c, s);
      EXPECT_EQ(c, double(std::cos(static_cast<long double>(p) * f)));
      EXPECT_NEAR(c * c + s * s, 1.0, 4e-16);
    }
  }
}

}  // namespace
