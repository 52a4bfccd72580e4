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

/// ROPEKIT_PREFETCH_WRITE(address): a hint that the line at address will be
/// read and written soon; a no-op where the compiler has no such builtin.
#if defined(__GNUC__) || defined(__clang__)
#  define ROPEKIT_PREFETCH_WRITE(address) __builtin_prefetch((address), 1)
#else
#  define ROPEKIT_PREFETCH_WRITE(address) ((void)(address))
#endif

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

namespace detail {
inline void default_error_handler(const char* message) {
  std::fprintf(stderr, "ropekit: %s\n", message);
  std::abort();
}
inline error_handler_t& error_handler_slot() {
  static error_handler_t handler = &default_error_handler;
  return handler;
}
}  // namespace detail

/// Installs the handler used for invalid arguments under -fno-exceptions
/// (the default prints the message to stderr and aborts). Passing nullptr
/// restores the default. Returns the previous handler. Not thread-safe with
/// respect to concurrent failing calls; set it once at start-up.
inline error_handler_t set_error_handler(error_handler_t handler) {
  error_handler_t previous = detail::error_handler_slot();
  detail::error_handler_slot() = handler ? handler : &detail::default_error_handler;
  return previous;
}

}  // namespace ropekit

/// ROPEKIT_THROW(message): reports an invalid argument. Throws ropekit::error
/// when exceptions are enabled; otherwise calls the installed error handler.
/// May be defined by the user before including ropekit (tests do this to check
/// contracts). Callers return right after it, so nothing is written on error.
#ifndef ROPEKIT_THROW
#  if ROPEKIT_HAS_EXCEPTIONS
#    define ROPEKIT_THROW(message) throw ::ropekit::error(message)
#  else
#    define ROPEKIT_THROW(message) (::ropekit::detail::error_handler_slot()((message).c_str()))
#  endif
#endif

namespace ropekit {
namespace detail {

/// Formats "<function>: <argument> = <value> <requirement>" and reports it.
template <class V>
inline void fail(const char* function, const char* argument, const V& value, const char* requirement) {
  std::string message = std::string(function) + ": " + argument + " = ";
  if constexpr (std::is_convertible<V, std::string>::value) {
    message += std::string(value);
  } else {
    message += std::to_string(value);
  }
  message += " ";
  message += requirement;
  ROPEKIT_THROW(message);
}

/// Reports a message that needs no value.
inline void fail_message(const std::string& message) { ROPEKIT_THROW(message); }

}  // namespace detail
}  // namespace ropekit

#endif  // ROPEKIT_CONFIG_HPP
