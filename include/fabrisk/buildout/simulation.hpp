#pragma once
/// \file buildout/simulation.hpp
/// From a scenario to the full result of docs/model.md §5, in one call or step by step:
///
///     auto s = fabrisk::buildout::load_scenario("plan.json");
///     fabrisk::run_options o;
///     o.trials = 1'000'000;
///     auto r = fabrisk::buildout::simulate(s, o);
///     double p = r.target_met.estimate();
///
/// `simulate_to_precision` adds trials until the 95% interval of P(target met) is narrow
/// enough, by the engine's stopping rule (precision.hpp).
///
/// Both can also write every trial's outputs (and drawn inputs) to a sample_writer, from the
/// same trials as the result (buildout/samples.hpp names the columns).
///
/// Both honour `run_options::stop`: a run asked to stop ends at a chunk boundary and returns
/// the result of the trials merged so far, with `complete` false. That result is the one a run
/// of exactly that many trials gives. Progress (trials done, the current P(target met)) can be
/// followed with a `progress_callback`.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fabrisk/buildout/model.hpp"
#include "fabrisk/buildout/samples.hpp"
#include "fabrisk/buildout/scenario.hpp"
#include "fabrisk/precision.hpp"
#include "fabrisk/runner.hpp"
#include "fabrisk/sample_writer.hpp"
#include "fabrisk/sink_pair.hpp"
#include "fabrisk/state_bytes.hpp"
#include "fabrisk/special_functions.hpp"
#include "fabrisk/statistics.hpp"

namespace fabrisk::buildout {

/// The engine's stopping rule (precision.hpp), here applied to P(target met).
using fabrisk::convergence_step;
using fabrisk::convergence_trace;
using fabrisk::precision_options;

struct result {
    std::string scenario_name;
    std::uint64_t trials = 0, seed = 0;
    /// False if the run was stopped before its planned trials (`trials` then counts those
    /// actually run, a whole number of chunks) or before --precision's rule could be met.
    bool complete = true;
    double target_flops = 0;
    int deadline_year = 0;
    proportion target_met;                                   ///< P(target met) and its Wilson interval
    std::vector<std::pair<int, double>> reached_by_year;     ///< (year, share reached by its end)
    std::array<output_summary, output_count> outputs;        ///< indexed by `output`
    double never_share = 0;                                  ///< share of trials that never reach the target
    /// (x, P(installed_flops ≥ x)) on a log grid from target/100 to 100·target, ten points a
    /// decade; the point x = target is P(target met) exactly. Read as a function of x, it is
    /// P(target met) had the target been x.
    std::vector<std::pair<double, double>> exceedance;
    std::optional<convergence_trace> convergence;  ///< set by simulate_to_precision

    const output_summary& operator[](output o) const { return outputs[static_cast<std::size_t>(o)]; }
};

/// Where a run stands, handed to a progress_callback after each chunk is merged.
class run_progress {
public:
    run_progress(std::uint64_t done, std::uint64_t planned, const output_statistics& stats)
        : trials_done(done), trials_planned(planned), stats_(&stats) {}
    std::uint64_t trials_done, trials_planned;
    /// P(target met) over the trials done. From the merged mean of the 0/1 output, because
    /// the exact threshold counts include the workers' partials only at the end of a run.
    proportion target_met() const {
        const double share = stats_->merged_mean(static_cast<std::size_t>(output::target_met));
        return {static_cast<std::uint64_t>(std::llround(share * double(trials_done))), trials_done};
    }

private:
    const output_statistics* stats_;
};
/// Called on a worker thread, one call at a time; keep it cheap (throttle any display).
using progress_callback = std::function<void(const run_progress&)>;

/// The extra counts the result needs of each output (docs/model.md §5): P(target met) exactly,
/// reached by the end of each year, and the exceedance of installed compute.
std::vector<output_config> output_configs(const scenario& s);
/// The result of docs/model.md §5 from the statistics of `trials` trials of scenario `s`, whose
/// outputs are columns first_column … first_column + output_count − 1 of `stats` (configured
/// by output_configs(s)).
result summarize(const scenario& s, const output_statistics& stats, std::uint64_t trials, std::uint64_t seed,
                 std::size_t first_column = 0);
/// target·10^(i/10) for i = −20 … 20; the middle point is the target itself.
std::vector<double> exceedance_grid(double target);

/// A run that can be extended: trials are added in order, so a run extended in steps that are
/// multiples of chunk_trials gives exactly the result of one run of the total.
class simulation {
public:
    static constexpr int exceedance_points_per_decade = 10;
    static constexpr int exceedance_decades = 2;  ///< on each side of the target

