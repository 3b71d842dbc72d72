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

#include <csignal>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include "support.hpp"

namespace fabrisk_test {

namespace fs = std::filesystem;

/// How a command ended.
struct outcome {
    int status;  ///< exit status, or 128 + signal
    std::string out, err;
    bool by_signal = false;  ///< ended by a signal (not an exit status of 128 + signal)
};

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

    /// Starts `fabrisk ARGS...` in the test directory without a shell, with SIGINT and SIGTERM
    /// at their defaults (a shell's background job would ignore SIGINT), stdout and stderr to
    /// the files `.stdout` and `.stderr` there. Returns its pid.
    pid_t spawn(const std::vector<std::string>& args) const {
        const pid_t pid = ::fork();
        if (pid == 0) {
            if (::chdir(dir.c_str()) != 0) ::_exit(126);
            std::signal(SIGINT, SIG_DFL);
            std::signal(SIGTERM, SIG_DFL);
            const int out = ::open(".stdout", O_WRONLY | O_CREAT | O_TRUNC, 0644);
            const int err = ::open(".stderr", O_WRONLY | O_CREAT | O_TRUNC, 0644);
            ::dup2(out, 1);
            ::dup2(err, 2);
            std::vector<char*> argv{const_cast<char*>(FABRISK_CLI)};
            for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            ::execv(FABRISK_CLI, argv.data());
            ::_exit(127);
        }
        return pid;
    }
    /// Waits for a spawned process; its output files are read and removed.
    outcome wait_for(pid_t pid) const {
        int raw = 0;
        ::waitpid(pid, &raw, 0);
        const int status = WIFEXITED(raw) ? WEXITSTATUS(raw) : WIFSIGNALED(raw) ? 128 + WTERMSIG(raw) : -1;
        outcome o{status, fabrisk_test::read_file(dir / ".stdout"), fabrisk_test::read_file(dir / ".stderr"), WIFSIGNALED(raw)};
        fs::remove(dir / ".stdout");
        fs::remove(dir / ".stderr");
        return o;
    }

    fs::path dir;

private:
    /// Output goes through hidden files that are removed again, so the directory holds only
    /// what the command itself left.
    outcome run(const std::string& command) const {
        const std::string cmd = "cd '" + dir.string() + "' && " + command + " >'" + (dir / ".stdout").string() + "' 2>'" +
                                (dir / ".stderr").string() + "'";
        const int raw = std::system(cmd.c_str());
        const int status = WIFEXITED(raw) ? WEXITSTATUS(raw) : WIFSIGNALED(raw) ? 128 + WTERMSIG(raw) : -1;
        outcome o{status, fabrisk_test::read_file(dir / ".stdout"), fabrisk_test::read_file(dir / ".stderr")};
        fs::remove(dir / ".stdout");
        fs::remove(dir / ".stderr");
        return o;
    }

    std::string prefix_;
};

}  // namespace fabrisk_test
