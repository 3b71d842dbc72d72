// Every validation rule of docs/model.md §1–3, one by one: each broken rule must be reported as a
// scenario_error naming the JSON path of the offending value and what was expected. The valid
// documents start from scenarios/worked-example.json with one field changed.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fabrisk/buildout/scenario_json.hpp"
#include "../support.hpp"

namespace {
namespace buildout_scenario_json_test {

namespace {

using fabrisk::family;
using fabrisk::scenario_error;
using fabrisk::buildout::parse_scenario;
using fabrisk::buildout::scalar_input;
using fabrisk::buildout::scenario;
using json = nlohmann::json;
using testing::HasSubstr;

const json& worked_example() {
    static const json j = json::parse(fabrisk_test::read_file(std::string(FABRISK_SCENARIO_DIR) + "/worked-example.json"));
    return j;
}

/// The worked example with the value at JSON pointer `ptr` set (or added).
json with(const std::string& ptr, const json& value, json doc = worked_example()) {
    doc[json::json_pointer(ptr)] = value;
    return doc;
}

/// The worked example without the value at JSON pointer `ptr`.
json without(const std::string& ptr, json doc = worked_example()) {
    const json::json_pointer p(ptr);
    doc[p.parent_pointer()].erase(p.back());
    return doc;
}

/// The worked example with several U inputs made random, so that they may be correlated.
json random_inputs() {
    json doc = worked_example();
    doc["plan"]["fab_capital_share"] = {{"dist", "uniform"}, {"min", 0.2}, {"max", 0.8}};
    doc["fabs"]["ramp_years"] = {{"dist", "uniform"}, {"min", 0}, {"max", 1}};
    doc["fabs"]["yield"] = {{"dist", "uniform"}, {"min", 0.5}, {"max", 1}};
    doc["compute"]["cost_decline"] = {{"dist", "uniform"}, {"min", 0}, {"max", 0.5}};
    return doc;
}

json corr(const char* a, const char* b, double rho) { return {{"a", a}, {"b", b}, {"rho", rho}}; }

json dist(const char* name, std::initializer_list<std::pair<const char*, json>> params) {
    json d = {{"dist", name}};
    for (const auto& [k, v] : params) d[k] = v;
    return d;
}

std::string text_of(const std::string& text) { return text; }
std::string text_of(const json& doc) { return doc.dump(); }

struct outcome {
    bool threw = false;
    std::string path, what;
};

template <class Doc>
outcome outcome_of(const Doc& doc) {
    try {
        parse_scenario(text_of(doc));
    } catch (const scenario_error& e) {
        return {true, e.path(), e.what()};
    }
    return {};
}

template <class Doc>
scenario parsed(const Doc& doc) {
    return parse_scenario(text_of(doc));
}

}  // namespace

/// The document must be rejected with exactly this path() and a what() containing `text`.
#define EXPECT_REJECTED(doc, expected_path, text)                                                \
    do {                                                                                         \
        const outcome o_ = outcome_of(doc);                                                      \
        EXPECT_TRUE(o_.threw) << "accepted, expected an error at \"" << (expected_path) << "\""; \
        if (o_.threw) {                                                                          \
            EXPECT_EQ(o_.path, expected_path) << o_.what;                                        \
            EXPECT_THAT(o_.what, HasSubstr(text));                                               \
        }                                                                                        \
    } while (0)

#define EXPECT_ACCEPTED(doc)                               \
    do {                                                   \
        const outcome o_ = outcome_of(doc);                \
        EXPECT_FALSE(o_.threw) << "rejected: " << o_.what; \
    } while (0)

// ---------------------------------------------------------------------------------------------
// Valid documents

TEST(ScenarioJson, WorkedExampleParsesWithDefaults) {
    const scenario s = parsed(worked_example());
    EXPECT_EQ(s.name, "worked-example");
    EXPECT_THAT(s.description, HasSubstr("hand-checked"));
    EXPECT_EQ(s.time.start_year, 2024);
    EXPECT_EQ(s.time.horizon_years, 4);
    EXPECT_EQ(s.time.steps_per_year, 4);
    EXPECT_EQ(s.time.deadline_year, 2026);
    EXPECT_EQ(s.target_flops, 100000);
    ASSERT_EQ(s.investors.size(), 1u);
    EXPECT_EQ(s.investors[0].name, "sponsor");
    ASSERT_EQ(s.fab_groups.size(), 1u);
    EXPECT_EQ(s.fab_count(), 2u);
    EXPECT_FALSE(s.fab_groups[0].exposed);      // default
    EXPECT_EQ(s.fab_groups[0].capex_busd, 20);  // inherited from fabs
    EXPECT_EQ(s.fab_groups[0].build_years, 1);
    EXPECT_EQ(s.fab_groups[0].wafers_per_month, 1000);
    EXPECT_EQ(s.fab_groups[0].staff_per_fab, 100);
    EXPECT_TRUE(s.correlations.empty());  // default
    for (const auto& d : s.scalars) EXPECT_TRUE(fabrisk::is_fixed(d));
    // Omitted shock_time and dropout_time default to uniform(0, H).
    EXPECT_EQ(s.shock_time.kind, family::uniform);
    EXPECT_EQ(s.shock_time.p0, 0);
    EXPECT_EQ(s.shock_time.p1, 4);
    EXPECT_EQ(s.dropout_time.kind, family::uniform);
    EXPECT_EQ(s.dropout_time.p0, 0);
    EXPECT_EQ(s.dropout_time.p1, 4);
}

TEST(ScenarioJson, DescriptionIsOptional) {
    EXPECT_ACCEPTED(without("/description"));
    EXPECT_REJECTED(with("/description", 3), "description", "expected a string, got a number");
}

TEST(ScenarioJson, SevenTrillionParses) {
    const scenario s = parsed(fabrisk_test::read_file(std::string(FABRISK_SCENARIO_DIR) + "/seven-trillion.json"));
    EXPECT_EQ(s.name, "seven-trillion");
    EXPECT_EQ(s.fab_count(), 36u);
    EXPECT_EQ(s.fab_groups.size(), 9u);
    EXPECT_EQ(s.investors.size(), 8u);
    ASSERT_EQ(s.correlations.size(), 2u);
    EXPECT_EQ(s.correlations[0].a, scalar_input::hiring_per_year);
    EXPECT_EQ(s.correlations[0].b, scalar_input::attrition_per_year);
    EXPECT_DOUBLE_EQ(s.correlations[0].rho, -0.3);
    EXPECT_EQ(s.correlations[1].a, scalar_input::cost_decline);
    EXPECT_EQ(s.correlations[1].b, scalar_input::yield);
    EXPECT_DOUBLE_EQ(s.correlations[1].rho, 0.4);
    EXPECT_EQ(s.time.deadline_year, 2030);
    EXPECT_TRUE(s.fab_groups[1].exposed);
    EXPECT_EQ(s.fab_groups[1].build_years, 2.5);
    EXPECT_EQ(s.fab_groups[0].build_years, 3.0);
    // ci90 with low > 0 is a lognormal.
    EXPECT_EQ(s.investors[7].pledge_busd.kind, family::lognormal);
    EXPECT_EQ(s.shock_time.kind, family::uniform);
    EXPECT_EQ(s.shock_time.p1, 12);
}

// ---------------------------------------------------------------------------------------------
// Strict JSON

TEST(ScenarioJson, SyntaxErrorReportsLineAndColumn) {
    const outcome o = outcome_of(std::string("{\n  \"name\": \"x\",\n  oops\n}"));
    ASSERT_TRUE(o.threw);
    EXPECT_EQ(o.path, "");
    EXPECT_THAT(o.what, HasSubstr("invalid JSON"));
    EXPECT_THAT(o.what, HasSubstr("line 3"));
    EXPECT_THAT(o.what, HasSubstr("column"));
    EXPECT_REJECTED(std::string(""), "", "line 1");
}

TEST(ScenarioJson, TopLevelMustBeAnObject) {
    EXPECT_REJECTED(std::string("[1, 2]"), "", "expected an object, got an array");
}

TEST(ScenarioJson, DuplicateKeysNameTheDuplicate) {
    const std::string base = worked_example().dump();
    std::string top = base;
    top.insert(1, "\"name\":\"again\",");
    EXPECT_REJECTED(top, "name", "duplicate key");

    std::string nested = base;
    const std::string key = "\"start_year\":2024";
    ASSERT_NE(nested.find(key), std::string::npos);
    nested.replace(nested.find(key), key.size(), key + ",\"start_year\":2025");
    EXPECT_REJECTED(nested, "time.start_year", "duplicate key");

    std::string in_array = base;
    const std::string name = "\"name\":\"sponsor\"";
    ASSERT_NE(in_array.find(name), std::string::npos);
    in_array.replace(in_array.find(name), name.size(), name + ",\"name\":\"other\"");
    EXPECT_REJECTED(in_array, "investors.list[0].name", "duplicate key");
}

TEST(ScenarioJson, NumberOverflowingADoubleIsRejected) {
    std::string text = worked_example().dump();
    const std::string key = "\"installed_flops\":100000";
    ASSERT_NE(text.find(key), std::string::npos);
    text.replace(text.find(key), key.size(), "\"installed_flops\":1e400");
    EXPECT_REJECTED(text, "target.installed_flops", "finite");

    // Inside an array the path names the element.
    std::string in_array =
        with("/fabs/delay_years", dist("uniform", {{"min", 0}, {"max", 1}, {"truncate", {0, 7777}}})).dump();
    ASSERT_NE(in_array.find("7777"), std::string::npos);
    in_array.replace(in_array.find("7777"), 4, "-1e400");
    EXPECT_REJECTED(in_array, "fabs.delay_years.truncate[1]", "overflow");
}

// ---------------------------------------------------------------------------------------------
// Unknown keys, missing fields, wrong types

TEST(ScenarioJson, UnknownKeysAreRejected) {
    EXPECT_REJECTED(with("/extra", 1), "extra", "unknown key");
    EXPECT_REJECTED(with("/time/start", 2024), "time.start", "unknown key");
    EXPECT_REJECTED(with("/time/start", 2024), "time.start", "start_year");  // lists the allowed keys
    EXPECT_REJECTED(with("/investors/dropout_correlation/local", 0), "investors.dropout_correlation.local",
                    "unknown key");
    EXPECT_REJECTED(with("/investors/list/0/equity", 1), "investors.list[0].equity", "unknown key");
    EXPECT_REJECTED(with("/fabs/groups/0/colour", "red"), "fabs.groups[0].colour", "unknown key");
    EXPECT_REJECTED(with("/geopolitics/war", true), "geopolitics.war", "unknown key");
}

TEST(ScenarioJson, UnknownKeysInADistributionAreRejected) {
    EXPECT_REJECTED(with("/fabs/delay_years", dist("uniform", {{"min", 0}, {"max", 1}, {"mean", 0.5}})),
                    "fabs.delay_years.mean", "unknown key");
    EXPECT_REJECTED(with("/fabs/delay_years", dist("fixed", {{"value", 0}, {"sd", 1}})), "fabs.delay_years.sd",
                    "unknown key");
    EXPECT_REJECTED(with("/fabs/yield", dist("beta", {{"alpha", 2}, {"beta", 2}, {"lambda", 4}})), "fabs.yield.lambda",
                    "unknown key");
}

// Editors associate schemas/scenario.schema.json with a file through a top-level "$schema" key:
// a string there is ignored, and it is no scenario key anywhere else.
TEST(ScenarioJson, TopLevelSchemaKeyIsIgnored) {
    const scenario s = parsed(with("/$schema", "../schemas/scenario.schema.json"));
    EXPECT_EQ(s.name, "worked-example");
    EXPECT_REJECTED(with("/$schema", 1), "$schema", "expected a string, got a number");
    EXPECT_REJECTED(with("/fabs/$schema", "scenario.schema.json"), "fabs.$schema", "unknown key");
    EXPECT_REJECTED(with("/extra", 1), "extra",
                    "(expected one of: name, description, time, target, plan, investors, fabs, compute, talent, "
                    "geopolitics, correlations)");  // not offered as a scenario key
}

TEST(ScenarioJson, MissingRequiredFieldsAreRejected) {
    EXPECT_REJECTED(without("/name"), "name", "required field is missing");
    EXPECT_REJECTED(without("/compute"), "compute", "required field is missing");
    EXPECT_REJECTED(without("/time/horizon_years"), "time.horizon_years", "required field is missing");
    EXPECT_REJECTED(without("/investors/dropout_correlation/within_group"),
                    "investors.dropout_correlation.within_group", "required field is missing");
    EXPECT_REJECTED(without("/investors/list/0/pledge_busd"), "investors.list[0].pledge_busd",
                    "required field is missing");
    EXPECT_REJECTED(without("/fabs/groups/0/planned_start"), "fabs.groups[0].planned_start",
                    "required field is missing");
    EXPECT_REJECTED(without("/geopolitics/severity"), "geopolitics.severity", "required field is missing");
    EXPECT_REJECTED(with("/fabs/delay_years", dist("uniform", {{"min", 0}})), "fabs.delay_years.max",
                    "required field is missing");
    EXPECT_REJECTED(with("/fabs/delay_years", json{{"min", 0}, {"max", 1}}), "fabs.delay_years.dist",
                    "required field is missing");
}

TEST(ScenarioJson, WrongTypesAreRejected) {
    EXPECT_REJECTED(with("/time/horizon_years", "4"), "time.horizon_years", "expected a number, got a string");
    EXPECT_REJECTED(with("/fabs/capex_busd", "20"), "fabs.capex_busd", "expected a number, got a string");
    EXPECT_REJECTED(with("/fabs/yield", "1"), "fabs.yield", "expected a number, got a string");
    EXPECT_REJECTED(with("/fabs/delay_years", dist("uniform", {{"min", "0"}, {"max", 1}})), "fabs.delay_years.min",
                    "expected a number, got a string");
    EXPECT_REJECTED(with("/fabs/groups/0/count", true), "fabs.groups[0].count", "expected a number, got a boolean");
    EXPECT_REJECTED(with("/name", 5), "name", "expected a string, got a number");
    EXPECT_REJECTED(with("/time", 5), "time", "expected an object, got a number");
    EXPECT_REJECTED(with("/investors/list", json::object()), "investors.list", "expected an array");
    EXPECT_REJECTED(with("/investors/list/0", 1), "investors.list[0]", "expected an object, got a number");
    EXPECT_REJECTED(with("/fabs/groups", 1), "fabs.groups", "expected an array, got a number");
    EXPECT_REJECTED(with("/investors/list/0/group", json()), "investors.list[0].group", "expected a string, got null");
}

// ---------------------------------------------------------------------------------------------
// time and target

TEST(ScenarioJson, IntegersMayBeWrittenWithAFraction) {
    const scenario s = parsed(with("/time/horizon_years", 4.0));
    EXPECT_EQ(s.time.horizon_years, 4);
    EXPECT_THAT(with("/time/horizon_years", 4.0).dump(), HasSubstr("4.0"));
    EXPECT_ACCEPTED(with("/time/start_year", 2024 + 5e-10));  // within the 1e-9 tolerance
    EXPECT_ACCEPTED(with("/time/horizon_years", dist("fixed", {{"value", 4}})));
}

TEST(ScenarioJson, NonIntegersAreRejected) {
    EXPECT_REJECTED(with("/time/start_year", 2024.5), "time.start_year", "must be an integer, got 2024.5");
    EXPECT_REJECTED(with("/time/start_year", 2024 + 1e-6), "time.start_year", "must be an integer");
    EXPECT_REJECTED(with("/time/steps_per_year", 4.5), "time.steps_per_year", "must be an integer, got 4.5");
    EXPECT_REJECTED(with("/time/horizon_years", 3.5), "time.horizon_years", "must be an integer, got 3.5");
    EXPECT_REJECTED(with("/time/deadline_year", 2025.5), "time.deadline_year", "must be an integer, got 2025.5");
    EXPECT_REJECTED(with("/time/start_year", dist("fixed", {{"value", 2024.5}})), "time.start_year.value",
                    "must be an integer, got 2024.5");
}

TEST(ScenarioJson, HorizonAndStepsMustBeAtLeastOne) {
    EXPECT_REJECTED(with("/time/horizon_years", 0), "time.horizon_years", "must be >= 1, got 0");
    EXPECT_REJECTED(with("/time/horizon_years", -3), "time.horizon_years", "must be >= 1, got -3");
    EXPECT_REJECTED(with("/time/steps_per_year", 0), "time.steps_per_year", "must be >= 1, got 0");
    EXPECT_ACCEPTED(with("/time/steps_per_year", 1, with("/compute/chip_lifetime_years", 10)));
}

TEST(ScenarioJson, GridSizeIsBounded) {
    json doc = with("/time/horizon_years", 1000);
    doc["time"]["steps_per_year"] = 1000;
    EXPECT_REJECTED(doc, "time.steps_per_year", "at most");
}

TEST(ScenarioJson, DeadlineYearMustLieInTheHorizon) {
    // start 2024, H = 4: deadline in [2024, 2027].
    EXPECT_ACCEPTED(with("/time/deadline_year", 2024));
    EXPECT_ACCEPTED(with("/time/deadline_year", 2027));
    EXPECT_REJECTED(with("/time/deadline_year", 2023), "time.deadline_year", "must lie in [2024, 2027]");
    EXPECT_REJECTED(with("/time/deadline_year", 2028), "time.deadline_year", "got 2028");
    EXPECT_REJECTED(with("/time/deadline_year", dist("fixed", {{"value", 2028}})), "time.deadline_year.value",
                    "must lie in [2024, 2027]");
    EXPECT_REJECTED(with("/time/horizon_years", 2), "time.deadline_year", "must lie in [2024, 2025]");
}

TEST(ScenarioJson, TargetMustBePositive) {
    EXPECT_REJECTED(with("/target/installed_flops", 0), "target.installed_flops", "must be > 0, got 0");
    EXPECT_REJECTED(with("/target/installed_flops", -5), "target.installed_flops", "must be > 0, got -5");
    EXPECT_REJECTED(with("/target/installed_flops", dist("uniform", {{"min", 1}, {"max", 2}})),
                    "target.installed_flops", "expected a fixed number here, got a \"uniform\" distribution");
}

// ---------------------------------------------------------------------------------------------
// plan and the domain rules for distributions

TEST(ScenarioJson, FabCapitalShareFixedValueDomain) {
    EXPECT_ACCEPTED(with("/plan/fab_capital_share", 1));
    EXPECT_ACCEPTED(with("/plan/fab_capital_share", 0.01));
    EXPECT_REJECTED(with("/plan/fab_capital_share", 0), "plan.fab_capital_share", "must be in (0, 1], got 0");
    EXPECT_REJECTED(with("/plan/fab_capital_share", 1.5), "plan.fab_capital_share", "must be in (0, 1], got 1.5");
    EXPECT_REJECTED(with("/plan/fab_capital_share", dist("fixed", {{"value", 0}})), "plan.fab_capital_share.value",
                    "must be in (0, 1], got 0");
}

TEST(ScenarioJson, FabCapitalShareDistributionSupport) {
    // The closure of the support may touch the open end 0.
    EXPECT_ACCEPTED(with("/plan/fab_capital_share", dist("uniform", {{"min", 0}, {"max", 0.5}})));
    EXPECT_ACCEPTED(with("/plan/fab_capital_share", dist("beta", {{"alpha", 2}, {"beta", 3}})));
    EXPECT_REJECTED(with("/plan/fab_capital_share", dist("uniform", {{"min", 0.5}, {"max", 1.5}})),
                    "plan.fab_capital_share", "must lie within the domain (in (0, 1])");
    EXPECT_REJECTED(with("/plan/fab_capital_share", dist("uniform", {{"min", -0.5}, {"max", 0.5}})),
                    "plan.fab_capital_share", "must lie within the domain");
    EXPECT_REJECTED(with("/plan/fab_capital_share", dist("normal", {{"mean", 0.5}, {"sd", 0.1}})),
                    "plan.fab_capital_share", "use a bounded family or truncate");
    EXPECT_ACCEPTED(
        with("/plan/fab_capital_share", dist("normal", {{"mean", 0.5}, {"sd", 0.1}, {"truncate", {0, 1}}})));
    EXPECT_REJECTED(
        with("/plan/fab_capital_share", dist("normal", {{"mean", 0.5}, {"sd", 0.1}, {"truncate", {0.1, 1.2}}})),
        "plan.fab_capital_share", "must lie within the domain");
}

// ---------------------------------------------------------------------------------------------
// investors

TEST(ScenarioJson, DropoutCorrelationDomains) {
    EXPECT_REJECTED(with("/investors/dropout_correlation/global", -0.1), "investors.dropout_correlation.global",
                    "must be in [0, 1], got -0.1");
    EXPECT_REJECTED(with("/investors/dropout_correlation/global", 1.1), "investors.dropout_correlation.global",
                    "must be in [0, 1], got 1.1");
    EXPECT_REJECTED(with("/investors/dropout_correlation/within_group", 1.5),
                    "investors.dropout_correlation.within_group", "must be in [0, 1], got 1.5");
    EXPECT_REJECTED(with("/investors/dropout_correlation/within_group", -1),
                    "investors.dropout_correlation.within_group", "must be in [0, 1], got -1");
}

TEST(ScenarioJson, DropoutGlobalPlusWithinGroupAtMostOne) {
    auto pair = [](double g, double w) {
        json doc = with("/investors/dropout_correlation/global", g);
        doc["investors"]["dropout_correlation"]["within_group"] = w;
        return doc;
    };
    EXPECT_ACCEPTED(pair(0.5, 0.5));
    EXPECT_ACCEPTED(pair(1, 0));
    EXPECT_ACCEPTED(pair(0.5, 0.5 + 5e-10));  // within the 1e-9 tolerance
    EXPECT_REJECTED(pair(0.5, 0.5 + 1e-8), "investors.dropout_correlation.within_group",
                    "global + within_group must be <= 1");
    EXPECT_REJECTED(pair(0.6, 0.5), "investors.dropout_correlation.within_group",
                    "global + within_group must be <= 1, got 0.6 + 0.5");
}

TEST(ScenarioJson, InvestorListRules) {
    EXPECT_REJECTED(with("/investors/list", json::array()), "investors.list", "at least one investor");
    json doc = worked_example();
    const json first = doc["investors"]["list"][0];
    doc["investors"]["list"].push_back(first);
    doc["investors"]["list"][1]["group"] = "b";
    EXPECT_REJECTED(doc, "investors.list[1].name", "duplicate investor name \"sponsor\"");
    doc["investors"]["list"][1]["name"] = "second";
    const scenario s = parsed(doc);
    ASSERT_EQ(s.investors.size(), 2u);
    EXPECT_EQ(s.investors[1].group, "b");
    // Shared group names are fine.
    doc["investors"]["list"][1]["group"] = "a";
    EXPECT_ACCEPTED(doc);
}

TEST(ScenarioJson, InvestorFieldDomains) {
    EXPECT_REJECTED(with("/investors/list/0/pledge_busd", -1), "investors.list[0].pledge_busd", "must be >= 0, got -1");
    EXPECT_ACCEPTED(with("/investors/list/0/pledge_busd", 0));
    EXPECT_ACCEPTED(with("/investors/list/0/pledge_busd", dist("lognormal", {{"median", 100}, {"p90", 150}})));
    EXPECT_REJECTED(with("/investors/list/0/pledge_busd", dist("normal", {{"mean", 100}, {"sd", 10}})),
                    "investors.list[0].pledge_busd", "must lie within the domain (>= 0)");
    EXPECT_REJECTED(with("/investors/list/0/disburse_start", -0.5), "investors.list[0].disburse_start",
                    "must be >= 0, got -0.5");
    EXPECT_REJECTED(with("/investors/list/0/disburse_years", 0), "investors.list[0].disburse_years",
                    "must be > 0, got 0");
    EXPECT_REJECTED(with("/investors/list/0/dropout_probability", 1.5), "investors.list[0].dropout_probability",
                    "must be in [0, 1], got 1.5");
    EXPECT_REJECTED(with("/investors/list/0/dropout_probability", -0.1), "investors.list[0].dropout_probability",
                    "must be in [0, 1], got -0.1");
    EXPECT_ACCEPTED(with("/investors/list/0/dropout_probability", 1));
    EXPECT_REJECTED(with("/investors/list/0/dropout_probability", dist("uniform", {{"min", 0}, {"max", 1}})),
                    "investors.list[0].dropout_probability", "expected a fixed number here");
}

TEST(ScenarioJson, DropoutTimeIsAnyReal) {
    const scenario s = parsed(with("/investors/dropout_time", dist("normal", {{"mean", 2}, {"sd", 1}})));
    EXPECT_EQ(s.dropout_time.kind, family::normal);
    EXPECT_ACCEPTED(with("/investors/dropout_time", -3));
}

// ---------------------------------------------------------------------------------------------
// fabs

TEST(ScenarioJson, FabScalarDomains) {
    EXPECT_REJECTED(with("/fabs/capex_busd", 0), "fabs.capex_busd", "must be > 0, got 0");
    EXPECT_REJECTED(with("/fabs/capex_overrun_correlation", 1.2), "fabs.capex_overrun_correlation",
                    "must be in [0, 1], got 1.2");
    EXPECT_REJECTED(with("/fabs/capex_overrun_correlation", -0.2), "fabs.capex_overrun_correlation",
                    "must be in [0, 1], got -0.2");
    EXPECT_REJECTED(with("/fabs/delay_correlation", 1.5), "fabs.delay_correlation", "must be in [0, 1], got 1.5");
    EXPECT_REJECTED(with("/fabs/build_years", -1), "fabs.build_years", "must be >= 0, got -1");
    EXPECT_ACCEPTED(with("/fabs/build_years", 0));
    EXPECT_REJECTED(with("/fabs/ramp_years", -1), "fabs.ramp_years", "must be >= 0, got -1");
    EXPECT_REJECTED(with("/fabs/wafers_per_month", 0), "fabs.wafers_per_month", "must be > 0, got 0");
    EXPECT_REJECTED(with("/fabs/staff_per_fab", -1), "fabs.staff_per_fab", "must be >= 0, got -1");
    EXPECT_ACCEPTED(with("/fabs/staff_per_fab", 0));
    EXPECT_REJECTED(with("/fabs/dies_per_wafer", 0), "fabs.dies_per_wafer", "must be > 0, got 0");
}

TEST(ScenarioJson, CapexOverrunMustBePositive) {
    EXPECT_REJECTED(with("/fabs/capex_overrun", 0), "fabs.capex_overrun", "must be > 0, got 0");
    EXPECT_REJECTED(with("/fabs/capex_overrun", dist("fixed", {{"value", 0}})), "fabs.capex_overrun.value",
                    "must be > 0, got 0");
    EXPECT_ACCEPTED(with("/fabs/capex_overrun", dist("lognormal", {{"median", 1.15}, {"p90", 1.6}})));
    EXPECT_REJECTED(with("/fabs/capex_overrun", dist("normal", {{"mean", 1}, {"sd", 0.1}})), "fabs.capex_overrun",
                    "must lie within the domain (> 0)");
}

TEST(ScenarioJson, DelayYearsMustBeNonNegative) {
    EXPECT_REJECTED(with("/fabs/delay_years", -0.5), "fabs.delay_years", "must be >= 0, got -0.5");
    EXPECT_REJECTED(with("/fabs/delay_years", dist("normal", {{"mean", 1}, {"sd", 0.5}})), "fabs.delay_years",
                    "must lie within the domain (>= 0)");
    const scenario s =
        parsed(with("/fabs/delay_years", dist("normal", {{"mean", 1}, {"sd", 0.5}, {"truncate", {0, 5}}})));
    EXPECT_EQ(s.delay_years.kind, family::normal);
    EXPECT_TRUE(s.delay_years.truncated);
    EXPECT_EQ(s.delay_years.trunc_lo, 0);
    EXPECT_EQ(s.delay_years.trunc_hi, 5);
    EXPECT_REJECTED(with("/fabs/delay_years", dist("normal", {{"mean", 1}, {"sd", 0.5}, {"truncate", {-1, 5}}})),
                    "fabs.delay_years", "must lie within the domain");
    EXPECT_ACCEPTED(with("/fabs/delay_years", dist("gamma", {{"shape", 2}, {"scale", 0.5}})));
}

TEST(ScenarioJson, YieldMustBeInZeroOne) {
    EXPECT_REJECTED(with("/fabs/yield", 0), "fabs.yield", "must be in (0, 1], got 0");
    EXPECT_REJECTED(with("/fabs/yield", 1.2), "fabs.yield", "must be in (0, 1], got 1.2");
    EXPECT_ACCEPTED(with("/fabs/yield", 1));
    EXPECT_ACCEPTED(with("/fabs/yield", dist("pert", {{"min", 0.3}, {"mode", 0.6}, {"max", 0.8}})));
    EXPECT_REJECTED(with("/fabs/yield", dist("uniform", {{"min", 0.5}, {"max", 1.5}})), "fabs.yield",
                    "must lie within the domain (in (0, 1])");
    EXPECT_REJECTED(with("/fabs/yield", dist("fixed", {{"value", 0}})), "fabs.yield.value", "must be in (0, 1], got 0");
}

TEST(ScenarioJson, FabGroupListRules) {
    EXPECT_REJECTED(with("/fabs/groups", json::array()), "fabs.groups", "at least one group");
    json doc = worked_example();
    const json first = doc["fabs"]["groups"][0];
    doc["fabs"]["groups"].push_back(first);
    EXPECT_REJECTED(doc, "fabs.groups[1].name", "duplicate group name \"site\"");
    doc["fabs"]["groups"][1]["name"] = "other";
    EXPECT_EQ(parsed(doc).fab_count(), 4u);
}

TEST(ScenarioJson, FabGroupCount) {
    EXPECT_REJECTED(with("/fabs/groups/0/count", 2.5), "fabs.groups[0].count", "must be an integer, got 2.5");
    EXPECT_REJECTED(with("/fabs/groups/0/count", -1), "fabs.groups[0].count", "must be >= 0, got -1");
    EXPECT_EQ(parsed(with("/fabs/groups/0/count", 0)).fab_count(), 0u);
    EXPECT_EQ(parsed(with("/fabs/groups/0/count", 3.0)).fab_count(), 3u);
    EXPECT_REJECTED(with("/fabs/groups/0/count", 200000), "fabs.groups[0].count", "at most");
    EXPECT_REJECTED(with("/fabs/groups/0/planned_start", -1), "fabs.groups[0].planned_start", "must be >= 0, got -1");
}

TEST(ScenarioJson, FabGroupExposedMustBeABoolean) {
    EXPECT_REJECTED(with("/fabs/groups/0/exposed", "yes"), "fabs.groups[0].exposed",
                    "expected true or false, got a string");
    EXPECT_REJECTED(with("/fabs/groups/0/exposed", 1), "fabs.groups[0].exposed",
                    "expected true or false, got a number");
    EXPECT_TRUE(parsed(with("/fabs/groups/0/exposed", true)).fab_groups[0].exposed);
}

TEST(ScenarioJson, FabGroupOverridesAreDomainChecked) {
    EXPECT_REJECTED(with("/fabs/groups/0/build_years", -1), "fabs.groups[0].build_years", "must be >= 0, got -1");
    EXPECT_REJECTED(with("/fabs/groups/0/capex_busd", 0), "fabs.groups[0].capex_busd", "must be > 0, got 0");
    EXPECT_REJECTED(with("/fabs/groups/0/wafers_per_month", -10), "fabs.groups[0].wafers_per_month",
                    "must be > 0, got -10");
    EXPECT_REJECTED(with("/fabs/groups/0/staff_per_fab", -1), "fabs.groups[0].staff_per_fab", "must be >= 0, got -1");
    EXPECT_REJECTED(with("/fabs/groups/0/build_years", dist("uniform", {{"min", 1}, {"max", 2}})),
                    "fabs.groups[0].build_years", "expected a fixed number here");
    const scenario s = parsed(with("/fabs/groups/0/build_years", 2.5));
    EXPECT_EQ(s.fab_groups[0].build_years, 2.5);
    EXPECT_EQ(s.fab_groups[0].capex_busd, 20);
}

// ---------------------------------------------------------------------------------------------
// compute, talent, geopolitics

TEST(ScenarioJson, ComputeDomains) {
    EXPECT_REJECTED(with("/compute/flops_per_die", 0), "compute.flops_per_die", "must be > 0, got 0");
    EXPECT_REJECTED(with("/compute/cost_decline", 1), "compute.cost_decline", "must be in (-1, 1), got 1");
    EXPECT_REJECTED(with("/compute/cost_decline", -1), "compute.cost_decline", "must be in (-1, 1), got -1");
    EXPECT_ACCEPTED(with("/compute/cost_decline", -0.5));
    EXPECT_ACCEPTED(with("/compute/cost_decline", dist("uniform", {{"min", -1}, {"max", 1}})));
    EXPECT_REJECTED(with("/compute/cost_decline", dist("uniform", {{"min", 0}, {"max", 1.5}})), "compute.cost_decline",
                    "must lie within the domain (in (-1, 1))");
    EXPECT_REJECTED(with("/compute/scale_elasticity", -0.1), "compute.scale_elasticity", "must be >= 0, got -0.1");
    EXPECT_REJECTED(with("/compute/chip_lifetime_years", 0), "compute.chip_lifetime_years", "must be > 0, got 0");
}

TEST(ScenarioJson, ChipLifetimeTimesStepsMustBeAnInteger) {
    // m = 4 in the worked example.
    EXPECT_REJECTED(with("/compute/chip_lifetime_years", 0.3), "compute.chip_lifetime_years",
                    "lifetime x steps_per_year must be an integer, got 0.3 x 4 = 1.2");
    EXPECT_ACCEPTED(with("/compute/chip_lifetime_years", 0.25));
    EXPECT_ACCEPTED(with("/compute/chip_lifetime_years", 0.25 + 1e-10));  // 4e-10 off
    EXPECT_REJECTED(with("/compute/chip_lifetime_years", 0.25 + 1e-9), "compute.chip_lifetime_years",
                    "must be an integer");
    EXPECT_ACCEPTED(with("/compute/chip_lifetime_years", 0.3, with("/time/steps_per_year", 10)));
}

TEST(ScenarioJson, TalentDomains) {
    EXPECT_REJECTED(with("/talent/initial_workforce", -1), "talent.initial_workforce", "must be >= 0, got -1");
    EXPECT_REJECTED(with("/talent/hiring_per_year", -1), "talent.hiring_per_year", "must be >= 0, got -1");
    EXPECT_REJECTED(with("/talent/attrition_per_year", 1.5), "talent.attrition_per_year", "must be in [0, 1], got 1.5");
    EXPECT_REJECTED(with("/talent/attrition_per_year", -0.1), "talent.attrition_per_year",
                    "must be in [0, 1], got -0.1");
    EXPECT_ACCEPTED(with("/talent/attrition_per_year", 1));
    EXPECT_ACCEPTED(with("/talent/attrition_per_year", dist("uniform", {{"min", 0}, {"max", 1}})));
    EXPECT_REJECTED(with("/talent/initial_workforce", dist("ci90", {{"low", -10}, {"high", 100}})),
                    "talent.initial_workforce", "must lie within the domain");
}

TEST(ScenarioJson, GeopoliticsDomains) {
    EXPECT_REJECTED(with("/geopolitics/shock_probability", 1.5), "geopolitics.shock_probability",
                    "must be in [0, 1], got 1.5");
    EXPECT_REJECTED(with("/geopolitics/shock_probability", -0.5), "geopolitics.shock_probability",
                    "must be in [0, 1], got -0.5");
    EXPECT_REJECTED(with("/geopolitics/severity", 1.5), "geopolitics.severity", "must be in [0, 1], got 1.5");
    EXPECT_REJECTED(with("/geopolitics/severity", -0.5), "geopolitics.severity", "must be in [0, 1], got -0.5");
    EXPECT_REJECTED(with("/geopolitics/severity", dist("triangular", {{"min", 0}, {"mode", 1}, {"max", 2}})),
                    "geopolitics.severity", "must lie within the domain (in [0, 1])");
    EXPECT_ACCEPTED(with("/geopolitics/severity", dist("uniform", {{"min", 0}, {"max", 1}})));
    const scenario s = parsed(with("/geopolitics/shock_time", dist("normal", {{"mean", 2}, {"sd", 3}})));
    EXPECT_EQ(s.shock_time.kind, family::normal);
}

// ---------------------------------------------------------------------------------------------
// Distribution families (investors.dropout_time has the domain "any real", so only the family's
// own rules apply there)

namespace {
json dropout_time(const json& d) { return with("/investors/dropout_time", d); }
}  // namespace

TEST(ScenarioJson, UniformNeedsMinBelowMax) {
    EXPECT_REJECTED(dropout_time(dist("uniform", {{"min", 1}, {"max", 1}})), "investors.dropout_time.max",
                    "must be greater than min (1), got 1");
    EXPECT_REJECTED(dropout_time(dist("uniform", {{"min", 2}, {"max", 1}})), "investors.dropout_time.max",
                    "must be greater than min (2), got 1");
}

TEST(ScenarioJson, NormalNeedsPositiveSd) {
    EXPECT_REJECTED(dropout_time(dist("normal", {{"mean", 1}, {"sd", 0}})), "investors.dropout_time.sd",
                    "must be > 0, got 0");
    EXPECT_REJECTED(dropout_time(dist("normal", {{"mean", 1}, {"sd", -1}})), "investors.dropout_time.sd",
                    "must be > 0, got -1");
}

TEST(ScenarioJson, LognormalByMedianAndP90) {
    const outcome o = outcome_of(with("/fabs/delay_years", dist("lognormal", {{"median", 0.75}, {"p90", 0.5}})));
    ASSERT_TRUE(o.threw);
    EXPECT_EQ(o.path, "fabs.delay_years.p90");
    EXPECT_EQ(o.what, "fabs.delay_years.p90: must be greater than median (0.75), got 0.5");
    EXPECT_REJECTED(dropout_time(dist("lognormal", {{"median", 1}, {"p90", 1}})), "investors.dropout_time.p90",
                    "must be greater than median (1), got 1");
    EXPECT_REJECTED(dropout_time(dist("lognormal", {{"median", 0}, {"p90", 1}})), "investors.dropout_time.median",
                    "must be > 0, got 0");
    EXPECT_REJECTED(dropout_time(dist("lognormal", {{"median", 1}})), "investors.dropout_time.p90",
                    "required field is missing");
    const scenario s = parsed(dropout_time(dist("lognormal", {{"median", 2}, {"p90", 5}})));
    EXPECT_EQ(s.dropout_time.kind, family::lognormal);
    EXPECT_NEAR(s.dropout_time.p0, std::log(2.0), 1e-15);
    EXPECT_NEAR(s.dropout_time.p1, (std::log(5.0) - std::log(2.0)) / 1.2815515655446004, 1e-15);
}

TEST(ScenarioJson, LognormalByMuAndSigma) {
    const scenario s = parsed(dropout_time(dist("lognormal", {{"mu", 0.5}, {"sigma", 0.25}})));
    EXPECT_EQ(s.dropout_time.kind, family::lognormal);
    EXPECT_EQ(s.dropout_time.p0, 0.5);
    EXPECT_EQ(s.dropout_time.p1, 0.25);
    EXPECT_ACCEPTED(dropout_time(dist("lognormal", {{"mu", -2}, {"sigma", 1}})));  // mu may be negative
    EXPECT_REJECTED(dropout_time(dist("lognormal", {{"mu", 0}, {"sigma", 0}})), "investors.dropout_time.sigma",
                    "must be > 0, got 0");
    EXPECT_REJECTED(dropout_time(dist("lognormal", {{"mu", 0}})), "investors.dropout_time.sigma",
                    "required field is missing");
}

TEST(ScenarioJson, LognormalWithBothParameterPairsIsRejected) {
    EXPECT_REJECTED(dropout_time(dist("lognormal", {{"median", 1}, {"p90", 2}, {"mu", 0}, {"sigma", 1}})),
                    "investors.dropout_time", "not both");
    EXPECT_REJECTED(dropout_time(dist("lognormal", {{"median", 1}, {"sigma", 1}})), "investors.dropout_time",
                    "give either median and p90 or mu and sigma");
}

TEST(ScenarioJson, Ci90NeedsLowBelowHigh) {
    EXPECT_REJECTED(dropout_time(dist("ci90", {{"low", 2}, {"high", 2}})), "investors.dropout_time.high",
                    "must be greater than low (2), got 2");
    EXPECT_EQ(parsed(dropout_time(dist("ci90", {{"low", 1}, {"high", 4}}))).dropout_time.kind, family::lognormal);
    EXPECT_EQ(parsed(dropout_time(dist("ci90", {{"low", 0}, {"high", 4}}))).dropout_time.kind, family::normal);
    // Parameters that overflow the family's arithmetic still give a scenario_error.
    EXPECT_REJECTED(dropout_time(dist("ci90", {{"low", -1e308}, {"high", 1e308}})), "investors.dropout_time",
                    "invalid parameters");
}

TEST(ScenarioJson, TriangularAndPertOrdering) {
    for (const char* family_name : {"triangular", "pert"}) {
        SCOPED_TRACE(family_name);
        EXPECT_REJECTED(dropout_time(dist(family_name, {{"min", 1}, {"mode", 0}, {"max", 2}})),
                        "investors.dropout_time.mode", "must be >= min (1), got 0");
        EXPECT_REJECTED(dropout_time(dist(family_name, {{"min", 1}, {"mode", 3}, {"max", 2}})),
                        "investors.dropout_time.mode", "must be <= max (2), got 3");
        EXPECT_REJECTED(dropout_time(dist(family_name, {{"min", 1}, {"mode", 1}, {"max", 1}})),
                        "investors.dropout_time.max", "must be greater than min (1), got 1");
        EXPECT_ACCEPTED(dropout_time(dist(family_name, {{"min", 1}, {"mode", 1}, {"max", 2}})));
        EXPECT_ACCEPTED(dropout_time(dist(family_name, {{"min", 1}, {"mode", 2}, {"max", 2}})));
    }
}

TEST(ScenarioJson, PertLambda) {
    EXPECT_REJECTED(dropout_time(dist("pert", {{"min", 0}, {"mode", 1}, {"max", 2}, {"lambda", 0}})),
                    "investors.dropout_time.lambda", "must be > 0, got 0");
    EXPECT_REJECTED(dropout_time(dist("pert", {{"min", 0}, {"mode", 1}, {"max", 2}, {"lambda", -1}})),
                    "investors.dropout_time.lambda", "must be > 0, got -1");
    // Default lambda 4: Beta(1 + 4·(1/4), 1 + 4·(3/4)) = Beta(2, 4) on [0, 4].
    const scenario s = parsed(dropout_time(dist("pert", {{"min", 0}, {"mode", 1}, {"max", 4}})));
    EXPECT_EQ(s.dropout_time.kind, family::beta);
    EXPECT_DOUBLE_EQ(s.dropout_time.p0, 2);
    EXPECT_DOUBLE_EQ(s.dropout_time.p1, 4);
    EXPECT_EQ(s.dropout_time.lo, 0);
    EXPECT_EQ(s.dropout_time.hi, 4);
}

TEST(ScenarioJson, BetaParameters) {
    EXPECT_REJECTED(dropout_time(dist("beta", {{"alpha", 0}, {"beta", 1}})), "investors.dropout_time.alpha",
                    "must be > 0, got 0");
    EXPECT_REJECTED(dropout_time(dist("beta", {{"alpha", 1}, {"beta", -1}})), "investors.dropout_time.beta",
                    "must be > 0, got -1");
    EXPECT_REJECTED(dropout_time(dist("beta", {{"alpha", 1}, {"beta", 1}, {"min", 2}, {"max", 2}})),
                    "investors.dropout_time.max", "must be greater than min (2), got 2");
    EXPECT_REJECTED(dropout_time(dist("beta", {{"alpha", 1}, {"beta", 1}, {"min", 3}})), "investors.dropout_time.max",
                    "must be greater than min (3), got 1");  // default max 1
    const scenario s = parsed(dropout_time(dist("beta", {{"alpha", 2}, {"beta", 3}})));
    EXPECT_EQ(s.dropout_time.lo, 0);
    EXPECT_EQ(s.dropout_time.hi, 1);
}

TEST(ScenarioJson, GammaAndWeibullParameters) {
    for (const char* family_name : {"gamma", "weibull"}) {
        SCOPED_TRACE(family_name);
        EXPECT_REJECTED(dropout_time(dist(family_name, {{"shape", 0}, {"scale", 1}})), "investors.dropout_time.shape",
                        "must be > 0, got 0");
        EXPECT_REJECTED(dropout_time(dist(family_name, {{"shape", 1}, {"scale", -2}})), "investors.dropout_time.scale",
                        "must be > 0, got -2");
        EXPECT_ACCEPTED(dropout_time(dist(family_name, {{"shape", 1.5}, {"scale", 2}})));
    }
}

TEST(ScenarioJson, UnknownDistributionName) {
    EXPECT_REJECTED(dropout_time(dist("poisson", {{"lambda", 1}})), "investors.dropout_time.dist",
                    "unknown distribution \"poisson\"");
    EXPECT_REJECTED(dropout_time(json{{"dist", 3}}), "investors.dropout_time.dist", "expected a string, got a number");
}

// ---------------------------------------------------------------------------------------------
// truncate

TEST(ScenarioJson, TruncateRules) {
    EXPECT_REJECTED(dropout_time(dist("fixed", {{"value", 1}, {"truncate", {0, 2}}})),
                    "investors.dropout_time.truncate", "not allowed on a fixed value");
    EXPECT_REJECTED(dropout_time(dist("normal", {{"mean", 0}, {"sd", 1}, {"truncate", {1, 1}}})),
                    "investors.dropout_time.truncate", "lo must be less than hi, got [1, 1]");
    EXPECT_REJECTED(dropout_time(dist("normal", {{"mean", 0}, {"sd", 1}, {"truncate", {2, 1}}})),
                    "investors.dropout_time.truncate", "lo must be less than hi, got [2, 1]");
    EXPECT_REJECTED(dropout_time(dist("normal", {{"mean", 0}, {"sd", 1}, {"truncate", 1}})),
                    "investors.dropout_time.truncate", "expected an array [lo, hi], got a number");
    EXPECT_REJECTED(dropout_time(dist("normal", {{"mean", 0}, {"sd", 1}, {"truncate", {1}}})),
                    "investors.dropout_time.truncate", "two numbers, got 1 elements");
    EXPECT_REJECTED(dropout_time(dist("normal", {{"mean", 0}, {"sd", 1}, {"truncate", {0, 1, 2}}})),
                    "investors.dropout_time.truncate", "two numbers, got 3 elements");
    EXPECT_REJECTED(dropout_time(dist("normal", {{"mean", 0}, {"sd", 1}, {"truncate", {"0", 1}}})),
                    "investors.dropout_time.truncate[0]", "expected a number, got a string");
    EXPECT_REJECTED(dropout_time(dist("uniform", {{"min", 0}, {"max", 1}, {"truncate", {2, 3}}})),
                    "investors.dropout_time.truncate", "[2, 3] has probability zero under uniform(min 0, max 1)");
    const scenario s = parsed(dropout_time(dist("uniform", {{"min", 0}, {"max", 1}, {"truncate", {0.5, 3}}})));
    EXPECT_TRUE(s.dropout_time.truncated);
    EXPECT_EQ(fabrisk::support(s.dropout_time).first, 0.5);
    EXPECT_EQ(fabrisk::support(s.dropout_time).second, 1);
}

// ---------------------------------------------------------------------------------------------
// {"dist": "fixed"} where a number is required

TEST(ScenarioJson, FixedObjectStandsForANumber) {
    const scenario s = parsed(with("/fabs/capex_busd", dist("fixed", {{"value", 30}})));
    EXPECT_EQ(s.capex_busd, 30);
    EXPECT_EQ(s.fab_groups[0].capex_busd, 30);
    EXPECT_REJECTED(with("/fabs/capex_busd", dist("fixed", {{"value", 0}})), "fabs.capex_busd.value",
                    "must be > 0, got 0");
    EXPECT_REJECTED(with("/fabs/capex_busd", dist("fixed", {})), "fabs.capex_busd.value", "required field is missing");
    EXPECT_REJECTED(with("/fabs/capex_busd", dist("pert", {{"min", 1}, {"mode", 2}, {"max", 3}})), "fabs.capex_busd",
                    "expected a fixed number here, got a \"pert\" distribution");
    EXPECT_REJECTED(with("/fabs/groups/0/count", dist("fixed", {{"value", 2.5}})), "fabs.groups[0].count.value",
                    "must be an integer, got 2.5");
    EXPECT_EQ(parsed(with("/fabs/groups/0/count", dist("fixed", {{"value", 3}}))).fab_count(), 3u);
    EXPECT_EQ(parsed(with("/time/steps_per_year", dist("fixed", {{"value", 2}}))).time.steps_per_year, 2);
}

// ---------------------------------------------------------------------------------------------
// correlations

TEST(ScenarioJson, CorrelationPathsMustBeKnownAndRandom) {
    json doc = random_inputs();
    doc["correlations"] = json::array({corr("fabs.capex_overrun", "fabs.yield", 0.5)});
    EXPECT_REJECTED(doc, "correlations[0].a", "unknown input \"fabs.capex_overrun\"");
    doc["correlations"] = json::array({corr("fabs.yield", "yield", 0.5)});
    EXPECT_REJECTED(doc, "correlations[0].b", "unknown input \"yield\"");
    doc["correlations"] =
        json::array({corr("fabs.yield", "talent.hiring_per_year", 0.5)});  // fixed 0 in the worked example
    EXPECT_REJECTED(doc, "correlations[0].b", "talent.hiring_per_year is fixed in this scenario");
    doc["talent"]["hiring_per_year"] = dist("fixed", {{"value", 0}});  // counts as fixed too
    EXPECT_REJECTED(doc, "correlations[0].b", "is fixed in this scenario");
    doc["correlations"] = json::array({corr("fabs.yield", "fabs.yield", 0.5)});
    EXPECT_REJECTED(doc, "correlations[0].b", "must differ from a (fabs.yield)");
    doc["correlations"] = json::array({json{{"a", 1}, {"b", "fabs.yield"}, {"rho", 0.5}}});
    EXPECT_REJECTED(doc, "correlations[0].a", "expected a string, got a number");
    doc["correlations"] = json::array({json{{"b", "fabs.yield"}, {"rho", 0.5}}});
    EXPECT_REJECTED(doc, "correlations[0].a", "required field is missing");
}

TEST(ScenarioJson, CorrelationStructure) {
    json doc = random_inputs();
    doc["correlations"] = json::object();
    EXPECT_REJECTED(doc, "correlations", "expected an array, got an object");
    doc["correlations"] = json::array({1});
    EXPECT_REJECTED(doc, "correlations[0]", "expected an object, got a number");
    doc["correlations"] =
        json::array({json{{"a", "fabs.yield"}, {"b", "fabs.ramp_years"}, {"rho", 0.5}, {"tau", 0.1}}});
    EXPECT_REJECTED(doc, "correlations[0].tau", "unknown key");
    doc["correlations"] = json::array();
    EXPECT_ACCEPTED(doc);
}

TEST(ScenarioJson, CorrelationPairAtMostOnce) {
    json doc = random_inputs();
    doc["correlations"] =
        json::array({corr("fabs.yield", "fabs.ramp_years", 0.3), corr("fabs.ramp_years", "fabs.yield", 0.2)});
    EXPECT_REJECTED(doc, "correlations[1]", "is already correlated in correlations[0]");
}

TEST(ScenarioJson, CorrelationNeedsExactlyOneOfRhoAndSpearman) {
    json doc = random_inputs();
    doc["correlations"] =
        json::array({json{{"a", "fabs.yield"}, {"b", "fabs.ramp_years"}, {"rho", 0.5}, {"spearman", 0.5}}});
    EXPECT_REJECTED(doc, "correlations[0]", "give exactly one of rho and spearman");
    doc["correlations"] = json::array({json{{"a", "fabs.yield"}, {"b", "fabs.ramp_years"}}});
    EXPECT_REJECTED(doc, "correlations[0]", "give exactly one of rho and spearman");
}

TEST(ScenarioJson, CorrelationValueInMinusOneOne) {
    json doc = random_inputs();
    doc["correlations"] = json::array({corr("fabs.yield", "fabs.ramp_years", 1.5)});
    EXPECT_REJECTED(doc, "correlations[0].rho", "must be in [-1, 1], got 1.5");
    doc["correlations"] = json::array({json{{"a", "fabs.yield"}, {"b", "fabs.ramp_years"}, {"spearman", -1.2}}});
    EXPECT_REJECTED(doc, "correlations[0].spearman", "must be in [-1, 1], got -1.2");
    doc["correlations"] = json::array({json{{"a", "fabs.yield"}, {"b", "fabs.ramp_years"}, {"rho", "0.5"}}});
    EXPECT_REJECTED(doc, "correlations[0].rho", "expected a number, got a string");
}

TEST(ScenarioJson, CorrelationMatrixMustBePositiveSemidefinite) {
    json doc = random_inputs();
    doc["correlations"] =
        json::array({corr("fabs.yield", "fabs.ramp_years", -0.9), corr("fabs.yield", "compute.cost_decline", -0.9),
                     corr("fabs.ramp_years", "compute.cost_decline", -0.9)});
    EXPECT_REJECTED(doc, "correlations", "positive semidefinite");
    // A singular matrix is valid.
    doc["correlations"] = json::array({corr("fabs.yield", "fabs.ramp_years", 1)});
    EXPECT_ACCEPTED(doc);
    doc["correlations"] = json::array({corr("fabs.yield", "fabs.ramp_years", -1)});
    EXPECT_ACCEPTED(doc);
    doc["correlations"] =
        json::array({corr("fabs.yield", "fabs.ramp_years", 1), corr("fabs.yield", "compute.cost_decline", 1),
                     corr("fabs.ramp_years", "compute.cost_decline", 1)});
    EXPECT_ACCEPTED(doc);
}

TEST(ScenarioJson, SpearmanIsConvertedToPearson) {
    json doc = random_inputs();
    doc["correlations"] =
        json::array({json{{"a", "plan.fab_capital_share"}, {"b", "compute.cost_decline"}, {"spearman", 0.5}}});
    const scenario s = parsed(doc);
    ASSERT_EQ(s.correlations.size(), 1u);
    EXPECT_EQ(s.correlations[0].a, scalar_input::fab_capital_share);
    EXPECT_EQ(s.correlations[0].b, scalar_input::cost_decline);
    EXPECT_DOUBLE_EQ(s.correlations[0].rho, 2 * std::sin(M_PI * 0.5 / 6));
    doc["correlations"][0].erase("spearman");
    doc["correlations"][0]["rho"] = 0.5;
    EXPECT_EQ(parsed(doc).correlations[0].rho, 0.5);
}

// ---------------------------------------------------------------------------------------------
// Every problem reported, in document order

namespace {
/// The worked example's own text (keys in the file's order, not nlohmann's alphabetical one)
/// with each `from` replaced by `to`.
std::string worked_text_with(std::initializer_list<std::pair<std::string, std::string>> edits) {
    std::string text = fabrisk_test::read_file(std::string(FABRISK_SCENARIO_DIR) + "/worked-example.json");
    for (const auto& [from, to] : edits) {
        const auto at = text.find(from);
        EXPECT_NE(at, std::string::npos) << from;
        if (at != std::string::npos) text.replace(at, from.size(), to);
    }
    return text;
}

scenario_error error_of(const std::string& text) {
    try {
        parse_scenario(text);
    } catch (const scenario_error& e) {
        return e;
    }
    ADD_FAILURE() << "accepted";
    return scenario_error("", "accepted");
}
}  // namespace

TEST(ScenarioJsonProblems, ThreeMistakesAreReportedInFileOrder) {
    // time < investors < fabs in the file; alphabetically fabs < investors < time.
    const scenario_error e = error_of(worked_text_with({{"\"steps_per_year\": 4", "\"steps_per_year\": 0"},
                                                        {"\"dropout_probability\": 0}", "\"dropout_probabilty\": 0}"},
                                                        {"\"yield\": 1,", "\"yield\": -0.5,"}}));
    EXPECT_EQ(std::string(e.what()),
              "time.steps_per_year: must be >= 1, got 0\n"
              "investors.list[0].dropout_probabilty: unknown key \"dropout_probabilty\" (did you mean "
              "\"dropout_probability\"?)\n"
              "fabs.yield: must be in (0, 1], got -0.5");
    EXPECT_EQ(e.path(), "time.steps_per_year");
    ASSERT_EQ(e.problems().size(), 3u);
    EXPECT_EQ(e.problem_count(), 3u);
    EXPECT_EQ(e.problems()[1].path, "investors.list[0].dropout_probabilty");
    EXPECT_EQ(e.problems()[2].message, "must be in (0, 1], got -0.5");
    // The same through load_scenario.
    const std::string file = testing::TempDir() + "fabrisk-three-mistakes.json";
    {
        std::ofstream out(file, std::ios::binary);
        out << worked_text_with({{"\"steps_per_year\": 4", "\"steps_per_year\": 0"},
                                 {"\"dropout_probability\": 0}", "\"dropout_probabilty\": 0}"},
                                 {"\"yield\": 1,", "\"yield\": -0.5,"}});
    }
    try {
        fabrisk::buildout::load_scenario(file);
        ADD_FAILURE() << "accepted";
    } catch (const scenario_error& loaded) {
        EXPECT_STREQ(loaded.what(), e.what());
    }
    std::remove(file.c_str());
}

TEST(ScenarioJsonProblems, OrderIsTheFileOrderNotTheKeyOrderNorTheOrderOfChecks) {
    // The sections and fields in an unusual order: geopolitics, fabs (groups before yield),
    // talent, time ... The problems follow the text, not the alphabet (fabs, geopolitics, time)
    // nor the order the rules are checked in (time, fabs, geopolitics).
    const std::string text = R"({
  "name": "reordered",
  "geopolitics": {"severity": 2, "shock_probability": 0},
  "fabs": {
    "groups": [{"name": "site", "count": 2.5, "planned_start": 0}],
    "yield": -1, "dies_per_wafer": 10, "staff_per_fab": 100, "wafers_per_month": 1000, "ramp_years": 0,
    "delay_correlation": 0, "delay_years": 0, "build_years": 1, "capex_overrun_correlation": 0,
    "capex_overrun": 1, "capex_busd": 20
  },
  "talent": {"initial_workforce": 150, "hiring_per_year": 0, "attrition_per_year": 0},
  "time": {"start_year": 2024, "horizon_years": 4, "steps_per_year": 0, "deadline_year": 2026},
  "target": {"installed_flops": 100000},
  "plan": {"fab_capital_share": 1},
  "investors": {
    "dropout_correlation": {"global": 0, "within_group": 0},
    "list": [{"name": "sponsor", "group": "a", "pledge_busd": 100, "disburse_start": 0, "disburse_years": 4, "dropout_probability": 0}]
  },
  "compute": {"flops_per_die": 1, "cost_decline": 0, "scale_elasticity": 0, "chip_lifetime_years": 10}
})";
    const scenario_error e = error_of(text);
    EXPECT_EQ(std::string(e.what()),
              "geopolitics.severity: must be in [0, 1], got 2; it looks like a percentage: write 0.02 for 2%\n"
              "fabs.groups[0].count: must be an integer, got 2.5\n"
              "fabs.yield: must be in (0, 1], got -1\n"
              "time.steps_per_year: must be >= 1, got 0");
    EXPECT_EQ(e.path(), "geopolitics.severity");
}

