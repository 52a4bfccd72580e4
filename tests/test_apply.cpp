// Kernels against the scalar reference: every combination of pairing, element
// types, in place / out of place, Q only / Q+K, partial rotary, strides, angle
// source (on the fly, CosSinCache, caller table), position type, direction and
// angle mode, on every instruction set, with poisoned outputs and guards.
//
// Each typed suite is one (source type, destination type, path). A path is an
// instruction-set tag run through the header's kernels (skipped, visibly,
// where this build's flags do not enable it), or `auto`: the default of
// ropekit::apply, which in the binary linked with ropekit::dispatch is the
// library's kernel for the target chosen at run time (ctest runs that binary
// once per target, forced with ROPEKIT_TARGET).
#include <algorithm>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "support.hpp"

namespace {

using ropekit::bf16;
using ropekit::f16;
using ropekit::HeadsView;
using ropekit::Pairing;

template <class T>
bool same_bits(T a, T b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

enum class Source { on_the_fly, cache, table };
enum class PosKind { i64, i32, range };
enum class Layout { token_major, head_major, padded };

struct Case {
  Pairing pairing;
  Source source;
  ropekit::Direction direction;
  bool in_place;
  bool with_k;
  PosKind pos_kind;
  ropekit::AngleMode mode;
  std::int64_t head_dim, rotary_dim, tokens, heads;
  Layout layout;
  std::int64_t offset;  // elements before the view's first element (misalignment)

  std::string describe() const {
    return std::string(pairing == Pairing::neox ? "neox" : "interleaved") + " source=" + std::to_string(int(source)) +
           " inverse=" + std::to_string(direction == ropekit::Direction::inverse) +
           " in_place=" + std::to_string(in_place) + " qk=" + std::to_string(with_k) +
           " pos=" + std::to_string(int(pos_kind)) +
           " f32mode=" + std::to_string(mode == ropekit::AngleMode::float32_compatible) +
           " head_dim=" + std::to_string(head_dim) + " rotary_dim=" + std::to_string(rotary_dim) +
           " tokens=" + std::to_string(tokens) + " heads=" + std::to_string(heads) +
           " layout=" + std::to_string(int(layout)) + " offset=" + std::to_string(offset);
  }
};

/// A buffer holding one view plus guard elements before and after, all
/// poisoned except the viewed vectors, which get random values.
template <class T>
struct Buffer {
  std::vector<T> storage;
  HeadsView<T> view;
  std::int64_t guard = 17;

  Buffer(const Case& c, std::int64_t heads, bool fill) {
    std::int64_t ts, hs;
    switch (c.layout) {
      case Layout::token_major:
        ts = heads * c.head_dim, hs = c.head_dim;
        break;
      case Layout::head_major:
        ts = c.head_dim, hs = c.tokens * c.head_dim;
        break;
      default:
        hs = c.head_dim + 3, ts = heads * hs + 5;
        break;
    }
    view = HeadsView<T>{nullptr, c.tokens, heads, c.head_dim, ts, hs};
    storage.assign(std::size_t(view.required_span_size() + 2 * guard + c.offset), rk_test::poison<T>());
    view.data = storage.data() + guard + c.offset;
    if (fill) {
      const auto values = rk_test::random_vector<T>(std::size_t(c.tokens * heads * c.head_dim));
      std::size_t k = 0;
      for (std::int64_t t = 0; t < c.tokens; ++t)
        for (std::int64_t h = 0; h < heads; ++h)
          for (std::int64_t d = 0; d < c.head_dim; ++d) view.at(t, h)[d] = values[k++];
    }
  }
  /// Whether storage[index] is an element of a viewed vector. The layouts
  /// nest: the smaller stride steps within one step of the larger (when they
  /// are equal, one of tokens and heads is 1).
  bool in_view(std::size_t index) const {
    const std::int64_t rel = std::int64_t(index) - (view.data - storage.data());
    if (rel < 0 || rel >= view.required_span_size()) return false;
    const bool heads_outer = view.head_stride > view.token_stride;
    const std::int64_t outer = heads_outer ? view.head_stride : view.token_stride;
    const std::int64_t inner = heads_outer ? view.token_stride : view.head_stride;
    const std::int64_t outer_count = view.head_stride == view.token_stride ? view.tokens * view.heads
                                     : heads_outer                         ? view.heads
                                                                           : view.tokens;
    const std::int64_t inner_count = view.head_stride == view.token_stride ? 1 : heads_outer ? view.tokens : view.heads;
    return rel / outer < outer_count && rel % outer / inner < inner_count && rel % outer % inner < view.head_dim;
  }
};

/// Bound on |kernel - reference| for one output element, with u_X the unit
/// roundoff of X, C the compute type and M = |x1||c| + |x2||s| the size of
/// the terms of the pair (c, s the exact coefficients):
///  - coefficient error (relative): on the fly, cos/sin are within 1 ulp of C
///    and the attention factor adds a rounding: 2 u_C for float; for double
///    the range reduction and Taylor polynomials add a few ulps: 8 u_C. A
///    CosSinCache stores float values: 2 u_float. A caller table is used
///    exactly (0), its inverse (c, -s)/(c^2+s^2) adds 2 u_C;
///  - the rotation: a product and an fma, plus margin: 3 u_C;
///  - storing to a narrower D: 1 ulp of D at the result.
template <class C, class D>
double tolerance(Source source, bool inverse, double magnitude, double reference) {
  const double u = rk_test::unit_roundoff<C>();
  double coefficient;
  switch (source) {
    case Source::on_the_fly:
      coefficient = std::is_same<C, double>::value ? 8 * u : 2 * u;
      break;
    case Source::cache:
      coefficient = 2 * rk_test::unit_roundoff<float>();
      break;
    default:
      coefficient = inverse ? 2 * u : 0.0;
      break;
  }
  double tol = (coefficient + 3 * u) * magnitude;
  if (!std::is_same<C, D>::value) tol += rk_test::ulp_of<D>(std::abs(reference));
  return tol;
}

template <class S, class D, class Path>
struct Types {
  using Src = S;
  using Dst = D;
  using P = Path;
};

template <class P>
class ApplyTest : public ::testing::Test {};

namespace isa = ropekit::isa;
using Auto = ropekit::auto_arch;

/// The element-type pairs of the kernels, each on every path.
#define ROPEKIT_TEST_PATHS(S, D)                                                               \
  Types<S, D, Auto>, Types<S, D, isa::sse2>, Types<S, D, isa::avx2>, Types<S, D, isa::avx512>, \
      Types<S, D, isa::avx512_bf16>, Types<S, D, isa::neon>, Types<S, D, isa::neon_bf16>
using AllTypes =
    ::testing::Types<ROPEKIT_TEST_PATHS(float, float), ROPEKIT_TEST_PATHS(f16, f16), ROPEKIT_TEST_PATHS(bf16, bf16),
                     ROPEKIT_TEST_PATHS(double, double), ROPEKIT_TEST_PATHS(float, f16),
                     ROPEKIT_TEST_PATHS(float, bf16), ROPEKIT_TEST_PATHS(f16, float), ROPEKIT_TEST_PATHS(bf16, float)>;
/// The pairs with a 16-bit destination.
using HalfDestinations = ::testing::Types<ROPEKIT_TEST_PATHS(f16, f16), ROPEKIT_TEST_PATHS(bf16, bf16),
                                          ROPEKIT_TEST_PATHS(float, f16), ROPEKIT_TEST_PATHS(float, bf16)>;
#undef ROPEKIT_TEST_PATHS

class PathNames {
 public:
  template <class T>
  static std::string GetName(int) {
    using P = typename T::P;
    std::string path;
    if constexpr (std::is_same<P, Auto>::value) {
      path = "auto";
    } else {
      path = P::name;
    }
    return type_name<typename T::Src>() + "_" + type_name<typename T::Dst>() + "_" + path;
  }
  template <class T>
  static std::string type_name() {
    return std::is_same<T, float>::value    ? "f32"
           : std::is_same<T, double>::value ? "f64"
           : std::is_same<T, f16>::value    ? "f16"
                                            : "bf16";
  }
};
TYPED_TEST_SUITE(ApplyTest, AllTypes, PathNames);

template <class P>
class HalfDestinationTest : public ::testing::Test {};
TYPED_TEST_SUITE(HalfDestinationTest, HalfDestinations, PathNames);

/// True when this binary runs the path's kernels (else the suite is skipped,
/// saying why).
template <class P>
bool path_available(std::string& why) {
  if constexpr (std::is_same<P, Auto>::value) {
    return true;
  } else if constexpr (!isa::compiled<P>) {
    why = std::string(P::name) + " is not enabled by this build's compiler flags";
    return false;
  } else {
    return true;
  }
}

std::vector<Case> all_cases() {
  const std::vector<std::pair<std::int64_t, std::int64_t>> shapes = {
      {64, 64}, {80, 80},  {96, 96},   {128, 128}, {256, 256}, {64, 16}, {80, 24},
      {96, 32}, {128, 64}, {256, 128}, {96, 24},   {128, 32},  {80, 64}, {256, 16}};
  std::vector<Case> cases;
  std::uniform_int_distribution<std::int64_t> tokens(1, 37), heads(1, 5), offset(0, 3);
  std::size_t shape = 0;
  for (Pairing pairing : {Pairing::neox, Pairing::interleaved})
    for (Source source : {Source::on_the_fly, Source::cache, Source::table})
      for (auto direction : {ropekit::Direction::forward, ropekit::Direction::inverse})
        for (bool in_place : {true, false})
          for (bool with_k : {false, true})
            for (PosKind pos : {PosKind::i64, PosKind::i32, PosKind::range})
              for (auto mode : {ropekit::AngleMode::accurate, ropekit::AngleMode::float32_compatible}) {
                if (source == Source::table && mode == ropekit::AngleMode::float32_compatible) continue;
                const auto [hd, rd] = shapes[shape++ % shapes.size()];
                const Layout layout = Layout(shape % 3);
                cases.push_back(Case{pairing, source, direction, in_place, with_k, pos, mode, hd, rd,
                                     tokens(rk_test::rng()), heads(rk_test::rng()), layout, offset(rk_test::rng())});
              }
  // Calls large enough to prefetch later tokens as they go (Q and K of
  // 16-bit elements at least kPrefetchAbove bytes): partial rotary in place,
  // where the rotated slices are prefetched whatever the element type, and
  // out of place with padded strides, where whole source and destination
  // vectors are (where either side has 16-bit elements: whole f32 and f64
  // vectors are not prefetched).
  constexpr std::int64_t large_tokens = 1100, large_heads = 6, large_dim = 256;
  static_assert(large_tokens * (large_heads + large_heads / 2) * large_dim * 2 >= ropekit::detail::kPrefetchAbove,
                "the large cases no longer reach the prefetching path");
  cases.push_back(Case{Pairing::neox, Source::on_the_fly, ropekit::Direction::forward, true, true, PosKind::range,
                       ropekit::AngleMode::accurate, large_dim, 64, large_tokens, large_heads, Layout::token_major, 1});
  cases.push_back(Case{Pairing::interleaved, Source::cache, ropekit::Direction::inverse, false, true, PosKind::i64,
                       ropekit::AngleMode::accurate, large_dim, 192, large_tokens, large_heads, Layout::padded, 2});
  return cases;
}

/// A real table with an attention factor != 1 (YaRN x4 over 64 original
/// positions), so that scaling and its inverse are exercised.
ropekit::Frequencies yarn_table(std::int64_t rotary_dim) {
  ropekit::RopeSpec spec;
  spec.rotary_dim = rotary_dim;
  spec.base = 10000.0;
  ropekit::scaling::Yarn yarn;
  yarn.factor = 4.0;
  yarn.original_max_position_embeddings = 64;
  spec.scaling = yarn;
  return ropekit::frequencies(spec);
}

template <class S, class D, class Arch>
void run_case(const Case& c) {
  using C = ropekit::detail::compute_t<S, D>;
  SCOPED_TRACE(c.describe());
  const std::int64_t pairs = c.rotary_dim / 2;

  const ropekit::Frequencies freq = yarn_table(c.rotary_dim);

  // Positions: anywhere below 2^31 on the fly; inside the table otherwise.
  const std::int64_t rows = 300;
  std::vector<std::int64_t> pos64(std::size_t(c.tokens));
  std::int64_t start = 0;
  {
    const bool bounded = c.source != Source::on_the_fly;
    std::uniform_int_distribution<std::int64_t> any(0, bounded ? rows - 1 : (std::int64_t(1) << 31) - 1);
    if (c.pos_kind == PosKind::range) {
      start = bounded ? any(rk_test::rng()) % (rows - c.tokens) : any(rk_test::rng()) - c.tokens;
      if (start < 0) start = 0;
      for (std::int64_t t = 0; t < c.tokens; ++t) pos64[std::size_t(t)] = start + t;
    } else {
      for (auto& p : pos64) p = any(rk_test::rng());
      if (!bounded && c.tokens > 2) pos64[1] = (std::int64_t(1) << 31) - 1, pos64[2] = 0;
    }
  }
  std::vector<std::int32_t> pos32(pos64.begin(), pos64.end());

  // Caller table: random values (not unit norm), rows padded.
  const std::int64_t row_stride = pairs + 2;
  std::vector<float> tcos(std::size_t(rows * row_stride)), tsin(std::size_t(rows * row_stride));
  {
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (auto& v : tcos) v = u(rk_test::rng());
    for (auto& v : tsin) v = u(rk_test::rng());
  }
  const ropekit::CosSinTable table{tcos.data(), tsin.data(), rows, pairs, row_stride};
  const ropekit::CosSinCache cache(freq, rows, c.mode);

  const std::int64_t k_heads = std::max<std::int64_t>(1, c.heads / 2);
  Buffer<S> q_src(c, c.heads, true), k_src(c, k_heads, true);
  const std::vector<S> q_orig = q_src.storage, k_orig = k_src.storage;
  Buffer<D> q_dst(c, c.heads, false), k_dst(c, k_heads, false);

  ropekit::ApplyOptions options;
  options.direction = c.direction;
  if (c.source == Source::on_the_fly) options.angle_mode = c.mode;

  auto call = [&](const auto& angles, const auto& positions) {
    if constexpr (std::is_same<S, D>::value) {
      if (c.in_place) {
        if (c.with_k) {
          ropekit::apply<Arch>(c.pairing, angles, q_src.view, k_src.view, positions, options);
        } else {
          ropekit::apply<Arch>(c.pairing, angles, q_src.view, positions, options);
        }
        return;
      }
    }
    if (c.with_k) {
      ropekit::apply_into<Arch>(c.pairing, angles, q_src.view, q_dst.view, k_src.view, k_dst.view, positions, options);
    } else {
      ropekit::apply_into<Arch>(c.pairing, angles, q_src.view, q_dst.view, positions, options);
    }
  };
  auto with_positions = [&](const auto& angles) {
    switch (c.pos_kind) {
      case PosKind::i64:
        call(angles, pos64.data());
        break;
      case PosKind::i32:
        call(angles, static_cast<const std::int32_t*>(pos32.data()));
        break;
      default:
        call(angles, ropekit::PositionRange{start});
        break;
    }
  };
  switch (c.source) {
    case Source::on_the_fly:
      with_positions(freq);
      break;
    case Source::cache:
      with_positions(cache);
      break;
    default:
      with_positions(table);
      break;
  }

  const bool in_place = c.in_place && std::is_same<S, D>::value;
  const bool inverse = c.direction == ropekit::Direction::inverse;
  auto check = [&](const Buffer<S>& src, const std::vector<S>& orig, const auto& dst_buffer) {
    const auto& dst = dst_buffer.view;
    // Reference from the original source values, in double.
    Buffer<S> original = src;
    original.storage = orig;
    original.view.data = original.storage.data() + (src.view.data - src.storage.data());
    std::vector<double> ref(std::size_t(c.tokens * src.view.heads * c.head_dim));
    const auto ref_view = HeadsView<double>::token_major(ref.data(), c.tokens, src.view.heads, c.head_dim);
    const HeadsView<const S> orig_view = original.view;
    if (c.source == Source::table) {
      ropekit::reference::apply_table_into(c.pairing, table, orig_view, ref_view, pos64.data(), c.direction);
    } else {
      ropekit::Frequencies f = freq;
      ropekit::reference::apply_into(c.pairing, f, orig_view, ref_view, pos64.data(), c.direction, c.mode);
    }
    int failures = 0;
    for (std::int64_t t = 0; t < c.tokens && failures < 5; ++t)
      for (std::int64_t h = 0; h < src.view.heads && failures < 5; ++h)
        for (std::int64_t d = 0; d < c.head_dim && failures < 5; ++d) {
          const auto got = dst.at(t, h)[d];
          const double expected = ref_view.at(t, h)[d];
          if (d >= c.rotary_dim) {
            // Channels beyond rotary_dim: bit-identical in place, converted copy out of place.
            const auto want = ropekit::from_double<std::remove_const_t<std::remove_reference_t<decltype(got)>>>(
                ropekit::to_double(orig_view.at(t, h)[d]));
            if (!same_bits(got, want)) {
              ADD_FAILURE() << "tail (" << t << "," << h << "," << d << ")";
              ++failures;
            }
            continue;
          }
          // M = |x1||c| + |x2||s| for the pair this channel belongs to.
          const std::int64_t i = c.pairing == Pairing::neox ? d % pairs : d / 2;
          const std::int64_t a = c.pairing == Pairing::neox ? i : 2 * i;
          const std::int64_t b = c.pairing == Pairing::neox ? i + pairs : 2 * i + 1;
          double cm, sm;
          if (c.source == Source::table) {
            cm = std::abs(tcos[std::size_t(pos64[std::size_t(t)] * row_stride + i)]);
            sm = std::abs(tsin[std::size_t(pos64[std::size_t(t)] * row_stride + i)]);
            if (inverse) {
              const double m = cm * cm + sm * sm;
              cm /= m, sm /= m;
            }
          } else {
            cm = sm = inverse ? 1.0 / freq.attention_factor : freq.attention_factor;
          }
          const double x1 = std::abs(ropekit::to_double(orig_view.at(t, h)[a]));
          const double x2 = std::abs(ropekit::to_double(orig_view.at(t, h)[b]));
          const double mag = d == a ? x1 * cm + x2 * sm : x1 * sm + x2 * cm;
          const double g = ropekit::to_double(got);
          const double tol = tolerance<C, std::remove_const_t<std::remove_reference_t<decltype(got)>>>(
              c.source, inverse, mag, expected);
          if (!(std::abs(g - expected) <= tol)) {
            ADD_FAILURE() << "(" << t << "," << h << "," << d << ") position " << pos64[std::size_t(t)] << " got " << g
                          << " expected " << expected << " tol " << tol;
            ++failures;
          }
        }
    // Nothing outside the view was written.
    for (std::size_t e = 0; e < dst_buffer.storage.size() && failures < 5; ++e) {
      if (dst_buffer.in_view(e)) continue;
      if (!same_bits(dst_buffer.storage[e],
                     rk_test::poison<std::remove_cv_t<std::remove_reference_t<decltype(dst_buffer.storage[e])>>>())) {
        ADD_FAILURE() << "element " << e << " outside the view was written";
        ++failures;
      }
    }
  };
  if (in_place) {
    check(q_src, q_orig, q_src);
    if (c.with_k) check(k_src, k_orig, k_src);
  } else {
    check(q_src, q_orig, q_dst);
    if (c.with_k) check(k_src, k_orig, k_dst);
    // The source is read only.
    EXPECT_TRUE(std::memcmp(q_src.storage.data(), q_orig.data(), q_orig.size() * sizeof(S)) == 0);
  }
}

TYPED_TEST(ApplyTest, MatchesReferenceEverywhere) {
  using S = typename TypeParam::Src;
  using D = typename TypeParam::Dst;
  using P = typename TypeParam::P;
  std::string why;
  if (!path_available<P>(why)) GTEST_SKIP() << why;
  if constexpr (std::is_same<P, Auto>::value || isa::compiled<P>) {
    for (const Case& c : all_cases()) {
      if (c.in_place && !std::is_same<S, D>::value) continue;
      run_case<S, D, P>(c);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

/// A call of one token (a decode step) takes a shorter way through the
/// kernel than a call of many: each token of a longer call must come out of
/// a call of its own bit for bit, for every angle source, direction, rotary
/// offset, query scale and head norm, in place and out of place, with Q
/// token-major and K head-major. Destinations are poisoned first and
/// compared whole, so a write outside the viewed vectors differs too.
TYPED_TEST(ApplyTest, OneTokenCallsEqualTheirTokenOfALongerCall) {
  using S = typename TypeParam::Src;
  using D = typename TypeParam::Dst;
  using P = typename TypeParam::P;
  std::string why;
  if (!path_available<P>(why)) GTEST_SKIP() << why;
  if constexpr (std::is_same<P, Auto>::value || isa::compiled<P>) {
    constexpr std::int64_t head_dim = 128, rotary_dim = 96, q_heads = 3, k_heads = 2, rows = 4096;
    const std::int64_t tokens = std::uniform_int_distribution<std::int64_t>(2, 9)(rk_test::rng());
    const ropekit::Frequencies freq = yarn_table(rotary_dim);
    const ropekit::CosSinCache cache(freq, rows);
    // A caller's table of non-unit rows, so the inverse divides by c^2 + s^2.
    const auto cos_values = rk_test::random_vector<float>(std::size_t(rows * rotary_dim / 2));
    const auto sin_values = rk_test::random_vector<float>(std::size_t(rows * rotary_dim / 2));
    const ropekit::CosSinTable table{cos_values.data(), sin_values.data(), rows, rotary_dim / 2};
    const ropekit::AxisFrequencies axes = ropekit::mrope_sectioned(freq, {16, 16, 16});
    std::vector<std::int64_t> pos(std::size_t(3 * tokens));
    for (auto& p : pos) p = std::int64_t(rk_test::rng()() % rows);
    const std::vector<float> weight = rk_test::random_vector<float>(head_dim);

    const auto q0 = rk_test::random_vector<S>(std::size_t(tokens * q_heads * head_dim));
    const auto k0 = rk_test::random_vector<S>(std::size_t(tokens * k_heads * head_dim));
    // One call over [begin, begin + count) of the tokens, with the angles of
    // `source` (0 on the fly, 1 its float32-compatible angles, 2 the cache, 3
    // the caller's table, 4 the multimodal table); in place when q_out is
    // q_in.
    auto call = [&](Pairing pairing, int source, const ropekit::ApplyOptions& options, std::vector<S>& q_in,
                    std::vector<D>& q_out, std::vector<S>& k_in, std::vector<D>& k_out, std::int64_t begin,
                    std::int64_t count) {
      auto q_src = HeadsView<S>::token_major(q_in.data(), tokens, q_heads, head_dim).slice_tokens(begin, count);
      auto q_dst = HeadsView<D>::token_major(q_out.data(), tokens, q_heads, head_dim).slice_tokens(begin, count);
      auto k_src = HeadsView<S>::head_major(k_in.data(), tokens, k_heads, head_dim).slice_tokens(begin, count);
      auto k_dst = HeadsView<D>::head_major(k_out.data(), tokens, k_heads, head_dim).slice_tokens(begin, count);
      const ropekit::Positions one_axis(pos.data() + begin, count);
      auto run = [&](const auto& angles, const ropekit::Positions& positions) {
        if constexpr (std::is_same<S, D>::value) {
          if (static_cast<const void*>(q_in.data()) == static_cast<const void*>(q_out.data()))
            return ropekit::apply<P>(pairing, angles, q_dst, k_dst, positions, options);
        }
        ropekit::apply_into<P>(pairing, angles, q_src, q_dst, k_src, k_dst, positions, options);
      };
      switch (source) {
        case 0:
        case 1:
          return run(freq, one_axis);
        case 2:
          return run(cache, one_axis);
        case 3:
          return run(table, one_axis);
        default:
          return run(axes, ropekit::Positions::axes(pos.data() + begin, count, 3, tokens));
      }
    };
    for (Pairing pairing : {Pairing::neox, Pairing::interleaved})
      for (int source = 0; source < 5; ++source)
        for (auto direction : {ropekit::Direction::forward, ropekit::Direction::inverse})
          for (std::int64_t offset : {0, 1, 32})  // 1: pairs start at an odd channel
            for (bool extras : {false, true})
              for (bool in_place : {true, false}) {
                if (in_place && !std::is_same<S, D>::value) continue;
                ropekit::ApplyOptions options;
                options.direction = direction;
                options.rotary_offset = offset;
                if (source == 1) options.angle_mode = ropekit::AngleMode::float32_compatible;
                if (extras) {
                  options.query_scale = ropekit::PositionQueryScale{0.1, 0.0, 8.0};
                  options.norm = ropekit::RmsNorm{weight.data(), head_dim, 1e-6, pairing == Pairing::neox, false};
                }
                SCOPED_TRACE(std::string(pairing == Pairing::neox ? "neox" : "interleaved") + ", source " +
                             std::to_string(source) + (direction == ropekit::Direction::inverse ? " inverse" : "") +
                             " offset " + std::to_string(options.rotary_offset) + (extras ? " query scale, norm" : "") +
                             (in_place ? " in place" : " out of place") + ", tokens " + std::to_string(tokens));
                std::vector<S> q_whole = q0, k_whole = k0, q_single = q0, k_single = k0;
                std::vector<D> q_whole_out(q0.size(), rk_test::poison<D>()),
                    k_whole_out(k0.size(), rk_test::poison<D>());
                std::vector<D> q_single_out = q_whole_out, k_single_out = k_whole_out;
                if (in_place) {
                  if constexpr (std::is_same<S, D>::value) {
                    call(pairing, source, options, q_whole, q_whole, k_whole, k_whole, 0, tokens);
                    for (std::int64_t t = 0; t < tokens; ++t)
                      call(pairing, source, options, q_single, q_single, k_single, k_single, t, 1);
                    EXPECT_EQ(std::memcmp(q_whole.data(), q_single.data(), q_whole.size() * sizeof(S)), 0);
                    EXPECT_EQ(std::memcmp(k_whole.data(), k_single.data(), k_whole.size() * sizeof(S)), 0);
                  }
                } else {
                  call(pairing, source, options, q_whole, q_whole_out, k_whole, k_whole_out, 0, tokens);
                  for (std::int64_t t = 0; t < tokens; ++t)
                    call(pairing, source, options, q_single, q_single_out, k_single, k_single_out, t, 1);
                  EXPECT_EQ(std::memcmp(q_whole_out.data(), q_single_out.data(), q_whole_out.size() * sizeof(D)), 0);
                  EXPECT_EQ(std::memcmp(k_whole_out.data(), k_single_out.data(), k_whole_out.size() * sizeof(D)), 0);
                }
                if (::testing::Test::HasFailure()) return;
              }
  }
}

/// Results in the subnormal range of a 16-bit destination are rounded like
/// any other value, not flushed to zero (AVX512_BF16's conversion flushes
/// them: the kernel must take its exact path). Inputs are normal(0, 1)
/// values scaled into that range; tolerance: one ulp of the destination at
/// the expected value (its rounding, with the neighbour's spacing), plus the
/// float computation (2^-24 relative on the coefficients and each product,
/// 2^-149 absolute per subnormal float result). A flushed lane is off by its
/// whole value, about 8 ulps of the destination here.
TYPED_TEST(HalfDestinationTest, SubnormalResultsAreRounded) {
  using S = typename TypeParam::Src;
  using D = typename TypeParam::Dst;
  using P = typename TypeParam::P;
  std::string why;
  if (!path_available<P>(why)) GTEST_SKIP() << why;
  if constexpr (std::is_same<P, Auto>::value || isa::compiled<P>) {
    // Destination subnormals: below 2^-14 for f16, 2^-126 for bf16.
    const double scale = std::is_same<D, f16>::value ? 0x1p-18 : 0x1p-130;
    ropekit::RopeSpec spec;
    for (const auto& shape : std::vector<std::pair<std::int64_t, std::int64_t>>{{128, 128}, {96, 96}, {80, 64}})
      for (const Pairing pairing : {Pairing::neox, Pairing::interleaved}) {
        spec.rotary_dim = shape.second;
        const auto freq = ropekit::frequencies(spec);
        const std::int64_t tokens = 3, heads = 5, head_dim = shape.first;
        const std::size_t n = std::size_t(tokens * heads * head_dim);
        std::vector<S> src(n);
        std::normal_distribution<double> normal(0.0, 1.0);
        for (auto& x : src) x = rk_test::from_double_value<S>(normal(rk_test::rng()) * scale);
        const std::vector<std::int64_t> positions = {0, 7, 1234};
        std::vector<D> dst(n, rk_test::poison<D>());
        const auto in = HeadsView<const S>::token_major(src.data(), tokens, heads, head_dim);
        const auto out = HeadsView<D>::token_major(dst.data(), tokens, heads, head_dim);
        if constexpr (std::is_same<S, D>::value) {
          std::copy(src.begin(), src.end(), dst.begin());
          ropekit::apply<P>(pairing, freq, out, ropekit::Positions(positions));
        } else {
          ropekit::apply_into<P>(pairing, freq, in, out, ropekit::Positions(positions));
        }
        std::vector<double> ref(n);
        const auto ref_view = HeadsView<double>::token_major(ref.data(), tokens, heads, head_dim);
        ropekit::reference::apply_into(pairing, freq, in, ref_view, positions.data(), ropekit::Direction::forward,
                                       ropekit::AngleMode::accurate);
        int failures = 0, subnormal = 0;
        for (std::size_t e = 0; e < n && failures < 5; ++e) {
          const double want = ref[e], got = ropekit::to_double(dst[e]);
          // |x1| + |x2| of the pair (attention factor 1): bounds every product.
          const std::int64_t d = std::int64_t(e) % head_dim, pairs = shape.second / 2;
          const std::int64_t partner = pairing == Pairing::interleaved ? d ^ 1 : d < pairs ? d + pairs : d - pairs;
          const double mag = d < shape.second ? std::abs(ropekit::to_double(src[e])) +
                                                    std::abs(ropekit::to_double(src[e - std::size_t(d - partner)]))
                                              : 0.0;
          const double tol = rk_test::ulp_of<D>(std::abs(want)) + 4 * 0x1p-24 * mag + 4 * 0x1p-149;
          subnormal += std::abs(want) < (std::is_same<D, f16>::value ? 0x1p-14 : 0x1p-126) && want != 0;
          if (!(std::abs(got - want) <= tol)) {
            ADD_FAILURE() << "head_dim " << head_dim << " rotary_dim " << shape.second << " pairing " << int(pairing)
                          << " element " << e << ": got " << got << " expected " << want << " tolerance " << tol;
            ++failures;
          }
        }
        EXPECT_GT(subnormal, int(n / 2)) << "most results must lie in the subnormal range";
      }
  }
}

/// The 16-bit conversions of an instruction set, bit for bit against the
/// scalar ones (ropekit::to_float / from_float: round to nearest even, NaN
/// kept NaN with its sign): widening every code; narrowing one batch and two
/// at once (narrow_two) over every float whose 16 high bits differ, with low
/// bits at and around the bf16 midpoint, every f16 midpoint and its
/// neighbours, and random patterns.
template <class I, class T>
void check_half_conversions() {
  if constexpr (isa::compiled<I>) {
    SCOPED_TRACE(std::string(I::name) + (std::is_same<T, f16>::value ? " f16" : " bf16"));
    using B = ropekit::detail::batch_t<I, float>;
    constexpr std::size_t N = B::size;
    // Widening: every code.
    alignas(64) float wide[N];
    for (std::uint32_t c0 = 0; c0 < 65536; c0 += std::uint32_t(N)) {
      T codes[N];
      for (std::size_t j = 0; j < N; ++j) codes[j] = T{std::uint16_t(c0 + j)};
      ropekit::detail::load_whole<I, float>(codes).store_aligned(wide);
      for (std::size_t j = 0; j < N; ++j) {
        const float want = ropekit::to_float(codes[j]);
        if (std::isnan(want)) {
          ASSERT_TRUE(std::isnan(wide[j])) << c0 + j;
        } else {
          ASSERT_EQ(ropekit::detail::float_bits(wide[j]), ropekit::detail::float_bits(want)) << c0 + j;
        }
      }
    }
    // Narrowing.
    std::vector<float> xs;
    auto push = [&](std::uint32_t b) {
      float f;
      std::memcpy(&f, &b, 4);
      xs.push_back(f);
    };
    for (std::uint32_t h = 0; h < 65536; ++h)
      for (std::uint32_t low : {0x0000u, 0x0001u, 0x7fffu, 0x8000u, 0x8001u, 0xffffu}) push((h << 16) | low);
    for (std::uint32_t h = 0; h < 0x7bff; ++h) {
      const float lo = ropekit::to_float(f16{std::uint16_t(h)}), hi = ropekit::to_float(f16{std::uint16_t(h + 1)});
      const float mid = float((double(lo) + double(hi)) / 2);
      for (int k = -1; k <= 1; ++k) {
        push(ropekit::detail::float_bits(mid) + std::uint32_t(k));
        push(ropekit::detail::float_bits(-mid) + std::uint32_t(k));
      }
    }
    std::mt19937 g(17);
    for (int i = 0; i < 100000; ++i) push(std::uint32_t(g()));
    while (xs.size() % (2 * N) != 0) xs.push_back(1.0f);
    auto same = [](T got, float x) {
      const T want = ropekit::from_float<T>(x);
      if (std::isnan(x)) return std::isnan(ropekit::to_float(got)) && (got.bits >> 15) == (want.bits >> 15);
      return got.bits == want.bits;
    };
    const ropekit::detail::Destination plain;
    for (std::size_t i = 0; i < xs.size(); i += 2 * N) {
      T one[2 * N], two[2 * N];
      const B a = B::load_unaligned(xs.data() + i), b = B::load_unaligned(xs.data() + i + N);
      ropekit::detail::store_whole<I, float>(one, a);
      ropekit::detail::store_whole<I, float>(one + N, b);
      ropekit::detail::put_two<I, float>(two, two + N, a, b, std::int64_t(N), plain);
      for (std::size_t j = 0; j < 2 * N; ++j) {
        ASSERT_TRUE(same(one[j], xs[i + j]))
            << "narrow: bits " << std::hex << ropekit::detail::float_bits(xs[i + j]) << " got " << one[j].bits;
        ASSERT_TRUE(same(two[j], xs[i + j]))
            << "narrow_two: bits " << std::hex << ropekit::detail::float_bits(xs[i + j]) << " got " << two[j].bits;
      }
    }
  }
}

template <class T>
void check_half_conversions_everywhere() {
  check_half_conversions<isa::sse2, T>();
  check_half_conversions<isa::avx2, T>();
  check_half_conversions<isa::avx512, T>();
  check_half_conversions<isa::avx512_bf16, T>();
  check_half_conversions<isa::neon, T>();
  check_half_conversions<isa::neon_bf16, T>();
}

TEST(HalfConversions, F16MatchesScalarOnEveryInstructionSet) { check_half_conversions_everywhere<f16>(); }
TEST(HalfConversions, Bf16MatchesScalarOnEveryInstructionSet) { check_half_conversions_everywhere<bf16>(); }

}  // namespace
