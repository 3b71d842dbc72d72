#pragma once
/// \file vector_math.hpp
/// exp, log and sqrt over arrays, on the instruction set dispatched at run time
/// (simd_target.hpp; the kernels are src/kernels/vector_math-inl.hpp).
///
/// exp and log are within an ulp or two of the exact value (Cody–Waite reduction and a Taylor
/// series for exp, fdlibm's log), sqrt is correctly rounded. Every element goes through
/// fixed-size blocks of eight, the tail padded, so a value depends only on its input: never on
/// its place in the array, the target or the build. (Eigen evaluates an array's ragged ends
/// with libm, which can differ from its packet code in the last bit, and its AVX-512 sqrt is an
/// estimate; neither Eigen nor Boost offers a cheaper vector exp or log of full accuracy.)
/// exp overflows to +inf and underflows through the subnormals to 0; ln 0 = −∞, ln(+∞) = +∞,
/// NaN below 0; NaN stays NaN.
#include <cstddef>

namespace fabrisk::vector_math {

/// out[i] = f(in[i]) for i < n; `out` may be `in`.
void exp(const double* in, double* out, std::ptrdiff_t n);
void log(const double* in, double* out, std::ptrdiff_t n);
void sqrt(const double* in, double* out, std::ptrdiff_t n);

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
