// ropekit: the plain-data description of a validated rotation call.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_KERNEL_CALL_HPP
#define ROPEKIT_KERNEL_CALL_HPP

#include <cstdint>

#include "angles.hpp"
#include "views.hpp"

namespace ropekit {

/// What the entry points hand to a kernel once every argument is validated:
/// pointers, sizes, strides and flags, no SIMD types and no functions, so the
/// same description serves the header-only kernels and the ones compiled per
/// instruction set in the ropekit::dispatch library (Highway's rule: the
/// top-level kernel takes plain data). A kernel trusts it completely.
namespace kernel {

/// The most position components a token may carry.
constexpr int kMaxAxes = 4;

/// How a token's position is read.
enum class PositionKind : std::uint8_t {
  i64,    ///< int64 values (any 64-bit signed type), data[t]
  i32,    ///< int32 values, data[t]
  range,  ///< start + t
};

/// The positions of the call's tokens: component a of token t.
struct PositionStream {
  PositionKind kind = PositionKind::range;
  const void* data = nullptr;
  std::int64_t start = 0;        ///< range: every component of token t is start + step * t
  std::int64_t step = 1;         ///< range: 1, or 0 for one position for every token
  int n_axes = 1;                ///< components per token (1 to 4)
  std::int64_t axis_stride = 0;  ///< elements between components
};

/// Where cos and sin come from.
enum class AngleKind : std::uint8_t {
  frequencies,  ///< computed per token from inv_freq (accurate or float32-compatible angles)
  table,        ///< rows of a CosSinCache or of a caller's table, selected by position
  select,       ///< one of several angle sources per token (see Selection)
  difference,   ///< position * (inv_freq - inv_freq_old), formed exactly (a change of tables)
};

/// The angle source of a call: which kind, and its data.
struct Angles {
  AngleKind kind = AngleKind::frequencies;
  std::int64_t pairs = 0;  ///< rotated pairs: rotary_dim / 2
  bool inverse = false;    ///< rotate by -angle
  PositionStream positions;
  // AngleKind::frequencies (and the new table of AngleKind::difference)
  const float* inv_freq = nullptr;      ///< pairs entries
  const float* inv_freq_old = nullptr;  ///< AngleKind::difference: the table turned back
  double scale = 1.0;                   ///< attention factor (forward) or its inverse
  AngleMode mode = AngleMode::accurate;
  // AngleKind::table
  const float* cos = nullptr;   ///< row r at cos + r * row_stride
  const float* sin = nullptr;   ///< row r at sin + r * row_stride
  std::int64_t rows = 0;        ///< positions select rows in [0, rows)
  std::int64_t row_stride = 0;  ///< elements between rows
  float table_scale = 1.0f;     ///< multiplies cos and sin (a cache's attention factor or its inverse)
  bool exact_inverse = false;   ///< inverse as (c, -s) / (c^2 + s^2) (caller tables, which need not be unit)
  // Several position axes: pair j reads component axis[j] (nullptr: component 0).
  const std::uint8_t* axis = nullptr;
  int n_axes = 1;           ///< position components the source reads
  double max_inv_freq = 0;  ///< largest inv_freq (bounds the positions; validation only)
  // AngleKind::select: token t uses sources[index[t]] (each of kind frequencies
  // or table, with this call's pairs, direction and positions).
  const Angles* sources = nullptr;
  std::int64_t source_count = 0;
  const std::int32_t* index = nullptr;
};

/// Where the vectors of a view's token t start.
enum class TokenMapKind : std::uint8_t {
  linear,  ///< at t * token_stride
  slots,   ///< at slot slots[t] of a paged cache (vLLM's slot_mapping; negative: the token is skipped)
  pages,   ///< at position positions[t] of sequence batch[t] in a paged cache (FlashInfer's page table)
};

/// The token-to-memory map of a paged cache: slot s lies at page s /
/// page_size, entry s % page_size; position p of sequence b at page
/// indices[indptr[b] + p / page_size], entry p % page_size; a page and entry
/// at page * page_stride + entry * entry_stride elements.
struct TokenMap {
  TokenMapKind kind = TokenMapKind::linear;
  const std::int64_t* slots = nullptr;
  const std::int32_t* indptr = nullptr;
  const std::int32_t* indices = nullptr;
  const std::int32_t* batch = nullptr;
  PositionStream cache_positions;
  std::int64_t page_size = 1;
  std::int64_t page_stride = 0;
  std::int64_t entry_stride = 0;
};

/// One strided set of (token, head) vectors.
template <class T>
struct Heads {
  T* data = nullptr;
  std::int64_t heads = 0;
  std::int64_t head_dim = 0;
  std::int64_t token_stride = 0;
  std::int64_t head_stride = 0;
  TokenMap map;  ///< linear by default (token_stride)
};

/// Most views one call rotates with shared angles (Q and K).
constexpr int kMaxViews = 2;

/// Per-head RMS normalization before the rotation (Qwen3's, Gemma's q/k
/// norms): y = round((round(x * r)) * w'), r = 1 / sqrt(mean(x^2) + eps) over
/// the head, w' = weight[i] (or 1 + weight[i], gemma), each round() to the
/// source storage type when round_to_storage (a no-op otherwise).
struct HeadNorm {
  bool enabled = false;
  const float* weight = nullptr;  ///< head_dim entries, or nullptr for 1
  double eps = 1e-6;
  bool gemma = false;
  bool round_to_storage = false;
};

/// A per-token scale of the first view (queries): token t's whole vector is
/// multiplied by 1 + scale * ln(floor((p + offset) / interval) + 1), p its
/// position (component 0). Llama 4's and Mistral 3's query temperature.
struct QueryScale {
  bool enabled = false;
  double scale = 0.0, offset = 0.0, interval = 1.0;
};

/// A validated call: for each of `views` (src, dst) pairs, every (token,
/// head) vector's channels [rotary_offset, rotary_offset + 2 * pairs) are
/// rotated from src into dst (the same memory when in place), and when out
/// of place the other channels are copied, converted to D. With pairs = 0
/// nothing is rotated (a query scale alone, for layers without RoPE).
template <class S, class D>
struct Call {
  Pairing pairing = Pairing::neox;
  std::int64_t tokens = 0;
  std::int64_t rotary_offset = 0;
  int views = 0;
  Heads<const S> src[kMaxViews];
  Heads<D> dst[kMaxViews];
  Angles angles;
  QueryScale query_scale;  ///< applies to view 0
  HeadNorm norm;           ///< applies to every view
};

/// A validated rotate-and-store call: Q rotated from q_src into q_dst (the
/// same memory when in place), K rotated into k_dst and V copied into v_dst
/// (both usually mapped into a paged cache), k_scale and v_scale dividing
/// what is stored (FP8 caches), the norm applying to Q and K.
template <class S, class QD, class KD>
struct StoreCall {
  Pairing pairing = Pairing::neox;
  std::int64_t tokens = 0;
  std::int64_t rotary_offset = 0;
  Heads<const S> q_src, k_src, v_src;
  Heads<QD> q_dst;
  Heads<KD> k_dst, v_dst;
  double k_scale = 1.0, v_scale = 1.0;
  bool stream_caches = false;  ///< k_dst and v_dst written with non-temporal stores
  Angles angles;
  QueryScale query_scale;
  HeadNorm norm;
};

}  // namespace kernel
}  // namespace ropekit

#endif  // ROPEKIT_KERNEL_CALL_HPP
