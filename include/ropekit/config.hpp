// ropekit: configuration, version and error reporting.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_CONFIG_HPP
#define ROPEKIT_CONFIG_HPP

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <type_traits>

#define ROPEKIT_VERSION_MAJOR 0
#define ROPEKIT_VERSION_MINOR 1
#define ROPEKIT_VERSION_PATCH 0
/// Version as one integer: major * 10000 + minor * 100 + patch.
#define ROPEKIT_VERSION (ROPEKIT_VERSION_MAJOR * 10000 + ROPEKIT_VERSION_MINOR * 100 + ROPEKIT_VERSION_PATCH)

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#  define ROPEKIT_HAS_EXCEPTIONS 1
#else
#  define ROPEKIT_HAS_EXCEPTIONS 0
#endif

/// GCC 12.2 reports -Wmaybe-uninitialized / -Wuninitialized inside its own
/// AVX-512 intrinsics once they are inlined (the `_mm512_undefined_*` idiom,
/// GCC bug 105593, fixed in 12.3). Headers that inline intrinsics (ropekit's
/// kernels, Eigen's products) are wrapped in these so that users building with
/// -Werror are not stopped by it.
#if defined(__GNUC__) && !defined(__clang__)
#  define ROPEKIT_INTRINSICS_BEGIN                                                             \
    _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wmaybe-uninitialized\"") \
        _Pragma("GCC diagnostic ignored \"-Wuninitialized\"")
#  define ROPEKIT_INTRINSICS_END _Pragma("GCC diagnostic pop")
#else
#  define ROPEKIT_INTRINSICS_BEGIN
#  define ROPEKIT_INTRINSICS_END
#endif

/// ROPEKIT_PREFETCH_READ(address) / ROPEKIT_PREFETCH_WRITE(address): a hint
/// that the line at address will be read / written soon, to be fetched into
/// the outer caches (L2); no-ops where the compiler has no such builtin.
#if defined(__GNUC__) || defined(__clang__)
#  define ROPEKIT_PREFETCH_READ(address) __builtin_prefetch((address), 0, 2)
#  define ROPEKIT_PREFETCH_WRITE(address) __builtin_prefetch((address), 1, 2)
#else
#  define ROPEKIT_PREFETCH_READ(address) ((void)(address))
#  define ROPEKIT_PREFETCH_WRITE(address) ((void)(address))
#endif

/// ROPEKIT_LIKELY(condition) / ROPEKIT_UNLIKELY(condition): the condition,
/// with a hint that it is almost always true / false (the compiler lays the
/// common path out straight, the other out of line).
#if defined(__GNUC__) || defined(__clang__)
#  define ROPEKIT_LIKELY(condition) __builtin_expect(static_cast<bool>(condition), 1)
#  define ROPEKIT_UNLIKELY(condition) __builtin_expect(static_cast<bool>(condition), 0)
#else
#  define ROPEKIT_LIKELY(condition) static_cast<bool>(condition)
#  define ROPEKIT_UNLIKELY(condition) static_cast<bool>(condition)
#endif

// Small vector helpers the kernels call in their inner loops, and the
// lambdas of those loops (ROPEKIT_INLINE_LAMBDA, after the parameter list):
// inlined whatever the compiler's heuristics say (g++ otherwise calls the
// 16-bit store lambdas out of line, passing the batches through memory).
#if defined(__GNUC__) || defined(__clang__)
#  define ROPEKIT_INLINE inline __attribute__((always_inline))
#  define ROPEKIT_INLINE_LAMBDA __attribute__((always_inline))
#else
#  define ROPEKIT_INLINE inline
#  define ROPEKIT_INLINE_LAMBDA
#endif

