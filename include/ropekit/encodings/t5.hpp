// ropekit: T5 relative position buckets and bias.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ENCODINGS_T5_HPP
#define ROPEKIT_ENCODINGS_T5_HPP

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "../config.hpp"

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {

namespace detail {
inline bool check_t5(const char* function, std::int64_t num_buckets, bool bidirectional, std::int64_t max_distance) {
  if (num_buckets < (bidirectional ? 4 : 2)) {
    fail(function, "num_buckets", num_buckets, bidirectional ? "must be >= 4 when bidirectional" : "must be >= 2");
    return false;
  }
  const std::int64_t max_exact = (bidirectional ? num_buckets / 2 : num_buckets) / 2;
  if (max_distance <= max_exact) {
    fail(function, "max_distance", max_distance,
         ("must be > max_exact = " + std::to_string(max_exact) + " (num_buckets / 2, halved when bidirectional)")
             .c_str());
    return false;
  }
  return true;
}

/// The bucket of relative_position for validated arguments.
inline std::int64_t t5_bucket(std::int64_t relative_position, bool bidirectional, std::int64_t num_buckets,
                              std::int64_t max_distance) {
  std::int64_t bucket = 0;
  std::int64_t n;
  if (bidirectional) {
    num_buckets /= 2;
    if (relative_position > 0) bucket += num_buckets;
    n = relative_position < 0 ? -relative_position : relative_position;
  } else {
    n = relative_position < 0 ? -relative_position : 0;
  }
  const std::int64_t max_exact = num_buckets / 2;
  if (n < max_exact) return bucket + n;
  // The reference's float32 steps: log of the float ratio, divided by the
  // float log of max_distance / max_exact, times the remaining bucket count,
  // truncated.
  const float ratio = float(double(n) / double(max_exact));
  const float log_range = float(std::log(double(max_distance) / double(max_exact)));
  const float scaled =
      float(double(float(double(std::log(ratio)) / double(log_range))) * double(num_buckets - max_exact));
  std::int64_t large = max_exact + std::int64_t(scaled);
  if (large > num_buckets - 1) large = num_buckets - 1;
  return bucket + large;
}
}  // namespace detail

/// T5's relative position bucket (Raffel et al. 2020, "Exploring the Limits
/// of Transfer Learning", section 2.1; Hugging Face `_relative_position_bucket`),
/// with relative_position = key position - query position. Unidirectional
/// (decoder): n = max(-relative_position, 0). Bidirectional (encoder): the
/// buckets are halved and positive offsets use the upper half. Then n below
/// max_exact = buckets / 2 is its own bucket; larger n get
///   max_exact + trunc(log(n / max_exact) / log(max_distance / max_exact) * (buckets - max_exact)),
/// clipped to the last bucket. The logarithms are evaluated in float32 as the
/// reference does, so bucket edges match it exactly. Errors: num_buckets < 2
/// (< 4 bidirectional), max_distance <= max_exact.
inline std::int64_t t5_relative_position_bucket(std::int64_t relative_position, bool bidirectional = true,
                                                std::int64_t num_buckets = 32, std::int64_t max_distance = 128) {
  if (!detail::check_t5("ropekit::t5_relative_position_bucket", num_buckets, bidirectional, max_distance)) return 0;
  return detail::t5_bucket(relative_position, bidirectional, num_buckets, max_distance);
}

/// T5's additive attention bias: out[h][i][j] = table[bucket(k_j - q_i)][h]
/// for queries at positions q_offset + i (i < q_len) and keys at k_offset + j
/// (j < k_len); `table` is the learned [num_buckets][n_heads] embedding
/// (row-major), `out` is [n_heads][q_len][k_len]. The bucket depends only on
/// k_j - q_i, so it is computed once per diagonal (q_len + k_len - 1 values).
/// Cached decoding passes q_offset = the current position. Errors: as the
/// bucket function, and n_heads, q_len, k_len < 0 or null pointers.
inline void t5_relative_position_bias(const float* table, std::int64_t num_buckets, std::int64_t n_heads,
                                      bool bidirectional, std::int64_t max_distance, std::int64_t q_len,
                                      std::int64_t k_len, std::int64_t q_offset, std::int64_t k_offset, float* out) {
  const char* function = "ropekit::t5_relative_position_bias";
  if (!detail::check_t5(function, num_buckets, bidirectional, max_distance)) return;
  if (n_heads < 1) return detail::fail(function, "n_heads", n_heads, "must be >= 1");
  if (q_len < 0) return detail::fail(function, "q_len", q_len, "must be >= 0");
  if (k_len < 0) return detail::fail(function, "k_len", k_len, "must be >= 0");
  if (q_len * k_len == 0) return;
  if (table == nullptr) return detail::fail(function, "table", std::string("nullptr"), "must be non-null");
  if (out == nullptr) return detail::fail(function, "out", std::string("nullptr"), "must be non-null");
  // Bucket of each diagonal d = j - i + (q_len - 1).
  std::vector<std::int64_t> diagonal(std::size_t(q_len + k_len - 1));
  for (std::int64_t d = 0; d < q_len + k_len - 1; ++d)
    diagonal[std::size_t(d)] =
        detail::t5_bucket(k_offset - q_offset + d - (q_len - 1), bidirectional, num_buckets, max_distance);
  for (std::int64_t h = 0; h < n_heads; ++h)
    for (std::int64_t i = 0; i < q_len; ++i) {
      float* row = out + (h * q_len + i) * k_len;
      const std::int64_t* buckets = diagonal.data() + (q_len - 1 - i);
      for (std::int64_t j = 0; j < k_len; ++j) row[j] = table[buckets[j] * n_heads + h];
    }
}

}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_ENCODINGS_T5_HPP
