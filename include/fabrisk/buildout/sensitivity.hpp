#pragma once
/// \file buildout/sensitivity.hpp
/// Which uncertainties decide the plan: Sobol indices of one output of docs/model.md §5.1 for every
/// input group of the build-out model (model::input_groups), and the table and JSON that
/// `fabrisk sensitivity` prints and writes.
///
///     auto s = fabrisk::buildout::load_scenario("plan.json");
///     fabrisk::sobol_options o;
///     o.base_trials = 10'000;
///     auto r = fabrisk::buildout::sensitivity(s, fabrisk::buildout::output::target_met, o);
///     std::cout << fabrisk::buildout::to_text(r);
///
/// Correlated inputs form one group: their shares of the variance cannot be told apart.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fabrisk/buildout/model.hpp"
#include "fabrisk/buildout/scenario.hpp"
#include "fabrisk/sensitivity.hpp"
#include "fabrisk/version.hpp"

namespace fabrisk::buildout {

struct sensitivity_result {
    std::string scenario_name;
    output target = output::target_met;  ///< the output explained
    /// Groups in the order of model::input_groups; empty when every input is fixed (then no
    /// model ran, `sobol.mean` is the one value every trial gives, and the variance is 0).
    sobol_result sobol;
};

/// The output called `name` (docs/model.md §5.1). Throws usage_error for an unknown name and for
/// `target_year`, which is +inf in trials that never reach the target, so has no variance to
/// apportion (ask about `target_met` instead).
output sensitivity_output(const std::string& name);

/// Sobol indices of output `target` for every input group of scenario `s`, with
/// `options.output` ignored (set from `target`). See fabrisk::sobol_indices.
sensitivity_result sensitivity(const scenario& s, output target, sobol_options options);

/// The JSON `fabrisk sensitivity --json` writes: scenario, output, base_trials, seed,
/// model_runs, mean, variance, bootstrap_resamples, and `sobol` {group: {first, first_ci95,
/// total, total_ci95}} ranked by total index. Independent of the thread count.
nlohmann::ordered_json to_json(const sensitivity_result& r);

/// The ranked table `fabrisk sensitivity` prints, with a one-line reading guide.
std::string to_text(const sensitivity_result& r, unsigned threads = 0);

// ---------------------------------------------------------------------------------------------

namespace detail {
/// Group indices ranked by total index (largest first); ties keep the model's group order.
inline std::vector<std::size_t> ranked_by_total(const sobol_result& r) {
    std::vector<std::size_t> order(r.groups.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return r.groups[a].total.estimate > r.groups[b].total.estimate; });
    return order;
}
/// x rounded to three decimals, without a "-0.000".
inline double three_decimals(double x) {
    const double r = std::round(x * 1000) / 1000;
    return r == 0 ? 0.0 : r;
}
inline nlohmann::ordered_json number_or_null(double x) {
    return std::isfinite(x) ? nlohmann::ordered_json(x) : nlohmann::ordered_json(nullptr);
}
}  // namespace detail

inline output sensitivity_output(const std::string& name) {
    std::string known;
    for (std::size_t k = 0; k < output_count; ++k) {
        if (name == output_names[k]) {
            if (static_cast<output>(k) == output::target_year)
                throw usage_error("sensitivity: output target_year is not supported: it is +inf (never) in trials "
                                  "that never reach the target, so its variance is undefined; use target_met");
            return static_cast<output>(k);
        }
        if (static_cast<output>(k) != output::target_year) known += (known.empty() ? "" : ", ") + std::string(output_names[k]);
    }
    throw usage_error("sensitivity: unknown output \"" + name + "\"; expected one of " + known);
}

inline sensitivity_result sensitivity(const scenario& s, output target, sobol_options options) {
    if (target == output::target_year) sensitivity_output("target_year");  // throws
    if (options.base_trials == 0) throw usage_error("sensitivity: the number of base trials must be at least 1");
    options.output = static_cast<std::size_t>(target);
    const model m(s);
    sensitivity_result r;
    r.scenario_name = s.name;
    r.target = target;
    const auto groups = m.input_groups();
    if (!groups.empty()) {
        r.sobol = sobol_indices(m, groups, options);
        return r;
    }
    // Every input fixed: one trial gives the output every trial would.
    Eigen::ArrayXXd uniforms(1, 0), outputs(1, static_cast<Eigen::Index>(output_count));
    auto ws = m.make_workspace();
    m.evaluate(uniforms, outputs, ws);
    r.sobol.base_trials = options.base_trials;
    r.sobol.seed = options.seed;
    r.sobol.output = options.output;
    r.sobol.mean = outputs(0, static_cast<Eigen::Index>(options.output));
    r.sobol.bootstrap_resamples = options.bootstrap_resamples;
    r.sobol.confidence = options.confidence;
    return r;
}

