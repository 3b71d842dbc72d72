#pragma once
/// \file json_override.hpp
/// Overrides of a JSON document, as `--set PATH=VALUE` gives them: what-if variants of a
/// scenario without copying and editing its file. Generic: it knows nothing of scenarios; the
/// edited document is then validated like any file.
///
/// PATH is keys joined by dots, each optionally followed by selectors in brackets: `[3]` (the
/// element at that index) or `[field=value]` (every element of the array whose `field` equals
/// `value`, compared as text to a string or to a number's JSON form). VALUE is JSON; text that is
/// not JSON is taken as a string. `null` removes: the key, or the selected elements.
///
///     target.installed_flops=1e24
///     fabs.delay_years={"dist":"lognormal","median":1.5,"p90":3}
///     investors.list[name=UAE sovereign funds].dropout_probability=0.9
///     investors.list[group=gulf]=null            removes the Gulf investors
///     fabs.groups[0].build_years=null            the group takes fabs.build_years again
#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fabrisk/error.hpp"

namespace fabrisk {

struct json_override {
    std::string path;                 ///< as written
    nlohmann::ordered_json value;     ///< null: remove
    std::string origin;               ///< how messages name it, e.g. "--set target.installed_flops=1e24"
};

/// Parses "PATH=VALUE" (split at the first '=' outside brackets). `origin` names it in errors
/// (usage_error).
json_override parse_override(const std::string& assignment, const std::string& origin);

/// Applies `o` to `document` and returns the paths it changed, with selectors resolved to
/// indices (`investors.list[0].dropout_probability`), in the notation of scenario_error paths.
/// Throws usage_error, naming o.origin, for a path that does not lead anywhere: a missing key
/// before the last one, a selector on something that is not an array or that matches nothing,
/// an index out of range, a key into something that is not an object.
std::vector<std::string> apply_override(nlohmann::ordered_json& document, const json_override& o);

// ---------------------------------------------------------------------------------------------

namespace detail {

struct path_step {
    enum kind_t { key, index, match } kind = key;
    std::string name;   ///< key: the key; match: the field
    std::string value;  ///< match: the value, as text
    std::size_t at = 0; ///< index
};

/// PATH as steps: every key, then its selectors.
inline std::vector<path_step> parse_path(const std::string& path, const std::string& origin) {
    auto fail = [&](const std::string& what) { throw usage_error(origin + ": " + what + " in the path \"" + path + "\""); };
    std::vector<path_step> steps;
    std::size_t i = 0;
    while (i < path.size()) {
        std::size_t end = i;
        while (end < path.size() && path[end] != '.' && path[end] != '[') ++end;
        if (end == i) fail("an empty key");
        steps.push_back({path_step::key, path.substr(i, end - i), {}, 0});
        i = end;
        while (i < path.size() && path[i] == '[') {
            const std::size_t close = path.find(']', i);
            if (close == std::string::npos) fail("a '[' without its ']'");
            const std::string inside = path.substr(i + 1, close - i - 1);
            const std::size_t eq = inside.find('=');
            if (eq == std::string::npos) {
                if (inside.empty() || !std::all_of(inside.begin(), inside.end(), [](char c) { return c >= '0' && c <= '9'; }))
                    fail("\"[" + inside + "]\", which is neither an index nor field=value,");
                steps.push_back({path_step::index, {}, {}, std::stoul(inside)});
            } else {
                if (eq == 0) fail("a selector without a field");
                steps.push_back({path_step::match, inside.substr(0, eq), inside.substr(eq + 1), 0});
            }
            i = close + 1;
        }
        if (i < path.size()) {
            if (path[i] != '.') fail("'" + std::string(1, path[i]) + "' after a selector");
            ++i;
            if (i == path.size()) fail("a trailing '.'");
        }
    }
    if (steps.empty()) fail("nothing");
    return steps;
}

inline bool matches(const nlohmann::ordered_json& element, const path_step& s) {
    if (!element.is_object()) return false;
    const auto it = element.find(s.name);
    if (it == element.end()) return false;
    if (it->is_string()) return it->get<std::string>() == s.value;
    if (it->is_number() || it->is_boolean()) return it->dump() == s.value || nlohmann::ordered_json::parse(s.value, nullptr, false) == *it;
    return false;
}

inline void apply_steps(nlohmann::ordered_json& node, const std::vector<path_step>& steps, std::size_t i, const std::string& here,
                        const json_override& o, std::vector<std::string>& changed) {
    auto fail = [&](const std::string& what) { throw usage_error(o.origin + ": " + what); };
    const path_step& s = steps[i];
    const bool last = i + 1 == steps.size();
    const std::string shown = here.empty() ? "the document" : here;
    if (s.kind == path_step::key) {
        if (!node.is_object()) fail(shown + " is not an object, so it has no key \"" + s.name + "\"");
        const std::string path = here.empty() ? s.name : here + "." + s.name;
        if (last) {
            if (o.value.is_null()) {
                if (!node.contains(s.name)) fail(shown + " has no key \"" + s.name + "\" to remove");
                node.erase(s.name);
            } else {
                node[s.name] = o.value;
            }
            changed.push_back(path);
            return;
        }
        if (!node.contains(s.name)) fail(shown + " has no key \"" + s.name + "\"");
        apply_steps(node[s.name], steps, i + 1, path, o, changed);
        return;
    }
    if (!node.is_array()) fail(shown + " is not a list, so it cannot be selected from");
    std::vector<std::size_t> picked;
    if (s.kind == path_step::index) {
        if (s.at >= node.size()) fail(shown + " has " + std::to_string(node.size()) + " entries, so no [" + std::to_string(s.at) + "]");
        picked.push_back(s.at);
    } else {
        for (std::size_t k = 0; k < node.size(); ++k)
            if (matches(node[k], s)) picked.push_back(k);
        if (picked.empty()) fail(shown + " has no entry with " + s.name + " = \"" + s.value + "\"");
    }
    if (last) {
        if (o.value.is_null()) {
            for (auto k = picked.rbegin(); k != picked.rend(); ++k) node.erase(*k);
            changed.push_back(shown);
        } else {
            for (std::size_t k : picked) {
                node[k] = o.value;
                changed.push_back(here + "[" + std::to_string(k) + "]");
            }
        }
        return;
    }
    for (std::size_t k : picked) apply_steps(node[k], steps, i + 1, here + "[" + std::to_string(k) + "]", o, changed);
}

}  // namespace detail

inline json_override parse_override(const std::string& assignment, const std::string& origin) {
    int depth = 0;
    std::size_t eq = std::string::npos;
    for (std::size_t i = 0; i < assignment.size() && eq == std::string::npos; ++i) {
        if (assignment[i] == '[') ++depth;
        if (assignment[i] == ']') --depth;
        if (assignment[i] == '=' && depth == 0) eq = i;
    }
    if (eq == std::string::npos || eq == 0)
        throw usage_error(origin + ": expected PATH=VALUE, e.g. target.installed_flops=1e24");
    json_override o;
    o.path = assignment.substr(0, eq);
    o.origin = origin;
    const std::string text = assignment.substr(eq + 1);
    o.value = nlohmann::ordered_json::parse(text, nullptr, false);
    if (o.value.is_discarded()) o.value = text;  // not JSON: a string
    detail::parse_path(o.path, origin);          // a malformed path fails here, before any run
    return o;
}

inline std::vector<std::string> apply_override(nlohmann::ordered_json& document, const json_override& o) {
    std::vector<std::string> changed;
    detail::apply_steps(document, detail::parse_path(o.path, o.origin), 0, "", o, changed);
    return changed;
}

}  // namespace fabrisk
