/// \file kernels/random_stream-inl.hpp
/// pcg32 in lanes, per target (see lanes-inl.hpp): the body of trial_stream::fill.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "fabrisk/random_stream.hpp"
#include "kernels/lanes-inl.hpp"

#if defined(FABRISK_KERNELS_RANDOM_STREAM_INL_) == defined(HWY_TARGET_TOGGLE)
#ifdef FABRISK_KERNELS_RANDOM_STREAM_INL_
#undef FABRISK_KERNELS_RANDOM_STREAM_INL_
#else
#define FABRISK_KERNELS_RANDOM_STREAM_INL_
#endif

HWY_BEFORE_NAMESPACE();
namespace fabrisk::HWY_NAMESPACE::random_stream {

/// One LCG state per trial and one double per trial, as vector values of lanes::count lanes
/// (one register of the target, lanes-inl.hpp).
using states = std::uint64_t __attribute__((vector_size(lanes::count * sizeof(std::uint64_t))));
using unit_values = lanes::doubles;

/// Each lane's two pcg32 outputs as one 64-bit draw: xsh_rr(first) in the high word,
/// xsh_rr(second) in the low one. The 32-bit rotation is done in the 64-bit lanes: with the
/// word x copied into both halves, rotating it right by r is a 64-bit shift (right by r for
/// the low word, left by 32 − r for the high one). g++ otherwise narrows to 32-bit lanes and
/// widens back, a third more instructions.
inline void xsh_rr_draws(const states& first, const states& second, states& draws) noexcept {
    static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "word 2i is the low word of lane i");
    using words = std::uint32_t __attribute__((vector_size(sizeof(states))));
    const states x_first = ((first >> 18) ^ first) >> 27, x_second = ((second >> 18) ^ second) >> 27;
    // Each lane's low word into both of its halves.
#if FABRISK_LANES_COUNT_IS(8)
#define FABRISK_LOW_WORDS_TWICE 0, 0, 2, 2, 4, 4, 6, 6, 8, 8, 10, 10, 12, 12, 14, 14
#elif FABRISK_LANES_COUNT_IS(4)
#define FABRISK_LOW_WORDS_TWICE 0, 0, 2, 2, 4, 4, 6, 6
#else
#define FABRISK_LOW_WORDS_TWICE 0, 0, 2, 2
#endif
    const states both_first = (states)__builtin_shufflevector((words)x_first, (words)x_first, FABRISK_LOW_WORDS_TWICE);
    const states both_second = (states)__builtin_shufflevector((words)x_second, (words)x_second, FABRISK_LOW_WORDS_TWICE);
#undef FABRISK_LOW_WORDS_TWICE
    const states high = both_first << (32 - (first >> 59)), low = both_second >> (second >> 59);
    draws = (high & 0xFFFFFFFF00000000u) | (low & 0xFFFFFFFFu);
}

/// detail::pcg32_uniforms (random_stream.hpp): a column at a time, trial_lanes consecutive
/// rows of one stream side by side.
inline void pcg32_uniforms(const std::uint64_t* starts, const std::uint64_t* increments, std::int64_t dims,
                           const ::fabrisk::detail::lcg_jump* lane_jumps, const ::fabrisk::detail::lcg_jump& per_lane_group,
                           std::uint64_t a, double* out, std::int64_t total_rows, std::int64_t stride) {
    constexpr int trial_lanes = ::fabrisk::trial_stream::trial_lanes;
    constexpr int vectors = trial_lanes / lanes::count;
    states jump_a[vectors], jump_c[vectors];
    for (int r = 0; r < trial_lanes; ++r) {
        jump_a[r / lanes::count][r % lanes::count] = lane_jumps[r].a;
        jump_c[r / lanes::count][r % lanes::count] = lane_jumps[r].c;
    }
    const std::uint64_t group_a = per_lane_group.a;
    for (std::int64_t d = 0; d < dims; ++d) {
        const std::uint64_t c = increments[d], group_c = per_lane_group.c * c;
        states s[vectors];
        for (int v = 0; v < vectors; ++v) s[v] = jump_a[v] * starts[d] + jump_c[v] * c;
        double* const column = out + d * stride;
        for (std::int64_t r0 = 0; r0 < total_rows; r0 += trial_lanes) {
            const std::int64_t rows = std::min<std::int64_t>(trial_lanes, total_rows - r0);
            alignas(64) double values[trial_lanes];
            for (int v = 0; v < vectors; ++v) {
                // A uniform is two steps: `second` one step on; the next group's `first` is
                // 2·trial_lanes steps on, independent of `second`.
                const states first = s[v], second = first * a + c;
                s[v] = first * group_a + group_c;
                states draws;
                xsh_rr_draws(first, second, draws);
                // to_open_unit, lane by lane, without a conversion (which AVX2 lacks for
                // 64-bit integers): the 52 bits as the mantissa of 1 + k·2^-52, then
                // minus 1 − 2^-53, which leaves k·2^-52 + 2^-53 exactly.
                const states one_and_k = (draws >> 12) | 0x3FF0000000000000u;
                unit_values u;
                std::memcpy(&u, &one_and_k, sizeof u);
                u -= 0x1.fffffffffffffp-1;
                std::memcpy(values + lanes::count * v, &u, sizeof u);
            }
            if (rows == trial_lanes)
                std::memcpy(column + r0, values, sizeof values);
            else
                for (std::int64_t b = 0; b < rows; ++b) column[r0 + b] = values[b];
        }
    }
}

}  // namespace fabrisk::HWY_NAMESPACE::random_stream
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
