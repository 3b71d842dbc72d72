/// \file kernels/buildout/shock-inl.hpp
/// Step 5 of a trial (docs/model.md §4.6), per target, for a vector of trials: from the grid
/// time the shock strikes, τ_g, an exposed fab keeps the share α = 1 − v of its output; other
/// fabs are never affected.
#include <cmath>
#include <limits>

#include "kernels/buildout/lane_group-inl.hpp"

#if defined(FABRISK_KERNELS_BUILDOUT_SHOCK_INL_) == defined(HWY_TARGET_TOGGLE)
#ifdef FABRISK_KERNELS_BUILDOUT_SHOCK_INL_
#undef FABRISK_KERNELS_BUILDOUT_SHOCK_INL_
#else
#define FABRISK_KERNELS_BUILDOUT_SHOCK_INL_
#endif

HWY_BEFORE_NAMESPACE();
namespace fabrisk::buildout::HWY_NAMESPACE {

/// The shock as the grid phase sees it, per lane.
struct shock_lanes {
    doubles onset;  ///< first grid index k with t_k ≥ τ_g (n + 1: never), as a double
    doubles kept;   ///< 1 − v, the share of its output an exposed fab keeps from then on
};

inline void shock_on_grid(lane_group& g, shock_lanes& shock) {
    const double* const severity = g.scalar(scalar_input::severity, 0.0);
    const double* const when = g.ws.shock_time.data() + g.first;
    const double inf = std::numeric_limits<double>::infinity();
    alignas(64) double onset[lane_width];
    for (int b = 0; b < lane_width; ++b) {
        const double t = b < g.count ? when[b] : inf;  // idle lanes see no shock
        onset[b] = std::isfinite(t) ? g.plan.first_index_at_least(t) : g.plan.n + 1;
    }
    FABRISK_LANES_LOAD(shock.onset, onset);
    doubles v;
    FABRISK_LANES_LOAD(v, severity);
    shock.kept = 1.0 - v;
}

/// α_k of an exposed fab at grid step k.
HWY_INLINE void exposed_share(const shock_lanes& shock, int k, doubles& alpha) {
    const doubles one = doubles{} + 1.0;
    alpha = double(k) >= shock.onset ? shock.kept : one;
}

/// Whether the shock struck by the deadline (the geo_shock output of docs/model.md §5.1).
inline double struck_by_deadline(const lane_group& g, Eigen::Index lane) {
    return at_most(g.ws.shock_time[g.first + lane], g.plan.deadline) ? 1.0 : 0.0;
}

}  // namespace fabrisk::buildout::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
