#pragma once
/// \file buildout/model.hpp
/// The compute build-out model of docs/model.md §3–5 as an engine model: it maps a block of
/// uniforms (trials × dimension) to a block of outputs (trials × 10).
///
/// Inputs are drawn column by column over the block (structure of arrays), then the grid phase
/// plays the trials forward side by side, one trial per vector lane. Both run on the instruction
/// set dispatched at run time (src/kernels/buildout/model-inl.hpp, the friend
/// detail::trial_kernel); this header holds the scenario's precomputed plan. A trial costs
/// O(fabs·log n + investors + n), not O(fabs·n).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "fabrisk/buildout/scenario.hpp"
#include "fabrisk/copula.hpp"
#include "fabrisk/distribution.hpp"
#include "fabrisk/normal.hpp"
#include "fabrisk/statistics.hpp"
#include "fabrisk/vector_math.hpp"

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
/// The most trials the grid phase plays side by side (8 with AVX-512): per-lane arrays of the
/// workspace are sized for it, whatever the target.
inline constexpr Eigen::Index lane_count = 8;
/// Doubles in one row of a ramp sum's differences (kernels/ramp_sums-inl.hpp) at that width.
inline constexpr Eigen::Index ramp_row = 2 * lane_count;
/// One pending update of the ramp differences: ramps[at] += value.
struct ramp_update {
    Eigen::Index at;
    double value;
};
/// Columns of the per-lane inputs of the grid phase.
enum lane_column : int {
    lane_workforce, lane_hiring, lane_attrition, lane_decline, lane_elasticity, lane_per_step, lane_kept,
    lane_shock_step, lane_columns
};
/// The model's trial compiled for one instruction set (src/kernels/buildout/model-inl.hpp).
template <std::int64_t Target>
struct trial_kernel;
}  // namespace detail

class model {
public:
    explicit model(scenario s);

    const scenario& spec() const noexcept { return s_; }
    /// Uniforms one trial consumes.
    std::size_t dimension() const noexcept { return dimension_; }
    std::size_t output_count() const noexcept { return buildout::output_count; }
    /// Number of grid steps n = H·m, and the deadline's grid index j_d = T_d·m.
    int steps() const noexcept { return n_; }
    int deadline_index() const noexcept { return j_d_; }
    /// T_d, the deadline in model years.
    double deadline() const noexcept { return t_d_; }

    /// A named set of uniform dimensions: the unit of sensitivity analysis. Inputs that share
    /// a copula stay in one group, since correlated inputs cannot be apportioned one by one.
    enum class group_kind { scalar, correlated_scalars, geo_shock, investor_dropout, pledges, capex_overruns, fab_delays };
    struct input_group {
        std::string name;
        std::vector<int> dimensions;
        group_kind kind = group_kind::scalar;
        std::size_t block = 0;  ///< for correlated_scalars: which copula block
    };
    /// The random inputs by group, in the order of docs/model.md §1.13: each uncorrelated scalar
    /// input by its path, correlated scalar inputs joined by "+", then `geo_shock` (whether and when),
    /// `investor_dropout` (scores, factors, times), `pledges`, `capex_overruns`, `fab_delays`.
    /// Fixed inputs draw nothing and form no group. Every dimension is in exactly one group.
    std::vector<input_group> input_groups() const;

    /// The uniforms that put every input of `g` at its own marginal p-quantile (0 < p < 1):
    /// scalar inputs, pledges, drop-out times and the shock time at F⁻¹(p); each fab's delay or
    /// overrun at F⁻¹(p) (every factor set so each normal score is Φ⁻¹(p)); each investor's
    /// drop-out score at Φ⁻¹(p) (so a low p means more drop-outs); the shock indicator at its
    /// p-quantile (it occurs iff p > 1 − q_g). Correlated scalars get the scores closest (least
    /// squares) to all sitting at Φ⁻¹(p). Used to hold a group fixed, as in a tornado chart.
    std::vector<std::pair<int, double>> held_uniforms(const input_group& g, double p) const;

    /// Each random scalar input's rank (its marginal CDF value, in (0, 1)) for every trial of
    /// a block of uniforms: trials × scalar_input_count, NaN for fixed inputs.
    Eigen::ArrayXXd scalar_ranks(const Eigen::Ref<const Eigen::ArrayXXd>& uniforms) const;

