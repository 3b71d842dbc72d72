// Quick start for the library: load a scenario, run it, read the answer.
//   example_quickstart [SCENARIO.json] [TRIALS]
#include <cstdio>
#include <cstdlib>

#include <fabrisk/fabrisk.hpp>

int main(int argc, char** argv) {
    namespace fb = fabrisk::buildout;
    if (argc < 2) {
        std::fprintf(stderr, "usage: example_quickstart SCENARIO.json [TRIALS]\n");
        return 2;
    }
    const fb::scenario plan = fb::load_scenario(argv[1]);
    fabrisk::run_options options;
    options.trials = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 100000;
    options.seed = 1;  // same seed, same answer, for any number of threads
    const fb::result r = fb::simulate(plan, options);

    const auto [lo, hi] = r.target_met.wilson();
    std::printf("%s: P(target met) = %.4f  (95%% interval %.4f to %.4f)\n", r.scenario_name.c_str(),
                r.target_met.estimate(), lo, hi);
    const auto& installed = r[fb::output::installed_flops];
    std::printf("installed compute at the deadline: median %.3g, 90%% of trials above %.3g FLOP/s\n",
                installed.quantiles.p50, installed.quantiles.p10);
    return 0;
}
