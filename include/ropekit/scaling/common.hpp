// ropekit: shared pieces of the frequency-table computations.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_SCALING_COMMON_HPP
#define ROPEKIT_SCALING_COMMON_HPP

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "../config.hpp"
#include "../detail/fp.hpp"

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

/// What every scaling method receives: the validated rotary dimension (even,
/// in [2, ropekit::max_rotary_dim]), the base (> 1, at most FLT_MAX, with a normal
/// lowest default frequency), and the sequence length the table is for (>= 0).
struct TableArgs {
  std::int64_t rotary_dim;
  double base;
  std::int64_t seq_len;
};

/// The output of one method: rotary_dim / 2 inverse frequencies (radians per
/// position) and the attention factor that scales cos and sin.
struct Table {
  std::vector<float> inv_freq;
  float attention_factor = 1.0f;
};

// ---------------------------------------------------------------------------
// Evaluation that does not depend on the floating-point flags of the
// translation unit. Each float32 step of the Hugging Face evaluation is one
// IEEE operation rounded once; under -ffast-math a compiler may reassociate,
// contract (a * b + c into one fma), replace x / y by x * (1 / y) with the
// reciprocal hoisted out of a loop, or rewrite log / pow identities, each of
// which changes the last bit of some entries. Every operand and every result
// below goes through `opaque`, an empty volatile asm statement that claims to
// modify the value in its register (a volatile store and load where inline
// asm is not available): the optimizer can not see the value, can not hoist
// or merge the statement, so it can neither combine two operations nor reuse
// a reciprocal, and each operation is evaluated exactly as written. The cost
// is a register constraint per step.
// ---------------------------------------------------------------------------

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__)) && defined(__SSE2__)
#  define ROPEKIT_OPAQUE_REGISTER(x) __asm__ __volatile__("" : "+x"(x))
#elif (defined(__GNUC__) || defined(__clang__)) && defined(__aarch64__)
#  define ROPEKIT_OPAQUE_REGISTER(x) __asm__ __volatile__("" : "+w"(x))
#endif

/// The value of x, hidden from the optimizer.
inline double opaque(double x) {
#if defined(ROPEKIT_OPAQUE_REGISTER)
  ROPEKIT_OPAQUE_REGISTER(x);
  return x;
#else
  volatile double v = x;
  return v;
#endif
}
/// The value of x, hidden from the optimizer.
inline float opaque(float x) {
#if defined(ROPEKIT_OPAQUE_REGISTER)
  ROPEKIT_OPAQUE_REGISTER(x);
  return x;
#else
  volatile float v = x;
  return v;
#endif
}

/// Rounds one double operation to float32. The operations written inside are
/// exact-in-double operations on float operands (+, -, *, / of two floats is
/// correctly rounded to float through double: 53 >= 2 * 24 + 2 bits).
inline float f32(double x) { return opaque(static_cast<float>(opaque(x))); }

/// a + b, a - b, a * b, a / b in float32, correctly rounded.
inline float add_f32(float a, float b) { return f32(double(opaque(a)) + double(opaque(b))); }
inline float sub_f32(float a, float b) { return f32(double(opaque(a)) - double(opaque(b))); }
inline float mul_f32(float a, float b) { return f32(double(opaque(a)) * double(opaque(b))); }
inline float div_f32(float a, float b) { return f32(double(opaque(a)) / double(opaque(b))); }

/// a + b, a - b, a * b, a / b in double, each one IEEE operation.
inline double add_f64(double a, double b) { return opaque(opaque(a) + opaque(b)); }
inline double sub_f64(double a, double b) { return opaque(opaque(a) - opaque(b)); }
inline double mul_f64(double a, double b) { return opaque(opaque(a) * opaque(b)); }
inline double div_f64(double a, double b) { return opaque(opaque(a) / opaque(b)); }
/// The C library's log, pow, sqrt, exp2 (compiled code: the same whatever the caller's flags).
inline double log_f64(double x) { return opaque(std::log(opaque(x))); }
inline double pow_f64(double x, double y) { return opaque(std::pow(opaque(x), opaque(y))); }
inline double sqrt_f64(double x) { return opaque(std::sqrt(opaque(x))); }
inline double exp2_f64(double x) { return opaque(std::exp2(opaque(x))); }

