#pragma once
/// \file buildout/selftest.hpp
/// Self-checks of the build-out model that need no files: the worked example of docs/model.md §6
/// (compiled in) and a variant with a partial ramp, both against their hand-computed results;
/// thread-count independence; and, given the default scenario, agreement with the independent
/// reference values of docs/model.md §7. `fabrisk selftest` runs them after fabrisk/selftest.hpp's
/// engine checks.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fabrisk/buildout/report.hpp"
#include "fabrisk/buildout/scenario_json.hpp"
#include "fabrisk/buildout/simulation.hpp"
#include "fabrisk/selftest.hpp"

namespace fabrisk::buildout::selftest {

using fabrisk::selftest::check;

/// scenarios/worked-example.json (docs/model.md §6), compiled in.
inline constexpr const char* worked_example_json = R"json({
  "name": "worked-example",
  "description": "The hand-checked example of docs/model.md section 6: every input fixed.",
  "time": {"start_year": 2024, "horizon_years": 4, "steps_per_year": 4, "deadline_year": 2026},
  "target": {"installed_flops": 100000},
  "plan": {"fab_capital_share": 1},
  "investors": {
    "dropout_correlation": {"global": 0, "within_group": 0},
    "list": [{"name": "sponsor", "group": "a", "pledge_busd": 100, "disburse_start": 0, "disburse_years": 4, "dropout_probability": 0}]
  },
  "fabs": {
    "capex_busd": 20, "capex_overrun": 1, "capex_overrun_correlation": 0,
    "build_years": 1, "delay_years": 0, "delay_correlation": 0,
    "ramp_years": 0, "wafers_per_month": 1000, "staff_per_fab": 100,
    "dies_per_wafer": 10, "yield": 1,
    "groups": [{"name": "site", "count": 2, "planned_start": 0}]
  },
  "compute": {"flops_per_die": 1, "cost_decline": 0, "scale_elasticity": 0, "chip_lifetime_years": 10},
  "talent": {"initial_workforce": 150, "hiring_per_year": 0, "attrition_per_year": 0},
  "geopolitics": {"shock_probability": 0, "severity": 0}
})json";

namespace detail {

/// Runs an all-fixed scenario and compares every output's mean (= every trial's value, sd 0)
/// and P(target met) with the hand-computed values.
inline check exact_check(const std::string& name, const std::string& text, const double (&expected)[output_count],
                         double probability) {
    try {
        run_options options;
        options.trials = 1000;
        options.threads = 2;
        const result r = simulate(parse_scenario(text), options);
        std::string mismatch;
        for (std::size_t j = 0; j < output_count; ++j) {
            const output_summary& s = r.outputs[j];
            const double want = expected[j];
            const bool ok = std::isinf(want) ? s.non_finite == s.count && s.min == want
                                             : s.non_finite == 0 && s.sd == 0 && std::fabs(s.min - want) <= 1e-12 * std::fabs(want) &&
                                                   s.min == s.max;
            if (!ok)
                mismatch += std::string(mismatch.empty() ? "" : ", ") + output_names[j] + " " +
                            fabrisk::selftest::detail::fmt(s.min, 10) + " (expected " +
                            fabrisk::selftest::detail::fmt(want, 10) + ")";
        }
        if (r.target_met.estimate() != probability)
            mismatch += std::string(mismatch.empty() ? "" : ", ") + "P(target met) " +
                        fabrisk::selftest::detail::fmt(r.target_met.estimate());
        return {name, mismatch.empty(), mismatch.empty() ? "every output exact in 1000 trials" : mismatch};
    } catch (const std::exception& e) {
        return {name, false, std::string("threw: ") + e.what()};
    }
}

}  // namespace detail

/// docs/model.md §6: installed 135000, met, 2027.0, capital 75, 2 funded, 2 completed, staffing 0.75,
/// decline 0, delay 0, no shock.
inline check worked_example_check() {
    const double expected[output_count] = {135000, 1, 2027.0, 75, 2, 2, 0.75, 0, 0, 0};
    return detail::exact_check("worked example (docs/model.md section 6)", worked_example_json, expected, 1.0);
}

