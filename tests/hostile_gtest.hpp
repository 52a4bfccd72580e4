// Runs a hostile::Case in a build with exceptions: the call must throw
// ropekit::error (nothing else) whose message holds every needle, and the
// outputs must be unchanged.
#ifndef ROPEKIT_TESTS_HOSTILE_GTEST_HPP
#define ROPEKIT_TESTS_HOSTILE_GTEST_HPP

#include <gtest/gtest.h>

#include "hostile_cases.hpp"

namespace hostile {

inline void expect_rejected(const Case& c) {
  try {
    c.call();
    ADD_FAILURE() << c.name << ": accepted (no ropekit::error)";
  } catch (const ropekit::error& e) {
    const std::string message = e.what();
    for (const std::string& needle : c.needles)
      EXPECT_NE(message.find(needle), std::string::npos) << "message: " << message << "\nmissing: " << needle;
  } catch (const std::exception& e) {
    ADD_FAILURE() << c.name << ": threw another exception: " << e.what();
  }
  EXPECT_TRUE(c.unchanged()) << c.name << ": an output was written";
}

}  // namespace hostile

/// Registers one test per case of `list()` (a function returning the cases).
#define ROPEKIT_HOSTILE_SUITE(suite, list)                                                                        \
  namespace {                                                                                                     \
  const std::vector<hostile::Case>& suite##_cases() {                                                             \
    static const std::vector<hostile::Case> cases = list();                                                       \
    return cases;                                                                                                 \
  }                                                                                                               \
  class suite : public ::testing::TestWithParam<std::size_t> {};                                                  \
  TEST_P(suite, NamesArgumentAndValueAndWritesNothing) { hostile::expect_rejected(suite##_cases()[GetParam()]); } \
  INSTANTIATE_TEST_SUITE_P(Hostile, suite, ::testing::Range<std::size_t>(0, suite##_cases().size()),              \
                           [](const ::testing::TestParamInfo<std::size_t>& info) {                                \
                             return hostile::test_name(suite##_cases()[info.param].name);                         \
                           });                                                                                    \
  }

#endif  // ROPEKIT_TESTS_HOSTILE_GTEST_HPP
