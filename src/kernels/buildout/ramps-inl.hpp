/// \file kernels/buildout/ramps-inl.hpp
/// Step 4 of a trial (docs/model.md §4.5), per target, for a vector of trials: each fab's ramp
/// ρ_f(t) = clamp((t − c_f)/R, 0, 1) and the plan's ρ⁰_f, entered into the five sums of ramps
/// the grid phase walks (detail::ramp_sum; ramp_sums-inl.hpp). In grid units a ramp is the
/// line of slope w/(R·m) from a = c·m to e = a + R·m: two paired updates per sum, whatever R.
#include <algorithm>
#include <cstdint>
#include <limits>

#include "kernels/buildout/lane_group-inl.hpp"
#include "kernels/ramp_sums-inl.hpp"

#if defined(FABRISK_KERNELS_BUILDOUT_RAMPS_INL_) == defined(HWY_TARGET_TOGGLE)
#ifdef FABRISK_KERNELS_BUILDOUT_RAMPS_INL_
#undef FABRISK_KERNELS_BUILDOUT_RAMPS_INL_
#else
#define FABRISK_KERNELS_BUILDOUT_RAMPS_INL_
#endif

HWY_BEFORE_NAMESPACE();
namespace fabrisk::buildout::HWY_NAMESPACE {

/// Doubles between the five ramp sums' rows: n rows and a spare, padded by 192 bytes so the
/// sums stay off the same 4 KiB offsets, where the CPU would mistake their stores and loads
/// for dependent ones; even, so every (A, B) pair stays in one 16-byte slot.
inline Eigen::Index ramp_sum_stride(int n) { return n * ::fabrisk::HWY_NAMESPACE::ramp_sums::row + 24; }

/// Where sum `which` starts in ws.ramps.
inline Eigen::Index ramp_sum_offset(detail::ramp_sum which, int n) { return static_cast<int>(which) * ramp_sum_stride(n); }

/// The updates of one lane's ramp too short to draw as a line (R·m below 1e-6 of a step,
/// including R = 0: a step function), appended at `next`: a rise of w·x from step k on is
/// −w·x on the B difference of step k, whose slot is at offset at1 (weight w1) and at2
/// (weight w2, unless at2 is negative), successive steps `stride` apart.
inline void add_step_ramp(const detail::trial_plan& plan, double c, double R, double w1, double w2, Eigen::Index at1,
                          Eigen::Index at2, Eigen::Index stride, detail::ramp_update*& next) {
    const int n = plan.n;
    auto jump = [&](int k, double x) {  // the value rises by x·w from step k on
        if (k < n) {
            *next++ = {at1 + k * stride, -w1 * x};
            if (at2 >= 0) *next++ = {at2 + k * stride, -w2 * x};
        }
    };
    if (!(c < plan.grid_times[static_cast<std::size_t>(n)])) return;  // no step sees it
    if (R == 0) {
        jump(plan.first_index_at_least(c), 1.0);  // ρ = 1 once t_k ≥ c (within tolerance)
    } else {
        // Only the first grid time past c can be partial, at (t_k − c)/R; full output from the
        // next one.
        const double* t = plan.grid_times.data();
        int k = std::max(0, static_cast<int>(c * plan.m) - 1);
        while (k < n && !(t[k] > c)) ++k;
        const double rho = std::min(1.0, (t[k] - c) / R);
        jump(k, rho);
        jump(k + 1, 1 - rho);
    }
}

/// The lanes' ramp length R, and how each lane's ramps are drawn: a clamped line of R·m
/// steps or, below 1e-6 of a step, a step function added by add_step_ramp one lane at a time.
class ramp_lines {
public:
    explicit ramp_lines(lane_group& g)
        : g_(g), R_(g.scalar(scalar_input::ramp_years, 1.0)), n_(g.plan.n), m_(g.plan.m),
          t_n_(g.plan.grid_times[static_cast<std::size_t>(g.plan.n)]) {
        FABRISK_LANES_LOAD(slot_offset_, ::fabrisk::HWY_NAMESPACE::ramp_sums::slot_offsets);
        doubles ramp_years;
        FABRISK_LANES_LOAD(ramp_years, R_);
        const doubles zero{}, one = zero + 1.0;
        Rm_ = ramp_years * m_;
        line_ = Rm_ >= 1e-6;
        inv_Rm_ = line_ ? one / Rm_ : zero;
        all_lines_ = !lanes::any(~line_);
    }

