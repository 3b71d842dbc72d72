#pragma once
/// \file buildout/scenario_json.hpp
/// Reads a scenario from JSON and enforces every rule of docs/model.md §1–3. Every broken rule is
/// reported, in document order, in one scenario_error: one problem each, naming the JSON path,
/// what was expected and what was found, e.g.
/// `fabs.delay_years.p90: must be greater than median (0.75), got 0.5`. A misspelt key,
/// distribution or correlation input suggests the closest known one; a distribution is named as
/// written (`pert(min 5, mode 10, max 25)`); a value in (1, 100] where at most 1 is allowed is
/// pointed out as a likely percentage. Values that are valid but implausible are not errors:
/// see plausibility.hpp.
///
/// The keys the parser accepts are data (detail::keys), used both by its own checks and by
/// accepted_keys() and distribution_keys(), so a test can hold docs/model.md to them.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <map>
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

/// Parses and validates scenario text. Throws one scenario_error listing every problem (a JSON
/// syntax error, or a document that is not an object, stops at once).
scenario parse_scenario(const std::string& text);
/// Reads, parses and validates a scenario file ("-": standard input). Throws io_error if it
/// cannot be read, and scenario_error (before reading it all) if it is larger than
/// max_scenario_bytes.
scenario load_scenario(const std::string& file);
/// The bytes of a scenario file ("-": standard input), as load_scenario reads them (the same
/// errors and limits).
std::string read_scenario_file(const std::string& file);

/// Every key path the parser accepts, in document order, each parent before its children:
/// `name`, ..., `time`, `time.start_year`, ..., `investors.list`, `investors.list[].name`, ...,
/// `fabs.groups[].staff_per_fab`, ..., `correlations[].spearman`. `[]` stands for any element of
/// an array. The keys of distribution objects are not included: see distribution_keys(). Nor is
/// a top-level `$schema`, which is no part of a scenario: a string there is ignored.
const std::vector<std::string>& accepted_keys();
/// The distribution families a `dist` key may name: fixed, ci90, uniform, normal, ...
const std::vector<std::string>& distribution_families();
/// The keys a distribution object of `family` accepts (`dist`, its parameters and, except for
/// `fixed`, `truncate`); empty for an unknown family.
std::vector<std::string> distribution_family_keys(const std::string& family);
/// Every key any distribution object accepts, without repeats: dist, value, min, max, ...
const std::vector<std::string>& distribution_keys();
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

/// The problems found so far. Validation goes on after a broken rule: each independent field
/// or list element is checked by `attempt`, which records its scenario_error and returns false.
/// At most max_kept problems are kept (hostile input can break millions of rules); the rest are
/// only counted.
class problem_list {
public:
    static constexpr std::size_t max_kept = 10000;

    void add(scenario_problem p) {
        if (kept_.size() < max_kept)
            kept_.push_back(std::move(p));
        else
            ++unrecorded_;
    }
    void add(const scenario_error& e) {
        for (const auto& p : e.problems()) add(p);
        unrecorded_ += e.problem_count() - e.problems().size();
    }
    /// Runs `check`; true if it threw no scenario_error (which is recorded otherwise).
    template <class Check>
    bool attempt(Check&& check) {
        try {
            check();
            return true;
        } catch (const scenario_error& e) {
            add(e);
            return false;
        }
    }
    bool empty() const noexcept { return kept_.empty() && unrecorded_ == 0; }
    /// Paths of the known keys that an unknown key was taken for (`dropout_probabilty` →
    /// `...dropout_probability`): a misspelt required key is one mistake, so the "required field
    /// is missing" of such a key is dropped by drop_suggested_missing().
    std::set<std::string> suggested;
    void drop_suggested_missing() {
        kept_.erase(std::remove_if(kept_.begin(), kept_.end(),
                                   [&](const scenario_problem& p) {
                                       return p.message == "required field is missing" && suggested.count(p.path);
                                   }),
                    kept_.end());
    }
    std::vector<scenario_problem>& kept() noexcept { return kept_; }
    std::size_t unrecorded() const noexcept { return unrecorded_; }

private:
    std::vector<scenario_problem> kept_;
    std::size_t unrecorded_ = 0;
};

/// The optimal-string-alignment (restricted Damerau–Levenshtein) distance: insertions,
/// deletions, substitutions and swaps of adjacent characters each cost 1. Written here because
/// no Debian package provides one header-only.
inline std::size_t edit_distance(const std::string& a, const std::string& b) {
    const std::size_t m = b.size();
    std::vector<std::size_t> before(m + 1), previous(m + 1), row(m + 1);  // rows i - 2, i - 1, i
    for (std::size_t j = 0; j <= m; ++j) previous[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        row[0] = i;
        for (std::size_t j = 1; j <= m; ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            row[j] = std::min({previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) row[j] = std::min(row[j], before[j - 2] + 1);
        }
        std::swap(before, previous);
        std::swap(previous, row);
    }
    return previous[m];
}

/// The candidate closest to `name`, if it is within edit distance 2 and the distance is at most
/// a third of the candidate's length (so "mean" does not suggest "max"); "" otherwise. The first
/// of equally close candidates wins.
template <class Names>
std::string closest(const std::string& name, const Names& candidates) {
    std::string best;
    std::size_t best_distance = 3;
    for (const auto& c : candidates) {
        const std::string candidate(c);
        if (candidate.size() + 2 < name.size() || name.size() + 2 < candidate.size()) continue;
        const std::size_t d = edit_distance(name, candidate);
        if (d < best_distance && 3 * d <= candidate.size()) {
            best = candidate;
            best_distance = d;
        }
    }
    return best;
}

template <class Names>
std::string listing(const Names& names) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + std::string(n);
    return list;
}

