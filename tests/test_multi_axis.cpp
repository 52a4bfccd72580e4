// Positions beyond one axis: the layouts against tables derived here from
// their formulas, every layout through the kernels against the reference
// (pairings, element types, in and out of place, caches, offsets, query
// scale, inverse), sectioned MRoPE with equal axes equal to 1-D RoPE bit for
// bit, a call with a source per token equal to calls per group bit for bit,
// and bad input rejected with nothing written.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support.hpp"

namespace {

using ropekit::AxisFrequencies;
using ropekit::bf16;
using ropekit::f16;
using ropekit::HeadsView;
using ropekit::Pairing;

ropekit::Frequencies table(std::int64_t rotary_dim, double base = 1000000.0) {
  ropekit::RopeSpec s;
  s.rotary_dim = rotary_dim;
  s.base = base;
  return ropekit::frequencies(s);
}

/// The axes of a table as text ("00111222"). (Compared as strings: g++
/// 12.2 with AVX-512VL builds some std::vector<int>{...} literals wrong, e.g.
/// {1, 2, 1, 2, 1, 2, 0, 0} as a broadcast of {1, 2}.)
std::string axes_of(const AxisFrequencies& a) {
  std::string s;
  for (std::uint8_t v : a.axis) s += char('0' + v);
  return s;
}

// ---------------------------------------------------------------------------
// The layouts, derived from their formulas.
// ---------------------------------------------------------------------------

TEST(MultiAxisLayouts, SectionedMrope) {
  const auto f = table(16);  // 8 pairs
  const auto a = ropekit::mrope_sectioned(f, {2, 3, 3});
  EXPECT_EQ(a.n_axes, 3);
  EXPECT_EQ(axes_of(a), "00111222");
  EXPECT_EQ(a.inv_freq, f.inv_freq);  // the ordinary table, not restarted per section
  const auto qwen = ropekit::mrope_sectioned(table(128), {16, 24, 24});
  EXPECT_EQ(qwen.axis[15], 0);
  EXPECT_EQ(qwen.axis[16], 1);
  EXPECT_EQ(qwen.axis[39], 1);
  EXPECT_EQ(qwen.axis[40], 2);
  EXPECT_EQ(qwen.axis[63], 2);
}

TEST(MultiAxisLayouts, InterleavedMropeFallsBackToTemporal) {
  // Qwen3-VL: [24, 20, 20] over 64 pairs. j % 3 == 1 and j < 60 -> H;
  // j % 3 == 2 and j < 60 -> W; everything else T (pairs 61, 62 included).
  const auto a = ropekit::mrope_interleaved(table(128), {24, 20, 20});
  for (int j = 0; j < 64; ++j) {
    const int want = (j % 3 == 1 && j < 60) ? 1 : (j % 3 == 2 && j < 60) ? 2 : 0;
    EXPECT_EQ(a.axis[std::size_t(j)], want) << j;
  }
  EXPECT_EQ(a.axis[61], 0);
  EXPECT_EQ(a.axis[62], 0);
}

TEST(MultiAxisLayouts, Ernie3d) {
  const auto a = ropekit::ernie_3d(table(16), 2);  // 8 pairs: 6 alternate H/W, last 2 T
  EXPECT_EQ(axes_of(a), "12121200");
}

/// The vision tables take their frequencies from Hugging Face's float32
/// default table (which test_frequencies checks against Hugging Face): the
/// entries must be exactly those, and within the float32 evaluation error of
/// the formula (exponent rounded to float: ln(base) * e * 2^-24 relative, plus
/// the pow and reciprocal roundings, 1 ulp; below 1e-6 relative here).
TEST(MultiAxisLayouts, VisionTables) {
  const double base = 10000.0;
  // Qwen2-VL's ViT, head_dim 80: theta_k = base^(-2k/40), k < 20, rows then columns.
  const auto q = ropekit::vision_axial_2d(80, base);
  const auto q_table = table(40, base).inv_freq;
  ASSERT_EQ(q.inv_freq.size(), 40u);
  EXPECT_EQ(axes_of(q), std::string(20, '0') + std::string(20, '1'));
  for (int k = 0; k < 20; ++k) {
    EXPECT_EQ(q.inv_freq[std::size_t(k)], q_table[std::size_t(k)]);
    EXPECT_EQ(q.inv_freq[std::size_t(k + 20)], q_table[std::size_t(k)]);
    const double want = 1.0 / std::pow(base, 2.0 * k / 40.0);
    EXPECT_NEAR(q.inv_freq[std::size_t(k)], want, 1e-6 * want) << k;
  }
  // Pixtral, head_dim 64: rows take the even entries b^(-2(2k)/64), columns the odd.
  const auto p = ropekit::vision_pixtral_2d(64, base);
  const auto p_table = table(64, base).inv_freq;
  ASSERT_EQ(p.inv_freq.size(), 32u);
  EXPECT_EQ(axes_of(p), std::string(16, '0') + std::string(16, '1'));
  for (int k = 0; k < 16; ++k) {
    EXPECT_EQ(p.inv_freq[std::size_t(k)], p_table[std::size_t(2 * k)]);
    EXPECT_EQ(p.inv_freq[std::size_t(k + 16)], p_table[std::size_t(2 * k + 1)]);
    const double col = 1.0 / std::pow(base, 2.0 * (2 * k + 1) / 64.0);
    EXPECT_NEAR(p.inv_freq[std::size_t(k + 16)], col, 1e-6 * col) << k;
  }
  // Llama 4's vision RoPE, head_dim 88: theta_k = b^(-4k/88), k < 22, columns then rows.
  const auto l = ropekit::vision_llama4_2d(88, base);
  const auto l_table = table(44, base).inv_freq;
  ASSERT_EQ(l.inv_freq.size(), 44u);
  for (int k = 0; k < 22; ++k) {
    EXPECT_EQ(l.inv_freq[std::size_t(k)], l_table[std::size_t(k)]);
    EXPECT_EQ(l.axis[std::size_t(k + 22)], 1);
    const double want = 1.0 / std::pow(base, 4.0 * k / 88.0);
    EXPECT_NEAR(l.inv_freq[std::size_t(k)], want, 1e-6 * want) << k;
  }
}

// ---------------------------------------------------------------------------
// The kernels against the reference.
// ---------------------------------------------------------------------------

struct Layout {
  std::string name;
  AxisFrequencies axes;
  std::int64_t head_dim;
};

std::vector<Layout> layouts() {
  ropekit::RopeSpec yarn_spec;
  yarn_spec.rotary_dim = 96;
  yarn_spec.base = 1000000.0;
  ropekit::scaling::Yarn y;
  y.factor = 4.0;
  y.original_max_position_embeddings = 1024;
  yarn_spec.scaling = y;
  const auto yarn = ropekit::frequencies(yarn_spec);  // attention factor != 1
  std::vector<Layout> out;
  out.push_back({"1d", ropekit::single_axis(table(64)), 64});
  out.push_back({"sectioned", ropekit::mrope_sectioned(table(128), {16, 24, 24}), 128});
  out.push_back({"sectioned_yarn_partial", ropekit::mrope_sectioned(yarn, {12, 18, 18}), 112});
  out.push_back({"interleaved", ropekit::mrope_interleaved(table(128), {24, 20, 20}), 128});
  out.push_back({"ernie", ropekit::ernie_3d(table(64), 10), 64});
  out.push_back({"vision_axial", ropekit::vision_axial_2d(80), 80});
  out.push_back({"pixtral", ropekit::vision_pixtral_2d(64), 64});
  out.push_back({"llama4_vision", ropekit::vision_llama4_2d(88), 88});
  // A raw table: axis per pair from a pattern no layout uses.
  AxisFrequencies raw = ropekit::single_axis(table(40));
  raw.n_axes = 4;
  for (std::size_t j = 0; j < raw.axis.size(); ++j) raw.axis[j] = std::uint8_t((j * 7 + 3) % 4);
  out.push_back({"raw_4_axes", raw, 48});
  return out;
}

/// Tolerance per element, as in test_apply: coefficient (2 u_C, or 2 u_float
/// from a cache), rotation (3 u_C), times the magnitude of the pair's terms,
/// plus 1 ulp of a narrower destination.
template <class C, class D>
double tolerance(bool cache, double magnitude, double reference) {
  const double u = rk_test::unit_roundoff<C>();
  double tol = ((cache ? 2 * rk_test::unit_roundoff<float>() : 2 * u) + 3 * u) * magnitude;
  if (!std::is_same<C, D>::value) tol += rk_test::ulp_of<D>(std::abs(reference));
  return tol;
}

template <class S, class D>
void check_layout(const Layout& L, Pairing pairing, bool use_cache, bool in_place, ropekit::Direction direction,
                  std::int64_t offset, bool with_query_scale) {
  using C = ropekit::detail::compute_t<S, D>;
  SCOPED_TRACE(L.name + (pairing == Pairing::neox ? " neox" : " interleaved") + (use_cache ? " cache" : " on the fly") +
               (in_place ? " in place" : " into") + " offset " + std::to_string(offset) +
               (with_query_scale ? " query scale" : ""));
  const std::int64_t tokens = 7, heads = 3, pairs = std::int64_t(L.axes.inv_freq.size());
  const std::int64_t head_dim = std::max(L.head_dim, offset + 2 * pairs);
  const int n_axes = L.axes.n_axes;
  // Positions [n_axes][tokens + 2] (axis stride larger than the count), some
  // shared across axes, some not; within the cache for the cache case.
  const std::int64_t stride = tokens + 2, rows = 5000;
  std::vector<std::int64_t> pos(std::size_t(n_axes * stride), -1);
  std::uniform_int_distribution<std::int64_t> any(0, use_cache ? rows - 1 : 2000000000);
  for (std::int64_t t = 0; t < tokens; ++t) {
    const std::int64_t shared = any(rk_test::rng());  // text-like tokens: every axis the same
    for (int a = 0; a < n_axes; ++a) pos[std::size_t(a * stride + t)] = t % 3 == 0 ? shared : any(rk_test::rng());
  }
  const auto src_values = rk_test::random_vector<S>(std::size_t(tokens * heads * head_dim));
  std::vector<S> src = src_values;
  std::vector<D> dst(src.size(), rk_test::poison<D>());
  const auto sv = HeadsView<S>::token_major(src.data(), tokens, heads, head_dim);
  const auto dv = HeadsView<D>::token_major(dst.data(), tokens, heads, head_dim);
  ropekit::ApplyOptions o;
  o.direction = direction;
  o.rotary_offset = offset;
  ropekit::PositionQueryScale qs{0.1, 1.0, 3.0e8};
  if (with_query_scale) o.query_scale = qs;
  const auto positions = ropekit::Positions::axes(pos.data(), tokens, n_axes, stride);
  ropekit::CosSinCache cache;
  if (use_cache) cache = ropekit::CosSinCache(L.axes, rows);
  auto run = [&](const auto& angles) {
    if constexpr (std::is_same<S, D>::value) {
      if (in_place) return ropekit::apply(pairing, angles, sv, positions, o);
    }
    ropekit::apply_into(pairing, angles, sv, dv, positions, o);
  };
  if (use_cache) {
    run(cache);
  } else {
    run(L.axes);
  }
  std::vector<double> ref(src.size());
  ropekit::reference::Options ro;
  ro.direction = direction;
  ro.rotary_offset = offset;
  if (with_query_scale) ro.query_scale = qs;
  ropekit::reference::apply_into(
      pairing, L.axes, HeadsView<const S>::token_major(src_values.data(), tokens, heads, head_dim),
      HeadsView<double>::token_major(ref.data(), tokens, heads, head_dim), pos.data(), stride, ro);
  const bool same_type_in_place = in_place && std::is_same<S, D>::value;
  const double af = direction == ropekit::Direction::forward ? L.axes.attention_factor : 1.0 / L.axes.attention_factor;
  int failures = 0;
  for (std::int64_t t = 0; t < tokens && failures < 5; ++t) {
    const double m = with_query_scale ? qs.at(pos[std::size_t(t)]) : 1.0;
    for (std::int64_t h = 0; h < heads && failures < 5; ++h)
      for (std::int64_t d = 0; d < head_dim && failures < 5; ++d) {
        const std::size_t at = std::size_t((t * heads + h) * head_dim + d);
        const double got = same_type_in_place ? ropekit::to_double(src[at]) : ropekit::to_double(dst[at]);
        const double want = ref[at];
        double magnitude;
        if (d >= offset && d < offset + 2 * pairs) {
          const std::int64_t i = pairing == Pairing::neox ? (d - offset) % pairs : (d - offset) / 2;
          const std::int64_t a = offset + (pairing == Pairing::neox ? i : 2 * i);
          const std::int64_t b = offset + (pairing == Pairing::neox ? i + pairs : 2 * i + 1);
          const double x1 = std::abs(ropekit::to_double(src_values[std::size_t((t * heads + h) * head_dim + a)]));
          const double x2 = std::abs(ropekit::to_double(src_values[std::size_t((t * heads + h) * head_dim + b)]));
          magnitude = (x1 + x2) * af * m;
        } else {
          magnitude = std::abs(want);
        }
        // The query scale rounds the scaled coefficients once more: 2 u_C.
        const double tol = tolerance<C, D>(use_cache, magnitude, want) +
                           (with_query_scale ? 2 * rk_test::unit_roundoff<C>() * magnitude : 0.0);
        if (!(std::abs(got - want) <= tol)) {
          ADD_FAILURE() << "(" << t << "," << h << "," << d << ") got " << got << " want " << want << " tol " << tol;
          ++failures;
        }
      }
  }
}

template <class P>
class MultiAxisKernel : public ::testing::Test {};
template <class S, class D>
struct Pair {
  using Src = S;
  using Dst = D;
};
using KernelTypes = ::testing::Types<Pair<float, float>, Pair<bf16, bf16>, Pair<f16, f16>, Pair<double, double>,
                                     Pair<float, bf16>, Pair<bf16, float>>;
TYPED_TEST_SUITE(MultiAxisKernel, KernelTypes, );

TYPED_TEST(MultiAxisKernel, MatchesReference) {
  using S = typename TypeParam::Src;
  using D = typename TypeParam::Dst;
  for (const Layout& L : layouts())
    for (Pairing pairing : {Pairing::neox, Pairing::interleaved})
      for (bool cache : {false, true})
        for (bool in_place : {true, false})
          for (auto direction : {ropekit::Direction::forward, ropekit::Direction::inverse}) {
            if (in_place && !std::is_same<S, D>::value) continue;
            const std::int64_t offset = (L.name.size() + int(cache)) % 3 == 0 ? 0 : 8 * std::int64_t(L.name.size() % 3);
            check_layout<S, D>(L, pairing, cache, in_place, direction, offset, !cache && !in_place);
            if (::testing::Test::HasFailure()) return;
          }
}

// ---------------------------------------------------------------------------
// Bit-for-bit identities.
// ---------------------------------------------------------------------------

TEST(MultiAxis, SectionedWithEqualAxesIsOneDimensionalBitForBit) {
  const auto f = table(128);
  const auto a = ropekit::mrope_sectioned(f, {16, 24, 24});
  const std::int64_t tokens = 9;
  auto x = rk_test::random_vector<float>(std::size_t(tokens * 4 * 128));
  auto y = x;
  std::vector<std::int64_t> p1(static_cast<std::size_t>(tokens)), p3(static_cast<std::size_t>(3 * tokens));
  for (std::int64_t t = 0; t < tokens; ++t)
    p1[std::size_t(t)] = p3[std::size_t(t)] = p3[std::size_t(tokens + t)] = p3[std::size_t(2 * tokens + t)] =
        1000 * t * t + 7;
  for (Pairing pairing : {Pairing::neox, Pairing::interleaved}) {
    ropekit::apply(pairing, f, HeadsView<float>::token_major(x.data(), tokens, 4, 128), p1);
    ropekit::apply(pairing, a, HeadsView<float>::token_major(y.data(), tokens, 4, 128),
                   ropekit::Positions::axes(p3.data(), tokens, 3));
  }
  EXPECT_EQ(std::memcmp(x.data(), y.data(), x.size() * sizeof(float)), 0);
  // A PositionRange gives every axis the same position.
  ropekit::apply(Pairing::neox, f, HeadsView<float>::token_major(x.data(), tokens, 4, 128), ropekit::PositionRange{50});
  ropekit::apply(Pairing::neox, a, HeadsView<float>::token_major(y.data(), tokens, 4, 128), ropekit::PositionRange{50});
  EXPECT_EQ(std::memcmp(x.data(), y.data(), x.size() * sizeof(float)), 0);
}

TEST(MultiAxis, SourcePerTokenEqualsCallsPerGroupBitForBit) {
  // Dynamic NTK per request: four tables, tokens of a batch interleaved.
  std::vector<ropekit::Frequencies> tables;
  for (std::int64_t len : {0, 9000, 20000, 70000}) {
    ropekit::RopeSpec s;
    s.rotary_dim = 128;
    s.base = 10000.0;
    ropekit::scaling::DynamicNtk d;
    d.factor = 4.0;
    d.original_max_position_embeddings = 8192;
    s.scaling = d;
    tables.push_back(ropekit::frequencies(s, len));
  }
  const ropekit::AngleSet set(tables);
  ASSERT_EQ(set.size(), 4);
  const std::int64_t tokens = 23;
  std::vector<std::int32_t> which(static_cast<std::size_t>(tokens));
  std::vector<std::int64_t> pos(static_cast<std::size_t>(tokens));
  for (std::int64_t t = 0; t < tokens; ++t)
    which[std::size_t(t)] = std::int32_t((t * 5) % 4), pos[std::size_t(t)] = 3 * t + 100 * (t % 4);
  auto q = rk_test::random_vector<bf16>(std::size_t(tokens * 4 * 128)),
       k = rk_test::random_vector<bf16>(std::size_t(tokens * 2 * 128));
  auto q2 = q, k2 = k;
  for (Pairing pairing : {Pairing::neox, Pairing::interleaved}) {
    ropekit::apply(pairing, set.per_token(which), HeadsView<bf16>::token_major(q.data(), tokens, 4, 128),
                   HeadsView<bf16>::token_major(k.data(), tokens, 2, 128), pos);
    for (std::int64_t t = 0; t < tokens; ++t) {
      const std::int64_t p[1] = {pos[std::size_t(t)]};
      ropekit::apply(pairing, tables[std::size_t(which[std::size_t(t)])],
                     HeadsView<bf16>::token_major(q2.data() + t * 4 * 128, 1, 4, 128),
                     HeadsView<bf16>::token_major(k2.data() + t * 2 * 128, 1, 2, 128), p);
    }
  }
  EXPECT_EQ(std::memcmp(q.data(), q2.data(), q.size() * sizeof(bf16)), 0);
  EXPECT_EQ(std::memcmp(k.data(), k2.data(), k.size() * sizeof(bf16)), 0);
  // Caches too.
  std::vector<ropekit::CosSinCache> caches;
  for (const auto& t : tables) caches.emplace_back(t, 1024);
  const ropekit::AngleSet cache_set(caches);
  ropekit::ApplyOptions inverse;
  inverse.direction = ropekit::Direction::inverse;
  std::vector<std::int64_t> small(pos.size());
  for (std::size_t i = 0; i < pos.size(); ++i) small[i] = pos[i] % 1024;
  ropekit::apply(Pairing::neox, cache_set.per_token(which), HeadsView<bf16>::token_major(q.data(), tokens, 4, 128),
                 small, inverse);
  for (std::int64_t t = 0; t < tokens; ++t) {
    const std::int64_t p[1] = {small[std::size_t(t)]};
    ropekit::apply(Pairing::neox, caches[std::size_t(which[std::size_t(t)])],
                   HeadsView<bf16>::token_major(q2.data() + t * 4 * 128, 1, 4, 128), p, inverse);
  }
  EXPECT_EQ(std::memcmp(q.data(), q2.data(), q.size() * sizeof(bf16)), 0);
}

TEST(MultiAxis, ScaleQueriesAlone) {
  // Llama 4's NoPE layers: scale 0.1, offset 1, interval 8192.
  const ropekit::PositionQueryScale qs{0.1, 1.0, 8192.0};
  const std::int64_t tokens = 4;
  auto q = rk_test::random_vector<float>(std::size_t(tokens * 2 * 64));
  const auto original = q;
  const std::vector<std::int64_t> pos = {0, 8191, 8192 * 3, 1000000};
  ropekit::scale_queries(HeadsView<float>::token_major(q.data(), tokens, 2, 64), pos, qs);
  for (std::int64_t t = 0; t < tokens; ++t) {
    const double m = 1.0 + 0.1 * std::log(std::floor((double(pos[std::size_t(t)]) + 1.0) / 8192.0) + 1.0);
    for (std::int64_t i = 0; i < 2 * 64; ++i) {
      const double want = double(original[std::size_t(t * 128 + i)]) * m;
      EXPECT_NEAR(q[std::size_t(t * 128 + i)], want, 2 * rk_test::ulp_of<float>(std::abs(want)));
    }
  }
  EXPECT_EQ(q[0], original[0]);  // position 0: factor 1 + 0.1 ln(1) = 1
}

// ---------------------------------------------------------------------------
// Bad input.
// ---------------------------------------------------------------------------

template <class F>
void expect_rejected(F&& f, const std::string& needle, const std::vector<float>& buffer) {
  const auto before = buffer;
  try {
    f();
    ADD_FAILURE() << "accepted; wanted " << needle;
  } catch (const ropekit::error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
  EXPECT_EQ(std::memcmp(before.data(), buffer.data(), buffer.size() * sizeof(float)), 0);
}

TEST(MultiAxis, BadInputIsRejected) {
  const auto f = table(16);  // 8 pairs
  auto x = rk_test::random_vector<float>(2 * 2 * 16);
  const auto v = HeadsView<float>::token_major(x.data(), 2, 2, 16);
  const std::vector<std::int64_t> pos3 = {1, 2, 3, 4, 5, 6};
  expect_rejected([&] { (void)ropekit::mrope_sectioned(f, {2, 3, 2}); }, "must sum to the number of rotated pairs", x);
  expect_rejected([&] { (void)ropekit::mrope_sectioned(f, {2, 3}); }, "mrope_section.size() = 2", x);
  expect_rejected([&] { (void)ropekit::mrope_interleaved(f, {2, -1, 2}); }, "mrope_section[1] = -1", x);
  auto bad = ropekit::mrope_sectioned(f, {2, 3, 3});
  bad.axis[5] = 3;
  expect_rejected([&] { ropekit::apply(Pairing::neox, bad, v, ropekit::Positions::axes(pos3.data(), 2, 3)); },
                  "axes.axis[5] = 3", x);
  const auto good = ropekit::mrope_sectioned(f, {2, 3, 3});
  expect_rejected([&] { ropekit::apply(Pairing::neox, good, v, ropekit::Positions::axes(pos3.data(), 2, 2)); },
                  "positions.n_axes() = 2", x);
  expect_rejected(
      [&] {
        ropekit::apply(Pairing::neox, good, v, std::vector<std::int64_t>{1, 2});
      },
      "positions.n_axes() = 1", x);
  ropekit::ApplyOptions o;
  o.rotary_offset = 4;
  expect_rejected(
      [&] {
        ropekit::apply(Pairing::neox, f, v, std::vector<std::int64_t>{1, 2}, o);
      },
      "x.head_dim = 16 must be >= rotary_offset + rotary_dim = 20", x);
  o.rotary_offset = -1;
  expect_rejected(
      [&] {
        ropekit::apply(Pairing::neox, f, v, std::vector<std::int64_t>{1, 2}, o);
      },
      "options.rotary_offset = -1", x);
  const ropekit::AngleSet set(std::vector<ropekit::Frequencies>{f, f});
  expect_rejected(
      [&] {
        ropekit::apply(Pairing::neox, set.per_token(std::vector<std::int32_t>{0, 2}), v,
                       std::vector<std::int64_t>{1, 2});
      },
      "angles.index[1] = 2", x);
  expect_rejected(
      [&] {
        ropekit::AngleSet mixed(std::vector<ropekit::Frequencies>{f, table(32)});
      },
      "tables[1] pairs = 16", x);
  ropekit::ApplyOptions scaled;
  scaled.query_scale = ropekit::PositionQueryScale{0.1, -10.0, 1.0};
  expect_rejected(
      [&] {
        ropekit::apply(Pairing::neox, f, v, std::vector<std::int64_t>{1, 2}, scaled);
      },
      "positions[0] = 1", x);
  scaled.query_scale = ropekit::PositionQueryScale{0.1, 0.0, 0.0};
  expect_rejected(
      [&] {
        ropekit::apply(Pairing::neox, f, v, std::vector<std::int64_t>{1, 2}, scaled);
      },
      "options.query_scale->interval = 0", x);
}

}  // namespace