    /// Per-thread scratch space.
    struct workspace {
        Eigen::ArrayXXd scalars, investor_tau, investor_pledge, overrun, delay;
        Eigen::ArrayXd shock_time, work, common, group_score;
        Eigen::MatrixXd copula_in, copula_out;
        // The grid phase plays its target's lane count of trials side by side (at most detail::lane_count): every per-step array is laid out
        // [step][lane], so each step is one vectorised pass over the lanes.
        std::vector<double> capital, available;  // C(t_k) and A(t_k), [k][lane], k = 0..n
        std::vector<double> pledge_rows;         // the pledges' ramp sum (kernels/ramp_sums-inl.hpp), rows k = 0..n + 1
        std::vector<double> tail;                // padded copies of a short last group's inputs
        std::vector<double> investor_lanes;      // disbursement caps and pledges, [investor][2][lane]
        std::vector<double> completion;          // each fab's completion time c_f, [fab][lane]
        std::vector<double> delays;              // each fab's delay, [fab][lane]
        std::vector<std::int64_t> below;         // each fab's funding search: grid points below, [fab][lane]
        std::vector<double> ramps;      // differences of the 5 ramp sums, [sum][step][slot][2]; zero between uses
        std::vector<double> added;      // F_k, [step][lane]
        std::vector<double> state;      // per-lane inputs and running values, [column][lane]
        std::vector<detail::ramp_update> scatter;  // one trial's pending ramp updates
    };
    workspace make_workspace() const;

    void evaluate(const Eigen::Ref<const Eigen::ArrayXXd>& uniforms, Eigen::Ref<Eigen::ArrayXXd> outputs,
                  workspace& ws) const;

    /// Draws the inputs of a block of trials into `ws`: ws.scalars (trials × 10, by
    /// scalar_input), ws.shock_time (+inf when no shock), ws.investor_tau (+inf when the
    /// investor stays), ws.investor_pledge, ws.overrun and ws.delay (trials × fabs, plan order).
    void draw_inputs(const Eigen::Ref<const Eigen::ArrayXXd>& uniforms, workspace& ws) const;

private:
    template <std::int64_t Target>
    friend struct detail::trial_kernel;
    static constexpr int none = -1;
    struct copula_block {
        std::vector<std::size_t> inputs;  // scalar_input indices, MODEL order
        gaussian_copula copula;
        int first_dim = none;
    };
    struct factor_dims {
        int common = none, first_own = none;  // own dims are consecutive, one per entity
    };

    int take(std::size_t count) {
        const int first = static_cast<int>(dimension_);
        dimension_ += count;
        return first;
    }
    /// Smallest grid index k ≥ 0 with t_k ≥ x (within tolerance); n + 1 if none up to n.
    int first_index_at_least(double x) const;
    using scatter_entry = detail::ramp_update;
    /// Appends the updates of a ramp too short to draw as a line (R·m below 1e-6 of a step,
    /// including R = 0: a step function) at `next`: a rise of w·x from step k on is −w·x on
    /// the B difference of step k, whose slot is at offset at1 (weight w1) and at2 (weight w2,
    /// unless at2 is negative), successive steps `stride` apart.
    void add_step_ramp(double c, double R, double w1, double w2, Eigen::Index at1, Eigen::Index at2,
                       Eigen::Index stride, scatter_entry*& next) const;
    /// target_year of one lane, summing every window afresh (the careful path near the target).
    double exact_target_year(const double* added, Eigen::Index lane, Eigen::Index stride) const;

    scenario s_;
    int m_, n_, j_d_, lifetime_steps_;
    double t_d_;
    std::size_t dimension_ = 0;

