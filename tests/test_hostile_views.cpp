// Hostile views, positions and call arguments: every rejection names the
// argument and its value, writes nothing (buffers and guards poisoned and
// compared), and nothing overflows (the sanitizer build runs this file under
// UBSan and ASan). Compiled twice: with exceptions, and with -fno-exceptions
// where errors reach the installed handler.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support.hpp"

namespace {

using ropekit::HeadsView;
using ropekit::Pairing;
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

using rk_test::error_of;

/// Runs f on a poisoned buffer; expects an error naming every needle and the
/// buffer unchanged.
template <class F>
void expect_rejected(F&& f, const std::vector<std::string>& needles, const std::vector<float>& buffer) {
  const std::vector<float> before = buffer;
  const std::string message = error_of(f);
  ASSERT_FALSE(message.empty()) << "accepted; wanted an error naming " << needles[0];
  for (const auto& n : needles) EXPECT_NE(message.find(n), std::string::npos) << "'" << n << "' not in: " << message;
  EXPECT_EQ(std::memcmp(before.data(), buffer.data(), buffer.size() * sizeof(float)), 0) << "written on error";
}

ropekit::Frequencies table(std::int64_t rotary_dim = 64, double base = 10000.0) {
  ropekit::RopeSpec s;
  s.rotary_dim = rotary_dim;
  s.base = base;
  return ropekit::frequencies(s);
}

std::vector<float> poisoned(std::size_t n) { return std::vector<float>(n, rk_test::poison<float>()); }

// Defect 1: Q and K views written in one call must not share memory.
TEST(HostileViews, QueryAndKeyMayNotOverlap) {
  const auto f = table(128);
  const std::int64_t tokens = 3, q_heads = 32, kv_heads = 8, d = 128;
  auto qkv = rk_test::random_vector<float>(std::size_t(tokens * (q_heads + 2 * kv_heads) * d));
  const auto views = ropekit::fused_qkv(qkv.data(), tokens, q_heads, kv_heads, d);
  const std::vector<std::int64_t> pos = {1, 2, 3};
  // K one head too early: its first head is Q's last.
  HeadsView<float> k_early = views.k;
  k_early.data -= d;
  expect_rejected([&] { ropekit::apply(Pairing::neox, f, views.q, k_early, pos); }, {"q and k share memory"}, qkv);
  // The same buffer as Q and K.
  expect_rejected([&] { ropekit::apply(Pairing::neox, f, views.q, views.q, pos); }, {"q and k share memory"}, qkv);
  // Out of place: both destinations the same buffer.
  std::vector<float> out = poisoned(std::size_t(tokens * q_heads * d));
  const auto q_out = HeadsView<float>::token_major(out.data(), tokens, q_heads, d);
  auto k_out = HeadsView<float>::token_major(out.data(), tokens, kv_heads, d);
  expect_rejected([&] { ropekit::apply_into(Pairing::neox, f, views.q, q_out, views.k, k_out, pos); },
                  {"q_dst and k_dst share memory"}, out);
  // A destination over the other view's source.
  HeadsView<float> k_over_q = views.k;
  k_over_q.data = views.q.data;
  expect_rejected([&] { ropekit::apply_into(Pairing::neox, f, views.q, q_out, views.k, k_over_q, pos); },
                  {"k_dst and q_src share memory"}, qkv);
  // The real layout is accepted, and equals separate buffers.
  std::vector<float> q_sep(std::size_t(tokens * q_heads * d)), k_sep(std::size_t(tokens * kv_heads * d));
  for (std::int64_t t = 0; t < tokens; ++t) {
    std::memcpy(q_sep.data() + t * q_heads * d, views.q.at(t, 0), sizeof(float) * q_heads * d);
    std::memcpy(k_sep.data() + t * kv_heads * d, views.k.at(t, 0), sizeof(float) * kv_heads * d);
  }
  EXPECT_EQ(error_of([&] { ropekit::apply(Pairing::neox, f, views.q, views.k, pos); }), "");
  ropekit::apply(Pairing::neox, f, HeadsView<float>::token_major(q_sep.data(), tokens, q_heads, d),
                 HeadsView<float>::token_major(k_sep.data(), tokens, kv_heads, d), pos);
  for (std::int64_t t = 0; t < tokens; ++t) {
    EXPECT_EQ(std::memcmp(q_sep.data() + t * q_heads * d, views.q.at(t, 0), sizeof(float) * q_heads * d), 0);
    EXPECT_EQ(std::memcmp(k_sep.data() + t * kv_heads * d, views.k.at(t, 0), sizeof(float) * kv_heads * d), 0);
  }
}

// Defects 2 and 3: extents that wrap or overflow are rejected, without
// signed overflow inside validation.
TEST(HostileViews, ExtentsBeyondTheAddressSpace) {
  const auto f = table(64);
  std::vector<float> buffer = rk_test::random_vector<float>(4 * 64 + 64);
  float* data = buffer.data() + 32;
  const std::int64_t pos[4] = {0, 1, 2, 3};
  const std::int64_t big = std::int64_t(1) << 62;
  expect_rejected(
      [&] {
        ropekit::apply(Pairing::neox, f, HeadsView<float>{data, 2, 1, 64, big - 16, 64}, pos);
      },
      {"x.token_stride = " + std::to_string(big - 16), "address space"}, buffer);
  expect_rejected(
      [&] {
        ropekit::apply(Pairing::neox, f, HeadsView<float>{data, 1, 2, 64, 128, big}, pos);
      },
      {"x.head_stride = " + std::to_string(big)}, buffer);
  expect_rejected(
      [&] {
        ropekit::apply(Pairing::neox, f, HeadsView<float>{data, 3, 1, 64, big, 64}, pos);
      },
      {"x.token_stride"}, buffer);
  expect_rejected(
      [&] {
        ropekit::apply(Pairing::neox, f, HeadsView<float>{data, std::int64_t(1) << 61, 1, 64, 64, 64}, pos);
      },
      {"x.token_stride"}, buffer);
  expect_rejected(
      [&] {
        ropekit::apply(Pairing::neox, f, HeadsView<float>{data, 4, 1, 64, kMax, kMax}, pos);
      },
      {"x.token_stride = " + std::to_string(kMax)}, buffer);
  // A caller's table whose rows run past the address space.
  std::vector<float> cos(64, 1.0f), sin(64, 0.0f);
  const ropekit::CosSinTable t{cos.data(), sin.data(), 4, 32, big - 8};
  expect_rejected(
      [&] {
        ropekit::apply(Pairing::neox, t, HeadsView<float>::token_major(data, 4, 1, 64), ropekit::PositionRange{0});
      },
      {"table.row_stride = " + std::to_string(big - 8)}, buffer);
  // Named constructors saturate instead of overflowing.
  const auto wide = HeadsView<float>::token_major(data, 2, big, 64);
  expect_rejected([&] { ropekit::apply(Pairing::neox, f, wide, pos); }, {"x.token_stride"}, buffer);
  expect_rejected([&] { (void)ropekit::fused_qkv(data, 2, big, big, 64); }, {"q_heads + 2 * kv_heads"}, buffer);
  expect_rejected([&] { (void)ropekit::head_major_cache(data, 1, 8, 64, 6, 4); }, {"first_token, tokens = 6, 4"},
                  buffer);
}

// Defect 3: ranges and caches whose sizes overflow.
TEST(HostileViews, SizesThatOverflow) {
  const auto f = table(64);
  std::vector<float> buffer = rk_test::random_vector<float>(4 * 64);
  const auto x = HeadsView<float>::token_major(buffer.data(), 4, 1, 64);
  expect_rejected([&] { ropekit::apply(Pairing::neox, f, x, ropekit::PositionRange{kMax - 1}); },
                  {"positions.start() = " + std::to_string(kMax - 1), "overflows"}, buffer);
  expect_rejected([&] { ropekit::CosSinCache c(f, std::int64_t(1) << 59); }, {"max_position = 576460752303423488"},
                  buffer);
  expect_rejected([&] { ropekit::CosSinCache c(f, kMax); }, {"max_position"}, buffer);
}

// Defect 4: slice_tokens checks its range.
TEST(HostileViews, SliceTokensChecksItsRange) {
  std::vector<float> buffer = poisoned(4 * 64);
  const auto x = HeadsView<float>::token_major(buffer.data(), 4, 1, 64);
  for (const auto& range :
       std::vector<std::pair<std::int64_t, std::int64_t>>{{2, 4}, {-1, 1}, {0, -1}, {kMax, 1}, {1, kMax}, {5, 0}}) {
    const std::int64_t begin = range.first, count = range.second;
    HeadsView<float> part;
    expect_rejected([&] { part = x.slice_tokens(begin, count); },
                    {"slice_tokens", "begin, count = " + std::to_string(begin) + ", " + std::to_string(count)}, buffer);
    EXPECT_EQ(part.tokens, 0);
  }
  const auto tail = x.slice_tokens(4, 0);
  EXPECT_EQ(tail.tokens, 0);
  const auto mid = x.slice_tokens(1, 2);
  EXPECT_EQ(mid.tokens, 2);
  EXPECT_EQ(mid.data, buffer.data() + 64);
}

// Defect 6: positions outside the accurate range are rejected with the token
// and the value; the ends of the range are accepted and accurate.
TEST(HostileViews, PositionsOutsideTheAccurateRange) {
  const auto f = table(64);
  std::vector<float> buffer = rk_test::random_vector<float>(3 * 64);
  const auto x = HeadsView<float>::token_major(buffer.data(), 3, 1, 64);
  const std::int64_t limit = std::int64_t(1) << 31;
  for (std::int64_t bad :
       {limit + 1, -limit - 1, kMax, std::numeric_limits<std::int64_t>::min(), std::int64_t(1) << 56}) {
    const std::vector<std::int64_t> pos = {0, bad, 1};
    expect_rejected([&] { ropekit::apply(Pairing::neox, f, x, pos); }, {"positions[1] = " + std::to_string(bad)},
                    buffer);
  }
  expect_rejected([&] { ropekit::apply(Pairing::neox, f, x, ropekit::PositionRange{limit - 1}); },
                  {"positions.start() + tokens - 1 = " + std::to_string(limit + 1)}, buffer);
  // A table with inv_freq 2 halves the range.
  ropekit::Frequencies fast = f;
  fast.inv_freq[0] = 2.0f;
  const std::vector<std::int64_t> far = {0, limit - 1, 1};
  expect_rejected([&] { ropekit::apply(Pairing::neox, fast, x, far); }, {"positions[1]", "inv_freq"}, buffer);
  // Bounds the caller promises are checked instead of the positions.
  expect_rejected([&] { ropekit::apply(Pairing::neox, f, x, ropekit::Positions(far).with_bounds(0, kMax)); },
                  {"positions.max() = " + std::to_string(kMax)}, buffer);
  // The ends: -2^31 and 2^31 are accurate (compared with the reference).
  const std::vector<std::int64_t> ends = {-limit, limit, limit - 1};
  const std::vector<float> original = buffer;
  ropekit::apply(Pairing::neox, f, x, ends);
  std::vector<double> ref(buffer.size());
  ropekit::reference::apply_into(Pairing::neox, f, HeadsView<const float>::token_major(original.data(), 3, 1, 64),
                                 HeadsView<double>::token_major(ref.data(), 3, 1, 64), ends.data());
  for (std::size_t i = 0; i < ref.size(); ++i) EXPECT_NEAR(buffer[i], ref[i], 4e-7 * (1 + std::abs(ref[i]))) << i;
}

TEST(HostileViews, PositionsWithTheirCount) {
  const auto f = table(64);
  std::vector<float> buffer = rk_test::random_vector<float>(3 * 64);
  const auto x = HeadsView<float>::token_major(buffer.data(), 3, 1, 64);
  const std::vector<std::int64_t> two = {1, 2};
  expect_rejected([&] { ropekit::apply(Pairing::neox, f, x, two); }, {"positions.count() = 2", "3"}, buffer);
  const std::int64_t* null_positions = nullptr;
  expect_rejected([&] { ropekit::apply(Pairing::neox, f, x, null_positions); }, {"positions = nullptr"}, buffer);
  // Other integer types: long long, int, vectors of int32.
  const long long ll[3] = {4, 5, 6};
  const std::vector<std::int32_t> i32 = {4, 5, 6};
  std::vector<float> a = buffer, b = buffer, c = buffer;
  ropekit::apply(Pairing::neox, f, HeadsView<float>::token_major(a.data(), 3, 1, 64), ll);
  ropekit::apply(Pairing::neox, f, HeadsView<float>::token_major(b.data(), 3, 1, 64), i32);
  ropekit::apply(Pairing::neox, f, HeadsView<float>::token_major(c.data(), 3, 1, 64), ropekit::PositionRange{4});
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
  // Empty calls: no tokens, or no heads, need no data and no positions, and
  // return at once even with 2^40 tokens.
  EXPECT_EQ(error_of([&] {
              ropekit::apply(Pairing::neox, f, HeadsView<float>{nullptr, 0, 4, 64, 256, 64}, null_positions);
            }),
            "");
  EXPECT_EQ(error_of([&] {
              ropekit::apply(Pairing::neox, f, HeadsView<float>{nullptr, std::int64_t(1) << 40, 0, 64, 0, 64},
                             ropekit::PositionRange{0});
            }),
            "");
}

// Defect 10: enums out of range, NaN tables, options that do not apply.
TEST(HostileViews, EnumsOptionsAndTables) {
  const auto f = table(64);
  std::vector<float> buffer = rk_test::random_vector<float>(2 * 64);
  const auto x = HeadsView<float>::token_major(buffer.data(), 2, 1, 64);
  const std::int64_t pos[2] = {1, 2};
  expect_rejected([&] { ropekit::apply(static_cast<Pairing>(7), f, x, pos); }, {"pairing = 7"}, buffer);
  ropekit::ApplyOptions o;
  o.direction = static_cast<ropekit::Direction>(5);
  expect_rejected([&] { ropekit::apply(Pairing::neox, f, x, pos, o); }, {"options.direction = 5"}, buffer);
  o = {};
  o.angle_mode = static_cast<ropekit::AngleMode>(9);
  expect_rejected([&] { ropekit::apply(Pairing::neox, f, x, pos, o); }, {"options.angle_mode = 9"}, buffer);
  const ropekit::CosSinCache cache(f, 8);
  o = {};
  o.angle_mode = ropekit::AngleMode::accurate;
  expect_rejected([&] { ropekit::apply(Pairing::neox, cache, x, pos, o); }, {"options.angle_mode", "CosSinCache"},
                  buffer);
  // A NaN in a caller's table gives NaN in the inverse direction, not zero.
  std::vector<float> cos(3 * 32, 0.6f), sin(3 * 32, 0.8f);
  cos[1 * 32 + 5] = std::numeric_limits<float>::quiet_NaN();
  const ropekit::CosSinTable t{cos.data(), sin.data(), 3, 32, 0};
  o = {};
  o.direction = ropekit::Direction::inverse;
  ropekit::apply(Pairing::neox, t, x, pos, o);
  EXPECT_TRUE(std::isnan(buffer[5])) << buffer[5];
  EXPECT_TRUE(std::isnan(buffer[5 + 32])) << buffer[5 + 32];
  EXPECT_FALSE(std::isnan(buffer[6]));
}

// Found by fuzz/fuzz_apply: strides of a dimension of size one, or of an
// empty view, are never used and may be anything; nothing may overflow on them.
TEST(HostileViews, UnusedStridesMayBeAnything) {
  const auto f = table(64);
  std::vector<float> q = rk_test::random_vector<float>(2 * 64), k = rk_test::random_vector<float>(2 * 64);
  const std::int64_t pos[2] = {1, 2};
  const std::int64_t big = std::int64_t(1) << 62;
  // One token: its token stride is never used.
  std::vector<float> one = rk_test::random_vector<float>(2 * 64);
  EXPECT_EQ(error_of([&] {
              ropekit::apply(Pairing::neox, f, HeadsView<float>{one.data(), 1, 2, 64, big, 64},
                             HeadsView<float>::token_major(k.data(), 1, 1, 64), ropekit::Positions(pos, 1));
            }),
            "");
  // One head: its head stride is never used (the kernels formed a pointer
  // one stride past the last head, which overflowed); the result is that of
  // an ordinary view, for both pairings.
  for (Pairing pairing : {Pairing::neox, Pairing::interleaved}) {
    std::vector<float> odd = rk_test::random_vector<float>(2 * 64), plain = odd;
    EXPECT_EQ(error_of([&] {
                ropekit::apply(pairing, f, HeadsView<float>{odd.data(), 2, 1, 64, 64, big}, ropekit::Positions(pos, 2));
              }),
              "");
    ropekit::apply(pairing, f, HeadsView<float>::token_major(plain.data(), 2, 1, 64), ropekit::Positions(pos, 2));
    EXPECT_EQ(odd, plain);
  }
  // An empty view with absurd strides and head counts beside a real one.
  const auto real = HeadsView<float>::token_major(k.data(), 2, 1, 64);
  const std::vector<float> before = k;
  EXPECT_EQ(error_of([&] {
              ropekit::apply(Pairing::neox, f, HeadsView<float>{q.data(), 2, 0, 64, kMax, kMax}, real, pos);
            }),
            "");
  EXPECT_NE(k, before);
  EXPECT_EQ(error_of([&] {
              ropekit::apply(Pairing::neox, f, HeadsView<float>{q.data(), 0, big, 64, 7, 3},
                             HeadsView<float>{k.data(), 0, big, 64, 7, 3}, ropekit::PositionRange{0});
            }),
            "");
}

TEST(HostileViews, ViewsOfOneCallAgree) {
  const auto f = table(64);
  std::vector<float> q = rk_test::random_vector<float>(3 * 64), k = rk_test::random_vector<float>(2 * 64);
  const std::int64_t pos[3] = {1, 2, 3};
  expect_rejected(
      [&] {
        ropekit::apply(Pairing::neox, f, HeadsView<float>::token_major(q.data(), 3, 1, 64),
                       HeadsView<float>::token_major(k.data(), 2, 1, 64), pos);
      },
      {"k.tokens = 2", "q.tokens = 3"}, q);
  expect_rejected([&] { ropekit::apply(Pairing::neox, f, HeadsView<float>::token_major(q.data(), 3, 1, 32), pos); },
                  {"x.head_dim = 32", "rotary_dim = 64"}, q);
}

}  // namespace
