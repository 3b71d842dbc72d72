// A model of your own on fabrisk's engine core: nothing here knows of fabs. Copy this file to
// start one.
//
// The model: a product launch. Its first-year profit is units · (price − unit cost) − fixed
// cost, where units sold are lognormal, the price is normal and correlated with units at −0.5
// (a higher price sells fewer), and the unit cost is triangular. It answers: what profit to
// expect, how likely a loss is, and which input drives the profit's spread.
//
//   example_own_model [THREADS]
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <fabrisk/distribution.hpp>
#include <fabrisk/input_layout.hpp>
#include <fabrisk/model_concept.hpp>
#include <fabrisk/precision.hpp>
#include <fabrisk/runner.hpp>
#include <fabrisk/sensitivity.hpp>
#include <fabrisk/statistics.hpp>

namespace {

/// Inputs by index in the layout, in declaration order.
enum input : Eigen::Index { units, price, unit_cost };
/// Output columns.
enum output : Eigen::Index { profit, loss };

class product_launch {
public:
    static constexpr double fixed_cost = 20'000;

    product_launch()
        : inputs_({{"units", fabrisk::lognormal_median_p90(1000, 2000)},
                   {"price", fabrisk::normal(50, 5)},
                   {"unit_cost", fabrisk::triangular(20, 25, 35)}},
                  {{units, price, -0.5}}) {}

    // What the engine asks of a model (model_concept.hpp).
    struct workspace {
        Eigen::ArrayXXd values;  // trials × inputs
        fabrisk::input_layout::scratch scratch;
    };
    std::size_t dimension() const { return inputs_.dimension(); }
    std::size_t output_count() const { return 2; }
    workspace make_workspace() const { return {}; }
    void evaluate(const Eigen::Ref<const Eigen::ArrayXXd>& uniforms, Eigen::Ref<Eigen::ArrayXXd> out, workspace& ws) const {
        inputs_.draw_scalars(uniforms, ws.values, ws.scratch);  // a block of trials at once
        const auto& x = ws.values;
        out.col(profit) = x.col(units) * (x.col(price) - x.col(unit_cost)) - fixed_cost;
        out.col(loss) = (out.col(profit) < 0).cast<double>();
    }

    const fabrisk::input_layout& inputs() const { return inputs_; }

    /// E[profit], exactly: with price = 50 + 5·Z_p and units = exp(μ + σ·Z_u), corr(Z_p, Z_u) = ρ,
    /// E[units·price] = e^(μ + σ²/2)·(50 + 5·ρ·σ); the unit cost is independent of both.
    static double exact_mean_profit() {
        const double mu = std::log(1000.0), sigma = std::log(2.0) / fabrisk::z_0_90, rho = -0.5;
        const double mean_units = std::exp(mu + sigma * sigma / 2);
        return mean_units * (50 + 5 * rho * sigma) - mean_units * (20 + 25 + 35) / 3.0 - fixed_cost;
    }

private:
    fabrisk::input_layout inputs_;
};
static_assert(fabrisk::check_model<product_launch>(), "product_launch must be an engine model");

}  // namespace

int main(int argc, char** argv) {
    const product_launch model;
    fabrisk::run_options options;
    options.seed = 42;
    options.threads = argc > 1 ? static_cast<unsigned>(std::strtoul(argv[1], nullptr, 10)) : 0;  // 0: all cores

    // 1. A fixed number of trials into the default statistics sink.
    options.trials = 200'000;
    fabrisk::output_statistics stats(model.output_count());
    fabrisk::run(model, stats, options);
    const fabrisk::output_summary p = stats.summary(profit);
    const double exact = product_launch::exact_mean_profit();
    const double error = 3.29 * p.sd / std::sqrt(double(p.count));  // a 99.9% interval of the mean
    std::printf("profit: mean %.0f ± %.0f (exact %.0f), median %.0f, 90%% between %.0f and %.0f\n", p.mean, error,
                exact, p.quantiles.p50, p.quantiles.p05, p.quantiles.p95);
    const fabrisk::precision_estimate loss_share = fabrisk::share_precision(stats, loss);
    std::printf("P(loss) = %.4f ± %.4f (95%% interval)\n", loss_share.estimate, loss_share.half_width);
    std::printf("check: exact mean inside the interval: %s\n", std::fabs(p.mean - exact) <= error ? "yes" : "no");

    // 2. Until P(loss) is known to ±0.002: a pilot, then as many trials as the estimate needs.
    fabrisk::output_statistics precise(model.output_count());
    fabrisk::precision_options rule;
    rule.half_width = 0.002;
    const fabrisk::convergence_trace trace =
        fabrisk::run_to_precision(model, precise, options, rule, [](const fabrisk::output_statistics& s) {
            return fabrisk::share_precision(s, loss);  // a 0/1 output: the share of trials with a loss
        });
    std::printf("to precision: P(loss) = %.4f ± %.4f after %llu trials (%s)\n", trace.steps.back().estimate,
                trace.steps.back().half_width, static_cast<unsigned long long>(trace.trials()),
                trace.converged ? "converged" : "not converged");

    // 3. Which input drives the profit: Sobol indices by input group (the correlated units and
    //    price stay together, as their variance cannot be split).
    fabrisk::sobol_options sobol;
    sobol.base_trials = 20'000;
    sobol.output = profit;
    sobol.threads = options.threads;
    const fabrisk::sobol_result s = fabrisk::sobol_indices(model, model.inputs().groups(), sobol);
    for (const auto& g : s.groups)
        std::printf("sobol %-12s first %.3f [%.3f, %.3f]  total %.3f [%.3f, %.3f]\n", g.name.c_str(), g.first.estimate,
                    g.first.lo, g.first.hi, g.total.estimate, g.total.lo, g.total.hi);
    return 0;
}