    // Fabs in plan order.
    std::vector<double> fab_start_, fab_capex_, fab_build_;
    std::vector<double> fab_wafers_, fab_staff_;  // in units of wafer_unit_ and staff_unit_
    double wafer_unit_ = 0, staff_unit_ = 0;
    double staff_ratio_ = 0;  // staff per wafer (in units) when all fabs share it, else 0
    double deadline_limit_ = 0;  // T_d + 1e-9·max(1, T_d): "≤ T_d" within tolerance
    std::vector<char> fab_exposed_;
    std::vector<int> fab_start_index_;
    std::vector<double> disbursed_share_;  // clamp((t_k − b_i)/d_i, 0, 1), [k][investor]
    std::vector<double> grid_times_;  // t_k = k/m, k = 0..n  // first grid index at or after each planned start
    // The plan's own schedule, fabs with equal planned completion merged: (c⁰, Σ M in wafer units).
    std::vector<double> planned_completion_, planned_wafers_;

    std::array<int, scalar_input_count> scalar_dim_{};
    std::vector<copula_block> copulas_;
    int shock_occurs_dim_ = none, shock_time_dim_ = none;
    int dropout_common_dim_ = none, dropout_group_first_dim_ = none, dropout_own_first_dim_ = none;
    std::vector<int> investor_group_;
    std::size_t group_count_ = 0;
    std::vector<double> dropout_threshold_;
    std::vector<int> tau_dim_, pledge_dim_;
    factor_dims overrun_dims_, delay_dims_;
};

namespace detail {
/// model::draw_inputs and model::evaluate on the dispatched target (src/kernels.cpp; the code is
/// src/kernels/buildout/model-inl.hpp).
void draw_block(const model& m, const Eigen::Ref<const Eigen::ArrayXXd>& uniforms, model::workspace& ws);
void evaluate_block(const model& m, const Eigen::Ref<const Eigen::ArrayXXd>& uniforms, Eigen::Ref<Eigen::ArrayXXd> outputs,
                    model::workspace& ws);
}  // namespace detail

// ---------------------------------------------------------------------------------------------