    simulation(const scenario& s, std::uint64_t seed, unsigned threads = 0)
        : scenario_(s), model_(s), seed_(seed), threads_(threads), stats_(output_count, output_configs(s)) {}

    /// Stops extend() at a chunk boundary once `stop` is requested (nullptr: never).
    void stop_when(const stop_flag* stop) noexcept { stop_ = stop; }
    bool stop_requested() const noexcept { return stop_ && stop_->requested(); }
    /// Reports progress after every chunk; `planned` is the total the caller aims for.
    void on_progress(progress_callback callback, std::uint64_t planned) {
        progress_ = std::move(callback);
        planned_ = planned;
    }
    void plan(std::uint64_t planned) noexcept { planned_ = planned; }
    /// Ends the run, as a stop would, once `total` trials have run (0: no such end). Replays a
    /// run that was stopped there.
    void stop_after(std::uint64_t total) noexcept { stop_after_ = total; }
    /// Writes every trial run from now on to `samples` too (nullptr: no longer), from the same
    /// trials as the statistics. Its columns must be sample_columns(scenario, with_inputs) for
    /// one choice of with_inputs. The caller finishes the writer after the run.
    void write_samples(sample_writer* samples) {
        if (samples && samples->columns() != sample_columns(scenario_, false) &&
            samples->columns() != sample_columns(scenario_, true))
            throw usage_error("simulation::write_samples: the writer's columns are not the scenario's sample_columns");
        samples_ = samples;
    }

    /// Runs the next `trials` trials, or fewer (whole chunks) if stopped; returns how many ran.
    std::uint64_t extend(std::uint64_t trials) {
        if (stop_after_) trials = std::min(trials, stop_after_ - std::min(stop_after_, trials_));
        if (trials == 0) return 0;
        run_options o = options_for(trials_, trials, stop_);
        if (progress_) {
            const std::uint64_t before = trials_;
            o.progress = [&, before](std::uint64_t merged) { progress_(run_progress(before + merged, planned_, stats_)); };
        }
        const std::uint64_t done = run_once(o);
        trials_ += done;
        return done;
    }

    /// Runs trials [first, first + n) of the run into the statistics, stopping at a chunk
    /// boundary if `stop` is requested, and returns how many ran. The statistics are a sum once
    /// their bins are chosen (after the first 67,584 trials; segmented_run.hpp), so ranges may
    /// then be run in any order, here or in another process, and added up with the same bits.
    std::uint64_t run_range(std::uint64_t first, std::uint64_t n, const stop_flag* stop = nullptr,
                            std::function<void(std::uint64_t merged)> merged = {}) {
        if (samples_) throw usage_error("simulation::run_range: per-trial samples are written by extend() only");
        run_options o = options_for(first, n, stop);
        o.progress = std::move(merged);
        const std::uint64_t done = run(model_, stats_, o);
        trials_ += done;
        return done;
    }
    /// The statistics' state as bytes (output_statistics::save).
    std::string save_state() const { return state_bytes(stats_); }
    /// Replaces the statistics by a saved state of this scenario's (refused otherwise).
    void load_state(const std::string& bytes, const std::string& what) {
        auto stats = state_from_bytes<output_statistics>(bytes, what);
        if (stats.config() != output_configs(scenario_))
            throw state_error(what + ": statistics of another scenario's outputs");
        trials_ = stats.count();
        stats_ = std::move(stats);
    }
    /// Forgets the trials run, keeping the statistics' bins.
    void clear_counts() {
        stats_.clear_counts();
        trials_ = 0;
    }
    const output_statistics& statistics() const noexcept { return stats_; }
    /// Trials after which the statistics' bins are chosen (a whole number of chunks).
    static constexpr std::uint64_t pilot_trials = (binned_quantiles::default_pilot / chunk_trials + 1) * chunk_trials;

