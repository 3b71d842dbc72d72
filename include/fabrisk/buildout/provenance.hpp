#pragma once
/// \file buildout/provenance.hpp
/// What made a result: the fabrisk version, the scenario (its SHA-256 and the document
/// itself) and every option that changes the numbers. A JSON result that carries its
/// provenance can be re-run from that file alone (`fabrisk run --rerun RESULT.json`).
///
/// Nothing here depends on the clock, the machine or the thread count, so a result stays
/// byte-identical across thread counts and across re-runs.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "fabrisk/buildout/plausibility.hpp"
#include "fabrisk/buildout/report.hpp"
#include "fabrisk/buildout/simulation.hpp"
#include "fabrisk/error.hpp"
#include "fabrisk/simd_target.hpp"
#include "fabrisk/version.hpp"

namespace fabrisk::buildout {

/// The options of a run that change its result. `trials` is what was asked for; the result's
/// own `trials` is what ran (fewer if the run was stopped early).
struct run_settings {
    std::uint64_t trials = 0;
    std::uint64_t seed = default_seed;
    std::optional<precision_options> precision;  ///< set for a run to a precision
    std::optional<std::uint64_t> drivers_trials;  ///< set when the tornado and drivers were asked for
};

struct provenance {
    std::string fabrisk_version = version_string;
    std::string simd_target = fabrisk::simd_target();  ///< the kernels' instruction set; never changes a number
    std::string scenario_sha256;            ///< of the scenario's bytes as read (or the built-in text)
    nlohmann::ordered_json scenario;        ///< the scenario document as parsed, in its own key order
    run_settings settings;
    std::vector<scenario_warning> warnings;  ///< plausibility warnings of the scenario
};

/// The JSON result with its provenance: `fabrisk_version`, `simd_target`, `complete`, the scenario's name and
/// SHA-256, the options and the warnings first, then to_json(r), then the scenario document
/// under `scenario_definition`.
inline nlohmann::ordered_json to_json(const result& r, const provenance& p) {
    using nlohmann::ordered_json;
    ordered_json j;
    j["fabrisk_version"] = p.fabrisk_version;
    j["simd_target"] = p.simd_target;
    j["complete"] = r.complete;
    j["scenario"] = r.scenario_name;
    j["scenario_sha256"] = p.scenario_sha256;
    ordered_json options;
    options["trials"] = p.settings.trials;
    options["seed"] = p.settings.seed;
    options["precision"] = p.settings.precision
                               ? ordered_json{{"half_width", p.settings.precision->half_width},
                                              {"max_trials", p.settings.precision->max_trials}}
                               : ordered_json(nullptr);
    options["drivers_trials"] = p.settings.drivers_trials ? ordered_json(*p.settings.drivers_trials) : ordered_json(nullptr);
    j["options"] = options;
    ordered_json warnings = ordered_json::array();
    for (const auto& w : p.warnings) warnings.push_back({{"path", w.path}, {"message", w.message}});
    j["warnings"] = warnings;
    const ordered_json body = to_json(r);  // named: a temporary would die before the loop (C++17)
    for (const auto& [key, value] : body.items())
        if (!j.contains(key)) j[key] = value;
    j["scenario_definition"] = p.scenario;
    return j;
}

/// What a JSON result says about how to make it again.
struct rerun_request {
    provenance source;
    bool complete = true;
    std::uint64_t trials_run = 0;  ///< the result's `trials`: where an incomplete run stopped
};

namespace detail {
[[noreturn]] inline void bad_result(const std::string& path, const std::string& what) {
    throw usage_error("not a fabrisk result that can be re-run: " + path + ": " + what);
}
inline const nlohmann::ordered_json& result_field(const nlohmann::ordered_json& j, const std::string& path, const char* key) {
    if (!j.is_object()) bad_result(path.empty() ? "(document)" : path, "expected an object");
    const auto it = j.find(key);
    if (it == j.end()) bad_result(path.empty() ? key : path + "." + key, "missing");
    return *it;
}
inline std::uint64_t result_count(const nlohmann::ordered_json& j, const std::string& path, const char* key) {
    const auto& v = result_field(j, path, key);
    if (!v.is_number_unsigned()) bad_result(path.empty() ? key : path + "." + key, "expected a whole number >= 0");
    return v.get<std::uint64_t>();
}
}  // namespace detail

/// Reads the provenance of a JSON result written by to_json(result, provenance). Parse the
/// result as ordered_json, so the scenario document keeps its key order. Throws usage_error
/// naming the missing or malformed field.
inline rerun_request read_rerun_request(const nlohmann::ordered_json& j) {
    using detail::bad_result;
    using detail::result_count;
    using detail::result_field;
    rerun_request q;
    const auto& version = result_field(j, "", "fabrisk_version");
    if (!version.is_string()) bad_result("fabrisk_version", "expected a string");
    q.source.fabrisk_version = version.get<std::string>();
    const auto& complete = result_field(j, "", "complete");
    if (!complete.is_boolean()) bad_result("complete", "expected true or false");
    q.complete = complete.get<bool>();
    q.trials_run = result_count(j, "", "trials");
    const auto& sha = result_field(j, "", "scenario_sha256");
    if (!sha.is_string()) bad_result("scenario_sha256", "expected a string");
    q.source.scenario_sha256 = sha.get<std::string>();
    q.source.scenario = result_field(j, "", "scenario_definition");
    const auto& o = result_field(j, "", "options");
    q.source.settings.trials = result_count(o, "options", "trials");
    q.source.settings.seed = result_count(o, "options", "seed");
    const auto& precision = result_field(o, "options", "precision");
    if (!precision.is_null()) {
        precision_options p;
        const auto& half = result_field(precision, "options.precision", "half_width");
        if (!half.is_number()) bad_result("options.precision.half_width", "expected a number");
        p.half_width = half.get<double>();
        p.max_trials = result_count(precision, "options.precision", "max_trials");
        q.source.settings.precision = p;
    }
    const auto& drivers = result_field(o, "options", "drivers_trials");
    if (!drivers.is_null()) q.source.settings.drivers_trials = result_count(o, "options", "drivers_trials");
    if (q.trials_run == 0 || q.trials_run > (q.source.settings.precision ? q.source.settings.precision->max_trials
                                                                         : q.source.settings.trials))
        bad_result("trials", "inconsistent with options");
    return q;
}

}  // namespace fabrisk::buildout
