// The build-out model against docs/model.md: the worked example of §6, a second all-fixed scenario
// checked by hand, the dependence structure of §3, and the reference values of §7.
#include <cmath>
#include <fstream>
#include <sstream>

#include <boost/math/distributions/normal.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fabrisk/buildout/model.hpp"
#include "fabrisk/buildout/scenario_json.hpp"
#include "fabrisk/buildout/simulation.hpp"
#include "fabrisk/random_stream.hpp"
#include "../support.hpp"

namespace {
namespace buildout_model_test {

namespace fb = fabrisk::buildout;
using fb::output;

namespace {

/// Runs `trials` trials and returns the raw output block (trials × 10).
Eigen::ArrayXXd raw_outputs(const fb::scenario& s, int trials, std::uint64_t seed = 7) {
    const fb::model m(s);
    Eigen::ArrayXXd u(trials, static_cast<Eigen::Index>(m.dimension())), out(trials, fb::output_count);
    fabrisk::trial_stream(seed, m.dimension()).fill(0, u);
    auto ws = m.make_workspace();
    m.evaluate(u, out, ws);
    return out;
}

double at(const Eigen::ArrayXXd& out, int row, output o) { return out(row, static_cast<Eigen::Index>(o)); }

/// Pearson correlation of two samples.
double corr(Eigen::ArrayXd x, Eigen::ArrayXd y) {
    x -= x.mean();
    y -= y.mean();
    return (x * y).sum() / std::sqrt((x * x).sum() * (y * y).sum());
}

}  // namespace

TEST(WorkedExample, EveryTrialGivesTheResultsOfSection6) {
    const auto s = fb::load_scenario(FABRISK_SCENARIO_DIR "/worked-example.json");
    const fb::model m(s);
    EXPECT_EQ(m.dimension(), 0u);  // every input fixed
    EXPECT_EQ(m.deadline_index(), 12);
    const auto out = raw_outputs(s, 5);
    for (int t = 0; t < 5; ++t) {
        EXPECT_DOUBLE_EQ(at(out, t, output::installed_flops), 135000.0);
        EXPECT_EQ(at(out, t, output::target_met), 1.0);
        EXPECT_DOUBLE_EQ(at(out, t, output::target_year), 2027.0);
        EXPECT_DOUBLE_EQ(at(out, t, output::capital_raised_busd), 75.0);
        EXPECT_EQ(at(out, t, output::fabs_funded), 2.0);
        EXPECT_EQ(at(out, t, output::fabs_completed), 2.0);
        EXPECT_DOUBLE_EQ(at(out, t, output::staffing_factor), 0.75);
        EXPECT_DOUBLE_EQ(at(out, t, output::realized_cost_decline), 0.0);
        EXPECT_DOUBLE_EQ(at(out, t, output::mean_fab_delay_years), 0.0);
        EXPECT_EQ(at(out, t, output::geo_shock), 0.0);
    }
}

TEST(WorkedExample, SummaryProbabilityAndReachedByYear) {
    const auto s = fb::load_scenario(FABRISK_SCENARIO_DIR "/worked-example.json");
    fabrisk::run_options o;
    o.trials = 3000;
    const auto r = fb::simulate(s, o);
    EXPECT_EQ(r.target_met.successes, 3000u);
    EXPECT_EQ(r.target_met.estimate(), 1.0);
    ASSERT_EQ(r.reached_by_year.size(), 4u);
    EXPECT_EQ(r.reached_by_year[0], std::make_pair(2024, 0.0));
    EXPECT_EQ(r.reached_by_year[1], std::make_pair(2025, 0.0));
    EXPECT_EQ(r.reached_by_year[2], std::make_pair(2026, 1.0));
    EXPECT_EQ(r.reached_by_year[3], std::make_pair(2027, 1.0));
    EXPECT_EQ(r.never_share, 0.0);
    EXPECT_DOUBLE_EQ(r[output::installed_flops].quantiles.p50, 135000.0);
    EXPECT_DOUBLE_EQ(r[output::installed_flops].sd, 0.0);
}

// tests/data/dropout-shock-decline.json, worked by hand (the derivation is in the comments).
// Grid: m = 2, n = 8, T_d = 3, j_d = 6, lifetime 1 year = 2 steps.
TEST(HandChecked, DropoutShockAndScaleCoupledDecline) {
    const auto s = fb::load_scenario(FABRISK_TEST_DATA_DIR "/dropout-shock-decline.json");
    const auto out = raw_outputs(s, 3);

    // Capital: anchor 80 over [0, 2]; flighty 40 over [0, 4] but drops out at τ = 1, so it
    // pays 10. C(t) = 40t + 10·min(t, 1) up to t = 2, then 90. A = C/2 on the grid
    // 0, 12.5, 25, 35, 45, 45, ...
    // Plan order (by planned start, ties in file order): home (X = 10), abroad (X = 20),
    // late (X = 50 > 45: unfunded). φ = 0.5, 1.0, ∞; completion φ + 0.5 + 0.25 = 1.25, 1.75.
    // Planned completion s + B: 0.5, 0.5, 1.0. Ramp R = 1. The shock at t = 2 halves abroad.
    //   k  t    o_home  o_abroad  N      Q    N⁰   λ       σ
    //   2  1.0  0       0         0      0    100  0       1
    //   3  1.5  0.25    0         25     10   250  0.1     1
    //   4  2.0  0.75    0.125     87.5   35   300  7/24    W4/35
    //   5  2.5  1       0.375     137.5  55   300  11/24   W5/55
    // Workforce W_{k+1} = 0.95·W_k + 2 from W_0 = 10. Decline r_k = 0.2·λ_k.
    double W[8];
    W[0] = 10;
    for (int k = 1; k < 8; ++k) W[k] = 0.95 * W[k - 1] + 2;
    const double G3 = 1.0 / 0.8;  // two steps at λ = 1, then λ = 0 leaves G unchanged
    const double G4 = G3 * std::pow(1 - 0.2 * 0.1, -0.5);
    const double G5 = G4 * std::pow(1 - 0.2 * 87.5 / 300, -0.5);
    const double G6 = G5 * std::pow(1 - 0.2 * 137.5 / 300, -0.5);
    // F_k = 12·Δ·σ·N·D·Y·p0·G = 60·σ·N·G.
    const double F3 = 60 * 1.0 * 25 * G3;
    const double F4 = 60 * (W[4] / 35) * 87.5 * G4;
    const double F5 = 60 * (W[5] / 55) * 137.5 * G5;
    ASSERT_LT(F3 + F4, 5000.0);  // I_5 misses the target of 5000; I_6 reaches it
    ASSERT_GE(F4 + F5, 5000.0);

    for (int t = 0; t < 3; ++t) {
        EXPECT_NEAR(at(out, t, output::installed_flops), F4 + F5, 1e-9 * (F4 + F5));
        EXPECT_EQ(at(out, t, output::target_met), 1.0);
        EXPECT_DOUBLE_EQ(at(out, t, output::target_year), 2027.0);
        EXPECT_DOUBLE_EQ(at(out, t, output::capital_raised_busd), 90.0);
        EXPECT_EQ(at(out, t, output::fabs_funded), 2.0);
        EXPECT_EQ(at(out, t, output::fabs_completed), 2.0);
        EXPECT_NEAR(at(out, t, output::staffing_factor), W[5] / 55, 1e-14);
        EXPECT_NEAR(at(out, t, output::realized_cost_decline), 1 - std::pow(G6, -1.0 / 3), 1e-14);
        EXPECT_DOUBLE_EQ(at(out, t, output::mean_fab_delay_years), 0.25);
        EXPECT_EQ(at(out, t, output::geo_shock), 1.0);
    }
}

TEST(HandChecked, ChipsRetireSoTheTargetCanBeMetEarlyAndLostByTheDeadline) {
    // Same plan with a 6-month chip life (1 step): I_j = F_{j−1} only, so the deadline
    // value is F5 alone; with target F5·1.01 it is missed at the deadline but reached later.
    auto doc = nlohmann::json::parse(fabrisk_test::read_file(FABRISK_TEST_DATA_DIR "/dropout-shock-decline.json"));
    doc["compute"]["chip_lifetime_years"] = 0.5;
    double W[8];
    W[0] = 10;
    for (int k = 1; k < 8; ++k) W[k] = 0.95 * W[k - 1] + 2;
    const double G5 = 1.25 * std::pow(0.98, -0.5) * std::pow(1 - 0.2 * 87.5 / 300, -0.5);
    const double F5 = 60 * (W[5] / 55) * 137.5 * G5;
    doc["target"]["installed_flops"] = F5 * 1.01;
    const auto out = raw_outputs(fb::parse_scenario(doc.dump()), 1);
    EXPECT_NEAR(at(out, 0, output::installed_flops), F5, 1e-9 * F5);
    EXPECT_EQ(at(out, 0, output::target_met), 0.0);
    // Step 6 (t = 3): N = 150, Q = 60, σ = W6/60, G6 from λ5 = 11/24: F6 = 150·W6·G6 > F5·1.01.
    const double G6 = G5 * std::pow(1 - 0.2 * 137.5 / 300, -0.5);
    ASSERT_GT(150 * W[6] * G6, F5 * 1.01);
    EXPECT_DOUBLE_EQ(at(out, 0, output::target_year), 2024 + 3.5);
}

TEST(Lanes, ATrialsOutputsDoNotDependOnItsBlockOrLaneNeighbours) {
    // Trials are played eight at a time, with the ramp arrays reused from group to group; the
    // same uniforms evaluated in one block of 37 and in blocks of 1, 5, 8 and 23 (partial lane
    // groups, idle lanes) must give the same outputs bit for bit. A scenario with a shock and
    // uneven staff ratios exercises every ramp sum.
    auto doc = nlohmann::json::parse(fabrisk_test::read_file(FABRISK_SCENARIO_DIR "/seven-trillion.json"));
    doc["geopolitics"]["shock_probability"] = 0.5;
    doc["fabs"]["groups"][1]["staff_per_fab"] = 9000;
    // Ramps so short that some lanes draw them as lines and others as steps (R·m below 1e-6),
    // and 12 steps a year (the growth factor through exp/log rather than square roots).
    auto mixed = doc;
    mixed["fabs"]["ramp_years"] = {{"dist", "uniform"}, {"min", 0}, {"max", 2e-7}};
    mixed["time"]["steps_per_year"] = 12;
    for (const std::string& json : {std::string(), doc.dump(), mixed.dump()}) {
        const auto s = json.empty() ? fb::load_scenario(FABRISK_SCENARIO_DIR "/seven-trillion.json") : fb::parse_scenario(json);
        const fb::model m(s);
        const Eigen::Index trials = 37;
        Eigen::ArrayXXd u(trials, static_cast<Eigen::Index>(m.dimension()));
        fabrisk::trial_stream(2024, m.dimension()).fill(0, u);
        auto ws = m.make_workspace();
        Eigen::ArrayXXd whole(trials, 10);
        m.evaluate(u, whole, ws);
        for (Eigen::Index block : {1, 5, 8, 23}) {
            Eigen::ArrayXXd pieces(trials, 10);
            for (Eigen::Index b = 0; b < trials; b += block) {
                const Eigen::Index rows = std::min(block, trials - b);
                Eigen::ArrayXXd part(rows, 10);
                m.evaluate(u.middleRows(b, rows), part, ws);
                pieces.middleRows(b, rows) = part;
            }
            for (Eigen::Index i = 0; i < trials; ++i)
                for (Eigen::Index j = 0; j < 10; ++j) {
                    const double a = whole(i, j), b = pieces(i, j);
                    ASSERT_TRUE(a == b || (std::isinf(a) && std::isinf(b))) << "block " << block << ", trial " << i << ", output " << j;
                }
        }
        // And the trials really differ (the comparison above is not between constants).
        EXPECT_GT((whole.col(0) != whole(0, 0)).count(), 30);
    }
}

TEST(Lanes, ReadingTheUniformsThroughAColumnMapGivesTheSameOutputs) {
    // How a comparison's second scenario reads the block of both scenarios' streams: every
    // dimension from another column of a wider block, in place. The outputs must be those of
    // the model's own contiguous block, bit for bit; a map of the wrong size is refused.
    const auto s = fb::load_scenario(FABRISK_SCENARIO_DIR "/seven-trillion.json");
    const fb::model m(s);
    const Eigen::Index trials = 45, d = static_cast<Eigen::Index>(m.dimension());
    Eigen::ArrayXXd u(trials, d);
    fabrisk::trial_stream(99, m.dimension()).fill(0, u);
    Eigen::ArrayXXd wide = Eigen::ArrayXXd::Constant(trials, d + 7, 0.25);
    std::vector<int> columns;
    for (Eigen::Index k = 0; k < d; ++k) {  // reversed, the first 7 columns left to other streams
        const auto c = static_cast<int>(d + 6 - k);
        wide.col(c) = u.col(k);
        columns.push_back(c);
    }
    auto ws = m.make_workspace();
    Eigen::ArrayXXd own(trials, 10), mapped(trials, 10);
    m.evaluate(u, own, ws);
    m.evaluate(fabrisk::uniform_columns(wide, columns), mapped, ws);
    for (Eigen::Index i = 0; i < trials; ++i)
        for (Eigen::Index j = 0; j < 10; ++j) {
            const double a = own(i, j), b = mapped(i, j);
            ASSERT_TRUE(a == b || (std::isinf(a) && std::isinf(b))) << "trial " << i << ", output " << j;
        }
    EXPECT_GT((own.col(0) != own(0, 0)).count(), 40);
    columns.pop_back();
    EXPECT_THROW(m.evaluate(fabrisk::uniform_columns(wide, columns), mapped, ws), fabrisk::usage_error);
}

TEST(HandChecked, EveryInvestorDroppingOutAtZeroFundsNothing) {
    auto doc = nlohmann::json::parse(fabrisk_test::read_file(FABRISK_TEST_DATA_DIR "/dropout-shock-decline.json"));
    doc["investors"]["dropout_time"] = 0;
    doc["investors"]["list"][0]["dropout_probability"] = 1;
    const auto out = raw_outputs(fb::parse_scenario(doc.dump()), 1);
    EXPECT_EQ(at(out, 0, output::capital_raised_busd), 0.0);
    EXPECT_EQ(at(out, 0, output::fabs_funded), 0.0);
    EXPECT_EQ(at(out, 0, output::installed_flops), 0.0);
    EXPECT_EQ(at(out, 0, output::target_met), 0.0);
    EXPECT_TRUE(std::isinf(at(out, 0, output::target_year)));
    // No capacity at all: λ = 0 from the first planned output on, so the decline is r·0 = 0
    // after the two steps at λ = 1 (t = 0, 0.5): G_6 = 0.8^−1.
    EXPECT_NEAR(at(out, 0, output::realized_cost_decline), 1 - std::pow(1.25, -1.0 / 3), 1e-14);
}

namespace {
/// P(Z_1 < a, Z_2 < b) for standard normals with correlation ρ, by quadrature of
/// ∫_{−∞}^{a} φ(x)·Φ((b − ρx)/√(1 − ρ²)) dx (independent of the engine's code).
double bivariate_normal_cdf(double a, double b, double rho) {
    const boost::math::normal n;
    auto f = [&](double x) {
        return boost::math::pdf(n, x) * boost::math::cdf(n, (b - rho * x) / std::sqrt(1 - rho * rho));
    };
    return boost::math::quadrature::gauss_kronrod<double, 61>::integrate(f, -40.0, a, 15, 1e-12);
}
}  // namespace

TEST(Dependence, InvestorDropoutFollowsTheFactorModel) {
    // Four investors in two groups, g = 0.2, w = 0.4: pairs in the same group have score
    // correlation 0.6, pairs across groups 0.2. P(both drop) = Φ₂(Φ⁻¹(q_i), Φ⁻¹(q_j); ρ).
    auto doc = nlohmann::json::parse(fabrisk_test::read_file(FABRISK_SCENARIO_DIR "/worked-example.json"));
    doc["investors"]["dropout_correlation"] = {{"global", 0.2}, {"within_group", 0.4}};
    const double q[4] = {0.35, 0.2, 0.5, 0.1};
    const char* group[4] = {"gulf", "gulf", "us", "us"};
    doc["investors"]["list"] = nlohmann::json::array();
    for (int i = 0; i < 4; ++i)
        doc["investors"]["list"].push_back({{"name", "inv" + std::to_string(i)}, {"group", group[i]}, {"pledge_busd", 10},
                                            {"disburse_start", 0}, {"disburse_years", 1}, {"dropout_probability", q[i]}});
    const fb::model m(fb::parse_scenario(doc.dump()));
    const int n = 400000;
    Eigen::ArrayXXd u(n, static_cast<Eigen::Index>(m.dimension()));
    fabrisk::trial_stream(11, m.dimension()).fill(0, u);
    auto ws = m.make_workspace();
    m.draw_inputs(u, ws);
    const boost::math::normal std_normal;
    for (int i = 0; i < 4; ++i) {
        const double p_i = (ws.investor_tau.col(i).isFinite()).cast<double>().mean();
        EXPECT_NEAR(p_i, q[i], 5 * std::sqrt(q[i] * (1 - q[i]) / n)) << "investor " << i;
        for (int j = i + 1; j < 4; ++j) {
            const double rho = group[i] == std::string(group[j]) ? 0.6 : 0.2;
            const double expected = bivariate_normal_cdf(boost::math::quantile(std_normal, q[i]),
                                                         boost::math::quantile(std_normal, q[j]), rho);
            const double both =
                (ws.investor_tau.col(i).isFinite() && ws.investor_tau.col(j).isFinite()).cast<double>().mean();
            EXPECT_NEAR(both, expected, 5 * std::sqrt(expected * (1 - expected) / n)) << i << "," << j;
            // The implied indicator correlation differs from independence by far more than the bound.
            EXPECT_GT(both - q[i] * q[j], 10 * std::sqrt(expected / n));
        }
    }
}

TEST(Dependence, FabDelaysAndOverrunsShareTheirCommonFactor) {
    // Lognormal marginals: log values are normal scores, so their correlation is ρ exactly.
    const auto s = fb::load_scenario(FABRISK_SCENARIO_DIR "/seven-trillion.json");
    const fb::model m(s);
    const int n = 100000;
    Eigen::ArrayXXd u(n, static_cast<Eigen::Index>(m.dimension()));
    fabrisk::trial_stream(5, m.dimension()).fill(0, u);
    auto ws = m.make_workspace();
    m.draw_inputs(u, ws);
    const double se_d = (1 - 0.5 * 0.5) / std::sqrt(double(n)), se_o = (1 - 0.3 * 0.3) / std::sqrt(double(n));
    EXPECT_NEAR(corr(ws.delay.col(0).log(), ws.delay.col(35).log()), 0.5, 5 * se_d);
    EXPECT_NEAR(corr(ws.overrun.col(3).log(), ws.overrun.col(20).log()), 0.3, 5 * se_o);
    // Marginal: median 0.75, p90 2.0 for delays.
    Eigen::ArrayXd d = ws.delay.col(7);
    std::sort(d.data(), d.data() + n);
    EXPECT_NEAR(d[n / 2], 0.75, 0.02);
}

TEST(Dependence, CorrelatedScalarInputsHaveTheirNormalScoreCorrelation) {
    const auto s = fb::load_scenario(FABRISK_SCENARIO_DIR "/seven-trillion.json");
    const fb::model m(s);
    const int n = 40000;
    Eigen::ArrayXXd u(n, static_cast<Eigen::Index>(m.dimension()));
    fabrisk::trial_stream(9, m.dimension()).fill(0, u);
    auto ws = m.make_workspace();
    m.draw_inputs(u, ws);
    auto scores = [&](fb::scalar_input k) {
        Eigen::ArrayXd z(n);
        const auto col = static_cast<Eigen::Index>(k);
        for (int t = 0; t < n; ++t)
            z[t] = fabrisk::inverse_normal_cdf(fabrisk::cdf(s.input(k), ws.scalars(t, col)));
        return z;
    };
    EXPECT_NEAR(corr(scores(fb::scalar_input::hiring_per_year), scores(fb::scalar_input::attrition_per_year)), -0.3,
                5 * (1 - 0.09) / std::sqrt(double(n)));
    EXPECT_NEAR(corr(scores(fb::scalar_input::cost_decline), scores(fb::scalar_input::yield)), 0.4,
                5 * (1 - 0.16) / std::sqrt(double(n)));
    EXPECT_NEAR(corr(scores(fb::scalar_input::cost_decline), scores(fb::scalar_input::hiring_per_year)), 0.0,
                5 / std::sqrt(double(n)));
}

TEST(ReferenceValues, DefaultScenarioAgreesWithTheIndependentImplementation) {
    // docs/model.md §7 (10^6 trials of an independent implementation); here 2·10^5 trials, bounds of
    // 5 standard errors of the difference (ours at 2e5, theirs at 1e6).
    const auto s = fb::load_scenario(FABRISK_SCENARIO_DIR "/seven-trillion.json");
    fabrisk::run_options o;
    o.trials = 200000;
    o.seed = 3;
    const auto r = fb::simulate(s, o);
    auto se_p = [&](double p) { return std::sqrt(p * (1 - p) / 2e5 + p * (1 - p) / 1e6); };
    EXPECT_NEAR(r.target_met.estimate(), 0.3189, 5 * se_p(0.3189));
    const double reached[4] = {0.0560, 0.3189, 0.6284, 0.8378};
    for (int i = 0; i < 4; ++i) EXPECT_NEAR(r.reached_by_year[5 + i].second, reached[i], 5 * se_p(reached[i]));
    EXPECT_EQ(r.reached_by_year[5].first, 2029);
    EXPECT_NEAR(r.never_share, 0.0090, 5 * se_p(0.009));
    auto se_mean = [&](const fabrisk::output_summary& x) { return x.sd * std::sqrt(1 / 2e5 + 1 / 1e6); };
    EXPECT_NEAR(r[output::installed_flops].mean, 2.326e24, 5 * se_mean(r[output::installed_flops]));
    EXPECT_NEAR(r[output::capital_raised_busd].mean, 4535.7, 5 * se_mean(r[output::capital_raised_busd]));
    EXPECT_NEAR(r[output::capital_raised_busd].sd, 717.9, 10.0);
    EXPECT_NEAR(r[output::fabs_funded].mean, 35.52, 5 * se_mean(r[output::fabs_funded]));
    EXPECT_NEAR(r[output::fabs_completed].mean, 20.26, 5 * se_mean(r[output::fabs_completed]));
    EXPECT_NEAR(r[output::staffing_factor].mean, 0.8359, 5 * se_mean(r[output::staffing_factor]));
    EXPECT_NEAR(r[output::realized_cost_decline].mean, 0.2273, 5 * se_mean(r[output::realized_cost_decline]));
    EXPECT_NEAR(r[output::mean_fab_delay_years].mean, 1.0049, 5 * se_mean(r[output::mean_fab_delay_years]));
    EXPECT_NEAR(r[output::geo_shock].mean, 0.0585, 5 * se_p(0.0585));
    // Quantiles on the grid: target_year p10 / p50 / p90 = 2030.25 / 2031.75 / 2033.5.
    EXPECT_DOUBLE_EQ(r[output::target_year].quantiles.p10, 2030.25);
    EXPECT_DOUBLE_EQ(r[output::target_year].quantiles.p50, 2031.75);
    EXPECT_DOUBLE_EQ(r[output::target_year].quantiles.p90, 2033.5);
    EXPECT_EQ(r[output::fabs_completed].quantiles.p50, 21.0);
    // Continuous quantiles: within the relative width a 5-SE rank shift implies (~3%).
    EXPECT_NEAR(r[output::installed_flops].quantiles.p50, 1.239e24, 0.03 * 1.239e24);
    EXPECT_NEAR(r[output::installed_flops].quantiles.p10, 3.80e23, 0.03 * 3.80e23);
    EXPECT_NEAR(r[output::installed_flops].quantiles.p90, 5.04e24, 0.04 * 5.04e24);
    EXPECT_NEAR(r[output::staffing_factor].quantiles.p10, 0.524, 0.02);
    EXPECT_NEAR(r[output::realized_cost_decline].quantiles.p50, 0.2175, 0.005);
}

TEST(InputGroups, DefaultScenarioGroupsCoverEveryDimensionOnce) {
    const fb::model m(fb::load_scenario(FABRISK_SCENARIO_DIR "/seven-trillion.json"));
    const auto groups = m.input_groups();
    std::vector<std::string> names;
    std::vector<int> seen(m.dimension(), 0);
    for (const auto& g : groups) {
        names.push_back(g.name);
        for (int d : g.dimensions) ++seen.at(static_cast<std::size_t>(d));
    }
    // Random scalars: share, ramp, the yield+decline copula (listed at fabs.yield, its first
    // input in MODEL order), workforce, the hiring+attrition copula. Severity, flops per die and
    // elasticity are fixed, so they form no group.
    const std::vector<std::string> expected{"plan.fab_capital_share", "fabs.ramp_years", "fabs.yield+compute.cost_decline",
                                            "talent.initial_workforce", "talent.hiring_per_year+talent.attrition_per_year",
                                            "geo_shock", "investor_dropout", "pledges", "capex_overruns", "fab_delays"};
    EXPECT_EQ(names, expected);
    for (int count : seen) EXPECT_EQ(count, 1);
    // Sizes: 2 shock dims; drop-out 1 + 4 groups + 8 own + 8 times; 1 random pledge; 1 + 36 each.
    EXPECT_EQ(groups[5].dimensions.size(), 2u);
    EXPECT_EQ(groups[6].dimensions.size(), 21u);
    EXPECT_EQ(groups[7].dimensions.size(), 1u);
    EXPECT_EQ(groups[8].dimensions.size(), 37u);
    EXPECT_EQ(groups[9].dimensions.size(), 37u);
    EXPECT_EQ(m.dimension(), 105u);
}

TEST(InputGroups, AllFixedScenarioHasNoGroups) {
    const fb::model m(fb::load_scenario(FABRISK_SCENARIO_DIR "/worked-example.json"));
    EXPECT_TRUE(m.input_groups().empty());
}

}  // namespace buildout_model_test
}  // namespace