TEST(ScenarioJsonProblems, MoreThanTwentyAreCounted) {
    // 25 investors with a dropout probability of -1: list[0] to list[19], then "... and 5 more"
    // (list[10] after list[9]: array order, not string order).
    json doc = worked_example();
    json investors = json::array();
    for (int i = 0; i < 25; ++i) {
        json v = doc["investors"]["list"][0];
        v["name"] = "investor " + std::to_string(i);
        v["dropout_probability"] = -1;
        investors.push_back(v);
    }
    doc["investors"]["list"] = investors;
    const scenario_error e = error_of(doc.dump());
    EXPECT_EQ(e.problems().size(), 25u);
    EXPECT_EQ(e.problem_count(), 25u);
    std::string expected;
    for (int i = 0; i < 20; ++i)
        expected += "investors.list[" + std::to_string(i) + "].dropout_probability: must be in [0, 1], got -1\n";
    expected += "... and 5 more";
    EXPECT_EQ(std::string(e.what()), expected);
    EXPECT_EQ(e.problems()[24].path, "investors.list[24].dropout_probability");
}

TEST(ScenarioJsonProblems, ScenarioErrorApi) {
    const scenario_error one("a.b", "broken");
    EXPECT_STREQ(one.what(), "a.b: broken");
    EXPECT_EQ(one.path(), "a.b");
    ASSERT_EQ(one.problems().size(), 1u);
    EXPECT_STREQ(scenario_error("", "whole document").what(), "whole document");
    const scenario_error many({{"x", "first"}, {"", "second"}}, 30);
    EXPECT_EQ(many.path(), "x");
    EXPECT_EQ(many.problem_count(), 32u);
    EXPECT_STREQ(many.what(), "x: first\nsecond\n... and 30 more");
    EXPECT_EQ(scenario_error::line({"p", "m"}), "p: m");
}

