// Every validation rule of MODEL.md §1–3, one by one: each broken rule must be reported as a
// scenario_error naming the JSON path of the offending value and what was expected. The valid
// documents start from scenarios/worked-example.json with one field changed.
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fabrisk/buildout/scenario_json.hpp"

namespace {

using fabrisk::family;
using fabrisk::scenario_error;
using fabrisk::buildout::parse_scenario;
using fabrisk::buildout::scalar_input;
using fabrisk::buildout::scenario;
using json = nlohmann::json;
using testing::HasSubstr;

std::string read_text(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    EXPECT_TRUE(in) << "cannot read " << file;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

const json& worked_example() {
    static const json j = json::parse(read_text(std::string(FABRISK_SCENARIO_DIR) + "/worked-example.json"));
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
    const scenario s = parsed(read_text(std::string(FABRISK_SCENARIO_DIR) + "/seven-trillion.json"));
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
                    "investors.dropout_time.truncate", "[2, 3] has probability zero under uniform(0, 1)");
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
