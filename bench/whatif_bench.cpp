// What a comparison costs against the two runs it replaces: `fabrisk compare` of the default
// scenario against the same without SoftBank, beside running both on their own, on 2 threads
// (all this machine has). Repetitions interleave at random, so both sample the machine's drift
// alike; scripts/bench.sh prints the ratio of the wall times and of the CPU time of both threads
// (a steadier measure of the work on a shared host).
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>

#include "bench_main.hpp"

#include "fabrisk/buildout/comparison.hpp"
#include "fabrisk/buildout/scenario_json.hpp"
#include "fabrisk/buildout/simulation.hpp"
#include "fabrisk/json_override.hpp"

namespace fb = fabrisk::buildout;

namespace {
const fb::scenario& scenario_a() {
    static const fb::scenario s = fb::load_scenario(FABRISK_SCENARIO_DIR "/seven-trillion.json");
    return s;
}
const fb::scenario& scenario_b() {  // SoftBank removed, as in the README's what-if table
    static const fb::scenario s = [] {
        auto document = nlohmann::ordered_json::parse(fb::read_scenario_file(FABRISK_SCENARIO_DIR "/seven-trillion.json"));
        fabrisk::apply_override(document, fabrisk::parse_override("investors.list[name=SoftBank]=null", "bench"));
        return fb::parse_scenario(document.dump());
    }();
    return s;
}
fabrisk::run_options options() {
    fabrisk::run_options o;
    o.trials = 1000000;
    o.threads = 2;
    return o;
}
}  // namespace

static void BM_Compare(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(fb::compare(scenario_a(), scenario_b(), options()));
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(options().trials));
}
BENCHMARK(BM_Compare)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

static void BM_TwoRuns(benchmark::State& state) {
    for (auto _ : state) {
        benchmark::DoNotOptimize(fb::simulate(scenario_a(), options()));
        benchmark::DoNotOptimize(fb::simulate(scenario_b(), options()));
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(options().trials));
}
BENCHMARK(BM_TwoRuns)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

FABRISK_BENCHMARK_MAIN();
