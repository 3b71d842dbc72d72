// The fabrisk command line end to end: exit statuses, files written or left alone, and
// byte-identical results for the same seed and any thread count.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include "cli_harness.hpp"

namespace {
namespace cli_test {

namespace fs = std::filesystem;

namespace {

using fabrisk_test::outcome;

class Cli : public fabrisk_test::cli_fixture {
protected:
    Cli() : cli_fixture("fabrisk-cli-") {}
};

const std::string worked = FABRISK_SCENARIO_DIR "/worked-example.json";

}  // namespace

TEST_F(Cli, RunsTheBuiltInScenarioFromAnyDirectory) {
    const auto r = fabrisk("run --trials 3000");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("seven-trillion"), std::string::npos);
    EXPECT_NE(r.out.find("P(target met) ="), std::string::npos);
    EXPECT_NE(r.out.find("95% interval"), std::string::npos);
    EXPECT_NE(r.out.find("installed_flops"), std::string::npos);
    EXPECT_NE(r.out.find("seed 20240101"), std::string::npos);  // the documented default seed
}

TEST_F(Cli, JsonHasEveryFieldOfTheContract) {
    const auto r = fabrisk("run '" + worked + "' --trials 1000 --json out.json --csv out.csv");
    ASSERT_EQ(r.status, 0) << r.err;
    const auto j = nlohmann::json::parse(fabrisk_test::read_file(dir / "out.json"));
    EXPECT_EQ(j["scenario"], "worked-example");
    EXPECT_EQ(j["trials"], 1000);
    EXPECT_EQ(j["seed"], 20240101);
    EXPECT_EQ(j["target"]["installed_flops"], 100000.0);
    EXPECT_EQ(j["target"]["deadline_year"], 2026);
    EXPECT_EQ(j["probability_target_met"], 1.0);
    // Wilson interval for 1000 of 1000: [n/(n + z²), 1].
    const double z = 1.959963984540054;
    EXPECT_NEAR(j["probability_ci95"][0].get<double>(), 1000 / (1000 + z * z), 1e-12);
    EXPECT_EQ(j["probability_ci95"][1], 1.0);
    EXPECT_EQ(j["reached_by_year"]["2025"], 0.0);
    EXPECT_EQ(j["reached_by_year"]["2026"], 1.0);
    const char* names[] = {"installed_flops", "target_met", "target_year", "capital_raised_busd", "fabs_funded",
                           "fabs_completed", "staffing_factor", "realized_cost_decline", "mean_fab_delay_years", "geo_shock"};
    for (const char* name : names) {
        const auto& o = j["outputs"][name];
        for (const char* key : {"mean", "sd", "min", "max", "quantiles", "histogram"}) EXPECT_TRUE(o.contains(key)) << name << key;
        for (const char* q : {"p01", "p05", "p10", "p25", "p50", "p75", "p90", "p95", "p99"})
            EXPECT_TRUE(o["quantiles"].contains(q)) << name << q;
    }
    EXPECT_EQ(j["outputs"]["installed_flops"]["quantiles"]["p50"], 135000.0);
    EXPECT_EQ(j["outputs"]["staffing_factor"]["mean"], 0.75);
    EXPECT_EQ(j["outputs"]["target_year"]["never"], 0.0);
    EXPECT_EQ(j["outputs"]["fabs_funded"]["histogram"]["counts"], nlohmann::json::array({1000}));
    // CSV: a header and one row per output.
    const std::string csv = fabrisk_test::read_file(dir / "out.csv");
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 11);
    EXPECT_EQ(csv.rfind("output,mean,sd,min,max,p01", 0), 0u);
    EXPECT_NE(csv.find("\ninstalled_flops,135000,0,135000,135000,135000"), std::string::npos);
}

TEST_F(Cli, TargetYearIsNullWhereTrialsNeverReachTheTarget) {
    auto doc = nlohmann::json::parse(fabrisk_test::read_file(worked));
    doc["target"]["installed_flops"] = 1e9;  // unreachable
    write("never.json", doc.dump());
    ASSERT_EQ(fabrisk("run never.json --trials 100 --json out.json").status, 0);
    const auto j = nlohmann::json::parse(fabrisk_test::read_file(dir / "out.json"));
    const auto& ty = j["outputs"]["target_year"];
    EXPECT_TRUE(ty["mean"].is_null());
    EXPECT_TRUE(ty["sd"].is_null());
    EXPECT_TRUE(ty["max"].is_null());
    EXPECT_TRUE(ty["quantiles"]["p50"].is_null());
    EXPECT_EQ(ty["never"], 1.0);
    EXPECT_EQ(j["probability_target_met"], 0.0);
}

