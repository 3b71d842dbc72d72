// special_functions.hpp against Boost.Math (the reference; it calls libm, so the engine does not
// use it for results) and std::lgamma; and the grid solve's independence from its starting point,
// which is what makes the beta, PERT and gamma tables the same bits on every machine.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <gtest/gtest.h>

#include "fabrisk/distribution.hpp"
#include "fabrisk/special_functions.hpp"

namespace {
namespace special_functions_test {

namespace {

namespace special = fabrisk::special;

std::uint64_t bits(double x) {
    std::uint64_t k;
    std::memcpy(&k, &x, sizeof k);
    return k;
}

double relative(double got, double want) { return std::fabs(got - want) / std::max(std::fabs(want), 1e-300); }

TEST(SpecialFunctions, ElementaryFunctionsKeepTheirSmallArgumentAccuracy) {
    for (double x : {1e-300, 1e-17, 1e-10, 3e-5, -3e-5, 0.25, -0.5, 2.0, 40.0}) {
        EXPECT_LT(relative(special::log1p(x), std::log1p(x)), 4e-16) << x;
        EXPECT_LT(relative(special::expm1(x), std::expm1(x)), 4e-16) << x;
    }
    EXPECT_EQ(special::expm1(-800.0), -1.0);
    EXPECT_EQ(special::expm1(800.0), std::numeric_limits<double>::infinity());
    for (double x : {1e-3, 0.2, 0.5, 0.9, 1.0, 1.5, 2.0, 2.5, 7.0, 33.3, 170.0, 1e4, 1e6})
        EXPECT_LT(std::fabs(special::lgamma(x) - std::lgamma(x)), 3e-15 * std::max(1.0, std::fabs(std::lgamma(x)))) << x;
}

TEST(SpecialFunctions, IncompleteBetaAgreesWithBoost) {
    const double shapes[][2] = {{0.5, 2}, {1, 1}, {1.2, 5}, {5, 1.2}, {2, 2}, {1.8, 3.4}, {30, 40}, {0.2, 0.3}};
    for (const auto& [a, b] : shapes) {
        double worst_cdf = 0, worst_density = 0;
        for (double x = 1e-12; x < 1; x = x < 0.01 ? x * 1.5 : x + 0.0037) {
            const double want = boost::math::ibeta(a, b, x);
            if (want > 1e-280) worst_cdf = std::max(worst_cdf, relative(special::beta_p(a, b, x), want));
            worst_density = std::max(worst_density, relative(special::beta_density(a, b, x), boost::math::ibeta_derivative(a, b, x)));
        }
        // ln B(a, b) cancels ln Γ terms of size ~(a + b): the error grows with the shapes.
        const double bound = std::max(2e-13, 1e-14 * (a + b));
        EXPECT_LT(worst_cdf, bound) << "beta(" << a << ", " << b << ")";
        EXPECT_LT(worst_density, bound) << "beta(" << a << ", " << b << ")";
    }
    EXPECT_EQ(special::beta_p(2, 3, 0.0), 0.0);
    EXPECT_EQ(special::beta_p(2, 3, 1.0), 1.0);
}

TEST(SpecialFunctions, IncompleteGammaAgreesWithBoost) {
    for (double s : {0.3, 1.0, 2.5, 10.0, 150.0}) {
        double worst = 0;
        for (double x = 1e-8; x < 40 * s + 60; x = x < 0.1 ? x * 1.5 : x * 1.02) {
            const double p = boost::math::gamma_p(s, x), q = boost::math::gamma_q(s, x);
            if (p > 1e-280) worst = std::max(worst, relative(special::gamma_p(s, x), p));
            if (q > 1e-280) worst = std::max(worst, relative(special::gamma_q(s, x), q));
            worst = std::max(worst, relative(special::gamma_density(s, x), boost::math::gamma_p_derivative(s, x)));
        }
        EXPECT_LT(worst, 2e-12) << "gamma(" << s << ")";
    }
}

// The solve's answer is a function of the CDF and the target only: starting it one or many ulps
// away, or with no start at all, gives the same bits. (Different machines' libm give Boost's
// starting point different last bits; this is why the tables no longer do.)
TEST(SpecialFunctions, GridSolveDoesNotDependOnItsStart) {
    const double shapes[][2] = {{1.8, 3.4}, {4.2, 1.3}, {0.5, 2}, {2, 2}};
    for (const auto& [a, b] : shapes) {
        for (double u : {1e-12, 3.7e-7, 0.01, 0.25, 0.5}) {
            auto cdf = [a, b](double x) { return special::beta_p(a, b, x); };
            // Boost 1.81 cannot invert beta(0.5, 2) at 1e-12 (NaN: the solve bisects).
            const double boost_start = fabrisk::detail::boost_beta_quantile(a, b, u);
            const double x = special::solve_on_grid(cdf, u, boost_start, 1.0);
            EXPECT_LT(relative(special::beta_p(a, b, x), u), 1e-12) << a << " " << b << " " << u;
            if (!std::isnan(boost_start)) {
                EXPECT_LT(relative(x, boost_start), 1e-12) << a << " " << b << " " << u;
            }
            for (double start : {std::nextafter(x, 0.0), std::nextafter(x, 1.0), x * (1 + 1e-9), x * (1 - 3e-10), 0.999,
                                 1e-200, std::numeric_limits<double>::quiet_NaN()})
                EXPECT_EQ(bits(special::solve_on_grid(cdf, u, start, 1.0)), bits(x))
                    << "beta(" << a << ", " << b << ") at " << u << " from " << start;
        }
    }
    // A symmetric beta's median is ½ on any start, including ones just across the binade.
    auto cdf = [](double x) { return special::beta_p(2, 2, x); };
    for (double start : {0.5, std::nextafter(0.5, 0.0), std::nextafter(0.5, 1.0)})
        EXPECT_NEAR(special::solve_on_grid(cdf, 0.5, start, 1.0), 0.5, 1e-15);
}

// The distributions' exact quantiles (which build the tables) agree with Boost's in both tails.
TEST(SpecialFunctions, ExactQuantilesAgreeWithBoostInBothTails) {
    for (double u : {1e-12, 1e-6, 0.1, 0.5, 0.9, 1 - 1e-6, 1 - 1e-12}) {
        EXPECT_LT(relative(fabrisk::detail::beta_quantile(1.8, 3.4, u), boost::math::ibeta_inv(1.8, 3.4, u)), 1e-12) << u;
        EXPECT_LT(relative(1 - fabrisk::detail::beta_quantile(1.8, 3.4, u), boost::math::ibetac_inv(3.4, 1.8, u)), 1e-11) << u;
        EXPECT_LT(relative(fabrisk::detail::gamma_quantile(2.5, u), boost::math::gamma_p_inv(2.5, u)), 1e-12) << u;
    }
    for (double q : {1e-12, 1e-6, 0.3})
        EXPECT_LT(relative(fabrisk::detail::gamma_upper(2.5, q), boost::math::gamma_q_inv(2.5, q)), 1e-12) << q;
}

// Near point masses (shapes outside [1e-8, 1e5]) the functions are not used: the quantiles are
// Boost.Math's own, and a PERT with a huge λ still builds at once.
TEST(SpecialFunctions, ShapesOutsideTheirRangeKeepBoostsAnswer) {
    EXPECT_TRUE(special::shape_in_range(1e5));
    EXPECT_FALSE(special::shape_in_range(2e5));
    EXPECT_FALSE(special::shape_in_range(1e-9));
    const auto policy = fabrisk::detail::math_policy();
    EXPECT_EQ(fabrisk::detail::beta_quantile(5, 2e5, 0.3), boost::math::ibeta_inv(5.0, 2e5, 0.3, policy));
    EXPECT_EQ(fabrisk::detail::beta_quantile(5, 2e5, 0.75), boost::math::ibetac_inv(5.0, 2e5, 0.25, policy));
    EXPECT_EQ(fabrisk::detail::gamma_quantile(2e5, 0.3), boost::math::gamma_p_inv(2e5, 0.3, policy));
    const auto d = fabrisk::pert(0, 0.5, 1, 1e7);
    EXPECT_NEAR(fabrisk::quantile(d, 0.9), 0.5, 1e-3);
}

}  // namespace

}  // namespace special_functions_test
}  // namespace
