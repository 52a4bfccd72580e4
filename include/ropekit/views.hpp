// ropekit: strided views over [tokens][heads][head_dim] data, pairings.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_VIEWS_HPP
#define ROPEKIT_VIEWS_HPP

#include <cstdint>
#include <limits>
#include <string>

#include "config.hpp"
#include "detail/checked.hpp"

namespace ropekit {

/// Which channels form a rotated pair.
enum class Pairing {
  neox,         ///< rotate-half: pairs (i, i + rotary_dim/2) (GPT-NeoX, Llama, Hugging Face)
  interleaved,  ///< pairs (2i, 2i + 1) (GPT-J, the RoFormer paper, Meta's Llama reference)
};

/// Rotation direction: inverse rotates by -angle and divides by the attention
/// factor, undoing forward up to rounding.
enum class Direction { forward, inverse };

/// Elements between consecutive tokens of a view (a named integer, so that a
/// token stride and a head stride can not be swapped silently).
struct TokenStride {
  std::int64_t elements;
  explicit constexpr TokenStride(std::int64_t n) : elements(n) {}
};
/// Elements between consecutive heads of a view.
struct HeadStride {
  std::int64_t elements;
  explicit constexpr HeadStride(std::int64_t n) : elements(n) {}
};

namespace detail_views {
/// a * b, or INT64_MAX when the product overflows or an operand is negative
/// (a stride no validation accepts, instead of undefined behaviour).
constexpr std::int64_t saturating_product(std::int64_t a, std::int64_t b) {
  if (a < 0 || b < 0) return std::numeric_limits<std::int64_t>::max();
  if (a != 0 && b > std::numeric_limits<std::int64_t>::max() / a) return std::numeric_limits<std::int64_t>::max();
  return a * b;
}
}  // namespace detail_views

/// A view of `tokens` x `heads` vectors of `head_dim` contiguous elements.
/// Element (t, h, d) is data[t * token_stride + h * head_stride + d]; strides
/// are in elements and non-negative. [tokens][heads][dim], [heads][tokens][dim],
/// a slice of a fused QKV buffer and a slice of a KV cache all fit: prefer the
/// named constructors below to spelling out the six fields.
template <class T>
struct HeadsView {
  T* data = nullptr;              ///< element (0, 0, 0)
  std::int64_t tokens = 0;        ///< number of tokens (>= 0)
  std::int64_t heads = 0;         ///< heads per token (>= 0)
  std::int64_t head_dim = 0;      ///< contiguous elements per head
  std::int64_t token_stride = 0;  ///< elements between tokens (>= 0)
  std::int64_t head_stride = 0;   ///< elements between heads (>= 0)

  /// A dense [tokens][heads][head_dim] tensor (BSHD for one sequence).
  static HeadsView token_major(T* data, std::int64_t tokens, std::int64_t heads, std::int64_t head_dim) {
    return HeadsView{data, tokens, heads, head_dim, detail_views::saturating_product(heads, head_dim), head_dim};
  }
  /// A dense [heads][tokens][head_dim] tensor (BHSD for one sequence).
  static HeadsView head_major(T* data, std::int64_t tokens, std::int64_t heads, std::int64_t head_dim) {
    return HeadsView{data, tokens, heads, head_dim, head_dim, detail_views::saturating_product(tokens, head_dim)};
  }
  /// Any strided layout, the strides named by type.
  static HeadsView strided(T* data, std::int64_t tokens, std::int64_t heads, std::int64_t head_dim,
                           TokenStride token_stride, HeadStride head_stride) {
    return HeadsView{data, tokens, heads, head_dim, token_stride.elements, head_stride.elements};
  }
  /// Pointer to the first element of (token, head).
  T* at(std::int64_t token, std::int64_t head) const { return data + token * token_stride + head * head_stride; }

  /// Number of elements from data to one past the last element viewed (0
  /// when the view is empty), as mdspan's required_span_size. Precondition:
  /// the view is valid (validation checks this product does not overflow).
  std::int64_t required_span_size() const {
    if (tokens <= 0 || heads <= 0 || head_dim <= 0) return 0;
    return (tokens - 1) * token_stride + (heads - 1) * head_stride + head_dim;
  }

  /// The sub-view of tokens [begin, begin + count): how a thread pool splits a
  /// call (give each part the matching slice of the positions; results are
  /// bit-identical to one call). A range outside [0, tokens) is reported,
  /// naming begin and count, and gives an empty view.
  ROPEKIT_ABI_KEYED
  HeadsView slice_tokens(std::int64_t begin, std::int64_t count) const {
    if (begin < 0 || count < 0 || begin > tokens || count > tokens - begin) {
      detail::fail("ropekit::HeadsView::slice_tokens", "begin, count",
                   std::to_string(begin) + ", " + std::to_string(count),
                   ("must select a part of tokens [0, " + std::to_string(tokens) + ")").c_str());
      HeadsView empty = *this;
      empty.tokens = 0;
      return empty;
    }
    HeadsView v = *this;
    v.data = count > 0 ? data + begin * token_stride : data;
    v.tokens = count;
    return v;
  }

