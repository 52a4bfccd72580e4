// ropekit: KV-cache operations around RoPE: rotate-and-store into paged
// caches, K-shift by position deltas, switching frequency tables.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_KV_CACHE_HPP
#define ROPEKIT_KV_CACHE_HPP

#include <algorithm>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <type_traits>

#include "apply.hpp"
#include "config.hpp"
#include "detail/checked.hpp"
#include "detail/kernel.hpp"
#include "detail/validate.hpp"
#include "frequencies.hpp"
#include "kernel_call.hpp"
#include "multi_axis.hpp"
#include "options.hpp"
#include "positions.hpp"
#include "types.hpp"
#include "views.hpp"

namespace ropekit {

/// A paged KV cache (one of K or V): `pages` pages of `page_size` entries,
/// each entry holding `heads` vectors of `head_dim` contiguous elements;
/// vector (page, entry, head) at data + page * page_stride + entry *
/// entry_stride + head * head_stride (strides in elements). The named
/// constructors give the usual layouts; K and V interleaved in one buffer
/// ([pages][2][page_size][heads][dim]) are two caches with page_stride twice
/// the page and V's data one page further (see kv_interleaved).
template <class T>
struct PagedCache {
  T* data = nullptr;
  std::int64_t pages = 0;
  std::int64_t page_size = 0;
  std::int64_t heads = 0;
  std::int64_t head_dim = 0;
  std::int64_t page_stride = 0;
  std::int64_t entry_stride = 0;
  std::int64_t head_stride = 0;

