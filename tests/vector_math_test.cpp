// Tests for fabrisk/vector_math.hpp: each element's result depends only on its input (not on
// its position, the array's length or its alignment), and agrees with libm to a few ulps.
#include "fabrisk/vector_math.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace {

std::vector<double> inputs() {
    std::vector<double> x;
    for (int i = 0; i < 203; ++i) x.push_back(std::ldexp(1.0 + 0.37 * i, (i % 41) - 20));
    return x;
}

TEST(VectorMath, ResultsDependOnlyOnTheInput) {
    const auto x = inputs();
    const auto n = static_cast<Eigen::Index>(x.size());
    std::vector<double> whole_exp(x.size()), whole_log(x.size()), whole_sqrt(x.size());
    fabrisk::vector_math::exp(x.data(), whole_exp.data(), n);
    fabrisk::vector_math::log(x.data(), whole_log.data(), n);
    fabrisk::vector_math::sqrt(x.data(), whole_sqrt.data(), n);
    // Every offset (so every alignment and every position within a block of eight) and every
    // short length, one element at a time too.
    for (Eigen::Index start = 0; start < 17; ++start)
        for (Eigen::Index len : {Eigen::Index{1}, Eigen::Index{3}, Eigen::Index{8}, Eigen::Index{13}, n - start}) {
            std::vector<double> e(static_cast<std::size_t>(len)), l(e.size()), s(e.size());
            fabrisk::vector_math::exp(x.data() + start, e.data(), len);
            fabrisk::vector_math::log(x.data() + start, l.data(), len);
            fabrisk::vector_math::sqrt(x.data() + start, s.data(), len);
            for (Eigen::Index i = 0; i < len; ++i) {
                const auto k = static_cast<std::size_t>(start + i);
                ASSERT_EQ(e[static_cast<std::size_t>(i)], whole_exp[k]) << start << " " << len;
                ASSERT_EQ(l[static_cast<std::size_t>(i)], whole_log[k]) << start << " " << len;
                ASSERT_EQ(s[static_cast<std::size_t>(i)], whole_sqrt[k]) << start << " " << len;
            }
        }
}

TEST(VectorMath, AgreesWithLibmToAFewUlps) {
    const auto x = inputs();
    std::vector<double> e(x.size()), l(x.size());
    fabrisk::vector_math::exp(x.data(), e.data(), static_cast<Eigen::Index>(x.size()));
    fabrisk::vector_math::log(x.data(), l.data(), static_cast<Eigen::Index>(x.size()));
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (std::isfinite(std::exp(x[i]))) {
            EXPECT_NEAR(e[i], std::exp(x[i]), 4e-16 * std::exp(x[i])) << x[i];
        }
        EXPECT_NEAR(l[i], std::log(x[i]), 4e-16 * std::max(1.0, std::fabs(std::log(x[i])))) << x[i];
    }
    // In place, and the special values.
    std::vector<double> special{0.0, 1.0, INFINITY, -INFINITY};
    std::vector<double> out(special.size());
    fabrisk::vector_math::exp(special.data(), out.data(), 4);
    EXPECT_EQ(out[0], 1.0);
    EXPECT_EQ(out[2], INFINITY);
    // Eigen clamps exp's argument at about −709.78, so exp(−inf) is the smallest normal-range
    // value it reaches (~5.6e-309) rather than 0: an absolute error below 1e-307.
    EXPECT_GE(out[3], 0.0);
    EXPECT_LE(out[3], 1e-307);
    fabrisk::vector_math::log(special.data(), special.data(), 3);
    EXPECT_EQ(special[0], -INFINITY);
    EXPECT_EQ(special[1], 0.0);
    EXPECT_EQ(special[2], INFINITY);
}

}  // namespace
