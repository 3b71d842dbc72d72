#pragma once
/// \file buildout/sweep_report.hpp
/// A sweep's results (sweep.hpp: the points; each point a run of the build-out model on the
/// same seed and trials) as the table `fabrisk sweep` prints, as CSV and as JSON: per point its
/// values, P(target met) with its 95% interval, the median installed compute, the first year
/// by whose end half the trials reach the target, and the share reached by each year.
#include <cstddef>
#include <cstdio>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fabrisk/buildout/report.hpp"
#include "fabrisk/buildout/simulation.hpp"
#include "fabrisk/sweep.hpp"

namespace fabrisk::buildout {

namespace detail {
/// The values of point `p` of the grid of `axes` (the last axis fastest), one per axis.
inline std::vector<nlohmann::ordered_json> point_values(const std::vector<sweep_axis>& axes, std::size_t p) {
    std::vector<nlohmann::ordered_json> values(axes.size());
    for (std::size_t a = axes.size(); a-- > 0;) {
        values[a] = axes[a].values[p % axes[a].values.size()];
        p /= axes[a].values.size();
    }
    return values;
}
/// The first calendar year by whose end at least half the trials reach the target.
inline std::optional<int> first_year_half(const result& r) {
    for (const auto& [year, share] : r.reached_by_year)
        if (share >= 0.5) return year;
    return std::nullopt;
}
inline std::string value_text(const nlohmann::ordered_json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }
}  // namespace detail

/// {"paths": [...], "trials": n, "seed": s, "points": [{"values": [...], "probability_target_met": p,
/// "probability_ci95": [lo, hi], "median_installed_flops": x, "first_year_half": y or null,
/// "reached_by_year": {...}}]}. `results` may be shorter than the grid (a stopped sweep).
inline nlohmann::ordered_json sweep_json(const std::vector<sweep_axis>& axes, const std::vector<result>& results) {
    using nlohmann::ordered_json;
    ordered_json j;
    ordered_json paths = ordered_json::array();
    for (const auto& a : axes) paths.push_back(a.path);
    j["paths"] = paths;
    j["trials"] = results.empty() ? 0 : results.front().trials;
    j["seed"] = results.empty() ? 0 : results.front().seed;
    ordered_json points = ordered_json::array();
    for (std::size_t p = 0; p < results.size(); ++p) {
        const result& r = results[p];
        const auto [lo, hi] = r.target_met.wilson();
        ordered_json point;
        point["values"] = detail::point_values(axes, p);
        point["complete"] = r.complete;
        point["probability_target_met"] = r.target_met.estimate();
        point["probability_ci95"] = {lo, hi};
        point["median_installed_flops"] = detail::finite_or_null(r[output::installed_flops].quantiles.p50);
        const auto year = detail::first_year_half(r);
        point["first_year_half"] = year ? ordered_json(*year) : ordered_json(nullptr);
        ordered_json reached = ordered_json::object();
        for (const auto& [y, share] : r.reached_by_year) reached[std::to_string(y)] = share;
        point["reached_by_year"] = reached;
        points.push_back(point);
    }
    j["points"] = points;
    return j;
}

/// One row per point: the paths' values, then probability_target_met, ci95_low, ci95_high,
/// median_installed_flops, first_year_half (empty: never).
inline std::string sweep_csv(const std::vector<sweep_axis>& axes, const std::vector<result>& results) {
    std::ostringstream out;
    out.precision(17);
    auto quoted = [](const std::string& s) {
        std::string q = "\"";
        for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
        return q + "\"";
    };
    for (const auto& a : axes) out << quoted(a.path) << ',';
    out << "probability_target_met,ci95_low,ci95_high,median_installed_flops,first_year_half\n";
    for (std::size_t p = 0; p < results.size(); ++p) {
        const result& r = results[p];
        for (const auto& v : detail::point_values(axes, p)) out << quoted(detail::value_text(v)) << ',';
        const auto [lo, hi] = r.target_met.wilson();
        out << r.target_met.estimate() << ',' << lo << ',' << hi << ',' << r[output::installed_flops].quantiles.p50 << ',';
        if (const auto year = detail::first_year_half(r)) out << *year;
        out << '\n';
    }
    return out.str();
}

/// The table `fabrisk sweep` prints.
inline std::string sweep_table(const std::vector<sweep_axis>& axes, const std::vector<result>& results) {
    using detail::cell;
    std::ostringstream out;
    if (results.empty()) return "No point of the sweep was complete.\n";
    out << "fabrisk " << version_string << ": sweep of \"" << results.front().scenario_name << "\", " << results.size()
        << " points, " << results.front().trials << " trials each, seed " << results.front().seed
        << "; every point on the same trials\n\n";
    char line[512];
    std::string head;
    for (const auto& a : axes) {
        std::snprintf(line, sizeof line, "%-26s ", a.path.c_str());
        head += line;
    }
    std::snprintf(line, sizeof line, "%-13s %-19s %-22s %s\n", "P(target met)", "95% interval", "median installed_flops",
                  "half reach it by the end of");
    out << head << line;
    for (std::size_t p = 0; p < results.size(); ++p) {
        const result& r = results[p];
        std::string row;
        for (const auto& v : detail::point_values(axes, p)) {
            std::snprintf(line, sizeof line, "%-26s ", detail::value_text(v).c_str());
            row += line;
        }
        const auto [lo, hi] = r.target_met.wilson();
        const auto year = detail::first_year_half(r);
        const std::string interval = "[" + cell(lo, "%.4f") + ", " + cell(hi, "%.4f") + "]";
        std::snprintf(line, sizeof line, "%-13s %-19s %-22s %s\n", cell(r.target_met.estimate(), "%.4f").c_str(), interval.c_str(),
                      cell(r[output::installed_flops].quantiles.p50, "%.4g").c_str(),
                      year ? std::to_string(*year).c_str() : "never (within the horizon)");
        out << row << line;
    }
    if (!results.back().complete) out << "(the last point was stopped early: it covers fewer trials)\n";
    return out.str();
}

}  // namespace fabrisk::buildout
