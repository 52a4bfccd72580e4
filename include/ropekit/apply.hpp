// ropekit: the rotary embedding entry points.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_APPLY_HPP
#define ROPEKIT_APPLY_HPP

#include <type_traits>

#include "cache.hpp"
#include "config.hpp"
#include "detail/kernel.hpp"
#include "detail/validate.hpp"
#include "frequencies.hpp"
#include "isa.hpp"
#include "kernel_call.hpp"
#include "options.hpp"
#include "positions.hpp"
#include "views.hpp"
#if defined(ROPEKIT_DISPATCH)
#  include "dispatch.hpp"
#endif

// How one call travels: apply() -> detail::prepare_call (every argument
// validated, the angle source resolved into a kernel::Call of plain data) ->
// detail::run_kernel (the instruction set: the one named, the best compiled,
// or, with ropekit::dispatch, the one chosen at run time) ->
// detail::rotate_call<Isa, S, D> -> detail::run_views (detail/kernel.hpp:
// run_one_token for a call of one token, run_blocks for the others; each
// fills coefficient rows from the angle source, then rotates every head,
// stored as D).

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

template <class T>
inline HeadsView<const std::remove_const_t<T>> as_const(const HeadsView<T>& v) {
  return HeadsView<const std::remove_const_t<T>>{v.data, v.tokens, v.heads, v.head_dim, v.token_stride, v.head_stride};
}

/// Runs a validated call on the instruction set Arch names (auto_arch: the
/// runtime choice when built with ropekit::dispatch and the element types
/// have a compiled kernel there, else the best compiled in this translation
/// unit).
template <class Arch, class S, class D>
inline void run_kernel(const kernel::Call<S, D>& call) {
  if constexpr (std::is_same<Arch, auto_arch>::value) {
#if defined(ROPEKIT_DISPATCH)
    if constexpr (dispatch::has_kernel<S, D>) {
      dispatch::rotate(call);
      return;
    }
#endif
    rotate_call<isa::best_compiled, S, D>(call);
  } else {
    rotate_call<typename detail_isa::tag_of<Arch>::type, S, D>(call);
  }
}

template <class Arch, class S, class D, class Angles>
inline void apply_views(const char* function, Pairing pairing, const Angles& angles, const HeadsView<const S>* src,
                        const HeadsView<D>* dst, const char* const* names, int n, const Positions& positions,
                        const ApplyOptions& options) {
  kernel::Call<S, D> call;
  if (!prepare_call(function, pairing, angles, src, dst, names, n, positions, options, call)) return;
  run_kernel<Arch>(call);
}

}  // namespace detail

/// Rotates x in place: pair i of token t turns by positions[t] * inv_freq[i]
/// (pairs per `pairing`), cos and sin scaled by the attention factor; the
/// inverse direction turns back and divides it out. `angles` is a Frequencies
/// table (cos/sin computed on the fly once per token, shared by all heads), an
/// AxisFrequencies table (several position axes: pair i reads component
/// axis[i] of the token's position), a CosSinCache, a caller's CosSinTable
/// (positions select rows), or AngleSet::per_token (a source per token).
/// `positions`: see Positions (an array of int32/int64 with its count, a
/// vector, Positions::axes, or a PositionRange). rotary_offset + rotary_dim
/// <= head_dim (rotary_dim = 2 * pairs); the other channels are untouched
/// (or scaled, with a query scale; see ApplyOptions). Arch is a tag of
/// ropekit::isa (or the matching xsimd architecture), or auto_arch (the
/// default; see auto_arch).
/// Invalid arguments are reported (naming the argument and value) before
/// anything is written; the kernel itself neither throws nor allocates.
template <class Arch = auto_arch, class T, class Angles>
inline void apply(Pairing pairing, const Angles& angles, HeadsView<T> x, Positions positions,
                  ApplyOptions options = {}) {
  static_assert(!std::is_const<T>::value, "apply rotates in place: the view must be writable");
  const HeadsView<const T> src[1] = {detail::as_const(x)};
  const HeadsView<T> dst[1] = {x};
  const char* const names[2] = {"x", "x"};
  detail::apply_views<Arch>("ropekit::apply", pairing, angles, src, dst, names, 1, positions, options);
}

