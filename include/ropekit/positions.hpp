// ropekit: the positions of the tokens of a call.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_POSITIONS_HPP
#define ROPEKIT_POSITIONS_HPP

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace ropekit {

/// Positions token t = start + t, without an array (a contiguous prefill or
/// a single decode step).
struct PositionRange {
  std::int64_t start = 0;
};

/// The positions of a call's tokens, with their count: an array of int32 or
/// int64 values, or a PositionRange. Built implicitly from what engines hold:
///
///     Positions(ptr, count)          pointer and number of entries
///     Positions(vector)              std::vector<int64_t> / std::vector<int32_t>
///     Positions(array)               a C array (its length is the count)
///     Positions(PositionRange{s})    s, s + 1, ... (any number of tokens)
///     Positions(ptr)                 a bare pointer: the count is unknown and the
///                                    caller promises one entry per token
///
/// Any signed 32- or 64-bit integer type works (int, long, long long,
/// int32_t, int64_t); anything else is a compile error saying so. A known
/// count must equal the number of tokens of the call (an error otherwise,
/// instead of a read past the array). `with_bounds(min, max)` lets a caller
/// who knows the smallest and largest position skip ropekit's pass over the
/// array that checks them (tables are still never read outside their rows).
///
/// Several position axes per token (multimodal RoPE: temporal, height,
/// width; 2-D vision RoPE: row, column) are given component-major with
/// Positions::axes: axis a of token t is data[a * axis_stride + t], so vLLM's
/// [3][tokens], llama.cpp's [4 * tokens] and a slice of Hugging Face's
/// (3, batch, seq) tensor fit without copies. A PositionRange gives every
/// axis the same position (text tokens of a multimodal model).
class Positions {
 public:
  /// How the values are stored.
  enum class Kind { i64, i32, range };

  /// Positions start, start + 1, ...
  Positions(PositionRange range) : kind_(Kind::range), start_(range.start) {}  // NOLINT(google-explicit-constructor)

  /// `count` positions at `data` (int32 or int64).
  template <class I, class = std::enable_if_t<std::is_integral<I>::value>>
  Positions(const I* data, std::int64_t count) : kind_(kind_of<I>()), data_(data), count_(count) {}

  /// A bare pointer: one position per token, unchecked count.
  template <class P, class = std::enable_if_t<std::is_pointer<P>::value &&
                                              std::is_integral<std::remove_cv_t<std::remove_pointer_t<P>>>::value>>
  Positions(P data)  // NOLINT(google-explicit-constructor)
      : kind_(kind_of<std::remove_cv_t<std::remove_pointer_t<P>>>()), data_(data) {}

  /// The elements of a vector.
  template <class I, class A>
  Positions(const std::vector<I, A>& v)  // NOLINT(google-explicit-constructor)
      : kind_(kind_of<I>()), data_(v.data()), count_(std::int64_t(v.size())) {}

  /// The elements of a C array.
  template <class I, std::size_t N, class = std::enable_if_t<std::is_integral<I>::value>>
  Positions(const I (&array)[N])  // NOLINT(google-explicit-constructor)
      : kind_(kind_of<I>()), data_(array), count_(std::int64_t(N)) {}

  /// The same position (or position delta) for every token.
  static Positions same(std::int64_t value) {
    Positions p(PositionRange{value});
    p.step_ = 0;
    return p;
  }

  /// `n_axes` (1 to 4) position components per token, `count` tokens:
  /// component a of token t at data[a * axis_stride + t] (axis_stride
  /// defaults to count, i.e. [n_axes][count]).
  template <class I, class = std::enable_if_t<std::is_integral<I>::value>>
  static Positions axes(const I* data, std::int64_t count, int n_axes, std::int64_t axis_stride = -1) {
    Positions p(data, count);
    p.n_axes_ = n_axes;
    p.axis_stride_ = axis_stride < 0 ? count : axis_stride;
    return p;
  }

  /// The same positions, with the caller's promise that every one lies in
  /// [min, max]; ropekit then checks the bounds instead of every position.
  Positions with_bounds(std::int64_t min, std::int64_t max) const {
    Positions p = *this;
    p.bounded_ = true;
    p.min_ = min;
    p.max_ = max;
    return p;
  }

  /// Storage kind.
  Kind kind() const { return kind_; }
  /// The array (nullptr for a range).
  const void* data() const { return data_; }
  /// Number of entries, or -1 when unknown (a bare pointer, a range).
  std::int64_t count() const { return count_; }
  /// First position of a range.
  std::int64_t start() const { return start_; }
  /// Step of a range: 1 (start, start + 1, ...) or 0 (Positions::same).
  std::int64_t step() const { return step_; }
  /// Position components per token (1 unless built with axes()).
  int n_axes() const { return n_axes_; }
  /// Elements between the components of one token.
  std::int64_t axis_stride() const { return axis_stride_; }
  /// True when with_bounds gave bounds.
  bool bounded() const { return bounded_; }
  /// The promised bounds (meaningful when bounded()).
  std::int64_t min() const { return min_; }
  /// The promised upper bound (meaningful when bounded()).
  std::int64_t max() const { return max_; }

 private:
  template <class I>
  static constexpr Kind kind_of() {
    static_assert(std::is_integral<I>::value && std::is_signed<I>::value && (sizeof(I) == 8 || sizeof(I) == 4),
                  "ropekit: positions must be signed 32- or 64-bit integers (int32_t, int64_t, int, long long)");
    return sizeof(I) == 8 ? Kind::i64 : Kind::i32;
  }

  Kind kind_ = Kind::range;
  const void* data_ = nullptr;
  std::int64_t count_ = -1;
  std::int64_t start_ = 0;
  std::int64_t step_ = 1;
  int n_axes_ = 1;
  std::int64_t axis_stride_ = 0;
  bool bounded_ = false;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
};

}  // namespace ropekit

#endif  // ROPEKIT_POSITIONS_HPP
