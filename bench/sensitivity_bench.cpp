// Grouped Sobol indices of the default scenario at N = 100,000 base trials (the figure issue 4
// asks for: under a minute on 2 cores), beside the plain run of the same number of model
// evaluations, N·(groups + 2), so the overhead of the design and the bootstrap is a ratio.
#include <benchmark/benchmark.h>

#include "bench_main.hpp"

#include "fabrisk/buildout/model.hpp"
#include "fabrisk/buildout/scenario_json.hpp"
#include "fabrisk/runner.hpp"
#include "fabrisk/sensitivity.hpp"

namespace fb = fabrisk::buildout;

namespace {
constexpr std::uint64_t base_trials = 100'000;

const fb::model& default_model() {
    static const fb::model m(fb::load_scenario(FABRISK_SCENARIO_DIR "/seven-trillion.json"));
    return m;
}

// Keeps nothing: the floor of a run is the model itself.
struct discard_sink {
    int summarize(const Eigen::ArrayXXd& block) const { return static_cast<int>(block.rows()); }
    void merge(int) {}
};
}  // namespace

// Everything `fabrisk sensitivity --trials 100000` does after parsing.
static void BM_SobolDefaultScenario(benchmark::State& state) {
    const auto groups = default_model().input_groups();
    fabrisk::sobol_options o;
    o.base_trials = base_trials;
    o.output = static_cast<std::size_t>(fb::output::target_met);
    o.threads = static_cast<unsigned>(state.range(0));
    std::uint64_t runs = 0;
    for (auto _ : state) {
        const auto r = fabrisk::sobol_indices(default_model(), groups, o);
        runs += r.model_runs;
        benchmark::DoNotOptimize(r.groups.data());
    }
    state.counters["groups"] = static_cast<double>(groups.size());
    state.SetItemsProcessed(static_cast<std::int64_t>(runs));  // model runs per second
}
BENCHMARK(BM_SobolDefaultScenario)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

// Baseline: the same N·(groups + 2) trials as an ordinary run, outputs discarded.
static void BM_PlainRunSameModelRuns(benchmark::State& state) {
    const std::uint64_t runs = base_trials * (default_model().input_groups().size() + 2);
    fabrisk::run_options o;
    o.trials = runs;
    o.threads = static_cast<unsigned>(state.range(0));
    for (auto _ : state) {
        discard_sink sink;
        fabrisk::run(default_model(), sink, o);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(runs));
}
BENCHMARK(BM_PlainRunSameModelRuns)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

FABRISK_BENCHMARK_MAIN();