TEST(ScenarioJsonProblems, AMissingFieldSortsWithItsParent) {
    // time.horizon_years is missing (reported at the place of `time`), target is broken: the
    // missing field comes first. Fields that depend on it (the deadline's range) are skipped.
    const scenario_error e =
        error_of(worked_text_with({{"\"horizon_years\": 4, ", ""}, {"\"installed_flops\": 100000", "\"installed_flops\": 0"}}));
    EXPECT_EQ(std::string(e.what()),
              "time.horizon_years: required field is missing\ntarget.installed_flops: must be > 0, got 0");
}

TEST(ScenarioJsonProblems, FieldsThatDependOnABrokenOneAreSkipped) {
    // A broken start year: the deadline's range [start, start + H - 1] is not checked.
    EXPECT_EQ(outcome_of(with("/time/start_year", "2024")).what, "time.start_year: expected a number, got a string");
    // A broken steps_per_year: lifetime x steps is not checked (0.3 x 4 would fail it).
    EXPECT_EQ(outcome_of(with("/time/steps_per_year", 0, with("/compute/chip_lifetime_years", 0.3))).what,
              "time.steps_per_year: must be >= 1, got 0");
    // A correlated input whose own field is broken is neither called fixed nor put in the matrix.
    json doc = random_inputs();
    doc["fabs"]["yield"] = dist("uniform", {{"min", 0.5}, {"max", 1.5}});
    doc["correlations"] = json::array({corr("fabs.yield", "fabs.ramp_years", 0.5)});
    const outcome o = outcome_of(doc);
    EXPECT_EQ(o.path, "fabs.yield");
    EXPECT_EQ(o.what.find('\n'), std::string::npos) << o.what;
    // A missing section reports itself once, not each of its fields.
    EXPECT_EQ(outcome_of(without("/talent")).what, "talent: required field is missing");
}

