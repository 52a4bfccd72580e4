// ropekit: DeBERTa-v2 log-bucketed relative positions.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ENCODINGS_DEBERTA_HPP
#define ROPEKIT_ENCODINGS_DEBERTA_HPP

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "common.hpp"

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {

/// DeBERTa-v2's log bucket position (He et al. 2021; Hugging Face
/// `make_log_bucket_position`): with mid = bucket_size / 2, relative positions
/// with |rel| <= mid are kept; beyond, sign(rel) * (mid + ceil(log(|rel| / mid)
/// / log((max_position - 1) / mid) * (mid - 1))). Sign-preserving and not
/// clamped (positions beyond max_position get buckets beyond it), except that
/// a bucket beyond the int64 range saturates at +-INT64_MAX. Any int64 is
/// accepted (INT64_MIN included). Evaluated in the reference's float32 steps,
/// whatever the caller's floating-point flags. Errors: bucket_size < 4,
/// max_position <= mid + 1 (or so close to it that the log ratio is 0 in
/// float32); without exceptions 0 is returned after the error handler.
inline std::int64_t deberta_log_bucket_position(std::int64_t relative_position, std::int64_t bucket_size,
                                                std::int64_t max_position) {
  const char* function = "ropekit::deberta_log_bucket_position";
  if (bucket_size < 4) return detail::fail(function, "bucket_size", bucket_size, "must be >= 4"), 0;
  const std::int64_t mid = bucket_size / 2;
  if (max_position <= mid + 1) {
    detail::fail(function, "max_position", max_position,
                 "must be > bucket_size / 2 + 1 = " + detail::format_integer(mid + 1));
    return 0;
  }
  // log((max_position - 1) / mid) in the reference's float32 steps.
  const float den =
      detail::f32(detail::log_f64(double(detail::f32(detail::div_f64(double(max_position - 1), double(mid))))));
  if (!detail::positive_normal_bits(den)) {
    detail::fail(function, "max_position", max_position,
                 "must exceed bucket_size / 2 = " + detail::format_integer(mid) +
                     " by enough that log((max_position - 1) / (bucket_size / 2)) is > 0 in float32");
    return 0;
  }
  const std::uint64_t magnitude = relative_position < mid && relative_position > -mid
                                      ? std::uint64_t(mid - 1)
                                      : detail::magnitude_u64(relative_position);
  if (magnitude <= std::uint64_t(mid)) return relative_position;
  const float num = detail::f32(detail::log_f64(double(detail::f32(detail::div_f64(double(magnitude), double(mid))))));
  const float ratio = detail::div_f32(num, den);
  const float scaled = detail::f32(detail::mul_f64(double(ratio), double(mid - 1)));  // finite, >= 0
  const double up = std::ceil(double(scaled));
  std::int64_t log_position = std::numeric_limits<std::int64_t>::max();
  if (up < 9223372036854775808.0) {  // 2^63: the conversion is exact below it
    const auto whole = std::int64_t(up);
    if (whole <= std::numeric_limits<std::int64_t>::max() - mid) log_position = whole + mid;
  }
  return relative_position < 0 ? -log_position : log_position;
}

}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_ENCODINGS_DEBERTA_HPP