inline model::model(scenario s) : s_(std::move(s)) {
    m_ = s_.time.steps_per_year;
    n_ = s_.time.horizon_years * m_;
    t_d_ = s_.time.deadline_year - s_.time.start_year + 1;
    j_d_ = static_cast<int>(t_d_) * m_;
    lifetime_steps_ = static_cast<int>(std::lround(s_.chip_lifetime_years * m_));
    for (int k = 0; k <= n_; ++k) grid_times_.push_back(double(k) / m_);
    // clamp((t_k − b_i)/d_i, 0, 1), [k][investor]: the share of each pledge scheduled by t_k.
    for (int k = 0; k <= n_; ++k)
        for (const investor& iv : s_.investors) {
            const double x = (grid_times_[static_cast<std::size_t>(k)] - iv.disburse_start) * (1.0 / iv.disburse_years);
            disbursed_share_.push_back(x > 0 ? (x < 1 ? x : 1.0) : 0.0);
        }

    // Plan order: by planned start, ties in file order (docs/model.md §4.1).
    struct fab_row {
        double start, capex, build, wafers, staff;
        bool exposed;
    };
    std::vector<fab_row> rows;
    for (const auto& g : s_.fab_groups)
        for (int i = 0; i < g.count; ++i)
            rows.push_back({g.planned_start, g.capex_busd, g.build_years, g.wafers_per_month, g.staff_per_fab, g.exposed});
    std::stable_sort(rows.begin(), rows.end(), [](const fab_row& a, const fab_row& b) { return a.start < b.start; });
    // Ramp sums run in units of the largest wafers and staff figures, so that extreme inputs
    // overflow only in the final product (to inf), never inside the sums (inf − inf).
    for (const auto& r : rows) {
        wafer_unit_ = std::max(wafer_unit_, r.wafers);
        staff_unit_ = std::max(staff_unit_, r.staff);
    }
    if (!(wafer_unit_ > 0)) wafer_unit_ = 1;
    if (!(staff_unit_ > 0)) staff_unit_ = 1;
    deadline_limit_ = t_d_ + comparison_tolerance(t_d_);
    if (!rows.empty()) {
        const double ratio = (rows[0].staff / staff_unit_) / (rows[0].wafers / wafer_unit_);
        bool uniform = ratio > 0 && std::isfinite(ratio);
        for (const auto& r : rows) uniform = uniform && (r.staff / staff_unit_) / (r.wafers / wafer_unit_) == ratio;
        if (uniform) staff_ratio_ = ratio;
    }
    for (const auto& r : rows) {
        fab_start_.push_back(r.start);
        fab_capex_.push_back(r.capex);
        fab_build_.push_back(r.build);
        fab_wafers_.push_back(r.wafers / wafer_unit_);
        fab_staff_.push_back(r.staff / staff_unit_);
        fab_exposed_.push_back(r.exposed);
        fab_start_index_.push_back(first_index_at_least(r.start));
    }
    {
        std::map<double, double> planned;
        for (const auto& r : rows) planned[r.start + r.build] += r.wafers / wafer_unit_;
        for (const auto& [c, w] : planned) {
            planned_completion_.push_back(c);
            planned_wafers_.push_back(w);
        }
    }

    // Scalar inputs: correlated ones form copula blocks (connected components of the pairs),
    // docs/model.md §3.2.
    std::array<std::size_t, scalar_input_count> parent{};
    std::iota(parent.begin(), parent.end(), std::size_t{0});
    auto root = [&](std::size_t k) {
        while (parent[k] != k) k = parent[k] = parent[parent[k]];
        return k;
    };
    std::array<bool, scalar_input_count> correlated{};
    for (const auto& c : s_.correlations) {
        const auto a = static_cast<std::size_t>(c.a), b = static_cast<std::size_t>(c.b);
        correlated[a] = correlated[b] = true;
        parent[root(a)] = root(b);
    }
    scalar_dim_.fill(none);
    std::map<std::size_t, std::size_t> block_of_root;
    for (std::size_t k = 0; k < scalar_input_count; ++k) {
        if (is_fixed(s_.scalars[k])) continue;
        if (!correlated[k]) {
            scalar_dim_[k] = take(1);
            continue;
        }
        auto [it, inserted] = block_of_root.emplace(root(k), copulas_.size());
        if (inserted) copulas_.emplace_back();
        copulas_[it->second].inputs.push_back(k);
    }
    for (auto& block : copulas_) {
        const auto d = static_cast<Eigen::Index>(block.inputs.size());
        Eigen::MatrixXd sigma = Eigen::MatrixXd::Identity(d, d);
        auto position = [&](scalar_input x) {
            return static_cast<Eigen::Index>(
                std::find(block.inputs.begin(), block.inputs.end(), static_cast<std::size_t>(x)) - block.inputs.begin());
        };
        for (const auto& c : s_.correlations) {
            const auto i = position(c.a), j = position(c.b);
            if (i < d && j < d) sigma(i, j) = sigma(j, i) = c.rho;
        }
        block.copula = gaussian_copula(sigma);
        block.first_dim = take(block.inputs.size());
    }

    // The shock: whether, then when (docs/model.md §3.5).
    if (s_.shock_probability > 0 && s_.shock_probability < 1) shock_occurs_dim_ = take(1);
    if (s_.shock_probability > 0 && !is_fixed(s_.shock_time)) shock_time_dim_ = take(1);

    // Investors: drop-out scores from a global, a group and an own factor (docs/model.md §3.3).
    std::map<std::string, int> group_ids;
    for (const auto& v : s_.investors) {
        auto [it, inserted] = group_ids.emplace(v.group, static_cast<int>(group_ids.size()));
        investor_group_.push_back(it->second);
    }
    group_count_ = group_ids.size();
    const bool any_uncertain_dropout = std::any_of(s_.investors.begin(), s_.investors.end(), [](const investor& v) {
        return v.dropout_probability > 0 && v.dropout_probability < 1;
    });
    if (any_uncertain_dropout) {
        dropout_common_dim_ = take(1);
        dropout_group_first_dim_ = take(group_count_);
        dropout_own_first_dim_ = take(s_.investors.size());
    }
    for (const auto& v : s_.investors) {
        dropout_threshold_.push_back(v.dropout_probability > 0 && v.dropout_probability < 1
                                         ? inverse_normal_cdf(v.dropout_probability)
                                         : 0.0);
        tau_dim_.push_back(v.dropout_probability > 0 && !is_fixed(s_.dropout_time) ? take(1) : none);
    }
    for (const auto& v : s_.investors) pledge_dim_.push_back(is_fixed(v.pledge_busd) ? none : take(1));

    // Fabs: overruns, then delays, each an exchangeable one-factor copula (docs/model.md §3.4).
    const std::size_t fabs = fab_start_.size();
    auto factor_layout = [&](const distribution& d, double rho) {
        factor_dims dims;
        if (is_fixed(d) || fabs == 0) return dims;
        if (rho > 0) dims.common = take(1);
        if (rho < 1) dims.first_own = take(fabs);
        return dims;
    };
    overrun_dims_ = factor_layout(s_.capex_overrun, s_.capex_overrun_correlation);
    delay_dims_ = factor_layout(s_.delay_years, s_.delay_correlation);
}