/// ` (did you mean "x"?)` when a candidate is close to `name`, ` (expected one of: ...)` otherwise.
template <class Names>
std::string suggestion(const std::string& name, const Names& candidates) {
    const std::string best = closest(name, candidates);
    return best.empty() ? " (expected one of: " + listing(candidates) + ")" : " (did you mean \"" + best + "\"?)";
}

/// An interval domain with open or closed ends, as in docs/model.md's tables (§1.2).
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

/// For a domain bounded above by 1 (a share, a probability, a correlation), a value in
/// (1, 100] is most likely a percentage (and, when the domain reaches down to -1, one in
/// [-100, -1)): the hint `; it looks like a percentage: write 0.25 for 25%`. "" otherwise.
inline std::string percentage_hint(double x, const domain& d) {
    const bool up = d.hi == 1 && x > 1 && x <= 100;
    const bool down = d.lo == -1 && x < -1 && x >= -100;
    if (!up && !down) return "";
    return "; it looks like a percentage: write " + fmt(x / 100) + " for " + fmt(x) + "%";
}

/// The keys each JSON object of a scenario accepts, in the order messages list them (the first of
/// equally close candidates is the one suggested for a misspelt key). The parser checks every
/// object against these lists, and accepted_keys() and distribution_keys() are made from them.
namespace keys {
template <std::size_t N>
using list = std::array<const char*, N>;

inline constexpr list<11> root{"name",      "description", "time",   "target",      "plan",        "investors",
                               "fabs",      "compute",     "talent", "geopolitics", "correlations"};
inline constexpr list<4> time{"start_year", "horizon_years", "steps_per_year", "deadline_year"};
inline constexpr list<1> target{"installed_flops"};
inline constexpr list<1> plan{"fab_capital_share"};
inline constexpr list<3> investors{"dropout_correlation", "dropout_time", "list"};
inline constexpr list<2> dropout_correlation{"global", "within_group"};
inline constexpr list<6> investor{"name",           "group",          "pledge_busd",
                                  "disburse_start", "disburse_years", "dropout_probability"};  // investors.list[]
inline constexpr list<12> fabs{"capex_busd",       "capex_overrun",  "capex_overrun_correlation", "build_years",
                               "delay_years",      "delay_correlation", "ramp_years",             "wafers_per_month",
                               "staff_per_fab",    "dies_per_wafer", "yield",                     "groups"};
inline constexpr list<8> fab_group{"name",        "count",       "planned_start",    "exposed",
                                   "capex_busd",  "build_years", "wafers_per_month", "staff_per_fab"};  // fabs.groups[]
inline constexpr list<4> compute{"flops_per_die", "cost_decline", "scale_elasticity", "chip_lifetime_years"};
inline constexpr list<3> talent{"initial_workforce", "hiring_per_year", "attrition_per_year"};
inline constexpr list<3> geopolitics{"shock_probability", "shock_time", "severity"};
inline constexpr list<4> correlation{"a", "b", "rho", "spearman"};  // correlations[]

// Distribution objects, by family (docs/model.md §2).
inline constexpr list<2> fixed{"dist", "value"};
inline constexpr list<4> uniform{"dist", "min", "max", "truncate"};
inline constexpr list<4> normal{"dist", "mean", "sd", "truncate"};
inline constexpr list<6> lognormal{"dist", "median", "p90", "mu", "sigma", "truncate"};
inline constexpr list<4> ci90{"dist", "low", "high", "truncate"};
inline constexpr list<5> triangular{"dist", "min", "mode", "max", "truncate"};
inline constexpr list<6> pert{"dist", "min", "mode", "max", "lambda", "truncate"};
inline constexpr list<6> beta{"dist", "alpha", "beta", "min", "max", "truncate"};
inline constexpr list<4> gamma{"dist", "shape", "scale", "truncate"};
inline constexpr list<4> weibull{"dist", "shape", "scale", "truncate"};

template <std::size_t N>
std::vector<const char*> to_vector(const list<N>& l) {
    return {l.begin(), l.end()};
}

/// The keys of the object at a canonical path ("" for the root, `investors.list[]` for an
/// investor); empty for a path that holds no object of the scenario.
inline std::vector<const char*> of_object(const std::string& path) {
    if (path.empty()) return to_vector(root);
    if (path == "time") return to_vector(time);
    if (path == "target") return to_vector(target);
    if (path == "plan") return to_vector(plan);
    if (path == "investors") return to_vector(investors);
    if (path == "investors.dropout_correlation") return to_vector(dropout_correlation);
    if (path == "investors.list[]") return to_vector(investor);
    if (path == "fabs") return to_vector(fabs);
    if (path == "fabs.groups[]") return to_vector(fab_group);
    if (path == "compute") return to_vector(compute);
    if (path == "talent") return to_vector(talent);
    if (path == "geopolitics") return to_vector(geopolitics);
    if (path == "correlations[]") return to_vector(correlation);
    return {};
}

/// The keys of a distribution object of `family`; empty for an unknown family.
inline std::vector<const char*> of_family(const std::string& family) {
    if (family == "fixed") return to_vector(fixed);
    if (family == "uniform") return to_vector(uniform);
    if (family == "normal") return to_vector(normal);
    if (family == "lognormal") return to_vector(lognormal);
    if (family == "ci90") return to_vector(ci90);
    if (family == "triangular") return to_vector(triangular);
    if (family == "pert") return to_vector(pert);
    if (family == "beta") return to_vector(beta);
    if (family == "gamma") return to_vector(gamma);
    if (family == "weibull") return to_vector(weibull);
    return {};
}
}  // namespace keys

