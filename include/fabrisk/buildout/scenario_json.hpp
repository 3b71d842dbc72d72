#pragma once
/// \file buildout/scenario_json.hpp
/// Reads a scenario from JSON and enforces every rule of MODEL.md §1–3. The first broken rule
/// is thrown as a scenario_error whose message names the JSON path, what was expected and what
/// was found, e.g. `fabs.delay_years.p90: must be greater than median (0.75), got 0.5`.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fabrisk/buildout/scenario.hpp"
#include "fabrisk/copula.hpp"
#include "fabrisk/distribution.hpp"
#include "fabrisk/error.hpp"

namespace fabrisk::buildout {

/// Parses and validates scenario text. Throws scenario_error.
scenario parse_scenario(const std::string& text);
/// Reads, parses and validates a scenario file. Throws io_error if it cannot be read, and
/// scenario_error (before reading it all) if it is larger than max_scenario_bytes.
scenario load_scenario(const std::string& file);
/// Largest accepted grid (horizon_years × steps_per_year), fab count and investor count:
/// engine limits that keep a trial's memory bounded.
inline constexpr double max_grid_steps = 100000;
inline constexpr double max_entities = 100000;
/// Largest accepted scenario text (16 MiB) and deepest nesting of JSON arrays and objects
/// (a valid scenario nests 5 deep): hostile input is rejected before it costs memory or stack.
inline constexpr std::size_t max_scenario_bytes = std::size_t{16} << 20;
inline constexpr std::size_t max_json_depth = 64;
/// Largest accepted chip lifetime in grid steps (chip_lifetime_years × steps_per_year), the
/// same 1e9 bound as every integer field: beyond it the step count no longer fits the model's
/// integer arithmetic. Any lifetime longer than the horizon already means "never retires".
inline constexpr double max_lifetime_steps = 1e9;

namespace detail {

using nlohmann::json;

inline std::string fmt(double x) {
    if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
    std::ostringstream s;
    s.precision(12);
    s << x;
    return s.str();
}

inline const char* type_name(const json& j) {
    switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    default: return "a number";
    }
}

inline std::string join(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }
inline std::string index(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

[[noreturn]] inline void fail(const std::string& path, const std::string& message) { throw scenario_error(path, message); }

/// An interval domain with open or closed ends, as in MODEL.md's tables.
struct domain {
    double lo = -std::numeric_limits<double>::infinity();
    double hi = std::numeric_limits<double>::infinity();
    bool lo_open = true, hi_open = true;

    bool contains(double x) const {
        return (lo_open ? x > lo : x >= lo) && (hi_open ? x < hi : x <= hi);
    }
    std::string text() const {
        const bool lo_inf = std::isinf(lo), hi_inf = std::isinf(hi);
        if (lo_inf && hi_inf) return "any real number";
        if (hi_inf) return std::string(lo_open ? "> " : ">= ") + fmt(lo);
        if (lo_inf) return std::string(hi_open ? "< " : "<= ") + fmt(hi);
        return std::string("in ") + (lo_open ? "(" : "[") + fmt(lo) + ", " + fmt(hi) + (hi_open ? ")" : "]");
    }
};
inline domain any_real() { return {}; }
inline domain positive() { return {0, std::numeric_limits<double>::infinity(), true, true}; }
inline domain non_negative() { return {0, std::numeric_limits<double>::infinity(), false, true}; }
inline domain unit_closed() { return {0, 1, false, false}; }
inline domain unit_open_closed() { return {0, 1, true, false}; }

/// Rejects keys outside `allowed`.
inline void check_keys(const json& j, const std::string& path, std::initializer_list<const char*> allowed) {
    for (auto it = j.begin(); it != j.end(); ++it) {
        const bool known = std::any_of(allowed.begin(), allowed.end(), [&](const char* k) { return it.key() == k; });
        if (!known) {
            std::string list;
            for (const char* k : allowed) list += (list.empty() ? "" : ", ") + std::string(k);
            fail(join(path, it.key()), "unknown key (expected one of: " + list + ")");
        }
    }
}

inline const json& object_at(const json& j, const std::string& path) {
    if (!j.is_object()) fail(path, std::string("expected an object, got ") + type_name(j));
    return j;
}

inline const json& required(const json& parent, const std::string& path, const char* key) {
    auto it = parent.find(key);
    if (it == parent.end()) fail(join(path, key), "required field is missing");
    return *it;
}

inline const json* optional(const json& parent, const char* key) {
    auto it = parent.find(key);
    return it == parent.end() ? nullptr : &*it;
}

inline double number(const json& j, const std::string& path) {
    if (!j.is_number()) fail(path, std::string("expected a number, got ") + type_name(j));
    const double x = j.get<double>();
    if (!std::isfinite(x)) fail(path, "expected a finite number, got " + fmt(x));
    return x;
}

inline std::string string_at(const json& j, const std::string& path) {
    if (!j.is_string()) fail(path, std::string("expected a string, got ") + type_name(j));
    return j.get<std::string>();
}

inline void check_domain(double x, const domain& d, const std::string& path) {
    if (!d.contains(x)) fail(path, "must be " + d.text() + ", got " + fmt(x));
}

distribution distribution_at(const json& j, const std::string& path);

/// Parameters at the edge of a double (a triangular or uniform wider than 1e308, a beta shape
/// of 1e300) can break a family's arithmetic although they satisfy its rules. Such a
/// distribution is refused here, with a clear message, rather than sampled into NaN or
/// infinities: its quantile at every u in a probe set that includes the most extreme uniforms
/// the engine draws (2^-53 and 1 − 2^-53) must be a number within the closure of its support,
/// non-decreasing in u, and must not throw.
inline void check_sampling(const distribution& d, const std::string& path) {
    if (is_fixed(d)) return;
    static constexpr double probes[] = {0x1.0p-53, 1e-12, 1e-6, 1e-3, 0.01, 0.1,          0.25,          0.5,
                                        0.75,      0.9,   0.99, 0.999, 1 - 1e-6, 1 - 1e-12, 1 - 0x1.0p-53};
    const auto [a, b] = support(d);
    auto slack = [](double bound) { return std::isinf(bound) ? 0.0 : 1e-9 * std::max(1.0, std::fabs(bound)); };
    double previous = -std::numeric_limits<double>::infinity();
    for (const double u : probes) {
        double x;
        try {
            x = quantile(d, u);
        } catch (const std::exception& e) {
            fail(path, describe(d) + " cannot be sampled with these parameters: its quantile at u = " + fmt(u) +
                           " fails (" + e.what() + ")");
        }
        if (std::isnan(x) || x < a - slack(a) || x > b + slack(b) || (std::isinf(x) && !std::isinf(x < 0 ? a : b)) ||
            x < previous - 1e-9 * std::max(1.0, std::fabs(previous)))
            fail(path, describe(d) + " cannot be sampled with these parameters: its quantile at u = " + fmt(u) + " is " +
                           fmt(x) + ", outside its support [" + fmt(a) + ", " + fmt(b) +
                           "] (parameters too extreme for double arithmetic)");
        previous = x;
    }
}

/// A field of kind F: a number, or {"dist": "fixed", "value": x} which counts as fixed everywhere.
/// A value outside the domain is reported at its own path (`PATH.value` inside the object, as
/// random_field does); `value_path`, if given, receives that path.
inline double fixed_field(const json& j, const std::string& path, const domain& d, std::string* value_path = nullptr) {
    double x;
    std::string vpath = path;
    if (j.is_object()) {
        const distribution dist = distribution_at(j, path);
        if (!is_fixed(dist))
            fail(path, "expected a fixed number here, got a \"" + j.at("dist").get<std::string>() + "\" distribution");
        x = dist.p0;
        vpath = join(path, "value");
    } else {
        x = number(j, path);
    }
    check_domain(x, d, vpath);
    if (value_path) *value_path = vpath;
    return x;
}

inline int integer_field(const json& j, const std::string& path, const domain& d, std::string* value_path = nullptr) {
    std::string vpath;
    const double x = fixed_field(j, path, d, &vpath);
    const double rounded = std::round(x);
    if (std::fabs(x - rounded) > 1e-9) fail(vpath, "must be an integer, got " + fmt(x));
    if (std::fabs(rounded) > 1e9) fail(vpath, "must be an integer of at most 1e9 in size, got " + fmt(x));
    if (value_path) *value_path = vpath;
    return static_cast<int>(rounded);
}

/// A field of kind U or E: a number (fixed) or a distribution whose support suits the domain.
/// The closure of the support may touch an open end of the domain (MODEL.md §1, Domains).
inline distribution random_field(const json& j, const std::string& path, const domain& d) {
    if (!j.is_object()) {
        const double x = number(j, path);
        check_domain(x, d, path);
        return fixed(x);
    }
    const distribution dist = distribution_at(j, path);
    if (is_fixed(dist)) {
        check_domain(dist.p0, d, join(path, "value"));
        return dist;
    }
    const auto [a, b] = support(dist);
    if (a < d.lo || b > d.hi)
        fail(path, "the support [" + fmt(a) + ", " + fmt(b) + "] of " + describe(dist) + " must lie within the domain (" +
                       d.text() + "); use a bounded family or truncate");
    return dist;
}

inline distribution distribution_at(const json& j, const std::string& path) {
    const json& dj = required(j, path, "dist");
    const std::string name = string_at(dj, join(path, "dist"));
    auto param = [&](const char* key) { return number(required(j, path, key), join(path, key)); };
    auto param_or = [&](const char* key, double fallback) {
        const json* p = optional(j, key);
        return p ? number(*p, join(path, key)) : fallback;
    };
    auto greater = [&](const char* key, double x, const char* than_key, double than) {
        if (!(x > than)) fail(join(path, key), "must be greater than " + std::string(than_key) + " (" + fmt(than) + "), got " + fmt(x));
    };
    auto positive_param = [&](const char* key) {
        const double x = param(key);
        if (!(x > 0)) fail(join(path, key), "must be > 0, got " + fmt(x));
        return x;
    };
    auto ordered_min_mode_max = [&](double& min, double& mode, double& max) {
        min = param("min");
        mode = param("mode");
        max = param("max");
        greater("max", max, "min", min);
        if (mode < min) fail(join(path, "mode"), "must be >= min (" + fmt(min) + "), got " + fmt(mode));
        if (mode > max) fail(join(path, "mode"), "must be <= max (" + fmt(max) + "), got " + fmt(mode));
    };

    distribution d;
    try {
        if (name == "fixed") {
            if (j.contains("truncate")) fail(join(path, "truncate"), "not allowed on a fixed value");
            check_keys(j, path, {"dist", "value"});
            d = fixed(param("value"));
        } else if (name == "uniform") {
            check_keys(j, path, {"dist", "min", "max", "truncate"});
            const double min = param("min"), max = param("max");
            greater("max", max, "min", min);
            d = uniform(min, max);
        } else if (name == "normal") {
            check_keys(j, path, {"dist", "mean", "sd", "truncate"});
            const double mean = param("mean");
            d = normal(mean, positive_param("sd"));
        } else if (name == "lognormal") {
            check_keys(j, path, {"dist", "median", "p90", "mu", "sigma", "truncate"});
            const bool by_quantiles = j.contains("median") || j.contains("p90");
            const bool by_moments = j.contains("mu") || j.contains("sigma");
            if (by_quantiles && by_moments) fail(path, "give either median and p90 or mu and sigma, not both");
            if (by_moments) {
                const double mu = param("mu");
                d = lognormal(mu, positive_param("sigma"));
            } else {
                const double median = positive_param("median");
                const double p90 = param("p90");
                greater("p90", p90, "median", median);
                d = lognormal_median_p90(median, p90);
            }
        } else if (name == "ci90") {
            check_keys(j, path, {"dist", "low", "high", "truncate"});
            const double low = param("low"), high = param("high");
            greater("high", high, "low", low);
            d = ci90(low, high);
        } else if (name == "triangular") {
            check_keys(j, path, {"dist", "min", "mode", "max", "truncate"});
            double min, mode, max;
            ordered_min_mode_max(min, mode, max);
            d = triangular(min, mode, max);
        } else if (name == "pert") {
            check_keys(j, path, {"dist", "min", "mode", "max", "lambda", "truncate"});
            double min, mode, max;
            ordered_min_mode_max(min, mode, max);
            const double lambda = param_or("lambda", 4.0);
            if (!(lambda > 0)) fail(join(path, "lambda"), "must be > 0, got " + fmt(lambda));
            d = pert(min, mode, max, lambda);
        } else if (name == "beta") {
            check_keys(j, path, {"dist", "alpha", "beta", "min", "max", "truncate"});
            const double alpha = positive_param("alpha"), b = positive_param("beta");
            const double min = param_or("min", 0.0), max = param_or("max", 1.0);
            greater("max", max, "min", min);
            d = beta(alpha, b, min, max);
        } else if (name == "gamma" || name == "weibull") {
            check_keys(j, path, {"dist", "shape", "scale", "truncate"});
            const double shape = positive_param("shape"), scale = positive_param("scale");
            d = name == "gamma" ? gamma(shape, scale) : weibull(shape, scale);
        } else {
            fail(join(path, "dist"), "unknown distribution \"" + name +
                                         "\" (expected one of: fixed, uniform, normal, lognormal, ci90, triangular, pert, beta, gamma, weibull)");
        }
    } catch (const scenario_error&) {
        throw;
    } catch (const usage_error& e) {
        // Parameters that pass the checks above but break the family in arithmetic (e.g. a
        // ci90 whose width overflows a double).
        fail(path, std::string("invalid parameters: ") + e.what());
    } catch (const std::exception& e) {
        // Boost.Math cannot evaluate the family (e.g. a gamma shape of 1e-320 overflows tgamma).
        fail(path, std::string("invalid parameters: cannot be evaluated (") + e.what() + ")");
    }
    if (const json* t = optional(j, "truncate")) {
        const std::string tpath = join(path, "truncate");
        if (!t->is_array()) fail(tpath, std::string("expected an array [lo, hi], got ") + type_name(*t));
        if (t->size() != 2)
            fail(tpath, "expected an array [lo, hi] of two numbers, got " + std::to_string(t->size()) + " elements");
        const double lo = number((*t)[0], index(tpath, 0)), hi = number((*t)[1], index(tpath, 1));
        if (!(lo < hi)) fail(tpath, "lo must be less than hi, got [" + fmt(lo) + ", " + fmt(hi) + "]");
        try {
            d = truncate(d, lo, hi);
        } catch (const usage_error&) {
            fail(tpath, "[" + fmt(lo) + ", " + fmt(hi) + "] has probability zero under " + describe(d));
        } catch (const std::exception& e) {
            fail(tpath, "cannot be evaluated under " + describe(d) + " (" + e.what() + ")");
        }
    }
    check_sampling(d, path);
    return d;
}

/// Strict JSON parsing: duplicate keys and non-finite numbers are errors, syntax errors name
/// the line and column.
inline json parse_strict(const std::string& text) {
    struct frame {
        bool object;
        std::set<std::string> keys;
        std::string key;
        std::size_t next = 0;
    };
    std::vector<frame> frames;
    std::string duplicate;
    auto current_path = [&] {
        std::string p;
        for (const auto& f : frames) p = f.object ? join(p, f.key) : index(p, f.next);
        return p;
    };
    auto value_done = [&] {
        if (!frames.empty() && !frames.back().object) ++frames.back().next;
    };
    json::parser_callback_t callback = [&](int, json::parse_event_t event, json& parsed) {
        switch (event) {
        case json::parse_event_t::object_start:
        case json::parse_event_t::array_start:
            // Stop hostile nesting at once (before it costs memory, or stack in a recursive
            // consumer of the document).
            if (frames.size() >= max_json_depth)
                fail(current_path(), "invalid JSON: arrays and objects nested more than " + std::to_string(max_json_depth) +
                                         " deep");
            frames.push_back({event == json::parse_event_t::object_start, {}, {}, 0});
            break;
        case json::parse_event_t::key: {
            auto& f = frames.back();
            f.key = parsed.get<std::string>();
            if (!f.keys.insert(f.key).second && duplicate.empty()) duplicate = current_path();
            break;
        }
        case json::parse_event_t::object_end:
        case json::parse_event_t::array_end:
            frames.pop_back();
            value_done();
            break;
        case json::parse_event_t::value: value_done(); break;
        }
        return true;
    };
    json j;
    try {
        j = json::parse(text, callback);
    } catch (const json::parse_error& e) {
        std::string what = e.what();
        const std::string marker = "parse error at ";
        const auto at = what.find(marker);
        if (at != std::string::npos) what = what.substr(at + marker.size());
        fail("", "invalid JSON at " + what);
    } catch (const json::exception& e) {
        std::string what = e.what();
        const auto close = what.find("] ");
        if (close != std::string::npos) what = what.substr(close + 2);
        fail(current_path(), "invalid JSON: " + what + " (numbers must be finite)");
    }
    if (!duplicate.empty()) fail(duplicate, "duplicate key");
    return j;
}

inline void read_correlations(const json* list, scenario& s) {
    if (!list) return;
    const std::string path = "correlations";
    if (!list->is_array()) fail(path, std::string("expected an array, got ") + type_name(*list));
    std::vector<std::pair<std::size_t, std::size_t>> seen;
    for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string p = index(path, i);
        const json& c = object_at((*list)[i], p);
        check_keys(c, p, {"a", "b", "rho", "spearman"});
        auto input_at = [&](const char* key) {
            const std::string name = string_at(required(c, p, key), join(p, key));
            for (std::size_t k = 0; k < scalar_input_count; ++k)
                if (name == scalar_input_paths[k]) {
                    if (is_fixed(s.scalars[k]))
                        fail(join(p, key), name + " is fixed in this scenario, so it cannot be correlated");
                    return k;
                }
            std::string allowed;
            for (const char* q : scalar_input_paths) allowed += (allowed.empty() ? "" : ", ") + std::string(q);
            fail(join(p, key), "unknown input \"" + name + "\" (expected one of: " + allowed + ")");
        };
        const std::size_t a = input_at("a"), b = input_at("b");
        if (a == b) fail(join(p, "b"), "must differ from a (" + std::string(scalar_input_paths[a]) + ")");
        const bool has_rho = c.contains("rho"), has_spearman = c.contains("spearman");
        if (has_rho == has_spearman) fail(p, "give exactly one of rho and spearman");
        const char* key = has_rho ? "rho" : "spearman";
        const double x = number(c.at(key), join(p, key));
        check_domain(x, {-1, 1, false, false}, join(p, key));
        const auto pair = std::minmax(a, b);
        for (std::size_t k = 0; k < seen.size(); ++k)
            if (seen[k] == std::make_pair(pair.first, pair.second))
                fail(p, "the pair " + std::string(scalar_input_paths[a]) + " and " + scalar_input_paths[b] +
                            " is already correlated in " + index(path, k));
        seen.emplace_back(pair.first, pair.second);
        s.correlations.push_back({static_cast<scalar_input>(a), static_cast<scalar_input>(b),
                                  has_rho ? x : spearman_to_pearson(x)});
    }
    Eigen::MatrixXd sigma = Eigen::MatrixXd::Identity(scalar_input_count, scalar_input_count);
    for (const auto& c : s.correlations)
        sigma(static_cast<Eigen::Index>(c.a), static_cast<Eigen::Index>(c.b)) =
            sigma(static_cast<Eigen::Index>(c.b), static_cast<Eigen::Index>(c.a)) = c.rho;
    const double smallest = smallest_eigenvalue(sigma);
    if (smallest < -gaussian_copula::psd_tolerance)
        fail(path, "the correlation matrix is not positive semidefinite (smallest eigenvalue " + fmt(smallest) + ")");
}

}  // namespace detail

