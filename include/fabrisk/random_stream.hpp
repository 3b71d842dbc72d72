#pragma once
/// \file random_stream.hpp
/// Random numbers addressed by identity. Each uniform dimension of a trial draws from its own
/// pcg32 stream, selected by a 63-bit id that hashes the input's name (stream_id): uniform i of
/// the dimension whose stream id is s is made of outputs 2i and 2i + 1 (high word first) of
/// pcg32(seed, s). So a trial's number for an input depends only on (seed, the input's name,
/// trial index): never on the thread, the batch, the rank that computes it, nor on which other
/// inputs the model has or in what order (adding, removing or reordering inputs leaves every
/// other input's draws unchanged). The LCG behind pcg32 jumps ahead in O(log n), so any trial
/// is reachable directly.
///
/// A dimension without a name (a model that does not say) is named by its position, "#d".
///
/// A block is filled a column at a time, `trial_lanes` consecutive trials side by side as
/// vectors of the dispatched target's width (src/kernels/random_stream-inl.hpp); the numbers are
/// bit-identical to pcg-cpp's pcg32 (tests/random_stream_test.cpp checks them against it).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <pcg_random.hpp>

#include "fabrisk/error.hpp"

namespace fabrisk {

/// A general-purpose generator for everything that is not a trial's inputs (e.g. bootstrap
/// resampling): pcg64, 128-bit LCG state, 64-bit XSL-RR output.
using engine = pcg64;
/// The generator whose streams a trial stream addresses: pcg32 (64-bit LCG state, XSH-RR
/// output), seeded as `pcg32(seed, stream_id)`.
using trial_engine = pcg32;

/// The pcg32 stream an input named `name` draws from: FNV-1a (64-bit) of its bytes, mixed by
/// SplitMix64's finalizer so that similar names give unrelated increments, then the top 63 bits
/// (pcg32 has 2^63 streams).
inline std::uint64_t stream_id(std::string_view name) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char ch : name) h = (h ^ ch) * 0x100000001b3ull;
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
    h ^= h >> 31;
    return h >> 1;
}
/// The stream of an unnamed dimension d: the name "#d".
inline std::uint64_t positional_stream_id(std::size_t d) { return stream_id("#" + std::to_string(d)); }
/// The streams of dimensions 0 … dimension − 1 named by position.
inline std::vector<std::uint64_t> positional_stream_ids(std::size_t dimension) {
    std::vector<std::uint64_t> ids(dimension);
    for (std::size_t d = 0; d < dimension; ++d) ids[d] = positional_stream_id(d);
    return ids;
}

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
/// Fills column-major `out` (rows × dims, columns `stride` apart) with uniforms. Column d is
/// the stream with start state starts[d] and increment increments[d]: row r's LCG state is
/// A_r·start + B_r·increment, where (A_r, B_r) = lane_jumps[r] for the first
/// trial_stream::trial_lanes rows, and each next group of that many rows is `per_lane_group`
/// further on (s ↦ per_lane_group.a·s + per_lane_group.c·increment). Two steps of the LCG
/// (multiplier `a`) per uniform. Runs on the dispatched instruction set
/// (src/kernels/random_stream-inl.hpp).
void pcg32_uniforms(const std::uint64_t* starts, const std::uint64_t* increments, std::int64_t dims,
                    const lcg_jump* lane_jumps, const lcg_jump& per_lane_group, std::uint64_t a, double* out,
                    std::int64_t rows, std::int64_t stride);
/// pcg32's XSH-RR output of a state.
inline std::uint32_t xsh_rr(std::uint64_t old) noexcept {
    const auto x = static_cast<std::uint32_t>(((old >> 18) ^ old) >> 27);
    const auto rot = static_cast<std::uint32_t>(old >> 59);
    return (x >> rot) | (x << ((32 - rot) & 31));
}

}  // namespace detail

/// Uniform numbers for blocks of trials, addressed by (seed, input, trial index).
class trial_stream {
public:
    /// Trials generated side by side in a column (one LCG each).
    static constexpr int trial_lanes = 16;

    /// `dimension` uniforms a trial, named by position ("#0", "#1", …).
    trial_stream(std::uint64_t seed, std::size_t dimension) : trial_stream(seed, positional_stream_ids(dimension)) {}
    /// One uniform a trial from each stream of `stream_ids` (stream_id of each input's name), in
    /// that order. Throws usage_error if a stream appears twice: two inputs would be equal.
    trial_stream(std::uint64_t seed, std::vector<std::uint64_t> stream_ids) : seed_(seed), ids_(std::move(stream_ids)) {
        multiplier_ = pcg_detail::default_multiplier<std::uint64_t>::multiplier();
        std::vector<std::uint64_t> sorted = ids_;
        std::sort(sorted.begin(), sorted.end());
        if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
            throw usage_error("trial_stream: two dimensions draw from the same stream");
        for (std::uint64_t id : ids_) {
            // pcg32(seed, id): increment 2·id + 1, first state bump(seed + increment).
            const std::uint64_t c = (id << 1) | 1u;
            increments_.push_back(c);
            starts_.push_back((seed + c) * multiplier_ + c);
        }
        const detail::lcg_jump two = detail::make_lcg_jump(2, multiplier_, 1);
        per_lane_group_ = detail::make_lcg_jump(2 * trial_lanes, multiplier_, 1);
        // (A, B) of 2r steps for r = 0 … trial_lanes − 1, with the increment factored out.
        lane_offsets_[0] = {};
        for (int r = 1; r < trial_lanes; ++r)
            lane_offsets_[r] = {two.a * lane_offsets_[r - 1].a, two.a * lane_offsets_[r - 1].c + two.c};
    }

    std::uint64_t seed() const noexcept { return seed_; }
    std::size_t dimension() const noexcept { return ids_.size(); }
    const std::vector<std::uint64_t>& stream_ids() const noexcept { return ids_; }

    /// Fills `out` (trials × dimension) with the uniforms of trials
    /// first_trial … first_trial + out.rows() − 1: row r is trial first_trial + r.
    void fill(std::uint64_t first_trial, Eigen::Ref<Eigen::ArrayXXd> out) const {
        if (static_cast<std::size_t>(out.cols()) != ids_.size())
            throw usage_error("trial_stream::fill: block has " + std::to_string(out.cols()) +
                              " columns, expected the dimension " + std::to_string(ids_.size()));
        if (ids_.empty() || out.rows() == 0) return;
        // Row r starts 2·(first_trial + r) steps into every stream (the products wrap modulo
        // 2^64 exactly as the sequence does); the increment is applied per stream.
        const detail::lcg_jump first = detail::make_lcg_jump(2 * first_trial, multiplier_, 1);
        std::array<detail::lcg_jump, trial_lanes> lanes;
        for (int r = 0; r < trial_lanes; ++r)
            lanes[r] = {lane_offsets_[r].a * first.a, lane_offsets_[r].a * first.c + lane_offsets_[r].c};
        detail::pcg32_uniforms(starts_.data(), increments_.data(), static_cast<std::int64_t>(ids_.size()), lanes.data(),
                               per_lane_group_, multiplier_, out.data(), out.rows(), out.outerStride());
    }

private:
    std::uint64_t seed_;
    std::vector<std::uint64_t> ids_, starts_, increments_;
    std::uint64_t multiplier_ = 0;
    detail::lcg_jump per_lane_group_;
    std::array<detail::lcg_jump, trial_lanes> lane_offsets_{};
};

}  // namespace fabrisk
