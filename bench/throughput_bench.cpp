// Throughput of the default scenario: the full run (draw, model, statistics) beside the
// cost of drawing the uniforms alone, so each figure is also a ratio.
#include <benchmark/benchmark.h>

#include "bench_main.hpp"

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
}  // namespace

// Uniform generation only: the floor below everything else.
static void BM_DrawUniformsOnly(benchmark::State& state) {
    const fb::model m(default_scenario());
    const fabrisk::trial_stream stream(1, m.dimension());
    Eigen::ArrayXXd u(static_cast<Eigen::Index>(fabrisk::block_trials), static_cast<Eigen::Index>(m.dimension()));
    std::uint64_t first = 0;
    for (auto _ : state) {
        stream.fill(first, u);
        first += fabrisk::block_trials;
        benchmark::DoNotOptimize(u.data());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(fabrisk::block_trials));
}
BENCHMARK(BM_DrawUniformsOnly);

// The default scenario's random inputs (same families, count and copulas), nothing else.
static void BM_DrawInputsOnly(benchmark::State& state) {
    const fb::model m(default_scenario());
    const fabrisk::trial_stream stream(1, m.dimension());
    Eigen::ArrayXXd u(static_cast<Eigen::Index>(fabrisk::block_trials), static_cast<Eigen::Index>(m.dimension()));
    auto ws = m.make_workspace();
    std::uint64_t first = 0;
    for (auto _ : state) {
        stream.fill(first, u);
        m.draw_inputs(u, ws);
        first += fabrisk::block_trials;
        benchmark::DoNotOptimize(ws.delay.data());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(fabrisk::block_trials));
}
BENCHMARK(BM_DrawInputsOnly);

// Drawing plus the model (no statistics): the full run minus the sink.
static void BM_DrawAndModel(benchmark::State& state) {
    const fb::model m(default_scenario());
    const fabrisk::trial_stream stream(1, m.dimension());
    const auto rows = static_cast<Eigen::Index>(fabrisk::block_trials);
    Eigen::ArrayXXd u(rows, static_cast<Eigen::Index>(m.dimension())), out(rows, static_cast<Eigen::Index>(m.output_count()));
    auto ws = m.make_workspace();
    std::uint64_t first = 0;
    for (auto _ : state) {
        stream.fill(first, u);
        m.evaluate(u, out, ws);
        first += fabrisk::block_trials;
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(fabrisk::block_trials));
}
BENCHMARK(BM_DrawAndModel);

// Everything `fabrisk run` does after parsing, at 1 and 2 threads.
static void BM_FullRun(benchmark::State& state) {
    fabrisk::run_options o;
    o.trials = 1000000;  // what `fabrisk run` does by default
    o.threads = static_cast<unsigned>(state.range(0));
    for (auto _ : state) benchmark::DoNotOptimize(fb::simulate(default_scenario(), o));
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(o.trials));
}
BENCHMARK(BM_FullRun)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

FABRISK_BENCHMARK_MAIN();
