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
///
/// Defaults: `factor` and `original_max_position_embeddings` differ between
/// models and have none (a default-constructed NtkByParts is rejected by
/// frequencies() with a message naming them); beta_fast and beta_slow default
/// to the values of the YaRN paper and of Hugging Face when a config omits
/// them. Example: `NtkByParts{16.0, 4096}`.
struct NtkByParts {
  double factor = 0.0;                                ///< required: finite, > 0, a normal float32 (0: not set)
  std::int64_t original_max_position_embeddings = 0;  ///< required: > 0 (0: not set)
  double beta_fast = 32.0;                            ///< rotations at which interpolation stops; > beta_slow
  double beta_slow = 1.0;                             ///< rotations at which it is complete; finite, > 0
};

}  // namespace scaling

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

/// Correction dimension for `rotations` full turns over `original` positions:
/// (dim * ln(original / (rotations * 2 * pi))) / (2 * ln(base)), in the order
/// of the Hugging Face code, one IEEE operation at a time.
inline double yarn_correction_dim(double rotations, std::int64_t dim, double base, double original) {
  const double turns = mul_f64(mul_f64(rotations, 2.0), 3.141592653589793);
  const double numerator = mul_f64(double(dim), log_f64(div_f64(original, turns)));
  return div_f64(numerator, mul_f64(2.0, log_f64(base)));
}

/// The by-parts blend shared by NtkByParts and Yarn, in Hugging Face's float32
/// order (transformers `_compute_yarn_parameters`). Checks every field and
/// that the result is a table of positive normal floats.
inline bool by_parts_table(const char* method, double factor, std::int64_t original, double beta_fast, double beta_slow,
                           bool truncate, const TableArgs& a, std::vector<float>& out) {
  Unset unset;
  unset.add(is_zero_bits(factor), "factor", factor);
  unset.add(original == 0, "original_max_position_embeddings", original);
  if (!unset.check(method)) return false;
  if (!check_factor(method, "factor", factor)) return false;
  if (!check_original_length(method, original)) return false;
  if (!check_positive(method, "beta_slow", beta_slow)) return false;
  if (!check_positive(method, "beta_fast", beta_fast)) return false;
  if (!(beta_fast > beta_slow)) {
    fail(method, "beta_fast", beta_fast, "must be > beta_slow = " + format_value(beta_slow));
    return false;
  }
  const std::int64_t dim = a.rotary_dim;
  double low = yarn_correction_dim(beta_fast, dim, a.base, double(original));
  double high = yarn_correction_dim(beta_slow, dim, a.base, double(original));
  if (!is_finite(low) || !is_finite(high)) {
    const bool fast = !is_finite(low);
    fail(method, fast ? "beta_fast" : "beta_slow", fast ? beta_fast : beta_slow,
         "gives the correction dimension rotary_dim * ln(original_max_position_embeddings / (2 pi beta)) / (2 ln "
         "base) = " +
             format_value(fast ? low : high) + " with original_max_position_embeddings = " + format_integer(original) +
             "; it must be finite");
    return false;
  }
  if (truncate) {
    low = std::floor(low);
    high = std::ceil(high);
  }
  low = std::max(low, 0.0);
  high = std::min(high, double(dim - 1));
  if (low == high) high = add_f64(high, 0.001);  // avoid a zero-width ramp, as the reference does
  const float low_f = f32(low);
  const float width_f = f32(sub_f64(high, low));
  if (is_zero_bits(double(width_f))) {
    fail(method, "beta_slow", beta_slow,
         "and beta_fast = " + format_value(beta_fast) + " give a ramp of width " + format_value(sub_f64(high, low)) +
             " pairs, zero in float32; they must be further apart");
    return false;
  }
  const float factor_f = f32(factor);
  std::vector<float> inv(std::size_t(dim / 2));
  for (std::int64_t i = 0; i < dim / 2; ++i) {
    const float pos = pos_freq_f32(a.base, i, dim);
    const float extrap = div_f32(1.0f, pos);
    const float interp = div_f32(1.0f, mul_f32(factor_f, pos));
    if (!positive_normal_bits(interp)) {
      fail(method, "factor", factor,
           "is out of range for this table: the interpolated frequency 1 / (factor * base^(2i / rotary_dim)) of pair " +
               format_integer(i) + " is " + format_value(interp) + " " + frequency_requirement);
      return false;
    }
    float ramp = div_f32(sub_f32(float(i), low_f), width_f);  // finite or +-inf: width_f != 0
    ramp = std::min(std::max(ramp, 0.0f), 1.0f);
    const float extrap_weight = sub_f32(1.0f, ramp);
    const float interp_weight = sub_f32(1.0f, extrap_weight);
    inv[std::size_t(i)] = add_f32(mul_f32(interp, interp_weight), mul_f32(extrap, extrap_weight));
  }
  if (!check_table(method, "factor", factor, inv)) return false;
  out = std::move(inv);
  return true;
}

inline bool compute_table(const scaling::NtkByParts& s, const TableArgs& a, Table& out) {
  if (!by_parts_table("scaling::NtkByParts", s.factor, s.original_max_position_embeddings, s.beta_fast, s.beta_slow,
                      true, a, out.inv_freq))
    return false;
  out.attention_factor = 1.0f;
  return true;
}

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_SCALING_NTK_BY_PARTS_HPP
