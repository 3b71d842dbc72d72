#pragma once
/// \file buildout/model.hpp
/// The compute build-out model of docs/model.md §3–5 as an engine model: it maps a block of
/// uniforms (trials × dimension) to a block of outputs (trials × 10).
///
/// The model is its scenario, what every trial shares (trial_plan.hpp, §4.1) and where each
/// random input takes its uniforms (random_inputs.hpp, §3). The trial itself runs on the
/// instruction set dispatched at run time, one step of docs/model.md §4 per file in
/// src/kernels/buildout/: the inputs drawn column by column over the block (structure of
/// arrays), then the steps played for a vector of trials side by side, one trial per lane. A
/// trial costs O(fabs·log n + investors + n), not O(fabs·n).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "fabrisk/buildout/random_inputs.hpp"
#include "fabrisk/buildout/scenario.hpp"
#include "fabrisk/buildout/trial_plan.hpp"
#include "fabrisk/error.hpp"
#include "fabrisk/input_layout.hpp"
#include "fabrisk/uniform_columns.hpp"

namespace fabrisk::buildout {

/// The per-trial outputs of docs/model.md §5.1, in column order.
enum class output : std::size_t {
    installed_flops,
    target_met,
    target_year,
    capital_raised_busd,
    fabs_funded,
    fabs_completed,
    staffing_factor,
    realized_cost_decline,
    mean_fab_delay_years,
    geo_shock,
};
inline constexpr std::size_t output_count = 10;
inline constexpr std::array<const char*, output_count> output_names{
    "installed_flops", "target_met",      "target_year",           "capital_raised_busd",  "fabs_funded",
    "fabs_completed",  "staffing_factor", "realized_cost_decline", "mean_fab_delay_years", "geo_shock"};

namespace detail {
/// The most trials the steps play side by side (8 with AVX-512): per-lane arrays of the
/// workspace are sized for it, whatever the target.
inline constexpr Eigen::Index lane_count = 8;
/// Doubles in one row of a ramp sum's differences (kernels/ramp_sums-inl.hpp) at that width.
inline constexpr Eigen::Index ramp_row = 2 * lane_count;
/// The five sums of ramps the grid phase walks (docs/model.md §4.7, step 6): capacity of the
/// fabs the shock spares and of those it hits, the staff each needs, and planned capacity.
enum class ramp_sum : int { capacity_kept, capacity_exposed, staff_kept, staff_exposed, planned_capacity };
inline constexpr int ramp_sum_count = 5;
/// One pending update of the ramp differences: ramps[at] += value.
struct ramp_update {
    Eigen::Index at;
    double value;
};
}  // namespace detail

class model {
public:
    explicit model(scenario s) : s_(std::move(s)), plan_(s_), inputs_(s_, plan_) {}

    const scenario& spec() const noexcept { return s_; }
    /// Uniforms one trial consumes.
    std::size_t dimension() const noexcept { return inputs_.layout.dimension(); }
    /// The stream each uniform draws from, by the input's identity (random_inputs.hpp).
    std::vector<std::uint64_t> stream_ids() const { return inputs_.layout.stream_ids(); }
    std::size_t output_count() const noexcept { return buildout::output_count; }
    /// Number of grid steps n = H·m, and the deadline's grid index j_d = T_d·m.
    int steps() const noexcept { return plan_.n; }
    int deadline_index() const noexcept { return plan_.deadline_index; }
    /// T_d, the deadline in model years.
    double deadline() const noexcept { return plan_.deadline; }

