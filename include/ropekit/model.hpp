// ropekit: what a model does with positions, layer by layer.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_MODEL_HPP
#define ROPEKIT_MODEL_HPP

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config.hpp"
#include "frequencies.hpp"
#include "multi_axis.hpp"
#include "query_scale.hpp"
#include "spec.hpp"
#include "views.hpp"

namespace ropekit {

/// How a multimodal (M-RoPE) model assigns the rotary pairs of a head to the
/// three position streams (temporal T, height H, width W). For text tokens the
/// three streams carry the same position, so every layout is plain RoPE.
enum class MropeLayout {
  none,         ///< one position stream
  sectioned,    ///< Qwen2-VL / Qwen2.5-VL: consecutive pair ranges [T..][H..][W..]
                ///< (transformers qwen2_vl/modeling_qwen2_vl.py, apply_multimodal_rotary_pos_emb)
  interleaved,  ///< Qwen3-VL / Qwen3.5: pairs T H W T H W ..., the tail T
                ///< (transformers qwen3_vl/modeling_qwen3_vl.py, apply_interleaved_mrope)
};

/// What one decoder layer does with positions.
///
/// To rotate the layer's Q and K exactly as the reference does:
/// `ropekit::apply_layer(layer, seq_len, q, k, positions)` (layer.hpp), or by
/// hand `ropekit::apply(layer.pairing, layer_angles(layer, seq_len), q, k,
/// positions, layer_options(layer))`, where seq_len is the largest position
/// of the call + 1 (it only matters for dynamic NTK and LongRoPE, whose tables
/// Hugging Face switches by that length; the readers check the tables at the
/// original context and just past it, and dynamic NTK's base, which grows
/// with seq_len, may leave float range for extreme lengths).
struct LayerRope {
  /// False for a NoPE layer: the reference does not rotate its Q and K
  /// (Llama 4 every 4th layer, SmolLM3, EXAONE 4 and Cohere 2 global layers,
  /// Qwen3-Next / Qwen3.5 linear-attention layers). `spec` then holds the
  /// table the model's rotary module has, which the layer does not use.
  bool uses_rope = true;
  /// The frequency table: rotary_dim (channels rotated; for Gemma's
  /// proportional RoPE the whole head, with zero frequencies for the pairs
  /// that do not turn), base and scaling method.
  RopeSpec spec;
  /// Which channels form a pair, as the reference modeling code applies it to
  /// the checkpoint's Q/K projection weights (Hugging Face rotate_half =
  /// neox; view_as_complex / rotate_every_two / x[..., ::2] = interleaved; a
  /// GGUF's llama.cpp rope type NORM = interleaved, NEOX = neox).
  Pairing pairing = Pairing::neox;
  /// Channels per query/key head of this layer (Gemma 4 full-attention layers
  /// use global_head_dim; MLA models qk_nope_head_dim + qk_rope_head_dim).
  std::int64_t head_dim = 0;
  /// First rotated channel inside the head: the rotated slice is
  /// [rotary_offset, rotary_offset + spec.rotary_dim). 0 except for MLA models
  /// (DeepSeek-V2/V3, GLM-MoE-DSA), which rotate the last qk_rope_head_dim
  /// channels of the query head (offset qk_nope_head_dim).
  std::int64_t rotary_offset = 0;
  /// Multimodal rotary layout (none for text-only models).
  MropeLayout mrope = MropeLayout::none;
  /// Pairs per position stream T, H, W as the config gives them
  /// (`rope_parameters.mrope_section`, or the class default); empty when mrope is none.
  std::vector<std::int64_t> mrope_section;
  /// The layer-type name from the config (`layer_types[i]`, e.g.
  /// "sliding_attention"), empty when the config has none.
  std::string layer_type;
  /// The name the source gives the scaling method ("default", "linear",
  /// "dynamic", "yarn", "longrope", "llama3", "proportional" for Hugging Face;
  /// llama.cpp's scaling type, or "rope_freqs" for a GGUF whose per-pair
  /// divisors come from the rope_freqs tensor).
  std::string rope_type;
  /// Position-dependent query multiplier the reference applies in this layer
  /// (see PositionQueryScale), if any.
  std::optional<PositionQueryScale> query_scale;
  /// Factor by which the reference multiplies the softmax scale
  /// 1/sqrt(qk_head_dim): DeepSeek-V2/V3 and GLM-MoE-DSA use
  /// yarn_get_mscale(factor, mscale_all_dim)^2 when YaRN is on
  /// (deepseek_v3/modeling_deepseek_v3.py, yarn_apply_mscale); 1 otherwise.
  /// This is separate from the attention factor in the frequency table,
  /// which scales cos and sin.
  double softmax_scale_multiplier = 1.0;