/// Rejects keys outside `allowed` (a keys::list), every one of them (one problem each). The path
/// of each key suggested instead of an unknown one goes into `suggested`, if given. `ignored`, if
/// given, is a key that is let through without being one of `allowed` (nor offered in messages).
template <class Names>
void check_keys(const json& j, const std::string& path, const Names& allowed, std::set<std::string>* suggested = nullptr,
                const char* ignored = nullptr) {
    std::vector<scenario_problem> unknown;
    std::size_t more = 0;  // beyond what a problem_list keeps
    for (auto it = j.begin(); it != j.end(); ++it) {
        const bool known = std::any_of(allowed.begin(), allowed.end(), [&](const char* k) { return it.key() == k; });
        if (known || (ignored && it.key() == ignored)) continue;
        if (unknown.size() >= problem_list::max_kept) {
            ++more;
            continue;
        }
        const std::string best = closest(it.key(), allowed);
        if (suggested && !best.empty()) suggested->insert(join(path, best));
        unknown.push_back({join(path, it.key()), best.empty() ? "unknown key (expected one of: " + listing(allowed) + ")"
                                                               : "unknown key \"" + it.key() + "\" (did you mean \"" +
                                                                     best + "\"?)"});
    }
    if (!unknown.empty()) throw scenario_error(std::move(unknown), more);
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
    if (!d.contains(x)) fail(path, "must be " + d.text() + ", got " + fmt(x) + percentage_hint(x, d));
}

inline constexpr const char* distribution_names[] = {"fixed", "ci90",       "uniform", "normal", "lognormal",
                                                     "pert",  "triangular", "beta",    "gamma",  "weibull"};

/// The parameter keys of a family in their canonical order: its keys::list without `dist` and
/// `truncate`.
inline std::vector<const char*> parameter_keys(const std::string& name) {
    std::vector<const char*> parameters;
    for (const char* key : keys::of_family(name))
        if (std::string(key) != "dist" && std::string(key) != "truncate") parameters.push_back(key);
    return parameters;
}

/// A distribution object as the user wrote it, for messages: `pert(min 5, mode 10, max 25)`,
/// `lognormal(median 1.15, p90 1.6) truncated to [1, 3]`: the parameters given, in the family's
/// canonical order (not the internal form it becomes, such as a beta for a PERT).
inline std::string as_written(const json& j, bool with_truncation = true) {
    const json* dj = j.is_object() ? optional(j, "dist") : nullptr;
    const std::string name = dj && dj->is_string() ? dj->get<std::string>() : "distribution";
    std::string s = name + "(";
    bool first = true;
    for (const char* key : parameter_keys(name)) {
        const json* v = optional(j, key);
        if (!v || !v->is_number()) continue;
        s += (first ? "" : ", ") + std::string(key) + " " + fmt(v->get<double>());
        first = false;
    }
    s += ")";
    const json* t = j.is_object() ? optional(j, "truncate") : nullptr;
    if (with_truncation && t && t->is_array() && t->size() == 2 && (*t)[0].is_number() && (*t)[1].is_number())
        s += " truncated to [" + fmt((*t)[0].get<double>()) + ", " + fmt((*t)[1].get<double>()) + "]";
    return s;
}

/// The largest location-like parameter as written (min, mode, max, mean, median, p90, low,
/// high): where a percentage shows in an unbounded family. -inf if none.
inline double largest_value_parameter(const json& j) {
    double top = -std::numeric_limits<double>::infinity();
    for (const char* key : {"min", "mode", "max", "mean", "median", "p90", "low", "high"}) {
        const json* v = optional(j, key);
        if (v && v->is_number()) top = std::max(top, v->get<double>());
    }
    return top;
}

distribution distribution_at(const json& j, const std::string& path);

