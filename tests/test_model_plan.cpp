// The plan types (core, no dependency): query scales, M-RoPE axes, names, and
// the path from a LayerRope to rotated Q/K with a rotary offset.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include <ropekit/model.hpp>
#include <ropekit/ropekit.hpp>

namespace {

TEST(ModelPlan, QueryScaleFormula) {
  // Llama 4 (modeling_llama4.py): log1p(floor((p + 1) / 8192)) * 0.1 + 1.
  const ropekit::PositionQueryScale llama4{0.1, 1.0, 8192.0};
  EXPECT_EQ(llama4.at(0), 1.0);
  EXPECT_EQ(llama4.at(8190), 1.0);
  EXPECT_DOUBLE_EQ(llama4.at(8191), 1.0 + 0.1 * std::log(2.0));
  EXPECT_DOUBLE_EQ(llama4.at(16383), 1.0 + 0.1 * std::log(3.0));
  // Ministral3 (get_llama_4_attn_scale): 1 + beta * log(1 + floor(p / original)).
  const ropekit::PositionQueryScale ministral{0.1, 0.0, 16384.0};
  EXPECT_EQ(ministral.at(16383), 1.0);
  EXPECT_DOUBLE_EQ(ministral.at(16384), 1.0 + 0.1 * std::log(2.0));
}

TEST(ModelPlan, MropeAxes) {
  ropekit::LayerRope L;
  EXPECT_EQ(L.mrope_axis(5), 0);
  L.mrope = ropekit::MropeLayout::sectioned;
  L.mrope_section = {16, 24, 24};  // Qwen2.5-VL
  EXPECT_EQ(L.mrope_axis(0), 0);
  EXPECT_EQ(L.mrope_axis(15), 0);
  EXPECT_EQ(L.mrope_axis(16), 1);
  EXPECT_EQ(L.mrope_axis(39), 1);
  EXPECT_EQ(L.mrope_axis(40), 2);
  EXPECT_EQ(L.mrope_axis(63), 2);
  L.mrope = ropekit::MropeLayout::interleaved;
  L.mrope_section = {24, 20, 20};  // Qwen3-VL: T H W T H W ... T
  EXPECT_EQ(L.mrope_axis(0), 0);
  EXPECT_EQ(L.mrope_axis(1), 1);
  EXPECT_EQ(L.mrope_axis(2), 2);
  EXPECT_EQ(L.mrope_axis(3), 0);
  EXPECT_EQ(L.mrope_axis(58), 1);
  EXPECT_EQ(L.mrope_axis(59), 2);
  EXPECT_EQ(L.mrope_axis(61), 0);
  EXPECT_EQ(L.mrope_axis(63), 0);
}

TEST(ModelPlan, Names) {
  EXPECT_STREQ(ropekit::scaling_name(ropekit::Scaling{ropekit::scaling::Yarn{}}), "yarn");
  EXPECT_STREQ(ropekit::scaling_name(ropekit::Scaling{ropekit::scaling::Proportional{}}), "proportional");
  EXPECT_STREQ(ropekit::encoding_name(ropekit::PositionEncoding{ropekit::positions::T5Buckets{}}), "t5_buckets");
  EXPECT_STREQ(ropekit::to_string(ropekit::MropeLayout::interleaved), "interleaved");
  EXPECT_STREQ(ropekit::to_string(ropekit::Pairing::neox), "neox");
  EXPECT_STREQ(ropekit::to_string(ropekit::AlibiStyle::mpt), "mpt");
  ropekit::ModelRope m;
  EXPECT_TRUE(m.empty());
  EXPECT_TRUE(m.is_rope());
  m.encoding = ropekit::positions::Alibi{8, ropekit::AlibiStyle::press, 8.0};
  EXPECT_FALSE(m.is_rope());
}

TEST(ModelPlan, OriginalContext) {
  ropekit::RopeSpec s{128, 10000.0, ropekit::scaling::Llama3{8.0, 1.0, 4.0, 8192}};
  EXPECT_EQ(ropekit::original_context(s, 131072), 8192);
  s.scaling = ropekit::scaling::None{};
  EXPECT_EQ(ropekit::original_context(s, 4096), 4096);
}

// The README path: a layer's spec and pairing rotate the slice
// [rotary_offset, rotary_offset + rotary_dim) of each head (DeepSeek's MLA
// layout), leaving the other channels alone.
TEST(ModelPlan, RotatesTheSliceAtTheOffset) {
  ropekit::LayerRope L;
  L.head_dim = 192;
  L.rotary_offset = 128;
  L.pairing = ropekit::Pairing::interleaved;
  L.spec = ropekit::RopeSpec{64, 10000.0, ropekit::scaling::None{}};
  const std::int64_t tokens = 3, heads = 2;
  std::vector<float> q(std::size_t(tokens * heads * L.head_dim));
  for (std::size_t i = 0; i < q.size(); ++i) q[i] = float(std::sin(0.37 * double(i)));
  const std::vector<float> before = q;
  const std::int64_t positions[] = {0, 5, 1000};
  const ropekit::Frequencies f = ropekit::frequencies(L.spec, 1001);
  ropekit::HeadsView<float> view{q.data() + L.rotary_offset, tokens,    heads, L.spec.rotary_dim,
                                 heads * L.head_dim,         L.head_dim};
  ropekit::apply(L.pairing, f, view, positions);
  for (std::int64_t t = 0; t < tokens; ++t)
    for (std::int64_t h = 0; h < heads; ++h)
      for (std::int64_t c = 0; c < L.head_dim; ++c) {
        const std::size_t i = std::size_t((t * heads + h) * L.head_dim + c);
        if (c < L.rotary_offset) {
          EXPECT_EQ(q[i], before[i]);
          continue;
        }
        // Interleaved pair (2k, 2k + 1) of the slice turns by positions[t] * inv_freq[k].
        const std::int64_t k = (c - L.rotary_offset) / 2;
        const bool even = (c - L.rotary_offset) % 2 == 0;
        const double a = double(positions[t]) * double(f.inv_freq[std::size_t(k)]);
        const double x0 = before[even ? i : i - 1], x1 = before[even ? i + 1 : i];
        const double want = even ? x0 * std::cos(a) - x1 * std::sin(a) : x0 * std::sin(a) + x1 * std::cos(a);
        EXPECT_NEAR(q[i], want, 2e-6) << t << " " << h << " " << c;
      }
}

}  // namespace
