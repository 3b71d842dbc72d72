// Runs the worked example through the installed or embedded library and checks §6's answer.
#include <cstdio>
#include <fabrisk/fabrisk.hpp>

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    const auto scenario = fabrisk::buildout::load_scenario(argv[1]);
    fabrisk::run_options options;
    options.trials = 100;
    const auto r = fabrisk::buildout::simulate(scenario, options);
    const double installed = r[fabrisk::buildout::output::installed_flops].quantiles.p50;
    std::printf("P(target met) = %g, installed = %g\n", r.target_met.estimate(), installed);
    return r.target_met.estimate() == 1.0 && installed == 135000.0 ? 0 : 1;
}
