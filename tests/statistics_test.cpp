// Tests for fabrisk/statistics.hpp: Wilson intervals against the closed formula and a textbook
// value; chunked moments against a two-pass computation; lower empirical quantiles against
// sorting; non-finite values; threshold counts; histograms; argument checks; the paired counts
// and differences on every target. The binned path itself is tested in binned_quantiles_test.cpp.
#include "fabrisk/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fabrisk/random_stream.hpp"
#include "fabrisk/simd_target.hpp"

namespace {
namespace statistics_test {

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

/// Wilson score interval written out independently: (p̂ + z²/2n ± z√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n).
std::pair<double, double> wilson_reference(double k, double n, double z) {
    const double p = k / n, z2 = z * z;
    const double centre = p + z2 / (2 * n);
    const double half = z * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
    const double denominator = 1 + z2 / n;
    return {(centre - half) / denominator, (centre + half) / denominator};
}

TEST(Proportion, WilsonMatchesClosedFormula) {
    for (std::uint64_t n : {1u, 2u, 10u, 37u, 1000u, 1000000u})
        for (std::uint64_t k : {std::uint64_t{0}, std::uint64_t{1}, n / 3, n / 2, n - 1, n}) {
            if (k > n) continue;
            const fabrisk::proportion p{k, n};
            EXPECT_DOUBLE_EQ(p.estimate(), double(k) / double(n));
            for (double z : {fabrisk::z_95, 1.0, 2.5758293035489004}) {
                const auto got = p.wilson(z);
                const auto want = wilson_reference(double(k), double(n), z);
                EXPECT_NEAR(got.first, std::max(0.0, want.first), 1e-15) << k << "/" << n << " z " << z;
                EXPECT_NEAR(got.second, std::min(1.0, want.second), 1e-15) << k << "/" << n << " z " << z;
                EXPECT_LE(got.first, p.estimate());
                EXPECT_GE(got.second, p.estimate());
            }
        }
}

TEST(Proportion, WilsonTextbookValues) {
    // 0 of 10: the interval is [0, z²/(n + z²)] = [0, 0.2775] (the "rule of three" neighbour).
    const auto zero = fabrisk::proportion{0, 10}.wilson();
    const double z2 = fabrisk::z_95 * fabrisk::z_95;
    EXPECT_NEAR(zero.first, 0.0, 1e-15);
    EXPECT_NEAR(zero.second, z2 / (10 + z2), 1e-15);
    EXPECT_NEAR(zero.second, 0.2775, 5e-5);
    // 10 of 10 mirrors it.
    const auto all = fabrisk::proportion{10, 10}.wilson();
    EXPECT_NEAR(all.first, 10 / (10 + z2), 1e-15);
    EXPECT_NEAR(all.second, 1.0, 1e-15);
    // 50 of 100: 0.5 ± 0.0960 (symmetric about ½), Newcombe (1998): [0.4038, 0.5962].
    const auto half = fabrisk::proportion{50, 100}.wilson();
    EXPECT_NEAR(half.first, 0.4038, 5e-5);
    EXPECT_NEAR(half.second, 0.5962, 5e-5);
    EXPECT_NEAR(half.first + half.second, 1.0, 1e-15);
    // No trials: the whole unit interval.
    EXPECT_EQ(fabrisk::proportion{}.wilson(), std::make_pair(0.0, 1.0));
    EXPECT_EQ(fabrisk::proportion{}.estimate(), 0.0);
    // z_95 is Φ⁻¹(0.975).
    EXPECT_NEAR(fabrisk::z_95, 1.959963984540054, 1e-15);
}

TEST(Comparisons, ToleranceOfModelSectionFour) {
    EXPECT_TRUE(fabrisk::at_least(0.2 + 0.4, 0.6));
    EXPECT_TRUE(fabrisk::at_most(0.6, 0.2 + 0.4));
    EXPECT_TRUE(fabrisk::at_least(1 - 0.9e-9, 1.0));
    EXPECT_FALSE(fabrisk::at_least(1 - 1.1e-9, 1.0));
    EXPECT_TRUE(fabrisk::at_most(1e6 + 0.9e-3, 1e6));  // relative: 1e-9·|y|
    EXPECT_FALSE(fabrisk::at_most(1e6 + 1.1e-3, 1e6));
    EXPECT_TRUE(fabrisk::at_most(inf, inf));
    EXPECT_FALSE(fabrisk::at_most(inf, 1e300));
    EXPECT_FALSE(fabrisk::at_least(1e300, inf));
    EXPECT_TRUE(fabrisk::at_least(-inf, -inf));
}

/// Values from a fixed stream: n × outputs, column j a different shape.
Eigen::ArrayXXd sample_block(Eigen::Index n, std::uint64_t seed) {
    Eigen::ArrayXXd u(n, 3);
    fabrisk::trial_stream(seed, 3).fill(0, u);
    Eigen::ArrayXXd out(n, 3);
    out.col(0) = 1e6 + 10 * u.col(0);         // large offset: tests a stable variance
    out.col(1) = -(1 - u.col(1)).log() * 3;   // exponential, skewed
    out.col(2) = (u.col(2) * 7).floor() - 2;  // integers −2 … 4
    return out;
}

/// Feeds `block` to the statistics in chunks of the given sizes (the last takes the rest).
void feed(fabrisk::output_statistics& stats, const Eigen::ArrayXXd& block, std::vector<Eigen::Index> sizes) {
    Eigen::Index first = 0;
    for (std::size_t i = 0; first < block.rows(); ++i) {
        const Eigen::Index rows = i < sizes.size() ? std::min(sizes[i], block.rows() - first) : block.rows() - first;
        stats.merge(stats.summarize(block.middleRows(first, rows)));
        first += rows;
    }
}

TEST(OutputStatistics, MomentsMatchTwoPassOverChunks) {
    const Eigen::ArrayXXd block = sample_block(10007, 1);
    fabrisk::output_statistics stats(3);
    feed(stats, block, {1, 2, 1000, 3333, 17, 4000});
    for (Eigen::Index j = 0; j < 3; ++j) {
        const auto s = stats.summary(static_cast<std::size_t>(j));
        const auto col = block.col(j);
        const double n = double(col.size());
        double sum = 0;
        for (double x : col) sum += x;
        const double mean = sum / n;
        double m2 = 0;
        for (double x : col) m2 += (x - mean) * (x - mean);
        const double sd = std::sqrt(m2 / (n - 1));
        EXPECT_EQ(s.count, 10007u);
        EXPECT_EQ(s.non_finite, 0u);
        EXPECT_NEAR(s.mean, mean, 1e-13 * std::fabs(mean) + 1e-15) << "column " << j;
        EXPECT_NEAR(s.sd, sd, 1e-10 * sd) << "column " << j;
        EXPECT_EQ(s.min, col.minCoeff());
        EXPECT_EQ(s.max, col.maxCoeff());
        EXPECT_EQ(s.rank_error, 0.0);  // 10007 values are within the default pilot
    }
    // The same data in one chunk gives the same summary up to rounding.
    fabrisk::output_statistics one(3);
    feed(one, block, {});
    for (std::size_t j = 0; j < 3; ++j) {
        EXPECT_NEAR(one.summary(j).mean, stats.summary(j).mean, 1e-13 * std::fabs(stats.summary(j).mean));
        EXPECT_EQ(one.summary(j).quantiles, stats.summary(j).quantiles);
    }
}

TEST(OutputStatistics, QuantilesAreLowerEmpiricalQuantiles) {
    for (Eigen::Index n : {1, 2, 3, 10, 99, 100, 101, 1000, 5003}) {
        const Eigen::ArrayXXd block = sample_block(n, 100 + static_cast<std::uint64_t>(n));
        fabrisk::output_statistics stats(3);
        feed(stats, block, {7, 64});
        for (Eigen::Index j = 0; j < 3; ++j) {
            std::vector<double> sorted(block.col(j).data(), block.col(j).data() + n);
            std::sort(sorted.begin(), sorted.end());
            const auto s = stats.summary(static_cast<std::size_t>(j));
            for (std::size_t q = 0; q < fabrisk::standard_percentiles.size(); ++q) {
                const double p = fabrisk::standard_percentiles[q] / 100.0;
                // Smallest x with F_n(x) ≥ p: the ⌈p·n⌉-th order statistic, found by counting.
                double want = sorted.back();
                for (double x : sorted)
                    if (double(std::upper_bound(sorted.begin(), sorted.end(), x) - sorted.begin()) >= p * double(n) - 1e-9) {
                        want = x;
                        break;
                    }
                EXPECT_EQ(s.quantiles[q], want) << "n = " << n << ", column " << j << ", p = " << p;
            }
        }
    }
    // Integer-valued outputs give integer quantiles.
    const Eigen::ArrayXXd block = sample_block(777, 5);
    fabrisk::output_statistics stats(3);
    feed(stats, block, {100});
    const auto q = stats.summary(2).quantiles;
    for (std::size_t i = 0; i < q.size(); ++i) EXPECT_EQ(q[i], std::floor(q[i]));
}

TEST(OutputStatistics, QuantilesWithinReportedRankErrorBeyondThePilot) {
    // A pilot of 256 over 50 000 values: binned, with the error bound of docs/model.md §5.2 checked.
    const Eigen::Index n = 50000;
    const Eigen::ArrayXXd block = sample_block(n, 7);
    fabrisk::output_statistics stats(3, {}, 256);
    feed(stats, block, {2048});
    const auto s = stats.summary(1);
    EXPECT_GT(s.rank_error, 0.0);
    std::vector<double> sorted(block.col(1).data(), block.col(1).data() + n);
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t q = 0; q < fabrisk::standard_percentiles.size(); ++q) {
        const double p = fabrisk::standard_percentiles[q] / 100.0;
        const double below = double(std::lower_bound(sorted.begin(), sorted.end(), s.quantiles[q]) - sorted.begin()) / n;
        const double upto = double(std::upper_bound(sorted.begin(), sorted.end(), s.quantiles[q]) - sorted.begin()) / n;
        EXPECT_GE(upto, p - s.rank_error) << p;   // F_N(x) ≥ p − ε
        EXPECT_LE(below, p + s.rank_error) << p;  // F_N(x⁻) ≤ p + ε
    }
}

TEST(OutputStatistics, WorkersPartialsGiveWhatTheMergeAloneGives) {
    // Past the pilot, a worker bins into its own partial, several chunks at a time, and the
    // partials are absorbed at the end. Two workers taking chunks of assorted sizes (one above
    // the partial's batch of binning_rows, and the last batches left part-full) must give the
    // summaries of the same values passed through merge alone, to the last count.
    const Eigen::Index n = 60000;
    Eigen::ArrayXXd block = sample_block(n, 21);
    block(40000, 1) = inf;
    const std::vector<fabrisk::output_config> config{{}, {{0.5, 3.0, 9.0}, {1.0}}, {{0.0}, {}}};
    fabrisk::output_statistics serial(3, config, 1000), split(3, config, 1000);
    feed(serial, block, {2048});
    std::vector<fabrisk::output_statistics::partial> workers(2);
    // The first chunk is the serial feed's, so both close the pilot on the same values.
    const std::vector<Eigen::Index> sizes{2048, 500, 700, 3000, 9000, 2048, 17, 1, 4096};
    Eigen::Index first = 0;
    for (std::size_t i = 0; first < n; ++i) {
        const Eigen::Index rows = std::min(sizes[i % sizes.size()], n - first);
        split.merge(split.summarize(block.middleRows(first, rows), workers[i % 2]));
        first += rows;
    }
    ASSERT_GT(fabrisk::output_statistics::binning_rows, 2048);
    ASSERT_LT(fabrisk::output_statistics::binning_rows, 9000);
    for (auto& w : workers) {
        EXPECT_GT(w.waiting, 0);  // values still waiting: absorb must bin them
        split.absorb(std::move(w));
    }
    for (std::size_t j = 0; j < 3; ++j) {
        const auto a = serial.summary(j), b = split.summary(j);
        if (j < 2) {
            EXPECT_GT(a.rank_error, 0.0) << j;  // binned, not exact (output 2: one bin per integer)
        }
        EXPECT_EQ(b.count, a.count) << j;
        EXPECT_EQ(b.non_finite, a.non_finite) << j;
        for (std::size_t q = 0; q < fabrisk::standard_percentiles.size(); ++q) EXPECT_EQ(b.quantiles[q], a.quantiles[q]) << j;
        EXPECT_EQ(b.histogram_edges, a.histogram_edges) << j;
        EXPECT_EQ(b.histogram_counts, a.histogram_counts) << j;
        EXPECT_EQ(b.at_most_counts, a.at_most_counts) << j;
        EXPECT_EQ(b.at_least_counts, a.at_least_counts) << j;
        EXPECT_EQ(b.rank_error, a.rank_error) << j;
    }
    EXPECT_EQ(split.summary(1).at_most_counts[1], static_cast<std::uint64_t>((block.col(1) <= 3.0).count()));
}

TEST(OutputStatistics, InfinitiesAreCountedAndExcludedFromMoments) {
    Eigen::ArrayXXd block(6, 1);
    block << 1, inf, 2, 3, inf, 6;
    fabrisk::output_statistics stats(1, {{{2.0, 1e300, inf}, {}}});
    feed(stats, block, {2, 1});
    const auto s = stats.summary(0);
    EXPECT_EQ(s.count, 6u);
    EXPECT_EQ(s.non_finite, 2u);
    EXPECT_DOUBLE_EQ(s.mean, 3.0);
    EXPECT_DOUBLE_EQ(s.sd, std::sqrt((4 + 1 + 0 + 9) / 3.0));
    EXPECT_EQ(s.min, 1.0);
    EXPECT_EQ(s.max, inf);
    // Sorted: 1 2 3 6 inf inf. p50 → rank 3 → 3; p75 → rank 5 → inf; p01 → rank 1 → 1.
    EXPECT_EQ(s.quantiles.p01, 1.0);
    EXPECT_EQ(s.quantiles.p50, 3.0);
    EXPECT_EQ(s.quantiles.p75, inf);
    EXPECT_EQ(s.at_most_counts, (std::vector<std::uint64_t>{2, 4, 6}));
    // The histogram covers finite values only.
    EXPECT_EQ(std::accumulate(s.histogram_counts.begin(), s.histogram_counts.end(), std::uint64_t{0}), 4u);
    // −inf: counted, the minimum.
    Eigen::ArrayXXd negative(3, 1);
    negative << -inf, 5, 7;
    fabrisk::output_statistics neg(1);
    feed(neg, negative, {});
    EXPECT_EQ(neg.summary(0).non_finite, 1u);
    EXPECT_EQ(neg.summary(0).min, -inf);
    EXPECT_DOUBLE_EQ(neg.summary(0).mean, 6.0);
    // All infinite: mean and sd 0, no histogram.
    Eigen::ArrayXXd never = Eigen::ArrayXXd::Constant(4, 1, inf);
    fabrisk::output_statistics none(1);
    feed(none, never, {1});
    EXPECT_EQ(none.summary(0).non_finite, 4u);
    EXPECT_EQ(none.summary(0).mean, 0.0);
    EXPECT_TRUE(none.summary(0).histogram_counts.empty());
}

TEST(OutputStatistics, NanIsAnError) {
    Eigen::ArrayXXd block(2, 1);
    block << 1, std::nan("");
    fabrisk::output_statistics stats(1);
    EXPECT_THROW(stats.summarize(block), fabrisk::error);
}

TEST(OutputStatistics, NanIsAnErrorWhereverItSits) {
    // The moments run eight values at a time with the ragged end padded: a NaN is caught in a
    // whole vector, at its edges and in the padded end alike.
    for (Eigen::Index where : {0, 7, 8, 15, 16, 18}) {
        Eigen::ArrayXXd block = Eigen::ArrayXXd::Constant(19, 2, 1.5);
        block(where, 1) = std::nan("");
        fabrisk::output_statistics stats(2);
        EXPECT_THROW(stats.summarize(block), fabrisk::error) << where;
    }
    // Without one, the padding counts nowhere: 19 values, min and max among them.
    Eigen::ArrayXXd block = Eigen::ArrayXXd::Constant(19, 1, 2.0);
    block(18, 0) = -3.0;
    fabrisk::output_statistics stats(1);
    feed(stats, block, {});
    EXPECT_EQ(stats.summary(0).count, 19u);
    EXPECT_EQ(stats.summary(0).min, -3.0);
    EXPECT_EQ(stats.summary(0).max, 2.0);
    EXPECT_DOUBLE_EQ(stats.summary(0).mean, (18 * 2.0 - 3.0) / 19);
}

TEST(OutputStatistics, AtMostCountsUseTheModelTolerance) {
    // Values near 2030 and thresholds hit within 1e-9·|y|.
    Eigen::ArrayXXd block(8, 1);
    const double y = 2030.0, tol = 1e-9 * y;
    block << 2029.0, y - 0.5 * tol, y, y + 0.5 * tol, y + 2 * tol, 2031.0, 0.3, inf;
    fabrisk::output_statistics stats(1, {{{y, 0.1 + 0.2, 2031.0, -1.0, inf}, {}}});
    feed(stats, block, {3});
    const auto s = stats.summary(0);
    // ≤ 2030 within tolerance: 2029, y − ½tol, y, y + ½tol, 0.3 → 5 (y + 2tol is out).
    // ≤ 0.3 (0.1 + 0.2 = 0.30000000000000004): 0.3 → 1. ≤ 2031: 7. ≤ −1: 0. ≤ inf: 8.
    EXPECT_EQ(s.at_most_counts, (std::vector<std::uint64_t>{5, 1, 7, 0, 8}));
    // Counting by brute force agrees.
    for (std::size_t t = 0; t < 5; ++t) {
        const double threshold = std::vector<double>{y, 0.1 + 0.2, 2031.0, -1.0, inf}[t];
        std::uint64_t count = 0;
        for (double x : block.col(0)) count += fabrisk::at_most(x, threshold);
        EXPECT_EQ(s.at_most_counts[t], count);
    }
}

TEST(OutputStatistics, HistogramCountsSumToFiniteCount) {
    const Eigen::ArrayXXd block = sample_block(5000, 3);
    fabrisk::output_statistics stats(3);
    feed(stats, block, {1000});
    for (std::size_t j = 0; j < 3; ++j) {
        const auto s = stats.summary(j);
        ASSERT_EQ(s.histogram_edges.size(), s.histogram_counts.size() + 1);
        EXPECT_EQ(std::accumulate(s.histogram_counts.begin(), s.histogram_counts.end(), std::uint64_t{0}), 5000u);
        EXPECT_TRUE(std::is_sorted(s.histogram_edges.begin(), s.histogram_edges.end()));
        EXPECT_LE(s.histogram_edges.front(), s.min);
        EXPECT_GE(s.histogram_edges.back(), s.max);
        // Each bin holds exactly the values between its edges (the last bin is closed).
        const auto col = block.col(static_cast<Eigen::Index>(j));
        for (std::size_t b = 0; b < s.histogram_counts.size(); ++b) {
            const double lo = s.histogram_edges[b], hi = s.histogram_edges[b + 1];
            const bool last = b + 1 == s.histogram_counts.size();
            std::uint64_t count = 0;
            for (double x : col) count += x >= lo && (last ? x <= hi : x < hi);
            EXPECT_EQ(s.histogram_counts[b], count) << "column " << j << " bin " << b;
        }
    }
}

TEST(OutputStatistics, IntegerDataGetsOneBinPerInteger) {
    const Eigen::ArrayXXd block = sample_block(3000, 4);
    fabrisk::output_statistics stats(3);
    feed(stats, block, {500});
    const auto s = stats.summary(2);  // integers −2 … 4
    ASSERT_EQ(s.histogram_counts.size(), 7u);
    for (std::size_t b = 0; b < 7; ++b) {
        const double value = -2.0 + double(b);
        EXPECT_DOUBLE_EQ(s.histogram_edges[b], value - 0.5);
        EXPECT_EQ(s.histogram_counts[b], std::uint64_t((block.col(2) == value).count())) << value;
    }
    // A constant integer output: one bin.
    Eigen::ArrayXXd constant = Eigen::ArrayXXd::Constant(10, 1, 3.0);
    fabrisk::output_statistics c(1);
    feed(c, constant, {});
    EXPECT_EQ(c.summary(0).histogram_counts, (std::vector<std::uint64_t>{10}));
    // A constant non-integer output: one bin too.
    Eigen::ArrayXXd fraction = Eigen::ArrayXXd::Constant(10, 1, 0.25);
    fabrisk::output_statistics f(1);
    feed(f, fraction, {});
    EXPECT_EQ(f.summary(0).histogram_counts, (std::vector<std::uint64_t>{10}));
}

/// Counts of the values in each bin [edge b, edge b + 1), the last bin closed, by brute force.
std::vector<std::uint64_t> counts_between_edges(const std::vector<double>& values, const std::vector<double>& edges) {
    std::vector<std::uint64_t> counts(edges.size() - 1, 0);
    for (double x : values)
        for (std::size_t b = 0; b + 1 < edges.size(); ++b)
            if (x >= edges[b] && (b + 2 == edges.size() ? x <= edges[b + 1] : x < edges[b + 1])) {
                ++counts[b];
                break;
            }
    return counts;
}

TEST(OutputStatistics, PositiveValuesSpanningDecadesGetLogBins) {
    // e^(10u − 5): over four decades; plus zeros and a negative value, which no log bin holds.
    Eigen::ArrayXXd u(5000, 1);
    fabrisk::trial_stream(31, 1).fill(0, u);
    std::vector<double> values;
    for (Eigen::Index i = 0; i < u.rows(); ++i) values.push_back(std::exp(10 * u(i, 0) - 5));
    values[10] = values[20] = 0.0;
    values[30] = -1.0;
    Eigen::ArrayXXd block = Eigen::Map<Eigen::ArrayXXd>(values.data(), Eigen::Index(values.size()), 1);
    fabrisk::output_statistics stats(1);
    feed(stats, block, {1000});
    const auto s = stats.summary(0);
    ASSERT_TRUE(s.histogram_log);
    EXPECT_EQ(s.histogram_grid_step, 0.0);
    EXPECT_EQ(s.histogram_nonpositive, 3u);
    ASSERT_EQ(s.histogram_counts.size(), 40u);
    EXPECT_EQ(s.histogram_edges.front(), *std::min_element(values.begin(), values.end(), [](double a, double b) {
        return (a > 0 ? a : 1e300) < (b > 0 ? b : 1e300);
    }));
    EXPECT_EQ(s.histogram_edges.back(), s.max);
    // Equal ratios from edge to edge.
    const double ratio = s.histogram_edges[1] / s.histogram_edges[0];
    for (std::size_t b = 1; b < 40; ++b) EXPECT_NEAR(s.histogram_edges[b + 1] / s.histogram_edges[b], ratio, 1e-12 * ratio) << b;
    // The pilot is open: every count is exact, and no bin of the bulk is empty.
    EXPECT_EQ(s.histogram_counts, counts_between_edges(values, s.histogram_edges));
    for (std::size_t b = 0; b < 40; ++b)
        if (s.histogram_edges[b] >= s.quantiles.p01 && s.histogram_edges[b + 1] <= s.quantiles.p99) {
            EXPECT_GT(s.histogram_counts[b], 0u) << b;
        }

    // Two decades or less, or mostly values ≤ 0: equal bins.
    Eigen::ArrayXXd narrow = (2 * u).exp();  // within a decade
    fabrisk::output_statistics n(1);
    feed(n, narrow, {});
    EXPECT_FALSE(n.summary(0).histogram_log);
    Eigen::ArrayXXd mostly_negative = block;
    mostly_negative.topRows(2600) = -1.0;
    fabrisk::output_statistics m(1);
    feed(m, mostly_negative, {});
    EXPECT_FALSE(m.summary(0).histogram_log);
}

TEST(OutputStatistics, GridValuesGetWholeGridValuesPerBin) {
    // Quarter years, with some years left out, and twelfths of a year (not exact in binary).
    for (const int per_year : {4, 12}) {
        for (const int years : {5, 40}) {
            const double step = 1.0 / per_year;
            Eigen::ArrayXXd u(3000, 1);
            fabrisk::trial_stream(7, 1).fill(0, u);
            std::vector<double> values;
            for (Eigen::Index i = 0; i < u.rows(); ++i)
                values.push_back(2026 + double(1 + static_cast<int>(u(i, 0) * years * per_year)) / per_year);
            Eigen::ArrayXXd block = Eigen::Map<Eigen::ArrayXXd>(values.data(), Eigen::Index(values.size()), 1);
            fabrisk::output_config grid;
            grid.grid_step = step;
            fabrisk::output_statistics stats(1, {grid});
            feed(stats, block, {700});
            const auto s = stats.summary(0);
            EXPECT_FALSE(s.histogram_log);
            EXPECT_EQ(s.histogram_grid_step, step);
            const std::size_t grid_values = static_cast<std::size_t>(std::lround((s.max - s.min) / step)) + 1;
            const std::size_t per_bin = grid_values <= 100 ? 1 : (grid_values + 39) / 40;
            ASSERT_EQ(s.histogram_counts.size(), (grid_values + per_bin - 1) / per_bin) << per_year << " " << years;
            // Each bin is per_bin grid values wide, and each grid value sits half a step or more
            // inside a bin: no value falls between bins, so no comb of empty bins.
            for (std::size_t b = 0; b < s.histogram_counts.size(); ++b) {
                EXPECT_NEAR(s.histogram_edges[b + 1] - s.histogram_edges[b], double(per_bin) * step, 1e-9);
                EXPECT_GT(s.histogram_counts[b], 0u) << b;
            }
            for (double x : values) {
                const double from_first = (x - s.histogram_edges[0]) / step;
                EXPECT_NEAR(from_first - std::floor(from_first), 0.5, 1e-6) << x;
            }
            EXPECT_EQ(s.histogram_counts, counts_between_edges(values, s.histogram_edges));
        }
    }
    // Integers spanning 501 values: 13 to a bin; integers beyond 2^53 say nothing of a grid.
    Eigen::ArrayXXd u(3000, 1);
    fabrisk::trial_stream(8, 1).fill(0, u);
    Eigen::ArrayXXd integers = (u * 501).floor();
    fabrisk::output_statistics wide(1);
    feed(wide, integers, {});
    const auto w = wide.summary(0);
    EXPECT_EQ(w.histogram_grid_step, 1.0);
    ASSERT_EQ(w.histogram_counts.size(), 39u);  // ⌈501 / 13⌉
    EXPECT_EQ(w.histogram_edges[0], w.min - 0.5);
    EXPECT_EQ(w.histogram_edges[1], w.min + 12.5);
    Eigen::ArrayXXd huge = 1e20 + 1e22 * u;
    fabrisk::output_statistics h(1);
    feed(h, huge, {});
    EXPECT_EQ(h.summary(0).histogram_grid_step, 0.0);
    EXPECT_EQ(h.summary(0).histogram_counts.size(), 40u);
}

TEST(OutputStatistics, WrongColumnCountThrows) {
    fabrisk::output_statistics stats(3);
    EXPECT_EQ(stats.outputs(), 3u);
    Eigen::ArrayXXd two(5, 2), four(5, 4);
    EXPECT_THROW(stats.summarize(two), fabrisk::usage_error);
    EXPECT_THROW(stats.summarize(four), fabrisk::usage_error);
    try {
        stats.summarize(two);
    } catch (const fabrisk::usage_error& e) {
        EXPECT_NE(std::string(e.what()).find("expected 3"), std::string::npos) << e.what();
    }
}

TEST(OutputStatistics, EmptyRun) {
    fabrisk::output_statistics stats(2);
    Eigen::ArrayXXd empty(0, 2);
    stats.merge(stats.summarize(empty));
    const auto s = stats.summary(0);
    EXPECT_EQ(s.count, 0u);
    EXPECT_EQ(s.mean, 0.0);
    EXPECT_EQ(s.min, 0.0);
    EXPECT_EQ(s.max, 0.0);
    EXPECT_THROW(stats.summary(2), std::out_of_range);
}

}  // namespace

