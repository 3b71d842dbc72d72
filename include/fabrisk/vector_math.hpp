#pragma once
/// \file vector_math.hpp
/// exp, log and sqrt over arrays: log and sqrt through Eigen's vectorised (packet) code, exp by
/// a kernel of our own on lanes::doubles (exp_lanes).
///
/// Eigen evaluates the ragged ends of an array (a misaligned head, a remainder shorter than a
/// packet) with scalar libm calls, which can differ from the packet code in the last bit. A
/// trial's value would then depend on where it sits in its block. Here every element goes
/// through fixed-size blocks of eight (the tail padded), so a value depends only on its input.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include <Eigen/Core>

#include "fabrisk/lanes.hpp"

namespace fabrisk::vector_math {

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
#if defined(__AVX512F__)
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

/// Eight values: a whole number of packets for every SIMD width, so no element takes the
/// scalar path.
using block = Eigen::Array<double, 8, 1>;

namespace detail {

/// out[i] = f(in[i]) for i < n, in blocks of eight; `out` may be `in`.
template <class F>
void apply(const double* in, double* out, Eigen::Index n, F f) {
    Eigen::Index i = 0;
    for (; i + 8 <= n; i += 8) {
        const block x = Eigen::Map<const block>(in + i);
        Eigen::Map<block>(out + i) = f(x);
    }
    if (i < n) {
        block x = block::Constant(1.0);  // a harmless value for every function here
        std::copy(in + i, in + n, x.data());
        const block y = f(x);
        std::copy(y.data(), y.data() + (n - i), out + i);
    }
}
}  // namespace detail

inline void exp(const double* in, double* out, Eigen::Index n) {
    detail::apply(in, out, n, [](const block& x) -> block {
        static_assert(sizeof(block) == sizeof(lanes::doubles));
        lanes::doubles v;
        FABRISK_LANES_LOAD(v, x.data());
        exp_lanes(v, v);
        block y;
        FABRISK_LANES_STORE(y.data(), v);
        return y;
    });
}
inline void log(const double* in, double* out, Eigen::Index n) {
    detail::apply(in, out, n, [](const block& x) -> block { return x.log(); });
}
inline void sqrt(const double* in, double* out, Eigen::Index n) {
    detail::apply(in, out, n, [](const block& x) -> block { return x.sqrt(); });
}

/// In place over an Eigen array or block (contiguous).
template <class Array>
void exp(Array&& a) {
    exp(a.data(), a.data(), a.size());
}
template <class Array>
void log(Array&& a) {
    log(a.data(), a.data(), a.size());
}

}  // namespace fabrisk::vector_math