  /// [pages][page_size][heads][head_dim] (vLLM's and FlashInfer's NHD).
  static PagedCache nhd(T* data, std::int64_t pages, std::int64_t page_size, std::int64_t heads,
                        std::int64_t head_dim) {
    using detail_views::saturating_product;
    const std::int64_t entry = saturating_product(heads, head_dim);
    return PagedCache{data, pages, page_size, heads, head_dim, saturating_product(page_size, entry), entry, head_dim};
  }
  /// [pages][heads][page_size][head_dim] (FlashInfer's HND).
  static PagedCache hnd(T* data, std::int64_t pages, std::int64_t page_size, std::int64_t heads,
                        std::int64_t head_dim) {
    using detail_views::saturating_product;
    const std::int64_t head = saturating_product(page_size, head_dim);
    return PagedCache{data, pages, page_size, heads, head_dim, saturating_product(heads, head), head_dim, head};
  }
};

/// The K and V caches of one buffer [pages][2][page_size][heads][head_dim]
/// (K then V within each page: vLLM's and FlashInfer's combined layout).
template <class T>
struct KvCaches {
  PagedCache<T> k, v;
};

/// The K and V caches of a combined buffer `data` laid out
/// [pages][2][page_size][heads][head_dim] (NHD within each half page), as
/// PagedCache views with the strides that skip the other half.
template <class T>
inline KvCaches<T> kv_interleaved(T* data, std::int64_t pages, std::int64_t page_size, std::int64_t heads,
                                  std::int64_t head_dim) {
  using detail_views::saturating_product;
  KvCaches<T> out;
  out.k = PagedCache<T>::nhd(data, pages, page_size, heads, head_dim);
  out.k.page_stride = saturating_product(2, out.k.page_stride);
  out.v = out.k;
  out.v.data = data + (out.k.page_stride == std::numeric_limits<std::int64_t>::max() ? 0 : out.k.page_stride / 2);
  return out;
}

/// Where each token of a call goes in a paged cache, vLLM's way: token t to
/// slot slots[t], i.e. page slot / page_size, entry slot % page_size; a
/// negative slot skips the token (padding).
struct CacheSlots {
  const std::int64_t* slots = nullptr;
  std::int64_t count = -1;  ///< entries of slots (must equal the tokens; -1: unchecked)
};

/// Where each token goes, FlashInfer's way: token t belongs to sequence
/// batch[t] at position positions[t] of it; sequence b owns the pages
/// indices[indptr[b] .. indptr[b + 1]), its position p at page
/// indices[indptr[b] + p / page_size], entry p % page_size.
struct CachePages {
  const std::int32_t* indptr = nullptr;   ///< sequences + 1 entries, non-decreasing, from 0
  const std::int32_t* indices = nullptr;  ///< indptr[sequences] page numbers
  std::int64_t sequences = 0;
  const std::int32_t* batch = nullptr;     ///< per token
  Positions positions = PositionRange{0};  ///< per token: position in its sequence
};

/// Options of rotate_and_store: the rotation's (direction, angle mode,
/// rotary offset, query scale, head norm) and the scales of 8-bit caches:
/// stored = value / scale, correctly rounded from the float value (vLLM's
/// k_scale and v_scale convention); caches of 16- or 32-bit floats take
/// scale 1 only.
struct StoreOptions {
  ApplyOptions rotation;
  double k_scale = 1.0;
  double v_scale = 1.0;
  /// Write the cache entries with non-temporal (streaming) stores where the
  /// CPU has them (x86-64): they go to memory without first reading each
  /// line into the caches, which makes writing entries that are not cached
  /// (a batch of decode steps over a large cache, long prefills) two to
  /// three times cheaper, at the price of a memory read when attention
  /// reads them next. The call ends with a fence that waits for its stores
  /// to leave the core: for a call of one token that wait costs more than
  /// streaming saves (Llama-3-8B bf16 K and V on a Xeon: about 1.4 us
  /// against 0.7 us with regular stores, while a batch of 32 decode steps
  /// took about 0.6 us per token against 1.0). Leave it off for single
  /// tokens, and when the entries are read again soon while still cached
  /// (a short prefill followed by its attention).
  bool streaming = false;
};

/// Options of shift and rerotate.
struct ShiftOptions {
  /// First rotated channel of each cached head (see ApplyOptions).
  std::int64_t rotary_offset = 0;
};

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

/// Checks a paged cache: sizes, strides, extent within the address space,
/// distinct (page, entry, head) vectors apart, and its heads and head_dim
/// those of the view it receives.
template <class T>
inline bool check_cache(const char* function, const char* name, const PagedCache<T>& c, std::int64_t heads,
                        std::int64_t head_dim) {
  auto f = [name](const char* member) { return std::string(name) + member; };
  const std::int64_t sizes[] = {c.pages,       c.page_size,    c.heads,      c.head_dim,
                                c.page_stride, c.entry_stride, c.head_stride};
  const char* members[] = {".pages",       ".page_size",    ".heads",      ".head_dim",
                           ".page_stride", ".entry_stride", ".head_stride"};
  for (int i = 0; i < 7; ++i)
    if (sizes[i] < 0) return fail(function, f(members[i]).c_str(), sizes[i], "must be >= 0"), false;
  if (c.heads != heads)
    return fail(function, f(".heads").c_str(), c.heads,
                ("must equal the heads stored, " + std::to_string(heads)).c_str()),
           false;
  if (c.head_dim != head_dim)
    return fail(function, f(".head_dim").c_str(), c.head_dim,
                ("must equal the head_dim stored, " + std::to_string(head_dim)).c_str()),
           false;
  if (heads == 0) return true;
  if (c.pages == 0 || c.page_size == 0) return fail(function, f(".pages").c_str(), c.pages, "must hold a page"), false;
  if (c.data == nullptr)
    return fail(function, f(".data").c_str(), std::string("nullptr"), "must point to the cache"), false;
  // Extent, overflow-checked, and no two vectors overlapping: with the
  // dimensions sorted by stride, each stride covers the span inside it.
  struct Dim {
    std::int64_t count, stride;
    const char* member;
  } dims[3] = {{c.pages, c.page_stride, ".page_stride"},
               {c.page_size, c.entry_stride, ".entry_stride"},
               {c.heads, c.head_stride, ".head_stride"}};
  std::sort(std::begin(dims), std::end(dims), [](const Dim& a, const Dim& b) { return a.stride < b.stride; });
  std::int64_t span = c.head_dim;
  for (const Dim& d : dims) {
    if (d.count <= 1) continue;
    if (d.stride < span)
      return fail(function, f(d.member).c_str(), d.stride,
                  ("overlaps the span of " + std::to_string(span) + " elements inside it").c_str()),
             false;
    std::int64_t step;
    if (!checked_mul(d.count - 1, d.stride, step) || !checked_add(step, span, span))
      return fail(function, f(d.member).c_str(), d.stride, "makes the cache's extent overflow int64"), false;
  }
  if (span > std::int64_t(PTRDIFF_MAX / std::int64_t(sizeof(T))) ||
      reinterpret_cast<std::uintptr_t>(c.data) > UINTPTR_MAX - std::uintptr_t(span) * sizeof(T))
    return fail(function, f(".pages").c_str(), c.pages, "makes the cache's extent exceed the address space"), false;
  return true;
}

/// Bytes [first, last) a cache spans (0, 0 when empty).
template <class T>
inline void cache_span(const PagedCache<T>& c, std::uintptr_t& first, std::uintptr_t& last) {
  first = last = 0;
  if (c.heads == 0 || c.pages == 0 || c.page_size == 0 || c.head_dim == 0) return;
  const std::int64_t extent =
      (c.pages - 1) * c.page_stride + (c.page_size - 1) * c.entry_stride + (c.heads - 1) * c.head_stride + c.head_dim;
  first = reinterpret_cast<std::uintptr_t>(c.data);
  last = first + std::uintptr_t(extent) * sizeof(T);
}

/// True when two caches may share memory: their spans meet, unless they have
/// the same strides and, within each page period, one's footprint lies
/// entirely after the other's (K and V interleaved page by page).
template <class A, class B>
inline bool caches_meet(const PagedCache<A>& a, const PagedCache<B>& b) {
  std::uintptr_t a0, a1, b0, b1;
  cache_span(a, a0, a1);
  cache_span(b, b0, b1);
  if (a0 == a1 || b0 == b1 || a1 <= b0 || b1 <= a0) return false;
  if (sizeof(A) != sizeof(B) || a.page_stride != b.page_stride || a.entry_stride != b.entry_stride ||
      a.head_stride != b.head_stride || a.page_size != b.page_size || a.heads != b.heads || a.head_dim != b.head_dim)
    return true;
  const std::int64_t period = a.page_stride * std::int64_t(sizeof(A));
  const std::int64_t footprint =
      ((a.page_size - 1) * a.entry_stride + (a.heads - 1) * a.head_stride + a.head_dim) * std::int64_t(sizeof(A));
  if (period <= 0) return true;
  const std::int64_t delta = std::int64_t(b0 > a0 ? b0 - a0 : a0 - b0) % period;
  return !(delta >= footprint && delta + footprint <= period);
}

/// Bytes a view spans, for the overlap checks between views and caches.
template <class T>
inline bool view_meets_cache(const HeadsView<T>& v, std::uintptr_t c0, std::uintptr_t c1) {
  const ByteView b = bytes_of(v);
  if (b.extent == 0 || c0 == c1) return false;
  return b.base < c1 && c0 < b.base + std::uintptr_t(b.extent);
}

/// Entries (page * page_size + entry) that tokens write must be distinct:
/// checked in one pass when they increase (prefill), pairwise for short
/// calls, else on a sorted copy.
inline bool check_distinct_entries(const char* function, const char* what, const std::int64_t* entries,
                                   std::int64_t n) {
  auto duplicate = [&](std::int64_t entry) {
    fail(function, what, entry, "is written by two tokens of the call (destinations overlap)");
    return false;
  };
  bool increasing = true;
  std::int64_t last = -1;
  for (std::int64_t t = 0; t < n && increasing; ++t) {
    if (entries[t] < 0) continue;
    increasing = entries[t] > last;
    last = entries[t];
  }
  if (increasing) return true;
  if (n <= 64) {
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = i + 1; j < n; ++j)
        if (entries[i] >= 0 && entries[i] == entries[j]) return duplicate(entries[i]);
    return true;
  }
  std::unique_ptr<std::int64_t[]> sorted(new (std::nothrow) std::int64_t[std::size_t(n)]);
  if (!sorted)
    return fail(function, what, n, "entries could not be copied to check that they are distinct (out of memory)"),
           false;
  std::copy(entries, entries + n, sorted.get());
  std::sort(sorted.get(), sorted.get() + n);
  for (std::int64_t i = 1; i < n; ++i)
    if (sorted[i] >= 0 && sorted[i] == sorted[i - 1]) return duplicate(sorted[i]);
  return true;
}