  /// The position stream (0 = T, 1 = H, 2 = W) that rotary pair `pair`
  /// (0 <= pair < spec.rotary_dim / 2) takes its position from; always 0 when
  /// mrope is none. Sectioned: pair ranges of mrope_section[0], [1], [2]
  /// pairs; a pair beyond their sum gets 0. Interleaved: pair p uses H when
  /// p % 3 == 1 and p < 3 * mrope_section[1], W when p % 3 == 2 and
  /// p < 3 * mrope_section[2], T otherwise.
  int mrope_axis(std::int64_t pair) const {
    if (mrope == MropeLayout::none || mrope_section.size() < 3 || pair < 0) return 0;
    if (mrope == MropeLayout::interleaved) {
      if (pair % 3 == 1 && pair < 3 * mrope_section[1]) return 1;
      if (pair % 3 == 2 && pair < 3 * mrope_section[2]) return 2;
      return 0;
    }
    std::int64_t end = 0;
    for (int axis = 0; axis < 3; ++axis) {
      end += mrope_section[std::size_t(axis)];
      if (pair < end) return axis;
    }
    return 0;
  }
};

/// How an ALiBi model computes its head slopes.
enum class AlibiStyle {
  press,  ///< Press et al. (BLOOM, Falcon with alibi: transformers bloom/modeling_bloom.py,
          ///< build_alibi_tensor); ropekit::alibi_slopes computes these
  mpt,    ///< MPT (mpt/modeling_mpt.py, build_mpt_alibi_tensor): 2^(-k * max_bias / 2^ceil(log2 n)),
          ///< odd-indexed slopes first when n is not a power of two
};

/// Position encodings other than RoPE, each with the parameters the
/// reference reads. ModelRope::encoding holds one of them.
namespace positions {

/// RoPE: the per-layer plan is ModelRope::layers.
struct Rotary {};

/// A learned absolute table added to the token embeddings (BERT, GPT-2,
/// DeBERTa-v2 with position_biased_input): rows for positions [0, max_positions).
struct LearnedAbsolute {
  std::int64_t max_positions = 0;  ///< `max_position_embeddings` / `n_positions`
  std::int64_t dim = 0;            ///< width of a row (the hidden size)
};

/// A fixed sinusoidal table added to the embeddings (Vaswani et al. 2017).
struct Sinusoidal {
  std::int64_t max_positions = 0;
  std::int64_t dim = 0;
  double base = 10000.0;
};

/// T5 relative position buckets (transformers t5/modeling_t5.py,
/// T5Attention._relative_position_bucket): a learned per-head bias indexed by
/// ropekit::t5_relative_position_bucket(key - query, bidirectional, num_buckets,
/// max_distance); bidirectional in the encoder, causal in the decoder. Only the
/// first layer of each stack holds the bias table; the others reuse it.
struct T5Buckets {
  std::int64_t num_buckets = 32;    ///< `relative_attention_num_buckets`
  std::int64_t max_distance = 128;  ///< `relative_attention_max_distance`
  std::int64_t encoder_layers = 0;  ///< `num_layers`
  std::int64_t decoder_layers = 0;  ///< `num_decoder_layers` (defaults to num_layers)
};

/// DeBERTa-v2 disentangled relative attention (deberta_v2/modeling_deberta_v2.py,
/// DisentangledSelfAttention): relative positions query - key are bucketed with
/// ropekit::deberta_log_bucket_position(rel, position_buckets,
/// max_relative_positions) when position_buckets > 0, else clipped to
/// +-max_relative_positions.
struct DebertaBuckets {
  bool relative_attention = false;          ///< false: no relative term at all
  std::int64_t position_buckets = -1;       ///< > 0: log buckets of that size; <= 0: none
  std::int64_t max_relative_positions = 0;  ///< effective value (the config's, or max_position_embeddings when < 1)
  /// Whether a learned absolute table is also added to the input
  /// (`position_biased_input`, default true).
  bool position_biased_input = true;
  std::int64_t max_position_embeddings = 0;  ///< rows of that table
};

/// ALiBi: per-head linear biases -slope_h * distance added to the logits.
struct Alibi {
  std::int64_t n_heads = 0;
  AlibiStyle style = AlibiStyle::press;
  double max_bias = 8.0;  ///< the exponent range (8 in both references)
};

}  // namespace positions

/// The position encoding of a model: RoPE (see ModelRope::layers) or one of the others.
using PositionEncoding = std::variant<positions::Rotary, positions::LearnedAbsolute, positions::Sinusoidal,
                                      positions::T5Buckets, positions::DebertaBuckets, positions::Alibi>;

/// Where a plan was read from.
enum class ModelSource {
  none,       ///< an empty plan (the result of a reported error)
  hf_config,  ///< a Hugging Face config.json
  gguf,       ///< a GGUF file's metadata
};

/// What a model does with positions, layer by layer: the output of
/// ropekit::hf::parse_config / read_config and ropekit::gguf::model_rope.
struct ModelRope {
  /// The file's `model_type` (Hugging Face) or `general.architecture` (GGUF).
  std::string model_type;
  /// The decoder configuration actually read: for composite models the text
  /// sub-config's type (e.g. "llama4_text", "gemma4_text"); else model_type.
  std::string text_model_type;
  ModelSource source = ModelSource::none;
  /// Number of decoder layers (`num_hidden_layers`, `block_count`).
  std::int64_t num_layers = 0;
  /// The model-level head dim (`head_dim`, else hidden_size / num_attention_heads);
  /// layers may differ (LayerRope::head_dim).
  std::int64_t head_dim = 0;
  /// The context the model is configured for (`max_position_embeddings`,
  /// `{arch}.context_length`).
  std::int64_t max_position_embeddings = 0;
  /// One entry per decoder layer: layers[i] answers for layer i. For models
  /// without RoPE every entry has uses_rope = false.
  std::vector<LayerRope> layers;
  /// The position encoding: positions::Rotary for RoPE models, else the scheme
  /// and its parameters.
  PositionEncoding encoding = positions::Rotary{};
  /// True when the model type was unknown and the standard fields were read
  /// through the opt-in generic mode (HfConfigOptions::generic): the plan is
  /// then a guess from `head_dim`, `partial_rotary_factor`, `rope_theta`,
  /// `rope_scaling` / `rope_parameters` and `layer_types`, with rotate-half
  /// pairing and RoPE on every layer, not the reference's semantics.
  bool generic = false;
  /// Things the reader wants a person to know (reference warnings, values it
  /// had to adjust); informative only.
  std::vector<std::string> notes;