TEST(ScenarioJsonProblems, EveryUnknownKeyOfAnObjectIsReported) {
    json doc = with("/time/colour", "red");
    doc["time"]["weather"] = "fine";
    const outcome o = outcome_of(doc);
    EXPECT_THAT(o.what, HasSubstr("time.colour: unknown key"));
    EXPECT_THAT(o.what, HasSubstr("\ntime.weather: unknown key"));
}

// ---------------------------------------------------------------------------------------------
// Did you mean

TEST(ScenarioJsonSuggestions, EditDistance) {
    using fabrisk::buildout::detail::edit_distance;
    EXPECT_EQ(edit_distance("", ""), 0u);
    EXPECT_EQ(edit_distance("abc", ""), 3u);
    EXPECT_EQ(edit_distance("", "abc"), 3u);
    EXPECT_EQ(edit_distance("yield", "yield"), 0u);
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
    EXPECT_EQ(edit_distance("dropout_probabilty", "dropout_probability"), 1u);  // one deletion
    EXPECT_EQ(edit_distance("lognorml", "lognormal"), 1u);
    EXPECT_EQ(edit_distance("gloabl", "global"), 1u);  // one swap of neighbours (Damerau)
    EXPECT_EQ(edit_distance("mena", "mean"), 1u);
    EXPECT_EQ(edit_distance("mean", "max"), 2u);
    EXPECT_EQ(edit_distance("ca", "abc"), 3u);  // optimal string alignment: no edit of a swapped pair
    EXPECT_EQ(edit_distance("flaw", "lawn"), 2u);
}

