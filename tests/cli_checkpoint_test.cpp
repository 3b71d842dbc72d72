// Long runs that survive kill -9: `run --checkpoint` keeps the run's state on disk, atomically,
// and `--resume` continues it to the same bytes as a run never interrupted, with any thread
// count; a checkpoint of another run, or a damaged one, is refused (exit 2) and nothing is
// written.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "cli_harness.hpp"
#include "fabrisk/run_state.hpp"

namespace {
namespace cli_checkpoint_test {

namespace fs = std::filesystem;
using fabrisk_test::outcome;

class CliCheckpoint : public fabrisk_test::cli_fixture {
protected:
    CliCheckpoint() : cli_fixture("fabrisk-checkpoint-") {}
    std::string read(const std::string& name) const { return fabrisk_test::read_file(dir / name); }
    fabrisk::run_state state(const std::string& name) const { return fabrisk::decode(read(name), name); }
};

TEST_F(CliCheckpoint, ResumedAfterSigkillGivesTheBytesOfARunNeverInterrupted) {
    const std::string trials = "2000000";
    const pid_t pid = spawn({"run", "-q", "--trials", trials, "--seed", "3", "--threads", "2", "--json", "killed.json",
                             "--checkpoint", "ck.bin", "--checkpoint-every", "0.05"});
    // Killed as soon as there is a checkpoint, long before the run's end.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (!fs::exists(dir / "ck.bin") && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ::kill(pid, SIGKILL);
    const outcome killed = wait_for(pid);
    ASSERT_EQ(killed.status, 128 + SIGKILL);
    EXPECT_FALSE(fs::exists(dir / "killed.json"));
    const auto saved = state("ck.bin");
    ASSERT_GT(saved.trials_done, 0u);
    ASSERT_LT(saved.trials_done, 2'000'000u) << "the run ended before it was killed: nothing was resumed";

    const outcome resumed = fabrisk("run -q --trials " + trials + " --seed 3 --threads 1 --json resumed.json --checkpoint ck.bin --resume ck.bin");
    ASSERT_EQ(resumed.status, 0) << resumed.err;
    const outcome whole = fabrisk("run -q --trials " + trials + " --seed 3 --threads 2 --json whole.json");
    ASSERT_EQ(whole.status, 0) << whole.err;
    EXPECT_EQ(read("resumed.json"), read("whole.json"));
    EXPECT_EQ(state("ck.bin").trials_done, 2'000'000u) << "the last checkpoint is the whole run";
    // A finished checkpoint resumes to the same result at once.
    ASSERT_EQ(fabrisk("run -q --trials " + trials + " --seed 3 --json again.json --resume ck.bin").status, 0);
    EXPECT_EQ(read("again.json"), read("whole.json"));
}

TEST_F(CliCheckpoint, RefusesAnotherRunsOrADamagedCheckpointSayingWhich) {
    ASSERT_EQ(fabrisk("run -q --trials 100000 --seed 3 --checkpoint ck.bin").status, 0);
    const std::string good = read("ck.bin");
    auto refused = [&](const std::string& args, const std::string& says) {
        const outcome o = fabrisk("run -q " + args + " --json out.json");
        EXPECT_EQ(o.status, 2) << args << "\n" << o.err;
        EXPECT_NE(o.err.find(says), std::string::npos) << args << "\n" << o.err;
        EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << "one message:\n" << o.err;
        EXPECT_FALSE(fs::exists(dir / "out.json")) << args;
    };
    refused("--trials 100000 --seed 4 --resume ck.bin", "is from another run: its seed is 3, this run's is 4");
    refused("--trials 200000 --seed 3 --resume ck.bin", "its trial count is 100000, this run's is 200000");
    refused("--trials 100000 --seed 3 --set target.installed_flops=1e24 --resume ck.bin", "its scenario (SHA-256)");
    auto other_version = fabrisk::decode(good, "ck");
    other_version.identity.fabrisk_version = "0.0.1";
    write("old.bin", fabrisk::encode(other_version));
    refused("--trials 100000 --seed 3 --resume old.bin", "its fabrisk version is 0.0.1");
    std::string corrupted = good;
    corrupted[corrupted.size() / 2] ^= 0x40;
    write("corrupted.bin", corrupted);
    refused("--trials 100000 --seed 3 --resume corrupted.bin", "checkpoint corrupted.bin: corrupted");
    write("truncated.bin", good.substr(0, good.size() / 3));
    refused("--trials 100000 --seed 3 --resume truncated.bin", "checkpoint truncated.bin: truncated");
    write("other.bin", "{\"not\": \"a checkpoint\"}");
    refused("--trials 100000 --seed 3 --resume other.bin", "not a fabrisk run state");
    refused("--trials 100000 --seed 3 --resume missing.bin", "cannot read checkpoint missing.bin");
    EXPECT_EQ(read("ck.bin"), good) << "a refused resume leaves the checkpoint alone";
    // Options that cannot go with a checkpoint, and paths that cannot be one.
    const outcome same = fabrisk("run -q --trials 100000 --checkpoint out2.json --json out2.json");
    EXPECT_EQ(same.status, 2);
    EXPECT_NE(same.err.find("--json and --checkpoint cannot both be out2.json"), std::string::npos) << same.err;
    EXPECT_EQ(fabrisk("run -q --precision 0.01 --checkpoint x.bin").status, 2);
    EXPECT_EQ(fabrisk("run -q --samples s.csv --checkpoint x.bin").status, 2);
    const outcome no_dir = fabrisk("run -q --trials 10000 --checkpoint missing/ck.bin");
    EXPECT_NE(no_dir.status, 0);
    EXPECT_NE(no_dir.err.find("missing/ck.bin"), std::string::npos) << no_dir.err;
}

}  // namespace cli_checkpoint_test
}  // namespace
