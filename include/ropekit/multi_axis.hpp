// ropekit: rotary embeddings over several position axes (multimodal and 2-D
// vision RoPE), as one (axis, frequency) table per pair.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_MULTI_AXIS_HPP
#define ROPEKIT_MULTI_AXIS_HPP

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "config.hpp"
#include "detail/fp.hpp"
#include "frequencies.hpp"
#include "kernel_call.hpp"
#include "spec.hpp"

namespace ropekit {

/// A rotary embedding whose pairs read different position components: pair j
/// of token t turns by positions[axis[j]][t] * inv_freq[j] (positions given
/// with Positions::axes), cos and sin scaled by attention_factor. Every
/// layout below is a constructor of this table; the kernels do not know which
/// one they run. A table with one axis is ordinary RoPE. Pass it to
/// ropekit::apply like a Frequencies table, or build a CosSinCache from it.
struct AxisFrequencies {
  std::vector<float> inv_freq;     ///< radians per position, one per pair
  std::vector<std::uint8_t> axis;  ///< position component of each pair, < n_axes
  int n_axes = 1;                  ///< position components per token (1 to 4)
  float attention_factor = 1.0f;   ///< scales cos and sin

  /// Number of rotated channels, 2 * inv_freq.size().
  std::int64_t rotary_dim() const { return 2 * std::int64_t(inv_freq.size()); }
};

/// The most position components a token may carry.
constexpr int kMaxAxes = kernel::kMaxAxes;

inline namespace ROPEKIT_ABI_NAMESPACE {

/// Validates an axis table: a valid frequency table (see validate), n_axes
/// in [1, 4], one axis per pair, each below n_axes. Reports the first problem
/// (naming the field and its value) and returns false.
inline bool validate(const AxisFrequencies& a, const char* function = "ropekit::validate") {
  // One pass over the bits first (no copy of the table: this runs per call).
  bool fine = !a.inv_freq.empty() && detail::is_positive_finite(a.attention_factor);
  std::uint32_t largest = 0;
  for (float v : a.inv_freq) {
    std::uint32_t bits;
    std::memcpy(&bits, &v, 4);
    largest = bits > largest ? bits : largest;
  }
  fine = fine && largest < 0x7f800000u;
  if (!fine) {
    Frequencies f;
    f.inv_freq = a.inv_freq;
    f.attention_factor = a.attention_factor;
    if (!validate(f, function)) return false;
  }
  if (a.n_axes < 1 || a.n_axes > kMaxAxes)
    return detail::fail(function, "axes.n_axes", a.n_axes, "must be in [1, 4]"), false;
  if (a.axis.size() != a.inv_freq.size())
    return detail::fail(function, "axes.axis.size()", std::int64_t(a.axis.size()),
                        ("must equal the number of pairs, " + std::to_string(a.inv_freq.size())).c_str()),
           false;
  std::uint8_t highest = 0;
  for (std::uint8_t v : a.axis) highest = v > highest ? v : highest;
  if (highest < a.n_axes) return true;
  for (std::size_t j = 0; j < a.axis.size(); ++j)
    if (a.axis[j] >= a.n_axes)
      return detail::fail(function, ("axes.axis[" + std::to_string(j) + "]").c_str(), int(a.axis[j]),
                          ("must be < n_axes = " + std::to_string(a.n_axes)).c_str()),
             false;
  return true;
}

namespace detail {
inline AxisFrequencies with_axes(const Frequencies& f, int n_axes) {
  AxisFrequencies a;
  a.inv_freq = f.inv_freq;
  a.attention_factor = f.attention_factor;
  a.n_axes = n_axes;
  a.axis.assign(f.inv_freq.size(), 0);
  return a;
}
/// Checks that mrope_section has three non-negative counts summing to at
/// most `pairs` (sectioned) or checks them for the interleaved rule.
inline bool check_sections(const char* function, const std::vector<std::int64_t>& section, std::int64_t pairs,
                           bool must_sum) {
  if (section.size() != 3)
    return fail(function, "mrope_section.size()", std::int64_t(section.size()), "must be 3 (T, H, W)"), false;
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    if (section[i] < 0 || section[i] > pairs)
      return fail(function, ("mrope_section[" + std::to_string(i) + "]").c_str(), section[i],
                  ("must be in [0, pairs = " + std::to_string(pairs) + "]").c_str()),
             false;
    sum += section[i];
  }
  if (must_sum && sum != pairs)
    return fail(function, "mrope_section",
                std::to_string(section[0]) + " + " + std::to_string(section[1]) + " + " + std::to_string(section[2]) +
                    " = " + std::to_string(sum),
                ("must sum to the number of rotated pairs, rotary_dim / 2 = " + std::to_string(pairs)).c_str()),
           false;
  return true;
}
}  // namespace detail

/// Ordinary RoPE as an axis table: every pair reads position component 0.
inline AxisFrequencies single_axis(const Frequencies& f) {
  if (!validate(f, "ropekit::single_axis")) return {};
  return detail::with_axes(f, 1);
}

/// Sectioned multimodal RoPE (Qwen2-VL, Qwen2.5-VL; GLM-4V, with interleaved
/// pairing and partial rotary): mrope_section = [s_t, s_h, s_w] counts pairs;
/// pairs [0, s_t) read the temporal position (axis 0), the next s_h the
/// height (axis 1), the rest the width (axis 2). The frequencies are the
/// ordinary table over the rotary dim (not restarted per section), so any
/// scaling method applies unchanged. The sections must sum to the number of
/// pairs. Source: transformers, models/qwen2_vl/modeling_qwen2_vl.py,
/// apply_multimodal_rotary_pos_emb (cos split by mrope_section, chunk i from
/// position component i % 3, the same split on both halves of rotate_half).
inline AxisFrequencies mrope_sectioned(const Frequencies& f, const std::vector<std::int64_t>& mrope_section) {
  const char* function = "ropekit::mrope_sectioned";
  if (!validate(f, function)) return {};
  const std::int64_t pairs = std::int64_t(f.inv_freq.size());
  if (!detail::check_sections(function, mrope_section, pairs, true)) return {};
  AxisFrequencies a = detail::with_axes(f, 3);
  for (std::int64_t j = 0; j < pairs; ++j)
    a.axis[std::size_t(j)] = j < mrope_section[0] ? 0 : j < mrope_section[0] + mrope_section[1] ? 1 : 2;
  return a;
}

/// Interleaved multimodal RoPE (Qwen3-VL, Qwen3.5): with mrope_section =
/// [s_t, s_h, s_w], pair j reads the height (axis 1) if j % 3 == 1 and
/// j < 3 s_h, the width (axis 2) if j % 3 == 2 and j < 3 s_w, and the
/// temporal position (axis 0) otherwise: T is the fallback, there is no
/// fourth component. Source: transformers, models/qwen3_vl/
/// modeling_qwen3_vl.py, Qwen3VLTextRotaryEmbedding.apply_interleaved_mrope
/// (starts from the T frequencies and overwrites the H and W slices).
/// ggml differs (GGML_ROPE_TYPE_IMROPE in ggml-cpu's rope): a pair matching
/// none of its three conditions (j % 3 == 0 and j < 3 s_t for T) takes a
/// fourth position component, which llama.cpp sets to zero for Qwen3-VL, so
/// with mrope_section [24, 20, 20] pairs 61 and 62 are not rotated there
/// while Hugging Face rotates them by the temporal position.
inline AxisFrequencies mrope_interleaved(const Frequencies& f, const std::vector<std::int64_t>& mrope_section) {
  const char* function = "ropekit::mrope_interleaved";
  if (!validate(f, function)) return {};
  const std::int64_t pairs = std::int64_t(f.inv_freq.size());
  if (!detail::check_sections(function, mrope_section, pairs, false)) return {};
  AxisFrequencies a = detail::with_axes(f, 3);
  for (std::int64_t j = 0; j < pairs; ++j) {
    std::uint8_t axis = 0;
    if (j % 3 == 1 && j < 3 * mrope_section[1]) axis = 1;
    if (j % 3 == 2 && j < 3 * mrope_section[2]) axis = 2;
    a.axis[std::size_t(j)] = axis;
  }
  return a;
}

/// ERNIE-4.5-VL's 3-D RoPE: the first pairs - t_pairs pairs alternate height
/// (axis 1, even j) and width (axis 2, odd j); the last t_pairs pairs read
/// the temporal position (axis 0). Frequencies are the ordinary table.
/// Source: the `freq_allocation` split of ERNIE-4.5-VL's 3-D rotary
/// embedding (transformers, models/ernie4_5_vl_moe).
inline AxisFrequencies ernie_3d(const Frequencies& f, std::int64_t t_pairs) {
  const char* function = "ropekit::ernie_3d";
  if (!validate(f, function)) return {};
  const std::int64_t pairs = std::int64_t(f.inv_freq.size());
  if (t_pairs < 0 || t_pairs > pairs)
    return detail::fail(function, "t_pairs", t_pairs,
                        ("must be in [0, pairs = " + std::to_string(pairs) + "]").c_str()),
           AxisFrequencies{};
  AxisFrequencies a = detail::with_axes(f, 3);
  for (std::int64_t j = 0; j < pairs; ++j) a.axis[std::size_t(j)] = j >= pairs - t_pairs ? 0 : j % 2 == 0 ? 1 : 2;
  return a;
}

namespace detail {
inline bool check_vision(const char* function, std::int64_t head_dim, double base, std::int64_t multiple) {
  if (head_dim <= 0 || head_dim % multiple != 0)
    return fail(function, "head_dim", head_dim, ("must be a positive multiple of " + std::to_string(multiple)).c_str()),
           false;
  if (!is_finite(base) || !(base > 1)) return fail(function, "base", base, "must be finite and > 1"), false;
  return true;
}
/// The default table of rotary dim `dim` (Hugging Face's float32 steps).
inline std::vector<float> default_table(std::int64_t dim, double base) {
  RopeSpec spec;
  spec.rotary_dim = dim;
  spec.base = base;
  return frequencies(spec).inv_freq;
}
}  // namespace detail

/// Axial 2-D vision RoPE of Qwen2-VL, Qwen2.5-VL, Qwen3-VL and GLM-4V's ViTs:
/// rotate-half over the whole head (neox pairing, rotary_dim = head_dim);
/// pairs [0, D/4) turn by the patch row (axis 0), pairs [D/4, D/2) by the
/// column (axis 1), both with theta_k = base^(-2k / (D/2)), k restarted per
/// axis. Source: transformers, models/qwen2_vl/modeling_qwen2_vl.py,
/// VisionRotaryEmbedding (dim = head_dim / 2) and rot_pos_emb (row and
/// column frequencies concatenated). head_dim must be a multiple of 4.
inline AxisFrequencies vision_axial_2d(std::int64_t head_dim, double base = 10000.0) {
  const char* function = "ropekit::vision_axial_2d";
  if (!detail::check_vision(function, head_dim, base, 4)) return {};
  const std::vector<float> theta = detail::default_table(head_dim / 2, base);  // D/4 values
  AxisFrequencies a;
  a.n_axes = 2;
  for (int axis = 0; axis < 2; ++axis)
    for (float v : theta) {
      a.inv_freq.push_back(v);
      a.axis.push_back(std::uint8_t(axis));
    }
  return a;
}

/// Pixtral's 2-D RoPE: neox pairing over the whole head; with the default
/// table b^(-2k/D) of the full head dim, pairs [0, D/4) take its even
/// entries and the patch row (axis 0), pairs [D/4, D/2) its odd entries and
/// the column (axis 1). Source: transformers, models/pixtral/
/// modeling_pixtral.py, PixtralRotaryEmbedding (freqs[::2] by height,
/// freqs[1::2] by width). head_dim must be a multiple of 4.
inline AxisFrequencies vision_pixtral_2d(std::int64_t head_dim, double base = 10000.0) {
  const char* function = "ropekit::vision_pixtral_2d";
  if (!detail::check_vision(function, head_dim, base, 4)) return {};
  const std::vector<float> theta = detail::default_table(head_dim, base);  // D/2 values
  AxisFrequencies a;
  a.n_axes = 2;
  for (int axis = 0; axis < 2; ++axis)
    for (std::size_t k = std::size_t(axis); k < theta.size(); k += 2) {
      a.inv_freq.push_back(theta[k]);
      a.axis.push_back(std::uint8_t(axis));
    }
  return a;
}

/// Llama 4's vision RoPE: interleaved pairing over the whole head; with
/// theta_k = base^(-4k / D) (k < D/4), pairs [0, D/4) turn by the patch
/// column (axis 0) and pairs [D/4, D/2) by the row (axis 1). The caller
/// passes 1-based coordinates (column + 1, row + 1) and position 0 for the
/// CLS token, which is then the identity. Source: transformers, models/
/// llama4/modeling_llama4.py, Llama4VisionRotaryEmbedding (frequencies of
/// (x + 1) and (y + 1), every other one kept, masked to 0 for the CLS token).
/// head_dim must be a multiple of 4.
inline AxisFrequencies vision_llama4_2d(std::int64_t head_dim, double base = 10000.0) {
  const char* function = "ropekit::vision_llama4_2d";
  if (!detail::check_vision(function, head_dim, base, 4)) return {};
  const std::vector<float> full = detail::default_table(head_dim / 2, base);  // D/4 values
  AxisFrequencies a;
  a.n_axes = 2;
  for (int axis = 0; axis < 2; ++axis)
    for (float v : full) {
      a.inv_freq.push_back(v);
      a.axis.push_back(std::uint8_t(axis));
    }
  return a;
}

}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_MULTI_AXIS_HPP
