#pragma once
/// \file buildout/model.hpp
/// The compute build-out model of docs/model.md §3–5 as an engine model: it maps a block of
/// uniforms (trials × dimension) to a block of outputs (trials × 10).
///
/// Inputs are drawn column by column over the block (structure of arrays), then the trials are
/// played forward eight at a time, one trial per vector lane (lanes.hpp). Capital and capacity
/// on the grid are sums of clamped lines (ramp_sums.hpp), two paired updates per pledge and per
/// fab, and funding is a binary search per fab on the never-falling capital curve, so a trial
/// costs O(fabs·log n + investors + n), not O(fabs·n) or O(investors·n).
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
#include "fabrisk/lanes.hpp"
#include "fabrisk/normal.hpp"
#include "fabrisk/ramp_sums.hpp"
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
/// Trials played side by side in the grid phase: one AVX-512 register of doubles.
inline constexpr Eigen::Index lane_count = lanes::count;
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
        // The grid phase plays detail::lane_count trials side by side: every per-step array is laid out
        // [step][lane], so each step is one vectorised pass over the lanes.
        Eigen::Index ramp_stride = 0;
        std::vector<double> capital, available;  // C(t_k) and A(t_k), [k][lane], k = 0..n
        std::vector<double> pledge_rows;         // the pledges' ramp sum (ramp_sums.hpp), rows k = 0..n + 1
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
    void draw_factor_block(const Eigen::Ref<const Eigen::ArrayXXd>& u, const distribution& d, double rho,
                           const factor_dims& dims, std::size_t entities, Eigen::ArrayXXd& out, workspace& ws) const;
    /// Capital, funding, completion and the ramp sums' differences of trials b0 … b0 + count − 1,
    /// all lanes at once; also the outputs these settle and the per-lane inputs of the grid phase.
    void schedule_lanes(Eigen::Index b0, Eigen::Index count, workspace& ws, Eigen::Ref<Eigen::ArrayXXd> out) const;
    /// The grid phase (steps 6–10 and the outputs) for trials b0 … b0 + count − 1.
    void play_lanes(Eigen::Index b0, Eigen::Index count, workspace& ws, Eigen::Ref<Eigen::ArrayXXd> out) const;
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
    ws.pledge_rows.assign(static_cast<std::size_t>((n + 2) * ramp_sums::row), 0.0);
    ws.completion.assign(fab_start_.size() * detail::lane_count, 0.0);
    ws.delays.assign(fab_start_.size() * detail::lane_count, 0.0);
    ws.below.assign(fab_start_.size() * detail::lane_count, 0);
    ws.tail.assign((2 * (s_.investors.size() + fab_start_.size()) + scalar_input_count) * detail::lane_count, 0.0);
    // Padding the five sums apart by 192 bytes keeps them off the same 4 KiB offsets, where
    // the CPU would mistake their stores and loads for dependent ones; an even stride keeps
    // every (A, B) pair in one 16-byte slot.
    ws.ramp_stride = n * ramp_sums::row + 24;
    ws.ramps.assign(static_cast<std::size_t>(5 * ws.ramp_stride), 0.0);
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

inline void model::draw_factor_block(const Eigen::Ref<const Eigen::ArrayXXd>& u, const distribution& d, double rho,
                                     const factor_dims& dims, std::size_t entities, Eigen::ArrayXXd& out,
                                     workspace& ws) const {
    const Eigen::Index rows = u.rows();
    out.resize(rows, static_cast<Eigen::Index>(entities));
    if (is_fixed(d)) {
        out.setConstant(d.p0);
        return;
    }
    if (dims.common == none) {  // ρ = 0: independent draws
        for (std::size_t f = 0; f < entities; ++f)
            quantile(d, u.col(dims.first_own + static_cast<Eigen::Index>(f)), out.col(static_cast<Eigen::Index>(f)));
        return;
    }
    ws.common.resize(rows);
    inverse_normal_cdf(u.col(dims.common), ws.common);
    ws.work.resize(rows);
    const double a = std::sqrt(rho), b = std::sqrt(1.0 - rho);
    for (std::size_t f = 0; f < entities; ++f) {
        if (dims.first_own == none) {
            ws.work = a * ws.common;
        } else {
            inverse_normal_cdf(u.col(dims.first_own + static_cast<Eigen::Index>(f)), ws.work);
            ws.work = a * ws.common + b * ws.work;
        }
        from_normal_score(d, ws.work, out.col(static_cast<Eigen::Index>(f)));
    }
}

