// libFuzzer target: ropekit::hf::parse_config on arbitrary bytes. A reported
// error (ropekit::error) is an expected outcome; a crash, a sanitizer report,
// another exception, or a plan whose tables ropekit cannot compute is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <ropekit/hf/config.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (bool generic : {false, true}) {
    ropekit::HfConfigOptions options;
    options.generic = generic;
    ropekit::ModelRope plan;
    try {
      plan = ropekit::hf::parse_config(text, options, "fuzz.json");
    } catch (const ropekit::error&) {
      continue;
    }
    // A plan the reader accepted must give valid tables for its RoPE layers
    // at the original context and just past it (where LongRoPE switches
    // lists). Dynamic NTK's base grows with seq_len without bound, so longer
    // sequences may legitimately leave float range.
    for (const ropekit::LayerRope& layer : plan.layers) {
      if (!layer.uses_rope) continue;
      try {
        const std::int64_t past = ropekit::original_context(layer.spec, plan.max_position_embeddings) + 1;
        const ropekit::Frequencies f = ropekit::frequencies(layer.spec, 1);
        const ropekit::Frequencies g = ropekit::frequencies(layer.spec, past);
        if (f.inv_freq.empty() || g.inv_freq.empty()) std::abort();
        if (layer.rotary_offset < 0 || layer.spec.rotary_dim > 2 * std::int64_t(f.inv_freq.size())) std::abort();
      } catch (const ropekit::error&) {
        std::abort();  // accepted but not computable: a reader bug
      }
      break;  // one table per input keeps the target fast
    }
  }
  return 0;
}
