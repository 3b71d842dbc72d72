/// \file kernels/buildout/inputs-inl.hpp
/// Drawing a block of trials' inputs (docs/model.md §3), per target, column by column
/// (structure of arrays): the scalar inputs through the engine's input_layout, the shock's time
/// (§3.5), each investor's drop-out time and pledge (§3.3), each fab's overrun and delay (§3.4).
#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/Core>

#include "fabrisk/buildout/model.hpp"
#include "fabrisk/uniform_columns.hpp"
#include "kernels/distribution-inl.hpp"
#include "kernels/normal-inl.hpp"

#if defined(FABRISK_KERNELS_BUILDOUT_INPUTS_INL_) == defined(HWY_TARGET_TOGGLE)
#ifdef FABRISK_KERNELS_BUILDOUT_INPUTS_INL_
#undef FABRISK_KERNELS_BUILDOUT_INPUTS_INL_
#else
#define FABRISK_KERNELS_BUILDOUT_INPUTS_INL_
#endif

HWY_BEFORE_NAMESPACE();
namespace fabrisk::buildout::HWY_NAMESPACE {

/// One value of `d` per fab (columns of `out`) from the one-factor normal scores
/// √ρ·common + √(1 − ρ)·own (docs/model.md §3.4), or independent draws when ρ = 0.
inline void draw_fab_factors(const uniform_columns& u, std::size_t fabs, const distribution& d, double rho,
                             const detail::factor_dims& dims, Eigen::ArrayXXd& out, model::workspace& ws) {
    using ::fabrisk::HWY_NAMESPACE::from_normal_scores;
    using ::fabrisk::HWY_NAMESPACE::inverse_normal_cdf;
    const Eigen::Index rows = u.rows();
    const auto entities = static_cast<Eigen::Index>(fabs);
    out.resize(rows, entities);
    if (is_fixed(d)) {
        for (Eigen::Index f = 0; f < entities; ++f)
            for (Eigen::Index b = 0; b < rows; ++b) out(b, f) = d.p0;
        return;
    }
    if (dims.common == detail::no_dimension) {  // ρ = 0: independent draws
        for (Eigen::Index f = 0; f < entities; ++f)
            ::fabrisk::HWY_NAMESPACE::quantiles(d, u.column(dims.first_own + static_cast<int>(f)), out.col(f).data(), rows);
        return;
    }
    ws.common_score.resize(rows);
    inverse_normal_cdf(u.column(dims.common), ws.common_score.data(), rows);
    ws.own_score.resize(rows);
    const double a = std::sqrt(rho), b = std::sqrt(1.0 - rho);
    const double* const common = ws.common_score.data();
    double* const score = ws.own_score.data();
    for (Eigen::Index f = 0; f < entities; ++f) {
        if (dims.first_own == detail::no_dimension) {
            for (Eigen::Index r = 0; r < rows; ++r) score[r] = a * common[r];
        } else {
            inverse_normal_cdf(u.column(dims.first_own + static_cast<int>(f)), score, rows);
            for (Eigen::Index r = 0; r < rows; ++r) score[r] = a * common[r] + b * score[r];
        }
        from_normal_scores(d, score, out.col(f).data(), rows);
    }
}

/// model::draw_inputs: ws.scalars (trials × 10, by scalar_input), ws.shock_time (+inf when no
/// shock), ws.investor_tau (+inf when the investor stays), ws.investor_pledge, ws.overrun and
/// ws.delay (trials × fabs, plan order). Plain loops, which g++ vectorises for the target.
inline void draw_inputs(const model& m, const uniform_columns& u, model::workspace& ws) {
    using ::fabrisk::HWY_NAMESPACE::inverse_normal_cdf;
    using ::fabrisk::HWY_NAMESPACE::quantiles;
    const scenario& s = m.spec();
    const detail::random_inputs& dims = m.random_inputs();
    const Eigen::Index rows = u.rows();
    auto fill = [&](double* to, double value) {
        for (Eigen::Index b = 0; b < rows; ++b) to[b] = value;
    };
    dims.layout.draw_scalars(u, ws.scalars, ws.scalar_scratch);  // §3.2

    // §3.5: the shock's time τ_g, +inf when it does not occur.
    ws.shock_time.resize(rows);
    const double inf = std::numeric_limits<double>::infinity();
    for (Eigen::Index b = 0; b < rows; ++b) {
        const bool occurs = s.shock_probability >= 1 ||
                            (dims.shock_occurs != detail::no_dimension && u(b, dims.shock_occurs) < s.shock_probability);
        ws.shock_time[b] = !occurs ? inf
                           : dims.shock_time == detail::no_dimension ? s.shock_time.p0
                                                                     : ::fabrisk::quantile(s.shock_time, u(b, dims.shock_time));
    }

    // §3.3: each investor's drop-out time τ_i (+inf when the investor stays) and pledge P_i.
    const auto investors = static_cast<Eigen::Index>(s.investors.size());
    ws.investor_tau.resize(rows, investors);
    ws.investor_pledge.resize(rows, investors);
    const double g = s.dropout_global, w = s.dropout_within_group;
    const double a_g = std::sqrt(g), a_w = std::sqrt(w), a_e = std::sqrt(std::max(0.0, 1.0 - g - w));
    if (dims.dropout_global != detail::no_dimension) {
        ws.common_score.resize(rows);
        inverse_normal_cdf(u.column(dims.dropout_global), ws.common_score.data(), rows);
        ws.group_score.resize(rows * static_cast<Eigen::Index>(dims.group_count));
        for (std::size_t grp = 0; grp < dims.group_count; ++grp)
            inverse_normal_cdf(u.column(dims.dropout_group_first + static_cast<int>(grp)),
                               ws.group_score.data() + static_cast<Eigen::Index>(grp) * rows, rows);
    }
    ws.own_score.resize(rows);
    for (Eigen::Index i = 0; i < investors; ++i) {
        const auto at = static_cast<std::size_t>(i);
        const investor& v = s.investors[at];
        const double q = v.dropout_probability;
        double* const tau = ws.investor_tau.col(i).data();
        if (q <= 0) {
            fill(tau, inf);
        } else {
            if (dims.dropout_time[at] != detail::no_dimension)
                quantiles(s.dropout_time, u.column(dims.dropout_time[at]), tau, rows);
            else
                fill(tau, s.dropout_time.p0);
            if (q < 1) {
                // The investor drops out iff its score √g·global + √w·group + √(1 − g − w)·own < Φ⁻¹(q).
                inverse_normal_cdf(u.column(dims.dropout_own_first + static_cast<int>(i)), ws.own_score.data(), rows);
                const double* const common = ws.common_score.data();
                const double* const group = ws.group_score.data() + static_cast<Eigen::Index>(dims.investor_group[at]) * rows;
                const double* const own = ws.own_score.data();
                const double threshold = dims.dropout_threshold[at];
                for (Eigen::Index b = 0; b < rows; ++b) {
                    const double z = a_g * common[b] + a_w * group[b] + a_e * own[b];
                    tau[b] = z < threshold ? tau[b] : inf;
                }
            }
        }
        double* const pledge = ws.investor_pledge.col(i).data();
        if (dims.pledge[at] != detail::no_dimension)
            quantiles(v.pledge_busd, u.column(dims.pledge[at]), pledge, rows);
        else
            fill(pledge, v.pledge_busd.p0);
    }

    // §3.4: each fab's overrun ω_f and delay δ_f, in plan order.
    const std::size_t fabs = m.plan().fab_count();
    draw_fab_factors(u, fabs, s.capex_overrun, s.capex_overrun_correlation, dims.overrun, ws.overrun, ws);
    draw_fab_factors(u, fabs, s.delay_years, s.delay_correlation, dims.delay, ws.delay, ws);
}

}  // namespace fabrisk::buildout::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
