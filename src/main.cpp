// The fabrisk command line: run a scenario, check one, explain one, or check the build itself.
// Exit status (README, "Exit status"): 0 success; 1 a failure that is not the input's fault
// (for selftest: a failed check); 2 a bad scenario or bad arguments; 3 --precision not reached
// (outputs written); 128 + signal when stopped by SIGINT (130) or SIGTERM (143).
#include <csignal>
#include <exception>
#include <functional>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "arguments.hpp"
#include "fabrisk/buildout/charts.hpp"
#include "fabrisk/buildout/commands.hpp"
#include "fabrisk/buildout/comparison.hpp"
#include "fabrisk/buildout/loaded_scenario.hpp"
#include "fabrisk/buildout/segmented_simulation.hpp"
#include "fabrisk/buildout/sweep_report.hpp"
#include "fabrisk/buildout/provenance.hpp"
#include "fabrisk/buildout/selftest.hpp"
#include "fabrisk/fabrisk.hpp"
#include "fabrisk/selftest.hpp"
#include "fabrisk_default_scenario.hpp"
#include "interrupts.hpp"
#include "mpi_communicator.hpp"
#include "plot_directory.hpp"
#include "progress.hpp"
#include "sha256.hpp"

namespace {

namespace fb = fabrisk::buildout;
using nlohmann::ordered_json;

constexpr int exit_ok = 0, exit_failure = 1, exit_bad_input = 2, exit_not_converged = 3;
constexpr std::uint64_t max_trials_accepted = std::uint64_t{1} << 50;

/// Parses scenario text (loaded_scenario.hpp), reports its plausibility warnings on stderr,
/// and refuses them under --strict.
fb::loaded_scenario load(const std::string& text, bool strict) {
    auto l = fb::load_scenario(text, strict);
    l.sha256 = fabrisk_cli::sha256_hex(text);
    for (const auto& w : l.warnings) std::cerr << "fabrisk: warning: " << w.path << ": " << w.message << "\n";
    return l;
}

/// The scenario file's bytes (standard input for "-"), or the built-in scenario's text if no
/// file is given.
std::string scenario_text(const std::string& file) {
    return file.empty() ? std::string(fabrisk::default_scenario_json) : fb::read_scenario_file(file);
}

/// What the --set overrides changed, so a scenario error there can name the --set.
fb::override_record overridden;

/// The scenario text with every --set applied in order.
std::string with_overrides(const std::string& text, const std::vector<std::string>& sets, const std::string& flag = "--set") {
    return fb::with_overrides(text, fb::parse_overrides(sets, flag), overridden);
}

/// A result file's text, for --rerun.
std::string result_text(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw fabrisk::io_error("cannot read result file " + file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

/// The request in a result written by `fabrisk run --json` (`text`, read from `file`), for --rerun.
fb::rerun_request read_result(const std::string& file, const std::string& text) {
    ordered_json j;
    try {
        j = ordered_json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw fabrisk::usage_error("--rerun " + file + ": not a JSON document (" + e.what() + ")");
    }
    try {
        return fb::read_rerun_request(j);
    } catch (const fabrisk::usage_error& e) {
        throw fabrisk::usage_error("--rerun " + file + ": " + e.what());
    }
}

/// Where the human summary goes: stdout, or stderr when an output is standard output, or
/// nowhere with --quiet.
struct summary_stream {
    std::ostream* out;
    void print(const std::string& text) const {
        if (out) *out << text << std::flush;
    }
};

/// --set PATH=VALUE, repeatable, one value each.
CLI::Option* add_set_option(CLI::App* command, std::vector<std::string>& sets) {
    return command
        ->add_option("--set", sets,
                     "Override the scenario: PATH=VALUE, VALUE in JSON (null removes); repeatable, applied in order. "
                     "E.g. target.installed_flops=1e24 or 'investors.list[group=gulf]=null'")
        ->allow_extra_args(false);
}

/// --plot DIR on a command.
void add_plot_option(CLI::App* command, std::string& dir) {
    command->add_option("--plot", dir, "Write charts to this directory (made if missing): SVG and PNG drawn by gnuplot, "
                                       "with their data and gnuplot scripts");
}
/// Claims --plot's directory (if given) before the work starts, so a bad path fails at once.
void claim_plot(std::optional<fabrisk_cli::plot_directory>& plot, const std::string& dir) {
    if (!dir.empty()) plot.emplace(dir);
}
/// Draws the charts, if --plot was given, and says where they are (unless quiet).
void draw_charts(const std::optional<fabrisk_cli::plot_directory>& plot, const std::vector<fb::chart>& charts, bool quiet) {
    if (!plot || !plot->draw(charts, std::cerr) || quiet) return;
    std::cerr << "fabrisk: charts in " << plot->path() << ":";
    for (const auto& c : charts) std::cerr << " " << c.name << ".svg";
    std::cerr << " (and .png)\n";
}

/// The exit status main() gives an exception (see the catch clauses at its end).
int exit_status_of(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const fabrisk::scenario_error&) {
        return exit_bad_input;
    } catch (const fabrisk::usage_error&) {
        return exit_bad_input;
    } catch (...) {
        return exit_failure;
    }
}

/// Ends a rank other than 0 with rank 0's exit status, rank 0 having said why.
struct quiet_exit {
    int status;
};

/// `read()` on rank 0 (which alone may read standard input), its bytes given to every rank. If
/// it throws, rank 0 rethrows it (and reports it) and the other ranks end with its exit status.
std::string read_on_rank_0(fabrisk::communicator& comm, const std::function<std::string()>& read) {
    if (comm.size() == 1) return read();
    std::string packet;
    std::exception_ptr failure;
    if (comm.rank() == 0) {
        try {
            packet = "+" + read();
        } catch (...) {
            failure = std::current_exception();
            packet = std::to_string(exit_status_of(failure));
        }
    }
    comm.broadcast(packet);
    if (failure) std::rethrow_exception(failure);
    if (packet.empty() || packet[0] != '+') throw quiet_exit{std::stoi(packet)};
    return packet.substr(1);
}

/// Claims the output at `path` (if any) into `f`, so an unwritable path fails before the run.
void claim_output(std::optional<fabrisk::output_file>& f, const std::string& path) {
    if (!path.empty()) fabrisk_cli::remove_on_interrupt(f.emplace(path).temp_path());
}

}  // namespace

int main(int argc, char** argv) {
    // Under an MPI launcher every rank runs this; rank 0 alone reads standard input, prints and
    // writes files (the others' standard output and error go to /dev/null).
    fabrisk_cli::parallel_session session(argc, argv);
    fabrisk::communicator& comm = session.comm();
    if (comm.rank() != 0) fabrisk_cli::silence_standard_streams();
    // FABRISK_TARGET restricts the kernels' instruction set (simd_target.hpp) before anything runs.
    try {
        fabrisk::restrict_simd_target_from_environment();
    } catch (const fabrisk::usage_error& e) {
        std::cerr << "fabrisk: " << e.what() << "\n";
        return exit_bad_input;
    }
    CLI::App app{"fabrisk: Monte Carlo risk engine for compute build-out plans"};
    std::string supported;
    for (const auto& t : fabrisk::simd_targets_supported()) supported += (supported.empty() ? "" : ", ") + t;
    app.set_version_flag("--version", std::string("fabrisk ") + fabrisk::version_string + "\nsimd target: " +
                                          fabrisk::simd_target() + " (this processor supports " + supported + ")");
    app.require_subcommand(1);

    // run
    std::string run_file, json_file, csv_file, rerun_file;
    std::string trials_text = "1000000", seed_text = std::to_string(fabrisk::default_seed);
    std::string max_trials_text = "100000000", drivers_trials_text = "100000";
    unsigned threads = 0;
    bool quiet = false, strict = false;
    auto* run = app.add_subcommand("run", "Run a scenario (the built-in $7T plan if no file is given) and print a summary");
    auto* scenario_arg = run->add_option(
        "scenario", run_file, "Scenario JSON file, - for standard input (default: the built-in seven-trillion scenario)");
    auto* trials_option = run->add_option("--trials,-n", trials_text, "Number of trials (1000000, 1e6 or 1_000_000)")
                              ->capture_default_str();
    auto* seed_option =
        run->add_option("--seed,-s", seed_text, "Random seed, 0 to 2^64-1; the same seed gives the same result")->capture_default_str();
    run->add_option("--threads,-t", threads, "Worker threads (default: all cores); results do not depend on it")
        ->check(CLI::Range(1u, 1024u));
    run->add_option("--json", json_file, "Write the full result as JSON to this file (- for standard output)");
    run->add_option("--csv", csv_file, "Write one row of statistics per output as CSV to this file (- for standard output)");
    std::string samples_file;
    bool samples_inputs = false;
    auto* samples_option = run->add_option(
        "--samples", samples_file,
        "Write every trial's outputs to this file, streamed: NumPy .npy or .npz if the name ends so, else CSV (- for "
        "standard output)");
    run->add_flag("--samples-inputs", samples_inputs, "With --samples: add each trial's drawn scalar inputs")
        ->needs(samples_option);
    run->add_flag("--quiet,-q", quiet, "Print no summary and no progress");
    std::string run_plot;
    add_plot_option(run, run_plot);
    run->add_flag("--strict", strict, "Treat the scenario's plausibility warnings as errors");
    std::vector<std::string> run_sets;
    auto* run_set_option = add_set_option(run, run_sets);
    double precision = 0;
    bool with_drivers = false;
    auto* precision_option = run->add_option("--precision", precision,
                                             "Add trials until the 95% half-width of P(target met) is at most this "
                                             "(a pilot, then extrapolation; --trials is then ignored); exit 3 if not reached")
                                 ->check(CLI::Range(1e-6, 0.5));
    auto* max_trials_option =
        run->add_option("--max-trials", max_trials_text, "Cap for --precision")->capture_default_str()->needs(precision_option);
    auto* drivers_option =
        run->add_flag("--drivers", with_drivers, "Add the tornado (groups held at p10/p90) and the drivers (deciles, Spearman)");
    auto* drivers_trials_option =
        run->add_option("--drivers-trials", drivers_trials_text, "Trials per tornado bar end")->capture_default_str();
    std::string checkpoint_file, resume_file;
    double checkpoint_every = 60;
    auto* checkpoint_option = run->add_option(
        "--checkpoint", checkpoint_file,
        "Write the run's state to this file every --checkpoint-every seconds and at the end (atomically), to --resume from");
    run->add_option("--checkpoint-every", checkpoint_every, "Seconds between checkpoints")
        ->capture_default_str()
        ->check(CLI::Range(0.001, 1e9))
        ->needs(checkpoint_option);
    auto* resume_option = run->add_option(
        "--resume", resume_file,
        "Continue the run saved in this checkpoint (the same scenario, --set, --seed and --trials); refused if it is not");
    run->add_option("--rerun", rerun_file,
                    "Make a JSON result again from its own provenance (scenario, seed, trials, options): byte-identical")
        ->excludes(scenario_arg, trials_option, seed_option, precision_option, max_trials_option, drivers_option,
                   drivers_trials_option, run_set_option, checkpoint_option, resume_option);
    precision_option->excludes(checkpoint_option, resume_option);
    samples_option->excludes(checkpoint_option, resume_option);

    // validate
    std::string validate_file;
    bool validate_strict = false;
    auto* validate = app.add_subcommand("validate", "Check a scenario file; exit 0 if valid, 2 if not");
    validate->add_option("scenario", validate_file, "Scenario JSON file (- for standard input)")->required();
    validate->add_flag("--strict", validate_strict, "Treat plausibility warnings as errors");
    std::vector<std::string> validate_sets;
    add_set_option(validate, validate_sets);

    auto* selftest = app.add_subcommand(
        "selftest", "Check this build: distributions (Kolmogorov-Smirnov against Boost.Math), copulas, the worked "
                    "example, determinism and the reference values; exit 0 if every check passes, 1 if not");

    // sensitivity
    std::string sens_file, sens_json, sens_output = "target_met";
    std::string sens_trials_text = "10000", sens_seed_text = std::to_string(fabrisk::default_seed);
    unsigned sens_threads = 0;
    bool sens_strict = false;
    auto* sensitivity = app.add_subcommand(
        "sensitivity", "Sobol indices: which groups of uncertain inputs decide an output, ranked, with 95% intervals");
    sensitivity->add_option("scenario", sens_file,
                            "Scenario JSON file, - for standard input (default: the built-in seven-trillion scenario)");
    sensitivity->add_option("--trials,-n", sens_trials_text, "Base trials N; the model runs N x (groups + 2) times")
        ->capture_default_str();
    sensitivity->add_option("--seed,-s", sens_seed_text, "Random seed; the same seed gives the same result")->capture_default_str();
    sensitivity->add_option("--threads,-t", sens_threads, "Worker threads (default: all cores); results do not depend on it")
        ->check(CLI::Range(1u, 1024u));
    sensitivity->add_option("--output,-o", sens_output, "Output to explain: any output except target_year")
        ->capture_default_str();
    sensitivity->add_option("--json", sens_json, "Write the indices as JSON to this file (- for standard output)");
    sensitivity->add_flag("--strict", sens_strict, "Treat the scenario's plausibility warnings as errors");
    std::vector<std::string> sens_sets;
    add_set_option(sensitivity, sens_sets);
    std::string sens_plot;
    add_plot_option(sensitivity, sens_plot);

    // compare
    std::string cmp_a_file, cmp_b_file, cmp_json;
    std::string cmp_trials_text = "1000000", cmp_seed_text = std::to_string(fabrisk::default_seed);
    unsigned cmp_threads = 0;
    bool cmp_quiet = false, cmp_strict = false;
    std::vector<std::string> cmp_sets, cmp_sets_b;
    auto* compare = app.add_subcommand(
        "compare", "Run two scenarios on the same trials and report the paired differences B - A with their intervals");
    compare->add_option("a", cmp_a_file, "Scenario A, - for standard input (default: the built-in seven-trillion scenario)");
    compare->add_option("b", cmp_b_file, "Scenario B (default: A, so B can be A with --set-b overrides)");
    add_set_option(compare, cmp_sets)->description("Override both scenarios: PATH=VALUE (VALUE in JSON, null removes); repeatable");
    compare->add_option("--set-b", cmp_sets_b, "Override scenario B only, after --set: PATH=VALUE; repeatable")
        ->allow_extra_args(false);
    compare->add_option("--trials,-n", cmp_trials_text, "Number of trials, the same for both")->capture_default_str();
    compare->add_option("--seed,-s", cmp_seed_text, "Random seed, the same for both")->capture_default_str();
    compare->add_option("--threads,-t", cmp_threads, "Worker threads (default: all cores); results do not depend on it")
        ->check(CLI::Range(1u, 1024u));
    compare->add_option("--json", cmp_json, "Write {a, b, difference} as JSON to this file (- for standard output)");
    compare->add_flag("--quiet,-q", cmp_quiet, "Print no summary");
    compare->add_flag("--strict", cmp_strict, "Treat the scenarios' plausibility warnings as errors");
    std::string cmp_plot;
    add_plot_option(compare, cmp_plot);

    // sweep
    std::string sweep_file, sweep_json, sweep_csv;
    std::string sweep_trials_text = "1000000", sweep_seed_text = std::to_string(fabrisk::default_seed);
    unsigned sweep_threads = 0;
    bool sweep_quiet = false, sweep_strict = false;
    std::vector<std::string> sweep_sets, sweep_ranges;
    auto* sweep = app.add_subcommand(
        "sweep", "Run a scenario at every value of one or two inputs, on the same trials, and print P(target met) for each");
    sweep->add_option("scenario", sweep_file, "Scenario JSON file, - for standard input (default: the built-in scenario)");
    sweep->add_option("--set", sweep_sets,
                      "PATH=V1,V2,... sweeps PATH over the values (JSON); PATH=VALUE with one value is a plain override")
        ->allow_extra_args(false);
    sweep->add_option("--range", sweep_ranges, "PATH=LO:HI:N[:log]: N values from LO to HI, evenly or in log scale")
        ->allow_extra_args(false);
    sweep->add_option("--trials,-n", sweep_trials_text, "Trials at every point")->capture_default_str();
    sweep->add_option("--seed,-s", sweep_seed_text, "Random seed, the same at every point")->capture_default_str();
    sweep->add_option("--threads,-t", sweep_threads, "Worker threads (default: all cores); results do not depend on it")
        ->check(CLI::Range(1u, 1024u));
    sweep->add_option("--json", sweep_json, "Write every point as JSON to this file (- for standard output)");
    sweep->add_option("--csv", sweep_csv, "Write one row per point as CSV to this file (- for standard output)");
    sweep->add_flag("--quiet,-q", sweep_quiet, "Print no table");
    sweep->add_flag("--strict", sweep_strict, "Treat the scenario's plausibility warnings as errors");
    std::string sweep_plot;
    add_plot_option(sweep, sweep_plot);

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return exit_bad_input;
    }

