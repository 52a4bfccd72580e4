// libFuzzer target: ropekit::gguf::parse_metadata and model_rope on arbitrary
// bytes. A reported error (ropekit::error) is an expected outcome; a crash, a
// sanitizer report, a hang or an allocation beyond libFuzzer's limit is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <ropekit/gguf.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ropekit::GgufMetadata meta;
  try {
    meta = ropekit::gguf::parse_metadata(data, size, "fuzz.gguf");
  } catch (const ropekit::error&) {
    return 0;
  }
  if (meta.empty()) std::abort();  // no error reported, yet nothing read
  for (std::int64_t n_ctx : {std::int64_t(0), std::int64_t(4096)}) {
    try {
      const ropekit::ModelRope plan = ropekit::gguf::model_rope(meta, n_ctx);
      for (const ropekit::LayerRope& layer : plan.layers) {
        if (!layer.uses_rope) continue;
        try {
          if (ropekit::frequencies(layer.spec, 1).inv_freq.empty()) std::abort();
        } catch (const ropekit::error&) {
          std::abort();  // accepted but not computable: a mapping bug
        }
        break;
      }
    } catch (const ropekit::error&) {
    }
  }
  return 0;
}
