// The command line under failure: an error forced after output has started, a target that is
// a directory, a run interrupted by a signal, an oversized or deeply nested scenario; and the
// selftest subcommand. Existing files stay intact and no temporary file remains.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "cli_harness.hpp"

namespace {
namespace cli_reliability_test {

namespace fs = std::filesystem;

namespace {

using fabrisk_test::outcome;

class CliReliability : public fabrisk_test::cli_fixture {
protected:
    CliReliability() : cli_fixture("fabrisk-cli-rel-") {}
    void SetUp() override {
        cli_fixture::SetUp();
        write("keep.json", "precious json");
        write("keep.csv", "precious csv");
    }
    std::vector<std::string> listing() const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }
    void expect_untouched() const {
        EXPECT_EQ(fabrisk_test::read_file(dir / "keep.json"), "precious json");
        EXPECT_EQ(fabrisk_test::read_file(dir / "keep.csv"), "precious csv");
    }

};

const std::string worked = FABRISK_SCENARIO_DIR "/worked-example.json";
const std::vector<std::string> only_kept{"keep.csv", "keep.json"};

}  // namespace

TEST_F(CliReliability, WriteFailingAfterOutputStartedClobbersNothing) {
    // A file size limit of a few blocks: the run completes, the JSON write starts and fails
    // part-way with EFBIG (SIGXFSZ ignored). Neither output is replaced, nothing is left over.
    const auto r = shell("trap \"\" XFSZ; ulimit -f 2; exec \"$FABRISK\" run " + worked +
                         " --trials 200 --json keep.json --csv keep.csv");
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find("cannot write keep.json"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    expect_untouched();
    EXPECT_EQ(listing(), only_kept);
}

TEST_F(CliReliability, OutputPathThatIsADirectoryFailsBeforeRunning) {
    fs::create_directories(dir / "out.csv" / "x");
    const auto r = shell("exec \"$FABRISK\" run " + worked + " --trials 200 --json keep.json --csv out.csv");
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find("cannot write out.csv: it is a directory"), std::string::npos) << r.err;
    expect_untouched();
    EXPECT_EQ(listing(), (std::vector<std::string>{"keep.csv", "keep.json", "out.csv"}));
}

TEST_F(CliReliability, HangupEndsARunAtOnceAndLeavesNoTemporaryFile) {
    // SIGHUP (the terminal has gone) ends a run at once, once its temporary files exist;
    // SIGINT and SIGTERM stop it gracefully (cli_interrupt_test).
    const auto r = shell("\"$FABRISK\" run --trials 100000000 --threads 1 --json keep.json --csv keep.csv & "
                         "pid=$!; i=0; "
                         "while [ $i -lt 600 ] && ! ls keep.csv.tmp-* >/dev/null 2>&1; do sleep 0.05; i=$((i+1)); done; "
                         "sleep 0.2; kill -HUP $pid; wait $pid; echo status $?");
    EXPECT_NE(r.out.find("status 129"), std::string::npos) << r.out << r.err;
    expect_untouched();
    EXPECT_EQ(listing(), only_kept);
}

TEST_F(CliReliability, OversizedScenarioIsRejectedWithTheLimit) {
    {
        std::ofstream out(dir / "big.json", std::ios::binary);
        out << fabrisk_test::read_file(worked);
    }
    fs::resize_file(dir / "big.json", (std::size_t{16} << 20) + 1);
    const auto r = shell("exec \"$FABRISK\" validate big.json");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("more than the limit of 16 MiB"), std::string::npos) << r.err;
}

TEST_F(CliReliability, DeeplyNestedScenarioIsRejected) {
    write("deep.json", std::string(100000, '[') + std::string(100000, ']'));
    const auto r = shell("exec \"$FABRISK\" run deep.json --json keep.json");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("nested more than 64 deep"), std::string::npos) << r.err.substr(0, 300);
    expect_untouched();
}

TEST_F(CliReliability, SelftestPassesAndPrintsOneLinePerCheck) {
    const auto r = shell("exec \"$FABRISK\" selftest");
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("PASS  KS gamma(0.7, 2)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("PASS  gaussian_copula normal-score correlations"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("PASS  worked example (docs/model.md section 6)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("PASS  default scenario vs docs/model.md section 7"), std::string::npos) << r.out;
    const auto last = r.out.rfind("selftest: ");
    ASSERT_NE(last, std::string::npos) << r.out;
    const auto lines = std::count(r.out.begin(), r.out.end(), '\n');
    // "selftest: N of N checks passed" with N = the number of check lines.
    const std::string n = std::to_string(lines - 1);
    EXPECT_EQ(r.out.substr(last), "selftest: " + n + " of " + n + " checks passed\n");
}

}  // namespace cli_reliability_test
}  // namespace