/// Copies a cache's page geometry into a token map.
template <class T>
inline void set_geometry(kernel::TokenMap& map, const PagedCache<T>& cache) {
  map.page_size = cache.page_size;
  map.page_stride = cache.page_stride;
  map.entry_stride = cache.entry_stride;
}

/// Validates vLLM-style slots for `tokens` tokens of a cache and fills the map.
template <class T>
inline bool resolve_where(const char* function, const CacheSlots& w, const PagedCache<T>& cache, std::int64_t tokens,
                          kernel::TokenMap& map) {
  if (tokens > 0 && w.slots == nullptr)
    return fail(function, "where.slots", std::string("nullptr"), "must point to one slot per token"), false;
  if (w.count >= 0 && w.count != tokens)
    return fail(function, "where.count", w.count,
                ("must equal the number of tokens, " + std::to_string(tokens)).c_str()),
           false;
  const std::int64_t capacity = cache.pages * cache.page_size;
  for (std::int64_t t = 0; t < tokens; ++t)
    if (w.slots[t] >= capacity)
      return fail(function, ("where.slots[" + std::to_string(t) + "]").c_str(), w.slots[t],
                  ("is beyond the cache's pages * page_size = " + std::to_string(capacity) + " slots").c_str()),
             false;
  if (!check_distinct_entries(function, "a slot", w.slots, tokens)) return false;
  map = kernel::TokenMap{};
  map.kind = kernel::TokenMapKind::slots;
  map.slots = w.slots;
  set_geometry(map, cache);
  return true;
}