/// 2 pi rounded to double.
inline constexpr double two_pi = 6.283185307179586;

// Classification on the bits (see detail/fp.hpp): the same answer under
// -ffinite-math-only and with denormals-are-zero.

/// True when x is finite and > 0 (subnormals included).
inline bool positive_finite_bits(double x) {
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return bits != 0 && bits < 0x7ff0000000000000ull;
}
/// True when x is finite and > 0 (subnormals included).
inline bool positive_finite_bits(float x) {
  std::uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return bits != 0 && bits < 0x7f800000u;
}
/// True when x is < 0 (not -0, not NaN).
inline bool negative_bits(float x) {
  std::uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return bits > 0x80000000u && bits <= 0xff800000u;
}
/// True when x is a finite, positive, normal float32: [FLT_MIN, FLT_MAX].
inline bool positive_normal_bits(float x) {
  std::uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return bits >= 0x00800000u && bits < 0x7f800000u;
}
/// True when x is a finite, positive, normal double.
inline bool positive_normal_bits(double x) {
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return bits >= 0x0010000000000000ull && bits < 0x7ff0000000000000ull;
}
/// The largest finite float32, as a double.
inline constexpr double float_max = 3.4028234663852886e38;

// ---------------------------------------------------------------------------
// The float32 steps of the Hugging Face evaluation.
// ---------------------------------------------------------------------------

/// float32 pow of a float base and exponent, correctly rounded (PyTorch
/// evaluates `base ** t` in float32 with a pow accurate to about 1 ulp).
inline float pow_f32(float base, float exponent) { return f32(pow_f64(double(base), double(exponent))); }

/// The exponent 2i/dim of pair i as float32, as
/// `torch.arange(0, dim, 2).float() / dim` computes it (2i and dim are exact
/// in float32 for dim <= max_rotary_dim).
inline float pair_exponent_f32(std::int64_t i, std::int64_t dim) { return div_f32(float(2 * i), float(dim)); }

/// base^(2i/dim) in float32, the "pos_freqs" of the Hugging Face code.
inline float pos_freq_f32(double base, std::int64_t i, std::int64_t dim) {
  return pow_f32(f32(base), pair_exponent_f32(i, dim));
}

/// The default RoPE table evaluated as Hugging Face transformers does:
/// inv_freq[i] = fl32(1 / fl32(fl32(base) ^ fl32(2i / dim))).
inline std::vector<float> default_inv_freq_f32(double base, std::int64_t dim) {
  std::vector<float> inv(static_cast<std::size_t>(dim / 2));
  for (std::int64_t i = 0; i < dim / 2; ++i) inv[std::size_t(i)] = div_f32(1.0f, pos_freq_f32(base, i, dim));
  return inv;
}

// ---------------------------------------------------------------------------
// Checks. Each reports "<method>: <field> = <value> <requirement>".
// ---------------------------------------------------------------------------

/// The requirement every frequency frequencies() returns satisfies.
inline constexpr const char* frequency_requirement = "(every frequency must be a finite, normal float32 > 0)";

/// Checks that a field is finite and > 0.
inline bool check_positive(const char* method, const char* field, double value) {
  if (!positive_finite_bits(value)) {
    fail(method, field, value, "must be finite and > 0");
    return false;
  }
  return true;
}

/// Checks that a ratio-like field (a factor, alpha, a frequency multiplier)
/// is finite, > 0 and a normal number in float32, where the float32 steps use
/// it: 1e-300 would round to 0 and 1e300 to infinity.
inline bool check_factor(const char* method, const char* field, double value) {
  if (!check_positive(method, field, value)) return false;
  if (!(value <= float_max) || !positive_normal_bits(static_cast<float>(value))) {
    fail(method, field, value, "must be a normal float32, between 1.1754944e-38 and 3.4028235e+38");
    return false;
  }
  return true;
}