TEST(ScenarioJsonSuggestions, Closest) {
    using fabrisk::buildout::detail::closest;
    const std::vector<std::string> keys{"min", "max", "mean", "median", "truncate"};
    EXPECT_EQ(closest("mena", keys), "mean");
    EXPECT_EQ(closest("medain", keys), "median");
    EXPECT_EQ(closest("truncat", keys), "truncate");
    EXPECT_EQ(closest("trnucate", keys), "truncate");
    EXPECT_EQ(closest("sd", keys), "");  // nothing close
    EXPECT_EQ(closest("mix", keys), "min");  // the first of equally close keys (min, max)
    // At most a third of the key's length: "mean" is 2 from "max", too far for a 3-letter key.
    EXPECT_EQ(closest("mean", std::vector<std::string>{"min", "max"}), "");
    EXPECT_EQ(closest("xy", std::vector<std::string>{"a", "b"}), "");
}

TEST(ScenarioJsonSuggestions, MisspeltKey) {
    // A misspelt required key is one mistake: no "required field is missing" for the real one.
    const outcome o = outcome_of(worked_text_with({{"\"dropout_probability\": 0}", "\"dropout_probabilty\": 0}"}}));
    EXPECT_EQ(o.what,
              "investors.list[0].dropout_probabilty: unknown key \"dropout_probabilty\" (did you mean "
              "\"dropout_probability\"?)");
    EXPECT_EQ(outcome_of(without("/time/horizon_years", with("/time/horizon_yaers", 4))).what,
              "time.horizon_yaers: unknown key \"horizon_yaers\" (did you mean \"horizon_years\"?)");
    EXPECT_EQ(outcome_of(with("/geopolitics/severty", 0, without("/geopolitics/severity"))).what,
              "geopolitics.severty: unknown key \"severty\" (did you mean \"severity\"?)");
    // Inside a distribution too.
    EXPECT_EQ(outcome_of(with("/fabs/delay_years", dist("lognormal", {{"median", 1}, {"p9", 2}}))).what,
              "fabs.delay_years.p9: unknown key \"p9\" (did you mean \"p90\"?)");
    // Nothing close: the expected keys are listed, as before.
    EXPECT_EQ(outcome_of(with("/time/start", 2024)).what,
              "time.start: unknown key (expected one of: start_year, horizon_years, steps_per_year, deadline_year)");
    EXPECT_THAT(outcome_of(with("/fabs/delay_years", dist("uniform", {{"min", 0}, {"max", 1}, {"mean", 0.5}}))).what,
                HasSubstr("fabs.delay_years.mean: unknown key (expected one of: dist, min, max, truncate)"));
}

