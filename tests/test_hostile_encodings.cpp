// Hostile arguments to the encodings (issue 8, defects 7, 8, 9, 10): every
// rejection names the argument and value and writes nothing (the cases of
// hostile_cases.hpp, also run without exceptions by hostile_no_exceptions),
// and the values at the int64 edges are computed without overflow.
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "hostile_gtest.hpp"

ROPEKIT_HOSTILE_SUITE(EncodingRejections, hostile::encoding_cases)

namespace {

using hostile::kMax;
using hostile::kMin;
using I = std::int64_t;

// Defect 8: |INT64_MIN| was computed by negation (undefined). The distance
// is as far as it gets: the last bucket of its side.
TEST(T5Edges, Int64ExtremesGoToTheLastBucket) {
  EXPECT_EQ(ropekit::t5_relative_position_bucket(kMin, true, 32, 128), 15);
  EXPECT_EQ(ropekit::t5_relative_position_bucket(kMax, true, 32, 128), 31);
  EXPECT_EQ(ropekit::t5_relative_position_bucket(kMin, false, 32, 128), 31);
  EXPECT_EQ(ropekit::t5_relative_position_bucket(kMax, false, 32, 128), 0);
  EXPECT_EQ(ropekit::t5_relative_position_bucket(kMin + 1, true, 32, 128), 15);
}

// Defect 8: the scaled logarithm was converted to an integer before the clip
// (a bucket of -6917529027641081857 came back). With huge bucket counts the
// float exceeds int64; the clip is now decided in float.
TEST(T5Edges, ScaledLogBeyondInt64IsClippedBeforeTheConversion) {
  const I buckets = I(1) << 62, max_exact = I(1) << 61;
  const I bucket = ropekit::t5_relative_position_bucket(-(I(1) << 62), false, buckets, max_exact + (I(1) << 40));
  EXPECT_EQ(bucket, buckets - 1);
  const I nearest = ropekit::t5_relative_position_bucket(-max_exact, false, buckets, max_exact + (I(1) << 40));
  EXPECT_EQ(nearest, max_exact);  // n = max_exact: log 1 = 0, the first logarithmic bucket
  for (I rel : {kMin, -(I(1) << 62), -max_exact - 1}) {
    const I b = ropekit::t5_relative_position_bucket(rel, false, buckets, kMax);
    EXPECT_GE(b, max_exact) << rel;
    EXPECT_LT(b, buckets) << rel;
  }
}

// The bias, computed in blocks of diagonals, equals the bucket of every
// element, including across block edges and at the far end of int64.
TEST(T5Edges, BiasMatchesTheBucketOfEveryElement) {
  const I heads = 3, buckets = 32;
  std::vector<float> table(std::size_t(buckets * heads));
  for (std::size_t i = 0; i < table.size(); ++i) table[i] = float(i);
  struct Shape {
    I q_len, k_len, q_offset, k_offset;
  };
  for (const Shape s : {Shape{1, 1, 0, 0}, Shape{7, 5000, 4990, 0}, Shape{5000, 3, 0, 100}, Shape{70, 4200, 0, 0},
                        Shape{2, 3, kMax - 1, kMax - 2}, Shape{2, 3, kMin, kMin + 10}, Shape{3, 2, -5, kMax - 1 - 5}})
    for (bool bidirectional : {false, true}) {
      std::vector<float> out(std::size_t(heads * s.q_len * s.k_len), -1.0f);
      ropekit::t5_relative_position_bias(table.data(), buckets, heads, bidirectional, 128, s.q_len, s.k_len, s.q_offset,
                                         s.k_offset, out.data());
      for (I h = 0; h < heads; ++h)
        for (I i = 0; i < s.q_len; ++i)
          for (I j = 0; j < s.k_len; ++j) {
            const I rel = (s.k_offset + j) - (s.q_offset + i);
            const I b = ropekit::t5_relative_position_bucket(rel, bidirectional, buckets, 128);
            ASSERT_EQ(out[std::size_t((h * s.q_len + i) * s.k_len + j)], table[std::size_t(b * heads + h)])
                << s.q_len << "x" << s.k_len << " at " << h << " " << i << " " << j;
          }
    }
}

// Defect 8: DeBERTa negated INT64_MIN, and a huge scaled logarithm became a
// negative bucket for a positive distance.
TEST(DebertaEdges, Int64ExtremesKeepTheirSign) {
  const I lowest = ropekit::deberta_log_bucket_position(kMin, 256, 512);
  const I highest = ropekit::deberta_log_bucket_position(kMax, 256, 512);
  EXPECT_LT(lowest, -128);
  EXPECT_EQ(lowest, -highest);  // |INT64_MIN| and INT64_MAX round to the same float ratio
  EXPECT_EQ(ropekit::deberta_log_bucket_position(kMax, I(1) << 62, (I(1) << 61) + (I(1) << 40)), kMax);
  EXPECT_EQ(ropekit::deberta_log_bucket_position(kMin, I(1) << 62, (I(1) << 61) + (I(1) << 40)), -kMax);
}

// Defect 8: the head-count loop overflowed (and spun forever under clang).
TEST(AlibiEdges, SlopesUpToTheLimit) {
  const auto slopes = ropekit::alibi_slopes(65536);
  ASSERT_EQ(slopes.size(), 65536u);
  EXPECT_EQ(slopes.back(), float(std::exp2(-8.0)));  // a power of two: 2^(-8 * 65536 / 65536)
  const auto odd = ropekit::alibi_slopes(65535);     // m = 32768, then 32767 odd slopes of 65536 heads
  ASSERT_EQ(odd.size(), 65535u);
  EXPECT_EQ(odd[32768], float(std::exp2(-4.0 / 32768.0)));
}

TEST(AlibiEdges, BiasAtTheEndOfInt64) {
  std::vector<float> out(4, -1.0f);
  ropekit::alibi_bias({0.5f}, 2, 2, kMax - 1, kMax - 1, out.data(), false);
  EXPECT_EQ(out, (std::vector<float>{0.0f, 0.5f, -0.5f, 0.0f}));
  ropekit::alibi_bias({0.5f}, 1, 2, kMin, kMin, out.data());
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_EQ(out[1], -std::numeric_limits<float>::infinity());
}

// Defect 8: sinusoidal positions at the end of int64 (offset + n - 1 = INT64_MAX).
TEST(SinusoidalEdges, LastPositionsOfInt64) {
  std::vector<float> out(2 * 8, -7.0f);
  ropekit::sinusoidal_table(out.data(), 2, 8, ropekit::SinusoidalLayout::interleaved, 10000.0, kMax - 1);
  for (float v : out) EXPECT_LE(std::abs(v), 1.0f);
  // Column 0 is sin(p): at p = 2^63 - 1 (rounded to double 2^63).
  EXPECT_EQ(out[8], float(std::sin(9223372036854775808.0)));
  // Sizes: the matrix form validates before allocating and an empty table is fine.
  const auto empty = ropekit::sinusoidal_table(0, 8);
  EXPECT_EQ(empty.rows(), 0);
  EXPECT_EQ(empty.cols(), 8);
}

// Defect 7: with no rows there is nothing to rotate; positions may be null.
TEST(ReropeEdges, EmptyQueriesNeedNoPositions) {
  ropekit::RopeSpec spec;
  spec.rotary_dim = 8;
  const auto f = ropekit::frequencies(spec);
  const ropekit::RowMatrixXf q(0, 8), k = ropekit::RowMatrixXf::Ones(3, 8);
  const std::int64_t kp[3] = {0, 1, 2};
  const auto logits = ropekit::rerope_logits(ropekit::Pairing::neox, f, q, nullptr, k, kp, 2, 4.0);
  EXPECT_EQ(logits.rows(), 0);
  EXPECT_EQ(logits.cols(), 3);
}

// Found by fuzz_encodings: a valid table whose angles overflow (3e38 rad per
// position) rotates to NaN; that is apply's answer for those arguments, not a
// rejection, so the logits come back in full (NaN), not as an empty matrix
// without an error.
// Angles beyond the accurate range (inv_freq 3e38 at position 3) are
// rejected by the kernels' position check, which rerope_logits's probe of
// the extreme positions passes on: an error naming the position, nothing
// computed.
TEST(ReropeEdges, ATableWhoseAnglesLeaveTheAccurateRangeIsRejected) {
  const ropekit::Frequencies f{{3e38f}, 1.0f};
  const ropekit::RowMatrixXf q = ropekit::RowMatrixXf::Ones(2, 2), k = ropekit::RowMatrixXf::Ones(3, 2);
  const std::int64_t qp[2] = {3, 4}, kp[3] = {0, 1, 2};
  try {
    (void)ropekit::rerope_logits(ropekit::Pairing::neox, f, q, qp, k, kp, 2, 4.0);
    ADD_FAILURE() << "accepted";
  } catch (const ropekit::error& e) {
    EXPECT_NE(std::string(e.what()).find("accurate range"), std::string::npos) << e.what();
  }
}

TEST(ReropeEdges, PositionMapAtTheEndOfInt64) {
  EXPECT_EQ(ropekit::leaky_rerope_position(kMax, 4, std::numeric_limits<double>::infinity()), 4.0);
  EXPECT_EQ(ropekit::leaky_rerope_position(kMin, 4, 2.0), double(kMin));
  EXPECT_EQ(ropekit::leaky_rerope_position(kMax, 1, 1.0), double(kMax));
}

TEST(AnalysisEdges, RegimeNamesAndDecayLimit) {
  EXPECT_STREQ(ropekit::to_string(ropekit::PairRegime::stopped), "stopped");
  EXPECT_STREQ(ropekit::to_string(ropekit::PairRegime::extrapolated), "extrapolated");
  const auto d = ropekit::rope_decay_bound(ropekit::Frequencies{{0.5f}, 1.0f}, 0);
  EXPECT_EQ(d, std::vector<double>{1.0});
}

}  // namespace