/// Validates FlashInfer-style page tables for `tokens` tokens and fills the map.
template <class T>
inline bool resolve_where(const char* function, const CachePages& w, const PagedCache<T>& cache, std::int64_t tokens,
                          kernel::TokenMap& map) {
  if (w.sequences < 0) return fail(function, "where.sequences", w.sequences, "must be >= 0"), false;
  if (w.indptr == nullptr)
    return fail(function, "where.indptr", std::string("nullptr"), "must point to sequences + 1 offsets"), false;
  if (w.indptr[0] != 0) return fail(function, "where.indptr[0]", w.indptr[0], "must be 0"), false;
  for (std::int64_t b = 0; b < w.sequences; ++b)
    if (w.indptr[b + 1] < w.indptr[b])
      return fail(function, ("where.indptr[" + std::to_string(b + 1) + "]").c_str(), w.indptr[b + 1],
                  ("must be >= where.indptr[" + std::to_string(b) + "] = " + std::to_string(w.indptr[b])).c_str()),
             false;
  const std::int64_t used = w.indptr[w.sequences];
  if (used > 0 && w.indices == nullptr)
    return fail(function, "where.indices", std::string("nullptr"), "must point to indptr[sequences] pages"), false;
  for (std::int64_t i = 0; i < used; ++i)
    if (w.indices[i] < 0 || w.indices[i] >= cache.pages)
      return fail(function, ("where.indices[" + std::to_string(i) + "]").c_str(), w.indices[i],
                  ("is outside the cache's pages [0, " + std::to_string(cache.pages) + ")").c_str()),
             false;
  if (tokens > 0 && w.batch == nullptr)
    return fail(function, "where.batch", std::string("nullptr"), "must point to one sequence per token"), false;
  kernel::Angles scratch;
  scratch.kind = kernel::AngleKind::table;
  scratch.rows = std::numeric_limits<std::int64_t>::max();
  if (!resolve_positions(function, w.positions, tokens, scratch)) return false;
  std::unique_ptr<std::int64_t[]> entries(new (std::nothrow) std::int64_t[std::size_t(tokens > 0 ? tokens : 1)]);
  if (!entries) return fail(function, "tokens", tokens, "could not be checked (out of memory)"), false;
  for (std::int64_t t = 0; t < tokens; ++t) {
    const std::int32_t b = w.batch[t];
    if (b < 0 || b >= w.sequences)
      return fail(function, ("where.batch[" + std::to_string(t) + "]").c_str(), b,
                  ("is outside the sequences [0, " + std::to_string(w.sequences) + ")").c_str()),
             false;
    const std::int64_t p = position_at(scratch.positions, t);
    const std::int64_t pages_of = w.indptr[b + 1] - w.indptr[b];
    if (p / cache.page_size >= pages_of)
      return fail(function, ("where.positions[" + std::to_string(t) + "]").c_str(), p,
                  ("is beyond the " + std::to_string(pages_of) + " pages of sequence " + std::to_string(b)).c_str()),
             false;
    entries[std::size_t(t)] =
        std::int64_t(w.indices[w.indptr[b] + p / cache.page_size]) * cache.page_size + p % cache.page_size;
  }
  if (!check_distinct_entries(function, "a cache entry", entries.get(), tokens)) return false;
  map = kernel::TokenMap{};
  map.kind = kernel::TokenMapKind::pages;
  map.indptr = w.indptr;
  map.indices = w.indices;
  map.batch = w.batch;
  map.cache_positions = scratch.positions;
  set_geometry(map, cache);
  return true;
}

