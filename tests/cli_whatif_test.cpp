// The what-if options of the command line end to end: --set on every command that takes a
// scenario, a scenario from standard input, and errors that name the --set.
#include <algorithm>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_harness.hpp"

namespace {
namespace cli_whatif_test {

namespace {

class CliWhatIf : public fabrisk_test::cli_fixture {
protected:
    CliWhatIf() : cli_fixture("fabrisk-whatif-") {}

    /// The statistics of a JSON result: everything but what records where it came from.
    nlohmann::json statistics(const std::string& file) const {
        auto j = nlohmann::json::parse(fabrisk_test::read_file(dir / file));
        for (const char* key : {"scenario_sha256", "scenario_definition", "options", "fabrisk_version", "warnings"}) j.erase(key);
        return j;
    }
};

const std::string default_file = FABRISK_SCENARIO_DIR "/seven-trillion.json";

}  // namespace

TEST_F(CliWhatIf, RemovingInvestorsBySetEqualsAFileWithoutThem) {
    auto doc = nlohmann::json::parse(fabrisk_test::read_file(default_file));
    auto& list = doc["investors"]["list"];
    for (std::size_t i = list.size(); i-- > 0;)
        if (list[i]["group"] == "gulf") list.erase(i);
    write("no-gulf.json", doc.dump(1));
    const auto a = fabrisk("run --trials 20000 --quiet --set 'investors.list[group=gulf]=null' --json a.json");
    ASSERT_EQ(a.status, 0) << a.err;
    ASSERT_EQ(fabrisk("run no-gulf.json --trials 20000 --quiet --json b.json").status, 0);
    ASSERT_EQ(fabrisk("run --trials 20000 --quiet --json base.json").status, 0);
    EXPECT_EQ(statistics("a.json"), statistics("b.json"));
    EXPECT_NE(statistics("a.json")["probability_target_met"], statistics("base.json")["probability_target_met"]);
    // The result records the scenario it ran: the overridden one, which --rerun reproduces.
    const auto recorded = nlohmann::json::parse(fabrisk_test::read_file(dir / "a.json"))["scenario_definition"];
    EXPECT_EQ(recorded["investors"]["list"].size(), list.size());
    ASSERT_EQ(fabrisk("run --rerun a.json --quiet --json again.json").status, 0);
    EXPECT_EQ(fabrisk_test::read_file(dir / "again.json"), fabrisk_test::read_file(dir / "a.json"));
}

TEST_F(CliWhatIf, OverridesApplyInOrderOnEveryCommand) {
    const auto r = fabrisk("run --trials 4096 --quiet --set target.installed_flops=1e30 --set target.installed_flops=5e23 --json two.json");
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_EQ(fabrisk("run --trials 4096 --quiet --set target.installed_flops=5e23 --json one.json").status, 0);
    EXPECT_EQ(statistics("two.json"), statistics("one.json"));  // the last one wins
    EXPECT_GT(statistics("one.json")["probability_target_met"].get<double>(), 0.5);
    const auto v = fabrisk("validate '" + default_file + "' --set 'fabs.groups[0].count=2'");
    EXPECT_EQ(v.status, 0) << v.err;
    EXPECT_NE(v.out.find("(32 fabs"), std::string::npos) << v.out;  // 36 − 6 + 2
    const auto s = fabrisk("sensitivity --trials 500 --set geopolitics.shock_probability=0 --json s.json");
    ASSERT_EQ(s.status, 0) << s.err;
    const auto j = nlohmann::json::parse(fabrisk_test::read_file(dir / "s.json"));
    EXPECT_EQ(j["scenario_definition"]["geopolitics"]["shock_probability"], 0);
    EXPECT_FALSE(j["sobol"].contains("geo_shock"));  // no shock: nothing random about it
    EXPECT_TRUE(j["sobol"].contains("fab_delays"));
}

TEST_F(CliWhatIf, AScenarioFromStandardInput) {
    const auto r = shell("$FABRISK run - --trials 4096 --quiet --json piped.json < \"" + default_file + "\"");
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_EQ(fabrisk("run '" + default_file + "' --trials 4096 --quiet --json file.json").status, 0);
    EXPECT_EQ(fabrisk_test::read_file(dir / "piped.json"), fabrisk_test::read_file(dir / "file.json"));
    const auto v = shell("echo {} | $FABRISK validate -");
    EXPECT_EQ(v.status, 2);
    EXPECT_NE(v.err.find("time: required field is missing"), std::string::npos) << v.err;
}

TEST_F(CliWhatIf, BadOverridesExitTwoNamingTheSet) {
    write("keep.json", "precious");
    const auto missing = fabrisk("run --set 'investors.list[name=Nobody].pledge_busd=1' --json keep.json");
    EXPECT_EQ(missing.status, 2);
    EXPECT_NE(missing.err.find("--set investors.list[name=Nobody].pledge_busd=1: investors.list has no entry with name = \"Nobody\""),
              std::string::npos)
        << missing.err;
    EXPECT_EQ(fabrisk_test::read_file(dir / "keep.json"), "precious");
    // Validated exactly like a file; the error names the path and the --set that put it there.
    const auto invalid = fabrisk("run --set 'investors.list[name=SoftBank].dropout_probability=1.5'");
    EXPECT_EQ(invalid.status, 2);
    EXPECT_NE(invalid.err.find("investors.list[3].dropout_probability: "), std::string::npos) << invalid.err;
    EXPECT_NE(invalid.err.find("(set by --set investors.list[name=SoftBank].dropout_probability=1.5)"), std::string::npos)
        << invalid.err;
    const auto malformed = fabrisk("validate '" + default_file + "' --set nonsense");
    EXPECT_EQ(malformed.status, 2);
    EXPECT_NE(malformed.err.find("expected PATH=VALUE"), std::string::npos) << malformed.err;
}

TEST_F(CliWhatIf, CompareReportsPairedDifferencesAndEachSideAsARun) {
    const auto same = fabrisk("compare --trials 8192 --quiet --json same.json");
    ASSERT_EQ(same.status, 0) << same.err;
    const auto j = nlohmann::json::parse(fabrisk_test::read_file(dir / "same.json"));
    EXPECT_EQ(j["difference"]["probability_target_met"], 0.0);
    EXPECT_EQ(j["difference"]["ci95"], nlohmann::json::array({0.0, 0.0}));
    EXPECT_TRUE(j["difference"]["means"]["target_year"].is_null());
    EXPECT_EQ(j["difference"]["means"]["installed_flops"]["ci95"], nlohmann::json::array({0.0, 0.0}));
    // Each side is what `fabrisk run --json` writes for it.
    ASSERT_EQ(fabrisk("run --trials 8192 --quiet --json run.json").status, 0);
    EXPECT_EQ(j["a"], nlohmann::json::parse(fabrisk_test::read_file(dir / "run.json")));

    const auto gulf = fabrisk("compare --trials 8192 --set-b 'investors.list[group=gulf]=null' --json gulf.json");
    ASSERT_EQ(gulf.status, 0) << gulf.err;
    EXPECT_NE(gulf.out.find("paired 95% interval"), std::string::npos) << gulf.out;
    EXPECT_NE(gulf.out.find("--set-b investors.list[group=gulf]=null"), std::string::npos) << gulf.out;
    ASSERT_EQ(fabrisk("compare --trials 8192 --quiet --set-b 'investors.list[group=gulf].pledge_busd=0' --json zero.json").status, 0);
    const auto removed = nlohmann::json::parse(fabrisk_test::read_file(dir / "gulf.json"));
    const auto zero = nlohmann::json::parse(fabrisk_test::read_file(dir / "zero.json"));
    EXPECT_EQ(removed["b"]["outputs"], zero["b"]["outputs"]);
    EXPECT_EQ(removed["b"]["probability_target_met"], zero["b"]["probability_target_met"]);
    const double d = removed["difference"]["probability_target_met"];
    EXPECT_LT(d, -0.1);

    // B from a file, A from standard input; bad overrides name themselves.
    write("b.json", fabrisk_test::read_file(default_file));
    const auto piped = shell("$FABRISK compare - b.json --trials 2048 --quiet --json piped.json < \"" + default_file + "\"");
    ASSERT_EQ(piped.status, 0) << piped.err;
    const auto bad = fabrisk("compare --set-b 'investors.list[name=Nobody]=null'");
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("--set-b investors.list[name=Nobody]=null: investors.list has no entry"), std::string::npos) << bad.err;
}

TEST_F(CliWhatIf, SweepGivesAMonotoneCurveWhosePointsEqualSingleRuns) {
    const auto r = fabrisk("sweep --range target.installed_flops=5e23:8e24:5:log --trials 8192 --json sweep.json --csv sweep.csv");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("target.installed_flops"), std::string::npos) << r.out;
    const auto j = nlohmann::json::parse(fabrisk_test::read_file(dir / "sweep.json"));
    ASSERT_EQ(j["points"].size(), 5u);
    double previous = 2;
    for (const auto& p : j["points"]) {  // a higher target is never more likely, on the same trials
        const double probability = p["probability_target_met"];
        EXPECT_LE(probability, previous);
        previous = probability;
    }
    EXPECT_GT(j["points"][0]["probability_target_met"].get<double>(), j["points"][4]["probability_target_met"].get<double>() + 0.3);
    // Point 2 is `fabrisk run --set` of its value, with the same seed and trials.
    const double value = j["points"][2]["values"][0];
    char set[64];
    std::snprintf(set, sizeof set, "%.17g", value);
    ASSERT_EQ(fabrisk(std::string("run --trials 8192 --quiet --set target.installed_flops=") + set + " --json point.json").status, 0);
    const auto run = nlohmann::json::parse(fabrisk_test::read_file(dir / "point.json"));
    EXPECT_EQ(j["points"][2]["probability_target_met"], run["probability_target_met"]);
    EXPECT_EQ(j["points"][2]["probability_ci95"], run["probability_ci95"]);
    EXPECT_EQ(j["points"][2]["reached_by_year"], run["reached_by_year"]);
    EXPECT_EQ(j["points"][2]["median_installed_flops"], run["outputs"]["installed_flops"]["quantiles"]["p50"]);
    const auto csv = fabrisk_test::read_file(dir / "sweep.csv");
    EXPECT_EQ(csv.rfind("\"target.installed_flops\",probability_target_met,ci95_low,ci95_high,median_installed_flops,first_year_half\n", 0), 0u) << csv;
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 6);

    // Two paths give a grid; a bad value stops the sweep before any point runs.
    const auto grid = fabrisk("sweep --set plan.fab_capital_share=0.5,0.9 --set 'fabs.build_years=2,3' --trials 2048 --json grid.json --quiet");
    ASSERT_EQ(grid.status, 0) << grid.err;
    EXPECT_EQ(nlohmann::json::parse(fabrisk_test::read_file(dir / "grid.json"))["points"].size(), 4u);
    const auto bad = fabrisk("sweep --set plan.fab_capital_share=0.5,1.5 --trials 2048");
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("(set by --set plan.fab_capital_share=0.5,1.5)"), std::string::npos) << bad.err;
    EXPECT_EQ(fabrisk("sweep --trials 2048").status, 2);  // nothing to sweep
}

}  // namespace cli_whatif_test
}  // namespace
