/// \file kernels/buildout/outputs-inl.hpp
/// Step 11 of a trial (docs/model.md §4.8) and the outputs (§5.1), per target, for a vector of
/// trials: installed compute at the deadline, the first grid time it reaches the target, the
/// realised cost decline, and all ten outputs written to the block.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/buildout/funding-inl.hpp"
#include "kernels/buildout/grid_phase-inl.hpp"
#include "kernels/buildout/lane_group-inl.hpp"
#include "kernels/buildout/shock-inl.hpp"
#include "kernels/vector_math-inl.hpp"

#if defined(FABRISK_KERNELS_BUILDOUT_OUTPUTS_INL_) == defined(HWY_TARGET_TOGGLE)
#ifdef FABRISK_KERNELS_BUILDOUT_OUTPUTS_INL_
#undef FABRISK_KERNELS_BUILDOUT_OUTPUTS_INL_
#else
#define FABRISK_KERNELS_BUILDOUT_OUTPUTS_INL_
#endif

HWY_BEFORE_NAMESPACE();
namespace fabrisk::buildout::HWY_NAMESPACE {

/// target_year of one lane, summing every window afresh (the careful path near the target):
/// the first t_j whose installed compute I_j reaches the target, +inf if none.
inline double exact_target_year(const lane_group& g, Eigen::Index lane) {
    const detail::trial_plan& plan = g.plan;
    const double* const added = g.ws.added.data();
    const int life = plan.lifetime_steps;
    const double target = g.s.target_flops;
    auto window_sum = [&](int j) {
        double sum = 0;
        for (int q = std::max(0, j - life); q <= j - 1; ++q) sum += added[q * lane_width + lane];
        return sum;
    };
    double running = 0;
    for (int j = 1; j <= plan.n; ++j) {
        running += added[(j - 1) * lane_width + lane];
        if (j - 1 - life >= 0) running -= added[(j - 1 - life) * lane_width + lane];
        const bool near = std::fabs(running - target) <= 1e-6 * target;
        if (at_least(near ? window_sum(j) : running, target)) return g.s.time.start_year + double(j) / plan.m;
    }
    return std::numeric_limits<double>::infinity();
}

/// I_j = Σ F_k over the last ℓ·m steps: at the deadline, and the first year it reaches the
/// target; then every output of the lanes into rows first … first + count − 1 of `out`.
inline void write_outputs(lane_group& g, const funding_counts& funding, const grid_results& grid,
                          Eigen::Ref<Eigen::ArrayXXd> out) {
    namespace vector_math = ::fabrisk::HWY_NAMESPACE::vector_math;
    const detail::trial_plan& plan = g.plan;
    const doubles zero{}, one = zero + 1.0;
    const double inf = std::numeric_limits<double>::infinity();
    // A running window sum finds the first crossing; lanes that come near the target before it
    // are redone by summing every window afresh (exact_target_year), so rounding cannot decide.
    const int life = plan.lifetime_steps;
    const double target = g.s.target_flops, target_low = target - comparison_tolerance(target);
    const double* const added = g.ws.added.data();
    doubles running = zero, year = zero + inf, careful = zero, installed = zero;
    for (int j = 1; j <= plan.n; ++j) {
        doubles in;
        FABRISK_LANES_LOAD(in, added + (j - 1) * lane_width);
        running += in;
        if (j - 1 - life >= 0) {
            doubles gone;
            FABRISK_LANES_LOAD(gone, added + (j - 1 - life) * lane_width);
            running -= gone;
        }
        const double when = g.s.time.start_year + plan.grid_times[static_cast<std::size_t>(j)];  // t_j = j/m
        const ints open = year == inf;
        const doubles gap = running - target;
        careful = (open & ((gap < 0 ? -gap : gap) <= 1e-6 * target)) ? one : careful;
        year = (open & (running >= target_low)) ? zero + when : year;
    }
    for (int q = std::max(0, plan.deadline_index - life); q <= plan.deadline_index - 1; ++q) {
        doubles in;
        FABRISK_LANES_LOAD(in, added + q * lane_width);
        installed += in;
    }
    // The realised cost decline, 1 − G(T_d)^(−1/T_d): the constant yearly rate with the same G.
    doubles decline = grid.growth_at_deadline;
    vector_math::log_lanes(decline, decline);
    decline *= -1.0 / plan.deadline;
    vector_math::exp_lanes(decline, decline);
    decline = 1.0 - decline;

    const double* const C = g.ws.capital.data();
    const double fabs = double(plan.fab_count());
    auto put = [&](Eigen::Index b, output o, double value) { out(b, static_cast<Eigen::Index>(o)) = value; };
    for (Eigen::Index lane = 0; lane < g.count; ++lane) {
        const Eigen::Index b = g.first + lane;
        put(b, output::installed_flops, installed[lane]);
        put(b, output::target_met, at_least(installed[lane], target) ? 1.0 : 0.0);
        put(b, output::target_year, careful[lane] != 0 ? exact_target_year(g, lane) : year[lane]);
        put(b, output::capital_raised_busd, C[plan.deadline_index * lane_width + lane]);  // t_{j_d} = T_d exactly
        put(b, output::fabs_funded, funding.funded[lane]);
        put(b, output::fabs_completed, funding.completed[lane]);
        put(b, output::staffing_factor, grid.staffing_at_deadline[lane]);
        put(b, output::realized_cost_decline, decline[lane]);
        put(b, output::mean_fab_delay_years, fabs > 0 ? funding.delay_sum[lane] / fabs : 0.0);
        put(b, output::geo_shock, struck_by_deadline(g, lane));
    }
}

}  // namespace fabrisk::buildout::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
