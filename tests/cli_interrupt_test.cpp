// Long runs that keep their work: SIGINT or SIGTERM stops a run at a chunk boundary and the
// outputs hold exactly what a run of that many trials gives, marked "complete": false; a
// second signal ends the process at once with earlier files intact; progress shows on a
// terminal and nowhere else.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_harness.hpp"

namespace {
namespace cli_interrupt_test {

namespace fs = std::filesystem;

namespace {

using fabrisk_test::outcome;

class CliInterrupt : public fabrisk_test::cli_fixture {
protected:
    CliInterrupt() : cli_fixture("fabrisk-cli-int-") {}

    bool temp_file_exists(const std::string& prefix) const {
        for (const auto& e : fs::directory_iterator(dir))
            if (e.path().filename().string().rfind(prefix, 0) == 0) return true;
        return false;
    }
    /// Waits (up to 60 s) until the run has claimed its output, then lets it run `seconds`.
    void let_it_run(const std::string& temp_prefix, double seconds) const {
        for (int i = 0; i < 1200 && !temp_file_exists(temp_prefix); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    }
    std::vector<std::string> listing() const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }
};

/// Whether process `pid` has a handler for `sig` (the SigCgt mask of /proc/PID/status).
bool catches(pid_t pid, int sig) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("SigCgt:", 0) == 0) return (std::stoull(line.substr(7), nullptr, 16) >> (sig - 1)) & 1u;
    return false;
}

/// A result without the fields that say how it was asked for and whether it ended early.
nlohmann::json statistics_of(const std::string& text) {
    auto j = nlohmann::json::parse(text);
    j.erase("complete");
    j.erase("options");
    return j;
}

}  // namespace

TEST_F(CliInterrupt, FirstSignalKeepsTheWorkAsARunOfThatManyTrials) {
    for (const auto& [sig, code] : {std::pair<int, int>{SIGINT, 130}, {SIGTERM, 143}}) {
        const pid_t pid = spawn({"run", "--trials", "1e9", "--seed", "11", "--threads", "2", "--json", "partial.json",
                                 "--csv", "partial.csv"});
        let_it_run("partial.json.tmp-", 1.5);
        ::kill(pid, sig);
        const outcome r = wait_for(pid);
        ASSERT_EQ(r.status, code) << r.err;
        EXPECT_FALSE(r.by_signal);
        EXPECT_NE(r.out.find("P(target met) ="), std::string::npos) << "the summary is printed";
        EXPECT_NE(r.err.find("\"complete\": false"), std::string::npos) << r.err;

        const auto partial = nlohmann::json::parse(fabrisk_test::read_file(dir / "partial.json"));
        EXPECT_EQ(partial["complete"], false);
        EXPECT_EQ(partial["options"]["trials"], 1000000000u);
        const std::uint64_t trials = partial["trials"];
        ASSERT_GT(trials, 0u);
        EXPECT_LT(trials, 1000000000u);
        EXPECT_EQ(trials % 2048, 0u) << "a whole number of chunks";

        // The same bytes in every statistic as a run asked for that many trials (one thread).
        const auto full = fabrisk("run --trials " + std::to_string(trials) +
                                  " --seed 11 --threads 1 --json full.json --csv full.csv");
        ASSERT_EQ(full.status, 0) << full.err;
        EXPECT_EQ(nlohmann::json::parse(fabrisk_test::read_file(dir / "full.json"))["complete"], true);
        EXPECT_EQ(statistics_of(fabrisk_test::read_file(dir / "partial.json")), statistics_of(fabrisk_test::read_file(dir / "full.json")));
        EXPECT_EQ(fabrisk_test::read_file(dir / "partial.csv"), fabrisk_test::read_file(dir / "full.csv"));

        // And --rerun makes the interrupted result again, byte for byte.
        const auto again = fabrisk("run --rerun partial.json --json again.json");
        ASSERT_EQ(again.status, 0) << again.err;
        EXPECT_EQ(fabrisk_test::read_file(dir / "again.json"), fabrisk_test::read_file(dir / "partial.json"));
        EXPECT_EQ(listing(), (std::vector<std::string>{"again.json", "full.csv", "full.json", "partial.csv", "partial.json"}));
        for (const auto& f : {"again.json", "full.csv", "full.json", "partial.csv", "partial.json"}) fs::remove(dir / f);
    }
}

