#pragma once
/// \file normal.hpp
/// The standard normal CDF and its inverse, the two conversions every Gaussian copula needs.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include <Eigen/Core>

#include "fabrisk/vector_math.hpp"

namespace fabrisk {

/// Φ(x), the standard normal CDF.
inline double normal_cdf(double x) noexcept { return 0.5 * std::erfc(-x * 0.70710678118654752440); }

/// Φ⁻¹(p) for p in (0, 1): Wichura's algorithm AS241 (PPND16), relative error about 1e-16.
/// Written by hand because Boost's quantile is 4–30× slower (see PERFORMANCE-NOTES) and this
/// runs about a hundred times per trial; tests/normal_test.cpp bounds it against Boost.Math.
inline double inverse_normal_cdf(double p) noexcept {
    const double q = p - 0.5;
    if (std::fabs(q) <= 0.425) {
        const double r = 0.180625 - q * q;
        return q *
               (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r +
                     6.7265770927008700853e+4) * r + 4.5921953931549871457e+4) * r +
                   1.3731693765509461125e+4) * r + 1.9715909503065514427e+3) * r +
                 1.3314166789178437745e+2) * r + 3.3871328727963666080e+0) /
               (((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r +
                     3.9307895800092710610e+4) * r + 2.1213794301586595867e+4) * r +
                   5.3941960214247511077e+3) * r + 6.8718700749205790830e+2) * r +
                 4.2313330701600911252e+1) * r + 1.0);
    }
    double r = q < 0 ? p : 1.0 - p;
    if (!(r > 0)) return q < 0 ? -HUGE_VAL : HUGE_VAL;
    r = std::sqrt(-std::log(r));
    double value;
    if (r <= 5.0) {
        r -= 1.6;
        value = (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r +
                      2.41780725177450611770e-1) * r + 1.27045825245236838258e+0) * r +
                    3.64784832476320460504e+0) * r + 5.76949722146069140550e+0) * r +
                  4.63033784615654529590e+0) * r + 1.42343711074968357734e+0) /
                (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r +
                      1.51986665636164571966e-2) * r + 1.48103976427480074590e-1) * r +
                    6.89767334985100004550e-1) * r + 1.67638483018380384940e+0) * r +
                  2.05319162663775882187e+0) * r + 1.0);
    } else {
        r -= 5.0;
        value = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r +
                      1.24266094738807843860e-3) * r + 2.65321895265761230930e-2) * r +
                    2.96560571828504891230e-1) * r + 1.78482653991729133580e+0) * r +
                  5.46378491116411436990e+0) * r + 6.65790464350110377720e+0) /
                (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r +
                      1.84631831751005468180e-5) * r + 7.86869131145613259100e-4) * r +
                    1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r +
                  5.99832206555887937690e-1) * r + 1.0);
    }
    return q < 0 ? -value : value;
}

namespace detail {
/// Index of the lowest set bit of a non-zero word (std::countr_zero is C++20; fabrisk is C++17).
inline int lowest_set_bit(std::uint64_t x) noexcept {
#if defined(__GNUC__)
    return __builtin_ctzll(x);
#else
    int i = 0;
    for (; !(x & 1); x >>= 1) ++i;
    return i;
#endif
}
}  // namespace detail

