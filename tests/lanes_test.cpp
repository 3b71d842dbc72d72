// Tests for fabrisk/lanes.hpp: the helpers with an AVX-512 path (gather, compress, any) against
// plain loops, so the native build's intrinsics and the portable build's loops agree.
#include "fabrisk/lanes.hpp"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace lanes = fabrisk::lanes;

TEST(Lanes, GatherReadsEachLanesOwnIndex) {
    std::vector<double> table(100);
    for (std::size_t i = 0; i < table.size(); ++i) table[i] = 0.5 * double(i) - 7.0;
    const lanes::ints index{3, 99, 0, 42, 42, 7, 64, 1};
    lanes::doubles got;
    lanes::gather(table.data(), index, got);
    for (int b = 0; b < lanes::count; ++b) EXPECT_EQ(got[b], table[static_cast<std::size_t>(index[b])]) << b;
}

TEST(Lanes, CompressKeepsSelectedLanesInOrderWithTheirPlaces) {
    // Every one of the 256 masks: the kept values, in lane order, with lane number + first.
    for (int pattern = 0; pattern < 256; ++pattern) {
        lanes::doubles x;
        lanes::ints keep;
        for (int b = 0; b < lanes::count; ++b) {
            x[b] = 10.0 * b + 0.25;
            keep[b] = (pattern >> b) & 1 ? -1 : 0;  // a comparison's mask
        }
        double to[2 * lanes::count];
        std::int64_t at[2 * lanes::count];
        const int kept = lanes::compress(x, keep, 1000, to, at);
        int expected = 0;
        for (int b = 0; b < lanes::count; ++b) {
            if (!((pattern >> b) & 1)) continue;
            ASSERT_LT(expected, kept) << pattern;
            EXPECT_EQ(to[expected], x[b]) << pattern;
            EXPECT_EQ(at[expected], 1000 + b) << pattern;
            ++expected;
        }
        EXPECT_EQ(kept, expected) << pattern;
        EXPECT_EQ(lanes::any(keep), pattern != 0) << pattern;
    }
}

TEST(Lanes, AnyFollowsComparisons) {
    const lanes::doubles x{1, 2, 3, 4, 5, 6, 7, 8};
    EXPECT_TRUE(lanes::any(x > 7.5));
    EXPECT_FALSE(lanes::any(x > 8.0));
    EXPECT_TRUE(lanes::any(x == 1.0));
    EXPECT_FALSE(lanes::any(x != x));  // no NaN
}
