#pragma once
/// \file buildout/plausibility.hpp
/// Values a valid scenario may hold but that are almost surely a unit mistake: a capex overrun
/// of 115 (meant as 115%, read as 115 times the budget), a delay longer than the horizon, a
/// pledge the size of world GDP. They are warnings, not errors (parse_scenario accepts them):
/// each names the JSON path, the value and the threshold it crossed. Random inputs are judged by
/// their median (a fixed value's median is itself).
///
///     for (const auto& w : fabrisk::buildout::plausibility_warnings(s))
///         std::cerr << "warning: " << w.path << ": " << w.message << "\n";
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "fabrisk/buildout/scenario.hpp"
#include "fabrisk/distribution.hpp"

namespace fabrisk::buildout {

/// One implausible value: its JSON path and what looks wrong.
struct scenario_warning {
    std::string path, message;
};

/// fabs.capex_overrun is a multiplier of the budget (1 = on budget, 1.15 = 15% over): a median
/// above this many times the budget is almost surely a percentage.
inline constexpr double max_plausible_capex_overrun_median = 5;
/// About world GDP in billions of US$: a single investors.list[i].pledge_busd with a median at
/// or above it is almost surely in millions or in dollars.
inline constexpr double world_gdp_busd = 100000;
/// talent.hiring_per_year's median more than this many times talent.initial_workforce's median
/// (when that is positive) suggests the two are in different units (e.g. thousands and heads).
inline constexpr double max_plausible_hiring_to_workforce_ratio = 10;

/// The warnings for `s`, in document order (time, target, plan, investors, fabs, compute,
/// talent, geopolitics). Checked: fabs.capex_overrun median above
/// max_plausible_capex_overrun_median; investors.list[i].pledge_busd median at or above
/// world_gdp_busd; investors.list[i].disburse_start, fabs.groups[i].planned_start (a calendar
/// year instead of years from the start?), fabs.build_years, a group's own build_years and the
/// fabs.delay_years median beyond time.horizon_years; talent.hiring_per_year median above
/// max_plausible_hiring_to_workforce_ratio times the initial workforce's.
std::vector<scenario_warning> plausibility_warnings(const scenario& s);

// ---------------------------------------------------------------------------------------------

namespace detail {

inline std::string plausibility_number(double x) {
    std::ostringstream out;
    out.precision(12);
    out << x;
    return out.str();
}

/// The median of `d` (NaN if it cannot be evaluated, which no comparison then flags).
inline double plausibility_median(const distribution& d) {
    if (is_fixed(d)) return d.p0;
    try {
        return quantile(d, 0.5);
    } catch (const std::exception&) {
        return std::numeric_limits<double>::quiet_NaN();
    }
}

}  // namespace detail

inline std::vector<scenario_warning> plausibility_warnings(const scenario& s) {
    using detail::plausibility_median;
    const auto n = detail::plausibility_number;
    std::vector<scenario_warning> warnings;
    const double horizon = s.time.horizon_years;
    const std::string horizon_text = "the horizon of " + n(horizon) + " years (time.horizon_years)";

    // investors
    for (std::size_t i = 0; i < s.investors.size(); ++i) {
        const investor& v = s.investors[i];
        const std::string p = "investors.list[" + std::to_string(i) + "]";
        const double pledge = plausibility_median(v.pledge_busd);
        if (pledge >= world_gdp_busd)
            warnings.push_back({p + ".pledge_busd", "median pledge of " + n(pledge) + " billion US$ is at least " +
                                                        n(world_gdp_busd) +
                                                        " (about world GDP); pledge_busd is in billions of US$ "
                                                        "(1500 means $1.5 trillion)"});
        if (v.disburse_start > horizon)
            warnings.push_back({p + ".disburse_start", "disbursement starts at " + n(v.disburse_start) + ", beyond " +
                                                           horizon_text +
                                                           "; disburse_start is in years from time.start_year, not a "
                                                           "calendar year"});
    }

    // fabs
    const double overrun = plausibility_median(s.capex_overrun);
    if (overrun > max_plausible_capex_overrun_median)
        warnings.push_back({"fabs.capex_overrun", "median " + n(overrun) + " is a multiplier of " + n(overrun) +
                                                      "x the budget (more than " +
                                                      n(max_plausible_capex_overrun_median) +
                                                      "x); 1.15 means 15% over budget"});
    const std::string build_units = "; build_years is in years, not months";
    if (s.build_years > horizon)
        warnings.push_back({"fabs.build_years", "build time of " + n(s.build_years) + " years is longer than " +
                                                    horizon_text + build_units});
    const double delay = plausibility_median(s.delay_years);
    if (delay > horizon)
        warnings.push_back({"fabs.delay_years", "median delay of " + n(delay) + " years is longer than " + horizon_text +
                                                    "; delay_years is in years, not months"});
    for (std::size_t i = 0; i < s.fab_groups.size(); ++i) {
        const fab_group& g = s.fab_groups[i];
        const std::string p = "fabs.groups[" + std::to_string(i) + "]";
        if (g.planned_start > horizon)
            warnings.push_back({p + ".planned_start", "planned start " + n(g.planned_start) + " is beyond " +
                                                          horizon_text +
                                                          "; planned_start is in years from time.start_year, not a "
                                                          "calendar year"});
        // A group's own build_years (one inherited from fabs.build_years is reported there).
        if (g.build_years != s.build_years && g.build_years > horizon)
            warnings.push_back({p + ".build_years", "build time of " + n(g.build_years) + " years is longer than " +
                                                        horizon_text + build_units});
    }

    // talent
    const double workforce = plausibility_median(s.input(scalar_input::initial_workforce));
    const double hiring = plausibility_median(s.input(scalar_input::hiring_per_year));
    if (workforce > 0 && hiring > max_plausible_hiring_to_workforce_ratio * workforce)
        warnings.push_back({"talent.hiring_per_year",
                            "median hiring of " + n(hiring) + " a year is more than " +
                                n(max_plausible_hiring_to_workforce_ratio) + "x the median initial workforce of " +
                                n(workforce) + " (talent.initial_workforce); both are head counts"});
    return warnings;
}

}  // namespace fabrisk::buildout
