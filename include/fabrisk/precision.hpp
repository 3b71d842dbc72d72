#pragma once
/// \file precision.hpp
/// Runs until an estimate is precise enough: a pilot run, then an extrapolation of the trials
/// needed (as QuantLib's Monte Carlo engines do), re-checked after each addition, with a hard
/// cap. Any estimate will do: a proportion, a mean, or one of the user's own, as long as its
/// interval narrows like 1/√n.
///
///     fabrisk::output_statistics stats(my_model.output_count());
///     fabrisk::precision_options p;
///     p.half_width = 0.01;                       // of the 95% interval
///     auto trace = fabrisk::run_to_precision(my_model, stats, options, p,
///         [](const fabrisk::output_statistics& s) { return fabrisk::mean_precision(s, 0); });
///
/// Every step's total is a whole number of chunks, so the result is exactly that of one run of
/// the final count: deterministic for a seed, whatever the thread count.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "fabrisk/error.hpp"
#include "fabrisk/runner.hpp"
#include "fabrisk/statistics.hpp"

namespace fabrisk {

/// When a precision-controlled run stops.
struct precision_options {
    double half_width = 0.001;  ///< target half-width of the estimate's 95% interval
    std::uint64_t max_trials = 100'000'000;
    std::uint64_t pilot_trials = 16 * chunk_trials;
};

/// An estimate as the stopping rule sees it.
struct precision_estimate {
    double estimate = 0;
    double half_width = 0;  ///< of its 95% interval
    /// The per-trial variance σ² for which the half-width is z_95·σ/√n: what the extrapolation
    /// scales. Keep it positive (floor it) so a degenerate pilot still moves on.
    double variance = 0;
};

/// One step of a precision-controlled run.
struct convergence_step {
    std::uint64_t trials = 0;
    double estimate = 0, half_width = 0;
};

/// How a precision-controlled run went.
struct convergence_trace {
    double target_half_width = 0;
    std::uint64_t max_trials = 0;
    bool converged = false;
    bool stopped = false;  ///< a stop request cut the last step short
    std::vector<convergence_step> steps;
    std::uint64_t trials() const noexcept { return steps.empty() ? 0 : steps.back().trials; }
};

/// A proportion's precision: its Wilson 95% half-width, and p(1 − p) floored at 1/n.
inline precision_estimate proportion_precision(const proportion& p) {
    const auto [lo, hi] = p.wilson();
    const double n = double(std::max<std::uint64_t>(p.trials, 1));
    return {p.estimate(), (hi - lo) / 2, std::max(p.estimate() * (1 - p.estimate()), 1.0 / n)};
}

/// The precision of the mean of output j of `stats`: z_95·sd/√n over its finite values, with
/// the variance floored at 1e-300 (a constant output is precise at once: its half-width is 0).
inline precision_estimate mean_precision(const output_statistics& stats, std::size_t j) {
    const std::uint64_t n = stats.merged_finite_count(j);
    const double variance = stats.merged_variance(j);
    const double half = n ? z_95 * std::sqrt(variance / double(n)) : std::numeric_limits<double>::infinity();
    return {stats.merged_mean(j), half, std::max(variance, 1e-300)};
}

/// The precision of the share of trials in which output j, a 0/1 indicator, is 1: the
/// proportion of its merged mean (current during a run), as proportion_precision.
inline precision_estimate share_precision(const output_statistics& stats, std::size_t j) {
    const std::uint64_t n = stats.merged_finite_count(j);
    return proportion_precision({static_cast<std::uint64_t>(std::llround(stats.merged_mean(j) * double(n))), n});
}

/// Validates the options; `who` names the caller in the message.
inline void check_precision_options(const precision_options& precision, const std::string& who) {
    if (!(precision.half_width > 0 && std::isfinite(precision.half_width)))
        throw usage_error(who + ": the half-width must be positive and finite, got " + std::to_string(precision.half_width));
    if (precision.max_trials == 0) throw usage_error(who + ": max_trials must be at least 1");
}

/// The stopping rule on any run that can be extended. `extend(total)` brings the run to `total`
/// trials (or fewer, whole chunks, if it was asked to stop) and returns the trials it now has;
/// `measure()` returns the current precision_estimate. After the pilot, each step aims at
/// 1.05·z²·σ²/E² trials, rounded up to whole chunks and at least one chunk more, capped at
/// max_trials. A run stopped before any trial leaves the trace without steps.
template <class Extend, class Measure>
convergence_trace extend_to_precision(const precision_options& precision, Extend&& extend, Measure&& measure) {
    check_precision_options(precision, "extend_to_precision");
    convergence_trace trace;
    trace.target_half_width = precision.half_width;
    trace.max_trials = precision.max_trials;
    auto round_up = [](std::uint64_t n) { return (n + chunk_trials - 1) / chunk_trials * chunk_trials; };
    std::uint64_t next = std::min(precision.max_trials, std::max<std::uint64_t>(precision.pilot_trials, 1));
    std::uint64_t done = 0;
    for (;;) {
        const std::uint64_t now = extend(next);
        trace.stopped = now < next;
        done = now;
        if (done == 0) break;
        const precision_estimate e = measure();
        trace.steps.push_back({done, e.estimate, e.half_width});
        if (e.half_width <= precision.half_width) {
            trace.converged = true;
            break;
        }
        if (trace.stopped || done >= precision.max_trials) break;
        const double needed = 1.05 * z_95 * z_95 * e.variance / (precision.half_width * precision.half_width);
        std::uint64_t target = needed >= double(precision.max_trials) ? precision.max_trials
                                                                       : round_up(static_cast<std::uint64_t>(needed));
        target = std::max(target, round_up(done + 1));  // always make progress
        next = std::min(target, precision.max_trials);
    }
    return trace;
}

/// run() until `measure(sink)` is precise enough: `options.trials` is ignored; seed, threads,
/// stop and progress are honoured (progress counts trials of the whole run). Returns the trace;
/// its trials() is how many trials `sink` holds.
template <class Model, class Sink, class Measure>
convergence_trace run_to_precision(const Model& model, Sink& sink, const run_options& options,
                                   const precision_options& precision, Measure&& measure) {
    static_assert(check_model<Model>(), "fabrisk::run_to_precision: the first argument is not a model (model_concept.hpp)");
    std::uint64_t done = 0;
    auto extend = [&](std::uint64_t total) {
        run_options o = options;
        o.first_trial = options.first_trial + done;
        o.trials = total - done;
        if (options.stop_after) o.stop_after = options.stop_after - std::min(options.stop_after, done);
        if (options.progress) {
            const std::uint64_t before = done;
            o.progress = [&, before](std::uint64_t merged) { options.progress(before + merged); };
        }
        if (o.trials > 0 && (!options.stop_after || o.stop_after > 0)) done += run(model, sink, o);
        return done;
    };
    return extend_to_precision(precision, extend, [&] { return measure(static_cast<const Sink&>(sink)); });
}

}  // namespace fabrisk
