#pragma once
/// \file buildout/simulation.hpp
/// One call from a scenario to the full result of MODEL.md §5:
///
///     auto s = fabrisk::buildout::load_scenario("plan.json");
///     auto r = fabrisk::buildout::simulate(s, {.trials = 1'000'000});
///     double p = r.target_met.estimate();
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fabrisk/buildout/model.hpp"
#include "fabrisk/buildout/scenario.hpp"
#include "fabrisk/runner.hpp"
#include "fabrisk/statistics.hpp"

namespace fabrisk::buildout {

struct result {
    std::string scenario_name;
    std::uint64_t trials = 0, seed = 0;
    double target_flops = 0;
    int deadline_year = 0;
    proportion target_met;                                   ///< P(target met) and its Wilson interval
    std::vector<std::pair<int, double>> reached_by_year;     ///< (year, share reached by its end)
    std::array<output_summary, output_count> outputs;        ///< indexed by `output`
    double never_share = 0;                                  ///< share of trials that never reach the target

    const output_summary& operator[](output o) const { return outputs[static_cast<std::size_t>(o)]; }
};

/// Runs `options.trials` trials of the scenario. Throws usage_error if trials is 0.
inline result simulate(const scenario& s, const run_options& options) {
    if (options.trials == 0) throw usage_error("simulate: the number of trials must be at least 1");
    const model m(s);
    std::vector<output_config> config(output_count);
    config[static_cast<std::size_t>(output::target_met)].at_most_thresholds = {0.5};
    auto& years = config[static_cast<std::size_t>(output::target_year)].at_most_thresholds;
    for (int y = 0; y < s.time.horizon_years; ++y) years.push_back(double(s.time.start_year + y + 1));
    output_statistics stats(output_count, config);
    run(m, stats, options);

    result r;
    r.scenario_name = s.name;
    r.trials = options.trials;
    r.seed = options.seed;
    r.target_flops = s.target_flops;
    r.deadline_year = s.time.deadline_year;
    for (std::size_t j = 0; j < output_count; ++j) r.outputs[j] = stats.summary(j);
    const auto& met = r[output::target_met];
    r.target_met = {met.count - met.at_most_counts[0], met.count};
    const auto& ty = r[output::target_year];
    for (int y = 0; y < s.time.horizon_years; ++y)
        r.reached_by_year.emplace_back(s.time.start_year + y, double(ty.at_most_counts[static_cast<std::size_t>(y)]) / double(ty.count));
    r.never_share = double(ty.non_finite) / double(ty.count);
    return r;
}

}  // namespace fabrisk::buildout
