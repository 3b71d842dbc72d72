// Cost of the statistics sink per output value: summarize + merge of chunks of the default
// scenario's real outputs (10 outputs; 41 at-least thresholds on installed_flops, 12 at-most on
// target_year, 1 on target_met), in steady state (past the exact pilot). Beside it, a plain
// loop that reads every value once, so the figure is also a ratio.
#include <benchmark/benchmark.h>

#include "bench_main.hpp"

#include <vector>

#include "fabrisk/buildout/model.hpp"
#include "fabrisk/buildout/scenario_json.hpp"
#include "fabrisk/buildout/simulation.hpp"
#include "fabrisk/random_stream.hpp"
#include "fabrisk/runner.hpp"
#include "fabrisk/statistics.hpp"

namespace fb = fabrisk::buildout;

namespace {
const fb::scenario& default_scenario() {
    static const fb::scenario s = fb::load_scenario(FABRISK_SCENARIO_DIR "/seven-trillion.json");
    return s;
}

/// 64 chunks of the default model's outputs (131,072 trials), computed once.
const std::vector<Eigen::ArrayXXd>& chunks() {
    static const std::vector<Eigen::ArrayXXd> all = [] {
        const fb::model m(default_scenario());
        const fabrisk::trial_stream stream(1, m.dimension());
        auto ws = m.make_workspace();
        const auto rows = static_cast<Eigen::Index>(fabrisk::chunk_trials);
        const auto block = static_cast<Eigen::Index>(fabrisk::block_trials);
        std::vector<Eigen::ArrayXXd> out;
        Eigen::ArrayXXd u(block, static_cast<Eigen::Index>(m.dimension()));
        Eigen::ArrayXXd o(block, static_cast<Eigen::Index>(fb::output_count));
        for (int c = 0; c < 64; ++c) {
            Eigen::ArrayXXd chunk(rows, static_cast<Eigen::Index>(fb::output_count));
            for (Eigen::Index b = 0; b < rows; b += block) {
                stream.fill(static_cast<std::uint64_t>(c * rows + b), u);
                m.evaluate(u, o, ws);
                chunk.middleRows(b, block) = o;
            }
            out.push_back(std::move(chunk));
        }
        return out;
    }();
    return all;
}

/// The simulation's configuration of the default scenario.
std::vector<fabrisk::output_config> config() {
    const auto& s = default_scenario();
    std::vector<fabrisk::output_config> c(fb::output_count);
    c[static_cast<std::size_t>(fb::output::target_met)].at_most_thresholds = {0.5};
    for (int y = 0; y < s.time.horizon_years; ++y)
        c[static_cast<std::size_t>(fb::output::target_year)].at_most_thresholds.push_back(double(s.time.start_year + y + 1));
    c[static_cast<std::size_t>(fb::output::installed_flops)].at_least_thresholds = fb::simulation::exceedance_grid(s.target_flops);
    return c;
}

/// Feeds one chunk the way the runner does on one thread (the partial is absorbed at the end).
void feed(fabrisk::output_statistics& sink, const Eigen::ArrayXXd& block, fabrisk::output_statistics::partial& p) {
    sink.merge(sink.summarize(block, p));
}
}  // namespace

// Baseline: one pass summing every value.
static void BM_ReadEveryValue(benchmark::State& state) {
    const auto& all = chunks();
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(all[i].sum());
        i = (i + 1) % all.size();
    }
    state.SetItemsProcessed(state.iterations() * all[0].size());
}
BENCHMARK(BM_ReadEveryValue);

// summarize + merge per chunk, steady state: the sink has already seen 131,072 trials.
static void BM_SummarizeAndMerge(benchmark::State& state) {
    const auto& all = chunks();
    fabrisk::output_statistics sink(fb::output_count, config());
    auto p = sink.make_partial();
    for (const auto& c : all) feed(sink, c, p);
    std::size_t i = 0;
    for (auto _ : state) {
        feed(sink, all[i], p);
        i = (i + 1) % 4;
    }
    sink.absorb(std::move(p));
    benchmark::DoNotOptimize(sink.count());
    state.SetItemsProcessed(state.iterations() * all[0].size());
}
BENCHMARK(BM_SummarizeAndMerge);

// Summary of every output (quantiles, histogram) after 131,072 trials: paid once per run.
static void BM_Summary(benchmark::State& state) {
    const auto& all = chunks();
    fabrisk::output_statistics sink(fb::output_count, config());
    auto p = sink.make_partial();
    for (const auto& c : all) feed(sink, c, p);
    sink.absorb(std::move(p));
    for (auto _ : state)
        for (std::size_t j = 0; j < fb::output_count; ++j) benchmark::DoNotOptimize(sink.summary(j));
}
BENCHMARK(BM_Summary)->Unit(benchmark::kMicrosecond);

FABRISK_BENCHMARK_MAIN();
