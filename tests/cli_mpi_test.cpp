// `mpirun -np R fabrisk run`, `sensitivity`, `compare` and `sweep` (built with FABRISK_WITH_MPI): the JSON of
// one process, byte for byte, for R = 1, 2, 3 and any threads per rank; resumable from a checkpoint of another rank
// count; stopped by a signal to mpirun as one process is; one message for a bad input.
#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <thread>

#include <unistd.h>

#include <gtest/gtest.h>

#include "cli_harness.hpp"
#include "fabrisk/run_state.hpp"

namespace {
namespace cli_mpi_test {

namespace fs = std::filesystem;
using fabrisk_test::outcome;

int count_occurrences(const std::string& text, const std::string& what) {
    int n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

class CliMpi : public fabrisk_test::cli_fixture, public ::testing::WithParamInterface<int> {
protected:
    CliMpi() : cli_fixture("fabrisk-mpi-") {}
    /// `mpirun -np R fabrisk ARGS` in the test directory.
    outcome mpirun(int ranks, const std::string& args) const {
        return shell(std::string(FABRISK_MPIEXEC) + " " + launcher_flags() + " -np " + std::to_string(ranks) +
                     " \"$FABRISK\" " + args);
    }
    static std::string launcher_flags() { return ::geteuid() == 0 ? "--oversubscribe --allow-run-as-root" : "--oversubscribe"; }
    std::string read(const std::string& name) const { return fabrisk_test::read_file(dir / name); }
};

TEST_P(CliMpi, RanksWriteTheBytesOfOneProcess) {
    const int ranks = GetParam();
    // Past the quantile pilot, with a partial last chunk, and the drivers (run by rank 0).
    const std::string run = "run -q --trials 300001 --seed 8 --drivers --drivers-trials 20000";
    ASSERT_EQ(fabrisk(run + " --threads 2 --json one.json --csv one.csv").status, 0);
    for (const char* threads : {"1", "2"}) {
        const outcome o = mpirun(ranks, run + " --threads " + std::string(threads) + " --json many.json --csv many.csv");
        ASSERT_EQ(o.status, 0) << o.err;
        EXPECT_EQ(read("many.json"), read("one.json")) << ranks << " ranks of " << threads << " threads";
        EXPECT_EQ(read("many.csv"), read("one.csv"));
    }
}

TEST_P(CliMpi, SensitivityCompareAndSweepWriteTheBytesOfOneProcess) {
    const int ranks = GetParam();
    const std::string compare = "compare -q --set-b 'investors.list[name=SoftBank]=null' --trials 150001 --seed 4";
    ASSERT_EQ(fabrisk(compare + " --json one.json").status, 0);
    const outcome c = mpirun(ranks, compare + " --threads 1 --json many.json");
    ASSERT_EQ(c.status, 0) << c.err;
    EXPECT_EQ(read("many.json"), read("one.json")) << "compare over " << ranks << " ranks";
    const std::string sweep = "sweep -q --range target.installed_flops=1e24:4e24:3 --trials 100000 --seed 4";
    ASSERT_EQ(fabrisk(sweep + " --json one.json --csv one.csv").status, 0);
    const outcome w = mpirun(ranks, sweep + " --threads 1 --json many.json --csv many.csv");
    ASSERT_EQ(w.status, 0) << w.err;
    EXPECT_EQ(read("many.json"), read("one.json")) << "sweep over " << ranks << " ranks";
    EXPECT_EQ(read("many.csv"), read("one.csv"));
    const std::string sensitivity = "sensitivity --trials 5001 --seed 4";  // rows not a whole number of chunks
    ASSERT_EQ(fabrisk(sensitivity + " --json one.json").status, 0);
    const outcome i = mpirun(ranks, sensitivity + " --threads 1 --json many.json");
    ASSERT_EQ(i.status, 0) << i.err;
    EXPECT_EQ(read("many.json"), read("one.json")) << "sensitivity over " << ranks << " ranks";
}

TEST_P(CliMpi, ResumesACheckpointWithAnotherRankCount) {
    const int ranks = GetParam();
    // A checkpoint of one process stopped part-way (SIGTERM), resumed over R ranks.
    const pid_t pid = spawn({"run", "-q", "--trials", "3000000", "--threads", "1", "--checkpoint", "ck.bin",
                             "--checkpoint-every", "0.05"});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (!fs::exists(dir / "ck.bin") && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ::kill(pid, SIGKILL);
    wait_for(pid);
    const auto saved = fabrisk::decode(read("ck.bin"), "ck.bin");
    ASSERT_LT(saved.trials_done, 3'000'000u);
    const outcome o = mpirun(ranks, "run -q --trials 3000000 --threads 1 --json resumed.json --checkpoint ck.bin --resume ck.bin");
    ASSERT_EQ(o.status, 0) << o.err;
    ASSERT_EQ(fabrisk("run -q --trials 3000000 --json whole.json").status, 0);
    EXPECT_EQ(read("resumed.json"), read("whole.json")) << "resumed at " << saved.trials_done;
}

TEST_P(CliMpi, ABadInputEndsEveryRankWithOneMessage) {
    const int ranks = GetParam();
    const outcome missing = mpirun(ranks, "run -q missing.json --json out.json");
    EXPECT_NE(missing.status, 0);
    EXPECT_EQ(count_occurrences(missing.err, "fabrisk: "), 1) << missing.err;
    EXPECT_NE(missing.err.find("missing.json"), std::string::npos) << missing.err;
    const outcome bad_set = mpirun(ranks, "run -q --set target.installed_flops=-1 --json out.json");
    EXPECT_NE(bad_set.status, 0);
    EXPECT_EQ(count_occurrences(bad_set.err, "fabrisk: "), 1) << bad_set.err;
    EXPECT_FALSE(fs::exists(dir / "out.json"));
    if (ranks > 1) {
        const outcome other = mpirun(ranks, "selftest");
        EXPECT_NE(other.status, 0);
        EXPECT_NE(other.err.find("`fabrisk selftest` runs as one process, not over MPI ranks"), std::string::npos) << other.err;
    }
}

INSTANTIATE_TEST_SUITE_P(Ranks, CliMpi, ::testing::Values(1, 2, 3), [](const auto& info) {
    return std::to_string(info.param) + "ranks";
});

// SIGINT to mpirun reaches every rank (as SIGTERM); rank 0 writes the result of the first
// trials, which --rerun makes again byte for byte from one process.
TEST_F(CliMpi, SigintToMpirunKeepsTheWork) {
    const outcome o = shell(std::string(FABRISK_MPIEXEC) + " " + launcher_flags() +
                            " -np 2 \"$FABRISK\" run -q --trials 1e9 --threads 1 --json partial.json & "
                            "pid=$!; sleep 3; kill -INT $pid; wait $pid; exit 0");
    ASSERT_TRUE(fs::exists(dir / "partial.json")) << o.err;
    const std::string partial = read("partial.json");
    EXPECT_NE(partial.find("\"complete\": false"), std::string::npos);
    ASSERT_EQ(fabrisk("run -q --rerun partial.json --json again.json").status, 0);
    EXPECT_EQ(read("again.json"), partial);
}

}  // namespace cli_mpi_test
}  // namespace