inline void model::draw_inputs(const Eigen::Ref<const Eigen::ArrayXXd>& u, workspace& ws) const {
    const Eigen::Index rows = u.rows();
    ws.scalars.resize(rows, scalar_input_count);
    for (std::size_t k = 0; k < scalar_input_count; ++k) {
        const auto col = static_cast<Eigen::Index>(k);
        if (is_fixed(s_.scalars[k]))
            ws.scalars.col(col).setConstant(s_.scalars[k].p0);
        else if (scalar_dim_[k] != none)
            quantile(s_.scalars[k], u.col(scalar_dim_[k]), ws.scalars.col(col));
    }
    for (const auto& block : copulas_) {
        const auto d = static_cast<Eigen::Index>(block.inputs.size());
        ws.copula_in.resize(rows, d);
        ws.copula_out.resize(rows, d);
        for (Eigen::Index i = 0; i < d; ++i)
            inverse_normal_cdf(u.col(block.first_dim + i), ws.copula_in.col(i).array());
        block.copula.correlate(ws.copula_in, ws.copula_out);
        for (Eigen::Index i = 0; i < d; ++i) {
            const auto k = block.inputs[static_cast<std::size_t>(i)];
            from_normal_score(s_.scalars[k], ws.copula_out.col(i).array(), ws.scalars.col(static_cast<Eigen::Index>(k)));
        }
    }

    // Shock time, +inf when the shock does not occur.
    ws.shock_time.resize(rows);
    const double inf = std::numeric_limits<double>::infinity();
    for (Eigen::Index b = 0; b < rows; ++b) {
        bool occurs = s_.shock_probability >= 1 ||
                      (shock_occurs_dim_ != none && u(b, shock_occurs_dim_) < s_.shock_probability);
        ws.shock_time[b] = !occurs ? inf
                           : shock_time_dim_ == none ? s_.shock_time.p0
                                                     : quantile(s_.shock_time, u(b, shock_time_dim_));
    }

    // Investors: drop-out time (+inf when the investor stays) and pledge.
    const auto investors = static_cast<Eigen::Index>(s_.investors.size());
    ws.investor_tau.resize(rows, investors);
    ws.investor_pledge.resize(rows, investors);
    const double g = s_.dropout_global, w = s_.dropout_within_group;
    const double a_g = std::sqrt(g), a_w = std::sqrt(w), a_e = std::sqrt(std::max(0.0, 1.0 - g - w));
    if (dropout_common_dim_ != none) {
        ws.common.resize(rows);
        inverse_normal_cdf(u.col(dropout_common_dim_), ws.common);
        ws.group_score.resize(rows * static_cast<Eigen::Index>(group_count_));
        for (std::size_t grp = 0; grp < group_count_; ++grp)
            inverse_normal_cdf(u.col(dropout_group_first_dim_ + static_cast<Eigen::Index>(grp)),
                               ws.group_score.segment(static_cast<Eigen::Index>(grp) * rows, rows));
    }
    ws.work.resize(rows);
    for (Eigen::Index i = 0; i < investors; ++i) {
        const investor& v = s_.investors[static_cast<std::size_t>(i)];
        const double q = v.dropout_probability;
        auto tau = ws.investor_tau.col(i);
        if (q <= 0) {
            tau.setConstant(inf);
        } else {
            if (tau_dim_[static_cast<std::size_t>(i)] != none)
                quantile(s_.dropout_time, u.col(tau_dim_[static_cast<std::size_t>(i)]), tau);
            else
                tau.setConstant(s_.dropout_time.p0);
            if (q < 1) {
                inverse_normal_cdf(u.col(dropout_own_first_dim_ + i), ws.work);
                const auto grp = static_cast<Eigen::Index>(investor_group_[static_cast<std::size_t>(i)]);
                const double threshold = dropout_threshold_[static_cast<std::size_t>(i)];
                for (Eigen::Index b = 0; b < rows; ++b) {
                    const double z = a_g * ws.common[b] + a_w * ws.group_score[grp * rows + b] + a_e * ws.work[b];
                    if (!(z < threshold)) tau[b] = inf;
                }
            }
        }
        if (pledge_dim_[static_cast<std::size_t>(i)] != none)
            quantile(v.pledge_busd, u.col(pledge_dim_[static_cast<std::size_t>(i)]), ws.investor_pledge.col(i));
        else
            ws.investor_pledge.col(i).setConstant(v.pledge_busd.p0);
    }

    draw_factor_block(u, s_.capex_overrun, s_.capex_overrun_correlation, overrun_dims_, fab_start_.size(), ws.overrun, ws);
    draw_factor_block(u, s_.delay_years, s_.delay_correlation, delay_dims_, fab_start_.size(), ws.delay, ws);
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

inline void model::schedule_lanes(Eigen::Index b0, Eigen::Index count, workspace& ws, Eigen::Ref<Eigen::ArrayXXd> out) const {
    // The lanes are computed as one vector value each (lanes.hpp): every lane runs exactly
    // the same arithmetic, whatever its neighbours hold.
    using namespace detail;
    using doubles = lanes::doubles;
    using ints = lanes::ints;
    constexpr int L = lanes::count;
    const int n = n_;
    const std::int64_t last = n;  // the grid index n: the capital at t_n, and the ramps' spare row
    const std::size_t investors = s_.investors.size(), fabs = fab_start_.size();
    const double inf = std::numeric_limits<double>::infinity(), m = m_;
    const doubles zero{}, one = zero + 1.0;
    const ints zero_ints{};
    ints lane_index;
    lanes::iota(lane_index);

    // L consecutive trials of one input column. A short last group reads a padded copy whose
    // idle lanes hold harmless values (no pledge, no drop-out, no overrun, no delay).
    double* spare = ws.tail.data();
    auto column = [&](const Eigen::ArrayXXd& a, Eigen::Index col, double idle) -> const double* {
        const double* p = a.data() + col * a.rows() + b0;
        if (count == L) return p;
        double* q = spare;
        spare += L;
        for (int b = 0; b < L; ++b) q[b] = b < count ? p[b] : idle;
        return q;
    };
    auto scalar = [&](scalar_input x, double idle) { return column(ws.scalars, static_cast<Eigen::Index>(x), idle); };

    // 1. Capital on the grid, [k][lane]: C(t) = Σ P_i·clamp((min(t, τ_i) − b_i)/d_i, 0, 1)
    //    (docs/model.md §4.2).
    //    In grid units a pledge is a line (ramp_sums.hpp) of slope P_i/(d_i·m) from b_i·m to
    //    where it is paid in full or the investor drops out, clamp(τ_i·m, b_i·m, (b_i + d_i)·m):
    //    two updates per investor and one pass over the grid, not investors × steps.
    constexpr std::int64_t row = ramp_sums::row;
    ints slot_offset;
    FABRISK_LANES_LOAD(slot_offset, ramp_sums::slot_offsets);
    double* const C = ws.capital.data();
    double* const pledge_rows = ws.pledge_rows.data();
    double* const terms = ws.investor_lanes.data();  // [investor][cap, pledge][lane]
    const std::int64_t pledge_spare = last + 1;  // takes the updates past t_n
    for (std::size_t i = 0; i < investors; ++i) {
        const auto col = static_cast<Eigen::Index>(i);
        const investor& iv = s_.investors[i];
        doubles tau, pledge;
        FABRISK_LANES_LOAD(tau, column(ws.investor_tau, col, inf));
        FABRISK_LANES_LOAD(pledge, column(ws.investor_pledge, col, 0.0));
        const double begin = iv.disburse_start * m, paid = begin + iv.disburse_years * m;
        const doubles x = tau * m;
        const doubles end = x > begin ? (x < paid ? x : zero + paid) : zero + begin;
        const ints end_seen = end < n;
        const doubles end_in = end_seen ? end : zero;
        const ints at_end = ((end_seen ? __builtin_convertvector(end_in, ints) + 1 : zero_ints + pledge_spare) << ramp_sums::row_shift) + slot_offset;
        const std::int64_t k_begin = begin < n ? static_cast<std::int64_t>(begin) + 1 : pledge_spare;
        const doubles slope = pledge * (1.0 / (iv.disburse_years * m)), minus = -slope;
        ramp_sums::add(pledge_rows, k_begin * row + slot_offset, slope, slope * begin);
        ramp_sums::add(pledge_rows, at_end, minus, minus * end_in);
        // For the direct sum below: the share paid by τ_i, clamp((τ_i − b_i)/d_i, 0, 1).
        const doubles y = (tau - iv.disburse_start) * (1.0 / iv.disburse_years);
        const doubles cap = y > 0 ? (y < 1 ? y : one) : zero;
        FABRISK_LANES_STORE(terms + 2 * i * L, cap);
        FABRISK_LANES_STORE(terms + (2 * i + 1) * L, pledge);
    }
    // C never falls in k (pledges are non-negative), so rounding residues are held to the last
    // value. A pledge that overflowed makes inf − inf; such lanes sum each grid time directly,
    // where nothing disbursed is nothing, even from an infinite pledge.
    {
        ramp_sums::running raised;
        doubles before = zero;
        ints broken{};
        for (std::int64_t k = 0; k <= last; ++k) {
            doubles c;
            raised.step(pledge_rows + k * row, double(k), c);
            broken |= ~(c - c == 0);  // NaN or ±inf
            c = c > before ? c : before;
            FABRISK_LANES_STORE(C + k * L, c);
            before = c;
        }
        for (int b = 0; b < static_cast<int>(row); ++b) pledge_rows[pledge_spare * row + b] = 0;
        // Since clamping and rounding are monotone, the share paid by t_k is exactly
        // min(clamp((t_k − b_i)/d_i), clamp((τ_i − b_i)/d_i)): the first is the same in every
        // lane and tabulated once (disbursed_share_), the second is each lane's cap.
        const bool any_broken = lanes::any(broken);
        for (std::int64_t k = 0; any_broken && k <= last; ++k) {
            const double* const scheduled = disbursed_share_.data() + k * static_cast<std::int64_t>(investors);
            doubles c = zero;
            for (std::size_t i = 0; i < investors; ++i) {
                doubles cap, pledge;
                FABRISK_LANES_LOAD(cap, terms + 2 * i * L);
                FABRISK_LANES_LOAD(pledge, terms + (2 * i + 1) * L);
                const doubles share_in = scheduled[i] < cap ? zero + scheduled[i] : cap;
                c += share_in == 0 ? zero : pledge * share_in;
            }
            doubles from_lines;
            FABRISK_LANES_LOAD(from_lines, C + k * L);
            c = broken ? c : from_lines;
            FABRISK_LANES_STORE(C + k * L, c);
        }
    }
    // A(t_k) = s·C(t_k), which never falls in k (pledges are non-negative and rounding is
    // monotone); a zero share puts nothing aside, even from an infinite C.
    doubles share;
    FABRISK_LANES_LOAD(share, scalar(scalar_input::fab_capital_share, 1.0));
    double* const A = ws.available.data();
    for (std::int64_t k = 0; k <= last; ++k) {
        doubles c;
        FABRISK_LANES_LOAD(c, C + k * L);
        const doubles a = share == 0 ? zero : share * c;
        FABRISK_LANES_STORE(A + k * L, a);
    }

    // How each lane's ramps are drawn: a clamped line of R·m steps, or (R·m below 1e-6 of a
    // step, including R = 0) a step function, added by add_step_ramp one lane at a time.
    const double* const R = scalar(scalar_input::ramp_years, 1.0);
    doubles ramp_years;
    FABRISK_LANES_LOAD(ramp_years, R);
    const doubles Rm = ramp_years * m;
    const ints line = Rm >= 1e-6;
    const doubles inv_Rm = line ? one / Rm : zero;
    const bool all_lines = !lanes::any(~line);

    // The five ramp sums (ramp_sums.hpp), each in rows [k][slot][A, B]; row n is a spare row
    // that takes the updates no step sees, so every lane writes every time.
    const Eigen::Index sum_stride = ws.ramp_stride;
    double* const ramps = ws.ramps.data();
    const double t_n = grid_times_[static_cast<std::size_t>(n)];
    // A ramp in lanes: w·clamp((t_k − c)/R, 0, 1) on the grid. In grid units it is the line of
    // slope w·s, s = 1/(R·m), from a = c·m to e = a + R·m: two paired updates per sum.
    auto add_ramps = [&](const double* c_lanes, double w1, double w2, Eigen::Index sum1, Eigen::Index sum2) __attribute__((always_inline)) {
        doubles c;
        FABRISK_LANES_LOAD(c, c_lanes);
        const ints seen = (c < t_n) & line;  // some step sees it (c may be +inf)
        const doubles a = seen ? c * m : zero, e = a + Rm;
        const ints ends = seen & (e < n);
        const doubles e_in = ends ? e : zero;
        // ⌊x⌋ + 1 for 0 ≤ x ≤ n (truncation is exact there).
        const ints ka = __builtin_convertvector(a, ints) + 1, ke = __builtin_convertvector(e_in, ints) + 1;
        const ints at_start = (((seen & (ka < last)) ? ka : zero_ints + last) << ramp_sums::row_shift) + slot_offset;
        const ints at_end = (((ends & (ke < last)) ? ke : zero_ints + last) << ramp_sums::row_shift) + slot_offset;
        auto add = [&](double w, Eigen::Index sum) {
            const doubles slope = w * inv_Rm, minus = -slope;
            ramp_sums::add(ramps + sum, at_start, slope, slope * a);
            ramp_sums::add(ramps + sum, at_end, minus, minus * e_in);
        };
        add(w1, sum1);
        if (sum2 >= 0) add(w2, sum2);
        if (all_lines) return;
        for (int b = 0; b < L; ++b) {
            if (line[b] != 0 || !(c[b] < t_n)) continue;
            scatter_entry* next = ws.scatter.data();
            add_step_ramp(c[b], R[b], w1, w2, sum1 + slot_offset[b] + 1, sum2 < 0 ? sum2 : sum2 + slot_offset[b] + 1, row, next);
            for (const scatter_entry* u = ws.scatter.data(); u != next; ++u) ramps[u->at] += u->value;
        }
    };

    // 2–3. Funding in plan order (docs/model.md §4.3–4.4). A never falls, so fab f breaks ground at
    //      φ_f = max(κ_f, s_f's grid index, φ_{f−1}), κ_f the number of grid points with
    //      A(t_k) < X_f (within tolerance), found by a branch-free binary search in every lane
    //      at once; φ = n + 1 means unfunded, and so is every later fab.
    int top = 1;
    while (2 * top <= n + 1) top *= 2;
    // The search's first four levels probe the same fifteen grid points in every lane; with
    // 16·S > n they span the grid. (Three levels and seven points, a gather level more, cost
    // 15 ns a trial more; five and 31 points cost more again.)
    const int coarse = top >= 8 ? top / 8 : 1;
    const int coarse_points = static_cast<int>(std::min<std::int64_t>(15, (last + 1) / coarse));  // S·j − 1 ≤ n
    doubles cumulative{}, delay_sum{}, funded{}, completed{};
    ints phi{};
    alignas(64) double c_lanes[L];
    double* const completion = ws.completion.data();
    // Offsets of the five ramp sums: capacity of unexposed and of exposed fabs, staff needed by
    // each (unused when all fabs share one staff ratio: then Q is that ratio times N), and N⁰.
    const Eigen::Index n_kept = 0, n_exposed = sum_stride, q_kept = 2 * sum_stride, q_exposed = 3 * sum_stride,
                       planned = 4 * sum_stride, no_q = -1;
    // Every fab's search at once, level by level: each level is one independent gather per
    // fab, so their latencies overlap; between levels a search's state waits in the workspace.
    double* const needed = completion;  // X_f less the tolerance, until c_f replaces it
    std::int64_t* const below_all = ws.below.data();
    double* const delays = ws.delays.data();
    for (std::size_t f = 0; f < fabs; ++f) {
        const auto col = static_cast<Eigen::Index>(f);
        doubles overrun, delay;
        FABRISK_LANES_LOAD(overrun, column(ws.overrun, col, 1.0));
        FABRISK_LANES_LOAD(delay, column(ws.delay, col, 0.0));
        FABRISK_LANES_STORE(delays + f * L, delay);
        delay_sum += delay;
        cumulative += fab_capex_[f] * overrun;
        // A(t_k) ≥ X_f within tolerance: s·C(t_k) ≥ X_f − 1e-9·max(1, |X_f|).
        const doubles magnitude = cumulative < 0 ? -cumulative : cumulative;
        const doubles need = cumulative - 1e-9 * (magnitude > 1 ? magnitude : one);
        FABRISK_LANES_STORE(needed + f * L, need);
        // The coarse levels are a count over the points S·j − 1 (plain loads); the rest
        // refines within S points by gathers.
        ints below{};
        const double* probe = A + (coarse - 1) * L;
        for (int i = 0; i < coarse_points; ++i, probe += coarse * L) {
            doubles a;
            FABRISK_LANES_LOAD(a, probe);
            lanes::add_where(below, lanes::not_at_least(a, need), coarse);  // monotone: the points below are the first ones
        }
        FABRISK_LANES_STORE(below_all + f * L, below);
    }
    for (int step = coarse / 2; step >= 1; step /= 2) {
        for (std::size_t f = 0; f < fabs; ++f) {
            doubles need;
            ints below;
            FABRISK_LANES_LOAD(need, needed + f * L);
            FABRISK_LANES_LOAD(below, below_all + f * L);
            const ints probe = below + (step - 1);
            const ints inside = probe <= last;
            const ints at = ((inside ? probe : zero_ints + last) << lanes::count_shift) + lane_index;  // ·L, as a shift (see ramp_sums::row_shift)
            doubles a;
            lanes::gather(A, at, a);
            below += inside & ~(a >= need) & step;  // NaN needs (an overflowed X_f) are never met
            FABRISK_LANES_STORE(below_all + f * L, below);
        }
    }
    for (std::size_t f = 0; f < fabs; ++f) {
        ints below;
        doubles delay;
        FABRISK_LANES_LOAD(below, below_all + f * L);
        FABRISK_LANES_LOAD(delay, delays + f * L);
        ints k = below > fab_start_index_[f] ? below : fab_start_index_[f];
        k = k > phi ? k : phi;
        phi = k;
        const ints is_funded = k <= last;
        const doubles t = __builtin_convertvector(k, doubles) / m;  // t_k = k/m, as on the grid
        const doubles c = is_funded ? t + fab_build_[f] + delay : zero + inf;
        funded += (is_funded & (t <= deadline_limit_)) ? one : zero;  // at_most(φ, T_d)
        completed += c <= deadline_limit_ ? one : zero;               // c may be +inf, never ≤
        FABRISK_LANES_STORE(completion + f * L, c);
    }
    // Then the ramps, in a second pass: kept apart, the funding loop is short enough for the
    // CPU to overlap the searches (gathers) of successive fabs.
    for (std::size_t f = 0; f < fabs; ++f) {
        if (fab_exposed_[f])
            add_ramps(completion + f * L, fab_wafers_[f], fab_staff_[f], n_exposed, staff_ratio_ ? no_q : q_exposed);
        else
            add_ramps(completion + f * L, fab_wafers_[f], fab_staff_[f], n_kept, staff_ratio_ ? no_q : q_kept);
    }
    for (std::size_t p = 0; p < planned_completion_.size(); ++p) {
        for (int b = 0; b < L; ++b) c_lanes[b] = b < count ? planned_completion_[p] : inf;  // idle lanes plan nothing
        add_ramps(c_lanes, planned_wafers_[p], 0.0, planned, no_q);
    }
    for (int q = 0; q < 5; ++q)
        for (int b = 0; b < 2 * L; ++b) ramps[q * sum_stride + last * row + b] = 0;  // the spare row

    const double* shock_in = ws.shock_time.data() + b0;
    for (Eigen::Index lane = 0; lane < count; ++lane) {
        const Eigen::Index b = b0 + lane;
        out(b, static_cast<Eigen::Index>(output::capital_raised_busd)) = C[j_d_ * L + lane];  // t_{j_d} = T_d exactly
        out(b, static_cast<Eigen::Index>(output::fabs_funded)) = funded[lane];
        out(b, static_cast<Eigen::Index>(output::fabs_completed)) = completed[lane];
        out(b, static_cast<Eigen::Index>(output::mean_fab_delay_years)) = fabs ? delay_sum[lane] / double(fabs) : 0.0;
        out(b, static_cast<Eigen::Index>(output::geo_shock)) = at_most(shock_in[lane], t_d_) ? 1.0 : 0.0;
    }

    // The per-lane inputs of the grid phase; idle lanes play harmless inputs.
    double* const st = ws.state.data();
    const double* const workforce = scalar(scalar_input::initial_workforce, 0.0);
    const double* const hiring = scalar(scalar_input::hiring_per_year, 0.0);
    const double* const attrition = scalar(scalar_input::attrition_per_year, 0.0);
    const double* const decline = scalar(scalar_input::cost_decline, 0.0);
    const double* const elasticity = scalar(scalar_input::scale_elasticity, 0.0);
    const double* const yield = scalar(scalar_input::yield, 0.0);
    const double* const flops = scalar(scalar_input::flops_per_die, 0.0);
    const double* const severity = scalar(scalar_input::severity, 0.0);
    const double per_step = 12.0 / m_ * s_.dies_per_wafer;
    for (int b = 0; b < L; ++b) {
        st[lane_workforce * L + b] = workforce[b];
        st[lane_hiring * L + b] = hiring[b];
        st[lane_attrition * L + b] = attrition[b];
        st[lane_decline * L + b] = decline[b];
        st[lane_elasticity * L + b] = elasticity[b];
        st[lane_per_step * L + b] = per_step * yield[b] * flops[b];
        st[lane_kept * L + b] = 1.0 - severity[b];
        const double shock = b < count ? shock_in[b] : inf;
        st[lane_shock_step * L + b] = std::isfinite(shock) ? first_index_at_least(shock) : n + 1;
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

inline void model::play_lanes(Eigen::Index b0, Eigen::Index count, workspace& ws, Eigen::Ref<Eigen::ArrayXXd> out) const {
    // Every per-lane quantity is one lanes::doubles value (lanes.hpp), kept in registers across
    // the steps: each lane runs exactly the same arithmetic, whatever its neighbours hold.
    using namespace detail;
    using doubles = lanes::doubles;
    using ints = lanes::ints;
    constexpr int L = lanes::count;
    const int n = n_;
    const double delta = 1.0 / m_, inf = std::numeric_limits<double>::infinity();
    schedule_lanes(b0, count, ws, out);
    const double* const st = ws.state.data();
    doubles W, h, attrition, r, kappa, per_step, kept, k_shock;
    FABRISK_LANES_LOAD(W, st + lane_workforce * L);
    FABRISK_LANES_LOAD(h, st + lane_hiring * L);
    FABRISK_LANES_LOAD(attrition, st + lane_attrition * L);
    FABRISK_LANES_LOAD(r, st + lane_decline * L);
    FABRISK_LANES_LOAD(kappa, st + lane_elasticity * L);
    FABRISK_LANES_LOAD(per_step, st + lane_per_step * L);
    FABRISK_LANES_LOAD(kept, st + lane_kept * L);
    FABRISK_LANES_LOAD(k_shock, st + lane_shock_step * L);
    const doubles zero{}, one = zero + 1.0;
    bool elasticity_one = true, elasticity_zero = true;
    for (Eigen::Index lane = 0; lane < count; ++lane) {
        elasticity_one = elasticity_one && kappa[lane] == 1;
        elasticity_zero = elasticity_zero && kappa[lane] == 0;
    }
    // The growth factor x^(−Δ) of x = 1 − r_k, in place. With m = 2^j steps a year it is
    // 1/√…√x (j square roots, each correctly rounded), far cheaper than exp(−Δ·ln x).
    int roots = -1;
    for (int j = 0; j <= 6; ++j)
        if (m_ == 1 << j) roots = j;
    auto growth = [&](doubles& x) {
        if (roots >= 0) {
            for (int j = 0; j < roots; ++j) lanes::sqrt(x, x);
            x = 1.0 / x;
        } else {
            vector_math::log_lanes(x, x);
            x *= -delta;
            vector_math::exp_lanes(x, x);
        }
    };
    doubles full_growth = one - r;
    growth(full_growth);

    // 6–10 (docs/model.md §4.7), step by step, the lanes side by side. The five ramp sums are
    // walked up the grid (ramp_sums.hpp), their rows zeroed behind for the next group; rounding residues are
    // never allowed below zero. With a shared staff ratio the Q sums (2 and 3) stay zero and
    // Q = ratio·N, so they are skipped.
    const double wafer_unit = wafer_unit_, staff_unit = staff_unit_, staff_ratio = staff_ratio_;
    const bool staff_sums = staff_ratio_ == 0;
    // W/c as W·per_staff, where c = staff_unit·ratio; a subnormal c (whose reciprocal
    // overflows, so W = 0 would give 0·inf) divides each step as in the general case.
    const double per_staff = staff_sums ? 0.0 : 1.0 / (staff_unit * staff_ratio);
    const bool divide_each_step = staff_sums || !std::isfinite(per_staff);
    const Eigen::Index sum_stride = ws.ramp_stride;
    ramp_sums::running sums[5];
    doubles v[5] = {};
    doubles G = one, G_deadline = one, staffing_deadline = one;
    double* const F_all = ws.added.data();
    for (int k = 0; k < n; ++k) {
        double* const d = ws.ramps.data() + k * ramp_sums::row;
        for (int q = 0; q < 5; ++q) {
            if (!staff_sums && (q == 2 || q == 3)) continue;
            doubles value;
            sums[q].step(d + q * sum_stride, double(k), value);
            v[q] = value > 0 ? value : zero;
        }
        const doubles alpha = double(k) >= k_shock ? kept : one;
        // N, Q and N⁰ in units (the scales cancel in λ); min(1, x) as std::min does it, so a
        // NaN ratio (inf/inf) counts as 1.
        const doubles n_units = v[0] + alpha * v[1], n0_units = v[4];
        const doubles Q = staff_unit * (staff_ratio * n_units + (v[2] + alpha * v[3]));
        // 7. σ = min(1, W/Q) (1 when Q = 0). With one staff ratio c, Q = c·N and
        //    σ·N = min(N, W/c): no division per step (the divider is the grid phase's
        //    bottleneck), and σ itself only at the deadline.
        auto staffing = [&](doubles& sigma) {
            sigma = W / (Q == 0 ? one : Q);
            sigma = ((Q == 0) | !(sigma < 1.0)) ? one : sigma;
        };
        doubles made;  // σ·N, zero whenever σ·N is
        if (divide_each_step) {
            doubles sigma;
            staffing(sigma);
            made = sigma * n_units * wafer_unit;
            if (k == j_d_ - 1) staffing_deadline = sigma;
        } else {
            made = (W < Q ? W * per_staff : n_units) * wafer_unit;
            if (k == j_d_ - 1) staffing(staffing_deadline);
        }
        // 10. W ← max(0, W + Δ·(h − a·W)).
        const doubles w = W + delta * (h - attrition * W);
        W = w > 0 ? w : zero;
        // 9. r_k = r·λ^κ (λ^0 = 1, also for λ = 0); growth (1 − r_k)^(−Δ). When every lane is
        //    at planned scale (λ = 1, e.g. before any planned fab is done) the growth is each
        //    lane's constant (1 − r)^(−Δ).
        //    λ = min(1, N/N⁰) is below 1 only when N < N⁰ (λ = 1 when N⁰ = 0, or for a NaN
        //    ratio as std::min gives it).
        const ints short_of_plan = (n0_units != 0) & (n_units < n0_units);
        doubles rate;
        if (!lanes::any(short_of_plan)) {
            rate = full_growth;
        } else if (elasticity_one && roots == 0) {
            // (1 − r·N/N⁰)^(−1) = N⁰/(N⁰ − r·N): one division where λ and the reciprocal took two.
            rate = short_of_plan ? n0_units / (n0_units - r * n_units) : full_growth;
        } else if (elasticity_one && roots > 0) {
            // (1 − r·N/N⁰)^(−Δ), Δ = 2^−roots, by Newton's method rather than square roots
            // (lanes.hpp): one division, and y = 1 − r·λ lies in [1 − r, 1], far from 0.
            const doubles y = short_of_plan ? (n0_units - r * n_units) / n0_units : one;
            lanes::inverse_root_pow2(y, roots, rate);
            rate = short_of_plan ? rate : full_growth;
        } else {
            rate = n_units / (n0_units == 0 ? one : n0_units);
            rate = ((n0_units == 0) | !(rate < 1.0)) ? one : rate;
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
        FABRISK_LANES_STORE(F_all + k * L, F);
        G *= rate;
        if (k == j_d_ - 1) G_deadline = G;
    }

    // Installed compute: what was made in the last ℓ years (docs/model.md §4.8). A running
    // window sum finds the first crossing; lanes that come near the target before it are redone by summing every
    // window afresh, so rounding cannot decide.
    const int life = lifetime_steps_;
    const double target = s_.target_flops, target_low = target - comparison_tolerance(target);
    const double* const added = ws.added.data();
    doubles running = zero, year = zero + inf, careful = zero, installed = zero;
    for (int j = 1; j <= n; ++j) {
        doubles in;
        FABRISK_LANES_LOAD(in, added + (j - 1) * L);
        running += in;
        if (j - 1 - life >= 0) {
            doubles gone;
            FABRISK_LANES_LOAD(gone, added + (j - 1 - life) * L);
            running -= gone;
        }
        const double when = s_.time.start_year + grid_times_[static_cast<std::size_t>(j)];  // t_j = j/m
        const ints open = year == inf;
        const doubles gap = running - target;
        careful = (open & ((gap < 0 ? -gap : gap) <= 1e-6 * target)) ? one : careful;
        year = (open & (running >= target_low)) ? zero + when : year;
    }
    for (int q = std::max(0, j_d_ - life); q <= j_d_ - 1; ++q) {
        doubles in;
        FABRISK_LANES_LOAD(in, added + q * L);
        installed += in;
    }
    doubles decline = G_deadline;
    vector_math::log_lanes(decline, decline);
    decline *= -1.0 / t_d_;
    vector_math::exp_lanes(decline, decline);
    decline = 1.0 - decline;
    for (Eigen::Index lane = 0; lane < count; ++lane) {
        const Eigen::Index b = b0 + lane;
        out(b, static_cast<Eigen::Index>(output::installed_flops)) = installed[lane];
        out(b, static_cast<Eigen::Index>(output::target_met)) = at_least(installed[lane], target) ? 1.0 : 0.0;
        out(b, static_cast<Eigen::Index>(output::target_year)) =
            careful[lane] != 0 ? exact_target_year(added, lane, L) : year[lane];
        out(b, static_cast<Eigen::Index>(output::staffing_factor)) = staffing_deadline[lane];
        out(b, static_cast<Eigen::Index>(output::realized_cost_decline)) = decline[lane];
    }
}

inline void model::evaluate(const Eigen::Ref<const Eigen::ArrayXXd>& uniforms, Eigen::Ref<Eigen::ArrayXXd> outputs,
                            workspace& ws) const {
    if (static_cast<std::size_t>(uniforms.cols()) != dimension_)
        throw usage_error("buildout::model::evaluate: uniforms have " + std::to_string(uniforms.cols()) +
                          " columns, expected " + std::to_string(dimension_));
    if (outputs.rows() != uniforms.rows() || static_cast<std::size_t>(outputs.cols()) != buildout::output_count)
        throw usage_error("buildout::model::evaluate: outputs must be " + std::to_string(uniforms.rows()) + " x " +
                          std::to_string(buildout::output_count));
    draw_inputs(uniforms, ws);
    for (Eigen::Index b = 0; b < uniforms.rows(); b += detail::lane_count)
        play_lanes(b, std::min(detail::lane_count, uniforms.rows() - b), ws, outputs);
}

}  // namespace fabrisk::buildout
