// Tests for fabrisk/buildout/random_inputs.hpp: every random input draws from the stream of its
// identity, so removing or reordering investors and fab groups, or changing a distribution,
// leaves every other input's draws bit-identical in every trial.
#include "fabrisk/buildout/random_inputs.hpp"

#include <algorithm>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fabrisk/buildout/model.hpp"
#include "fabrisk/buildout/scenario_json.hpp"
#include "fabrisk/random_stream.hpp"
#include "../support.hpp"

namespace {
namespace buildout_random_inputs_test {

namespace fb = fabrisk::buildout;

namespace {

constexpr Eigen::Index trials = 4096;

nlohmann::json default_json() { return nlohmann::json::parse(fabrisk_test::read_file(FABRISK_SCENARIO_DIR "/seven-trillion.json")); }

/// A model's drawn inputs for trials 0 … trials − 1 of seed 11, as a run draws them (each
/// uniform from its input's stream), keyed by the input's identity.
struct draws {
    std::map<std::string, Eigen::ArrayXd> tau, pledge, delay, overrun;
    Eigen::ArrayXXd scalars;
    Eigen::ArrayXd shock_time;
};
draws draw(const nlohmann::json& j) {
    const fb::model m(fb::parse_scenario(j.dump()));
    Eigen::ArrayXXd u(trials, static_cast<Eigen::Index>(m.dimension()));
    fabrisk::trial_stream(11, m.stream_ids()).fill(0, u);
    auto ws = m.make_workspace();
    m.draw_inputs(u, ws);
    draws d;
    for (std::size_t i = 0; i < m.spec().investors.size(); ++i) {
        const auto& name = m.spec().investors[i].name;
        d.tau[name] = ws.investor_tau.col(static_cast<Eigen::Index>(i));
        d.pledge[name] = ws.investor_pledge.col(static_cast<Eigen::Index>(i));
    }
    for (std::size_t f = 0; f < m.plan().fab_count(); ++f) {
        const auto& name = m.plan().fab_names[f];
        d.delay[name] = ws.delay.col(static_cast<Eigen::Index>(f));
        d.overrun[name] = ws.overrun.col(static_cast<Eigen::Index>(f));
    }
    d.scalars = ws.scalars;
    d.shock_time = ws.shock_time;
    return d;
}

/// Every entity of `smaller` draws exactly what it draws in `larger`.
void expect_same_draws(const std::map<std::string, Eigen::ArrayXd>& smaller, const std::map<std::string, Eigen::ArrayXd>& larger,
                       const char* what) {
    ASSERT_FALSE(smaller.empty()) << what;
    for (const auto& [name, values] : smaller) {
        ASSERT_TRUE(larger.count(name)) << what << " " << name;
        EXPECT_TRUE((values == larger.at(name)).all()) << what << " of " << name << " changed";
    }
}

}  // namespace

TEST(RandomInputs, RemovingAnInvestorFromTheMiddleChangesNoOtherDraw) {
    nlohmann::json j = default_json();
    const draws before = draw(j);
    auto& list = j["investors"]["list"];
    const std::string removed = list[3]["name"];
    list.erase(3);
    const draws after = draw(j);
    EXPECT_EQ(after.tau.count(removed), 0u);
    // Drop-out indicators (τ finite) and times, pledges, every fab's delay and overrun.
    expect_same_draws(after.tau, before.tau, "drop-out time");
    expect_same_draws(after.pledge, before.pledge, "pledge");
    expect_same_draws(after.delay, before.delay, "delay");
    expect_same_draws(after.overrun, before.overrun, "overrun");
    EXPECT_TRUE((after.scalars == before.scalars).all());
    EXPECT_TRUE((after.shock_time == before.shock_time).all());
    // The removed investor did drop out in some trials and stay in others: the check has teeth.
    const auto& tau = before.tau.at(removed);
    EXPECT_GT((tau.isFinite()).count(), 0);
    EXPECT_GT((!tau.isFinite()).count(), 0);
}

TEST(RandomInputs, RemovingOrReorderingFabGroupsChangesNoOtherDraw) {
    nlohmann::json j = default_json();
    const draws before = draw(j);
    auto& groups = j["fabs"]["groups"];
    ASSERT_GE(groups.size(), 3u);
    nlohmann::json removed = j;
    removed["fabs"]["groups"].erase(1);
    const draws without = draw(removed);
    EXPECT_LT(without.delay.size(), before.delay.size());
    expect_same_draws(without.delay, before.delay, "delay");
    expect_same_draws(without.overrun, before.overrun, "overrun");
    expect_same_draws(without.tau, before.tau, "drop-out time");

    nlohmann::json reordered = j;
    std::reverse(reordered["fabs"]["groups"].begin(), reordered["fabs"]["groups"].end());
    std::reverse(reordered["investors"]["list"].begin(), reordered["investors"]["list"].end());
    const draws shuffled = draw(reordered);
    EXPECT_EQ(shuffled.delay.size(), before.delay.size());
    expect_same_draws(shuffled.delay, before.delay, "delay");
    expect_same_draws(shuffled.overrun, before.overrun, "overrun");
    expect_same_draws(shuffled.tau, before.tau, "drop-out time");
    expect_same_draws(shuffled.pledge, before.pledge, "pledge");
}

TEST(RandomInputs, ChangingADistributionKeepsEveryUniform) {
    nlohmann::json j = default_json();
    const fb::model a(fb::parse_scenario(j.dump()));
    j["fabs"]["delay_years"] = {{"dist", "lognormal"}, {"median", 1.5}, {"p90", 3}};
    j["talent"]["initial_workforce"] = {{"dist", "uniform"}, {"min", 10000}, {"max", 20000}};
    const fb::model b(fb::parse_scenario(j.dump()));
    EXPECT_EQ(a.inputs().stream_names(), b.inputs().stream_names());
    EXPECT_EQ(a.stream_ids(), b.stream_ids());
    // So the same trial has the same uniform in every input: its value moves with the distribution.
    const draws before = draw(default_json()), after = draw(j);
    expect_same_draws(after.tau, before.tau, "drop-out time");
    const auto delays_moved = std::count_if(after.delay.begin(), after.delay.end(),
                                            [&](const auto& kv) { return !(kv.second == before.delay.at(kv.first)).all(); });
    EXPECT_EQ(delays_moved, static_cast<long>(after.delay.size()));
}

TEST(RandomInputs, EveryUniformHasANamedStreamOfItsOwn) {
    const fb::model m(fb::load_scenario(FABRISK_SCENARIO_DIR "/seven-trillion.json"));
    const auto& names = m.inputs().stream_names();
    ASSERT_EQ(names.size(), m.dimension());
    for (const char* name : {"fabs.yield", "geopolitics.shock/occurs", "investors.dropout/global", "fabs.delay_years/common",
                             "fabs.capex_overrun/common"})
        EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
    const auto& investor = m.spec().investors.front().name;
    EXPECT_NE(std::find(names.begin(), names.end(), "investors/" + investor + "/dropout_score"), names.end());
    EXPECT_NE(std::find(names.begin(), names.end(), "fabs/" + m.plan().fab_names.front() + "/delay_years"), names.end());
    auto ids = m.stream_ids();
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
}

}  // namespace buildout_random_inputs_test
}  // namespace
