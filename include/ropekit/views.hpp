// ropekit: strided views over [tokens][heads][head_dim] data, pairings, positions.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_VIEWS_HPP
#define ROPEKIT_VIEWS_HPP

#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>

#include "config.hpp"

namespace ropekit {

/// Which channels form a rotated pair.
enum class Pairing {
  neox,         ///< rotate-half: pairs (i, i + rotary_dim/2) (GPT-NeoX, Llama, Hugging Face)
  interleaved,  ///< pairs (2i, 2i + 1) (GPT-J, the RoFormer paper, Meta's Llama reference)
};

/// Rotation direction: inverse rotates by -angle and divides by the attention
/// factor, undoing forward up to rounding.
enum class Direction { forward, inverse };

/// A view of `tokens` x `heads` vectors of `head_dim` contiguous elements.
/// Element (t, h, d) is data[t * token_stride + h * head_stride + d]; strides
/// are in elements and non-negative. [tokens][heads][dim], [heads][tokens][dim]
/// and a slice of a fused QKV buffer all fit.
template <class T>
struct HeadsView {
  T* data = nullptr;              ///< element (0, 0, 0)
  std::int64_t tokens = 0;        ///< number of tokens (>= 0)
  std::int64_t heads = 0;         ///< heads per token (>= 0)
  std::int64_t head_dim = 0;      ///< contiguous elements per head
  std::int64_t token_stride = 0;  ///< elements between tokens (>= 0)
  std::int64_t head_stride = 0;   ///< elements between heads (>= 0)

  /// A dense [tokens][heads][head_dim] view (BSHD for one sequence).
  static HeadsView token_major(T* data, std::int64_t tokens, std::int64_t heads, std::int64_t head_dim) {
    return HeadsView{data, tokens, heads, head_dim, heads * head_dim, head_dim};
  }
  /// A dense [heads][tokens][head_dim] view (BHSD for one sequence).
  static HeadsView head_major(T* data, std::int64_t tokens, std::int64_t heads, std::int64_t head_dim) {
    return HeadsView{data, tokens, heads, head_dim, head_dim, tokens * head_dim};
  }

  /// Pointer to the first element of (token, head).
  T* at(std::int64_t token, std::int64_t head) const { return data + token * token_stride + head * head_stride; }

  /// Number of elements from data to one past the last element viewed
  /// (0 when the view is empty), as mdspan's required_span_size.
  std::int64_t required_span_size() const {
    if (tokens <= 0 || heads <= 0 || head_dim <= 0) return 0;
    return (tokens - 1) * token_stride + (heads - 1) * head_stride + head_dim;
  }

  /// The sub-view of tokens [begin, begin + count): how a thread pool splits a
  /// call (give each part the matching slice of the positions).
  HeadsView slice_tokens(std::int64_t begin, std::int64_t count) const {
    HeadsView v = *this;
    v.data = data + begin * token_stride;
    v.tokens = count;
    return v;
  }

  /// Read-only view of the same data.
  operator HeadsView<const T>() const {  // NOLINT(google-explicit-constructor)
    return HeadsView<const T>{data, tokens, heads, head_dim, token_stride, head_stride};
  }
};

/// Positions token t = start + t, without an array (a contiguous prefill or
/// a single decode step).
struct PositionRange {
  std::int64_t start = 0;
};

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

/// One of: int64 array, int32 array, or a contiguous range.
struct PositionSource {
  const std::int64_t* p64 = nullptr;
  const std::int32_t* p32 = nullptr;
  std::int64_t start = 0;

