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
/// Defaults are Llama 3.1's values.
struct Llama3 {
  double factor = 8.0;                                   ///< > 0
  double low_freq_factor = 1.0;                          ///< > 0
  double high_freq_factor = 4.0;                         ///< > low_freq_factor
  std::int64_t original_max_position_embeddings = 8192;  ///< > 0
};

}  // namespace scaling

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {
inline bool compute_table(const scaling::Llama3& s, const TableArgs& a, Table& out) {
  const char* method = "scaling::Llama3";
  if (!check_positive(method, "factor", s.factor)) return false;
  if (!check_original_length(method, s.original_max_position_embeddings)) return false;
  if (!check_positive(method, "low_freq_factor", s.low_freq_factor)) return false;
  if (!(s.high_freq_factor > s.low_freq_factor) || !std::isfinite(s.high_freq_factor)) {
    fail(method, "high_freq_factor", s.high_freq_factor,
         ("must be finite and > low_freq_factor (" + std::to_string(s.low_freq_factor) + ")").c_str());
    return false;
  }
  const double orig = double(s.original_max_position_embeddings);
  const float low_wavelen = f32(orig / s.low_freq_factor);
  const float high_wavelen = f32(orig / s.high_freq_factor);
  const float factor = f32(s.factor);
  const float two_pi = f32(2.0 * 3.141592653589793);
  const float orig_f = f32(orig);
  const float low_ff = f32(s.low_freq_factor);
  const float span = f32(s.high_freq_factor - s.low_freq_factor);
  out.inv_freq = default_inv_freq_f32(a.base, a.rotary_dim);
  for (float& inv : out.inv_freq) {
    const float wavelen = f32(double(f32(1.0 / double(inv))) * double(two_pi));
    float scaled = wavelen > low_wavelen ? f32(double(inv) / double(factor)) : inv;
    if (!(wavelen < high_wavelen) && !(wavelen > low_wavelen)) {
      const float ratio = f32(double(f32(1.0 / double(wavelen))) * double(orig_f));
      const float smooth = f32(double(f32(double(ratio) - double(low_ff))) / double(span));
      const float a1 = f32(double(f32(double(f32(1.0 - double(smooth))) * double(scaled))) / double(factor));
      const float a2 = f32(double(smooth) * double(scaled));
      scaled = f32(double(a1) + double(a2));
    }
    inv = scaled;
  }
  out.attention_factor = 1.0f;
  return true;
}
}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_SCALING_LLAMA3_HPP
