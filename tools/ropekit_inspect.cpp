// ropekit-inspect: what a model does with positions, for a person.
//
//   ropekit-inspect <config.json | model.gguf> [--seq-len N] [--layer I] [--csv] [--svg FILE] [--generic]
//
// Prints the model, its layer plan grouped by layer type and, per rotary
// pair, inv_freq, the wavelength in tokens and whether the scaling method
// keeps, interpolates or blends the pair relative to the original context.
// --svg writes a plot of the wavelengths against the original and extended
// context and of RoPE's long-range decay bound before and after scaling.
// Errors: one line naming the file, the field or offset and the value; exit 1.
// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include <ropekit/encodings/analysis.hpp>
#include <ropekit/gguf.hpp>
#include <ropekit/hf/config.hpp>
#include <ropekit/model.hpp>

namespace {

struct Args {
  std::string path;
  std::int64_t seq_len = 0;
  std::int64_t layer = -1;
  bool csv = false;
  bool generic = false;
  std::string svg;
};

void usage(std::FILE* out) {
  std::fprintf(out,
               "usage: ropekit-inspect <config.json | model.gguf> [--seq-len N] [--layer I] [--csv] [--svg FILE] "
               "[--generic]\n"
               "  --seq-len N  tables as the reference builds them for a sequence of N tokens (LongRoPE, dynamic NTK;\n"
               "               for a GGUF also the configured context n_ctx)\n"
               "  --layer I    per-pair table of layer I only (default: every distinct table)\n"
               "  --csv        per-pair tables as CSV on stdout instead of the report\n"
               "  --svg FILE   write a plot of wavelengths and the long-range decay bound\n"
               "  --generic    read an unknown Hugging Face model_type through its standard fields\n");
}

bool parse_int(const char* s, std::int64_t& out) {
  if (!s || !*s) return false;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s, &end, 10);
  if (errno != 0 || *end != '\0' || v < 0) return false;
  out = v;
  return true;
}

/// A number without trailing zeros.
std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

/// "0-2,4-6,8" from sorted indices.
std::string ranges(const std::vector<std::int64_t>& idx) {
  std::string out;
  for (std::size_t i = 0; i < idx.size();) {
    std::size_t j = i;
    while (j + 1 < idx.size() && idx[j + 1] == idx[j] + 1) ++j;
    if (!out.empty()) out += ",";
    out += std::to_string(idx[i]);
    if (j > i) out += "-" + std::to_string(idx[j]);
    i = j + 1;
  }
  return out;
}

/// The scaling method and its parameters in one line.
std::string describe_scaling(const ropekit::Scaling& s) {
  namespace sc = ropekit::scaling;
  struct V {
    std::string operator()(const sc::None&) const { return "none"; }
    std::string operator()(const sc::Linear& x) const { return "linear: factor " + num(x.factor); }
    std::string operator()(const sc::NtkAware& x) const { return "ntk_aware: alpha " + num(x.alpha); }
    std::string operator()(const sc::DynamicNtk& x) const {
      return "dynamic_ntk: factor " + num(x.factor) + ", original " +
             std::to_string(x.original_max_position_embeddings);
    }
    std::string operator()(const sc::NtkByParts& x) const {
      return "ntk_by_parts: factor " + num(x.factor) + ", original " +
             std::to_string(x.original_max_position_embeddings) + ", beta_fast " + num(x.beta_fast) + ", beta_slow " +
             num(x.beta_slow);
    }
    std::string operator()(const sc::Yarn& x) const {
      std::string s = "yarn: factor " + num(x.factor) + ", original " +
                      std::to_string(x.original_max_position_embeddings) + ", beta_fast " + num(x.beta_fast) +
                      ", beta_slow " + num(x.beta_slow) + ", truncate " + (x.truncate ? "true" : "false");
      if (x.mscale) s += ", mscale " + num(*x.mscale);
      if (x.mscale_all_dim) s += ", mscale_all_dim " + num(*x.mscale_all_dim);
      if (x.attention_factor) s += ", attention_factor " + num(*x.attention_factor);
      return s;
    }
    std::string operator()(const sc::Llama3& x) const {
      return "llama3: factor " + num(x.factor) + ", low_freq_factor " + num(x.low_freq_factor) + ", high_freq_factor " +
             num(x.high_freq_factor) + ", original " + std::to_string(x.original_max_position_embeddings);
    }
    std::string operator()(const sc::LongRope& x) const {
      const bool same = x.short_factor == x.long_factor;
      std::string s = std::string("longrope: ") + (same ? "per-pair divisors (one list)" : "short/long factor lists") +
                      ", original " + std::to_string(x.original_max_position_embeddings);
      if (x.factor) s += ", factor " + num(*x.factor);
      if (x.attention_factor) s += ", attention_factor " + num(*x.attention_factor);
      return s;
    }
    std::string operator()(const sc::Proportional& x) const {
      return "proportional: partial_rotary_factor " + num(x.partial_rotary_factor) + ", factor " + num(x.factor);
    }
  };
  return std::visit(V{}, s);
}

