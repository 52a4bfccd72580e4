// ropekit: Llama 3.1 frequency scaling.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_SCALING_LLAMA3_HPP
#define ROPEKIT_SCALING_LLAMA3_HPP

#include "common.hpp"

namespace ropekit {
namespace scaling {

/// Llama 3.1 scaling (Meta's reference `apply_scaling`; Hugging Face
/// `rope_type: "llama3"`). With wavelen = 2 pi / inv_freq, orig the original
/// context, low = orig / low_freq_factor and high = orig / high_freq_factor:
///   wavelen < high:  kept;
///   wavelen > low:   inv_freq / factor;
///   otherwise:       (1 - s) * inv_freq / factor + s * inv_freq,
///                    s = (orig / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor).
/// attention_factor = 1. Evaluated in Hugging Face's float32 steps, including
/// its `c / t` = fl32(fl32(1 / t) * c) for a scalar divided by a tensor.
///
/// Defaults: none. All four fields are required keys of a Hugging Face
/// llama3 config and differ between models (Llama 3.1: factor 8; Llama 3.2:
/// factor 32), so a default-constructed Llama3 is rejected by frequencies()
/// with a message naming them. Llama 3.1: `Llama3{8.0, 1.0, 4.0, 8192}`.
struct Llama3 {
  double factor = 0.0;                                ///< required: finite, > 0, a normal float32 (0: not set)
  double low_freq_factor = 0.0;                       ///< required: as factor (0: not set)
  double high_freq_factor = 0.0;                      ///< required: as factor, > low_freq_factor (0: not set)
  std::int64_t original_max_position_embeddings = 0;  ///< required: > 0 (0: not set)
};

}  // namespace scaling

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {
inline bool compute_table(const scaling::Llama3& s, const TableArgs& a, Table& out) {
  const char* method = "scaling::Llama3";
  Unset unset;
  unset.add(is_zero_bits(s.factor), "factor", s.factor);
  unset.add(is_zero_bits(s.low_freq_factor), "low_freq_factor", s.low_freq_factor);
  unset.add(is_zero_bits(s.high_freq_factor), "high_freq_factor", s.high_freq_factor);
  unset.add(s.original_max_position_embeddings == 0, "original_max_position_embeddings",
            s.original_max_position_embeddings);
  if (!unset.check(method)) return false;
  if (!check_factor(method, "factor", s.factor)) return false;
  if (!check_original_length(method, s.original_max_position_embeddings)) return false;
  if (!check_factor(method, "low_freq_factor", s.low_freq_factor)) return false;
  if (!check_factor(method, "high_freq_factor", s.high_freq_factor)) return false;
  const float span = f32(sub_f64(s.high_freq_factor, s.low_freq_factor));
  if (!(s.high_freq_factor > s.low_freq_factor) || !positive_normal_bits(span)) {
    fail(method, "high_freq_factor", s.high_freq_factor,
         "must exceed low_freq_factor = " + format_value(s.low_freq_factor) +
             " by a normal float32 (the blend divides by their difference)");
    return false;
  }
  const double orig = double(s.original_max_position_embeddings);
  const float low_wavelen = f32(div_f64(orig, s.low_freq_factor));
  const float high_wavelen = f32(div_f64(orig, s.high_freq_factor));
  const float factor = f32(s.factor);
  const float two_pi_f = f32(two_pi);
  const float orig_f = f32(orig);
  const float low_ff = f32(s.low_freq_factor);
  std::vector<float> inv = default_inv_freq_f32(a.base, a.rotary_dim);
  for (std::size_t i = 0; i < inv.size(); ++i) {
    const float kept = inv[i];
    const float wavelen = mul_f32(div_f32(1.0f, kept), two_pi_f);
    const bool divided = wavelen > low_wavelen;
    float scaled = divided ? div_f32(kept, factor) : kept;
    const bool blended = !(wavelen < high_wavelen) && !divided;
    if (blended) {
      const float ratio = mul_f32(div_f32(1.0f, wavelen), orig_f);
      const float smooth = div_f32(sub_f32(ratio, low_ff), span);
      const float a1 = div_f32(mul_f32(sub_f32(1.0f, smooth), scaled), factor);
      const float a2 = mul_f32(smooth, scaled);
      scaled = add_f32(a1, a2);
    }
    if (!positive_normal_bits(scaled)) {
      const std::string where =
          "it makes inv_freq[" + format_integer(i) + "] = " + format_value(scaled) + " " + frequency_requirement;
      if (blended) {
        fail(method, "factor, low_freq_factor, high_freq_factor",
             format_value(s.factor) + ", " + format_value(s.low_freq_factor) + ", " + format_value(s.high_freq_factor),
             "are out of range for this table: in the blend " + where);
      } else {
        fail(method, "factor", s.factor, "is out of range for this table: " + where);
      }
      return false;
    }
    inv[i] = scaled;
  }
  out.inv_freq = std::move(inv);
  out.attention_factor = 1.0f;
  return true;
}
}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_SCALING_LLAMA3_HPP