/// Parameters at the edge of a double (a triangular or uniform wider than 1e308, a beta shape
/// of 1e300) can break a family's arithmetic although they satisfy its rules. Such a
/// distribution is refused here, with a clear message, rather than sampled into NaN or
/// infinities: its quantile at every u in a probe set that includes the most extreme uniforms
/// the engine draws (2^-53 and 1 − 2^-53) must be a number within the closure of its support,
/// non-decreasing in u, and must not throw. `written` names the distribution in messages.
inline void check_sampling(const distribution& d, const std::string& path, const std::string& written) {
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
            fail(path, written + " cannot be sampled with these parameters: its quantile at u = " + fmt(u) +
                           " fails (" + e.what() + ")");
        }
        if (std::isnan(x) || x < a - slack(a) || x > b + slack(b) || (std::isinf(x) && !std::isinf(x < 0 ? a : b)) ||
            x < previous - 1e-9 * std::max(1.0, std::fabs(previous)))
            fail(path, written + " cannot be sampled with these parameters: its quantile at u = " + fmt(u) + " is " +
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
/// The closure of the support may touch an open end of the domain (docs/model.md §1.2).
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
    if (a < d.lo || b > d.hi) {
        const std::string hint = b > d.hi ? percentage_hint(std::isinf(b) ? largest_value_parameter(j) : b, d) : "";
        fail(path, "the support [" + fmt(a) + ", " + fmt(b) + "] of " + as_written(j) + " must lie within the domain (" +
                       d.text() + ")" + (hint.empty() ? "; use a bounded family or truncate" : hint));
    }
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
            check_keys(j, path, keys::fixed);
            d = fixed(param("value"));
        } else if (name == "uniform") {
            check_keys(j, path, keys::uniform);
            const double min = param("min"), max = param("max");
            greater("max", max, "min", min);
            d = uniform(min, max);
        } else if (name == "normal") {
            check_keys(j, path, keys::normal);
            const double mean = param("mean");
            d = normal(mean, positive_param("sd"));
        } else if (name == "lognormal") {
            check_keys(j, path, keys::lognormal);
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
            check_keys(j, path, keys::ci90);
            const double low = param("low"), high = param("high");
            greater("high", high, "low", low);
            d = ci90(low, high);
        } else if (name == "triangular") {
            check_keys(j, path, keys::triangular);
            double min, mode, max;
            ordered_min_mode_max(min, mode, max);
            d = triangular(min, mode, max);
        } else if (name == "pert") {
            check_keys(j, path, keys::pert);
            double min, mode, max;
            ordered_min_mode_max(min, mode, max);
            const double lambda = param_or("lambda", 4.0);
            if (!(lambda > 0)) fail(join(path, "lambda"), "must be > 0, got " + fmt(lambda));
            d = pert(min, mode, max, lambda);
        } else if (name == "beta") {
            check_keys(j, path, keys::beta);
            const double alpha = positive_param("alpha"), b = positive_param("beta");
            const double min = param_or("min", 0.0), max = param_or("max", 1.0);
            greater("max", max, "min", min);
            d = beta(alpha, b, min, max);
        } else if (name == "gamma" || name == "weibull") {
            if (name == "gamma")
                check_keys(j, path, keys::gamma);
            else
                check_keys(j, path, keys::weibull);
            const double shape = positive_param("shape"), scale = positive_param("scale");
            d = name == "gamma" ? gamma(shape, scale) : weibull(shape, scale);
        } else {
            const std::string best = closest(name, distribution_names);
            fail(join(path, "dist"), "unknown distribution \"" + name + "\"" +
                                         (best.empty() ? " (expected one of: fixed, uniform, normal, lognormal, ci90, "
                                                         "triangular, pert, beta, gamma, weibull)"
                                                       : " (did you mean \"" + best + "\"?)"));
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
            fail(tpath, "[" + fmt(lo) + ", " + fmt(hi) + "] has probability zero under " + as_written(j, false));
        } catch (const std::exception& e) {
            fail(tpath, "cannot be evaluated under " + as_written(j, false) + " (" + e.what() + ")");
        }
    }
    check_sampling(d, path, as_written(j));
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

/// The path one level up: `a.b[2].c` → `a.b[2]` → `a.b` → `a` → "".
inline std::string parent_path(const std::string& path) {
    const auto at = path.find_last_of(".[");
    return at == std::string::npos ? std::string() : path.substr(0, at);
}

/// Where each of the `wanted` paths first appears in the (already validated) JSON text, as the
/// ordinal of its parser event: nlohmann::json keeps object keys sorted, so document order is
/// only known from the text. A second parse that keeps no values, run only to report problems.
inline std::map<std::string, std::size_t> path_positions(const std::string& text, const std::set<std::string>& wanted) {
    std::size_t depth = 0;  // deepest wanted path, in components (an upper bound: keys may hold '.')
    for (const auto& w : wanted)
        if (!w.empty()) depth = std::max<std::size_t>(depth, 1 + std::count_if(w.begin(), w.end(), [](char c) { return c == '.' || c == '['; }));
    struct frame {
        bool object;
        std::string key;
        std::size_t next = 0;
    };
    std::vector<frame> frames;
    std::map<std::string, std::size_t> positions;
    std::size_t ordinal = 0;
    auto record = [&] {
        if (frames.size() > depth) return;
        std::string p;
        for (const auto& f : frames) p = f.object ? join(p, f.key) : index(p, f.next);
        if (wanted.count(p)) positions.emplace(p, ordinal);
    };
    auto value_done = [&] {
        if (!frames.empty() && !frames.back().object) ++frames.back().next;
    };
    json::parser_callback_t callback = [&](int, json::parse_event_t event, json& parsed) {
        ++ordinal;
        switch (event) {
        case json::parse_event_t::object_start:
        case json::parse_event_t::array_start:
            record();
            frames.push_back({event == json::parse_event_t::object_start, {}, 0});
            return true;
        case json::parse_event_t::key:
            frames.back().key = parsed.get<std::string>();
            record();
            return true;
        case json::parse_event_t::object_end:
        case json::parse_event_t::array_end:
            frames.pop_back();
            value_done();
            return false;  // keep nothing
        case json::parse_event_t::value:
            record();
            value_done();
            return false;
        }
        return false;
    };
    try {
        const json discarded = json::parse(text, callback);
        (void)discarded;
    } catch (const std::exception&) {
        // Cannot happen for text that parse_strict accepted; the order found so far is kept.
    }
    return positions;
}

