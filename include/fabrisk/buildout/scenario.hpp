#pragma once
/// \file buildout/scenario.hpp
/// The typed scenario of the build-out model (docs/model.md §1–3). A scenario is plain data; it is
/// read and checked by scenario_json.hpp and played by model.hpp.
#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "fabrisk/distribution.hpp"

namespace fabrisk::buildout {

/// The per-trial scalar inputs (kind U) that may be correlated, in the order of docs/model.md §1.13.
enum class scalar_input : std::size_t {
    fab_capital_share,
    ramp_years,
    yield,
    flops_per_die,
    cost_decline,
    scale_elasticity,
    initial_workforce,
    hiring_per_year,
    attrition_per_year,
    severity,
};
inline constexpr std::size_t scalar_input_count = 10;

/// JSON paths of the scalar inputs, indexed by scalar_input.
inline constexpr std::array<const char*, scalar_input_count> scalar_input_paths{
    "plan.fab_capital_share", "fabs.ramp_years",          "fabs.yield",
    "compute.flops_per_die",  "compute.cost_decline",     "compute.scale_elasticity",
    "talent.initial_workforce", "talent.hiring_per_year", "talent.attrition_per_year",
    "geopolitics.severity"};

struct time_settings {
    int start_year = 0;
    int horizon_years = 1;
    int steps_per_year = 1;
    int deadline_year = 0;
};

struct investor {
    std::string name, group;
    distribution pledge_busd;
    double disburse_start = 0;
    double disburse_years = 1;
    double dropout_probability = 0;
};

/// A group of identical fabs, with the `fabs` defaults already applied to its overrides.
struct fab_group {
    std::string name;
    int count = 0;
    double planned_start = 0;
    bool exposed = false;
    double capex_busd = 0, build_years = 0, wafers_per_month = 0, staff_per_fab = 0;
};

/// One entry of `correlations[]`; `rho` is the normal-score correlation (converted from
/// Spearman when the file gave `spearman`).
struct correlation {
    scalar_input a, b;
    double rho = 0;
};

struct scenario {
    std::string name, description;
    time_settings time;
    double target_flops = 0;

    std::array<distribution, scalar_input_count> scalars;  ///< indexed by scalar_input

    double dropout_global = 0, dropout_within_group = 0;
    distribution dropout_time;
    std::vector<investor> investors;

    double capex_busd = 0;
    distribution capex_overrun;
    double capex_overrun_correlation = 0;
    double build_years = 0;
    distribution delay_years;
    double delay_correlation = 0;
    double wafers_per_month = 0, staff_per_fab = 0, dies_per_wafer = 0;
    std::vector<fab_group> fab_groups;

    double chip_lifetime_years = 1;

    double shock_probability = 0;
    distribution shock_time;

    std::vector<correlation> correlations;

    const distribution& input(scalar_input which) const { return scalars[static_cast<std::size_t>(which)]; }
    distribution& input(scalar_input which) { return scalars[static_cast<std::size_t>(which)]; }
    /// Total number of fabs over all groups.
    std::size_t fab_count() const {
        std::size_t n = 0;
        for (const auto& g : fab_groups) n += static_cast<std::size_t>(g.count);
        return n;
    }
};

}  // namespace fabrisk::buildout