// The kernel's description of a cache (its map already resolved into h.map;
// H is T, or const T where the cache is read), written in place as views are
// by set_view_heads. Built apart and then copied, the copy's wide loads wait
// for the fields just stored (store forwarding fails): about 15 ns of a bf16
// decode rotate-and-store.
template <class H, class T>
inline void set_cache_heads(kernel::Heads<H>& h, const PagedCache<T>& c) {
  h.data = c.data;
  h.heads = c.heads;
  h.head_dim = c.head_dim;
  h.token_stride = 0;
  h.head_stride = c.head_stride;
}

/// Runs a validated store call on the instruction set Arch names.
template <class Arch, class S, class QD, class KD>
inline void run_store(const kernel::StoreCall<S, QD, KD>& call) {
  if constexpr (std::is_same<Arch, auto_arch>::value) {
#if defined(ROPEKIT_DISPATCH)
    if constexpr (dispatch::has_store_kernel<S, QD, KD>) {
      dispatch::store(call);
      return;
    }
#endif
    store_call<isa::best_compiled, S, QD, KD>(call);
  } else {
    store_call<typename detail_isa::tag_of<Arch>::type, S, QD, KD>(call);
  }
}

/// An angle source with its attention factor left out (a K-shift rotates
/// keys already scaled by it).
template <class Angles>
struct Unscaled {
  const Angles& angles;
};
template <class Angles>
inline bool resolve_angles(const char* function, const Unscaled<Angles>& u, const ApplyOptions& o, kernel::Angles& a) {
  if (!resolve_angles(function, u.angles, o, a)) return false;
  a.scale = 1.0;
  a.table_scale = 1.0f;
  return true;
}

/// A change of frequency tables: turn by position * (to - from), scale by
/// the ratio of the attention factors.
struct TableChange {
  const Frequencies& from;
  const Frequencies& to;
};
inline bool resolve_angles(const char* function, const TableChange& c, const ApplyOptions& o, kernel::Angles& a) {
  if (!validate(c.from, function) || !validate(c.to, function)) return false;
  if (c.from.inv_freq.size() != c.to.inv_freq.size())
    return fail(function, "to.inv_freq.size()", std::int64_t(c.to.inv_freq.size()),
                ("must equal from.inv_freq.size() = " + std::to_string(c.from.inv_freq.size())).c_str()),
           false;
  a = kernel::Angles{};
  a.kind = kernel::AngleKind::difference;
  a.pairs = std::int64_t(c.to.inv_freq.size());
  a.inv_freq = c.to.inv_freq.data();
  a.inv_freq_old = c.from.inv_freq.data();
  a.scale = double(c.to.attention_factor) / double(c.from.attention_factor);
  a.mode = o.angle_mode.value_or(AngleMode::accurate);
  double largest = 0;
  for (std::size_t i = 0; i < c.to.inv_freq.size(); ++i) {
    const double d = double(c.to.inv_freq[i]) - double(c.from.inv_freq[i]);
    largest = std::max(largest, d < 0 ? -d : d);
  }
  a.max_inv_freq = largest;
  return true;
}

}  // namespace detail