/// Checks original_max_position_embeddings > 0.
inline bool check_original_length(const char* method, std::int64_t original) {
  if (original <= 0) {
    fail(method, "original_max_position_embeddings", original, "must be > 0");
    return false;
  }
  return true;
}

/// Collects the required fields a default-constructed (or partly filled)
/// struct left unset, and reports them all in one message:
/// "<method>: factor = 0, original_max_position_embeddings = 0 are not set: ...".
struct Unset {
  std::string head;   ///< "a = 1, b = 2, " for all but the last unset field
  std::string last;   ///< the last unset field's name
  std::string value;  ///< and its value
  int count = 0;
  template <class V>
  void add(bool is_unset, const char* name, const V& v) {
    if (!is_unset) return;
    if (count > 0) head += last + " = " + value + ", ";
    last = name;
    value = format_value(v);
    ++count;
  }
  /// Reports and returns false when some field is unset.
  bool check(const char* method) const {
    if (count == 0) return true;
    const bool several = count > 1;
    fail(method, head + last, value,
         std::string(several ? "are" : "is") +
             " not set: a scaling struct has no default for the values that differ between models; set " +
             (several ? "them" : "it") + " from the model's rope_scaling config");
    return false;
  }
};

/// Checks that every entry of a computed table is a positive normal float32
/// (entries of index >= `zero_from` must be exactly 0 instead: Proportional's
/// pairs that do not rotate). On failure, reports `field` = `value` as the
/// cause, with the entry it spoils.
template <class V>
inline bool check_table(const char* method, const char* field, const V& value, const std::vector<float>& inv,
                        std::size_t zero_from = std::size_t(-1)) {
  for (std::size_t i = 0; i < inv.size(); ++i) {
    const bool ok = i < zero_from ? positive_normal_bits(inv[i]) : inv[i] == 0.0f;
    if (!ok) {
      fail(method, field, value,
           "is out of range for this table: it makes inv_freq[" + format_integer(i) + "] = " + format_value(inv[i]) +
               " " + frequency_requirement);
      return false;
    }
  }
  return true;
}

/// Checks an attention factor computed from `field` = `value`.
template <class V>
inline bool check_attention(const char* method, const char* field, const V& value, float attention) {
  if (!positive_normal_bits(attention)) {
    fail(method, field, value,
         "gives attention_factor = " + format_value(attention) + " (it must be a finite, normal float32 > 0)");
    return false;
  }
  return true;
}

/// Checks an NTK-adjusted base (NtkAware, DynamicNtk): > 1, finite in float32,
/// and with a normal lowest frequency, as frequencies() requires of `base`.
/// `context` follows the value in the message (e.g. "at seq_len = 16384").
template <class V>
inline bool check_adjusted_base(const char* method, const char* field, const V& value, const std::string& context,
                                double adjusted, std::int64_t dim) {
  const char* what = nullptr;
  if (!(positive_finite_bits(adjusted) && adjusted > 1.0)) {
    what = "must be finite and > 1";
  } else if (!(adjusted <= float_max)) {
    what = "must be at most the largest float32, 3.4028235e+38";
  } else if (!positive_normal_bits(div_f32(1.0f, pos_freq_f32(adjusted, dim / 2 - 1, dim)))) {
    what = "gives a lowest frequency below the smallest normal float32";
  }
  if (what == nullptr) return true;
  fail(method, field, value,
       context + (context.empty() ? "" : " ") +
           "makes the adjusted base base * ratio^(rotary_dim / (rotary_dim - 2)) = " + format_value(adjusted) +
           ", which " + what);
  return false;
}

/// True for +0 and -0: a required field left at its "not set" value.
inline bool is_zero_bits(double x) {
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return (bits << 1) == 0;
}

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_SCALING_COMMON_HPP
