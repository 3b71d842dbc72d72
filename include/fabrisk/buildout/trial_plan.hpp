#pragma once
/// \file buildout/trial_plan.hpp
/// What every trial of a scenario shares, worked out once (docs/model.md §4.1): the grid, the
/// fabs in plan order, the share of each pledge scheduled by each grid time, and the plan's own
/// schedule. The trial's kernels (src/kernels/buildout/) read it; nothing in it is random.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "fabrisk/buildout/scenario.hpp"
#include "fabrisk/statistics.hpp"

namespace fabrisk::buildout::detail {

struct trial_plan {
    explicit trial_plan(const scenario& s);

    // The grid (docs/model.md §4.1): t_k = k/m, k = 0 … n.
    int m = 1;               ///< steps a year
    int n = 0;               ///< grid steps, H·m
    int deadline_index = 0;  ///< j_d = T_d·m
    int lifetime_steps = 0;  ///< ℓ·m, rounded
    double deadline = 0;     ///< T_d in model years
    double deadline_limit = 0;  ///< T_d + 1e-9·max(1, T_d): "≤ T_d" within tolerance
    std::vector<double> grid_times;  ///< t_k, k = 0 … n

    // Capital (docs/model.md §4.2): clamp((t_k − b_i)/d_i, 0, 1), [k][investor].
    std::vector<double> disbursed_share;

    // The fabs in plan order: by planned start, ties in file order (docs/model.md §4.1).
    std::vector<double> fab_start, fab_capex, fab_build;
    std::vector<double> fab_wafers, fab_staff;  ///< in units of wafer_unit and staff_unit
    std::vector<char> fab_exposed;
    std::vector<std::string> fab_names;  ///< "<group name>/<index within the group>", the fab's identity
    std::vector<int> fab_start_index;  ///< first grid index at or after each planned start
    /// Ramp sums run in units of the largest wafers and staff figures, so that extreme inputs
    /// overflow only in the final product (to inf), never inside the sums (inf − inf).
    double wafer_unit = 1, staff_unit = 1;
    double staff_ratio = 0;  ///< staff per wafer (in units) when every fab shares it, else 0

    /// The plan's own schedule (docs/model.md §4.4), fabs with equal planned completion merged:
    /// c⁰ and Σ M in wafer units.
    std::vector<double> planned_completion, planned_wafers;

    std::size_t fab_count() const noexcept { return fab_start.size(); }
    /// Smallest grid index k ≥ 0 with t_k ≥ x (within tolerance); n + 1 if none up to n.
    int first_index_at_least(double x) const;
};

inline trial_plan::trial_plan(const scenario& s) {
    m = s.time.steps_per_year;
    n = s.time.horizon_years * m;
    deadline = s.time.deadline_year - s.time.start_year + 1;
    deadline_index = static_cast<int>(deadline) * m;
    deadline_limit = deadline + comparison_tolerance(deadline);
    lifetime_steps = static_cast<int>(std::lround(s.chip_lifetime_years * m));
    for (int k = 0; k <= n; ++k) grid_times.push_back(double(k) / m);
    for (int k = 0; k <= n; ++k)
        for (const investor& iv : s.investors) {
            const double x = (grid_times[static_cast<std::size_t>(k)] - iv.disburse_start) * (1.0 / iv.disburse_years);
            disbursed_share.push_back(x > 0 ? (x < 1 ? x : 1.0) : 0.0);
        }

    struct fab_row {
        double start, capex, build, wafers, staff;
        bool exposed;
        std::string name;
    };
    std::vector<fab_row> rows;
    for (const auto& g : s.fab_groups)
        for (int i = 0; i < g.count; ++i)
            rows.push_back({g.planned_start, g.capex_busd, g.build_years, g.wafers_per_month, g.staff_per_fab, g.exposed,
                            g.name + "/" + std::to_string(i)});
    std::stable_sort(rows.begin(), rows.end(), [](const fab_row& a, const fab_row& b) { return a.start < b.start; });
    wafer_unit = staff_unit = 0;
    for (const auto& r : rows) {
        wafer_unit = std::max(wafer_unit, r.wafers);
        staff_unit = std::max(staff_unit, r.staff);
    }
    if (!(wafer_unit > 0)) wafer_unit = 1;
    if (!(staff_unit > 0)) staff_unit = 1;
    if (!rows.empty()) {
        const double ratio = (rows[0].staff / staff_unit) / (rows[0].wafers / wafer_unit);
        bool uniform = ratio > 0 && std::isfinite(ratio);
        for (const auto& r : rows) uniform = uniform && (r.staff / staff_unit) / (r.wafers / wafer_unit) == ratio;
        if (uniform) staff_ratio = ratio;
    }
    for (const auto& r : rows) {
        fab_start.push_back(r.start);
        fab_capex.push_back(r.capex);
        fab_build.push_back(r.build);
        fab_wafers.push_back(r.wafers / wafer_unit);
        fab_staff.push_back(r.staff / staff_unit);
        fab_exposed.push_back(r.exposed);
        fab_names.push_back(r.name);
        fab_start_index.push_back(first_index_at_least(r.start));
    }
    std::map<double, double> planned;
    for (const auto& r : rows) planned[r.start + r.build] += r.wafers / wafer_unit;
    for (const auto& [c, w] : planned) {
        planned_completion.push_back(c);
        planned_wafers.push_back(w);
    }
}

inline int trial_plan::first_index_at_least(double x) const {
    if (x <= 0) return 0;  // t_0 = 0 (also keeps ceil(x·m) inside int for very negative x)
    if (!(x <= double(n) / m + 1.0)) return n + 1;
    int k = std::max(0, static_cast<int>(std::ceil(x * m)) - 1);
    while (k <= n && !at_least(double(k) / m, x)) ++k;
    return k;
}

}  // namespace fabrisk::buildout::detail