/// Rotates Q and K and writes K, and V copied, into paged caches, in one pass
/// (vLLM's RoPE + reshape_and_cache, FlashInfer's append_paged_kv_cache after
/// its RoPE): q_src rotated into q_dst (pass the same view for in place; an
/// empty view for no Q), k rotated into k_cache and v copied into v_cache at
/// the entries `where` gives each token (CacheSlots or CachePages), converted
/// to the cache's type (f32, f16, bf16, or 8-bit e4m3 / e5m2 divided by the
/// cache scale). The MLA form (DeepSeek, GLM): k is the rotary key slice
/// k_pe and its cache the rope cache, v the latent c_kv and its cache the
/// latent cache. Angles, positions and rotation options as for apply;
/// `options.rotation.norm` normalizes Q and K heads first. Every argument
/// is validated before anything is written: slots or pages outside the
/// caches, two tokens writing one entry, caches overlapping each other or the
/// views, bad strides are errors naming the argument and value.
template <class Arch = auto_arch, class S, class QD, class KD, class Angles, class Where>
inline void rotate_and_store(Pairing pairing, const Angles& angles, HeadsView<S> q_src, HeadsView<QD> q_dst,
                             HeadsView<S> k, HeadsView<S> v, PagedCache<KD> k_cache, PagedCache<KD> v_cache,
                             const Where& where, Positions positions, const StoreOptions& options = {}) {
  using SV = std::remove_const_t<S>;
  static_assert(!std::is_const<QD>::value && !std::is_const<KD>::value,
                "rotate_and_store: destinations must be writable");
  const char* function = "ropekit::rotate_and_store";
  kernel::StoreCall<SV, QD, KD> call;
  const ApplyOptions& o = options.rotation;
  // Q (with the rotation's own checks) as a one-view call.
  const HeadsView<const SV> q_in[1] = {detail::as_const(q_src)};
  const HeadsView<QD> q_out[1] = {q_dst};
  const char* const q_names[2] = {"q_src", "q_dst"};
  kernel::Call<SV, QD> q_call;
  const HeadsView<const SV> ck = detail::as_const(k), cv = detail::as_const(v);
  // Q, K and V share the tokens; K is checked as a rotated view, V as a copied
  // one. Without Q (an empty view) the head norm is resolved for K below.
  const bool has_q = q_src.heads > 0;
  ApplyOptions q_options = o;
  if (!has_q) q_options.norm.reset();
  if (!detail::prepare_call(function, pairing, angles, q_in, q_out, q_names, 1, positions, q_options, q_call)) return;
  if (!detail::check_view(function, "k", ck, o.rotary_offset + 2 * q_call.angles.pairs, "rotary_offset + rotary_dim"))
    return;
  if (!detail::check_view(function, "v", cv, 0, "0")) return;
  for (const auto& [name, view] : {std::pair<const char*, const HeadsView<const SV>*>{"k", &ck}, {"v", &cv}})
    if (view->heads > 0 && view->tokens != q_src.tokens && q_src.heads > 0)
      return detail::fail(function, (std::string(name) + ".tokens").c_str(), view->tokens,
                          ("must equal q_src.tokens = " + std::to_string(q_src.tokens)).c_str());
  if (k.heads > 0 && v.heads > 0 && k.tokens != v.tokens)
    return detail::fail(function, "v.tokens", v.tokens, ("must equal k.tokens = " + std::to_string(k.tokens)).c_str());
  const std::int64_t tokens = q_src.heads > 0 ? q_src.tokens : k.heads > 0 ? k.tokens : v.tokens;
  if (options.rotation.norm && k.heads > 0 && k.head_dim != q_src.head_dim && q_src.heads > 0)
    return detail::fail(
        function, "k.head_dim", k.head_dim,
        ("must equal q_src.head_dim = " + std::to_string(q_src.head_dim) + " with a head norm").c_str());
  if (!detail::check_cache(function, "k_cache", k_cache, k.heads, k.head_dim)) return;
  if (!detail::check_cache(function, "v_cache", v_cache, v.heads, v.head_dim)) return;
  if (!detail::is_positive_finite(options.k_scale))
    return detail::fail(function, "options.k_scale", options.k_scale, "must be finite and > 0");
  if (!detail::is_positive_finite(options.v_scale))
    return detail::fail(function, "options.v_scale", options.v_scale, "must be finite and > 0");
  if (!detail::is_fp8<KD> && options.k_scale != 1.0)
    return detail::fail(function, "options.k_scale", options.k_scale, "must be 1 for a cache of 16 or 32-bit floats");
  if (!detail::is_fp8<KD> && options.v_scale != 1.0)
    return detail::fail(function, "options.v_scale", options.v_scale, "must be 1 for a cache of 16 or 32-bit floats");
  // Destinations apart from each other and from every source.
  std::uintptr_t k0, k1, v0, v1;
  detail::cache_span(k_cache, k0, k1);
  detail::cache_span(v_cache, v0, v1);
  if (detail::caches_meet(k_cache, v_cache))
    return detail::fail_message(std::string(function) + ": k_cache and v_cache share memory");
  const std::pair<const char*, const HeadsView<const SV>*> sources[] = {{"q_src", &q_in[0]}, {"k", &ck}, {"v", &cv}};
  for (const auto& [name, view] : sources) {
    if (detail::view_meets_cache(*view, k0, k1))
      return detail::fail_message(std::string(function) + ": k_cache and " + name + " share memory");
    if (detail::view_meets_cache(*view, v0, v1))
      return detail::fail_message(std::string(function) + ": v_cache and " + name + " share memory");
  }
  if (detail::view_meets_cache(q_dst, k0, k1) || detail::view_meets_cache(q_dst, v0, v1))
    return detail::fail_message(std::string(function) + ": q_dst and a cache share memory");
  for (const auto& [name, view] : {std::pair<const char*, const HeadsView<const SV>*>{"k", &ck}, {"v", &cv}})
    if (detail::views_meet(detail::bytes_of(q_dst), detail::bytes_of(*view)))
      return detail::fail_message(std::string(function) + ": q_dst and " + name + " share memory");
  if (k.heads > 0 && !detail::resolve_where(function, where, k_cache, tokens, call.k_dst.map)) return;
  if (v.heads > 0 && !detail::resolve_where(function, where, v_cache, tokens, call.v_dst.map)) return;
  if (k.heads > 0 && q_src.heads == 0 &&
      !detail::resolve_positions(function, positions, tokens, q_call.angles))  // positions not yet checked
    return;
  call.pairing = pairing;
  call.tokens = tokens;
  call.rotary_offset = o.rotary_offset;
  call.q_src = q_call.src[0];
  call.q_dst = q_call.dst[0];
  detail::set_view_heads(call.k_src, ck);
  detail::set_view_heads(call.v_src, cv);
  detail::set_cache_heads(call.k_dst, k_cache);
  detail::set_cache_heads(call.v_dst, v_cache);
  call.k_scale = options.k_scale;
  call.v_scale = options.v_scale;
  call.stream_caches = options.streaming;
  call.angles = q_call.angles;
  call.query_scale = q_call.query_scale;
  call.norm = q_call.norm;
  if (o.norm && !q_call.norm.enabled &&
      !detail::resolve_norm(function, o.norm, k.head_dim, q_call.angles.pairs, call.norm))
    return;
  detail::run_store<Arch>(call);
}