/// The context a method extends from (for the regimes and the plot).
std::int64_t original_of(const ropekit::RopeSpec& spec, std::int64_t max_pos) {
  std::int64_t fallback = max_pos;
  if (const auto* l = std::get_if<ropekit::scaling::Linear>(&spec.scaling))
    if (l->factor > 0) fallback = std::int64_t(double(max_pos) / l->factor);
  return ropekit::original_context(spec, fallback);
}

std::string regime_word(ropekit::PairRegime r) {
  switch (r) {
    case ropekit::PairRegime::extrapolated:
      return "keeps";
    case ropekit::PairRegime::interpolated:
      return "interpolates";
    case ropekit::PairRegime::blended:
      return "blends";
    default:
      return "stopped";
  }
}

/// The normalized long-range decay bound (RoFormer section 3.4.3; the same
/// quantity as ropekit::rope_decay_bound) at one distance.
double decay_bound(const std::vector<float>& inv, double m) {
  double re = 0, im = 0, total = 0;
  for (float f : inv) {
    re += std::cos(m * double(f));
    im += std::sin(m * double(f));
    total += std::hypot(re, im);
  }
  return inv.empty() ? 0.0 : total / double(inv.size());
}

std::string xml(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
    }
  }
  return out;
}

/// One group of layers with the same plan.
struct Group {
  std::vector<std::int64_t> layers;
  const ropekit::LayerRope* first = nullptr;
};

bool same_plan(const ropekit::LayerRope& a, const ropekit::LayerRope& b) {
  return a.uses_rope == b.uses_rope && a.layer_type == b.layer_type && a.pairing == b.pairing &&
         a.head_dim == b.head_dim && a.rotary_offset == b.rotary_offset && a.rope_type == b.rope_type &&
         a.spec.rotary_dim == b.spec.rotary_dim && a.spec.base == b.spec.base &&
         describe_scaling(a.spec.scaling) == describe_scaling(b.spec.scaling) && a.mrope == b.mrope &&
         a.mrope_section == b.mrope_section && a.softmax_scale_multiplier == b.softmax_scale_multiplier &&
         a.query_scale.has_value() == b.query_scale.has_value() &&
         (!a.query_scale ||
          (a.query_scale->scale == b.query_scale->scale && a.query_scale->offset == b.query_scale->offset &&
           a.query_scale->interval == b.query_scale->interval));
}

/// A table to show per pair.
struct Shown {
  std::string label;
  const ropekit::LayerRope* layer;
};

