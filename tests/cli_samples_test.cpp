// `fabrisk run --samples FILE [--samples-inputs]`: every trial's outputs as CSV or .npy,
// streamed. The samples must agree with the JSON result of the same run, read back into NumPy,
// hold exactly the trials of a run stopped by Ctrl-C, fail before the run on a bad path, and
// keep memory flat as the trials grow.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_harness.hpp"

namespace {
namespace cli_samples_test {

namespace fs = std::filesystem;

namespace {

using fabrisk_test::outcome;

class CliSamples : public fabrisk_test::cli_fixture {
protected:
    CliSamples() : cli_fixture("fabrisk-cli-samples-") {}

    std::vector<std::string> listing() const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }
    /// Peak resident memory (KiB) of `fabrisk ARGS...`, which must succeed.
    long peak_kib(const std::vector<std::string>& args) const {
        const pid_t pid = spawn(args);
        int raw = 0;
        rusage usage{};
        ::wait4(pid, &raw, 0, &usage);
        EXPECT_TRUE(WIFEXITED(raw) && WEXITSTATUS(raw) == 0) << fabrisk_test::read_file(dir / ".stderr");
        fs::remove(dir / ".stdout");
        fs::remove(dir / ".stderr");
        return usage.ru_maxrss;
    }
    /// Whether /usr/bin/python3 has NumPy.
    bool numpy() const { return shell("/usr/bin/python3 -c \"import numpy\"").status == 0; }
};

/// The header and the rows of a CSV file.
struct csv_table {
    std::vector<std::string> names;
    std::vector<std::vector<double>> rows;
};
csv_table parse_csv(const std::string& text) {
    csv_table t;
    std::istringstream in(text);
    std::string line;
    std::getline(in, line);
    std::istringstream header(line);
    for (std::string n; std::getline(header, n, ',');) t.names.push_back(n);
    while (std::getline(in, line)) {
        std::vector<double> row;
        std::istringstream cells(line);
        for (std::string cell; std::getline(cells, cell, ',');) row.push_back(std::strtod(cell.c_str(), nullptr));
        t.rows.push_back(std::move(row));
    }
    return t;
}

}  // namespace

TEST_F(CliSamples, CsvHasEveryTrialAndItsMeansAreTheResults) {
    const outcome r = fabrisk("run -n 20000 -t 2 -q --samples s.csv --json r.json");
    ASSERT_EQ(r.status, 0) << r.err;
    const auto t = parse_csv(fabrisk_test::read_file(dir / "s.csv"));
    const auto result = nlohmann::json::parse(fabrisk_test::read_file(dir / "r.json"));
    ASSERT_EQ(t.rows.size(), 20000u);
    ASSERT_EQ(t.names.front(), "trial");
    EXPECT_EQ(t.names.size(), result["outputs"].size() + 1);
    for (std::size_t j = 1; j < t.names.size(); ++j) {
        const auto& output = result["outputs"][t.names[j]];
        ASSERT_FALSE(output.is_null()) << t.names[j];
        double sum = 0;
        std::uint64_t finite = 0;
        for (const auto& row : t.rows)
            if (std::isfinite(row[j])) sum += row[j], ++finite;
        if (output["mean"].is_null()) {  // the result gives no mean for an output with infinite values
            EXPECT_LT(finite, t.rows.size()) << t.names[j];
            continue;
        }
        const double mean = output["mean"];
        EXPECT_NEAR(sum / double(finite), mean, 1e-9 * std::max(1.0, std::fabs(mean))) << t.names[j];
    }
    for (std::size_t i = 0; i < t.rows.size(); ++i) ASSERT_EQ(t.rows[i][0], double(i));
    // The JSON is the same bytes without --samples.
    ASSERT_EQ(fabrisk("run -n 20000 -t 1 -q --json plain.json").status, 0);
    EXPECT_EQ(fabrisk_test::read_file(dir / "plain.json"), fabrisk_test::read_file(dir / "r.json"));
}

TEST_F(CliSamples, NpyAndNpzLoadIntoNumPyAndEqualTheCsv) {
    ASSERT_EQ(fabrisk("run -n 20000 -t 2 -q --samples s.csv --samples-inputs").status, 0);
    const outcome r = fabrisk("run -n 20000 -t 1 -q --samples s.npy --samples-inputs");
    ASSERT_EQ(r.status, 0) << r.err;
    const outcome z = fabrisk("run -n 20000 -t 2 -q --samples s.npz --samples-inputs");
    ASSERT_EQ(z.status, 0) << z.err;
    const auto t = parse_csv(fabrisk_test::read_file(dir / "s.csv"));
    EXPECT_NE(std::find(t.names.begin(), t.names.end(), "compute.cost_decline"), t.names.end()) << "an input column";
    // A header of whole 64-byte blocks, then 8 bytes per value.
    const std::uintmax_t data = 20000 * (t.names.size() - 1) * 8;
    ASSERT_GT(fs::file_size(dir / "s.npy"), data);
    EXPECT_EQ((fs::file_size(dir / "s.npy") - data) % 64, 0u);
    if (!numpy()) GTEST_SKIP() << "no NumPy for /usr/bin/python3 (scripts/test.sh installs python3-numpy)";
    const outcome check = shell(
        "/usr/bin/python3 -c \"\n"
        "import numpy as np\n"
        "a = np.load(\\\"s.npy\\\")\n"
        "c = np.loadtxt(\\\"s.csv\\\", delimiter=\\\",\\\", skiprows=1)\n"
        "names = open(\\\"s.csv\\\").readline().strip().split(\\\",\\\")\n"
        "assert a.shape == (20000,), a.shape\n"
        "assert list(a.dtype.names) == names[1:], a.dtype.names\n"
        "assert (c[:, 0] == np.arange(20000)).all()\n"
        "z = np.load(\\\"s.npz\\\")\n"
        "assert sorted(z.files) == sorted(names[1:]), z.files\n"
        "for j, n in enumerate(names[1:]):\n"
        "    assert np.array_equal(a[n], c[:, j + 1], equal_nan=True), n\n"
        "    assert np.array_equal(z[n], c[:, j + 1], equal_nan=True), n\n"
        "print(\\\"ok\\\")\n\"");
    EXPECT_EQ(check.status, 0) << check.out << check.err;
    EXPECT_EQ(check.out, "ok\n");
}

TEST_F(CliSamples, CsvToStandardOutputMovesTheSummaryToStandardError) {
    const outcome r = fabrisk("run -n 3000 -t 2 --samples -");
    ASSERT_EQ(r.status, 0) << r.err;
    const auto t = parse_csv(r.out);
    EXPECT_EQ(t.names.front(), "trial");
    EXPECT_EQ(t.rows.size(), 3000u);
    EXPECT_NE(r.err.find("P(target met) ="), std::string::npos);
}

TEST_F(CliSamples, BadPathsFailBeforeTheRunWithNothingWritten) {
    write("keep.json", "precious");
    outcome r = fabrisk("run -n 1e9 --samples missing/s.csv --json keep.json");
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find("cannot write missing/s.csv"), std::string::npos) << r.err;
    r = fabrisk("run -n 1e9 --samples keep.json --json keep.json");
    EXPECT_EQ(r.status, 2) << r.err;
    r = fabrisk("run -n 1e9 --samples-inputs");
    EXPECT_EQ(r.status, 2) << "--samples-inputs needs --samples";
    ASSERT_EQ(::mkfifo((dir / "pipe.npy").c_str(), 0644), 0);
    r = fabrisk("run -n 1e9 --samples pipe.npy");
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find("regular file"), std::string::npos) << r.err;
    EXPECT_EQ(fabrisk_test::read_file(dir / "keep.json"), "precious");
    EXPECT_EQ(listing(), (std::vector<std::string>{"keep.json", "pipe.npy"}));
}

