#pragma once
/// \file buildout/loaded_scenario.hpp
/// A scenario as a command takes it, the same for the CLI and the Python module: its text (a
/// file's bytes or the built-in scenario) with overrides applied (`--set PATH=VALUE`,
/// json_override.hpp), parsed, with its plausibility warnings, and what a result records about
/// it (provenance.hpp). Messages about an overridden value name the override that set it.
///
/// The SHA-256 of the text is the caller's to fill in: it needs OpenSSL's libcrypto, which the
/// library itself does not link.
#include <cstddef>
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "fabrisk/buildout/plausibility.hpp"
#include "fabrisk/buildout/provenance.hpp"
#include "fabrisk/buildout/scenario.hpp"
#include "fabrisk/buildout/scenario_json.hpp"
#include "fabrisk/error.hpp"
#include "fabrisk/json_override.hpp"
#include "fabrisk/sweep.hpp"

namespace fabrisk::buildout {

/// A scenario with what a result records about it.
struct loaded_scenario {
    buildout::scenario scenario;
    std::string sha256;  ///< of the text as parsed; filled in by the caller
    nlohmann::ordered_json document;
    std::vector<scenario_warning> warnings;
};

/// Parses scenario text and lists its plausibility warnings; under `strict` they are a
/// scenario_error instead, each saying so.
inline loaded_scenario load_scenario(const std::string& text, bool strict) {
    loaded_scenario l{parse_scenario(text), {}, nlohmann::ordered_json::parse(text), {}};
    l.warnings = plausibility_warnings(l.scenario);
    if (strict && !l.warnings.empty()) {
        std::vector<scenario_problem> problems;
        for (const auto& w : l.warnings) problems.push_back({w.path, w.message + " (an error under --strict)"});
        throw scenario_error(std::move(problems));
    }
    return l;
}

/// What overrides changed: each concrete path with the override that changed it (its origin,
/// e.g. "--set fabs.count=3"), so a scenario error there can name it.
class override_record {
public:
    void add(std::string path, std::string origin) { changed_.emplace_back(std::move(path), std::move(origin)); }
    bool empty() const noexcept { return changed_.empty(); }
    std::size_t size() const noexcept { return changed_.size(); }
    /// Forgets what was added after the first `n` (one sweep point's overrides).
    void resize(std::size_t n) { changed_.resize(n); }

    /// " (set by ORIGIN)" when `path` is at or under a path an override changed, else "".
    std::string set_by(const std::string& path) const {
        for (auto it = changed_.rbegin(); it != changed_.rend(); ++it) {
            const std::string& p = it->first;
            const bool under = path.compare(0, p.size(), p) == 0 &&
                               (path.size() == p.size() || path[p.size()] == '.' || path[p.size()] == '[');
            if (under) return " (set by " + it->second + ")";
        }
        return "";
    }

    /// A scenario error as lines: `path: message` each, naming the override that set the value.
    std::vector<std::string> problem_lines(const scenario_error& e) const {
        std::vector<std::string> lines;
        if (empty()) {
            std::istringstream text(e.what());
            for (std::string line; std::getline(text, line);) lines.push_back(line);
        } else {
            for (const auto& p : e.problems()) lines.push_back((p.path.empty() ? "" : p.path + ": ") + p.message + set_by(p.path));
        }
        return lines;
    }

private:
    std::vector<std::pair<std::string, std::string>> changed_;
};

/// Applies `o` to `document`, recording the paths it changed.
inline void apply_override(nlohmann::ordered_json& document, const json_override& o, override_record& record) {
    for (auto& path : apply_override(document, o)) record.add(std::move(path), o.origin);
}

/// The scenario text with every override applied in order; the text itself when there are
/// none. A text that is not JSON is returned as it is, for the parser to report.
inline std::string with_overrides(const std::string& text, const std::vector<json_override>& overrides, override_record& record) {
    if (overrides.empty()) return text;
    nlohmann::ordered_json document = nlohmann::ordered_json::parse(text, nullptr, false);
    if (document.is_discarded()) return text;
    for (const auto& o : overrides) apply_override(document, o, record);
    return document.dump(2) + "\n";
}

/// "PATH=VALUE" assignments as overrides, each named "FLAG PATH=VALUE" in messages.
inline std::vector<json_override> parse_overrides(const std::vector<std::string>& sets, const std::string& flag) {
    std::vector<json_override> list;
    for (const auto& set : sets) list.push_back(parse_override(set, flag + " " + set));
    return list;
}

/// The provenance of a run of `l` with `settings`.
inline provenance provenance_of(const loaded_scenario& l, const run_settings& settings) {
    provenance p;
    p.scenario_sha256 = l.sha256;
    p.scenario = l.document;
    p.settings = settings;
    p.warnings = l.warnings;
    return p;
}

/// Every point of a sweep of `base` (scenario text, fixed overrides applied) over `axes`,
/// loaded by `load` (load_scenario and whatever the caller adds) before any runs, so a bad
/// value fails at once.
inline std::vector<loaded_scenario> load_sweep_points(const std::string& base, const std::vector<sweep_axis>& axes,
                                                      override_record& record,
                                                      const std::function<loaded_scenario(const std::string&)>& load) {
    const nlohmann::ordered_json base_document = nlohmann::ordered_json::parse(base, nullptr, false);
    if (base_document.is_discarded()) load(base);  // reports the syntax error
    std::vector<loaded_scenario> points;
    for (const auto& overrides : sweep_points(axes)) {
        nlohmann::ordered_json document = base_document;
        const std::size_t before = record.size();
        for (const auto& o : overrides) apply_override(document, o, record);
        points.push_back(load(document.dump(2) + "\n"));
        record.resize(before);
    }
    return points;
}

/// One or two axes, or a usage_error saying how many there were.
inline void check_sweep_axes(const std::vector<sweep_axis>& axes, const std::string& how) {
    if (axes.empty() || axes.size() > 2)
        throw usage_error("sweep: give one or two paths to sweep (" + how + "), got " + std::to_string(axes.size()));
}

}  // namespace fabrisk::buildout
