// libFuzzer target: scenario parsing and validation, then a tiny run of every scenario that
// parses. Any exception other than scenario_error from the parser, any exception from the run,
// any sanitizer report, and any output that breaks an invariant of docs/model.md §5.1 is a finding.
//
// Build: cmake -DCMAKE_CXX_COMPILER=clang++ -DFABRISK_BUILD_FUZZERS=ON ... (see scripts/fuzz.sh).
// tests/fuzz_regression_test.cpp compiles this file without libFuzzer and replays fuzz/corpus/.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "fabrisk/buildout/model.hpp"
#include "fabrisk/buildout/report.hpp"
#include "fabrisk/buildout/scenario_json.hpp"
#include "fabrisk/buildout/simulation.hpp"
#include "fabrisk/random_stream.hpp"

namespace fabrisk_fuzz {

namespace fb = fabrisk::buildout;

/// Largest run the target attempts: grid steps × (fabs + investors + 1), plus the years.
/// Above it a valid scenario is only parsed (16 trials of a 10^5-step, 10^5-fab plan would
/// take minutes).
inline constexpr double max_run_cost = 2e6;

[[noreturn]] inline void finding(const std::string& what) {
#ifdef FABRISK_FUZZ_THROW
    throw std::logic_error(what);
#else
    std::fprintf(stderr, "fabrisk fuzz finding: %s\n", what.c_str());
    std::abort();
#endif
}

/// Largest value a draw of `d` can take: draws are F⁻¹(u) with u in [2^-53, 1 − 2^-53].
inline double largest(const fabrisk::distribution& d) {
    return fabrisk::is_fixed(d) ? d.p0 : fabrisk::quantile(d, 1 - 0x1.0p-53);
}
inline double smallest(const fabrisk::distribution& d) {
    return fabrisk::is_fixed(d) ? d.p0 : fabrisk::quantile(d, 0x1.0p-53);
}

/// Scenarios that reach bugs already reported in buildout/model.hpp (which this target may
/// not fix); the run is skipped so the fuzzer keeps looking for new ones. Each returns true
/// when the scenario may trigger the bug.
inline bool known_model_issue(const fb::scenario& s) {
    using fb::scalar_input;
    // 1. first_index_at_least(x) casts ceil(x·m) to int for any x below the horizon, so a
    //    shock time below about −2^31/m is undefined behaviour (and silently drops the shock).
    if (s.shock_probability > 0 && !(smallest(s.shock_time) > -1e8)) return true;
    // 2. The per-step compute 12·Δ·D·Y·p0 (and the cost-decline factor G) are multiplied by
    //    σ·N before the product is known to be non-zero, so an overflow to +inf gives
    //    inf·0 = NaN (a valid scenario then fails with "output 0 is NaN").
    double wafers = 0;
    for (const auto& g : s.fab_groups) wafers += g.count * g.wafers_per_month;
    const double r_max = largest(s.input(scalar_input::cost_decline));
    const double log_g = r_max > 0 ? -s.time.horizon_years * std::log1p(-r_max) : 0.0;
    const double log_bound = std::log(12.0) + std::log(s.dies_per_wafer) + std::log(largest(s.input(scalar_input::yield))) +
                             std::log(largest(s.input(scalar_input::flops_per_die))) + std::log(std::max(wafers, 1.0)) +
                             log_g;
    if (!(log_bound < std::log(1e300))) return true;
    // 3. The workforce recursion W ← W + Δ·(h − a·W) overflows to inf and then gives
    //    inf − inf = NaN when hiring is near the largest double.
    if (!(largest(s.input(scalar_input::hiring_per_year)) < 1e300) ||
        !(largest(s.input(scalar_input::initial_workforce)) < 1e300))
        return true;
    // 4. A ramp enters capacity and staff as slope·t + intercept; with subnormal weights (staff
    //    or wafers below ~1e-290) the rounding of that difference can make Q negative, and then
    //    σ = min(1, W/Q) = −inf and installed_flops = −inf.
    for (const auto& g : s.fab_groups)
        if ((g.staff_per_fab > 0 && g.staff_per_fab < 1e-290) || g.wafers_per_month < 1e-290) return true;
    return false;
}

/// docs/model.md §5.1 invariants of one trial's outputs.
inline void check_trial(const fb::scenario& s, const fb::model& m, const Eigen::ArrayXXd& out, Eigen::Index t) {
    auto o = [&](fb::output x) { return out(t, static_cast<Eigen::Index>(x)); };
    for (std::size_t j = 0; j < fb::output_count; ++j)
        if (std::isnan(out(t, static_cast<Eigen::Index>(j)))) finding(std::string("NaN in ") + fb::output_names[j]);
    const double fabs = double(s.fab_count());
    auto is01 = [](double x) { return x == 0 || x == 1; };
    if (!is01(o(fb::output::target_met))) finding("target_met not 0 or 1");
    if (!is01(o(fb::output::geo_shock))) finding("geo_shock not 0 or 1");
    if (!(o(fb::output::installed_flops) >= 0)) finding("negative installed_flops");
    if (!(o(fb::output::capital_raised_busd) >= 0)) finding("negative capital_raised_busd");
    const double funded = o(fb::output::fabs_funded), completed = o(fb::output::fabs_completed);
    if (!(funded >= 0 && funded <= fabs && funded == std::floor(funded))) finding("fabs_funded out of range");
    if (!(completed >= 0 && completed <= funded && completed == std::floor(completed))) finding("fabs_completed out of range");
    const double sigma = o(fb::output::staffing_factor);
    if (!(sigma >= 0 && sigma <= 1)) finding("staffing_factor outside [0, 1]");
    const double decline = o(fb::output::realized_cost_decline);
    if (!(decline >= -1 && decline <= 1)) finding("realized_cost_decline outside [-1, 1]");
    if (!(o(fb::output::mean_fab_delay_years) >= 0)) finding("negative mean_fab_delay_years");
    const double year = o(fb::output::target_year);
    const double first = s.time.start_year, last = double(s.time.start_year) + s.time.horizon_years;
    if (!(std::isinf(year) && year > 0) && !(year > first - 1e-6 && year <= last + 1e-6)) finding("target_year outside the horizon");
    // Met at the deadline means reached by then.
    if (o(fb::output::target_met) == 1 && !(year <= first + m.deadline() + 1e-6)) finding("target met but target_year after the deadline");
}

inline void one_input(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    fb::scenario s;
    try {
        s = fb::parse_scenario(text);
    } catch (const fabrisk::scenario_error& e) {
        if (std::string(e.what()).empty()) finding("scenario_error with an empty message");
        return;  // a clear rejection: fine
    }
    // Any other exception escapes: libFuzzer reports it as a crash.

    const fb::model m(s);
    const double entities = double(s.fab_count()) + double(s.investors.size()) + 1;
    if (double(m.steps()) * entities + 100.0 * s.time.horizon_years > max_run_cost) return;
    if (known_model_issue(s)) return;

    // Raw outputs of 16 trials: invariants.
    const Eigen::Index trials = 16;
    Eigen::ArrayXXd u(trials, static_cast<Eigen::Index>(m.dimension())), out(trials, fb::output_count);
    fabrisk::trial_stream(1, m.dimension()).fill(0, u);
    auto ws = m.make_workspace();
    m.evaluate(u, out, ws);
    for (Eigen::Index t = 0; t < trials; ++t) check_trial(s, m, out, t);

    // The full pipeline: statistics and every report format.
    fabrisk::run_options options;
    options.trials = 16;
    options.threads = 1;
    const fb::result r = fb::simulate(s, options);
    if (!(r.target_met.estimate() >= 0 && r.target_met.estimate() <= 1)) finding("P(target met) outside [0, 1]");
    (void)fb::to_json(r).dump();
    (void)fb::to_csv(r);
    (void)fb::to_text(r, 1);
}

}  // namespace fabrisk_fuzz

#ifndef FABRISK_FUZZ_NO_MAIN
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fabrisk_fuzz::one_input(data, size);
    return 0;
}
#endif
