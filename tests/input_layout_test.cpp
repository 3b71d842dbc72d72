// Tests for fabrisk/input_layout.hpp: the dimensions each input takes, the groups, the drawn
// scalars against their distributions (Boost.Math CDFs) and correlation, and held uniforms.
#include "fabrisk/input_layout.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <boost/math/distributions/lognormal.hpp>
#include <boost/math/distributions/normal.hpp>
#include <gtest/gtest.h>

#include "fabrisk/random_stream.hpp"

namespace {
namespace input_layout_test {

namespace {
using fabrisk::input_layout;

/// Three random scalars (b and d correlated), one fixed, then two reserved ranges.
input_layout example() {
    input_layout layout({{"a", fabrisk::uniform(0, 1)},
                         {"b", fabrisk::normal(10, 2)},
                         {"c", fabrisk::fixed(3)},
                         {"d", fabrisk::lognormal(0, 0.5)},
                         {"e", fabrisk::uniform(5, 6)}},
                        {{3, 1, 0.6}});
    return layout;
}

/// Kolmogorov–Smirnov distance of a sample from a CDF.
template <class Cdf>
double ks_distance(std::vector<double> x, Cdf cdf) {
    std::sort(x.begin(), x.end());
    double d = 0;
    const double n = double(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double f = cdf(x[i]);
        d = std::max({d, f - double(i) / n, double(i + 1) / n - f});
    }
    return d;
}
}  // namespace

TEST(InputLayout, UncorrelatedScalarsFirstThenCopulaBlocksThenReservedRanges) {
    input_layout layout = example();
    // a → 0, e → 1 (uncorrelated, in order); the block {b, d} → 2, 3; c is fixed.
    EXPECT_EQ(layout.dimension(), 4u);
    EXPECT_EQ(layout.reserve("shock", 2, 7), 4);
    EXPECT_EQ(layout.reserve("nothing", 0), input_layout::none);
    EXPECT_EQ(layout.reserve("churn", 3), 6);
    EXPECT_EQ(layout.reserve("shock", 1, 7), 9);  // joins its group
    EXPECT_EQ(layout.dimension(), 10u);

    const auto& groups = layout.groups();
    ASSERT_EQ(groups.size(), 5u);
    EXPECT_EQ(groups[0].name, "a");
    EXPECT_EQ(groups[0].dimensions, (std::vector<int>{0}));
    EXPECT_EQ(groups[1].name, "b+d");  // a block is listed at its first input
    EXPECT_EQ(groups[1].kind, input_layout::group_kind::correlated_scalars);
    EXPECT_EQ(groups[1].dimensions, (std::vector<int>{2, 3}));
    EXPECT_EQ(groups[2].name, "e");
    EXPECT_EQ(groups[2].dimensions, (std::vector<int>{1}));
    EXPECT_EQ(groups[3].name, "shock");
    EXPECT_EQ(groups[3].kind, input_layout::group_kind::reserved);
    EXPECT_EQ(groups[3].tag, 7);
    EXPECT_EQ(groups[3].dimensions, (std::vector<int>{4, 5, 9}));
    EXPECT_EQ(groups[4].name, "churn");
    EXPECT_EQ(groups[4].dimensions, (std::vector<int>{6, 7, 8}));
    EXPECT_THROW(layout.reserve("a", 1), fabrisk::usage_error);  // a scalar's group
}

TEST(InputLayout, DrawnScalarsFollowTheirDistributionsAndCorrelation) {
    const input_layout layout = example();
    const Eigen::Index n = 20000;
    Eigen::ArrayXXd u(n, static_cast<Eigen::Index>(layout.dimension()));
    fabrisk::trial_stream(1, layout.dimension()).fill(0, u);
    Eigen::ArrayXXd x;
    input_layout::scratch scratch;
    layout.draw_scalars(u, x, scratch);
    ASSERT_EQ(x.rows(), n);
    ASSERT_EQ(x.cols(), 5);

    // Each marginal: the KS distance stays below 1.95/√n (exceeded with probability 0.1%).
    auto column = [&](Eigen::Index k) { return std::vector<double>(x.col(k).data(), x.col(k).data() + n); };
    const double bound = 1.95 / std::sqrt(double(n));
    const boost::math::normal_distribution<> b(10, 2);
    const boost::math::lognormal_distribution<> d(0, 0.5);
    EXPECT_LT(ks_distance(column(0), [](double v) { return v; }), bound);
    EXPECT_LT(ks_distance(column(1), [&](double v) { return boost::math::cdf(b, v); }), bound);
    EXPECT_LT(ks_distance(column(3), [&](double v) { return boost::math::cdf(d, v); }), bound);
    EXPECT_LT(ks_distance(column(4), [](double v) { return v - 5; }), bound);
    EXPECT_TRUE((x.col(2) == 3.0).all());

    // b and d: their normal scores correlate at 0.6 (standard error (1 − ρ²)/√n ≈ 0.0045).
    Eigen::ArrayXd zb = (x.col(1) - 10) / 2, zd = x.col(3).log() / 0.5;
    const double r = ((zb - zb.mean()) * (zd - zd.mean())).mean() /
                     std::sqrt((zb - zb.mean()).square().mean() * (zd - zd.mean()).square().mean());
    EXPECT_NEAR(r, 0.6, 5 * (1 - 0.36) / std::sqrt(double(n)));
    // a and e are independent of each other and of the block.
    Eigen::ArrayXd ua = x.col(0), ue = x.col(4) - 5;
    const double r_ae = ((ua - 0.5) * (ue - 0.5)).mean() * 12;
    EXPECT_NEAR(r_ae, 0.0, 5 / std::sqrt(double(n)));
}

TEST(InputLayout, RanksAreEachScalarsCdfValue) {
    const input_layout layout = example();
    Eigen::ArrayXXd u(64, static_cast<Eigen::Index>(layout.dimension()));
    fabrisk::trial_stream(3, layout.dimension()).fill(0, u);
    Eigen::ArrayXXd x;
    input_layout::scratch scratch;
    layout.draw_scalars(u, x, scratch);
    const Eigen::ArrayXXd ranks = layout.scalar_ranks(u);
    const boost::math::normal_distribution<> b(10, 2);
    const boost::math::lognormal_distribution<> d(0, 0.5);
    for (Eigen::Index t = 0; t < u.rows(); ++t) {
        EXPECT_NEAR(ranks(t, 0), x(t, 0), 1e-12);
        EXPECT_NEAR(ranks(t, 1), boost::math::cdf(b, x(t, 1)), 1e-9);
        EXPECT_TRUE(std::isnan(ranks(t, 2)));  // fixed
        EXPECT_NEAR(ranks(t, 3), boost::math::cdf(d, x(t, 3)), 1e-9);
        EXPECT_NEAR(ranks(t, 4), x(t, 4) - 5, 1e-12);
    }
}

TEST(InputLayout, HeldUniformsPutEveryInputOfAGroupAtItsPercentile) {
    input_layout layout = example();
    layout.reserve("own", 1);
    const boost::math::normal_distribution<> b(10, 2);
    const boost::math::lognormal_distribution<> d(0, 0.5);
    for (double p : {0.1, 0.5, 0.9}) {
        Eigen::ArrayXXd u = Eigen::ArrayXXd::Constant(1, static_cast<Eigen::Index>(layout.dimension()), 0.5);
        for (const auto& g : layout.groups()) {
            if (g.kind == input_layout::group_kind::reserved) {
                EXPECT_THROW(layout.held_uniforms(g, p), fabrisk::usage_error);
                continue;
            }
            for (const auto& [dim, value] : layout.held_uniforms(g, p)) u(0, dim) = value;
        }
        Eigen::ArrayXXd x;
        input_layout::scratch scratch;
        layout.draw_scalars(u, x, scratch);
        EXPECT_NEAR(x(0, 0), p, 1e-12);
        EXPECT_NEAR(x(0, 1), boost::math::quantile(b, p), 1e-9);  // correlated, held together
        EXPECT_NEAR(x(0, 3), boost::math::quantile(d, p), 1e-9);
        EXPECT_NEAR(x(0, 4), 5 + p, 1e-12);
    }
    EXPECT_THROW(layout.held_uniforms(layout.groups()[0], 1.0), fabrisk::usage_error);
}

TEST(InputLayout, BadCorrelationsAreRefused) {
    using scalars = std::vector<input_layout::scalar>;
    const scalars two{{"x", fabrisk::uniform(0, 1)}, {"y", fabrisk::uniform(0, 1)}};
    EXPECT_THROW(input_layout(two, {{0, 2, 0.5}}), fabrisk::usage_error);  // no input 2
    EXPECT_THROW(input_layout(two, {{1, 1, 0.5}}), fabrisk::usage_error);  // with itself
    EXPECT_THROW(input_layout(two, {{0, 1, 1.5}}), fabrisk::usage_error);
    const scalars three{{"x", fabrisk::uniform(0, 1)}, {"y", fabrisk::uniform(0, 1)}, {"z", fabrisk::uniform(0, 1)}};
    // x~y and y~z at 0.9 but x~z at −0.9: not positive semidefinite.
    EXPECT_THROW(input_layout(three, {{0, 1, 0.9}, {1, 2, 0.9}, {0, 2, -0.9}}), fabrisk::usage_error);
}

}  // namespace input_layout_test
}  // namespace
