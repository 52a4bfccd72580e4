// ropekit: portable versions of the per-instruction-set pieces of the kernels.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ARCH_GENERIC_HPP
#define ROPEKIT_ARCH_GENERIC_HPP

#include <cstdint>
#include <cstring>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "../config.hpp"
#include "../isa.hpp"
#include "../types.hpp"

// The pieces an instruction set may do faster than lane by lane. Each is an
// overload on the isa tag: called as f<Isa>(..., Isa{}), overload resolution
// picks the most derived tag that has one (an instruction set's own file, or
// the one it extends), else the portable version here, which takes
// isa::generic. Every piece works for any batch width.
//
//  widen<Isa>(const f16*/bf16* p, tag)             full batch of float from 16-bit storage
//  narrow<Isa>(f16*/bf16* p, batch<float>, tag)   full batch stored, rounded to nearest even
//  narrow_two<Isa>(H* p, H* q, a, b, tag)         narrow(p, a) and narrow(q, b) where converting two
//                                                 batches at once is cheaper, returning true; false
//                                                 (nothing stored) where it is not
//  stream_joined<Isa>(H* p, a, b, tag)            a and b streamed one after the other at p (2 * size
//                                                 elements) by one wide non-temporal store, returning
//                                                 true; false (nothing stored) where the instruction set
//                                                 has no such store or p is not aligned to it
//  widen_partial / narrow_partial (.., n, tag)    the first n < size lanes (others zero on load;
//                                                 nothing past p + n read or written)
//  load_partial / store_partial<Isa>(T*, .., n)   the same for float and double
//  swap_pairs<Isa, C>(batch, tag)                 (v0, v1, v2, v3, ...) -> (v1, v0, v3, v2, ...)
//  spread_pairs<Isa>(batch<float>, lo, hi, tag)   each lane twice: lo = (v0, v0, v1, v1, ...) from
//                                                 the first half of the lanes, hi from the second
//  store_as_float<Isa>(float*, batch<double>)     size doubles rounded to float and stored
//  load_as_double<Isa>(const float*, tag)         size floats widened to a batch of double (exact)
//  opaque<Isa>(batch<double>, tag)                the value, which the compiler must compute as
//                                                 written before it (no reassociation across it,
//                                                 even under -ffast-math)
//  apply_quadrant<Isa>(t, s, c, sin, cos, tag)    sin and cos of r + k pi/2 from s = sin r, c = cos r,
//                                                 where t = k + 1.5 * 2^52 exactly (k's low bits are
//                                                 the low bits of t's mantissa)
//  lane_bits<Isa>(batch<float>, tag)              the lanes' bit patterns as a batch of int32
//  lane_floats<Isa>(batch<int32>, tag)            the reverse
//  store_low_bytes<Isa>(uint8_t* p, batch<int32>, n, tag)   the low byte of each of the first n lanes
//  any_lane<Isa>(batch<int32>, tag)               true when some lane is nonzero
//  stream_whole<Isa>(float*/f16*/bf16* p, batch<float>, tag)   a whole batch stored past the caches
//                                                 (non-temporal; regular stores where the instruction
//                                                 set has none or p is not aligned: that fallback is in
//                                                 detail/kernel.hpp, next to the other stores)
//  copy_bytes<Isa>(void* y, const void* x, bytes, stream, tag)   bytes copied (the buffers do not
//                                                 overlap), by non-temporal stores where stream asks
//                                                 for them and the instruction set has them
//  stream_fence<Isa>(tag)                         orders them before later stores
//  multiply_add / multiply_sub<Isa, C>(a, b, c)   a * b + c / a * b - c, one rounding (fused) on every
//                                                 instruction set with an FMA unit; sse2 has none and
//                                                 rounds the product first. (xsimd 8.1 does not fuse on
//                                                 AVX-512F: the overloads there call the instruction.)

ROPEKIT_INTRINSICS_BEGIN

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

/// The batch of C on the registers of instruction set Isa.
template <class Isa, class C>
using batch_t = xsimd::batch<C, typename Isa::arch>;

/// Number of lanes of a batch of C on Isa.
template <class Isa, class C>
constexpr std::int64_t lanes = std::int64_t(batch_t<Isa, C>::size);

/// Converts one element to C (float or double) exactly.
template <class C, class S>
inline C element_to(S x) {
  return C(to_float(x));
}

/// Converts one computed value to storage type D, rounding once to nearest
/// even (from double, through round-to-odd, so that f16/bf16 results are
/// correctly rounded too).
template <class D, class C>
inline D element_from(C x) {
  if constexpr (std::is_same<C, double>::value) {
    return from_double<D>(x);
  } else {
    return from_float<D>(x);
  }
}

template <class Isa, class C, class S>
inline batch_t<Isa, C> load_lanes(const S* p, std::int64_t n) {
  alignas(64) C buffer[batch_t<Isa, C>::size] = {};
  for (std::int64_t i = 0; i < n; ++i) buffer[i] = element_to<C>(p[i]);
  return batch_t<Isa, C>::load_aligned(buffer);
}

