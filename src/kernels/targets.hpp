#pragma once
/// \file kernels/targets.hpp
/// Which instruction sets the kernels are compiled for: included before hwy/foreach_target.h by
/// src/kernels.cpp and the kernels' tests, so both compile the same targets.

// SSSE3 adds nothing over the baseline here but compile time; its processors take `scalar`.
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS HWY_SSSE3
#endif

// A build whose baseline already has every AVX3_DL feature (-march=native on Ice Lake or Zen 4)
// makes AVX3_DL its static target, which Highway 1.0.3 then requires among the compiled ones.
#if defined(__AVX512VNNI__) && defined(__VAES__) && defined(__VPCLMULQDQ__) && defined(__AVX512VBMI__) && \
    defined(__AVX512VBMI2__) && defined(__AVX512VPOPCNTDQ__) && defined(__AVX512BITALG__) &&             \
    !defined(HWY_WANT_AVX3_DL)
#define HWY_WANT_AVX3_DL
#endif
