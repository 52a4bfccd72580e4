// Encodings: sinusoidal, learned, T5 buckets and bias, DeBERTa buckets, ALiBi,
// (Leaky) ReRoPE, and the table analysis helpers.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <ropekit/encodings.hpp>

#include "support.hpp"

// Eigen's products and Random() inline AVX-512 intrinsics here too.
ROPEKIT_INTRINSICS_BEGIN

namespace {

using ropekit::RowMatrixXf;
using ropekit::SinusoidalLayout;

template <class F>
void expect_error(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error; wanted " << needle;
  } catch (const ropekit::error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

// Sinusoidal -------------------------------------------------------------------

TEST(Sinusoidal, InterleavedHandValues) {
  // dim 4, base 1e4: frequencies 1 and 1e4^(-2/4) = 0.01. Position 1:
  // sin 1 = 0.8414709848, cos 1 = 0.5403023059, sin 0.01 = 0.0099998333, cos 0.01 = 0.9999500004.
  const RowMatrixXf t = ropekit::sinusoidal_table(3, 4);
  EXPECT_FLOAT_EQ(t(1, 0), 0.8414709848f);
  EXPECT_FLOAT_EQ(t(1, 1), 0.5403023059f);
  EXPECT_FLOAT_EQ(t(1, 2), 0.0099998333f);
  EXPECT_FLOAT_EQ(t(1, 3), 0.9999500004f);
  EXPECT_EQ(t(0, 0), 0.0f);
  EXPECT_EQ(t(0, 1), 1.0f);
}

TEST(Sinusoidal, ConcatenatedHandValuesAndOddDim) {
  // fairseq: dim 7 -> h = 3, w_i = 1e4^(-i/2) = 1, 0.01, 1e-4, a zero 7th column.
  // Position 2: sin 2 = 0.9092974268, sin 0.02 = 0.0199986667, sin 2e-4 = 1.99999999867e-4,
  //             cos 2 = -0.4161468365, cos 0.02 = 0.9998000067, cos 2e-4 = 0.99999998.
  const RowMatrixXf t = ropekit::sinusoidal_table(3, 7, SinusoidalLayout::concatenated);
  const float expected[7] = {0.9092974268f, 0.0199986667f, 1.99999999867e-4f, -0.4161468365f, 0.9998000067f,
                             0.99999998f,   0.0f};
  for (int c = 0; c < 7; ++c) EXPECT_FLOAT_EQ(t(2, c), expected[c]) << c;
  expect_error([] { ropekit::sinusoidal_table(3, 7, SinusoidalLayout::interleaved); }, "dim = 7");
  expect_error([] { ropekit::sinusoidal_table(3, 2, SinusoidalLayout::concatenated); }, "dim = 2");
  expect_error([] { ropekit::sinusoidal_table(3, 8, SinusoidalLayout::interleaved, 1.0); }, "base = 1");
}

TEST(Sinusoidal, PairsHaveUnitNormAndOffsetShiftsRows) {
  for (auto layout : {SinusoidalLayout::interleaved, SinusoidalLayout::concatenated}) {
    const RowMatrixXf t = ropekit::sinusoidal_table(50, 64, layout, 10000.0, 0);
    const RowMatrixXf shifted = ropekit::sinusoidal_table(48, 64, layout, 10000.0, 2);
    for (int p = 0; p < 50; ++p)
      for (int i = 0; i < 32; ++i) {
        const float s = layout == SinusoidalLayout::interleaved ? t(p, 2 * i) : t(p, i);
        const float c = layout == SinusoidalLayout::interleaved ? t(p, 2 * i + 1) : t(p, 32 + i);
        EXPECT_NEAR(double(s) * s + double(c) * c, 1.0, 2.5e-7);  // two values each within 0.5 ulp
      }
    EXPECT_EQ(RowMatrixXf(t.bottomRows(48)), shifted);
  }
}

TEST(Sinusoidal, AddToEmbeddingsAtPositions) {
  RowMatrixXf e = RowMatrixXf::Constant(3, 8, 1.0f);
  const std::int64_t positions[3] = {5, 0, 17};
  ropekit::add_sinusoidal(e, positions);
  const RowMatrixXf t = ropekit::sinusoidal_table(20, 8);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 8; ++c) EXPECT_FLOAT_EQ(e(r, c), 1.0f + t(positions[r], c));
}

// Learned ----------------------------------------------------------------------

TEST(Learned, LookupAddAndOutOfRange) {
  RowMatrixXf table(10, 4);
  for (int r = 0; r < 10; ++r)
    for (int c = 0; c < 4; ++c) table(r, c) = float(10 * r + c);
  ropekit::LearnedPositions learned(table);
  const std::int64_t positions[2] = {3, 9};
  RowMatrixXf out = RowMatrixXf::Constant(2, 4, -1.0f);
  learned.lookup(positions, out);
  EXPECT_EQ(out.row(0), table.row(3));
  EXPECT_EQ(out.row(1), table.row(9));
  learned.add_to(positions, out);
  EXPECT_EQ(out.row(1), RowMatrixXf(2 * table.row(9)));
  const std::int64_t bad[2] = {3, 10};
  RowMatrixXf untouched = RowMatrixXf::Constant(2, 4, 7.0f);
  expect_error([&] { learned.add_to(bad, untouched); }, "positions[1] = 10 is outside the table [0, 10)");
  EXPECT_EQ(untouched, RowMatrixXf::Constant(2, 4, 7.0f));  // nothing written
  ropekit::LearnedPositions clamped(table, ropekit::OutOfRange::clamp);
  const std::int64_t far[2] = {-5, 1000};
  clamped.lookup(far, out);
  EXPECT_EQ(out.row(0), table.row(0));
  EXPECT_EQ(out.row(1), table.row(9));
  RowMatrixXf wrong(2, 5);
  expect_error([&] { learned.lookup(positions, wrong); }, "cols() = 5");
}

// T5 ---------------------------------------------------------------------------

// Where the bucket of the non-negative magnitude n changes, for 0 <= n <=
// 100000, derived by tests/tools/derive_buckets.py from T5's definition with
// the reference's float32 logarithm (note 16 in the 32/128 bidirectional
// case: exact math puts n = 16 on the edge between buckets 9 and 10).
struct T5Setting {
  std::int64_t buckets, max_distance;
  bool bidirectional;
  std::vector<std::int64_t> changes;
};
const std::vector<T5Setting> kT5 = {
    {32, 128, false, {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
                      16, 19, 21, 24, 27, 31, 35, 40, 46, 52, 59, 67, 77, 87, 99, 113}},
    {32, 128, true, {0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 23, 32, 46, 64, 91}},
    {64, 256, false, {0,  1,  2,   3,   4,   5,   6,   7,   8,   9,   10,  11,  12,  13,  14,  15,
                      16, 17, 18,  19,  20,  21,  22,  23,  24,  25,  26,  27,  28,  29,  30,  31,
                      32, 35, 37,  39,  42,  45,  48,  51,  54,  58,  62,  66,  70,  75,  80,  85,
                      91, 97, 104, 110, 118, 126, 134, 143, 153, 163, 174, 185, 198, 211, 225, 240}},
    {64, 256, true, {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,  12,  13,  14,  15,
                     16, 20, 23, 27, 32, 39, 46, 54, 64, 77, 91, 108, 128, 153, 182, 216}},
    {16, 64, false, {0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 14, 18, 23, 30, 39, 50}},
    {16, 64, true, {0, 1, 2, 3, 4, 8, 16, 32}},
};

TEST(T5, BucketsMatchTheDerivedEdgesForAllPositionsWithin100000) {
  for (const T5Setting& s : kT5) {
    SCOPED_TRACE(std::to_string(s.buckets) + "/" + std::to_string(s.max_distance));
    // The magnitude part, from the edges: bucket(n) = index of the last edge <= n.
    auto magnitude_bucket = [&](std::int64_t n) {
      return std::int64_t(std::upper_bound(s.changes.begin(), s.changes.end(), n) - s.changes.begin()) - 1;
    };
    const std::int64_t half = s.buckets / 2;
    for (std::int64_t rel = -100000; rel <= 100000; ++rel) {
      std::int64_t expected;
      if (s.bidirectional) {
        expected = (rel > 0 ? half : 0) + magnitude_bucket(rel < 0 ? -rel : rel);
      } else {
        expected = magnitude_bucket(rel < 0 ? -rel : 0);
      }
      const std::int64_t got = ropekit::t5_relative_position_bucket(rel, s.bidirectional, s.buckets, s.max_distance);
      if (got != expected) {
        ADD_FAILURE() << "rel " << rel << ": " << got << " vs " << expected;
        return;
      }
    }
  }
}

TEST(T5, MonotoneInDistanceAndSymmetric) {
  for (const T5Setting& s : kT5) {
    std::int64_t last = -1;
    for (std::int64_t n = 0; n <= 5000; ++n) {
      const std::int64_t b = ropekit::t5_relative_position_bucket(-n, s.bidirectional, s.buckets, s.max_distance);
      EXPECT_GE(b, last);
      EXPECT_LT(b, s.buckets);
      last = b;
      if (s.bidirectional && n > 0) {
        EXPECT_EQ(ropekit::t5_relative_position_bucket(n, true, s.buckets, s.max_distance), b + s.buckets / 2);
      }
    }
    EXPECT_EQ(last, (s.bidirectional ? s.buckets / 2 : s.buckets) - 1);  // far distances share the last bucket
  }
}

TEST(T5, Errors) {
  expect_error([] { ropekit::t5_relative_position_bucket(3, false, 1, 128); }, "num_buckets = 1");
  expect_error([] { ropekit::t5_relative_position_bucket(3, true, 32, 8); }, "max_distance = 8");
  expect_error([] { ropekit::t5_relative_position_bucket(3, false, 32, 16); }, "max_distance = 16");
}

TEST(T5, BiasGathersTheTableByBucket) {
  const std::int64_t buckets = 32, heads = 3, q_len = 5, k_len = 9, q_offset = 100, k_offset = 96;
  const auto table = rk_test::random_vector<float>(std::size_t(buckets * heads));
  std::vector<float> out(std::size_t(heads * q_len * k_len), rk_test::poison<float>());
  ropekit::t5_relative_position_bias(table.data(), buckets, heads, true, 128, q_len, k_len, q_offset, k_offset,
                                     out.data());
  for (std::int64_t h = 0; h < heads; ++h)
    for (std::int64_t i = 0; i < q_len; ++i)
      for (std::int64_t j = 0; j < k_len; ++j) {
        const std::int64_t b =
            ropekit::t5_relative_position_bucket((k_offset + j) - (q_offset + i), true, buckets, 128);
        EXPECT_EQ(out[std::size_t((h * q_len + i) * k_len + j)], table[std::size_t(b * heads + h)]);
      }
  expect_error([&] { ropekit::t5_relative_position_bias(table.data(), buckets, 0, true, 128, 1, 1, 0, 0, out.data()); },
               "n_heads = 0");
}

// DeBERTa ----------------------------------------------------------------------

// (rel, bucket) where the bucket changes for 0 <= rel <= 5000, derived by
// tests/tools/derive_buckets.py (float32 steps as the reference).
struct DebertaSetting {
  std::int64_t bucket_size, max_position;
  std::vector<std::pair<std::int64_t, std::int64_t>> changes;
};
const std::vector<DebertaSetting> kDeberta = {
    {256, 512, {{0, 0},      {1, 1},      {2, 2},      {3, 3},      {4, 4},      {5, 5},      {6, 6},      {7, 7},
                {8, 8},      {9, 9},      {10, 10},    {11, 11},    {12, 12},    {13, 13},    {14, 14},    {15, 15},
                {16, 16},    {17, 17},    {18, 18},    {19, 19},    {20, 20},    {21, 21},    {22, 22},    {23, 23},
                {24, 24},    {25, 25},    {26, 26},    {27, 27},    {28, 28},    {29, 29},    {30, 30},    {31, 31},
                {32, 32},    {33, 33},    {34, 34},    {35, 35},    {36, 36},    {37, 37},    {38, 38},    {39, 39},
                {40, 40},    {41, 41},    {42, 42},    {43, 43},    {44, 44},    {45, 45},    {46, 46},    {47, 47},
                {48, 48},    {49, 49},    {50, 50},    {51, 51},    {52, 52},    {53, 53},    {54, 54},    {55, 55},
                {56, 56},    {57, 57},    {58, 58},    {59, 59},    {60, 60},    {61, 61},    {62, 62},    {63, 63},
                {64, 64},    {65, 65},    {66, 66},    {67, 67},    {68, 68},    {69, 69},    {70, 70},    {71, 71},
                {72, 72},    {73, 73},    {74, 74},    {75, 75},    {76, 76},    {77, 77},    {78, 78},    {79, 79},
                {80, 80},    {81, 81},    {82, 82},    {83, 83},    {84, 84},    {85, 85},    {86, 86},    {87, 87},
                {88, 88},    {89, 89},    {90, 90},    {91, 91},    {92, 92},    {93, 93},    {94, 94},    {95, 95},
                {96, 96},    {97, 97},    {98, 98},    {99, 99},    {100, 100},  {101, 101},  {102, 102},  {103, 103},
                {104, 104},  {105, 105},  {106, 106},  {107, 107},  {108, 108},  {109, 109},  {110, 110},  {111, 111},
                {112, 112},  {113, 113},  {114, 114},  {115, 115},  {116, 116},  {117, 117},  {118, 118},  {119, 119},
                {120, 120},  {121, 121},  {122, 122},  {123, 123},  {124, 124},  {125, 125},  {126, 126},  {127, 127},
                {128, 128},  {129, 129},  {130, 130},  {131, 131},  {133, 132},  {134, 133},  {136, 134},  {137, 135},
                {139, 136},  {140, 137},  {142, 138},  {143, 139},  {145, 140},  {146, 141},  {148, 142},  {150, 143},
                {151, 144},  {153, 145},  {155, 146},  {156, 147},  {158, 148},  {160, 149},  {161, 150},  {163, 151},
                {165, 152},  {167, 153},  {169, 154},  {170, 155},  {172, 156},  {174, 157},  {176, 158},  {178, 159},
                {180, 160},  {182, 161},  {184, 162},  {186, 163},  {188, 164},  {190, 165},  {192, 166},  {194, 167},
                {196, 168},  {198, 169},  {201, 170},  {203, 171},  {205, 172},  {207, 173},  {210, 174},  {212, 175},
                {214, 176},  {216, 177},  {219, 178},  {221, 179},  {224, 180},  {226, 181},  {229, 182},  {231, 183},
                {234, 184},  {236, 185},  {239, 186},  {241, 187},  {244, 188},  {247, 189},  {249, 190},  {252, 191},
                {255, 192},  {258, 193},  {260, 194},  {263, 195},  {266, 196},  {269, 197},  {272, 198},  {275, 199},
                {278, 200},  {281, 201},  {284, 202},  {287, 203},  {290, 204},  {294, 205},  {297, 206},  {300, 207},
                {303, 208},  {307, 209},  {310, 210},  {313, 211},  {317, 212},  {320, 213},  {324, 214},  {327, 215},
                {331, 216},  {335, 217},  {338, 218},  {342, 219},  {346, 220},  {349, 221},  {353, 222},  {357, 223},
                {361, 224},  {365, 225},  {369, 226},  {373, 227},  {377, 228},  {381, 229},  {385, 230},  {390, 231},
                {394, 232},  {398, 233},  {403, 234},  {407, 235},  {411, 236},  {416, 237},  {420, 238},  {425, 239},
                {430, 240},  {434, 241},  {439, 242},  {444, 243},  {449, 244},  {454, 245},  {459, 246},  {464, 247},
                {469, 248},  {474, 249},  {479, 250},  {484, 251},  {490, 252},  {495, 253},  {500, 254},  {506, 255},
                {512, 256},  {517, 257},  {523, 258},  {528, 259},  {534, 260},  {540, 261},  {546, 262},  {552, 263},
                {558, 264},  {564, 265},  {570, 266},  {577, 267},  {583, 268},  {589, 269},  {596, 270},  {602, 271},
                {609, 272},  {616, 273},  {622, 274},  {629, 275},  {636, 276},  {643, 277},  {650, 278},  {657, 279},
                {664, 280},  {672, 281},  {679, 282},  {686, 283},  {694, 284},  {701, 285},  {709, 286},  {717, 287},
                {725, 288},  {733, 289},  {741, 290},  {749, 291},  {757, 292},  {765, 293},  {774, 294},  {782, 295},
                {791, 296},  {799, 297},  {808, 298},  {817, 299},  {826, 300},  {835, 301},  {844, 302},  {853, 303},
                {863, 304},  {872, 305},  {882, 306},  {891, 307},  {901, 308},  {911, 309},  {921, 310},  {931, 311},
                {941, 312},  {952, 313},  {962, 314},  {973, 315},  {983, 316},  {994, 317},  {1005, 318}, {1016, 319},
                {1027, 320}, {1038, 321}, {1050, 322}, {1061, 323}, {1073, 324}, {1085, 325}, {1096, 326}, {1108, 327},
                {1121, 328}, {1133, 329}, {1145, 330}, {1158, 331}, {1171, 332}, {1183, 333}, {1196, 334}, {1209, 335},
                {1223, 336}, {1236, 337}, {1250, 338}, {1263, 339}, {1277, 340}, {1291, 341}, {1305, 342}, {1320, 343},
                {1334, 344}, {1349, 345}, {1363, 346}, {1378, 347}, {1393, 348}, {1409, 349}, {1424, 350}, {1440, 351},
                {1456, 352}, {1472, 353}, {1488, 354}, {1504, 355}, {1520, 356}, {1537, 357}, {1554, 358}, {1571, 359},
                {1588, 360}, {1606, 361}, {1623, 362}, {1641, 363}, {1659, 364}, {1677, 365}, {1695, 366}, {1714, 367},
                {1733, 368}, {1752, 369}, {1771, 370}, {1790, 371}, {1810, 372}, {1830, 373}, {1850, 374}, {1870, 375},
                {1891, 376}, {1911, 377}, {1932, 378}, {1953, 379}, {1975, 380}, {1997, 381}, {2018, 382}, {2041, 383},
                {2063, 384}, {2085, 385}, {2108, 386}, {2131, 387}, {2155, 388}, {2178, 389}, {2202, 390}, {2226, 391},
                {2251, 392}, {2275, 393}, {2300, 394}, {2326, 395}, {2351, 396}, {2377, 397}, {2403, 398}, {2429, 399},
                {2456, 400}, {2483, 401}, {2510, 402}, {2537, 403}, {2565, 404}, {2593, 405}, {2622, 406}, {2651, 407},
                {2680, 408}, {2709, 409}, {2739, 410}, {2769, 411}, {2799, 412}, {2830, 413}, {2861, 414}, {2892, 415},
                {2924, 416}, {2956, 417}, {2988, 418}, {3021, 419}, {3054, 420}, {3087, 421}, {3121, 422}, {3155, 423},
                {3190, 424}, {3225, 425}, {3260, 426}, {3296, 427}, {3332, 428}, {3369, 429}, {3406, 430}, {3443, 431},
                {3481, 432}, {3519, 433}, {3557, 434}, {3596, 435}, {3636, 436}, {3676, 437}, {3716, 438}, {3757, 439},
                {3798, 440}, {3839, 441}, {3881, 442}, {3924, 443}, {3967, 444}, {4010, 445}, {4054, 446}, {4099, 447},
                {4144, 448}, {4189, 449}, {4235, 450}, {4281, 451}, {4328, 452}, {4376, 453}, {4424, 454}, {4472, 455},
                {4521, 456}, {4571, 457}, {4621, 458}, {4672, 459}, {4723, 460}, {4774, 461}, {4827, 462}, {4880, 463},
                {4933, 464}, {4987, 465}}},
    {64, 128, {{0, 0},      {1, 1},      {2, 2},      {3, 3},      {4, 4},      {5, 5},      {6, 6},      {7, 7},
               {8, 8},      {9, 9},      {10, 10},    {11, 11},    {12, 12},    {13, 13},    {14, 14},    {15, 15},
               {16, 16},    {17, 17},    {18, 18},    {19, 19},    {20, 20},    {21, 21},    {22, 22},    {23, 23},
               {24, 24},    {25, 25},    {26, 26},    {27, 27},    {28, 28},    {29, 29},    {30, 30},    {31, 31},
               {32, 32},    {33, 33},    {34, 34},    {35, 35},    {37, 36},    {39, 37},    {40, 38},    {42, 39},
               {44, 40},    {46, 41},    {48, 42},    {50, 43},    {53, 44},    {55, 45},    {58, 46},    {60, 47},
               {63, 48},    {66, 49},    {69, 50},    {72, 51},    {75, 52},    {78, 53},    {82, 54},    {86, 55},
               {89, 56},    {94, 57},    {98, 58},    {102, 59},   {107, 60},   {112, 61},   {117, 62},   {122, 63},
               {128, 64},   {133, 65},   {139, 66},   {146, 67},   {152, 68},   {159, 69},   {166, 70},   {174, 71},
               {182, 72},   {190, 73},   {199, 74},   {208, 75},   {217, 76},   {227, 77},   {237, 78},   {248, 79},
               {259, 80},   {271, 81},   {283, 82},   {296, 83},   {310, 84},   {324, 85},   {338, 86},   {354, 87},
               {370, 88},   {387, 89},   {404, 90},   {422, 91},   {442, 92},   {462, 93},   {483, 94},   {505, 95},
               {527, 96},   {551, 97},   {576, 98},   {603, 99},   {630, 100},  {659, 101},  {689, 102},  {720, 103},
               {753, 104},  {787, 105},  {823, 106},  {860, 107},  {899, 108},  {940, 109},  {983, 110},  {1027, 111},
               {1074, 112}, {1123, 113}, {1174, 114}, {1227, 115}, {1283, 116}, {1341, 117}, {1402, 118}, {1466, 119},
               {1532, 120}, {1602, 121}, {1675, 122}, {1751, 123}, {1831, 124}, {1914, 125}, {2001, 126}, {2092, 127},
               {2187, 128}, {2286, 129}, {2390, 130}, {2499, 131}, {2613, 132}, {2731, 133}, {2855, 134}, {2985, 135},
               {3121, 136}, {3263, 137}, {3411, 138}, {3566, 139}, {3728, 140}, {3898, 141}, {4075, 142}, {4260, 143},
               {4454, 144}, {4657, 145}, {4868, 146}}},
};

TEST(Deberta, MatchesDerivedBucketsAndIsOdd) {
  for (const DebertaSetting& s : kDeberta) {
    std::size_t k = 0;
    for (std::int64_t rel = 0; rel <= 5000; ++rel) {
      if (k + 1 < s.changes.size() && s.changes[k + 1].first == rel) ++k;
      const std::int64_t got = ropekit::deberta_log_bucket_position(rel, s.bucket_size, s.max_position);
      ASSERT_EQ(got, s.changes[k].second) << "rel " << rel;
      ASSERT_EQ(ropekit::deberta_log_bucket_position(-rel, s.bucket_size, s.max_position), -got) << "rel " << -rel;
    }
  }
  // Hand check: 256/512, mid 128: rel 300 -> 128 + ceil(ln(300/128) / ln(511/128) * 127)
  // = 128 + ceil(0.85175 / 1.38434 * 127) = 128 + ceil(78.14) = 207.
  EXPECT_EQ(ropekit::deberta_log_bucket_position(300, 256, 512), 207);
  EXPECT_EQ(ropekit::deberta_log_bucket_position(-128, 256, 512), -128);  // exact inside mid
  expect_error([] { ropekit::deberta_log_bucket_position(5, 2, 512); }, "bucket_size = 2");
}

// ALiBi ------------------------------------------------------------------------

TEST(Alibi, SlopesMatchTheClosedFormWithinOneUlp) {
  // Powers of two: 2^(-8(h+1)/n); e.g. n = 8 gives 1/2, 1/4, ..., 1/256 exactly.
  const auto eight = ropekit::alibi_slopes(8);
  for (int h = 0; h < 8; ++h) EXPECT_EQ(eight[h], std::ldexp(1.0f, -(h + 1)));
  // n = 12: m = 8, then 2^(-4(2j+1)/8) = 2^-0.5, 2^-1.5, 2^-2.5, 2^-3.5.
  const auto twelve = ropekit::alibi_slopes(12);
  ASSERT_EQ(twelve.size(), 12u);
  for (int j = 0; j < 4; ++j)
    EXPECT_LE(rk_test::float_ulps(twelve[8 + j], double(std::exp2l(-(2 * j + 1) / 2.0L))), 0.5);
  for (std::int64_t n : {1, 3, 5, 6, 7, 12, 20, 24, 40, 48, 64, 80, 96, 100, 112, 128}) {
    const auto s = ropekit::alibi_slopes(n);
    std::int64_t m = 1;
    while (m * 2 <= n) m *= 2;
    for (std::int64_t h = 0; h < n; ++h) {
      const long double exponent = h < m ? -8.0L * (h + 1) / m : -4.0L * (2 * (h - m) + 1) / m;
      EXPECT_LE(rk_test::float_ulps(s[std::size_t(h)], double(std::exp2l(exponent))), 1.0) << n << " " << h;
    }
    if (n == m) {  // geometric with ratio slope_0 for powers of two
      for (std::int64_t h = 1; h < n; ++h)
        EXPECT_NEAR(double(s[std::size_t(h)]) / s[std::size_t(h - 1)], s[0], 1e-6 * s[0]);
    }
  }
  expect_error([] { ropekit::alibi_slopes(0); }, "n_heads = 0");
}

TEST(Alibi, CausalBias) {
  const auto slopes = ropekit::alibi_slopes(4);  // 1/4, 1/16, 1/64, 1/256
  std::vector<float> out(4 * 2 * 3);
  ropekit::alibi_bias(slopes, 2, 3, 1, 0, out.data());         // queries at 1, 2; keys at 0, 1, 2
  EXPECT_EQ(out[0], -0.25f);                                   // head 0, q 1, k 0: 1/4 * (0 - 1)
  EXPECT_EQ(out[1], 0.0f);                                     // same position
  EXPECT_EQ(out[2], -std::numeric_limits<float>::infinity());  // future key, masked
  EXPECT_EQ(out[3], -0.5f);                                    // q 2, k 0
  EXPECT_EQ(out[(1 * 2 + 1) * 3 + 0], -2.0f / 16);             // head 1, q 2, k 0
  ropekit::alibi_bias(slopes, 2, 3, 1, 0, out.data(), false);
  EXPECT_EQ(out[2], 0.25f);
}

// ReRoPE -----------------------------------------------------------------------

TEST(Rerope, RelativePositionMap) {
  EXPECT_EQ(ropekit::leaky_rerope_position(5, 8, 16.0), 5.0);
  EXPECT_EQ(ropekit::leaky_rerope_position(8, 8, 16.0), 8.0);
  EXPECT_EQ(ropekit::leaky_rerope_position(40, 8, 16.0), 10.0);  // 8 + 32/16
  EXPECT_EQ(ropekit::rerope_position(40, 8), 8.0);
  EXPECT_EQ(ropekit::leaky_rerope_position(40, 8, 1.0), 40.0);
  expect_error([] { ropekit::leaky_rerope_position(1, 0, 2.0); }, "window = 0");
  expect_error([] { ropekit::leaky_rerope_position(1, 4, 0.5); }, "leak = 0.5");
}

/// Direct reference: each score is q . R(mapped relative angle) k, in double:
/// per pair (a, b): (qa ka + qb kb) cos(phi) + (qa kb - qb ka) sin(phi) with
/// phi = mapped * inv_freq, times attention_factor^2; channels beyond the
/// rotary dims contribute q_d k_d.
double direct_score(ropekit::Pairing pairing, const ropekit::Frequencies& f, const float* q, const float* k,
                    std::int64_t dim, double mapped) {
  const std::int64_t pairs = std::int64_t(f.inv_freq.size());
  double s = 0;
  for (std::int64_t i = 0; i < pairs; ++i) {
    const std::int64_t a = pairing == ropekit::Pairing::neox ? i : 2 * i;
    const std::int64_t b = pairing == ropekit::Pairing::neox ? i + pairs : 2 * i + 1;
    const long double phi = (long double)mapped * f.inv_freq[std::size_t(i)];
    s += double((double(q[a]) * k[a] + double(q[b]) * k[b]) * std::cos(phi) +
                (double(q[a]) * k[b] - double(q[b]) * k[a]) * std::sin(phi));
  }
  s *= double(f.attention_factor) * f.attention_factor;
  for (std::int64_t d = 2 * pairs; d < dim; ++d) s += double(q[d]) * k[d];
  return s;
}

TEST(Rerope, LogitsMatchTheDirectReference) {
  ropekit::RopeSpec spec;
  spec.rotary_dim = 48;
  const auto f = ropekit::frequencies(spec);
  const std::int64_t dim = 64, q_len = 7, k_len = 40, window = 8;
  RowMatrixXf q(q_len, dim), k(k_len, dim);
  for (auto* m : {&q, &k}) {
    const auto v = rk_test::random_vector<float>(std::size_t(m->size()));
    std::copy(v.begin(), v.end(), m->data());
  }
  for (std::int64_t base : {std::int64_t(0), std::int64_t(100000)}) {
    std::vector<std::int64_t> qp(q_len), kp(k_len);
    for (std::int64_t i = 0; i < q_len; ++i) qp[std::size_t(i)] = base + 30 + i;
    for (std::int64_t j = 0; j < k_len; ++j) kp[std::size_t(j)] = base + j;
    for (auto pairing : {ropekit::Pairing::neox, ropekit::Pairing::interleaved})
      for (double leak : {1.0, 2.0, 16.0, 3.0, std::numeric_limits<double>::infinity()}) {
        SCOPED_TRACE(std::to_string(leak) + " base " + std::to_string(base));
        const RowMatrixXf logits = ropekit::rerope_logits(pairing, f, q, qp.data(), k, kp.data(), window, leak);
        for (std::int64_t i = 0; i < q_len; ++i)
          for (std::int64_t j = 0; j < k_len; ++j) {
            const std::int64_t rel = qp[std::size_t(i)] - kp[std::size_t(j)];
            if (rel < 0) {
              EXPECT_EQ(logits(i, j), -std::numeric_limits<float>::infinity());
              continue;
            }
            const double mapped = ropekit::leaky_rerope_position(rel, window, leak);
            const double expected = direct_score(pairing, f, q.row(i).data(), k.row(j).data(), dim, mapped);
            // Each rotated element is within ~4u (u = 2^-24) of exact and the
            // float dot product adds up to dim u: (8 + dim) u sum |q_d k_d|.
            // With leak not a power of two, inv_freq / leak is rounded to float,
            // moving the angle by up to position * inv_freq * 2^-24 / leak for
            // both q and k: add 2 * position * 2^-24 / leak * sum |q_d k_d|.
            double mag = 0;
            for (std::int64_t d = 0; d < dim; ++d) mag += std::abs(double(q(i, d)) * k(j, d));
            double tol = (8 + dim) * 0x1p-24 * mag;
            if (leak == 3.0) tol += 2.0 * double(qp[std::size_t(i)]) * 0x1p-24 / leak * mag;
            EXPECT_NEAR(logits(i, j), expected, tol) << i << " " << j;
          }
      }
  }
}

TEST(Rerope, LeakOneIsPlainRopeAndTheWindowIsPlainRope) {
  ropekit::RopeSpec spec;
  spec.rotary_dim = 32;
  const auto f = ropekit::frequencies(spec);
  RowMatrixXf q = RowMatrixXf::Random(4, 32), k = RowMatrixXf::Random(20, 32);
  std::vector<std::int64_t> qp = {16, 17, 18, 19}, kp(20);
  for (int j = 0; j < 20; ++j) kp[std::size_t(j)] = j;
  RowMatrixXf q1 = q, k1 = k;
  ropekit::apply(ropekit::Pairing::neox, f, ropekit::HeadsView<float>::token_major(q1.data(), 4, 1, 32), qp.data());
  ropekit::apply(ropekit::Pairing::neox, f, ropekit::HeadsView<float>::token_major(k1.data(), 20, 1, 32), kp.data());
  const RowMatrixXf plain = q1 * k1.transpose();
  const RowMatrixXf leak1 =
      ropekit::rerope_logits(ropekit::Pairing::neox, f, q, qp.data(), k, kp.data(), 4, 1.0, false);
  EXPECT_EQ(leak1, plain);  // the leaky branch with leak 1 rotates by the same angles, bit for bit
  const RowMatrixXf re = ropekit::rerope_logits(ropekit::Pairing::neox, f, q, qp.data(), k, kp.data(), 4,
                                                std::numeric_limits<double>::infinity());
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 20; ++j)
      if (qp[std::size_t(i)] - j >= 0 && qp[std::size_t(i)] - j < 4) {
        EXPECT_EQ(re(i, j), plain(i, j));
      }
}

