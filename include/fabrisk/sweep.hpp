#pragma once
/// \file sweep.hpp
/// The points of a sweep: one or more axes, each a path of a JSON document and the values it
/// takes, and the grid of their combinations, each point a list of overrides
/// (json_override.hpp). Run every point on the same seed and trials: since inputs draw random
/// numbers by identity (random_stream.hpp), the points share their trials and the curve is
/// smooth, its steps the variants' own.
///
///     PATH=V1,V2,…              the values, each JSON (commas inside braces, brackets or
///                               quotes do not split)
///     PATH=LO:HI:N[:log]        N values from LO to HI, evenly spaced, or evenly in log scale
///                               (rounded to 15 significant digits)
#include <charconv>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fabrisk/error.hpp"
#include "fabrisk/json_override.hpp"
#include "fabrisk/special_functions.hpp"

namespace fabrisk {

struct sweep_axis {
    std::string path;
    std::vector<nlohmann::ordered_json> values;
    std::string origin;  ///< how messages name it
};

/// "PATH=V1,V2,…". Throws usage_error naming `origin`.
inline sweep_axis parse_sweep_values(const std::string& assignment, const std::string& origin) {
    const json_override whole = parse_override(assignment, origin);  // checks PATH=VALUE and the path
    const std::string text = assignment.substr(whole.path.size() + 1);
    sweep_axis axis{whole.path, {}, origin};
    int depth = 0;
    bool quoted = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        const char c = i < text.size() ? text[i] : ',';
        if (quoted) {
            if (c == '\\') ++i;
            else if (c == '"') quoted = false;
            continue;
        }
        if (c == '"') quoted = true;
        else if (c == '{' || c == '[') ++depth;
        else if (c == '}' || c == ']') --depth;
        else if (c == ',' && depth == 0) {
            const std::string item = text.substr(start, i - start);
            if (item.empty()) throw usage_error(origin + ": an empty value in the list");
            nlohmann::ordered_json v = nlohmann::ordered_json::parse(item, nullptr, false);
            axis.values.push_back(v.is_discarded() ? nlohmann::ordered_json(item) : v);
            start = i + 1;
        }
    }
    return axis;
}

/// `x` rounded to 15 significant digits: what a range's arithmetic leaves in the last bits goes
/// (0.3, not 0.30000000000000004; 4e+24, not 3.999999999999999e+24), so a point prints as one
/// would type it. to_chars and from_chars round correctly: the same value on every machine.
inline double round_to_15_digits(double x) {
    char text[32];
    const auto written = std::to_chars(text, text + sizeof text, x, std::chars_format::scientific, 14);
    double rounded = x;
    std::from_chars(text, written.ptr, rounded);
    return rounded;
}

/// "PATH=LO:HI:N[:log]": N ≥ 2 values from LO to HI (both included), evenly spaced or, with
/// `log`, evenly in log scale (LO and HI positive); the values between are rounded to 15
/// significant digits. Throws usage_error naming `origin`.
inline sweep_axis parse_sweep_range(const std::string& assignment, const std::string& origin) {
    const json_override whole = parse_override(assignment, origin);
    const std::string text = assignment.substr(whole.path.size() + 1);
    std::vector<std::string> parts;
    for (std::size_t start = 0;;) {
        const std::size_t colon = text.find(':', start);
        parts.push_back(text.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
        if (colon == std::string::npos) break;
        start = colon + 1;
    }
    auto fail = [&]() -> sweep_axis { throw usage_error(origin + ": expected PATH=LO:HI:N or PATH=LO:HI:N:log, e.g. target.installed_flops=5e23:8e24:9:log"); };
    if (parts.size() != 3 && !(parts.size() == 4 && parts[3] == "log")) return fail();
    double lo = 0, hi = 0;
    long n = 0;
    try {
        std::size_t used = 0;
        lo = std::stod(parts[0], &used);
        if (used != parts[0].size()) return fail();
        hi = std::stod(parts[1], &used);
        if (used != parts[1].size()) return fail();
        n = std::stol(parts[2], &used);
        if (used != parts[2].size()) return fail();
    } catch (const std::logic_error&) {
        return fail();
    }
    const bool log_scale = parts.size() == 4;
    if (n < 2 || n > 10000) throw usage_error(origin + ": N must be 2 to 10000, got " + parts[2]);
    if (!std::isfinite(lo) || !std::isfinite(hi)) return fail();
    if (log_scale && !(lo > 0 && hi > 0)) throw usage_error(origin + ": a log range needs LO and HI above 0");
    sweep_axis axis{whole.path, {}, origin};
    for (long i = 0; i < n; ++i) {
        const double t = double(i) / double(n - 1);
        // special::exp and log rather than libm's pow, whose last bit can differ between machines.
        double x = round_to_15_digits(log_scale ? lo * special::exp(t * special::log(hi / lo)) : lo + (hi - lo) * t);
        if (i == 0) x = lo;
        if (i == n - 1) x = hi;
        axis.values.emplace_back(x);
    }
    return axis;
}

/// Every combination of the axes' values, the last axis changing fastest: each point as the
/// overrides that make it, in axis order.
inline std::vector<std::vector<json_override>> sweep_points(const std::vector<sweep_axis>& axes) {
    std::vector<std::vector<json_override>> points(1);
    for (const auto& axis : axes) {
        std::vector<std::vector<json_override>> next;
        for (const auto& point : points)
            for (const auto& v : axis.values) {
                auto p = point;
                p.push_back({axis.path, v, axis.origin});
                next.push_back(std::move(p));
            }
        points = std::move(next);
    }
    return axes.empty() ? std::vector<std::vector<json_override>>{} : points;
}

}  // namespace fabrisk
