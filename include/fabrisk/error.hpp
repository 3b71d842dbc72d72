#pragma once
/// \file error.hpp
/// fabrisk's one error strategy: every failure is a `fabrisk::error`, and its subclass says
/// whose fault it is (the scenario, the caller, the file system). Messages say where, what was
/// expected and what was found.
#include <stdexcept>
#include <string>
#include <utility>

namespace fabrisk {

/// Base of every exception fabrisk throws.
class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A scenario that breaks a rule of the model's contract. `path()` is the JSON path of the
/// offending value (for example `fabs.delay_years.p90`), empty for the document as a whole.
class scenario_error : public error {
public:
    scenario_error(std::string path, const std::string& message)
        : error(path.empty() ? message : path + ": " + message), path_(std::move(path)) {}
    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
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