TEST(ScenarioJsonSuggestions, MisspeltDistributionName) {
    EXPECT_EQ(outcome_of(with("/fabs/capex_overrun", dist("lognorml", {{"median", 1.15}, {"p90", 1.6}}))).what,
              "fabs.capex_overrun.dist: unknown distribution \"lognorml\" (did you mean \"lognormal\"?)");
    EXPECT_EQ(outcome_of(with("/fabs/yield", dist("Pert", {{"min", 0.3}, {"mode", 0.6}, {"max", 0.8}}))).what,
              "fabs.yield.dist: unknown distribution \"Pert\" (did you mean \"pert\"?)");
    EXPECT_EQ(outcome_of(with("/fabs/delay_years", dist("poisson", {{"lambda", 1}}))).what,
              "fabs.delay_years.dist: unknown distribution \"poisson\" (expected one of: fixed, uniform, normal, "
              "lognormal, ci90, triangular, pert, beta, gamma, weibull)");
}

TEST(ScenarioJsonSuggestions, MisspeltCorrelationInput) {
    json doc = random_inputs();
    doc["correlations"] = json::array({corr("fabs.yeild", "fabs.ramp_years", 0.5)});
    EXPECT_EQ(outcome_of(doc).what, "correlations[0].a: unknown input \"fabs.yeild\" (did you mean \"fabs.yield\"?)");
    // A bare field name suggests its full path.
    doc["correlations"] = json::array({corr("fabs.yield", "ramp_years", 0.5)});
    EXPECT_EQ(outcome_of(doc).what,
              "correlations[0].b: unknown input \"ramp_years\" (did you mean \"fabs.ramp_years\"?)");
    doc["correlations"] = json::array({corr("fabs.capex_overrun", "fabs.yield", 0.5)});
    EXPECT_THAT(outcome_of(doc).what, HasSubstr("unknown input \"fabs.capex_overrun\" (expected one of: "
                                                "plan.fab_capital_share, fabs.ramp_years"));
}

