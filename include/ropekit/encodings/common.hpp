// ropekit: argument checks shared by the position encodings (overflow-checked
// sizes and offsets, enumerations, the flag-independent float evaluation).
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ENCODINGS_COMMON_HPP
#define ROPEKIT_ENCODINGS_COMMON_HPP

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>

#include "../config.hpp"
#include "../scaling/common.hpp"

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

/// The largest number of elements any encoding allocates for its result
/// (2^30: a 4 GiB float matrix); larger requests are reported as impossible
/// before anything is allocated.
inline constexpr std::int64_t max_encoding_elements = std::int64_t(1) << 30;

/// a + b, or false when it overflows int64.
inline bool add_i64(std::int64_t a, std::int64_t b, std::int64_t& out) {
  if ((b > 0 && a > std::numeric_limits<std::int64_t>::max() - b) ||
      (b < 0 && a < std::numeric_limits<std::int64_t>::min() - b))
    return false;
  out = a + b;
  return true;
}
/// a - b, or false when it overflows int64.
inline bool sub_i64(std::int64_t a, std::int64_t b, std::int64_t& out) {
  if ((b < 0 && a > std::numeric_limits<std::int64_t>::max() + b) ||
      (b > 0 && a < std::numeric_limits<std::int64_t>::min() + b))
    return false;
  out = a - b;
  return true;
}
/// a * b for a, b >= 0, or false when it exceeds `limit`.
inline bool mul_within(std::int64_t a, std::int64_t b, std::int64_t limit, std::int64_t& out) {
  if (a != 0 && b > limit / a) return false;
  out = a * b;
  return out <= limit;
}
/// The largest element count of an array of T that pointer arithmetic can
/// address (its size in bytes must fit in ptrdiff_t).
template <class T>
inline constexpr std::int64_t max_array_elements = std::int64_t(std::numeric_limits<std::ptrdiff_t>::max() /
                                                                std::ptrdiff_t(sizeof(T)));

/// The product a * b * c of sizes (each >= 0) in `out`, or false when it
/// exceeds `limit`. Kept apart from the report so that it is inlined and the
/// compiler sees which sizes reach the loops after it.
inline bool elements_within(std::int64_t a, std::int64_t b, std::int64_t c, std::int64_t limit, std::int64_t& out) {
  std::int64_t ab = 0;
  return mul_within(a, b, limit, ab) && mul_within(ab, c, limit, out);
}

/// Reports sizes whose product exceeds `limit`: "<names> = <a> x <b> [x <c>] <what>".
inline void fail_elements(const char* function, const char* names, std::initializer_list<std::int64_t> sizes,
                          std::int64_t limit, const char* what) {
  std::string values;
  for (std::int64_t v : sizes) values += (values.empty() ? "" : " x ") + format_integer(v);
  fail(function, names, values, std::string(what) + " (at most " + format_integer(limit) + " elements)");
}

/// Checks that positions offset, offset + 1, ..., offset + count - 1 (count >= 1)
/// fit in int64; returns the last one.
inline bool check_position_range(const char* function, const char* offset_name, std::int64_t offset,
                                 const char* count_name, std::int64_t count, std::int64_t& last) {
  if (add_i64(offset, count - 1, last)) return true;
  fail(function, offset_name, offset,
       std::string("with ") + count_name + " = " + format_integer(count) +
           " gives positions beyond the int64 range (offset + count - 1 must be <= 9223372036854775807)");
  return false;
}

/// Checks that every a - b fits in int64 for a in [a_first, a_last] and b in
/// [b_first, b_last]; returns the smallest and largest difference.
inline bool check_difference_range(const char* function, const char* a_name, std::int64_t a_first, std::int64_t a_last,
                                   const char* b_name, std::int64_t b_first, std::int64_t b_last, std::int64_t& lowest,
                                   std::int64_t& highest) {
  if (sub_i64(a_first, b_last, lowest) && sub_i64(a_last, b_first, highest)) return true;
  fail(function, a_name, "[" + format_integer(a_first) + ", " + format_integer(a_last) + "]",
       std::string("minus ") + b_name + " in [" + format_integer(b_first) + ", " + format_integer(b_last) +
           "] gives differences beyond the int64 range");
  return false;
}

/// Checks the positions of a query x key bias: queries q_offset ..
/// q_offset + q_len - 1 and keys k_offset .. k_offset + k_len - 1 (lengths
/// >= 1) fit in int64, and so does every key - query distance; returns the
/// smallest and largest distance.
inline bool check_bias_positions(const char* function, std::int64_t q_offset, std::int64_t q_len, std::int64_t k_offset,
                                 std::int64_t k_len, std::int64_t& lowest, std::int64_t& highest) {
  std::int64_t q_last = 0, k_last = 0;
  return check_position_range(function, "q_offset", q_offset, "q_len", q_len, q_last) &&
         check_position_range(function, "k_offset", k_offset, "k_len", k_len, k_last) &&
         check_difference_range(function, "key positions", k_offset, k_last, "query positions", q_offset, q_last,
                                lowest, highest);
}

/// The magnitude of an int64 as uint64 (INT64_MIN included, without overflow).
inline std::uint64_t magnitude_u64(std::int64_t x) {
  return x < 0 ? std::uint64_t(0) - std::uint64_t(x) : std::uint64_t(x);
}

/// sin, cos and float32 log of the C library, hidden from the optimizer (see
/// scaling/common.hpp: the same results whatever the caller's flags).
inline double sin_f64(double x) { return opaque(std::sin(opaque(x))); }
inline double cos_f64(double x) { return opaque(std::cos(opaque(x))); }
inline float log_f32(float x) { return opaque(std::log(opaque(x))); }

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_ENCODINGS_COMMON_HPP
