// Exact sums: the same integer in any order, and a ratio rounded once to the nearest double.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "fabrisk/exact_sum.hpp"

namespace {
namespace exact_sum_test {

using fabrisk::big_integer;
using fabrisk::exact_sum;
using fabrisk::ratio_to_double;

TEST(RatioToDouble, RoundsToTheNearestDoubleTiesToEven) {
    EXPECT_EQ(ratio_to_double(1, 3), 1.0 / 3.0);
    EXPECT_EQ(ratio_to_double(-2, 3), -2.0 / 3.0);
    EXPECT_EQ(ratio_to_double(22, 7), 22.0 / 7.0);
    EXPECT_EQ(ratio_to_double(0, 5), 0.0);
    const big_integer two_53 = big_integer(1) << 53;
    EXPECT_EQ(ratio_to_double(two_53 + 1, 1), 9007199254740992.0);  // a tie: to the even 2^53
    EXPECT_EQ(ratio_to_double(two_53 + 3, 1), 9007199254740996.0);  // a tie: to the even 2^53 + 4
    EXPECT_EQ(ratio_to_double((two_53 + 1) * 4 + 1, 4), 9007199254740994.0);  // just above the tie: up
    // IEEE division is correctly rounded: every quotient of two small integers must agree.
    std::mt19937_64 g(7);
    for (int i = 0; i < 2000; ++i) {
        const auto a = static_cast<std::int64_t>(g() >> 12) - (std::int64_t{1} << 51);
        const auto b = static_cast<std::int64_t>(g() >> 12) + 1;
        ASSERT_EQ(ratio_to_double(a, b), double(a) / double(b)) << a << " / " << b;
    }
    // Huge and tiny ratios keep their exponent.
    EXPECT_EQ(ratio_to_double(big_integer(1) << 1000, 3), std::ldexp(1.0, 1000) / 3);
    EXPECT_EQ(ratio_to_double(1, big_integer(3) << 1000), std::ldexp(1.0 / 3.0, -1000));
}

TEST(ExactSum, IsTheSameIntegerInAnyOrder) {
    std::mt19937_64 g(11);
    std::vector<double> x;
    for (int i = 0; i < 3000; ++i) x.push_back(std::ldexp(double(g() >> 11) - 4e15, int(g() % 200) - 100));
    x.push_back(std::numeric_limits<double>::denorm_min());
    x.push_back(-std::numeric_limits<double>::max() / 1e10);
    exact_sum forward, backward, squares_forward, squares_shuffled;
    for (double v : x) forward.add(v, 3, 1), squares_forward.add(v, 2, 2);
    for (auto it = x.rbegin(); it != x.rend(); ++it) backward.add(*it, 3, 1);
    std::shuffle(x.begin(), x.end(), g);
    for (double v : x) squares_shuffled.add(v, 2, 2);
    EXPECT_EQ(forward, backward);
    EXPECT_EQ(squares_forward, squares_shuffled);
    // Split in two and added: the same again.
    exact_sum a, b;
    for (std::size_t i = 0; i < x.size(); ++i) (i % 2 ? a : b).add(x[i], 3, 1);
    a.add(b);
    EXPECT_EQ(a, forward);
}

TEST(ExactSum, HoldsWhatDoubleArithmeticLoses) {
    exact_sum s;
    s.add(1e16, 1, 1);
    s.add(1, 1, 1);
    s.add(-1e16, 1, 1);  // in doubles, 1e16 + 1 − 1e16 is 0
    EXPECT_EQ(ratio_to_double(s.units(), big_integer(1) << exact_sum::scale_bits), 1.0);
    exact_sum q;
    q.add(0.1, 10, 2);  // 10·0.1², exactly (0.1 is not 1/10)
    const double tenth = 0.1;
    const big_integer m = static_cast<std::int64_t>(std::ldexp(tenth, 56));  // 0.1 = m·2^−56 exactly
    EXPECT_EQ(q.units(), 10 * m * m * (big_integer(1) << (exact_sum::scale_bits - 112)));
    exact_sum tiny;
    tiny.add(std::numeric_limits<double>::denorm_min(), 1, 2);  // 2^−2148: still a whole number of units
    EXPECT_EQ(tiny.units(), big_integer(1) << (exact_sum::scale_bits - 2148));
}

}  // namespace exact_sum_test
}  // namespace
