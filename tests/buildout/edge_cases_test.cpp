// Numerical edge cases of the build-out model. Each case mutates the worked example of docs/model.md §6
// (scenarios/worked-example.json) and checks every output against values worked out by hand from
// docs/model.md §4–5 in the comments, not copied from the program.
//
// The worked example: start 2024, H = 4, m = 4 (Δ = 0.25, n = 16), deadline 2026 (T_d = 3,
// j_d = 12); one investor pledging 100 over [0, 4] (C(t) = 25t), s = 1; two fabs of capex 20
// planned at t = 0, build 1, no delay, ramp 0, 1000 wafers/month, 100 staff each, 10 dies of
// 1 FLOP/s, yield 1, no cost decline, W = 150 for ever, lifetime 10 years (40 steps), target 1e5.
// Fab 1 is funded at 1.0 and completes at 2.0; fab 2 at 1.75 and 2.75. One fab: Q = 100 ≤ W,
// F = 12·Δ·1000·10 = 30000; two fabs: Q = 200, σ = 0.75, F = 3·0.75·2000·10 = 45000.
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fabrisk/buildout/model.hpp"
#include "fabrisk/buildout/scenario_json.hpp"
#include "fabrisk/buildout/simulation.hpp"
#include "fabrisk/random_stream.hpp"
#include "../support.hpp"