TEST_F(Cli, SameSeedGivesByteIdenticalJsonForAnyThreadCount) {
    ASSERT_EQ(fabrisk("run --trials 20000 --seed 99 --threads 1 --json a.json").status, 0);
    ASSERT_EQ(fabrisk("run --trials 20000 --seed 99 --threads 2 --json b.json").status, 0);
    ASSERT_EQ(fabrisk("run --trials 20000 --seed 99 --threads 2 --json c.json").status, 0);
    ASSERT_EQ(fabrisk("run --trials 20000 --seed 100 --threads 2 --json d.json").status, 0);
    const auto a = fabrisk_test::read_file(dir / "a.json");
    EXPECT_GT(a.size(), 1000u);
    EXPECT_EQ(a, fabrisk_test::read_file(dir / "b.json"));
    EXPECT_EQ(a, fabrisk_test::read_file(dir / "c.json"));
    EXPECT_NE(a, fabrisk_test::read_file(dir / "d.json"));  // and the seed matters
}

TEST_F(Cli, BadScenarioExitsTwoNamesThePathAndWritesNothing) {
    auto doc = nlohmann::json::parse(fabrisk_test::read_file(worked));
    doc["fabs"]["delay_years"] = {{"dist", "lognormal"}, {"median", 0.75}, {"p90", 0.5}};
    write("bad.json", doc.dump());
    write("keep.json", "precious");
    const auto r = fabrisk("run bad.json --json keep.json --csv new.csv");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("fabs.delay_years.p90: must be greater than median (0.75), got 0.5"), std::string::npos) << r.err;
    EXPECT_EQ(fabrisk_test::read_file(dir / "keep.json"), "precious");
    EXPECT_FALSE(fs::exists(dir / "new.csv"));
    EXPECT_TRUE(r.out.empty());
    // Nothing else left behind in the directory (no temporary files).
    int files = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
    EXPECT_EQ(files, 2);  // bad.json, keep.json
}

TEST_F(Cli, JsonSyntaxErrorGivesLineAndColumn) {
    write("broken.json", "{\n  \"name\": \"x\",\n  \"time\": {,}\n}\n");
    const auto r = fabrisk("validate broken.json");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("line 3, column"), std::string::npos) << r.err;
}

TEST_F(Cli, ValidateAcceptsGoodAndRejectsBadFiles) {
    EXPECT_EQ(fabrisk("validate '" + worked + "'").status, 0);
    EXPECT_EQ(fabrisk("validate '" FABRISK_SCENARIO_DIR "/seven-trillion.json'").status, 0);
    write("unknown.json", R"({"name": "x", "colour": 1})");
    const auto r = fabrisk("validate unknown.json");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("colour: unknown key"), std::string::npos) << r.err;
    EXPECT_EQ(fabrisk("validate missing-file.json").status, 1);
}

TEST_F(Cli, BadArgumentsExitTwo) {
    EXPECT_EQ(fabrisk("run --trials 0").status, 2);
    EXPECT_EQ(fabrisk("run --trials many").status, 2);
    EXPECT_EQ(fabrisk("run --threads 0").status, 2);
    EXPECT_EQ(fabrisk("run --no-such-flag").status, 2);
    EXPECT_EQ(fabrisk("").status, 2);
    EXPECT_EQ(fabrisk("validate").status, 2);
}

TEST_F(Cli, HelpAndVersion) {
    const auto help = fabrisk("--help");
    EXPECT_EQ(help.status, 0);
    EXPECT_NE(help.out.find("run"), std::string::npos);
    EXPECT_NE(help.out.find("validate"), std::string::npos);
    const auto version = fabrisk("--version");
    EXPECT_EQ(version.status, 0);
    EXPECT_NE(version.out.find("fabrisk 0.1.0"), std::string::npos);
    EXPECT_EQ(fabrisk("run --help").status, 0);
}

TEST_F(Cli, UnwritableOutputFailsBeforeRunningAndLeavesNothing) {
    const auto r = fabrisk("run '" + worked + "' --trials 10 --json no-such-dir/out.json");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("no-such-dir/out.json"), std::string::npos);
    EXPECT_TRUE(r.out.empty());
}

