// Tests for fabrisk/precision.hpp: the stopping rule's steps worked out by hand, and a
// precision-stopped run of a small model that equals one run of its final count.
#include "fabrisk/precision.hpp"

#include <cmath>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "fabrisk/statistics.hpp"

namespace {
namespace precision_test {

namespace {
/// Two outputs per trial: a uniform on [0, 1] (mean 1/2, variance 1/12) and whether a second
/// uniform falls below 0.3.
struct two_uniforms {
    struct workspace {};
    std::size_t dimension() const { return 2; }
    std::size_t output_count() const { return 2; }
    workspace make_workspace() const { return {}; }
    void evaluate(const Eigen::Ref<const Eigen::ArrayXXd>& u, Eigen::Ref<Eigen::ArrayXXd> out, workspace&) const {
        out.col(0) = u.col(0);
        out.col(1) = (u.col(1) < 0.3).cast<double>();
    }
};
}  // namespace

TEST(Precision, EachStepAimsAtTheTrialsTheVarianceNeeds) {
    // A fake run whose estimate has variance 1 per trial: the pilot of 10 chunks gives a
    // half-width of z/√n; the next step aims at 1.05·z²/E², rounded up to whole chunks.
    fabrisk::precision_options p;
    p.half_width = 0.01;
    p.pilot_trials = 10 * fabrisk::chunk_trials;
    p.max_trials = 1'000'000;
    std::vector<std::uint64_t> asked;
    std::uint64_t done = 0;
    const auto trace = fabrisk::extend_to_precision(
        p, [&](std::uint64_t total) { asked.push_back(total); return done = total; },
        [&] { return fabrisk::precision_estimate{0.0, fabrisk::z_95 / std::sqrt(double(done)), 1.0}; });
    const double needed = 1.05 * fabrisk::z_95 * fabrisk::z_95 / (0.01 * 0.01);  // 40,334.7
    const std::uint64_t chunks = static_cast<std::uint64_t>(std::ceil(needed / double(fabrisk::chunk_trials)));
    ASSERT_EQ(asked.size(), 2u);
    EXPECT_EQ(asked[0], 10 * fabrisk::chunk_trials);
    EXPECT_EQ(asked[1], chunks * fabrisk::chunk_trials);
    EXPECT_TRUE(trace.converged);
    EXPECT_FALSE(trace.stopped);
    EXPECT_EQ(trace.trials(), asked[1]);
    ASSERT_EQ(trace.steps.size(), 2u);
    EXPECT_LE(trace.steps[1].half_width, 0.01);
}

TEST(Precision, StopsAtTheCapOrWhenAskedAndAlwaysMovesOn) {
    fabrisk::precision_options p;
    p.half_width = 1e-6;
    p.pilot_trials = 1;
    p.max_trials = 5 * fabrisk::chunk_trials + 1;
    std::vector<std::uint64_t> asked;
    std::uint64_t done = 0;
    // A variance so small that the extrapolation asks for nothing more: each step still adds a
    // chunk, and the last one stops at the cap.
    const auto capped = fabrisk::extend_to_precision(
        p, [&](std::uint64_t total) { asked.push_back(total); return done = total; },
        [&] { return fabrisk::precision_estimate{0.0, 1.0, 1e-30}; });
    EXPECT_FALSE(capped.converged);
    EXPECT_EQ(capped.trials(), p.max_trials);
    EXPECT_EQ(asked, (std::vector<std::uint64_t>{1, 2048, 4096, 6144, 8192, 10240, 10241}));

    // A run that is stopped during a step ends there.
    const auto stopped = fabrisk::extend_to_precision(
        p, [&](std::uint64_t total) { return total > 4096 ? std::uint64_t{4096} : total; },
        [&] { return fabrisk::precision_estimate{0.0, 1.0, 1e-30}; });
    EXPECT_TRUE(stopped.stopped);
    EXPECT_FALSE(stopped.converged);
    EXPECT_EQ(stopped.trials(), 4096u);

    p.half_width = 0;
    EXPECT_THROW(fabrisk::extend_to_precision(p, [](std::uint64_t t) { return t; }, [] { return fabrisk::precision_estimate{}; }),
                 fabrisk::usage_error);
}

TEST(Precision, AMeanReachesItsHalfWidthAndEqualsOneRunOfTheFinalCount) {
    const two_uniforms model;
    fabrisk::run_options o;
    o.seed = 11;
    fabrisk::precision_options p;
    p.half_width = 0.002;  // needs about 1.05·z²·(1/12)/E² ≈ 84,000 trials
    p.pilot_trials = 4 * fabrisk::chunk_trials;
    for (unsigned threads : {1u, 2u}) {
        o.threads = threads;
        fabrisk::output_statistics stats(2);
        const auto trace = fabrisk::run_to_precision(model, stats, o, p,
                                                     [](const fabrisk::output_statistics& s) { return fabrisk::mean_precision(s, 0); });
        ASSERT_TRUE(trace.converged);
        EXPECT_EQ(stats.count(), trace.trials());
        EXPECT_EQ(trace.trials() % fabrisk::chunk_trials, 0u);
        EXPECT_GT(trace.trials(), 70'000u);
        EXPECT_LT(trace.trials(), 100'000u);
        const auto summary = stats.summary(0);
        // The interval it stopped on contains 1/2 (|error| ≤ 5 standard errors, ≈ 2.6 half-widths).
        EXPECT_LE(trace.steps.back().half_width, p.half_width);
        EXPECT_NEAR(summary.mean, 0.5, 2.6 * p.half_width);
        // s² within 5 standard errors, √((μ₄ − σ⁴)/n) with μ₄ = 1/80.
        EXPECT_NEAR(summary.sd * summary.sd, 1.0 / 12, 5 * std::sqrt((1.0 / 80 - 1.0 / 144) / double(summary.count)));

        fabrisk::output_statistics once(2);
        o.trials = trace.trials();
        fabrisk::run(model, once, o);
        EXPECT_EQ(once.summary(0).mean, summary.mean);
        EXPECT_EQ(once.summary(1).mean, stats.summary(1).mean);
    }
}

TEST(Precision, AProportionUsesItsWilsonInterval) {
    const fabrisk::proportion p{300, 1000};
    const auto e = fabrisk::proportion_precision(p);
    const auto [lo, hi] = p.wilson();
    EXPECT_EQ(e.estimate, 0.3);
    EXPECT_EQ(e.half_width, (hi - lo) / 2);
    EXPECT_DOUBLE_EQ(e.variance, 0.21);
    EXPECT_DOUBLE_EQ(fabrisk::proportion_precision({0, 1000}).variance, 1e-3);  // floored at 1/n
}

TEST(Precision, AShareIsTheProportionOfAZeroOneOutput) {
    const two_uniforms model;
    fabrisk::output_statistics stats(2);
    fabrisk::run_options o;
    o.trials = 10'000;
    o.seed = 5;
    fabrisk::run(model, stats, o);
    fabrisk::output_statistics counted(2, {{}, {{0.5}, {}}});
    fabrisk::run(model, counted, o);
    const std::uint64_t below = counted.at_most_counts(1)[0];
    const auto e = fabrisk::share_precision(stats, 1);
    const auto want = fabrisk::proportion_precision({10'000 - below, 10'000});
    EXPECT_EQ(e.estimate, want.estimate);
    EXPECT_EQ(e.half_width, want.half_width);
    // 3,000 expected; 5 standard errors of a binomial(10,000, 0.3) share.
    EXPECT_NEAR(e.estimate, 0.3, 5 * std::sqrt(0.21 / 10'000));
}

}  // namespace precision_test
}  // namespace