inline scenario parse_scenario(const std::string& text) {
    using namespace detail;
    if (text.size() > max_scenario_bytes)
        fail("", "the scenario is " + std::to_string(text.size()) + " bytes, more than the limit of 16 MiB (" +
                     std::to_string(max_scenario_bytes) + " bytes)");
    const json root = parse_strict(text);
    object_at(root, "");
    check_keys(root, "", {"name", "description", "time", "target", "plan", "investors", "fabs", "compute", "talent",
                          "geopolitics", "correlations"});
    scenario s;
    s.name = string_at(required(root, "", "name"), "name");
    if (const json* d = optional(root, "description")) s.description = string_at(*d, "description");

    // time
    const json& time = object_at(required(root, "", "time"), "time");
    check_keys(time, "time", {"start_year", "horizon_years", "steps_per_year", "deadline_year"});
    s.time.start_year = integer_field(required(time, "time", "start_year"), "time.start_year", any_real());
    s.time.horizon_years = integer_field(required(time, "time", "horizon_years"), "time.horizon_years", {1, HUGE_VAL, false, true});
    s.time.steps_per_year = integer_field(required(time, "time", "steps_per_year"), "time.steps_per_year", {1, HUGE_VAL, false, true});
    if (double(s.time.horizon_years) * s.time.steps_per_year > max_grid_steps)
        fail("time.steps_per_year", "horizon_years x steps_per_year must be at most " + fmt(max_grid_steps) + ", got " +
                                        fmt(double(s.time.horizon_years) * s.time.steps_per_year));
    {
        const json& d = required(time, "time", "deadline_year");
        const double first = s.time.start_year, last = double(s.time.start_year) + s.time.horizon_years - 1;
        std::string vpath;
        const int y = integer_field(d, "time.deadline_year", any_real(), &vpath);
        if (y < first || y > last)
            fail(vpath, "must lie in [" + fmt(first) + ", " + fmt(last) +
                            "] (start_year to start_year + horizon_years - 1), got " + fmt(y));
        s.time.deadline_year = y;
    }
    const double horizon = s.time.horizon_years;

    // target
    const json& target = object_at(required(root, "", "target"), "target");
    check_keys(target, "target", {"installed_flops"});
    s.target_flops = fixed_field(required(target, "target", "installed_flops"), "target.installed_flops", positive());

    // plan
    const json& plan = object_at(required(root, "", "plan"), "plan");
    check_keys(plan, "plan", {"fab_capital_share"});
    s.input(scalar_input::fab_capital_share) =
        random_field(required(plan, "plan", "fab_capital_share"), "plan.fab_capital_share", unit_open_closed());

    // investors
    const json& inv = object_at(required(root, "", "investors"), "investors");
    check_keys(inv, "investors", {"dropout_correlation", "dropout_time", "list"});
    {
        const std::string p = "investors.dropout_correlation";
        const json& dc = object_at(required(inv, "investors", "dropout_correlation"), p);
        check_keys(dc, p, {"global", "within_group"});
        s.dropout_global = fixed_field(required(dc, p, "global"), p + ".global", unit_closed());
        s.dropout_within_group = fixed_field(required(dc, p, "within_group"), p + ".within_group", unit_closed());
        if (s.dropout_global + s.dropout_within_group > 1 + 1e-9)
            fail(p + ".within_group", "global + within_group must be <= 1, got " + fmt(s.dropout_global) + " + " +
                                          fmt(s.dropout_within_group));
    }
    if (const json* t = optional(inv, "dropout_time"))
        s.dropout_time = random_field(*t, "investors.dropout_time", any_real());
    else
        s.dropout_time = uniform(0, horizon);
    {
        const json& list = required(inv, "investors", "list");
        const std::string p = "investors.list";
        if (!list.is_array()) fail(p, std::string("expected an array, got ") + type_name(list));
        if (list.empty()) fail(p, "must list at least one investor");
        if (double(list.size()) > max_entities) fail(p, "at most " + fmt(max_entities) + " investors are supported");
        std::set<std::string> names;
        for (std::size_t i = 0; i < list.size(); ++i) {
            const std::string ip = index(p, i);
            const json& o = object_at(list[i], ip);
            check_keys(o, ip, {"name", "group", "pledge_busd", "disburse_start", "disburse_years", "dropout_probability"});
            investor v;
            v.name = string_at(required(o, ip, "name"), ip + ".name");
            if (!names.insert(v.name).second) fail(ip + ".name", "duplicate investor name \"" + v.name + "\"");
            v.group = string_at(required(o, ip, "group"), ip + ".group");
            v.pledge_busd = random_field(required(o, ip, "pledge_busd"), ip + ".pledge_busd", non_negative());
            v.disburse_start = fixed_field(required(o, ip, "disburse_start"), ip + ".disburse_start", non_negative());
            v.disburse_years = fixed_field(required(o, ip, "disburse_years"), ip + ".disburse_years", positive());
            v.dropout_probability =
                fixed_field(required(o, ip, "dropout_probability"), ip + ".dropout_probability", unit_closed());
            s.investors.push_back(std::move(v));
        }
    }

    // fabs
    const json& fabs = object_at(required(root, "", "fabs"), "fabs");
    check_keys(fabs, "fabs", {"capex_busd", "capex_overrun", "capex_overrun_correlation", "build_years", "delay_years",
                              "delay_correlation", "ramp_years", "wafers_per_month", "staff_per_fab", "dies_per_wafer",
                              "yield", "groups"});
    s.capex_busd = fixed_field(required(fabs, "fabs", "capex_busd"), "fabs.capex_busd", positive());
    s.capex_overrun = random_field(required(fabs, "fabs", "capex_overrun"), "fabs.capex_overrun", positive());
    s.capex_overrun_correlation =
        fixed_field(required(fabs, "fabs", "capex_overrun_correlation"), "fabs.capex_overrun_correlation", unit_closed());
    s.build_years = fixed_field(required(fabs, "fabs", "build_years"), "fabs.build_years", non_negative());
    s.delay_years = random_field(required(fabs, "fabs", "delay_years"), "fabs.delay_years", non_negative());
    s.delay_correlation = fixed_field(required(fabs, "fabs", "delay_correlation"), "fabs.delay_correlation", unit_closed());
    s.input(scalar_input::ramp_years) = random_field(required(fabs, "fabs", "ramp_years"), "fabs.ramp_years", non_negative());
    s.wafers_per_month = fixed_field(required(fabs, "fabs", "wafers_per_month"), "fabs.wafers_per_month", positive());
    s.staff_per_fab = fixed_field(required(fabs, "fabs", "staff_per_fab"), "fabs.staff_per_fab", non_negative());
    s.dies_per_wafer = fixed_field(required(fabs, "fabs", "dies_per_wafer"), "fabs.dies_per_wafer", positive());
    s.input(scalar_input::yield) = random_field(required(fabs, "fabs", "yield"), "fabs.yield", unit_open_closed());
    {
        const json& groups = required(fabs, "fabs", "groups");
        const std::string p = "fabs.groups";
        if (!groups.is_array()) fail(p, std::string("expected an array, got ") + type_name(groups));
        if (groups.empty()) fail(p, "must list at least one group of fabs");
        std::set<std::string> names;
        double total = 0;
        for (std::size_t i = 0; i < groups.size(); ++i) {
            const std::string gp = index(p, i);
            const json& o = object_at(groups[i], gp);
            check_keys(o, gp, {"name", "count", "planned_start", "exposed", "capex_busd", "build_years", "wafers_per_month",
                               "staff_per_fab"});
            fab_group g;
            g.name = string_at(required(o, gp, "name"), gp + ".name");
            if (!names.insert(g.name).second) fail(gp + ".name", "duplicate group name \"" + g.name + "\"");
            g.count = integer_field(required(o, gp, "count"), gp + ".count", non_negative());
            total += g.count;
            if (total > max_entities) fail(gp + ".count", "at most " + fmt(max_entities) + " fabs in all are supported");
            g.planned_start = fixed_field(required(o, gp, "planned_start"), gp + ".planned_start", non_negative());
            if (const json* e = optional(o, "exposed")) {
                if (!e->is_boolean()) fail(gp + ".exposed", std::string("expected true or false, got ") + type_name(*e));
                g.exposed = e->get<bool>();
            }
            auto override_or = [&](const char* key, double fallback, const domain& d) {
                const json* v = optional(o, key);
                return v ? fixed_field(*v, gp + "." + key, d) : fallback;
            };
            g.capex_busd = override_or("capex_busd", s.capex_busd, positive());
            g.build_years = override_or("build_years", s.build_years, non_negative());
            g.wafers_per_month = override_or("wafers_per_month", s.wafers_per_month, positive());
            g.staff_per_fab = override_or("staff_per_fab", s.staff_per_fab, non_negative());
            s.fab_groups.push_back(std::move(g));
        }
    }

    // compute
    const json& compute = object_at(required(root, "", "compute"), "compute");
    check_keys(compute, "compute", {"flops_per_die", "cost_decline", "scale_elasticity", "chip_lifetime_years"});
    s.input(scalar_input::flops_per_die) =
        random_field(required(compute, "compute", "flops_per_die"), "compute.flops_per_die", positive());
    s.input(scalar_input::cost_decline) =
        random_field(required(compute, "compute", "cost_decline"), "compute.cost_decline", {-1, 1, true, true});
    s.input(scalar_input::scale_elasticity) =
        random_field(required(compute, "compute", "scale_elasticity"), "compute.scale_elasticity", non_negative());
    s.chip_lifetime_years =
        fixed_field(required(compute, "compute", "chip_lifetime_years"), "compute.chip_lifetime_years", positive());
    {
        const double steps = s.chip_lifetime_years * s.time.steps_per_year;
        if (std::fabs(steps - std::round(steps)) > 1e-9)
            fail("compute.chip_lifetime_years", "lifetime x steps_per_year must be an integer, got " +
                                                    fmt(s.chip_lifetime_years) + " x " + fmt(s.time.steps_per_year) +
                                                    " = " + fmt(steps));
        if (steps > max_lifetime_steps)
            fail("compute.chip_lifetime_years", "lifetime x steps_per_year must be at most " + fmt(max_lifetime_steps) +
                                                    " (an engine limit), got " + fmt(s.chip_lifetime_years) + " x " +
                                                    fmt(s.time.steps_per_year) + " = " + fmt(steps));
    }

    // talent
    const json& talent = object_at(required(root, "", "talent"), "talent");
    check_keys(talent, "talent", {"initial_workforce", "hiring_per_year", "attrition_per_year"});
    s.input(scalar_input::initial_workforce) =
        random_field(required(talent, "talent", "initial_workforce"), "talent.initial_workforce", non_negative());
    s.input(scalar_input::hiring_per_year) =
        random_field(required(talent, "talent", "hiring_per_year"), "talent.hiring_per_year", non_negative());
    s.input(scalar_input::attrition_per_year) =
        random_field(required(talent, "talent", "attrition_per_year"), "talent.attrition_per_year", unit_closed());

    // geopolitics
    const json& geo = object_at(required(root, "", "geopolitics"), "geopolitics");
    check_keys(geo, "geopolitics", {"shock_probability", "shock_time", "severity"});
    s.shock_probability =
        fixed_field(required(geo, "geopolitics", "shock_probability"), "geopolitics.shock_probability", unit_closed());
    if (const json* t = optional(geo, "shock_time"))
        s.shock_time = random_field(*t, "geopolitics.shock_time", any_real());
    else
        s.shock_time = uniform(0, horizon);
    s.input(scalar_input::severity) = random_field(required(geo, "geopolitics", "severity"), "geopolitics.severity", unit_closed());

    read_correlations(optional(root, "correlations"), s);
    return s;
}

inline scenario load_scenario(const std::string& file) {
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec)) throw io_error("cannot read scenario file " + file + ": it is a directory");
    std::ifstream in(file, std::ios::binary);
    if (!in) throw io_error("cannot read scenario file " + file);
    // Refuse an oversized regular file by its size, and read anything else (a pipe, a device)
    // only up to one byte past the limit, so /dev/zero cannot exhaust memory.
    const auto size = std::filesystem::file_size(file, ec);
    auto too_large = [&](const std::string& found) {
        return scenario_error("", "the scenario file " + file + " is " + found + "more than the limit of 16 MiB (" +
                                      std::to_string(max_scenario_bytes) + " bytes)");
    };
    if (!ec && std::filesystem::is_regular_file(file, ec) && size > max_scenario_bytes)
        throw too_large(std::to_string(size) + " bytes, ");
    std::string text;
    char buffer[1 << 16];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        text.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (text.size() > max_scenario_bytes) throw too_large("");
    }
    if (in.bad()) throw io_error("cannot read scenario file " + file);
    return parse_scenario(text);
}

}  // namespace fabrisk::buildout
