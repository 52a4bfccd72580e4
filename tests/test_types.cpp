// f16 / bf16 storage conversions: exhaustive against independent definitions.
#include <cmath>
#include <cstring>
#include <random>

#include <gtest/gtest.h>

#include <ropekit/types.hpp>

namespace {

float bits_to_float(std::uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// binary16 value from its fields, by the IEEE 754 definition.
double f16_value(std::uint16_t h) {
  const int sign = h >> 15, e = (h >> 10) & 31, m = h & 1023;
  double v = e == 0 ? std::ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : std::ldexp(1024 + m, e - 25);
  return sign ? -v : v;
}

TEST(Types, F16ToFloatIsExactForAllCodes) {
  for (std::uint32_t h = 0; h < 65536; ++h) {
    const double expected = f16_value(std::uint16_t(h));
    const float got = ropekit::to_float(ropekit::f16{std::uint16_t(h)});
    if (std::isnan(expected)) {
      EXPECT_TRUE(std::isnan(got)) << h;
    } else {
      EXPECT_EQ(double(got), expected) << h;
      EXPECT_EQ(std::signbit(got), bool(h >> 15)) << h;
    }
  }
}

TEST(Types, F16RoundTripAndNearestEven) {
  // Every finite f16 converts back to itself.
  for (std::uint32_t h = 0; h < 65536; ++h) {
    if (((h >> 10) & 31) == 31) continue;
    EXPECT_EQ(ropekit::to_f16(ropekit::to_float(ropekit::f16{std::uint16_t(h)})).bits, h) << h;
  }
  // Midpoints between neighbours round to the even code; just off them, to
  // the nearer one. Covers normals and subnormals.
  for (std::uint32_t h = 0; h < 0x7bff; ++h) {
    const double lo = f16_value(std::uint16_t(h)), hi = f16_value(std::uint16_t(h + 1));
    const float mid = float((lo + hi) / 2);  // exact in float
    const std::uint16_t even = (h & 1) ? std::uint16_t(h + 1) : std::uint16_t(h);
    EXPECT_EQ(ropekit::to_f16(mid).bits, even) << h;
    EXPECT_EQ(ropekit::to_f16(std::nextafter(mid, 0.0f)).bits, h) << h;
    EXPECT_EQ(ropekit::to_f16(std::nextafter(mid, 1e9f)).bits, h + 1) << h;
  }
  EXPECT_EQ(ropekit::to_f16(65520.0f).bits, 0x7c00);  // rounds up to infinity
  EXPECT_EQ(ropekit::to_f16(65519.99f).bits, 0x7bff);
  EXPECT_EQ(ropekit::to_f16(-1e30f).bits, 0xfc00);
  EXPECT_EQ(ropekit::to_f16(std::nanf("")).bits & 0x7e00, 0x7e00);
}

TEST(Types, Bf16NearestEvenAndSpecials) {
  std::mt19937 g(7);
  for (int k = 0; k < 1000000; ++k) {
    const std::uint32_t u = g();
    const float x = bits_to_float(u);
    const std::uint16_t got = ropekit::to_bf16(x).bits;
    if (std::isnan(x)) {
      EXPECT_TRUE(std::isnan(ropekit::to_float(ropekit::bf16{got})));
      continue;
    }
    // Independent: pick the nearer of the two truncations (ties to even).
    const std::uint16_t down = std::uint16_t(u >> 16), up = std::uint16_t(down + 1);
    const double dx = double(x), dd = double(bits_to_float(std::uint32_t(down) << 16));
    // Past the largest finite value IEEE rounding compares with 2^128 (the
    // next value were the exponent unbounded).
    const double du =
        (up & 0x7fff) == 0x7f80 ? std::copysign(0x1p128, dx) : double(bits_to_float(std::uint32_t(up) << 16));
    const double ed = std::abs(dx - dd), eu = std::abs(du - dx);
    const std::uint16_t want = ed < eu ? down : eu < ed ? up : ((down & 1) ? up : down);
    ASSERT_EQ(got, want) << std::hex << u;
  }
}

TEST(Types, FromDoubleRoundsOnce) {
  // 1 + 2^-8 + 2^-30 is just above the bf16 midpoint between 1 and 1 + 2^-7:
  // double -> float rounds the 2^-30 away (tie), a second rounding would then
  // go to even (1.0); a single rounding goes up.
  EXPECT_EQ(ropekit::from_double<ropekit::bf16>(1.0 + 0x1p-8 + 0x1p-30).bits, ropekit::to_bf16(1.0f + 0x1p-7f).bits);
  EXPECT_EQ(ropekit::from_double<ropekit::f16>(1.0 + 0x1p-11 + 0x1p-40).bits, ropekit::to_f16(1.0f + 0x1p-10f).bits);
  EXPECT_EQ(ropekit::from_double<ropekit::f16>(1.0 + 0x1p-11).bits, ropekit::to_f16(1.0f).bits);  // exact tie: even
}

}  // namespace
