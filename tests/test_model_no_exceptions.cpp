// The model readers built with -fno-exceptions: errors reach the installed
// handler (naming the file, field and value), the readers return empty plans,
// and valid inputs read normally.
#include <cstdio>
#include <string>
#include <vector>

#include <ropekit/gguf.hpp>
#include <ropekit/hf/config.hpp>

#ifndef ROPEKIT_HF_DATA_DIR
#  error "ROPEKIT_HF_DATA_DIR must name tests/data/hf_configs"
#endif

namespace {
std::string last_error;
int messages = 0;
void record(const char* message) {
  last_error = message;
  ++messages;
}
int failures = 0, passes = 0;
void check(bool ok, const char* what) {
  if (ok) {
    ++passes;
  } else {
    ++failures;
    std::printf("FAILED: %s (last error: %s)\n", what, last_error.c_str());
  }
}
bool said(const char* text) { return last_error.find(text) != std::string::npos; }
}  // namespace

int main() {
  ropekit::set_error_handler(&record);

  const ropekit::ModelRope good =
      ropekit::hf::read_config(std::string(ROPEKIT_HF_DATA_DIR) + "/configs/deepseek-v3.json");
  check(!good.empty() && good.layers.size() == 61 && messages == 0, "a real config reads without errors");

  messages = 0;
  check(ropekit::hf::parse_config("{ nope", {}, "a.json").empty() && said("a.json: (document)") && messages == 1,
        "not JSON: one report, empty plan");
  messages = 0;
  check(ropekit::hf::parse_config(R"({"model_type":"llama","rope_theta":-1})", {}, "b.json").empty() &&
            said("b.json: rope_theta = -1 must be > 1") && messages == 1,
        "bad field: one report naming file, field and value");
  messages = 0;
  check(ropekit::hf::parse_config(R"({"model_type":"zzz"})", {}, "c.json").empty() && said("\"zzz\"") && messages == 1,
        "unknown model type");
  messages = 0;
  check(ropekit::hf::read_config("/nonexistent.json").empty() && said("cannot be opened") && messages == 1,
        "missing file");

  // GGUF.
  const unsigned char garbage[] = {'G', 'G', 'U', 'F', 3, 0, 0, 0, 1};
  messages = 0;
  const ropekit::GgufMetadata bad = ropekit::gguf::parse_metadata(garbage, sizeof garbage, "g.gguf");
  check(bad.empty() && said("g.gguf") && said("truncated") && messages == 1, "truncated GGUF");
  messages = 0;
  check(ropekit::gguf::model_rope(bad).empty() && messages == 1, "mapping empty metadata reports and returns empty");
  std::vector<unsigned char> header = {'G', 'G', 'U', 'F', 3, 0, 0, 0};
  for (int i = 0; i < 16; ++i) header.push_back(0);  // no tensors, no keys
  messages = 0;
  const ropekit::GgufMetadata empty_kv = ropekit::gguf::parse_metadata(header.data(), header.size(), "h.gguf");
  check(!empty_kv.empty() && messages == 0, "a header with no keys parses");
  check(ropekit::gguf::model_rope(empty_kv).empty() && said("general.architecture") && messages == 1,
        "no architecture key");

  std::printf("%d passed, %d failed\n", passes, failures);
  return failures == 0 ? 0 : 1;
}
