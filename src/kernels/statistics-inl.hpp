/// \file kernels/statistics-inl.hpp
/// output_statistics::describe_column and the paired differences of statistics.hpp, per target
/// (see lanes-inl.hpp).
#include <algorithm>
#include <cstdint>
#include <limits>

#include "fabrisk/statistics.hpp"
#include "kernels/lanes-inl.hpp"

#if defined(FABRISK_KERNELS_STATISTICS_INL_) == defined(HWY_TARGET_TOGGLE)
#ifdef FABRISK_KERNELS_STATISTICS_INL_
#undef FABRISK_KERNELS_STATISTICS_INL_
#else
#define FABRISK_KERNELS_STATISTICS_INL_
#endif

HWY_BEFORE_NAMESPACE();
namespace fabrisk::HWY_NAMESPACE::statistics {

/// Eight accumulators held as 8/lanes::count vectors; the ragged end is padded with NaN (which
/// counts nowhere).
inline void describe_column(const double* x, std::size_t n, output_statistics::chunk::column& c) noexcept {
    using lanes::doubles;
    using lanes::ints;
    constexpr std::size_t L = lanes::count, A = lanes::max_count, V = A / L;
    constexpr double inf = std::numeric_limits<double>::infinity();
    constexpr double two52 = 4503599627370496.0;  // from 2^52 on, every double is an integer
    const doubles zero{};
    auto load = [&](std::size_t i, doubles& v) {
        if (i + L <= n) {
            FABRISK_LANES_LOAD(v, x + i);
        } else {
            v = zero + std::numeric_limits<double>::quiet_NaN();
            for (std::size_t l = 0; i + l < n; ++l) v[l] = x[i + l];
        }
    };
    doubles sum[V], lo[V], hi[V];
    ints finite[V], numbers[V], fractional[V];
    for (std::size_t k = 0; k < V; ++k) {
        sum[k] = zero, lo[k] = zero + inf, hi[k] = zero - inf;
        finite[k] = numbers[k] = fractional[k] = ints{};
    }
    for (std::size_t i = 0; i < n; i += A)
        for (std::size_t k = 0; k < V; ++k) {
            doubles v;
            load(i + k * L, v);
            const doubles a = v < 0 ? -v : v;
            const ints fin = a < inf;  // false for ±inf and NaN
            numbers[k] -= v == v;      // a true mask is −1
            finite[k] -= fin;
            sum[k] += fin ? v : zero;
            lo[k] = v < lo[k] ? v : lo[k];
            hi[k] = v > hi[k] ? v : hi[k];
            fractional[k] |= (a < two52) & ((a + two52) - two52 != a);
        }
    c.count = c.finite = 0;
    c.min = inf;
    c.max = -inf;
    double total = 0;
    bool any_fraction = false;
    for (std::size_t k = 0; k < V; ++k)
        for (std::size_t l = 0; l < L; ++l) {
            c.count += static_cast<std::uint64_t>(numbers[k][l]);
            c.finite += static_cast<std::uint64_t>(finite[k][l]);
            c.min = std::min(c.min, lo[k][l]);
            c.max = std::max(c.max, hi[k][l]);
            total += sum[k][l];
            any_fraction = any_fraction || fractional[k][l] != 0;
        }
    c.integral = !any_fraction;
    if (c.finite == 0) return;
    c.mean = total / double(c.finite);
    doubles m2[V];
    for (auto& m : m2) m = zero;
    for (std::size_t i = 0; i < n; i += A)
        for (std::size_t k = 0; k < V; ++k) {
            doubles v;
            load(i + k * L, v);
            const doubles a = v < 0 ? -v : v;
            const doubles d = a < inf ? v - c.mean : zero;
            m2[k] += d * d;
        }
    c.m2 = 0;
    for (std::size_t k = 0; k < V; ++k)
        for (std::size_t l = 0; l < L; ++l) c.m2 += m2[k][l];
}

/// paired_changes_at_most: the two counts, a vector of trials at a time (a mask's true lane is
/// −1, so subtracting the masks counts).
inline paired_changes changes_at_most(const double* a, const double* b, std::size_t n, double cutoff) noexcept {
    using lanes::doubles;
    using lanes::ints;
    constexpr std::size_t L = lanes::count;
    const doubles limit = doubles{} + cutoff;
    ints only_a{}, only_b{};
    std::size_t i = 0;
    for (; i + L <= n; i += L) {
        doubles va, vb;
        FABRISK_LANES_LOAD(va, a + i);
        FABRISK_LANES_LOAD(vb, b + i);
        const ints in_a = va <= limit, in_b = vb <= limit;
        only_a += in_a & ~in_b;
        only_b += in_b & ~in_a;
    }
    paired_changes c;
    for (std::size_t l = 0; l < L; ++l) {
        c.a_only += static_cast<std::uint64_t>(-only_a[l]);
        c.b_only += static_cast<std::uint64_t>(-only_b[l]);
    }
    for (; i < n; ++i) {
        const bool in_a = a[i] <= cutoff, in_b = b[i] <= cutoff;
        c.a_only += in_a && !in_b;
        c.b_only += in_b && !in_a;
    }
    return c;
}

/// paired_differences: b − a where both are finite (x − x is 0 exactly for finite x), +inf
/// elsewhere.
inline void differences(const double* a, const double* b, std::size_t n, double* out) noexcept {
    using lanes::doubles;
    constexpr std::size_t L = lanes::count;
    constexpr double inf = std::numeric_limits<double>::infinity();
    const doubles zero{};
    std::size_t i = 0;
    for (; i + L <= n; i += L) {
        doubles va, vb;
        FABRISK_LANES_LOAD(va, a + i);
        FABRISK_LANES_LOAD(vb, b + i);
        const doubles d = (((va - va) == zero) & ((vb - vb) == zero)) ? vb - va : zero + inf;
        FABRISK_LANES_STORE(out + i, d);
    }
    for (; i < n; ++i) out[i] = a[i] - a[i] == 0 && b[i] - b[i] == 0 ? b[i] - a[i] : inf;
}

}  // namespace fabrisk::HWY_NAMESPACE::statistics
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
