// A deterministic corpus of rotary specs at the edges of every field, for the
// property tests (every accepted table is valid; -ffast-math gives the same
// bits): special values (NaN, infinities, signed zeros, subnormals, the float
// range limits and their neighbours), typical model values, and random values
// spread over the whole double exponent range, for every scaling method.
#ifndef ROPEKIT_TESTS_HOSTILE_SPEC_CORPUS_HPP
#define ROPEKIT_TESTS_HOSTILE_SPEC_CORPUS_HPP

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <utility>
#include <vector>

#include <ropekit/spec.hpp>

namespace hostile {

/// Doubles that sit on an edge of some rule.
inline std::vector<double> special_doubles() {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double flt_min = double(FLT_MIN), flt_max = double(FLT_MAX);
  std::vector<double> v = {nan,
                           -nan,
                           inf,
                           -inf,
                           0.0,
                           -0.0,
                           std::numeric_limits<double>::denorm_min(),
                           1e-310,
                           DBL_MIN,
                           1e-300,
                           1e-200,
                           1e-45,
                           std::nextafter(flt_min, 0.0),
                           flt_min / 2,
                           flt_min,
                           std::nextafter(flt_min, 1.0),
                           1e-38,
                           2.9e-39,
                           1e-30,
                           1e-10,
                           1e-7,
                           0.001,
                           0.1,
                           0.5,
                           0.707,
                           0.9999999,
                           std::nextafter(1.0, 0.0),
                           1.0,
                           std::nextafter(1.0, 2.0),
                           1.0000001,
                           1.5,
                           2.0,
                           3.0,
                           4.0,
                           8.0,
                           16.0,
                           22026.465794806718,  // e^10: 0.1 * -1 * ln(x) + 1 = 0
                           32.0,
                           40.0,
                           64.0,
                           1e3,
                           1e4,
                           5e5,
                           1e6,
                           1e9,
                           1e15,
                           1e30,
                           1e37,
                           1e38,
                           flt_max,
                           std::nextafter(flt_max, inf),
                           3.4028235677973366e38,  // rounds to infinity in float32
                           1e39,
                           1e100,
                           1e300,
                           DBL_MAX};
  const std::size_t n = v.size();
  for (std::size_t i = 0; i < n; ++i)
    if (v[i] > 0 && std::isfinite(v[i]) && i % 3 == 0) v.push_back(-v[i]);
  return v;
}

/// Integers that sit on an edge of some rule.
inline std::vector<std::int64_t> special_integers() {
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  const std::int64_t min = std::numeric_limits<std::int64_t>::min();
  return {0,     1,      2,       3,         4,         7,         8,       64,  128, 1000, 2048,  4096,    8192,
          32768, 131072, 1 << 30, 1ll << 40, 1ll << 53, 1ll << 62, max - 1, max, -1,  -2,   -4096, min + 1, min};
}

/// The corpus generator: `count` random draws per method besides the specials.
class SpecCorpus {
 public:
  explicit SpecCorpus(std::uint64_t seed) : rng_(seed), doubles_(special_doubles()), integers_(special_integers()) {}

  /// A double: a special one, a typical one near a model's, or a random one
  /// with a random exponent over the whole range (or random bits).
  double any_double() {
    switch (rng_() % 4) {
      case 0:
        return doubles_[rng_() % doubles_.size()];
      case 1: {
        const double typical[] = {1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 40.0, 0.5, 0.1, 1.0 / 3.0};
        return typical[rng_() % 10];
      }
      case 2: {
        const double mantissa = 1.0 + double(rng_() >> 11) * 0x1p-53;
        const int exponent = int(rng_() % 2100) - 1075;
        return (rng_() % 8 == 0 ? -1.0 : 1.0) * std::ldexp(mantissa, exponent);
      }
      default: {
        const std::uint64_t bits = rng_();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        return d;
      }
    }
  }
  /// A double near 1 to 100 most of the time (a plausible factor), else any.
  double factor() {
    if (rng_() % 3 != 0) return std::ldexp(1.0 + double(rng_() >> 11) * 0x1p-53, int(rng_() % 8));
    return any_double();
  }
  std::int64_t any_integer() {
    if (rng_() % 2 == 0) return integers_[rng_() % integers_.size()];
    return std::int64_t(rng_() >> (rng_() % 64));
  }
  std::int64_t length() {
    const std::int64_t typical[] = {2048, 4096, 8192, 32768, 131072};
    return rng_() % 3 != 0 ? typical[rng_() % 5] : any_integer();
  }
  std::int64_t rotary_dim() {
    const std::int64_t dims[] = {2, 4, 6, 8, 16, 32, 64, 96, 128, 256, 130, 0, -2, 3, 65536, 65538, 1ll << 62};
    const std::size_t n = sizeof dims / sizeof dims[0];
    // The large and invalid ones 1 time in 16.
    return rng_() % 16 == 0 ? dims[rng_() % n] : dims[rng_() % 11];
  }
  double base() {
    const double typical[] = {10000.0, 500000.0, 1e6, 150000.0, 1.0000001, 1.0 + 0x1p-52, 2.0, 1e30, 1e38};
    return rng_() % 3 != 0 ? typical[rng_() % 9] : any_double();
  }
  std::int64_t seq_len() {
    const std::int64_t typical[] = {0, 1, 4096, 4097, 16384, 131072, 1 << 24};
    return rng_() % 2 == 0 ? typical[rng_() % 7] : any_integer();
  }
  std::optional<double> maybe(bool likely_set) {
    if (rng_() % 4 < (likely_set ? 3u : 1u)) return factor();
    return std::nullopt;
  }