TEST(OutputStatistics, AtLeastCountsUseTheModelTolerance) {
    // v ≥ x holds when v ≥ x − 1e-9·max(1, |x|); exact against infinities.
    const double inf = std::numeric_limits<double>::infinity();
    const double x = 1e24, tol = 1e-9 * x;
    Eigen::ArrayXXd block(6, 1);
    block << 0.0, x - 2 * tol, x - 0.5 * tol, x, 3e24, inf;
    fabrisk::output_statistics stats(1, {{{}, {x, 0.0, 4e24, inf}}});
    stats.merge(stats.summarize(block));
    const auto counts = stats.summary(0).at_least_counts;
    ASSERT_EQ(counts.size(), 4u);
    EXPECT_EQ(counts[0], 4u);  // x − 0.5·tol, x, 3e24, inf
    EXPECT_EQ(counts[1], 6u);
    EXPECT_EQ(counts[2], 1u);  // inf only
    EXPECT_EQ(counts[3], 1u);
    EXPECT_EQ(stats.at_least_counts(0), counts);
}

TEST(PercentileValues, NamesPositionsAndProbabilitiesAgree) {
    fabrisk::percentile_values q;
    for (std::size_t i = 0; i < q.size(); ++i) q[i] = fabrisk::standard_percentiles[i];
    EXPECT_EQ(q.p01, 1);
    EXPECT_EQ(q.p05, 5);
    EXPECT_EQ(q.p10, 10);
    EXPECT_EQ(q.p25, 25);
    EXPECT_EQ(q.p50, 50);
    EXPECT_EQ(q.p75, 75);
    EXPECT_EQ(q.p90, 90);
    EXPECT_EQ(q.p95, 95);
    EXPECT_EQ(q.p99, 99);
    for (int p : fabrisk::standard_percentiles) EXPECT_EQ(q.at(p / 100.0), p);
    EXPECT_THROW(q.at(0.3), fabrisk::usage_error);
}

