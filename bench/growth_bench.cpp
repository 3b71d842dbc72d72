// How the cost of a trial grows with the number of fabs and with steps per year. The model
// builds capacity from two paired updates per fab and ramp sum (ramp_sums-inl.hpp), so cost should
// grow like fabs + steps, not fabs × steps.
#include <benchmark/benchmark.h>

#include "bench_main.hpp"
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "fabrisk/buildout/scenario_json.hpp"
#include "fabrisk/buildout/simulation.hpp"

namespace fb = fabrisk::buildout;

namespace {
nlohmann::json default_document() {
    std::ifstream in(FABRISK_SCENARIO_DIR "/seven-trillion.json");
    std::stringstream s;
    s << in.rdbuf();
    return nlohmann::json::parse(s.str());
}

// Every case reports both counters (Google Benchmark's CSV output needs the same counters in
// every row).
void run(benchmark::State& state, const nlohmann::json& doc) {
    const fb::scenario s = fb::parse_scenario(doc.dump());
    int fabs = 0;
    for (const auto& g : doc["fabs"]["groups"]) fabs += g["count"].get<int>();
    state.counters["fabs"] = fabs;
    state.counters["steps"] = doc["time"]["horizon_years"].get<int>() * doc["time"]["steps_per_year"].get<int>();
    fabrisk::run_options o;
    o.trials = 20000;
    o.threads = 1;
    for (auto _ : state) benchmark::DoNotOptimize(fb::simulate(s, o));
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(o.trials));
}
}  // namespace

// Fab count ×1, ×10, ×100 (36, 360, 3600 fabs), pledges and capex as in the default.
static void BM_Fabs(benchmark::State& state) {
    auto doc = default_document();
    for (auto& g : doc["fabs"]["groups"]) g["count"] = g["count"].get<int>() * state.range(0) / 36;
    run(state, doc);
}
BENCHMARK(BM_Fabs)->Arg(36)->Arg(360)->Arg(3600)->Unit(benchmark::kMillisecond);

// Steps per year 4, 12, 52 over the default 12-year horizon.
static void BM_StepsPerYear(benchmark::State& state) {
    auto doc = default_document();
    doc["time"]["steps_per_year"] = state.range(0);
    run(state, doc);
}
BENCHMARK(BM_StepsPerYear)->Arg(4)->Arg(12)->Arg(52)->Unit(benchmark::kMillisecond);

FABRISK_BENCHMARK_MAIN();