    using fabrisk_cli::parse_count;
    const std::uint64_t max_seed = ~std::uint64_t{0};
    try {
        if (comm.size() > 1 && (*selftest || *validate))
            throw fabrisk::usage_error("`fabrisk " + app.get_subcommands().front()->get_name() +
                                       "` runs as one process, not over MPI ranks");
        if (*selftest) {
            auto checks = fabrisk::selftest::engine_checks();
            const auto s = fb::parse_scenario(fabrisk::default_scenario_json);
            for (auto& c : fb::selftest::model_checks(&s)) checks.push_back(std::move(c));
            std::cout << fabrisk::selftest::report(checks);
            return fabrisk::selftest::all_passed(checks) ? exit_ok : exit_failure;
        }
        if (*validate) {
            const auto l = load(with_overrides(fb::read_scenario_file(validate_file), validate_sets), validate_strict);
            std::cout << validate_file << ": valid scenario \"" << l.scenario.name << "\" (" << l.scenario.fab_count()
                      << " fabs, " << l.scenario.investors.size() << " investors"
                      << (l.warnings.empty() ? "" : ", " + std::to_string(l.warnings.size()) + " warning(s)") << ")\n";
            return exit_ok;
        }
        if (*sensitivity) {
            fabrisk::sobol_options options;
            options.base_trials = parse_count(sens_trials_text, "--trials", "the number of base trials", 1, std::uint64_t{1} << 40);
            options.seed = parse_count(sens_seed_text, "--seed", "a seed", 0, max_seed);
            options.threads = fabrisk::resolve_threads(sens_threads);
            options.comm = &comm;
            const std::string text = with_overrides(read_on_rank_0(comm, [&] { return scenario_text(sens_file); }), sens_sets);
            const auto l = load(text, sens_strict);
            const auto target = fb::sensitivity_output(sens_output);
            fabrisk_cli::handle_interrupts();
            std::optional<fabrisk::output_file> json_out;
            std::optional<fabrisk_cli::plot_directory> plot;
            if (comm.rank() == 0) {  // rank 0 writes every output
                claim_output(json_out, sens_json);
                claim_plot(plot, sens_plot);
            }
            const summary_stream summary{json_out && json_out->writes_to_standard_output() ? &std::cerr : &std::cout};
            const auto result = fb::sensitivity(l.scenario, target, options);
            if (comm.rank() != 0) return exit_ok;
            if (json_out || plot) {
                const auto document = fb::sensitivity_json(result, l);
                if (json_out) {
                    json_out->write(document.dump(2) + "\n");
                    json_out->commit();
                }
                draw_charts(plot, fb::sensitivity_charts(document), false);
            }
            summary.print(fb::to_text(result, options.threads));
            return exit_ok;
        }

        if (*sweep) {
            fabrisk::run_options options;
            options.trials = parse_count(sweep_trials_text, "--trials", "the number of trials", 1, max_trials_accepted);
            options.seed = parse_count(sweep_seed_text, "--seed", "a seed", 0, max_seed);
            options.threads = fabrisk::resolve_threads(sweep_threads);
            if (!sweep_json.empty() && sweep_json == sweep_csv)
                throw fabrisk::usage_error("--json and --csv cannot both be " + sweep_json);
            std::vector<std::string> fixed;
            std::vector<fabrisk::sweep_axis> axes;
            for (const auto& set : sweep_sets) {
                auto axis = fabrisk::parse_sweep_values(set, "--set " + set);
                if (axis.values.size() > 1) axes.push_back(std::move(axis));
                else fixed.push_back(set);
            }
            for (const auto& range : sweep_ranges) axes.push_back(fabrisk::parse_sweep_range(range, "--range " + range));
            fb::check_sweep_axes(axes, "--set PATH=V1,V2,... or --range PATH=LO:HI:N");
            const auto points = fb::load_sweep_points(with_overrides(read_on_rank_0(comm, [&] { return scenario_text(sweep_file); }), fixed),
                                                      axes, overridden,
                                                      [&](const std::string& text) { return load(text, sweep_strict); });
            fabrisk::stop_flag stop;
            fabrisk_cli::handle_interrupts(&stop);
            options.stop = &stop;
            std::optional<fabrisk::output_file> json_out, csv_out;
            std::optional<fabrisk_cli::plot_directory> plot;
            if (comm.rank() == 0) {  // rank 0 writes every output
                claim_output(json_out, sweep_json);
                claim_output(csv_out, sweep_csv);
                claim_plot(plot, sweep_plot);
            }
            const bool to_stdout =
                (json_out && json_out->writes_to_standard_output()) || (csv_out && csv_out->writes_to_standard_output());
            const summary_stream summary{sweep_quiet ? nullptr : to_stdout ? &std::cerr : &std::cout};
            const auto results = fb::run_sweep(points, options, &comm);
            if (comm.rank() != 0) {
                const int sig = fabrisk_cli::stop_signal();
                return sig ? 128 + sig : exit_ok;
            }
            const auto table = fb::sweep_table(axes, results);
            const auto document = fb::sweep_json(axes, results);
            if (json_out) json_out->write(document.dump(2) + "\n");
            if (csv_out) csv_out->write(fb::sweep_csv(axes, results));
            for (const bool direct : {false, true})
                for (auto* out : {&json_out, &csv_out})
                    if (*out && (*out)->is_direct() == direct) (*out)->commit();
            if (!results.empty()) draw_charts(plot, fb::sweep_charts(document), sweep_quiet);
            summary.print(table);
            if (const int sig = fabrisk_cli::stop_signal()) {
                std::cerr << "fabrisk: stopped by " << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << " after " << results.size()
                          << " of " << points.size() << " points; the last may be incomplete\n";
                return 128 + sig;
            }
            return exit_ok;
        }
        if (*compare) {
            fabrisk::run_options options;
            options.trials = parse_count(cmp_trials_text, "--trials", "the number of trials", 1, max_trials_accepted);
            options.seed = parse_count(cmp_seed_text, "--seed", "a seed", 0, max_seed);
            options.threads = fabrisk::resolve_threads(cmp_threads);
            if (cmp_a_file == "-" && cmp_b_file == "-")
                throw fabrisk::usage_error("compare: only one scenario can be read from standard input");
            const std::string a_base = read_on_rank_0(comm, [&] { return scenario_text(cmp_a_file); });
            const std::string b_base = cmp_b_file.empty() ? a_base : read_on_rank_0(comm, [&] { return scenario_text(cmp_b_file); });
            const std::string a_text = with_overrides(a_base, cmp_sets);
            const std::string b_text = with_overrides(with_overrides(b_base, cmp_sets), cmp_sets_b, "--set-b");
            auto la = load(a_text, cmp_strict), lb = load(b_text, cmp_strict);
            fabrisk::stop_flag stop;
            fabrisk_cli::handle_interrupts(&stop);
            options.stop = &stop;
            std::optional<fabrisk::output_file> json_out;
            std::optional<fabrisk_cli::plot_directory> plot;
            if (comm.rank() == 0) {  // rank 0 writes every output
                claim_output(json_out, cmp_json);
                claim_plot(plot, cmp_plot);
            }
            const summary_stream summary{cmp_quiet ? nullptr : json_out && json_out->writes_to_standard_output() ? &std::cerr : &std::cout};
            fb::comparison result;
            try {
                result = fb::compare(la.scenario, lb.scenario, options, &comm);
                if (comm.rank() != 0) {
                    const int sig = fabrisk_cli::stop_signal();
                    return sig ? 128 + sig : exit_ok;
                }
            } catch (const fabrisk::stopped_early&) {
                const int sig = fabrisk_cli::stop_signal();
                std::cerr << "fabrisk: stopped before the first trials were complete; nothing written\n";
                return 128 + (sig ? sig : SIGINT);
            }
            if (json_out || plot) {
                const auto document = fb::comparison_json(result, la, lb, options);
                if (json_out) {
                    json_out->write(document.dump(2) + "\n");
                    json_out->commit();
                }
                draw_charts(plot, fb::comparison_charts(document), cmp_quiet);
            }
            auto label = [&](const std::string& file, const std::string& name, bool b) {
                std::string text = "\"" + name + "\"" + (file.empty() ? "" : file == "-" ? " (standard input)" : " (" + file + ")");
                for (const auto& set : cmp_sets) text += " --set " + set;
                if (b)
                    for (const auto& set : cmp_sets_b) text += " --set-b " + set;
                return text;
            };
            summary.print(fb::to_text(result, label(cmp_a_file, la.scenario.name, false),
                                      label(cmp_b_file.empty() ? cmp_a_file : cmp_b_file, lb.scenario.name, true), options.threads));
            if (const int sig = fabrisk_cli::stop_signal()) {
                std::cerr << "fabrisk: stopped by " << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << " after "
                          << fabrisk_cli::grouped(result.a.trials) << " trials; the outputs say \"complete\": false\n";
                return 128 + sig;
            }
            return exit_ok;
        }

        // run
        if (!json_file.empty() && json_file == csv_file)
            throw fabrisk::usage_error("--json and --csv cannot both be " + json_file);
        for (const auto& [flag, other] : {std::pair{"--json", &json_file}, std::pair{"--csv", &csv_file}})
            if (!samples_file.empty() && samples_file == *other)
                throw fabrisk::usage_error(std::string(flag) + " and --samples cannot both be " + samples_file);
        fb::provenance source;
        std::uint64_t stop_after = 0;
        bool replaying_incomplete = false;
        std::string text;
        if (!rerun_file.empty()) {
            const auto request = read_result(rerun_file, read_on_rank_0(comm, [&] { return result_text(rerun_file); }));
            if (request.source.fabrisk_version != fabrisk::version_string)
                std::cerr << "fabrisk: warning: " << rerun_file << " was made by fabrisk " << request.source.fabrisk_version
                          << ", this is " << fabrisk::version_string << ": the numbers may differ\n";
            source = request.source;
            text = source.scenario.dump();
            replaying_incomplete = !request.complete;
            if (replaying_incomplete) stop_after = request.trials_run;
        } else {
            text = with_overrides(read_on_rank_0(comm, [&] { return scenario_text(run_file); }), run_sets);
            source.settings.trials = parse_count(trials_text, "--trials", "the number of trials", 1, max_trials_accepted);
            source.settings.seed = parse_count(seed_text, "--seed", "a seed", 0, max_seed);
            if (*precision_option) {
                fb::precision_options p;
                p.half_width = precision;
                p.max_trials = parse_count(max_trials_text, "--max-trials", "the most trials to run", 1, max_trials_accepted);
                source.settings.precision = p;
            }
            if (with_drivers)
                source.settings.drivers_trials =
                    parse_count(drivers_trials_text, "--drivers-trials", "the trials per tornado bar end", 1, std::uint64_t{1} << 40);
        }
        auto l = load(text, strict);
        if (rerun_file.empty()) {
            source.scenario_sha256 = l.sha256;
            source.scenario = std::move(l.document);
        }
        source.warnings = l.warnings;
        const auto& settings = source.settings;

        fabrisk::stop_flag stop;
        fabrisk_cli::handle_interrupts(&stop);
        // A run in segments: over several MPI ranks, or with checkpoints (segmented_simulation.hpp).
        const bool segmented = comm.size() > 1 || !checkpoint_file.empty() || !resume_file.empty();
        if (segmented && !samples_file.empty())
            throw fabrisk::usage_error("--samples cannot be written by a run over several MPI ranks");
        if (segmented && settings.precision)
            throw fabrisk::usage_error("--precision is not available over several MPI ranks yet");
        for (const auto& [flag, other] : {std::pair{"--json", &json_file}, std::pair{"--csv", &csv_file}})
            if (!checkpoint_file.empty() && checkpoint_file == *other)
                throw fabrisk::usage_error(std::string(flag) + " and --checkpoint cannot both be " + checkpoint_file);
        // Claim the outputs before running, so an unwritable path fails at once (rank 0 writes them).
        std::optional<fabrisk::output_file> json_out, csv_out;
        std::optional<fabrisk::output_file> samples_out;
        std::optional<fabrisk::sample_writer> samples;
        std::optional<fabrisk_cli::plot_directory> plot;
        const std::string resumed = resume_file.empty() ? std::string()
                                                        : read_on_rank_0(comm, [&] { return fabrisk::read_run_state_file(resume_file); });
        if (!resumed.empty() && !quiet) {
            try {  // only to say so: every rank checks the checkpoint in the run itself
                const auto state = fabrisk::decode(resumed, resume_file);
                std::cerr << "fabrisk: resuming from " << resume_file << ": " << fabrisk_cli::grouped(state.trials_done) << " of "
                          << fabrisk_cli::grouped(state.identity.planned_trials) << " trials done\n";
            } catch (const fabrisk::state_error&) {
            }
        }
        if (comm.rank() == 0) {
            claim_output(json_out, json_file);
            claim_output(csv_out, csv_file);
            if (!samples_file.empty()) {
                const auto format = fabrisk::sample_format_of(samples_file);  // a bad name fails before claiming
                claim_output(samples_out, samples_file);
                samples.emplace(*samples_out, fb::sample_columns(l.scenario, samples_inputs), format);
            }
            if (!checkpoint_file.empty()) fabrisk::output_file claimed(checkpoint_file);  // writable? (written later)
            claim_plot(plot, run_plot);
        }
        const bool to_stdout = (json_out && json_out->writes_to_standard_output()) ||
                               (csv_out && csv_out->writes_to_standard_output()) ||
                               (samples_out && samples_out->writes_to_standard_output());
        const summary_stream summary{quiet ? nullptr : to_stdout ? &std::cerr : &std::cout};
        using display = fabrisk_cli::progress_display;
        display progress(!quiet && (comm.size() > 1 || ::isatty(STDERR_FILENO)),
                         comm.size() > 1 ? display::style::lines : display::style::redrawn);
        const fb::progress_callback on_progress = [&](const fb::run_progress& p) { progress.update(p); };

        fabrisk::run_options options;
        options.trials = settings.trials;
        options.seed = settings.seed;
        options.threads = fabrisk::resolve_threads(threads);
        options.stop = &stop;
        options.stop_after = stop_after;
        fb::result result;
        try {
            if (segmented) {
                fb::segmented_settings how;
                how.identity = {"run", fabrisk::version_string, source.scenario_sha256, settings.seed, settings.trials};
                how.resume = resumed;
                how.resume_name = "checkpoint " + resume_file;
                if (!checkpoint_file.empty() && comm.rank() == 0) {
                    how.checkpoint_seconds = checkpoint_every;
                    how.write_checkpoint = [&](const std::string& bytes) {
                        fabrisk::output_file out(checkpoint_file);
                        out.write(bytes);
                        out.commit();
                    };
                }
                if (stop_after) options.trials = std::min(options.trials, stop_after);  // --rerun of a stopped run
                options.stop_after = 0;
                const auto r = fb::simulate_segmented(l.scenario, options, comm, how, on_progress);
                if (!r) {  // a rank other than 0: rank 0 writes everything
                    const int sig = fabrisk_cli::stop_signal();
                    return sig ? 128 + sig : exit_ok;
                }
                result = *r;
            } else {
                result = fb::simulate_settings(l.scenario, settings, options, on_progress, samples ? &*samples : nullptr);
            }
        } catch (const fabrisk::stopped_early&) {
            progress.finish();
            const int sig = fabrisk_cli::stop_signal();
            std::cerr << "fabrisk: stopped by " << (sig == SIGTERM ? "SIGTERM" : "SIGINT")
                      << " before the first trials were complete; nothing written\n";
            return 128 + (sig ? sig : SIGINT);
        }
        progress.finish();
        if (replaying_incomplete) result.complete = false;

        fb::run_analytics analytics;
        if (settings.drivers_trials && result.complete && !stop.requested())
            analytics = fb::analyse(l.scenario, options, *settings.drivers_trials, result.trials);
        if (stop.requested()) result.complete = false;
        const auto json = fb::run_json(result, source, analytics);
        // Write (and flush) every file before committing any, so a failed write replaces none.
        if (json_out) json_out->write(json.dump(2) + "\n");
        if (csv_out) csv_out->write(fb::to_csv(result));
        if (samples) samples->finish();
        // Regular files first (all or nothing), then pipes and the like.
        for (const bool direct : {false, true})
            for (auto* out : {&json_out, &csv_out, &samples_out})
                if (*out && (*out)->is_direct() == direct) (*out)->commit();
        draw_charts(plot, fb::run_charts(json), quiet);
        summary.print(fb::to_text(result, options.threads) + analytics.text);
        if (const int sig = fabrisk_cli::stop_signal()) {
            std::cerr << "fabrisk: stopped by " << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << " after "
                      << fabrisk_cli::grouped(result.trials) << " trials; the outputs say \"complete\": false\n";
            return 128 + sig;
        }
        if (result.convergence && !result.convergence->converged) {
            std::cerr << "fabrisk: the precision asked for was not reached within --max-trials (exit status 3)\n";
            return exit_not_converged;
        }
        return exit_ok;
    } catch (const quiet_exit& e) {
        return e.status;
    } catch (const fabrisk::peer_failed& e) {
        std::cerr << "fabrisk: " << e.what() << " (run it as one process to see why)\n";
        return exit_failure;
    } catch (const fabrisk::scenario_error& e) {
        // One line per problem, each saying what it is.
        for (const auto& line : overridden.problem_lines(e)) std::cerr << "fabrisk: invalid scenario: " << line << "\n";
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
