// -ffast-math gives the same results: tests/fast_math_probe.cpp is compiled
// twice into this binary, once with -ffast-math (probe_fast) and once without
// (probe_strict). Over a corpus of specs at the edges of every field (and the
// encodings' arguments), both must accept and reject the same inputs with the
// same messages and return the same bits. The scaling methods evaluate each
// float32 step through an opaque barrier (see scaling/common.hpp) so that
// fast-math can neither reassociate, contract nor reuse reciprocals, and
// classify values on their bits, so that NaN is still rejected under
// -ffinite-math-only.
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fast_math_probe.hpp"
#include "hostile_spec_corpus.hpp"

#if defined(__x86_64__) || defined(__i386__)
#  include <xmmintrin.h>
#  define ROPEKIT_TEST_MXCSR 1
#endif

namespace {

using fast_math_probe::Outcome;
using I = std::int64_t;
constexpr I kMax = std::numeric_limits<I>::max();

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

::testing::AssertionResult same(const Outcome& strict, const Outcome& fast) {
  if (strict.error != fast.error)
    return ::testing::AssertionFailure() << "errors differ:\n  strict: " << strict.error
                                         << "\n  fast:   " << fast.error;
  if (!same_bits(strict.values, fast.values)) {
    auto f = ::testing::AssertionFailure()
             << "values differ (" << strict.values.size() << " vs " << fast.values.size() << ")";
    for (std::size_t i = 0; i < std::min(strict.values.size(), fast.values.size()); ++i)
      if (std::memcmp(&strict.values[i], &fast.values[i], sizeof(float)) != 0) {
        f << ": first at " << i << ": " << strict.values[i] << " vs " << fast.values[i];
        break;
      }
    return f;
  }
  if (strict.integers != fast.integers) return ::testing::AssertionFailure() << "integer results differ";
  return ::testing::AssertionSuccess();
}

std::string describe(const ropekit::RopeSpec& s, std::int64_t seq_len) {
  char text[160];
  std::snprintf(text, sizeof text, "method %zu rotary_dim %lld base %.17g seq_len %lld", s.scaling.index(),
                (long long)s.rotary_dim, s.base, (long long)seq_len);
  return text;
}

TEST(FastMath, TheProbesAreCompiledAsIntended) {
  EXPECT_TRUE(probe_fast::fast_math());
  EXPECT_FALSE(probe_strict::fast_math());
}

TEST(FastMath, FrequenciesAreBitIdenticalAndRejectionsTheSame) {
  const auto corpus = hostile::spec_corpus(3000);
  std::size_t accepted[9] = {}, rejected[9] = {};
  for (const auto& [spec, seq_len] : corpus) {
    const Outcome strict = probe_strict::frequencies(spec, seq_len);
    const Outcome fast = probe_fast::frequencies(spec, seq_len);
    ASSERT_TRUE(same(strict, fast)) << describe(spec, seq_len);
    (strict.error.empty() ? accepted : rejected)[spec.scaling.index()]++;
  }
  // The corpus reaches both sides of the rules for every method.
  for (int m = 0; m < 9; ++m) {
    EXPECT_GT(accepted[m], 300u) << "method " << m;
    EXPECT_GT(rejected[m], 300u) << "method " << m;
  }
}

TEST(FastMath, NaNIsRejectedUnderFiniteMathOnly) {
  // Comparisons with NaN may be folded under -ffinite-math-only; ropekit
  // decides on the bits. One case per rule that a NaN must trip.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  namespace scaling = ropekit::scaling;
  ropekit::RopeSpec s;
  std::vector<ropekit::RopeSpec> specs;
  s.base = nan;
  specs.push_back(s);
  s.base = 10000.0;
  for (const ropekit::Scaling& method :
       {ropekit::Scaling(scaling::Linear{nan}), ropekit::Scaling(scaling::NtkAware{nan}),
        ropekit::Scaling(scaling::DynamicNtk{nan, 4096}), ropekit::Scaling(scaling::NtkByParts{nan, 4096}),
        ropekit::Scaling(scaling::NtkByParts{8.0, 4096, nan, 1.0}), ropekit::Scaling(scaling::Yarn{8.0, 4096, 32, nan}),
        ropekit::Scaling(scaling::Llama3{8.0, nan, 4.0, 8192}), ropekit::Scaling(scaling::Llama3{8.0, 1.0, nan, 8192}),
        ropekit::Scaling(scaling::Proportional{nan}), ropekit::Scaling(scaling::Proportional{0.5, nan})}) {
    s.scaling = method;
    specs.push_back(s);
  }
  scaling::Yarn y{40.0, 4096};
  y.mscale = nan;
  y.mscale_all_dim = 1.0;
  s.scaling = y;
  specs.push_back(s);
  y.mscale = 1.0;
  y.mscale_all_dim = nan;
  s.scaling = y;
  specs.push_back(s);
  y.mscale_all_dim.reset();
  y.attention_factor = nan;
  s.scaling = y;
  specs.push_back(s);
  scaling::LongRope l{std::vector<double>(64, 1.0), std::vector<double>(64, 1.0), 4096};
  l.long_factor[7] = nan;
  s.scaling = l;
  specs.push_back(s);
  for (const auto& spec : specs) {
    const Outcome fast = probe_fast::frequencies(spec, 0);
    EXPECT_NE(fast.error.find("nan"), std::string::npos) << describe(spec, 0) << ": " << fast.error;
    EXPECT_TRUE(same(probe_strict::frequencies(spec, 0), fast)) << describe(spec, 0);
  }
  // A caller's table with NaN or infinity.
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(), -1.0f}) {
    const Outcome fast = probe_fast::validate({1.0f, bad}, 1.0f);
    EXPECT_NE(fast.error.find("inv_freq[1]"), std::string::npos) << fast.error;
    EXPECT_TRUE(same(probe_strict::validate({1.0f, bad}, 1.0f), fast));
    const Outcome attention = probe_fast::validate({1.0f}, bad);
    EXPECT_NE(attention.error.find("attention_factor"), std::string::npos) << attention.error;
    EXPECT_TRUE(same(probe_strict::validate({1.0f}, bad), attention));
  }
  EXPECT_TRUE(same(probe_strict::validate({1.0f, 0.0f, -0.0f}, 1.0f), probe_fast::validate({1.0f, 0.0f, -0.0f}, 1.0f)));
}

