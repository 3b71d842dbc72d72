#pragma once
/// \file tests/cli_harness.hpp
/// What the command-line tests share: a fixture that gives each test a fresh directory, runs
/// the fabrisk binary (or a shell snippet) there and captures its exit status and output.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fabrisk_test {

namespace fs = std::filesystem;

/// How a command ended.
struct outcome {
    int status;  ///< exit status, or 128 + signal
    std::string out, err;
};

inline std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// A fresh directory per test (named after the prefix, the process and the test), removed after.
class cli_fixture : public ::testing::Test {
protected:
    explicit cli_fixture(std::string prefix) : prefix_(std::move(prefix)) {}

    void SetUp() override {
        dir = fs::temp_directory_path() / (prefix_ + std::to_string(::getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    void TearDown() override { fs::remove_all(dir); }

    /// Runs `fabrisk ARGS` in the test directory.
    outcome fabrisk(const std::string& args) const { return run("'" FABRISK_CLI "' " + args); }

    /// Runs a shell snippet in the test directory; `$FABRISK` is the CLI.
    outcome shell(const std::string& script) const { return run("FABRISK='" FABRISK_CLI "' sh -c '" + script + "'"); }

    void write(const std::string& name, const std::string& text) const { std::ofstream(dir / name) << text; }

    fs::path dir;

private:
    /// Output goes through hidden files that are removed again, so the directory holds only
    /// what the command itself left.
    outcome run(const std::string& command) const {
        const std::string cmd = "cd '" + dir.string() + "' && " + command + " >'" + (dir / ".stdout").string() + "' 2>'" +
                                (dir / ".stderr").string() + "'";
        const int raw = std::system(cmd.c_str());
        const int status = WIFEXITED(raw) ? WEXITSTATUS(raw) : WIFSIGNALED(raw) ? 128 + WTERMSIG(raw) : -1;
        outcome o{status, slurp(dir / ".stdout"), slurp(dir / ".stderr")};
        fs::remove(dir / ".stdout");
        fs::remove(dir / ".stderr");
        return o;
    }

    std::string prefix_;
};

}  // namespace fabrisk_test
