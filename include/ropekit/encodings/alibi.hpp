// ropekit: ALiBi slopes and bias.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ENCODINGS_ALIBI_HPP
#define ROPEKIT_ENCODINGS_ALIBI_HPP

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "common.hpp"

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {

namespace detail {
/// The largest head count alibi_slopes accepts (2^16; models use at most a few hundred).
inline constexpr std::int64_t max_alibi_heads = std::int64_t(1) << 16;
}  // namespace detail

/// ALiBi head slopes (Press et al. 2022, "Train Short, Test Long"; the
/// reference `get_slopes` used by BLOOM and MPT). For n a power of two,
/// slope_h = 2^(-8 (h + 1) / n). Otherwise, with m the largest power of two
/// below n: the m slopes of m heads, then the odd-indexed slopes of 2m heads,
/// 2^(-4 (2j + 1) / m) for j < n - m. Each slope is 2 raised to an exact
/// rational exponent, evaluated in double and rounded once (within 0.5 float
/// ulp; float32 pow chains of the reference land several ulps away); the
/// values do not depend on the caller's floating-point flags.
/// Errors: n_heads <= 0 or above 65536 (nothing is allocated); without
/// exceptions an empty vector is returned after the error handler.
inline std::vector<float> alibi_slopes(std::int64_t n_heads) {
  const char* function = "ropekit::alibi_slopes";
  if (n_heads <= 0) return detail::fail(function, "n_heads", n_heads, "must be > 0"), std::vector<float>{};
  if (n_heads > detail::max_alibi_heads)
    return detail::fail(function, "n_heads", n_heads, "must be at most 65536"), std::vector<float>{};
  std::int64_t m = 1;
  while (m <= n_heads / 2) m *= 2;  // the largest power of two <= n_heads
  std::vector<float> slopes;
  slopes.reserve(std::size_t(n_heads));
  for (std::int64_t h = 0; h < m; ++h)
    slopes.push_back(float(detail::exp2_f64(detail::div_f64(-8.0 * double(h + 1), double(m)))));
  for (std::int64_t j = 0; j < n_heads - m; ++j)
    slopes.push_back(float(detail::exp2_f64(detail::div_f64(-4.0 * double(2 * j + 1), double(m)))));
  return slopes;
}

/// ALiBi's additive bias out[h][i][j] = slopes[h] * (k_j - q_i) for queries at
/// positions q_offset + i and keys at k_offset + j (a penalty growing with
/// distance), each product computed in double and rounded once. With
/// `causal`, keys after the query get -infinity (masked).
/// `out` is [n_heads][q_len][k_len], n_heads = slopes.size().
/// Errors (nothing is written): empty slopes or a slope that is not finite,
/// q_len or k_len < 0, null out, an output larger than an array can be, query
/// or key positions beyond int64, or key - query distances beyond int64.
inline void alibi_bias(const std::vector<float>& slopes, std::int64_t q_len, std::int64_t k_len, std::int64_t q_offset,
                       std::int64_t k_offset, float* out, bool causal = true) {
  const char* function = "ropekit::alibi_bias";
  if (slopes.empty()) return detail::fail(function, "slopes.size()", 0, "must be > 0");
  for (std::size_t h = 0; h < slopes.size(); ++h)
    if (!detail::is_finite(slopes[h]))
      return detail::fail(function, "slopes[" + detail::format_integer(h) + "]", slopes[h], "must be finite");
  if (q_len < 0) return detail::fail(function, "q_len", q_len, "must be >= 0");
  if (k_len < 0) return detail::fail(function, "k_len", k_len, "must be >= 0");
  const std::int64_t heads = std::int64_t(slopes.size());
  std::int64_t total = 0;
  if (!detail::elements_within(heads, q_len, k_len, detail::max_array_elements<float>, total))
    return detail::fail_elements(function, "n_heads x q_len x k_len", {heads, q_len, k_len},
                                 detail::max_array_elements<float>, "is larger than an array can be");
  if (total == 0) return;
  if (out == nullptr) return detail::fail(function, "out", std::string("nullptr"), "must be non-null");
  std::int64_t lowest = 0, highest = 0;
  if (!detail::check_bias_positions(function, q_offset, q_len, k_offset, k_len, lowest, highest)) return;
  // Row i holds distances lowest + (q_len - 1 - i) + j, all within
  // [lowest, highest] (checked above). Unsigned indices: the sizes fit.
  const std::size_t rows = std::size_t(q_len), cols = std::size_t(k_len);
  float* row = out;
  for (std::size_t h = 0; h < slopes.size(); ++h) {
    const double slope = double(slopes[h]);
    for (std::size_t i = 0; i < rows; ++i, row += cols) {
      const std::uint64_t first = std::uint64_t(lowest) + (rows - 1 - i);
      for (std::size_t j = 0; j < cols; ++j) {
        const auto distance = static_cast<std::int64_t>(first + j);
        row[j] = causal && distance > 0 ? -std::numeric_limits<float>::infinity() : float(slope * double(distance));
      }
    }
  }
}

}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_ENCODINGS_ALIBI_HPP
