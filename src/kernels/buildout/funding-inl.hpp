/// \file kernels/buildout/funding-inl.hpp
/// Steps 2 and 3 of a trial (docs/model.md §4.3–4.4), per target, for a vector of trials:
/// each fab's funding in plan order, and its completion.
///
/// A never falls, so fab f breaks ground at φ_f = max(κ_f, s_f's grid index, φ_{f−1}), κ_f
/// the number of grid points with A(t_k) < X_f (within tolerance), found by a branch-free
/// binary search in every lane at once; φ = n + 1 means unfunded, and so is every later fab.
#include <algorithm>
#include <cstdint>
#include <limits>

#include "kernels/buildout/lane_group-inl.hpp"

#if defined(FABRISK_KERNELS_BUILDOUT_FUNDING_INL_) == defined(HWY_TARGET_TOGGLE)
#ifdef FABRISK_KERNELS_BUILDOUT_FUNDING_INL_
#undef FABRISK_KERNELS_BUILDOUT_FUNDING_INL_
#else
#define FABRISK_KERNELS_BUILDOUT_FUNDING_INL_
#endif

HWY_BEFORE_NAMESPACE();
namespace fabrisk::buildout::HWY_NAMESPACE {

/// What funding settles in each lane, besides the completion times.
struct funding_counts {
    doubles funded{};     ///< fabs funded by T_d
    doubles completed{};  ///< fabs complete by T_d
    doubles delay_sum{};  ///< Σ δ_f over all fabs
};

/// c_f = φ_f + B_f + δ_f (+inf when unfunded) into ws.completion, [fab][lane], from A(t_k)
/// in ws.available; the counts into `counts`.
inline void fund_and_complete(lane_group& g, funding_counts& counts) {
    const detail::trial_plan& plan = g.plan;
    model::workspace& ws = g.ws;
    const std::int64_t last = plan.n;
    const std::size_t fabs = plan.fab_count();
    const double inf = std::numeric_limits<double>::infinity(), m = plan.m;
    const doubles zero{}, one = zero + 1.0;
    const ints zero_ints{};
    ints lane_index;
    lanes::iota(lane_index);
    const double* const A = ws.available.data();
    int top = 1;
    while (2 * top <= plan.n + 1) top *= 2;
    // The search's first four levels probe the same fifteen grid points in every lane; with
    // 16·S > n they span the grid. (Three levels and seven points, a gather level more, cost
    // 15 ns a trial more; five and 31 points cost more again.)
    const int coarse = top >= 8 ? top / 8 : 1;
    const int coarse_points = static_cast<int>(std::min<std::int64_t>(15, (last + 1) / coarse));  // S·j − 1 ≤ n
    doubles cumulative{};
    // Every fab's search at once, level by level: each level is one independent gather per
    // fab, so their latencies overlap; between levels a search's state waits in the workspace.
    double* const completion = ws.completion.data();
    double* const needed = completion;  // X_f less the tolerance, until c_f replaces it
    std::int64_t* const below_all = ws.below.data();
    double* const delays = ws.delays.data();
    for (std::size_t f = 0; f < fabs; ++f) {
        const auto col = static_cast<Eigen::Index>(f);
        doubles overrun, delay;
        FABRISK_LANES_LOAD(overrun, g.column(ws.overrun, col, 1.0));
        FABRISK_LANES_LOAD(delay, g.column(ws.delay, col, 0.0));
        FABRISK_LANES_STORE(delays + f * lane_width, delay);
        counts.delay_sum += delay;
        cumulative += plan.fab_capex[f] * overrun;  // X_f = K_1 + … + K_f
        // A(t_k) ≥ X_f within tolerance: s·C(t_k) ≥ X_f − 1e-9·max(1, |X_f|).
        const doubles magnitude = cumulative < 0 ? -cumulative : cumulative;
        const doubles need = cumulative - 1e-9 * (magnitude > 1 ? magnitude : one);
        FABRISK_LANES_STORE(needed + f * lane_width, need);
        // The coarse levels are a count over the points S·j − 1 (plain loads); the rest
        // refines within S points by gathers.
        ints below{};
        const double* probe = A + (coarse - 1) * lane_width;
        for (int i = 0; i < coarse_points; ++i, probe += coarse * lane_width) {
            doubles a;
            FABRISK_LANES_LOAD(a, probe);
            lanes::add_where(below, lanes::not_at_least(a, need), coarse);  // monotone: the points below are the first ones
        }
        FABRISK_LANES_STORE(below_all + f * lane_width, below);
    }
    for (int step = coarse / 2; step >= 1; step /= 2) {
        for (std::size_t f = 0; f < fabs; ++f) {
            doubles need;
            ints below;
            FABRISK_LANES_LOAD(need, needed + f * lane_width);
            FABRISK_LANES_LOAD(below, below_all + f * lane_width);
            const ints probe = below + (step - 1);
            const ints inside = probe <= last;
            const ints at = ((inside ? probe : zero_ints + last) << lanes::count_shift) + lane_index;  // ·lane_width, as a shift
            doubles a;
            lanes::gather(A, at, a);
            below += inside & ~(a >= need) & step;  // NaN needs (an overflowed X_f) are never met
            FABRISK_LANES_STORE(below_all + f * lane_width, below);
        }
    }
    ints phi{};
    for (std::size_t f = 0; f < fabs; ++f) {
        ints below;
        doubles delay;
        FABRISK_LANES_LOAD(below, below_all + f * lane_width);
        FABRISK_LANES_LOAD(delay, delays + f * lane_width);
        ints k = below > plan.fab_start_index[f] ? below : plan.fab_start_index[f];
        k = k > phi ? k : phi;
        phi = k;
        const ints is_funded = k <= last;
        const doubles t = __builtin_convertvector(k, doubles) / m;  // t_k = k/m, as on the grid
        const doubles c = is_funded ? t + plan.fab_build[f] + delay : zero + inf;
        counts.funded += (is_funded & (t <= plan.deadline_limit)) ? one : zero;  // at_most(φ, T_d)
        counts.completed += c <= plan.deadline_limit ? one : zero;              // c may be +inf, never ≤
        FABRISK_LANES_STORE(completion + f * lane_width, c);
    }
}

}  // namespace fabrisk::buildout::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