// Analysis ---------------------------------------------------------------------

TEST(Analysis, WavelengthsAndDecayBound) {
  ropekit::Frequencies two{{0.5f, 0.125f}, 1.0f};
  const auto w = ropekit::wavelengths(two);
  EXPECT_DOUBLE_EQ(w[0], 4 * M_PI);
  EXPECT_DOUBLE_EQ(w[1], 16 * M_PI);
  // Two pairs: B(m) = (1 + |e^{i m t1} + e^{i m t2}|) / 2 = (1 + 2 |cos(m (t1 - t2) / 2)|) / 2.
  const auto b = ropekit::rope_decay_bound(two, 50);
  for (int m = 0; m <= 50; ++m) EXPECT_NEAR(b[std::size_t(m)], (1 + 2 * std::abs(std::cos(m * 0.375 / 2))) / 2, 1e-12);
  // A real table: B(0) = (r/2 + 1) / 2 = 32.5, and the bound decays with
  // distance. It oscillates, so the property is on band averages (RoFormer's
  // figure 2): each decade's mean is below the previous one, and the last is
  // under a quarter of B(0) (measured: 22.7, 12.1, 6.7, 5.0).
  ropekit::RopeSpec spec;
  const auto d = ropekit::rope_decay_bound(ropekit::frequencies(spec), 4000);
  EXPECT_NEAR(d[0], 32.5, 1e-9);
  auto mean = [&](int a, int b) {
    double t = 0;
    for (int m = a; m <= b; ++m) t += d[std::size_t(m)];
    return t / (b - a + 1);
  };
  const double bands[4] = {mean(1, 10), mean(10, 100), mean(100, 1000), mean(1000, 4000)};
  for (int i = 1; i < 4; ++i) EXPECT_LT(bands[i], bands[i - 1]);
  EXPECT_LT(bands[3], d[0] / 4);
  expect_error([&] { ropekit::rope_decay_bound(two, -1); }, "max_distance = -1");
}

