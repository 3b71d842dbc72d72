// simulation.hpp: runs extended in steps, the exceedance curve and the precision-controlled run.
#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "fabrisk/buildout/model.hpp"
#include "fabrisk/buildout/report.hpp"
#include "fabrisk/buildout/scenario_json.hpp"
#include "fabrisk/buildout/simulation.hpp"
#include "fabrisk/random_stream.hpp"

namespace {
namespace buildout_simulation_test {

namespace fb = fabrisk::buildout;

namespace {
const fb::scenario& default_scenario() {
    static const fb::scenario s = fb::load_scenario(FABRISK_SCENARIO_DIR "/seven-trillion.json");
    return s;
}
}  // namespace

TEST(Simulation, ExtendingInWholeChunksEqualsOneRun) {
    fabrisk::run_options o;
    o.trials = 5 * fabrisk::chunk_trials;
    o.seed = 12;
    const auto one = fb::to_json(fb::simulate(default_scenario(), o)).dump();
    fb::simulation sim(default_scenario(), 12, 2);
    sim.extend(2 * fabrisk::chunk_trials);
    sim.extend(3 * fabrisk::chunk_trials);
    EXPECT_EQ(fb::to_json(sim.summarize()).dump(), one);
}

TEST(Simulation, ExtendingAcrossTheQuantilePilotEqualsOneRun) {
    // 40 chunks: the 65,536-value pilot closes during the second extend, with the bins then
    // filled on both worker threads.
    fabrisk::run_options o;
    o.trials = 40 * fabrisk::chunk_trials;
    o.seed = 13;
    o.threads = 1;
    const auto one = fb::to_json(fb::simulate(default_scenario(), o)).dump();
    fb::simulation sim(default_scenario(), 13, 2);
    sim.extend(24 * fabrisk::chunk_trials);
    sim.extend(16 * fabrisk::chunk_trials);
    EXPECT_EQ(fb::to_json(sim.summarize()).dump(), one);
    EXPECT_GT(sim.summarize()[fb::output::installed_flops].rank_error, 0.0);
}

TEST(Exceedance, CountsAgreeWithTheTrialsThemselves) {
    // The same trials evaluated directly: P(installed ≥ x) counted by hand at every grid point.
    const int n = 6000;
    fabrisk::run_options o;
    o.trials = n;
    o.seed = 4;
    const auto r = fb::simulate(default_scenario(), o);
    const fb::model m(default_scenario());
    Eigen::ArrayXXd u(n, static_cast<Eigen::Index>(m.dimension())), out(n, fb::output_count);
    fabrisk::trial_stream(4, m.stream_ids()).fill(0, u);  // the trials of the run
    auto ws = m.make_workspace();
    m.evaluate(u, out, ws);
    const auto installed = out.col(static_cast<Eigen::Index>(fb::output::installed_flops));
    ASSERT_EQ(r.exceedance.size(), 41u);
    for (const auto& [x, p] : r.exceedance) {
        const double tol = 1e-9 * std::max(1.0, x);
        EXPECT_EQ(p, (installed >= x - tol).cast<double>().mean()) << x;
    }
    // The grid's middle point is the target, where the curve is P(target met) exactly.
    EXPECT_EQ(r.exceedance[20].first, default_scenario().target_flops);
    EXPECT_EQ(r.exceedance[20].second, r.target_met.estimate());
    EXPECT_NEAR(r.exceedance[30].first, 10 * default_scenario().target_flops, 1e-3 * r.exceedance[30].first);
    for (std::size_t i = 1; i < r.exceedance.size(); ++i) EXPECT_LE(r.exceedance[i].second, r.exceedance[i - 1].second);
}

TEST(Precision, StopsOnceTheIntervalIsNarrowEnoughAndMatchesAPlainRun) {
    fabrisk::run_options o;
    o.seed = 8;
    fb::precision_options p;
    p.half_width = 0.005;
    p.max_trials = 1'000'000;
    const auto r = fb::simulate_to_precision(default_scenario(), o, p);
    ASSERT_TRUE(r.convergence);
    const auto& c = *r.convergence;
    EXPECT_TRUE(c.converged);
    ASSERT_GE(c.steps.size(), 2u);  // a pilot, then at least one extrapolated step
    EXPECT_EQ(c.steps.front().trials, p.pilot_trials);
    EXPECT_LE(c.steps.back().half_width, 0.005);
    EXPECT_GT(c.steps[c.steps.size() - 2].half_width, 0.005);
    EXPECT_EQ(c.steps.back().trials, r.trials);
    EXPECT_EQ(r.trials % fabrisk::chunk_trials, 0u);
    // The extrapolation lands near z²p(1 − p)/E² (p ≈ 0.32: about 33,000), not far past it.
    const double needed = 1.959963984540054 * 1.959963984540054 * 0.32 * 0.68 / (0.005 * 0.005);
    EXPECT_LT(double(r.trials), 1.3 * needed);
    EXPECT_GT(double(r.trials), 0.8 * needed);
    // Deterministic, and the same as one plain run of the final count.
    const auto again = fb::simulate_to_precision(default_scenario(), o, p);
    EXPECT_EQ(fb::to_json(again).dump(), fb::to_json(r).dump());
    o.trials = r.trials;
    auto plain = fb::to_json(fb::simulate(default_scenario(), o));
    auto controlled = fb::to_json(r);
    controlled.erase("convergence");
    EXPECT_EQ(controlled.dump(), plain.dump());
}

TEST(Precision, ReportsHonestlyWhenTheCapIsReached) {
    fabrisk::run_options o;
    o.seed = 8;
    fb::precision_options p;
    p.half_width = 1e-4;
    p.max_trials = 50000;
    const auto r = fb::simulate_to_precision(default_scenario(), o, p);
    ASSERT_TRUE(r.convergence);
    EXPECT_FALSE(r.convergence->converged);
    EXPECT_EQ(r.trials, 50000u);
    EXPECT_GT(r.convergence->steps.back().half_width, 1e-4);
    const auto j = fb::to_json(r);
    EXPECT_EQ(j["convergence"]["converged"], false);
    EXPECT_EQ(j["convergence"]["trace"].size(), r.convergence->steps.size());
}

TEST(Precision, RejectsBadOptions) {
    fabrisk::run_options o;
    fb::precision_options p;
    p.half_width = 0;
    EXPECT_THROW(fb::simulate_to_precision(default_scenario(), o, p), fabrisk::usage_error);
    p.half_width = 0.01;
    p.max_trials = 0;
    EXPECT_THROW(fb::simulate_to_precision(default_scenario(), o, p), fabrisk::usage_error);
}

TEST(Simulation, StoppedRunIsARunOfTheTrialsItMergedMarkedIncomplete) {
    // Stopped from the progress callback after 40 chunks (past the 32-chunk quantile pilot),
    // on two threads: the result equals a one-thread run of the trials merged, but for
    // `complete`; P(target met) in the progress reports matches the counts so far.
    fabrisk::stop_flag stop;
    fabrisk::run_options o;
    o.trials = 400 * fabrisk::chunk_trials;
    o.seed = 21;
    o.threads = 2;
    o.stop = &stop;
    std::uint64_t reports = 0;
    fabrisk::proportion last_reported;
    const auto r = fb::simulate(default_scenario(), o, [&](const fb::run_progress& p) {
        ++reports;
        EXPECT_EQ(p.trials_planned, o.trials);
        last_reported = p.target_met();
        EXPECT_EQ(last_reported.trials, p.trials_done);
        if (p.trials_done >= 40 * fabrisk::chunk_trials) stop.request();
    });
    // The last report, well past the quantile pilot, counts exactly what the result counts.
    EXPECT_EQ(last_reported.trials, r.trials);
    EXPECT_EQ(last_reported.successes, r.target_met.successes);
    EXPECT_FALSE(r.complete);
    EXPECT_GE(r.trials, 40 * fabrisk::chunk_trials);
    EXPECT_LT(r.trials, o.trials);
    EXPECT_EQ(r.trials % fabrisk::chunk_trials, 0u);
    EXPECT_EQ(reports, r.trials / fabrisk::chunk_trials);

    fabrisk::run_options same = o;
    same.trials = r.trials;
    same.threads = 1;
    same.stop = nullptr;
    const auto whole = fb::simulate(default_scenario(), same);
    EXPECT_TRUE(whole.complete);
    auto a = fb::to_json(r), b = fb::to_json(whole);
    EXPECT_EQ(a["complete"], false);
    a.erase("complete");
    b.erase("complete");
    EXPECT_EQ(a.dump(), b.dump());

    // stop_after replays it: the same result, incomplete too.
    fabrisk::run_options replay = o;
    replay.stop = nullptr;
    replay.stop_after = r.trials;
    EXPECT_EQ(fb::to_json(fb::simulate(default_scenario(), replay)).dump(), fb::to_json(r).dump());

    // Stopped before anything was merged: there is no result to give.
    fabrisk::stop_flag at_once;
    at_once.request();
    o.stop = &at_once;
    EXPECT_THROW(fb::simulate(default_scenario(), o), fabrisk::stopped_early);
}

TEST(Precision, StoppedRunEndsIncompleteAndReplaysExactly) {
    fabrisk::stop_flag stop;
    fabrisk::run_options o;
    o.seed = 8;
    o.threads = 2;
    o.stop = &stop;
    fb::precision_options p;
    p.half_width = 1e-4;
    p.max_trials = 10'000'000;
    const auto r = fb::simulate_to_precision(default_scenario(), o, p, [&](const fb::run_progress& q) {
        if (q.trials_done >= 20 * fabrisk::chunk_trials) stop.request();
    });
    EXPECT_FALSE(r.complete);
    ASSERT_TRUE(r.convergence);
    EXPECT_FALSE(r.convergence->converged);
    EXPECT_EQ(r.convergence->steps.back().trials, r.trials);
    fabrisk::run_options replay = o;
    replay.stop = nullptr;
    replay.threads = 1;
    replay.stop_after = r.trials;
    EXPECT_EQ(fb::to_json(fb::simulate_to_precision(default_scenario(), replay, p)).dump(), fb::to_json(r).dump());
}

// The thresholds are target·10^(i/10) from i = −20 to 20 (without libm's pow, whose last bit can
// differ between machines): within an ulp or two of it, and whole decades by exact scaling.
TEST(Exceedance, ThresholdsAreTenthsOfADecadeAroundTheTarget) {
    const double target = 1e24;
    const auto grid = fb::exceedance_grid(target);
    ASSERT_EQ(grid.size(), 41u);
    for (int i = -20; i <= 20; ++i)
        EXPECT_DOUBLE_EQ(grid[static_cast<std::size_t>(i + 20)], target * std::pow(10.0, i / 10.0)) << i;
    EXPECT_EQ(grid[20], target);
    EXPECT_EQ(grid[30], target * 10);
    EXPECT_EQ(grid[40], target * 100);
    EXPECT_EQ(grid[10], target / 10);
    EXPECT_EQ(grid[0], target / 100);
}

TEST(Histograms, FitTheDefaultScenariosOutputs) {
    // Twice the pilot, so most counts come from quantile bins, as in a long run.
    fabrisk::run_options o;
    o.trials = 131072;
    o.seed = 5;
    const auto r = fb::simulate(default_scenario(), o);
    for (std::size_t k = 0; k < fb::output_count; ++k) {
        const auto& s = r.outputs[k];
        SCOPED_TRACE(fb::output_names[k]);
        std::uint64_t binned = s.histogram_nonpositive;
        for (auto c : s.histogram_counts) binned += c;
        EXPECT_EQ(binned, s.count - s.non_finite);
        // Where the data are dense, between p01 and p99, no bin is empty.
        for (std::size_t b = 0; b < s.histogram_counts.size(); ++b)
            if (s.histogram_edges[b] >= s.quantiles.p01 && s.histogram_edges[b + 1] <= s.quantiles.p99) {
                EXPECT_GT(s.histogram_counts[b], 0u) << "bin " << b << " from " << s.histogram_edges[b];
            }
    }
    // Installed compute spans three decades: log bins, the bulk spread over many of them.
    const auto& installed = r[fb::output::installed_flops];
    EXPECT_TRUE(installed.histogram_log);
    EXPECT_LT(*std::max_element(installed.histogram_counts.begin(), installed.histogram_counts.end()), o.trials / 4);
    // The target year lies on quarter years: one bin per quarter, centred on it.
    const auto& year = r[fb::output::target_year];
    EXPECT_FALSE(year.histogram_log);
    EXPECT_EQ(year.histogram_grid_step, 0.25);
    for (std::size_t b = 0; b < year.histogram_edges.size(); ++b)
        EXPECT_EQ(year.histogram_edges[b], year.min - 0.125 + 0.25 * double(b));
    // The JSON says which.
    const auto j = fb::to_json(r);
    EXPECT_EQ(j["outputs"]["installed_flops"]["histogram"]["scale"], "log");
    EXPECT_EQ(j["outputs"]["installed_flops"]["histogram"]["nonpositive"], installed.histogram_nonpositive);
    EXPECT_EQ(j["outputs"]["target_year"]["histogram"]["scale"], "linear");
    EXPECT_EQ(j["outputs"]["target_year"]["histogram"]["grid_step"], 0.25);
}

}  // namespace buildout_simulation_test
}  // namespace
