// KV-cache operations (kv_cache.hpp) and the head norm: each against a
// composition of reference:: steps and, bit for bit, against the unfused
// ropekit calls it replaces; every cache poisoned and checked outside the
// entries a call addresses.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support.hpp"

namespace {

using ropekit::bf16;
using ropekit::e4m3;
using ropekit::e5m2;
using ropekit::f16;
using ropekit::HeadsView;
using ropekit::PagedCache;
using ropekit::Pairing;

template <class T>
constexpr bool is_fp8 = std::is_same<T, e4m3>::value || std::is_same<T, e5m2>::value;

/// A value no kernel writes (NaN with a payload; 0x7f is NaN in both 8-bit formats).
template <class T>
T cache_poison() {
  if constexpr (is_fp8<T>) {
    return T{0x7f};
  } else {
    return rk_test::poison<T>();
  }
}

template <class T>
bool same_bits(const T& a, const T& b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

/// ulp of |x| in T, including the 8-bit formats (3 and 2 mantissa bits,
/// smallest normal exponents -6 and -14).
template <class T>
double ulp_in(double x) {
  if constexpr (std::is_same<T, e4m3>::value) {
    return std::ldexp(1.0, std::max(x == 0 ? -6 : std::ilogb(x), -6) - 3);
  } else if constexpr (std::is_same<T, e5m2>::value) {
    return std::ldexp(1.0, std::max(x == 0 ? -14 : std::ilogb(x), -14) - 2);
  } else {
    return rk_test::ulp_of<T>(x);
  }
}

ropekit::Frequencies table(std::int64_t rotary_dim, ropekit::Scaling scaling = ropekit::scaling::None{},
                           std::int64_t seq_len = 0) {
  ropekit::RopeSpec s;
  s.rotary_dim = rotary_dim;
  s.base = 500000.0;
  s.scaling = std::move(scaling);
  return ropekit::frequencies(s, seq_len);
}

ropekit::scaling::Yarn yarn(double factor) {
  ropekit::scaling::Yarn y;
  y.factor = factor;
  y.original_max_position_embeddings = 4096;
  return y;
}

#if ROPEKIT_HAS_EXCEPTIONS
using rk_test::error_of;
#endif

/// What a cache of type T stores for x with scale s: x / s correctly
/// rounded for the 8-bit types (found without rounding the quotient, see
/// rk_test::fp8_quotient), x rounded once otherwise (s = 1).
template <class T>
T stored(double x, double s) {
  if constexpr (is_fp8<T>) {
    return T{rk_test::fp8_quotient<T>(x, s)};
  } else {
    return ropekit::from_double<T>(x / s);
  }
}

std::int64_t uniform(std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(rk_test::rng());
}

// ---------------------------------------------------------------------------
// rotate_and_store
// ---------------------------------------------------------------------------

enum class Layout { nhd, hnd, interleaved };
enum class Addressing { slots, pages };

const char* name(Layout l) { return l == Layout::nhd ? "NHD" : l == Layout::hnd ? "HND" : "K/V interleaved"; }

struct StoreShape {
  std::int64_t tokens, q_heads, kv_heads, head_dim, rotary_dim, offset, page_size;
};

/// n elements of T, poisoned, from a 64-byte boundary inside `buffer` (so
/// whole-line stores, streaming ones too, are taken where entries allow).
template <class T>
T* line_aligned(std::vector<T>& buffer, std::size_t n, T poison) {
  const std::size_t extra = 64 / sizeof(T);
  buffer.assign(n + extra, poison);
  const std::uintptr_t at = reinterpret_cast<std::uintptr_t>(buffer.data());
  return buffer.data() + ((64 - at % 64) % 64) / sizeof(T);
}

/// A paged K and V cache pair of one layout, poisoned.
template <class KD>
struct Caches {
  std::vector<KD> k_buffer, v_buffer;
  PagedCache<KD> k, v;
  Caches(Layout layout, std::int64_t pages, std::int64_t page_size, std::int64_t heads, std::int64_t head_dim) {
    const std::size_t n = std::size_t(pages * page_size * heads * head_dim);
    if (layout == Layout::interleaved) {
      const auto kv =
          ropekit::kv_interleaved(line_aligned(k_buffer, 2 * n, cache_poison<KD>()), pages, page_size, heads, head_dim);
      k = kv.k;
      v = kv.v;
      return;
    }
    auto make = layout == Layout::nhd ? &PagedCache<KD>::nhd : &PagedCache<KD>::hnd;
    k = make(line_aligned(k_buffer, n, cache_poison<KD>()), pages, page_size, heads, head_dim);
    v = make(line_aligned(v_buffer, n, cache_poison<KD>()), pages, page_size, heads, head_dim);
  }
};

template <class T>
T* entry_of(const PagedCache<T>& c, std::int64_t page, std::int64_t entry, std::int64_t head) {
  return c.data + page * c.page_stride + entry * c.entry_stride + head * c.head_stride;
}

/// Token placement in a paged cache, both ways of giving it.
struct Placement {
  std::vector<std::int64_t> slots;                                // vLLM: per token, -1 skips
  std::vector<std::int32_t> indptr, indices, batch, in_sequence;  // FlashInfer
  std::vector<std::int64_t> page, entry;                          // where token t lands (page -1: skipped)
  std::int64_t pages = 0;
};

Placement place(Addressing a, std::int64_t tokens, std::int64_t page_size) {
  Placement p;
  p.page.assign(std::size_t(tokens), -1);
  p.entry.assign(std::size_t(tokens), -1);
  if (a == Addressing::slots) {
    p.pages = (tokens + page_size - 1) / page_size + uniform(0, 3);
    std::vector<std::int64_t> all(static_cast<std::size_t>(p.pages * page_size));
    std::iota(all.begin(), all.end(), 0);
    std::shuffle(all.begin(), all.end(), rk_test::rng());
    for (std::int64_t t = 0; t < tokens; ++t) {
      const bool skip = tokens > 1 && uniform(0, 4) == 0;
      p.slots.push_back(skip ? -1 - uniform(0, 5) : all[std::size_t(t)]);
      if (!skip)
        p.page[std::size_t(t)] = all[std::size_t(t)] / page_size,
        p.entry[std::size_t(t)] = all[std::size_t(t)] % page_size;
    }
    return p;
  }
  // Sequences with some tokens already cached; each new token appended.
  const std::int64_t sequences = std::min<std::int64_t>(tokens, 3);
  std::vector<std::int64_t> length(static_cast<std::size_t>(sequences));
  for (auto& l : length) l = uniform(0, 3 * page_size);
  for (std::int64_t t = 0; t < tokens; ++t) {
    const std::int64_t b = t < sequences ? t : uniform(0, sequences - 1);
    p.batch.push_back(std::int32_t(b));
    p.in_sequence.push_back(std::int32_t(length[std::size_t(b)]++));
  }
  std::int64_t needed = 0;
  std::vector<std::int64_t> owned(static_cast<std::size_t>(sequences));
  for (std::int64_t b = 0; b < sequences; ++b) {
    owned[std::size_t(b)] = (length[std::size_t(b)] + page_size - 1) / page_size + uniform(0, 1);
    needed += owned[std::size_t(b)];
  }
  p.pages = needed + uniform(0, 3);
  std::vector<std::int32_t> all(static_cast<std::size_t>(p.pages));
  std::iota(all.begin(), all.end(), 0);
  std::shuffle(all.begin(), all.end(), rk_test::rng());
  p.indptr.push_back(0);
  for (std::int64_t b = 0; b < sequences; ++b) {
    for (std::int64_t i = 0; i < owned[std::size_t(b)]; ++i) p.indices.push_back(all[p.indices.size()]);
    p.indptr.push_back(std::int32_t(p.indices.size()));
  }
  for (std::int64_t t = 0; t < tokens; ++t) {
    const std::int64_t b = p.batch[std::size_t(t)], pos = p.in_sequence[std::size_t(t)];
    p.page[std::size_t(t)] = p.indices[std::size_t(p.indptr[std::size_t(b)] + pos / page_size)];
    p.entry[std::size_t(t)] = pos % page_size;
  }
  return p;
}

/// The instruction set a store call of these types runs on, for the
/// unfused calls it is compared with bit for bit: the runtime choice when
/// the dispatch library has the combination, else the best one compiled here.
#if defined(ROPEKIT_DISPATCH)
template <class S, class QD, class KD>
using StoreArch =
    std::conditional_t<ropekit::dispatch::has_store_kernel<S, QD, KD>, ropekit::auto_arch, ropekit::isa::best_compiled>;
#else
template <class S, class QD, class KD>
using StoreArch = ropekit::auto_arch;
#endif

/// One random rotate-and-store call of element types (S, QD, KD), checked:
///  - Q bit for bit against apply_into (the unfused rotation);
///  - each stored K bit for bit against apply_into into float, then
///    converted (16-bit: rounded to nearest even; 8-bit: value / k_scale
///    correctly rounded), and against reference::apply_into within the
///    rotation's tolerance plus one ulp of the cache type;
///  - each stored V against v / v_scale correctly rounded;
///  - every other cache element still poisoned.
template <class S, class QD, class KD>
void check_store(Layout layout, Addressing addressing, Pairing pairing, const StoreShape& shape, bool q_in_place,
                 bool with_norm) {
  SCOPED_TRACE(std::string(name(layout)) + (addressing == Addressing::slots ? ", slots" : ", pages") +
               (pairing == Pairing::neox ? ", neox" : ", interleaved") + ", tokens " + std::to_string(shape.tokens) +
               ", heads " + std::to_string(shape.q_heads) + "/" + std::to_string(shape.kv_heads) + ", head_dim " +
               std::to_string(shape.head_dim) + ", rotary " + std::to_string(shape.rotary_dim) + " at " +
               std::to_string(shape.offset) + ", page " + std::to_string(shape.page_size) +
               (q_in_place ? ", Q in place" : "") + (with_norm ? ", head norm" : ""));
  const std::int64_t T = shape.tokens, D = shape.head_dim;
  const auto freq = table(shape.rotary_dim, yarn(4.0));  // attention factor != 1
  auto qkv = rk_test::random_vector<S>(std::size_t(T * (shape.q_heads + 2 * shape.kv_heads) * D));
  const auto views = ropekit::fused_qkv(qkv.data(), T, shape.q_heads, shape.kv_heads, D);
  const Placement where = place(addressing, T, shape.page_size);
  Caches<KD> caches(layout, where.pages, shape.page_size, shape.kv_heads, D);
  std::vector<std::int64_t> positions(static_cast<std::size_t>(T));
  for (auto& p : positions) p = uniform(0, (std::int64_t(1) << 20));
  ropekit::StoreOptions options;
  options.rotation.rotary_offset = shape.offset;
  if (is_fp8<KD>) options.k_scale = 0.05 + double(uniform(0, 100)) / 50, options.v_scale = 0.5;
  // Non-temporal stores into the caches, or regular ones: the same values.
  options.streaming = uniform(0, 1) == 1;
  SCOPED_TRACE(options.streaming ? "streaming stores" : "regular stores");
  std::vector<float> weight(static_cast<std::size_t>(D));
  for (auto& w : weight) w = float(std::uniform_real_distribution<double>(0.5, 1.5)(rk_test::rng()));
  if (with_norm) options.rotation.norm = ropekit::RmsNorm{weight.data(), D, 1e-6, false, false};

  // The unfused steps first, on copies.
  const std::vector<S> original = qkv;
  std::vector<QD> q_expected(static_cast<std::size_t>(T * shape.q_heads * D), cache_poison<QD>());
  const auto q_exp_view = HeadsView<QD>::token_major(q_expected.data(), T, shape.q_heads, D);
  using Arch = StoreArch<S, QD, KD>;
  ropekit::apply_into<Arch>(pairing, freq, views.q, q_exp_view, positions, options.rotation);
  std::vector<float> k_float(static_cast<std::size_t>(T * shape.kv_heads * D), cache_poison<float>());
  const auto k_float_view = HeadsView<float>::token_major(k_float.data(), T, shape.kv_heads, D);
  ropekit::apply_into<Arch>(pairing, freq, views.k, k_float_view, positions, options.rotation);
  std::vector<double> k_ref(k_float.size());
  const auto k_ref_view = HeadsView<double>::token_major(k_ref.data(), T, shape.kv_heads, D);
  {
    ropekit::reference::Options ro;
    ro.rotary_offset = shape.offset;
    if (with_norm) {
      std::vector<double> normed(k_ref.size());
      const auto nv = HeadsView<double>::token_major(normed.data(), T, shape.kv_heads, D);
      ropekit::reference::rms_norm_heads(views.k, nv, *options.rotation.norm);
      ropekit::reference::apply_into(pairing, freq, HeadsView<const double>(nv), k_ref_view, positions.data(), ro);
    } else {
      ropekit::reference::apply_into(pairing, freq, views.k, k_ref_view, positions.data(), ro);
    }
  }

  std::vector<QD> q_out(static_cast<std::size_t>(T * shape.q_heads * D), cache_poison<QD>());
  HeadsView<QD> q_dst;
  if constexpr (std::is_same<S, QD>::value) {
    q_dst = q_in_place ? views.q : HeadsView<QD>::token_major(q_out.data(), T, shape.q_heads, D);
  } else {
    q_dst = HeadsView<QD>::token_major(q_out.data(), T, shape.q_heads, D);
  }
  if (addressing == Addressing::slots) {
    ropekit::rotate_and_store(pairing, freq, views.q, q_dst, views.k, views.v, caches.k, caches.v,
                              ropekit::CacheSlots{where.slots.data(), T}, positions, options);
  } else {
    ropekit::CachePages pages;
    pages.indptr = where.indptr.data();
    pages.indices = where.indices.data();
    pages.sequences = std::int64_t(where.indptr.size()) - 1;
    pages.batch = where.batch.data();
    pages.positions = ropekit::Positions(where.in_sequence.data(), T);
    ropekit::rotate_and_store(pairing, freq, views.q, q_dst, views.k, views.v, caches.k, caches.v, pages, positions,
                              options);
  }

  // Q.
  for (std::int64_t t = 0; t < T; ++t)
    for (std::int64_t h = 0; h < shape.q_heads; ++h)
      for (std::int64_t d = 0; d < D; ++d)
        ASSERT_TRUE(same_bits(q_dst.at(t, h)[d], q_exp_view.at(t, h)[d]))
            << "q token " << t << " head " << h << " channel " << d;
  // K and V sources are not written.
  for (std::int64_t t = 0; t < T; ++t) {
    const std::size_t row = std::size_t(t * (shape.q_heads + 2 * shape.kv_heads) * D);
    ASSERT_EQ(std::memcmp(qkv.data() + row + shape.q_heads * D, original.data() + row + shape.q_heads * D,
                          sizeof(S) * std::size_t(2 * shape.kv_heads * D)),
              0);
  }
  // Every cache element: the token's value where one lands, poison elsewhere.
  std::vector<std::int64_t> token_at(static_cast<std::size_t>(where.pages * shape.page_size), -1);
  for (std::int64_t t = 0; t < T; ++t)
    if (where.page[std::size_t(t)] >= 0)
      token_at[std::size_t(where.page[std::size_t(t)] * shape.page_size + where.entry[std::size_t(t)])] = t;
  const double u = rk_test::unit_roundoff<float>();
  for (std::int64_t page = 0; page < where.pages; ++page)
    for (std::int64_t e = 0; e < shape.page_size; ++e) {
      const std::int64_t t = token_at[std::size_t(page * shape.page_size + e)];
      for (std::int64_t h = 0; h < shape.kv_heads; ++h) {
        const KD* kc = entry_of(caches.k, page, e, h);
        const KD* vc = entry_of(caches.v, page, e, h);
        double magnitude = 0;
        if (t >= 0)
          for (std::int64_t d = 0; d < D; ++d) magnitude = std::max(magnitude, std::abs(k_ref_view.at(t, h)[d]));
        for (std::int64_t d = 0; d < D; ++d) {
          if (t < 0) {
            ASSERT_TRUE(same_bits(kc[d], cache_poison<KD>())) << "K written at page " << page << " entry " << e;
            ASSERT_TRUE(same_bits(vc[d], cache_poison<KD>())) << "V written at page " << page << " entry " << e;
            continue;
          }
          const KD k_want = stored<KD>(double(k_float_view.at(t, h)[d]), options.k_scale);
          ASSERT_TRUE(same_bits(kc[d], k_want)) << "K token " << t << " head " << h << " channel " << d << ": "
                                                << ropekit::to_double(kc[d]) << " want " << ropekit::to_double(k_want);
          const double ref = k_ref_view.at(t, h)[d];
          // The rotation in float (see test_apply's tolerance; the head
          // norm adds its factor's and product's roundings), then one ulp
          // of the cache type at the scaled value.
          const double tol = ((with_norm ? 12 : 5) * u) * 2 * magnitude +
                             ulp_in<KD>(std::abs(ref) / options.k_scale) * options.k_scale;
          ASSERT_LE(std::abs(ropekit::to_double(kc[d]) * options.k_scale - ref), tol)
              << "K token " << t << " head " << h << " channel " << d;
          const KD v_want = stored<KD>(ropekit::to_double(views.v.at(t, h)[d]), options.v_scale);
          ASSERT_TRUE(same_bits(vc[d], v_want)) << "V token " << t << " head " << h << " channel " << d;
        }
      }
    }
}

StoreShape random_shape() {
  static const std::int64_t dims[] = {64, 128, 96, 40, 256};
  StoreShape s;
  s.tokens = uniform(0, 3) == 0 ? 1 : uniform(2, 40);
  s.kv_heads = uniform(1, 4);
  s.q_heads = s.kv_heads * uniform(1, 4);
  s.head_dim = dims[uniform(0, 4)];
  s.rotary_dim = uniform(0, 2) == 0 ? s.head_dim : 2 * uniform(1, s.head_dim / 2);
  s.offset = uniform(0, 1) == 0 ? 0 : 2 * uniform(0, (s.head_dim - s.rotary_dim) / 2);
  static const std::int64_t page_sizes[] = {1, 16, 5};
  s.page_size = page_sizes[uniform(0, 2)];
  return s;
}

template <class S, class QD, class KD>
void store_suite(bool with_norm = false) {
  for (Layout layout : {Layout::nhd, Layout::hnd, Layout::interleaved})
    for (Addressing a : {Addressing::slots, Addressing::pages})
      for (Pairing pairing : {Pairing::neox, Pairing::interleaved})
        for (int trial = 0; trial < 3; ++trial) {
          check_store<S, QD, KD>(layout, a, pairing, random_shape(), trial == 1, with_norm);
          if (::testing::Test::HasFatalFailure()) return;
        }
}

TEST(RotateAndStore, F32IntoF32) { store_suite<float, float, float>(); }
TEST(RotateAndStore, F32IntoF16) { store_suite<float, float, f16>(); }
TEST(RotateAndStore, F32IntoBf16) { store_suite<float, float, bf16>(); }
TEST(RotateAndStore, F32IntoE4m3) { store_suite<float, float, e4m3>(); }
TEST(RotateAndStore, F32IntoE5m2) { store_suite<float, float, e5m2>(); }
TEST(RotateAndStore, F16IntoF16) { store_suite<f16, f16, f16>(); }
TEST(RotateAndStore, F16IntoE4m3) { store_suite<f16, f16, e4m3>(); }
TEST(RotateAndStore, Bf16IntoBf16) { store_suite<bf16, bf16, bf16>(); }
TEST(RotateAndStore, Bf16IntoE4m3) { store_suite<bf16, bf16, e4m3>(); }
TEST(RotateAndStore, Bf16IntoE5m2) { store_suite<bf16, bf16, e5m2>(); }
// Q converted as well (the header's kernel, outside the dispatch set).
TEST(RotateAndStore, F32WithBf16QueriesIntoE4m3) { store_suite<float, bf16, e4m3>(); }
TEST(RotateAndStore, WithHeadNorm) {
  store_suite<bf16, bf16, bf16>(true);
  store_suite<float, float, e4m3>(true);
}

// The 8-bit caches saturate (e4m3) and keep NaN, whatever the scale.
TEST(RotateAndStore, Fp8SaturatesAndKeepsNan) {
  const auto freq = table(4);
  std::vector<float> k = {1e6f, -1e6f, 2.0f, 3.0f};  // position 0: cos 1, sin 0, so K / scale is stored
  std::vector<float> v = {std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::infinity(), 1e-30f,
                          1e6f};
  std::vector<e4m3> kc(4, cache_poison<e4m3>()), vc(4, cache_poison<e4m3>());
  const std::int64_t slot = 0;
  const std::vector<std::int64_t> pos = {0};
  ropekit::StoreOptions o;
  o.k_scale = 2.0;
  // No Q: an empty view.
  ropekit::rotate_and_store(
      Pairing::neox, freq, HeadsView<float>{}, HeadsView<float>{}, HeadsView<float>::token_major(k.data(), 1, 1, 4),
      HeadsView<float>::token_major(v.data(), 1, 1, 4), PagedCache<e4m3>::nhd(kc.data(), 1, 1, 1, 4),
      PagedCache<e4m3>::nhd(vc.data(), 1, 1, 1, 4), ropekit::CacheSlots{&slot, 1}, pos, o);
  EXPECT_EQ(ropekit::to_float(kc[0]), 448.0f);
  EXPECT_EQ(ropekit::to_float(kc[1]), -448.0f);
  EXPECT_EQ(ropekit::to_float(kc[2]), 1.0f);
  EXPECT_EQ(ropekit::to_float(kc[3]), 1.5f);
  EXPECT_TRUE(std::isnan(ropekit::to_float(vc[0])));
  EXPECT_EQ(ropekit::to_float(vc[1]), -448.0f);
  EXPECT_EQ(ropekit::to_float(vc[2]), 0.0f);
  EXPECT_EQ(ropekit::to_float(vc[3]), 448.0f);
}

// ---------------------------------------------------------------------------
// The kernels' 8-bit stores, on every instruction set compiled here, against
// the exhaustively tested scalar conversions (scale 1) and the correctly
// rounded quotient (other scales).
// ---------------------------------------------------------------------------

float float_of_bits(std::uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

/// Floats that test 8-bit rounding for scale s: x / s within 2 float ulps
/// of every midpoint between neighbouring codes (both signs), values across
/// every exponent (the 16 high bits of the pattern), NaN, infinities,
/// subnormals, and random bit patterns.
template <class T>
std::vector<float> fp8_probes(double s) {
  std::vector<float> xs;
  for (int c = 0; c < 0x7f; ++c) {
    const double lo = ropekit::to_float(T{std::uint8_t(c)}), hi = ropekit::to_float(T{std::uint8_t(c + 1)});
    if (!std::isfinite(hi)) continue;
    const float at = float((lo + hi) / 2 * s);
    std::uint32_t bits;
    std::memcpy(&bits, &at, sizeof bits);
    for (int k = -2; k <= 2; ++k) {
      xs.push_back(float_of_bits(bits + std::uint32_t(k)));
      xs.push_back(-float_of_bits(bits + std::uint32_t(k)));
    }
  }
  for (std::uint32_t h = 0; h < 65536; h += (s == 1.0 ? 1 : 7))
    xs.push_back(float_of_bits((h << 16) | (h & 0x8001u ? 0x1234u : 0u)));
  std::mt19937 g(5);
  for (int i = 0; i < (s == 1.0 ? 100000 : 20000); ++i) xs.push_back(float_of_bits(std::uint32_t(g())));
  return xs;
}

template <class I, class T>
void check_fp8_stores(double s) {
  if constexpr (ropekit::isa::compiled<I>) {
    SCOPED_TRACE(std::string(I::name) + " scale " + std::to_string(s));
    using B = ropekit::detail::batch_t<I, float>;
    constexpr std::int64_t N = std::int64_t(B::size);
    const std::vector<float> xs = fp8_probes<T>(s);
    alignas(64) float lanes[N];
    T out[N + 1];
    for (std::size_t i = 0; i < xs.size(); i += std::size_t(N)) {
      const std::int64_t n = std::min<std::int64_t>(N, std::int64_t(xs.size() - i));
      for (std::int64_t j = 0; j < N; ++j) lanes[j] = j < n ? xs[i + std::size_t(j)] : 1.0f;
      for (auto& o : out) o = T{0x5a};
      ropekit::detail::store_fp8<I, T>(out, B::load_aligned(lanes), n, ropekit::detail::Destination::of(s));
      ASSERT_EQ(out[n].bits, 0x5a) << "written past n = " << n;
      for (std::int64_t j = 0; j < n; ++j) {
        const float x = lanes[j];
        const std::uint8_t want = s == 1.0 ? ropekit::from_float<T>(x).bits : rk_test::fp8_quotient<T>(double(x), s);
        if (std::isnan(x)) {
          ASSERT_TRUE(std::isnan(ropekit::to_float(out[j]))) << x;
          ASSERT_EQ(out[j].bits & 0x80, std::signbit(x) ? 0x80 : 0) << x;
        } else {
          ASSERT_EQ(int(out[j].bits), int(want))
              << "x = " << x << " (bits " << std::hex << ropekit::detail::float_bits(x) << ")";
        }
      }
    }
  }
}

template <class T>
void fp8_store_suite() {
  // 1, ordinary scales, one ulp below 0.75 (quotients of short values then
  // sit within 2^-53 of a midpoint: rounding the double quotient would
  // decide ties wrongly), and scales whose reciprocal is no float.
  for (double s : {1.0, 0.37, 3.0, std::nextafter(0.75, 0.0), 1e-39, 1e39}) {
    check_fp8_stores<ropekit::isa::sse2, T>(s);
    check_fp8_stores<ropekit::isa::avx2, T>(s);
    check_fp8_stores<ropekit::isa::avx512, T>(s);
    check_fp8_stores<ropekit::isa::avx512_bf16, T>(s);
    check_fp8_stores<ropekit::isa::neon, T>(s);
    check_fp8_stores<ropekit::isa::neon_bf16, T>(s);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(Fp8Stores, E4m3OnEveryInstructionSet) { fp8_store_suite<e4m3>(); }
TEST(Fp8Stores, E5m2OnEveryInstructionSet) { fp8_store_suite<e5m2>(); }

/// A NaN of T with the given payload bits: signaling where the quiet bit is
/// clear (a conversion through float would set it).
template <class T>
T nan_with_payload(std::uint32_t payload) {
  T x;
  if constexpr (std::is_same<T, float>::value) {
    const std::uint32_t bits = 0x7f800000u | (payload & 0x7fffffu);
    std::memcpy(&x, &bits, sizeof x);
  } else {
    const int mantissa = std::is_same<T, f16>::value ? 10 : 7;
    const std::uint32_t exponent = (std::is_same<T, f16>::value ? 0x1fu : 0xffu) << mantissa;
    x.bits = std::uint16_t(exponent | (payload & ((1u << mantissa) - 1u)));
  }
  return x;
}

// V lands in a cache of its own type without a scale as it was given, bit
// for bit: signaling NaNs stay signaling and payloads stay, with regular and
// streaming stores, whatever the head size and the entries' alignment.
template <class T>
void v_copied_bit_for_bit() {
  for (bool streaming : {false, true})
    for (std::int64_t head_dim : {40, 64, 128, 200}) {
      SCOPED_TRACE(std::string(streaming ? "streaming" : "regular") + ", head_dim " + std::to_string(head_dim));
      const std::int64_t n = uniform(1, 9), kv_heads = uniform(1, 3), page = 4, pages = 5;
      const auto freq = table(head_dim);
      auto q = rk_test::random_vector<T>(std::size_t(n * kv_heads * head_dim));
      const auto k = rk_test::random_vector<T>(std::size_t(n * kv_heads * head_dim));
      auto v = rk_test::random_vector<T>(std::size_t(n * kv_heads * head_dim));
      for (std::size_t i = std::size_t(uniform(0, 6)); i < v.size(); i += 7)
        v[i] = nan_with_payload<T>(std::uint32_t(uniform(1, 0x3f)) | (i % 2 == 0 ? 0u : 0x40u));
      // Caches from a line boundary or one element past it, at random:
      // whole-line stores where entries allow, partial ones elsewhere.
      const std::size_t slack = std::size_t(uniform(0, 1)), n_cache = std::size_t(pages * page * kv_heads * head_dim);
      std::vector<T> k_buffer, v_buffer;
      T* const kc = line_aligned(k_buffer, n_cache + 1, cache_poison<T>()) + slack;
      T* const vc = line_aligned(v_buffer, n_cache + 1, cache_poison<T>()) + slack;
      std::vector<std::int64_t> slots(static_cast<std::size_t>(n)), positions(static_cast<std::size_t>(n));
      for (std::int64_t t = 0; t < n; ++t) slots[std::size_t(t)] = 2 * t + 1, positions[std::size_t(t)] = 100 * t;
      ropekit::StoreOptions options;
      options.streaming = streaming;
      const auto qv = HeadsView<T>::token_major(q.data(), n, kv_heads, head_dim);
      ropekit::rotate_and_store(Pairing::neox, freq, HeadsView<const T>(qv), qv,
                                HeadsView<const T>::token_major(k.data(), n, kv_heads, head_dim),
                                HeadsView<const T>::token_major(v.data(), n, kv_heads, head_dim),
                                PagedCache<T>::nhd(kc, pages, page, kv_heads, head_dim),
                                PagedCache<T>::nhd(vc, pages, page, kv_heads, head_dim),
                                ropekit::CacheSlots{slots.data(), n}, positions, options);
      const std::size_t entry = std::size_t(kv_heads * head_dim);
      // The whole buffer: the tokens' entries hold V, the rest is poison.
      std::vector<bool> in_entry(v_buffer.size(), false);
      const std::size_t base = std::size_t(vc - v_buffer.data());
      for (std::int64_t t = 0; t < n; ++t) {
        const std::size_t at = std::size_t(slots[std::size_t(t)]) * entry;
        ASSERT_EQ(std::memcmp(vc + at, v.data() + std::size_t(t) * entry, sizeof(T) * entry), 0) << "V of token " << t;
        for (std::size_t i = 0; i < entry; ++i) in_entry[base + at + i] = true;
      }
      for (std::size_t i = 0; i < v_buffer.size(); ++i)
        if (!in_entry[i]) {
          ASSERT_TRUE(same_bits(v_buffer[i], cache_poison<T>())) << "V written at element " << i;
        }
    }
}

// Keys small enough that their rotations are subnormal in the cache type,
// streamed into a line-aligned cache: the same bits as the unfused rotation
// (whose subnormal rounding test_apply checks), every way of storing.
template <class T>
void subnormal_keys_streamed() {
  const std::int64_t n = 6, kv_heads = 2, head_dim = 128, page = 4, pages = 3;
  const auto freq = table(head_dim);
  // Below the smallest normal: 2^-126 for bf16, 2^-14 for f16.
  const double tiny = std::is_same<T, f16>::value ? std::ldexp(1.0, -16) : std::ldexp(1.0, -128);
  std::vector<T> k(static_cast<std::size_t>(n * kv_heads * head_dim)), q = k;
  for (auto& x : k)
    x = ropekit::from_float<T>(float(std::uniform_real_distribution<double>(-4, 4)(rk_test::rng()) * tiny));
  const auto v = rk_test::random_vector<T>(k.size());
  std::vector<std::int64_t> slots(static_cast<std::size_t>(n)), positions(static_cast<std::size_t>(n));
  for (std::int64_t t = 0; t < n; ++t) slots[std::size_t(t)] = t, positions[std::size_t(t)] = 37 * t + 5;
  std::vector<T> expected(k.size());
  const auto kv = HeadsView<const T>::token_major(k.data(), n, kv_heads, head_dim);
  ropekit::apply_into(Pairing::neox, freq, kv, HeadsView<T>::token_major(expected.data(), n, kv_heads, head_dim),
                      positions);
  std::size_t subnormal = 0;
  const unsigned exponent = std::is_same<T, f16>::value ? 0x7c00u : 0x7f80u;
  for (const T& x : expected) subnormal += (x.bits & exponent) == 0 && (x.bits & 0x7fffu) != 0;
  ASSERT_GT(subnormal, expected.size() / 2) << "the rotated keys should be subnormal";
  std::vector<T> k_buffer, v_buffer;
  const std::size_t n_cache = std::size_t(pages * page * kv_heads * head_dim);
  T* const kc = line_aligned(k_buffer, n_cache, cache_poison<T>());
  T* const vc = line_aligned(v_buffer, n_cache, cache_poison<T>());
  ropekit::StoreOptions options;
  options.streaming = true;
  const auto qv = HeadsView<T>::token_major(q.data(), n, kv_heads, head_dim);
  ropekit::rotate_and_store(Pairing::neox, freq, HeadsView<const T>(qv), qv, kv,
                            HeadsView<const T>::token_major(v.data(), n, kv_heads, head_dim),
                            PagedCache<T>::nhd(kc, pages, page, kv_heads, head_dim),
                            PagedCache<T>::nhd(vc, pages, page, kv_heads, head_dim),
                            ropekit::CacheSlots{slots.data(), n}, positions, options);
  for (std::size_t i = 0; i < expected.size(); ++i)
    ASSERT_TRUE(same_bits(kc[i], expected[i]))
        << "element " << i << ": " << ropekit::to_float(kc[i]) << " want " << ropekit::to_float(expected[i]);
}

TEST(RotateAndStore, SubnormalKeysStreamedF16) { subnormal_keys_streamed<f16>(); }
TEST(RotateAndStore, SubnormalKeysStreamedBf16) { subnormal_keys_streamed<bf16>(); }

TEST(RotateAndStore, VCopiedBitForBitF32) { v_copied_bit_for_bit<float>(); }
TEST(RotateAndStore, VCopiedBitForBitF16) { v_copied_bit_for_bit<f16>(); }
TEST(RotateAndStore, VCopiedBitForBitBf16) { v_copied_bit_for_bit<ropekit::bf16>(); }

// DeepSeek's MLA: the rotary slice of Q in place (a view of its last 64
// channels), k_pe rotated into the rope cache, the latent copied into its own.
TEST(RotateAndStore, MlaSlices) {
  const std::int64_t T = 7, heads = 16, nope = 128, rope = 64, latent = 512, page = 16, pages = 3;
  const auto freq = table(rope, yarn(40.0));
  auto q = rk_test::random_vector<bf16>(std::size_t(T * heads * (nope + rope)));
  auto kpe = rk_test::random_vector<bf16>(std::size_t(T * rope));
  auto ckv = rk_test::random_vector<bf16>(std::size_t(T * latent));
  const std::vector<bf16> q0 = q;
  std::vector<bf16> rope_cache(static_cast<std::size_t>(pages * page * rope), cache_poison<bf16>());
  std::vector<bf16> latent_cache(static_cast<std::size_t>(pages * page * latent), cache_poison<bf16>());
  std::vector<std::int64_t> slots(static_cast<std::size_t>(T)), positions(static_cast<std::size_t>(T));
  for (std::int64_t t = 0; t < T; ++t) slots[std::size_t(t)] = 17 + 3 * t, positions[std::size_t(t)] = 1000 + t;
  const auto q_pe = HeadsView<bf16>::strided(
      q.data() + nope, T, heads, rope, ropekit::TokenStride{heads * (nope + rope)}, ropekit::HeadStride{nope + rope});
  const auto k_view = HeadsView<bf16>::token_major(kpe.data(), T, 1, rope);
  const auto v_view = HeadsView<bf16>::token_major(ckv.data(), T, 1, latent);
  std::vector<bf16> q_expected(static_cast<std::size_t>(T * heads * rope)),
      k_expected(static_cast<std::size_t>(T * rope));
  ropekit::apply_into(Pairing::interleaved, freq, q_pe, HeadsView<bf16>::token_major(q_expected.data(), T, heads, rope),
                      positions);
  ropekit::apply_into(Pairing::interleaved, freq, k_view, HeadsView<bf16>::token_major(k_expected.data(), T, 1, rope),
                      positions);
  ropekit::rotate_and_store(Pairing::interleaved, freq, q_pe, q_pe, k_view, v_view,
                            PagedCache<bf16>::nhd(rope_cache.data(), pages, page, 1, rope),
                            PagedCache<bf16>::nhd(latent_cache.data(), pages, page, 1, latent),
                            ropekit::CacheSlots{slots.data(), T}, positions);
  for (std::int64_t t = 0; t < T; ++t) {
    for (std::int64_t h = 0; h < heads; ++h) {
      const std::size_t base = std::size_t((t * heads + h) * (nope + rope));
      ASSERT_EQ(std::memcmp(q.data() + base, q0.data() + base, sizeof(bf16) * nope), 0) << "q_nope changed";
      ASSERT_EQ(std::memcmp(q.data() + base + nope, q_expected.data() + (t * heads + h) * rope, sizeof(bf16) * rope),
                0);
    }
    const std::size_t slot = std::size_t(slots[std::size_t(t)]);
    ASSERT_EQ(std::memcmp(rope_cache.data() + slot * rope, k_expected.data() + t * rope, sizeof(bf16) * rope), 0);
    ASSERT_EQ(std::memcmp(latent_cache.data() + slot * latent, ckv.data() + t * latent, sizeof(bf16) * latent), 0);
  }
  std::size_t untouched = 0;
  for (const bf16& x : rope_cache) untouched += same_bits(x, cache_poison<bf16>());
  for (const bf16& x : latent_cache) untouched += same_bits(x, cache_poison<bf16>());
  EXPECT_EQ(untouched, std::size_t((pages * page - T) * (rope + latent)));
}

#if ROPEKIT_HAS_EXCEPTIONS
/// A valid small call whose pieces the error cases below break one at a time.
struct StoreFixture {
  static constexpr std::int64_t T = 3, H = 2, D = 8, P = 4, E = 2;
  ropekit::Frequencies freq = table(D);
  std::vector<float> q = rk_test::random_vector<float>(T * H * D), k = rk_test::random_vector<float>(T * H * D),
                     v = rk_test::random_vector<float>(T * H * D);
  std::vector<f16> kc = std::vector<f16>(P * E * H * D, cache_poison<f16>()),
                   vc = std::vector<f16>(P * E * H * D, cache_poison<f16>());
  std::vector<std::int64_t> slots = {0, 5, 3}, positions = {10, 11, 12};
  std::vector<std::int32_t> indptr = {0, 2, 4}, indices = {3, 1, 0, 2}, batch = {0, 1, 1}, in_seq = {1, 2, 3};
  ropekit::StoreOptions options;
  HeadsView<float> qv() { return HeadsView<float>::token_major(q.data(), T, H, D); }
  HeadsView<float> kv() { return HeadsView<float>::token_major(k.data(), T, H, D); }
  HeadsView<float> vv() { return HeadsView<float>::token_major(v.data(), T, H, D); }
  PagedCache<f16> kcache() { return PagedCache<f16>::nhd(kc.data(), P, E, H, D); }
  PagedCache<f16> vcache() { return PagedCache<f16>::nhd(vc.data(), P, E, H, D); }
  ropekit::CachePages pages() {
    ropekit::CachePages p;
    p.indptr = indptr.data();
    p.indices = indices.data();
    p.sequences = 2;
    p.batch = batch.data();
    p.positions = ropekit::Positions(in_seq.data(), T);
    return p;
  }
  void store(PagedCache<f16> k_cache, PagedCache<f16> v_cache, const ropekit::CacheSlots& where) {
    ropekit::rotate_and_store(Pairing::neox, freq, qv(), qv(), kv(), vv(), k_cache, v_cache, where, positions, options);
  }
  void store_pages(const ropekit::CachePages& where) {
    ropekit::rotate_and_store(Pairing::neox, freq, qv(), qv(), kv(), vv(), kcache(), vcache(), where, positions,
                              options);
  }
  bool untouched(const std::vector<float>& q0) const {
    for (const f16& x : kc)
      if (!same_bits(x, cache_poison<f16>())) return false;
    for (const f16& x : vc)
      if (!same_bits(x, cache_poison<f16>())) return false;
    return std::memcmp(q.data(), q0.data(), q.size() * sizeof(float)) == 0;
  }
};

template <class F>
void expect_store_error(StoreFixture& s, F&& f, const std::vector<std::string>& needles) {
  const std::vector<float> q0 = s.q;
  const std::string message = error_of(f);
  ASSERT_FALSE(message.empty()) << "accepted; wanted an error naming " << needles[0];
  for (const auto& n : needles) EXPECT_NE(message.find(n), std::string::npos) << "'" << n << "' not in: " << message;
  EXPECT_TRUE(s.untouched(q0)) << "written on error: " << message;
}

TEST(RotateAndStore, RejectsBadPlacementBeforeWriting) {
  StoreFixture s;
  // The fixture itself is accepted (both addressings).
  EXPECT_EQ(error_of([&] {
              StoreFixture f;
              f.store(f.kcache(), f.vcache(), {f.slots.data(), 3});
            }),
            "");
  EXPECT_EQ(error_of([&] {
              StoreFixture f;
              f.store_pages(f.pages());
            }),
            "");
  s.slots[1] = 8;
  expect_store_error(s,
                     [&] {
                       s.store(s.kcache(), s.vcache(), {s.slots.data(), 3});
                     },
                     {"where.slots[1]", "8", "pages * page_size = 8"});
  s.slots[1] = 3;
  expect_store_error(s, [&] { s.store(s.kcache(), s.vcache(), {s.slots.data(), 3}); }, {"a slot", "3", "two tokens"});
  s.slots[1] = 5;
  expect_store_error(s, [&] { s.store(s.kcache(), s.vcache(), {s.slots.data(), 2}); }, {"where.count", "2"});
  expect_store_error(s, [&] { s.store(s.kcache(), s.vcache(), {nullptr, 3}); }, {"where.slots", "nullptr"});
  auto p = s.pages();
  s.indices[2] = 4;
  expect_store_error(s, [&] { s.store_pages(p); }, {"where.indices[2]", "4"});
  s.indices[2] = 0;
  s.indices[3] = 3;  // page 3 in both sequences: sequence 1's position 3 lands on sequence 0's position 1
  expect_store_error(s, [&] { s.store_pages(p); }, {"a cache entry", "7", "two tokens"});
  s.indices[3] = 2;
  s.batch[0] = 2;
  expect_store_error(s, [&] { s.store_pages(p); }, {"where.batch[0]", "2"});
  s.batch[0] = 0;
  s.in_seq[0] = 4;
  expect_store_error(s, [&] { s.store_pages(p); }, {"where.positions[0]", "4", "beyond the 2 pages of sequence 0"});
  s.in_seq[0] = -1;
  expect_store_error(s, [&] { s.store_pages(p); }, {"positions", "-1"});
  s.in_seq[0] = 1;
  s.indptr[1] = 5;
  expect_store_error(s, [&] { s.store_pages(p); }, {"where.indptr[2]", "4"});
  s.indptr[1] = 2;
  s.indptr[0] = 1;
  expect_store_error(s, [&] { s.store_pages(p); }, {"where.indptr[0]", "1"});
  s.indptr[0] = 0;
  EXPECT_EQ(error_of([&] { s.store_pages(p); }), "");
}

TEST(RotateAndStore, RejectsBadCachesBeforeWriting) {
  StoreFixture s;
  const ropekit::CacheSlots where{s.slots.data(), 3};
  expect_store_error(s, [&] { s.store(s.kcache(), s.kcache(), where); }, {"k_cache and v_cache share memory"});
  auto shifted = s.vcache();
  shifted.data = s.kc.data() + 8;
  expect_store_error(s, [&] { s.store(s.kcache(), shifted, where); }, {"k_cache and v_cache share memory"});
  auto heads = s.kcache();
  heads.heads = 1;
  expect_store_error(s, [&] { s.store(heads, s.vcache(), where); }, {"k_cache.heads", "1", "2"});
  auto overlap = s.kcache();
  overlap.head_stride = 4;
  expect_store_error(s, [&] { s.store(overlap, s.vcache(), where); }, {"k_cache.head_stride", "4"});
  auto huge = s.kcache();
  huge.page_stride = std::int64_t(1) << 61;
  expect_store_error(s, [&] { s.store(huge, s.vcache(), where); }, {"k_cache"});
  auto negative = s.vcache();
  negative.entry_stride = -16;
  expect_store_error(s, [&] { s.store(s.kcache(), negative, where); }, {"v_cache.entry_stride", "-16"});
  s.options.k_scale = 2.0;
  expect_store_error(s, [&] { s.store(s.kcache(), s.vcache(), where); }, {"options.k_scale", "2", "must be 1"});
  s.options.k_scale = 1.0;
  // A cache over the queries.
  PagedCache<float> over_q = PagedCache<float>::nhd(s.q.data(), 1, 3, StoreFixture::H, StoreFixture::D);
  std::vector<float> vf(s.vc.size(), 0.0f);
  const std::int64_t slot3[] = {0, 1, 2};
  expect_store_error(s,
                     [&] {
                       ropekit::rotate_and_store(Pairing::neox, s.freq, s.qv(), s.qv(), s.kv(), s.vv(), over_q,
                                                 PagedCache<float>::nhd(vf.data(), 1, 3, 2, 8),
                                                 ropekit::CacheSlots{slot3, 3}, s.positions);
                     },
                     {"k_cache and q_src share memory"});
  // An 8-bit cache needs a positive finite scale.
  std::vector<e4m3> k8(s.kc.size(), cache_poison<e4m3>()), v8(s.kc.size(), cache_poison<e4m3>());
  ropekit::StoreOptions bad;
  bad.v_scale = 0.0;
  expect_store_error(s,
                     [&] {
                       ropekit::rotate_and_store(Pairing::neox, s.freq, s.qv(), s.qv(), s.kv(), s.vv(),
                                                 PagedCache<e4m3>::nhd(k8.data(), 4, 2, 2, 8),
                                                 PagedCache<e4m3>::nhd(v8.data(), 4, 2, 2, 8), where, s.positions, bad);
                     },
                     {"options.v_scale", "0"});
  for (const e4m3& x : k8) ASSERT_TRUE(same_bits(x, cache_poison<e4m3>()));
}
#endif

// ---------------------------------------------------------------------------
// shift
// ---------------------------------------------------------------------------

/// Keys rotated at p and stored as T, shifted by d: equal to the original
/// keys rotated at p + d (with the attention factor once), within one
/// rounding of T per operation (two on the shifted side, one on the
/// reference side) plus the float rotations' errors (a few u each).
template <class T>
void check_shift(Pairing pairing, const ropekit::Frequencies& freq, std::int64_t offset, bool one_delta) {
  const std::int64_t tokens = uniform(1, 50), heads = uniform(1, 4), rotary = std::int64_t(freq.inv_freq.size()) * 2,
                     D = rotary + offset + 2 * uniform(0, 4);
  auto raw = rk_test::random_vector<float>(std::size_t(tokens * heads * D));
  const auto raw_view = HeadsView<float>::token_major(raw.data(), tokens, heads, D);
  std::vector<std::int64_t> p(static_cast<std::size_t>(tokens)), d(static_cast<std::size_t>(tokens)),
      pd(static_cast<std::size_t>(tokens));
  const std::int64_t common = uniform(-5000, 5000);
  for (std::int64_t t = 0; t < tokens; ++t) {
    p[std::size_t(t)] = uniform(0, std::int64_t(1) << 20);
    d[std::size_t(t)] = one_delta ? common : uniform(-p[std::size_t(t)], 100000);
    pd[std::size_t(t)] = p[std::size_t(t)] + d[std::size_t(t)];
  }
  ropekit::ApplyOptions o;
  o.rotary_offset = offset;
  std::vector<T> keys(raw.size());
  const auto keys_view = HeadsView<T>::token_major(keys.data(), tokens, heads, D);
  ropekit::apply_into(pairing, freq, raw_view, keys_view, p, o);
  const std::vector<T> stored = keys;
  ropekit::ShiftOptions so;
  so.rotary_offset = offset;
  if (one_delta) {
    ropekit::shift(pairing, freq, keys_view, ropekit::Positions::same(common), so);
  } else {
    ropekit::shift(pairing, freq, keys_view, d, so);
  }
  std::vector<double> want(raw.size());
  const auto want_view = HeadsView<double>::token_major(want.data(), tokens, heads, D);
  ropekit::reference::Options ro;
  ro.rotary_offset = offset;
  ropekit::reference::apply_into(pairing, freq, HeadsView<const float>(raw_view), want_view, pd.data(), ro);
  const double u = rk_test::unit_roundoff<float>();
  for (std::int64_t t = 0; t < tokens; ++t)
    for (std::int64_t h = 0; h < heads; ++h) {
      double m = 0;
      for (std::int64_t c = 0; c < D; ++c) m = std::max(m, std::abs(want_view.at(t, h)[c]));
      for (std::int64_t c = 0; c < D; ++c) {
        const double got = ropekit::to_double(keys_view.at(t, h)[c]);
        if (c < offset || c >= offset + rotary) {
          ASSERT_TRUE(same_bits(keys_view.at(t, h)[c], stored[std::size_t(keys_view.at(t, h) + c - keys.data())]))
              << "channel " << c << " outside the rotary slice changed";
          continue;
        }
        const double tol = 16 * u * 2 * m + 2 * rk_test::ulp_of<T>(m);
        ASSERT_LE(std::abs(got - want_view.at(t, h)[c]), tol)
            << "token " << t << " head " << h << " channel " << c << " p " << p[std::size_t(t)] << " d "
            << d[std::size_t(t)];
      }
    }
  // And back: shifting by -d restores the stored keys within one rounding of T per shift.
  std::vector<std::int64_t> minus(d.size());
  for (std::size_t i = 0; i < d.size(); ++i) minus[i] = -d[i];
  ropekit::shift(pairing, freq, keys_view, minus, so);
  for (std::int64_t t = 0; t < tokens; ++t)
    for (std::int64_t h = 0; h < heads; ++h) {
      const std::size_t at = std::size_t(keys_view.at(t, h) - keys.data());
      double m = 0;
      for (std::int64_t c = 0; c < D; ++c) m = std::max(m, std::abs(ropekit::to_double(stored[at + std::size_t(c)])));
      for (std::int64_t c = 0; c < D; ++c) {
        const double was = ropekit::to_double(stored[at + std::size_t(c)]);
        ASSERT_LE(std::abs(ropekit::to_double(keys[at + std::size_t(c)]) - was),
                  2 * rk_test::ulp_of<T>(m) + 2 * 8 * u * 2 * m)
            << "token " << t << " head " << h << " channel " << c << " after +" << d[std::size_t(t)] << " and back";
      }
    }
}

TEST(Shift, EqualsRotatingAtTheShiftedPosition) {
  for (Pairing pairing : {Pairing::neox, Pairing::interleaved})
    for (int trial = 0; trial < 4; ++trial) {
      check_shift<float>(pairing, table(128), 0, trial == 0);
      check_shift<bf16>(pairing, table(64), trial * 2, trial == 1);
      check_shift<f16>(pairing, table(96), 0, false);
      if (::testing::Test::HasFatalFailure()) return;
    }
}

// YaRN's attention factor is in the stored keys once; a shift must not
// multiply it in again (llama.cpp's K-shift does: its norm grows by the
// factor at every shift).
TEST(Shift, DoesNotReapplyTheAttentionFactor) {
  const auto freq = table(128, yarn(16.0));
  ASSERT_GT(freq.attention_factor, 1.2f);
  for (Pairing pairing : {Pairing::neox, Pairing::interleaved}) {
    check_shift<float>(pairing, freq, 0, false);
    check_shift<bf16>(pairing, freq, 0, true);
  }
}

TEST(Shift, PagedCellsOnly) {
  const std::int64_t pages = 5, page = 8, heads = 2, D = 64, cells = 9;
  const auto freq = table(D);
  auto values = rk_test::random_vector<f16>(std::size_t(pages * page * heads * D));
  const std::vector<f16> before = values;
  const auto cache = PagedCache<f16>::hnd(values.data(), pages, page, heads, D);
  std::vector<std::int64_t> slots(pages * page);
  std::iota(slots.begin(), slots.end(), 0);
  std::shuffle(slots.begin(), slots.end(), rk_test::rng());
  slots.resize(cells);
  slots[3] = -1;  // skipped
  std::vector<std::int64_t> deltas(cells);
  for (auto& d : deltas) d = uniform(-1000, 1000);
  ropekit::shift(Pairing::neox, freq, cache, ropekit::CacheSlots{slots.data(), cells}, deltas);
  std::vector<bool> shifted(static_cast<std::size_t>(pages * page), false);
  for (std::int64_t i = 0; i < cells; ++i) {
    if (slots[std::size_t(i)] < 0) continue;
    shifted[std::size_t(slots[std::size_t(i)])] = true;
    // Each cell equals its vector shifted through a plain view.
    for (std::int64_t h = 0; h < heads; ++h) {
      const std::int64_t s = slots[std::size_t(i)];
      std::vector<f16> one(before.begin() + (s / page * page * heads + h * page + s % page) * D,
                           before.begin() + (s / page * page * heads + h * page + s % page + 1) * D);
      ropekit::shift(Pairing::neox, freq, HeadsView<f16>::token_major(one.data(), 1, 1, D),
                     ropekit::Positions::same(deltas[std::size_t(i)]));
      ASSERT_EQ(std::memcmp(one.data(), entry_of(cache, s / page, s % page, h), sizeof(f16) * D), 0);
    }
  }
  for (std::int64_t s = 0; s < pages * page; ++s) {
    if (shifted[std::size_t(s)]) continue;
    for (std::int64_t h = 0; h < heads; ++h) {
      ASSERT_EQ(std::memcmp(entry_of(cache, s / page, s % page, h),
                            before.data() + (s / page * page * heads + h * page + s % page) * D, sizeof(f16) * D),
                0)
          << "slot " << s << " changed";
    }
  }
}

// ---------------------------------------------------------------------------
// rerotate
// ---------------------------------------------------------------------------

/// Keys rotated with `from` and stored as T, moved to `to`: equal to the
/// original keys rotated with `to` (attention factor included), positions up
/// to 2^20. Tolerance: one rounding of T for each of the two stores plus the
/// float rotations (a few u each) -- independent of the position because the
/// angle p * (to - from) is formed exactly. Taking the difference of the
/// two float angles instead would be off by up to p * 2^-24 rad: 0.06 at 2^20.
template <class T>
void check_rerotate(Pairing pairing, const ropekit::Frequencies& from, const ropekit::Frequencies& to) {
  const std::int64_t tokens = uniform(1, 40), heads = uniform(1, 3), D = std::int64_t(to.inv_freq.size()) * 2;
  auto raw = rk_test::random_vector<float>(std::size_t(tokens * heads * D));
  const auto raw_view = HeadsView<float>::token_major(raw.data(), tokens, heads, D);
  std::vector<std::int64_t> p(static_cast<std::size_t>(tokens));
  for (auto& x : p) x = uniform(0, std::int64_t(1) << 20);
  p[0] = std::int64_t(1) << 20;
  std::vector<T> keys(raw.size());
  const auto keys_view = HeadsView<T>::token_major(keys.data(), tokens, heads, D);
  ropekit::apply_into(pairing, from, raw_view, keys_view, p);
  ropekit::rerotate(pairing, from, to, keys_view, p);
  std::vector<double> want(raw.size());
  const auto want_view = HeadsView<double>::token_major(want.data(), tokens, heads, D);
  ropekit::reference::apply_into(pairing, to, HeadsView<const float>(raw_view), want_view, p.data());
  const double u = rk_test::unit_roundoff<float>();
  const double ratio = std::max(1.0, double(from.attention_factor) / double(to.attention_factor));
  for (std::int64_t t = 0; t < tokens; ++t)
    for (std::int64_t h = 0; h < heads; ++h) {
      double m = 0;
      for (std::int64_t c = 0; c < D; ++c) m = std::max(m, std::abs(want_view.at(t, h)[c]));
      for (std::int64_t c = 0; c < D; ++c)
        ASSERT_LE(std::abs(ropekit::to_double(keys_view.at(t, h)[c]) - want_view.at(t, h)[c]),
                  16 * u * 2 * m + 2 * ratio * rk_test::ulp_of<T>(m))
            << "token " << t << " head " << h << " channel " << c << " position " << p[std::size_t(t)];
    }
}

TEST(Rerotate, LongRopeShortToLong) {
  ropekit::scaling::LongRope lr;
  for (int i = 0; i < 48; ++i) {
    lr.short_factor.push_back(1.0 + 0.05 * i);
    lr.long_factor.push_back(1.0 + 0.9 * i);
  }
  lr.original_max_position_embeddings = 4096;
  lr.max_position_embeddings = 131072;
  const auto short_table = table(96, lr, 4096), long_table = table(96, lr, 8192);
  ASSERT_NE(short_table.inv_freq, long_table.inv_freq);
  for (Pairing pairing : {Pairing::neox, Pairing::interleaved}) {
    check_rerotate<float>(pairing, short_table, long_table);
    check_rerotate<bf16>(pairing, short_table, long_table);
  }
}

TEST(Rerotate, DynamicNtkBaseChange) {
  ropekit::scaling::DynamicNtk ntk;
  ntk.factor = 4.0;
  ntk.original_max_position_embeddings = 4096;
  const auto at_8k = table(128, ntk, 8192), at_32k = table(128, ntk, 32768);
  for (Pairing pairing : {Pairing::neox, Pairing::interleaved}) {
    check_rerotate<float>(pairing, at_8k, at_32k);
    check_rerotate<f16>(pairing, at_32k, at_8k);
  }
}

TEST(Rerotate, YarnFactorChangeScalesByTheRatio) {
  const auto from = table(128, yarn(4.0)), to = table(128, yarn(32.0));
  ASSERT_NE(from.attention_factor, to.attention_factor);
  for (Pairing pairing : {Pairing::neox, Pairing::interleaved}) {
    check_rerotate<float>(pairing, from, to);
    check_rerotate<bf16>(pairing, to, from);
  }
}

#if ROPEKIT_HAS_EXCEPTIONS
TEST(Rerotate, TablesMustMatch) {
  std::vector<float> keys(64, 0.5f);
  const std::vector<float> before = keys;
  const std::int64_t p[] = {3};
  const std::string message = error_of([&] {
    ropekit::rerotate(Pairing::neox, table(64), table(32), HeadsView<float>::token_major(keys.data(), 1, 1, 64), p);
  });
  EXPECT_NE(message.find("to.inv_freq.size()"), std::string::npos) << message;
  EXPECT_EQ(keys, before);
}
#endif

// ---------------------------------------------------------------------------
// Head norm + RoPE
// ---------------------------------------------------------------------------

/// apply with a head norm against reference::rms_norm_heads then
/// reference::apply_into (tolerance: the float rotation's 5 u plus the norm's
/// factor and products, 7 u, of the largest value; with round_to_storage one
/// more ulp of T for each of the two roundings, which the reference makes in
/// double from a slightly different factor).
template <class T>
void check_norm(Pairing pairing, const ropekit::RmsNorm& norm, std::int64_t head_dim, std::int64_t rotary,
                std::int64_t offset) {
  const std::int64_t tokens = uniform(2, 20), qh = uniform(1, 8), kh = uniform(2, 3);
  const auto freq = table(rotary);
  auto q = rk_test::random_vector<T>(std::size_t(tokens * qh * head_dim));
  auto k = rk_test::random_vector<T>(std::size_t(tokens * kh * head_dim));
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = ropekit::from_double<T>(ropekit::to_double(k[i]) * 30.0);
  const std::vector<T> q0 = q, k0 = k;
  std::vector<std::int64_t> p(static_cast<std::size_t>(tokens));
  for (auto& x : p) x = uniform(0, 100000);
  ropekit::ApplyOptions o;
  o.rotary_offset = offset;
  o.norm = norm;
  // Q token-major, K head-major ([heads][tokens][head_dim]): every layout
  // takes the norm.
  auto view = [&](auto* data, int which, std::int64_t heads) {
    using V = std::remove_pointer_t<decltype(data)>;
    return which == 0 ? HeadsView<V>::token_major(data, tokens, heads, head_dim)
                      : HeadsView<V>::head_major(data, tokens, heads, head_dim);
  };
  const auto qv = view(q.data(), 0, qh);
  const auto kv = view(k.data(), 1, kh);
  ropekit::apply(pairing, freq, qv, kv, p, o);
  const double u = rk_test::unit_roundoff<float>();
  for (int which = 0; which < 2; ++which) {
    const std::vector<T>& src = which == 0 ? q0 : k0;
    const HeadsView<T>& got = which == 0 ? qv : kv;
    const auto src_view = view(src.data(), which, got.heads);
    std::vector<double> normed(src.size()), want(src.size());
    const auto nv = view(normed.data(), which, got.heads);
    const auto wv = view(want.data(), which, got.heads);
    ropekit::reference::rms_norm_heads(src_view, nv, norm);
    ropekit::reference::Options ro;
    ro.rotary_offset = offset;
    ropekit::reference::apply_into(pairing, freq, HeadsView<const double>(nv), wv, p.data(), ro);
    for (std::int64_t t = 0; t < tokens; ++t)
      for (std::int64_t h = 0; h < got.heads; ++h) {
        double m = 0;
        for (std::int64_t c = 0; c < head_dim; ++c) m = std::max(m, std::abs(wv.at(t, h)[c]));
        for (std::int64_t c = 0; c < head_dim; ++c) {
          const double tol = 12 * u * 2 * m + rk_test::ulp_of<T>(std::abs(wv.at(t, h)[c])) +
                             (norm.round_to_storage ? 2 * rk_test::ulp_of<T>(m) : 0.0);
          ASSERT_LE(std::abs(ropekit::to_double(got.at(t, h)[c]) - wv.at(t, h)[c]), tol)
              << (which == 0 ? "q" : "k") << " token " << t << " head " << h << " channel " << c;
        }
      }
  }
  // round_to_storage: bit for bit the unfused pipeline (rms_norm_heads into
  // a T tensor, then apply).
  if (norm.round_to_storage) {
    std::vector<T> q1(q0.size()), k1(k0.size());
    const auto q1v = view(q1.data(), 0, qh);
    const auto k1v = view(k1.data(), 1, kh);
    ropekit::rms_norm_heads(view(q0.data(), 0, qh), q1v, norm);
    ropekit::rms_norm_heads(view(k0.data(), 1, kh), k1v, norm);
    ropekit::ApplyOptions plain;
    plain.rotary_offset = offset;
    ropekit::apply(pairing, freq, q1v, k1v, p, plain);
    for (std::size_t i = 0; i < q.size(); ++i)
      ASSERT_TRUE(same_bits(q1[i], q[i]))
          << "fused and unfused Q differ at " << i << ": " << ropekit::to_double(q[i]) << " unfused "
          << ropekit::to_double(q1[i]) << " head_dim " << head_dim << " rotary " << rotary << " offset " << offset;
    ASSERT_EQ(std::memcmp(k1.data(), k.data(), k.size() * sizeof(T)), 0) << "fused and unfused K differ";
  }
}

template <class T>
void norm_suite(bool round_to_storage) {
  std::vector<float> weight(256);
  for (auto& w : weight)
    w = ropekit::to_float(ropekit::from_double<bf16>(std::uniform_real_distribution<double>(-0.5, 2)(rk_test::rng())));
  for (Pairing pairing : {Pairing::neox, Pairing::interleaved})
    for (int variant = 0; variant < 3; ++variant) {
      const std::int64_t head_dim = variant == 2 ? 256 : 128;
      ropekit::RmsNorm n{variant == 0 ? nullptr : weight.data(), variant == 0 ? 0 : head_dim, 1e-6, variant == 2,
                         round_to_storage};
      check_norm<T>(pairing, n, head_dim, head_dim, 0);
      check_norm<T>(pairing, n, head_dim, 64, variant == 1 ? 32 : 0);  // partial rotary: tail normalized only
      if (::testing::Test::HasFatalFailure()) return;
    }
}

TEST(HeadNorm, F32AgainstReference) { norm_suite<float>(false); }
TEST(HeadNorm, Bf16AgainstReference) { norm_suite<bf16>(false); }
TEST(HeadNorm, Bf16RoundedMatchesUnfusedBitForBit) { norm_suite<bf16>(true); }
TEST(HeadNorm, F16RoundedMatchesUnfusedBitForBit) { norm_suite<f16>(true); }

#if ROPEKIT_HAS_EXCEPTIONS
TEST(HeadNorm, RejectsBadArguments) {
  std::vector<float> x(4 * 128, 1.0f), w(128, 1.0f);
  const std::vector<float> before = x;
  const auto view = HeadsView<float>::token_major(x.data(), 2, 2, 128);
  const std::int64_t p[] = {1, 2};
  auto with = [&](ropekit::RmsNorm n, std::int64_t rotary = 128) {
    ropekit::ApplyOptions o;
    o.norm = n;
    return error_of([&] { ropekit::apply(Pairing::neox, table(rotary), view, p, o); });
  };
  EXPECT_NE(with({w.data(), 64}).find("options.norm->weight_size"), std::string::npos);
  EXPECT_NE(with({nullptr, 128}).find("options.norm->weight"), std::string::npos);
  EXPECT_NE(with({w.data(), 128, -1.0}).find("options.norm->eps"), std::string::npos);
  EXPECT_NE(with({w.data(), 128, std::nan("")}).find("options.norm->eps"), std::string::npos);
  EXPECT_EQ(x, before);
}
#endif

}  // namespace
