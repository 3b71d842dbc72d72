#pragma once
/// \file buildout/random_inputs.hpp
/// Where each random input of docs/model.md §3 takes its uniforms. The scalar inputs and their
/// copulas are the engine's input_layout; the model reserves the rest on the same layout: the
/// shock (§3.5), the investors' drop-out scores, times and pledges (§3.3), and the fabs'
/// overruns and delays (§3.4). Fixed inputs take no uniform.
///
/// Every uniform draws from the stream of its name (random_stream.hpp), so it is the same in
/// every trial whatever else the scenario holds: a scalar input by its path; the shock as
/// "geopolitics.shock/occurs" and "/time"; the drop-out factors as "investors.dropout/global"
/// and "investors.dropout/group/<group>"; an investor's score, time and pledge as
/// "investors/<name>/dropout_score", "/dropout_time" and "/pledge"; the fabs' common factors as
/// "fabs.capex_overrun/common" and "fabs.delay_years/common", and a fab's own as
/// "fabs/<group>/<index>/capex_overrun" and "/delay_years".
#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "fabrisk/buildout/scenario.hpp"
#include "fabrisk/buildout/trial_plan.hpp"
#include "fabrisk/error.hpp"
#include "fabrisk/input_layout.hpp"
#include "fabrisk/normal.hpp"

namespace fabrisk::buildout {

/// The model's own input groups (input_layout's reserved groups), by their tag.
enum class drawn_group : int { geo_shock = 1, investor_dropout, pledges, capex_overruns, fab_delays };

namespace detail {

inline constexpr int no_dimension = input_layout::none;

/// An exchangeable one-factor copula's uniforms: a common factor (none when ρ = 0) and one own
/// factor per fab, consecutive (none when ρ = 1).
struct factor_dims {
    int common = no_dimension, first_own = no_dimension;
};

struct random_inputs {
    /// Lays out every random input of `s`, whose fabs in plan order are `plan`'s, in the order
    /// of docs/model.md §1.13.
    random_inputs(const scenario& s, const trial_plan& plan);

    input_layout layout;  ///< scalar inputs by scalar_input, then the ranges below

    int shock_occurs = no_dimension, shock_time = no_dimension;  ///< §3.5: whether, then when

    /// §3.3: the drop-out scores √g·global + √w·group + √(1 − g − w)·own, each investor's group
    /// index, and the threshold Φ⁻¹(q_i) its score must fall below.
    int dropout_global = no_dimension, dropout_group_first = no_dimension, dropout_own_first = no_dimension;
    std::vector<int> investor_group;
    std::size_t group_count = 0;
    std::vector<double> dropout_threshold;
    std::vector<int> dropout_time, pledge;  ///< per investor

    factor_dims overrun, delay;  ///< §3.4

