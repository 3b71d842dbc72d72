#pragma once
/// \file buildout/report.hpp
/// A result as JSON, CSV and a readable summary. Nothing here depends on the thread count,
/// so the same seed gives byte-identical files.
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "fabrisk/buildout/simulation.hpp"
#include "fabrisk/version.hpp"

namespace fabrisk::buildout {

namespace detail {
inline std::string percentile_key(int p) {
    char key[8];
    std::snprintf(key, sizeof key, "p%02d", p);
    return key;
}
inline nlohmann::json finite_or_null(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }
inline std::string cell(double x, const char* format = "%.6g") {
    if (!std::isfinite(x)) return x > 0 ? "never" : "-";
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, format, x);
    return buffer;
}
/// {"scale": "linear" or "log", "edges", "counts"}, with "nonpositive" (finite values ≤ 0, in
/// no bin) on a log scale and "grid_step" when each bin holds whole grid values.
inline nlohmann::ordered_json histogram_json(const output_summary& s) {
    nlohmann::ordered_json h;
    h["scale"] = s.histogram_log ? "log" : "linear";
    h["edges"] = s.histogram_edges;
    h["counts"] = s.histogram_counts;
    if (s.histogram_log) h["nonpositive"] = s.histogram_nonpositive;
    if (s.histogram_grid_step > 0) h["grid_step"] = s.histogram_grid_step;
    return h;
}
}  // namespace detail

/// The result as the JSON document `fabrisk run --json` writes.
inline nlohmann::ordered_json to_json(const result& r) {
    using nlohmann::ordered_json;
    ordered_json j;
    j["scenario"] = r.scenario_name;
    j["trials"] = r.trials;
    j["seed"] = r.seed;
    j["complete"] = r.complete;
    j["target"] = {{"installed_flops", r.target_flops}, {"deadline_year", r.deadline_year}};
    j["probability_target_met"] = r.target_met.estimate();
    const auto [lo, hi] = r.target_met.wilson();
    j["probability_ci95"] = {lo, hi};
    ordered_json reached = ordered_json::object();
    for (const auto& [year, p] : r.reached_by_year) reached[std::to_string(year)] = p;
    j["reached_by_year"] = reached;
    ordered_json outputs = ordered_json::object();
    for (std::size_t k = 0; k < output_count; ++k) {
        const output_summary& s = r.outputs[k];
        const bool some_never = s.non_finite > 0;
        ordered_json o;
        o["mean"] = some_never ? ordered_json(nullptr) : ordered_json(s.mean);
        o["sd"] = some_never ? ordered_json(nullptr) : ordered_json(s.sd);
        o["min"] = detail::finite_or_null(s.min);
        o["max"] = detail::finite_or_null(s.max);
        ordered_json q = ordered_json::object();
        for (std::size_t i = 0; i < standard_percentiles.size(); ++i)
            q[detail::percentile_key(standard_percentiles[i])] = detail::finite_or_null(s.quantiles[i]);
        o["quantiles"] = q;
        o["histogram"] = detail::histogram_json(s);
        if (static_cast<output>(k) == output::target_year) o["never"] = r.never_share;
        o["quantile_rank_error_bound"] = s.rank_error;
        outputs[output_names[k]] = o;
    }
    j["outputs"] = outputs;
    ordered_json exceedance = {{"installed_flops", ordered_json::array()}, {"probability", ordered_json::array()}};
    for (const auto& [x, p] : r.exceedance) {
        exceedance["installed_flops"].push_back(x);
        exceedance["probability"].push_back(p);
    }
    j["exceedance"] = exceedance;
    if (r.convergence) {
        const auto& c = *r.convergence;
        ordered_json trace = ordered_json::array();
        for (const auto& step : c.steps)
            trace.push_back({{"trials", step.trials}, {"estimate", step.estimate}, {"half_width", step.half_width}});
        j["convergence"] = {{"target_half_width", c.target_half_width}, {"max_trials", c.max_trials},
                            {"converged", c.converged}, {"trace", trace}};
    }
    return j;
}