/// K-shift: re-rotates cached keys in place by a position delta each
/// (Positions of the cells' deltas, or Positions::same(d) for one delta),
/// a pure rotation by delta * inv_freq with accurate angles. The attention
/// factor is not applied again: the keys carry it from when they were
/// stored, and a rotation by a delta composes with the stored one (R(p + d)
/// = R(d) R(p)) only without it. llama.cpp's K-shift (llama-kv-cache.cpp,
/// build_rope_shift) passes the model's attn_factor to ggml_rope_ext, which
/// multiplies YaRN's magnitude factor in once more at every shift. Dynamic
/// NTK is not linear in position (its base changes with the length): a
/// shift can not move keys between its tables; use rerotate for that.
/// `freq` is a Frequencies or AxisFrequencies table (a cache's rows hold no
/// negative deltas). Errors as for apply.
template <class Arch = auto_arch, class T, class Angles>
inline void shift(Pairing pairing, const Angles& freq, HeadsView<T> keys, Positions deltas,
                  const ShiftOptions& options = {}) {
  static_assert(std::is_same<Angles, Frequencies>::value || std::is_same<Angles, AxisFrequencies>::value,
                "ropekit::shift takes a Frequencies or AxisFrequencies table");
  static_assert(!std::is_const<T>::value, "shift works in place: the view must be writable");
  const HeadsView<const T> src[1] = {detail::as_const(keys)};
  const HeadsView<T> dst[1] = {keys};
  const char* const names[2] = {"keys", "keys"};
  ApplyOptions o;
  o.rotary_offset = options.rotary_offset;
  detail::apply_views<Arch>("ropekit::shift", pairing, detail::Unscaled<Angles>{freq}, src, dst, names, 1, deltas, o);
}

