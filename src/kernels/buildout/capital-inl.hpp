/// \file kernels/buildout/capital-inl.hpp
/// Step 1 of a trial (docs/model.md §4.2), per target, for a vector of trials: capital raised
/// on the grid, C(t_k) = Σ_i P_i·clamp((min(t_k, τ_i) − b_i)/d_i, 0, 1), and the money
/// available for fabs, A(t_k) = s·C(t_k).
///
/// In grid units a pledge is a line (ramp_sums-inl.hpp) of slope P_i/(d_i·m) from b_i·m to
/// where it is paid in full or the investor drops out, clamp(τ_i·m, b_i·m, (b_i + d_i)·m): two
/// updates per investor and one pass over the grid, not investors × steps.
#include <cstdint>
#include <limits>

#include "kernels/buildout/lane_group-inl.hpp"
#include "kernels/ramp_sums-inl.hpp"

#if defined(FABRISK_KERNELS_BUILDOUT_CAPITAL_INL_) == defined(HWY_TARGET_TOGGLE)
#ifdef FABRISK_KERNELS_BUILDOUT_CAPITAL_INL_
#undef FABRISK_KERNELS_BUILDOUT_CAPITAL_INL_
#else
#define FABRISK_KERNELS_BUILDOUT_CAPITAL_INL_
#endif

HWY_BEFORE_NAMESPACE();
namespace fabrisk::buildout::HWY_NAMESPACE {

/// C(t_k) into ws.capital and A(t_k) into ws.available, [k][lane], k = 0 … n.
inline void raise_capital(lane_group& g) {
    namespace ramp_sums = ::fabrisk::HWY_NAMESPACE::ramp_sums;
    const detail::trial_plan& plan = g.plan;
    model::workspace& ws = g.ws;
    const std::int64_t last = plan.n;  // t_n; row n + 1 of the pledges' sum takes the updates past it
    const std::size_t investors = g.s.investors.size();
    const double inf = std::numeric_limits<double>::infinity(), m = plan.m;
    const doubles zero{}, one = zero + 1.0;
    const ints zero_ints{};
    constexpr std::int64_t row = ramp_sums::row;
    ints slot_offset;
    FABRISK_LANES_LOAD(slot_offset, ramp_sums::slot_offsets);
    double* const C = ws.capital.data();
    double* const pledge_rows = ws.pledge_rows.data();
    double* const terms = ws.investor_lanes.data();  // [investor][cap, pledge][lane]
    const std::int64_t pledge_spare = last + 1;
    for (std::size_t i = 0; i < investors; ++i) {
        const auto col = static_cast<Eigen::Index>(i);
        const investor& iv = g.s.investors[i];
        doubles tau, pledge;
        FABRISK_LANES_LOAD(tau, g.column(ws.investor_tau, col, inf));
        FABRISK_LANES_LOAD(pledge, g.column(ws.investor_pledge, col, 0.0));
        const double begin = iv.disburse_start * m, paid = begin + iv.disburse_years * m;
        const doubles x = tau * m;
        const doubles end = x > begin ? (x < paid ? x : zero + paid) : zero + begin;
        const ints end_seen = end < plan.n;
        const doubles end_in = end_seen ? end : zero;
        const ints at_end =
            ((end_seen ? __builtin_convertvector(end_in, ints) + 1 : zero_ints + pledge_spare) << ramp_sums::row_shift) +
            slot_offset;
        const std::int64_t k_begin = begin < plan.n ? static_cast<std::int64_t>(begin) + 1 : pledge_spare;
        const doubles slope = pledge * (1.0 / (iv.disburse_years * m)), minus = -slope;
        ramp_sums::add(pledge_rows, k_begin * row + slot_offset, slope, slope * begin);
        ramp_sums::add(pledge_rows, at_end, minus, minus * end_in);
        // For the direct sum below: the share paid by τ_i, clamp((τ_i − b_i)/d_i, 0, 1).
        const doubles y = (tau - iv.disburse_start) * (1.0 / iv.disburse_years);
        const doubles cap = y > 0 ? (y < 1 ? y : one) : zero;
        FABRISK_LANES_STORE(terms + 2 * i * lane_width, cap);
        FABRISK_LANES_STORE(terms + (2 * i + 1) * lane_width, pledge);
    }
    // C never falls in k (pledges are non-negative), so rounding residues are held to the last
    // value. A pledge that overflowed makes inf − inf; such lanes sum each grid time directly,
    // where nothing disbursed is nothing, even from an infinite pledge.
    ramp_sums::running raised;
    doubles before = zero;
    ints broken{};
    for (std::int64_t k = 0; k <= last; ++k) {
        doubles c;
        raised.step(pledge_rows + k * row, double(k), c);
        broken |= ~(c - c == 0);  // NaN or ±inf
        c = c > before ? c : before;
        FABRISK_LANES_STORE(C + k * lane_width, c);
        before = c;
    }
    for (int b = 0; b < static_cast<int>(row); ++b) pledge_rows[pledge_spare * row + b] = 0;
    // Since clamping and rounding are monotone, the share paid by t_k is exactly
    // min(clamp((t_k − b_i)/d_i), clamp((τ_i − b_i)/d_i)): the first is the same in every
    // lane and tabulated once (plan.disbursed_share), the second is each lane's cap.
    const bool any_broken = lanes::any(broken);
    for (std::int64_t k = 0; any_broken && k <= last; ++k) {
        const double* const scheduled = plan.disbursed_share.data() + k * static_cast<std::int64_t>(investors);
        doubles c = zero;
        for (std::size_t i = 0; i < investors; ++i) {
            doubles cap, pledge;
            FABRISK_LANES_LOAD(cap, terms + 2 * i * lane_width);
            FABRISK_LANES_LOAD(pledge, terms + (2 * i + 1) * lane_width);
            const doubles share_in = scheduled[i] < cap ? zero + scheduled[i] : cap;
            c += share_in == 0 ? zero : pledge * share_in;
        }
        doubles from_lines;
        FABRISK_LANES_LOAD(from_lines, C + k * lane_width);
        c = broken ? c : from_lines;
        FABRISK_LANES_STORE(C + k * lane_width, c);
    }

    // A(t_k) = s·C(t_k), which never falls in k (pledges are non-negative and rounding is
    // monotone); a zero share puts nothing aside, even from an infinite C.
    doubles share;
    FABRISK_LANES_LOAD(share, g.scalar(scalar_input::fab_capital_share, 1.0));
    double* const A = ws.available.data();
    for (std::int64_t k = 0; k <= last; ++k) {
        doubles c;
        FABRISK_LANES_LOAD(c, C + k * lane_width);
        const doubles a = share == 0 ? zero : share * c;
        FABRISK_LANES_STORE(A + k * lane_width, a);
    }
}

}  // namespace fabrisk::buildout::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