// ---------------------------------------------------------------------------
// The ABI namespace. Every ropekit function (free functions, function
// templates, and the detail machinery) lives in an inline namespace whose name
// spells out the instruction-set, floating-point and exception flags of the
// translation unit that includes ropekit. Two translation units compiled with
// different flags (an engine's generic object and its -march=x86-64-v3 object,
// a -ffast-math object beside a strict one, a -fno-exceptions object beside one
// with exceptions) therefore never share the symbol of a ropekit function, and
// the linker can not hand one of them the other's machine code. Public types
// (views, specs, tables) stay in namespace ropekit proper, so they can be
// passed between such objects; their member functions are integer-only or are
// keyed the same way (ROPEKIT_ABI_KEYED). Users never write the name: lookup
// of ropekit::apply finds it through the inline namespace.
// ---------------------------------------------------------------------------
#define ROPEKIT_PP_CAT_(a, b) a##b
#define ROPEKIT_PP_CAT(a, b) ROPEKIT_PP_CAT_(a, b)
#define ROPEKIT_PP_CAT8(a, b, c, d, e, f, g, h)                              \
  ROPEKIT_PP_CAT(ROPEKIT_PP_CAT(ROPEKIT_PP_CAT(a, b), ROPEKIT_PP_CAT(c, d)), \
                 ROPEKIT_PP_CAT(ROPEKIT_PP_CAT(e, f), ROPEKIT_PP_CAT(g, h)))

#if defined(__x86_64__) || defined(__i386__) || defined(_M_X64)
#  define ROPEKIT_ABI_ARCH x86_
#  if defined(__SSE3__)
#    define ROPEKIT_ABI_B0 1
#  else
#    define ROPEKIT_ABI_B0 0
#  endif
#  if defined(__SSSE3__)
#    define ROPEKIT_ABI_B1 1
#  else
#    define ROPEKIT_ABI_B1 0
#  endif
#  if defined(__SSE4_1__)
#    define ROPEKIT_ABI_B2 1
#  else
#    define ROPEKIT_ABI_B2 0
#  endif
#  if defined(__SSE4_2__) || defined(__POPCNT__)
#    define ROPEKIT_ABI_B3 1
#  else
#    define ROPEKIT_ABI_B3 0
#  endif
#  if defined(__AVX__)
#    define ROPEKIT_ABI_B4 1
#  else
#    define ROPEKIT_ABI_B4 0
#  endif
#  if defined(__AVX2__)
#    define ROPEKIT_ABI_B5 1
#  else
#    define ROPEKIT_ABI_B5 0
#  endif
#  if defined(__FMA__)
#    define ROPEKIT_ABI_B6 1
#  else
#    define ROPEKIT_ABI_B6 0
#  endif
#  if defined(__F16C__)
#    define ROPEKIT_ABI_B7 1
#  else
#    define ROPEKIT_ABI_B7 0
#  endif
#  if defined(__BMI__) || defined(__BMI2__) || defined(__LZCNT__) || defined(__MOVBE__)
#    define ROPEKIT_ABI_B8 1
#  else
#    define ROPEKIT_ABI_B8 0
#  endif
#  if defined(__AVX512F__)
#    define ROPEKIT_ABI_B9 1
#  else
#    define ROPEKIT_ABI_B9 0
#  endif
#  if defined(__AVX512BW__) || defined(__AVX512DQ__) || defined(__AVX512CD__)
#    define ROPEKIT_ABI_B10 1
#  else
#    define ROPEKIT_ABI_B10 0
#  endif
#  if defined(__AVX512VL__)
#    define ROPEKIT_ABI_B11 1
#  else
#    define ROPEKIT_ABI_B11 0
#  endif
#  if defined(__AVX512BF16__)
#    define ROPEKIT_ABI_B12 1
#  else
#    define ROPEKIT_ABI_B12 0
#  endif
#  if defined(__AVX512FP16__)
#    define ROPEKIT_ABI_B13 1
#  else
#    define ROPEKIT_ABI_B13 0
#  endif
#  if defined(__AVX512VBMI__) || defined(__AVX512VBMI2__) || defined(__AVX512VNNI__) || defined(__AVX512IFMA__) || \
      defined(__AVX512BITALG__) || defined(__AVX512VPOPCNTDQ__) || defined(__GFNI__) || defined(__AVXVNNI__)
