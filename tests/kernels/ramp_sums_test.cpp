// Tests for src/kernels/ramp_sums-inl.hpp, on every target this processor supports: the lanes'
// running sums of clamped lines against the lines summed one by one.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>
#include <gtest/gtest.h>

#include "kernels/targets.hpp"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/ramp_sums_test.cpp"
#include <hwy/foreach_target.h>  // must come before highway.h

#include <hwy/highway.h>
#include <hwy/tests/hwy_gtest.h>

#include "kernels/lanes-inl.hpp"
#include "kernels/ramp_sums-inl.hpp"

HWY_BEFORE_NAMESPACE();
namespace fabrisk_test::HWY_NAMESPACE {
namespace lanes = ::fabrisk::HWY_NAMESPACE::lanes;
namespace ramp_sums = ::fabrisk::HWY_NAMESPACE::ramp_sums;


namespace {

struct line {
    double slope, start, end;  // in grid units, 0 ≤ start ≤ end
};

/// Σ slope·(max(0, k − start) − max(0, k − end)), line by line.
double direct(const std::vector<line>& lines, int k) {
    double sum = 0;
    for (const line& l : lines) sum += l.slope * (std::max(0.0, k - l.start) - std::max(0.0, k - l.end));
    return sum;
}

/// Adds every lane's lines (lines[b][i] is lane b's i-th) to rows 0..n (n + 1 the spare row
/// for updates past n) and walks the grid: values[k][b].
std::vector<std::vector<double>> walk(const std::vector<std::vector<line>>& lines, int n, std::vector<double>& rows) {
    rows.assign(static_cast<std::size_t>((n + 2) * ramp_sums::row), 0.0);
    lanes::ints slots;
    FABRISK_LANES_LOAD(slots, ramp_sums::slot_offsets);
    for (std::size_t i = 0; i < lines[0].size(); ++i) {
        lanes::doubles A, B, minus_A, minus_B;
        lanes::ints at_start, at_end;
        for (int b = 0; b < lanes::count; ++b) {
            const line& l = lines[static_cast<std::size_t>(b)][i];
            const auto first_after = [&](double x) { return x < n ? static_cast<std::int64_t>(x) + 1 : n + 1; };
            A[b] = l.slope;
            B[b] = l.slope * l.start;
            minus_A[b] = -l.slope;
            minus_B[b] = -l.slope * l.end;
            at_start[b] = first_after(l.start) * ramp_sums::row;
            at_end[b] = first_after(l.end) * ramp_sums::row;
        }
        ramp_sums::add(rows.data(), at_start + slots, A, B);
        ramp_sums::add(rows.data(), at_end + slots, minus_A, minus_B);
    }
    std::vector<std::vector<double>> values(static_cast<std::size_t>(n + 1), std::vector<double>(lanes::count));
    ramp_sums::running sums;
    for (int k = 0; k <= n; ++k) {
        lanes::doubles v;
        sums.step(rows.data() + k * ramp_sums::row, double(k), v);
        for (int b = 0; b < lanes::count; ++b) values[static_cast<std::size_t>(k)][static_cast<std::size_t>(b)] = v[b];
    }
    return values;
}

std::vector<std::vector<line>> random_lines(std::mt19937_64& rng, int per_lane, int n) {
    std::uniform_real_distribution<double> where(0.0, n + 3.0), length(0.0, 8.0), slope(0.0, 2.0);
    std::vector<std::vector<line>> lines(lanes::count);
    for (auto& lane : lines)
        for (int i = 0; i < per_lane; ++i) {
            const double start = where(rng);
            lane.push_back({slope(rng), start, start + length(rng)});
        }
    return lines;
}

}  // namespace

void MatchLineByLineSumsOnTheGrid() {
    std::mt19937_64 rng(11);
    const int n = 48;
    for (int round = 0; round < 20; ++round) {
        const auto lines = random_lines(rng, 36, n);
        std::vector<double> rows;
        const auto values = walk(lines, n, rows);
        for (int k = 0; k <= n; ++k)
            for (int b = 0; b < lanes::count; ++b) {
                const auto& lane = lines[static_cast<std::size_t>(b)];
                // k·ΣA and ΣB are each at most 36·2·(n + 11); their difference keeps an
                // absolute error of a few ulps of that.
                EXPECT_NEAR(values[static_cast<std::size_t>(k)][static_cast<std::size_t>(b)], direct(lane, k), 1e-12)
                    << "round " << round << ", k " << k << ", lane " << b;
            }
        // Every row read was zeroed behind, ready for the next group; the spare row is the
        // caller's to clear.
        for (int i = 0; i < (n + 1) * ramp_sums::row; ++i) ASSERT_EQ(rows[static_cast<std::size_t>(i)], 0.0) << i;
    }
}

void StayExactlyZeroUntilALineRises() {
    // Lines starting on grid points: zero there, so every sum is exactly 0 up to k = 5 and
    // positive from k = 6, although k·ΣA − ΣB would leave rounding residues if the updates
    // came at k = 5.
    const int n = 12;
    std::vector<std::vector<line>> lines(lanes::count);
    for (int b = 0; b < lanes::count; ++b)
        for (int i = 0; i < 5; ++i) lines[static_cast<std::size_t>(b)].push_back({0.1 + 0.37 * i + 0.01 * b, 5.0, 9.3});
    std::vector<double> rows;
    const auto values = walk(lines, n, rows);
    for (int b = 0; b < lanes::count; ++b) {
        for (int k = 0; k <= 5; ++k) EXPECT_EQ(values[static_cast<std::size_t>(k)][static_cast<std::size_t>(b)], 0.0) << k;
        EXPECT_GT(values[6][static_cast<std::size_t>(b)], 0.0);
        EXPECT_NEAR(values[12][static_cast<std::size_t>(b)], direct(lines[static_cast<std::size_t>(b)], 12), 1e-13);
    }
}

void EachLaneDependsOnlyOnItsOwnLines() {
    std::mt19937_64 rng(5);
    const int n = 20;
    const auto lines = random_lines(rng, 10, n);
    std::vector<double> rows;
    const auto together = walk(lines, n, rows);
    for (int b = 0; b < lanes::count; ++b) {
        // The same lane's lines beside other neighbours (every lane a copy of lane b).
        const std::vector<std::vector<line>> alone(lanes::count, lines[static_cast<std::size_t>(b)]);
        const auto apart = walk(alone, n, rows);
        for (int k = 0; k <= n; ++k)
            for (int other = 0; other < lanes::count; ++other)
                EXPECT_EQ(apart[static_cast<std::size_t>(k)][static_cast<std::size_t>(other)],
                          together[static_cast<std::size_t>(k)][static_cast<std::size_t>(b)])
                    << "k " << k << ", lane " << b << " placed in lane " << other;
    }
}

}  // namespace fabrisk_test::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace fabrisk_test {
HWY_BEFORE_TEST(RampSums);
HWY_EXPORT_AND_TEST_P(RampSums, MatchLineByLineSumsOnTheGrid);
HWY_EXPORT_AND_TEST_P(RampSums, StayExactlyZeroUntilALineRises);
HWY_EXPORT_AND_TEST_P(RampSums, EachLaneDependsOnlyOnItsOwnLines);
}  // namespace fabrisk_test
#endif
