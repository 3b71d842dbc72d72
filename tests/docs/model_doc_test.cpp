// docs/model.md must document the scenario format the parser actually accepts: every key path
// (as the first cell of a table row), every distribution family with all of its parameters,
// every output, and every section that a comment in include/fabrisk/ cites. The keys come from
// the parser's own lists (scenario_json.hpp's accepted_keys() and distribution_family_keys()),
// and the last tests check that those lists are what the parser enforces, so a key added to the
// parser without documentation fails here.
#include <algorithm>
#include <filesystem>
#include <map>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fabrisk/buildout/model.hpp"
#include "fabrisk/buildout/scenario_json.hpp"
#include "../support.hpp"

namespace {
namespace docs_model_doc_test {

namespace {

namespace fb = fabrisk::buildout;
using json = nlohmann::json;

const std::string repository = FABRISK_SCENARIO_DIR "/..";

const std::string& doc() {
    static const std::string text = fabrisk_test::read_file(repository + "/docs/model.md");
    return text;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

/// The text of section `number` (from its `## number. ` heading to the next `## ` heading).
std::string section(const std::string& number) {
    const std::string heading = "\n## " + number + ". ";
    const auto begin = doc().find(heading);
    if (begin == std::string::npos) return "";
    const auto end = doc().find("\n## ", begin + heading.size());
    return doc().substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

/// The first cell of every table row of `text` that is one backticked token: `| `x` | ...`
/// (header rows, those followed by `|---`, excluded).
std::vector<std::string> first_cells(const std::string& text) {
    std::vector<std::string> cells;
    static const std::regex row(R"(^\| `([^`]+)` \|)");
    const auto lines = lines_of(text);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::smatch m;
        const bool header = i + 1 < lines.size() && lines[i + 1].rfind("|---", 0) == 0;
        if (!header && std::regex_search(lines[i], m, row)) cells.push_back(m[1]);
    }
    return cells;
}

bool contains(const std::vector<std::string>& list, const std::string& x) {
    return std::find(list.begin(), list.end(), x) != list.end();
}

std::string code(const std::string& s) { return "`" + s + "`"; }

TEST(ModelDoc, IsSelfContained) {
    ASSERT_FALSE(doc().empty());
    EXPECT_EQ(doc().find("MODEL.md"), std::string::npos) << "docs/model.md must not depend on a document outside the repository";
    EXPECT_EQ(doc().find("shared/"), std::string::npos);
}

TEST(ModelDoc, HasTheNumberedSections) {
    for (const char* number : {"1", "2", "3", "4", "5", "6", "7", "8"}) EXPECT_FALSE(section(number).empty()) << "## " << number << ".";
}

// Every key path the parser accepts is the first cell of a row of a table in section 1,
// written out in full: `fabs.groups[].staff_per_fab`, not just `staff_per_fab`.
TEST(ModelDoc, DocumentsEveryScenarioKey) {
    const auto& keys = fb::accepted_keys();
    ASSERT_GT(keys.size(), 60u);
    const auto cells = first_cells(section("1"));
    for (const auto& key : keys)
        EXPECT_TRUE(contains(cells, key))
            << "the scenario key " << key << " has no row \"| `" << key << "` | ...\" in section 1 of docs/model.md";
}

// And section 1 documents no key the parser does not accept (a renamed or removed key).
TEST(ModelDoc, DocumentsNoUnknownScenarioKey) {
    const auto& keys = fb::accepted_keys();
    for (const auto& cell : first_cells(section("1")))
        EXPECT_TRUE(contains(keys, cell))
            << "docs/model.md section 1 documents `" << cell << "`, which the parser does not accept";
}

// Every family has a row in section 2 that names it and all of its parameters; `dist` and
// `truncate` are documented; and section 2 lists no family the parser does not know.
TEST(ModelDoc, DocumentsEveryDistributionFamilyAndParameter) {
    const std::string text = section("2");
    const auto& families = fb::distribution_families();
    ASSERT_EQ(families.size(), 10u);
    for (const auto& family : families) {
        const auto keys = fb::distribution_family_keys(family);
        ASSERT_FALSE(keys.empty()) << family;
        const std::string start = "| " + code(family) + " |";
        bool found = false;
        for (const auto& line : lines_of(text)) {
            if (line.rfind(start, 0) != 0) continue;
            found = true;
            for (const auto& key : keys) {
                if (key == "dist" || key == "truncate") continue;
                EXPECT_NE(line.find(code(key)), std::string::npos)
                    << "the row of `" << family << "` in docs/model.md does not name its parameter `" << key << "`";
            }
        }
        EXPECT_TRUE(found) << "docs/model.md section 2 has no row \"" << start << " ...\"";
    }
    for (const auto& key : fb::distribution_keys())
        EXPECT_NE(text.find(code(key)), std::string::npos) << "distribution key `" << key << "` is not in section 2";
    for (const auto& cell : first_cells(text))
        EXPECT_TRUE(contains(families, cell))
            << "docs/model.md section 2 documents a family `" << cell << "` the parser does not know";
}

TEST(ModelDoc, DocumentsEveryOutput) {
    const auto cells = first_cells(section("5"));
    for (const char* name : fb::output_names)
        EXPECT_TRUE(contains(cells, name)) << "output `" << name << "` has no row in section 5";
}

// Comments in include/fabrisk/ cite sections as `docs/model.md §4.5` (or a range, §1–3); each
// cited section must exist as a heading.
TEST(ModelDoc, EverySectionCitedInTheHeadersExists) {
    const std::regex citation(R"(docs/model\.md §([0-9]+(?:\.[0-9]+)?)(?:(?:–|-)([0-9]+(?:\.[0-9]+)?))?)");
    auto heading_exists = [](const std::string& number) {
        if (number.find('.') == std::string::npos) return doc().find("\n## " + number + ". ") != std::string::npos;
        return doc().find("\n### " + number + " ") != std::string::npos;
    };
    std::size_t citations = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(repository + "/include/fabrisk")) {
        if (!entry.is_regular_file()) continue;
        const std::string text = fabrisk_test::read_file(entry.path().string());
        for (std::sregex_iterator it(text.begin(), text.end(), citation), end; it != end; ++it) {
            for (std::size_t group = 1; group <= 2; ++group) {
                const std::string number = (*it)[group];
                if (number.empty()) continue;
                ++citations;
                EXPECT_TRUE(heading_exists(number))
                    << entry.path() << " cites docs/model.md §" << number << ", which has no heading";
            }
        }
    }
    EXPECT_GT(citations, 20u);
}

// ---------------------------------------------------------------------------------------------
// accepted_keys() and distribution_family_keys() are what the parser enforces: an unknown key
// in each object is refused with exactly those keys as the expected ones.

const json& worked_example() {
    static const json j = json::parse(fabrisk_test::read_file(FABRISK_SCENARIO_DIR "/worked-example.json"));
    return j;
}

/// A key far from every known key, so the parser lists the expected keys instead of a suggestion.
const std::string stranger = "zzzzzzzzzzzz";

/// The message of the problem at `path` when `doc` is parsed ("" if there is none).
std::string problem_at(const json& doc, const std::string& path) {
    try {
        fb::parse_scenario(doc.dump());
    } catch (const fabrisk::scenario_error& e) {
        for (const auto& p : e.problems())
            if (p.path == path) return p.message;
    }
    return "";
}

std::string expected_message(const std::vector<std::string>& keys) {
    std::string list;
    for (const auto& k : keys) list += (list.empty() ? "" : ", ") + k;
    return "unknown key (expected one of: " + list + ")";
}

TEST(AcceptedKeys, AreTheKeysTheParserEnforces) {
    // The objects of a scenario: every parent path of an accepted key.
    std::map<std::string, std::vector<std::string>> children;
    for (const auto& key : fb::accepted_keys()) {
        const auto dot = key.rfind('.');
        const std::string parent = dot == std::string::npos ? "" : key.substr(0, dot);
        children[parent].push_back(key.substr(dot == std::string::npos ? 0 : dot + 1));
    }
    EXPECT_EQ(children.size(), 13u);
    for (const auto& [parent, keys] : children) {
        json doc = worked_example();
        doc["correlations"] = json::array({{{"a", "fabs.yield"}, {"b", "compute.flops_per_die"}, {"rho", 0.5}}});
        std::string pointer, path;
        for (std::size_t at = 0; at < parent.size();) {  // `investors.list[]` → /investors/list/0
            const auto end = parent.find('.', at);
            std::string part = parent.substr(at, end == std::string::npos ? std::string::npos : end - at);
            const bool element = part.size() > 2 && part.compare(part.size() - 2, 2, "[]") == 0;
            if (element) part.resize(part.size() - 2);
            pointer += "/" + part + (element ? "/0" : "");
            path += (path.empty() ? "" : ".") + part + (element ? "[0]" : "");
            at = end == std::string::npos ? parent.size() : end + 1;
        }
        doc[json::json_pointer(pointer)][stranger] = 1;
        EXPECT_EQ(problem_at(doc, path.empty() ? stranger : path + "." + stranger), expected_message(keys))
            << "object " << (parent.empty() ? "(root)" : parent);
    }
}

TEST(AcceptedKeys, FamilyKeysAreTheKeysTheParserEnforces) {
    for (const auto& family : fb::distribution_families()) {
        json doc = worked_example();
        doc["fabs"]["delay_years"] = {{"dist", family}, {stranger, 1}};
        EXPECT_EQ(problem_at(doc, "fabs.delay_years." + stranger), expected_message(fb::distribution_family_keys(family)))
            << family;
    }
    EXPECT_TRUE(fb::distribution_family_keys("pareto").empty());
}

TEST(AcceptedKeys, AreCanonicalAndUnique) {
    const auto& keys = fb::accepted_keys();
    EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), keys.size());
    for (const char* expected : {"name", "time.start_year", "investors.dropout_correlation.within_group",
                                 "investors.list[].pledge_busd", "fabs.groups[].staff_per_fab", "correlations[].spearman"})
        EXPECT_TRUE(contains(keys, expected)) << expected;
    const auto& d = fb::distribution_keys();
    EXPECT_EQ(std::set<std::string>(d.begin(), d.end()).size(), d.size());
    EXPECT_EQ(d.size(), 19u);
}

}  // namespace

}  // namespace docs_model_doc_test
}  // namespace
