#pragma once
/// \file special_functions.hpp
/// The regularized incomplete beta and gamma functions, their densities, and a quantile solve
/// on a fixed grid of doubles, computed from IEEE arithmetic and vector_math's exp and log
/// only, so that every machine gets the same bits.
///
/// Written by hand for that reason: Boost.Math (more accurate in extreme corners, and the
/// reference the tests hold these to) calls the C library's exp, log and pow, whose last bits
/// differ from machine to machine (glibc picks FMA versions on x86-64 processors that have FMA;
/// its arm64 build rounds differently), and the beta, PERT and gamma quantile tables built
/// from it differed with them. Boost.Math still gives every solve its starting point: the
/// result does not depend on the start's last bits (see `solve_on_grid`).
///
/// The methods are the textbook ones (Numerical Recipes, 3rd ed., §6.1–6.4): Lanczos's ln Γ
/// (g = 7, nine terms), the incomplete gamma by its series below shape + 1 and Legendre's
/// continued fraction above, the incomplete beta by its continued fraction on the side of the
/// mean where it converges quickly. Relative accuracy about 1e-14 for moderate shapes, falling
/// as ~1e-15·(a + b) for large ones (tests/special_functions_test.cpp, against Boost.Math).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "fabrisk/vector_math.hpp"

namespace fabrisk::special {

/// e^x and ln x through vector_math's kernels: the same bits on every target and machine.
inline double exp(double x) {
    double y;
    vector_math::exp(&x, &y, 1);
    return y;
}
inline double log(double x) {
    double y;
    vector_math::log(&x, &y, 1);
    return y;
}
/// ln(1 + x) for x > −1, accurate for small |x| (Goldberg's correction of the rounding in 1 + x).
inline double log1p(double x) {
    const double u = 1.0 + x;
    if (u == 1.0) return x;
    return log(u) * (x / (u - 1.0));
}
/// e^x − 1, accurate for small |x| (Kahan's correction through ln).
inline double expm1(double x) {
    const double u = exp(x);
    if (u == 1.0) return x;
    const double less = u - 1.0;
    if (less == -1.0 || !(u < std::numeric_limits<double>::infinity())) return less;
    return less * (x / log(u));
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, nine coefficients; relative error of Γ about 1e-15).
inline double lgamma(double x) {
    if (x < 0.5) return lgamma(x + 1.0) - log(x);  // Γ(x) = Γ(x + 1)/x
    static constexpr double c[] = {0.99999999999980993,  676.5203681218851,     -1259.1392167224028,
                                   771.32342877765313,   -176.61502916214059,   12.507343278686905,
                                   -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};
    const double z = x - 1.0;
    double a = c[0];
    for (int i = 1; i < 9; ++i) a += c[i] / (z + i);
    const double t = z + 7.5;
    constexpr double half_ln_2pi = 0.91893853320467274178;
    return half_ln_2pi + (z + 0.5) * log(t) - t + log(a);
}

/// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b).
inline double lbeta(double a, double b) { return lgamma(a) + lgamma(b) - lgamma(a + b); }

namespace detail {
constexpr double tiny = 1e-300;      // keeps Lentz's continued fractions off zero
constexpr double tolerance = 1e-16;  // relative size of the last term or factor
constexpr int max_terms = 100000;

inline double off_zero(double v) { return std::fabs(v) < tiny ? tiny : v; }

/// The continued fraction of I_x(a, b) (modified Lentz), converging fast for x < (a + 1)/(a + b + 2).
inline double beta_fraction(double a, double b, double x) {
    const double qab = a + b, qap = a + 1.0, qam = a - 1.0;
    double c = 1.0, d = 1.0 / off_zero(1.0 - qab * x / qap), h = d;
    for (int m = 1; m <= max_terms; ++m) {
        const double m2 = 2.0 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / off_zero(1.0 + aa * d);
        c = off_zero(1.0 + aa / c);
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / off_zero(1.0 + aa * d);
        c = off_zero(1.0 + aa / c);
        const double step = d * c;
        h *= step;
        if (!(std::fabs(step - 1.0) > tolerance)) break;  // converged, or NaN
    }
    return h;
}

/// P(s, x) by its series, without the factor x^s e^−x / Γ(s): Σ x^n / (s (s + 1) … (s + n)).
inline double gamma_series(double s, double x) {
    double term = 1.0 / s, sum = term, ap = s;
    for (int n = 1; n <= max_terms; ++n) {
        ap += 1.0;
        term *= x / ap;
        sum += term;
        if (!(std::fabs(term) > std::fabs(sum) * tolerance)) break;  // converged, or NaN
    }
    return sum;
}

/// Q(s, x) by Legendre's continued fraction (modified Lentz), without x^s e^−x / Γ(s).
inline double gamma_fraction(double s, double x) {
    double b = x + 1.0 - s, c = 1.0 / tiny, d = 1.0 / off_zero(b), h = d;
    for (int i = 1; i <= max_terms; ++i) {
        const double an = -i * (i - s);
        b += 2.0;
        d = 1.0 / off_zero(an * d + b);
        c = off_zero(b + an / c);
        const double step = d * c;
        h *= step;
        if (!(std::fabs(step - 1.0) > tolerance)) break;  // converged, or NaN
    }
    return h;
}

inline std::uint64_t bits_of(double x) {
    std::uint64_t k;
    std::memcpy(&k, &x, sizeof k);
    return k;
}
inline double double_of(std::uint64_t k) {
    double x;
    std::memcpy(&x, &k, sizeof x);
    return x;
}
}  // namespace detail

/// The shapes these functions are made for (every shape of the beta, s for the gamma): the
/// continued fractions take ~√shape terms and ln B, ln Γ lose ~1e-16·shape·ln shape to
/// cancellation, and below 1e-8 the series' 1/s nears overflow. Outside (a PERT with λ above
/// ~10^5, distributions all but a point) the distributions fall back to Boost.Math.
constexpr double min_shape = 1e-8, max_shape = 1e5;
inline bool shape_in_range(double s) { return s >= min_shape && s <= max_shape; }

/// The regularized incomplete beta function I_x(a, b) (the beta(a, b) CDF), a, b > 0; a solve
/// that calls it often passes ln B(a, b) = lbeta(a, b) once computed.
inline double beta_p(double a, double b, double x, double ln_beta) {
    if (!(x > 0)) return 0.0;
    if (!(x < 1)) return 1.0;
    const double front = exp(a * log(x) + b * log1p(-x) - ln_beta);
    if (x < (a + 1.0) / (a + b + 2.0)) return front * detail::beta_fraction(a, b, x) / a;
    return 1.0 - front * detail::beta_fraction(b, a, 1.0 - x) / b;
}
inline double beta_p(double a, double b, double x) { return beta_p(a, b, x, lbeta(a, b)); }

/// The beta(a, b) density at x in (0, 1).
inline double beta_density(double a, double b, double x) {
    if (!(x > 0 && x < 1)) return 0.0;
    return exp((a - 1.0) * log(x) + (b - 1.0) * log1p(-x) - lbeta(a, b));
}

/// The regularized lower incomplete gamma function P(s, x) (the gamma(s, 1) CDF), s > 0; a
/// solve passes ln Γ(s) = lgamma(s) once computed.
inline double gamma_p(double s, double x, double ln_gamma) {
    if (!(x > 0)) return 0.0;
    if (x == std::numeric_limits<double>::infinity()) return 1.0;
    const double front = exp(s * log(x) - x - ln_gamma);
    if (x < s + 1.0) return front * detail::gamma_series(s, x);
    return 1.0 - front * detail::gamma_fraction(s, x);
}
inline double gamma_p(double s, double x) { return gamma_p(s, x, lgamma(s)); }

/// Q(s, x) = 1 − P(s, x), accurate where it is small.
inline double gamma_q(double s, double x, double ln_gamma) {
    if (!(x > 0)) return 1.0;
    if (x == std::numeric_limits<double>::infinity()) return 0.0;
    const double front = exp(s * log(x) - x - ln_gamma);
    if (x < s + 1.0) return 1.0 - front * detail::gamma_series(s, x);
    return front * detail::gamma_fraction(s, x);
}
inline double gamma_q(double s, double x) { return gamma_q(s, x, lgamma(s)); }

/// The gamma(s, 1) density at x > 0.
inline double gamma_density(double s, double x) {
    if (!(x > 0) || x == std::numeric_limits<double>::infinity()) return 0.0;
    return exp((s - 1.0) * log(x) - x - lgamma(s));
}

/// The x ≥ 0 (at most `upper_end`) where the nondecreasing `cdf` crosses `target`, found on a
/// fixed grid of doubles and interpolated within its cell, so that the result depends only on
/// `cdf`, `target` and `upper_end`, not on the bits of `start` (a close guess, say from
/// Boost.Math; NaN or far off only costs time). The grid is every double whose 20 lowest
/// mantissa bits are zero (cells 2^-32 wide relative to x, the same in every binade and across
/// its edges); the cell k with cdf(g_k) ≤ target < cdf(g_k+1) is unique while the cdf increases
/// from cell to cell, which holds wherever its relative error (~1e-14) is far below its
/// increase over a cell (~2^-32 times the shape), and its linear interpolation is within an
/// ulp or so (the cdf barely curves over a cell). Requires cdf(0) ≤ target < cdf(upper_end).
template <class Cdf>
double solve_on_grid(const Cdf& cdf, double target, double start, double upper_end) {
    constexpr int drop = 20;
    auto at = [](std::uint64_t k) { return detail::double_of(k << drop); };
    const std::uint64_t last = detail::bits_of(upper_end) >> drop;
    std::uint64_t k = std::isnan(start) || start <= 0 ? 0 : detail::bits_of(std::min(start, upper_end)) >> drop;
    k = std::min(k, last - 1);
    double below = cdf(at(k)), above = cdf(at(k + 1));
    for (int steps = 0; steps < 64 && !(below <= target) && k > 0; ++steps) above = below, below = cdf(at(--k));
    for (int steps = 0; steps < 64 && !(target < above) && k + 1 < last; ++steps) below = above, above = cdf(at(++k + 1));
    if (!(below <= target && target < above)) {  // the start was far off: bisect the whole grid
        std::uint64_t lo = 0, hi = last;
        while (hi - lo > 1) {
            const std::uint64_t mid = lo + (hi - lo) / 2;
            (cdf(at(mid)) <= target ? lo : hi) = mid;
        }
        k = lo, below = cdf(at(k)), above = cdf(at(k + 1));
    }
    const double x0 = at(k), x1 = at(k + 1);
    return std::min(x1, x0 + (x1 - x0) * ((target - below) / (above - below)));
}

}  // namespace fabrisk::special
