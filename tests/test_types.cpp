// f16 / bf16 / e4m3 / e5m2 storage conversions: exhaustive against independent definitions.
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

// ---------------------------------------------------------------------------
// 8-bit floats (OCP E4M3 "fn" and E5M2), against their definitions: the value
// of every code from its fields, and conversion from float as nearest with
// ties to the even code, found here by exhaustive search over the codes.
// ---------------------------------------------------------------------------

/// Value of an 8-bit code with M mantissa bits and bias B (NaN/inf per format).
double fp8_value(std::uint8_t c, int m_bits, int bias, bool fn) {
  const int e_bits = 7 - m_bits;
  const int sign = c >> 7, e = (c >> m_bits) & ((1 << e_bits) - 1), m = c & ((1 << m_bits) - 1);
  double v;
  if (fn && e == (1 << e_bits) - 1 && m == (1 << m_bits) - 1) return NAN;
  if (!fn && e == (1 << e_bits) - 1) {
    v = m ? NAN : INFINITY;
  } else if (e == 0) {
    v = std::ldexp(m, 1 - bias - m_bits);
  } else {
    v = std::ldexp((1 << m_bits) + m, e - bias - m_bits);
  }
  return sign ? -v : v;
}

/// The code x rounds to: nearest finite code, ties to even (lowest bit 0);
/// beyond the largest finite value: saturate (e4m3) or infinity (e5m2).
std::uint8_t fp8_expected(float x, int m_bits, int bias, bool fn) {
  if (std::isnan(x)) return 0xff;  // marker: any NaN
  const std::uint8_t sign = std::signbit(x) ? 0x80 : 0;
  const double a = std::fabs(double(x));
  double max_finite = 0;
  std::uint8_t max_code = 0;
  for (int c = 0; c < 128; ++c) {
    const double v = fp8_value(std::uint8_t(c), m_bits, bias, fn);
    if (std::isfinite(v) && v > max_finite) max_finite = v, max_code = std::uint8_t(c);
  }
  const double ulp_top = std::ldexp(1.0, std::ilogb(max_finite) - m_bits);
  if (std::isinf(x) || a >= max_finite + ulp_top / 2) return sign | (fn ? max_code : std::uint8_t(max_code + 1));
  std::uint8_t best = 0;
  double best_d = INFINITY;
  for (int c = 0; c <= max_code; ++c) {
    const double d = std::fabs(a - fp8_value(std::uint8_t(c), m_bits, bias, fn));
    if (d < best_d || (d == best_d && (c & 1) == 0)) best_d = d, best = std::uint8_t(c);
  }
  return sign | best;
}

template <class T>
void check_fp8(int m_bits, int bias, bool fn) {
  auto convert = [](float x) -> std::uint8_t { return ropekit::from_float<T>(x).bits; };
  auto check = [&](float x) {
    const std::uint8_t want = fp8_expected(x, m_bits, bias, fn);
    const std::uint8_t got = convert(x);
    if (want == 0xff) {
      ASSERT_TRUE(std::isnan(ropekit::to_float(T{got}))) << x;
      ASSERT_EQ(got & 0x80, std::signbit(x) ? 0x80 : 0) << x;
    } else {
      ASSERT_EQ(int(got), int(want)) << "x = " << x << " (bits " << std::hex << ropekit::detail::float_bits(x) << ")";
    }
  };
  // Every code's value is exact, and converts back to itself.
  for (int c = 0; c < 256; ++c) {
    const double v = fp8_value(std::uint8_t(c), m_bits, bias, fn);
    const float f = ropekit::to_float(T{std::uint8_t(c)});
    if (std::isnan(v)) {
      EXPECT_TRUE(std::isnan(f)) << c;
      continue;
    }
    EXPECT_EQ(double(f), v) << c;
    if (std::isfinite(v)) {
      EXPECT_EQ(int(convert(f)), c) << c;
    }
  }
  // Every rounding boundary: each midpoint between neighbouring codes (and
  // beyond the largest), exactly and 1, 2 float ulps either side, both signs.
  for (int c = 0; c < 127; ++c) {
    const double lo = fp8_value(std::uint8_t(c), m_bits, bias, fn),
                 hi = fp8_value(std::uint8_t(c + 1), m_bits, bias, fn);
    if (!std::isfinite(lo)) continue;
    const double top = std::isfinite(hi) ? hi : lo + (lo - fp8_value(std::uint8_t(c - 1), m_bits, bias, fn));
    const float mid = float((lo + top) / 2);
    ASSERT_EQ(double(mid), (lo + top) / 2);  // midpoints are floats
    for (int k = -2; k <= 2; ++k) {
      const std::uint32_t b = ropekit::detail::float_bits(mid) + std::uint32_t(k);
      check(bits_to_float(b));
      check(-bits_to_float(b));
    }
  }
  // Every float whose 16 high bits differ (all exponents, NaN, inf,
  // subnormals), and random bit patterns.
  for (std::uint32_t h = 0; h < 65536; ++h) check(bits_to_float((h << 16) | (h & 0x8001u ? 0x1234u : 0u)));
  std::mt19937 g(99);
  for (int i = 0; i < 300000; ++i) check(bits_to_float(g()));
}

TEST(Types, E4m3Exhaustive) { check_fp8<ropekit::e4m3>(3, 7, true); }
TEST(Types, E5m2Exhaustive) { check_fp8<ropekit::e5m2>(2, 15, false); }

TEST(Types, Fp8EndsOfTheRange) {
  EXPECT_EQ(ropekit::to_e4m3(448.0f).bits, 0x7e);
  EXPECT_EQ(ropekit::to_e4m3(1e30f).bits, 0x7e);  // saturates
  EXPECT_EQ(ropekit::to_e4m3(-INFINITY).bits, 0xfe);
  EXPECT_EQ(ropekit::to_float(ropekit::e4m3{0x01}), 0.001953125f);  // smallest subnormal 2^-9
  EXPECT_EQ(ropekit::to_e5m2(57344.0f).bits, 0x7b);
  EXPECT_EQ(ropekit::to_e5m2(61440.0f).bits, 0x7c);  // the midpoint to the next binade rounds to even: infinity
  EXPECT_EQ(ropekit::to_e5m2(INFINITY).bits, 0x7c);
  EXPECT_EQ(ropekit::to_float(ropekit::e5m2{0x01}), 1.52587890625e-05f);  // 2^-16
}

}  // namespace
