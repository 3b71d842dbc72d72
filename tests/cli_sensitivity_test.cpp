// `fabrisk sensitivity` end to end: the ranked table and its JSON, exit statuses, byte-identical
// JSON for any thread count, files never clobbered, and a scenario with nothing random.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include "cli_harness.hpp"

namespace {
namespace cli_sensitivity_test {

namespace fs = std::filesystem;

namespace {

using fabrisk_test::outcome;

class CliSensitivity : public fabrisk_test::cli_fixture {
protected:
    CliSensitivity() : cli_fixture("fabrisk-cli-sensitivity-") {}
};

const std::string worked = FABRISK_SCENARIO_DIR "/worked-example.json";
const char* const default_groups[] = {"plan.fab_capital_share", "fabs.ramp_years", "fabs.yield+compute.cost_decline",
                                      "talent.initial_workforce", "talent.hiring_per_year+talent.attrition_per_year",
                                      "geo_shock", "investor_dropout", "pledges", "capex_overruns", "fab_delays"};

}  // namespace

TEST_F(CliSensitivity, DefaultScenarioPrintsARankedTableAndWritesJson) {
    const auto r = fabrisk("sensitivity --trials 1500 --json s.json");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("Sobol sensitivity of target_met, scenario \"seven-trillion\", 1500 base trials (18000 model runs), "
                         "seed 20240101"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("first-order"), std::string::npos);
    EXPECT_NE(r.out.find("95% interval"), std::string::npos);
    EXPECT_NE(r.out.find("\nReading: "), std::string::npos);
    const auto j = nlohmann::ordered_json::parse(fabrisk_test::read_file(dir / "s.json"));  // keeps the file's order
    EXPECT_EQ(j["scenario"], "seven-trillion");
    EXPECT_EQ(j["output"], "target_met");
    EXPECT_EQ(j["base_trials"], 1500);
    EXPECT_EQ(j["seed"], 20240101);
    ASSERT_TRUE(j["sobol"].is_object());
    EXPECT_EQ(j["sobol"].size(), std::size(default_groups));
    for (const char* name : default_groups) {
        SCOPED_TRACE(name);
        ASSERT_TRUE(j["sobol"].contains(name));
        const auto& g = j["sobol"][name];
        EXPECT_EQ(g.size(), 4u);
        for (const char* key : {"first", "total"}) EXPECT_TRUE(g[key].is_number_float());
        for (const char* key : {"first_ci95", "total_ci95"}) {
            ASSERT_EQ(g[key].size(), 2u);
            EXPECT_LE(g[key][0].get<double>(), g[key][1].get<double>());
        }
        EXPECT_NE(r.out.find("\n" + std::string(name) + " "), std::string::npos);  // a table row
    }
    // Ranked by total index, in the table as in the file.
    double previous = 2;
    std::size_t at = 0;
    for (const auto& [name, g] : j["sobol"].items()) {
        EXPECT_LE(g["total"].get<double>(), previous) << name;
        previous = g["total"].get<double>();
        const auto row = r.out.find("\n" + name + " ", at);
        EXPECT_NE(row, std::string::npos) << name;
        at = row + 1;
    }
}

TEST_F(CliSensitivity, SameSeedGivesByteIdenticalJsonForAnyThreadCount) {
    ASSERT_EQ(fabrisk("sensitivity --trials 3000 --threads 1 --json a.json").status, 0);
    ASSERT_EQ(fabrisk("sensitivity --trials 3000 --threads 2 --json b.json").status, 0);
    ASSERT_EQ(fabrisk("sensitivity --trials 3000 --threads 2 --seed 5 --json c.json").status, 0);
    const auto a = fabrisk_test::read_file(dir / "a.json");
    EXPECT_GT(a.size(), 1000u);
    EXPECT_EQ(a, fabrisk_test::read_file(dir / "b.json"));
    EXPECT_NE(a, fabrisk_test::read_file(dir / "c.json"));
}

TEST_F(CliSensitivity, AnyScalarOutputButTargetYear) {
    const auto r = fabrisk("sensitivity --trials 500 --output installed_flops --json s.json");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("Sobol sensitivity of installed_flops"), std::string::npos);
    EXPECT_EQ(nlohmann::json::parse(fabrisk_test::read_file(dir / "s.json"))["output"], "installed_flops");
    const auto ty = fabrisk("sensitivity --trials 500 --output target_year --json t.json");
    EXPECT_EQ(ty.status, 2);
    EXPECT_NE(ty.err.find("target_year is not supported"), std::string::npos) << ty.err;
    EXPECT_FALSE(fs::exists(dir / "t.json"));
    const auto unknown = fabrisk("sensitivity --output flops");
    EXPECT_EQ(unknown.status, 2);
    EXPECT_NE(unknown.err.find("unknown output \"flops\"; expected one of installed_flops"), std::string::npos) << unknown.err;
}

TEST_F(CliSensitivity, AllFixedScenarioSaysThereIsNothingToApportion) {
    const auto r = fabrisk("sensitivity '" + worked + "' --json s.json");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("has no random inputs: every input is fixed"), std::string::npos) << r.out;
    const auto j = nlohmann::json::parse(fabrisk_test::read_file(dir / "s.json"));
    EXPECT_TRUE(j["sobol"].is_object());
    EXPECT_TRUE(j["sobol"].empty());
    EXPECT_EQ(j["model_runs"], 0);
}

TEST_F(CliSensitivity, BadInputExitsTwoAndWritesNothing) {
    EXPECT_EQ(fabrisk("sensitivity --trials 0").status, 2);
    EXPECT_EQ(fabrisk("sensitivity --trials many").status, 2);
    EXPECT_EQ(fabrisk("sensitivity --threads 0").status, 2);
    EXPECT_EQ(fabrisk("sensitivity --no-such-flag").status, 2);
    auto doc = nlohmann::json::parse(fabrisk_test::read_file(worked));
    doc["fabs"]["yield"] = 1.5;
    write("bad.json", doc.dump());
    write("keep.json", "precious");
    const auto r = fabrisk("sensitivity bad.json --json keep.json");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("fabs.yield"), std::string::npos) << r.err;
    EXPECT_EQ(fabrisk_test::read_file(dir / "keep.json"), "precious");
    EXPECT_EQ(fabrisk("sensitivity missing-file.json").status, 1);
}

TEST_F(CliSensitivity, UnwritableOutputFailsBeforeRunning) {
    const auto r = fabrisk("sensitivity --trials 100 --json no-such-dir/s.json");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("no-such-dir/s.json"), std::string::npos);
    EXPECT_TRUE(r.out.empty());
}

TEST_F(CliSensitivity, HelpListsTheCommand) {
    const auto help = fabrisk("--help");
    EXPECT_EQ(help.status, 0);
    EXPECT_NE(help.out.find("sensitivity"), std::string::npos);
    const auto sub = fabrisk("sensitivity --help");
    EXPECT_EQ(sub.status, 0);
    for (const char* flag : {"--trials", "--seed", "--threads", "--output", "--json"})
        EXPECT_NE(sub.out.find(flag), std::string::npos) << flag;
}

}  // namespace cli_sensitivity_test
}  // namespace
