// Plausibility warnings: each on both sides of its threshold, in document order, and none for
// the shipped scenarios. The documents start from scenarios/worked-example.json (horizon 4
// years, initial workforce 150) with one field changed.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fabrisk/buildout/plausibility.hpp"
#include "fabrisk/buildout/scenario_json.hpp"
#include "../support.hpp"

namespace {
namespace buildout_plausibility_test {

namespace {

namespace fb = fabrisk::buildout;
using json = nlohmann::json;
using testing::HasSubstr;

const json& worked_example() {
    static const json j = json::parse(fabrisk_test::read_file(std::string(FABRISK_SCENARIO_DIR) + "/worked-example.json"));
    return j;
}

json with(const std::string& ptr, const json& value, json doc = worked_example()) {
    doc[json::json_pointer(ptr)] = value;
    return doc;
}

std::vector<fb::scenario_warning> warnings_of(const json& doc) {
    return fb::plausibility_warnings(fb::parse_scenario(doc.dump()));
}

/// The only warning of `doc`, which must be at `path`; its message.
std::string only_warning(const json& doc, const std::string& path) {
    const auto w = warnings_of(doc);
    EXPECT_EQ(w.size(), 1u);
    if (w.size() != 1) return "";
    EXPECT_EQ(w[0].path, path);
    return w[0].message;
}

#define EXPECT_NO_WARNINGS(doc)                                                         \
    do {                                                                                \
        const auto w_ = warnings_of(doc);                                               \
        EXPECT_TRUE(w_.empty()) << w_.front().path << ": " << w_.front().message;       \
    } while (0)

json lognormal(double median, double p90) { return {{"dist", "lognormal"}, {"median", median}, {"p90", p90}}; }

}  // namespace

TEST(Plausibility, ShippedScenariosHaveNoWarnings) {
    for (const char* name : {"seven-trillion.json", "worked-example.json"}) {
        SCOPED_TRACE(name);
        const auto w = fb::plausibility_warnings(fb::load_scenario(std::string(FABRISK_SCENARIO_DIR) + "/" + name));
        EXPECT_TRUE(w.empty()) << w.front().path << ": " << w.front().message;
    }
}

TEST(Plausibility, Thresholds) {
    EXPECT_EQ(fb::max_plausible_capex_overrun_median, 5);
    EXPECT_EQ(fb::world_gdp_busd, 100000);
    EXPECT_EQ(fb::max_plausible_hiring_to_workforce_ratio, 10);
}

TEST(Plausibility, CapexOverrunMedianAboveFive) {
    EXPECT_NO_WARNINGS(with("/fabs/capex_overrun", 5));
    EXPECT_NO_WARNINGS(with("/fabs/capex_overrun", lognormal(1.15, 1.6)));
    EXPECT_EQ(only_warning(with("/fabs/capex_overrun", 5.5), "fabs.capex_overrun"),
              "median 5.5 is a multiplier of 5.5x the budget (more than 5x); 1.15 means 15% over budget");
    // A distribution is judged by its median (115 meant as 115%).
    EXPECT_EQ(only_warning(with("/fabs/capex_overrun", lognormal(115, 160)), "fabs.capex_overrun"),
              "median 115 is a multiplier of 115x the budget (more than 5x); 1.15 means 15% over budget");
    EXPECT_NO_WARNINGS(with("/fabs/capex_overrun", lognormal(4.9, 160)));  // a long tail is not a median
}

TEST(Plausibility, DelayMedianBeyondTheHorizon) {
    EXPECT_NO_WARNINGS(with("/fabs/delay_years", 4));
    EXPECT_EQ(only_warning(with("/fabs/delay_years", 4.5), "fabs.delay_years"),
              "median delay of 4.5 years is longer than the horizon of 4 years (time.horizon_years); delay_years is in "
              "years, not months");
    EXPECT_NO_WARNINGS(with("/fabs/delay_years", lognormal(3.9, 9)));
    EXPECT_THAT(only_warning(with("/fabs/delay_years", lognormal(9, 18)), "fabs.delay_years"),
                HasSubstr("median delay of 9 years"));
}

TEST(Plausibility, PledgeAboutWorldGdp) {
    EXPECT_NO_WARNINGS(with("/investors/list/0/pledge_busd", 99999));
    EXPECT_EQ(only_warning(with("/investors/list/0/pledge_busd", 100000), "investors.list[0].pledge_busd"),
              "median pledge of 100000 billion US$ is at least 100000 (about world GDP); pledge_busd is in billions of "
              "US$ (1500 means $1.5 trillion)");
    EXPECT_THAT(only_warning(with("/investors/list/0/pledge_busd", lognormal(1.5e6, 2e6)), "investors.list[0].pledge_busd"),
                HasSubstr("median pledge of 1500000 billion US$"));
    // The second investor's pledge is reported at its own index.
    json doc = worked_example();
    json second = doc["investors"]["list"][0];
    second["name"] = "second";
    second["pledge_busd"] = 7e6;
    doc["investors"]["list"].push_back(second);
    only_warning(doc, "investors.list[1].pledge_busd");
}

TEST(Plausibility, HiringAboveTenTimesTheWorkforce) {
    // Initial workforce 150: up to 1500 hires a year is plausible.
    EXPECT_NO_WARNINGS(with("/talent/hiring_per_year", 1500));
    EXPECT_EQ(only_warning(with("/talent/hiring_per_year", 1501), "talent.hiring_per_year"),
              "median hiring of 1501 a year is more than 10x the median initial workforce of 150 "
              "(talent.initial_workforce); both are head counts");
    // Medians of distributions on both sides.
    json doc = with("/talent/initial_workforce", json{{"dist", "ci90"}, {"low", 10}, {"high", 30}});  // median √300
    EXPECT_NO_WARNINGS(with("/talent/hiring_per_year", 170, doc));
    EXPECT_THAT(only_warning(with("/talent/hiring_per_year", 180, doc), "talent.hiring_per_year"),
                HasSubstr("more than 10x the median initial workforce of 17.32"));
    // No workforce to compare with: no warning.
    EXPECT_NO_WARNINGS(with("/talent/hiring_per_year", 5000, with("/talent/initial_workforce", 0)));
}

TEST(Plausibility, PlannedStartBeyondTheHorizon) {
    EXPECT_NO_WARNINGS(with("/fabs/groups/0/planned_start", 4));
    EXPECT_EQ(only_warning(with("/fabs/groups/0/planned_start", 2026), "fabs.groups[0].planned_start"),
              "planned start 2026 is beyond the horizon of 4 years (time.horizon_years); planned_start is in years from "
              "time.start_year, not a calendar year");
    EXPECT_THAT(only_warning(with("/fabs/groups/0/planned_start", 4.25), "fabs.groups[0].planned_start"),
                HasSubstr("planned start 4.25 is beyond"));
}

TEST(Plausibility, DisburseStartBeyondTheHorizon) {
    EXPECT_NO_WARNINGS(with("/investors/list/0/disburse_start", 4));
    EXPECT_EQ(only_warning(with("/investors/list/0/disburse_start", 2025), "investors.list[0].disburse_start"),
              "disbursement starts at 2025, beyond the horizon of 4 years (time.horizon_years); disburse_start is in "
              "years from time.start_year, not a calendar year");
}

TEST(Plausibility, BuildYearsBeyondTheHorizon) {
    EXPECT_NO_WARNINGS(with("/fabs/build_years", 4));
    EXPECT_EQ(only_warning(with("/fabs/build_years", 36), "fabs.build_years"),
              "build time of 36 years is longer than the horizon of 4 years (time.horizon_years); build_years is in "
              "years, not months");
    // A group's own build_years is reported at the group; an inherited one only at fabs.
    EXPECT_NO_WARNINGS(with("/fabs/groups/0/build_years", 4));
    EXPECT_THAT(only_warning(with("/fabs/groups/0/build_years", 30), "fabs.groups[0].build_years"),
                HasSubstr("build time of 30 years"));
    only_warning(with("/fabs/groups/0/build_years", 36, with("/fabs/build_years", 36)), "fabs.build_years");
}

TEST(Plausibility, WarningsComeInDocumentOrder) {
    json doc = with("/talent/hiring_per_year", 1e6);
    doc["fabs"]["capex_overrun"] = 115;
    doc["fabs"]["delay_years"] = 18;
    doc["fabs"]["groups"][0]["planned_start"] = 2026;
    doc["investors"]["list"][0]["pledge_busd"] = 1e6;
    doc["investors"]["list"][0]["disburse_start"] = 2025;
    doc["fabs"]["build_years"] = 36;
    const auto w = warnings_of(doc);
    std::vector<std::string> paths;
    for (const auto& x : w) paths.push_back(x.path);
    EXPECT_THAT(paths, testing::ElementsAre("investors.list[0].pledge_busd", "investors.list[0].disburse_start",
                                            "fabs.capex_overrun", "fabs.build_years", "fabs.delay_years",
                                            "fabs.groups[0].planned_start", "talent.hiring_per_year"));
}

}  // namespace buildout_plausibility_test
}  // namespace
