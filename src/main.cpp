// The fabrisk command line: run a scenario, or check one.
// Exit status: 0 success, 2 bad scenario or bad arguments, 1 anything else.
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "fabrisk/fabrisk.hpp"
#include "fabrisk_default_scenario.hpp"

namespace {

constexpr int exit_ok = 0, exit_failure = 1, exit_bad_input = 2;

fabrisk::buildout::scenario scenario_from(const std::string& file) {
    if (file.empty()) return fabrisk::buildout::parse_scenario(fabrisk::default_scenario_json);
    return fabrisk::buildout::load_scenario(file);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"fabrisk: Monte Carlo risk engine for compute build-out plans"};
    app.set_version_flag("--version", std::string("fabrisk ") + fabrisk::version_string);
    app.require_subcommand(1);

    std::string run_file, json_file, csv_file;
    std::uint64_t trials = 1'000'000, seed = fabrisk::default_seed;
    unsigned threads = 0;
    auto* run = app.add_subcommand("run", "Run a scenario (the built-in $7T plan if no file is given) and print a summary");
    run->add_option("scenario", run_file, "Scenario JSON file (default: the built-in seven-trillion scenario)");
    run->add_option("--trials,-n", trials, "Number of trials")->capture_default_str()->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 50));
    run->add_option("--seed,-s", seed, "Random seed; the same seed gives the same result")->capture_default_str();
    run->add_option("--threads,-t", threads, "Worker threads (default: all cores); results do not depend on it")
        ->check(CLI::Range(1u, 1024u));
    run->add_option("--json", json_file, "Write the full result as JSON to this file");
    run->add_option("--csv", csv_file, "Write one row of statistics per output as CSV to this file");

    std::string validate_file;
    auto* validate = app.add_subcommand("validate", "Check a scenario file; exit 0 if valid, 2 if not");
    validate->add_option("scenario", validate_file, "Scenario JSON file")->required();

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return exit_bad_input;
    }

    try {
        if (*validate) {
            const auto s = fabrisk::buildout::load_scenario(validate_file);
            std::cout << validate_file << ": valid scenario \"" << s.name << "\" (" << s.fab_count() << " fabs, "
                      << s.investors.size() << " investors)\n";
            return exit_ok;
        }
        const auto s = scenario_from(run_file);
        // Claim the output files before running, so an unwritable path fails at once.
        std::optional<fabrisk::output_file> json_out, csv_out;
        if (!json_file.empty()) json_out.emplace(json_file);
        if (!csv_file.empty()) csv_out.emplace(csv_file);
        fabrisk::run_options options;
        options.trials = trials;
        options.seed = seed;
        options.threads = fabrisk::resolve_threads(threads);
        const auto result = fabrisk::buildout::simulate(s, options);
        if (json_out) json_out->commit(fabrisk::buildout::to_json(result).dump(2) + "\n");
        if (csv_out) csv_out->commit(fabrisk::buildout::to_csv(result));
        std::cout << fabrisk::buildout::to_text(result, options.threads);
        return exit_ok;
    } catch (const fabrisk::scenario_error& e) {
        std::cerr << "fabrisk: invalid scenario: " << e.what() << "\n";
        return exit_bad_input;
    } catch (const fabrisk::usage_error& e) {
        std::cerr << "fabrisk: " << e.what() << "\n";
        return exit_bad_input;
    } catch (const fabrisk::io_error& e) {
        std::cerr << "fabrisk: " << e.what() << "\n";
        return exit_failure;
    } catch (const std::exception& e) {
        std::cerr << "fabrisk: error: " << e.what() << "\n";
        return exit_failure;
    }
}