/// Restores the best target when a test that forces lesser ones ends, pass or fail.
struct every_target : ::testing::Test {
    void TearDown() override { fabrisk::restrict_simd_target(""); }
};

TEST_F(every_target, PairedCountsAndDifferencesMatchAPlainLoop) {
    // What a comparison digests per chunk, on every target this processor runs, for lengths
    // around each vector width (ragged ends) and a whole chunk, with infinities in either side.
    Eigen::ArrayXXd u(2048, 2);
    fabrisk::trial_stream(17, 2).fill(0, u);
    std::vector<double> a(2048), b(2048), got(2048);
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto r = static_cast<Eigen::Index>(i);
        a[i] = std::floor(u(r, 0) * 8);  // whole numbers: ties with the cutoffs below
        b[i] = std::floor(u(r, 1) * 8);
        if (i % 7 == 3) a[i] = inf;
        if (i % 11 == 5) b[i] = inf;
        if (i % 13 == 6) b[i] = -inf;
    }
    for (const auto& target : fabrisk::simd_targets_supported()) {
        fabrisk::restrict_simd_target(target);
        for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{8},
                              std::size_t{9}, std::size_t{17}, std::size_t{2048}}) {
            for (double cutoff : {-inf, 0.0, 3.0, 7.5, inf}) {
                std::uint64_t a_only = 0, b_only = 0;
                for (std::size_t i = 0; i < n; ++i) {
                    a_only += a[i] <= cutoff && !(b[i] <= cutoff);
                    b_only += b[i] <= cutoff && !(a[i] <= cutoff);
                }
                const auto c = fabrisk::paired_changes_at_most(a.data(), b.data(), n, cutoff);
                EXPECT_EQ(c.a_only, a_only) << target << ", n " << n << ", cutoff " << cutoff;
                EXPECT_EQ(c.b_only, b_only) << target << ", n " << n << ", cutoff " << cutoff;
            }
            fabrisk::paired_differences(a.data(), b.data(), n, got.data());
            for (std::size_t i = 0; i < n; ++i) {
                const double expected = std::isfinite(a[i]) && std::isfinite(b[i]) ? b[i] - a[i] : inf;
                ASSERT_EQ(got[i], expected) << target << ", n " << n << ", value " << i;
            }
        }
    }
    // The data hold every case: both finite and different, one side infinite.
    EXPECT_GT(std::count_if(got.begin(), got.end(), [](double d) { return d != 0 && std::isfinite(d); }), 500);
    EXPECT_GT(std::count(got.begin(), got.end(), inf), 300);
}