/// The worked example with a half-year ramp (worked by hand in tests/buildout/edge_cases_test.cpp):
/// fab 1 gives F = 15000, 30000, 30000 at k = 9, 10, 11; I_12 = 75000 misses the target and
/// I_13 = 120000 reaches it at 2027.25.
inline check ramp_example_check() {
    auto doc = nlohmann::json::parse(worked_example_json);
    doc["fabs"]["ramp_years"] = 0.5;
    const double expected[output_count] = {75000, 0, 2027.25, 75, 2, 2, 1, 0, 0, 0};
    return detail::exact_check("worked example with a half-year ramp", doc.dump(), expected, 0.0);
}

/// The same seed gives byte-identical JSON for 1, 2 and 3 threads.
inline check determinism_check(const scenario& s, std::uint64_t trials = 5000) {
    try {
        std::string first;
        for (unsigned threads : {1u, 2u, 3u}) {
            run_options options;
            options.trials = trials;
            options.seed = 99;
            options.threads = threads;
            const std::string json = to_json(simulate(s, options)).dump();
            if (threads == 1)
                first = json;
            else if (json != first)
                return {"same result for 1, 2 and 3 threads", false,
                        "the JSON for " + std::to_string(threads) + " threads differs from 1 thread"};
        }
        return {"same result for 1, 2 and 3 threads", true,
                std::to_string(trials) + " trials of \"" + s.name + "\", byte-identical JSON"};
    } catch (const std::exception& e) {
        return {"same result for 1, 2 and 3 threads", false, std::string("threw: ") + e.what()};
    }
}

/// The default scenario against docs/model.md §7 (an independent implementation, 10^6 trials):
/// P(target met) and the means of the main outputs within 5 standard errors of the difference.
inline check reference_check(const scenario& seven_trillion, std::uint64_t trials = 100000) {
    const std::string name = "default scenario vs docs/model.md section 7";
    try {
        run_options options;
        options.trials = trials;
        options.seed = 20240101;
        const result r = simulate(seven_trillion, options);
        const double n = double(trials);
        std::string failures;
        auto near = [&](const char* what, double got, double want, double bound) {
            if (!(std::fabs(got - want) <= bound))
                failures += std::string(failures.empty() ? "" : ", ") + what + " " + fabrisk::selftest::detail::fmt(got, 5) +
                            " (reference " + fabrisk::selftest::detail::fmt(want, 5) + ")";
        };
        auto se_p = [&](double p) { return std::sqrt(p * (1 - p) / n + p * (1 - p) / 1e6); };
        auto se_mean = [&](output o) { return r[o].sd * std::sqrt(1 / n + 1 / 1e6); };
        near("P(target met)", r.target_met.estimate(), 0.3189, 5 * se_p(0.3189));
        near("installed_flops mean", r[output::installed_flops].mean, 2.326e24, 5 * se_mean(output::installed_flops));
        near("capital_raised_busd mean", r[output::capital_raised_busd].mean, 4535.7, 5 * se_mean(output::capital_raised_busd));
        near("fabs_completed mean", r[output::fabs_completed].mean, 20.26, 5 * se_mean(output::fabs_completed));
        near("staffing_factor mean", r[output::staffing_factor].mean, 0.8359, 5 * se_mean(output::staffing_factor));
        near("realized_cost_decline mean", r[output::realized_cost_decline].mean, 0.2273,
             5 * se_mean(output::realized_cost_decline));
        near("mean_fab_delay_years mean", r[output::mean_fab_delay_years].mean, 1.0049,
             5 * se_mean(output::mean_fab_delay_years));
        near("geo_shock mean", r[output::geo_shock].mean, 0.0585, 5 * se_p(0.0585));
        return {name, failures.empty(),
                failures.empty() ? std::to_string(trials) + " trials, P(target met) = " +
                                       fabrisk::selftest::detail::fmt(r.target_met.estimate(), 4) + " (reference 0.3189), 8 figures within 5 SE"
                                 : failures};
    } catch (const std::exception& e) {
        return {name, false, std::string("threw: ") + e.what()};
    }
}

/// The model checks; with the default scenario also determinism and the reference values.
inline std::vector<check> model_checks(const scenario* seven_trillion = nullptr) {
    std::vector<check> checks{worked_example_check(), ramp_example_check()};
    if (seven_trillion) {
        checks.push_back(determinism_check(*seven_trillion));
        checks.push_back(reference_check(*seven_trillion));
    }
    return checks;
}

}  // namespace fabrisk::buildout::selftest
