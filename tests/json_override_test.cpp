// Tests for fabrisk/json_override.hpp: PATH=VALUE overrides of a JSON document, by key, index
// and field=value selectors, removal by null, and the errors that name the override.
#include "fabrisk/json_override.hpp"

#include <string>

#include <gtest/gtest.h>

namespace {
namespace json_override_test {

namespace {
using json = nlohmann::ordered_json;

json document() {
    return json::parse(R"({
        "target": {"installed_flops": 2e24},
        "investors": {"list": [
            {"name": "UAE sovereign funds", "group": "gulf", "pledge_busd": 1500, "rank": 1},
            {"name": "SoftBank", "group": "asia", "pledge_busd": 500, "rank": 2},
            {"name": "Qatar sovereign fund", "group": "gulf", "pledge_busd": 500, "rank": 3}
        ]},
        "fabs": {"build_years": 3, "groups": [{"name": "a", "build_years": 4}, {"name": "b"}]}
    })");
}

std::vector<std::string> set(json& doc, const std::string& assignment) {
    return fabrisk::apply_override(doc, fabrisk::parse_override(assignment, "--set " + assignment));
}

std::string error_of(json doc, const std::string& assignment) {
    try {
        set(doc, assignment);
    } catch (const fabrisk::usage_error& e) {
        return e.what();
    }
    return "no error";
}
}  // namespace

TEST(JsonOverride, SetsValuesByKeyIndexAndSelector) {
    json doc = document();
    EXPECT_EQ(set(doc, "target.installed_flops=1e24"), (std::vector<std::string>{"target.installed_flops"}));
    EXPECT_EQ(doc["target"]["installed_flops"], 1e24);
    set(doc, R"(fabs.delay_years={"dist":"lognormal","median":1.5,"p90":3})");
    EXPECT_EQ(doc["fabs"]["delay_years"]["median"], 1.5);
    EXPECT_EQ(set(doc, "investors.list[name=UAE sovereign funds].dropout_probability=0.9"),
              (std::vector<std::string>{"investors.list[0].dropout_probability"}));
    EXPECT_EQ(doc["investors"]["list"][0]["dropout_probability"], 0.9);
    EXPECT_EQ(set(doc, "investors.list[group=gulf].pledge_busd=0"),
              (std::vector<std::string>{"investors.list[0].pledge_busd", "investors.list[2].pledge_busd"}));
    EXPECT_EQ(doc["investors"]["list"][1]["pledge_busd"], 500);  // SoftBank untouched
    EXPECT_EQ(doc["investors"]["list"][2]["pledge_busd"], 0);
    set(doc, "fabs.groups[1].count=7");
    EXPECT_EQ(doc["fabs"]["groups"][1]["count"], 7);
    set(doc, "investors.list[rank=2].group=japan");  // a number selects by its JSON form; text that is not JSON is a string
    EXPECT_EQ(doc["investors"]["list"][1]["group"], "japan");
}

TEST(JsonOverride, NullRemovesKeysAndSelectedEntries) {
    json doc = document();
    EXPECT_EQ(set(doc, "investors.list[group=gulf]=null"), (std::vector<std::string>{"investors.list"}));
    ASSERT_EQ(doc["investors"]["list"].size(), 1u);
    EXPECT_EQ(doc["investors"]["list"][0]["name"], "SoftBank");
    set(doc, "fabs.groups[name=a].build_years=null");  // the group takes fabs.build_years again
    EXPECT_FALSE(doc["fabs"]["groups"][0].contains("build_years"));
}

TEST(JsonOverride, ErrorsNameTheOverrideAndWhereItFailed) {
    const json doc = document();
    EXPECT_EQ(error_of(doc, "investors.list[name=Nobody].pledge_busd=1"),
              "--set investors.list[name=Nobody].pledge_busd=1: investors.list has no entry with name = \"Nobody\"");
    EXPECT_EQ(error_of(doc, "fabs.groups[5].count=1"),
              "--set fabs.groups[5].count=1: fabs.groups has 2 entries, so no [5]");
    EXPECT_EQ(error_of(doc, "plan.fab_capital_share=0.5"), "--set plan.fab_capital_share=0.5: the document has no key \"plan\"");
    EXPECT_EQ(error_of(doc, "target[0]=1"), "--set target[0]=1: target is not a list, so it cannot be selected from");
    EXPECT_EQ(error_of(doc, "target.installed_flops.x=1"),
              "--set target.installed_flops.x=1: target.installed_flops is not an object, so it has no key \"x\"");
    EXPECT_EQ(error_of(doc, "fabs.capex=null"), "--set fabs.capex=null: fabs has no key \"capex\" to remove");
    EXPECT_NE(error_of(doc, "no-equals-sign").find("expected PATH=VALUE"), std::string::npos);
    EXPECT_NE(error_of(doc, "a..b=1").find("an empty key"), std::string::npos);
    EXPECT_NE(error_of(doc, "a[x=1].b=2").find("the document has no key \"a\""), std::string::npos);
    EXPECT_NE(error_of(doc, "a[x.b=2").find("expected PATH=VALUE"), std::string::npos);  // the '=' is inside the '['
    EXPECT_NE(error_of(doc, "a.=2").find("a trailing '.'"), std::string::npos);
    EXPECT_NE(error_of(doc, "a[0]b=2").find("'b' after a selector"), std::string::npos);
    EXPECT_NE(error_of(doc, "a[x]=1").find("neither an index nor field=value"), std::string::npos);
    // The document is unchanged by a failed override only up to the failure: callers apply
    // overrides to a copy they discard on error (the CLI stops at the first).
}

TEST(JsonOverride, AnEqualsSignInsideASelectorIsPartOfThePath) {
    json doc = document();
    const auto o = fabrisk::parse_override("investors.list[name=SoftBank].pledge_busd=600", "--set");
    EXPECT_EQ(o.path, "investors.list[name=SoftBank].pledge_busd");
    EXPECT_EQ(o.value, 600);
    fabrisk::apply_override(doc, o);
    EXPECT_EQ(doc["investors"]["list"][1]["pledge_busd"], 600);
}

}  // namespace json_override_test
}  // namespace