/// Φ⁻¹ applied to every element of `p` (in place is allowed). AS241 over runs of values: the
/// central region, where 85% of values fall, is one branch-free rational function over the run
/// (it vectorises); the tail values of the run are then gathered and done together, their
/// logarithm and square root by Eigen's vectorised functions and both tail rational functions
/// branch-free. Agrees with the scalar form to a few ulps (Eigen's log may differ from libm's
/// in the last bit); tests/normal_test.cpp bounds both against Boost.Math.
inline void inverse_normal_cdf(const Eigen::Ref<const Eigen::ArrayXd>& p, Eigen::Ref<Eigen::ArrayXd> out) {
    constexpr Eigen::Index run = 64;
    alignas(64) double pv[run], tail_p[run], tail_r[run];
    int tail_at[run];
    for (Eigen::Index start = 0; start < p.size(); start += run) {
        const Eigen::Index len = std::min(run, p.size() - start);
        for (Eigen::Index i = 0; i < len; ++i) pv[i] = p[start + i];  // a copy: `out` may alias `p`
        for (Eigen::Index i = 0; i < len; ++i) {
            const double q = pv[i] - 0.5;
            const double r = 0.180625 - q * q;
            out[start + i] =
                q *
                (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r + 6.7265770927008700853e+4) * r +
                     4.5921953931549871457e+4) * r + 1.3731693765509461125e+4) * r + 1.9715909503065514427e+3) * r +
                  1.3314166789178437745e+2) * r + 3.3871328727963666080e+0) /
                (((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r + 3.9307895800092710610e+4) * r +
                     2.1213794301586595867e+4) * r + 5.3941960214247511077e+3) * r + 6.8718700749205790830e+2) * r +
                  4.2313330701600911252e+1) * r + 1.0);
        }
        // Values the tail formulas cannot take (0, 1 and below the normal doubles) go to the
        // scalar form; the rest of the tails are gathered without branches (which values fall
        // there is unpredictable) and done together.
        int extreme = 0;
        for (Eigen::Index i = 0; i < len; ++i) extreme |= static_cast<int>(!(pv[i] > 1e-300) | !(pv[i] < 1.0));
        if (extreme) {
            for (Eigen::Index i = 0; i < len; ++i)
                if (!(pv[i] > 1e-300 && pv[i] < 1.0)) {
                    out[start + i] = inverse_normal_cdf(pv[i]);
                    pv[i] = 0.5;  // handled: keep it out of the tails below
                }
        }
        // A bit per value of the run marks the tails (a vectorised compare), then the set bits
        // are visited: about ten per run instead of 64 iterations.
        std::uint64_t mask = 0;
        for (Eigen::Index i = 0; i < len; ++i)
            mask |= static_cast<std::uint64_t>(std::fabs(pv[i] - 0.5) > 0.425) << i;
        int tails = 0;
        for (; mask; mask &= mask - 1, ++tails) {
            const int i = detail::lowest_set_bit(mask);
            tail_at[tails] = i;
            tail_p[tails] = pv[i];
            tail_r[tails] = pv[i] < 0.5 ? pv[i] : 1.0 - pv[i];
        }
        if (tails == 0) continue;
        vector_math::log(tail_r, tail_r, tails);
        for (int j = 0; j < tails; ++j) tail_r[j] = -tail_r[j];
        vector_math::sqrt(tail_r, tail_r, tails);
        for (int j = 0; j < tails; ++j) {
            const double r1 = tail_r[j] - 1.6, r2 = tail_r[j] - 5.0;
            const double near =
                (((((((7.74545014278341407640e-4 * r1 + 2.27238449892691845833e-2) * r1 + 2.41780725177450611770e-1) * r1 +
                     1.27045825245236838258e+0) * r1 + 3.64784832476320460504e+0) * r1 + 5.76949722146069140550e+0) * r1 +
                  4.63033784615654529590e+0) * r1 + 1.42343711074968357734e+0) /
                (((((((1.05075007164441684324e-9 * r1 + 5.47593808499534494600e-4) * r1 + 1.51986665636164571966e-2) * r1 +
                     1.48103976427480074590e-1) * r1 + 6.89767334985100004550e-1) * r1 + 1.67638483018380384940e+0) * r1 +
                  2.05319162663775882187e+0) * r1 + 1.0);
            const double far =
                (((((((2.01033439929228813265e-7 * r2 + 2.71155556874348757815e-5) * r2 + 1.24266094738807843860e-3) * r2 +
                     2.65321895265761230930e-2) * r2 + 2.96560571828504891230e-1) * r2 + 1.78482653991729133580e+0) * r2 +
                  5.46378491116411436990e+0) * r2 + 6.65790464350110377720e+0) /
                (((((((2.04426310338993978564e-15 * r2 + 1.42151175831644588870e-7) * r2 + 1.84631831751005468180e-5) * r2 +
                     7.86869131145613259100e-4) * r2 + 1.48753612908506148525e-2) * r2 + 1.36929880922735805310e-1) * r2 +
                  5.99832206555887937690e-1) * r2 + 1.0);
            const double value = tail_r[j] <= 5.0 ? near : far;
            tail_r[j] = tail_p[j] < 0.5 ? -value : value;
        }
        for (int j = 0; j < tails; ++j) out[start + tail_at[j]] = tail_r[j];
    }
}

/// Φ applied to every element of `z`.
inline void normal_cdf(const Eigen::Ref<const Eigen::ArrayXd>& z, Eigen::Ref<Eigen::ArrayXd> out) {
    for (Eigen::Index i = 0; i < z.size(); ++i) out[i] = normal_cdf(z[i]);
}

}  // namespace fabrisk