/// Sorts problems into document order: by the position of their path in the text, a path the
/// text lacks (a missing required field) by its nearest ancestor's, and equal positions in the
/// order found.
inline void sort_by_document_order(const std::string& text, std::vector<scenario_problem>& problems) {
    if (problems.size() < 2) return;
    std::set<std::string> wanted;
    for (const auto& p : problems)
        for (std::string q = p.path;; q = parent_path(q)) {
            if (!wanted.insert(q).second || q.empty()) break;
        }
    const auto positions = path_positions(text, wanted);
    std::vector<std::pair<std::size_t, std::size_t>> order;  // (position, index)
    for (std::size_t i = 0; i < problems.size(); ++i) {
        std::size_t position = 0;
        for (std::string q = problems[i].path;; q = parent_path(q)) {
            const auto it = positions.find(q);
            if (it != positions.end()) {
                position = it->second;
                break;
            }
            if (q.empty()) break;
        }
        order.emplace_back(position, i);
    }
    std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<scenario_problem> sorted;
    sorted.reserve(problems.size());
    for (const auto& [position, i] : order) sorted.push_back(std::move(problems[i]));
    problems = std::move(sorted);
}

/// `correlations[]`. `input_valid[k]` is false for a scalar input whose own field was rejected:
/// whether it is fixed is then unknown, and the matrix is not checked.
inline void read_correlations(const json* list, scenario& s, const std::array<bool, scalar_input_count>& input_valid,
                              problem_list& problems) {
    if (!list) return;
    const std::string path = "correlations";
    if (!problems.attempt([&] {
            if (!list->is_array()) fail(path, std::string("expected an array, got ") + type_name(*list));
        }))
        return;
    std::vector<std::pair<std::size_t, std::size_t>> seen;
    bool complete = true;  // every entry valid, and every input it names: the matrix can be checked
    for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string p = index(path, i);
        const json& c = (*list)[i];
        if (!problems.attempt([&] { object_at(c, p); })) {
            complete = false;
            continue;
        }
        bool ok = problems.attempt([&] { check_keys(c, p, keys::correlation, &problems.suggested); });
        auto input_at = [&](const char* key, std::size_t& k) {
            return problems.attempt([&] {
                const std::string name = string_at(required(c, p, key), join(p, key));
                for (k = 0; k < scalar_input_count; ++k)
                    if (name == scalar_input_paths[k]) {
                        if (!input_valid[k]) {
                            complete = false;
                        } else if (is_fixed(s.scalars[k])) {
                            fail(join(p, key), name + " is fixed in this scenario, so it cannot be correlated");
                        }
                        return;
                    }
                std::string best = closest(name, scalar_input_paths);
                if (best.empty()) {  // a bare field name such as "yield" for "fabs.yield"
                    for (const char* q : scalar_input_paths) {
                        const std::string full(q);
                        if (full.size() > name.size() && full.compare(full.size() - name.size(), name.size(), name) == 0 &&
                            full[full.size() - name.size() - 1] == '.')
                            best = full;
                    }
                }
                fail(join(p, key), "unknown input \"" + name + "\"" +
                                       (best.empty() ? " (expected one of: " + listing(scalar_input_paths) + ")"
                                                     : " (did you mean \"" + best + "\"?)"));
            });
        };
        std::size_t a = 0, b = 0;
        const bool a_ok = input_at("a", a);
        const bool b_ok = input_at("b", b);
        ok = ok && a_ok && b_ok;
        if (a_ok && b_ok)
            ok = problems.attempt([&] {
                if (a == b) fail(join(p, "b"), "must differ from a (" + std::string(scalar_input_paths[a]) + ")");
            }) && ok;
        double rho = 0;
        const bool has_rho = c.contains("rho");
        ok = problems.attempt([&] {
            if (has_rho == c.contains("spearman")) fail(p, "give exactly one of rho and spearman");
            const char* key = has_rho ? "rho" : "spearman";
            const double x = number(c.at(key), join(p, key));
            check_domain(x, {-1, 1, false, false}, join(p, key));
            rho = has_rho ? x : spearman_to_pearson(x);
        }) && ok;
        if (!ok) {
            complete = false;
            continue;
        }
        const auto pair = std::minmax(a, b);
        if (!problems.attempt([&] {
                for (std::size_t k = 0; k < seen.size(); ++k)
                    if (seen[k] == std::make_pair(pair.first, pair.second))
                        fail(p, "the pair " + std::string(scalar_input_paths[a]) + " and " + scalar_input_paths[b] +
                                    " is already correlated in " + index(path, k));
            })) {
            complete = false;
            continue;
        }
        seen.emplace_back(pair.first, pair.second);
        s.correlations.push_back({static_cast<scalar_input>(a), static_cast<scalar_input>(b), rho});
    }
    if (!complete) return;
    problems.attempt([&] {
        Eigen::MatrixXd sigma = Eigen::MatrixXd::Identity(scalar_input_count, scalar_input_count);
        for (const auto& c : s.correlations)
            sigma(static_cast<Eigen::Index>(c.a), static_cast<Eigen::Index>(c.b)) =
                sigma(static_cast<Eigen::Index>(c.b), static_cast<Eigen::Index>(c.a)) = c.rho;
        const double smallest = smallest_eigenvalue(sigma);
        if (smallest < -gaussian_copula::psd_tolerance)
            fail(path, "the correlation matrix is not positive semidefinite (smallest eigenvalue " + fmt(smallest) + ")");
    });
}