/// One CSV row per output: mean, sd, min, max, the nine quantiles, and the never share
/// (target_year only). Empty cells stand for null.
inline std::string to_csv(const result& r) {
    std::ostringstream out;
    out.precision(17);
    out << "output,mean,sd,min,max";
    for (int p : standard_percentiles) out << ',' << detail::percentile_key(p);
    out << ",never\n";
    auto value = [&](double x) {
        if (std::isfinite(x)) out << x;
    };
    for (std::size_t k = 0; k < output_count; ++k) {
        const output_summary& s = r.outputs[k];
        const bool some_never = s.non_finite > 0;
        out << output_names[k] << ',';
        if (!some_never) value(s.mean);
        out << ',';
        if (!some_never) value(s.sd);
        out << ',';
        value(s.min);
        out << ',';
        value(s.max);
        for (std::size_t q = 0; q < s.quantiles.size(); ++q) {
            out << ',';
            value(s.quantiles[q]);
        }
        out << ',';
        if (static_cast<output>(k) == output::target_year) out << r.never_share;
        out << '\n';
    }
    return out.str();
}

/// The readable summary `fabrisk run` prints.
inline std::string to_text(const result& r, unsigned threads = 0) {
    using detail::cell;
    std::ostringstream out;
    const auto [lo, hi] = r.target_met.wilson();
    char line[256];
    out << "fabrisk " << version_string << ": scenario \"" << r.scenario_name << "\", " << r.trials << " trials, seed "
        << r.seed;
    if (threads) out << ", " << threads << (threads == 1 ? " thread" : " threads");
    out << "\n";
    if (!r.complete) out << "Stopped early: every figure below is over the " << r.trials << " trials run\n";
    std::snprintf(line, sizeof line, "Target: %.4g FLOP/s installed at the end of %d\n\n", r.target_flops, r.deadline_year);
    out << line;
    std::snprintf(line, sizeof line, "P(target met) = %.4f   95%% interval [%.4f, %.4f]\n\n", r.target_met.estimate(), lo, hi);
    out << line;
    out << "Target reached by the end of year (share of trials):\n";
    for (const auto& [year, p] : r.reached_by_year) {
        std::snprintf(line, sizeof line, "  %d  %6.4f\n", year, p);
        out << line;
    }
    std::snprintf(line, sizeof line, "  never %6.4f\n\n", r.never_share);
    out << line;
    std::snprintf(line, sizeof line, "%-22s %11s %11s %11s %11s %11s %11s %11s %11s\n", "output", "mean", "sd", "p05",
                  "p10", "p25", "p50", "p75", "p90");
    out << line;
    for (std::size_t k = 0; k < output_count; ++k) {
        const output_summary& s = r.outputs[k];
        const bool some_never = s.non_finite > 0;
        std::snprintf(line, sizeof line, "%-22s %11s %11s %11s %11s %11s %11s %11s %11s\n", output_names[k],
                      some_never ? "-" : cell(s.mean).c_str(), some_never ? "-" : cell(s.sd).c_str(),
                      cell(s.quantiles.p05).c_str(), cell(s.quantiles.p10).c_str(), cell(s.quantiles.p25).c_str(),
                      cell(s.quantiles.p50).c_str(), cell(s.quantiles.p75).c_str(), cell(s.quantiles.p90).c_str());
        out << line;
    }
    if (r.never_share > 0) out << "(target_year: mean and sd are undefined because some trials never reach the target)\n";
    if (r.convergence) {
        const auto& c = *r.convergence;
        out << "\nPrecision: 95% half-width " << cell(c.steps.back().half_width) << (c.converged ? " <= " : " > ")
            << cell(c.target_half_width) << " after " << c.steps.back().trials << " trials ("
            << (c.converged ? "converged" : "did not converge: max-trials reached") << ")\n";
    }
    return out.str();
}

}  // namespace fabrisk::buildout