    std::uint64_t trials() const noexcept { return trials_; }
    /// P(target met) so far (cheap: no quantiles).
    proportion target_met() const {
        const auto below = stats_.at_most_counts(static_cast<std::size_t>(output::target_met))[0];
        return {trials_ - below, trials_};
    }

    /// Everything docs/model.md §5 asks for, over the trials run so far.
    result summarize() const {
        if (trials_ == 0) throw usage_error("simulation: no trials have been run");
        return buildout::summarize(scenario_, stats_, trials_, seed_);
    }

    static std::vector<double> exceedance_grid(double target) { return buildout::exceedance_grid(target); }

private:
    run_options options_for(std::uint64_t first, std::uint64_t n, const stop_flag* stop) const {
        run_options o;
        o.trials = n;
        o.seed = seed_;
        o.threads = threads_;
        o.first_trial = first;
        o.stop = stop;
        return o;
    }
    std::uint64_t run_once(const run_options& o) {
        if (!samples_) return run(model_, stats_, o);
        if (samples_->columns().size() == output_count) {
            sink_pair both(stats_, *samples_);
            return run(model_, both, o);
        }
        // The statistics see the outputs only, the samples the drawn inputs too.
        sink_pair both(stats_, *samples_, output_count);
        return run(model_with_inputs{model_}, both, o);
    }

