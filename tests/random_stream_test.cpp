// Tests for fabrisk/random_stream.hpp: trial addressing against plain pcg32 streams run
// forward by hand, streams chosen by name, independence from batching and lane grouping, and
// the open-interval mapping at its extremes.
#include "fabrisk/random_stream.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

namespace {
namespace random_stream_test {

namespace {

/// Independent statement of the mapping: the top 52 bits k give (k + 0.5)/2^52.
double expected_open_unit(std::uint64_t bits) { return std::ldexp(double(bits >> 12) + 0.5, -52); }

/// Two pcg32 outputs, high word first, as one 64-bit draw.
std::uint64_t two_outputs(pcg32& rng) {
    const std::uint64_t high = rng();
    return high << 32 | rng();
}

/// What trials [first, first + rows) must hold: column d is outputs 2·first … of
/// pcg32(seed, ids[d]), reached by calling the engine 2·first times (no jump-ahead).
Eigen::ArrayXXd by_discarding(std::uint64_t seed, const std::vector<std::uint64_t>& ids, std::uint64_t first, Eigen::Index rows) {
    Eigen::ArrayXXd out(rows, static_cast<Eigen::Index>(ids.size()));
    for (Eigen::Index d = 0; d < out.cols(); ++d) {
        pcg32 rng(seed, ids[static_cast<std::size_t>(d)]);
        for (std::uint64_t i = 0; i < 2 * first; ++i) rng();
        for (Eigen::Index r = 0; r < rows; ++r) out(r, d) = expected_open_unit(two_outputs(rng));
    }
    return out;
}

TEST(ToOpenUnit, NeverReturnsZeroOrOne) {
    const double smallest = fabrisk::to_open_unit(0);
    const double largest = fabrisk::to_open_unit(~0ull);
    EXPECT_GT(smallest, 0.0);
    EXPECT_LT(largest, 1.0);
    EXPECT_EQ(smallest, 0x1p-53);
    EXPECT_EQ(largest, 1.0 - 0x1p-53);
    // Symmetric about ½: the cells are centred.
    EXPECT_EQ(smallest, 1.0 - largest);
    // Every top-bit pattern near both ends stays strictly inside and strictly ordered.
    double previous = 0.0;
    for (std::uint64_t k = 0; k < 4096; ++k) {
        const double u = fabrisk::to_open_unit(k << 12);
        ASSERT_GT(u, previous);
        previous = u;
    }
    previous = 1.0;
    for (std::uint64_t k = 0; k < 4096; ++k) {
        const double u = fabrisk::to_open_unit(~0ull - (k << 12));
        ASSERT_LT(u, previous);
        ASSERT_EQ(u, 1.0 - fabrisk::to_open_unit(k << 12));  // exact mirror image
        previous = u;
    }
    // Low bits below the kept ones do not matter.
    EXPECT_EQ(fabrisk::to_open_unit(0xFFF), smallest);
    EXPECT_EQ(fabrisk::to_open_unit(0x8000000000000000ull), 0.5 + 0x1p-53);
}

TEST(ToOpenUnit, MatchesTheStatedFormula) {
    pcg64 rng(7);
    for (int i = 0; i < 10000; ++i) {
        const std::uint64_t bits = rng();
        ASSERT_EQ(fabrisk::to_open_unit(bits), expected_open_unit(bits));
    }
}

TEST(Engine, TrialEngineIsPcg32WithPublishedOutputs) {
    static_assert(std::is_same_v<fabrisk::trial_engine, pcg32>);
    // pcg-cpp's own known answers (test-high/expected/check-pcg32.out, seed 42, stream 54).
    fabrisk::trial_engine rng(42u, 54u);
    const std::uint32_t expected[] = {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u, 0x83d2f293u, 0xbfa4784bu, 0xcbed606eu};
    for (std::uint32_t e : expected) EXPECT_EQ(rng(), e);
}

TEST(Engine, IsPcg64WithPublishedOutputs) {
    static_assert(std::is_same_v<fabrisk::engine, pcg64>);
    // pcg-cpp's own known answers (test-high/expected/check-pcg64.out, seed 42, stream 54).
    fabrisk::engine rng(42u, 54u);
    const std::uint64_t expected[] = {0x86b1da1d72062b68ull, 0x1304aa46c9853d39ull, 0xa3670e9e0dd50358ull,
                                      0xf9090e529a7dae00ull, 0xc85b9fd837996f2cull, 0x606121f8e3919196ull};
    for (std::uint64_t e : expected) EXPECT_EQ(rng(), e);
}

TEST(TrialStream, KnownAnswerAgainstPlainPcg32) {
    // Row counts below, at and across the lane group (16), and odd starting trials.
    struct { std::uint64_t seed; std::size_t dimension; std::uint64_t first; Eigen::Index rows; } cases[] = {
        {42, 1, 0, 10}, {42, 3, 0, 10}, {42, 3, 5, 7},   {20240101, 7, 123, 20}, {0, 2, 1000, 3},
        {~0ull, 5, 999, 4}, {7, 105, 3, 16}, {7, 105, 17, 33}, {1, 1, 0, 1}, {3, 2, 40, 300},
    };
    for (const auto& c : cases) {
        const fabrisk::trial_stream stream(c.seed, c.dimension);
        EXPECT_EQ(stream.seed(), c.seed);
        EXPECT_EQ(stream.dimension(), c.dimension);
        Eigen::ArrayXXd got(c.rows, static_cast<Eigen::Index>(c.dimension));
        stream.fill(c.first, got);
        const Eigen::ArrayXXd want = by_discarding(c.seed, fabrisk::positional_stream_ids(c.dimension), c.first, c.rows);
        EXPECT_TRUE((got == want).all()) << "seed " << c.seed << ", dimension " << c.dimension << ", first "
                                         << c.first;
    }
}

TEST(TrialStream, FarTrialsUseJumpAheadConsistently) {
    // Trial 10^12 + r equals row r of a block that starts one trial earlier, shifted by one.
    const fabrisk::trial_stream stream(99, 4);
    const std::uint64_t far = 1000000000000ull;
    Eigen::ArrayXXd a(5, 4), b(6, 4);
    stream.fill(far, a);
    stream.fill(far - 1, b);
    EXPECT_TRUE((a == b.bottomRows(5)).all());
    // pcg32's own advance() agrees with the stream's addressing.
    for (Eigen::Index d = 0; d < 4; ++d) {
        pcg32 rng(99, fabrisk::positional_stream_id(static_cast<std::size_t>(d)));
        rng.advance(2 * far);
        EXPECT_EQ(a(0, d), expected_open_unit(two_outputs(rng)));
    }
}

TEST(TrialStream, EachColumnIsItsNamedStreamWhateverTheOtherColumns) {
    using fabrisk::stream_id;
    const std::vector<std::uint64_t> three{stream_id("a"), stream_id("b"), stream_id("c")};
    const std::vector<std::uint64_t> reordered{stream_id("c"), stream_id("a")};
    Eigen::ArrayXXd x(40, 3), y(40, 2);
    fabrisk::trial_stream(5, three).fill(1000, x);
    fabrisk::trial_stream(5, reordered).fill(1000, y);
    EXPECT_TRUE((x.col(2) == y.col(0)).all());
    EXPECT_TRUE((x.col(0) == y.col(1)).all());
    EXPECT_TRUE((x == by_discarding(5, three, 1000, 40)).all());
    // Names choose streams: similar names give unrelated ones, and a repeated stream is refused.
    EXPECT_NE(stream_id("investors/a/pledge"), stream_id("investors/b/pledge"));
    EXPECT_LT(stream_id("a"), std::uint64_t{1} << 63);
    EXPECT_EQ(fabrisk::positional_stream_id(7), stream_id("#7"));
    EXPECT_THROW(fabrisk::trial_stream(5, std::vector<std::uint64_t>{stream_id("a"), stream_id("a")}), fabrisk::usage_error);
}

TEST(TrialStream, TrialNumbersDoNotDependOnBatching) {
    const fabrisk::trial_stream stream(20240101, 6);
    Eigen::ArrayXXd whole(100, 6), head(37, 6), tail(63, 6);
    stream.fill(0, whole);
    stream.fill(0, head);
    stream.fill(37, tail);
    EXPECT_TRUE((whole.topRows(37) == head).all());
    EXPECT_TRUE((whole.bottomRows(63) == tail).all());
    // One trial at a time, too.
    Eigen::ArrayXXd one(1, 6);
    for (Eigen::Index t = 0; t < 100; t += 11) {
        stream.fill(static_cast<std::uint64_t>(t), one);
        EXPECT_TRUE((one.row(0) == whole.row(t)).all()) << "trial " << t;
    }
    // A block of an Eigen::Ref into a larger matrix fills only its own rows.
    Eigen::ArrayXXd big = Eigen::ArrayXXd::Constant(120, 6, -1.0);
    stream.fill(0, big.middleRows(10, 100));
    EXPECT_TRUE((big.middleRows(10, 100) == whole).all());
    EXPECT_TRUE((big.topRows(10) == -1.0).all());
    EXPECT_TRUE((big.bottomRows(10) == -1.0).all());
}

TEST(TrialStream, SeedsGiveDifferentStreams) {
    Eigen::ArrayXXd a(50, 2), b(50, 2);
    fabrisk::trial_stream(1, 2).fill(0, a);
    fabrisk::trial_stream(2, 2).fill(0, b);
    EXPECT_EQ((a == b).count(), 0);
    // Within one stream no value repeats in a small block (a collision has probability ~1e-12).
    std::set<double> seen(a.data(), a.data() + a.size());
    EXPECT_EQ(seen.size(), static_cast<std::size_t>(a.size()));
}

TEST(TrialStream, UniformMomentsWithinFiveStandardErrors) {
    // 200 000 × 2 uniforms: mean ½ (sd of a uniform √(1/12)), variance 1/12 (sd of the sample
    // variance √((1/80 − 1/144)/n)), and no correlation between the two columns (sd 1/√n).
    const Eigen::Index n = 200000;
    Eigen::ArrayXXd u(n, 2);
    fabrisk::trial_stream(314159, 2).fill(0, u);
    for (Eigen::Index c = 0; c < 2; ++c) {
        const double mean = u.col(c).mean();
        const double variance = (u.col(c) - mean).square().sum() / double(n - 1);
        EXPECT_LE(std::fabs(mean - 0.5), 5 * std::sqrt(1.0 / 12 / n));
        EXPECT_LE(std::fabs(variance - 1.0 / 12), 5 * std::sqrt((1.0 / 80 - 1.0 / 144) / n));
        EXPECT_GT(u.col(c).minCoeff(), 0.0);
        EXPECT_LT(u.col(c).maxCoeff(), 1.0);
    }
    const double correlation = 12 * ((u.col(0) - 0.5) * (u.col(1) - 0.5)).mean();
    EXPECT_LE(std::fabs(correlation), 5 / std::sqrt(double(n)));
}

TEST(TrialStream, WrongColumnCountThrows) {
    const fabrisk::trial_stream stream(1, 3);
    Eigen::ArrayXXd narrow(4, 2), wide(4, 4), right(4, 3);
    EXPECT_THROW(stream.fill(0, narrow), fabrisk::usage_error);
    EXPECT_THROW(stream.fill(0, wide), fabrisk::usage_error);
    EXPECT_NO_THROW(stream.fill(0, right));
    try {
        stream.fill(0, narrow);
    } catch (const fabrisk::usage_error& e) {
        EXPECT_NE(std::string(e.what()).find("2 columns"), std::string::npos) << e.what();
    }
    // Dimension 0 is legal and fills nothing.
    Eigen::ArrayXXd empty(5, 0);
    EXPECT_NO_THROW(fabrisk::trial_stream(1, 0).fill(0, empty));
}

}  // namespace

}  // namespace random_stream_test
}  // namespace