    /// A named set of uniform dimensions (input_layout.hpp): the unit of sensitivity analysis.
    /// Inputs that share a copula stay in one group, since correlated inputs cannot be
    /// apportioned one by one.
    using input_group = input_layout::group;
    /// The random inputs by group, in the order of docs/model.md §1.13: each uncorrelated scalar
    /// input by its path, correlated scalar inputs joined by "+", then `geo_shock` (whether and
    /// when), `investor_dropout` (scores, factors, times), `pledges`, `capex_overruns`,
    /// `fab_delays` (their tags are drawn_group). Fixed inputs draw nothing and form no group.
    /// Every dimension is in exactly one group.
    const std::vector<input_group>& input_groups() const noexcept { return inputs_.layout.groups(); }
    /// The layout of the uniforms: the scalar inputs (by scalar_input) and their copulas, then
    /// the model's own ranges.
    const input_layout& inputs() const noexcept { return inputs_.layout; }

    /// The uniforms that put every input of `g` at its own marginal p-quantile (0 < p < 1):
    /// scalar inputs, pledges, drop-out times and the shock time at F⁻¹(p); each fab's delay or
    /// overrun at F⁻¹(p) (every factor set so each normal score is Φ⁻¹(p)); each investor's
    /// drop-out score at Φ⁻¹(p) (so a low p means more drop-outs); the shock indicator at its
    /// p-quantile (it occurs iff p > 1 − q_g). Correlated scalars get the scores closest (least
    /// squares) to all sitting at Φ⁻¹(p). Used to hold a group fixed, as in a tornado chart.
    std::vector<std::pair<int, double>> held_uniforms(const input_group& g, double p) const {
        return inputs_.held_uniforms(s_, plan_.fab_count(), g, p);
    }

    /// Each random scalar input's rank (its marginal CDF value, in (0, 1)) for every trial of
    /// a block of uniforms: trials × scalar_input_count, NaN for fixed inputs.
    Eigen::ArrayXXd scalar_ranks(const Eigen::Ref<const Eigen::ArrayXXd>& uniforms) const {
        return inputs_.layout.scalar_ranks(uniforms);
    }

    /// Per-thread scratch space.
    struct workspace {
        // The drawn inputs of a block of trials, a column per input (docs/model.md §3).
        Eigen::ArrayXXd scalars;                        ///< trials × 10, by scalar_input
        Eigen::ArrayXd shock_time;                      ///< τ_g, +inf when no shock
        Eigen::ArrayXXd investor_tau, investor_pledge;  ///< trials × investors; τ_i = +inf when i stays
        Eigen::ArrayXXd overrun, delay;                 ///< trials × fabs, plan order
        input_layout::scratch scalar_scratch;
        Eigen::ArrayXd common_score, own_score, group_score;  ///< factor scores while drawing

        // The steps of a vector of trials (one per lane): every per-step array is laid out
        // [step][lane], so each step is one vectorised pass over the lanes.
        std::vector<double> padded;          ///< a short last vector's inputs, idle lanes filled in
        std::vector<double> capital, available;  ///< C(t_k) and A(t_k), [k][lane], k = 0..n
        std::vector<double> pledge_rows;     ///< the pledges' ramp sum (kernels/ramp_sums-inl.hpp), rows 0..n + 1
        std::vector<double> investor_lanes;  ///< share paid by τ_i and pledge, [investor][2][lane]
        std::vector<double> completion;      ///< c_f, [fab][lane] (X_f during the funding search)
        std::vector<double> delays;          ///< δ_f, [fab][lane]
        std::vector<std::int64_t> below;     ///< funding search: grid points with A < X_f, [fab][lane]
        std::vector<double> ramps;           ///< differences of the detail::ramp_sum sums; zero between uses
        std::vector<double> added;           ///< F_k, [step][lane]
        std::vector<detail::ramp_update> scatter;  ///< one lane's pending step-ramp updates
    };
    workspace make_workspace() const;

    void evaluate(const Eigen::Ref<const Eigen::ArrayXXd>& uniforms, Eigen::Ref<Eigen::ArrayXXd> outputs,
                  workspace& ws) const {
        evaluate(uniform_columns(uniforms), outputs, ws);
    }
    /// The same, reading the uniforms in place through a column map (uniform_columns.hpp): how
    /// a comparison's second scenario reads the block of both scenarios' streams.
    void evaluate(const uniform_columns& uniforms, Eigen::Ref<Eigen::ArrayXXd> outputs, workspace& ws) const;