/// Rotates Q and K of one layer in place with the same positions: the angles
/// are computed once per token and applied to both (the head counts may
/// differ, as in grouped-query attention; q.tokens must equal k.tokens; q and
/// k must not share memory).
template <class Arch = auto_arch, class T, class Angles>
inline void apply(Pairing pairing, const Angles& angles, HeadsView<T> q, HeadsView<T> k, Positions positions,
                  ApplyOptions options = {}) {
  static_assert(!std::is_const<T>::value, "apply rotates in place: the views must be writable");
  const HeadsView<const T> src[2] = {detail::as_const(q), detail::as_const(k)};
  const HeadsView<T> dst[2] = {q, k};
  const char* const names[4] = {"q", "q", "k", "k"};
  detail::apply_views<Arch>("ropekit::apply", pairing, angles, src, dst, names, 2, positions, options);
}

/// Rotates src into dst (out of place), converting the element type: f32 ->
/// f16/bf16 rotates K and stores it into a KV cache in one pass. Shapes must
/// match; dst must not overlap src unless it is the very same view. Channels
/// beyond rotary_dim are copied. Rounding to nearest even on store.
template <class Arch = auto_arch, class S, class D, class Angles>
inline void apply_into(Pairing pairing, const Angles& angles, HeadsView<S> src, HeadsView<D> dst, Positions positions,
                       ApplyOptions options = {}) {
  static_assert(!std::is_const<D>::value, "apply_into: dst must be writable");
  using SV = std::remove_const_t<S>;
  const HeadsView<const SV> srcs[1] = {detail::as_const(src)};
  const HeadsView<D> dsts[1] = {dst};
  const char* const names[2] = {"src", "dst"};
  detail::apply_views<Arch>("ropekit::apply_into", pairing, angles, srcs, dsts, names, 1, positions, options);
}

/// Q and K out of place in one call (angles computed once per token). The
/// four views must not share memory, except that a destination may be its
/// own source.
template <class Arch = auto_arch, class S, class D, class Angles>
inline void apply_into(Pairing pairing, const Angles& angles, HeadsView<S> q_src, HeadsView<D> q_dst,
                       HeadsView<S> k_src, HeadsView<D> k_dst, Positions positions, ApplyOptions options = {}) {
  static_assert(!std::is_const<D>::value, "apply_into: dst must be writable");
  using SV = std::remove_const_t<S>;
  const HeadsView<const SV> srcs[2] = {detail::as_const(q_src), detail::as_const(k_src)};
  const HeadsView<D> dsts[2] = {q_dst, k_dst};
  const char* const names[4] = {"q_src", "q_dst", "k_src", "k_dst"};
  detail::apply_views<Arch>("ropekit::apply_into", pairing, angles, srcs, dsts, names, 2, positions, options);
}

/// Scales queries without rotating them, for layers without RoPE that still
/// scale their queries by position (Llama 4's attention temperature tuning):
/// every channel of token t is multiplied by 1 + s ln(floor((p + o) / F) +
/// 1) (see PositionQueryScale), in place. Positions: as for apply (component
/// 0 is used). Invalid arguments are reported before anything is written.
template <class Arch = auto_arch, class T>
inline void scale_queries(HeadsView<T> q, Positions positions, PositionQueryScale scale) {
  static_assert(!std::is_const<T>::value, "scale_queries works in place: the view must be writable");
  const HeadsView<const T> src[1] = {detail::as_const(q)};
  const HeadsView<T> dst[1] = {q};
  const char* const names[2] = {"q", "q"};
  ApplyOptions options;
  options.query_scale = scale;
  detail::apply_views<Arch>("ropekit::scale_queries", Pairing::neox, detail::NoRotation{}, src, dst, names, 1,
                            positions, options);
}

/// RMS-normalizes every head of src into dst without rotating (see RmsNorm;
/// the same view for in place): the normalization rotate-with-norm calls
/// fuse, alone. With round_to_storage and D the source type, an unfused
/// pipeline of this call and apply gives bit for bit what apply with
/// ApplyOptions::norm gives in one pass. Shapes must match; the limit
/// rotary_dim <= 1024 of fused calls does not apply (nothing is rotated).
template <class Arch = auto_arch, class S, class D>
inline void rms_norm_heads(HeadsView<S> src, HeadsView<D> dst, const RmsNorm& norm) {
  static_assert(!std::is_const<D>::value, "rms_norm_heads: dst must be writable");
  using SV = std::remove_const_t<S>;
  const HeadsView<const SV> srcs[1] = {detail::as_const(src)};
  const HeadsView<D> dsts[1] = {dst};
  const char* const names[2] = {"src", "dst"};
  ApplyOptions options;
  options.norm = norm;
  detail::apply_views<Arch>("ropekit::rms_norm_heads", Pairing::neox, detail::NoRotation{}, srcs, dsts, names, 1,
                            PositionRange{0}, options);
}

}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_APPLY_HPP
