// Tests for fabrisk/vector_math.hpp: each element's result depends only on its input (not on
// its position, the array's length or its alignment), and agrees with libm to a few ulps.
#include "fabrisk/vector_math.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <Eigen/Core>
#include <gtest/gtest.h>

namespace {
namespace vector_math_test {

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
    EXPECT_EQ(out[3], 0.0);
    fabrisk::vector_math::log(special.data(), special.data(), 3);
    EXPECT_EQ(special[0], -INFINITY);
    EXPECT_EQ(special[1], 0.0);
    EXPECT_EQ(special[2], INFINITY);
}

TEST(VectorMath, ExpIsWithinTwoUlpsOverItsWholeRange) {
    // Dense over the lognormal draws' range, sparse out to overflow and underflow (subnormal
    // results too), and the edges of the argument reduction (x near (k + ½)·ln 2).
    std::vector<double> x;
    for (int i = -200000; i <= 200000; ++i) x.push_back(i * 1e-4);
    for (int i = -7450; i <= 7097; ++i) x.push_back(i * 0.1 + 0.0123);
    for (int k = -1070; k <= 1020; ++k)
        for (double d : {-1e-12, 0.0, 1e-12}) x.push_back((k + 0.5) * 0.6931471805599453 + d);
    for (double v : {709.78, 709.782712893384, -708.3, -744.4, -745.1, 1e-300, -1e-300, 0.0, -0.0}) x.push_back(v);
    std::vector<double> e(x.size());
    fabrisk::vector_math::exp(x.data(), e.data(), static_cast<Eigen::Index>(x.size()));
    double worst = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const long double exact = std::exp(static_cast<long double>(x[i]));
        if (exact < 0x1p-1022L) {  // subnormal results: within two of their units
            EXPECT_LE(std::fabs(e[i] - static_cast<double>(exact)), 2 * 0x1p-1074) << x[i];
            continue;
        }
        const double ulp = std::nextafter(static_cast<double>(exact), INFINITY) - static_cast<double>(exact);
        const double error = static_cast<double>(std::fabs(e[i] - exact) / ulp);
        worst = std::max(worst, error);
        ASSERT_LE(error, 2.0) << x[i];
    }
    EXPECT_GT(worst, 0.0);  // not trivially exact: the comparison sees rounding
    // Overflow, NaN.
    std::vector<double> edge{709.79, 710.0, 1e300, NAN}, out(edge.size());
    fabrisk::vector_math::exp(edge.data(), out.data(), 4);
    EXPECT_EQ(out[0], INFINITY);
    EXPECT_EQ(out[1], INFINITY);
    EXPECT_EQ(out[2], INFINITY);
    EXPECT_TRUE(std::isnan(out[3]));
}

TEST(VectorMath, LogIsWithinOneUlpOverItsWholeRange) {
    // Dense over (0, 4] and around 1 (where ln x is small and relative error shows most), every
    // power of two with mantissas at and around the reduction's edge √2, subnormals included,
    // and log-uniform points over the whole range.
    std::vector<double> x;
    for (int i = 1; i <= 400000; ++i) x.push_back(i * 1e-5);
    for (int i = -20000; i <= 20000; ++i) x.push_back(1.0 + i * 1e-9);
    for (int e = -1074; e <= 1023; ++e)
        for (double m : {1.0, 1.1, 1.4142135623730949, 1.4142135623730951, 1.4142135623730954, 1.5, 1.9999999999999998})
            x.push_back(std::ldexp(m, e));
    std::uint64_t state = 7;
    for (int i = 0; i < 100000; ++i) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        x.push_back(std::exp2(-1074.0 + 2098.0 * static_cast<double>(state >> 11) * 0x1p-53));
    }
    std::vector<double> l(x.size());
    fabrisk::vector_math::log(x.data(), l.data(), static_cast<Eigen::Index>(x.size()));
    double worst = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (!(x[i] > 0 && std::isfinite(x[i]))) continue;
        const long double exact = std::log(static_cast<long double>(x[i]));
        if (exact == 0) {
            ASSERT_EQ(l[i], 0.0);
            continue;
        }
        const double magnitude = std::fabs(static_cast<double>(exact));
        const double ulp = std::nextafter(magnitude, INFINITY) - magnitude;
        const double error = static_cast<double>(std::fabs(l[i] - exact) / ulp);
        worst = std::max(worst, error);
        ASSERT_LE(error, 1.0) << x[i];
    }
    EXPECT_GT(worst, 0.0);  // not trivially exact: the comparison sees rounding
    // Zero, infinity, negative numbers and NaN.
    std::vector<double> edge{0.0, -0.0, INFINITY, -1.0, -INFINITY, NAN}, out(edge.size());
    fabrisk::vector_math::log(edge.data(), out.data(), static_cast<Eigen::Index>(edge.size()));
    EXPECT_EQ(out[0], -INFINITY);
    EXPECT_EQ(out[1], -INFINITY);
    EXPECT_EQ(out[2], INFINITY);
    EXPECT_TRUE(std::isnan(out[3]));
    EXPECT_TRUE(std::isnan(out[4]));
    EXPECT_TRUE(std::isnan(out[5]));
}

}  // namespace

}  // namespace vector_math_test
}  // namespace
