// ropekit: NTK-aware scaling with a fixed alpha.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_SCALING_NTK_AWARE_HPP
#define ROPEKIT_SCALING_NTK_AWARE_HPP

#include "common.hpp"

namespace ropekit {
namespace scaling {

/// NTK-aware scaling (bloc97, 2023; YaRN paper arXiv:2309.00071 section 3.1):
/// the base is enlarged so the lowest frequency is interpolated by alpha while
/// the highest is kept:
///   base' = base * alpha^(rotary_dim / (rotary_dim - 2)),
///   inv_freq[i] = base'^(-2i / rotary_dim),  attention_factor = 1.
/// base' is computed in double and rounded to float32, then the default table
/// is evaluated in Hugging Face's float32 steps (as its dynamic method does).
struct NtkAware {
  double alpha = 1.0;  ///< > 0; 1 gives the default table
};

}  // namespace scaling

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {
/// base * ratio^(dim / (dim - 2)) in double, the NTK base adjustment.
inline double ntk_base(double base, double ratio, std::int64_t dim) {
  return base * std::pow(ratio, double(dim) / double(dim - 2));
}

inline bool compute_table(const scaling::NtkAware& s, const TableArgs& a, Table& out) {
  if (!check_positive("scaling::NtkAware", "alpha", s.alpha)) return false;
  if (a.rotary_dim < 4) {
    fail("scaling::NtkAware", "rotary_dim", a.rotary_dim, "must be >= 4 (exponent dim/(dim-2))");
    return false;
  }
  out.inv_freq = default_inv_freq_f32(ntk_base(a.base, s.alpha, a.rotary_dim), a.rotary_dim);
  out.attention_factor = 1.0f;
  return true;
}
}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_SCALING_NTK_AWARE_HPP