  std::int64_t operator[](std::int64_t t) const {
    if (p64) return p64[t];
    if (p32) return p32[t];
    return start + t;
  }
};

inline PositionSource positions_of(const std::int64_t* p) { return PositionSource{p, nullptr, 0}; }
inline PositionSource positions_of(const std::int32_t* p) { return PositionSource{nullptr, p, 0}; }
inline PositionSource positions_of(PositionRange r) { return PositionSource{nullptr, nullptr, r.start}; }

template <class P>
inline bool check_positions_pointer(const char* function, const P& p) {
  if constexpr (std::is_pointer<P>::value) {
    if (p == nullptr) {
      fail(function, "positions", std::string("nullptr"), "must point to one position per token");
      return false;
    }
  }
  (void)function;
  (void)p;
  return true;
}

/// Checks that a view is well formed for rotating `rotary_dim` channels:
/// non-null data (unless empty), non-negative sizes and strides, rotary_dim <=
/// head_dim, and distinct (token, head) vectors that do not overlap.
template <class T>
inline bool check_view(const char* function, const char* name, const HeadsView<T>& v, std::int64_t rotary_dim) {
  auto field = [name](const char* f) { return std::string(name) + f; };
  if (v.tokens < 0) return fail(function, field(".tokens").c_str(), v.tokens, "must be >= 0"), false;
  if (v.heads < 0) return fail(function, field(".heads").c_str(), v.heads, "must be >= 0"), false;
  if (v.head_dim < rotary_dim) {
    fail(function, field(".head_dim").c_str(), v.head_dim,
         ("must be >= rotary_dim = " + std::to_string(rotary_dim)).c_str());
    return false;
  }
  if (v.token_stride < 0) return fail(function, field(".token_stride").c_str(), v.token_stride, "must be >= 0"), false;
  if (v.head_stride < 0) return fail(function, field(".head_stride").c_str(), v.head_stride, "must be >= 0"), false;
  if (v.tokens == 0 || v.heads == 0) return true;
  if (v.data == nullptr) {
    fail(function, field(".data").c_str(), std::string("nullptr"), "must point to the viewed elements");
    return false;
  }
  // Vectors must not overlap: with the smaller-stride dimension inner, its
  // stride must cover head_dim and the outer stride must cover the inner span.
  std::int64_t inner_n = v.heads, inner_s = v.head_stride, outer_n = v.tokens, outer_s = v.token_stride;
  const char* inner_name = ".head_stride";
  const char* outer_name = ".token_stride";
  if (v.heads == 1 || (v.tokens > 1 && v.token_stride < v.head_stride)) {
    std::swap(inner_n, outer_n);
    std::swap(inner_s, outer_s);
    std::swap(inner_name, outer_name);
  }
  if (inner_n > 1 && inner_s < v.head_dim) {
    fail(function, field(inner_name).c_str(), inner_s,
         ("overlaps vectors of head_dim = " + std::to_string(v.head_dim)).c_str());
    return false;
  }
  const std::int64_t inner_span = (inner_n - 1) * inner_s + v.head_dim;
  if (outer_n > 1 && outer_s < inner_span) {
    fail(function, field(outer_name).c_str(), outer_s,
         ("overlaps the previous " + std::string(inner_name + 1) + " span of " + std::to_string(inner_span) +
          " elements")
             .c_str());
    return false;
  }
  return true;
}

/// True when the byte ranges of two views intersect.
template <class A, class B>
inline bool spans_overlap(const HeadsView<A>& a, const HeadsView<B>& b) {
  const auto a0 = reinterpret_cast<std::uintptr_t>(a.data);
  const auto b0 = reinterpret_cast<std::uintptr_t>(b.data);
  const auto a1 = a0 + std::uintptr_t(a.required_span_size()) * sizeof(A);
  const auto b1 = b0 + std::uintptr_t(b.required_span_size()) * sizeof(B);
  return a0 < b1 && b0 < a1 && a1 != a0 && b1 != b0;
}

/// Out-of-place views: same shape; and either disjoint or exactly identical
/// (same address, type and strides, which is in-place rotation).
template <class S, class D>
inline bool check_pair(const char* function, const char* src_name, const HeadsView<const S>& src, const char* dst_name,
                       const HeadsView<D>& dst) {
  auto mismatch = [&](const char* field, std::int64_t d, std::int64_t s) {
    fail(function, (std::string(dst_name) + field).c_str(), d,
         ("must equal " + std::string(src_name) + field + " = " + std::to_string(s)).c_str());
    return false;
  };
  if (src.tokens != dst.tokens) return mismatch(".tokens", dst.tokens, src.tokens);
  if (src.heads != dst.heads) return mismatch(".heads", dst.heads, src.heads);
  if (src.head_dim != dst.head_dim) return mismatch(".head_dim", dst.head_dim, src.head_dim);
  if (spans_overlap(src, dst)) {
    const bool identical = std::is_same<S, std::remove_const_t<D>>::value &&
                           static_cast<const void*>(src.data) == static_cast<const void*>(dst.data) &&
                           src.token_stride == dst.token_stride && src.head_stride == dst.head_stride;
    if (!identical) {
      fail_message(std::string(function) + ": " + dst_name + " overlaps " + src_name +
                   " without being the same view (in-place rotation needs the same data, type and strides)");
      return false;
    }
  }
  return true;
}

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_VIEWS_HPP
