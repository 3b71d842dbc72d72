/// \file kernels/lanes-inl.hpp
/// Trials side by side as one vector value, compiled once per instruction set (Highway's
/// foreach_target re-includes this file for each target, into fabrisk::HWY_NAMESPACE::lanes).
/// `lanes::doubles` holds one double per trial, `lanes::ints` one 64-bit integer (or a
/// comparison's all-ones/zero mask) per trial. The number of lanes is one register of the
/// target: 8 with AVX-512, 4 with AVX2, 2 otherwise (SSE4, the baseline, NEON, SVE). Every lane
/// runs the same IEEE operations, and no result depends on a value's neighbours, so a trial's
/// bits do not depend on the target (tests/buildout/golden_bits_test.cpp runs every target).
///
/// These are GCC/Clang vector extensions, not Highway's operations: `+ − × ÷` and comparisons
/// act lane by lane and `mask ? a : b` selects, which keeps the model's arithmetic readable as
/// formulas; Highway supplies the per-target compilation and the run-time choice. Inside a
/// target's region g++ lowers them to that target's instructions. They are used only inside
/// functions, never passed by value, so the vector calling convention (-Wpsabi) never comes into
/// play. The few operations the extensions lack (gather, a comparison's lanes as bits, a masked
/// add, compress, any, square root) are functions here: an instruction where the target has
/// one, a plain loop otherwise (tests/lanes_test.cpp checks them on every target).
///
/// The target is HWY_TARGET, not the compiler's __AVX2__ and the like: g++ does not define
/// those inside a `#pragma GCC target` region.
#include <cmath>
#include <cstdint>
#include <cstring>

#include <hwy/highway.h>

#if HWY_ARCH_X86
#include <immintrin.h>
#endif

// Per-target include guard: Highway's foreach_target includes this file once per target.
#if defined(FABRISK_KERNELS_LANES_INL_) == defined(HWY_TARGET_TOGGLE)
#ifdef FABRISK_KERNELS_LANES_INL_
#undef FABRISK_KERNELS_LANES_INL_
#else
#define FABRISK_KERNELS_LANES_INL_
#endif

#undef FABRISK_KERNEL_AVX512
#undef FABRISK_KERNEL_AVX2
#undef FABRISK_LANES_COUNT
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
#define FABRISK_KERNEL_AVX512 1
#define FABRISK_KERNEL_AVX2 0
#define FABRISK_LANES_COUNT 8
#elif HWY_TARGET == HWY_AVX2
#define FABRISK_KERNEL_AVX512 0
#define FABRISK_KERNEL_AVX2 1
#define FABRISK_LANES_COUNT 4
#else
#define FABRISK_KERNEL_AVX512 0
#define FABRISK_KERNEL_AVX2 0
#define FABRISK_LANES_COUNT 2
#endif
/// For code that needs the count in the preprocessor (a shuffle's constant lane indices).
#define FABRISK_LANES_COUNT_IS(n) (FABRISK_LANES_COUNT == (n))

#ifndef FABRISK_LANES_LOAD
/// Loads `count` consecutive doubles at `pointer` into `lanes::doubles` variable `into`.
#define FABRISK_LANES_LOAD(into, pointer) std::memcpy(&(into), (pointer), sizeof(into))
/// Stores `lanes::doubles` value `from` at `pointer`.
#define FABRISK_LANES_STORE(pointer, from) std::memcpy((pointer), &(from), sizeof(from))
#endif

