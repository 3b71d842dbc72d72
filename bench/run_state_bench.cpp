// What a run over R MPI ranks adds to the run itself: each rank's state in bytes, and the time
// to save one state and to combine two (a step of the reduction's binary tree, log₂ R steps
// deep). docs/parallel.md turns these into the expected efficiency at 64 and 1,024 ranks.
#include <benchmark/benchmark.h>

#include "bench_main.hpp"

#include <string>

#include "fabrisk/buildout/scenario_json.hpp"
#include "fabrisk/buildout/simulation.hpp"
#include "fabrisk/state_bytes.hpp"
#include "fabrisk/statistics.hpp"

namespace fb = fabrisk::buildout;

namespace {
const fb::scenario& default_scenario() {
    static const fb::scenario s = fb::load_scenario(FABRISK_SCENARIO_DIR "/seven-trillion.json");
    return s;
}

/// Two ranks' states of the default scenario after 10^6 trials each, as rank 0 (pilot included)
/// and another rank (its counts cleared after the pilot) hold them.
const std::pair<std::string, std::string>& states() {
    static const auto both = [] {
        fb::simulation zero(default_scenario(), 1, 2), other(default_scenario(), 1, 2);
        zero.run_range(0, fb::simulation::pilot_trials);
        other.run_range(0, fb::simulation::pilot_trials);
        other.clear_counts();
        zero.run_range(fb::simulation::pilot_trials, 1'000'000);
        other.run_range(fb::simulation::pilot_trials + 1'000'000, 1'000'000);
        return std::pair{zero.save_state(), other.save_state()};
    }();
    return both;
}

void BM_SaveState(benchmark::State& state) {
    fb::simulation sim(default_scenario(), 1, 2);
    sim.run_range(0, 200'000);
    std::size_t bytes = 0;
    for (auto _ : state) {
        const std::string s = sim.save_state();
        bytes = s.size();
        benchmark::DoNotOptimize(s.data());
    }
    state.counters["bytes"] = double(bytes);
}
BENCHMARK(BM_SaveState)->Unit(benchmark::kMillisecond)->UseRealTime();

// Load both, add, save: one step of the reduction tree.
void BM_CombineStates(benchmark::State& state) {
    const auto& [a, b] = states();
    for (auto _ : state) {
        const std::string c = fabrisk::added_state_bytes<fabrisk::output_statistics>(a, b, "a rank's statistics");
        benchmark::DoNotOptimize(c.data());
    }
    state.counters["bytes"] = double(a.size());
}
BENCHMARK(BM_CombineStates)->Unit(benchmark::kMillisecond)->UseRealTime();
}  // namespace
FABRISK_BENCHMARK_MAIN();