template <class Isa, class C, class D>
inline void store_lanes(D* p, const batch_t<Isa, C>& v, std::int64_t n) {
  alignas(64) C buffer[batch_t<Isa, C>::size];
  v.store_aligned(buffer);
  for (std::int64_t i = 0; i < n; ++i) p[i] = element_from<D>(buffer[i]);
}

template <class Isa>
ROPEKIT_INLINE batch_t<Isa, float> widen(const f16* p, const isa::generic&) {
  return load_lanes<Isa, float>(p, lanes<Isa, float>);
}
template <class Isa>
ROPEKIT_INLINE batch_t<Isa, float> widen(const bf16* p, const isa::generic&) {
  return load_lanes<Isa, float>(p, lanes<Isa, float>);
}
template <class Isa>
ROPEKIT_INLINE void narrow(f16* p, const batch_t<Isa, float>& v, const isa::generic&) {
  store_lanes<Isa, float>(p, v, lanes<Isa, float>);
}
template <class Isa>
ROPEKIT_INLINE void narrow(bf16* p, const batch_t<Isa, float>& v, const isa::generic&) {
  store_lanes<Isa, float>(p, v, lanes<Isa, float>);
}
template <class Isa, class H>
ROPEKIT_INLINE bool narrow_two(H*, H*, const batch_t<Isa, float>&, const batch_t<Isa, float>&, const isa::generic&) {
  return false;
}
template <class Isa, class H>
ROPEKIT_INLINE bool stream_joined(H*, const batch_t<Isa, float>&, const batch_t<Isa, float>&, const isa::generic&) {
  return false;
}

template <class Isa>
ROPEKIT_INLINE batch_t<Isa, float> widen_partial(const f16* p, std::int64_t n, const isa::generic&) {
  return load_lanes<Isa, float>(p, n);
}
template <class Isa>
ROPEKIT_INLINE batch_t<Isa, float> widen_partial(const bf16* p, std::int64_t n, const isa::generic&) {
  return load_lanes<Isa, float>(p, n);
}
template <class Isa>
ROPEKIT_INLINE void narrow_partial(f16* p, const batch_t<Isa, float>& v, std::int64_t n, const isa::generic&) {
  store_lanes<Isa, float>(p, v, n);
}
template <class Isa>
ROPEKIT_INLINE void narrow_partial(bf16* p, const batch_t<Isa, float>& v, std::int64_t n, const isa::generic&) {
  store_lanes<Isa, float>(p, v, n);
}

template <class Isa>
ROPEKIT_INLINE batch_t<Isa, float> load_partial(const float* p, std::int64_t n, const isa::generic&) {
  return load_lanes<Isa, float>(p, n);
}
template <class Isa>
ROPEKIT_INLINE batch_t<Isa, double> load_partial(const double* p, std::int64_t n, const isa::generic&) {
  return load_lanes<Isa, double>(p, n);
}
template <class Isa>
ROPEKIT_INLINE void store_partial(float* p, const batch_t<Isa, float>& v, std::int64_t n, const isa::generic&) {
  store_lanes<Isa, float>(p, v, n);
}
template <class Isa>
ROPEKIT_INLINE void store_partial(double* p, const batch_t<Isa, double>& v, std::int64_t n, const isa::generic&) {
  store_lanes<Isa, double>(p, v, n);
}

template <class Isa, class C>
ROPEKIT_INLINE batch_t<Isa, C> swap_pairs(const batch_t<Isa, C>& v, const isa::generic&) {
  alignas(64) C buffer[batch_t<Isa, C>::size];
  v.store_aligned(buffer);
  for (std::size_t i = 0; i + 1 < batch_t<Isa, C>::size; i += 2) {
    const C t = buffer[i];
    buffer[i] = buffer[i + 1];
    buffer[i + 1] = t;
  }
  return batch_t<Isa, C>::load_aligned(buffer);
}

template <class Isa>
ROPEKIT_INLINE void spread_pairs(const batch_t<Isa, float>& v, batch_t<Isa, float>& lo, batch_t<Isa, float>& hi,
                                 const isa::generic&) {
  constexpr std::size_t n = batch_t<Isa, float>::size;
  alignas(64) float in[n], out[2 * n];
  v.store_aligned(in);
  for (std::size_t i = 0; i < n; ++i) out[2 * i] = out[2 * i + 1] = in[i];
  lo = batch_t<Isa, float>::load_aligned(out);
  hi = batch_t<Isa, float>::load_aligned(out + n);
}

template <class Isa>
ROPEKIT_INLINE void store_as_float(float* p, const batch_t<Isa, double>& v, const isa::generic&) {
  alignas(64) double buffer[batch_t<Isa, double>::size];
  v.store_aligned(buffer);
  for (std::size_t i = 0; i < batch_t<Isa, double>::size; ++i) p[i] = float(buffer[i]);
}

