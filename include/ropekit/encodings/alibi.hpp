// ropekit: ALiBi slopes and bias.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ENCODINGS_ALIBI_HPP
#define ROPEKIT_ENCODINGS_ALIBI_HPP

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "../config.hpp"

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {

/// ALiBi head slopes (Press et al. 2022, "Train Short, Test Long"; the
/// reference `get_slopes` used by BLOOM and MPT). For n a power of two,
/// slope_h = 2^(-8 (h + 1) / n). Otherwise, with m the largest power of two
/// below n: the m slopes of m heads, then the odd-indexed slopes of 2m heads,
/// 2^(-4 (2j + 1) / m) for j < n - m. Each slope is 2 raised to an exact
/// rational exponent, evaluated in double and rounded once (within 0.5 float
/// ulp; float32 pow chains of the reference land several ulps away).
/// Errors: n_heads <= 0.
inline std::vector<float> alibi_slopes(std::int64_t n_heads) {
  if (n_heads <= 0)
    return detail::fail("ropekit::alibi_slopes", "n_heads", n_heads, "must be > 0"), std::vector<float>{};
  std::int64_t m = 1;
  while (m * 2 <= n_heads) m *= 2;
  std::vector<float> slopes;
  slopes.reserve(std::size_t(n_heads));
  for (std::int64_t h = 0; h < m; ++h) slopes.push_back(float(std::exp2(-8.0 * double(h + 1) / double(m))));
  for (std::int64_t j = 0; j < n_heads - m; ++j)
    slopes.push_back(float(std::exp2(-4.0 * double(2 * j + 1) / double(m))));
  return slopes;
}

/// ALiBi's additive bias out[h][i][j] = slopes[h] * (k_j - q_i) for queries at
/// positions q_offset + i and keys at k_offset + j (a penalty growing with
/// distance). With `causal`, keys after the query get -infinity (masked).
/// `out` is [n_heads][q_len][k_len]. Errors: empty slopes, q_len or k_len < 0,
/// null out.
inline void alibi_bias(const std::vector<float>& slopes, std::int64_t q_len, std::int64_t k_len, std::int64_t q_offset,
                       std::int64_t k_offset, float* out, bool causal = true) {
  const char* function = "ropekit::alibi_bias";
  if (slopes.empty()) return detail::fail(function, "slopes.size()", 0, "must be > 0");
  if (q_len < 0) return detail::fail(function, "q_len", q_len, "must be >= 0");
  if (k_len < 0) return detail::fail(function, "k_len", k_len, "must be >= 0");
  if (q_len * k_len == 0) return;
  if (out == nullptr) return detail::fail(function, "out", std::string("nullptr"), "must be non-null");
  const std::int64_t heads = std::int64_t(slopes.size());
  for (std::int64_t h = 0; h < heads; ++h)
    for (std::int64_t i = 0; i < q_len; ++i)
      for (std::int64_t j = 0; j < k_len; ++j) {
        const std::int64_t distance = (k_offset + j) - (q_offset + i);
        out[(h * q_len + i) * k_len + j] = causal && distance > 0
                                               ? -std::numeric_limits<float>::infinity()
                                               : float(double(slopes[std::size_t(h)]) * double(distance));
      }
}

}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_ENCODINGS_ALIBI_HPP
