#pragma once
/// \file lanes.hpp
/// Eight trials side by side as one vector value: `lanes::doubles` holds one double per
/// trial, `lanes::ints` one 64-bit integer (or a comparison's all-ones/zero mask) per trial.
///
/// These are GCC/Clang vector extensions: `+ − × ÷` and comparisons act lane by lane, and
/// `mask ? a : b` selects. That is one AVX-512 register with -march=native on this machine,
/// two or four narrower ones elsewhere, with the same results in every lane. They are used
/// where g++'s auto-vectoriser gives up on short lane loops (it unrolls them first, then
/// rarely vectorises the pieces), and only inside functions, never passed by value, so the
/// vector calling convention (-Wpsabi) never comes into play. The few operations the vector
/// extensions lack (gather, a comparison's lanes as bits, a masked add, compress, any, a
/// vector square root) are functions here, AVX-512 instructions when the build has
/// them and plain loops otherwise (tests/lanes_test.cpp checks both against exact values).
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

namespace fabrisk::lanes {

inline constexpr int count = 8;
using doubles = double __attribute__((vector_size(count * sizeof(double))));
using ints = std::int64_t __attribute__((vector_size(count * sizeof(std::int64_t))));

/// into[b] = base[index[b]] for every lane b: one gather instruction with AVX-512, a loop of
/// loads elsewhere.
inline void gather(const double* base, const ints& index, doubles& into) {
#if defined(__AVX512F__)
    into = (doubles)_mm512_i64gather_pd((__m512i)index, base, 8);
#else
    for (int b = 0; b < count; ++b) into[b] = base[index[b]];
#endif
}
/// Whether any lane of a comparison's mask is set: one instruction with AVX-512 (a plain loop
/// over the lanes extracts them one by one).
inline bool any(const ints& mask) {
#if defined(__AVX512F__)
    return _mm512_test_epi64_mask((__m512i)mask, (__m512i)mask) != 0;
#else
    std::int64_t folded = 0;
    for (int b = 0; b < count; ++b) folded |= mask[b];
    return folded != 0;
#endif
}

/// √y in every lane, correctly rounded (IEEE 754 requires it of the instructions used), so
/// the same bits on every instruction set. Not Eigen's sqrt: with AVX-512 that is an estimate
/// refined by Newton steps, up to an ulp off and so different from the other builds.
inline void sqrt(const doubles& y, doubles& into) {
#if defined(__AVX512F__)
    into = (doubles)_mm512_sqrt_pd((__m512d)y);
#elif defined(__AVX__)
    __m256d half[2];
    std::memcpy(half, &y, sizeof half);
    for (auto& h : half) h = _mm256_sqrt_pd(h);
    std::memcpy(&into, half, sizeof into);
#elif defined(__SSE2__)
    __m128d quarter[4];
    std::memcpy(quarter, &y, sizeof quarter);
    for (auto& q : quarter) q = _mm_sqrt_pd(q);
    std::memcpy(&into, quarter, sizeof into);
#else
    for (int b = 0; b < count; ++b) into[b] = std::sqrt(y[b]);
#endif
}

/// y^(−1/2^J) in every lane, for J ≥ 1: 1/√…√y, J correctly rounded square roots and one
/// correctly rounded division, so every build and instruction set gives the same bits. (An
/// estimate such as AVX-512's vrsqrt14pd refined by Newton steps was a little faster here, but
/// its last bit depended on the estimate's, i.e. on the instruction set.)
template <int J>
inline void inverse_root_pow2(const doubles& y, doubles& into) {
    static_assert(J >= 1);
    doubles x = y;
    for (int i = 0; i < J; ++i) sqrt(x, x);
    into = 1.0 / x;
}
/// The same for a run-time j in 1 … 6 (m = 2 … 64 steps a year).
inline void inverse_root_pow2(const doubles& y, int j, doubles& into) {
    switch (j) {
        case 1: return inverse_root_pow2<1>(y, into);
        case 2: return inverse_root_pow2<2>(y, into);
        case 3: return inverse_root_pow2<3>(y, into);
        case 4: return inverse_root_pow2<4>(y, into);
        case 5: return inverse_root_pow2<5>(y, into);
        default: return inverse_root_pow2<6>(y, into);
    }
}

/// Bit b set for each lane b where x is not within [lo, hi], NaN included: two comparisons
/// straight into a mask register with AVX-512 (a vector mask would take two more operations to
/// get there), a loop elsewhere.
inline unsigned outside(const doubles& x, double lo, double hi) {
#if defined(__AVX512F__)
    return _mm512_cmp_pd_mask((__m512d)x, _mm512_set1_pd(hi), _CMP_NLE_UQ) |
           _mm512_cmp_pd_mask((__m512d)x, _mm512_set1_pd(lo), _CMP_NGE_UQ);
#else
    unsigned bits = 0;
    for (int b = 0; b < count; ++b) bits |= static_cast<unsigned>(!(x[b] >= lo && x[b] <= hi)) << b;
    return bits;
#endif
}

/// Bit b set for each lane b where !(x ≥ y), NaN included.
inline unsigned not_at_least(const doubles& x, const doubles& y) {
#if defined(__AVX512F__)
    return _mm512_cmp_pd_mask((__m512d)x, (__m512d)y, _CMP_NGE_UQ);
#else
    unsigned bits = 0;
    for (int b = 0; b < count; ++b) bits |= static_cast<unsigned>(!(x[b] >= y[b])) << b;
    return bits;
#endif
}

/// to[b] += step for each lane b whose bit is set in `bits`: one masked add with AVX-512.
inline void add_where(ints& to, unsigned bits, std::int64_t step) {
#if defined(__AVX512F__)
    to = (ints)_mm512_mask_add_epi64((__m512i)to, static_cast<__mmask8>(bits), (__m512i)to, _mm512_set1_epi64(step));
#else
    for (int b = 0; b < count; ++b) to[b] += ((bits >> b) & 1u) ? step : 0;
#endif
}

/// Writes the lanes of `x` whose bit is set in `keep` (bit b for lane b) to consecutive places
/// from `to`, and the same lanes of `places` from `at`; returns how many. Whole vectors are
/// stored, so both need room for `count` values. With AVX-512 this is a register compress and a
/// plain store (Zen 4 microcodes the compress-to-memory form: ~30× slower); elsewhere a
/// branch-free loop, since which lanes are selected is unpredictable.
inline int compress(const doubles& x, unsigned keep, const ints& places, double* to, std::int64_t* at) {
#if defined(__AVX512F__)
    const auto k = static_cast<__mmask8>(keep);
    _mm512_storeu_pd(to, _mm512_maskz_compress_pd(k, (__m512d)x));
    _mm512_storeu_si512(at, _mm512_maskz_compress_epi64(k, (__m512i)places));
    return __builtin_popcount(keep & 0xffu);
#else
    int kept = 0;
    for (int b = 0; b < count; ++b) {
        to[kept] = x[b];
        at[kept] = places[b];
        kept += static_cast<int>((keep >> b) & 1u);
    }
    return kept;
#endif
}

}  // namespace fabrisk::lanes

/// Loads `count` consecutive doubles at `pointer` into `lanes::doubles` variable `into`.
#define FABRISK_LANES_LOAD(into, pointer) std::memcpy(&(into), (pointer), sizeof(into))
/// Stores `lanes::doubles` value `from` at `pointer`.
#define FABRISK_LANES_STORE(pointer, from) std::memcpy((pointer), &(from), sizeof(from))