template <class Isa>
ROPEKIT_INLINE batch_t<Isa, double> load_as_double(const float* p, const isa::generic&) {
  alignas(64) double buffer[batch_t<Isa, double>::size];
  for (std::size_t i = 0; i < batch_t<Isa, double>::size; ++i) buffer[i] = double(p[i]);
  return batch_t<Isa, double>::load_aligned(buffer);
}

template <class Isa>
ROPEKIT_INLINE batch_t<Isa, double> opaque(const batch_t<Isa, double>& v, const isa::generic&) {
  alignas(64) double buffer[batch_t<Isa, double>::size];
  v.store_aligned(buffer);
#if defined(__GNUC__) || defined(__clang__)
  __asm__ __volatile__("" : : "r"(buffer) : "memory");
#else
  volatile double* touch = buffer;
  touch[0] = touch[0];
#endif
  return batch_t<Isa, double>::load_aligned(buffer);
}

/// A batch of int32 as wide as a batch of float on Isa.
template <class Isa>
using ibatch_t = xsimd::batch<std::int32_t, typename Isa::arch>;

template <class Isa>
ROPEKIT_INLINE ibatch_t<Isa> lane_bits(const batch_t<Isa, float>& v, const isa::generic&) {
  alignas(64) float f[batch_t<Isa, float>::size];
  alignas(64) std::int32_t i[batch_t<Isa, float>::size];
  v.store_aligned(f);
  std::memcpy(i, f, sizeof f);
  return ibatch_t<Isa>::load_aligned(i);
}
template <class Isa>
ROPEKIT_INLINE batch_t<Isa, float> lane_floats(const ibatch_t<Isa>& v, const isa::generic&) {
  alignas(64) float f[batch_t<Isa, float>::size];
  alignas(64) std::int32_t i[batch_t<Isa, float>::size];
  v.store_aligned(i);
  std::memcpy(f, i, sizeof f);
  return batch_t<Isa, float>::load_aligned(f);
}
template <class Isa>
ROPEKIT_INLINE void store_low_bytes(std::uint8_t* p, const ibatch_t<Isa>& v, std::int64_t n, const isa::generic&) {
  alignas(64) std::int32_t i[ibatch_t<Isa>::size];
  v.store_aligned(i);
  for (std::int64_t j = 0; j < n; ++j) p[j] = std::uint8_t(i[j]);
}

template <class Isa>
ROPEKIT_INLINE bool any_lane(const ibatch_t<Isa>& v, const isa::generic&) {
  alignas(64) std::int32_t i[ibatch_t<Isa>::size];
  v.store_aligned(i);
  std::int32_t any = 0;
  for (std::int32_t x : i) any |= x;
  return any != 0;
}
template <class Isa>
ROPEKIT_INLINE void stream_fence(const isa::generic&) {}
template <class Isa>
ROPEKIT_INLINE void copy_bytes(void* y, const void* x, std::int64_t bytes, bool, const isa::generic&) {
  std::memcpy(y, x, std::size_t(bytes));
}

template <class Isa, class C>
ROPEKIT_INLINE batch_t<Isa, C> multiply_add(const batch_t<Isa, C>& a, const batch_t<Isa, C>& b,
                                            const batch_t<Isa, C>& c, const isa::generic&) {
  return xsimd::fma(a, b, c);
}
template <class Isa, class C>
ROPEKIT_INLINE batch_t<Isa, C> multiply_sub(const batch_t<Isa, C>& a, const batch_t<Isa, C>& b,
                                            const batch_t<Isa, C>& c, const isa::generic&) {
  return xsimd::fms(a, b, c);
}

template <class Isa>
ROPEKIT_INLINE void apply_quadrant(const batch_t<Isa, double>& t, const batch_t<Isa, double>& s,
                                   const batch_t<Isa, double>& c, batch_t<Isa, double>& sin_out,
                                   batch_t<Isa, double>& cos_out, const isa::generic&) {
  using B = batch_t<Isa, double>;
  const B k = t - B(0x1.8p52);
  // q = k - 4 round(k / 4) is k mod 4 shifted into {-2, ..., 2}.
  const B q = k - B(4.0) * (opaque<Isa>(k * B(0.25) + B(0x1.8p52), Isa{}) - B(0x1.8p52));
  const auto odd = (q == B(1.0)) | (q == B(-1.0));
  const auto sin_negative = (q == B(2.0)) | (q == B(-2.0)) | (q == B(-1.0));
  const auto cos_negative = (q == B(1.0)) | (q == B(2.0)) | (q == B(-2.0));
  const B sin_r = xsimd::select(odd, c, s);
  const B cos_r = xsimd::select(odd, s, c);
  sin_out = xsimd::select(sin_negative, -sin_r, sin_r);
  cos_out = xsimd::select(cos_negative, -cos_r, cos_r);
}

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

ROPEKIT_INTRINSICS_END

#endif  // ROPEKIT_ARCH_GENERIC_HPP