  /// True for an empty plan (what a reader returns after a reported error).
  bool empty() const { return source == ModelSource::none; }
  /// True when the model uses RoPE (encoding is positions::Rotary).
  bool is_rope() const { return std::holds_alternative<positions::Rotary>(encoding); }
};

/// Options of ropekit::hf::parse_config / read_config.
struct HfConfigOptions {
  /// Read an unknown `model_type` through its standard fields instead of
  /// reporting it; the plan then has generic = true.
  bool generic = false;
};

inline namespace ROPEKIT_ABI_NAMESPACE {

namespace detail {

/// Most list entries (LongRoPE factors, counted once per layer holding them)
/// a reader puts into one plan: about 32 MiB. Real plans hold a few thousand;
/// the bound keeps a crafted file (many layers x long lists) from making a
/// reader allocate far beyond the file's own size.
inline constexpr std::int64_t max_plan_list_entries = std::int64_t(1) << 22;

/// Number of list entries a spec stores (LongRoPE's short and long factors).
inline std::int64_t list_entries(const RopeSpec& spec) {
  if (const auto* lr = std::get_if<scaling::LongRope>(&spec.scaling))
    return std::int64_t(lr->short_factor.size() + lr->long_factor.size());
  return 0;
}

/// Whether ropekit computes the table of `spec` at `seq_len` (the readers'
/// last check of a plan they accept). With exceptions, ropekit::frequencies'
/// error is caught and its message returned in `message` (nothing is
/// reported; the caller reports it naming the file). Without exceptions the
/// installed handler has already received the message when this returns false.
inline bool table_computes(const RopeSpec& spec, std::int64_t seq_len, std::string& message) {
#if ROPEKIT_HAS_EXCEPTIONS
  try {
    return !frequencies(spec, seq_len).inv_freq.empty();
  } catch (const error& e) {
    message = e.what();
    return false;
  }
#else
  message.clear();
  return !frequencies(spec, seq_len).inv_freq.empty();
#endif
}

}  // namespace detail

/// Name of a scaling method as ropekit calls it: "none", "linear",
/// "ntk_aware", "dynamic_ntk", "ntk_by_parts", "yarn", "llama3", "longrope",
/// "proportional" ("(valueless)" for a variant left empty by an exception).
inline const char* scaling_name(const Scaling& scaling) {
  static const char* const names[] = {"none", "linear", "ntk_aware", "dynamic_ntk", "ntk_by_parts",
                                      "yarn", "llama3", "longrope",  "proportional"};
  static_assert(std::variant_size<Scaling>::value == sizeof(names) / sizeof(names[0]), "one name per method");
  return scaling.valueless_by_exception() ? "(valueless)" : names[scaling.index()];
}

/// Name of an M-RoPE layout ("none", "sectioned", "interleaved").
inline const char* to_string(MropeLayout layout) {
  switch (layout) {
    case MropeLayout::sectioned:
      return "sectioned";
    case MropeLayout::interleaved:
      return "interleaved";
    default:
      return "none";
  }
}

/// Name of a pairing ("neox" for rotate-half, "interleaved").
inline const char* to_string(Pairing pairing) { return pairing == Pairing::neox ? "neox" : "interleaved"; }

/// Name of an ALiBi slope style ("press", "mpt").
inline const char* to_string(AlibiStyle style) { return style == AlibiStyle::mpt ? "mpt" : "press"; }

/// Name of a position encoding ("rope", "learned_absolute", "sinusoidal",
/// "t5_buckets", "deberta_buckets", "alibi"; "(valueless)" for a variant left
/// empty by an exception).
inline const char* encoding_name(const PositionEncoding& encoding) {
  static const char* const names[] = {"rope",       "learned_absolute", "sinusoidal",
                                      "t5_buckets", "deberta_buckets",  "alibi"};
  static_assert(std::variant_size<PositionEncoding>::value == sizeof(names) / sizeof(names[0]),
                "one name per encoding");
  return encoding.valueless_by_exception() ? "(valueless)" : names[encoding.index()];
}

/// The original (pre-extension) context of a spec: the scaling method's
/// original_max_position_embeddings when it has one, else `fallback` (for
/// linear scaling the caller passes the model's context / factor, for no
/// scaling the model's context).
inline std::int64_t original_context(const RopeSpec& spec, std::int64_t fallback) {
  if (const auto* s = std::get_if<scaling::DynamicNtk>(&spec.scaling)) return s->original_max_position_embeddings;
  if (const auto* s = std::get_if<scaling::NtkByParts>(&spec.scaling)) return s->original_max_position_embeddings;
  if (const auto* s = std::get_if<scaling::Yarn>(&spec.scaling)) return s->original_max_position_embeddings;
  if (const auto* s = std::get_if<scaling::Llama3>(&spec.scaling)) return s->original_max_position_embeddings;
  if (const auto* s = std::get_if<scaling::LongRope>(&spec.scaling)) return s->original_max_position_embeddings;
  return fallback;
}

}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_MODEL_HPP
