// ropekit: one decoder layer's position encoding, from its plan to the rotated Q and K.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_LAYER_HPP
#define ROPEKIT_LAYER_HPP

#include <cstdint>

#include "apply.hpp"
#include "model.hpp"
#include "multi_axis.hpp"
#include "options.hpp"

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {

/// The angle source of a layer for sequences of `seq_len` tokens (the
/// largest position of the call + 1; it matters for dynamic NTK and LongRoPE,
/// whose tables change with the length): its frequency table, with the
/// multimodal layout when the layer has one. Errors (a layer without RoPE, a
/// spec frequencies() rejects, sections that do not fit) are reported and
/// give an empty table.
inline AxisFrequencies layer_angles(const LayerRope& layer, std::int64_t seq_len = 0) {
  if (!layer.uses_rope) {
    detail::fail("ropekit::layer_angles", "layer.uses_rope", std::string("false"),
                 "(a layer without RoPE has no angles; see apply_layer)");
    return {};
  }
  const Frequencies f = frequencies(layer.spec, seq_len);
  if (f.inv_freq.empty()) return {};
  switch (layer.mrope) {
    case MropeLayout::sectioned:
      return mrope_sectioned(f, layer.mrope_section);
    case MropeLayout::interleaved:
      return mrope_interleaved(f, layer.mrope_section);
    default:
      return single_axis(f);
  }
}

/// The options of a layer's call: its rotary offset (the rotated slice of
/// an MLA head) and its query scale.
inline ApplyOptions layer_options(const LayerRope& layer) {
  ApplyOptions o;
  o.rotary_offset = layer.rotary_offset;
  o.query_scale = layer.query_scale;
  return o;
}

/// Does to Q and K what the layer's reference does with positions, in place:
/// a RoPE layer rotates them (its pairing, table for `seq_len`, rotary
/// offset, multimodal layout; positions with Positions::axes for those) and
/// scales the queries when the plan says so; a layer without RoPE only
/// scales its queries, if it does (Llama 4's temperature tuning).
template <class T>
inline void apply_layer(const LayerRope& layer, std::int64_t seq_len, HeadsView<T> q, HeadsView<T> k,
                        Positions positions) {
  if (!layer.uses_rope) {
    if (layer.query_scale) scale_queries(q, positions, *layer.query_scale);
    return;
  }
  const AxisFrequencies angles = layer_angles(layer, seq_len);
  if (angles.inv_freq.empty()) return;
  apply(layer.pairing, angles, q, k, positions, layer_options(layer));
}

}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_LAYER_HPP
