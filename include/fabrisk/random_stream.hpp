#pragma once
/// \file random_stream.hpp
/// Counter-addressed random numbers. Trial i of a run with dimension D uses outputs
/// 2·D·i … 2·D·(i + 1) − 1 of the single pcg32 sequence selected by the seed, two 32-bit
/// outputs (high word first) per uniform, so its numbers depend only on (seed, i): never on the
/// thread, the batch or the rank that computes it. The LCG behind pcg32 jumps ahead in
/// O(log n), which makes any trial reachable directly.
///
/// A block is filled `trial_lanes` trials at a time, one LCG per trial, stepped side by side
/// as vectors of the dispatched target's width (src/kernels/random_stream-inl.hpp); the numbers
/// are bit-identical to pcg-cpp's pcg32 (tests/random_stream_test.cpp checks them against it).
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include <Eigen/Core>
#include <pcg_random.hpp>

#include "fabrisk/error.hpp"

namespace fabrisk {

/// A general-purpose generator for everything that is not a trial's inputs (e.g. bootstrap
/// resampling): pcg64, 128-bit LCG state, 64-bit XSL-RR output.
using engine = pcg64;
/// The generator whose sequence a trial stream addresses: pcg32 (64-bit LCG state, XSH-RR
/// output), seeded as `pcg32(seed)`.
using trial_engine = pcg32;

/// Maps 64 random bits to a double strictly inside (0, 1): the 52 high bits, centred in their
/// cell, so inverse CDFs never see 0 or 1. (Not 53: k + 0.5 for k ≥ 2^52 is not a double, and
/// rounding sent the top cell to exactly 1.0.) Results are (k + 0.5)·2^-52, from 2^-53 to 1 − 2^-53.
inline double to_open_unit(std::uint64_t bits) noexcept {
    // k·2^-52 + 2^-53 rather than (k + 0.5)·2^-52: every step is exact either way, and this
    // one is a single multiply-add.
    return static_cast<double>(bits >> 12) * 0x1.0p-52 + 0x1.0p-53;
}

namespace detail {
/// s ↦ a·s + c (mod 2^64): k steps of an LCG as one affine map.
struct lcg_jump {
    std::uint64_t a = 1, c = 0;
    std::uint64_t operator()(std::uint64_t s) const noexcept { return a * s + c; }
};
/// The affine map of `steps` steps of s ↦ a·s + c, by the doubling of Brown (1994), as
/// pcg-cpp's advance() does. Written out because pcg-cpp applies the map but does not return it.
inline lcg_jump make_lcg_jump(std::uint64_t steps, std::uint64_t a, std::uint64_t c) noexcept {
    lcg_jump acc;
    while (steps) {
        if (steps & 1) acc = {acc.a * a, acc.c * a + c};
        c = (a + 1) * c;
        a *= a;
        steps >>= 1;
    }
    return acc;
}
/// Fills column-major `out` (rows × dims, columns `stride` apart) with uniforms from
/// trial_stream::trial_lanes LCGs side by side, whose first states are `first_states`: two
/// steps of `step` per uniform, then `per_lane_group` to the next group of rows. Runs on the
/// dispatched instruction set (src/kernels/random_stream-inl.hpp).
void pcg32_uniforms(const std::uint64_t* first_states, const lcg_jump& step, const lcg_jump& per_lane_group,
                    std::int64_t dims, double* out, std::int64_t rows, std::int64_t stride);
/// pcg32's XSH-RR output of a state.
inline std::uint32_t xsh_rr(std::uint64_t old) noexcept {
    const auto x = static_cast<std::uint32_t>(((old >> 18) ^ old) >> 27);
    const auto rot = static_cast<std::uint32_t>(old >> 59);
    return (x >> rot) | (x << ((32 - rot) & 31));
}

}  // namespace detail

/// Uniform numbers for blocks of trials, addressed by (seed, trial index).
class trial_stream {
public:
    /// Trials generated side by side (one per LCG).
    static constexpr int trial_lanes = 16;

    /// `dimension` is the number of uniforms one trial consumes.
    trial_stream(std::uint64_t seed, std::size_t dimension) : seed_(seed), dimension_(dimension) {
        // pcg32(seed): pcg-cpp's default 64-bit multiplier and stream increment.
        multiplier_ = pcg_detail::default_multiplier<std::uint64_t>::multiplier();
        increment_ = pcg_detail::default_increment<std::uint64_t>::increment();
        start_ = seed * multiplier_ + increment_ * multiplier_ + increment_;  // pcg-cpp: bump(seed + increment)
        step_ = {multiplier_, increment_};
        per_trial_ = detail::make_lcg_jump(2 * static_cast<std::uint64_t>(dimension), multiplier_, increment_);
        per_lane_group_ = detail::make_lcg_jump(2 * static_cast<std::uint64_t>(dimension) * trial_lanes, multiplier_, increment_);
    }

    std::uint64_t seed() const noexcept { return seed_; }
    std::size_t dimension() const noexcept { return dimension_; }

    /// Fills `out` (trials × dimension) with the uniforms of trials
    /// first_trial … first_trial + out.rows() − 1: row r is trial first_trial + r.
    void fill(std::uint64_t first_trial, Eigen::Ref<Eigen::ArrayXXd> out) const {
        if (static_cast<std::size_t>(out.cols()) != dimension_)
            throw usage_error("trial_stream::fill: block has " + std::to_string(out.cols()) +
                              " columns, expected the dimension " + std::to_string(dimension_));
        if (dimension_ == 0 || out.rows() == 0) return;
        // Each lane's state at the start of its trial (2·D outputs per trial; the product
        // wraps modulo 2^64 exactly as the sequence does).
        std::array<std::uint64_t, trial_lanes> state;
        state[0] = detail::make_lcg_jump(2 * static_cast<std::uint64_t>(dimension_) * first_trial, multiplier_, increment_)(start_);
        for (int b = 1; b < trial_lanes; ++b) state[b] = per_trial_(state[b - 1]);
        detail::pcg32_uniforms(state.data(), step_, per_lane_group_, static_cast<std::int64_t>(dimension_), out.data(),
                               out.rows(), out.outerStride());
    }

private:
    std::uint64_t seed_;
    std::size_t dimension_;
    std::uint64_t multiplier_ = 0, increment_ = 0, start_ = 0;
    detail::lcg_jump step_, per_trial_, per_lane_group_;
};

}  // namespace fabrisk
