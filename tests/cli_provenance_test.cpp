// Results that trace to their inputs (version, scenario hash and document, options; re-run
// byte-identical from the result alone), counts written as people write them, --precision's
// exit status, and `-` for standard output.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_harness.hpp"

namespace {
namespace cli_provenance_test {

namespace fs = std::filesystem;

namespace {

using fabrisk_test::outcome;

class CliProvenance : public fabrisk_test::cli_fixture {
protected:
    CliProvenance() : cli_fixture("fabrisk-cli-prov-") {}
};

const std::string worked = FABRISK_SCENARIO_DIR "/worked-example.json";
const std::string seven = FABRISK_SCENARIO_DIR "/seven-trillion.json";

}  // namespace

TEST_F(CliProvenance, ResultSaysWhichFabriskScenarioAndOptionsMadeIt) {
    ASSERT_EQ(fabrisk("run '" + worked + "' --trials 3000 --seed 9 --json r.json").status, 0);
    const auto j = nlohmann::ordered_json::parse(fabrisk_test::read_file(dir / "r.json"));
    EXPECT_EQ(j.begin().key(), "fabrisk_version");
    EXPECT_EQ(j["fabrisk_version"], "0.1.0");
    EXPECT_EQ(j["complete"], true);
    // The hash of the file's bytes as read: what sha256sum says.
    const auto sum = shell("sha256sum \"" + worked + "\"");
    ASSERT_EQ(sum.status, 0);
    EXPECT_EQ(j["scenario_sha256"], sum.out.substr(0, 64));
    EXPECT_EQ(j["options"], nlohmann::ordered_json::parse(
                                R"({"trials": 3000, "seed": 9, "precision": null, "drivers_trials": null})"));
    EXPECT_EQ(j["warnings"], nlohmann::ordered_json::array());
    // The scenario document as parsed, in the file's own key order.
    EXPECT_EQ(j["scenario_definition"], nlohmann::ordered_json::parse(fabrisk_test::read_file(worked)));
    EXPECT_EQ(j["scenario_definition"].begin().key(), "name");
    // Nothing that depends on the machine or the moment.
    EXPECT_FALSE(j.contains("threads"));
    ASSERT_EQ(fabrisk("run '" + worked + "' --trials 3000 --seed 9 --threads 2 --json r2.json").status, 0);
    EXPECT_EQ(fabrisk_test::read_file(dir / "r.json"), fabrisk_test::read_file(dir / "r2.json"));
}

TEST_F(CliProvenance, BuiltInScenarioIsHashedAsItsText) {
    ASSERT_EQ(fabrisk("run --trials 2048 --json built-in.json").status, 0);
    ASSERT_EQ(fabrisk("run '" + seven + "' --trials 2048 --json file.json").status, 0);
    const auto a = nlohmann::json::parse(fabrisk_test::read_file(dir / "built-in.json"));
    const auto b = nlohmann::json::parse(fabrisk_test::read_file(dir / "file.json"));
    EXPECT_EQ(a["scenario_sha256"], b["scenario_sha256"]) << "the built-in text is scenarios/seven-trillion.json";
    EXPECT_EQ(fabrisk_test::read_file(dir / "built-in.json"), fabrisk_test::read_file(dir / "file.json"));
}

TEST_F(CliProvenance, RerunReproducesAResultByteForByte) {
    // A plain run, a run to a precision and a run with drivers, each from a copy of the
    // scenario that is then deleted: the result alone is enough.
    fs::copy_file(worked, dir / "scenario.json");
    const std::string cases[] = {
        "run scenario.json --trials 5000 --seed 3 --json a.json",
        "run scenario.json --precision 0.02 --max-trials 20000 --seed 4 --json a.json",
        "run --trials 4096 --drivers --drivers-trials 2048 --seed 5 --json a.json",
    };
    for (const auto& args : cases) {
        const auto first = fabrisk(args);
        ASSERT_TRUE(first.status == 0) << args << ": " << first.err;
        fs::remove(dir / "scenario.json");
        const auto again = fabrisk("run --rerun a.json --threads 1 --json b.json --csv b.csv");
        ASSERT_EQ(again.status, 0) << args << ": " << again.err;
        EXPECT_EQ(fabrisk_test::read_file(dir / "a.json"), fabrisk_test::read_file(dir / "b.json")) << args;
        fs::copy_file(worked, dir / "scenario.json", fs::copy_options::overwrite_existing);
    }
    // A rerun takes its scenario and options from the result only.
    EXPECT_EQ(fabrisk("run --rerun a.json --trials 10").status, 2);
    EXPECT_EQ(fabrisk("run scenario.json --rerun a.json").status, 2);
    write("not-a-result.json", R"({"scenario": "x"})");
    const auto bad = fabrisk("run --rerun not-a-result.json");
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("not-a-result.json"), std::string::npos) << bad.err;
    EXPECT_NE(bad.err.find("fabrisk_version: missing"), std::string::npos) << bad.err;
}

TEST_F(CliProvenance, CountsAreReadAsPeopleWriteThem) {
    for (const char* n : {"4096", "4.096e3", "4_096", "4096.0"}) {
        const auto r = fabrisk(std::string("run '") + worked + "' --quiet --json out.json --trials " + n);
        ASSERT_EQ(r.status, 0) << n << ": " << r.err;
        EXPECT_EQ(nlohmann::json::parse(fabrisk_test::read_file(dir / "out.json"))["trials"], 4096) << n;
    }
    ASSERT_EQ(fabrisk("run '" + worked + "' --quiet --json out.json --trials 1e6").status, 0);
    EXPECT_EQ(nlohmann::json::parse(fabrisk_test::read_file(dir / "out.json"))["trials"], 1000000);
    struct refused {
        const char* args;
        const char* says;
    };
    for (const auto& [args, says] : {refused{"--trials 1.5", "not a whole number"},
                                     refused{"--trials 2.5e-1", "not a whole number"},
                                     refused{"--trials -5", "negative numbers are not allowed"},
                                     refused{"--trials many", "got \"many\""},
                                     refused{"--trials 1__000", "got \"1__000\""},
                                     refused{"--trials 0", "must be at least 1"},
                                     refused{"--trials 1e300", "too large"},
                                     refused{"--seed -1", "--seed: expected a seed"},
                                     refused{"--seed 18446744073709551616", "too large"}}) {
        const auto r = fabrisk(std::string("run --json out2.json ") + args);
        EXPECT_EQ(r.status, 2) << args;
        EXPECT_NE(r.err.find(says), std::string::npos) << args << ": " << r.err;
        EXPECT_NE(r.err.find("1_000_000"), std::string::npos) << "says what is expected: " << r.err;
        EXPECT_FALSE(fs::exists(dir / "out2.json"));
    }
    // The largest seed is accepted.
    EXPECT_EQ(fabrisk("run '" + worked + "' --quiet --trials 10 --seed 18446744073709551615").status, 0);
}

TEST_F(CliProvenance, PrecisionNotReachedExitsThreeAfterWritingOutputs) {
    const auto r = fabrisk("run --precision 0.0001 --max-trials 5000 --json c.json");
    EXPECT_EQ(r.status, 3) << r.err;
    EXPECT_NE(r.err.find("exit status 3"), std::string::npos) << r.err;
    const auto j = nlohmann::json::parse(fabrisk_test::read_file(dir / "c.json"));
    EXPECT_EQ(j["convergence"]["converged"], false);
    EXPECT_EQ(j["trials"], 5000);
    EXPECT_EQ(j["complete"], true) << "it ran every trial it was allowed";
}

TEST_F(CliProvenance, DashMeansStandardOutputAndTheSummaryMovesToStderr) {
    const auto r = fabrisk("run '" + worked + "' --trials 2048 --json -");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_FALSE(fs::exists(dir / "-"));
    const auto j = nlohmann::json::parse(r.out);  // stdout holds the JSON and nothing else
    EXPECT_EQ(j["trials"], 2048);
    EXPECT_NE(r.err.find("P(target met) ="), std::string::npos) << "the summary goes to stderr";

    const auto csv = fabrisk("run '" + worked + "' --trials 2048 --csv - --quiet");
    ASSERT_EQ(csv.status, 0) << csv.err;
    EXPECT_EQ(csv.out.rfind("output,mean,sd,min,max", 0), 0u) << csv.out;
    EXPECT_TRUE(csv.err.empty()) << "--quiet drops the summary: " << csv.err;

    // Byte-identical to the file written the ordinary way.
    ASSERT_EQ(fabrisk("run '" + worked + "' --trials 2048 --json file.json").status, 0);
    EXPECT_EQ(r.out, fabrisk_test::read_file(dir / "file.json"));

    // Through a pipe and through bash's process substitution (/dev/fd/N).
    const auto piped = shell("\"$FABRISK\" run \"" + worked + "\" --trials 2048 --json /proc/self/fd/1 --quiet | cat > piped.json");
    ASSERT_EQ(piped.status, 0) << piped.err;
    EXPECT_EQ(fabrisk_test::read_file(dir / "piped.json"), fabrisk_test::read_file(dir / "file.json"));
    const auto substituted = shell("bash -c \"\\\"\\$FABRISK\\\" run " + worked +
                                   " --trials 2048 --quiet --json >(cat > substituted.json); wait\"; sleep 0.2");
    ASSERT_EQ(substituted.status, 0) << substituted.err;
    EXPECT_EQ(fabrisk_test::read_file(dir / "substituted.json"), fabrisk_test::read_file(dir / "file.json"));

    EXPECT_EQ(fabrisk("run --trials 2048 --json - --csv -").status, 2);
}

TEST_F(CliProvenance, SensitivityJsonCarriesItsProvenanceToo) {
    const auto r = fabrisk("sensitivity --trials 256 --json -");
    ASSERT_EQ(r.status, 0) << r.err;
    const auto j = nlohmann::ordered_json::parse(r.out);
    EXPECT_EQ(j.begin().key(), "fabrisk_version");
    EXPECT_EQ(j["scenario_sha256"].get<std::string>().size(), 64u);
    EXPECT_EQ(j["scenario_definition"]["name"], "seven-trillion");
}

}  // namespace cli_provenance_test
}  // namespace