/// A required section object: null (and a problem recorded) if it is missing or not an object;
/// otherwise its keys are checked too.
template <class Names>
const json* section(const json& root, const char* key, const Names& allowed, problem_list& problems) {
    const json* found = nullptr;
    problems.attempt([&] { found = &object_at(required(root, "", key), key); });
    if (found) problems.attempt([&] { check_keys(*found, key, allowed, &problems.suggested); });
    return found;
}

/// Appends the keys of the object at canonical `path`, each followed by the keys of the object
/// (or array of objects, `key[]`) it holds.
inline void collect_keys(const std::string& path, std::vector<std::string>& out) {
    for (const char* key : keys::of_object(path)) {
        const std::string p = join(path, key);
        out.push_back(p);
        if (!keys::of_object(p).empty())
            collect_keys(p, out);
        else if (!keys::of_object(p + "[]").empty())
            collect_keys(p + "[]", out);
    }
}

}  // namespace detail

inline const std::vector<std::string>& accepted_keys() {
    static const std::vector<std::string> all = [] {
        std::vector<std::string> out;
        detail::collect_keys("", out);
        return out;
    }();
    return all;
}

inline const std::vector<std::string>& distribution_families() {
    static const std::vector<std::string> all(std::begin(detail::distribution_names), std::end(detail::distribution_names));
    return all;
}

inline std::vector<std::string> distribution_family_keys(const std::string& family) {
    const auto k = detail::keys::of_family(family);
    return {k.begin(), k.end()};
}

inline const std::vector<std::string>& distribution_keys() {
    static const std::vector<std::string> all = [] {
        std::vector<std::string> out;
        for (const auto& family : distribution_families())
            for (const auto& key : distribution_family_keys(family))
                if (std::find(out.begin(), out.end(), key) == out.end()) out.push_back(key);
        return out;
    }();
    return all;
}