namespace {
namespace buildout_edge_cases_test {

namespace fb = fabrisk::buildout;
using fb::output;
using nlohmann::json;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

json worked() {
    return json::parse(fabrisk_test::read_file(FABRISK_SCENARIO_DIR "/worked-example.json"));
}

/// Raw outputs (trials × 10) of `trials` trials of the scenario text.
Eigen::ArrayXXd run(const json& doc, int trials = 4, std::uint64_t seed = 11) {
    const fb::model m(fb::parse_scenario(doc.dump()));
    Eigen::ArrayXXd u(trials, static_cast<Eigen::Index>(m.dimension())), out(trials, fb::output_count);
    fabrisk::trial_stream(seed, m.dimension()).fill(0, u);
    auto ws = m.make_workspace();
    m.evaluate(u, out, ws);
    return out;
}

/// The ten outputs of one trial, in docs/model.md §5.1 order.
struct expected {
    double installed_flops, target_met, target_year, capital_raised_busd, fabs_funded, fabs_completed, staffing_factor,
        realized_cost_decline, mean_fab_delay_years, geo_shock;
};

/// Every trial of `out` gives `e`: infinities and zeros exactly, the rest to 1e-12 relative.
void check_all(const Eigen::ArrayXXd& out, const expected& e) {
    const double want[fb::output_count] = {e.installed_flops,     e.target_met,      e.target_year,
                                           e.capital_raised_busd, e.fabs_funded,     e.fabs_completed,
                                           e.staffing_factor,     e.realized_cost_decline, e.mean_fab_delay_years,
                                           e.geo_shock};
    for (Eigen::Index t = 0; t < out.rows(); ++t)
        for (std::size_t j = 0; j < fb::output_count; ++j) {
            const double got = out(t, static_cast<Eigen::Index>(j)), w = want[j];
            if (std::isinf(w) || w == 0)
                EXPECT_EQ(got, w) << fb::output_names[j] << ", trial " << t;
            else
                EXPECT_NEAR(got, w, 1e-12 * std::fabs(w)) << fb::output_names[j] << ", trial " << t;
        }
}

const expected worked_result{135000, 1, 2027.0, 75, 2, 2, 0.75, 0, 0, 0};

/// Nothing is ever funded: no compute, Q = 0 so σ = 1, C(T_d) as given.
expected nothing_built(double capital) { return {0, 0, inf, capital, 0, 0, 1, 0, 0, 0}; }

}  // namespace

TEST(EdgeCases, BaseIsTheWorkedExample) { check_all(run(worked()), worked_result); }

// --- No fabs -------------------------------------------------------------------------------------

TEST(EdgeCases, NoFabsGivesZeroEverywhere) {
    // count 0: N = Q = N⁰ = 0 at every step, so F_k = 0, σ = 1 (Q = 0), λ = 1 (N⁰ = 0) and
    // r_k = r. Capital still flows: C(3) = 75. mean_fab_delay_years is 0 with no fabs.
    // A cost decline of 0.2 with κ = 1: λ = 1 at every step, so G_12 = 0.8^(−12·0.25) and the
    // realised decline is 1 − (0.8^−3)^(−1/3) = 0.2.
    auto doc = worked();
    doc["fabs"]["groups"][0]["count"] = 0;
    doc["compute"]["cost_decline"] = 0.2;
    doc["compute"]["scale_elasticity"] = 1;
    // Random fab inputs draw nothing when there are no fabs.
    doc["fabs"]["delay_years"] = {{"dist", "lognormal"}, {"median", 1}, {"p90", 2}};
    doc["fabs"]["capex_overrun"] = {{"dist", "uniform"}, {"min", 1}, {"max", 2}};
    doc["fabs"]["delay_correlation"] = 0.5;
    EXPECT_EQ(fb::model(fb::parse_scenario(doc.dump())).dimension(), 0u);
    expected e = nothing_built(75);
    e.realized_cost_decline = 0.2;
    check_all(run(doc), e);

    // Several groups, all empty, and the summary of trials that never reach the target.
    doc["fabs"]["groups"] = json::array({{{"name", "a"}, {"count", 0}, {"planned_start", 0}},
                                         {{"name", "b"}, {"count", 0}, {"planned_start", 2}, {"exposed", true}}});
    fabrisk::run_options o;
    o.trials = 100;
    const auto r = fb::simulate(fb::parse_scenario(doc.dump()), o);
    EXPECT_EQ(r.target_met.successes, 0u);
    EXPECT_EQ(r.never_share, 1.0);
    for (const auto& [year, share] : r.reached_by_year) EXPECT_EQ(share, 0.0) << year;
    EXPECT_EQ(r[output::installed_flops].max, 0.0);
    EXPECT_EQ(r[output::fabs_funded].max, 0.0);
}

// --- Investors ------------------------------------------------------------------------------------

TEST(EdgeCases, EveryInvestorDropsOutAtTimeZero) {
    // q = 1 and τ = 0 for both investors: C(t) = P·clamp((min(t, 0) − 0)/d, 0, 1) = 0, so no
    // fab is ever funded. Planned completion c⁰ = 0 + 1 = 1 for both fabs, so N⁰ = 2000 from
    // t = 1 (k ≥ 4) and 0 before; N = 0 always, so λ = 1 for k = 0..3 and λ = 0 for k ≥ 4.
    // With r = 0.2 and κ = 1: r_k = 0.2 for k = 0..3 and 0 after, G_12 = 0.8^(−4·0.25) = 1/0.8,
    // realised decline 1 − (1/0.8)^(−1/3) = 1 − 0.8^(1/3).
    auto doc = worked();
    auto& list = doc["investors"]["list"];
    list[0]["dropout_probability"] = 1;
    list.push_back({{"name", "second"}, {"group", "b"}, {"pledge_busd", 500}, {"disburse_start", 0},
                    {"disburse_years", 1}, {"dropout_probability", 1}});
    doc["investors"]["dropout_time"] = 0;
    doc["investors"]["dropout_correlation"] = {{"global", 0.3}, {"within_group", 0.7}};
    doc["compute"]["cost_decline"] = 0.2;
    doc["compute"]["scale_elasticity"] = 1;
    expected e = nothing_built(0);
    e.realized_cost_decline = 1 - std::cbrt(0.8);
    check_all(run(doc), e);

    // κ = 0: λ^0 = 1 even where λ = 0, so r_k = 0.2 at every step and the decline is 0.2.
    doc["compute"]["scale_elasticity"] = 0;
    e.realized_cost_decline = 0.2;
    check_all(run(doc), e);
}

TEST(EdgeCases, DropoutProbabilityZeroNeverAndOneAlways) {
    // Investor "never" (q = 0, pledge 100 over 4 years) stays although τ would be 0; investor
    // "always" (q = 1, pledge 100) drops out at τ = 0 and pays nothing; investor "maybe"
    // (q = 0.5) pledges 0, so whatever it does adds nothing. Its drop-out score makes the model
    // draw random numbers, yet every trial gives the worked example.
    auto doc = worked();
    auto& list = doc["investors"]["list"];
    list[0]["name"] = "never";
    list.push_back({{"name", "always"}, {"group", "a"}, {"pledge_busd", 100}, {"disburse_start", 0},
                    {"disburse_years", 4}, {"dropout_probability", 1}});
    list.push_back({{"name", "maybe"}, {"group", "b"}, {"pledge_busd", 0}, {"disburse_start", 0},
                    {"disburse_years", 4}, {"dropout_probability", 0.5}});
    doc["investors"]["dropout_time"] = 0;
    doc["investors"]["dropout_correlation"] = {{"global", 0.5}, {"within_group", 0.5}};
    EXPECT_GT(fb::model(fb::parse_scenario(doc.dump())).dimension(), 0u);
    check_all(run(doc, 64), worked_result);
}

TEST(EdgeCases, DropoutProbabilityOneWithALateDropoutTime) {
    // q = 1 at τ = 1.5: C(t) = 25·min(t, 1.5), at most 37.5 < 40, so fab 2 is never funded.
    // Fab 1: A(1.0) = 25 ≥ 20 (A(0.75) = 18.75), completes at 2.0, alone: F = 30000 at
    // k = 8..11. I_12 = 120000 ≥ 1e5, I_11 = 90000: target year 2024 + 12/4 = 2027.
    // C(3) = 37.5; funded 1, completed 1; σ_11 = 1 (Q = 100 ≤ 150).
    auto doc = worked();
    doc["investors"]["list"][0]["dropout_probability"] = 1;
    doc["investors"]["dropout_time"] = 1.5;
    check_all(run(doc), {120000, 1, 2027.0, 37.5, 1, 1, 1, 0, 0, 0});
}

TEST(EdgeCases, PledgesOfZero) {
    // P = 0: C(t) = 0 and nothing is funded, whatever the disbursement or drop-out.
    auto doc = worked();
    doc["investors"]["list"][0]["pledge_busd"] = 0;
    check_all(run(doc), nothing_built(0));
    // A pledge distribution whose support touches 0, and a random drop-out, change nothing
    // when a second investor pledges exactly 0.
    doc["investors"]["list"][0]["dropout_probability"] = 0.3;
    doc["investors"]["list"].push_back({{"name", "zero"}, {"group", "z"}, {"pledge_busd", 0}, {"disburse_start", 0},
                                        {"disburse_years", 1}, {"dropout_probability", 0}});
    const auto out = run(doc, 64);
    for (Eigen::Index t = 0; t < out.rows(); ++t) {
        EXPECT_EQ(out(t, static_cast<Eigen::Index>(output::capital_raised_busd)), 0.0);
        EXPECT_EQ(out(t, static_cast<Eigen::Index>(output::fabs_funded)), 0.0);
    }
}

// --- Ramp -----------------------------------------------------------------------------------------

TEST(EdgeCases, RampZeroWithCompletionOffTheGrid) {
    // R = 0 and a delay of 0.1: c1 = 2.1, c2 = 2.85. ρ = 1 once t ≥ c: fab 1 from t = 2.25
    // (k = 9), fab 2 from t = 3.0 (k = 12). F = 30000 at k = 9, 10, 11, then 45000.
    // I_12 = 90000 < 1e5 (missed at the deadline); I_13 = 135000: target year 2024 + 13/4.
    // Both complete by T_d = 3 (2.1, 2.85 ≤ 3); σ_11 = 1; mean delay 0.1.
    auto doc = worked();
    doc["fabs"]["delay_years"] = 0.1;
    check_all(run(doc), {90000, 0, 2027.25, 75, 2, 2, 1, 0, 0.1, 0});
}

TEST(EdgeCases, RampHalfAYearForContrast) {
    // R = 0.5: fab 1 (c = 2.0) has ρ = 0, 0.5, 1, 1 at k = 8..11; fab 2 (c = 2.75) has ρ = 0
    // at k = 11, 0.5 at k = 12. N (Q) at k = 9: 500 (50), F = 3·500·10 = 15000; k = 10, 11:
    // 1000 (100), F = 30000. I_12 = 75000 < 1e5. k = 12: N = 1500, Q = 150 ≤ W, F = 45000:
    // I_13 = 120000, target year 2027.25. σ_11 = 1.
    auto doc = worked();
    doc["fabs"]["ramp_years"] = 0.5;
    check_all(run(doc), {75000, 0, 2027.25, 75, 2, 2, 1, 0, 0, 0});
}

// --- Geopolitical shock ---------------------------------------------------------------------------

TEST(EdgeCases, SeverityZeroAndOne) {
    // The shock occurs for sure (q_g = 1) at τ_g = 2.5 ≤ T_d, and both fabs are exposed.
    auto doc = worked();
    doc["geopolitics"]["shock_probability"] = 1;
    doc["geopolitics"]["shock_time"] = 2.5;
    doc["fabs"]["groups"][0]["exposed"] = true;
    // v = 0: α = 1, the worked example, but geo_shock = 1.
    expected e = worked_result;
    e.geo_shock = 1;
    check_all(run(doc), e);
    // v = 1: α = 0 from t = 2.5 (k ≥ 10): F = 30000 at k = 8, 9 and 0 after (N = Q = 0, σ = 1).
    // I_12 = 60000, and no later I_j is larger: never reached.
    doc["geopolitics"]["severity"] = 1;
    check_all(run(doc), {60000, 0, inf, 75, 2, 2, 1, 0, 0, 1});
    // v = 1 but the fabs are not exposed: the worked example again.
    doc["fabs"]["groups"][0]["exposed"] = false;
    check_all(run(doc), e);
}

TEST(EdgeCases, ShockAtTheDeadlineCountsAndAfterItDoesNot) {
    // geo_shock = 1 iff τ_g ≤ T_d = 3. At τ_g = 3 (k = 12) the shock is after every step that
    // counts for the deadline, so installed compute is unchanged.
    auto doc = worked();
    doc["geopolitics"]["shock_probability"] = 1;
    doc["geopolitics"]["shock_time"] = 3;
    doc["geopolitics"]["severity"] = 1;
    doc["fabs"]["groups"][0]["exposed"] = true;
    expected e = worked_result;
    e.geo_shock = 1;
    check_all(run(doc), e);
    doc["geopolitics"]["shock_time"] = 3.25;
    check_all(run(doc), worked_result);
}

// --- Chip lifetime and deadline -------------------------------------------------------------------

TEST(EdgeCases, ChipLifetimeOfOneStep) {
    // ℓ = 0.25, ℓ·m = 1: I_j = F_{j−1}. F = 30000 at k = 8..10, 45000 at k = 11..15.
    // I_12 = F_11 = 45000. With target 1e5: never reached. With 40000: met, first j = 12
    // (2027.0). With 30000: first j = 9 (F_8 = 30000), 2024 + 9/4 = 2026.25.
    auto doc = worked();
    doc["compute"]["chip_lifetime_years"] = 0.25;
    check_all(run(doc), {45000, 0, inf, 75, 2, 2, 0.75, 0, 0, 0});
    doc["target"]["installed_flops"] = 40000;
    check_all(run(doc), {45000, 1, 2027.0, 75, 2, 2, 0.75, 0, 0, 0});
    doc["target"]["installed_flops"] = 30000;
    check_all(run(doc), {45000, 1, 2026.25, 75, 2, 2, 0.75, 0, 0, 0});
}

TEST(EdgeCases, DeadlineInTheLastYearOfTheHorizon) {
    // deadline 2027 = start + H − 1: T_d = 4, j_d = 16 = n. I_16 = Σ_{k=0..15} F_k
    // = 3·30000 + 5·45000 = 315000 (lifetime 40 steps covers everything). First crossing still
    // j = 12 (2027.0). C(4) = 100; σ_15 = 0.75.
    auto doc = worked();
    doc["time"]["deadline_year"] = 2027;
    check_all(run(doc), {315000, 1, 2027.0, 100, 2, 2, 0.75, 0, 0, 0});
    fabrisk::run_options o;
    o.trials = 10;
    const auto r = fb::simulate(fb::parse_scenario(doc.dump()), o);
    ASSERT_EQ(r.reached_by_year.size(), 4u);
    EXPECT_EQ(r.reached_by_year[1].second, 0.0);  // by the end of 2025 (t = 2)
    EXPECT_EQ(r.reached_by_year[2].second, 1.0);  // by the end of 2026 (t = 3 = t_12)
    EXPECT_EQ(r.reached_by_year[3], std::make_pair(2027, 1.0));
    // One year further is outside the horizon.
    doc["time"]["deadline_year"] = 2028;
    EXPECT_THROW(fb::parse_scenario(doc.dump()), fabrisk::scenario_error);
}

TEST(EdgeCases, OneYearHorizonOneStep) {
    // H = 1, m = 1, deadline 2024: n = 1, j_d = 1, Δ = 1. Fabs planned at 0 with build 0:
    // A(0) = 0 < 20, and k = 1 is the last grid point: A(1) = 25 ≥ 20 → φ1 = 1, completion
    // 1 ≤ T_d = 1; fab 2 needs 40 > 25: unfunded. The only step k = 0 has N = 0: installed 0.
    auto doc = worked();
    doc["time"] = {{"start_year", 2024}, {"horizon_years", 1}, {"steps_per_year", 1}, {"deadline_year", 2024}};
    doc["fabs"]["build_years"] = 0;
    doc["compute"]["chip_lifetime_years"] = 1;
    check_all(run(doc), {0, 0, inf, 25, 1, 1, 1, 0, 0, 0});
}

// --- Huge values ----------------------------------------------------------------------------------

TEST(EdgeCases, TargetOf1e300IsNeverMet) {
    auto doc = worked();
    doc["target"]["installed_flops"] = 1e300;
    expected e = worked_result;
    e.target_met = 0;
    e.target_year = inf;
    check_all(run(doc), e);
}

TEST(EdgeCases, FlopsPerDieOf1e300) {
    // p0 = 1e300 scales every F_k: 3e304 for one fab, 4.5e304 for two, all finite.
    // I_12 = 9e304 + 4.5e304 = 1.35e305; I_9 = 3e304 ≥ 1e5 first: 2024 + 9/4.
    auto doc = worked();
    doc["compute"]["flops_per_die"] = 1e300;
    check_all(run(doc), {1.35e305, 1, 2026.25, 75, 2, 2, 0.75, 0, 0, 0});
}

TEST(EdgeCases, StaffPerFabOf1e300GivesTinyButExactCompute) {
    // σ = 150/1e300 = 1.5e-298 for one fab (k = 8..10), 150/2e300 = 7.5e-299 for two (k = 11).
    // F = 30000·1.5e-298 = 4.5e-294 and 60000·7.5e-299 = 4.5e-294: I_12 = 1.8e-293. Never met.
    auto doc = worked();
    doc["fabs"]["staff_per_fab"] = 1e300;
    check_all(run(doc), {1.8e-293, 0, inf, 75, 2, 2, 7.5e-299, 0, 0, 0});
}

TEST(EdgeCases, InitialWorkforceOf1e300MeansStaffingNeverBinds) {
    // σ = 1: F = 30000 at k = 8..10, 60000 at k = 11. I_12 = 150000, I_11 = 90000: 2027.
    auto doc = worked();
    doc["talent"]["initial_workforce"] = 1e300;
    doc["talent"]["attrition_per_year"] = 1;  // W ← W + Δ(0 − W) = 0.75·W stays huge
    check_all(run(doc), {150000, 1, 2027.0, 75, 2, 2, 1, 0, 0, 0});
}

TEST(EdgeCases, PledgeOf1e300FundsEverythingAtTheFirstStep) {
    // C(0.25) = 1e300·0.25/4 ≥ 40: both fabs φ = 0.25 (A(0) = 0), complete at 1.25 (k = 5).
    // Two fabs from k = 5: F = 45000. I_12 = 7·45000 = 315000; I_8 = 135000 ≥ 1e5 > I_7 = 90000:
    // target year 2024 + 8/4 = 2026. C(3) = 1e300·3/4 = 7.5e299.
    auto doc = worked();
    doc["investors"]["list"][0]["pledge_busd"] = 1e300;
    check_all(run(doc), {315000, 1, 2026.0, 7.5e299, 2, 2, 0.75, 0, 0, 0});
}

TEST(EdgeCases, PledgeWhoseLineOverflowsIsSummedDirectly) {
    // 1e308 paid over [0.5, 0.75]: C(0.5) = 0, C(t) = 1e308 from 0.75 on. In grid units the
    // pledge's line has slope 1e308 from x = 2, and k·A − A·2 overflows to inf − inf, so the
    // direct sum takes over. Both fabs φ = 0.75, complete at 1.75 (k = 7): F = 45000 for
    // k = 7..11, I_12 = 225000; I_10 = 135000 ≥ 1e5 > I_9 = 90000: 2024 + 10/4 = 2026.5.
    auto doc = worked();
    doc["investors"]["list"][0]["pledge_busd"] = 1e308;
    doc["investors"]["list"][0]["disburse_start"] = 0.5;
    doc["investors"]["list"][0]["disburse_years"] = 0.25;
    check_all(run(doc), {225000, 1, 2026.5, 1e308, 2, 2, 0.75, 0, 0, 0});
}

TEST(EdgeCases, InfinitePledgePaysNothingBeforeItsStart) {
    // A pledge that overflows to +inf, paid from t = 2: C = 0 up to t = 2 (nothing paid is
    // nothing, not inf·0), +inf after. Both fabs φ = 2.25 (k = 9), complete at 3.25: funded 2,
    // completed 0 by T_d = 3, I_12 = 0 and σ_11 = 1 (Q = 0). F = 45000 for k = 13..15:
    // I_16 = 135000 ≥ 1e5 > I_15 = 90000: 2024 + 16/4 = 2028.
    auto doc = worked();
    doc["investors"]["list"][0]["pledge_busd"] = {{"dist", "lognormal"}, {"mu", 800}, {"sigma", 1}};
    doc["investors"]["list"][0]["disburse_start"] = 2;
    check_all(run(doc), {0, 0, 2028.0, inf, 2, 0, 1, 0, 0, 0});
}

TEST(EdgeCases, CapexOf1e300IsNeverFunded) {
    auto doc = worked();
    doc["fabs"]["capex_busd"] = 1e300;
    check_all(run(doc), nothing_built(75));
    // Overruns that push the cumulative capex to +inf: still never funded, no NaN.
    doc["fabs"]["capex_busd"] = 1e308;
    doc["fabs"]["capex_overrun"] = 10;
    check_all(run(doc), nothing_built(75));
}

TEST(EdgeCases, DelayOf1e300IsFundedButNeverCompleted) {
    // φ = 1.0, 1.75 as in the worked example, c = φ + 1 + 1e300: never complete, no output.
    auto doc = worked();
    doc["fabs"]["delay_years"] = 1e300;
    check_all(run(doc), {0, 0, inf, 75, 2, 0, 1, 0, 1e300, 0});
}

TEST(EdgeCases, RampOf1e300GivesAlmostNoOutput) {
    // ρ = (t − c)/1e300: fab 1 at k = 9, 10, 11 has ρ = (0.25, 0.5, 0.75)·1e-300, fab 2 has ρ = 0
    // at k = 11. Σ N = 1000·1.5e-300 = 1.5e-297, σ = 1, I_12 = 3·10·1.5e-297 = 4.5e-296.
    auto doc = worked();
    doc["fabs"]["ramp_years"] = 1e300;
    check_all(run(doc), {4.5e-296, 0, inf, 75, 2, 2, 1, 0, 0, 0});
}

TEST(EdgeCases, DisbursementOver1e300YearsRaisesAlmostNothing) {
    // C(t) = 100·t/1e300: never 20. C(3) = 3e-298.
    auto doc = worked();
    doc["investors"]["list"][0]["disburse_years"] = 1e300;
    check_all(run(doc), nothing_built(3e-298));
}

TEST(EdgeCases, ChipLifetimeBeyondTheHorizonMeansNeverRetired) {
    // ℓ = 1e8 years: the window max(0, j − ℓ·m) starts at 0, as with ℓ = 10.
    auto doc = worked();
    doc["compute"]["chip_lifetime_years"] = 1e8;
    check_all(run(doc), worked_result);
    // ℓ·m beyond 1e9 is refused with a clear message (an engine limit, see scenario_json.hpp).
    doc["compute"]["chip_lifetime_years"] = 1e300;
    try {
        fb::parse_scenario(doc.dump());
        ADD_FAILURE() << "a lifetime of 1e300 years was accepted";
    } catch (const fabrisk::scenario_error& e) {
        EXPECT_EQ(e.path(), "compute.chip_lifetime_years");
        EXPECT_NE(std::string(e.what()).find("must be at most 1000000000 (an engine limit)"), std::string::npos) << e.what();
    }
}

TEST(EdgeCases, ShockTimeFarInThePastHitsFromTheStart) {
    // τ_g = −1e300 (any real is allowed): α = 0 at every step for exposed fabs with v = 1, so
    // N = Q = 0 throughout: nothing installed, σ = 1, and geo_shock = 1 (τ_g ≤ T_d).
    // (Once a bug: first_index_at_least(−1e300) cast ceil(−4e300) to int.)
    auto doc = worked();
    doc["geopolitics"]["shock_probability"] = 1;
    doc["geopolitics"]["shock_time"] = -1e300;
    doc["geopolitics"]["severity"] = 1;
    doc["fabs"]["groups"][0]["exposed"] = true;
    check_all(run(doc), {0, 0, inf, 75, 2, 2, 1, 0, 0, 1});
}

TEST(EdgeCases, ShockTimeModeratelyInThePast) {
    // τ_g = −5 (before the start): α = 0 at every step. Same outputs as above.
    auto doc = worked();
    doc["geopolitics"]["shock_probability"] = 1;
    doc["geopolitics"]["shock_time"] = -5;
    doc["geopolitics"]["severity"] = 1;
    doc["fabs"]["groups"][0]["exposed"] = true;
    check_all(run(doc), {0, 0, inf, 75, 2, 2, 1, 0, 0, 1});
}

TEST(EdgeCases, ComputeOverflowingToInfinity) {
    // p0 = 1e300 and D = 1e300: F_k = 12·Δ·σ·N·D·Y·p0·G is 0 while N = 0 (k < 8) and overflows
    // to +inf once a fab runs (k ≥ 8). So I_12 = +inf ≥ target, first reached at j = 9
    // (2026.25).
    // (Once a bug: the per-step factor 12·Δ·D·Y·p0 = +inf times σ·N = 0 gave NaN.)
    auto doc = worked();
    doc["compute"]["flops_per_die"] = 1e300;
    doc["fabs"]["dies_per_wafer"] = 1e300;
    check_all(run(doc), {inf, 1, 2026.25, 75, 2, 2, 0.75, 0, 0, 0});
}

TEST(EdgeCases, SubnormalStaffPerFabNeverGivesNegativeCompute) {
    // staff_per_fab = 4.9e-324 (the smallest subnormal): Q > 0 is tiny whenever a fab runs, so
    // σ = min(1, W/Q) = 1 and compute is never negative (F_k ≥ 0 by docs/model.md §4.7, step 8).
    // (Once a bug: the ramp's slope·t + intercept sums rounded Q to a negative subnormal.)
    auto doc = json::parse(fabrisk_test::read_file(FABRISK_SCENARIO_DIR "/seven-trillion.json"));
    doc["fabs"]["staff_per_fab"] = 4.9e-324;
    const auto out = run(doc, 16, 1);
    for (Eigen::Index t = 0; t < out.rows(); ++t) {
        EXPECT_GE(out(t, static_cast<Eigen::Index>(output::installed_flops)), 0) << "trial " << t;
        EXPECT_EQ(out(t, static_cast<Eigen::Index>(output::staffing_factor)), 1) << "trial " << t;
    }
}

TEST(EdgeCases, SubnormalStaffWithAPartialRampByHand) {
    // The worked example with R = 0.7 and staff 4.9e-324: σ = 1 throughout. Fab 1 (c = 2) has
    // ρ = 0.25/0.7, 0.5/0.7, 1 at k = 9, 10, 11; fab 2 (c = 2.75) has ρ = 0 at k = 11.
    // I_12 = 30·1000·(0.25/0.7 + 0.5/0.7 + 1) = 62142.857...; k = 12: N = 1000 + 1000·0.25/0.7,
    // I_13 = 62142.86 + 30·1357.14 = 102857.1 ≥ 1e5: target year 2027.25.
    auto doc = worked();
    doc["fabs"]["ramp_years"] = 0.7;
    doc["fabs"]["staff_per_fab"] = 4.9e-324;
    check_all(run(doc), {30000 * (0.25 / 0.7 + 0.5 / 0.7 + 1), 0, 2027.25, 75, 2, 2, 1, 0, 0, 0});
}

TEST(EdgeCases, NoWorkforceWithSubnormalStaffMakesNothing) {
    // W = 0 throughout and staff_per_fab = 4.9e-324: Q > 0 once a fab runs, so σ = 0/Q = 0 and
    // nothing is made (the reciprocal of so small a staff ratio overflows: 0·inf must not
    // come in as NaN). σ at the deadline (k = 11, both fabs running) is 0.
    auto doc = worked();
    doc["talent"]["initial_workforce"] = 0;
    doc["fabs"]["staff_per_fab"] = 4.9e-324;
    check_all(run(doc), {0, 0, inf, 75, 2, 2, 0, 0, 0, 0});
}

TEST(EdgeCases, NoWorkforceMakesNothing) {
    // The same with the usual staff figure: σ·N = min(N, W/c) = 0 at every step.
    auto doc = worked();
    doc["talent"]["initial_workforce"] = 0;
    check_all(run(doc), {0, 0, inf, 75, 2, 2, 0, 0, 0, 0});
}

// --- Fine grid, long horizon ----------------------------------------------------------------------

TEST(EdgeCases, WeeklyStepsOverThirtyYearsByHand) {
    // m = 52, H = 30 (n = 1560). C = 25t: fab 1 needs t ≥ 0.8 → k = 42 (41/52 < 0.8), φ1 = 42/52;
    // fab 2 needs t ≥ 1.6 → k = 84 (83/52 = 1.596...), φ2 = 84/52. Completion at k = 94 and 136.
    // F1 = 12·(1/52)·1000·10 = 120000/52 per step (k = 94..135, 42 steps), F2 = 180000/52 (two
    // fabs, σ = 0.75) from k = 136.
    // Deadline 2026: j_d = 156, I_156 = (42·120000 + 20·180000)/52 = 8640000/52. First crossing:
    // I_136 = 42·120000/52 = 96923.08 < 1e5, I_137 = I_136 + 180000/52 = 100384.6: 2024 + 137/52.
    auto doc = worked();
    doc["time"] = {{"start_year", 2024}, {"horizon_years", 30}, {"steps_per_year", 52}, {"deadline_year", 2026}};
    check_all(run(doc), {8640000.0 / 52, 1, 2024 + 137.0 / 52, 75, 2, 2, 0.75, 0, 0, 0});
    // Deadline 2053 (the last year): j_d = 1560; the 10-year window k = 1040..1559 holds only
    // two-fab steps: I = 520·180000/52 = 1.8e6. C(30) = 100.
    doc["time"]["deadline_year"] = 2053;
    check_all(run(doc), {1.8e6, 1, 2024 + 137.0 / 52, 100, 2, 2, 0.75, 0, 0, 0});
}

TEST(EdgeCases, WeeklyStepsOverThirtyYearsDefaultScenarioIsSane) {
    auto doc = json::parse(fabrisk_test::read_file(FABRISK_SCENARIO_DIR "/seven-trillion.json"));
    doc["time"]["horizon_years"] = 30;
    doc["time"]["steps_per_year"] = 52;  // chip lifetime 5 years = 260 steps
    const auto s = fb::parse_scenario(doc.dump());
    const auto fabs = static_cast<double>(s.fab_count());
    const auto out = run(doc, 300, 5);
    for (Eigen::Index t = 0; t < out.rows(); ++t) {
        auto o = [&](output x) { return out(t, static_cast<Eigen::Index>(x)); };
        for (std::size_t j = 0; j < fb::output_count; ++j)
            if (j != static_cast<std::size_t>(output::target_year)) {
                ASSERT_TRUE(std::isfinite(out(t, static_cast<Eigen::Index>(j)))) << fb::output_names[j];
            }
        EXPECT_GE(o(output::installed_flops), 0);
        EXPECT_TRUE(o(output::target_met) == 0 || o(output::target_met) == 1);
        EXPECT_EQ(o(output::target_met) == 1, o(output::installed_flops) >= 2e24 * (1 - 1e-9));
        const double ty = o(output::target_year);
        EXPECT_TRUE(std::isinf(ty) || (ty > 2024 && ty <= 2054)) << ty;
        EXPECT_GE(o(output::capital_raised_busd), 0);
        EXPECT_LE(o(output::fabs_completed), o(output::fabs_funded));
        EXPECT_LE(o(output::fabs_funded), fabs);
        EXPECT_GE(o(output::staffing_factor), 0);
        EXPECT_LE(o(output::staffing_factor), 1);
        EXPECT_GT(o(output::realized_cost_decline), -1);
        EXPECT_LT(o(output::realized_cost_decline), 1);
        EXPECT_GE(o(output::mean_fab_delay_years), 0);
        EXPECT_TRUE(o(output::geo_shock) == 0 || o(output::geo_shock) == 1);
    }
    fabrisk::run_options options;
    options.trials = 300;
    options.threads = 2;
    const auto r = fb::simulate(s, options);
    EXPECT_EQ(r.reached_by_year.size(), 30u);
    EXPECT_GE(r.target_met.estimate(), 0.0);
    EXPECT_LE(r.target_met.estimate(), 1.0);
    for (std::size_t y = 1; y < r.reached_by_year.size(); ++y)
        EXPECT_GE(r.reached_by_year[y].second, r.reached_by_year[y - 1].second);
}

}  // namespace buildout_edge_cases_test
}  // namespace