inline std::vector<model::input_group> model::input_groups() const {
    std::vector<input_group> groups;
    auto range = [](int first, std::size_t count) {
        std::vector<int> dims;
        if (first != none)
            for (std::size_t i = 0; i < count; ++i) dims.push_back(first + static_cast<int>(i));
        return dims;
    };
    auto add = [&](std::string name, std::vector<int> dims, group_kind kind = group_kind::scalar, std::size_t block = 0) {
        if (!dims.empty()) groups.push_back({std::move(name), std::move(dims), kind, block});
    };
    for (std::size_t k = 0; k < scalar_input_count; ++k) {
        if (scalar_dim_[k] != none) add(scalar_input_paths[k], {scalar_dim_[k]});
        for (std::size_t c = 0; c < copulas_.size(); ++c) {
            const auto& block = copulas_[c];
            if (block.inputs.front() == k) {  // a copula block is listed at its first input
                std::string name;
                for (std::size_t input : block.inputs) name += (name.empty() ? "" : "+") + std::string(scalar_input_paths[input]);
                add(name, range(block.first_dim, block.inputs.size()), group_kind::correlated_scalars, c);
            }
        }
    }
    std::vector<int> shock;
    if (shock_occurs_dim_ != none) shock.push_back(shock_occurs_dim_);
    if (shock_time_dim_ != none) shock.push_back(shock_time_dim_);
    add("geo_shock", shock, group_kind::geo_shock);
    std::vector<int> dropout;
    if (dropout_common_dim_ != none) {
        dropout.push_back(dropout_common_dim_);
        for (int d : range(dropout_group_first_dim_, group_count_)) dropout.push_back(d);
        for (int d : range(dropout_own_first_dim_, s_.investors.size())) dropout.push_back(d);
    }
    for (int d : tau_dim_)
        if (d != none) dropout.push_back(d);
    add("investor_dropout", dropout, group_kind::investor_dropout);
    std::vector<int> pledges;
    for (int d : pledge_dim_)
        if (d != none) pledges.push_back(d);
    add("pledges", pledges, group_kind::pledges);
    auto factor_group = [&](const factor_dims& f) {
        std::vector<int> dims;
        if (f.common != none) dims.push_back(f.common);
        for (int d : range(f.first_own, fab_start_.size())) dims.push_back(d);
        return dims;
    };
    add("capex_overruns", factor_group(overrun_dims_), group_kind::capex_overruns);
    add("fab_delays", factor_group(delay_dims_), group_kind::fab_delays);
    return groups;
}