HWY_BEFORE_NAMESPACE();
namespace fabrisk::HWY_NAMESPACE::lanes {


inline constexpr int count = FABRISK_LANES_COUNT;
/// log2(count), for lane offsets as shifts.
inline constexpr int count_shift = count == 8 ? 3 : count == 4 ? 2 : 1;
static_assert(1 << count_shift == count);
/// The widest lane count on any target: buffers sized for it fit every build.
inline constexpr int max_count = 8;

using doubles = double __attribute__((vector_size(count * sizeof(double))));
using ints = std::int64_t __attribute__((vector_size(count * sizeof(std::int64_t))));

/// 0, 1, …, max_count − 1: load `count` of them for each lane's index.
alignas(64) inline constexpr std::int64_t lane_numbers[max_count] = {0, 1, 2, 3, 4, 5, 6, 7};

/// Each lane's index, 0 … count − 1.
inline void iota(ints& into) { std::memcpy(&into, lane_numbers, sizeof into); }

/// into[b] = base[index[b]] for every lane b: one gather instruction with AVX2 or AVX-512, a
/// loop of loads elsewhere.
inline void gather(const double* base, const ints& index, doubles& into) {
#if FABRISK_KERNEL_AVX512
    into = (doubles)_mm512_i64gather_pd((__m512i)index, base, 8);
#elif FABRISK_KERNEL_AVX2
    into = (doubles)_mm256_i64gather_pd(base, (__m256i)index, 8);
#else
    for (int b = 0; b < count; ++b) into[b] = base[index[b]];
#endif
}

/// A comparison's mask as bits, bit b for lane b (the sign bit of each lane).
inline unsigned bits(const ints& mask) {
#if FABRISK_KERNEL_AVX512
    return _mm512_cmplt_epi64_mask((__m512i)mask, _mm512_setzero_si512());
#elif FABRISK_KERNEL_AVX2
    return static_cast<unsigned>(_mm256_movemask_pd((__m256d)mask));
#elif defined(__SSE2__)
    return static_cast<unsigned>(_mm_movemask_pd((__m128d)mask));
#else
    unsigned out = 0;
    for (int b = 0; b < count; ++b) out |= static_cast<unsigned>(mask[b] < 0) << b;
    return out;
#endif
}

/// Whether any lane of a comparison's mask is set.
inline bool any(const ints& mask) {
#if FABRISK_KERNEL_AVX512
    return _mm512_test_epi64_mask((__m512i)mask, (__m512i)mask) != 0;
#else
    return bits(mask) != 0;
#endif
}

/// √y in every lane, correctly rounded (IEEE 754 requires it of the instructions used), so
/// the same bits on every instruction set. Not Eigen's sqrt: with AVX-512 that is an estimate
/// refined by Newton steps, up to an ulp off and so different from the other builds.
inline void sqrt(const doubles& y, doubles& into) {
#if FABRISK_KERNEL_AVX512
    into = (doubles)_mm512_sqrt_pd((__m512d)y);
#elif FABRISK_KERNEL_AVX2
    into = (doubles)_mm256_sqrt_pd((__m256d)y);
#elif defined(__SSE2__)
    into = (doubles)_mm_sqrt_pd((__m128d)y);
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
/// straight into a mask register with AVX-512.
inline unsigned outside(const doubles& x, double lo, double hi) {
#if FABRISK_KERNEL_AVX512
    return _mm512_cmp_pd_mask((__m512d)x, _mm512_set1_pd(hi), _CMP_NLE_UQ) |
           _mm512_cmp_pd_mask((__m512d)x, _mm512_set1_pd(lo), _CMP_NGE_UQ);
#else
    return bits(~((x >= lo) & (x <= hi)));  // comparisons with NaN are false
#endif
}

/// Bit b set for each lane b where !(x ≥ y), NaN included.
inline unsigned not_at_least(const doubles& x, const doubles& y) {
#if FABRISK_KERNEL_AVX512
    return _mm512_cmp_pd_mask((__m512d)x, (__m512d)y, _CMP_NGE_UQ);
#else
    return bits(~(x >= y));
#endif
}

/// to[b] += step for each lane b whose bit is set in `selected`: one masked add with AVX-512.
inline void add_where(ints& to, unsigned selected, std::int64_t step) {
#if FABRISK_KERNEL_AVX512
    to = (ints)_mm512_mask_add_epi64((__m512i)to, static_cast<__mmask8>(selected), (__m512i)to, _mm512_set1_epi64(step));
#else
    ints lane;
    iota(lane);
    to += -(((ints{} + static_cast<std::int64_t>(selected)) >> lane) & 1) & step;
#endif
}

/// Writes the lanes of `x` whose bit is set in `keep` (bit b for lane b) to consecutive places
/// from `to`, and the same lanes of `places` from `at`; returns how many. Whole vectors are
/// stored, so both need room for `count` values. With AVX-512 this is a register compress and a
/// plain store (Zen 4 microcodes the compress-to-memory form: ~30× slower); elsewhere a
/// branch-free loop, since which lanes are selected is unpredictable.
inline int compress(const doubles& x, unsigned keep, const ints& places, double* to, std::int64_t* at) {
#if FABRISK_KERNEL_AVX512
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

}  // namespace fabrisk::HWY_NAMESPACE::lanes
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