    /// The uniforms that put every input of one of the model's own groups at its p-quantile
    /// (see model::held_uniforms).
    std::vector<std::pair<int, double>> held_uniforms(const scenario& s, std::size_t fabs, const input_layout::group& g,
                                                      double p) const;

private:
    int take(drawn_group g, const std::vector<std::string>& streams) {
        static constexpr std::array<const char*, 6> names{"", "geo_shock", "investor_dropout", "pledges", "capex_overruns",
                                                          "fab_delays"};
        return layout.reserve(names[static_cast<std::size_t>(g)], streams, static_cast<int>(g));
    }
};

inline random_inputs::random_inputs(const scenario& s, const trial_plan& plan) {
    // Scalar inputs: correlated ones form copula blocks (docs/model.md §3.2).
    std::vector<input_layout::scalar> scalars;
    for (std::size_t k = 0; k < scalar_input_count; ++k) scalars.push_back({scalar_input_paths[k], s.scalars[k]});
    std::vector<input_layout::correlation> pairs;
    for (const auto& c : s.correlations) pairs.push_back({static_cast<std::size_t>(c.a), static_cast<std::size_t>(c.b), c.rho});
    layout = input_layout(std::move(scalars), pairs);

    // The shock: whether, then when (docs/model.md §3.5).
    if (s.shock_probability > 0 && s.shock_probability < 1) shock_occurs = take(drawn_group::geo_shock, {"geopolitics.shock/occurs"});
    if (s.shock_probability > 0 && !is_fixed(s.shock_time)) shock_time = take(drawn_group::geo_shock, {"geopolitics.shock/time"});

    // Investors: drop-out scores from a global, a group and an own factor (docs/model.md §3.3).
    std::map<std::string, int> group_ids;
    std::vector<std::string> group_streams, own_streams;
    for (const auto& v : s.investors) {
        auto [it, inserted] = group_ids.emplace(v.group, static_cast<int>(group_ids.size()));
        if (inserted) group_streams.push_back("investors.dropout/group/" + v.group);
        investor_group.push_back(it->second);
        own_streams.push_back("investors/" + v.name + "/dropout_score");
    }
    group_count = group_ids.size();
    const bool any_uncertain_dropout = std::any_of(s.investors.begin(), s.investors.end(), [](const investor& v) {
        return v.dropout_probability > 0 && v.dropout_probability < 1;
    });
    if (any_uncertain_dropout) {
        dropout_global = take(drawn_group::investor_dropout, {"investors.dropout/global"});
        dropout_group_first = take(drawn_group::investor_dropout, group_streams);
        dropout_own_first = take(drawn_group::investor_dropout, own_streams);
    }
    for (const auto& v : s.investors) {
        dropout_threshold.push_back(v.dropout_probability > 0 && v.dropout_probability < 1
                                        ? inverse_normal_cdf(v.dropout_probability)
                                        : 0.0);
        dropout_time.push_back(v.dropout_probability > 0 && !is_fixed(s.dropout_time)
                                   ? take(drawn_group::investor_dropout, {"investors/" + v.name + "/dropout_time"})
                                   : no_dimension);
    }
    for (const auto& v : s.investors)
        pledge.push_back(is_fixed(v.pledge_busd) ? no_dimension : take(drawn_group::pledges, {"investors/" + v.name + "/pledge"}));

    // Fabs: overruns, then delays, each an exchangeable one-factor copula (docs/model.md §3.4).
    auto factors = [&](drawn_group g, const char* field, const distribution& d, double rho) {
        factor_dims dims;
        if (is_fixed(d) || plan.fab_count() == 0) return dims;
        if (rho > 0) dims.common = take(g, {std::string("fabs.") + field + "/common"});
        std::vector<std::string> own;
        for (const auto& fab : plan.fab_names) own.push_back("fabs/" + fab + "/" + field);
        if (rho < 1) dims.first_own = take(g, own);
        return dims;
    };
    overrun = factors(drawn_group::capex_overruns, "capex_overrun", s.capex_overrun, s.capex_overrun_correlation);
    delay = factors(drawn_group::fab_delays, "delay_years", s.delay_years, s.delay_correlation);
}

inline std::vector<std::pair<int, double>> random_inputs::held_uniforms(const scenario& s, std::size_t fabs,
                                                                       const input_layout::group& g, double p) const {
    if (g.kind != input_layout::group_kind::reserved) return layout.held_uniforms(g, p);
    if (!(p > 0 && p < 1)) throw usage_error("held_uniforms: p must lie in (0, 1)");
    const double z0 = inverse_normal_cdf(p);
    std::vector<std::pair<int, double>> held;
    // Every score √a·X + √b·Y + … with equal factor values x equals z0 when x = z0/(√a + √b + …).
    auto equal_factors = [&](std::initializer_list<double> weights) {
        double sum = 0;
        for (double w : weights) sum += std::sqrt(std::max(0.0, w));
        return normal_cdf(z0 / sum);
    };
    switch (static_cast<drawn_group>(g.tag)) {
    case drawn_group::pledges:
        for (int d : g.dimensions) held.emplace_back(d, p);
        break;
    case drawn_group::geo_shock:
        // The shock occurs iff its uniform is below q_g: 1 − p puts a low p on the side without.
        if (shock_occurs != no_dimension) held.emplace_back(shock_occurs, 1.0 - p);
        if (shock_time != no_dimension) held.emplace_back(shock_time, p);
        break;
    case drawn_group::investor_dropout: {
        // Every score at Φ⁻¹(p), so a low p means more drop-outs; times at their p-quantile.
        const double gl = s.dropout_global, w = s.dropout_within_group;
        const double u = equal_factors({gl, w, 1.0 - gl - w});
        if (dropout_global != no_dimension) {
            held.emplace_back(dropout_global, u);
            for (std::size_t i = 0; i < group_count; ++i) held.emplace_back(dropout_group_first + static_cast<int>(i), u);
            for (std::size_t i = 0; i < s.investors.size(); ++i) held.emplace_back(dropout_own_first + static_cast<int>(i), u);
        }
        for (int d : dropout_time)
            if (d != no_dimension) held.emplace_back(d, p);
        break;
    }
    case drawn_group::capex_overruns:
    case drawn_group::fab_delays: {
        const bool delays = static_cast<drawn_group>(g.tag) == drawn_group::fab_delays;
        const factor_dims& f = delays ? delay : overrun;
        const double rho = delays ? s.delay_correlation : s.capex_overrun_correlation;
        const double u = f.common == no_dimension || f.first_own == no_dimension ? p : equal_factors({rho, 1.0 - rho});
        if (f.common != no_dimension) held.emplace_back(f.common, f.first_own == no_dimension ? p : u);
        if (f.first_own != no_dimension)
            for (std::size_t i = 0; i < fabs; ++i) held.emplace_back(f.first_own + static_cast<int>(i), u);
        break;
    }
    default:
        throw usage_error("buildout::model::held_uniforms: \"" + g.name + "\" is not a group of this model");
    }
    return held;
}

}  // namespace detail
}  // namespace fabrisk::buildout
