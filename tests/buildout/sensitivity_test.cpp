// Sensitivity of the build-out model (buildout/sensitivity.hpp): output names, one group per
// model input group, what each output can depend on, the no-variance cases, JSON and table.
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fabrisk/buildout/scenario_json.hpp"
#include "fabrisk/buildout/sensitivity.hpp"
#include "../support.hpp"

namespace {
namespace buildout_sensitivity_test {

namespace fb = fabrisk::buildout;

namespace {

const fb::scenario& default_scenario() {
    static const fb::scenario s = fb::load_scenario(FABRISK_SCENARIO_DIR "/seven-trillion.json");
    return s;
}

fabrisk::sobol_options options_for(std::uint64_t n, unsigned threads = 2) {
    fabrisk::sobol_options o;
    o.base_trials = n;
    o.threads = threads;
    return o;
}

}  // namespace

TEST(Sensitivity, OutputNames) {
    EXPECT_EQ(fb::sensitivity_output("target_met"), fb::output::target_met);
    EXPECT_EQ(fb::sensitivity_output("installed_flops"), fb::output::installed_flops);
    EXPECT_EQ(fb::sensitivity_output("geo_shock"), fb::output::geo_shock);
    try {
        fb::sensitivity_output("target_year");
        ADD_FAILURE();
    } catch (const fabrisk::usage_error& e) {
        EXPECT_NE(std::string(e.what()).find("target_year is not supported: it is +inf (never)"), std::string::npos);
    }
    try {
        fb::sensitivity_output("flops");
        ADD_FAILURE();
    } catch (const fabrisk::usage_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("unknown output \"flops\"; expected one of installed_flops, target_met, capital_raised_busd"),
                  std::string::npos)
            << what;
        EXPECT_EQ(what.find("target_year"), std::string::npos) << what;
    }
    EXPECT_THROW(fb::sensitivity(default_scenario(), fb::output::target_year, options_for(10)), fabrisk::usage_error);
    EXPECT_THROW(fb::sensitivity(default_scenario(), fb::output::target_met, options_for(0)), fabrisk::usage_error);
}

TEST(Sensitivity, OneResultPerInputGroupRankedByTotalInJson) {
    const auto r = fb::sensitivity(default_scenario(), fb::output::target_met, options_for(1000));
    const auto groups = fb::model(default_scenario()).input_groups();
    ASSERT_EQ(r.sobol.groups.size(), groups.size());
    for (std::size_t i = 0; i < groups.size(); ++i) {
        EXPECT_EQ(r.sobol.groups[i].name, groups[i].name);
        EXPECT_EQ(r.sobol.groups[i].dimensions, groups[i].dimensions.size());
    }
    EXPECT_EQ(r.sobol.model_runs, 1000u * (groups.size() + 2));
    const auto j = fb::to_json(r);
    EXPECT_EQ(j["scenario"], "seven-trillion");
    EXPECT_EQ(j["output"], "target_met");
    EXPECT_EQ(j["base_trials"], 1000);
    EXPECT_EQ(j["seed"], fabrisk::default_seed);
    ASSERT_EQ(j["sobol"].size(), groups.size());
    double previous = HUGE_VAL;
    for (const auto& [name, g] : j["sobol"].items()) {
        EXPECT_LE(g["total"].get<double>(), previous) << name;
        previous = g["total"].get<double>();
        EXPECT_LE(g["first_ci95"][0].get<double>(), g["first_ci95"][1].get<double>()) << name;
        EXPECT_LE(g["total_ci95"][0].get<double>(), g["total_ci95"][1].get<double>()) << name;
    }
    const std::string text = fb::to_text(r, 2);
    EXPECT_NE(text.find("Sobol sensitivity of target_met, scenario \"seven-trillion\", 1000 base trials"), std::string::npos);
    EXPECT_NE(text.find("Reading: first-order"), std::string::npos);
    // The table lists the groups in the JSON's order.
    std::size_t at = 0;
    for (const auto& [name, g] : j["sobol"].items()) {
        const auto found = text.find("\n" + name + " ", at);
        ASSERT_NE(found, std::string::npos) << name;
        at = found + 1;
    }
}

TEST(Sensitivity, AnOutputDependsOnlyOnItsOwnInputs) {
    // mean_fab_delay_years is a function of the fab delays alone: switching any other group
    // leaves it exactly unchanged, so those indices are exactly 0, and fab_delays explains it all.
    const auto r = fb::sensitivity(default_scenario(), fb::output::mean_fab_delay_years, options_for(2000));
    for (const auto& g : r.sobol.groups) {
        if (g.name == "fab_delays") {
            EXPECT_NEAR(g.first.estimate, 1.0, 5 * g.first.standard_error) << g.name;
            EXPECT_NEAR(g.total.estimate, 1.0, 5 * g.total.standard_error) << g.name;
            EXPECT_LT(g.total.standard_error, 0.05);
        } else {
            EXPECT_EQ(g.first.estimate, 0.0) << g.name;
            EXPECT_EQ(g.total.estimate, 0.0) << g.name;
        }
    }
}

TEST(Sensitivity, SameJsonForAnyThreadCount) {
    const auto a = fb::to_json(fb::sensitivity(default_scenario(), fb::output::installed_flops, options_for(2500, 1))).dump();
    const auto b = fb::to_json(fb::sensitivity(default_scenario(), fb::output::installed_flops, options_for(2500, 2))).dump();
    EXPECT_EQ(a, b);
}

TEST(Sensitivity, AllFixedScenarioHasNothingToApportion) {
    const auto s = fb::load_scenario(FABRISK_SCENARIO_DIR "/worked-example.json");
    const auto r = fb::sensitivity(s, fb::output::target_met, options_for(100));
    EXPECT_TRUE(r.sobol.groups.empty());
    EXPECT_EQ(r.sobol.model_runs, 0u);
    EXPECT_EQ(r.sobol.variance, 0.0);
    EXPECT_EQ(r.sobol.mean, 1.0);  // the worked example meets its target
    const auto j = fb::to_json(r);
    EXPECT_TRUE(j["sobol"].is_object());
    EXPECT_TRUE(j["sobol"].empty());
    EXPECT_NE(j["note"].get<std::string>().find("every input is fixed"), std::string::npos);
    EXPECT_NE(fb::to_text(r).find("has no random inputs"), std::string::npos);
}

TEST(Sensitivity, OutputThatDoesNotVaryGivesNullIndices) {
    auto doc = nlohmann::json::parse(fabrisk_test::read_file(FABRISK_SCENARIO_DIR "/seven-trillion.json"));
    doc["target"]["installed_flops"] = 1e40;  // never met
    const auto s = fb::parse_scenario(doc.dump());
    const auto r = fb::sensitivity(s, fb::output::target_met, options_for(500));
    EXPECT_EQ(r.sobol.variance, 0.0);
    EXPECT_EQ(r.sobol.mean, 0.0);
    const auto j = fb::to_json(r);
    EXPECT_EQ(j["sobol"].size(), r.sobol.groups.size());
    EXPECT_TRUE(j["sobol"]["fab_delays"]["first"].is_null());
    EXPECT_TRUE(j["sobol"]["fab_delays"]["total_ci95"][1].is_null());
    EXPECT_NE(j["note"].get<std::string>().find("does not vary"), std::string::npos);
    EXPECT_NE(fb::to_text(r).find("target_met does not vary: all 1000 pooled trials give 0"), std::string::npos);
}

}  // namespace buildout_sensitivity_test
}  // namespace
