#pragma once
/// \file normal.hpp
/// The standard normal CDF and its inverse, the two conversions every Gaussian copula needs.
#include <cmath>
#include <cstddef>

#include <Eigen/Core>

namespace fabrisk {

/// Φ(x), the standard normal CDF: the array form below applied to one value, so it has the
/// same bits on every target and machine.
double normal_cdf(double x) noexcept;

/// Φ⁻¹(p) for p in (0, 1): Wichura's algorithm AS241 (PPND16), relative error about 1e-16;
/// −∞ at 0, +∞ at 1, NaN outside. Written by hand because Boost's quantile is 4–30× slower and
/// this runs about a hundred times per trial; tests/normal_test.cpp bounds it against
/// Boost.Math. It is the array form below applied to one value, so it has the same bits.
double inverse_normal_cdf(double p) noexcept;

/// Φ⁻¹ applied to `size` values (in place is allowed), on the dispatched instruction set
/// (simd_target.hpp). The result for a value depends only on that value, never on its position
/// or the target (src/kernels/normal-inl.hpp).
void inverse_normal_cdf(const double* p, double* out, std::ptrdiff_t size);
/// Φ applied to `size` values (in place is allowed), on the dispatched instruction set: Cephes'
/// ndtr, branch-free up to |x| = 11.3 (Φ below 1e-29; no uniform of a trial reaches that far),
/// libm's erfc beyond and for NaN. Written by hand because neither Eigen nor Boost vectorises
/// erfc for double; a value depends only on its input.
void normal_cdf(const double* x, double* out, std::ptrdiff_t size);

/// The same over Eigen arrays (`out` the size of the input; may be the input).
inline void inverse_normal_cdf(const Eigen::Ref<const Eigen::ArrayXd>& p, Eigen::Ref<Eigen::ArrayXd> out) {
    inverse_normal_cdf(p.data(), out.data(), p.size());
}
inline void normal_cdf(const Eigen::Ref<const Eigen::ArrayXd>& x, Eigen::Ref<Eigen::ArrayXd> out) {
    normal_cdf(x.data(), out.data(), x.size());
}

}  // namespace fabrisk