    scenario scenario_;
    model model_;
    std::uint64_t seed_;
    unsigned threads_;
    output_statistics stats_;
    std::uint64_t trials_ = 0;
    const stop_flag* stop_ = nullptr;
    progress_callback progress_;
    std::uint64_t planned_ = 0, stop_after_ = 0;
    sample_writer* samples_ = nullptr;
};

/// The exceedance curve's thresholds: target·10^(i/n), n points a decade. Whole decades are exact
/// multiplications or divisions by powers of ten, the rest e^(f·ln 10) by special::exp: libm's
/// pow can differ in the last bit from machine to machine, and the thresholds are in the result.
inline std::vector<double> exceedance_grid(double target) {
    std::vector<double> grid;
    const int n = simulation::exceedance_points_per_decade, half = n * simulation::exceedance_decades;
    constexpr double ln_10 = 2.302585092994045684;
    for (int i = -half; i <= half; ++i) {
        const int decades = (i >= 0 ? i : i - n + 1) / n, rest = i - decades * n;  // i = decades·n + rest, 0 ≤ rest < n
        double power = 1;  // 10^|decades|, exact up to 10^22
        for (int k = 0; k < std::abs(decades); ++k) power *= 10;
        double x = decades >= 0 ? target * power : target / power;
        if (rest != 0) x *= special::exp(double(rest) / n * ln_10);
        grid.push_back(x);
    }
    return grid;
}

inline std::vector<output_config> output_configs(const scenario& s) {
    std::vector<output_config> c(output_count);
    c[static_cast<std::size_t>(output::target_met)].at_most_thresholds = {0.5};
    auto& target_year = c[static_cast<std::size_t>(output::target_year)];
    for (int y = 0; y < s.time.horizon_years; ++y) target_year.at_most_thresholds.push_back(double(s.time.start_year + y + 1));
    target_year.grid_step = 1.0 / s.time.steps_per_year;  // the model's time steps
    c[static_cast<std::size_t>(output::installed_flops)].at_least_thresholds = exceedance_grid(s.target_flops);
    return c;
}

inline result summarize(const scenario& s, const output_statistics& stats, std::uint64_t trials, std::uint64_t seed,
                        std::size_t first_column) {
    result r;
    r.scenario_name = s.name;
    r.trials = trials;
    r.seed = seed;
    r.target_flops = s.target_flops;
    r.deadline_year = s.time.deadline_year;
    for (std::size_t j = 0; j < output_count; ++j) r.outputs[j] = stats.summary(first_column + j);
    const auto below = stats.at_most_counts(first_column + static_cast<std::size_t>(output::target_met))[0];
    r.target_met = {trials - below, trials};
    const auto& ty = r[output::target_year];
    for (int y = 0; y < s.time.horizon_years; ++y)
        r.reached_by_year.emplace_back(s.time.start_year + y, double(ty.at_most_counts[static_cast<std::size_t>(y)]) / double(ty.count));
    r.never_share = double(ty.non_finite) / double(ty.count);
    const auto grid = exceedance_grid(s.target_flops);
    const auto& above = r[output::installed_flops].at_least_counts;
    for (std::size_t i = 0; i < grid.size(); ++i) r.exceedance.emplace_back(grid[i], double(above[i]) / double(trials));
    return r;
}

/// Runs `options.trials` trials of the scenario. Throws usage_error if trials is 0, and
/// stopped_early if stopped (options.stop) before the first chunk was merged.
inline result simulate(const scenario& s, const run_options& options, const progress_callback& progress = {},
                       sample_writer* samples = nullptr) {
    if (options.trials == 0) throw usage_error("simulate: the number of trials must be at least 1");
    simulation sim(s, options.seed, options.threads);
    sim.write_samples(samples);
    sim.stop_when(options.stop);
    sim.stop_after(options.stop_after);
    if (progress) sim.on_progress(progress, options.trials);
    const std::uint64_t done = sim.extend(options.trials);
    if (done == 0) throw stopped_early("simulate: stopped before any trial was complete");
    result r = sim.summarize();
    r.complete = done == options.trials;
    return r;
}

/// Adds trials until the Wilson 95% interval of P(target met) has half-width at most
/// `precision.half_width`, or `max_trials` have run. After the pilot, each step extrapolates
/// the trials needed from the current estimate, n ≈ z²·p(1 − p)/E² (plus 5%), rounded up to
/// whole chunks so the result is that of one run of the final count; deterministic for a seed.
inline result simulate_to_precision(const scenario& s, const run_options& options, const precision_options& precision,
                                    const progress_callback& progress = {}, sample_writer* samples = nullptr) {
    if (!(precision.half_width > 0 && precision.half_width < 1))
        throw usage_error("simulate_to_precision: the half-width must lie in (0, 1), got " + std::to_string(precision.half_width));
    if (precision.max_trials == 0) throw usage_error("simulate_to_precision: max_trials must be at least 1");
    simulation sim(s, options.seed, options.threads);
    sim.write_samples(samples);
    sim.stop_when(options.stop);
    sim.stop_after(options.stop_after);
    if (progress) sim.on_progress(progress, std::min(precision.max_trials, std::max<std::uint64_t>(precision.pilot_trials, 1)));
    auto extend = [&](std::uint64_t total) {
        sim.plan(total);
        sim.extend(total - sim.trials());
        return sim.trials();
    };
    convergence_trace trace =
        extend_to_precision(precision, extend, [&] { return proportion_precision(sim.target_met()); });
    if (sim.trials() == 0) throw stopped_early("simulate_to_precision: stopped before any trial was complete");
    result r = sim.summarize();
    r.complete = !trace.stopped;
    r.convergence = std::move(trace);
    return r;
}

}  // namespace fabrisk::buildout
