// ONNX RotaryEmbedding (opset 23) backend conformance cases, run through the
// caller-provided cos/sin table path. Data: tests/data/onnx_rotary (see its
// README for source and license).
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support.hpp"

namespace {

struct Tensor {
  std::vector<std::int64_t> shape;
  std::vector<double> values;
};

struct OnnxCase {
  int interleaved = 0, num_heads = 0, rotary_dim = 0;
  std::map<std::string, Tensor> tensors;
};

OnnxCase load(const std::string& name) {
  std::ifstream in(std::string(ROPEKIT_ONNX_DATA_DIR) + "/" + name + ".txt");
  EXPECT_TRUE(in.good()) << name;
  OnnxCase c;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string word;
    ls >> word;
    if (word == "attrs") {
      std::string kv;
      while (ls >> kv) {
        const auto eq = kv.find('=');
        const int v = std::stoi(kv.substr(eq + 1));
        const std::string k = kv.substr(0, eq);
        if (k == "interleaved") c.interleaved = v;
        if (k == "num_heads") c.num_heads = v;
        if (k == "rotary_embedding_dim") c.rotary_dim = v;
      }
    } else if (word == "tensor") {
      std::string tname, dtype;
      int rank;
      ls >> tname >> dtype >> rank;
      Tensor t;
      for (int i = 0; i < rank; ++i) {
        std::int64_t d;
        ls >> d;
        t.shape.push_back(d);
      }
      std::getline(in, line);
      std::istringstream vs(line);
      double v;
      while (vs >> v) t.values.push_back(v);
      c.tensors[tname] = t;
    }
  }
  return c;
}

void run(const std::string& name) {
  SCOPED_TRACE(name);
  const OnnxCase c = load(name);
  const Tensor& X = c.tensors.at("X");
  const Tensor& Y = c.tensors.at("Y");
  std::vector<float> cos_cache, sin_cache;
  for (double v : c.tensors.at("cos_cache").values) cos_cache.push_back(float(v));
  for (double v : c.tensors.at("sin_cache").values) sin_cache.push_back(float(v));
  std::vector<float> x;
  for (double v : X.values) x.push_back(float(v));
  std::vector<float> y(x.size(), rk_test::poison<float>());
  const bool has_ids = c.tensors.count("position_ids") > 0;
  const auto& cache_shape = c.tensors.at("cos_cache").shape;
  const std::int64_t pairs = cache_shape.back();

  // Layout: 4D [batch, heads, seq, head] or 3D [batch, seq, heads * head].
  const std::int64_t batch = X.shape[0];
  std::int64_t seq, heads, head;
  std::int64_t token_stride, head_stride, batch_stride;
  if (X.shape.size() == 4) {
    heads = X.shape[1], seq = X.shape[2], head = X.shape[3];
    token_stride = head, head_stride = seq * head, batch_stride = heads * seq * head;
  } else {
    heads = c.num_heads, seq = X.shape[1], head = X.shape[2] / heads;
    token_stride = heads * head, head_stride = head, batch_stride = seq * heads * head;
  }
  ASSERT_EQ(2 * pairs, c.rotary_dim ? c.rotary_dim : head);
  const auto pairing = c.interleaved ? ropekit::Pairing::interleaved : ropekit::Pairing::neox;
  for (std::int64_t b = 0; b < batch; ++b) {
    const ropekit::HeadsView<const float> src{x.data() + b * batch_stride, seq, heads, head, token_stride, head_stride};
    const ropekit::HeadsView<float> dst{y.data() + b * batch_stride, seq, heads, head, token_stride, head_stride};
    if (has_ids) {
      // Caches [max_position, pairs] gathered by position_ids[b, s].
      const ropekit::CosSinTable table{cos_cache.data(), sin_cache.data(), cache_shape[0], pairs, pairs};
      std::vector<std::int64_t> ids;
      for (std::int64_t s = 0; s < seq; ++s)
        ids.push_back(std::int64_t(c.tensors.at("position_ids").values[std::size_t(b * seq + s)]));
      ropekit::apply_into(pairing, table, src, dst, ids.data());
    } else {
      // Caches [batch, seq, pairs]: one row per token.
      const ropekit::CosSinTable table{cos_cache.data() + b * seq * pairs, sin_cache.data() + b * seq * pairs, seq,
                                       pairs, pairs};
      ropekit::apply_into(pairing, table, src, dst, ropekit::PositionRange{0});
    }
  }
  ASSERT_EQ(y.size(), Y.values.size());
  for (std::size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], Y.values[i], 1e-6) << i;
}

TEST(OnnxRotaryEmbedding, FourD) { run("test_rotary_embedding"); }
TEST(OnnxRotaryEmbedding, ThreeD) { run("test_rotary_embedding_3d_input"); }
TEST(OnnxRotaryEmbedding, Interleaved) { run("test_rotary_embedding_interleaved"); }
TEST(OnnxRotaryEmbedding, PartialRotary) { run("test_rotary_embedding_with_rotary_dim"); }
TEST(OnnxRotaryEmbedding, PartialInterleaved) { run("test_rotary_embedding_with_interleaved_rotary_dim"); }
TEST(OnnxRotaryEmbedding, PerTokenCaches) { run("test_rotary_embedding_no_position_ids"); }
TEST(OnnxRotaryEmbedding, PerTokenCachesInterleaved) { run("test_rotary_embedding_no_position_ids_interleaved"); }
TEST(OnnxRotaryEmbedding, PerTokenCachesPartial) { run("test_rotary_embedding_no_position_ids_rotary_dim"); }

}  // namespace
