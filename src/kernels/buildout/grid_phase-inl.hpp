/// \file kernels/buildout/grid_phase-inl.hpp
/// Steps 6–10 of a trial (docs/model.md §4.7), per target, for a vector of trials: the grid
/// loop. Each step rebuilds capacity, staff needed and planned capacity from the ramp sums
/// (step 6), then staffing and scale (7), the compute made (8), the cost decline (9) and the
/// workforce (10). Every per-lane quantity is one lanes::doubles value, kept in registers
/// across the steps.
#include <cmath>
#include <limits>

#include "kernels/buildout/lane_group-inl.hpp"
#include "kernels/buildout/ramps-inl.hpp"
#include "kernels/buildout/shock-inl.hpp"
#include "kernels/ramp_sums-inl.hpp"
#include "kernels/vector_math-inl.hpp"

#if defined(FABRISK_KERNELS_BUILDOUT_GRID_PHASE_INL_) == defined(HWY_TARGET_TOGGLE)
#ifdef FABRISK_KERNELS_BUILDOUT_GRID_PHASE_INL_
#undef FABRISK_KERNELS_BUILDOUT_GRID_PHASE_INL_
#else
#define FABRISK_KERNELS_BUILDOUT_GRID_PHASE_INL_
#endif

HWY_BEFORE_NAMESPACE();
namespace fabrisk::buildout::HWY_NAMESPACE {

/// What the grid loop leaves besides F_k (in ws.added).
struct grid_results {
    doubles staffing_at_deadline;  ///< σ of the last step before T_d
    doubles growth_at_deadline;    ///< G after the last step before T_d
};

/// The growth factor x^(−Δ) of x = 1 − r_k, in place. With m = 2^j steps a year it is
/// 1/√…√x (j square roots, each correctly rounded), far cheaper than exp(−Δ·ln x).
class step_growth {
public:
    explicit step_growth(int m) : delta_(1.0 / m) {
        for (int j = 0; j <= 6; ++j)
            if (m == 1 << j) roots_ = j;
    }
    /// −1 unless m = 2^roots.
    int roots() const { return roots_; }
    HWY_INLINE void operator()(doubles& x) const {
        namespace vector_math = ::fabrisk::HWY_NAMESPACE::vector_math;
        if (roots_ >= 0) {
            for (int j = 0; j < roots_; ++j) lanes::sqrt(x, x);
            x = 1.0 / x;
        } else {
            vector_math::log_lanes(x, x);
            x *= -delta_;
            vector_math::exp_lanes(x, x);
        }
    }

private:
    double delta_;
    int roots_ = -1;
};

/// Plays steps k = 0 … n − 1 of the lanes, reading the ramp sums that add_ramps filled (and
/// zeroing their rows behind, for the next vector of trials).
inline void play_grid(lane_group& g, const shock_lanes& shock, grid_results& results) {
    namespace ramp_sums = ::fabrisk::HWY_NAMESPACE::ramp_sums;
    namespace vector_math = ::fabrisk::HWY_NAMESPACE::vector_math;
    using detail::ramp_sum;
    const detail::trial_plan& plan = g.plan;
    const int n = plan.n;
    const double delta = 1.0 / plan.m;
    const doubles zero{}, one = zero + 1.0;

    // The lanes' inputs; idle lanes play harmless ones.
    doubles W, h, attrition, r, kappa, yield, flops;
    FABRISK_LANES_LOAD(W, g.scalar(scalar_input::initial_workforce, 0.0));
    FABRISK_LANES_LOAD(h, g.scalar(scalar_input::hiring_per_year, 0.0));
    FABRISK_LANES_LOAD(attrition, g.scalar(scalar_input::attrition_per_year, 0.0));
    FABRISK_LANES_LOAD(r, g.scalar(scalar_input::cost_decline, 0.0));
    FABRISK_LANES_LOAD(kappa, g.scalar(scalar_input::scale_elasticity, 0.0));
    FABRISK_LANES_LOAD(yield, g.scalar(scalar_input::yield, 0.0));
    FABRISK_LANES_LOAD(flops, g.scalar(scalar_input::flops_per_die, 0.0));
    // 12·Δ·D·Y·p₀: FLOP/s made per wafer-month of capacity in a step, before G.
    const doubles per_step = 12.0 / plan.m * g.s.dies_per_wafer * yield * flops;
    bool elasticity_one = true, elasticity_zero = true;
    for (Eigen::Index lane = 0; lane < g.count; ++lane) {
        elasticity_one = elasticity_one && kappa[lane] == 1;
        elasticity_zero = elasticity_zero && kappa[lane] == 0;
    }
    const step_growth growth(plan.m);
    const int roots = growth.roots();
    doubles full_growth = one - r;
    growth(full_growth);

    // The ramp sums are walked up the grid (ramp_sums-inl.hpp), their rows zeroed behind for
    // the next vector of trials; rounding residues are never allowed below zero. With a shared
    // staff ratio the staff sums stay zero and Q = ratio·N, so they are skipped.
    const double wafer_unit = plan.wafer_unit, staff_unit = plan.staff_unit, staff_ratio = plan.staff_ratio;
    const bool staff_sums = plan.staff_ratio == 0;
    // W/c as W·per_staff, where c = staff_unit·ratio; a subnormal c (whose reciprocal
    // overflows, so W = 0 would give 0·inf) divides each step as in the general case.
    const double per_staff = staff_sums ? 0.0 : 1.0 / (staff_unit * staff_ratio);
    const bool divide_each_step = staff_sums || !std::isfinite(per_staff);
    ramp_sums::running capacity_kept_sum, capacity_exposed_sum, staff_kept_sum, staff_exposed_sum, planned_sum;
    auto walk = [&](ramp_sums::running& sum, ramp_sum which, double* row, int k, doubles& value) {
        sum.step(row + ramp_sum_offset(which, n), double(k), value);
        value = value > 0 ? value : zero;
    };
    doubles capacity_kept{}, capacity_exposed{}, staff_kept{}, staff_exposed{}, planned{};
    doubles G = one;
    results.staffing_at_deadline = results.growth_at_deadline = one;
    double* const F_all = g.ws.added.data();
    for (int k = 0; k < n; ++k) {
        double* const row = g.ws.ramps.data() + k * ramp_sums::row;
        // 6. Capacity N = Σ o_f·M_f, staff needed Q = Σ o_f·S_f, planned capacity N⁰, in units
        //    (the scales cancel in λ), with o_f = ρ_f·α_f: the shock scales the exposed sums.
        walk(capacity_kept_sum, ramp_sum::capacity_kept, row, k, capacity_kept);
        walk(capacity_exposed_sum, ramp_sum::capacity_exposed, row, k, capacity_exposed);
        if (staff_sums) {
            walk(staff_kept_sum, ramp_sum::staff_kept, row, k, staff_kept);
            walk(staff_exposed_sum, ramp_sum::staff_exposed, row, k, staff_exposed);
        }
        walk(planned_sum, ramp_sum::planned_capacity, row, k, planned);
        doubles alpha;
        exposed_share(shock, k, alpha);
        const doubles N = capacity_kept + alpha * capacity_exposed, N0 = planned;
        const doubles Q = staff_unit * (staff_ratio * N + (staff_kept + alpha * staff_exposed));
        // 7. σ = min(1, W/Q) (1 when Q = 0), as std::min does it, so a NaN ratio (inf/inf)
        //    counts as 1. With one staff ratio c, Q = c·N and σ·N = min(N, W/c): no division
        //    per step (the divider is the grid phase's bottleneck), and σ itself only at the
        //    deadline.
        auto staffing = [&](doubles& sigma) {
            sigma = W / (Q == 0 ? one : Q);
            sigma = ((Q == 0) | !(sigma < 1.0)) ? one : sigma;
        };
        doubles made;  // σ·N, zero whenever σ·N is
        if (divide_each_step) {
            doubles sigma;
            staffing(sigma);
            made = sigma * N * wafer_unit;
            if (k == plan.deadline_index - 1) results.staffing_at_deadline = sigma;
        } else {
            made = (W < Q ? W * per_staff : N) * wafer_unit;
            if (k == plan.deadline_index - 1) staffing(results.staffing_at_deadline);
        }
        // 10. W ← max(0, W + Δ·(h − a·W)); the new W is first used in step k + 1.
        const doubles w = W + delta * (h - attrition * W);
        W = w > 0 ? w : zero;
        // 9. r_k = r·λ^κ (λ^0 = 1, also for λ = 0); growth (1 − r_k)^(−Δ). When every lane is
        //    at planned scale (λ = 1, e.g. before any planned fab is done) the growth is each
        //    lane's constant (1 − r)^(−Δ). λ = min(1, N/N⁰) is below 1 only when N < N⁰ (λ = 1
        //    when N⁰ = 0, or for a NaN ratio as std::min gives it).
        const ints short_of_plan = (N0 != 0) & (N < N0);
        doubles rate;
        if (!lanes::any(short_of_plan)) {
            rate = full_growth;
        } else if (elasticity_one && roots == 0) {
            // (1 − r·N/N⁰)^(−1) = N⁰/(N⁰ − r·N): one division where λ and the reciprocal took two.
            rate = short_of_plan ? N0 / (N0 - r * N) : full_growth;
        } else if (elasticity_one && roots > 0) {
            // (1 − r·N/N⁰)^(−Δ), Δ = 2^−roots, by Newton's method rather than square roots
            // (lanes-inl.hpp): one division, and y = 1 − r·λ lies in [1 − r, 1], far from 0.
            const doubles y = short_of_plan ? (N0 - r * N) / N0 : one;
            lanes::inverse_root_pow2(y, roots, rate);
            rate = short_of_plan ? rate : full_growth;
        } else {
            rate = N / (N0 == 0 ? one : N0);
            rate = ((N0 == 0) | !(rate < 1.0)) ? one : rate;
            if (elasticity_one) {
                rate *= r;
            } else if (elasticity_zero) {
                rate = r;
            } else {
                doubles power = rate;
                vector_math::log_lanes(power, power);
                power *= kappa;
                vector_math::exp_lanes(power, power);
                rate = kappa == 0 ? r : rate > 0 ? r * power : zero;
            }
            rate = 1.0 - rate;
            growth(rate);
        }
        // 8. F_k = 12·Δ·σ·N·D·Y·p₀·G; nothing operating makes nothing, even when the factor overflows.
        const doubles F = made == 0 ? zero : per_step * made * G;
        FABRISK_LANES_STORE(F_all + k * lane_width, F);
        G *= rate;
        if (k == plan.deadline_index - 1) results.growth_at_deadline = G;
    }
}

}  // namespace fabrisk::buildout::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
