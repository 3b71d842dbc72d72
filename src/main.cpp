// The fabrisk command line: run a scenario, check one, or check the build itself.
// Exit status: 0 success, 2 bad scenario or bad arguments, 1 anything else (for selftest: a
// failed check).
#include <csignal>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "fabrisk/buildout/selftest.hpp"
#include "fabrisk/fabrisk.hpp"
#include "fabrisk/selftest.hpp"
#include "fabrisk_default_scenario.hpp"

namespace {

constexpr int exit_ok = 0, exit_failure = 1, exit_bad_input = 2;

// Temporary output files to remove if the run is interrupted (SIGINT, SIGTERM, SIGHUP), so an
// interrupted run leaves nothing behind; destructors do it on every other path. Fixed buffers,
// because a signal handler may only call async-signal-safe functions (unlink, signal, raise).
constexpr std::size_t max_outputs = 2, max_path = 4096;
char pending_temp[max_outputs][max_path];
volatile std::sig_atomic_t pending_count = 0;

extern "C" void remove_temp_files_and_die(int sig) {
    for (int i = 0; i < pending_count; ++i) ::unlink(pending_temp[i]);
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

void remove_on_interrupt(const fabrisk::output_file& f) {
    if (pending_count >= static_cast<int>(max_outputs) || f.temp_path().size() >= max_path) return;
    std::memcpy(pending_temp[pending_count], f.temp_path().c_str(), f.temp_path().size() + 1);
    pending_count = pending_count + 1;
    if (pending_count > 1) return;  // handlers already installed
    for (int sig : {SIGINT, SIGTERM, SIGHUP})  // leave ignored signals ignored (nohup, background jobs)
        if (std::signal(sig, remove_temp_files_and_die) == SIG_IGN) std::signal(sig, SIG_IGN);
}

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
    double precision = 0;
    std::uint64_t max_trials = 100'000'000, drivers_trials = 100'000;
    bool with_drivers = false;
    auto* precision_option = run->add_option("--precision", precision,
                                             "Add trials until the 95% half-width of P(target met) is at most this "
                                             "(a pilot, then extrapolation; --trials is then ignored)")
                                 ->check(CLI::Range(1e-6, 0.5));
    run->add_option("--max-trials", max_trials, "Cap for --precision")->capture_default_str()
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 50))->needs(precision_option);
    run->add_flag("--drivers", with_drivers, "Add the tornado (groups held at p10/p90) and the drivers (deciles, Spearman)");
    run->add_option("--drivers-trials", drivers_trials, "Trials per tornado bar end")->capture_default_str()
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));

    std::string validate_file;
    auto* validate = app.add_subcommand("validate", "Check a scenario file; exit 0 if valid, 2 if not");
    validate->add_option("scenario", validate_file, "Scenario JSON file")->required();

    auto* selftest = app.add_subcommand(
        "selftest", "Check this build: distributions (Kolmogorov-Smirnov against Boost.Math), copulas, the worked "
                    "example, determinism and the reference values; exit 0 if every check passes, 1 if not");

    std::string sens_file, sens_json, sens_output = "target_met";
    std::uint64_t sens_trials = 10'000, sens_seed = fabrisk::default_seed;
    unsigned sens_threads = 0;
    auto* sensitivity = app.add_subcommand(
        "sensitivity", "Sobol indices: which groups of uncertain inputs decide an output, ranked, with 95% intervals");
    sensitivity->add_option("scenario", sens_file, "Scenario JSON file (default: the built-in seven-trillion scenario)");
    sensitivity->add_option("--trials,-n", sens_trials, "Base trials N; the model runs N x (groups + 2) times")
        ->capture_default_str()->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
    sensitivity->add_option("--seed,-s", sens_seed, "Random seed; the same seed gives the same result")->capture_default_str();
    sensitivity->add_option("--threads,-t", sens_threads, "Worker threads (default: all cores); results do not depend on it")
        ->check(CLI::Range(1u, 1024u));
    sensitivity->add_option("--output,-o", sens_output, "Output to explain: any of MODEL.md section 5 except target_year")
        ->capture_default_str();
    sensitivity->add_option("--json", sens_json, "Write the indices as JSON to this file");

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return exit_bad_input;
    }

    try {
        if (*selftest) {
            auto checks = fabrisk::selftest::engine_checks();
            const auto s = fabrisk::buildout::parse_scenario(fabrisk::default_scenario_json);
            for (auto& c : fabrisk::buildout::selftest::model_checks(&s)) checks.push_back(std::move(c));
            std::cout << fabrisk::selftest::report(checks);
            return fabrisk::selftest::all_passed(checks) ? exit_ok : exit_failure;
        }
        if (*sensitivity) {
            const auto s = scenario_from(sens_file);
            const auto target = fabrisk::buildout::sensitivity_output(sens_output);
            std::optional<fabrisk::output_file> json_out;
            if (!sens_json.empty()) remove_on_interrupt(json_out.emplace(sens_json));
            fabrisk::sobol_options options;
            options.base_trials = sens_trials;
            options.seed = sens_seed;
            options.threads = fabrisk::resolve_threads(sens_threads);
            const auto result = fabrisk::buildout::sensitivity(s, target, options);
            if (json_out) {
                json_out->write(fabrisk::buildout::to_json(result).dump(2) + "\n");
                json_out->commit();
            }
            std::cout << fabrisk::buildout::to_text(result, options.threads);
            return exit_ok;
        }
        if (*validate) {
            const auto s = fabrisk::buildout::load_scenario(validate_file);
            std::cout << validate_file << ": valid scenario \"" << s.name << "\" (" << s.fab_count() << " fabs, "
                      << s.investors.size() << " investors)\n";
            return exit_ok;
        }
        const auto s = scenario_from(run_file);
        // Claim the output files before running, so an unwritable path fails at once.
        std::optional<fabrisk::output_file> json_out, csv_out;
        if (!json_file.empty()) remove_on_interrupt(json_out.emplace(json_file));
        if (!csv_file.empty()) remove_on_interrupt(csv_out.emplace(csv_file));
        fabrisk::run_options options;
        options.trials = trials;
        options.seed = seed;
        options.threads = fabrisk::resolve_threads(threads);
        fabrisk::buildout::result result;
        if (*precision_option) {
            fabrisk::buildout::precision_options p;
            p.half_width = precision;
            p.max_trials = max_trials;
            p.pilot_trials = std::min(p.pilot_trials, max_trials);
            result = fabrisk::buildout::simulate_to_precision(s, options, p);
        } else {
            result = fabrisk::buildout::simulate(s, options);
        }
        auto json = fabrisk::buildout::to_json(result);
        std::string analytics_text;
        if (with_drivers) {
            fabrisk::run_options bar_options = options;
            bar_options.trials = drivers_trials;
            const auto tornado = fabrisk::buildout::tornado(s, bar_options);
            fabrisk::run_options driver_options = options;
            driver_options.trials = result.trials;
            const auto drivers = fabrisk::buildout::drivers(s, driver_options);
            json["tornado"] = fabrisk::buildout::to_json(tornado);
            json["drivers"] = fabrisk::buildout::to_json(drivers);
            analytics_text = fabrisk::buildout::to_text(tornado, drivers);
        }
        // Write and flush every file before renaming any, so a failed write replaces none.
        if (json_out) json_out->write(json.dump(2) + "\n");
        if (csv_out) csv_out->write(fabrisk::buildout::to_csv(result));
        if (json_out) json_out->commit();
        if (csv_out) csv_out->commit();
        std::cout << fabrisk::buildout::to_text(result, options.threads) << analytics_text;
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
