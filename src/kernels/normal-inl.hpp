/// \file kernels/normal-inl.hpp
/// Φ⁻¹ and Φ, per target (see lanes-inl.hpp): AS241 and Cephes' ndtr, written once for a
/// double and for lanes::doubles. fabrisk/normal.hpp declares the forms the library calls.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "fabrisk/normal.hpp"
#include "kernels/lanes-inl.hpp"
#include "kernels/vector_math-inl.hpp"

#if defined(FABRISK_KERNELS_NORMAL_INL_) == defined(HWY_TARGET_TOGGLE)
#ifdef FABRISK_KERNELS_NORMAL_INL_
#undef FABRISK_KERNELS_NORMAL_INL_
#else
#define FABRISK_KERNELS_NORMAL_INL_
#endif

HWY_BEFORE_NAMESPACE();
namespace fabrisk::HWY_NAMESPACE {

namespace detail {
// AS241's three rational functions, written once for a double and for lanes::doubles (the
// result is an out-parameter so no vector value crosses a function boundary; see lanes-inl.hpp).
/// Central region |q| ≤ 0.425: q·a(r)/b(r) with r = 0.180625 − q².
template <class T>
inline void as241_central(const T& q, T& out) {
    const T r = 0.180625 - q * q;
    out = q *
          (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r + 6.7265770927008700853e+4) * r +
               4.5921953931549871457e+4) * r + 1.3731693765509461125e+4) * r + 1.9715909503065514427e+3) * r +
            1.3314166789178437745e+2) * r + 3.3871328727963666080e+0) /
          (((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r + 3.9307895800092710610e+4) * r +
               2.1213794301586595867e+4) * r + 5.3941960214247511077e+3) * r + 6.8718700749205790830e+2) * r +
            4.2313330701600911252e+1) * r + 1.0);
}
/// Tails, for r = √(−ln min(p, 1 − p)): |Φ⁻¹| for r ≤ 5 ...
template <class T>
inline void as241_near_tail(const T& r, T& out) {
    const T x = r - 1.6;
    out = (((((((7.74545014278341407640e-4 * x + 2.27238449892691845833e-2) * x + 2.41780725177450611770e-1) * x +
               1.27045825245236838258e+0) * x + 3.64784832476320460504e+0) * x + 5.76949722146069140550e+0) * x +
            4.63033784615654529590e+0) * x + 1.42343711074968357734e+0) /
          (((((((1.05075007164441684324e-9 * x + 5.47593808499534494600e-4) * x + 1.51986665636164571966e-2) * x +
               1.48103976427480074590e-1) * x + 6.89767334985100004550e-1) * x + 1.67638483018380384940e+0) * x +
            2.05319162663775882187e+0) * x + 1.0);
}
/// ... and for r > 5.
template <class T>
inline void as241_far_tail(const T& r, T& out) {
    const T x = r - 5.0;
    out = (((((((2.01033439929228813265e-7 * x + 2.71155556874348757815e-5) * x + 1.24266094738807843860e-3) * x +
               2.65321895265761230930e-2) * x + 2.96560571828504891230e-1) * x + 1.78482653991729133580e+0) * x +
            5.46378491116411436990e+0) * x + 6.65790464350110377720e+0) /
          (((((((2.04426310338993978564e-15 * x + 1.42151175831644588870e-7) * x + 1.84631831751005468180e-5) * x +
               7.86869131145613259100e-4) * x + 1.48753612908506148525e-2) * x + 1.36929880922735805310e-1) * x +
            5.99832206555887937690e-1) * x + 1.0);
}
/// Cephes' erf(y) for |y| < 1 (ndtr.c, S. L. Moshier): y·T(y²)/U(y²).
template <class T>
inline void cephes_erf_central(const T& y, T& out) {
    const T z = y * y;
    out = y *
          ((((9.60497373987051638749e0 * z + 9.00260197203842689217e1) * z + 2.23200534594684319226e3) * z +
            7.00332514112805075473e3) * z + 5.55923013010394962768e4) /
          (((((z + 3.35617141647503099647e1) * z + 5.21357949780152679795e2) * z + 4.59432382970980127987e3) * z +
            2.26290000613890934246e4) * z + 4.92673942608635921086e4);
}
/// Cephes' erfc(y)·exp(y²) for 1 ≤ y < 8: P(y)/Q(y).
template <class T>
inline void cephes_erfc_scaled(const T& y, T& out) {
    out = ((((((((2.46196981473530512524e-10 * y + 5.64189564831068821977e-1) * y + 7.46321056442269912687e0) * y +
                4.86371970985681366614e1) * y + 1.96520832956077098242e2) * y + 5.26445194995477358631e2) * y +
             9.34528527171957607540e2) * y + 1.02755188689515710272e3) * y + 5.57535335369399327526e2) /
          ((((((((y + 1.32281951154744992508e1) * y + 8.67072140885989742329e1) * y + 3.54937778887819891062e2) * y +
                9.75708501743205489753e2) * y + 1.82390916687909736289e3) * y + 2.24633760818710981792e3) * y +
             1.65666309194161350182e3) * y + 5.57535340817727675546e2);
}
}  // namespace detail

