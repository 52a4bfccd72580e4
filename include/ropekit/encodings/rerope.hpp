// ropekit: ReRoPE and Leaky ReRoPE relative position maps and attention logits.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ENCODINGS_REROPE_HPP
#define ROPEKIT_ENCODINGS_REROPE_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "../apply.hpp"
#include "common.hpp"
#include "sinusoidal.hpp"

ROPEKIT_INTRINSICS_BEGIN

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {

namespace detail {
/// Checks leak >= 1 (NaN rejected whatever the floating-point flags).
inline bool check_leak(const char* function, double leak) {
  if (is_nan(leak) || !(leak >= 1)) {
    fail(function, "leak", leak, "must be >= 1 (+infinity for ReRoPE)");
    return false;
  }
  return true;
}
}  // namespace detail

/// Leaky ReRoPE's relative position map (Su 2023, "Rectified Rotary Position
/// Embeddings", kexue.fm/archives/9708): a relative distance rel (query minus
/// key position) below `window` is kept; beyond it grows 1/leak as fast:
///   rel < window:  rel;   otherwise  window + (rel - window) / leak.
/// leak = +infinity is ReRoPE (every distance beyond the window maps to the
/// window); leak = 1 is plain RoPE. Any int64 rel. Errors: window <= 0,
/// leak < 1 or NaN; without exceptions 0 is returned after the error handler.
inline double leaky_rerope_position(std::int64_t rel, std::int64_t window, double leak) {
  const char* function = "ropekit::leaky_rerope_position";
  if (window <= 0) return detail::fail(function, "window", window, "must be > 0"), 0.0;
  if (!detail::check_leak(function, leak)) return 0.0;
  if (rel < window) return double(rel);
  // rel >= window > 0: rel - window does not overflow.
  return !detail::is_finite(leak) ? double(window)
                                  : detail::add_f64(double(window), detail::div_f64(double(rel - window), leak));
}

/// ReRoPE's map: leaky_rerope_position with leak = infinity.
inline double rerope_position(std::int64_t rel, std::int64_t window) {
  return leaky_rerope_position(rel, window, std::numeric_limits<double>::infinity());
}

/// Attention logits of one head under (Leaky) ReRoPE, the way the method runs:
///   S1 = RoPE(q, q_positions) RoPE(k, k_positions)^T      (plain RoPE),
///   S2 = Q' K'^T, with keys rotated at position / leak (the table divided by
///        leak) and queries rotated at position / leak + window (1 - 1/leak):
///        their angle difference is exactly (rel / leak + window (1 - 1/leak))
///        theta = (window + (rel - window) / leak) theta, the leaky map; for
///        ReRoPE (leak = infinity) keys are not rotated and queries are rotated
///        by window theta,
///   logits(i, j) = S1 where rel = q_pos_i - k_pos_j < window, else S2;
///   with `causal`, rel < 0 gives -infinity.
/// q is [q_len][head_dim], k is [k_len][head_dim] (rows are tokens); both
/// rotations go through ropekit's kernels and the products through Eigen.
/// The result is unscaled (multiply by 1/sqrt(head_dim) as the model does).
/// Note: the table divided by leak is rounded to float (exact when leak is a
/// power of two).
/// Errors, checked before anything is computed or allocated: window <= 0;
/// leak < 1 or NaN; pairing not Pairing::neox or Pairing::interleaved; head
/// dims that differ or are below the table's rotary_dim; an invalid table;
/// null positions (with rows to rotate); q_len x k_len above 2^30; query and
/// key positions whose difference is beyond int64; positions `apply` rejects
/// (reported by apply). Without exceptions an empty 0 x 0 matrix is returned
/// after the error handler.
inline RowMatrixXf rerope_logits(Pairing pairing, const Frequencies& freq, const RowMatrixXf& q,
                                 const std::int64_t* q_positions, const RowMatrixXf& k, const std::int64_t* k_positions,
                                 std::int64_t window, double leak, bool causal = true) {
  const char* function = "ropekit::rerope_logits";
  if (window <= 0) return detail::fail(function, "window", window, "must be > 0"), RowMatrixXf();
  if (!detail::check_leak(function, leak)) return RowMatrixXf();
  if (pairing != Pairing::neox && pairing != Pairing::interleaved) {
    detail::fail(function, "pairing", pairing, "must be Pairing::neox (0) or Pairing::interleaved (1)");
    return RowMatrixXf();
  }
  if (q.cols() != k.cols()) {
    detail::fail(function, "k.cols()", std::int64_t(k.cols()),
                 "must equal q.cols() = " + detail::format_integer(q.cols()));
    return RowMatrixXf();
  }
  if (!validate(freq, function)) return RowMatrixXf();
  const std::int64_t dim = q.cols(), q_len = q.rows(), k_len = k.rows();
  if (dim < freq.rotary_dim()) {
    detail::fail(function, "q.cols()", dim,
                 "must be >= the table's rotary_dim = " + detail::format_integer(freq.rotary_dim()));
    return RowMatrixXf();
  }
  if (q_len > 0 && q_positions == nullptr) {
    detail::fail(function, "q_positions", std::string("nullptr"), "must point to q.rows() positions");
    return RowMatrixXf();
  }
  if (k_len > 0 && k_positions == nullptr) {
    detail::fail(function, "k_positions", std::string("nullptr"), "must point to k.rows() positions");
    return RowMatrixXf();
  }
  std::int64_t cells = 0;
  if (!detail::elements_within(q_len, k_len, 1, detail::max_encoding_elements, cells)) {
    detail::fail_elements(function, "q.rows() x k.rows()", {q_len, k_len}, detail::max_encoding_elements,
                          "is too large to allocate the logits");
    return RowMatrixXf();
  }
  if (cells == 0) return RowMatrixXf(q_len, k_len);
  // Every difference q_pos - k_pos must be an int64 (it selects the branch).
  const auto [q_min, q_max] = std::minmax_element(q_positions, q_positions + q_len);
  const auto [k_min, k_max] = std::minmax_element(k_positions, k_positions + k_len);
  std::int64_t lowest = 0, highest = 0;
  if (!detail::check_difference_range(function, "q_positions", *q_min, *q_max, "k_positions", *k_min, *k_max, lowest,
                                      highest))
    return RowMatrixXf();
  // Let apply judge the extreme positions (and whatever else it checks) on a
  // probe before any work: it reports what it rejects. Without exceptions it
  // then returns without writing, so its destination keeps a NaN payload no
  // rotation of the probe's ones can produce, and nothing more is done here.
  {
    const std::uint32_t unwritten = 0x7fa1b2c3u;  // a quiet NaN with a payload
    float sentinel;
    std::memcpy(&sentinel, &unwritten, sizeof sentinel);
    const std::int64_t probe_positions[4] = {*q_min, *q_max, *k_min, *k_max};
    std::vector<float> src(std::size_t(4 * dim), 1.0f), dst(std::size_t(4 * dim), sentinel);
    apply_into(pairing, freq, HeadsView<const float>::token_major(src.data(), 4, 1, dim),
               HeadsView<float>::token_major(dst.data(), 4, 1, dim), probe_positions);
    for (const float& v : dst)
      if (std::memcmp(&v, &unwritten, sizeof v) == 0) return RowMatrixXf();
  }
  auto view = [dim](RowMatrixXf& m) { return HeadsView<float>::token_major(m.data(), m.rows(), 1, dim); };
  const bool rerope = !detail::is_finite(leak);

  // Plain RoPE scores (inside the window).
  RowMatrixXf q1 = q, k1 = k;
  apply(pairing, freq, view(q1), q_positions);
  apply(pairing, freq, view(k1), k_positions);
  RowMatrixXf logits = q1 * k1.transpose();

  // Scores with the leaky map (outside the window).
  Frequencies slowed = freq;
  for (float& v : slowed.inv_freq) v = rerope ? 0.0f : float(detail::div_f64(double(v), leak));
  RowMatrixXf q2 = q, k2 = k;
  apply(pairing, slowed, view(q2), q_positions);
  apply(pairing, slowed, view(k2), k_positions);
  const long double shift = rerope ? (long double)window : (long double)window * (1.0L - 1.0L / leak);
  std::vector<float> shift_cos(freq.inv_freq.size()), shift_sin(freq.inv_freq.size());
  for (std::size_t i = 0; i < freq.inv_freq.size(); ++i) {
    shift_cos[i] = float(std::cos(shift * freq.inv_freq[i]));
    shift_sin[i] = float(std::sin(shift * freq.inv_freq[i]));
  }
  const CosSinTable shift_table{shift_cos.data(), shift_sin.data(), 1, std::int64_t(shift_cos.size()), 0};
  const std::vector<std::int64_t> row0(std::size_t(q_len), 0);
  apply(pairing, shift_table, view(q2), row0.data());
  const RowMatrixXf outside = q2 * k2.transpose();

  for (std::int64_t i = 0; i < q_len; ++i)
    for (std::int64_t j = 0; j < k_len; ++j) {
      const std::int64_t rel = q_positions[i] - k_positions[j];  // checked above
      if (causal && rel < 0) {
        logits(i, j) = -std::numeric_limits<float>::infinity();
      } else if (rel >= window) {
        logits(i, j) = outside(i, j);
      }
    }
  return logits;
}

}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

ROPEKIT_INTRINSICS_END

#endif  // ROPEKIT_ENCODINGS_REROPE_HPP
