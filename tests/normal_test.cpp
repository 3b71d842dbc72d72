// Tests for fabrisk/normal.hpp: Φ and Φ⁻¹ against Boost.Math (default policy, which promotes to
// long double internally and so is the more accurate reference).
#include "fabrisk/normal.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <vector>

#include <boost/math/distributions/normal.hpp>
#include <gtest/gtest.h>

namespace {
namespace normal_test {

namespace {

double boost_quantile(double p) { return boost::math::quantile(boost::math::normal(), p); }
double boost_cdf(double x) { return boost::math::cdf(boost::math::normal(), x); }

double relative_error(double value, double reference) {
    if (value == reference) return 0.0;
    return std::fabs(value - reference) / std::fabs(reference);
}

/// A dense grid over (0, 1): log-spaced in both tails from 1e-12 to 0.5 (200 points per decade),
/// plus a fine linear grid across the centre, including points within 1e-10 of 0.5.
std::vector<double> probability_grid() {
    std::vector<double> grid;
    for (int i = 0; i <= 200 * 12; ++i) {
        const double u = std::pow(10.0, -12.0 + i / 200.0);
        if (u > 0.5) break;
        grid.push_back(u);
        grid.push_back(1.0 - u);
    }
    for (int i = 1; i < 10000; ++i) grid.push_back(i / 10000.0);
    for (double d : {1e-15, 1e-12, 1e-10, 1e-6, 1e-3}) {
        grid.push_back(0.5 + d);
        grid.push_back(0.5 - d);
    }
    // The branch boundaries of AS241 (|q| = 0.425 and r = 5, i.e. p = exp(-25)).
    for (double p : {0.075, 0.925, std::exp(-25.0), 1.0 - std::exp(-25.0)})
        for (int k = -3; k <= 3; ++k) grid.push_back(p + k * 1e-15);
    grid.push_back(1e-12);
    grid.push_back(1.0 - 1e-12);
    return grid;
}

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

/// 600 values, uniform on [lo, hi) from a fixed LCG, every `every`-th one of `special` instead.
Eigen::ArrayXd mixed_pool(std::uint64_t state, double lo, double hi, const std::vector<double>& special, int every) {
    Eigen::ArrayXd pool(600);
    for (Eigen::Index i = 0; i < pool.size(); ++i) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        pool[i] = lo + (hi - lo) * static_cast<double>(state >> 11) * 0x1p-53;
        if (i % every == 0) pool[i] = special[static_cast<std::size_t>(i / every) % special.size()];
    }
    return pool;
}

/// A block form must give each value what it gives in `whole` (the pool done at once) wherever
/// the value sits: runs of several lengths, at several offsets, in place.
template <class BlockForm>
void expect_same_wherever_placed(const Eigen::ArrayXd& pool, const Eigen::ArrayXd& whole, BlockForm block_form) {
    for (Eigen::Index len : {1, 3, 8, 9, 63, 257, 599}) {
        for (Eigen::Index offset : {0, 1, 5}) {
            if (offset + len > pool.size()) continue;
            Eigen::ArrayXd part = pool.segment(offset, len);
            block_form(part, part);  // in place
            for (Eigen::Index i = 0; i < len; ++i)
                ASSERT_TRUE(same(part[i], whole[offset + i])) << "len " << len << " offset " << offset << " i " << i;
        }
    }
}

TEST(InverseNormalCdf, MatchesBoostOnDenseGridToOneEMinus13) {
    double worst = 0.0, worst_p = 0.0;
    const auto grid = probability_grid();
    for (double p : grid) {
        ASSERT_GT(p, 0.0);
        ASSERT_LT(p, 1.0);
        const double err = relative_error(fabrisk::inverse_normal_cdf(p), boost_quantile(p));
        if (err > worst) {
            worst = err;
            worst_p = p;
        }
    }
    std::cout << "[ measured ] inverse_normal_cdf over " << grid.size()
              << " points: max relative error vs Boost " << worst << " at p = " << worst_p << "\n";
    RecordProperty("max_relative_error", std::to_string(worst));
    EXPECT_LE(worst, 1e-13);
}

TEST(InverseNormalCdf, BlockFormMatchesBoostOnDenseGridToOneEMinus13) {
    // The block form computes the tails with Eigen's vectorised log and sqrt, so it is checked
    // on its own against Boost, over the same grid in blocks of an awkward length.
    const auto grid = probability_grid();
    Eigen::ArrayXd p = Eigen::Map<const Eigen::ArrayXd>(grid.data(), static_cast<Eigen::Index>(grid.size()));
    Eigen::ArrayXd z(p.size());
    for (Eigen::Index start = 0; start < p.size(); start += 100) {
        const Eigen::Index len = std::min<Eigen::Index>(100, p.size() - start);
        fabrisk::inverse_normal_cdf(p.segment(start, len), z.segment(start, len));
    }
    double worst = 0.0, worst_vs_scalar = 0.0;
    for (Eigen::Index i = 0; i < p.size(); ++i) {
        worst = std::max(worst, relative_error(z[i], boost_quantile(p[i])));
        worst_vs_scalar = std::max(worst_vs_scalar, relative_error(z[i], fabrisk::inverse_normal_cdf(p[i])));
        if (std::fabs(p[i] - 0.5) <= 0.425) {
            ASSERT_EQ(z[i], fabrisk::inverse_normal_cdf(p[i])) << p[i];  // same arithmetic
        }
    }
    std::cout << "[ measured ] block inverse_normal_cdf: max relative error vs Boost " << worst << ", vs scalar "
              << worst_vs_scalar << "\n";
    EXPECT_LE(worst, 1e-13);
    EXPECT_LE(worst_vs_scalar, 1e-14);
}

TEST(InverseNormalCdf, BlockValueDependsOnlyOnItsInputWhateverItsPlace) {
    // The block form compresses tail values into a list and pads short vectors: a value must
    // come out the same wherever it sits, whatever its neighbours, in place or not. Extremes
    // (0, 1, NaN, subnormals) go to the scalar form inside the block.
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const std::vector<double> special = {0.0, 1.0, nan, 1e-310, 1e-300, 0.075, 0.925, 1e-12, 0.5, 0.3};
    const Eigen::ArrayXd pool = mixed_pool(12345, 0.0, 1.0, special, 37);
    Eigen::ArrayXd whole(pool.size());
    fabrisk::inverse_normal_cdf(pool, whole);
    for (Eigen::Index i = 0; i < pool.size(); ++i) {
        const double p = pool[i];
        if (!(p > 1e-300 && p < 1.0)) {  // the extremes exactly as the scalar form
            ASSERT_TRUE(same(whole[i], fabrisk::inverse_normal_cdf(p))) << p;
        }
    }
    expect_same_wherever_placed(pool, whole, [](const Eigen::ArrayXd& p, Eigen::ArrayXd& out) {
        fabrisk::inverse_normal_cdf(p, out);
    });
}

TEST(InverseNormalCdf, KnownValuesAndSymmetry) {
    EXPECT_EQ(fabrisk::inverse_normal_cdf(0.5), 0.0);
    EXPECT_NEAR(fabrisk::inverse_normal_cdf(0.975), 1.959963984540054, 1e-15);
    EXPECT_NEAR(fabrisk::inverse_normal_cdf(0.95), 1.6448536269514722, 1e-15);
    EXPECT_NEAR(fabrisk::inverse_normal_cdf(0.9), 1.2815515655446004, 1e-15);
    // Symmetry holds exactly wherever 1 − p is exact (dyadic p).
    for (double p : {0x1p-40, 0x1p-20, 0x1p-10, 0x1p-4, 0.25, 0.375, 0.4375, 0.5 - 0x1p-30})
        EXPECT_EQ(fabrisk::inverse_normal_cdf(p), -fabrisk::inverse_normal_cdf(1.0 - p)) << p;
}

TEST(InverseNormalCdf, EndpointsGiveInfinities) {
    EXPECT_EQ(fabrisk::inverse_normal_cdf(0.0), -std::numeric_limits<double>::infinity());
    EXPECT_EQ(fabrisk::inverse_normal_cdf(1.0), std::numeric_limits<double>::infinity());
    // The smallest subnormal is still a finite quantile.
    EXPECT_TRUE(std::isfinite(fabrisk::inverse_normal_cdf(std::numeric_limits<double>::denorm_min())));
    EXPECT_LT(fabrisk::inverse_normal_cdf(std::numeric_limits<double>::denorm_min()), -38.0);
}

TEST(InverseNormalCdf, IsStrictlyIncreasingOnTheGrid) {
    auto grid = probability_grid();
    std::sort(grid.begin(), grid.end());
    grid.erase(std::unique(grid.begin(), grid.end()), grid.end());
    for (std::size_t i = 1; i < grid.size(); ++i)
        ASSERT_LE(fabrisk::inverse_normal_cdf(grid[i - 1]), fabrisk::inverse_normal_cdf(grid[i])) << grid[i];
}

TEST(NormalCdf, MatchesBoost) {
    // Φ(x) = erfc(−x/√2)/2. Rounding x/√2 by a relative 2^-53 changes erfc by a relative
    // ~2·(x²/2)·2^-53 in the lower tail, so the bound grows with x² (2e-15·(4 + x²): twice that,
    // plus erfc's own few ulps, with a margin).
    double worst_scaled = 0.0, worst_x = 0.0;
    for (int i = 0; i <= 4600; ++i) {
        const double x = -38.0 + i * 0.01;
        const double reference = boost_cdf(x);
        ASSERT_GT(reference, 0.0);
        const double err = relative_error(fabrisk::normal_cdf(x), reference);
        const double allowed = 2e-15 * (4.0 + x * x);
        if (err / allowed > worst_scaled) {
            worst_scaled = err / allowed;
            worst_x = x;
        }
        ASSERT_LE(err, allowed) << "x = " << x;
    }
    std::cout << "[ measured ] normal_cdf: worst error / allowed = " << worst_scaled << " at x = " << worst_x
              << "\n";
    EXPECT_EQ(fabrisk::normal_cdf(0.0), 0.5);
    EXPECT_EQ(fabrisk::normal_cdf(-std::numeric_limits<double>::infinity()), 0.0);
    EXPECT_EQ(fabrisk::normal_cdf(std::numeric_limits<double>::infinity()), 1.0);
    EXPECT_NEAR(fabrisk::normal_cdf(1.959963984540054), 0.975, 1e-15);
}

TEST(NormalCdf, BlockFormMatchesBoostAsTightlyAsTheScalarForm) {
    // The same bound as the scalar form's, on a grid ten times finer, over runs of every length
    // the block form cuts (256) and a ragged end; |x| ≥ 11.3 goes through the scalar form.
    const Eigen::Index n = 45001;
    Eigen::ArrayXd x(n), phi(n);
    for (Eigen::Index i = 0; i < n; ++i) x[i] = -37.0 + static_cast<double>(i) * 0.001;
    fabrisk::normal_cdf(x, phi);
    double worst_scaled = 0.0, worst_x = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
        const double reference = boost_cdf(x[i]);
        const double err = relative_error(phi[i], reference), allowed = 2e-15 * (4.0 + x[i] * x[i]);
        if (err / allowed > worst_scaled) {
            worst_scaled = err / allowed;
            worst_x = x[i];
        }
        ASSERT_LE(err, allowed) << "x = " << x[i];
    }
    std::cout << "[ measured ] block normal_cdf: worst error / allowed = " << worst_scaled << " at x = " << worst_x
              << "\n";
}

TEST(NormalCdf, BlockValueDependsOnlyOnItsInputWhateverItsPlace) {
    // Both formulas run for every value and short vectors are padded: a value must come out the
    // same wherever it sits, in place or not. Infinities, NaN, zeros and |x| beyond the
    // formula's end (11.3) take the scalar form exactly.
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    const std::vector<double> special = {0.0, -0.0, nan, inf, -inf, 11.3137, -11.3138, -37.5, 40.0, 1e-310, -1.4142135623730951, 1.4142135623730951};
    const Eigen::ArrayXd pool = mixed_pool(2024, -12.0, 8.0, special, 29);
    Eigen::ArrayXd whole(pool.size());
    fabrisk::normal_cdf(pool, whole);
    for (Eigen::Index i = 0; i < pool.size(); ++i) {
        const double x = pool[i];
        if (!(std::fabs(x * 0.70710678118654752440) < 8.0))  // beyond the formula: the scalar form, exactly
            ASSERT_TRUE(same(whole[i], fabrisk::normal_cdf(x))) << x;
        else
            ASSERT_NEAR(whole[i], fabrisk::normal_cdf(x), 4e-15 * (4.0 + x * x) * fabrisk::normal_cdf(x)) << x;
    }
    expect_same_wherever_placed(pool, whole, [](const Eigen::ArrayXd& x, Eigen::ArrayXd& out) {
        fabrisk::normal_cdf(x, out);
    });
}

TEST(NormalCdf, RoundTripsThroughInverse) {
    // Only z ≤ 0.5: above, Φ(z) is rounded near 1 and Φ⁻¹ cannot recover z (an ill-conditioned
    // round trip, not an error of either function). Below, both are accurate relative to p.
    for (int i = -3700; i <= 50; ++i) {
        const double z = i * 0.01;
        EXPECT_NEAR(fabrisk::inverse_normal_cdf(fabrisk::normal_cdf(z)), z, 1e-13 * std::max(1.0, std::fabs(z)))
            << z;
    }
}

TEST(Normal, ArrayOverloadsMatchScalar) {
    Eigen::ArrayXd p(7), z(7), out(7);
    p << 1e-12, 0.001, 0.2, 0.5, 0.8, 0.999, 1.0 - 1e-12;
    fabrisk::inverse_normal_cdf(p, out);
    for (Eigen::Index i = 0; i < p.size(); ++i)
        EXPECT_NEAR(out[i], fabrisk::inverse_normal_cdf(p[i]), 1e-15 * std::fabs(out[i])) << p[i];
    // The ends and the subnormal range go through the scalar form exactly.
    Eigen::ArrayXd ends(4), ends_out(4);
    ends << 0.0, 1.0, std::numeric_limits<double>::denorm_min(), 1e-310;
    fabrisk::inverse_normal_cdf(ends, ends_out);
    for (Eigen::Index i = 0; i < ends.size(); ++i) EXPECT_EQ(ends_out[i], fabrisk::inverse_normal_cdf(ends[i])) << ends[i];
    fabrisk::normal_cdf(out, z);
    // The block Φ is its own (vectorised) formula: within the scalar form's error bound of it.
    for (Eigen::Index i = 0; i < p.size(); ++i)
        EXPECT_NEAR(z[i], fabrisk::normal_cdf(out[i]), 4e-15 * (4.0 + out[i] * out[i]) * z[i]) << out[i];
    // In place is allowed.
    Eigen::ArrayXd in_place = p;
    fabrisk::inverse_normal_cdf(in_place, in_place);
    EXPECT_TRUE((in_place == out).all());
}

}  // namespace

}  // namespace normal_test
}  // namespace