TEST_F(Cli, DriversAddTornadoAndDriversReproducibly) {
    const std::string args = "run --trials 4000 --drivers --drivers-trials 4000 --seed 5";
    const auto a = fabrisk(args + " --threads 1 --json a.json");
    ASSERT_EQ(a.status, 0) << a.err;
    EXPECT_NE(a.out.find("Tornado"), std::string::npos);
    EXPECT_NE(a.out.find("Drivers"), std::string::npos);
    ASSERT_EQ(fabrisk(args + " --threads 2 --json b.json").status, 0);
    EXPECT_EQ(fabrisk_test::read_file(dir / "a.json"), fabrisk_test::read_file(dir / "b.json"));
    const auto j = nlohmann::json::parse(fabrisk_test::read_file(dir / "a.json"));
    ASSERT_EQ(j["tornado"].size(), 10u);  // one bar per input group of the default scenario
    for (const auto& bar : j["tornado"]) {
        EXPECT_TRUE(bar["low"].contains("probability_target_met"));
        EXPECT_TRUE(bar["high"].contains("median_installed_flops"));
    }
    EXPECT_GE(j["tornado"][0]["swing"].get<double>(), j["tornado"][9]["swing"].get<double>());
    EXPECT_EQ(j["drivers"].size(), 7u);  // the random scalar inputs
    EXPECT_EQ(j["drivers"]["compute.cost_decline"]["probability_target_met_by_decile"].size(), 10u);
    EXPECT_TRUE(j["drivers"]["fabs.yield"]["spearman"].contains("installed_flops"));
    EXPECT_EQ(j["exceedance"]["probability"].size(), 41u);
    EXPECT_EQ(j["exceedance"]["probability"][20], j["probability_target_met"]);
}

TEST_F(Cli, PrecisionRunsUntilTheIntervalIsNarrowEnough) {
    const auto r = fabrisk("run --precision 0.01 --json p.json");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("converged"), std::string::npos);
    const auto j = nlohmann::json::parse(fabrisk_test::read_file(dir / "p.json"));
    EXPECT_EQ(j["convergence"]["converged"], true);
    EXPECT_LE(j["convergence"]["trace"].back()["half_width"].get<double>(), 0.01);
    EXPECT_EQ(j["trials"], j["convergence"]["trace"].back()["trials"]);
    const auto capped = fabrisk("run --precision 0.0001 --max-trials 5000 --json c.json");
    ASSERT_EQ(capped.status, 3) << capped.err;  // not reached: exit 3, outputs written
    EXPECT_NE(capped.out.find("did not converge"), std::string::npos);
    EXPECT_EQ(nlohmann::json::parse(fabrisk_test::read_file(dir / "c.json"))["trials"], 5000);
    EXPECT_EQ(fabrisk("run --max-trials 5000").status, 2);  // only with --precision
    EXPECT_EQ(fabrisk("run --precision 2").status, 2);
}

// The kernels' instruction set (FABRISK_TARGET): named by --version and in the JSON, never a
// number's cause.
TEST_F(Cli, EveryTargetWritesTheSameJsonButItsName) {
    const auto version = fabrisk("--version");
    ASSERT_EQ(version.status, 0) << version.err;
    const auto at = version.out.find("supports ");
    ASSERT_NE(at, std::string::npos) << version.out;
    std::string supported = version.out.substr(at + 9);
    supported = supported.substr(0, supported.find(')'));
    std::vector<std::string> targets;
    for (std::size_t from = 0; from <= supported.size();) {
        const auto comma = std::min(supported.find(", ", from), supported.size());
        targets.push_back(supported.substr(from, comma - from));
        from = comma + 2;
    }
    ASSERT_FALSE(targets.empty());
#if defined(__x86_64__)
    EXPECT_EQ(targets.back(), "scalar");  // the x86-64 baseline is always compiled
#endif
    std::string first;
    for (const auto& t : targets) {
        const auto r = shell("FABRISK_TARGET=" + t + " $FABRISK run --trials 20000 --threads 2 --drivers --drivers-trials 2000 --json " + t + ".json -q");
        ASSERT_EQ(r.status, 0) << t << ": " << r.err;
        const std::string json = fabrisk_test::read_file(dir / (t + ".json"));
        const std::string name_line = "\n  \"simd_target\": \"" + t + "\",\n";
        const auto line = json.find(name_line);
        ASSERT_NE(line, std::string::npos) << t << " is not named in its JSON";
        const std::string rest = json.substr(0, line) + json.substr(line + name_line.size() - 1);
        if (first.empty()) first = rest;
        else EXPECT_TRUE(rest == first) << t << "'s JSON differs from " << targets.front() << "'s beyond the target's name";
        const auto forced = shell("FABRISK_TARGET=" + t + " $FABRISK --version");
        EXPECT_NE(forced.out.find("simd target: " + t + " "), std::string::npos) << forced.out;
    }
}

TEST_F(Cli, AnUnknownTargetIsABadInputNamingTheVariable) {
    const auto r = shell("FABRISK_TARGET=avx1024 $FABRISK run --trials 1000 --json out.json");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("FABRISK_TARGET=avx1024: not a target of this build; expected one of"), std::string::npos) << r.err;
#if defined(__x86_64__)
    EXPECT_NE(r.err.find("avx512, avx2, sse4, scalar"), std::string::npos) << r.err;
#endif
    EXPECT_FALSE(fs::exists(dir / "out.json"));
    const auto empty = shell("FABRISK_TARGET= $FABRISK --version");  // empty: the best, as unset
    EXPECT_EQ(empty.status, 0) << empty.err;
}

}  // namespace cli_test
}  // namespace
