// Bad-input cases shared by the exceptions build (test_hostile_specs,
// test_hostile_encodings: each case is one gtest) and the -fno-exceptions
// build (hostile_no_exceptions.cpp: the error handler records the message).
// Each case makes one call that ropekit must reject, and states
//   - the substrings the message must contain: the function, and the
//     argument with its value ("n_heads = 9223372036854775807");
//   - that its outputs are unchanged: buffers are filled with a poison
//     pattern before the call and must still hold it; a returned value must
//     be the documented error value when the call returned (no exceptions),
//     and is never assigned when it threw.
// The cases are the defects of issue 8 that concern the specs (defect 5, the
// size part of 9, the messages of 10, the scaling defaults) and the encodings
// (defects 7, 8, 9, 10).
#ifndef ROPEKIT_TESTS_HOSTILE_CASES_HPP
#define ROPEKIT_TESTS_HOSTILE_CASES_HPP

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <ropekit/encodings.hpp>
#include <ropekit/ropekit.hpp>

namespace hostile {

struct Case {
  std::string name;                  ///< test name (letters, digits, _)
  std::vector<std::string> needles;  ///< substrings of the message
  std::function<void()> call;        ///< the rejected call
  std::function<bool()> unchanged;   ///< outputs as required after the call (returned or thrown)
};

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

/// The poison written into output buffers: a NaN with a payload no
/// computation produces, compared by bits.
inline float poison() {
  const std::uint32_t bits = 0x7fa5c3e1u;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}
inline bool all_poison(const std::vector<float>& v) {
  const float p = poison();
  for (const float& x : v)
    if (std::memcmp(&x, &p, sizeof x) != 0) return false;
  return true;
}

/// A case whose call returns a value: `on_error` is what it must return
/// after the error handler; `same` compares two results.
template <class R, class F, class Same>
Case returning(std::string name, std::vector<std::string> needles, F f, R poisoned, R on_error, Same same) {
  struct State {
    R result;
    bool returned = false;
  };
  auto st = std::make_shared<State>(State{poisoned, false});
  return Case{std::move(name), std::move(needles),
              [st, f, poisoned] {
                st->result = poisoned;
                st->returned = false;
                st->result = f();
                st->returned = true;
              },
              [st, poisoned, on_error, same] { return same(st->result, st->returned ? on_error : poisoned); }};
}

/// A case whose call writes into a buffer of `size` floats (exactly the size
/// the call would need if it were valid, or a token one when that is absurd):
/// the buffer must keep its poison.
template <class F>
Case writing(std::string name, std::vector<std::string> needles, std::size_t size, F f) {
  auto buffer = std::make_shared<std::vector<float>>();
  return Case{std::move(name), std::move(needles),
              [buffer, size, f] {
                buffer->assign(size, poison());
                f(buffer->data());
              },
              [buffer] { return all_poison(*buffer); }};
}

inline bool same_table(const ropekit::Frequencies& a, const ropekit::Frequencies& b) {
  return a.inv_freq.size() == b.inv_freq.size() &&
         (a.inv_freq.empty() ||
          std::memcmp(a.inv_freq.data(), b.inv_freq.data(), a.inv_freq.size() * sizeof(float)) == 0) &&
         std::memcmp(&a.attention_factor, &b.attention_factor, sizeof(float)) == 0;
}
inline bool same_matrix(const ropekit::RowMatrixXf& a, const ropekit::RowMatrixXf& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         (a.size() == 0 || std::memcmp(a.data(), b.data(), std::size_t(a.size()) * sizeof(float)) == 0);
}
template <class T>
bool equal(const T& a, const T& b) {
  return a == b;
}
inline bool same_floats(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}
inline bool same_double(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

/// A poisoned (non-empty) table, and the empty one frequencies() returns after an error.
inline ropekit::Frequencies poisoned_table() { return ropekit::Frequencies{{poison(), poison()}, poison()}; }

inline ropekit::RopeSpec make_spec(ropekit::Scaling s, std::int64_t dim = 128, double base = 10000.0) {
  ropekit::RopeSpec r;
  r.rotary_dim = dim;
  r.base = base;
  r.scaling = std::move(s);
  return r;
}

/// frequencies(spec, seq_len) must be rejected with these needles.
inline Case spec_case(std::string name, ropekit::RopeSpec spec, std::vector<std::string> needles,
                      std::int64_t seq_len = 0) {
  return returning(
      std::move(name), std::move(needles), [spec, seq_len] { return ropekit::frequencies(spec, seq_len); },
      poisoned_table(), ropekit::Frequencies{}, same_table);
}

// ---------------------------------------------------------------------------
// Specs (defect 5; sizes of defect 9; messages of defect 10; the defaults).
// ---------------------------------------------------------------------------
inline std::vector<Case> spec_cases() {
  namespace scaling = ropekit::scaling;
  std::vector<Case> c;
  // Frequencies that would be infinite, NaN, zero or negative.
  c.push_back(spec_case("LinearTinyFactorWouldGiveInfinity", make_spec(scaling::Linear{1e-300}),
                        {"scaling::Linear", "factor = 1e-300"}));
  c.push_back(spec_case("LinearHugeFactorWouldGiveZero", make_spec(scaling::Linear{1e300}),
                        {"scaling::Linear", "factor = 1e+300"}));
  c.push_back(spec_case("LinearFactorSubnormalInFloat", make_spec(scaling::Linear{1e-39}),
                        {"scaling::Linear", "factor = 1e-39", "normal float32"}));
  c.push_back(spec_case("LinearFactorUnderflowsTheLowestPair", make_spec(scaling::Linear{1e35}),
                        {"scaling::Linear", "factor = 1e+35", "inv_freq["}));
  c.push_back(spec_case("LinearNegativeFactorPrintsItsValue", make_spec(scaling::Linear{-1e-7}),
                        {"scaling::Linear: factor = -1e-07 must be finite and > 0"}));
  c.push_back(spec_case("NtkByPartsTinyFactorWouldGiveNaN", make_spec(scaling::NtkByParts{1e-300, 4096}),
                        {"scaling::NtkByParts", "factor = 1e-300"}));
  c.push_back(spec_case("YarnTinyFactorWouldGiveNaN", make_spec(scaling::Yarn{1e-300, 4096}),
                        {"scaling::Yarn", "factor = 1e-300"}));
  c.push_back(spec_case("NtkByPartsFactorOverflowsTheInterpolatedPairs",
                        make_spec(scaling::NtkByParts{3e38, 4096}, 128, 1e30),
                        {"scaling::NtkByParts", "factor = 3e+38", "interpolated frequency"}));
  {
    scaling::Yarn y{8.0, 4096};
    y.attention_factor = 1e300;
    c.push_back(spec_case("YarnHugeAttentionFactor", make_spec(y), {"scaling::Yarn", "attention_factor = 1e+300"}));
    y.attention_factor = 1e-300;
    c.push_back(spec_case("YarnTinyAttentionFactor", make_spec(y), {"scaling::Yarn", "attention_factor = 1e-300"}));
    y.attention_factor = -1.0;
    c.push_back(spec_case("YarnNegativeAttentionFactor", make_spec(y), {"scaling::Yarn", "attention_factor = -1"}));
  }
  {
    scaling::Yarn y{40.0, 4096};
    y.mscale = kNaN;
    y.mscale_all_dim = 1.0;
    c.push_back(spec_case("YarnNaNMscale", make_spec(y), {"scaling::Yarn", "mscale = nan"}));
    y.mscale = 1.0;
    y.mscale_all_dim = kInf;
    c.push_back(spec_case("YarnInfiniteMscaleAllDim", make_spec(y), {"scaling::Yarn", "mscale_all_dim = inf"}));
    y.factor = 1e5;  // 0.1 * -1 * ln(1e5) + 1 = -0.15: the divisor is negative
    y.mscale_all_dim = -1.0;
    c.push_back(spec_case("YarnMscaleAllDimGivesANegativeDivisor", make_spec(y),
                          {"scaling::Yarn", "mscale_all_dim = -1", "must be > 0"}));
    y.factor = 1000.0;  // 0.1 * -2 * ln(1000) + 1 = -0.38
    y.mscale = -2.0;
    y.mscale_all_dim = 1.0;
    c.push_back(spec_case("YarnNegativeMscaleGivesANegativeFactor", make_spec(y),
                          {"scaling::Yarn", "mscale = -2", "must be > 0"}));
    y.mscale = 1e308;
    c.push_back(spec_case("YarnHugeMscaleOverflowsTheFactor", make_spec(y),
                          {"scaling::Yarn", "mscale, mscale_all_dim = 1e+308, 1", "attention_factor = inf"}));
  }
  {
    scaling::NtkByParts p{8.0, 4096};
    p.beta_slow = 1e-308;  // 4096 / (2 pi 1e-308) overflows: an infinite correction dimension
    c.push_back(spec_case("NtkByPartsTinyBetaSlow", make_spec(p), {"scaling::NtkByParts", "beta_slow = 1e-308"}));
    p.beta_slow = 1.0;
    p.beta_fast = 1e308;
    c.push_back(spec_case("NtkByPartsHugeBetaFast", make_spec(p), {"scaling::NtkByParts", "beta_fast = 1e+308"}));
    p.beta_fast = kNaN;
    c.push_back(spec_case("NtkByPartsNaNBetaFast", make_spec(p), {"scaling::NtkByParts", "beta_fast = nan"}));
    p.beta_fast = 0.5;
    c.push_back(spec_case("NtkByPartsBetaFastBelowBetaSlow", make_spec(p),
                          {"scaling::NtkByParts", "beta_fast = 0.5 must be > beta_slow = 1"}));
  }
  c.push_back(spec_case("NtkAwareTinyAlphaGivesABaseBelowOne", make_spec(scaling::NtkAware{1e-300}),
                        {"scaling::NtkAware", "alpha = 1e-300", "adjusted base"}));
  c.push_back(spec_case("NtkAwareHugeAlphaOverflowsTheBase", make_spec(scaling::NtkAware{1e300}),
                        {"scaling::NtkAware", "alpha = 1e+300", "adjusted base"}));
  c.push_back(spec_case("DynamicNtkLongSequenceOverflowsTheBase", make_spec(scaling::DynamicNtk{2.0, 1}, 128, 1e30),
                        {"scaling::DynamicNtk", "factor = 2 at seq_len = 9223372036854775807", "adjusted base"}, kMax));
  c.push_back(spec_case("DynamicNtkHugeFactor", make_spec(scaling::DynamicNtk{1e300, 4096}),
                        {"scaling::DynamicNtk", "factor = 1e+300 at seq_len = 8192"}, 8192));
  c.push_back(spec_case("Llama3TinyFactor", make_spec(scaling::Llama3{1e-300, 1.0, 4.0, 8192}),
                        {"scaling::Llama3", "factor = 1e-300"}));
  c.push_back(spec_case("Llama3FactorsTooCloseToBlend",
                        make_spec(scaling::Llama3{8.0, 1e-30, std::nextafter(1e-30, 1.0), 8192}),
                        {"scaling::Llama3", "high_freq_factor = 1.0000000000000003e-30", "low_freq_factor = 1e-30"}));
  c.push_back(spec_case("Llama3NaNLowFreqFactor", make_spec(scaling::Llama3{8.0, kNaN, 4.0, 8192}),
                        {"scaling::Llama3", "low_freq_factor = nan"}));
  {
    scaling::LongRope l{std::vector<double>(64, 1.0), std::vector<double>(64, 1.0), 4096};
    l.short_factor[3] = 1e-300;
    c.push_back(
        spec_case("LongRopeTinyShortFactorEntry", make_spec(l), {"scaling::LongRope", "short_factor[3] = 1e-300"}));
    l.short_factor[3] = 1.0;
    l.long_factor[5] = kNaN;  // checked even when seq_len selects the short list
    c.push_back(spec_case("LongRopeNaNLongFactorEntry", make_spec(l), {"scaling::LongRope", "long_factor[5] = nan"}));
    l.long_factor[5] = 1.0;
    l.long_factor[63] = 1e37;  // 1e37 * 10000^(126/128) overflows float32: the frequency would be 0
    c.push_back(spec_case("LongRopeHugeLongFactorEntry", make_spec(l),
                          {"scaling::LongRope", "long_factor[63] = 1e+37", "inv_freq[63] = 0"}));
    l.long_factor[63] = 1.0;
    l.attention_factor = 0.0;
    c.push_back(spec_case("LongRopeZeroAttentionFactor", make_spec(l), {"scaling::LongRope", "attention_factor = 0"}));
    l.attention_factor.reset();
    l.factor = -4.0;
    c.push_back(spec_case("LongRopeNegativeFactor", make_spec(l), {"scaling::LongRope", "factor = -4"}));
    l.factor.reset();
    l.original_max_position_embeddings = 1;
    c.push_back(spec_case("LongRopeOriginalOfOne", make_spec(l),
                          {"scaling::LongRope", "original_max_position_embeddings = 1"}));
  }
  c.push_back(spec_case("ProportionalRotatingNoPair", make_spec(scaling::Proportional{0.001}),
                        {"scaling::Proportional", "partial_rotary_factor = 0.001", "rotates no pair"}));
  c.push_back(spec_case("ProportionalNaNFraction", make_spec(scaling::Proportional{kNaN}),
                        {"scaling::Proportional", "partial_rotary_factor = nan"}));
  c.push_back(spec_case("ProportionalTinyFactor", make_spec(scaling::Proportional{0.5, 1e-300}),
                        {"scaling::Proportional", "factor = 1e-300"}));
  // The spec itself.
  c.push_back(spec_case("RotaryDimThatCannotBeAllocated", make_spec(scaling::None{}, std::int64_t(1) << 62),
                        {"ropekit::frequencies", "rotary_dim = 4611686018427387904", "65536"}));
  c.push_back(spec_case("RotaryDimJustAboveTheLimit", make_spec(scaling::None{}, 65538),
                        {"ropekit::frequencies", "rotary_dim = 65538"}));
  c.push_back(
      spec_case("BaseBeyondFloat", make_spec(scaling::None{}, 128, 1e300), {"ropekit::frequencies", "base = 1e+300"}));
  c.push_back(spec_case("BaseWhoseLowestFrequencyIsNotNormal", make_spec(scaling::None{}, 65536, 3.4e38),
                        {"ropekit::frequencies", "base = 3.4e+38", "below the smallest normal float32"}));
  c.push_back(spec_case("BaseNaN", make_spec(scaling::None{}, 128, kNaN), {"ropekit::frequencies", "base = nan"}));
  c.push_back(spec_case("BaseJustBelowOne", make_spec(scaling::None{}, 128, 0.9999999),
                        {"ropekit::frequencies", "base = 0.9999999 must be finite and > 1"}));
  c.push_back(spec_case("NegativeSeqLen", make_spec(scaling::None{}), {"ropekit::frequencies", "seq_len = -1"}, -1));
  // Default-constructed structs name every field to set.
  c.push_back(spec_case("DefaultLinear", make_spec(scaling::Linear{}), {"scaling::Linear: factor = 0 is not set"}));
  c.push_back(
      spec_case("DefaultNtkAware", make_spec(scaling::NtkAware{}), {"scaling::NtkAware: alpha = 0 is not set"}));
  c.push_back(spec_case("DefaultDynamicNtk", make_spec(scaling::DynamicNtk{}),
                        {"scaling::DynamicNtk: factor = 0, original_max_position_embeddings = 0 are not set"}));
  c.push_back(spec_case("DefaultNtkByParts", make_spec(scaling::NtkByParts{}),
                        {"scaling::NtkByParts: factor = 0, original_max_position_embeddings = 0 are not set"}));
  c.push_back(spec_case("DefaultYarn", make_spec(scaling::Yarn{}),
                        {"scaling::Yarn: factor = 0, original_max_position_embeddings = 0 are not set"}));
  c.push_back(spec_case("DefaultLlama3", make_spec(scaling::Llama3{}),
                        {"scaling::Llama3: factor = 0, low_freq_factor = 0, high_freq_factor = 0, "
                         "original_max_position_embeddings = 0 are not set"}));
  c.push_back(spec_case("DefaultLongRope", make_spec(scaling::LongRope{}),
                        {"scaling::LongRope: short_factor = empty, long_factor = empty, "
                         "original_max_position_embeddings = 0 are not set"}));
  c.push_back(spec_case("DefaultProportional", make_spec(scaling::Proportional{}),
                        {"scaling::Proportional: partial_rotary_factor = 0 is not set"}));
  c.push_back(spec_case("PartlySetYarn", make_spec(scaling::Yarn{4.0}),
                        {"scaling::Yarn: original_max_position_embeddings = 0 is not set"}));
  // A caller's table with a NaN (validate, used by apply and the analysis).
  c.push_back(returning(
      "ValidateNaNEntry", {"ropekit::validate", "frequencies.inv_freq[1] = nan must be finite and >= 0"},
      [] {
        return ropekit::validate(ropekit::Frequencies{{1.0f, float(kNaN)}, 1.0f}) ? 1 : 0;
      },
      7, 0, equal<int>));
  c.push_back(returning(
      "ValidateNegativeEntry", {"ropekit::validate", "frequencies.inv_freq[0] = -1e-45"},
      [] {
        return ropekit::validate(ropekit::Frequencies{{-1e-45f}, 1.0f}) ? 1 : 0;
      },
      7, 0, equal<int>));
  return c;
}

// ---------------------------------------------------------------------------
// Encodings (defects 7, 8, 9, 10).
// ---------------------------------------------------------------------------
inline std::vector<Case> encoding_cases() {
  using ropekit::RowMatrixXf;
  using ropekit::SinusoidalLayout;
  std::vector<Case> c;
  const auto bad_layout = static_cast<SinusoidalLayout>(5);

  // ALiBi.
  c.push_back(returning(
      "AlibiSlopesOfInt64MaxHeads", {"ropekit::alibi_slopes", "n_heads = 9223372036854775807"},
      [] { return ropekit::alibi_slopes(kMax); }, std::vector<float>{poison()}, std::vector<float>{}, same_floats));
  c.push_back(returning(
      "AlibiSlopesAboveTheLimit", {"ropekit::alibi_slopes", "n_heads = 65537"},
      [] { return ropekit::alibi_slopes(65537); }, std::vector<float>{poison()}, std::vector<float>{}, same_floats));
  c.push_back(writing("AlibiBiasKeyPositionsBeyondInt64", {"ropekit::alibi_bias", "k_offset = 9223372036854775807"}, 4,
                      [](float* out) { ropekit::alibi_bias({0.5f}, 2, 2, 0, kMax, out); }));
  c.push_back(writing("AlibiBiasDistanceBeyondInt64", {"ropekit::alibi_bias", "key positions = [9223372036854775807"},
                      1, [](float* out) { ropekit::alibi_bias({0.5f}, 1, 1, -2, kMax, out); }));
  c.push_back(writing("AlibiBiasQueryPositionsBeyondInt64", {"ropekit::alibi_bias", "q_offset = 9223372036854775806"},
                      3, [](float* out) { ropekit::alibi_bias({0.5f}, 3, 1, kMax - 1, 0, out, false); }));
  c.push_back(writing("AlibiBiasOutputLargerThanAnArray",
                      {"ropekit::alibi_bias", "n_heads x q_len x k_len = 2 x 4611686018427387904 x 1"}, 1,
                      [](float* out) {
                        ropekit::alibi_bias({0.5f, 0.25f}, std::int64_t(1) << 62, 1, 0, 0, out);
                      }));
  c.push_back(writing("AlibiBiasNaNSlope", {"ropekit::alibi_bias", "slopes[1] = nan"}, 4, [](float* out) {
    ropekit::alibi_bias({0.5f, float(kNaN)}, 1, 2, 0, 0, out);
  }));
  // T5.
  c.push_back(writing("T5BiasKeyPositionsBeyondInt64",
                      {"ropekit::t5_relative_position_bias", "k_offset = 9223372036854775807"}, 2, [](float* out) {
                        const std::vector<float> table(32, 1.0f);
                        ropekit::t5_relative_position_bias(table.data(), 32, 1, true, 128, 1, 2, 0, kMax, out);
                      }));
  c.push_back(writing("T5BiasRelativePositionsBeyondInt64",
                      {"ropekit::t5_relative_position_bias", "key positions = [9223372036854775807"}, 1,
                      [](float* out) {
                        const std::vector<float> table(32, 1.0f);
                        ropekit::t5_relative_position_bias(table.data(), 32, 1, true, 128, 1, 1, -1, kMax, out);
                      }));
  c.push_back(writing("T5BiasOutputLargerThanAnArray",
                      {"ropekit::t5_relative_position_bias", "n_heads x q_len x k_len = 4 x 4611686018427387904 x 2"},
                      1, [](float* out) {
                        const std::vector<float> table(128, 1.0f);
                        ropekit::t5_relative_position_bias(table.data(), 32, 4, true, 128, std::int64_t(1) << 62, 2, 0,
                                                           0, out);
                      }));
  c.push_back(writing(
      "T5BiasTableLargerThanAnArray",
      {"ropekit::t5_relative_position_bias", "num_buckets x n_heads = 4611686018427387904 x 4"}, 1, [](float* out) {
        const std::vector<float> table(16, 1.0f);
        ropekit::t5_relative_position_bias(table.data(), std::int64_t(1) << 62, 4, false, kMax, 1, 1, 0, 0, out);
      }));
  c.push_back(returning(
      "T5BucketLogRatioZeroInFloat", {"ropekit::t5_relative_position_bucket", "max_distance = 2305843009213693953"},
      [] {
        return ropekit::t5_relative_position_bucket(-5, false, std::int64_t(1) << 62, (std::int64_t(1) << 61) + 1);
      },
      std::int64_t(-7), std::int64_t(0), equal<std::int64_t>));
  // DeBERTa.
  c.push_back(returning(
      "DebertaLogRatioZeroInFloat", {"ropekit::deberta_log_bucket_position", "max_position = 1099511627778"},
      [] { return ropekit::deberta_log_bucket_position(kMin, std::int64_t(1) << 41, (std::int64_t(1) << 40) + 2); },
      std::int64_t(-7), std::int64_t(0), equal<std::int64_t>));
  // Sinusoidal.
  c.push_back(writing("SinusoidalLayoutOutOfRange", {"ropekit::sinusoidal_table", "layout = 5"}, 2 * 8,
                      [=](float* out) { ropekit::sinusoidal_table(out, 2, 8, bad_layout); }));
  c.push_back(
      writing("SinusoidalOffsetBeyondInt64", {"ropekit::sinusoidal_table", "offset = 9223372036854775807"}, 2 * 8,
              [](float* out) { ropekit::sinusoidal_table(out, 2, 8, SinusoidalLayout::interleaved, 10000.0, kMax); }));
  c.push_back(writing("SinusoidalTableLargerThanAnArray",
                      {"ropekit::sinusoidal_table", "n_positions x dim = 4611686018427387904 x 8"}, 1,
                      [](float* out) { ropekit::sinusoidal_table(out, std::int64_t(1) << 62, 8); }));
  c.push_back(writing("SinusoidalNaNBase", {"ropekit::sinusoidal_table", "base = nan"}, 8,
                      [](float* out) { ropekit::sinusoidal_table(out, 1, 8, SinusoidalLayout::concatenated, kNaN); }));
  c.push_back(returning(
      "SinusoidalMatrixTooLargeToAllocate",
      {"ropekit::sinusoidal_table", "n_positions x dim = 1099511627776 x 64", "too large to allocate"},
      [] { return ropekit::sinusoidal_table(std::int64_t(1) << 40, 64); },
      RowMatrixXf(RowMatrixXf::Constant(1, 1, poison())), RowMatrixXf(), same_matrix));
  c.push_back(returning(
      "SinusoidalMatrixLayoutOutOfRange", {"ropekit::sinusoidal_table", "layout = 5"},
      [=] { return ropekit::sinusoidal_table(3, 8, bad_layout); }, RowMatrixXf(RowMatrixXf::Constant(1, 1, poison())),
      RowMatrixXf(), same_matrix));
  c.push_back(returning(
      "SinusoidalMatrixOddDim", {"ropekit::sinusoidal_table", "dim = 7"},
      [] { return ropekit::sinusoidal_table(3, 7); }, RowMatrixXf(RowMatrixXf::Constant(1, 1, poison())), RowMatrixXf(),
      same_matrix));
  c.push_back(returning(
      "SinusoidalMatrixOffsetBeyondInt64", {"ropekit::sinusoidal_table", "offset = 9223372036854775806"},
      [] { return ropekit::sinusoidal_table(3, 8, SinusoidalLayout::interleaved, 10000.0, kMax - 1); },
      RowMatrixXf(RowMatrixXf::Constant(1, 1, poison())), RowMatrixXf(), same_matrix));
  c.push_back(
      writing("AddSinusoidalLayoutOutOfRange", {"ropekit::add_sinusoidal", "layout = 5"}, 2 * 8, [=](float* out) {
        const std::int64_t positions[2] = {0, 1};
        ropekit::add_sinusoidal(Eigen::Map<RowMatrixXf>(out, 2, 8), positions, bad_layout);
      }));
  c.push_back(writing("AddSinusoidalNullPositions", {"ropekit::add_sinusoidal", "positions = nullptr"}, 2 * 8,
                      [](float* out) { ropekit::add_sinusoidal(Eigen::Map<RowMatrixXf>(out, 2, 8), nullptr); }));
  // Learned positions.
  c.push_back(returning(
      "LearnedPolicyOutOfRange", {"ropekit::LearnedPositions", "policy = 9"},
      [] {
        const ropekit::LearnedPositions learned(RowMatrixXf::Ones(4, 2), static_cast<ropekit::OutOfRange>(9));
        return learned.max_positions();
      },
      std::int64_t(-7), std::int64_t(0), equal<std::int64_t>));
  c.push_back(writing("LearnedLookupBeyondTheTable",
                      {"ropekit::LearnedPositions::lookup", "positions[1] = 9223372036854775807"}, 2 * 2,
                      [](float* out) {
                        const ropekit::LearnedPositions learned(RowMatrixXf::Ones(4, 2));
                        const std::int64_t positions[2] = {0, kMax};
                        learned.lookup(positions, Eigen::Map<RowMatrixXf>(out, 2, 2));
                      }));
  c.push_back(writing("LearnedAddNegativePosition",
                      {"ropekit::LearnedPositions::add_to", "positions[0] = -9223372036854775808"}, 2, [](float* out) {
                        const ropekit::LearnedPositions learned(RowMatrixXf::Ones(4, 2));
                        const std::int64_t positions[1] = {kMin};
                        learned.add_to(positions, Eigen::Map<RowMatrixXf>(out, 1, 2));
                      }));
  // ReRoPE.
  c.push_back(returning(
      "LeakyReropeLeakJustBelowOne", {"ropekit::leaky_rerope_position", "leak = 0.9999999 must be >= 1"},
      [] { return ropekit::leaky_rerope_position(10, 4, 0.9999999); }, -7.0, 0.0, same_double));
  c.push_back(returning(
      "LeakyReropeNaNLeak", {"ropekit::leaky_rerope_position", "leak = nan"},
      [] { return ropekit::leaky_rerope_position(10, 4, kNaN); }, -7.0, 0.0, same_double));
  {
    ropekit::RopeSpec spec;
    spec.rotary_dim = 32;
    const ropekit::Frequencies f = ropekit::frequencies(spec);
    const RowMatrixXf q = RowMatrixXf::Ones(3, 32), k = RowMatrixXf::Ones(4, 32), narrow = RowMatrixXf::Ones(3, 16);
    const std::vector<std::int64_t> qp = {4, 5, 6}, kp = {0, 1, 2, 3};
    const auto logits = [&](std::string name, std::vector<std::string> needles, std::function<RowMatrixXf()> call) {
      c.push_back(returning(std::move(name), std::move(needles), std::move(call),
                            RowMatrixXf(RowMatrixXf::Constant(1, 1, poison())), RowMatrixXf(), same_matrix));
    };
    logits("ReropeLogitsNullQueryPositions", {"ropekit::rerope_logits", "q_positions = nullptr"},
           [=] { return ropekit::rerope_logits(ropekit::Pairing::neox, f, q, nullptr, k, kp.data(), 2, 4.0); });
    logits("ReropeLogitsNullKeyPositions", {"ropekit::rerope_logits", "k_positions = nullptr"},
           [=] { return ropekit::rerope_logits(ropekit::Pairing::neox, f, q, qp.data(), k, nullptr, 2, 4.0); });
    logits("ReropeLogitsHeadDimBelowRotaryDim", {"ropekit::rerope_logits", "q.cols() = 16", "rotary_dim = 32"}, [=] {
      const RowMatrixXf narrow_k = RowMatrixXf::Ones(4, 16);
      return ropekit::rerope_logits(ropekit::Pairing::neox, f, narrow, qp.data(), narrow_k, kp.data(), 2, 4.0);
    });
    logits("ReropeLogitsHeadDimsDiffer", {"ropekit::rerope_logits", "k.cols() = 16", "q.cols() = 32"}, [=] {
      const RowMatrixXf narrow_k = RowMatrixXf::Ones(4, 16);
      return ropekit::rerope_logits(ropekit::Pairing::neox, f, q, qp.data(), narrow_k, kp.data(), 2, 4.0);
    });
    logits("ReropeLogitsPairingOutOfRange", {"ropekit::rerope_logits", "pairing = 7"}, [=] {
      return ropekit::rerope_logits(static_cast<ropekit::Pairing>(7), f, q, qp.data(), k, kp.data(), 2, 4.0);
    });
    logits("ReropeLogitsLeakJustBelowOne", {"ropekit::rerope_logits", "leak = 0.9999999"},
           [=] { return ropekit::rerope_logits(ropekit::Pairing::neox, f, q, qp.data(), k, kp.data(), 2, 0.9999999); });
    logits("ReropeLogitsDifferenceBeyondInt64", {"ropekit::rerope_logits", "q_positions = [", "beyond the int64 range"},
           [=] {
             const std::vector<std::int64_t> far_q = {kMax, 0, 1}, far_k = {-1, 0, 1, 2};
             return ropekit::rerope_logits(ropekit::Pairing::neox, f, q, far_q.data(), k, far_k.data(), 2, 4.0);
           });
    logits("ReropeLogitsNaNTable", {"ropekit::rerope_logits", "frequencies.inv_freq[0] = nan"}, [=] {
      const ropekit::Frequencies bad{std::vector<float>(16, float(kNaN)), 1.0f};
      return ropekit::rerope_logits(ropekit::Pairing::neox, bad, q, qp.data(), k, kp.data(), 2, 4.0);
    });
    logits("ReropeLogitsTooLargeToAllocate", {"ropekit::rerope_logits", "q.rows() x k.rows() = 65536 x 32768"}, [=] {
      const RowMatrixXf tall_q = RowMatrixXf::Zero(65536, 2), tall_k = RowMatrixXf::Zero(32768, 2);
      const std::vector<std::int64_t> tq(65536, 0), tk(32768, 0);
      ropekit::RopeSpec two;
      two.rotary_dim = 2;
      return ropekit::rerope_logits(ropekit::Pairing::neox, ropekit::frequencies(two), tall_q, tq.data(), tall_k,
                                    tk.data(), 2, 4.0);
    });
  }
  // Analysis.
  c.push_back(returning(
      "DecayBoundOfInt64MaxDistance", {"ropekit::rope_decay_bound", "max_distance = 9223372036854775807"},
      [] {
        return ropekit::rope_decay_bound(ropekit::Frequencies{{0.5f}, 1.0f}, kMax);
      },
      std::vector<double>{-7.0}, std::vector<double>{}, equal<std::vector<double>>));
  c.push_back(returning(
      "DecayBoundAboveTheLimit", {"ropekit::rope_decay_bound", "max_distance = 16777217"},
      [] {
        return ropekit::rope_decay_bound(ropekit::Frequencies{{0.5f}, 1.0f}, (1 << 24) + 1);
      },
      std::vector<double>{-7.0}, std::vector<double>{}, equal<std::vector<double>>));
  c.push_back(returning(
      "WavelengthsOfANaNTable", {"ropekit::wavelengths", "frequencies.inv_freq[0] = nan"},
      [] {
        return ropekit::wavelengths(ropekit::Frequencies{{float(kNaN)}, 1.0f});
      },
      std::vector<double>{-7.0}, std::vector<double>{}, equal<std::vector<double>>));
  c.push_back(returning(
      "PairRegimeNameOutOfRange", {"ropekit::to_string", "regime = 7"},
      [] { return std::string(ropekit::to_string(static_cast<ropekit::PairRegime>(7))); }, std::string("poison"),
      std::string(), equal<std::string>));
  c.push_back(returning(
      "PairRegimesOfADefaultYarn", {"scaling::Yarn", "not set"},
      [] { return ropekit::pair_regimes(make_spec(ropekit::scaling::Yarn{})); },
      std::vector<ropekit::PairRegime>{ropekit::PairRegime::blended}, std::vector<ropekit::PairRegime>{},
      equal<std::vector<ropekit::PairRegime>>));
  return c;
}

/// A gtest-friendly name: letters, digits and _ only.
inline std::string test_name(const std::string& name) {
  std::string out;
  for (char ch : name) out += (std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_');
  return out;
}

}  // namespace hostile

#endif  // ROPEKIT_TESTS_HOSTILE_CASES_HPP