void write_svg(const Args& a, const ropekit::ModelRope& plan, const std::vector<Shown>& tables) {
  const double W = 900, H = 760, left = 80, right = 30, plot_w = W - left - right;
  const double top1 = 60, h1 = 280, top2 = 430, h2 = 260;
  static const char* const colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};
  std::string s;
  s += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(W) + "\" height=\"" + num(H) + "\" viewBox=\"0 0 " +
       num(W) + " " + num(H) + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += "<text x=\"" + num(left) + "\" y=\"24\" font-size=\"16\">" +
       xml("ropekit-inspect: " + plan.model_type + " (" + a.path.substr(a.path.find_last_of('/') + 1) + ")") +
       "</text>\n";

  // Panel 1: wavelength per pair (log scale).
  double wl_min = 1e300, wl_max = 0;
  std::int64_t max_pairs = 1, extended = std::max<std::int64_t>(plan.max_position_embeddings, a.seq_len);
  std::int64_t original = extended;
  struct Series {
    std::vector<double> scaled, plain;
    std::string label;
  };
  std::vector<Series> series;
  for (const Shown& t : tables) {
    const ropekit::Frequencies f = ropekit::frequencies(t.layer->spec, a.seq_len);
    ropekit::RopeSpec plain_spec = t.layer->spec;
    plain_spec.scaling = ropekit::scaling::None{};
    const ropekit::Frequencies p = ropekit::frequencies(plain_spec);
    Series se;
    se.label = t.label;
    se.scaled = ropekit::wavelengths(f);
    se.plain = ropekit::wavelengths(p);
    for (const auto* v : {&se.scaled, &se.plain})
      for (double w : *v)
        if (std::isfinite(w)) wl_min = std::min(wl_min, w), wl_max = std::max(wl_max, w);
    max_pairs = std::max<std::int64_t>(max_pairs, std::int64_t(f.inv_freq.size()));
    original = std::min(original, original_of(t.layer->spec, plan.max_position_embeddings));
    series.push_back(se);
  }
  wl_min = std::min(wl_min, double(std::max<std::int64_t>(original, 1)));
  wl_max = std::max(wl_max, double(std::max<std::int64_t>(extended, 1)));
  if (!(wl_min > 0) || !(wl_max > wl_min)) wl_min = 1, wl_max = 10;
  const double ly0 = std::log10(wl_min) - 0.1, ly1 = std::log10(wl_max) + 0.1;
  auto x1 = [&](double pair) { return left + plot_w * pair / double(std::max<std::int64_t>(max_pairs - 1, 1)); };
  auto y1 = [&](double w) { return top1 + h1 * (1.0 - (std::log10(w) - ly0) / (ly1 - ly0)); };
  s += "<text x=\"" + num(left) + "\" y=\"" + num(top1 - 12) +
       "\" font-size=\"14\">Wavelength per rotary pair (tokens, log scale)</text>\n";
  s += "<rect x=\"" + num(left) + "\" y=\"" + num(top1) + "\" width=\"" + num(plot_w) + "\" height=\"" + num(h1) +
       "\" fill=\"none\" stroke=\"#444\"/>\n";
  for (int d = int(std::ceil(ly0)); d <= int(std::floor(ly1)); ++d) {
    const double y = y1(std::pow(10.0, d));
    s += "<line x1=\"" + num(left) + "\" x2=\"" + num(left + plot_w) + "\" y1=\"" + num(y) + "\" y2=\"" + num(y) +
         "\" stroke=\"#ddd\"/>\n";
    s += "<text x=\"" + num(left - 6) + "\" y=\"" + num(y + 4) + "\" text-anchor=\"end\">1e" + std::to_string(d) +
         "</text>\n";
  }
  auto hline = [&](double w, const std::string& label, const char* color) {
    const double y = y1(w);
    s += "<line x1=\"" + num(left) + "\" x2=\"" + num(left + plot_w) + "\" y1=\"" + num(y) + "\" y2=\"" + num(y) +
         "\" stroke=\"" + color + "\" stroke-dasharray=\"6,4\"/>\n";
    s += "<text x=\"" + num(left + plot_w - 4) + "\" y=\"" + num(y - 4) + "\" text-anchor=\"end\" fill=\"" + color +
         "\">" + xml(label) + "</text>\n";
  };
  hline(double(std::max<std::int64_t>(original, 1)), "original context " + std::to_string(original), "#555");
  if (extended != original)
    hline(double(std::max<std::int64_t>(extended, 1)), "extended context " + std::to_string(extended), "#000");
  for (std::size_t k = 0; k < series.size(); ++k) {
    const char* c = colors[k % 6];
    for (int which = 0; which < 2; ++which) {
      const std::vector<double>& v = which == 0 ? series[k].plain : series[k].scaled;
      std::string pts;
      for (std::size_t i = 0; i < v.size(); ++i)
        if (std::isfinite(v[i]) && v[i] > 0) pts += num(x1(double(i))) + "," + num(y1(v[i])) + " ";
      if (pts.empty()) continue;
      s += "<polyline points=\"" + pts + "\" fill=\"none\" stroke=\"" + c + "\" stroke-width=\"" +
           (which == 0 ? "1" : "2") + "\"" + (which == 0 ? " stroke-dasharray=\"3,3\"" : "") + "/>\n";
    }
    s += "<text x=\"" + num(left + 8) + "\" y=\"" + num(top1 + 16 + 14 * double(k)) + "\" fill=\"" + c + "\">" +
         xml(series[k].label + " (solid: scaled, dashed: unscaled)") + "</text>\n";
  }
  s += "<text x=\"" + num(left + plot_w / 2) + "\" y=\"" + num(top1 + h1 + 28) +
       "\" text-anchor=\"middle\">rotary pair index</text>\n";
  s += "<text x=\"" + num(left) + "\" y=\"" + num(top1 + h1 + 16) + "\">0</text>\n";
  s += "<text x=\"" + num(left + plot_w) + "\" y=\"" + num(top1 + h1 + 16) + "\" text-anchor=\"end\">" +
       std::to_string(max_pairs - 1) + "</text>\n";

  // Panel 2: long-range decay bound against relative distance (log x).
  const double dmax = double(std::max<std::int64_t>(extended, 2));
  const int samples = 160;
  auto x2 = [&](double m) { return left + plot_w * std::log10(m) / std::log10(dmax); };
  auto y2 = [&](double b) { return top2 + h2 * (1.0 - std::min(std::max(b, 0.0), 1.05) / 1.05); };
  s += "<text x=\"" + num(left) + "\" y=\"" + num(top2 - 12) +
       "\" font-size=\"14\">Long-range decay bound (RoFormer 3.4.3, normalized) vs relative distance</text>\n";
  s += "<rect x=\"" + num(left) + "\" y=\"" + num(top2) + "\" width=\"" + num(plot_w) + "\" height=\"" + num(h2) +
       "\" fill=\"none\" stroke=\"#444\"/>\n";
  for (int d = 0; std::pow(10.0, d) <= dmax; ++d) {
    const double x = x2(std::pow(10.0, d));
    s += "<line x1=\"" + num(x) + "\" x2=\"" + num(x) + "\" y1=\"" + num(top2) + "\" y2=\"" + num(top2 + h2) +
         "\" stroke=\"#ddd\"/>\n";
    s += "<text x=\"" + num(x) + "\" y=\"" + num(top2 + h2 + 16) + "\" text-anchor=\"middle\">1e" + std::to_string(d) +
         "</text>\n";
  }
  for (double b : {0.0, 0.5, 1.0})
    s += "<text x=\"" + num(left - 6) + "\" y=\"" + num(y2(b) + 4) + "\" text-anchor=\"end\">" + num(b) + "</text>\n";
  const double xo = x2(double(std::max<std::int64_t>(original, 1)));
  s += "<line x1=\"" + num(xo) + "\" x2=\"" + num(xo) + "\" y1=\"" + num(top2) + "\" y2=\"" + num(top2 + h2) +
       "\" stroke=\"#555\" stroke-dasharray=\"6,4\"/>\n";
  for (std::size_t k = 0; k < tables.size(); ++k) {
    const char* c = colors[k % 6];
    const ropekit::Frequencies f = ropekit::frequencies(tables[k].layer->spec, a.seq_len);
    ropekit::RopeSpec plain_spec = tables[k].layer->spec;
    plain_spec.scaling = ropekit::scaling::None{};
    const ropekit::Frequencies p = ropekit::frequencies(plain_spec);
    for (int which = 0; which < 2; ++which) {
      const std::vector<float>& inv = which == 0 ? p.inv_freq : f.inv_freq;
      std::string pts;
      for (int i = 0; i <= samples; ++i) {
        const double m = std::pow(dmax, double(i) / samples);
        pts += num(x2(m)) + "," + num(y2(decay_bound(inv, std::floor(m)) / (double(inv.size() + 1) / 2.0))) + " ";
      }
      s += "<polyline points=\"" + pts + "\" fill=\"none\" stroke=\"" + c + "\" stroke-width=\"" +
           (which == 0 ? "1" : "2") + "\"" + (which == 0 ? " stroke-dasharray=\"3,3\"" : "") + "/>\n";
    }
    s += "<text x=\"" + num(left + plot_w - 8) + "\" y=\"" + num(top2 + 16 + 14 * double(k)) +
         "\" text-anchor=\"end\" fill=\"" + c + "\">" + xml(tables[k].label + " (solid: scaled, dashed: unscaled)") +
         "</text>\n";
  }
  s += "<text x=\"" + num(left + plot_w / 2) + "\" y=\"" + num(top2 + h2 + 34) +
       "\" text-anchor=\"middle\">relative distance (tokens, log scale; dashed line: original context)</text>\n";
  s += "</svg>\n";
  std::ofstream out(a.svg, std::ios::binary);
  out << s;
  if (!out) throw std::runtime_error("cannot write --svg file \"" + a.svg + "\"");
}