inline nlohmann::ordered_json to_json(const sensitivity_result& r) {
    using nlohmann::ordered_json;
    using detail::number_or_null;
    ordered_json j;
    j["scenario"] = r.scenario_name;
    j["output"] = output_names[static_cast<std::size_t>(r.target)];
    j["base_trials"] = r.sobol.base_trials;
    j["seed"] = r.sobol.seed;
    j["model_runs"] = r.sobol.model_runs;
    j["mean"] = number_or_null(r.sobol.mean);
    j["variance"] = r.sobol.variance;
    j["bootstrap_resamples"] = r.sobol.bootstrap_resamples;
    ordered_json sobol = ordered_json::object();
    for (std::size_t i : detail::ranked_by_total(r.sobol)) {
        const auto& g = r.sobol.groups[i];
        sobol[g.name] = {{"first", number_or_null(g.first.estimate)},
                         {"first_ci95", {number_or_null(g.first.lo), number_or_null(g.first.hi)}},
                         {"total", number_or_null(g.total.estimate)},
                         {"total_ci95", {number_or_null(g.total.lo), number_or_null(g.total.hi)}}};
    }
    j["sobol"] = sobol;
    if (r.sobol.groups.empty())
        j["note"] = "every input is fixed: every trial gives the same outputs, so there is no variance to apportion";
    else if (!(r.sobol.variance > 0))
        j["note"] = "the output does not vary over these trials, so there is no variance to apportion";
    return j;
}

inline std::string to_text(const sensitivity_result& r, unsigned threads) {
    const std::string name = output_names[static_cast<std::size_t>(r.target)];
    const auto& s = r.sobol;
    std::ostringstream out;
    out << "fabrisk " << version_string << ": Sobol sensitivity of " << name << ", scenario \"" << r.scenario_name
        << "\", " << s.base_trials << " base trials";
    if (s.model_runs) out << " (" << s.model_runs << " model runs)";
    out << ", seed " << s.seed;
    if (threads) out << ", " << threads << (threads == 1 ? " thread" : " threads");
    out << "\n";
    char line[512];
    if (s.groups.empty()) {
        std::snprintf(line, sizeof line,
                      "\nScenario \"%s\" has no random inputs: every input is fixed, so every trial gives the same "
                      "outputs (%s = %.6g) and there is no variance to apportion.\n",
                      r.scenario_name.c_str(), name.c_str(), s.mean);
        return out.str() + line;
    }
    if (!(s.variance > 0)) {
        std::snprintf(line, sizeof line,
                      "\n%s does not vary: all %llu pooled trials give %.6g, so there is no variance to apportion "
                      "and Sobol indices are undefined.\n",
                      name.c_str(), static_cast<unsigned long long>(2 * s.base_trials), s.mean);
        return out.str() + line;
    }
    std::snprintf(line, sizeof line, "%s: mean %.6g, variance %.6g; intervals from %u bootstrap resamples\n\n",
                  name.c_str(), s.mean, s.variance, s.bootstrap_resamples);
    out << line;
    int width = 5;
    for (const auto& g : s.groups) width = std::max(width, static_cast<int>(g.name.size()));
    std::snprintf(line, sizeof line, "%-*s  %11s  %-16s  %6s  %s\n", width, "group", "first-order", "95% interval",
                  "total", "95% interval");
    out << line;
    for (std::size_t i : detail::ranked_by_total(s)) {
        const auto& g = s.groups[i];
        char first_ci[40], total_ci[40];
        using detail::three_decimals;
        std::snprintf(first_ci, sizeof first_ci, "[%.3f, %.3f]", three_decimals(g.first.lo), three_decimals(g.first.hi));
        std::snprintf(total_ci, sizeof total_ci, "[%.3f, %.3f]", three_decimals(g.total.lo), three_decimals(g.total.hi));
        std::snprintf(line, sizeof line, "%-*s  %11.3f  %-16s  %6.3f  %s\n", width, g.name.c_str(),
                      three_decimals(g.first.estimate), first_ci, three_decimals(g.total.estimate), total_ci);
        out << line;
    }
    out << "\nReading: first-order = share of the variance of " << name
        << " a group explains alone; total = its share including interactions with other groups (total - first = "
           "interactions); a total near 0 means the group could be fixed without changing the answer.\n";
    return out.str();
}

}  // namespace fabrisk::buildout