TEST_F(CliSamples, StoppedRunWritesExactlyTheTrialsOfItsResult) {
    const pid_t pid = spawn({"run", "--trials", "1e9", "--seed", "11", "--threads", "2", "--json", "partial.json",
                             "--samples", "partial.npy"});
    auto claimed = [&] {
        for (const auto& e : fs::directory_iterator(dir))
            if (e.path().filename().string().rfind("partial.npy.tmp-", 0) == 0) return true;
        return false;
    };
    for (int i = 0; i < 1200 && !claimed(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    ::kill(pid, SIGINT);
    const outcome r = wait_for(pid);
    ASSERT_EQ(r.status, 130) << r.err;
    const auto partial = nlohmann::json::parse(fabrisk_test::read_file(dir / "partial.json"));
    EXPECT_EQ(partial["complete"], false);
    const std::uint64_t trials = partial["trials"];
    ASSERT_GT(trials, 0u);
    const outcome full = fabrisk("run -q --trials " + std::to_string(trials) + " --seed 11 -t 1 --samples full.npy");
    ASSERT_EQ(full.status, 0) << full.err;
    EXPECT_TRUE(fabrisk_test::read_file(dir / "partial.npy") == fabrisk_test::read_file(dir / "full.npy"))
        << "the samples of a stopped run are those of a run of its trials";
}

TEST_F(CliSamples, MemoryStaysFlatAsTheTrialsGrow) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    // A sanitizer keeps freed memory in quarantine (and shadows all of it), so the peak measures
    // the sanitizer, not fabrisk; the release build runs this test for real.
    GTEST_SKIP() << "peak memory is not fabrisk's under a sanitizer";
#endif
    // Both runs are past the statistics' pilot (65,536 trials), so only the samples could grow.
    for (const std::string file : {"s.npy", "s.csv"}) {
        const long small = peak_kib({"run", "-q", "-t", "2", "-n", "100000", "--samples", file});
        const long large = peak_kib({"run", "-q", "-t", "2", "-n", "1000000", "--samples", file});
        EXPECT_LT(large, small + 4096) << file << ": " << small << " KiB for 10^5 trials, " << large << " KiB for 10^6";
    }
}

}  // namespace cli_samples_test
}  // namespace
