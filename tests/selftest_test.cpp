// The self-checks pass on this build, and they can fail: a wrong distribution, a wrong copula
// or a wrong expected result is caught.
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/math/distributions/normal.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fabrisk/buildout/scenario_json.hpp"
#include "fabrisk/buildout/selftest.hpp"
#include "fabrisk/selftest.hpp"
#include "support.hpp"

namespace {
namespace selftest_test {

namespace st = fabrisk::selftest;
namespace bst = fabrisk::buildout::selftest;

TEST(Selftest, CriticalValueIsTheDkwMassartBound) {
    // ε = √(ln(2/α)/(2n)): at n = 20000 and α = 1e-6, √(ln(2e6)/40000) = 0.019045.
    EXPECT_NEAR(st::ks_critical_value(20000), std::sqrt(std::log(2e6) / 40000), 1e-15);
    EXPECT_NEAR(st::ks_critical_value(20000), 0.019045, 1e-6);
}

TEST(Selftest, KsStatisticByHand) {
    // Sample {0.1, 0.5, 0.9} against U(0, 1): F_n jumps to 1/3, 2/3, 1. The largest gaps are
    // 1/3 − 0.1 = 0.2333, 0.5 − 1/3 = 0.1667, 2/3 − 0.5 = 0.1667, 0.9 − 2/3 = 0.2333, 1 − 0.9 = 0.1.
    const double d = st::ks_statistic({0.9, 0.1, 0.5}, [](double x) { return x; });
    EXPECT_NEAR(d, 1.0 / 3 - 0.1, 1e-15);
    // A CDF that returns NaN fails outright.
    EXPECT_EQ(st::ks_statistic({0.5}, [](double) { return std::nan(""); }), 1.0);
}

TEST(Selftest, EveryEngineCheckPasses) {
    const auto checks = st::engine_checks();
    EXPECT_EQ(checks.size(), 1 + 2 * st::reference_distributions().size() + 3);
    for (const auto& c : checks) EXPECT_TRUE(c.passed) << c.name << ": " << c.detail;
    EXPECT_TRUE(st::all_passed(checks));
}

TEST(Selftest, KsCatchesAWrongDistribution) {
    // normal(0, 1.05) draws tested against the CDF of normal(0, 1): a 5% error in sd moves the
    // CDF by up to φ(1)·0.05 ≈ 0.012 — detected? At n = 20000 the critical value is 0.019, so
    // use n = 200000 (critical 0.006).
    st::reference_distribution wrong{"normal(0, 1.05) vs N(0, 1)", fabrisk::normal(0, 1.05), [](double x) {
                                         return boost::math::cdf(boost::math::normal_distribution<>(0, 1), x);
                                     }};
    EXPECT_FALSE(st::ks_check(wrong, 3, 200000).passed);
    EXPECT_FALSE(st::round_trip_check(wrong).passed);
    // A shift of 0.1 sd is caught at the default n.
    wrong.d = fabrisk::normal(0.1, 1);
    EXPECT_FALSE(st::ks_check(wrong, 3).passed);
}

TEST(Selftest, CorrelationAgreementUsesFisherZ) {
    // n = 20003: 5.5/√20000 = 0.03889 on the z scale. atanh(0.6) = 0.6931; r = 0.62 gives
    // atanh 0.7250 (off by 0.0319: agrees); r = 0.63 gives 0.7414 (off by 0.0483: does not).
    EXPECT_TRUE(st::detail::correlation_agrees(0.62, 0.6, 20003));
    EXPECT_FALSE(st::detail::correlation_agrees(0.63, 0.6, 20003));
    EXPECT_TRUE(st::detail::correlation_agrees(1.0, 1.0, 10));
    EXPECT_FALSE(st::detail::correlation_agrees(0.999, 1.0, 10));
}

TEST(Selftest, ModelChecksPass) {
    const auto s = fabrisk::buildout::load_scenario(FABRISK_SCENARIO_DIR "/seven-trillion.json");
    const auto checks = bst::model_checks(&s);
    ASSERT_EQ(checks.size(), 4u);
    for (const auto& c : checks) EXPECT_TRUE(c.passed) << c.name << ": " << c.detail;
}

TEST(Selftest, CompiledInWorkedExampleIsTheShippedFile) {
    EXPECT_EQ(nlohmann::json::parse(fabrisk_test::read_file(FABRISK_SCENARIO_DIR "/worked-example.json")),
              nlohmann::json::parse(bst::worked_example_json));
}

TEST(Selftest, ExactCheckReportsAMismatch) {
    const double wrong[fabrisk::buildout::output_count] = {135001, 1, 2027.0, 75, 2, 2, 0.75, 0, 0, 0};
    const auto c = bst::detail::exact_check("wrong", bst::worked_example_json, wrong, 1.0);
    EXPECT_FALSE(c.passed);
    EXPECT_NE(c.detail.find("installed_flops 135000 (expected 135001)"), std::string::npos) << c.detail;
    const auto bad = bst::detail::exact_check("bad", "{", wrong, 1.0);
    EXPECT_FALSE(bad.passed);
    EXPECT_NE(bad.detail.find("threw"), std::string::npos) << bad.detail;
}

TEST(Selftest, ReportHasOneLinePerCheckAndASummary) {
    const std::vector<st::check> checks{{"a", true, "fine"}, {"b", false, "broken"}};
    EXPECT_EQ(st::report(checks),
              "PASS  a: fine\nFAIL  b: broken\nselftest: 1 of 2 checks passed -- THIS BUILD IS NOT TRUSTWORTHY\n");
    EXPECT_FALSE(st::all_passed(checks));
}

}  // namespace selftest_test
}  // namespace
