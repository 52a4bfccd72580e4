// ropekit: per-layer RoPE plans from Hugging Face config.json files.
// SPDX-License-Identifier: Apache-2.0
//
// Needs nlohmann_json (CMake target ropekit::hf). Semantics: Hugging Face
// transformers 5.16.0.dev0 (commit decba1d2ea4e), model type by model type;
// see ropekit::hf::parse_config.
#ifndef ROPEKIT_HF_CONFIG_HPP
#define ROPEKIT_HF_CONFIG_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "../detail/fp.hpp"
#include "../model.hpp"
#include "classes.hpp"
#include "json.hpp"

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {
namespace hf_detail {

/// Largest accepted values: far beyond every published model, small enough
/// that a crafted file cannot make the plan allocate without bound
/// (layers x table size) or overflow the arithmetic.
constexpr std::int64_t kMaxLayers = 4096;
constexpr std::int64_t kMaxHidden = std::int64_t(1) << 24;
constexpr std::int64_t kMaxHeads = std::int64_t(1) << 16;
constexpr std::int64_t kMaxHeadDim = 8192;
constexpr std::int64_t kMaxPositions = std::int64_t(1) << 40;
/// Largest config.json read_config accepts (real ones are a few KiB).
constexpr std::int64_t kMaxConfigBytes = std::int64_t(64) << 20;

/// head_dim as an attribute of the config object: absent (hasattr false),
/// None, or a value.
struct HeadDimAttr {
  enum Kind { absent, none, value } kind = absent;
  std::int64_t v = 0;
};

/// The emulated configuration object of one decoder after __post_init__
/// and convert_rope_params_to_dict.
struct Decoder {
  const ClassInfo* cls = nullptr;
  std::string prefix;  ///< JSON path prefix of the decoder dict ("text_config." or "")
  json file;           ///< the decoder dict as in the file
  std::int64_t hidden = 0, heads = 0, layers = 0, max_pos = 0;
  HeadDimAttr head_dim;
  bool has_layer_types = false;
  std::vector<std::string> layer_types;
  json rp = json::object();  ///< config.rope_parameters after convert (+ standardization)
  std::string rp_path;       ///< where rp came from, for messages
  // Attributes the second standardization (inside the ROPE_INIT functions) sees.
  json prf_attr;               ///< partial_rotary_factor attribute (null: none / None)
  bool has_ompe_attr = false;  ///< hasattr(config, "original_max_position_embeddings")
  json ompe_attr;              ///< its value
  json theta_attr;             ///< rope_theta attribute (null: none)
  // Model-specific state.
  std::vector<bool> rope_flags;  ///< llama4 / smollm3 no_rope_layers (true = RoPE)
  bool sliding_window_set = false;
  std::int64_t qk_nope = 0, qk_rope = 0;
  std::int64_t global_head_dim = 0;  ///< gemma4 full-attention layers
  bool interleave = true;            ///< deepseek_v3 rope_interleave
  bool alibi = false;                ///< falcon
  std::int64_t gptj_rotary_dim = 0;
  std::vector<std::string> notes;
  /// Keys of a flat rope_parameters that convert copied from the top level
  /// (rope_theta, partial_rotary_factor, ...): messages name where they came from.
  std::vector<std::pair<std::string, std::string>> moved;
};

/// The JSON path to show for `key` of `params` at `path`: the top-level key
/// it was copied from when convert put it there.
inline std::string key_path(const Decoder& d, const json& params, const std::string& path, const char* key) {
  if (&params == &d.rp)
    for (const auto& m : d.moved)
      if (m.first == key) return m.second;
  return path + "." + key;
}

/// Reads an integer attribute: the file's value (which must be an integer in
/// [lo, hi]) or the class default (def < 0 with no key: required).
inline bool int_attr(Reader& r, const Decoder& d, const char* key, std::int64_t def, std::int64_t lo, std::int64_t hi,
                     std::int64_t& out) {
  const json* v = find(d.file, key);
  if (!v) {
    if (def < 0) return r.fail(d.prefix + key, "(missing)", "is required");
    out = def;
    return true;
  }
  return to_int(r, *v, d.prefix + key, lo, hi, out);
}

/// Reads a boolean attribute (JSON true/false), `def` when absent.
inline bool bool_attr(Reader& r, const Decoder& d, const char* key, bool def, bool& out) {
  const json* v = find(d.file, key);
  if (!v) {
    out = def;
    return true;
  }
  if (!v->is_boolean()) return r.fail(d.prefix + key, describe(*v), "must be true or false");
  out = v->get<bool>();
  return true;
}

/// Reads an optional integer attribute (`int | None`): `present` false for None.
inline bool opt_int_attr(Reader& r, const Decoder& d, const char* key, std::optional<std::int64_t> def, std::int64_t lo,
                         std::int64_t hi, std::optional<std::int64_t>& out) {
  const json* v = find(d.file, key);
  if (!v) {
    out = def;
    return true;
  }
  if (v->is_null()) {
    out.reset();
    return true;
  }
  std::int64_t x = 0;
  if (!to_int(r, *v, d.prefix + key, lo, hi, x)) return false;
  out = x;
  return true;
}

/// The file's `layer_types`, when it is a list: a list of strings of length
/// num_hidden_layers (transformers configuration_utils.py, validate_layer_type).
inline bool file_layer_types(Reader& r, Decoder& d, bool& present) {
  present = false;
  const json* v = find(d.file, "layer_types");
  if (!v || v->is_null()) return true;
  const std::string path = d.prefix + "layer_types";
  if (!v->is_array()) return r.fail(path, describe(*v), "must be a list of strings");
  if (std::int64_t(v->size()) != d.layers)
    return r.fail(path, describe(*v), "must have num_hidden_layers = " + std::to_string(d.layers) + " entries");
  d.layer_types.clear();
  for (std::size_t i = 0; i < v->size(); ++i) {
    const json& e = (*v)[i];
    if (!e.is_string()) return r.fail(path + "[" + std::to_string(i) + "]", describe(e), "must be a string");
    d.layer_types.push_back(e.get<std::string>());
  }
  d.has_layer_types = true;
  present = true;
  return true;
}

/// transformers configuration_utils.py remap_legacy_layer_types.
inline void remap_legacy_layer_types(std::vector<std::string>& types) {
  for (std::string& t : types) {
    if (t == "conv" || t == "mamba") t = "linear_attention";
    if (t == "attention") t = "full_attention";
  }
}

/// The reference's default layer types for a repeating pattern: every
/// `every`-th layer (1-based) full_attention, the others `other`.
inline void pattern_layer_types(Decoder& d, std::int64_t every, const char* other) {
  for (std::int64_t i = 0; i < d.layers; ++i) d.layer_types.push_back((i + 1) % every != 0 ? other : "full_attention");
  d.has_layer_types = true;
}

/// Reads a pattern length used as `(i + 1) % n` (must be an integer > 0:
/// the reference divides by it).
inline bool pattern_attr(Reader& r, const Decoder& d, const char* key, std::int64_t def, std::int64_t& out) {
  return int_attr(r, d, key, def, 1, kMaxLayers * 4, out);
}

/// Reads the `no_rope_layers` list (entries 0/1 or booleans).
inline bool rope_flag_list(Reader& r, const Decoder& d, const json& v, std::vector<bool>& out) {
  const std::string path = d.prefix + "no_rope_layers";
  if (!v.is_array()) return r.fail(path, describe(v), "must be a list of 0/1");
  out.clear();
  for (std::size_t i = 0; i < v.size(); ++i) {
    const json& e = v[i];
    if (!(e.is_boolean() || e.is_number_integer())) {
      return r.fail(path + "[" + std::to_string(i) + "]", describe(e), "must be 0 or 1");
    }
    out.push_back(truthy(e));
  }
  return true;
}

// ---------------------------------------------------------------------------
// __post_init__ of each class.
// ---------------------------------------------------------------------------

/// Reads the size attributes and head_dim, and applies the class's
/// __post_init__ (layer_types, no_rope_layers, default rope_parameters, ...).
inline bool post_init(Reader& r, Decoder& d) {
  const ClassInfo& c = *d.cls;
  const bool gptj = c.family == Family::gptj;
  // GPT-J's attribute_map: hidden_size -> n_embd etc. (configuration_gptj.py);
  // an attribute-map key set as a kwarg overrides the field.
  auto alias = [&](const char* mapped, const char* field) {
    if (const json* v = find(d.file, mapped)) d.file[field] = *v;
  };
  if (gptj) {
    alias("hidden_size", "n_embd");
    alias("num_attention_heads", "n_head");
    alias("num_hidden_layers", "n_layer");
    alias("max_position_embeddings", "n_positions");
  }
  if (c.family == Family::falcon) {
    // FalconConfig.__post_init__: hidden_size = n_embed when given.
    if (const json* v = find(d.file, "n_embed")) d.file["hidden_size"] = *v;
    if (find(d.file, "head_dim"))
      return r.fail(d.prefix + "head_dim", describe(*find(d.file, "head_dim")),
                    "cannot be set: FalconConfig.head_dim is a read-only property (hidden_size // "
                    "num_attention_heads)");
  }
  if (!int_attr(r, d, gptj ? "n_embd" : "hidden_size", c.hidden_size, 1, kMaxHidden, d.hidden)) return false;
  if (!int_attr(r, d, gptj ? "n_head" : "num_attention_heads", c.num_attention_heads, 1, kMaxHeads, d.heads))
    return false;
  if (!int_attr(r, d, gptj ? "n_layer" : "num_hidden_layers", c.num_hidden_layers, 1, kMaxLayers, d.layers))
    return false;
  if (!int_attr(r, d, gptj ? "n_positions" : "max_position_embeddings",
                c.family == Family::generic ? 0 : c.max_position_embeddings, 0, kMaxPositions, d.max_pos))
    return false;

  // head_dim.
  const json* hd = find(d.file, "head_dim");
  auto hd_from = [&](const json& v) -> bool {
    if (v.is_null()) {
      d.head_dim.kind = HeadDimAttr::none;
      return true;
    }
    d.head_dim.kind = HeadDimAttr::value;
    return to_int(r, v, d.prefix + "head_dim", 0, kMaxHeadDim, d.head_dim.v);
  };
  switch (c.head_dim) {
    case HeadDimKind::absent:
      if (hd && !hd_from(*hd)) return false;
      break;
    case HeadDimKind::field:
    case HeadDimKind::field_fill:
      if (hd) {
        if (!hd_from(*hd)) return false;
      } else if (c.head_dim_default >= 0) {
        d.head_dim = {HeadDimAttr::value, c.head_dim_default};
      } else {
        d.head_dim.kind = HeadDimAttr::none;
      }
      if (c.head_dim == HeadDimKind::field_fill && d.head_dim.kind == HeadDimAttr::none)
        d.head_dim = {HeadDimAttr::value, d.hidden / d.heads};
      break;
    case HeadDimKind::cohere2:
      d.head_dim = {HeadDimAttr::value, d.hidden / d.heads};
      if (hd && !hd_from(*hd)) return false;
      break;
    case HeadDimKind::property:
      d.head_dim = {HeadDimAttr::value, d.hidden / d.heads};
      break;
    case HeadDimKind::mla_field:
    case HeadDimKind::mla_kwarg: {
      const std::int64_t rope_default = 64;
      const std::int64_t nope_default = c.family == Family::glm_moe_dsa ? 192 : 128;
      if (!int_attr(r, d, "qk_rope_head_dim", rope_default, 0, kMaxHeadDim, d.qk_rope)) return false;
      if (!int_attr(r, d, "qk_nope_head_dim", nope_default, 0, kMaxHeadDim, d.qk_nope)) return false;
      d.head_dim = {HeadDimAttr::value, d.qk_rope};
      if (c.head_dim == HeadDimKind::mla_kwarg && hd && !hd_from(*hd)) return false;
      break;
    }
  }

  bool given = false;
  if (!file_layer_types(r, d, given)) return false;
  std::optional<std::int64_t> sliding;
  switch (c.family) {
    case Family::llama4: {
      // Llama4TextConfig.__post_init__: an empty/absent no_rope_layers becomes
      // [int((i + 1) % no_rope_layer_interval != 0)]; layer_types follow it.
      std::int64_t interval = 4;
      if (!pattern_attr(r, d, "no_rope_layer_interval", 4, interval)) return false;
      const json* nrl = find(d.file, "no_rope_layers");
      if (nrl && truthy(*nrl)) {
        if (!rope_flag_list(r, d, *nrl, d.rope_flags)) return false;
      } else {
        d.rope_flags.clear();
        for (std::int64_t i = 0; i < d.layers; ++i) d.rope_flags.push_back((i + 1) % interval != 0);
      }
      if (std::int64_t(d.rope_flags.size()) < d.layers)
        return r.fail(d.prefix + "no_rope_layers", nrl ? describe(*nrl) : "(missing)",
                      "must have an entry for each of the " + std::to_string(d.layers) + " layers");
      if (!given) {
        d.layer_types.clear();
        for (std::int64_t i = 0; i < d.layers; ++i)
          d.layer_types.push_back(d.rope_flags[std::size_t(i)] ? "chunked_attention" : "full_attention");
        d.has_layer_types = true;
      }
      break;
    }
    case Family::smollm3: {
      // SmolLM3Config.__post_init__: no_rope_layers defaults (when None) to
      // int((i + 1) % no_rope_layer_interval != 0).
      std::int64_t interval = 4;
      if (!pattern_attr(r, d, "no_rope_layer_interval", 4, interval)) return false;
      const json* nrl = find(d.file, "no_rope_layers");
      if (nrl && !nrl->is_null()) {
        if (!rope_flag_list(r, d, *nrl, d.rope_flags)) return false;
      } else {
        for (std::int64_t i = 0; i < d.layers; ++i) d.rope_flags.push_back((i + 1) % interval != 0);
      }
      if (std::int64_t(d.rope_flags.size()) < d.layers)
        return r.fail(d.prefix + "no_rope_layers", nrl ? describe(*nrl) : "(missing)",
                      "must have an entry for each of the " + std::to_string(d.layers) + " layers");
      bool use_sw = false;
      if (!bool_attr(r, d, "use_sliding_window", false, use_sw)) return false;
      if (!opt_int_attr(r, d, "sliding_window", std::nullopt, 0, kMaxPositions, sliding)) return false;
      if (!given) {
        for (std::int64_t i = 0; i < d.layers; ++i)
          d.layer_types.push_back(use_sw && sliding && !d.rope_flags[std::size_t(i)] ? "sliding_attention"
                                                                                     : "full_attention");
        d.has_layer_types = true;
      }
      break;
    }
    case Family::qwen2:
    case Family::qwen2_vl:
    case Family::qwen3: {
      // sliding_window is kept only with use_sliding_window; layers from
      // max_window_layers on slide.
      bool use_sw = false;
      std::int64_t mwl = 0;
      if (!bool_attr(r, d, "use_sliding_window", false, use_sw)) return false;
      if (!opt_int_attr(r, d, "sliding_window", 4096, 0, kMaxPositions, sliding)) return false;
      if (!int_attr(r, d, "max_window_layers", c.family == Family::qwen2_vl ? 80 : 28, 0, kMaxLayers * 4, mwl))
        return false;
      if (!use_sw) sliding.reset();
      if (!given) {
        for (std::int64_t i = 0; i < d.layers; ++i)
          d.layer_types.push_back(sliding && i >= mwl ? "sliding_attention" : "full_attention");
        d.has_layer_types = true;
      }
      break;
    }
    case Family::qwen2_moe: {
      bool use_sw = false;
      std::int64_t mwl = 0;
      if (!bool_attr(r, d, "use_sliding_window", false, use_sw)) return false;
      if (!int_attr(r, d, "max_window_layers", 28, 0, kMaxLayers * 4, mwl)) return false;
      if (!given) {
        for (std::int64_t i = 0; i < d.layers; ++i)
          d.layer_types.push_back((i + 1) % 2 != 0 && i < mwl && use_sw ? "sliding_attention" : "full_attention");
        d.has_layer_types = true;
      }
      break;
    }
    case Family::qwen3_next:
    case Family::qwen3_5: {
      if (given) {
        remap_legacy_layer_types(d.layer_types);
      } else {
        std::int64_t interval = 4;
        if (!pattern_attr(r, d, "full_attention_interval", 4, interval)) return false;
        pattern_layer_types(d, interval, "linear_attention");
      }
      break;
    }
    case Family::gemma2:
    case Family::gpt_oss:
      if (!given) {
        pattern_layer_types(d, 2, "sliding_attention");
      }
      break;
    case Family::gemma3:
    case Family::gemma4:
    case Family::cohere2: {
      if (!given) {
        std::int64_t pattern = c.family == Family::cohere2 ? 4 : 6;
        if (c.family != Family::gemma4 && !pattern_attr(r, d, "sliding_window_pattern", pattern, pattern)) return false;
        pattern_layer_types(d, pattern, "sliding_attention");
      }
      if (c.family == Family::gemma4) {
        // Gemma4TextConfig.__post_init__ forces the last layer to full attention.
        if (!d.layer_types.empty() && d.layer_types.back() != "full_attention") {
          d.notes.push_back("the reference forces the last layer to full_attention (was " + d.layer_types.back() + ")");
          d.layer_types.back() = "full_attention";
        }
        if (!int_attr(r, d, "global_head_dim", 512, 0, kMaxHeadDim, d.global_head_dim)) return false;
      }
      if (c.family == Family::cohere2) {
        if (!opt_int_attr(r, d, "sliding_window", 4096, 0, kMaxPositions, sliding)) return false;
        d.sliding_window_set = sliding.has_value();
      }
      break;
    }
    case Family::olmo3:
      if (!given) {
        pattern_layer_types(d, 4, "sliding_attention");
      }
      break;
    case Family::exaone4: {
      // Exaone4Config.__post_init__: sliding_window None sets the pattern to 0
      // (then computing layer_types divides by zero in the reference).
      if (!opt_int_attr(r, d, "sliding_window", 4096, 0, kMaxPositions, sliding)) return false;
      d.sliding_window_set = sliding.has_value();
      if (!given) {
        std::int64_t pattern = 4;
        const json* p = find(d.file, "sliding_window_pattern");
        if (!sliding) {
          return r.fail(d.prefix + "layer_types", "(missing)",
                        "is required when sliding_window is null (Exaone4Config.__post_init__ then computes "
                        "(i + 1) % 0)");
        }
        if (p && !p->is_null()) {
          if (!to_int(r, *p, d.prefix + "sliding_window_pattern", 1, kMaxLayers * 4, pattern)) return false;
        }
        pattern_layer_types(d, pattern, "sliding_attention");
      }
      break;
    }
    case Family::glm_moe_dsa:
      if (!given) {
        d.layer_types.assign(std::size_t(d.layers), "deepseek_sparse_attention");
        d.has_layer_types = true;
      }
      break;
    case Family::deepseek_v3:
      if (!bool_attr(r, d, "rope_interleave", true, d.interleave)) return false;
      break;
    case Family::falcon: {
      const json* a = find(d.file, "alibi");
      if (a && !a->is_null() && !a->is_boolean()) return r.fail(d.prefix + "alibi", describe(*a), "must be a boolean");
      d.alibi = a && truthy(*a);
      break;
    }
    case Family::gptj: {
      // GPTJAttention: pos_embd_dim = rotary_dim or embed_dim (embed_dim is the
      // hidden size, which only works when rotary_dim is set).
      std::optional<std::int64_t> rd;
      if (!opt_int_attr(r, d, "rotary_dim", 64, 0, kMaxHeadDim, rd)) return false;
      if (!rd || *rd == 0)
        return r.fail(d.prefix + "rotary_dim", rd ? "0" : "null",
                      "must be > 0 (GPTJAttention rotates rotary_dim channels; without it the reference builds a "
                      "table of hidden_size channels that does not fit a head)");
      d.gptj_rotary_dim = *rd;
      break;
    }
    default:
      break;
  }
  // Classes without a layer_types field still get the file's list as an attribute.
  (void)sliding;
  return true;
}

// ---------------------------------------------------------------------------
// convert_rope_params_to_dict and standardize_rope_params.
// ---------------------------------------------------------------------------

/// The attributes standardize_rope_params reads.
struct StdAttrs {
  json rope_theta;        ///< getattr(self, "rope_theta", None)
  json prf;               ///< getattr(self, "partial_rotary_factor", None)
  bool has_ompe = false;  ///< hasattr(self, "original_max_position_embeddings")
  json ompe;
};

/// True when every key of `rp` is one of the layer types (the nested form).
inline bool keys_are_layer_types(const json& rp, const Decoder& d) {
  if (!d.has_layer_types || !rp.is_object() || rp.empty()) return false;
  for (auto it = rp.begin(); it != rp.end(); ++it)
    if (std::find(d.layer_types.begin(), d.layer_types.end(), it.key()) == d.layer_types.end()) return false;
  return true;
}

/// rope_type is one of those that carry original_max_position_embeddings.
inline bool needs_original(const json& params) {
  const json* t = find(params, "rope_type");
  if (!t || !t->is_string()) return false;
  const std::string& s = t->get_ref<const std::string&>();
  return s == "llama3" || s == "yarn" || s == "longrope";
}

/// RotaryEmbeddingConfigMixin.standardize_rope_params (modeling_rope_utils.py):
/// rope_type from `type` or "default", rope_theta and partial_rotary_factor
/// from the attributes, original_max_position_embeddings for llama3 / yarn /
/// longrope (the attribute when the object has one, else a setdefault to
/// max_position_embeddings); per layer type for the nested form.
inline bool standardize(Reader& r, Decoder& d, const StdAttrs& a) {
  json& rp = d.rp;
  if (!(truthy(rp) || truthy(a.rope_theta))) return true;  // "no RoPE parameters were found"
  if (!rp.is_object()) return r.fail(d.rp_path, describe(rp), "must be an object");
  if (!keys_are_layer_types(rp, d)) {
    const json* type = find(rp, "type");
    setdefault(rp, "rope_type", type ? *type : json("default"));
    setdefault(rp, "rope_theta", a.rope_theta);
    if (!a.prf.is_null()) rp["partial_rotary_factor"] = a.prf;
    if (needs_original(rp)) {
      if (a.has_ompe)
        rp["original_max_position_embeddings"] = a.ompe;
      else
        setdefault(rp, "original_max_position_embeddings", json(d.max_pos));
    }
    return true;
  }
  std::set<std::string> seen;
  for (const std::string& lt : d.layer_types) {
    if (!seen.insert(lt).second) continue;
    json* entry = find(rp, lt);
    if (!entry) return r.fail(d.rp_path + "." + lt, "(missing)", "is required: layer_types lists this layer type");
    if (entry->is_null()) continue;
    if (!entry->is_object()) return r.fail(d.rp_path + "." + lt, describe(*entry), "must be an object or null");
    const json* type = find(*entry, "type");
    setdefault(*entry, "rope_type", type ? *type : json("default"));
    setdefault(*entry, "rope_theta", a.rope_theta);
    if (!a.prf.is_null()) (*entry)["partial_rotary_factor"] = a.prf;
    if (needs_original(*entry)) setdefault(*entry, "original_max_position_embeddings", json(d.max_pos));
  }
  return true;
}

/// The value of a key set as a kwarg, or null when absent.
inline json kwarg(const Decoder& d, const char* key) {
  const json* v = find(d.file, key);
  return v ? *v : json();
}

/// `rope_scaling or self.rope_parameters`, then `{}` for None; `field_default`
/// is what __post_init__ put into the rope_parameters field when the file has none.
inline bool initial_rope_dict(Reader& r, Decoder& d, const json* field_default, const char* default_name) {
  const json* rs = find(d.file, "rope_scaling");
  const json* rpf = find(d.file, "rope_parameters");
  if (rs && truthy(*rs)) {
    d.rp = *rs;
    d.rp_path = d.prefix + "rope_scaling";
  } else if (rpf && !rpf->is_null()) {
    d.rp = *rpf;
    d.rp_path = d.prefix + "rope_parameters";
  } else if (field_default) {
    d.rp = *field_default;
    d.rp_path = d.prefix + "rope_parameters (" + default_name + ")";
  } else {
    d.rp = json::object();
    d.rp_path = d.prefix + "rope_parameters";
  }
  if (!d.rp.is_object()) return r.fail(d.rp_path, describe(d.rp), "must be an object");
  return true;
}

/// The class's convert_rope_params_to_dict followed by the first
/// standardization, and the attributes the second one will see.
inline bool convert(Reader& r, Decoder& d) {
  const ClassInfo& c = *d.cls;
  // setdefault of a top-level value into the flat dict, remembering its origin.
  auto take = [&](const char* key, const json& value, const std::string& origin) {
    if (d.rp.is_object() && d.rp.find(key) == d.rp.end()) {
      d.rp[key] = value;
      d.moved.emplace_back(key, origin);
    }
  };
  // partial_rotary_factor as a kwarg: the file's key, else the class's
  // kwargs.setdefault in __post_init__.
  json prf_kwarg = kwarg(d, "partial_rotary_factor");
  if (!find(d.file, "partial_rotary_factor") && c.partial_rotary_kwarg > 0) prf_kwarg = c.partial_rotary_kwarg;
  d.prf_attr = prf_kwarg;
  d.has_ompe_attr = c.family == Family::phi3 || find(d.file, "original_max_position_embeddings") != nullptr;
  if (c.family == Family::phi3)
    d.ompe_attr =
        find(d.file, "original_max_position_embeddings") ? kwarg(d, "original_max_position_embeddings") : json(4096);
  else
    d.ompe_attr = kwarg(d, "original_max_position_embeddings");

  StdAttrs first;  // attributes at the first standardization: fields only
  if (c.family == Family::phi3) {
    first.has_ompe = true;
    first.ompe = d.ompe_attr;
  }

  switch (c.convert) {
    case Convert::mixin:
    case Convert::qwen_vl:
    case Convert::phi3:
    case Convert::gpt_neox: {
      json defaults;
      const json* field_default = nullptr;
      if (c.family == Family::ministral3) {
        // Ministral3Config.__post_init__ default (a YaRN dict with llama_4_scaling_beta).
        defaults = {{"type", "yarn"},
                    {"rope_theta", 1000000.0},
                    {"factor", 16.0},
                    {"original_max_position_embeddings", 16384},
                    {"max_position_embeddings", d.max_pos},
                    {"beta_fast", 32.0},
                    {"beta_slow", 1.0},
                    {"mscale_all_dim", 1.0},
                    {"mscale", 1.0},
                    {"llama_4_scaling_beta", 0.1}};
        field_default = &defaults;
      } else if (c.family == Family::gpt_oss) {
        // GptOssConfig.__post_init__ default.
        defaults = {{"rope_type", "yarn"}, {"factor", 32.0},    {"beta_fast", 32.0},
                    {"beta_slow", 1.0},    {"truncate", false}, {"original_max_position_embeddings", 4096}};
        field_default = &defaults;
      }
      const json* rpf = find(d.file, "rope_parameters");
      if (field_default && rpf && !rpf->is_null()) field_default = nullptr;
      if (!initial_rope_dict(r, d, field_default, "the class default")) return false;
      if (keys_are_layer_types(d.rp, d) && c.family != Family::generic)
        d.notes.push_back(d.rp_path + " is keyed by layer type, but " + c.source +
                          " has one rotary table: the reference reads it as a flat dict (rope_type \"default\", the "
                          "top-level rope_theta) and ignores the per-layer-type entries");
      if (c.convert == Convert::gpt_neox) {
        const json* base = find(d.file, "rotary_emb_base");
        take("rope_theta", base ? *base : json(c.default_theta),
             base ? d.prefix + "rotary_emb_base" : d.prefix + "rope_theta (class default)");
        const json* pct = find(d.file, "rotary_pct");
        take("partial_rotary_factor", pct ? *pct : json(0.25),
             pct ? d.prefix + "rotary_pct" : d.prefix + "partial_rotary_factor (class default)");
        d.theta_attr = kwarg(d, "rope_theta");  // not popped: it stays an attribute
      } else if (c.convert == Convert::phi3) {
        const json* theta = find(d.file, "rope_theta");
        take("rope_theta", theta ? *theta : json(10000.0), d.prefix + "rope_theta");
        const json* p = find(d.file, "partial_rotary_factor");
        take("partial_rotary_factor", p ? *p : json(1.0), d.prefix + "partial_rotary_factor");
      } else {
        const json* theta = find(d.file, "rope_theta");
        take("rope_theta", theta ? *theta : json(c.default_theta),
             theta ? d.prefix + "rope_theta" : d.prefix + "rope_theta (class default)");
        if (c.convert == Convert::qwen_vl) {
          const json* t = find(d.rp, "rope_type");
          if (!t) t = find(d.rp, "type");
          if (t && t->is_string() && t->get_ref<const std::string&>() == "mrope") d.rp["rope_type"] = "default";
        } else if (!prf_kwarg.is_null()) {
          take("partial_rotary_factor", prf_kwarg, d.prefix + "partial_rotary_factor");
        }
      }
      if (!standardize(r, d, first)) return false;
      if (c.convert == Convert::phi3) {
        const json* t = find(d.rp, "rope_type");
        if (t && t->is_string() &&
            (t->get_ref<const std::string&>() == "su" || t->get_ref<const std::string&>() == "yarn")) {
          d.notes.push_back("rope_type \"" + t->get<std::string>() + "\" is read as \"longrope\" (Phi3Config)");
          d.rp["rope_type"] = "longrope";
        }
      }
      return true;
    }
    case Convert::gemma3:
    case Convert::olmo3: {
      const json* rpf = find(d.file, "rope_parameters");
      if (rpf && !rpf->is_null()) {
        d.rp = *rpf;
        d.rp_path = d.prefix + "rope_parameters";
      } else {
        d.rp = {{"sliding_attention", {{"rope_type", "default"}}}, {"full_attention", {{"rope_type", "default"}}}};
        d.rp_path = d.prefix + "rope_parameters (the class default)";
      }
      if (!d.rp.is_object()) return r.fail(d.rp_path, describe(d.rp), "must be an object");
      const json* rs = find(d.file, "rope_scaling");
      if (rs && !rs->is_null()) {
        json* full = find(d.rp, "full_attention");
        if (!full || !full->is_object())
          return r.fail(d.rp_path + ".full_attention", full ? describe(*full) : "(missing)",
                        "must be an object to receive rope_scaling");
        if (!rs->is_object()) return r.fail(d.prefix + "rope_scaling", describe(*rs), "must be an object");
        for (auto it = rs->begin(); it != rs->end(); ++it) (*full)[it.key()] = it.value();
      }
      for (const char* lt : {"full_attention", "sliding_attention"}) {
        json* e = find(d.rp, lt);
        if (!e || e->is_null()) {
          d.rp[lt] = {{"rope_type", "default"}};
          e = find(d.rp, lt);
        }
        if (!e->is_object()) return r.fail(d.rp_path + "." + lt, describe(*e), "must be an object");
      }
      const json* theta = find(d.file, "rope_theta");
      if (c.convert == Convert::gemma3) {
        setdefault(d.rp["full_attention"], "rope_theta", theta ? *theta : json(1000000.0));
        const json* local = find(d.file, "rope_local_base_freq");
        setdefault(d.rp["sliding_attention"], "rope_theta", local ? *local : json(10000.0));
      } else {
        // Olmo3Config pops rope_theta twice: sliding_attention always gets the class default.
        setdefault(d.rp["full_attention"], "rope_theta", theta ? *theta : json(c.default_theta));
        setdefault(d.rp["sliding_attention"], "rope_theta", json(c.default_theta));
      }
      return standardize(r, d, first);
    }
    case Convert::none: {
      // Gemma4TextConfig: rope_parameters (nested) or the class default; no
      // standardization at construction; rope_theta stays an attribute.
      const json* rpf = find(d.file, "rope_parameters");
      if (rpf && !rpf->is_null()) {
        d.rp = *rpf;
        d.rp_path = d.prefix + "rope_parameters";
      } else {
        d.rp = {{"sliding_attention", {{"rope_type", "default"}, {"rope_theta", 10000.0}}},
                {"full_attention",
                 {{"rope_type", "proportional"}, {"partial_rotary_factor", 0.25}, {"rope_theta", 1000000.0}}}};
        d.rp_path = d.prefix + "rope_parameters (the class default)";
      }
      if (!d.rp.is_object()) return r.fail(d.rp_path, describe(d.rp), "must be an object");
      d.theta_attr = kwarg(d, "rope_theta");
      return true;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------
// The tables: compute_default_rope_parameters and ROPE_INIT_FUNCTIONS.
// ---------------------------------------------------------------------------

/// One rotary table of the model.
struct Table {
  RopeSpec spec;
  std::string rope_type;
};

/// A number from the parameters dict: required (KeyError in the reference
/// when absent) or optional (`.get`, null = None).
inline bool param_number(Reader& r, const json& params, const std::string& path, const char* key, bool required,
                         std::optional<double>& out) {
  out.reset();
  const json* v = find(params, key);
  if (!v) {
    if (required) return r.fail(path + "." + key, "(missing)", "is required");
    return true;
  }
  if (v->is_null()) {
    if (required) return r.fail(path + "." + key, "null", "must be a number");
    return true;
  }
  double x = 0;
  if (!to_double(r, *v, path + "." + key, x)) return false;
  out = x;
  return true;
}

/// `getattr(config, "head_dim", None) or hidden_size // num_attention_heads`.
inline std::int64_t head_dim_or(const HeadDimAttr& hd, const Decoder& d) {
  return hd.kind == HeadDimAttr::value && hd.v != 0 ? hd.v : d.hidden / d.heads;
}

/// `getattr(config, "head_dim", hidden_size // num_attention_heads)`: a None
/// attribute makes the reference fail (None * partial_rotary_factor).
inline bool head_dim_get(Reader& r, const HeadDimAttr& hd, const Decoder& d, const char* function, std::int64_t& out) {
  if (hd.kind == HeadDimAttr::none) {
    return r.fail(d.prefix + "head_dim", "null",
                  std::string("must be set: ") + function +
                      " reads getattr(config, \"head_dim\", ...), which is None for this config");
  }
  out = hd.kind == HeadDimAttr::value ? hd.v : d.hidden / d.heads;
  return true;
}

/// int(head_dim * partial_rotary_factor), with partial_rotary_factor from
/// `params.get("partial_rotary_factor", 1.0)`.
inline bool partial_dim(Reader& r, const Decoder& d, const json& params, const std::string& path, std::int64_t head_dim,
                        std::int64_t& dim) {
  const std::string kp = key_path(d, params, path, "partial_rotary_factor");
  double prf = 1.0;
  const json* v = find(params, "partial_rotary_factor");
  if (v && !to_double(r, *v, kp, prf)) return false;
  const double product = double(head_dim) * prf;
  if (!(product >= 0.0) || product > double(kMaxHeadDim)) {
    return r.fail(v ? kp : path + " head_dim", v ? describe(*v) : std::to_string(head_dim),
                  "gives head_dim x partial_rotary_factor = " + std::to_string(product) + " outside [0, " +
                      std::to_string(kMaxHeadDim) + "]");
  }
  dim = std::int64_t(product);
  return true;
}

/// rope_theta of a parameters dict (required, finite, > 1).
inline bool param_base(Reader& r, const Decoder& d, const json& params, const std::string& path, double& base) {
  const std::string kp = key_path(d, params, path, "rope_theta");
  const json* v = find(params, "rope_theta");
  if (!v) return r.fail(kp, "(missing)", "is required");
  if (!to_double(r, *v, kp, base)) return false;
  if (!(base > 1.0)) return r.fail(kp, describe(*v), "must be > 1");
  return true;
}

/// A rotary dim must be even and positive for ropekit (the reference builds
/// ceil(dim / 2) frequencies and then fails to pair them).
inline bool check_dim(Reader& r, const std::string& what, std::int64_t dim) {
  if (dim <= 0 || dim % 2 != 0) return r.fail(what, std::to_string(dim), "must be even and > 0");
  if (dim > kMaxHeadDim) return r.fail(what, std::to_string(dim), "must be <= " + std::to_string(kMaxHeadDim));
  return true;
}

/// A positive finite scaling parameter.
inline bool positive(Reader& r, const std::string& path, double v) {
  if (!(v > 0.0)) return r.fail(path, describe(json(v)), "must be > 0");
  return true;
}

/// A list of positive numbers of `n` entries (LongRoPE short/long factors).
inline bool factor_list(Reader& r, const json& params, const std::string& path, const char* key, std::int64_t n,
                        std::vector<double>& out) {
  const json* v = find(params, key);
  const std::string p = path + "." + key;
  if (!v) return r.fail(p, "(missing)", "is required");
  if (!v->is_array()) return r.fail(p, describe(*v), "must be a list of numbers");
  if (std::int64_t(v->size()) != n)
    return r.fail(p, describe(*v), "must have rotary_dim / 2 = " + std::to_string(n) + " entries");
  out.clear();
  for (std::size_t i = 0; i < v->size(); ++i) {
    double x = 0;
    const std::string ep = p + "[" + std::to_string(i) + "]";
    if (!to_double(r, (*v)[i], ep, x) || !positive(r, ep, x)) return false;
    out.push_back(x);
  }
  return true;
}

/// An integer original_max_position_embeddings (> 0) from the parameters.
inline bool param_original(Reader& r, const json& params, const std::string& path, std::int64_t& out) {
  const json* v = find(params, "original_max_position_embeddings");
  const std::string p = path + ".original_max_position_embeddings";
  if (!v) return r.fail(p, "(missing)", "is required");
  if (v->is_number_float()) {
    // Python accepts a float here (it is only divided and compared); keep integral values.
    const double x = v->get<double>();
    if (!(x >= 1.0 && x <= double(kMaxPositions)) || std::floor(x) != x)
      return r.fail(p, describe(*v), "must be a positive integer");
    out = std::int64_t(x);
    return true;
  }
  return to_int(r, *v, p, 1, kMaxPositions, out);
}

/// The table of one rope_parameters dict, as the model's rotary class builds
/// it: compute_default_rope_parameters of the model for "default", else
/// ROPE_INIT_FUNCTIONS[rope_type] (modeling_rope_utils.py).
/// `hd` is the head_dim attribute of the config the function receives
/// (Gemma 4: the per-layer-type config), `nested` whether config.rope_parameters
/// is keyed by layer type (then `truncate` is never found at its top level).
inline bool build_table(Reader& r, Decoder& d, const json& params, const std::string& path, const HeadDimAttr& hd,
                        bool nested, Table& out) {
  const json* t = find(params, "rope_type");
  if (!t) return r.fail(path + ".rope_type", "(missing)", "is required");
  if (!t->is_string()) return r.fail(path + ".rope_type", describe(*t), "must be a string");
  const std::string type = t->get<std::string>();
  out.rope_type = type;
  const ClassInfo& c = *d.cls;
  double base = 0;
  std::int64_t dim = 0;
  const std::string dim_name = path + " rotary dim";
  if (type == "default") {
    if (!param_base(r, d, params, path, base)) return false;
    dim = head_dim_or(hd, d);
    if (c.default_uses_partial) {
      // The model's compute_default reads config.rope_parameters (flat).
      if (!partial_dim(r, d, params, path, dim, dim)) return false;
    }
    if (!check_dim(r, dim_name, dim)) return false;
    out.spec = RopeSpec{dim, base, scaling::None{}};
    return true;
  }
  if (type == "proportional") {
    // _compute_proportional_rope_parameters: the exponent runs over head_dim,
    // int(partial_rotary_factor * head_dim // 2) pairs rotate.
    if (!param_base(r, d, params, path, base)) return false;
    dim = head_dim_or(hd, d);
    std::optional<double> prf, factor;
    if (!param_number(r, params, path, "partial_rotary_factor", false, prf)) return false;
    if (!param_number(r, params, path, "factor", false, factor)) return false;
    const double p = prf.value_or(1.0);
    if (!(p > 0.0 && p <= 1.0)) return r.fail(path + ".partial_rotary_factor", describe(json(p)), "must be in (0, 1]");
    if (!positive(r, path + ".factor", factor.value_or(1.0))) return false;
    if (!check_dim(r, path + " head_dim", dim)) return false;
    out.spec = RopeSpec{dim, base, scaling::Proportional{p, factor.value_or(1.0)}};
    return true;
  }
  if (type == "linear" || type == "llama3") {
    if (!param_base(r, d, params, path, base)) return false;
    if (!partial_dim(r, d, params, path, head_dim_or(hd, d), dim)) return false;
    if (!check_dim(r, dim_name, dim)) return false;
    std::optional<double> factor;
    if (!param_number(r, params, path, "factor", true, factor) || !positive(r, path + ".factor", *factor)) return false;
    if (type == "linear") {
      out.spec = RopeSpec{dim, base, scaling::Linear{*factor}};
      return true;
    }
    std::optional<double> low, high;
    std::int64_t orig = 0;
    if (!param_number(r, params, path, "low_freq_factor", true, low) || !positive(r, path + ".low_freq_factor", *low))
      return false;
    if (!param_number(r, params, path, "high_freq_factor", true, high)) return false;
    if (!param_original(r, params, path, orig)) return false;
    double h = *high;
    if (h < *low) {
      return r.fail(path + ".high_freq_factor", describe(*find(params, "high_freq_factor")),
                    "must be >= low_freq_factor = " + describe(*find(params, "low_freq_factor")) +
                        " (the reference only warns, then divides the band between them the wrong way round)");
    }
    if (h == *low) {
      // The reference warns and computes: no wavelength lies in the medium
      // band, so only "keep" and "divide" remain. ropekit's Llama3 needs
      // high > low; the next double up leaves the float32 band edges and
      // every table entry unchanged.
      h = std::nextafter(*low, 2.0 * *low + 1.0);
      d.notes.push_back(path + ".high_freq_factor equals low_freq_factor (" + describe(json(*low)) +
                        "): no medium band; the reference warns, ropekit uses the next double up");
    }
    out.spec = RopeSpec{dim, base, scaling::Llama3{*factor, *low, h, orig}};
    return true;
  }
  if (type == "dynamic" || type == "yarn" || type == "longrope") {
    const char* fn = type == "dynamic" ? "_compute_dynamic_ntk_parameters"
                     : type == "yarn"  ? "_compute_yarn_parameters"
                                       : "_compute_longrope_parameters";
    std::int64_t head_dim = 0;
    if (!param_base(r, d, params, path, base)) return false;
    if (!head_dim_get(r, hd, d, fn, head_dim)) return false;
    if (!partial_dim(r, d, params, path, head_dim, dim)) return false;
    if (!check_dim(r, dim_name, dim)) return false;
    if (type == "dynamic") {
      // The original length is config.max_position_embeddings.
      std::optional<double> factor;
      if (!param_number(r, params, path, "factor", true, factor) || !positive(r, path + ".factor", *factor))
        return false;
      if (dim < 4) return r.fail(dim_name, std::to_string(dim), "must be >= 4 for dynamic NTK");
      if (d.max_pos <= 0) return r.fail(d.prefix + "max_position_embeddings", "0", "must be > 0 for dynamic NTK");
      out.spec = RopeSpec{dim, base, scaling::DynamicNtk{*factor, d.max_pos}};
      return true;
    }
    std::int64_t orig = 0;
    if (!param_original(r, params, path, orig)) return false;
    if (type == "yarn") {
      scaling::Yarn y;
      std::optional<double> factor, attention, ms, msa, bf, bs;
      if (!find(params, "factor")) return r.fail(path + ".factor", "(missing)", "is required");
      if (!param_number(r, params, path, "factor", false, factor)) return false;
      if (!factor) factor = double(d.max_pos) / double(orig);  // factor None: the context ratio
      if (!positive(r, path + ".factor", *factor)) return false;
      if (!param_number(r, params, path, "attention_factor", false, attention)) return false;
      if (attention && !positive(r, path + ".attention_factor", *attention)) return false;
      if (!param_number(r, params, path, "mscale", false, ms)) return false;
      if (!param_number(r, params, path, "mscale_all_dim", false, msa)) return false;
      if (!param_number(r, params, path, "beta_fast", false, bf)) return false;
      if (!param_number(r, params, path, "beta_slow", false, bs)) return false;
      y.factor = *factor;
      y.original_max_position_embeddings = orig;
      y.beta_fast = bf && *bf != 0.0 ? *bf : 32.0;  // `get("beta_fast") or 32`
      y.beta_slow = bs && *bs != 0.0 ? *bs : 1.0;   // `get("beta_slow") or 1`
      if (!(y.beta_slow > 0.0)) return r.fail(path + ".beta_slow", describe(json(y.beta_slow)), "must be > 0");
      if (!(y.beta_fast > y.beta_slow))
        return r.fail(path + ".beta_fast", describe(json(y.beta_fast)),
                      "must be > beta_slow = " + describe(json(y.beta_slow)));
      y.mscale = ms;
      y.mscale_all_dim = msa;
      y.attention_factor = attention;
      // `truncate` is read from config.rope_parameters (the top-level dict).
      y.truncate = true;
      if (!nested) {
        if (const json* tr = find(d.rp, "truncate")) {
          if (!tr->is_boolean() && !tr->is_null())
            return r.fail(d.rp_path + ".truncate", describe(*tr), "must be true or false");
          y.truncate = tr->is_null() ? true : tr->get<bool>();
        }
      }
      out.spec = RopeSpec{dim, base, y};
      return true;
    }
    scaling::LongRope lr;
    if (!factor_list(r, params, path, "short_factor", dim / 2, lr.short_factor)) return false;
    if (!factor_list(r, params, path, "long_factor", dim / 2, lr.long_factor)) return false;
    if (orig <= 1) return r.fail(path + ".original_max_position_embeddings", std::to_string(orig), "must be > 1");
    std::optional<double> factor, attention;
    if (!param_number(r, params, path, "factor", false, factor)) return false;
    if (factor && !positive(r, path + ".factor", *factor)) return false;
    if (!param_number(r, params, path, "attention_factor", false, attention)) return false;
    if (attention && !positive(r, path + ".attention_factor", *attention)) return false;
    if (!factor && d.max_pos <= 0)
      return r.fail(d.prefix + "max_position_embeddings", "0", "must be > 0 when rope_parameters.factor is absent");
    lr.original_max_position_embeddings = orig;
    lr.max_position_embeddings = d.max_pos;
    lr.factor = factor;
    lr.attention_factor = attention;
    out.spec = RopeSpec{dim, base, lr};
    return true;
  }
  return r.fail(path + ".rope_type", json_quote(type),
                "is not a method the reference implements (default, linear, dynamic, yarn, longrope, llama3, "
                "proportional)");
}

/// Phi3Config.validate_rope: only default / longrope, and factor lists of
/// int(hidden // heads * partial_rotary_factor) // 2 entries.
inline bool validate_phi3(Reader& r, const Decoder& d) {
  const json* t = find(d.rp, "rope_type");
  const std::string type = t && t->is_string() ? t->get<std::string>() : "";
  if (type != "default" && type != "longrope")
    return r.fail(d.rp_path + ".rope_type", t ? describe(*t) : "(missing)",
                  "must be \"default\" or \"longrope\" for phi3 (Phi3Config.validate_rope)");
  return true;
}

/// yarn_apply_mscale (deepseek_v3/modeling_deepseek_v3.py): the softmax scale
/// is multiplied by yarn_get_mscale(factor, mscale_all_dim)^2 when rope_type
/// is not "default" and mscale_all_dim is truthy.
inline bool softmax_multiplier(Reader& r, const Decoder& d, double& out) {
  out = 1.0;
  const json* t = find(d.rp, "rope_type");
  if (t && t->is_string() && t->get_ref<const std::string&>() == "default") return true;
  if (!t) return true;
  const json* f = find(d.rp, "factor");
  if (!f) return r.fail(d.rp_path + ".factor", "(missing)", "is required (yarn_apply_mscale reads it)");
  const json* msa = find(d.rp, "mscale_all_dim");
  if (!msa || !truthy(*msa)) return true;
  double m = 0, factor = 0;
  if (!to_double(r, *msa, d.rp_path + ".mscale_all_dim", m)) return false;
  if (!to_double(r, *f, d.rp_path + ".factor", factor)) return false;
  const double mscale = factor <= 1.0 ? 1.0 : 0.1 * m * std::log(factor) + 1.0;
  out = mscale * mscale;
  return true;
}

/// Reads an M-RoPE section list (three non-negative integers).
inline bool mrope_section(Reader& r, const Decoder& d, const json* v, std::vector<std::int64_t> def, bool required,
                          std::vector<std::int64_t>& out) {
  const std::string path = d.rp_path + ".mrope_section";
  if (!v) {
    if (required) return r.fail(path, "(missing)", "is required (the attention splits cos/sin by it)");
    out = def;
    return true;
  }
  if (!v->is_array() || v->size() != 3) return r.fail(path, describe(*v), "must be a list of 3 integers (T, H, W)");
  out.clear();
  for (std::size_t i = 0; i < 3; ++i) {
    std::int64_t x = 0;
    if (!to_int(r, (*v)[i], path + "[" + std::to_string(i) + "]", 0, kMaxHeadDim, x)) return false;
    out.push_back(x);
  }
  return true;
}

/// Builds the per-layer plan of a decoder after post_init and convert.
inline bool assemble(Reader& r, Decoder& d, ModelRope& m) {
  const ClassInfo& c = *d.cls;
  const bool nested = keys_are_layer_types(d.rp, d);
  if (c.per_layer_type_tables && !nested)
    return r.fail(
        d.rp_path, describe(d.rp),
        "must be keyed by layer type (" + std::string(c.text_model_type) + " holds one table per layer type)");
  if (!c.per_layer_type_tables && nested && c.family != Family::generic)
    return r.fail(d.rp_path, describe(d.rp),
                  std::string("must not be keyed by layer type: ") + c.source +
                      "'s rotary module reads rope_parameters[\"rope_type\"]");
  if (c.family == Family::phi3 && !validate_phi3(r, d)) return false;

  // The second standardization, done by the ROPE_INIT functions on the
  // finished object (all kwargs are attributes by then).
  StdAttrs second;
  second.rope_theta = d.theta_attr;
  second.prf = d.prf_attr;
  second.has_ompe = d.has_ompe_attr;
  second.ompe = d.ompe_attr;

  // Tables: one per layer type (nested) or a single one.
  std::vector<std::string> table_keys;
  if (nested) {
    std::set<std::string> seen;
    for (const std::string& lt : d.layer_types)
      if (seen.insert(lt).second) table_keys.push_back(lt);
    bool any_scaled = false;
    for (const std::string& lt : table_keys) {
      const json* e = find(d.rp, lt);
      if (!e) return r.fail(d.rp_path + "." + lt, "(missing)", "is required: layer_types lists this layer type");
      if (e->is_null())
        return r.fail(d.rp_path + "." + lt, "null",
                      "must be an object: the model's layers of this type read their rotary table");
      const json* t = find(*e, "rope_type");
      if (!t && c.convert == Convert::none)  // Gemma4TextRotaryEmbedding reads rope_params["rope_type"] first
        return r.fail(d.rp_path + "." + lt + ".rope_type", "(missing)", "is required");
      if (!t || !t->is_string() || t->get_ref<const std::string&>() != "default") any_scaled = true;
    }
    if (any_scaled && !standardize(r, d, second)) return false;
  } else {
    const json* t = find(d.rp, "rope_type");
    if (!t || !t->is_string() || t->get_ref<const std::string&>() != "default") {
      if (!standardize(r, d, second)) return false;
    }
    table_keys.push_back("");
  }
  std::vector<Table> tables(table_keys.size());
  for (std::size_t k = 0; k < table_keys.size(); ++k) {
    const json& params = table_keys[k].empty() ? d.rp : d.rp[table_keys[k]];
    const std::string path = table_keys[k].empty() ? d.rp_path : d.rp_path + "." + table_keys[k];
    HeadDimAttr hd = d.head_dim;
    if (c.family == Family::gemma4 && table_keys[k] == "full_attention")
      hd = {HeadDimAttr::value, d.global_head_dim};  // per_layer_config of full-attention layers
    if (c.family == Family::gptj) {
      // GPT-J builds its own table: base 10000 over rotary_dim channels (create_sinusoidal_positions).
      tables[k].spec = RopeSpec{d.gptj_rotary_dim, 10000.0, scaling::None{}};
      tables[k].rope_type = "default";
      if (!check_dim(r, d.prefix + "rotary_dim", d.gptj_rotary_dim)) return false;
      continue;
    }
    if (!params.is_object()) return r.fail(path, describe(params), "must be an object");
    if (!build_table(r, d, params, path, hd, nested, tables[k])) return false;
  }

  // Last check: ropekit computes every table the plan holds (at the original
  // context and past it, where LongRoPE switches lists).
  for (std::size_t k = 0; k < tables.size(); ++k) {
    const std::string path = table_keys[k].empty() ? d.rp_path : d.rp_path + "." + table_keys[k];
    for (std::int64_t seq : {std::int64_t(0), original_context(tables[k].spec, d.max_pos) + 1}) {
      std::string message;
      if (!detail::table_computes(tables[k].spec, seq, message)) {
        if (message.empty()) {  // already reported through the handler
          r.failed = true;
          return false;
        }
        return r.fail(path, "(" + std::string(scaling_name(tables[k].spec.scaling)) + " table)",
                      "is rejected by ropekit: " + message);
      }
    }
  }

  // Model-level extras.
  std::optional<PositionQueryScale> model_query_scale;
  if (c.family == Family::ministral3) {
    // get_llama_4_attn_scale(position_ids, rope_parameters["llama_4_scaling_beta"],
    // rope_parameters["original_max_position_embeddings"]) on every layer.
    const json* beta = find(d.rp, "llama_4_scaling_beta");
    const json* orig = find(d.rp, "original_max_position_embeddings");
    double b = 0, o = 0;
    if (!beta || beta->is_null())
      return r.fail(d.rp_path + ".llama_4_scaling_beta", beta ? "null" : "(missing)",
                    "is required: Ministral3Attention multiplies the query by 1 + beta * log(...)");
    if (!to_double(r, *beta, d.rp_path + ".llama_4_scaling_beta", b)) return false;
    if (!orig || orig->is_null())
      return r.fail(d.rp_path + ".original_max_position_embeddings", orig ? "null" : "(missing)",
                    "is required by get_llama_4_attn_scale");
    if (!to_double(r, *orig, d.rp_path + ".original_max_position_embeddings", o) ||
        !positive(r, d.rp_path + ".original_max_position_embeddings", o))
      return false;
    model_query_scale = PositionQueryScale{b, 0.0, o};
  }
  std::optional<PositionQueryScale> nope_query_scale;
  if (c.family == Family::llama4) {
    bool tuning = true;
    if (!bool_attr(r, d, "attn_temperature_tuning", true, tuning)) return false;
    if (tuning) {
      std::int64_t floor_scale = 8192;
      double attn_scale = 0.1;
      if (!int_attr(r, d, "floor_scale", 8192, 1, kMaxPositions, floor_scale)) return false;
      if (const json* v = find(d.file, "attn_scale")) {
        if (!to_double(r, *v, d.prefix + "attn_scale", attn_scale)) return false;
      }
      nope_query_scale = PositionQueryScale{attn_scale, 1.0, double(floor_scale)};
    }
  }
  double softmax = 1.0;
  if ((c.family == Family::deepseek_v2 || c.family == Family::deepseek_v3 || c.family == Family::glm_moe_dsa) &&
      !softmax_multiplier(r, d, softmax))
    return false;
  MropeLayout mrope = MropeLayout::none;
  std::vector<std::int64_t> section;
  if (c.family == Family::qwen2_vl) {
    mrope = MropeLayout::sectioned;
    if (!mrope_section(r, d, find(d.rp, "mrope_section"), {}, true, section)) return false;
    const std::int64_t pairs = tables[0].spec.rotary_dim / 2;
    if (section[0] + section[1] + section[2] != pairs)
      return r.fail(d.rp_path + ".mrope_section",
                    "[" + std::to_string(section[0]) + ", " + std::to_string(section[1]) + ", " +
                        std::to_string(section[2]) + "]",
                    "must add up to head_dim / 2 = " + std::to_string(pairs) +
                        " (apply_multimodal_rotary_pos_emb splits cos/sin by it)");
  } else if (c.family == Family::qwen3_vl || c.family == Family::qwen3_5) {
    mrope = MropeLayout::interleaved;
    const std::vector<std::int64_t> def =
        c.family == Family::qwen3_vl ? std::vector<std::int64_t>{24, 20, 20} : std::vector<std::int64_t>{11, 11, 10};
    if (!mrope_section(r, d, find(d.rp, "mrope_section"), def, false, section)) return false;
  }

  // Bound the plan's size: every layer holds its table's lists.
  std::int64_t entries = 0;
  for (const Table& t : tables) entries = std::max(entries, detail::list_entries(t.spec));
  if (entries * d.layers > detail::max_plan_list_entries)
    return r.fail(d.prefix + "num_hidden_layers", std::to_string(d.layers),
                  "x " + std::to_string(entries) + " factor-list entries per layer exceeds ropekit's limit of " +
                      std::to_string(detail::max_plan_list_entries) + " for one plan");

  // Layers.
  const std::int64_t model_head_dim =
      c.family == Family::deepseek_v2 || c.family == Family::deepseek_v3 || c.family == Family::glm_moe_dsa
          ? d.qk_nope + d.qk_rope
          : head_dim_or(d.head_dim, d);
  m.num_layers = d.layers;
  m.head_dim = model_head_dim;
  m.max_position_embeddings = d.max_pos;
  m.layers.resize(std::size_t(d.layers));
  for (std::int64_t i = 0; i < d.layers; ++i) {
    LayerRope& L = m.layers[std::size_t(i)];
    const std::string type = d.has_layer_types ? d.layer_types[std::size_t(i)] : std::string();
    std::size_t k = 0;
    if (nested) k = std::size_t(std::find(table_keys.begin(), table_keys.end(), type) - table_keys.begin());
    L.spec = tables[k].spec;
    L.rope_type = tables[k].rope_type;
    L.layer_type = type;
    L.pairing = c.pairing;
    if (c.family == Family::deepseek_v3) L.pairing = d.interleave ? Pairing::interleaved : Pairing::neox;
    L.head_dim = model_head_dim;
    if (c.family == Family::gemma4 && type == "full_attention") L.head_dim = d.global_head_dim;
    if (c.family == Family::deepseek_v2 || c.family == Family::deepseek_v3 || c.family == Family::glm_moe_dsa)
      L.rotary_offset = d.qk_nope;
    L.mrope = mrope;
    L.mrope_section = section;
    L.softmax_scale_multiplier = softmax;
    L.query_scale = model_query_scale;
    switch (c.family) {
      case Family::llama4:
      case Family::smollm3:
        L.uses_rope = d.rope_flags[std::size_t(i)];
        if (!L.uses_rope) L.query_scale = nope_query_scale;
        break;
      case Family::exaone4:
        L.uses_rope = !d.sliding_window_set || type == "sliding_attention";
        break;
      case Family::cohere2:
        L.uses_rope = d.sliding_window_set && type == "sliding_attention";
        break;
      case Family::qwen3_next:
      case Family::qwen3_5:
        L.uses_rope = type == "full_attention";
        break;
      default:
        L.uses_rope = true;
        break;
    }
    if (L.uses_rope && L.rotary_offset + L.spec.rotary_dim > L.head_dim && c.family != Family::generic) {
      return r.fail(d.prefix + "head_dim", std::to_string(L.head_dim),
                    "is smaller than the rotated channels " + std::to_string(L.rotary_offset) + " + " +
                        std::to_string(L.spec.rotary_dim) + " of layer " + std::to_string(i));
    }
  }
  return true;
}

/// Reads a non-RoPE model (learned absolute, T5, DeBERTa-v2, ALiBi).
inline bool read_non_rope(Reader& r, const std::string& type, const json& cfg, ModelRope& m) {
  Decoder d;
  d.file = cfg;
  auto get = [&](const char* key, const char* alias, std::int64_t def, std::int64_t lo, std::int64_t hi,
                 std::int64_t& out) -> bool {
    const char* k = alias && find(cfg, alias) ? alias : key;
    return int_attr(r, d, k, def, lo, hi, out);
  };
  std::int64_t layers = 0, heads = 0, hidden = 0, max_pos = 0;
  if (type == "bert") {
    // BertConfig; BertEmbeddings: nn.Embedding(max_position_embeddings, hidden_size).
    if (!get("num_hidden_layers", nullptr, 12, 1, kMaxLayers, layers) ||
        !get("num_attention_heads", nullptr, 12, 1, kMaxHeads, heads) ||
        !get("hidden_size", nullptr, 768, 1, kMaxHidden, hidden) ||
        !get("max_position_embeddings", nullptr, 512, 1, kMaxPositions, max_pos))
      return false;
    m.encoding = positions::LearnedAbsolute{max_pos, hidden};
  } else if (type == "gpt2") {
    // GPT2Config (attribute_map n_positions / n_embd / n_layer / n_head); GPT2Model.wpe.
    if (!get("n_layer", "num_hidden_layers", 12, 1, kMaxLayers, layers) ||
        !get("n_head", "num_attention_heads", 12, 1, kMaxHeads, heads) ||
        !get("n_embd", "hidden_size", 768, 1, kMaxHidden, hidden) ||
        !get("n_positions", "max_position_embeddings", 1024, 1, kMaxPositions, max_pos))
      return false;
    m.encoding = positions::LearnedAbsolute{max_pos, hidden};
  } else if (type == "t5") {
    // T5Config; T5Attention._relative_position_bucket.
    std::int64_t decoder = 0, buckets = 0, distance = 0;
    if (!get("num_layers", "num_hidden_layers", 6, 1, kMaxLayers, layers) ||
        !get("num_heads", "num_attention_heads", 8, 1, kMaxHeads, heads) ||
        !get("d_model", "hidden_size", 512, 1, kMaxHidden, hidden) ||
        !get("relative_attention_num_buckets", nullptr, 32, 2, 1 << 20, buckets) ||
        !get("relative_attention_max_distance", nullptr, 128, 1, kMaxPositions, distance))
      return false;
    const json* nd = find(cfg, "num_decoder_layers");
    if (nd && !nd->is_null()) {
      if (!to_int(r, *nd, "num_decoder_layers", 0, kMaxLayers, decoder)) return false;
    } else {
      decoder = layers;
    }
    if (buckets < 4)
      return r.fail("relative_attention_num_buckets", std::to_string(buckets), "must be >= 4 (the encoder halves it)");
    if (distance <= buckets / 4)
      return r.fail("relative_attention_max_distance", std::to_string(distance),
                    "must be > relative_attention_num_buckets / 4 = " + std::to_string(buckets / 4));
    // T5 has no absolute limit; n_positions (a kwarg of old files) is reported when present.
    if (const json* np = find(cfg, "n_positions"))
      if (!np->is_null() && !to_int(r, *np, "n_positions", 0, kMaxPositions, max_pos)) return false;
    m.encoding = positions::T5Buckets{buckets, distance, layers, decoder};
  } else if (type == "deberta-v2") {
    // DebertaV2Config; DisentangledSelfAttention.__init__ reads position_buckets
    // and max_relative_positions (< 1: max_position_embeddings);
    // DebertaV2Embeddings: position_biased_input (default True).
    positions::DebertaBuckets b;
    if (!get("num_hidden_layers", nullptr, 24, 1, kMaxLayers, layers) ||
        !get("num_attention_heads", nullptr, 24, 1, kMaxHeads, heads) ||
        !get("hidden_size", nullptr, 1536, 1, kMaxHidden, hidden) ||
        !get("max_position_embeddings", nullptr, 512, 1, kMaxPositions, max_pos))
      return false;
    std::int64_t buckets = -1, mrp = -1;
    if (!get("position_buckets", nullptr, -1, -(std::int64_t(1) << 30), std::int64_t(1) << 30, buckets) ||
        !get("max_relative_positions", nullptr, -1, -(std::int64_t(1) << 40), kMaxPositions, mrp))
      return false;
    if (!bool_attr(r, d, "relative_attention", false, b.relative_attention) ||
        !bool_attr(r, d, "position_biased_input", true, b.position_biased_input))
      return false;
    b.position_buckets = buckets;
    b.max_relative_positions = mrp < 1 ? max_pos : mrp;
    b.max_position_embeddings = max_pos;
    m.encoding = b;
  } else if (type == "bloom") {
    // BloomConfig (attribute_map n_layer / n_head; n_embed); build_alibi_tensor.
    if (!get("n_layer", "num_hidden_layers", 2, 1, kMaxLayers, layers) ||
        !get("n_head", "num_attention_heads", 8, 1, kMaxHeads, heads) ||
        !get(find(cfg, "n_embed") ? "n_embed" : "hidden_size", nullptr, 64, 1, kMaxHidden, hidden))
      return false;
    m.encoding = positions::Alibi{heads, AlibiStyle::press, 8.0};
  } else {  // mpt
    // MptConfig (attribute_map n_heads / d_model / n_layers); MptModel always
    // builds build_mpt_alibi_tensor(num_heads, max_seq_len) with alibi_bias_max 8.
    if (!get("n_layers", "num_hidden_layers", 24, 1, kMaxLayers, layers) ||
        !get("n_heads", "num_attention_heads", 16, 1, kMaxHeads, heads) ||
        !get("d_model", "hidden_size", 2048, 1, kMaxHidden, hidden) ||
        !get("max_seq_len", nullptr, 2048, 1, kMaxPositions, max_pos))
      return false;
    m.encoding = positions::Alibi{heads, AlibiStyle::mpt, 8.0};
  }
  m.num_layers = layers;
  m.head_dim = hidden / heads;
  if (type == "t5") {
    std::int64_t d_kv = 64;
    if (!get("d_kv", "head_dim", 64, 1, kMaxHeadDim, d_kv)) return false;
    m.head_dim = d_kv;
  }
  m.max_position_embeddings = max_pos;
  m.layers.resize(std::size_t(layers));
  for (LayerRope& L : m.layers) {
    L.uses_rope = false;
    L.head_dim = m.head_dim;
    L.spec.rotary_dim = 0;
    L.rope_type = "none";
  }
  return true;
}

/// Reads the decoder config `cfg` with class `cls` into `m`.
inline bool read_decoder(Reader& r, const ClassInfo& cls, const json& cfg, const std::string& prefix, ModelRope& m) {
  Decoder d;
  d.cls = &cls;
  d.prefix = prefix;
  d.file = cfg;
  if (!post_init(r, d)) return false;
  if (cls.family == Family::falcon && d.alibi) {
    // FalconConfig.rotary = not alibi; FalconModel builds build_alibi_tensor.
    m.encoding = positions::Alibi{d.heads, AlibiStyle::press, 8.0};
    m.num_layers = d.layers;
    m.head_dim = d.hidden / d.heads;
    m.max_position_embeddings = d.max_pos;
    m.layers.resize(std::size_t(d.layers));
    for (LayerRope& L : m.layers) {
      L.uses_rope = false;
      L.head_dim = m.head_dim;
      L.spec.rotary_dim = 0;
      L.rope_type = "none";
    }
    return true;
  }
  if (cls.family != Family::gptj && !convert(r, d)) return false;
  if (!assemble(r, d, m)) return false;
  m.notes.insert(m.notes.end(), d.notes.begin(), d.notes.end());
  return true;
}

/// The qwen2_vl / qwen2_5_vl text fields moved from a flat (legacy) file into
/// the text config (Qwen2VLConfig.__post_init__: the text config's __init__
/// parameters plus rope_parameters, rope_scaling, rope_theta).
inline json qwen_vl_flat_text(const json& top) {
  static const char* const keys[] = {
      "hidden_size",        "num_attention_heads", "num_hidden_layers", "max_position_embeddings",
      "use_sliding_window", "sliding_window",      "max_window_layers", "layer_types",
      "rope_parameters",    "rope_scaling",        "rope_theta",        "num_key_value_heads"};
  json text = json::object();
  for (const char* k : keys)
    if (const json* v = find(top, k)) text[k] = *v;
  return text;
}

/// The whole reading of a parsed document.
inline bool read_document(Reader& r, const json& doc, const HfConfigOptions& options, ModelRope& m) {
  if (!doc.is_object()) return r.fail("(document)", describe(doc), "must be a JSON object");
  const json* mt = find(doc, "model_type");
  if (!mt) return r.fail("model_type", "(missing)", "is required (it names the model's configuration class)");
  if (!mt->is_string()) return r.fail("model_type", describe(*mt), "must be a string");
  const std::string type = mt->get<std::string>();
  m.model_type = type;
  m.text_model_type = type;
  m.source = ModelSource::hf_config;
  if (const OuterInfo* o = outer_info(type)) {
    if (o->outer == Outer::non_rope) return read_non_rope(r, type, doc, m);
    const json* tc = find(doc, "text_config");
    if (tc && !tc->is_null() && !tc->is_object()) return r.fail("text_config", describe(*tc), "must be an object");
    if (o->outer == Outer::mistral3) {
      // Mistral3Config.__post_init__: text_config model_type defaults to "mistral";
      // no text_config gives a fixed mistral config.
      json text;
      std::string sub = "mistral";
      if (tc && tc->is_object()) {
        text = *tc;
        if (const json* smt = find(text, "model_type")) {
          if (!smt->is_string()) return r.fail("text_config.model_type", describe(*smt), "must be a string");
          sub = smt->get<std::string>();
        }
      } else {
        text = {{"head_dim", 128},
                {"hidden_size", 5120},
                {"max_position_embeddings", 131072},
                {"num_attention_heads", 32},
                {"num_hidden_layers", 40},
                {"num_key_value_heads", 8},
                {"rope_theta", 1000000000.0},
                {"sliding_window", nullptr}};
      }
      const ClassInfo* cls = class_info(sub);
      if (!cls) {
        if (!options.generic)
          return r.fail("text_config.model_type", json_quote(sub),
                        "is not a decoder type ropekit knows (known: " + known_model_types() + ")");
        m.generic = true;
        cls = &generic_class();
      }
      m.text_model_type = sub;
      return read_decoder(r, *cls, text, "text_config.", m);
    }
    const ClassInfo* cls = class_info(o->text_model_type);
    m.text_model_type = o->text_model_type;
    if (tc && tc->is_object()) return read_decoder(r, *cls, *tc, "text_config.", m);
    if (o->outer == Outer::qwen_vl) return read_decoder(r, *cls, qwen_vl_flat_text(doc), "", m);
    m.notes.push_back("no text_config: the class defaults of " + std::string(o->text_model_type));
    return read_decoder(r, *cls, json::object(), "text_config.", m);
  }
  if (const ClassInfo* cls = class_info(type)) return read_decoder(r, *cls, doc, "", m);
  if (!options.generic)
    return r.fail("model_type", json_quote(type),
                  "is not a model type ropekit knows (known: " + known_model_types() +
                      "); HfConfigOptions::generic reads the standard fields of an unknown type");
  // Generic reading: the decoder is text_config when there is one.
  m.generic = true;
  m.notes.push_back("model_type \"" + type +
                    "\" is unknown: generic reading of the standard fields (rotate-half pairing, RoPE on every "
                    "layer), not the reference's semantics");
  const json* tc = find(doc, "text_config");
  if (tc && tc->is_object()) return read_decoder(r, generic_class(), *tc, "text_config.", m);
  return read_decoder(r, generic_class(), doc, "", m);
}

}  // namespace hf_detail

namespace hf {

/// Reads a Hugging Face `config.json` (its text) into the per-layer plan of
/// positions the reference implementation (transformers 5.16.0.dev0, commit
/// decba1d2ea4e) builds from it, model type by model type: the config class's
/// defaults and __post_init__ (configuration_<model>.py), its
/// convert_rope_params_to_dict and RotaryEmbeddingConfigMixin's
/// standardize_rope_params (legacy `rope_scaling` and v5 `rope_parameters`,
/// flat or keyed by layer type; `type` -> `rope_type`; Phi-3 `su`/`yarn` ->
/// longrope; Qwen2-VL `mrope` -> default; a top-level
/// `original_max_position_embeddings` overriding; class default rope_theta
/// and partial_rotary_factor), then the model's rotary embedding class
/// (modeling_<model>.py: compute_default_rope_parameters, or
/// modeling_rope_utils.py ROPE_INIT_FUNCTIONS) for each table, and the
/// attention code for which layers rotate, pairing, rotary offset and the
/// extra scalings (see LayerRope). `frequencies(layer.spec, seq_len)` then
/// gives the float32 table Hugging Face uses for a forward whose largest
/// position is seq_len - 1.
///
/// Model types: llama, llama4 (text), mistral, mixtral, ministral3, mistral3
/// (text), qwen2, qwen2_moe, qwen2_vl, qwen2_5_vl, qwen3, qwen3_moe,
/// qwen3_next, qwen3_vl, qwen3_5 (text), phi, phi3, gemma, gemma2, gemma3,
/// gemma4 (text), gpt_neox, gptj, falcon, stablelm, starcoder2, cohere,
/// cohere2, granite, olmo2, olmo3, exaone4, smollm3, deepseek_v2, deepseek_v3,
/// glm, glm4, glm_moe_dsa, gpt_oss, minimax_m2, their *_text sub-config
/// types, and without RoPE t5, deberta-v2, bert, gpt2, bloom, mpt.
///
/// Errors (reported through ropekit::detail::fail, naming `source_name`, the
/// JSON path and the value): not JSON, nesting deeper than 64, missing
/// model_type, an unknown model type (unless options.generic), wrong types,
/// zero or negative sizes, values the reference fails on (KeyError, None
/// arithmetic, division by zero), tables ropekit cannot represent. After an
/// error the result is an empty plan (ModelRope::empty()).
inline ModelRope parse_config(std::string_view json_text, const HfConfigOptions& options = {},
                              const std::string& source_name = "config.json") {
  hf_detail::Reader r{source_name, false};
  hf_detail::json doc;
  ModelRope plan;
  if (!hf_detail::parse_json(r, json_text, doc)) return ModelRope{};
  if (!hf_detail::read_document(r, doc, options, plan) || r.failed) return ModelRope{};
  return plan;
}

/// Reads the config.json at `path` (at most 64 MiB) and parses it with
/// parse_config; errors name the path. Returns an empty plan after an error.
inline ModelRope read_config(const std::string& path, const HfConfigOptions& options = {}) {
  hf_detail::Reader r{path, false};
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    r.fail("(file)", hf_detail::json_quote(path), "cannot be opened");
    return ModelRope{};
  }
  std::string text;
  char buffer[65536];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) {
    if (std::int64_t(text.size() + n) > hf_detail::kMaxConfigBytes) {
      std::fclose(f);
      r.fail("(file)", "more than " + std::to_string(hf_detail::kMaxConfigBytes) + " bytes",
             "is too large for a config.json");
      return ModelRope{};
    }
    text.append(buffer, n);
  }
  const bool read_error = std::ferror(f) != 0;
  std::fclose(f);
  if (read_error) {
    r.fail("(file)", hf_detail::json_quote(path), "could not be read");
    return ModelRope{};
  }
  return parse_config(text, options, path);
}

}  // namespace hf
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_HF_CONFIG_HPP
