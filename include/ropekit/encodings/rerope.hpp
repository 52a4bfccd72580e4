// ropekit: ReRoPE and Leaky ReRoPE relative position maps and attention logits.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ENCODINGS_REROPE_HPP
#define ROPEKIT_ENCODINGS_REROPE_HPP

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "../apply.hpp"
#include "sinusoidal.hpp"

ROPEKIT_INTRINSICS_BEGIN

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {

/// Leaky ReRoPE's relative position map (Su 2023, "Rectified Rotary Position
/// Embeddings", kexue.fm/archives/9708): a relative distance rel (query minus
/// key position) below `window` is kept; beyond it grows 1/leak as fast:
///   rel < window:  rel;   otherwise  window + (rel - window) / leak.
/// leak = +infinity is ReRoPE (every distance beyond the window maps to the
/// window); leak = 1 is plain RoPE. Errors: window <= 0, leak < 1.
inline double leaky_rerope_position(std::int64_t rel, std::int64_t window, double leak) {
  if (window <= 0) return detail::fail("ropekit::leaky_rerope_position", "window", window, "must be > 0"), 0.0;
  if (!(leak >= 1)) return detail::fail("ropekit::leaky_rerope_position", "leak", leak, "must be >= 1"), 0.0;
  if (rel < window) return double(rel);
  return std::isinf(leak) ? double(window) : double(window) + double(rel - window) / leak;
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
/// power of two). Errors: as leaky_rerope_position, head dims that differ or
/// are below the table's rotary_dim, null positions.
inline RowMatrixXf rerope_logits(Pairing pairing, const Frequencies& freq, const RowMatrixXf& q,
                                 const std::int64_t* q_positions, const RowMatrixXf& k, const std::int64_t* k_positions,
                                 std::int64_t window, double leak, bool causal = true) {
  const char* function = "ropekit::rerope_logits";
  if (window <= 0) return detail::fail(function, "window", window, "must be > 0"), RowMatrixXf();
  if (!(leak >= 1)) return detail::fail(function, "leak", leak, "must be >= 1"), RowMatrixXf();
  if (q.cols() != k.cols()) {
    detail::fail(function, "k.cols()", std::int64_t(k.cols()),
                 ("must equal q.cols() = " + std::to_string(q.cols())).c_str());
    return RowMatrixXf();
  }
  if (!validate(freq, function)) return RowMatrixXf();
  const std::int64_t dim = q.cols(), q_len = q.rows(), k_len = k.rows();
  auto view = [dim](RowMatrixXf& m) { return HeadsView<float>{m.data(), m.rows(), 1, dim, dim, dim}; };

  // Plain RoPE scores (inside the window).
  RowMatrixXf q1 = q, k1 = k;
  apply(pairing, freq, view(q1), q_positions);
  apply(pairing, freq, view(k1), k_positions);
  RowMatrixXf logits = q1 * k1.transpose();

  // Scores with the leaky map (outside the window).
  Frequencies slowed = freq;
  for (float& v : slowed.inv_freq) v = std::isinf(leak) ? 0.0f : float(double(v) / leak);
  RowMatrixXf q2 = q, k2 = k;
  apply(pairing, slowed, view(q2), q_positions);
  apply(pairing, slowed, view(k2), k_positions);
  const long double shift = std::isinf(leak) ? (long double)window : (long double)window * (1.0L - 1.0L / leak);
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
      const std::int64_t rel = q_positions[i] - k_positions[j];
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