// The state as bytes: read back, it summarizes alike, with its pilot open or its bins chosen;
// states of other trials add up to the state of all of them, in any order.
TEST(OutputStatistics, StatesSaveLoadAndAddInAnyOrder) {
    using fabrisk::output_statistics;
    std::mt19937_64 g(5);
    std::lognormal_distribution<double> lognormal(0.0, 2.0);
    auto block = [&](Eigen::Index rows) {
        Eigen::ArrayXXd b(rows, 2);
        for (Eigen::Index i = 0; i < rows; ++i) {
            b(i, 0) = lognormal(g);
            b(i, 1) = double(g() % 7);
        }
        return b;
    };
    std::vector<fabrisk::output_config> config(2);
    config[0].at_least_thresholds = {1.0, 10.0};
    config[1].at_most_thresholds = {3.0};
    auto saved = [](const output_statistics& s) { return fabrisk::state_bytes(s); };
    auto loaded = [](const std::string& bytes) { return fabrisk::state_from_bytes<output_statistics>(bytes, "state"); };
    auto summaries_equal = [](const output_statistics& a, const output_statistics& b) {
        for (std::size_t j = 0; j < 2; ++j) {
            const auto x = a.summary(j), y = b.summary(j);
            EXPECT_EQ(x.count, y.count);
            EXPECT_EQ(x.mean, y.mean);
            EXPECT_EQ(x.sd, y.sd);
            EXPECT_EQ(x.min, y.min);
            EXPECT_EQ(x.max, y.max);
            EXPECT_EQ(x.quantiles, y.quantiles);
            EXPECT_EQ(x.histogram_counts, y.histogram_counts);
            EXPECT_EQ(x.at_most_counts, y.at_most_counts);
            EXPECT_EQ(x.at_least_counts, y.at_least_counts);
        }
    };
    output_statistics all(2, config, 1000);
    all.merge(all.summarize(block(600)));
    // An open pilot, saved and loaded.
    summaries_equal(loaded(saved(all)), all);
    EXPECT_EQ(saved(loaded(saved(all))), saved(all));
    all.merge(all.summarize(block(600)));  // the pilot closes: bins
    output_statistics first = all, second = all;
    second.clear_counts();
    EXPECT_EQ(second.count(), 0u);
    std::vector<Eigen::ArrayXXd> later;
    for (int i = 0; i < 6; ++i) later.push_back(block(500 + 37 * i));
    for (const auto& b : later) all.merge(all.summarize(b));
    for (int i = 0; i < 6; ++i) (i % 2 ? second : first).merge(first.summarize(later[std::size_t(i)]));
    // Added either way round, through bytes or not: the state of all the trials.
    auto one_way = loaded(saved(first));
    one_way.add(loaded(saved(second)));
    auto other_way = second;
    other_way.add(first);
    summaries_equal(one_way, all);
    summaries_equal(other_way, all);
    EXPECT_EQ(saved(one_way), saved(other_way));
    // Statistics with other thresholds, or values binned otherwise, do not add.
    output_statistics other(2, {}, 1000);
    other.merge(other.summarize(block(1200)));
    EXPECT_THROW(one_way.add(other), fabrisk::usage_error);
    output_statistics rebinned(2, config, 1000);
    rebinned.merge(rebinned.summarize(block(1200)));
    EXPECT_THROW(one_way.add(rebinned), fabrisk::usage_error);
    // Truncated bytes are refused, not half-read.
    const auto bytes = saved(all);
    for (std::size_t keep : {std::size_t{0}, std::size_t{7}, bytes.size() / 2, bytes.size() - 1})
        EXPECT_THROW(loaded(bytes.substr(0, keep)), fabrisk::state_error) << keep;
}

}  // namespace statistics_test
}  // namespace
