#pragma once
/// \file buildout/commands.hpp
/// What `fabrisk run`, `sensitivity`, `compare` and `sweep` compute between a loaded scenario
/// (loaded_scenario.hpp) and the JSON they write, shared by the CLI and the Python module so
/// both give the same document for the same inputs. Files, signals, progress and summaries
/// stay with the caller.
#include <algorithm>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fabrisk/buildout/analytics.hpp"
#include "fabrisk/buildout/comparison.hpp"
#include "fabrisk/buildout/loaded_scenario.hpp"
#include "fabrisk/buildout/provenance.hpp"
#include "fabrisk/buildout/segmented_simulation.hpp"
#include "fabrisk/buildout/sensitivity.hpp"
#include "fabrisk/buildout/simulation.hpp"
#include "fabrisk/buildout/sweep_report.hpp"
#include "fabrisk/communicator.hpp"
#include "fabrisk/error.hpp"
#include "fabrisk/runner.hpp"
#include "fabrisk/sample_writer.hpp"
#include "fabrisk/simd_target.hpp"
#include "fabrisk/version.hpp"

namespace fabrisk::buildout {

/// `fabrisk run`'s simulation: to a precision if the settings ask for one, else
/// `options.trials` trials, each written to `samples` if given. Throws stopped_early if
/// stopped before the first trials were done.
inline result simulate_settings(const scenario& s, const run_settings& settings, const run_options& options,
                                const progress_callback& progress = {}, sample_writer* samples = nullptr) {
    if (!settings.precision) return simulate(s, options, progress, samples);
    precision_options p = *settings.precision;
    p.pilot_trials = std::min(p.pilot_trials, p.max_trials);
    return simulate_to_precision(s, options, p, progress, samples);
}

/// The tornado and the drivers of a run of `trials` trials, as JSON and as text; left out
/// (empty) when options.stop is requested part-way.
struct run_analytics {
    std::optional<nlohmann::ordered_json> tornado, drivers;
    std::string text;
};

inline run_analytics analyse(const scenario& s, const run_options& options, std::uint64_t bar_trials, std::uint64_t trials) {
    const auto stopped = [&] { return options.stop && options.stop->requested(); };
    run_options bar_options = options;
    bar_options.trials = bar_trials;
    bar_options.stop_after = 0;
    run_options driver_options = options;
    driver_options.trials = trials;
    driver_options.stop_after = 0;
    run_analytics a;
    // Stopped part-way, they cover fewer trials than asked (perhaps none, which they may
    // refuse): then they are left out.
    try {
        const auto t = tornado(s, bar_options);
        const auto d = drivers(s, driver_options);
        if (!stopped()) {
            a.tornado = to_json(t);
            a.drivers = to_json(d);
            a.text = to_text(t, d);
        }
    } catch (const std::exception&) {
        if (!stopped()) throw;
    }
    return a;
}

/// `fabrisk run --json`: the result with its provenance, and the tornado and drivers if run.
inline nlohmann::ordered_json run_json(const result& r, const provenance& source, const run_analytics& analytics) {
    auto json = to_json(r, source);
    if (analytics.tornado) {
        // Before the scenario document, which stays last.
        auto definition = std::move(json["scenario_definition"]);
        json.erase("scenario_definition");
        json["tornado"] = *analytics.tornado;
        json["drivers"] = *analytics.drivers;
        json["scenario_definition"] = std::move(definition);
    }
    return json;
}

/// `fabrisk sensitivity --json`: the indices between the version and the scenario.
inline nlohmann::ordered_json sensitivity_json(const sensitivity_result& r, const loaded_scenario& l) {
    nlohmann::ordered_json j;
    j["fabrisk_version"] = version_string;
    j["simd_target"] = simd_target();
    j["scenario_sha256"] = l.sha256;
    const nlohmann::ordered_json body = to_json(r);  // named: it must outlive the loop
    for (const auto& [key, value] : body.items()) j[key] = value;
    j["scenario_definition"] = l.document;
    return j;
}

/// `fabrisk compare --json`: each side with its provenance, then the differences.
inline nlohmann::ordered_json comparison_json(const comparison& c, const loaded_scenario& a, const loaded_scenario& b,
                                              const run_options& options) {
    run_settings settings;
    settings.trials = options.trials;
    settings.seed = options.seed;
    return to_json(c, provenance_of(a, settings), provenance_of(b, settings));
}

/// `fabrisk sweep`: every point run on the same trials and seed, in order, until one is
/// stopped (options.stop); the results of the points run, the last perhaps incomplete. Over
/// several ranks of `comm`, each point is a run split over them (segmented_simulation.hpp),
/// with the same results, on rank 0 (the others get none).
inline std::vector<result> run_sweep(const std::vector<loaded_scenario>& points, const run_options& options,
                                     communicator* comm = nullptr) {
    std::vector<result> results;
    if (comm && comm->size() > 1) {
        for (const auto& p : points) {
            segmented_settings how;
            how.identity = {"sweep", version_string, p.sha256, options.seed, options.trials};
            auto r = simulate_segmented(p.scenario, options, *comm, how);
            std::vector<std::uint64_t> stopped{r && !r->complete ? 1u : 0u};  // rank 0 knows
            comm->maximum(stopped);
            if (r) results.push_back(std::move(*r));
            if (stopped[0]) break;
        }
        return results;
    }
    for (const auto& p : points) {
        if (options.stop && options.stop->requested()) break;
        try {
            results.push_back(simulate(p.scenario, options));
        } catch (const stopped_early&) {
            break;
        }
        if (!results.back().complete) break;
    }
    return results;
}

}  // namespace fabrisk::buildout