inline scenario parse_scenario(const std::string& text) {
    using namespace detail;
    if (text.size() > max_scenario_bytes)
        fail("", "the scenario is " + std::to_string(text.size()) + " bytes, more than the limit of 16 MiB (" +
                     std::to_string(max_scenario_bytes) + " bytes)");
    // A syntax error, and a document that is not an object, stop validation at once.
    const json root = parse_strict(text);
    object_at(root, "");

    problem_list problems;
    auto check = [&](auto&& f) { return problems.attempt(f); };
    std::array<bool, scalar_input_count> input_valid{};
    scenario s;
    // Editors associate a JSON Schema (schemas/scenario.schema.json) with a file through a
    // top-level "$schema" key: it is allowed there, as a string, and otherwise ignored.
    check([&] {
        check_keys(root, "", keys::root, &problems.suggested, "$schema");
    });
    if (const json* schema = optional(root, "$schema")) check([&] { string_at(*schema, "$schema"); });
    check([&] { s.name = string_at(required(root, "", "name"), "name"); });
    if (const json* d = optional(root, "description")) check([&] { s.description = string_at(*d, "description"); });
    auto random_input = [&](scalar_input which, const json& parent, const char* section_key, const char* key,
                            const domain& d) {
        input_valid[static_cast<std::size_t>(which)] = check([&] {
            s.input(which) = random_field(required(parent, section_key, key), join(section_key, key), d);
        });
    };

    // time
    bool start_ok = false, horizon_ok = false, steps_ok = false;
    if (const json* time = section(root, "time", keys::time, problems)) {
        start_ok = check([&] {
            s.time.start_year = integer_field(required(*time, "time", "start_year"), "time.start_year", any_real());
        });
        horizon_ok = check([&] {
            s.time.horizon_years =
                integer_field(required(*time, "time", "horizon_years"), "time.horizon_years", {1, HUGE_VAL, false, true});
        });
        steps_ok = check([&] {
            s.time.steps_per_year =
                integer_field(required(*time, "time", "steps_per_year"), "time.steps_per_year", {1, HUGE_VAL, false, true});
        });
        if (horizon_ok && steps_ok)
            check([&] {
                if (double(s.time.horizon_years) * s.time.steps_per_year > max_grid_steps)
                    fail("time.steps_per_year", "horizon_years x steps_per_year must be at most " + fmt(max_grid_steps) +
                                                    ", got " + fmt(double(s.time.horizon_years) * s.time.steps_per_year));
            });
        check([&] {
            const json& d = required(*time, "time", "deadline_year");
            std::string vpath;
            const int y = integer_field(d, "time.deadline_year", any_real(), &vpath);
            if (start_ok && horizon_ok) {  // the range depends on both
                const double first = s.time.start_year, last = double(s.time.start_year) + s.time.horizon_years - 1;
                if (y < first || y > last)
                    fail(vpath, "must lie in [" + fmt(first) + ", " + fmt(last) +
                                    "] (start_year to start_year + horizon_years - 1), got " + fmt(y));
            }
            s.time.deadline_year = y;
        });
    }
    const double horizon = horizon_ok ? s.time.horizon_years : 1;

    // target
    if (const json* target = section(root, "target", keys::target, problems))
        check([&] {
            s.target_flops = fixed_field(required(*target, "target", "installed_flops"), "target.installed_flops", positive());
        });

    // plan
    if (const json* plan = section(root, "plan", keys::plan, problems))
        random_input(scalar_input::fab_capital_share, *plan, "plan", "fab_capital_share", unit_open_closed());

    // investors
    s.dropout_time = uniform(0, horizon);
    if (const json* inv = section(root, "investors", keys::investors, problems)) {
        const std::string p = "investors.dropout_correlation";
        const json* dc = nullptr;
        check([&] { dc = &object_at(required(*inv, "investors", "dropout_correlation"), p); });
        if (dc) {
            check([&] { check_keys(*dc, p, keys::dropout_correlation, &problems.suggested); });
            const bool global_ok =
                check([&] { s.dropout_global = fixed_field(required(*dc, p, "global"), p + ".global", unit_closed()); });
            const bool within_ok = check([&] {
                s.dropout_within_group = fixed_field(required(*dc, p, "within_group"), p + ".within_group", unit_closed());
            });
            if (global_ok && within_ok)
                check([&] {
                    if (s.dropout_global + s.dropout_within_group > 1 + 1e-9)
                        fail(p + ".within_group", "global + within_group must be <= 1, got " + fmt(s.dropout_global) +
                                                      " + " + fmt(s.dropout_within_group));
                });
        }
        if (const json* t = optional(*inv, "dropout_time"))
            check([&] { s.dropout_time = random_field(*t, "investors.dropout_time", any_real()); });
        const json* list = nullptr;
        const std::string lp = "investors.list";
        check([&] {
            const json& l = required(*inv, "investors", "list");
            if (!l.is_array()) fail(lp, std::string("expected an array, got ") + type_name(l));
            if (l.empty()) fail(lp, "must list at least one investor");
            if (double(l.size()) > max_entities) fail(lp, "at most " + fmt(max_entities) + " investors are supported");
            list = &l;
        });
        std::set<std::string> names;
        for (std::size_t i = 0; list && i < list->size(); ++i) {
            const std::string ip = index(lp, i);
            const json& o = (*list)[i];
            if (!check([&] { object_at(o, ip); })) continue;
            check([&] {
                check_keys(o, ip, keys::investor, &problems.suggested);
            });
            investor v;
            if (check([&] { v.name = string_at(required(o, ip, "name"), ip + ".name"); }))
                check([&] {
                    if (!names.insert(v.name).second) fail(ip + ".name", "duplicate investor name \"" + v.name + "\"");
                });
            check([&] { v.group = string_at(required(o, ip, "group"), ip + ".group"); });
            check([&] { v.pledge_busd = random_field(required(o, ip, "pledge_busd"), ip + ".pledge_busd", non_negative()); });
            check([&] {
                v.disburse_start = fixed_field(required(o, ip, "disburse_start"), ip + ".disburse_start", non_negative());
            });
            check([&] {
                v.disburse_years = fixed_field(required(o, ip, "disburse_years"), ip + ".disburse_years", positive());
            });
            check([&] {
                v.dropout_probability =
                    fixed_field(required(o, ip, "dropout_probability"), ip + ".dropout_probability", unit_closed());
            });
            s.investors.push_back(std::move(v));
        }
    }

    // fabs
    if (const json* fabs = section(root, "fabs", keys::fabs, problems)) {
        const json& f = *fabs;
        check([&] { s.capex_busd = fixed_field(required(f, "fabs", "capex_busd"), "fabs.capex_busd", positive()); });
        check([&] { s.capex_overrun = random_field(required(f, "fabs", "capex_overrun"), "fabs.capex_overrun", positive()); });
        check([&] {
            s.capex_overrun_correlation = fixed_field(required(f, "fabs", "capex_overrun_correlation"),
                                                      "fabs.capex_overrun_correlation", unit_closed());
        });
        check([&] { s.build_years = fixed_field(required(f, "fabs", "build_years"), "fabs.build_years", non_negative()); });
        check([&] { s.delay_years = random_field(required(f, "fabs", "delay_years"), "fabs.delay_years", non_negative()); });
        check([&] {
            s.delay_correlation = fixed_field(required(f, "fabs", "delay_correlation"), "fabs.delay_correlation", unit_closed());
        });
        random_input(scalar_input::ramp_years, f, "fabs", "ramp_years", non_negative());
        check([&] {
            s.wafers_per_month = fixed_field(required(f, "fabs", "wafers_per_month"), "fabs.wafers_per_month", positive());
        });
        check([&] {
            s.staff_per_fab = fixed_field(required(f, "fabs", "staff_per_fab"), "fabs.staff_per_fab", non_negative());
        });
        check([&] {
            s.dies_per_wafer = fixed_field(required(f, "fabs", "dies_per_wafer"), "fabs.dies_per_wafer", positive());
        });
        random_input(scalar_input::yield, f, "fabs", "yield", unit_open_closed());

        const json* groups = nullptr;
        const std::string p = "fabs.groups";
        check([&] {
            const json& g = required(f, "fabs", "groups");
            if (!g.is_array()) fail(p, std::string("expected an array, got ") + type_name(g));
            if (g.empty()) fail(p, "must list at least one group of fabs");
            groups = &g;
        });
        std::set<std::string> names;
        double total = 0;
        bool too_many = false;
        for (std::size_t i = 0; groups && i < groups->size(); ++i) {
            const std::string gp = index(p, i);
            const json& o = (*groups)[i];
            if (!check([&] { object_at(o, gp); })) continue;
            check([&] {
                check_keys(o, gp, keys::fab_group, &problems.suggested);
            });
            fab_group g;
            if (check([&] { g.name = string_at(required(o, gp, "name"), gp + ".name"); }))
                check([&] {
                    if (!names.insert(g.name).second) fail(gp + ".name", "duplicate group name \"" + g.name + "\"");
                });
            if (check([&] { g.count = integer_field(required(o, gp, "count"), gp + ".count", non_negative()); })) {
                total += g.count;
                if (total > max_entities && !too_many) {
                    too_many = true;
                    problems.add(scenario_problem{gp + ".count", "at most " + fmt(max_entities) + " fabs in all are supported"});
                }
            }
            check([&] {
                g.planned_start = fixed_field(required(o, gp, "planned_start"), gp + ".planned_start", non_negative());
            });
            if (const json* e = optional(o, "exposed"))
                check([&] {
                    if (!e->is_boolean()) fail(gp + ".exposed", std::string("expected true or false, got ") + type_name(*e));
                    g.exposed = e->get<bool>();
                });
            auto override_or = [&](const char* key, double fallback, const domain& d) {
                double x = fallback;
                if (const json* v = optional(o, key)) check([&] { x = fixed_field(*v, gp + "." + key, d); });
                return x;
            };
            g.capex_busd = override_or("capex_busd", s.capex_busd, positive());
            g.build_years = override_or("build_years", s.build_years, non_negative());
            g.wafers_per_month = override_or("wafers_per_month", s.wafers_per_month, positive());
            g.staff_per_fab = override_or("staff_per_fab", s.staff_per_fab, non_negative());
            s.fab_groups.push_back(std::move(g));
        }
    }

    // compute
    if (const json* compute = section(root, "compute", keys::compute, problems)) {
        random_input(scalar_input::flops_per_die, *compute, "compute", "flops_per_die", positive());
        random_input(scalar_input::cost_decline, *compute, "compute", "cost_decline", {-1, 1, true, true});
        random_input(scalar_input::scale_elasticity, *compute, "compute", "scale_elasticity", non_negative());
        const bool lifetime_ok = check([&] {
            s.chip_lifetime_years = fixed_field(required(*compute, "compute", "chip_lifetime_years"),
                                                "compute.chip_lifetime_years", positive());
        });
        if (lifetime_ok && steps_ok)  // the step count depends on steps_per_year
            check([&] {
                const double steps = s.chip_lifetime_years * s.time.steps_per_year;
                if (std::fabs(steps - std::round(steps)) > 1e-9)
                    fail("compute.chip_lifetime_years", "lifetime x steps_per_year must be an integer, got " +
                                                            fmt(s.chip_lifetime_years) + " x " +
                                                            fmt(s.time.steps_per_year) + " = " + fmt(steps));
                if (steps > max_lifetime_steps)
                    fail("compute.chip_lifetime_years", "lifetime x steps_per_year must be at most " +
                                                            fmt(max_lifetime_steps) + " (an engine limit), got " +
                                                            fmt(s.chip_lifetime_years) + " x " +
                                                            fmt(s.time.steps_per_year) + " = " + fmt(steps));
            });
    }

    // talent
    if (const json* talent = section(root, "talent", keys::talent, problems)) {
        random_input(scalar_input::initial_workforce, *talent, "talent", "initial_workforce", non_negative());
        random_input(scalar_input::hiring_per_year, *talent, "talent", "hiring_per_year", non_negative());
        random_input(scalar_input::attrition_per_year, *talent, "talent", "attrition_per_year", unit_closed());
    }

    // geopolitics
    s.shock_time = uniform(0, horizon);
    if (const json* geo = section(root, "geopolitics", keys::geopolitics, problems)) {
        check([&] {
            s.shock_probability = fixed_field(required(*geo, "geopolitics", "shock_probability"),
                                              "geopolitics.shock_probability", unit_closed());
        });
        if (const json* t = optional(*geo, "shock_time"))
            check([&] { s.shock_time = random_field(*t, "geopolitics.shock_time", any_real()); });
        random_input(scalar_input::severity, *geo, "geopolitics", "severity", unit_closed());
    }

    read_correlations(optional(root, "correlations"), s, input_valid, problems);

    problems.drop_suggested_missing();
    if (!problems.empty()) {
        sort_by_document_order(text, problems.kept());
        throw scenario_error(std::move(problems.kept()), problems.unrecorded());
    }
    return s;
}

inline std::string read_scenario_file(const std::string& name) {
    // "-" is standard input, read through its device file like any other pipe.
    const bool standard_input = name == "-";
    const std::string file = standard_input ? "/dev/stdin" : name;
    const std::string shown = standard_input ? "standard input" : "scenario file " + name;
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec)) throw io_error("cannot read " + shown + ": it is a directory");
    std::ifstream in(file, std::ios::binary);
    if (!in) throw io_error("cannot read " + shown);
    // Refuse an oversized regular file by its size, and read anything else (a pipe, a device)
    // only up to one byte past the limit, so /dev/zero cannot exhaust memory.
    const auto size = std::filesystem::file_size(file, ec);
    auto too_large = [&](const std::string& found) {
        return scenario_error("", "the " + shown + " is " + found + "more than the limit of 16 MiB (" +
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
    if (in.bad()) throw io_error("cannot read " + shown);
    return text;
}

inline scenario load_scenario(const std::string& file) { return parse_scenario(read_scenario_file(file)); }

}  // namespace fabrisk::buildout