int run(const Args& a) {
  // GGUF or config.json, by the magic bytes.
  bool gguf = false;
  {
    std::FILE* f = std::fopen(a.path.c_str(), "rb");
    if (!f) {
      std::fprintf(stderr, "ropekit-inspect: %s: cannot be opened\n", a.path.c_str());
      return 1;
    }
    char magic[4] = {0, 0, 0, 0};
    gguf = std::fread(magic, 1, 4, f) == 4 && std::memcmp(magic, "GGUF", 4) == 0;
    std::fclose(f);
  }
  ropekit::ModelRope plan;
  if (gguf) {
    plan = ropekit::gguf::model_rope(ropekit::gguf::read_metadata(a.path), a.seq_len);
  } else {
    ropekit::HfConfigOptions o;
    o.generic = a.generic;
    plan = ropekit::hf::read_config(a.path, o);
  }
  if (plan.empty()) return 1;  // reported by the reader
  if (a.layer >= std::int64_t(plan.layers.size())) {
    std::fprintf(stderr, "ropekit-inspect: %s: --layer %lld is out of range (the model has %zu layers)\n",
                 a.path.c_str(), static_cast<long long>(a.layer), plan.layers.size());
    return 1;
  }

  // Groups of layers with the same plan, and the tables to show per pair.
  std::vector<Group> groups;
  for (std::size_t i = 0; i < plan.layers.size(); ++i) {
    const ropekit::LayerRope& L = plan.layers[i];
    auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) { return same_plan(*g.first, L); });
    if (it == groups.end()) groups.push_back({{}, &L}), it = groups.end() - 1;
    it->layers.push_back(std::int64_t(i));
  }
  std::vector<Shown> tables;
  if (a.layer >= 0) {
    const ropekit::LayerRope& L = plan.layers[std::size_t(a.layer)];
    if (!L.uses_rope) {
      std::fprintf(stderr, "ropekit-inspect: %s: layer %lld does not use RoPE (NoPE)\n", a.path.c_str(),
                   static_cast<long long>(a.layer));
      return 1;
    }
    tables.push_back({"layer " + std::to_string(a.layer), &L});
  } else {
    for (const Group& g : groups) {
      if (!g.first->uses_rope) continue;
      bool dup = false;
      for (const Shown& t : tables)
        dup = dup || (describe_scaling(t.layer->spec.scaling) == describe_scaling(g.first->spec.scaling) &&
                      t.layer->spec.rotary_dim == g.first->spec.rotary_dim && t.layer->spec.base == g.first->spec.base);
      if (!dup)
        tables.push_back(
            {"layers " + ranges(g.layers) + (g.first->layer_type.empty() ? "" : " (" + g.first->layer_type + ")"),
             g.first});
    }
  }

  if (a.csv) {
    std::printf("table,pair,inv_freq,wavelength,regime\n");
    for (const Shown& t : tables) {
      const ropekit::Frequencies f = ropekit::frequencies(t.layer->spec, a.seq_len);
      const std::vector<double> wl = ropekit::wavelengths(f);
      const std::vector<ropekit::PairRegime> reg = ropekit::pair_regimes(t.layer->spec, a.seq_len);
      for (std::size_t i = 0; i < f.inv_freq.size(); ++i)
        std::printf("\"%s\",%zu,%.9g,%.9g,%s\n", t.label.c_str(), i, double(f.inv_freq[i]), wl[i],
                    i < reg.size() ? regime_word(reg[i]).c_str() : "");
    }
  } else {
    std::printf("model: %s", plan.model_type.c_str());
    if (plan.text_model_type != plan.model_type) std::printf(" (decoder config %s)", plan.text_model_type.c_str());
    std::printf(", from %s %s%s\n", plan.source == ropekit::ModelSource::gguf ? "GGUF" : "config.json", a.path.c_str(),
                plan.generic ? " [GENERIC reading: not the reference's semantics]" : "");
    std::printf("  %lld layers, head_dim %lld, max_position_embeddings %lld, position encoding: %s\n",
                static_cast<long long>(plan.num_layers), static_cast<long long>(plan.head_dim),
                static_cast<long long>(plan.max_position_embeddings), ropekit::encoding_name(plan.encoding));
    if (const auto* e = std::get_if<ropekit::positions::LearnedAbsolute>(&plan.encoding))
      std::printf("  learned absolute table: %lld positions x %lld\n", static_cast<long long>(e->max_positions),
                  static_cast<long long>(e->dim));
    if (const auto* e = std::get_if<ropekit::positions::T5Buckets>(&plan.encoding))
      std::printf(
          "  T5 buckets: %lld buckets, max_distance %lld, encoder %lld layers (bidirectional), decoder %lld "
          "(causal)\n",
          static_cast<long long>(e->num_buckets), static_cast<long long>(e->max_distance),
          static_cast<long long>(e->encoder_layers), static_cast<long long>(e->decoder_layers));
    if (const auto* e = std::get_if<ropekit::positions::DebertaBuckets>(&plan.encoding))
      std::printf(
          "  DeBERTa-v2: relative_attention %s, position_buckets %lld, max_relative_positions %lld, "
          "position_biased_input %s\n",
          e->relative_attention ? "true" : "false", static_cast<long long>(e->position_buckets),
          static_cast<long long>(e->max_relative_positions), e->position_biased_input ? "true" : "false");
    if (const auto* e = std::get_if<ropekit::positions::Alibi>(&plan.encoding))
      std::printf("  ALiBi: %lld heads, %s slopes, max bias %s\n", static_cast<long long>(e->n_heads),
                  ropekit::to_string(e->style), num(e->max_bias).c_str());
    if (plan.is_rope()) {
      std::printf("\nlayer plan:\n");
      std::vector<std::int64_t> nope;
      for (const Group& g : groups) {
        const ropekit::LayerRope& L = *g.first;
        std::printf("  layers %s (%zu)%s:", ranges(g.layers).c_str(), g.layers.size(),
                    L.layer_type.empty() ? "" : (" " + L.layer_type).c_str());
        if (!L.uses_rope) {
          nope.insert(nope.end(), g.layers.begin(), g.layers.end());
          std::printf(" NoPE (no rotation), head_dim %lld\n", static_cast<long long>(L.head_dim));
        } else {
          const ropekit::Frequencies f = ropekit::frequencies(L.spec, a.seq_len);
          std::int64_t rotating = 0;
          for (float v : f.inv_freq) rotating += v != 0.0f;
          std::printf(" RoPE, pairing %s, rotary_dim %lld at offset %lld of head_dim %lld",
                      ropekit::to_string(L.pairing), static_cast<long long>(L.spec.rotary_dim),
                      static_cast<long long>(L.rotary_offset), static_cast<long long>(L.head_dim));
          if (2 * rotating != L.spec.rotary_dim) std::printf(" (%lld pairs turn)", static_cast<long long>(rotating));
          std::printf("\n      base %s, rope_type %s, scaling %s\n      attention factor %.9g",
                      num(L.spec.base).c_str(), L.rope_type.c_str(), describe_scaling(L.spec.scaling).c_str(),
                      double(f.attention_factor));
          if (L.softmax_scale_multiplier != 1.0) std::printf(", softmax scale x %.9g", L.softmax_scale_multiplier);
          std::printf("\n");
          if (L.mrope != ropekit::MropeLayout::none && L.mrope_section.size() == 3)
            std::printf("      M-RoPE %s, mrope_section [T %lld, H %lld, W %lld]\n", ropekit::to_string(L.mrope),
                        static_cast<long long>(L.mrope_section[0]), static_cast<long long>(L.mrope_section[1]),
                        static_cast<long long>(L.mrope_section[2]));
        }
        if (L.query_scale)
          std::printf("      query x (1 + %s ln(floor((p + %s) / %s) + 1))\n", num(L.query_scale->scale).c_str(),
                      num(L.query_scale->offset).c_str(), num(L.query_scale->interval).c_str());
      }
      std::printf("  NoPE layers: %s\n", nope.empty() ? "none"
                                                      : ranges([&] {
                                                          std::sort(nope.begin(), nope.end());
                                                          return nope;
                                                        }())
                                                            .c_str());
    }
    for (const std::string& n : plan.notes) std::printf("  note: %s\n", n.c_str());
    for (const Shown& t : tables) {
      const ropekit::Frequencies f = ropekit::frequencies(t.layer->spec, a.seq_len);
      const std::vector<double> wl = ropekit::wavelengths(f);
      const std::vector<ropekit::PairRegime> reg = ropekit::pair_regimes(t.layer->spec, a.seq_len);
      const std::int64_t orig = original_of(t.layer->spec, plan.max_position_embeddings);
      std::printf("\nper pair, %s, seq_len %lld (original context %lld, extended %lld):\n", t.label.c_str(),
                  static_cast<long long>(a.seq_len), static_cast<long long>(orig),
                  static_cast<long long>(std::max<std::int64_t>(plan.max_position_embeddings, a.seq_len)));
      std::printf("  %5s  %-15s  %-15s  %s\n", "pair", "inv_freq", "wavelength", "vs original context");
      for (std::size_t i = 0; i < f.inv_freq.size(); ++i) {
        const char* where = !std::isfinite(wl[i]) ? "-" : (wl[i] > double(orig) ? "longer" : "shorter");
        std::printf("  %5zu  %-15.9g  %-15.6g  %s (%s)", i, double(f.inv_freq[i]), wl[i],
                    i < reg.size() ? regime_word(reg[i]).c_str() : "", where);
        if (t.layer->mrope != ropekit::MropeLayout::none)
          std::printf(", position stream %c", "THW"[t.layer->mrope_axis(std::int64_t(i))]);
        std::printf("\n");
      }
    }
  }
  if (!a.svg.empty()) {
    if (tables.empty()) {
      std::fprintf(stderr, "ropekit-inspect: %s: --svg needs a RoPE model (this one uses %s)\n", a.path.c_str(),
                   ropekit::encoding_name(plan.encoding));
      return 1;
    }
    write_svg(a, plan, tables);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "ropekit-inspect: %s needs a value\n", name);
        return nullptr;
      }
      return argv[++i];
    };
    if (s == "--help" || s == "-h") {
      usage(stdout);
      return 0;
    } else if (s == "--seq-len") {
      const char* v = value("--seq-len");
      if (!v || !parse_int(v, a.seq_len)) {
        std::fprintf(stderr, "ropekit-inspect: --seq-len = %s must be an integer >= 0\n", v ? v : "(missing)");
        return 2;
      }
    } else if (s == "--layer") {
      const char* v = value("--layer");
      if (!v || !parse_int(v, a.layer)) {
        std::fprintf(stderr, "ropekit-inspect: --layer = %s must be an integer >= 0\n", v ? v : "(missing)");
        return 2;
      }
    } else if (s == "--csv") {
      a.csv = true;
    } else if (s == "--generic") {
      a.generic = true;
    } else if (s == "--svg") {
      const char* v = value("--svg");
      if (!v) return 2;
      a.svg = v;
    } else if (!s.empty() && s[0] == '-') {
      std::fprintf(stderr, "ropekit-inspect: unknown option %s\n", s.c_str());
      usage(stderr);
      return 2;
    } else if (a.path.empty()) {
      a.path = s;
    } else {
      std::fprintf(stderr, "ropekit-inspect: more than one file given (%s, %s)\n", a.path.c_str(), s.c_str());
      return 2;
    }
  }
  if (a.path.empty()) {
    usage(stderr);
    return 2;
  }
  try {
    return run(a);
  } catch (const ropekit::error& e) {
    std::fprintf(stderr, "ropekit-inspect: %s\n", e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ropekit-inspect: %s: %s\n", a.path.c_str(), e.what());
  }
  return 1;
}
