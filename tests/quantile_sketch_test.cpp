// Tests for fabrisk/quantile_sketch.hpp: exactness below capacity, the tallied rank-error bound
// checked against true ranks, merging, weights and determinism.
#include "fabrisk/quantile_sketch.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "fabrisk/random_stream.hpp"

namespace {

using items_t = std::vector<std::pair<double, std::uint64_t>>;

/// n values from a fixed stream, transformed so that there are ties too when `ties` is set.
std::vector<double> values(std::size_t n, std::uint64_t seed, bool ties = false) {
    Eigen::ArrayXXd u(static_cast<Eigen::Index>(n), 1);
    fabrisk::trial_stream(seed, 1).fill(0, u);
    std::vector<double> v(u.data(), u.data() + n);
    if (ties)
        for (double& x : v) x = std::floor(x * 50);
    return v;
}

/// Feeds `v` to the sketch in sorted chunks of `chunk` values (as output_statistics does).
void feed(fabrisk::quantile_sketch& sketch, const std::vector<double>& v, std::size_t chunk) {
    for (std::size_t i = 0; i < v.size(); i += chunk) {
        std::vector<double> part(v.begin() + i, v.begin() + std::min(v.size(), i + chunk));
        std::sort(part.begin(), part.end());
        sketch.insert_sorted(part.data(), part.data() + part.size());
    }
}

/// The lower empirical quantile of rank r (1-based) by nth_element.
double order_statistic(std::vector<double> v, std::uint64_t rank) {
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(rank - 1), v.end());
    return v[rank - 1];
}

std::uint64_t weight(const items_t& items) {
    std::uint64_t w = 0;
    for (const auto& it : items) w += it.second;
    return w;
}

TEST(QuantileSketch, ExactBelowCapacity) {
    const std::size_t capacity = 1024;
    for (std::size_t n : {1u, 2u, 7u, 100u, 1023u}) {
        for (bool ties : {false, true}) {
            const auto v = values(n, 11 + n, ties);
            fabrisk::quantile_sketch sketch(capacity);
            feed(sketch, v, 37);
            ASSERT_EQ(sketch.count(), n);
            EXPECT_TRUE(sketch.exact());
            EXPECT_EQ(sketch.rank_error(), 0u);
            const auto items = sketch.weighted_items();
            EXPECT_EQ(items.size(), n);
            for (double p : {0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0}) {
                const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(p * double(n))));
                EXPECT_EQ(fabrisk::quantile_sketch::value_at_rank(items, rank), order_statistic(v, rank))
                    << "n = " << n << ", p = " << p;
            }
            for (std::uint64_t r = 1; r <= n; ++r)
                ASSERT_EQ(fabrisk::quantile_sketch::value_at_rank(items, r), order_statistic(v, r));
        }
    }
}

TEST(QuantileSketch, RankErrorWithinTalliedBoundAtSmallCapacity) {
    // k = 64 over 10^5 values forces ~11 levels of compaction.
    const std::size_t k = 64, n = 100000;
    for (std::size_t chunk : {std::size_t{1}, std::size_t{1000}, n}) {
        const auto v = values(n, 2024);
        fabrisk::quantile_sketch sketch(k);
        feed(sketch, v, chunk);
        ASSERT_EQ(sketch.count(), n);
        EXPECT_FALSE(sketch.exact());
        const auto items = sketch.weighted_items();
        EXPECT_EQ(weight(items), n);
        EXPECT_TRUE(std::is_sorted(items.begin(), items.end(),
                                   [](const auto& a, const auto& b) { return a.first < b.first; }));
        // Levels: items of weight 2^h exist for h < H; the bound is at most H·N/(k − 1),
        // since each compaction at level h removes ≥ k − 1 items of weight 2^h.
        std::uint64_t max_weight = 0;
        for (const auto& it : items) max_weight = std::max(max_weight, it.second);
        const double levels = std::log2(double(max_weight)) + 1;
        const std::uint64_t bound = sketch.rank_error();
        EXPECT_GT(bound, 0u);
        EXPECT_LE(double(bound), levels * double(n) / double(k - 1)) << "chunk " << chunk;

        std::vector<double> sorted = v;
        std::sort(sorted.begin(), sorted.end());
        std::uint64_t worst = 0;
        for (std::uint64_t rank = 1; rank <= n; rank += 97) {
            const double x = fabrisk::quantile_sketch::value_at_rank(items, rank);
            // True count of values < x and ≤ x; the requested rank must lie within the bound
            // of [count(< x) + 1, count(≤ x)].
            const auto below = std::uint64_t(std::lower_bound(sorted.begin(), sorted.end(), x) - sorted.begin());
            const auto upto = std::uint64_t(std::upper_bound(sorted.begin(), sorted.end(), x) - sorted.begin());
            ASSERT_LE(below + 1, rank + bound) << "rank " << rank;
            ASSERT_GE(upto + bound, rank) << "rank " << rank;
            worst = std::max({worst, rank > upto ? rank - upto : 0, below + 1 > rank ? below + 1 - rank : 0});
        }
        std::cout << "[ measured ] k = 64, N = 1e5, chunk " << chunk << ": bound " << bound << " (H·N/(k−1) = "
                  << levels * double(n) / double(k - 1) << "), worst true rank error " << worst << "\n";
        EXPECT_LE(worst, bound);
    }
}

