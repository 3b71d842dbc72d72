// Tornado and drivers against values worked out by hand on small scenarios, and held_uniforms
// against the marginal quantiles it promises.
#include <cmath>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fabrisk/buildout/analytics.hpp"
#include "fabrisk/buildout/scenario_json.hpp"
#include "fabrisk/random_stream.hpp"
#include "../support.hpp"

namespace {
namespace buildout_analytics_test {

namespace fb = fabrisk::buildout;

namespace {
nlohmann::json worked_example() {
    return nlohmann::json::parse(fabrisk_test::read_file(FABRISK_SCENARIO_DIR "/worked-example.json"));
}

// The worked example with W₀ ~ uniform(100, 200): the fab-1 steps keep σ = 1, the last step has
// Q = 200, so I₁₂ = p₀·(90000 + 60000·W₀/200). With target 130000 and p₀ = 1 the target is met iff
// W₀ ≥ 400/3, so P = (200 − 400/3)/100 = 2/3.
fb::scenario workforce_scenario(bool random_flops) {
    auto doc = worked_example();
    doc["talent"]["initial_workforce"] = {{"dist", "uniform"}, {"min", 100}, {"max", 200}};
    doc["target"]["installed_flops"] = 130000;
    if (random_flops) doc["compute"]["flops_per_die"] = {{"dist", "uniform"}, {"min", 0.9}, {"max", 1.1}};
    return fb::parse_scenario(doc.dump());
}
double binomial_bound(double p, double n) { return 5 * std::sqrt(std::max(p * (1 - p), 1e-4) / n); }
}  // namespace

TEST(Tornado, HoldsEachGroupAtItsPercentilesAndRanksBySwing) {
    const auto s = workforce_scenario(true);
    fabrisk::run_options o;
    o.trials = 40000;
    o.seed = 3;
    const auto t = fb::tornado(s, o);
    ASSERT_EQ(t.bars.size(), 2u);
    // W₀ at p10 = 110: σ = 0.55, I = p₀·123000 ≥ 130000 iff p₀ ≥ 1.0569 → P = 0.2154; at
    // p90 = 190: I = p₀·147000 ≥ 130000 iff p₀ ≥ 0.8844 → always → P = 1. Swing 0.785.
    EXPECT_EQ(t.bars[0].group, "talent.initial_workforce");
    const double w_low = (1.1 - 130000.0 / 123000) / 0.2;
    EXPECT_NEAR(t.bars[0].p_low, w_low, binomial_bound(w_low, 40000));
    EXPECT_EQ(t.bars[0].p_high, 1.0);
    EXPECT_NEAR(t.bars[0].median_low, 123000.0, 123000 * 0.005);   // median p₀ = 1 (within sampling)
    EXPECT_NEAR(t.bars[0].median_high, 147000.0, 147000 * 0.005);
    // p₀ at p10 = 0.92: met iff W₀ ≥ 200·(130000/0.92 − 90000)/60000 = 171.01 → P = 0.2899;
    // at p90 = 1.08: met iff W₀ ≥ 200·(130000/1.08 − 90000)/60000 = 101.23 → P = 0.9877.
    EXPECT_EQ(t.bars[1].group, "compute.flops_per_die");
    const double low = (200 - 200 * (130000 / 0.92 - 90000) / 60000) / 100;
    const double high = (200 - 200 * (130000 / 1.08 - 90000) / 60000) / 100;
    EXPECT_NEAR(t.bars[1].p_low, low, binomial_bound(low, 40000));
    EXPECT_NEAR(t.bars[1].p_high, high, binomial_bound(high, 40000));
    EXPECT_GT(t.bars[0].swing(), t.bars[1].swing());
    EXPECT_EQ(t.trials, 40000u);
}

TEST(Drivers, DecilesAndSpearmanMatchTheAnalyticValues) {
    const auto s = workforce_scenario(false);
    fabrisk::run_options o;
    o.trials = 60000;
    o.seed = 5;
    const auto d = fb::drivers(s, o, 30000);
    ASSERT_EQ(d.inputs.size(), 1u);
    EXPECT_EQ(d.trials, 60000u);
    EXPECT_EQ(d.spearman_trials, 30000u);
    const auto& w = d.inputs[0];
    EXPECT_EQ(w.input, "talent.initial_workforce");
    // Deciles of W₀ are [100 + 10d, 110 + 10d]; met iff W₀ ≥ 133.33: 0, 0, 0, 2/3, then 1.
    const double expected[10] = {0, 0, 0, 2.0 / 3, 1, 1, 1, 1, 1, 1};
    std::uint64_t total = 0;
    for (int k = 0; k < 10; ++k) {
        total += w.trials_by_decile[k];
        EXPECT_NEAR(double(w.trials_by_decile[k]), 6000.0, 5 * std::sqrt(60000 * 0.1 * 0.9));
        EXPECT_NEAR(w.p_met_by_decile[k], expected[k], binomial_bound(expected[k], double(w.trials_by_decile[k]))) << k;
    }
    EXPECT_EQ(total, 60000u);
    // installed_flops rises strictly with W₀: Spearman 1. target_met = 1{U > 1/3}:
    // Spearman = √(3c(1 − c)) at c = 1/3, i.e. √(2/3).
    const auto at = [&](fb::output o) { return w.spearman[static_cast<std::size_t>(o)]; };
    EXPECT_NEAR(at(fb::output::installed_flops), 1.0, 1e-12);
    EXPECT_NEAR(at(fb::output::target_met), std::sqrt(2.0 / 3), 5 / std::sqrt(30000.0));
    EXPECT_NEAR(at(fb::output::staffing_factor), 1.0, 1e-12);
    EXPECT_TRUE(std::isnan(at(fb::output::fabs_funded)));  // constant output
}

TEST(HeldUniforms, PutEveryInputOfAGroupAtItsMarginalQuantile) {
    const auto s = fb::load_scenario(FABRISK_SCENARIO_DIR "/seven-trillion.json");
    const fb::model m(s);
    const int n = 4;
    for (double p : {0.1, 0.95}) {
        for (const auto& g : m.input_groups()) {
            Eigen::ArrayXXd u(n, static_cast<Eigen::Index>(m.dimension()));
            fabrisk::trial_stream(1, m.dimension()).fill(0, u);
            for (const auto& [d, value] : m.held_uniforms(g, p)) u.col(d).setConstant(value);
            auto ws = m.make_workspace();
            m.draw_inputs(u, ws);
            auto near = [&](double got, double want) { return std::fabs(got - want) <= 1e-9 * std::max(1.0, std::fabs(want)); };
            for (int t = 0; t < n; ++t) {
                if (g.name == "fab_delays") {
                    for (Eigen::Index f = 0; f < ws.delay.cols(); ++f)
                        EXPECT_TRUE(near(ws.delay(t, f), fabrisk::quantile(s.delay_years, p))) << f;
                } else if (g.name == "capex_overruns") {
                    for (Eigen::Index f = 0; f < ws.overrun.cols(); ++f)
                        EXPECT_TRUE(near(ws.overrun(t, f), fabrisk::quantile(s.capex_overrun, p))) << f;
                } else if (g.name == "geo_shock") {
                    // q_g = 0.1: the indicator's p10 is "no shock", its p95 "shock" at F⁻¹(0.95) = 11.4.
                    if (p < 0.9) EXPECT_TRUE(std::isinf(ws.shock_time[t]));
                    else EXPECT_TRUE(near(ws.shock_time[t], 0.95 * 12));
                } else if (g.name == "investor_dropout") {
                    // Every score at Φ⁻¹(p): investor i drops iff p < q_i.
                    for (std::size_t i = 0; i < s.investors.size(); ++i) {
                        const bool drops = p < s.investors[i].dropout_probability;
                        const double tau = ws.investor_tau(t, static_cast<Eigen::Index>(i));
                        if (drops) EXPECT_TRUE(near(tau, p * 12)) << i;
                        else EXPECT_TRUE(std::isinf(tau)) << i;
                    }
                } else if (g.name == "pledges") {
                    EXPECT_TRUE(near(ws.investor_pledge(t, 7), fabrisk::quantile(s.investors[7].pledge_busd, p)));
                } else {
                    // Scalar inputs, alone or correlated: each at its own marginal quantile.
                    for (std::size_t k = 0; k < fb::scalar_input_count; ++k) {
                        if (g.name.find(fb::scalar_input_paths[k]) == std::string::npos) continue;
                        EXPECT_TRUE(near(ws.scalars(t, static_cast<Eigen::Index>(k)), fabrisk::quantile(s.scalars[k], p)))
                            << g.name << " " << fb::scalar_input_paths[k];
                    }
                }
            }
        }
    }
}

TEST(HeldInputs, RejectsDimensionsOutOfRange) {
    const fb::model m(workforce_scenario(false));
    EXPECT_THROW(fabrisk::held_inputs<fb::model>(m, {{5, 0.5}}), fabrisk::usage_error);
    EXPECT_THROW(fabrisk::held_inputs<fb::model>(m, {{0, 1.0}}), fabrisk::usage_error);
    EXPECT_NO_THROW(fabrisk::held_inputs<fb::model>(m, {{0, 0.5}}));
}

}  // namespace buildout_analytics_test
}  // namespace
