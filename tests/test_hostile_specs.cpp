// Hostile specs (issue 8, defect 5 and the spec parts of 9 and 10, and the
// scaling defaults): frequencies() never returns a table apply would reject,
// rejects a spec naming the field and its value, prints values in their
// shortest round-trip form, and a default-constructed scaling struct names
// the fields to set.
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "hostile_gtest.hpp"
#include "hostile_spec_corpus.hpp"

ROPEKIT_HOSTILE_SUITE(SpecRejections, hostile::spec_cases)

namespace {

namespace scaling = ropekit::scaling;
using hostile::make_spec;

bool positive_normal(float x) { return std::isfinite(x) && x >= FLT_MIN; }

// Every table frequencies() returns over the corpus: each entry a finite,
// normal float > 0 (Proportional: exactly 0 for the pairs that do not
// rotate, after the rotating ones), the attention factor too, and `validate`
// (what apply runs) accepts it. Before the fix, e.g. Linear{1e-300} gave
// inv_freq = inf and Yarn{1e-300, ...} NaN.
TEST(SpecGuarantee, EveryAcceptedTableIsFiniteNormalAndPositive) {
  const auto corpus = hostile::spec_corpus(4000, 1234);
  std::size_t accepted = 0;
  for (const auto& [spec, seq_len] : corpus) {
    ropekit::Frequencies f;
    try {
      f = ropekit::frequencies(spec, seq_len);
    } catch (const ropekit::error&) {
      continue;
    }
    ++accepted;
    SCOPED_TRACE("method " + std::to_string(spec.scaling.index()) + " rotary_dim " + std::to_string(spec.rotary_dim));
    ASSERT_EQ(std::int64_t(f.inv_freq.size()), spec.rotary_dim / 2);
    const bool proportional = std::holds_alternative<scaling::Proportional>(spec.scaling);
    bool stopped = false;
    for (std::size_t i = 0; i < f.inv_freq.size(); ++i) {
      if (proportional && f.inv_freq[i] == 0.0f && i > 0) stopped = true;
      if (stopped) {
        ASSERT_EQ(f.inv_freq[i], 0.0f) << "pair " << i;
      } else {
        ASSERT_TRUE(positive_normal(f.inv_freq[i])) << "pair " << i << " = " << f.inv_freq[i];
      }
    }
    ASSERT_TRUE(positive_normal(f.attention_factor)) << f.attention_factor;
    ASSERT_TRUE(ropekit::validate(f));
  }
  EXPECT_GT(accepted, corpus.size() / 4);  // the corpus is not all rejections
}

// Values at the very edge of each rule are accepted, with valid tables.
TEST(SpecGuarantee, EdgesThatAreValidAreAccepted) {
  // base just above 1: float32 rounds base to 1, every frequency is 1 (as
  // Hugging Face's float32 evaluation gives).
  const auto near_one = ropekit::frequencies(make_spec(scaling::None{}, 64, std::nextafter(1.0, 2.0)));
  for (float v : near_one.inv_freq) EXPECT_EQ(v, 1.0f);
  // The largest float base with two channels (only pair 0, which is 1).
  EXPECT_EQ(ropekit::frequencies(make_spec(scaling::None{}, 2, double(FLT_MAX))).inv_freq, std::vector<float>{1.0f});
  // The largest rotary_dim.
  EXPECT_EQ(ropekit::frequencies(make_spec(scaling::None{}, 65536)).inv_freq.size(), 32768u);
  // Dynamic NTK at the longest sequence: the base grows to ~4e23, still fine.
  const auto longest = ropekit::frequencies(make_spec(scaling::DynamicNtk{2.0, 1}), hostile::kMax);
  EXPECT_TRUE(positive_normal(longest.inv_freq.back()));
  EXPECT_LT(longest.inv_freq.back(), 1e-20f);
  // Factors far from 1 that keep the table in range.
  EXPECT_TRUE(positive_normal(ropekit::frequencies(make_spec(scaling::Linear{1e-30})).inv_freq.back()));
  EXPECT_TRUE(positive_normal(ropekit::frequencies(make_spec(scaling::Linear{1e30})).inv_freq.front()));
  // YaRN's mscale ratio may be below 1 (DeepSeek) as long as both are positive.
  scaling::Yarn y{40.0, 4096};
  y.mscale = 0.707;
  y.mscale_all_dim = 1.0;
  EXPECT_LT(ropekit::frequencies(make_spec(y)).attention_factor, 1.0f);
  // A zero mscale falls back to the plain rule, as in Hugging Face ("if mscale and mscale_all_dim").
  y.mscale = 0.0;
  EXPECT_FLOAT_EQ(ropekit::frequencies(make_spec(y)).attention_factor, float(0.1 * std::log(40.0) + 1.0));
}

// The documented defaults: every required field is 0 / empty (rejected, see
// the Default* cases); every field with a default has the value the method's
// reference uses when a config omits it; each struct's documented example is
// a valid spec.
TEST(ScalingDefaults, FieldsWithDefaultsHoldTheReferenceValues) {
  EXPECT_EQ(scaling::NtkByParts{}.beta_fast, 32.0);
  EXPECT_EQ(scaling::NtkByParts{}.beta_slow, 1.0);
  EXPECT_EQ(scaling::Yarn{}.beta_fast, 32.0);
  EXPECT_EQ(scaling::Yarn{}.beta_slow, 1.0);
  EXPECT_TRUE(scaling::Yarn{}.truncate);
  EXPECT_FALSE(scaling::Yarn{}.mscale || scaling::Yarn{}.mscale_all_dim || scaling::Yarn{}.attention_factor);
  EXPECT_FALSE(scaling::LongRope{}.factor || scaling::LongRope{}.attention_factor);
  EXPECT_EQ(scaling::LongRope{}.max_position_embeddings, 0);
  EXPECT_EQ(scaling::Proportional{}.factor, 1.0);
}

TEST(ScalingDefaults, DocumentedExamplesAreValid) {
  scaling::LongRope longrope{std::vector<double>(64, 1.0), std::vector<double>(64, 4.0), 4096};
  for (const ropekit::Scaling& s :
       {ropekit::Scaling(scaling::None{}), ropekit::Scaling(scaling::Linear{4.0}),
        ropekit::Scaling(scaling::NtkAware{8.0}), ropekit::Scaling(scaling::DynamicNtk{2.0, 4096}),
        ropekit::Scaling(scaling::NtkByParts{16.0, 4096}), ropekit::Scaling(scaling::Yarn{4.0, 32768}),
        ropekit::Scaling(scaling::Llama3{8.0, 1.0, 4.0, 8192}), ropekit::Scaling(longrope),
        ropekit::Scaling(scaling::Proportional{0.25})}) {
    EXPECT_EQ(ropekit::frequencies(make_spec(s), 16384).inv_freq.size(), 64u) << s.index();
  }
}

// Defect 10: values print in the shortest form that reads back as the same
// double, so a message never contradicts itself.
std::string message_of(const ropekit::RopeSpec& s, std::int64_t seq_len = 0) {
  try {
    ropekit::frequencies(s, seq_len);
  } catch (const ropekit::error& e) {
    return e.what();
  }
  return "";
}

TEST(Messages, ValuesPrintShortestAndRoundTrip) {
  EXPECT_NE(message_of(make_spec(scaling::None{}, 64, 0.9999999)).find("base = 0.9999999 must be"), std::string::npos);
  EXPECT_NE(message_of(make_spec(scaling::Linear{-1e-7})).find("factor = -1e-07 must be"), std::string::npos);
  EXPECT_NE(message_of(make_spec(scaling::Linear{-0.0})).find("factor = -0 is not set"), std::string::npos);
  EXPECT_NE(message_of(make_spec(scaling::None{}, 64, 0.1)).find("base = 0.1 must be"), std::string::npos);
  EXPECT_NE(message_of(make_spec(scaling::None{}, 64, -std::numeric_limits<double>::infinity())).find("base = -inf"),
            std::string::npos);
  // Random doubles in (0, 1) and beyond: the printed base reads back exactly.
  hostile::SpecCorpus gen(5);
  for (int i = 0; i < 2000; ++i) {
    double base = std::abs(gen.any_double());
    if (!std::isfinite(base) || base > 1.0) base = 1.0 / (2.0 + double(i));
    const std::string m = message_of(make_spec(scaling::None{}, 64, base));
    const std::size_t at = m.find("base = ");
    ASSERT_NE(at, std::string::npos) << m;
    const double back = std::strtod(m.c_str() + at + 7, nullptr);
    ASSERT_EQ(std::memcmp(&back, &base, sizeof base), 0) << m;
    ASSERT_LE(m.find(' ', at + 7) - (at + 7), 24u) << m;  // shortest: at most 17 digits, sign, point, exponent
  }
  // A float value prints as a float: -1e-45f is "-1e-45", not "-1.401298464324817e-45".
  try {
    ropekit::validate(ropekit::Frequencies{{-1e-45f}, 1.0f});
    ADD_FAILURE();
  } catch (const ropekit::error& e) {
    EXPECT_NE(std::string(e.what()).find("inv_freq[0] = -1e-45 must be"), std::string::npos) << e.what();
  }
}

}  // namespace