/// The same over the cells `cells` of a paged cache (one delta per cell).
template <class Arch = auto_arch, class T, class Angles>
inline void shift(Pairing pairing, const Angles& freq, PagedCache<T> cache, const CacheSlots& cells, Positions deltas,
                  const ShiftOptions& options = {}) {
  static_assert(std::is_same<Angles, Frequencies>::value || std::is_same<Angles, AxisFrequencies>::value,
                "ropekit::shift takes a Frequencies or AxisFrequencies table");
  const char* function = "ropekit::shift";
  const std::int64_t tokens = cells.count >= 0 ? cells.count : 0;
  if (cells.count < 0) return detail::fail(function, "cells.count", cells.count, "must give the number of cells");
  ApplyOptions o;
  o.rotary_offset = options.rotary_offset;
  kernel::Call<T, T> call;
  if (!detail::check_enums(function, pairing, o)) return;
  if (!detail::resolve_angles(function, detail::Unscaled<Angles>{freq}, o, call.angles)) return;
  if (options.rotary_offset < 0)
    return detail::fail(function, "options.rotary_offset", options.rotary_offset, "must be >= 0");
  if (2 * call.angles.pairs > cache.head_dim || options.rotary_offset > cache.head_dim - 2 * call.angles.pairs)
    return detail::fail(
        function, "cache.head_dim", cache.head_dim,
        ("must be >= rotary_offset + rotary_dim = " + std::to_string(options.rotary_offset + 2 * call.angles.pairs))
            .c_str());
  if (!detail::check_cache(function, "cache", cache, cache.heads, cache.head_dim)) return;
  if (!detail::resolve_where(function, cells, cache, tokens, call.dst[0].map)) return;
  if (!detail::resolve_positions(function, deltas, tokens, call.angles)) return;
  call.pairing = pairing;
  call.tokens = tokens;
  call.rotary_offset = options.rotary_offset;
  call.views = 1;
  detail::set_cache_heads(call.dst[0], cache);
  detail::set_cache_heads(call.src[0], cache);
  call.src[0].map = call.dst[0].map;
  detail::run_kernel<Arch>(call);
}

/// Moves cached keys from one frequency table to another in place: pair i of
/// the key at positions[t] turns by positions[t] * (to.inv_freq[i] -
/// from.inv_freq[i]), the angle formed exactly (not as the difference of two
/// rounded angles), and cos and sin are scaled by to.attention_factor /
/// from.attention_factor. Uses: LongRoPE crossing from its short to its long
/// factors mid-generation, dynamic NTK's base changing with the length,
/// another YaRN factor. The result equals rotating the unrotated key with
/// the new table to within the rounding of the storage type.
template <class Arch = auto_arch, class T>
inline void rerotate(Pairing pairing, const Frequencies& from, const Frequencies& to, HeadsView<T> keys,
                     Positions positions, const ShiftOptions& options = {}) {
  static_assert(!std::is_const<T>::value, "rerotate works in place: the view must be writable");
  const HeadsView<const T> src[1] = {detail::as_const(keys)};
  const HeadsView<T> dst[1] = {keys};
  const char* const names[2] = {"keys", "keys"};
  ApplyOptions o;
  o.rotary_offset = options.rotary_offset;
  detail::apply_views<Arch>("ropekit::rerotate", pairing, detail::TableChange{from, to}, src, dst, names, 1, positions,
                            o);
}

}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_KV_CACHE_HPP
