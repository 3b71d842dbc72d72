/// \file kernels/ramp_sums-inl.hpp
/// Sums of clamped lines on an integer grid, in lanes (lanes-inl.hpp, per target), at a cost of two updates
/// per line and one pass over the grid, whatever the lines' lengths.
///
/// A line rising at slope A from x = a and ending at e ≥ a, A·(g(k − a) − g(k − e)) with
/// g(x) = max(0, x), is k·A − A·a for a < k ≤ e and A·(e − a) after. So a sum of lines is
/// k·ΣA − ΣB, where ΣA and ΣB are running sums over k of first differences: each line adds
/// (A, A·a) at ⌊a⌋ + 1 and −(A, A·e) at ⌊e⌋ + 1. Starting strictly after a (where the line is
/// still zero) keeps a sum exactly zero until some line has begun to rise.
///
/// The differences live in rows [k][slot][A, B] of 2·lanes::count doubles, so one lane's
/// update is one 16-byte add. Lane b keeps slot (b >> 1) + (count/2)·(b & 1): the order in which
/// the two unpacking shuffles of a row return the lanes in order.
#include <cstdint>
#include <cstring>

#include "kernels/lanes-inl.hpp"

#if defined(FABRISK_KERNELS_RAMP_SUMS_INL_) == defined(HWY_TARGET_TOGGLE)
#ifdef FABRISK_KERNELS_RAMP_SUMS_INL_
#undef FABRISK_KERNELS_RAMP_SUMS_INL_
#else
#define FABRISK_KERNELS_RAMP_SUMS_INL_
#endif

HWY_BEFORE_NAMESPACE();
namespace fabrisk::HWY_NAMESPACE::ramp_sums {


/// Doubles in one grid row of differences, and its log2 (row offsets as shifts: g++ turns a
/// selected-then-scaled index vector into a masked 64-bit multiply, a slow instruction).
inline constexpr std::int64_t row = 2 * lanes::count;
inline constexpr int row_shift = lanes::count_shift + 1;
static_assert(row == std::int64_t{1} << row_shift);

namespace detail {
constexpr std::int64_t slot_offset(int b) { return 2 * ((b >> 1) + (lanes::count / 2) * (b & 1)); }
}  // namespace detail

/// Offset of lane b's (A, B) pair within a row: 2·slot(b) (the first lanes::count entries).
/// (A table to load, not a function returning a vector: see lanes-inl.hpp on -Wpsabi.)
alignas(64) inline constexpr std::int64_t slot_offsets[lanes::max_count] = {
    detail::slot_offset(0), detail::slot_offset(1), detail::slot_offset(2), detail::slot_offset(3),
    detail::slot_offset(4), detail::slot_offset(5), detail::slot_offset(6), detail::slot_offset(7)};

/// rows[at[b]] += (A[b], B[b]) for every lane b, where at[b] = k·row + slot_offsets[b] for
/// the lane's own row k. Lanes never share a slot, so they never collide.
inline void add(double* rows, const lanes::ints& at, const lanes::doubles& A, const lanes::doubles& B) {
    using pair = double __attribute__((vector_size(2 * sizeof(double))));
    alignas(64) double pairs[row];
    // (A0, B0, A1, B1, …): the first half of the lanes' pairs in lo, the second in hi.
#if FABRISK_LANES_COUNT_IS(8)
    const lanes::doubles lo = __builtin_shufflevector(A, B, 0, 8, 1, 9, 2, 10, 3, 11);
    const lanes::doubles hi = __builtin_shufflevector(A, B, 4, 12, 5, 13, 6, 14, 7, 15);
#elif FABRISK_LANES_COUNT_IS(4)
    const lanes::doubles lo = __builtin_shufflevector(A, B, 0, 4, 1, 5);
    const lanes::doubles hi = __builtin_shufflevector(A, B, 2, 6, 3, 7);
#else
    const lanes::doubles lo = __builtin_shufflevector(A, B, 0, 2);
    const lanes::doubles hi = __builtin_shufflevector(A, B, 1, 3);
#endif
    FABRISK_LANES_STORE(pairs, lo);
    FABRISK_LANES_STORE(pairs + lanes::count, hi);
    for (int b = 0; b < lanes::count; ++b) {
        pair v, to;
        double* const where = rows + at[b];
        std::memcpy(&v, pairs + 2 * b, sizeof v);
        std::memcpy(&to, where, sizeof to);
        to += v;
        std::memcpy(where, &to, sizeof to);
    }
}

/// The running sums ΣA and ΣB of one sum of lines, in slot order, walked up the grid.
struct running {
    lanes::doubles lo{}, hi{};  ///< the first and second half of the slots, each (A, B)

    /// Takes row k's differences (and zeroes the row, ready for the next use); returns the
    /// lanes' k·ΣA − ΣB in lane order in `value`.
    void step(double* at_row, double k, lanes::doubles& value) {
        lanes::doubles d_lo, d_hi;
        const lanes::doubles zero{};
        FABRISK_LANES_LOAD(d_lo, at_row);
        FABRISK_LANES_LOAD(d_hi, at_row + lanes::count);
        FABRISK_LANES_STORE(at_row, zero);
        FABRISK_LANES_STORE(at_row + lanes::count, zero);
        lo += d_lo;
        hi += d_hi;
        // Lane b's pair is in lo for even b, in hi for odd b, at pair b >> 1.
#if FABRISK_LANES_COUNT_IS(8)
        const lanes::doubles A = __builtin_shufflevector(lo, hi, 0, 8, 2, 10, 4, 12, 6, 14);
        const lanes::doubles B = __builtin_shufflevector(lo, hi, 1, 9, 3, 11, 5, 13, 7, 15);
#elif FABRISK_LANES_COUNT_IS(4)
        const lanes::doubles A = __builtin_shufflevector(lo, hi, 0, 4, 2, 6);
        const lanes::doubles B = __builtin_shufflevector(lo, hi, 1, 5, 3, 7);
#else
        const lanes::doubles A = __builtin_shufflevector(lo, hi, 0, 2);
        const lanes::doubles B = __builtin_shufflevector(lo, hi, 1, 3);
#endif
        value = k * A - B;
    }
};

}  // namespace fabrisk::HWY_NAMESPACE::ramp_sums
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
