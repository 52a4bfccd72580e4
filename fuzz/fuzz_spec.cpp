// libFuzzer target: arbitrary RopeSpecs -> ropekit::frequencies.
//
// A finding is a crash, a sanitizer report (ASan + UBSan), an exception other
// than ropekit::error, or a violated property:
//   - an accepted table has rotary_dim / 2 entries, each a finite, normal
//     float32 > 0 (Proportional: exactly 0 for the pairs that do not rotate),
//     a finite, normal attention factor > 0, and `validate` accepts it;
//   - a rejection's message starts with the function or method and names a
//     field with its value ("<who>: <field> = <value> ...");
//   - the same source compiled with -ffast-math (ROPEKIT_FUZZ_FAST_MATH_OBJECT,
//     linked into the same binary, see specs.cmake) accepts and rejects the
//     same specs with the same message and returns the same bits.
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <ropekit/frequencies.hpp>

/// What frequencies() gave: values (inv_freq, then the attention factor) or
/// the error message.
struct FuzzSpecOutcome {
  std::vector<float> values;
  std::string error;
};

/// frequencies() compiled with -ffast-math (defined by the other object).
FuzzSpecOutcome fuzz_spec_fast_math(const ropekit::RopeSpec& spec, std::int64_t seq_len);

#if defined(ROPEKIT_FUZZ_FAST_MATH_OBJECT)

FuzzSpecOutcome fuzz_spec_fast_math(const ropekit::RopeSpec& spec, std::int64_t seq_len) {
  FuzzSpecOutcome o;
  try {
    const ropekit::Frequencies f = ropekit::frequencies(spec, seq_len);
    o.values = f.inv_freq;
    o.values.push_back(f.attention_factor);
  } catch (const ropekit::error& e) {
    o.error = e.what();
  }
  return o;
}

#else

#  include <fuzzer/FuzzedDataProvider.h>

namespace {

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "fuzz_spec finding: %s\n", what);
  __builtin_trap();
}

/// A double: raw bits, a value on some edge, or a plausible one.
double any_double(FuzzedDataProvider& in) {
  static const double edges[] = {std::numeric_limits<double>::quiet_NaN(),
                                 std::numeric_limits<double>::infinity(),
                                 -std::numeric_limits<double>::infinity(),
                                 0.0,
                                 -0.0,
                                 std::numeric_limits<double>::denorm_min(),
                                 DBL_MIN,
                                 double(FLT_MIN),
                                 std::nextafter(double(FLT_MIN), 0.0),
                                 double(FLT_MAX),
                                 std::nextafter(double(FLT_MAX), 1e300),
                                 1e-300,
                                 1e-38,
                                 1e-7,
                                 0.9999999,
                                 1.0,
                                 std::nextafter(1.0, 2.0),
                                 std::nextafter(1.0, 0.0),
                                 22026.465794806718,
                                 1e38,
                                 1e300,
                                 DBL_MAX};
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0: {
      const auto bits = in.ConsumeIntegral<std::uint64_t>();
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return d;
    }
    case 1:
      return edges[in.ConsumeIntegralInRange<std::size_t>(0, sizeof edges / sizeof edges[0] - 1)];
    case 2:
      return in.ConsumeFloatingPointInRange<double>(-1e3, 1e3);
    default:
      return in.ConsumeFloatingPointInRange<double>(0.5, 64.0);
  }
}

/// An integer: any, or plausible (a context length, a dimension).
std::int64_t any_integer(FuzzedDataProvider& in, std::int64_t low, std::int64_t high) {
  return in.ConsumeBool() ? in.ConsumeIntegral<std::int64_t>() : in.ConsumeIntegralInRange<std::int64_t>(low, high);
}

std::optional<double> maybe_double(FuzzedDataProvider& in) {
  if (in.ConsumeBool()) return any_double(in);
  return std::nullopt;
}

