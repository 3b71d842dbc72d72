/// \file kernels/binned_quantiles-inl.hpp
/// quantile_bins' lookups and tallies, per target (see lanes-inl.hpp): plain loops over blocks
/// of values, which g++ vectorises for the target (gathers with AVX2 and AVX-512).
#include <algorithm>
#include <cstdint>
#include <utility>

#include "fabrisk/binned_quantiles.hpp"
#include "kernels/lanes-inl.hpp"

#if defined(FABRISK_KERNELS_BINNED_QUANTILES_INL_) == defined(HWY_TARGET_TOGGLE)
#ifdef FABRISK_KERNELS_BINNED_QUANTILES_INL_
#undef FABRISK_KERNELS_BINNED_QUANTILES_INL_
#else
#define FABRISK_KERNELS_BINNED_QUANTILES_INL_
#endif

HWY_BEFORE_NAMESPACE();
namespace fabrisk::HWY_NAMESPACE::bins {

inline constexpr std::uint64_t mantissa_mask = (std::uint64_t{1} << 52) - 1;

template <std::size_t W>
void add(const quantile_bins::lookup& t, const double* values, std::size_t n, bin_tally& tally) noexcept;
void add_searched(const quantile_bins::lookup& t, const double* values, std::size_t n, bin_tally& tally) noexcept;

/// The direct path: small integers are counted per value in local histograms (four,
/// taken in turn, so runs of one value do not chain their increments through memory), then
/// each value's count, min and max go to its bin at once: the same tally as the searched
/// path, at about a third of its cost. Anything else takes the searched path.
inline void add_small_integers(const quantile_bins::lookup& t, const double* values, std::size_t n, bin_tally& tally) noexcept {
    constexpr std::size_t copies = 4, batch = 256;
    std::uint64_t counts[copies][quantile_bins::small_integer_range] = {};
    double others[batch];
    std::size_t pending = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double x = values[i];
        if (quantile_bins::is_small_integer(x)) {
            ++counts[i % copies][static_cast<std::size_t>(x)];
        } else {
            others[pending++] = x;
            if (pending == batch) add_searched(t, others, std::exchange(pending, 0), tally);
        }
    }
    if (pending) add_searched(t, others, pending, tally);
    for (std::size_t v = 0; v < quantile_bins::small_integer_range; ++v) {
        std::uint64_t c = 0;
        for (std::size_t k = 0; k < copies; ++k) c += counts[k][v];
        if (c == 0) continue;
        quantile_bin& bin = tally[t.small_integer_bin[v]];
        bin.count += c;
        bin.min = std::min(bin.min, double(v));
        bin.max = std::max(bin.max, double(v));
    }
}

inline void add_searched(const quantile_bins::lookup& t, const double* values, std::size_t n, bin_tally& tally) noexcept {
    switch (t.window) {
        case 1: return add<1>(t, values, n, tally);
        case 2: return add<2>(t, values, n, tally);
        case 4: return add<4>(t, values, n, tally);
        case 8: return add<8>(t, values, n, tally);
        case 16: return add<16>(t, values, n, tally);
        default: return add<0>(t, values, n, tally);
    }
}

/// Bin indices of n values. The slot tables (by sign and exponent, then by leading mantissa
/// bits, sized to the edges there) narrow each search to W edges, W a power of two with at
/// most a few edges per slot; a branchless binary search finishes. The exponent groups of
/// ±∞ hold nothing else and point past the edges, at the infinite bins. W = 0: run-time.
template <std::size_t W>
inline void add_indices(const quantile_bins::lookup& t, const double* values, std::size_t n, std::uint32_t* out) noexcept {
    const double* const edges = t.edges;
    const quantile_bins::group* const groups = t.groups;
    const std::uint32_t* const slots = t.slots;
    const std::size_t window = W ? W : t.window;
    // Level by level over all n values: each pass is n independent loads, so their cache
    // misses overlap (one value's chain of lookups would wait on each in turn).
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t k = ::fabrisk::detail::order_key(values[i] + 0.0);
        const quantile_bins::group g = groups[k >> 52];
        out[i] = g.first_slot + static_cast<std::uint32_t>((k & mantissa_mask) >> g.shift);
    }
    for (std::size_t i = 0; i < n; ++i) out[i] = slots[out[i]];
    for (std::size_t m = window; m > 1;) {
        const std::size_t half = m / 2;
        for (std::size_t i = 0; i < n; ++i) {
            const double x = values[i] + 0.0;
            out[i] += edges[out[i] + half] < x ? static_cast<std::uint32_t>(half) : 0;
        }
        m -= half;
    }
    for (std::size_t i = 0; i < n; ++i) out[i] += edges[out[i]] < values[i] + 0.0;
}

template <std::size_t W>
inline void add(const quantile_bins::lookup& t, const double* values, std::size_t n, bin_tally& tally) noexcept {
    // Indices first, in blocks: the searches are independent and overlap, and the
    // tally stores cannot alias the tables.
    constexpr std::size_t block = 256;
    std::uint32_t index[block];
    quantile_bin* const bins = tally.data();
    for (std::size_t first = 0; first < n; first += block) {
        const std::size_t m = std::min(block, n - first);
        add_indices<W>(t, values + first, m, index);
        for (std::size_t i = 0; i < m; ++i) {
            const double x = values[first + i] + 0.0;
            quantile_bin& bin = bins[index[i]];
            ++bin.count;
            // Branches, not selects: after a bin's first values they are rarely taken, and
            // a store skipped keeps point masses from chaining through memory.
            if (x < bin.min) bin.min = x;
            if (x > bin.max) bin.max = x;
        }
    }
}

/// quantile_bins::add.
inline void add_values(const quantile_bins::lookup& t, const double* values, std::size_t n, bin_tally& tally) noexcept {
    if (t.small_integer_bin) return add_small_integers(t, values, n, tally);
    add_searched(t, values, n, tally);
}

}  // namespace fabrisk::HWY_NAMESPACE::bins
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
