// Accurate angles hold in a translation unit built with -ffast-math: the
// kernel's cos and sin there are within 1 float ulp of the exact values at
// the ends of the accurate range, and NaN tables are still rejected. (The
// functions below come from fast_math_kernels.cpp; ropekit's functions there
// live in another ABI namespace than this file's, so both coexist.)
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support.hpp"

void fast_math_cos_sin(const std::vector<float>& inv_freq, std::int64_t position, std::vector<float>& cos_out,
                       std::vector<float>& sin_out);
std::string fast_math_nan_rejection(bool in_attention_factor);

namespace {

TEST(FastMath, AccurateAnglesWithinOneUlp) {
  ropekit::RopeSpec spec;
  spec.rotary_dim = 128;
  spec.base = 500000.0;
  const auto f = ropekit::frequencies(spec);
  for (std::int64_t p : {std::int64_t(0), std::int64_t(1), std::int64_t(1000000), std::int64_t(16777217),
                         std::int64_t(2147483647), -std::int64_t(2147483647), std::int64_t(1) << 31}) {
    std::vector<float> c, s;
    fast_math_cos_sin(f.inv_freq, p, c, s);
    double worst = 0;
    for (std::size_t i = 0; i < f.inv_freq.size(); ++i) {
      const long double angle = static_cast<long double>(p) * f.inv_freq[i];
      worst = std::max(worst, rk_test::float_ulps(c[i], double(std::cos(angle))));
      worst = std::max(worst, rk_test::float_ulps(s[i], double(std::sin(angle))));
    }
    EXPECT_LE(worst, 1.0) << "position " << p;
  }
}

TEST(FastMath, NanTablesAreRejected) {
  EXPECT_NE(fast_math_nan_rejection(false).find("inv_freq[2]"), std::string::npos);
  EXPECT_NE(fast_math_nan_rejection(true).find("attention_factor"), std::string::npos);
}

}  // namespace
