// ropekit: T5 relative position buckets and bias.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ENCODINGS_T5_HPP
#define ROPEKIT_ENCODINGS_T5_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "common.hpp"

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {

namespace detail {
/// log(max_distance / max_exact) rounded to float32, as the reference divides by it.
inline float t5_log_range(std::int64_t max_distance, std::int64_t max_exact) {
  return f32(log_f64(div_f64(double(max_distance), double(max_exact))));
}

inline bool check_t5(const char* function, std::int64_t num_buckets, bool bidirectional, std::int64_t max_distance) {
  if (num_buckets < (bidirectional ? 4 : 2)) {
    fail(function, "num_buckets", num_buckets, bidirectional ? "must be >= 4 when bidirectional" : "must be >= 2");
    return false;
  }
  const std::int64_t max_exact = (bidirectional ? num_buckets / 2 : num_buckets) / 2;
  if (max_distance <= max_exact) {
    fail(function, "max_distance", max_distance,
         "must be > max_exact = " + format_integer(max_exact) + " (num_buckets / 2, halved when bidirectional)");
    return false;
  }
  if (!positive_normal_bits(t5_log_range(max_distance, max_exact))) {
    fail(function, "max_distance", max_distance,
         "must exceed max_exact = " + format_integer(max_exact) +
             " by enough that log(max_distance / max_exact) is > 0 in float32 (the bucket formula divides by it)");
    return false;
  }
  return true;
}

/// The bucket of relative_position for validated arguments (any int64,
/// INT64_MIN included: the distance is taken as an unsigned magnitude);
/// log_range = t5_log_range(max_distance, max_exact).
inline std::int64_t t5_bucket(std::int64_t relative_position, bool bidirectional, std::int64_t num_buckets,
                              float log_range) {
  std::int64_t bucket = 0;
  std::uint64_t n;
  if (bidirectional) {
    num_buckets /= 2;
    if (relative_position > 0) bucket += num_buckets;
    n = magnitude_u64(relative_position);
  } else {
    n = relative_position < 0 ? magnitude_u64(relative_position) : 0;
  }
  const std::int64_t max_exact = num_buckets / 2;
  if (n < std::uint64_t(max_exact)) return bucket + std::int64_t(n);
  // The reference's float32 steps: log of the float ratio, divided by the
  // float log of max_distance / max_exact, times the remaining bucket count,
  // truncated, clipped to the last bucket. The clip is decided in float,
  // before the conversion to an integer (which could not hold a larger value).
  const std::int64_t remaining = num_buckets - max_exact;
  const float ratio = f32(div_f64(double(n), double(max_exact)));
  const float scaled = mul_f32(div_f32(log_f32(ratio), log_range), float(remaining));
  if (!(scaled < float(remaining))) return bucket + num_buckets - 1;  // also +inf
  return bucket + std::min(max_exact + std::int64_t(scaled), num_buckets - 1);
}
}  // namespace detail

/// T5's relative position bucket (Raffel et al. 2020, "Exploring the Limits
/// of Transfer Learning", section 2.1; Hugging Face `_relative_position_bucket`),
/// with relative_position = key position - query position (any int64).
/// Unidirectional (decoder): n = max(-relative_position, 0). Bidirectional
/// (encoder): the buckets are halved and positive offsets use the upper half.
/// Then n below max_exact = buckets / 2 is its own bucket; larger n get
///   max_exact + trunc(log(n / max_exact) / log(max_distance / max_exact) * (buckets - max_exact)),
/// clipped to the last bucket. The logarithms are evaluated in float32 as the
/// reference does, so bucket edges match it exactly, whatever the caller's
/// floating-point flags. Errors: num_buckets < 2 (< 4 bidirectional),
/// max_distance <= max_exact (or so close to it that the log ratio is 0 in
/// float32); without exceptions 0 is returned after the error handler.
inline std::int64_t t5_relative_position_bucket(std::int64_t relative_position, bool bidirectional = true,
                                                std::int64_t num_buckets = 32, std::int64_t max_distance = 128) {
  if (!detail::check_t5("ropekit::t5_relative_position_bucket", num_buckets, bidirectional, max_distance)) return 0;
  const std::int64_t max_exact = (bidirectional ? num_buckets / 2 : num_buckets) / 2;
  return detail::t5_bucket(relative_position, bidirectional, num_buckets,
                           detail::t5_log_range(max_distance, max_exact));
}

/// T5's additive attention bias: out[h][i][j] = table[bucket(k_j - q_i)][h]
/// for queries at positions q_offset + i (i < q_len) and keys at k_offset + j
/// (j < k_len); `table` is the learned [num_buckets][n_heads] embedding
/// (row-major), `out` is [n_heads][q_len][k_len]. The bucket depends only on
/// k_j - q_i, so it is computed once per diagonal (q_len + k_len - 1 values,
/// in blocks of 4096, so the scratch space stays small whatever the sizes).
/// Cached decoding passes q_offset = the current position. Errors (nothing
/// is written): as the bucket function; n_heads < 1; q_len, k_len < 0; null
/// pointers; a table or output larger than an array can be; query or key
/// positions beyond int64, or key - query differences beyond int64.
inline void t5_relative_position_bias(const float* table, std::int64_t num_buckets, std::int64_t n_heads,
                                      bool bidirectional, std::int64_t max_distance, std::int64_t q_len,
                                      std::int64_t k_len, std::int64_t q_offset, std::int64_t k_offset, float* out) {
  const char* function = "ropekit::t5_relative_position_bias";
  if (!detail::check_t5(function, num_buckets, bidirectional, max_distance)) return;
  if (n_heads < 1) return detail::fail(function, "n_heads", n_heads, "must be >= 1");
  if (q_len < 0) return detail::fail(function, "q_len", q_len, "must be >= 0");
  if (k_len < 0) return detail::fail(function, "k_len", k_len, "must be >= 0");
  std::int64_t table_size = 0, total = 0;
  constexpr std::int64_t limit = detail::max_array_elements<float>;
  if (!detail::elements_within(num_buckets, n_heads, 1, limit, table_size))
    return detail::fail_elements(function, "num_buckets x n_heads", {num_buckets, n_heads}, limit,
                                 "is larger than an array can be");
  if (!detail::elements_within(n_heads, q_len, k_len, limit, total))
    return detail::fail_elements(function, "n_heads x q_len x k_len", {n_heads, q_len, k_len}, limit,
                                 "is larger than an array can be");
  if (total == 0) return;
  if (table == nullptr) return detail::fail(function, "table", std::string("nullptr"), "must be non-null");
  if (out == nullptr) return detail::fail(function, "out", std::string("nullptr"), "must be non-null");
  std::int64_t lowest = 0, highest = 0;
  if (!detail::check_bias_positions(function, q_offset, q_len, k_offset, k_len, lowest, highest)) return;
  // Diagonal d = j - i + (q_len - 1) holds relative position lowest + d, in
  // [lowest, highest] (checked above). Unsigned arithmetic below: the sizes
  // fit, and no intermediate can overflow.
  const std::uint64_t rows = std::uint64_t(q_len), cols = std::uint64_t(k_len), heads = std::uint64_t(n_heads);
  const std::uint64_t diagonals = rows + cols - 1;
  constexpr std::uint64_t block = 4096;
  std::vector<std::int64_t> buckets(std::size_t(std::min(block, diagonals)));
  const float log_range = detail::t5_log_range(max_distance, (bidirectional ? num_buckets / 2 : num_buckets) / 2);
  for (std::uint64_t d0 = 0; d0 < diagonals; d0 += block) {
    const std::uint64_t count = std::min(block, diagonals - d0);
    for (std::uint64_t t = 0; t < count; ++t)
      buckets[std::size_t(t)] = detail::t5_bucket(static_cast<std::int64_t>(std::uint64_t(lowest) + d0 + t),
                                                  bidirectional, num_buckets, log_range);
    // Row i meets diagonals [d0, d0 + count) at columns j = d - (rows - 1) + i in [0, cols).
    const std::uint64_t i_begin = rows > d0 + count ? rows - d0 - count : 0;
    const std::uint64_t i_end = std::min(rows, diagonals - d0);
    for (std::uint64_t h = 0; h < heads; ++h)
      for (std::uint64_t i = i_begin; i < i_end; ++i) {
        // Diagonal d0 meets row i at column a - z (a = d0 + i, z = rows - 1):
        // columns [col, col + len) of the row take buckets [first, first + len).
        const std::uint64_t a = d0 + i, z = rows - 1;
        const std::uint64_t col = a >= z ? a - z : 0, first = a >= z ? 0 : z - a;
        if (first >= count || col >= cols) continue;
        const std::int64_t len = std::int64_t(std::min(cols - col, count - first));
        float* dst = out + std::size_t((h * rows + i) * cols + col);
        const std::int64_t* src = buckets.data() + first;
        const float* column = table + h;  // table[bucket * n_heads + h]
        for (std::int64_t t = 0; t < len; ++t) dst[t] = column[src[t] * n_heads];
      }
  }
}

}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_ENCODINGS_T5_HPP
