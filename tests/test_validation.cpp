// Contracts: bad input is reported naming the argument and value, and nothing
// is written; token-range splits and Q+K calls are bit-identical to the plain
// calls.
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support.hpp"

namespace {

using ropekit::HeadsView;
using ropekit::Pairing;

ropekit::Frequencies table(std::int64_t rotary_dim = 64) {
  ropekit::RopeSpec s;
  s.rotary_dim = rotary_dim;
  return ropekit::frequencies(s);
}

/// Runs f, expects ropekit::error whose message contains every needle, and
/// expects `buffer` unchanged.
template <class F>
void expect_error(F&& f, const std::vector<std::string>& needles, const std::vector<float>& buffer) {
  const auto before = buffer;
  try {
    f();
    ADD_FAILURE() << "no error; wanted " << needles[0];
  } catch (const ropekit::error& e) {
    for (const auto& n : needles) EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << e.what();
  }
  EXPECT_EQ(std::memcmp(before.data(), buffer.data(), buffer.size() * sizeof(float)), 0) << "written on error";
}

TEST(Validation, ViewsAreChecked) {
  auto f = table(64);
  std::vector<float> x = rk_test::random_vector<float>(4 * 2 * 64);
  std::vector<std::int64_t> pos = {0, 1, 2, 3};
  auto v = HeadsView<float>::token_major(x.data(), 4, 2, 64);
  auto bad = v;
  bad.head_dim = 32;
  bad.head_stride = 32;
  expect_error([&] { ropekit::apply(Pairing::neox, f, bad, pos.data()); },
               {"ropekit::apply", "x.head_dim = 32", "rotary_dim = 64"}, x);
  bad = v;
  bad.data = nullptr;
  expect_error([&] { ropekit::apply(Pairing::neox, f, bad, pos.data()); }, {"x.data = nullptr"}, x);
  bad = v;
  bad.head_stride = 10;
  expect_error([&] { ropekit::apply(Pairing::neox, f, bad, pos.data()); }, {"x.head_stride = 10", "overlaps"}, x);
  bad = v;
  bad.token_stride = 100;
  expect_error([&] { ropekit::apply(Pairing::neox, f, bad, pos.data()); }, {"x.token_stride = 100", "overlaps"}, x);
  bad = v;
  bad.tokens = -1;
  expect_error([&] { ropekit::apply(Pairing::neox, f, bad, pos.data()); }, {"x.tokens = -1"}, x);
  bad = v;
  bad.token_stride = -128;
  expect_error([&] { ropekit::apply(Pairing::neox, f, bad, pos.data()); }, {"x.token_stride = -128"}, x);
  expect_error([&] { ropekit::apply(Pairing::neox, f, v, static_cast<const std::int64_t*>(nullptr)); },
               {"positions = nullptr"}, x);
  auto odd = f;
  odd.inv_freq[3] = std::nanf("");
  expect_error([&] { ropekit::apply(Pairing::neox, odd, v, pos.data()); }, {"frequencies.inv_freq[3] = nan"}, x);
  odd = f;
  odd.attention_factor = 0;
  expect_error([&] { ropekit::apply(Pairing::neox, odd, v, pos.data()); }, {"frequencies.attention_factor = 0"}, x);
  // Empty views are fine and touch nothing.
  auto empty = v;
  empty.tokens = 0;
  empty.data = nullptr;
  ropekit::apply(Pairing::neox, f, empty, pos.data());
}

TEST(Validation, OutOfPlacePairsAreChecked) {
  auto f = table(64);
  std::vector<float> x = rk_test::random_vector<float>(4 * 2 * 64);
  std::vector<float> y(x.size(), 0.0f);
  std::vector<std::int64_t> pos = {0, 1, 2, 3};
  auto src = HeadsView<float>::token_major(x.data(), 4, 2, 64);
  auto dst = HeadsView<float>::token_major(y.data(), 3, 2, 64);
  expect_error([&] { ropekit::apply_into(Pairing::neox, f, src, dst, pos.data()); },
               {"dst.tokens = 3", "src.tokens = 4"}, y);
  // Overlapping but not identical: shifted by one element.
  auto shifted = HeadsView<float>::token_major(x.data() + 1, 3, 2, 64);
  auto src3 = HeadsView<float>::token_major(x.data(), 3, 2, 64);
  expect_error([&] { ropekit::apply_into(Pairing::neox, f, src3, shifted, pos.data()); }, {"dst and src share memory"},
               x);
  // Identical views are in-place rotation: allowed.
  ropekit::apply_into(Pairing::neox, f, src, src, pos.data());
  // Q and K token counts must agree.
  std::vector<float> k(3 * 64);
  auto kv = HeadsView<float>::token_major(k.data(), 3, 1, 64);
  expect_error([&] { ropekit::apply(Pairing::neox, f, src, kv, pos.data()); }, {"k.tokens = 3", "q.tokens = 4"}, x);
}

TEST(Validation, TablePositionsAreChecked) {
  auto f = table(64);
  const ropekit::CosSinCache cache(f, 100);
  std::vector<float> x = rk_test::random_vector<float>(3 * 64);
  auto v = HeadsView<float>::token_major(x.data(), 3, 1, 64);
  std::vector<std::int32_t> pos = {5, 100, 7};
  expect_error([&] { ropekit::apply(Pairing::neox, cache, v, static_cast<const std::int32_t*>(pos.data())); },
               {"positions[1] = 100", "[0, 99]"}, x);
  pos = {-1, 0, 0};
  expect_error([&] { ropekit::apply(Pairing::neox, cache, v, static_cast<const std::int32_t*>(pos.data())); },
               {"positions[0] = -1"}, x);
  expect_error([&] { ropekit::apply(Pairing::neox, cache, v, ropekit::PositionRange{98}); },
               {"positions.start() + tokens - 1 = 100"}, x);
  std::vector<float> cs(10 * 32);
  ropekit::CosSinTable t{cs.data(), cs.data(), 10, 32, 16};
  expect_error([&] { ropekit::apply(Pairing::neox, t, v, ropekit::PositionRange{0}); }, {"table.row_stride = 16"}, x);
  t = ropekit::CosSinTable{nullptr, cs.data(), 10, 32, 0};
  expect_error([&] { ropekit::apply(Pairing::neox, t, v, ropekit::PositionRange{0}); }, {"table.cos = nullptr"}, x);
  expect_error([&] { ropekit::CosSinCache bad(f, 0); }, {"max_position = 0"}, x);
  ropekit::CosSinCache empty;
  expect_error([&] { ropekit::apply(Pairing::neox, empty, v, ropekit::PositionRange{0}); }, {"cache is empty"}, x);
}

TEST(Splitting, TokenRangesAreBitIdenticalToOneCall) {
  for (Pairing pairing : {Pairing::neox, Pairing::interleaved}) {
    auto f = table(128);
    const std::int64_t tokens = 301, heads = 5;
    const auto x = rk_test::random_vector<ropekit::bf16>(std::size_t(tokens * heads * 128));
    std::vector<std::int64_t> pos(tokens);
    for (auto& p : pos) p = std::int64_t(rk_test::rng()() % 1000000);
    auto whole = x, split = x;
    ropekit::apply(pairing, f, HeadsView<ropekit::bf16>::token_major(whole.data(), tokens, heads, 128), pos.data());
    const auto view = HeadsView<ropekit::bf16>::token_major(split.data(), tokens, heads, 128);
    std::vector<std::thread> pool;
    for (std::int64_t begin : {0, 100, 251}) {
      const std::int64_t end = begin == 0 ? 100 : begin == 100 ? 251 : tokens;
      pool.emplace_back(
          [&, begin, end] { ropekit::apply(pairing, f, view.slice_tokens(begin, end - begin), pos.data() + begin); });
    }
    for (auto& t : pool) t.join();
    EXPECT_EQ(std::memcmp(whole.data(), split.data(), whole.size() * 2), 0);
  }
}

TEST(Splitting, QAndKTogetherEqualSeparateCalls) {
  auto f = table(96);
  const std::int64_t tokens = 9;
  const auto q0 = rk_test::random_vector<float>(std::size_t(tokens * 8 * 96));
  const auto k0 = rk_test::random_vector<float>(std::size_t(tokens * 2 * 96));
  std::vector<std::int32_t> pos(tokens);
  for (auto& p : pos) p = std::int32_t(rk_test::rng()() % 100000);
  auto q1 = q0, k1 = k0, q2 = q0, k2 = k0;
  const std::int32_t* pp = pos.data();
  ropekit::apply(Pairing::neox, f, HeadsView<float>::token_major(q1.data(), tokens, 8, 96),
                 HeadsView<float>::token_major(k1.data(), tokens, 2, 96), pp);
  ropekit::apply(Pairing::neox, f, HeadsView<float>::token_major(q2.data(), tokens, 8, 96), pp);
  ropekit::apply(Pairing::neox, f, HeadsView<float>::token_major(k2.data(), tokens, 2, 96), pp);
  EXPECT_EQ(q1, q2);
  EXPECT_EQ(k1, k2);
}

}  // namespace