  /// One random spec of method `index` (the order of ropekit::Scaling).
  ropekit::RopeSpec spec(std::size_t index) {
    namespace scaling = ropekit::scaling;
    ropekit::RopeSpec s;
    s.rotary_dim = rotary_dim();
    s.base = base();
    switch (index) {
      case 0:
        s.scaling = scaling::None{};
        break;
      case 1:
        s.scaling = scaling::Linear{factor()};
        break;
      case 2:
        s.scaling = scaling::NtkAware{factor()};
        break;
      case 3:
        s.scaling = scaling::DynamicNtk{factor(), length()};
        break;
      case 4:
        s.scaling = scaling::NtkByParts{factor(), length(), beta(32.0), beta(1.0)};
        break;
      case 5: {
        scaling::Yarn y{factor(), length(), beta(32.0), beta(1.0)};
        y.mscale = maybe(false);
        y.mscale_all_dim = maybe(false);
        if (rng_() % 8 == 0) y.attention_factor = any_double();
        y.truncate = rng_() % 2 == 0;
        if (rng_() % 4 == 0) {  // DeepSeek style, with values anywhere
          y.mscale = any_double();
          y.mscale_all_dim = any_double();
        }
        s.scaling = y;
        break;
      }
      case 6:
        s.scaling = scaling::Llama3{factor(), rng_() % 2 ? 1.0 : factor(), rng_() % 2 ? 4.0 : factor(), length()};
        break;
      case 7: {
        scaling::LongRope l;
        const std::int64_t pairs = s.rotary_dim > 0 && s.rotary_dim <= 512 ? s.rotary_dim / 2 : 4;
        const std::size_t n = std::size_t(rng_() % 16 == 0 ? pairs + 1 : pairs);
        for (std::size_t i = 0; i < n; ++i) {
          l.short_factor.push_back(rng_() % 32 == 0 ? any_double() : 1.0 + double(rng_() % 1000) / 10.0);
          l.long_factor.push_back(rng_() % 32 == 0 ? any_double() : 1.0 + double(rng_() % 1000) / 10.0);
        }
        l.original_max_position_embeddings = length();
        if (rng_() % 2) l.max_position_embeddings = length();
        l.factor = maybe(false);
        if (rng_() % 8 == 0) l.attention_factor = any_double();
        s.scaling = l;
        break;
      }
      default:
        s.scaling =
            scaling::Proportional{rng_() % 2 ? double(rng_() % 9) / 8.0 : any_double(), rng_() % 2 ? 1.0 : factor()};
        break;
    }
    return s;
  }

  std::mt19937_64& rng() { return rng_; }

 private:
  double beta(double typical) { return rng_() % 3 != 0 ? typical : any_double(); }

  std::mt19937_64 rng_;
  std::vector<double> doubles_;
  std::vector<std::int64_t> integers_;
};

/// The corpus: for each method, `per_method` random specs with a seq_len each.
inline std::vector<std::pair<ropekit::RopeSpec, std::int64_t>> spec_corpus(std::size_t per_method,
                                                                           std::uint64_t seed = 20240817) {
  SpecCorpus gen(seed);
  std::vector<std::pair<ropekit::RopeSpec, std::int64_t>> out;
  for (std::size_t m = 0; m < std::variant_size<ropekit::Scaling>::value; ++m)
    for (std::size_t i = 0; i < per_method; ++i) {
      ropekit::RopeSpec s = gen.spec(m);
      out.emplace_back(s, gen.seq_len());
    }
  return out;
}

}  // namespace hostile

#endif  // ROPEKIT_TESTS_HOSTILE_SPEC_CORPUS_HPP