#if ROPEKIT_TEST_MXCSR
TEST(FastMath, FrequenciesDoNotDependOnFlushToZero) {
  // Linking with -ffast-math sets the FTZ and DAZ bits of MXCSR for the whole
  // process (crtfastmath.o). Accepted tables hold only normal floats and the
  // checks read bits, so the same specs are accepted, with the same bits, and
  // the same field is blamed for the rejected ones. (Only the printed value
  // of a subnormal input can differ: the C library formats it as 0 when
  // denormals are zero.)
  const auto corpus = hostile::spec_corpus(1000, 7);
  std::vector<Outcome> plain;
  for (const auto& [spec, seq_len] : corpus) plain.push_back(probe_strict::frequencies(spec, seq_len));
  const unsigned saved = _mm_getcsr();
  _mm_setcsr(saved | 0x8040u);  // FTZ | DAZ
  std::vector<Outcome> flushed;
  for (const auto& [spec, seq_len] : corpus) flushed.push_back(probe_strict::frequencies(spec, seq_len));
  _mm_setcsr(saved);
  std::size_t value_text_only = 0;
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    Outcome a = plain[i], b = flushed[i];
    ASSERT_EQ(a.error.empty(), b.error.empty()) << describe(corpus[i].first, corpus[i].second);
    const auto field = [](const std::string& e) { return e.substr(0, e.find(" = ")); };
    ASSERT_EQ(field(a.error), field(b.error)) << a.error << "\n" << b.error;
    if (a.error != b.error) ++value_text_only;
    a.error = b.error = "";
    ASSERT_TRUE(same(a, b)) << describe(corpus[i].first, corpus[i].second);
  }
  EXPECT_LT(value_text_only, corpus.size() / 50);
}
#endif

TEST(FastMath, EncodingsAreBitIdentical) {
  hostile::SpecCorpus gen(99);
  std::vector<std::int64_t> rel = hostile::special_integers();
  for (std::int64_t r = -300; r <= 300; ++r) rel.push_back(r);
  for (int i = 0; i < 1000; ++i) {
    const I v = gen.any_integer();
    rel.push_back(v);
    rel.push_back(~v);  // the negative side (-v - 1: no overflow)
  }
  for (std::int64_t r = 0; r < 100000; r += 7) rel.push_back(r), rel.push_back(-r);
  // T5 and DeBERTa buckets: the float32 log steps decide the bucket edges.
  for (bool bidirectional : {false, true})
    for (std::int64_t buckets : std::initializer_list<I>{2, 4, 16, 32, 64, 320, I(1) << 40, kMax})
      for (std::int64_t distance : std::initializer_list<I>{8, 64, 128, 256, 1000, I(1) << 50, kMax})
        EXPECT_TRUE(same(probe_strict::t5_buckets(rel, bidirectional, buckets, distance),
                         probe_fast::t5_buckets(rel, bidirectional, buckets, distance)))
            << buckets << " " << distance << " " << bidirectional;
  for (std::int64_t size : std::initializer_list<I>{2, 4, 64, 256, I(1) << 41, kMax})
    for (std::int64_t max_position : std::initializer_list<I>{3, 128, 512, I(1) << 40, kMax})
      EXPECT_TRUE(same(probe_strict::deberta_buckets(rel, size, max_position),
                       probe_fast::deberta_buckets(rel, size, max_position)))
          << size << " " << max_position;
  for (std::int64_t n = -2; n <= 300; ++n)
    EXPECT_TRUE(same(probe_strict::alibi_slopes(n), probe_fast::alibi_slopes(n))) << n;
  for (std::int64_t n : std::initializer_list<I>{65536, 65537, kMax})
    EXPECT_TRUE(same(probe_strict::alibi_slopes(n), probe_fast::alibi_slopes(n))) << n;
  for (int layout : {0, 1, 5})
    for (std::int64_t dim : std::initializer_list<I>{-2, 0, 3, 4, 7, 64, 256})
      for (double base : {10000.0, 2.0, 1.0, std::numeric_limits<double>::quiet_NaN(), 1e300})
        for (std::int64_t offset : std::initializer_list<I>{0, 2, I(1) << 40, kMax})
          for (std::int64_t n : std::initializer_list<I>{0, 1, 64, I(1) << 62})
            EXPECT_TRUE(same(probe_strict::sinusoidal(n, dim, layout, base, offset),
                             probe_fast::sinusoidal(n, dim, layout, base, offset)))
                << layout << " " << dim << " " << base << " " << offset << " " << n;
  for (std::int64_t window : std::initializer_list<I>{-1, 1, 64, I(1) << 62})
    for (double leak : {0.5, 0.9999999, 1.0, 3.0, 16.0, std::numeric_limits<double>::infinity(),
                        std::numeric_limits<double>::quiet_NaN()})
      EXPECT_TRUE(same(probe_strict::leaky_rerope(rel, window, leak), probe_fast::leaky_rerope(rel, window, leak)))
          << window << " " << leak;
}

}  // namespace