// ---------------------------------------------------------------------------------------------
// Distributions named as written; percentages

TEST(ScenarioJsonMessages, DistributionsAreNamedAsWritten) {
    EXPECT_EQ(outcome_of(with("/fabs/capex_overrun", dist("normal", {{"mean", 1}, {"sd", 0.1}}))).what,
              "fabs.capex_overrun: the support [-inf, inf] of normal(mean 1, sd 0.1) must lie within the domain (> 0); "
              "use a bounded family or truncate");
    EXPECT_EQ(outcome_of(with("/fabs/yield", dist("lognormal", {{"median", 0.5}, {"p90", 0.9}}))).what,
              "fabs.yield: the support [0, inf] of lognormal(median 0.5, p90 0.9) must lie within the domain (in (0, 1]); "
              "use a bounded family or truncate");
    // A PERT, not the beta it becomes; ci90 not the lognormal; with the truncation.
    EXPECT_THAT(outcome_of(with("/fabs/yield", dist("pert", {{"min", 0.5}, {"mode", 0.9}, {"max", 1.2}, {"lambda", 3}}))).what,
                HasSubstr("of pert(min 0.5, mode 0.9, max 1.2, lambda 3) must lie"));
    EXPECT_THAT(outcome_of(with("/plan/fab_capital_share", dist("ci90", {{"low", 0.2}, {"high", 0.6}}))).what,
                HasSubstr("the support [0, inf] of ci90(low 0.2, high 0.6) must lie"));
    EXPECT_THAT(outcome_of(with("/plan/fab_capital_share",
                                dist("normal", {{"mean", 0.5}, {"sd", 0.1}, {"truncate", {-0.1, 0.9}}})))
                    .what,
                HasSubstr("the support [-0.1, 0.9] of normal(mean 0.5, sd 0.1) truncated to [-0.1, 0.9] must lie"));
    EXPECT_EQ(outcome_of(with("/investors/dropout_time", dist("beta", {{"alpha", 2}, {"beta", 4}, {"min", 5}, {"max", 25},
                                                                       {"truncate", {30, 40}}})))
                  .what,
              "investors.dropout_time.truncate: [30, 40] has probability zero under beta(alpha 2, beta 4, min 5, max 25)");
    // A sampling failure too.
    EXPECT_THAT(outcome_of(with("/fabs/delay_years", dist("triangular", {{"min", 0}, {"mode", 0.5}, {"max", 1e300}}))).what,
                HasSubstr("fabs.delay_years: triangular(min 0, mode 0.5, max 1e+300) cannot be sampled"));
}

