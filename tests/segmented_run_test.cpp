// Segments split over ranks tile the run, in 64-bit counts far past what a test can run.
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "fabrisk/segmented_run.hpp"

namespace {
namespace segmented_run_test {

using fabrisk::chunk_trials;
using fabrisk::segment_slice;

// Every rank's range is whole chunks (but the run's last), they follow one another with no gap
// or overlap, and together they are the segment, also at 10^12 trials and beyond 2^32 chunks.
void expect_tiling(std::uint64_t first_chunk, std::uint64_t chunks, std::uint64_t ranks, std::uint64_t planned) {
    std::uint64_t at = std::min(planned, first_chunk * chunk_trials);
    std::uint64_t largest = 0, smallest = ~std::uint64_t{0};
    for (std::uint64_t r = 0; r < ranks; ++r) {
        const auto s = segment_slice(first_chunk, chunks, r, ranks, planned);
        ASSERT_EQ(s.first, at) << "rank " << r;
        ASSERT_LE(s.first, s.last);
        if (s.last < planned) {
            ASSERT_EQ(s.last % chunk_trials, 0u);
        }
        largest = std::max(largest, s.last - s.first);
        smallest = std::min(smallest, s.last - s.first);
        at = s.last;
    }
    EXPECT_EQ(at, std::min(planned, (first_chunk + chunks) * chunk_trials));
    if (at < planned) {
        EXPECT_LE(largest - smallest, chunk_trials) << "an even split";
    }
}

TEST(SegmentSlice, RanksTileTheSegmentIn64BitCounts) {
    expect_tiling(0, 10, 3, 1'000'000);
    expect_tiling(33, 7, 8, 1'000'000);  // fewer chunks than ranks: some ranks idle
    const std::uint64_t trillion = 1'000'000'000'000;
    const std::uint64_t last_chunk = (trillion + 12'345 + chunk_trials - 1) / chunk_trials - 1;
    expect_tiling(last_chunk - 4095 * 1024, 4096 * 1024, 1024, trillion + 12'345);  // the run's partial last chunk
    expect_tiling(last_chunk - 100, 101, 1024, trillion + 12'345);
    const std::uint64_t beyond = std::uint64_t{1} << 50;  // 2^39 chunks
    expect_tiling(beyond / chunk_trials - 3 * 4096, 3 * 4096, 3, beyond);
    const auto s = segment_slice(beyond / chunk_trials - 1, 1, 0, 1, beyond);
    EXPECT_EQ(s.first, beyond - chunk_trials);
    EXPECT_EQ(s.last, beyond);
}

}  // namespace segmented_run_test
}  // namespace