TEST_F(CliInterrupt, SecondSignalEndsAtOnceAndWritesNothing) {
    // The output is a FIFO with no reader, so after the first SIGINT the run ends and waits at
    // its commit (opening the FIFO): the second SIGINT must end it there, at once, with nothing
    // written. (Two signals sent back to back can merge into one, so the test waits for the
    // first one's notice.)
    ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0644), 0);
    const pid_t pid = spawn({"run", "--trials", "1e9", "--threads", "1", "--json", "fifo"});
    // A FIFO output has no temporary file to wait for: wait until the process catches SIGINT
    // (under the sanitizers start-up alone can take longer than any fixed pause).
    for (int i = 0; i < 1200 && !catches(pid, SIGINT); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(catches(pid, SIGINT));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ::kill(pid, SIGINT);
    for (int i = 0; i < 600 && fabrisk_test::read_file(dir / ".stderr").find("signal again") == std::string::npos; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ::kill(pid, SIGINT);
    const outcome r = wait_for(pid);
    EXPECT_NE(r.err.find("quit at once, writing nothing"), std::string::npos) << r.err;
    EXPECT_TRUE(r.by_signal) << r.status << " " << r.err;
    EXPECT_EQ(r.status, 130);
    EXPECT_TRUE(r.out.empty()) << "no summary either: " << r.out;
    // Nothing reached the FIFO (a reader opened now finds no writer and no data).
    const int fd = ::open((dir / "fifo").c_str(), O_RDONLY | O_NONBLOCK);
    ASSERT_GE(fd, 0);
    char c;
    EXPECT_EQ(::read(fd, &c, 1), 0);
    ::close(fd);
    EXPECT_EQ(listing(), std::vector<std::string>{"fifo"});
}

TEST_F(CliInterrupt, StoppedBeforeTheFirstChunkWritesNothing) {
    // SIGTERM at once: the run may not have merged a chunk; then nothing is written and the
    // exit status still says why. (If a chunk did finish, the partial result is written.)
    write("keep.json", "precious");
    const pid_t pid = spawn({"run", "--trials", "1e9", "--threads", "1", "--json", "keep.json"});
    let_it_run("keep.json.tmp-", 0);
    ::kill(pid, SIGTERM);
    const outcome r = wait_for(pid);
    EXPECT_EQ(r.status, 143) << r.err;
    EXPECT_FALSE(r.by_signal);
    const std::string kept = fabrisk_test::read_file(dir / "keep.json");
    if (kept == "precious") {
        EXPECT_NE(r.err.find("nothing written"), std::string::npos) << r.err;
    } else {
        EXPECT_EQ(nlohmann::json::parse(kept)["complete"], false);
    }
    EXPECT_EQ(listing(), std::vector<std::string>{"keep.json"});
}

TEST_F(CliInterrupt, ProgressShowsOnATerminalOnly) {
    // Under a pseudo-terminal (script(1)), progress lines are drawn on stderr with \r; through
    // a file or with --quiet there are none.
    const std::string run = "\"$FABRISK\" run --trials 100000 --threads 1 --json out.json";
    const auto tty = shell("script -q -e -c \"" + run + "\" typescript >/dev/null; cat typescript");
    ASSERT_EQ(tty.status, 0) << tty.out << tty.err;
    const auto first = tty.out.find('\r');
    ASSERT_NE(first, std::string::npos) << tty.out;
    EXPECT_NE(tty.out.find("/ 100,000 trials"), std::string::npos) << tty.out;
    EXPECT_NE(tty.out.find("M trials/s"), std::string::npos);
    EXPECT_NE(tty.out.find(" left  P(target met) 0."), std::string::npos);
    EXPECT_NE(tty.out.find("\033[K"), std::string::npos) << "the line is erased before the summary";
    EXPECT_NE(tty.out.find("P(target met) ="), std::string::npos) << "the summary follows";

    const auto quiet = shell("script -q -e -c \"" + run + " --quiet\" typescript2 >/dev/null; cat typescript2");
    ASSERT_EQ(quiet.status, 0) << quiet.err;
    EXPECT_EQ(quiet.out.find("trials/s"), std::string::npos) << quiet.out;
    EXPECT_EQ(quiet.out.find("P(target met)"), std::string::npos) << "--quiet drops the summary too";

    const auto file = fabrisk("run --trials 100000 --threads 1");
    ASSERT_EQ(file.status, 0);
    EXPECT_TRUE(file.err.empty()) << file.err;
    EXPECT_EQ(file.out.find('\r'), std::string::npos);
}

}  // namespace cli_interrupt_test
}  // namespace