#    define ROPEKIT_ABI_B14 1
#  else
#    define ROPEKIT_ABI_B14 0
#  endif
#  define ROPEKIT_ABI_B15 0
#elif defined(__aarch64__) || defined(__arm__) || defined(_M_ARM64)
#  define ROPEKIT_ABI_ARCH arm_
#  if defined(__ARM_NEON)
#    define ROPEKIT_ABI_B0 1
#  else
#    define ROPEKIT_ABI_B0 0
#  endif
#  if defined(__ARM_FEATURE_FMA)
#    define ROPEKIT_ABI_B1 1
#  else
#    define ROPEKIT_ABI_B1 0
#  endif
#  if defined(__ARM_FEATURE_FP16_VECTOR_ARITHMETIC) || defined(__ARM_FEATURE_FP16_SCALAR_ARITHMETIC)
#    define ROPEKIT_ABI_B2 1
#  else
#    define ROPEKIT_ABI_B2 0
#  endif
#  if defined(__ARM_FEATURE_BF16) || defined(__ARM_FEATURE_BF16_VECTOR_ARITHMETIC)
#    define ROPEKIT_ABI_B3 1
#  else
#    define ROPEKIT_ABI_B3 0
#  endif
#  if defined(__ARM_FEATURE_DOTPROD) || defined(__ARM_FEATURE_MATMUL_INT8)
#    define ROPEKIT_ABI_B4 1
#  else
#    define ROPEKIT_ABI_B4 0
#  endif
#  if defined(__ARM_FEATURE_SVE)
#    define ROPEKIT_ABI_B5 1
#  else
#    define ROPEKIT_ABI_B5 0
#  endif
#  if defined(__ARM_FEATURE_SVE2)
#    define ROPEKIT_ABI_B6 1
#  else
#    define ROPEKIT_ABI_B6 0
#  endif
#  if defined(__ARM_FEATURE_ATOMICS) || defined(__ARM_FEATURE_CRC32)
#    define ROPEKIT_ABI_B7 1
#  else
#    define ROPEKIT_ABI_B7 0
#  endif
#  define ROPEKIT_ABI_B8 0
#  define ROPEKIT_ABI_B9 0
#  define ROPEKIT_ABI_B10 0
#  define ROPEKIT_ABI_B11 0
#  define ROPEKIT_ABI_B12 0
#  define ROPEKIT_ABI_B13 0
#  define ROPEKIT_ABI_B14 0
#  define ROPEKIT_ABI_B15 0
#else
#  define ROPEKIT_ABI_ARCH other_
#  define ROPEKIT_ABI_B0 0
#  define ROPEKIT_ABI_B1 0
#  define ROPEKIT_ABI_B2 0
#  define ROPEKIT_ABI_B3 0
#  define ROPEKIT_ABI_B4 0
#  define ROPEKIT_ABI_B5 0
#  define ROPEKIT_ABI_B6 0
#  define ROPEKIT_ABI_B7 0
#  define ROPEKIT_ABI_B8 0
#  define ROPEKIT_ABI_B9 0
#  define ROPEKIT_ABI_B10 0
#  define ROPEKIT_ABI_B11 0
#  define ROPEKIT_ABI_B12 0
#  define ROPEKIT_ABI_B13 0
#  define ROPEKIT_ABI_B14 0
#  define ROPEKIT_ABI_B15 0
#endif
// Floating-point contract: -ffast-math / -ffinite-math-only change what the
// compiler may do with the same source.
#if defined(__FAST_MATH__)
#  define ROPEKIT_ABI_FP fast
#elif defined(__FINITE_MATH_ONLY__) && __FINITE_MATH_ONLY__
#  define ROPEKIT_ABI_FP finite
#else
#  define ROPEKIT_ABI_FP ieee
#endif
// Files linked to ropekit::dispatch (ROPEKIT_DISPATCH defined) route
// auto_arch calls to the run-time choice: another body, so another namespace.
#if ROPEKIT_HAS_EXCEPTIONS && defined(ROPEKIT_DISPATCH)
#  define ROPEKIT_ABI_EH _eh_rt
#elif ROPEKIT_HAS_EXCEPTIONS
#  define ROPEKIT_ABI_EH _eh
#elif defined(ROPEKIT_DISPATCH)
#  define ROPEKIT_ABI_EH _noeh_rt
#else
#  define ROPEKIT_ABI_EH _noeh
#endif
/// The name of the inline namespace of this translation unit's flags, e.g.
/// `abi_x86_1111111110111000_ieee_eh` (16 feature bits, FP model, exceptions;
/// `_rt` appended with ropekit::dispatch).
#define ROPEKIT_ABI_NAMESPACE                                                                                   \
  ROPEKIT_PP_CAT(                                                                                               \
      ROPEKIT_PP_CAT(                                                                                           \
          ROPEKIT_PP_CAT(abi_, ROPEKIT_ABI_ARCH),                                                               \
          ROPEKIT_PP_CAT(ROPEKIT_PP_CAT8(ROPEKIT_ABI_B0, ROPEKIT_ABI_B1, ROPEKIT_ABI_B2, ROPEKIT_ABI_B3,        \
                                         ROPEKIT_ABI_B4, ROPEKIT_ABI_B5, ROPEKIT_ABI_B6, ROPEKIT_ABI_B7),       \
                         ROPEKIT_PP_CAT8(ROPEKIT_ABI_B8, ROPEKIT_ABI_B9, ROPEKIT_ABI_B10, ROPEKIT_ABI_B11,      \
                                         ROPEKIT_ABI_B12, ROPEKIT_ABI_B13, ROPEKIT_ABI_B14, ROPEKIT_ABI_B15))), \
      ROPEKIT_PP_CAT(ROPEKIT_PP_CAT(_, ROPEKIT_ABI_FP), ROPEKIT_ABI_EH))