TEST(QuantileSketch, DefaultCapacityMeetsModelRankErrorAtAMillion) {
    // MODEL.md §5 allows rank error 0.001·N; the default sketch must report no more at 10^6.
    const auto v = values(1000000, 77);
    fabrisk::quantile_sketch sketch;
    feed(sketch, v, 2048);
    EXPECT_LE(double(sketch.rank_error()), 0.001 * double(sketch.count()));
}

TEST(QuantileSketch, MergeAddsCountsWeightsAndErrors) {
    const std::size_t k = 64;
    const auto a_values = values(30000, 5), b_values = values(20001, 6);
    fabrisk::quantile_sketch a(k), b(k);
    feed(a, a_values, 512);
    feed(b, b_values, 700);
    const auto a_error = a.rank_error(), b_error = b.rank_error();
    a.merge(b);
    EXPECT_EQ(a.count(), 50001u);
    EXPECT_EQ(weight(a.weighted_items()), 50001u);
    EXPECT_GE(a.rank_error(), a_error + b_error);  // merging may compact further
    // The merged sketch still honours its bound over the union.
    std::vector<double> all = a_values;
    all.insert(all.end(), b_values.begin(), b_values.end());
    std::sort(all.begin(), all.end());
    const auto items = a.weighted_items();
    for (std::uint64_t rank = 1; rank <= all.size(); rank += 131) {
        const double x = fabrisk::quantile_sketch::value_at_rank(items, rank);
        const auto below = std::uint64_t(std::lower_bound(all.begin(), all.end(), x) - all.begin());
        const auto upto = std::uint64_t(std::upper_bound(all.begin(), all.end(), x) - all.begin());
        ASSERT_LE(below + 1, rank + a.rank_error());
        ASSERT_GE(upto + a.rank_error(), rank);
    }
    // Merging exact sketches below capacity stays exact.
    fabrisk::quantile_sketch c(1000), d(1000);
    const auto small = values(300, 8);
    feed(c, std::vector<double>(small.begin(), small.begin() + 100), 100);
    feed(d, std::vector<double>(small.begin() + 100, small.end()), 200);
    c.merge(d);
    EXPECT_TRUE(c.exact());
    EXPECT_EQ(c.count(), 300u);
    const auto exact_items = c.weighted_items();
    for (std::uint64_t r = 1; r <= 300; ++r)
        ASSERT_EQ(fabrisk::quantile_sketch::value_at_rank(exact_items, r), order_statistic(small, r));
    // Merging an empty sketch changes nothing.
    fabrisk::quantile_sketch empty(1000);
    c.merge(empty);
    EXPECT_EQ(c.count(), 300u);
    EXPECT_EQ(c.weighted_items(), exact_items);
}

TEST(QuantileSketch, WeightsSumToCountForManySizes) {
    for (std::size_t n : {0u, 1u, 63u, 64u, 65u, 127u, 128u, 1000u, 4097u, 33333u}) {
        fabrisk::quantile_sketch sketch(64);
        feed(sketch, values(n, 3 + n), 100);
        EXPECT_EQ(sketch.count(), n);
        EXPECT_EQ(weight(sketch.weighted_items()), n) << n;
    }
}

TEST(QuantileSketch, DeterministicForTheSameInput) {
    const auto v = values(50000, 9, true);
    fabrisk::quantile_sketch a(64), b(64);
    feed(a, v, 333);
    feed(b, v, 333);
    EXPECT_EQ(a.weighted_items(), b.weighted_items());
    EXPECT_EQ(a.rank_error(), b.rank_error());
    EXPECT_EQ(a.count(), b.count());
}

TEST(QuantileSketch, InfinitiesAndEdgeRanks) {
    std::vector<double> v{-std::numeric_limits<double>::infinity(), -1, 0, 2, std::numeric_limits<double>::infinity()};
    fabrisk::quantile_sketch sketch(16);
    sketch.insert_sorted(v.data(), v.data() + v.size());
    const auto items = sketch.weighted_items();
    EXPECT_EQ(fabrisk::quantile_sketch::value_at_rank(items, 1), v.front());
    EXPECT_EQ(fabrisk::quantile_sketch::value_at_rank(items, 5), v.back());
    // A rank past the count returns the largest value; an empty sketch returns 0.
    EXPECT_EQ(fabrisk::quantile_sketch::value_at_rank(items, 99), v.back());
    EXPECT_EQ(fabrisk::quantile_sketch::value_at_rank({}, 1), 0.0);
    // A capacity below 2 is raised to 2 and still works.
    fabrisk::quantile_sketch tiny(0);
    feed(tiny, values(1000, 4), 10);
    EXPECT_EQ(weight(tiny.weighted_items()), 1000u);
}

}  // namespace
