// Tests for src/kernels/lanes-inl.hpp, on every target this processor supports (each test runs
// once per target): the helpers with an instruction per target (gather, compress, any, bits,
// sqrt) against exact values, whatever the lane count.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>
#include <gtest/gtest.h>

#include "kernels/targets.hpp"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/lanes_test.cpp"
#include <hwy/foreach_target.h>  // must come before highway.h

#include <hwy/highway.h>
#include <hwy/tests/hwy_gtest.h>

#include "kernels/lanes-inl.hpp"

HWY_BEFORE_NAMESPACE();
namespace fabrisk_test::HWY_NAMESPACE {
namespace lanes = ::fabrisk::HWY_NAMESPACE::lanes;

/// Eight values as the lanes of 8/count vectors, and back.
template <class V, class T>
V part(const T (&values)[8], int first) {
    V v;
    std::memcpy(&v, values + first, sizeof v);
    return v;
}

void CountIsOneRegisterOfTheTarget() {
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
    EXPECT_EQ(lanes::count, 8);
#elif HWY_TARGET == HWY_AVX2
    EXPECT_EQ(lanes::count, 4);
#else
    EXPECT_EQ(lanes::count, 2);
#endif
    EXPECT_EQ(1 << lanes::count_shift, lanes::count);
    EXPECT_EQ(sizeof(lanes::doubles), lanes::count * sizeof(double));
    lanes::ints index;
    lanes::iota(index);
    for (int b = 0; b < lanes::count; ++b) EXPECT_EQ(index[b], b);
}

void GatherReadsEachLanesOwnIndex() {
    std::vector<double> table(100);
    for (std::size_t i = 0; i < table.size(); ++i) table[i] = 0.5 * double(i) - 7.0;
    const std::int64_t indices[8] = {3, 99, 0, 42, 42, 7, 64, 1};
    for (int first = 0; first < 8; first += lanes::count) {
        const auto index = part<lanes::ints>(indices, first);
        lanes::doubles got;
        lanes::gather(table.data(), index, got);
        for (int b = 0; b < lanes::count; ++b) EXPECT_EQ(got[b], table[static_cast<std::size_t>(index[b])]) << b;
    }
}

void CompressKeepsSelectedLanesInOrderWithTheirPlaces() {
    // Every mask: the kept values, in lane order, with their places.
    lanes::ints places;
    lanes::iota(places);
    places = places * 3 + 1000;
    for (unsigned pattern = 0; pattern < (1u << lanes::count); ++pattern) {
        lanes::doubles x;
        lanes::ints keep;
        for (int b = 0; b < lanes::count; ++b) {
            x[b] = 10.0 * b + 0.25;
            keep[b] = (pattern >> b) & 1 ? -1 : 0;  // a comparison's mask
        }
        double to[2 * lanes::count];
        std::int64_t at[2 * lanes::count];
        const int kept = lanes::compress(x, pattern, places, to, at);
        int expected = 0;
        for (int b = 0; b < lanes::count; ++b) {
            if (!((pattern >> b) & 1)) continue;
            ASSERT_LT(expected, kept) << pattern;
            EXPECT_EQ(to[expected], x[b]) << pattern;
            EXPECT_EQ(at[expected], 1000 + 3 * b) << pattern;
            ++expected;
        }
        EXPECT_EQ(kept, expected) << pattern;
        EXPECT_EQ(lanes::any(keep), pattern != 0) << pattern;
        EXPECT_EQ(lanes::bits(keep), pattern);
    }
}

/// The bits of eight lanes, from 8/count vectors' bits.
template <class F>
unsigned eight_bits(F lane_bits) {
    unsigned all = 0;
    for (int first = 0; first < 8; first += lanes::count) all |= lane_bits(first) << first;
    return all;
}

void OutsideMarksLanesBeyondTheRangeAndNaN() {
    const double x[8] = {-0.5, -0.425, -0.4250000000000001, 0.0, 0.425, 0.4250000000000001, NAN, INFINITY};
    auto outside = [&](double lo, double hi) {
        return eight_bits([&](int first) { return lanes::outside(part<lanes::doubles>(x, first), lo, hi); });
    };
    // Lanes 2, 5, 6 and 7 are outside [−0.425, 0.425] (the ends belong to the range; NaN is
    // outside every range), and lane 0.
    EXPECT_EQ(outside(-0.425, 0.425), 0b11100101u);
    EXPECT_EQ(outside(-1.0, 1.0), 0b11000000u);
    EXPECT_EQ(outside(0.0, 0.0), 0b11110111u);
}

void NotAtLeastAndAddWhereCountLanesBelow() {
    const double x[8] = {1, 2, 3, 4, NAN, 6, 7, -INFINITY}, y[8] = {1, 3, 2, 5, 0, NAN, INFINITY, -INFINITY};
    // !(x ≥ y): lanes 1, 3 (smaller), 4 and 5 (NaN) and 6; not 0, 2 or 7 (equal or larger).
    const unsigned below = eight_bits(
        [&](int first) { return lanes::not_at_least(part<lanes::doubles>(x, first), part<lanes::doubles>(y, first)); });
    EXPECT_EQ(below, 0b01111010u);
    const std::int64_t start[8] = {10, 20, 30, 40, 50, 60, 70, 80}, expected[8] = {9, 24, 30, 44, 54, 64, 74, 79};
    for (int first = 0; first < 8; first += lanes::count) {
        auto count = part<lanes::ints>(start, first);
        lanes::add_where(count, below >> first, 4);
        lanes::add_where(count, 0b10000001u >> first, -1);
        for (int b = 0; b < lanes::count; ++b) EXPECT_EQ(count[b], expected[first + b]) << first + b;
    }
}

void AnyFollowsComparisons() {
    const double values[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    bool above = false, at_top = false, one = false, nan = false;
    for (int first = 0; first < 8; first += lanes::count) {
        const auto x = part<lanes::doubles>(values, first);
        above = above || lanes::any(x > 7.5);
        at_top = at_top || lanes::any(x > 8.0);
        one = one || lanes::any(x == 1.0);
        nan = nan || lanes::any(x != x);
    }
    EXPECT_TRUE(above);
    EXPECT_FALSE(at_top);
    EXPECT_TRUE(one);
    EXPECT_FALSE(nan);  // no NaN
}

void SqrtAndInverseRootsAreTheScalarCorrectlyRoundedOnesBitForBit() {
    // The same bits on every instruction set: each lane equals the scalar std::sqrt chain and
    // division (correctly rounded, as IEEE 754 requires), including 0, subnormals, inf and NaN.
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> exponent(-320.0, 300.0);
    for (int round = 0; round < 4000; ++round) {
        lanes::doubles y, root, inverse;
        for (int b = 0; b < lanes::count; ++b) y[b] = std::pow(10.0, exponent(rng)) * (1 + b * 1e-3);
        const double special[] = {0.0, HUGE_VAL, std::nan(""), 4.9e-324, -1.0, 1.0};
        if (round < 6) y[round % lanes::count] = special[round];
        lanes::sqrt(y, root);
        const int j = 1 + round % 6;
        lanes::inverse_root_pow2(y, j, inverse);
        for (int b = 0; b < lanes::count; ++b) {
            const double expected_root = std::sqrt(y[b]);
            double x = y[b];
            for (int i = 0; i < j; ++i) x = std::sqrt(x);
            const double expected_inverse = 1.0 / x;
            if (std::isnan(expected_root)) {
                EXPECT_TRUE(std::isnan(root[b]));
                EXPECT_TRUE(std::isnan(inverse[b]));
                continue;
            }
            ASSERT_EQ(std::memcmp(&root[b], &expected_root, sizeof(double)), 0) << "sqrt of " << y[b];
            ASSERT_EQ(std::memcmp(&inverse[b], &expected_inverse, sizeof(double)), 0) << "j " << j << ", y " << y[b];
        }
    }
}

void InverseRootPow2IsWithinTwoUlpsOfTheExactRoot() {
    // y^(−1/2^j) against long double powl (64-bit mantissa: exact enough to judge 2 ulps), over
    // the grid phase's range 1 − r·λ ∈ (0, 2) and far beyond it.
    std::mt19937_64 rng(3);
    std::uniform_real_distribution<double> near_one(1e-6, 2.0), exponent(-300.0, 300.0);
    double worst = 0;
    for (int j = 1; j <= 6; ++j)
        for (int round = 0; round < 2000; ++round) {
            lanes::doubles y, got;
            for (int b = 0; b < lanes::count; ++b) y[b] = b % 2 ? near_one(rng) : std::pow(10.0, exponent(rng));
            if (round < 3) y[0] = round == 0 ? 1.0 : round == 1 ? 0.25 : 2.0;
            lanes::inverse_root_pow2(y, j, got);
            for (int b = 0; b < lanes::count; ++b) {
                const long double exact = std::pow(static_cast<long double>(y[b]), -1.0L / static_cast<long double>(1 << j));
                const double error = static_cast<double>(std::fabs((got[b] - exact) / exact));
                worst = std::max(worst, error);
                ASSERT_LE(error, 2 * 0x1p-52) << "j " << j << ", y " << y[b];
            }
        }
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", worst);
    ::testing::Test::RecordProperty("worst_relative_error", text);
}

}  // namespace fabrisk_test::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace fabrisk_test {
HWY_BEFORE_TEST(Lanes);
HWY_EXPORT_AND_TEST_P(Lanes, CountIsOneRegisterOfTheTarget);
HWY_EXPORT_AND_TEST_P(Lanes, GatherReadsEachLanesOwnIndex);
HWY_EXPORT_AND_TEST_P(Lanes, CompressKeepsSelectedLanesInOrderWithTheirPlaces);
HWY_EXPORT_AND_TEST_P(Lanes, OutsideMarksLanesBeyondTheRangeAndNaN);
HWY_EXPORT_AND_TEST_P(Lanes, NotAtLeastAndAddWhereCountLanesBelow);
HWY_EXPORT_AND_TEST_P(Lanes, AnyFollowsComparisons);
HWY_EXPORT_AND_TEST_P(Lanes, SqrtAndInverseRootsAreTheScalarCorrectlyRoundedOnesBitForBit);
HWY_EXPORT_AND_TEST_P(Lanes, InverseRootPow2IsWithinTwoUlpsOfTheExactRoot);
}  // namespace fabrisk_test
#endif
