#pragma once
/// \file error.hpp
/// fabrisk's one error strategy: every failure is a `fabrisk::error`, and its subclass says
/// whose fault it is (the scenario, the caller, the file system). Messages say where, what was
/// expected and what was found.
#include <algorithm>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace fabrisk {

/// Base of every exception fabrisk throws.
class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// One broken rule of a scenario: the JSON path of the offending value (empty for the document
/// as a whole) and what is wrong with it.
struct scenario_problem {
    std::string path, message;
};

/// A scenario that breaks one or more rules of the model's contract. `problems()` lists them in
/// the order of the offending values in the document; `path()` is the first one's JSON path (for
/// example `fabs.delay_years.p90`). `what()` has one line `path: message` per problem, at most
/// max_listed of them, then `... and N more` if there were more.
class scenario_error : public error {
public:
    /// Problems shown in what(); the rest are counted in a last line `... and N more`.
    static constexpr std::size_t max_listed = 20;

    scenario_error(std::string path, const std::string& message)
        : scenario_error(std::vector<scenario_problem>{{std::move(path), message}}) {}
    /// `problems` in the order to report them (an empty list stands for one problem with no
    /// path); `unrecorded` counts further problems that were found but not kept.
    explicit scenario_error(std::vector<scenario_problem> problems, std::size_t unrecorded = 0)
        : error(text(problems, unrecorded)),
          state_(std::make_shared<const state>(state{std::move(problems), unrecorded})) {}

    /// The JSON path of the first problem.
    const std::string& path() const noexcept {
        static const std::string none;
        return state_->problems.empty() ? none : state_->problems.front().path;
    }
    /// Every problem kept, in document order.
    const std::vector<scenario_problem>& problems() const noexcept { return state_->problems; }
    /// Number of problems found, including those not kept.
    std::size_t problem_count() const noexcept { return state_->problems.size() + state_->unrecorded; }
    /// `path: message`, or the message alone for the document as a whole.
    static std::string line(const scenario_problem& p) { return p.path.empty() ? p.message : p.path + ": " + p.message; }

private:
    struct state {
        std::vector<scenario_problem> problems;
        std::size_t unrecorded = 0;
    };
    static std::string text(const std::vector<scenario_problem>& problems, std::size_t unrecorded) {
        if (problems.empty()) return "invalid scenario";
        std::string s;
        const std::size_t listed = std::min(problems.size(), max_listed);
        for (std::size_t i = 0; i < listed; ++i) s += (i ? "\n" : "") + line(problems[i]);
        const std::size_t more = problems.size() - listed + unrecorded;
        if (more > 0) s += "\n... and " + std::to_string(more) + " more";
        return s;
    }
    std::shared_ptr<const state> state_;  // shared: copying the exception cannot throw
};

/// Misuse of the library API or the command line (a negative trial count, a matrix of the
/// wrong size, an unknown flag value).
class usage_error : public error {
public:
    using error::error;
};

/// A file that could not be read or written.
class io_error : public error {
public:
    using error::error;
};

/// A run asked to stop (run_options::stop) before it had a result to give.
class stopped_early : public error {
public:
    using error::error;
};

}  // namespace fabrisk