    /// Adds w1·ρ (for a completion time c in each lane) to sum `first`, and w2·ρ to `second`
    /// unless it is null.
    HWY_INLINE void add(const double* c_lanes, double w1, double w2, detail::ramp_sum first, const detail::ramp_sum* second) {
        namespace ramp_sums = ::fabrisk::HWY_NAMESPACE::ramp_sums;
        const doubles zero{};
        const ints zero_ints{};
        const std::int64_t last = n_;  // row n is a spare that takes the updates no step sees
        double* const ramps = g_.ws.ramps.data();
        const Eigen::Index sum1 = ramp_sum_offset(first, n_), sum2 = second ? ramp_sum_offset(*second, n_) : -1;
        doubles c;
        FABRISK_LANES_LOAD(c, c_lanes);
        const ints seen = (c < t_n_) & line_;  // some step sees it (c may be +inf)
        const doubles a = seen ? c * m_ : zero, e = a + Rm_;
        const ints ends = seen & (e < n_);
        const doubles e_in = ends ? e : zero;
        // ⌊x⌋ + 1 for 0 ≤ x ≤ n (truncation is exact there).
        const ints ka = __builtin_convertvector(a, ints) + 1, ke = __builtin_convertvector(e_in, ints) + 1;
        const ints at_start = (((seen & (ka < last)) ? ka : zero_ints + last) << ramp_sums::row_shift) + slot_offset_;
        const ints at_end = (((ends & (ke < last)) ? ke : zero_ints + last) << ramp_sums::row_shift) + slot_offset_;
        auto add_line = [&](double w, Eigen::Index sum) {
            const doubles slope = w * inv_Rm_, minus = -slope;
            ramp_sums::add(ramps + sum, at_start, slope, slope * a);
            ramp_sums::add(ramps + sum, at_end, minus, minus * e_in);
        };
        add_line(w1, sum1);
        if (sum2 >= 0) add_line(w2, sum2);
        if (all_lines_) return;
        for (int b = 0; b < lane_width; ++b) {
            if (line_[b] != 0 || !(c[b] < t_n_)) continue;
            detail::ramp_update* next = g_.ws.scatter.data();
            add_step_ramp(g_.plan, c[b], R_[b], w1, w2, sum1 + slot_offset_[b] + 1, sum2 < 0 ? sum2 : sum2 + slot_offset_[b] + 1,
                          ramp_sums::row, next);
            for (const detail::ramp_update* u = g_.ws.scatter.data(); u != next; ++u) ramps[u->at] += u->value;
        }
    }

private:
    lane_group& g_;
    const double* R_;  // each lane's R
    int n_;
    double m_, t_n_;
    ints slot_offset_, line_;
    doubles Rm_, inv_Rm_;
    bool all_lines_;
};

/// Every fab's ramp from its completion time in ws.completion into the capacity sum of its
/// exposure (and the staff sum, unless every fab shares one staff ratio: then Q is that ratio
/// times N), and the plan's ramps into planned capacity. Idle lanes plan nothing.
inline void add_ramps(lane_group& g) {
    using detail::ramp_sum;
    const detail::trial_plan& plan = g.plan;
    ramp_lines lines(g);
    const double* const completion = g.ws.completion.data();
    const bool staff_sums = plan.staff_ratio == 0;
    static constexpr ramp_sum staff_kept = ramp_sum::staff_kept, staff_exposed = ramp_sum::staff_exposed;
    for (std::size_t f = 0; f < plan.fab_count(); ++f) {
        if (plan.fab_exposed[f])
            lines.add(completion + f * lane_width, plan.fab_wafers[f], plan.fab_staff[f], ramp_sum::capacity_exposed,
                      staff_sums ? &staff_exposed : nullptr);
        else
            lines.add(completion + f * lane_width, plan.fab_wafers[f], plan.fab_staff[f], ramp_sum::capacity_kept,
                      staff_sums ? &staff_kept : nullptr);
    }
    alignas(64) double c_lanes[lane_width];
    const double inf = std::numeric_limits<double>::infinity();
    for (std::size_t p = 0; p < plan.planned_completion.size(); ++p) {
        for (int b = 0; b < lane_width; ++b) c_lanes[b] = b < g.count ? plan.planned_completion[p] : inf;
        lines.add(c_lanes, plan.planned_wafers[p], 0.0, ramp_sum::planned_capacity, nullptr);
    }
    double* const ramps = g.ws.ramps.data();
    constexpr std::int64_t row = ::fabrisk::HWY_NAMESPACE::ramp_sums::row;
    for (int q = 0; q < detail::ramp_sum_count; ++q)
        for (int b = 0; b < 2 * lane_width; ++b) ramps[q * ramp_sum_stride(plan.n) + plan.n * row + b] = 0;  // the spare row
}

}  // namespace fabrisk::buildout::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