ropekit::RopeSpec decode(FuzzedDataProvider& in) {
  namespace scaling = ropekit::scaling;
  ropekit::RopeSpec s;
  s.rotary_dim = in.ConsumeBool() ? 2 * in.ConsumeIntegralInRange<std::int64_t>(1, 256)
                                  : any_integer(in, -4, ropekit::max_rotary_dim + 4);
  s.base = in.ConsumeBool() ? in.ConsumeFloatingPointInRange<double>(1.0, 1e7) : any_double(in);
  switch (in.ConsumeIntegralInRange<int>(0, 8)) {
    case 0:
      s.scaling = scaling::None{};
      break;
    case 1:
      s.scaling = scaling::Linear{any_double(in)};
      break;
    case 2:
      s.scaling = scaling::NtkAware{any_double(in)};
      break;
    case 3:
      s.scaling = scaling::DynamicNtk{any_double(in), any_integer(in, 0, 1 << 20)};
      break;
    case 4: {
      scaling::NtkByParts p{any_double(in), any_integer(in, 0, 1 << 20)};
      if (in.ConsumeBool()) p.beta_fast = any_double(in);
      if (in.ConsumeBool()) p.beta_slow = any_double(in);
      s.scaling = p;
      break;
    }
    case 5: {
      scaling::Yarn y{any_double(in), any_integer(in, 0, 1 << 20)};
      if (in.ConsumeBool()) y.beta_fast = any_double(in);
      if (in.ConsumeBool()) y.beta_slow = any_double(in);
      y.mscale = maybe_double(in);
      y.mscale_all_dim = maybe_double(in);
      if (in.ConsumeIntegralInRange<int>(0, 3) == 0) y.attention_factor = any_double(in);
      y.truncate = in.ConsumeBool();
      s.scaling = y;
      break;
    }
    case 6:
      s.scaling = scaling::Llama3{any_double(in), in.ConsumeBool() ? 1.0 : any_double(in),
                                  in.ConsumeBool() ? 4.0 : any_double(in), any_integer(in, 0, 1 << 20)};
      break;
    case 7: {
      scaling::LongRope l;
      const std::int64_t pairs = s.rotary_dim > 0 && s.rotary_dim <= 512 ? s.rotary_dim / 2 : 2;
      const std::size_t n = std::size_t(in.ConsumeBool() ? pairs : in.ConsumeIntegralInRange<std::int64_t>(0, 260));
      for (std::size_t i = 0; i < n; ++i)
        l.short_factor.push_back(in.ConsumeBool() ? in.ConsumeFloatingPointInRange<double>(1.0, 100.0)
                                                  : any_double(in));
      for (std::size_t i = 0; i < n; ++i)
        l.long_factor.push_back(in.ConsumeBool() ? in.ConsumeFloatingPointInRange<double>(1.0, 100.0) : any_double(in));
      l.original_max_position_embeddings = any_integer(in, 0, 1 << 20);
      l.max_position_embeddings = any_integer(in, 0, 1 << 22);
      l.factor = maybe_double(in);
      if (in.ConsumeIntegralInRange<int>(0, 3) == 0) l.attention_factor = any_double(in);
      s.scaling = l;
      break;
    }
    default:
      s.scaling =
          scaling::Proportional{in.ConsumeBool() ? in.ConsumeFloatingPointInRange<double>(0.0, 1.0) : any_double(in),
                                in.ConsumeBool() ? 1.0 : any_double(in)};
      break;
  }
  return s;
}

bool positive_normal(float x) {
  std::uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return bits >= 0x00800000u && bits < 0x7f800000u;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const ropekit::RopeSpec spec = decode(in);
  const std::int64_t seq_len =
      in.ConsumeBool() ? in.ConsumeIntegral<std::int64_t>() : in.ConsumeIntegralInRange<std::int64_t>(0, 1 << 22);
  FuzzSpecOutcome strict;
  try {
    const ropekit::Frequencies f = ropekit::frequencies(spec, seq_len);
    if (std::int64_t(f.inv_freq.size()) * 2 != spec.rotary_dim) finding("accepted table of the wrong size");
    const bool proportional = std::holds_alternative<ropekit::scaling::Proportional>(spec.scaling);
    bool stopped = false;
    for (std::size_t i = 0; i < f.inv_freq.size(); ++i) {
      if (proportional && i > 0 && f.inv_freq[i] == 0.0f) stopped = true;
      if (stopped ? f.inv_freq[i] != 0.0f : !positive_normal(f.inv_freq[i]))
        finding("accepted table with a frequency that is not a positive normal float");
    }
    if (!positive_normal(f.attention_factor)) finding("accepted table with a bad attention factor");
    if (!ropekit::validate(f)) finding("validate rejects a table frequencies() returned");
    strict.values = f.inv_freq;
    strict.values.push_back(f.attention_factor);
  } catch (const ropekit::error& e) {
    strict.error = e.what();
    const std::string& m = strict.error;
    const bool who = m.rfind("ropekit::frequencies: ", 0) == 0 || m.rfind("scaling::", 0) == 0;
    if (!who || m.find(" = ") == std::string::npos) finding("a rejection that does not name its field and value");
  }
  const FuzzSpecOutcome fast = fuzz_spec_fast_math(spec, seq_len);
  if (strict.error != fast.error) finding("-ffast-math accepts or rejects differently");
  if (!same_bits(strict.values, fast.values)) finding("-ffast-math returns different bits");
  return 0;
}

#endif