/// Φ⁻¹(p) for p in (0, 1): Wichura's algorithm AS241 (PPND16), relative error about 1e-16.
/// Written by hand because Boost's quantile is 4–30× slower (see PERFORMANCE-NOTES) and this
/// runs about a hundred times per trial; tests/normal_test.cpp bounds it against Boost.Math.
inline double inverse_normal_cdf(double p) noexcept {
    const double q = p - 0.5;
    double value;
    if (std::fabs(q) <= 0.425) {
        detail::as241_central(q, value);
        return value;
    }
    double r = q < 0 ? p : 1.0 - p;
    if (!(r > 0)) return q < 0 ? -HUGE_VAL : HUGE_VAL;
    r = std::sqrt(-std::log(r));
    if (r <= 5.0)
        detail::as241_near_tail(r, value);
    else
        detail::as241_far_tail(r, value);
    return q < 0 ? -value : value;
}

/// Φ⁻¹ applied to every element of `p` (in place is allowed), a vector (lanes::doubles) at a time.
/// The central formula is applied to every value (85% need it; no branch); the tail values are
/// compressed into a short list as they go and done together afterwards: their logarithm by
/// vector_math::log_lanes, the square root by Eigen's vectorised one, both tail formulas
/// branch-free. The result for a value depends only on that value, never on its position.
/// Agrees with the scalar form to a few ulps (the vector log may differ from libm's in the last
/// bit); tests/normal_test.cpp bounds both against Boost.Math.
inline void inverse_normal_cdf(const double* p, double* out, std::int64_t size) {
    constexpr int width = lanes::count;
    constexpr std::int64_t run = 256;
    alignas(64) double tail_p[run + width], tail_r[run + width];
    alignas(64) std::int64_t tail_at[run + width];
    for (std::int64_t start = 0; start < size; start += run) {
        const std::int64_t len = std::min(run, size - start);
        int tails = 0;
        lanes::ints places;  // the next vector's indices
        lanes::iota(places);
        places += start;
        // The central formula for one vector of values; tails, and anything not a number in [0, 1]
        // (NaN is outside every range), join the list.
        auto central = [&](const lanes::doubles& x, lanes::doubles& z) __attribute__((always_inline)) {
            const lanes::doubles q = x - 0.5;
            detail::as241_central(q, z);
            tails += lanes::compress(x, lanes::outside(q, -0.425, 0.425), places, tail_p + tails, tail_at + tails);
            places += width;
        };
        const double* const in = p + start;
        double* const to = out + start;
        std::int64_t i = 0;
        // Whole vectors straight from and to the arrays (`p` is read before `out` is written,
        // so in place is safe); a short last vector through a copy padded with ½, kept apart
        // so the main loop's values stay in registers (9% faster; the lane mask as bits and
        // the indices counted up, 7% more).
        for (; i + width <= len; i += width) {
            lanes::doubles x, z;
            FABRISK_LANES_LOAD(x, in + i);
            central(x, z);
            FABRISK_LANES_STORE(to + i, z);
        }
        if (i < len) {
            alignas(64) double part[width];
            for (std::int64_t b = 0; b < width; ++b) part[b] = i + b < len ? in[i + b] : 0.5;
            lanes::doubles x, z;
            FABRISK_LANES_LOAD(x, part);
            central(x, z);
            FABRISK_LANES_STORE(part, z);
            for (std::int64_t b = 0; i + b < len; ++b) to[i + b] = part[b];
        }
        if (tails == 0) continue;
        // The tails, in stages over the whole list so that successive vectors' long chains
        // overlap. 0, 1, NaN and values below the normal doubles take a harmless stand-in here
        // and the scalar form afterwards.
        for (int j = tails; j % width != 0; ++j) tail_p[j] = 0.25;  // pad the last vector
        lanes::ints extreme = lanes::ints{};
        for (int j = 0; j < tails; j += width) {
            lanes::doubles x;
            FABRISK_LANES_LOAD(x, tail_p + j);
            const lanes::ints usual = x > 1e-300 && x < 1.0;
            extreme |= ~usual;
            lanes::doubles r = usual ? (x < 0.5 ? x : 1.0 - x) : lanes::doubles{} + 0.25;
            vector_math::log_lanes(r, r);
            r = -r;
            FABRISK_LANES_STORE(tail_r + j, r);
        }
        const int padded = (tails + width - 1) / width * width;
        vector_math::sqrt(tail_r, tail_r, padded);
        for (int j = 0; j < tails; j += width) {
            lanes::doubles x, r, near, far;
            FABRISK_LANES_LOAD(x, tail_p + j);
            FABRISK_LANES_LOAD(r, tail_r + j);
            detail::as241_near_tail(r, near);
            lanes::doubles value = near;
            const lanes::ints beyond = r > 5.0;  // p below 1.4e-11: rare, so only then
            if (lanes::any(beyond)) {
                detail::as241_far_tail(r, far);
                value = beyond ? far : near;
            }
            const lanes::doubles signed_value = x < 0.5 ? -value : value;
            FABRISK_LANES_STORE(tail_r + j, signed_value);
        }
        for (int j = 0; j < tails; ++j) out[tail_at[j]] = tail_r[j];
        if (lanes::any(extreme))
            for (int j = 0; j < tails; ++j)
                if (!(tail_p[j] > 1e-300 && tail_p[j] < 1.0)) out[tail_at[j]] = inverse_normal_cdf(tail_p[j]);
    }
}

