#pragma once
/// \file random_stream.hpp
/// Counter-addressed random numbers. Trial i of a run with dimension D uses draws
/// i·D … i·D + D − 1 of the single pcg64 sequence selected by the seed, so its numbers depend
/// only on (seed, i): never on the thread, the batch or the rank that computes it. pcg64 jumps
/// ahead in O(log n), which makes any trial reachable directly.
#include <cstddef>
#include <cstdint>

#include <Eigen/Core>
#include <pcg_random.hpp>

#include "fabrisk/error.hpp"

namespace fabrisk {

/// The generator behind every stream (pcg64: 128-bit LCG state, 64-bit XSL-RR output).
using engine = pcg64;

/// Maps 64 random bits to a double strictly inside (0, 1): the 52 high bits, centred in their
/// cell, so inverse CDFs never see 0 or 1. (Not 53: k + 0.5 for k ≥ 2^52 is not a double, and
/// rounding sent the top cell to exactly 1.0.) Results are (k + 0.5)·2^-52, from 2^-53 to 1 − 2^-53.
inline double to_open_unit(std::uint64_t bits) noexcept {
    return (static_cast<double>(bits >> 12) + 0.5) * 0x1.0p-52;
}

/// Uniform numbers for blocks of trials, addressed by (seed, trial index).
class trial_stream {
public:
    /// `dimension` is the number of uniforms one trial consumes.
    trial_stream(std::uint64_t seed, std::size_t dimension) : seed_(seed), dimension_(dimension) {}

    std::uint64_t seed() const noexcept { return seed_; }
    std::size_t dimension() const noexcept { return dimension_; }

    /// Fills `out` (trials × dimension) with the uniforms of trials
    /// first_trial … first_trial + out.rows() − 1: row r is trial first_trial + r.
    void fill(std::uint64_t first_trial, Eigen::Ref<Eigen::ArrayXXd> out) const {
        if (static_cast<std::size_t>(out.cols()) != dimension_)
            throw usage_error("trial_stream::fill: block has " + std::to_string(out.cols()) +
                              " columns, expected the dimension " + std::to_string(dimension_));
        if (dimension_ == 0) return;
        engine rng(seed_);
        rng.advance(static_cast<pcg_extras::pcg128_t>(first_trial) * dimension_);
        for (Eigen::Index r = 0; r < out.rows(); ++r)
            for (std::size_t d = 0; d < dimension_; ++d)
                out(r, static_cast<Eigen::Index>(d)) = to_open_unit(rng());
    }

private:
    std::uint64_t seed_;
    std::size_t dimension_;
};

}  // namespace fabrisk
