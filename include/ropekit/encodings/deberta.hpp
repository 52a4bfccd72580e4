// ropekit: DeBERTa-v2 log-bucketed relative positions.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ENCODINGS_DEBERTA_HPP
#define ROPEKIT_ENCODINGS_DEBERTA_HPP

#include <cmath>
#include <cstdint>
#include <string>

#include "../config.hpp"

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {

/// DeBERTa-v2's log bucket position (He et al. 2021; Hugging Face
/// `make_log_bucket_position`): with mid = bucket_size / 2, relative positions
/// with |rel| <= mid are kept; beyond, sign(rel) * (mid + ceil(log(|rel| / mid)
/// / log((max_position - 1) / mid) * (mid - 1))). Sign-preserving and not
/// clamped (positions beyond max_position get buckets beyond it). Evaluated in
/// the reference's float32 steps. Errors: bucket_size < 4, max_position <= mid + 1.
inline std::int64_t deberta_log_bucket_position(std::int64_t relative_position, std::int64_t bucket_size,
                                                std::int64_t max_position) {
  const char* function = "ropekit::deberta_log_bucket_position";
  if (bucket_size < 4) return detail::fail(function, "bucket_size", bucket_size, "must be >= 4"), 0;
  const std::int64_t mid = bucket_size / 2;
  if (max_position <= mid + 1) {
    detail::fail(function, "max_position", max_position,
                 ("must be > bucket_size / 2 + 1 = " + std::to_string(mid + 1)).c_str());
    return 0;
  }
  const std::int64_t magnitude = relative_position < mid && relative_position > -mid
                                     ? mid - 1
                                     : (relative_position < 0 ? -relative_position : relative_position);
  if (magnitude <= mid) return relative_position;
  const float num = float(std::log(double(float(double(magnitude) / double(mid)))));
  const float den = float(std::log(double(float(double(max_position - 1) / double(mid)))));
  const float scaled = float(double(float(double(num) / double(den))) * double(mid - 1));
  const std::int64_t log_position = std::int64_t(std::ceil(scaled)) + mid;
  return relative_position < 0 ? -log_position : log_position;
}

}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_ENCODINGS_DEBERTA_HPP
