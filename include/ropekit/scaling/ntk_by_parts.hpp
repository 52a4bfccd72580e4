// ropekit: NTK-by-parts interpolation.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_SCALING_NTK_BY_PARTS_HPP
#define ROPEKIT_SCALING_NTK_BY_PARTS_HPP

#include <algorithm>

#include "common.hpp"

namespace ropekit {
namespace scaling {

/// NTK-by-parts (bloc97, 2023; YaRN paper arXiv:2309.00071 section 3.2): pairs
/// whose wavelength is long compared with the original context are
/// interpolated (divided by `factor`), pairs that rotate often are kept, and a
/// linear ramp over the pair index blends the two between the correction dims
///   d(n) = rotary_dim * ln(orig / (2 pi n)) / (2 ln base),
///   low = max(floor(d(beta_fast)), 0),  high = min(ceil(d(beta_slow)), rotary_dim - 1),
///   ramp[i] = clamp((i - low) / (high - low), 0, 1)   (high += 0.001 if equal),
///   inv_freq[i] = interp[i] * ramp[i] + extrap[i] * (1 - ramp[i]),
/// with extrap = base^(-2i/r) and interp = extrap / factor. No attention scaling.
/// Evaluated in Hugging Face's YaRN float32 steps (the correction range in
/// double, each array operation rounded to float32).
struct NtkByParts {
  double factor = 1.0;                                ///< > 0
  std::int64_t original_max_position_embeddings = 0;  ///< > 0
  double beta_fast = 32.0;                            ///< rotations at which interpolation stops
  double beta_slow = 1.0;                             ///< rotations at which it is complete; < beta_fast
};

}  // namespace scaling

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

/// Correction dimension for `rotations` full turns over `original` positions.
inline double yarn_correction_dim(double rotations, std::int64_t dim, double base, double original) {
  return (double(dim) * std::log(original / (rotations * 2.0 * 3.141592653589793))) / (2.0 * std::log(base));
}

/// The by-parts blend shared by NtkByParts and Yarn, in Hugging Face's float32
/// order (transformers `_compute_yarn_parameters`).
inline bool by_parts_table(const char* method, double factor, std::int64_t original, double beta_fast, double beta_slow,
                           bool truncate, const TableArgs& a, std::vector<float>& inv) {
  if (!check_positive(method, "factor", factor)) return false;
  if (!check_original_length(method, original)) return false;
  if (!(beta_fast > beta_slow) || !(beta_slow > 0) || !std::isfinite(beta_fast)) {
    fail(method, "beta_fast", beta_fast,
         ("must be finite and > beta_slow (beta_slow = " + std::to_string(beta_slow) + " must be > 0)").c_str());
    return false;
  }
  const std::int64_t dim = a.rotary_dim;
  double low = yarn_correction_dim(beta_fast, dim, a.base, double(original));
  double high = yarn_correction_dim(beta_slow, dim, a.base, double(original));
  if (truncate) {
    low = std::floor(low);
    high = std::ceil(high);
  }
  low = std::max(low, 0.0);
  high = std::min(high, double(dim - 1));
  if (low == high) high += 0.001;  // avoid a zero-width ramp, as the reference does
  const float low_f = f32(low);
  const float width_f = f32(high - low);
  const float factor_f = f32(factor);
  inv.resize(std::size_t(dim / 2));
  for (std::int64_t i = 0; i < dim / 2; ++i) {
    const float pos = pos_freq_f32(a.base, i, dim);
    const float extrap = f32(1.0 / double(pos));
    const float interp = f32(1.0 / double(f32(double(factor_f) * double(pos))));
    float ramp = f32(double(f32(double(float(i)) - double(low_f))) / double(width_f));
    ramp = std::min(std::max(ramp, 0.0f), 1.0f);
    const float extrap_weight = f32(1.0 - double(ramp));
    const float interp_weight = f32(1.0 - double(extrap_weight));
    inv[std::size_t(i)] =
        f32(double(f32(double(interp) * double(interp_weight))) + double(f32(double(extrap) * double(extrap_weight))));
  }
  return true;
}

inline bool compute_table(const scaling::NtkByParts& s, const TableArgs& a, Table& out) {
  out.attention_factor = 1.0f;
  return by_parts_table("scaling::NtkByParts", s.factor, s.original_max_position_embeddings, s.beta_fast, s.beta_slow,
                        true, a, out.inv_freq);
}

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_SCALING_NTK_BY_PARTS_HPP