namespace ropekit {

/// The exception thrown for invalid arguments when exceptions are enabled.
/// what() names the argument and its value.
class error : public std::invalid_argument {
 public:
  explicit error(const std::string& message) : std::invalid_argument(message) {}
};

/// Signature of the handler called for invalid arguments when the library is
/// built without exceptions. It receives the message (naming the argument and
/// its value). If it returns, the failing call returns without writing output.
using error_handler_t = void (*)(const char* message);

/// State shared by every translation unit, whatever its flags: pointer-only
/// code, outside the ABI namespace on purpose (one handler per program).
namespace shared {
inline void default_error_handler(const char* message) {
  std::fprintf(stderr, "ropekit: %s\n", message);
  std::abort();
}
inline error_handler_t& error_handler_slot() {
  static error_handler_t handler = &default_error_handler;
  return handler;
}
}  // namespace shared

/// A tag type unique to the ABI namespace: member functions of public types
/// that do floating-point work take it as a defaulted template parameter
/// (ROPEKIT_ABI_KEYED), so that their symbols are keyed by the flags too.
inline namespace ROPEKIT_ABI_NAMESPACE {
struct abi_tag {};

/// Installs the handler used for invalid arguments under -fno-exceptions
/// (the default prints the message to stderr and aborts). Passing nullptr
/// restores the default. Returns the previous handler. Not thread-safe with
/// respect to concurrent failing calls; set it once at start-up. One handler
/// serves the whole program.
inline error_handler_t set_error_handler(error_handler_t handler) {
  error_handler_t previous = shared::error_handler_slot();
  shared::error_handler_slot() = handler ? handler : &shared::default_error_handler;
  return previous;
}
}  // namespace ROPEKIT_ABI_NAMESPACE

}  // namespace ropekit

/// Put before a member function (or constructor) of a public type whose body
/// does floating-point work: makes it a template on the ABI tag, so each set of
/// compiler flags gets its own symbol.
#define ROPEKIT_ABI_KEYED template <class RopekitAbi = ::ropekit::abi_tag>