    /// Draws the inputs of a block of trials into `ws`: ws.scalars (trials × 10, by
    /// scalar_input), ws.shock_time (+inf when no shock), ws.investor_tau (+inf when the
    /// investor stays), ws.investor_pledge, ws.overrun and ws.delay (trials × fabs, plan order).
    void draw_inputs(const Eigen::Ref<const Eigen::ArrayXXd>& uniforms, workspace& ws) const;

    /// What the trial's kernels read: what every trial shares, and where each input's uniforms are.
    const detail::trial_plan& plan() const noexcept { return plan_; }
    const detail::random_inputs& random_inputs() const noexcept { return inputs_; }

private:
    scenario s_;
    detail::trial_plan plan_;
    detail::random_inputs inputs_;
};

namespace detail {
/// model::draw_inputs and model::evaluate on the dispatched target (src/kernels.cpp; the code is
/// src/kernels/buildout/).
void draw_block(const model& m, const uniform_columns& uniforms, model::workspace& ws);
void evaluate_block(const model& m, const uniform_columns& uniforms, Eigen::Ref<Eigen::ArrayXXd> outputs,
                    model::workspace& ws);
}  // namespace detail

// ---------------------------------------------------------------------------------------------

inline model::workspace model::make_workspace() const {
    workspace ws;
    const Eigen::Index n = plan_.n;
    const std::size_t investors = s_.investors.size(), fabs = plan_.fab_count();
    ws.capital.assign(static_cast<std::size_t>((n + 1) * detail::lane_count), 0.0);
    ws.available.assign(static_cast<std::size_t>((n + 1) * detail::lane_count), 0.0);
    ws.investor_lanes.assign(2 * investors * detail::lane_count, 0.0);
    ws.pledge_rows.assign(static_cast<std::size_t>((n + 2) * detail::ramp_row), 0.0);
    ws.completion.assign(fabs * detail::lane_count, 0.0);
    ws.delays.assign(fabs * detail::lane_count, 0.0);
    ws.below.assign(fabs * detail::lane_count, 0);
    ws.padded.assign((2 * (investors + fabs) + scalar_input_count) * detail::lane_count, 0.0);
    // Five sums of n rows, each padded by 24 doubles (the kernel's stride at the widest target).
    ws.ramps.assign(static_cast<std::size_t>(detail::ramp_sum_count * (n * detail::ramp_row + 24)), 0.0);
    ws.added.assign(static_cast<std::size_t>(n * detail::lane_count), 0.0);
    // A step-function ramp queues at most two points in each of two sums.
    ws.scatter.resize(4);
    return ws;
}

inline void model::draw_inputs(const Eigen::Ref<const Eigen::ArrayXXd>& uniforms, workspace& ws) const {
    if (static_cast<std::size_t>(uniforms.cols()) != dimension())
        throw usage_error("buildout::model::draw_inputs: uniforms have " + std::to_string(uniforms.cols()) +
                          " columns, expected " + std::to_string(dimension()));
    detail::draw_block(*this, uniform_columns(uniforms), ws);
}

inline void model::evaluate(const uniform_columns& uniforms, Eigen::Ref<Eigen::ArrayXXd> outputs, workspace& ws) const {
    if (uniforms.dimension() != dimension())
        throw usage_error("buildout::model::evaluate: uniforms have " + std::to_string(uniforms.dimension()) +
                          " columns, expected " + std::to_string(dimension()));
    if (outputs.rows() != uniforms.rows() || static_cast<std::size_t>(outputs.cols()) != buildout::output_count)
        throw usage_error("buildout::model::evaluate: outputs must be " + std::to_string(uniforms.rows()) + " x " +
                          std::to_string(buildout::output_count));
    detail::evaluate_block(*this, uniforms, outputs, ws);
}

}  // namespace fabrisk::buildout