inline std::vector<std::pair<int, double>> model::held_uniforms(const input_group& g, double p) const {
    if (!(p > 0 && p < 1)) throw usage_error("held_uniforms: p must lie in (0, 1)");
    const double z0 = inverse_normal_cdf(p);
    std::vector<std::pair<int, double>> held;
    // Every score √a·X + √b·Y + … with equal factor values x equals z0 when x = z0/(√a + √b + …).
    auto equal_factors = [&](std::initializer_list<double> weights) {
        double sum = 0;
        for (double w : weights) sum += std::sqrt(std::max(0.0, w));
        return normal_cdf(z0 / sum);
    };
    switch (g.kind) {
    case group_kind::scalar:
    case group_kind::pledges:
        for (int d : g.dimensions) held.emplace_back(d, p);
        break;
    case group_kind::correlated_scalars: {
        const auto& block = copulas_[g.block];
        // L·z = (z0, …, z0) by forward substitution on the lower-triangular factor; where a
        // column of L is zero (a singular Σ) that z is free and taken as 0.
        const Eigen::MatrixXd& L = block.copula.factor();
        Eigen::VectorXd z = Eigen::VectorXd::Zero(L.rows());
        for (Eigen::Index i = 0; i < L.rows(); ++i) {
            double rest = z0;
            for (Eigen::Index k = 0; k < i; ++k) rest -= L(i, k) * z[k];
            z[i] = L(i, i) != 0 ? rest / L(i, i) : 0.0;
        }
        for (Eigen::Index i = 0; i < z.size(); ++i) held.emplace_back(block.first_dim + static_cast<int>(i), normal_cdf(z[i]));
        break;
    }
    case group_kind::geo_shock:
        if (shock_occurs_dim_ != none) held.emplace_back(shock_occurs_dim_, 1.0 - p);
        if (shock_time_dim_ != none) held.emplace_back(shock_time_dim_, p);
        break;
    case group_kind::investor_dropout: {
        const double g_ = s_.dropout_global, w = s_.dropout_within_group;
        const double u = equal_factors({g_, w, 1.0 - g_ - w});
        if (dropout_common_dim_ != none) {
            held.emplace_back(dropout_common_dim_, u);
            for (std::size_t i = 0; i < group_count_; ++i) held.emplace_back(dropout_group_first_dim_ + static_cast<int>(i), u);
            for (std::size_t i = 0; i < s_.investors.size(); ++i) held.emplace_back(dropout_own_first_dim_ + static_cast<int>(i), u);
        }
        for (int d : tau_dim_)
            if (d != none) held.emplace_back(d, p);
        break;
    }
    case group_kind::capex_overruns:
    case group_kind::fab_delays: {
        const bool delays = g.kind == group_kind::fab_delays;
        const factor_dims& f = delays ? delay_dims_ : overrun_dims_;
        const double rho = delays ? s_.delay_correlation : s_.capex_overrun_correlation;
        const double u = f.common == none || f.first_own == none ? p : equal_factors({rho, 1.0 - rho});
        if (f.common != none) held.emplace_back(f.common, f.first_own == none ? p : u);
        if (f.first_own != none)
            for (std::size_t i = 0; i < fab_start_.size(); ++i) held.emplace_back(f.first_own + static_cast<int>(i), u);
        break;
    }
    }
    return held;
}

inline Eigen::ArrayXXd model::scalar_ranks(const Eigen::Ref<const Eigen::ArrayXXd>& u) const {
    Eigen::ArrayXXd ranks = Eigen::ArrayXXd::Constant(u.rows(), scalar_input_count, std::numeric_limits<double>::quiet_NaN());
    for (std::size_t k = 0; k < scalar_input_count; ++k)
        if (scalar_dim_[k] != none) ranks.col(static_cast<Eigen::Index>(k)) = u.col(scalar_dim_[k]);
    for (const auto& block : copulas_) {
        const auto d = static_cast<Eigen::Index>(block.inputs.size());
        Eigen::MatrixXd z(u.rows(), d), x(u.rows(), d);
        for (Eigen::Index i = 0; i < d; ++i) inverse_normal_cdf(u.col(block.first_dim + i), z.col(i).array());
        block.copula.correlate(z, x);
        for (Eigen::Index i = 0; i < d; ++i)
            normal_cdf(x.col(i).array(), ranks.col(static_cast<Eigen::Index>(block.inputs[static_cast<std::size_t>(i)])));
    }
    return ranks;
}

inline model::workspace model::make_workspace() const {
    workspace ws;
    const Eigen::Index n = n_;
    ws.capital.assign(static_cast<std::size_t>((n + 1) * detail::lane_count), 0.0);
    ws.available.assign(static_cast<std::size_t>((n + 1) * detail::lane_count), 0.0);
    ws.investor_lanes.assign(2 * s_.investors.size() * detail::lane_count, 0.0);
    ws.pledge_rows.assign(static_cast<std::size_t>((n + 2) * detail::ramp_row), 0.0);
    ws.completion.assign(fab_start_.size() * detail::lane_count, 0.0);
    ws.delays.assign(fab_start_.size() * detail::lane_count, 0.0);
    ws.below.assign(fab_start_.size() * detail::lane_count, 0);
    ws.tail.assign((2 * (s_.investors.size() + fab_start_.size()) + scalar_input_count) * detail::lane_count, 0.0);
    // Five sums of n rows, each padded by 24 doubles (the kernel's stride at the widest target).
    ws.ramps.assign(static_cast<std::size_t>(5 * (n * detail::ramp_row + 24)), 0.0);
    ws.added.assign(static_cast<std::size_t>(n * detail::lane_count), 0.0);
    ws.state.assign(static_cast<std::size_t>(detail::lane_columns * detail::lane_count), 0.0);
    // A step-function ramp (add_step_ramp) queues at most two points in each of two sums.
    ws.scatter.resize(4);
    return ws;
}