/// ROPEKIT_THROW(message): reports an invalid argument. Throws ropekit::error
/// when exceptions are enabled; otherwise calls the installed error handler.
/// May be defined by the user before including ropekit (tests do this to check
/// contracts). Callers return right after it, so nothing is written on error.
#ifndef ROPEKIT_THROW
#  if ROPEKIT_HAS_EXCEPTIONS
#    define ROPEKIT_THROW(message) throw ::ropekit::error(message)
#  else
#    define ROPEKIT_THROW(message) (::ropekit::shared::error_handler_slot()((message).c_str()))
#  endif
#endif

// Error messages. Values are printed in the shortest decimal form that reads
// back as the same number (std::to_chars, a compiled library function: the
// text does not depend on the -ffast-math or -march flags of the caller), so
// a message never contradicts itself ("leak = 0.9999999 must be >= 1", not
// "leak = 1.000000 must be >= 1").
#include <charconv>
#include <cstdint>
#include <cstring>
#include <system_error>

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

/// Shortest round-trip decimal text of x ("0.1", "1e-300", "-0", "inf",
/// "nan"); float values print as float ("0.1" for 0.1f).
template <class F>
inline std::string format_floating(F x) {
  static_assert(std::is_floating_point<F>::value, "floating-point values only");
#if defined(__cpp_lib_to_chars) && __cpp_lib_to_chars >= 201611L
  char buffer[64];
  const std::to_chars_result r = std::to_chars(buffer, buffer + sizeof buffer, x);
  if (r.ec == std::errc()) return std::string(buffer, r.ptr);
#endif
  // Fallback without floating-point to_chars: the shortest %g precision that
  // reads back as the same bits.
  using Bits = typename std::conditional<sizeof(F) == 4, std::uint32_t, std::uint64_t>::type;
  Bits want;
  std::memcpy(&want, &x, sizeof want);
  char text[64] = "?";
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(text, sizeof text, "%.*g", precision, double(x));
    const F back = static_cast<F>(std::strtod(text, nullptr));
    Bits got;
    std::memcpy(&got, &back, sizeof got);
    if (got == want) break;
  }
  return text;
}

/// Decimal text of an integer.
template <class I>
inline std::string format_integer(I x) {
  char buffer[32];
  const std::to_chars_result r = std::to_chars(buffer, buffer + sizeof buffer, x);
  return std::string(buffer, r.ptr);
}

/// Text of a value in an error message: strings as they are, booleans as
/// true/false, integers in decimal, floating-point values in their shortest
/// round-trip form, enumerations as their underlying integer.
template <class V>
inline std::string format_value(const V& value) {
  if constexpr (std::is_convertible<V, std::string>::value) {
    return std::string(value);
  } else if constexpr (std::is_same<V, bool>::value) {
    return value ? "true" : "false";
  } else if constexpr (std::is_enum<V>::value) {
    return format_integer(static_cast<typename std::underlying_type<V>::type>(value));
  } else if constexpr (std::is_floating_point<V>::value) {
    return format_floating(value);
  } else {
    static_assert(std::is_integral<V>::value, "format_value: string, bool, integer, enum or floating point");
    return format_integer(value);
  }
}

/// Formats "<function>: <argument> = <value> <requirement>" and reports it
/// (throws ropekit::error, or calls the error handler and returns).
template <class V>
inline void fail(const char* function, const char* argument, const V& value, const char* requirement) {
  std::string message = std::string(function) + ": " + argument + " = " + format_value(value);
  if (requirement != nullptr && *requirement != 0) {
    message += " ";
    message += requirement;
  }
  ROPEKIT_THROW(message);
}

/// The same with the argument and requirement given as strings.
template <class V>
inline void fail(const char* function, const std::string& argument, const V& value, const std::string& requirement) {
  fail(function, argument.c_str(), value, requirement.c_str());
}

/// Reports a message that needs no value.
inline void fail_message(const std::string& message) { ROPEKIT_THROW(message); }

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_CONFIG_HPP
