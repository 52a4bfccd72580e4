// Properties of the scalar reference (the truth every fast path is checked
// against): it must be a rotation with the RoPE relative-position property.
#include <cmath>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "support.hpp"

namespace {

using ropekit::HeadsView;
using ropekit::Pairing;

ropekit::Frequencies yarn_table(std::int64_t rotary_dim) {
  ropekit::RopeSpec s;
  s.rotary_dim = rotary_dim;
  ropekit::scaling::Yarn y;
  y.factor = 8.0;
  y.original_max_position_embeddings = 256;
  s.scaling = y;
  return ropekit::frequencies(s);
}

double dot(const double* a, const double* b, std::int64_t n) {
  double s = 0;
  for (std::int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

class ReferenceTest : public ::testing::TestWithParam<Pairing> {};

TEST_P(ReferenceTest, PreservesNormTimesAttentionFactor) {
  for (std::int64_t dim : {64, 80, 96, 128, 256}) {
    const auto f = yarn_table(dim);
    auto x = rk_test::random_vector<double>(std::size_t(3 * dim));
    const auto before = x;
    std::vector<std::int64_t> pos = {0, 123456, 2147483647};
    ropekit::reference::apply(GetParam(), f, HeadsView<double>::token_major(x.data(), 3, 1, dim), pos.data());
    for (int t = 0; t < 3; ++t) {
      const double n0 = std::sqrt(dot(&before[t * dim], &before[t * dim], dim));
      const double n1 = std::sqrt(dot(&x[t * dim], &x[t * dim], dim));
      EXPECT_NEAR(n1, n0 * f.attention_factor, 1e-13 * n0) << dim;  // a few double ulps per term
    }
  }
}

TEST_P(ReferenceTest, ScoresDependOnlyOnRelativePosition) {
  const std::int64_t dim = 128;
  ropekit::RopeSpec s;
  s.rotary_dim = dim;
  const auto f = ropekit::frequencies(s);
  const auto q = rk_test::random_vector<double>(dim), k = rk_test::random_vector<double>(dim);
  auto score = [&](std::int64_t m, std::int64_t n) {
    auto qq = q, kk = k;
    ropekit::reference::apply(GetParam(), f, HeadsView<double>::token_major(qq.data(), 1, 1, dim), &m);
    ropekit::reference::apply(GetParam(), f, HeadsView<double>::token_major(kk.data(), 1, 1, dim), &n);
    return dot(qq.data(), kk.data(), dim);
  };
  for (std::int64_t delta : {0, 1, 17, 4096, 1000000}) {
    const double base = score(delta + 5, 5);
    for (std::int64_t shift : {0, 1, 1000, 777777, 100000000}) {
      // Each score sums 128 products of unit-size terms: 1e-12 absolute.
      EXPECT_NEAR(score(delta + 5 + shift, 5 + shift), base, 1e-12) << delta << " " << shift;
    }
  }
}

TEST_P(ReferenceTest, InverseUndoesForward) {
  const auto f = yarn_table(96);
  auto x = rk_test::random_vector<double>(5 * 2 * 128);
  const auto before = x;
  std::vector<std::int64_t> pos = {3, 99, 65536, 1 << 30, 7};
  const auto v = HeadsView<double>::token_major(x.data(), 5, 2, 128);
  ropekit::reference::apply(GetParam(), f, v, pos.data());
  ropekit::reference::apply(GetParam(), f, v, pos.data(), ropekit::Direction::inverse);
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], before[i], 1e-14 * (1 + std::abs(before[i])));
}

TEST(Reference, NeoxAndInterleavedAgreeAfterPermutingPairs) {
  const std::int64_t dim = 80, half = 40;
  const auto f = yarn_table(dim);
  const auto x = rk_test::random_vector<double>(dim);
  std::vector<double> inter(dim);
  for (std::int64_t i = 0; i < half; ++i) inter[2 * i] = x[i], inter[2 * i + 1] = x[i + half];
  auto neox = x;
  std::int64_t pos = 31337;
  ropekit::reference::apply(Pairing::neox, f, HeadsView<double>::token_major(neox.data(), 1, 1, dim), &pos);
  ropekit::reference::apply(Pairing::interleaved, f, HeadsView<double>::token_major(inter.data(), 1, 1, dim), &pos);
  for (std::int64_t i = 0; i < half; ++i) {
    EXPECT_EQ(neox[i], inter[2 * i]);  // the same operations in the same order: bit-identical
    EXPECT_EQ(neox[i + half], inter[2 * i + 1]);
  }
}

TEST_P(ReferenceTest, PartialRotaryLeavesTailBitIdentical) {
  const auto f = yarn_table(32);
  auto x = rk_test::random_vector<float>(4 * 128);
  const auto before = x;
  std::vector<std::int64_t> pos = {1, 2, 3, 4};
  ropekit::reference::apply(GetParam(), f, HeadsView<float>::token_major(x.data(), 4, 1, 128), pos.data());
  for (int t = 0; t < 4; ++t) {
    EXPECT_EQ(std::memcmp(&x[t * 128 + 32], &before[t * 128 + 32], 96 * sizeof(float)), 0);
    EXPECT_NE(std::memcmp(&x[t * 128], &before[t * 128], 32 * sizeof(float)), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Pairings, ReferenceTest, ::testing::Values(Pairing::neox, Pairing::interleaved));

}  // namespace
