// Shared helpers for the ropekit tests: random data, poisoning, ulp distances.
#ifndef ROPEKIT_TESTS_SUPPORT_HPP
#define ROPEKIT_TESTS_SUPPORT_HPP

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <ropekit/ropekit.hpp>

namespace rk_test {

/// A fresh generator per test, seeded from the test's name hash and a counter
/// so that each test sees different inputs but runs are reproducible.
inline std::mt19937_64& rng() {
  static std::mt19937_64 g(0x5eed1234abcdULL);
  return g;
}

template <class T>
inline T from_double_value(double v) {
  return ropekit::from_double<T>(v);
}

/// Fills n elements with normal(0, 1) values representable in T.
template <class T>
inline std::vector<T> random_vector(std::size_t n) {
  std::normal_distribution<double> d(0.0, 1.0);
  std::vector<T> v(n);
  for (auto& x : v) x = from_double_value<T>(d(rng()));
  return v;
}

/// A value no correct kernel writes: NaN with a recognisable payload.
template <class T>
inline T poison() {
  if constexpr (std::is_same<T, ropekit::f16>::value) return ropekit::f16{0x7e5a};
  if constexpr (std::is_same<T, ropekit::bf16>::value) return ropekit::bf16{0x7fda};
  return std::numeric_limits<T>::quiet_NaN();
}

/// Distance in units in the last place of float between a and b (both finite).
inline double float_ulps(double got, double expected) {
  const double ulp = std::ldexp(1.0, std::ilogb(std::max(std::abs(expected), 1e-300)) - 23);
  return std::abs(got - expected) / ulp;
}

/// The unit roundoff of T: 2^-24 for float, 2^-11 for f16, 2^-8 for bf16, 2^-53 for double.
template <class T>
constexpr double unit_roundoff() {
  if constexpr (std::is_same<T, float>::value) return 0x1p-24;
  if constexpr (std::is_same<T, double>::value) return 0x1p-53;
  if constexpr (std::is_same<T, ropekit::f16>::value) return 0x1p-11;
  return 0x1p-8;
}

/// ulp of x in format T (normal range).
template <class T>
inline double ulp_of(double x) {
  const int mant = std::is_same<T, double>::value         ? 52
                   : std::is_same<T, float>::value        ? 23
                   : std::is_same<T, ropekit::f16>::value ? 10
                                                          : 7;
  const int min_exp = std::is_same<T, double>::value         ? -1022
                      : std::is_same<T, float>::value        ? -126
                      : std::is_same<T, ropekit::f16>::value ? -14
                                                             : -126;
  const int e = x == 0 ? min_exp : std::max(std::ilogb(x), min_exp);
  return std::ldexp(1.0, e - mant);
}

/// The code of an 8-bit float type T (e4m3 or e5m2) that x / s (s > 0)
/// rounds to, found without rounding the quotient: the answer is the first
/// code whose upper midpoint m has x / s < m (or == m, the code even), and
/// the sign of |x| - m * s is exact in long double (m has at most 5
/// significant bits, s 53: the product fits 64). NaN gives 0xff (any NaN);
/// beyond the largest finite value e4m3 saturates, e5m2 overflows to
/// infinity.
template <class T>
inline std::uint8_t fp8_quotient(double x, double s) {
  static_assert(std::numeric_limits<long double>::digits >= 64, "needs a 64-bit long double significand");
  if (std::isnan(x)) return 0xff;
  constexpr bool fn = std::is_same<T, ropekit::e4m3>::value;
  const std::uint8_t sign = std::signbit(x) ? 0x80 : 0;
  const int max_code = fn ? 0x7e : 0x7b, overflow = fn ? 0x7e : 0x7c;
  if (std::isinf(x)) return std::uint8_t(sign | overflow);
  auto value = [](int c) { return static_cast<long double>(ropekit::to_float(T{std::uint8_t(c)})); };
  const long double a = std::fabs(static_cast<long double>(x)), ls = s;
  for (int c = 0; c <= max_code; ++c) {
    const long double next = c < max_code ? value(c + 1) : value(c) + (value(c) - value(c - 1));
    const long double diff = a - (value(c) + next) / 2 * ls;
    if (diff < 0 || (diff == 0 && (c & 1) == 0)) return std::uint8_t(sign | c);
  }
  return std::uint8_t(sign | overflow);
}

#if ROPEKIT_HAS_EXCEPTIONS
/// The message of the ropekit::error f raises ("" if none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ropekit::error& e) {
    return e.what();
  }
  return std::string();
}
#else
/// The last message the installed handler received.
inline std::string& last_error() {
  static std::string message;
  return message;
}
inline void record(const char* message) { last_error() = message; }
/// The message f reports through the handler ("" if none).
template <class F>
std::string error_of(F&& f) {
  ropekit::set_error_handler(&record);
  last_error().clear();
  f();
  return last_error();
}
#endif

}  // namespace rk_test

#endif
