/// \file kernels/distribution-inl.hpp
/// A distribution's quantile and normal-score transform over arrays, per target (see
/// lanes-inl.hpp): the families with a vectorised inverse through it (Φ⁻¹, the beta and gamma
/// tables), the rest value by value through the scalar form. Plain loops, which g++ vectorises
/// for the target. The same operations in the same order as the scalar forms' arithmetic, so a
/// value depends only on its input.
#include <cstdint>

#include "fabrisk/distribution.hpp"
#include "kernels/normal-inl.hpp"
#include "kernels/quantile_table-inl.hpp"
#include "kernels/vector_math-inl.hpp"

#if defined(FABRISK_KERNELS_DISTRIBUTION_INL_) == defined(HWY_TARGET_TOGGLE)
#ifdef FABRISK_KERNELS_DISTRIBUTION_INL_
#undef FABRISK_KERNELS_DISTRIBUTION_INL_
#else
#define FABRISK_KERNELS_DISTRIBUTION_INL_
#endif

HWY_BEFORE_NAMESPACE();
namespace fabrisk::HWY_NAMESPACE {

/// out[i] = F⁻¹(u[i]) for i < n (in place is allowed).
inline void quantiles(const distribution& d, const double* u, double* out, std::int64_t n) {
    if (d.kind == family::fixed) {
        for (std::int64_t i = 0; i < n; ++i) out[i] = d.p0;
    } else if (d.truncated) {
        for (std::int64_t i = 0; i < n; ++i) out[i] = ::fabrisk::quantile(d, u[i]);
    } else if (d.kind == family::uniform) {
        const double width = d.p1 - d.p0;
        for (std::int64_t i = 0; i < n; ++i) out[i] = d.p0 + u[i] * width;
    } else if (d.kind == family::normal || d.kind == family::lognormal) {
        inverse_normal_cdf(u, out, n);
        for (std::int64_t i = 0; i < n; ++i) out[i] = d.p0 + d.p1 * out[i];
        if (d.kind == family::lognormal) vector_math::exp(out, out, n);
    } else if (d.kind == family::beta && d.table) {
        tabulated_quantiles(*d.table, u, out, n);
        const double width = d.hi - d.lo;
        for (std::int64_t i = 0; i < n; ++i) out[i] = d.lo + width * out[i];
    } else if (d.kind == family::gamma && d.table) {
        tabulated_quantiles(*d.table, u, out, n);
        for (std::int64_t i = 0; i < n; ++i) out[i] *= d.p1;
    } else {
        for (std::int64_t i = 0; i < n; ++i) out[i] = ::fabrisk::quantile(d, u[i]);
    }
}

/// out[i] = F⁻¹(Φ(z[i])) for i < n (in place is allowed); directly for a normal or lognormal.
inline void from_normal_scores(const distribution& d, const double* z, double* out, std::int64_t n) {
    if (d.kind == family::fixed) {
        for (std::int64_t i = 0; i < n; ++i) out[i] = d.p0;
    } else if (!d.truncated && (d.kind == family::normal || d.kind == family::lognormal)) {
        for (std::int64_t i = 0; i < n; ++i) out[i] = d.p0 + d.p1 * z[i];
        if (d.kind == family::lognormal) vector_math::exp(out, out, n);
    } else {
        normal_cdf(z, out, n);
        quantiles(d, out, out, n);
    }
}

}  // namespace fabrisk::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
