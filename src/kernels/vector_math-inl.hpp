/// \file kernels/vector_math-inl.hpp
/// exp and log in lanes (per target, see lanes-inl.hpp), and exp, log and sqrt over arrays.
///
/// Every element goes through fixed-size blocks of eight (the tail padded with 1), so a value
/// depends only on its input, never on its place in the array or on the target.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels/lanes-inl.hpp"

#if defined(FABRISK_KERNELS_VECTOR_MATH_INL_) == defined(HWY_TARGET_TOGGLE)
#ifdef FABRISK_KERNELS_VECTOR_MATH_INL_
#undef FABRISK_KERNELS_VECTOR_MATH_INL_
#else
#define FABRISK_KERNELS_VECTOR_MATH_INL_
#endif

HWY_BEFORE_NAMESPACE();
namespace fabrisk::HWY_NAMESPACE::vector_math {

/// exp(x) in every lane, within an ulp or two of the exact value. x = n·ln 2 + r with
/// |r| ≤ ln 2 / 2 (Cody and Waite's reduction, by multiply-adds), e^r by its Taylor series to
/// r^13 (the next term is below 5e-18 of the result), then e^r·2^n: one vscalefpd with
/// AVX-512, two exact multiplications by powers of two elsewhere. About 20 operations for
/// eight values, where Eigen's exp (a rational function, its division and a four-factor
/// ldexp) takes about 40; the lognormal draws alone make some eighty a trial. Written by hand
/// because neither Eigen nor Boost offers a cheaper vector exp of full double accuracy.
/// Overflows to +inf, underflows (through the subnormals) to 0; NaN stays NaN.
inline void exp_lanes(const lanes::doubles& in, lanes::doubles& out) {
    // ln 2 = ln2_hi + ln2_lo, ln2_hi with 16 significant bits, so n·ln2_hi is exact for every
    // n here even without a fused multiply-add (Cephes' constants).
    constexpr double log2e = 1.4426950408889634074, ln2_hi = 0.693145751953125, ln2_lo = 1.42860682030941723212e-6;
    constexpr double shifter = 0x1.8p52;  // adding it rounds to an integer (|x·log2e| < 2^51)
    lanes::doubles x = in > 710.0 ? lanes::doubles{} + 710.0 : in;  // NaN passes both
    x = x < -746.0 ? lanes::doubles{} - 746.0 : x;
    const lanes::doubles n = (x * log2e + shifter) - shifter;
    lanes::doubles r = x - n * ln2_hi;
    r = r - n * ln2_lo;
    // 1/k! for k = 13 … 2, then 1, 1.
    constexpr double c[] = {1.0 / 6227020800, 1.0 / 479001600, 1.0 / 39916800, 1.0 / 3628800, 1.0 / 362880,
                            1.0 / 40320,      1.0 / 5040,      1.0 / 720,      1.0 / 120,     1.0 / 24,
                            1.0 / 6,          0.5,             1.0,            1.0};
    lanes::doubles p = lanes::doubles{} + c[0];
    for (int k = 1; k < 14; ++k) p = p * r + c[k];
#if FABRISK_KERNEL_AVX512
    out = (lanes::doubles)_mm512_scalef_pd((__m512d)p, (__m512d)n);
#else
    // 2^n as 2^h·2^(n − h), h = trunc(n/2): both factors normal for |n| ≤ 1076, and the first
    // product exact, so the result is rounded once. (A NaN n converts as 0; p is NaN then.)
    const lanes::ints k = __builtin_convertvector(n == n ? n : lanes::doubles{}, lanes::ints), h = k / 2;
    const lanes::ints first = (h + 1023) << 52, second = (k - h + 1023) << 52;  // both biased exponents positive
    lanes::doubles a, b;
    std::memcpy(&a, &first, sizeof a);
    std::memcpy(&b, &second, sizeof b);
    out = p * a * b;
#endif
}

/// ln(x) in every lane, within an ulp of the exact value: fdlibm's log (Sun, e_log.c), lane by
/// lane. x = 2^k·m with √½ ≤ m < √2 (vgetexppd and vgetmantpd with AVX-512, the bits
/// elsewhere, subnormals scaled up first), ln m = f − f²/2 + s·(f²/2 + R(s²)) with f = m − 1,
/// s = f/(2 + f) and R fdlibm's minimax polynomial, then k·ln 2 in two parts (k·ln2_hi exact).
/// About 25 operations and a division for eight values; Eigen's log takes about twice that
/// (its frexp alone is a dozen). Written by hand because neither Eigen nor Boost offers a
/// cheaper vector log of full double accuracy. ln 0 = −∞, ln(+∞) = +∞, NaN below 0 and for NaN.
inline void log_lanes(const lanes::doubles& in, lanes::doubles& out) {
    constexpr double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    constexpr double lg1 = 6.666666666666735130e-01, lg2 = 3.999999999940941908e-01, lg3 = 2.857142874366239149e-01,
                     lg4 = 2.222219843214978396e-01, lg5 = 1.818357216161805012e-01, lg6 = 1.531383769920937332e-01,
                     lg7 = 1.479819860511658591e-01;
    constexpr double inf = __builtin_inf(), sqrt2 = 1.4142135623730951;
    const lanes::doubles x = in;
    lanes::doubles m, k;  // x = 2^k·m, 1 ≤ m < 2 (for positive finite x)
#if FABRISK_KERNEL_AVX512
    m = (lanes::doubles)_mm512_getmant_pd((__m512d)x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero);
    k = (lanes::doubles)_mm512_getexp_pd((__m512d)x);
#else
    const lanes::ints tiny = x < 0x1p-1022;
    const lanes::doubles scaled = tiny ? x * 0x1p54 : x;
    lanes::ints bits;
    std::memcpy(&bits, &scaled, sizeof bits);
    const lanes::ints mantissa = (bits & 0xfffffffffffff) | 0x3ff0000000000000;
    std::memcpy(&m, &mantissa, sizeof m);
    k = __builtin_convertvector(((bits >> 52) & 0x7ff) - 1023 - (tiny & 54), lanes::doubles);
#endif
    const lanes::ints high = m > sqrt2;
    m = high ? m * 0.5 : m;
    k = high ? k + 1.0 : k;
    const lanes::doubles f = m - 1.0, s = f / (2.0 + f), z = s * s, w = z * z;
    const lanes::doubles t1 = w * (lg2 + w * (lg4 + w * lg6)), t2 = z * (lg1 + w * (lg3 + w * (lg5 + w * lg7)));
    const lanes::doubles r = t2 + t1, hfsq = 0.5 * f * f;
    lanes::doubles y = k * ln2_hi - ((hfsq - (s * (hfsq + r) + k * ln2_lo)) - f);
    y = x == 0 ? lanes::doubles{} - inf : y;
    y = x == inf ? lanes::doubles{} + inf : y;
    y = x >= 0 ? y : lanes::doubles{} + __builtin_nan("");  // negative or NaN
    out = y;
}

/// out[i] = Kernel(in[i]) for i < n, in blocks of eight (the last padded with 1, a harmless
/// value for every kernel here); `out` may be `in`.
template <void (*Kernel)(const lanes::doubles&, lanes::doubles&)>
void apply(const double* in, double* out, std::int64_t n) {
    constexpr int block = 8;
    static_assert(block % lanes::count == 0);
    std::int64_t i = 0;
    for (; i + block <= n; i += block)
        for (int j = 0; j < block; j += lanes::count) {
            lanes::doubles v;
            FABRISK_LANES_LOAD(v, in + i + j);
            Kernel(v, v);
            FABRISK_LANES_STORE(out + i + j, v);
        }
    if (i < n) {
        alignas(64) double x[block];
        std::fill(x, x + block, 1.0);
        std::copy(in + i, in + n, x);
        for (int j = 0; j < block; j += lanes::count) {
            lanes::doubles v;
            FABRISK_LANES_LOAD(v, x + j);
            Kernel(v, v);
            FABRISK_LANES_STORE(x + j, v);
        }
        std::copy(x, x + (n - i), out + i);
    }
}

inline void exp(const double* in, double* out, std::int64_t n) { apply<exp_lanes>(in, out, n); }
inline void log(const double* in, double* out, std::int64_t n) { apply<log_lanes>(in, out, n); }
inline void sqrt(const double* in, double* out, std::int64_t n) { apply<lanes::sqrt>(in, out, n); }

}  // namespace fabrisk::HWY_NAMESPACE::vector_math
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
