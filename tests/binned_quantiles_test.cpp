// Tests for fabrisk/binned_quantiles.hpp: bin lookup against std::lower_bound, exactness over
// the pilot, the tallied rank bound checked against the true empirical CDF (i.i.d. streams of
// several shapes and an adversarial sorted one), threshold counts at cutpoints, commutative
// tallies, and flat memory.
#include "fabrisk/binned_quantiles.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "fabrisk/random_stream.hpp"
#include "fabrisk/statistics.hpp"

namespace {
namespace binned_quantiles_test {

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

std::vector<double> uniforms(std::size_t n, std::uint64_t seed) {
    Eigen::ArrayXXd u(static_cast<Eigen::Index>(n), 1);
    fabrisk::trial_stream(seed, 1).fill(0, u);
    return {u.data(), u.data() + n};
}

/// i.i.d. values of a few shapes.
enum class shape { uniform, lognormal, integers, point_mass, with_infinity, negative_and_zero };
std::vector<double> sample(shape s, std::size_t n, std::uint64_t seed) {
    auto v = uniforms(n, seed);
    const auto w = uniforms(n, seed + 1000);
    for (std::size_t i = 0; i < n; ++i) {
        const double u = v[i];
        switch (s) {
            case shape::uniform: break;
            case shape::lognormal: v[i] = std::exp(3 * std::sqrt(-2 * std::log(u)) * std::cos(6.283185307179586 * w[i])); break;
            case shape::integers: v[i] = std::floor(u * u * 60) - 5; break;
            case shape::point_mass: v[i] = w[i] < 0.4 ? 1.0 : 0.2 + 0.8 * u; break;  // staffing-like
            case shape::with_infinity: v[i] = w[i] < 0.15 ? inf : 2025 + std::floor(u * 48) / 4; break;
            case shape::negative_and_zero: v[i] = w[i] < 0.1 ? (w[i] < 0.05 ? -0.0 : 0.0) : (u - 0.7) * 1e-3; break;
        }
    }
    return v;
}

/// Feeds values in chunks of `chunk` and closes the pilot the way output_statistics does.
void feed(fabrisk::binned_quantiles& q, const std::vector<double>& v, std::size_t chunk) {
    for (std::size_t i = 0; i < v.size(); i += chunk) {
        q.add(v.data() + i, std::min(chunk, v.size() - i));
        if (q.pilot_full()) q.close_pilot();
    }
}

TEST(SortValues, AgreesWithStdSortOnEveryKindOfDouble) {
    // Negative and positive, ±0, subnormals, the extremes and ±inf, with repeats, and a long run
    // of few distinct values (like a pilot of flags or fab counts): the sort of order keys gives
    // what std::sort gives (±0 compare equal, so they are checked as such), and puts every −0
    // before every +0.
    const double inf = std::numeric_limits<double>::infinity(), tiny = std::numeric_limits<double>::denorm_min();
    std::vector<double> values = {inf, -inf, 0.0, -0.0, tiny, -tiny, std::numeric_limits<double>::max(),
                                  -std::numeric_limits<double>::max(), 1.0, -1.0, 1.0, 2.5e-300, -7.0};
    fabrisk::trial_stream stream(4, 1);
    Eigen::ArrayXXd u(5000, 1);
    stream.fill(0, u);
    for (Eigen::Index i = 0; i < u.rows(); ++i) values.push_back((u(i, 0) - 0.5) * std::pow(10.0, double(i % 40) - 20));
    for (Eigen::Index i = 0; i < u.rows(); ++i) values.push_back((i % 3 == 0 ? -1.0 : 1.0) * std::floor(u(i, 0) * 5));
    std::vector<double> expected = values;
    std::sort(expected.begin(), expected.end());
    fabrisk::detail::sort_values(values);
    ASSERT_EQ(values.size(), expected.size());
    for (std::size_t i = 0; i < values.size(); ++i) EXPECT_EQ(values[i], expected[i]) << i;
    EXPECT_TRUE(std::is_sorted(values.begin(), values.end()));
    const auto zeros = std::equal_range(values.begin(), values.end(), 0.0);
    ASSERT_GT(zeros.second - zeros.first, 2);
    EXPECT_TRUE(std::is_partitioned(zeros.first, zeros.second, [](double z) { return std::signbit(z); }));
    EXPECT_TRUE(std::signbit(*zeros.first));
    EXPECT_FALSE(std::signbit(*(zeros.second - 1)));
    for (double x : values) EXPECT_EQ(fabrisk::detail::from_order_key(fabrisk::detail::order_key(x)), x);
}

TEST(QuantileBins, LookupAgreesWithLowerBound) {
    for (auto s : {shape::uniform, shape::lognormal, shape::integers, shape::point_mass, shape::with_infinity,
                   shape::negative_and_zero}) {
        auto pilot = sample(s, 20000, 3);
        std::sort(pilot.begin(), pilot.end());
        const fabrisk::quantile_bins bins(pilot, {0.3, -7.5, 1e300});
        std::vector<double> edges;
        for (std::size_t i = 0; i < bins.edge_count(); ++i) edges.push_back(bins.edge(i));
        ASSERT_TRUE(std::is_sorted(edges.begin(), edges.end()));
        ASSERT_LE(edges.size(), 2 * (fabrisk::quantile_bins::default_ranks + 1) + 3);
        // Probes: fresh values, every edge, its neighbours, and the extremes.
        std::vector<double> probes = sample(s, 5000, 99);
        for (double e : edges)
            for (double x : {e, std::nextafter(e, inf), std::nextafter(e, -inf)}) probes.push_back(x);
        for (double x : {0.0, -0.0, 1e-310, -1e-310, 1e308, -1e308, std::numeric_limits<double>::max(),
                         -std::numeric_limits<double>::max()})
            probes.push_back(x);
        for (double x : probes) {
            if (std::isinf(x)) continue;
            const auto want = static_cast<std::size_t>(std::lower_bound(edges.begin(), edges.end(), x) - edges.begin());
            ASSERT_EQ(bins.bin_of(x), want) << x;
        }
        EXPECT_EQ(bins.bin_of(inf), bins.pos_inf_bin());
        EXPECT_EQ(bins.bin_of(-inf), bins.neg_inf_bin());
        // The cutpoints are edges.
        for (double c : {0.3, -7.5, 1e300}) EXPECT_TRUE(std::binary_search(edges.begin(), edges.end(), c));
    }
    // No finite values at all: one finite bin.
    const fabrisk::quantile_bins none(std::vector<double>{-inf, inf, inf}, {});
    EXPECT_EQ(none.edge_count(), 0u);
    EXPECT_EQ(none.bin_of(5.0), 0u);
    EXPECT_EQ(none.bin_of(inf), none.pos_inf_bin());
}

TEST(QuantileBins, OnlyPointMassesGetSingletonBins) {
    // A continuous pilot: every edge is a pilot value, none with a singleton bin below it.
    auto pilot = sample(shape::uniform, 20000, 5);
    std::sort(pilot.begin(), pilot.end());
    const std::size_t ranks = 1024;
    const fabrisk::quantile_bins continuous(pilot, {}, ranks);
    EXPECT_EQ(continuous.edge_count(), ranks + 1);
    for (std::size_t i = 0; i < continuous.edge_count(); ++i)
        EXPECT_TRUE(std::binary_search(pilot.begin(), pilot.end(), continuous.edge(i))) << i;
    // A point mass (40% at 1.0) gets the bin {1.0}: 1.0 and the double below it are both edges.
    // Every other edge is a value the pilot holds once, without one.
    pilot = sample(shape::point_mass, 20000, 5);
    std::sort(pilot.begin(), pilot.end());
    const fabrisk::quantile_bins mass(pilot, {}, ranks);
    std::vector<double> edges;
    for (std::size_t i = 0; i < mass.edge_count(); ++i) edges.push_back(mass.edge(i));
    EXPECT_TRUE(std::binary_search(edges.begin(), edges.end(), 1.0));
    EXPECT_TRUE(std::binary_search(edges.begin(), edges.end(), std::nextafter(1.0, 0.0)));
    EXPECT_EQ(std::count_if(edges.begin(), edges.end(), [&](double e) { return !std::binary_search(pilot.begin(), pilot.end(), e); }), 1);
    // A pilot of few distinct values: each is a bin of its own, even one seen once.
    pilot = {-3.0, 2.0, 2.0, 7.5};
    const fabrisk::quantile_bins few(pilot, {}, ranks);
    ASSERT_EQ(few.edge_count(), 6u);
    for (double x : {-3.0, 2.0, 7.5}) EXPECT_EQ(few.bin_of(x), few.bin_of(std::nextafter(x, -inf)) + 1) << x;
}

TEST(QuantileBins, SmallIntegersTallyAsTheSearchedPathDoes) {
    // A pilot of counts (integers 0 … 36, one never seen, with cutpoints between them) takes the
    // direct path; any values, small integers or not, must tally exactly as bin_of places them.
    std::vector<double> pilot;
    for (int i = 0; i < 3000; ++i) pilot.push_back(double((i * 7) % 37 == 17 ? 0 : (i * 7) % 37));
    std::sort(pilot.begin(), pilot.end());
    const fabrisk::quantile_bins bins(pilot, {fabrisk::at_most_cutoff(10.0), fabrisk::at_least_cutoff(30.0)});
    ASSERT_TRUE(bins.direct_small_integers());
    std::vector<double> values;
    for (int i = 0; i < 5000; ++i) values.push_back(double((i * 13) % 300));  // past 255 too
    for (double x : {-0.0, 0.0, 17.0, 3.5, 36.000000000000007, 255.0, 256.0, -1.0, -inf, inf, 1e300, 0.5, 254.99999999999997})
        for (int k = 0; k < 3; ++k) values.push_back(x);
    for (int i = 0; i < 700; ++i) values.push_back(i * 0.37);  // more than a batch of others
    fabrisk::bin_tally got(bins.bin_count()), expected(bins.bin_count());
    bins.add(values.data(), values.size(), got);
    for (double v : values) {
        const double x = v + 0.0;
        fabrisk::quantile_bin& bin = expected[bins.bin_of(x)];
        ++bin.count;
        bin.min = std::min(bin.min, x);
        bin.max = std::max(bin.max, x);
    }
    for (std::size_t b = 0; b < expected.size(); ++b) {
        EXPECT_EQ(got[b].count, expected[b].count) << b;
        if (expected[b].count == 0) continue;
        EXPECT_EQ(got[b].min, expected[b].min) << b;
        EXPECT_EQ(got[b].max, expected[b].max) << b;
        if (got[b].min == 0) {
            EXPECT_FALSE(std::signbit(got[b].min)) << b;  // −0 counts as +0, as in the searched path
        }
    }
    // Pilots with a fraction, a negative value or a value past 255 search every value.
    for (double odd : {0.5, -1.0, 256.0}) {
        auto other = pilot;
        other.push_back(odd);
        std::sort(other.begin(), other.end());
        EXPECT_FALSE(fabrisk::quantile_bins(other, {}).direct_small_integers()) << odd;
    }
}

TEST(BinnedQuantiles, ExactOverThePilot) {
    for (std::size_t n : {1u, 2u, 7u, 100u, 1024u}) {
        for (auto s : {shape::integers, shape::with_infinity, shape::negative_and_zero, shape::lognormal}) {
            auto v = sample(s, n, 11 + n);
            if (n > 3) v[1] = -inf;
            fabrisk::binned_quantiles q(1024);
            feed(q, v, 37);
            ASSERT_FALSE(q.binned());
            const auto items = q.items();
            std::sort(v.begin(), v.end());
            for (std::uint64_t r = 1; r <= n; ++r) {
                const auto [x, error] = fabrisk::binned_quantiles::value_at_rank(items, r);
                EXPECT_EQ(x, v[r - 1]) << "rank " << r << " of " << n;
                EXPECT_EQ(error, 0u);
            }
        }
    }
}

/// Checks docs/model.md §5.2 for the summary's quantiles against the values themselves.
void expect_guarantee(const fabrisk::output_summary& s, std::vector<double> v, bool integral, const char* what) {
    std::sort(v.begin(), v.end());
    const double n = double(v.size());
    for (std::size_t q = 0; q < fabrisk::standard_percentiles.size(); ++q) {
        const double x = s.quantiles[q];
        const std::uint64_t rank = (static_cast<std::uint64_t>(fabrisk::standard_percentiles[q]) * v.size() + 99) / 100;
        const auto upto = static_cast<std::uint64_t>(std::upper_bound(v.begin(), v.end(), x) - v.begin());
        const auto below = static_cast<std::uint64_t>(std::lower_bound(v.begin(), v.end(), x) - v.begin());
        EXPECT_TRUE(std::binary_search(v.begin(), v.end(), x)) << what << ": a value some trial produced";
        EXPECT_GE(upto, rank) << what << " p" << fabrisk::standard_percentiles[q];  // F_N(x) ≥ p exactly
        EXPECT_LE(double(below) / n, fabrisk::standard_percentiles[q] / 100.0 + s.rank_error + 1e-12)
            << what << " p" << fabrisk::standard_percentiles[q];  // F_N(x⁻) ≤ p + ε
        if (integral && std::isfinite(x)) {
            EXPECT_EQ(x, std::floor(x)) << what;
        }
    }
}

TEST(BinnedQuantiles, GuaranteeHoldsBeyondThePilot) {
    // Small pilots, many values: every reported quantile checked against the true CDF.
    const std::size_t n = 200000;
    for (std::size_t pilot : {std::size_t{1024}, std::size_t{16384}}) {
        for (auto s : {shape::uniform, shape::lognormal, shape::integers, shape::point_mass, shape::with_infinity,
                       shape::negative_and_zero}) {
            const auto v = sample(s, n, 7);
            fabrisk::output_statistics stats(1, {}, pilot);
            for (std::size_t i = 0; i < n; i += 2048) {
                const auto rows = static_cast<Eigen::Index>(std::min<std::size_t>(2048, n - i));
                stats.merge(stats.summarize(Eigen::Map<const Eigen::ArrayXXd>(v.data() + i, rows, 1)));
            }
            const auto summary = stats.summary(0);
            EXPECT_EQ(summary.count, n);
            expect_guarantee(summary, v, s == shape::integers, "i.i.d.");
            // With bins from 16,384 pilot values the bound is well inside the 0.001 of docs/model.md §5.2.
            if (pilot == 16384) {
                EXPECT_LE(summary.rank_error, 0.001) << int(s);
            }
            // Point masses seen in the pilot stay exact.
            if (s == shape::integers || s == shape::with_infinity) {
                EXPECT_EQ(summary.rank_error, 0.0) << int(s);
            }
        }
    }
}

TEST(BinnedQuantiles, SortedStreamKeepsTheTalliedBound) {
    // Adversarial order: the pilot sees only the smallest values, so everything after lands in
    // the last bin. The bound grows, and still holds.
    auto v = sample(shape::lognormal, 100000, 5);
    std::sort(v.begin(), v.end());
    fabrisk::output_statistics stats(1, {}, 1024);
    for (std::size_t i = 0; i < v.size(); i += 2048) {
        const auto rows = static_cast<Eigen::Index>(std::min<std::size_t>(2048, v.size() - i));
        stats.merge(stats.summarize(Eigen::Map<const Eigen::ArrayXXd>(v.data() + i, rows, 1)));
    }
    const auto s = stats.summary(0);
    EXPECT_GT(s.rank_error, 0.5);
    expect_guarantee(s, v, false, "sorted");
}

TEST(BinnedQuantiles, TalliesAddUpInAnyOrder) {
    // Bins filled in separate tallies, absorbed in either order, equal bins filled serially.
    const auto v = sample(shape::lognormal, 50000, 9);
    fabrisk::binned_quantiles serial(1000), split_a(1000), split_b(1000);
    for (auto* q : {&serial, &split_a, &split_b}) {
        q->add(v.data(), 2000);
        q->close_pilot();
    }
    serial.add(v.data() + 2000, v.size() - 2000);
    fabrisk::bin_tally first(split_a.bins()->bin_count()), second(split_a.bins()->bin_count());
    split_a.bins()->add(v.data() + 2000, 20000, first);
    split_a.bins()->add(v.data() + 22000, v.size() - 22000, second);
    fabrisk::bin_tally first_b(split_b.bins()->bin_count()), second_b(split_b.bins()->bin_count());
    split_b.bins()->add(v.data() + 2000, 20000, first_b);
    split_b.bins()->add(v.data() + 22000, v.size() - 22000, second_b);
    split_a.absorb(first);
    split_a.absorb(second);
    split_b.absorb(second_b);
    split_b.absorb(first_b);
    const auto want = serial.items();
    for (const auto* q : {&split_a, &split_b}) {
        const auto got = q->items();
        ASSERT_EQ(got.size(), want.size());
        for (std::size_t i = 0; i < got.size(); ++i) {
            EXPECT_EQ(got[i].min, want[i].min);
            EXPECT_EQ(got[i].max, want[i].max);
            EXPECT_EQ(got[i].count, want[i].count);
        }
        EXPECT_EQ(q->count(), v.size());
    }
}

TEST(BinnedQuantiles, ThresholdCountsStayExactAtCutpoints) {
    auto v = sample(shape::with_infinity, 100000, 13);
    v[17] = -inf;
    const double y = 2030.0, tol = 1e-9 * y;
    v[100] = y + 0.5 * tol;  // inside the tolerance
    v[101] = y + 2 * tol;    // outside
    v[102] = y - 0.5 * tol;
    const std::vector<double> at_most{y, 2031.25, 0.1 + 0.2, -1.0, inf, -inf, 1e300};
    const std::vector<double> at_least{y, 2040.0, inf, -inf, 2025.0, 5e307};
    fabrisk::output_statistics stats(1, {{at_most, at_least}}, 1024);
    for (std::size_t i = 0; i < v.size(); i += 2048) {
        const auto rows = static_cast<Eigen::Index>(std::min<std::size_t>(2048, v.size() - i));
        stats.merge(stats.summarize(Eigen::Map<const Eigen::ArrayXXd>(v.data() + i, rows, 1)));
    }
    const auto s = stats.summary(0);
    for (std::size_t t = 0; t < at_most.size(); ++t) {
        std::uint64_t want = 0;
        for (double x : v) want += fabrisk::at_most(x, at_most[t]);
        EXPECT_EQ(s.at_most_counts[t], want) << at_most[t];
    }
    for (std::size_t t = 0; t < at_least.size(); ++t) {
        std::uint64_t want = 0;
        for (double x : v) want += fabrisk::at_least(x, at_least[t]);
        EXPECT_EQ(s.at_least_counts[t], want) << at_least[t];
    }
}

TEST(BinnedQuantiles, HistogramFromBinsCountsEveryFiniteValue) {
    const auto v = sample(shape::point_mass, 100000, 21);
    fabrisk::output_statistics stats(1, {}, 1024);
    stats.merge(stats.summarize(Eigen::Map<const Eigen::ArrayXXd>(v.data(), 50000, 1)));
    stats.merge(stats.summarize(Eigen::Map<const Eigen::ArrayXXd>(v.data() + 50000, 50000, 1)));
    const auto s = stats.summary(0);
    ASSERT_EQ(s.histogram_counts.size(), 40u);
    std::uint64_t total = 0;
    for (auto c : s.histogram_counts) total += c;
    EXPECT_EQ(total, v.size());
    EXPECT_EQ(s.histogram_edges.front(), s.min);
    EXPECT_EQ(s.histogram_edges.back(), s.max);
    // The point mass at 1.0 is a singleton bin: its count is exact in the last histogram bin,
    // which holds nothing else within one fine bin of 1.0.
    std::uint64_t ones = 0, last = 0;
    for (double x : v) {
        ones += x == 1.0;
        last += x >= s.histogram_edges[39];
    }
    EXPECT_GE(s.histogram_counts[39], ones);
    EXPECT_LE(s.histogram_counts[39], last + 1000);
}

TEST(BinnedQuantiles, MemoryIsFlatInTheNumberOfValues) {
    const auto v = sample(shape::lognormal, 100000, 17);
    fabrisk::output_statistics stats(2, {}, 1024);
    Eigen::ArrayXXd block(2048, 2);
    std::size_t after_1e5 = 0;
    for (std::size_t i = 0; i < 1000000; i += 2048) {
        for (Eigen::Index r = 0; r < block.rows(); ++r)
            block(r, 0) = block(r, 1) = v[(i + static_cast<std::size_t>(r)) % v.size()];
        stats.merge(stats.summarize(block));
        if (stats.count() >= 100000 && !after_1e5) after_1e5 = stats.retained_bytes();
    }
    EXPECT_GT(after_1e5, 0u);
    EXPECT_EQ(stats.retained_bytes(), after_1e5);
    EXPECT_LT(stats.retained_bytes(), std::size_t{2} << 20);  // ~8k bins per output
}

}  // namespace

}  // namespace binned_quantiles_test
}  // namespace