TEST(Analysis, PairRegimes) {
  using R = ropekit::PairRegime;
  ropekit::RopeSpec spec;
  spec.base = 500000.0;
  spec.scaling = ropekit::scaling::Llama3{8.0, 1.0, 4.0, 8192};  // Llama 3.1
  const auto llama = ropekit::pair_regimes(spec);
  EXPECT_EQ(llama.front(), R::extrapolated);
  EXPECT_EQ(llama.back(), R::interpolated);
  int counts[4] = {0, 0, 0, 0};
  for (R r : llama) ++counts[int(r)];
  EXPECT_GT(counts[int(R::blended)], 0);
  ropekit::scaling::Linear linear;
  linear.factor = 4;
  spec.scaling = linear;
  for (R r : ropekit::pair_regimes(spec)) EXPECT_EQ(r, R::interpolated);
  ropekit::scaling::NtkAware ntk;
  ntk.alpha = 4;
  spec.scaling = ntk;
  const auto n = ropekit::pair_regimes(spec);
  EXPECT_EQ(n[0], R::extrapolated);
  EXPECT_EQ(n.back(), R::interpolated);  // the last pair carries the largest divisor
  EXPECT_EQ(n[10], R::blended);
  ropekit::scaling::Proportional prop;
  prop.partial_rotary_factor = 0.5;
  spec.scaling = prop;
  const auto p = ropekit::pair_regimes(spec);
  EXPECT_EQ(p[0], R::extrapolated);
  EXPECT_EQ(p[63], R::stopped);
  EXPECT_STREQ(ropekit::to_string(R::blended), "blended");
}

}  // namespace

ROPEKIT_INTRINSICS_END