/// Φ applied to every element of `x` (in place is allowed), a vector (lanes::doubles) at a time:
/// Cephes' ndtr with y = x/√2, Φ = (1 + erf(y))/2 for |y| < 1 and erfc(|y|)/2 (or 1 minus it)
/// from exp(−y²)·P(|y|)/Q(|y|) up to |y| = 8; both formulas run for every value, with no branch,
/// and the exponential over the whole run of values at once (Eigen's vectorised exp). Beyond
/// |y| = 8 (|x| > 11.3, Φ below 1e-29: never reached by the copulas' normal scores) and for NaN
/// the scalar form (libm's erfc) takes over. Written by hand because neither Eigen nor Boost
/// vectorises erfc for double, and libm's costs ~9 ns a value; tests/normal_test.cpp bounds it
/// against Boost.Math as tightly as the scalar form. A value depends only on its input.
inline void normal_cdf(const double* x, double* out, std::int64_t size) {
    constexpr int width = lanes::count;
    constexpr std::int64_t run = 256;
    constexpr double sqrt_half = 0.70710678118654752440;
    alignas(64) double in[run], decay[run];
    for (std::int64_t start = 0; start < size; start += run) {
        const std::int64_t len = std::min(run, size - start);
        const std::int64_t padded = (len + width - 1) / width * width;
        std::copy(x + start, x + start + len, in);
        std::fill(in + len, in + padded, 0.0);  // a short last vector is padded with 0
        // exp(−y²), with |y| limited to 8 where the formula ends.
        for (std::int64_t i = 0; i < padded; i += width) {
            lanes::doubles v;
            FABRISK_LANES_LOAD(v, in + i);
            lanes::doubles a = v * sqrt_half;
            a = a < 0 ? -a : a;
            a = a < 8.0 ? a : lanes::doubles{} + 8.0;
            const lanes::doubles minus_square = -(a * a);
            FABRISK_LANES_STORE(decay + i, minus_square);
        }
        vector_math::exp(decay, decay, padded);
        lanes::ints beyond{};
        for (std::int64_t i = 0; i < padded; i += width) {
            lanes::doubles v, e;
            FABRISK_LANES_LOAD(v, in + i);
            FABRISK_LANES_LOAD(e, decay + i);
            const lanes::doubles y = v * sqrt_half;
            lanes::doubles a = y < 0 ? -y : y;
            beyond |= !(a < 8.0);  // also NaN
            a = a < 8.0 ? a : lanes::doubles{} + 8.0;
            lanes::doubles central, scaled;
            detail::cephes_erf_central(y, central);
            detail::cephes_erfc_scaled(a, scaled);
            const lanes::doubles half_tail = 0.5 * (e * scaled);  // erfc(|y|)/2
            const lanes::doubles tail = y < 0 ? half_tail : 1.0 - half_tail;
            const lanes::doubles value = a < 1.0 ? 0.5 + 0.5 * central : tail;
            FABRISK_LANES_STORE(decay + i, value);
        }
        if (lanes::any(beyond))
            for (std::int64_t i = 0; i < len; ++i)
                if (!(std::fabs(in[i] * sqrt_half) < 8.0)) decay[i] = 0.5 * std::erfc(-in[i] * sqrt_half);  // libm
        std::copy(decay, decay + len, out + start);
    }
}

}  // namespace fabrisk::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