  /// Read-only view of the same data.
  operator HeadsView<const T>() const {  // NOLINT(google-explicit-constructor)
    return HeadsView<const T>{data, tokens, heads, head_dim, token_stride, head_stride};
  }
};

/// The Q, K and V views of a fused QKV projection output
/// [tokens][q_heads + 2 * kv_heads][head_dim]; see fused_qkv.
template <class T>
struct QkvViews {
  HeadsView<T> q, k, v;
};

inline namespace ROPEKIT_ABI_NAMESPACE {

/// Splits a fused QKV projection output [tokens][q_heads + 2 * kv_heads][head_dim]
/// (vLLM's, llama.cpp's and most engines' layout: Q heads, then K, then V)
/// into its three views. `token_stride` defaults to the dense row
/// (q_heads + 2 kv_heads) * head_dim; pass one for padded rows. Negative
/// sizes or sizes whose products overflow are reported and give empty views.
template <class T>
inline QkvViews<T> fused_qkv(T* data, std::int64_t tokens, std::int64_t q_heads, std::int64_t kv_heads,
                             std::int64_t head_dim, TokenStride token_stride = TokenStride(-1)) {
  const char* function = "ropekit::fused_qkv";
  QkvViews<T> out{};
  if (tokens < 0) return detail::fail(function, "tokens", tokens, "must be >= 0"), out;
  if (q_heads < 0) return detail::fail(function, "q_heads", q_heads, "must be >= 0"), out;
  if (kv_heads < 0) return detail::fail(function, "kv_heads", kv_heads, "must be >= 0"), out;
  if (head_dim < 0) return detail::fail(function, "head_dim", head_dim, "must be >= 0"), out;
  std::int64_t row_heads, row, k_offset, v_offset;
  if (!detail::checked_mul(kv_heads, std::int64_t(2), row_heads) ||
      !detail::checked_add(row_heads, q_heads, row_heads) || !detail::checked_mul(row_heads, head_dim, row) ||
      !detail::checked_mul(q_heads, head_dim, k_offset) ||
      !detail::checked_add(k_offset, kv_heads * head_dim, v_offset)) {
    detail::fail(function, "q_heads + 2 * kv_heads", std::to_string(q_heads) + " + 2 * " + std::to_string(kv_heads),
                 ("times head_dim = " + std::to_string(head_dim) + " overflows int64").c_str());
    return out;
  }
  const std::int64_t ts = token_stride.elements >= 0 ? token_stride.elements : row;
  if (ts < row) {
    detail::fail(function, "token_stride", ts,
                 ("must be >= (q_heads + 2 * kv_heads) * head_dim = " + std::to_string(row)).c_str());
    return out;
  }
  out.q = HeadsView<T>{data, tokens, q_heads, head_dim, ts, head_dim};
  out.k = HeadsView<T>{data + k_offset, tokens, kv_heads, head_dim, ts, head_dim};
  out.v = HeadsView<T>{data + v_offset, tokens, kv_heads, head_dim, ts, head_dim};
  return out;
}

/// Tokens [first_token, first_token + tokens) of a head-major KV cache
/// [heads][max_tokens][head_dim] (Hugging Face's contiguous cache layout and
/// many engines'). A range outside [0, max_tokens) or negative sizes are
/// reported and give an empty view.
template <class T>
inline HeadsView<T> head_major_cache(T* cache, std::int64_t heads, std::int64_t max_tokens, std::int64_t head_dim,
                                     std::int64_t first_token, std::int64_t tokens) {
  const char* function = "ropekit::head_major_cache";
  if (heads < 0) return detail::fail(function, "heads", heads, "must be >= 0"), HeadsView<T>{};
  if (max_tokens < 0) return detail::fail(function, "max_tokens", max_tokens, "must be >= 0"), HeadsView<T>{};
  if (head_dim < 0) return detail::fail(function, "head_dim", head_dim, "must be >= 0"), HeadsView<T>{};
  if (first_token < 0 || tokens < 0 || first_token > max_tokens - tokens) {
    detail::fail(function, "first_token, tokens", std::to_string(first_token) + ", " + std::to_string(tokens),
                 ("must select a part of the cache's tokens [0, " + std::to_string(max_tokens) + ")").c_str());
    return HeadsView<T>{};
  }
  std::int64_t head_stride, start;
  if (!detail::checked_mul(max_tokens, head_dim, head_stride) || !detail::checked_mul(first_token, head_dim, start)) {
    detail::fail(function, "max_tokens", max_tokens,
                 ("times head_dim = " + std::to_string(head_dim) + " overflows int64").c_str());
    return HeadsView<T>{};
  }
  return HeadsView<T>{cache + start, tokens, heads, head_dim, head_dim, head_stride};
}

}  // namespace ROPEKIT_ABI_NAMESPACE

}  // namespace ropekit

#endif  // ROPEKIT_VIEWS_HPP