TEST(ScenarioJsonMessages, PercentagesArePointedOut) {
    EXPECT_EQ(outcome_of(with("/talent/attrition_per_year", dist("pert", {{"min", 5}, {"mode", 10}, {"max", 25}}))).what,
              "talent.attrition_per_year: the support [5, 25] of pert(min 5, mode 10, max 25) must lie within the "
              "domain (in [0, 1]); it looks like a percentage: write 0.25 for 25%");
    EXPECT_EQ(outcome_of(with("/talent/attrition_per_year", 25)).what,
              "talent.attrition_per_year: must be in [0, 1], got 25; it looks like a percentage: write 0.25 for 25%");
    EXPECT_EQ(outcome_of(with("/talent/attrition_per_year", 100)).what,
              "talent.attrition_per_year: must be in [0, 1], got 100; it looks like a percentage: write 1 for 100%");
    // Outside (1, 100]: no such hint.
    EXPECT_EQ(outcome_of(with("/talent/attrition_per_year", 150)).what, "talent.attrition_per_year: must be in [0, 1], got 150");
    EXPECT_EQ(outcome_of(with("/talent/attrition_per_year", -5)).what, "talent.attrition_per_year: must be in [0, 1], got -5");
    // The other unit domains.
    EXPECT_THAT(outcome_of(with("/plan/fab_capital_share", 35)).what, HasSubstr("write 0.35 for 35%"));
    EXPECT_THAT(outcome_of(with("/fabs/yield", dist("fixed", {{"value", 60}}))).what,
                HasSubstr("fabs.yield.value: must be in (0, 1], got 60; it looks like a percentage: write 0.6 for 60%"));
    EXPECT_THAT(outcome_of(with("/investors/list/0/dropout_probability", 35)).what, HasSubstr("write 0.35 for 35%"));
    EXPECT_THAT(outcome_of(with("/investors/dropout_correlation/global", 20)).what, HasSubstr("write 0.2 for 20%"));
    EXPECT_THAT(outcome_of(with("/fabs/delay_correlation", 50)).what, HasSubstr("write 0.5 for 50%"));
    EXPECT_THAT(outcome_of(with("/geopolitics/shock_probability", 10)).what, HasSubstr("write 0.1 for 10%"));
    EXPECT_THAT(outcome_of(with("/geopolitics/severity", dist("uniform", {{"min", 20}, {"max", 80}}))).what,
                HasSubstr("of uniform(min 20, max 80) must lie within the domain (in [0, 1]); it looks like a percentage: "
                          "write 0.8 for 80%"));
    EXPECT_THAT(outcome_of(with("/compute/cost_decline", 30)).what, HasSubstr("write 0.3 for 30%"));
    EXPECT_THAT(outcome_of(with("/compute/cost_decline", -30)).what, HasSubstr("write -0.3 for -30%"));
    EXPECT_THAT(outcome_of(with("/fabs/yield", dist("normal", {{"mean", 60}, {"sd", 10}}))).what,
                HasSubstr("of normal(mean 60, sd 10) must lie within the domain (in (0, 1]); it looks like a percentage: "
                          "write 0.6 for 60%"));
    json doc = random_inputs();
    doc["correlations"] = json::array({corr("fabs.yield", "fabs.ramp_years", 40)});
    EXPECT_THAT(outcome_of(doc).what, HasSubstr("correlations[0].rho: must be in [-1, 1], got 40; it looks like a percentage"));
    // Not on domains without an upper bound of 1.
    EXPECT_EQ(outcome_of(with("/fabs/capex_busd", -20)).what, "fabs.capex_busd: must be > 0, got -20");
}

}  // namespace buildout_scenario_json_test
}  // namespace