inline int model::first_index_at_least(double x) const {
    if (x <= 0) return 0;  // t_0 = 0 (also keeps ceil(x·m) inside int for very negative x)
    if (!(x <= double(n_) / m_ + 1.0)) return n_ + 1;
    int k = std::max(0, static_cast<int>(std::ceil(x * m_)) - 1);
    while (k <= n_ && !at_least(double(k) / m_, x)) ++k;
    return k;
}

inline void model::draw_inputs(const Eigen::Ref<const Eigen::ArrayXXd>& uniforms, workspace& ws) const {
    if (static_cast<std::size_t>(uniforms.cols()) != dimension_)
        throw usage_error("buildout::model::draw_inputs: uniforms have " + std::to_string(uniforms.cols()) +
                          " columns, expected " + std::to_string(dimension_));
    detail::draw_block(*this, uniforms, ws);
}

inline void model::add_step_ramp(double c, double R, double w1, double w2, Eigen::Index at1, Eigen::Index at2,
                                 Eigen::Index stride, scatter_entry*& next) const {
    const int n = n_;
    auto jump = [&](int k, double x) {  // the value rises by x·w from step k on
        if (k < n) {
            *next++ = {at1 + k * stride, -w1 * x};
            if (at2 >= 0) *next++ = {at2 + k * stride, -w2 * x};
        }
    };
    if (!(c < grid_times_[static_cast<std::size_t>(n)])) return;  // no step sees it
    if (R == 0) {
        jump(first_index_at_least(c), 1.0);  // ρ = 1 once t_k ≥ c (within tolerance)
    } else {
        // Only the first grid time past c can be partial, at (t_k − c)/R; full output from the
        // next one.
        const double* t = grid_times_.data();
        int k = std::max(0, static_cast<int>(c * m_) - 1);
        while (k < n && !(t[k] > c)) ++k;
        const double rho = std::min(1.0, (t[k] - c) / R);
        jump(k, rho);
        jump(k + 1, 1 - rho);
    }
}

inline double model::exact_target_year(const double* added, Eigen::Index lane, Eigen::Index stride) const {
    const int L = lifetime_steps_;
    const double target = s_.target_flops;
    auto window_sum = [&](int j) {
        double sum = 0;
        for (int q = std::max(0, j - L); q <= j - 1; ++q) sum += added[q * stride + lane];
        return sum;
    };
    double running = 0;
    for (int j = 1; j <= n_; ++j) {
        running += added[(j - 1) * stride + lane];
        if (j - 1 - L >= 0) running -= added[(j - 1 - L) * stride + lane];
        const bool near = std::fabs(running - target) <= 1e-6 * target;
        if (at_least(near ? window_sum(j) : running, target)) return s_.time.start_year + double(j) / m_;
    }
    return std::numeric_limits<double>::infinity();
}

inline void model::evaluate(const Eigen::Ref<const Eigen::ArrayXXd>& uniforms, Eigen::Ref<Eigen::ArrayXXd> outputs,
                            workspace& ws) const {
    if (static_cast<std::size_t>(uniforms.cols()) != dimension_)
        throw usage_error("buildout::model::evaluate: uniforms have " + std::to_string(uniforms.cols()) +
                          " columns, expected " + std::to_string(dimension_));
    if (outputs.rows() != uniforms.rows() || static_cast<std::size_t>(outputs.cols()) != buildout::output_count)
        throw usage_error("buildout::model::evaluate: outputs must be " + std::to_string(uniforms.rows()) + " x " +
                          std::to_string(buildout::output_count));
    detail::evaluate_block(*this, uniforms, outputs, ws);
}

}  // namespace fabrisk::buildout
