// Tests for fabrisk/buildout/comparison.hpp: two scenarios on the same trials. Each side equals
// its own run, identical scenarios differ by exactly 0, the paired intervals are those of the
// per-trial differences, and pairing narrows the interval.
#include "fabrisk/buildout/comparison.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fabrisk/buildout/report.hpp"
#include "fabrisk/buildout/scenario_json.hpp"
#include "fabrisk/json_override.hpp"
#include "fabrisk/runner.hpp"
#include "../support.hpp"

namespace {
namespace buildout_comparison_test {

namespace fb = fabrisk::buildout;

namespace {

nlohmann::ordered_json default_json() {
    return nlohmann::ordered_json::parse(fabrisk_test::read_file(FABRISK_SCENARIO_DIR "/seven-trillion.json"));
}

fb::scenario with(const std::vector<std::string>& sets) {
    auto doc = default_json();
    for (const auto& s : sets) fabrisk::apply_override(doc, fabrisk::parse_override(s, s));
    return fb::parse_scenario(doc.dump());
}

fabrisk::run_options options(std::uint64_t trials) {
    fabrisk::run_options o;
    o.trials = trials;
    o.seed = 17;
    o.threads = 2;
    return o;
}

}  // namespace

TEST(Comparison, IdenticalScenariosDifferByExactlyZeroAndEachSideIsItsOwnRun) {
    const fb::scenario s = with({});
    const auto c = fb::compare(s, s, options(20480));
    EXPECT_EQ(c.target_met.difference, 0.0);
    EXPECT_EQ(c.target_met.ci95, std::make_pair(0.0, 0.0));
    for (const auto& [year, d] : c.reached_by_year) EXPECT_EQ(d.ci95, std::make_pair(0.0, 0.0)) << year;
    for (std::size_t k = 0; k < fb::output_count; ++k) {
        if (static_cast<fb::output>(k) == fb::output::target_year) {
            EXPECT_FALSE(c.means[k].defined);  // some trials never reach the target
            continue;
        }
        EXPECT_EQ(c.means[k].difference, 0.0) << fb::output_names[k];
        EXPECT_EQ(c.means[k].ci95, std::make_pair(0.0, 0.0)) << fb::output_names[k];
    }
    // Each side is exactly simulate() of its scenario on the same trials.
    const auto alone = fb::simulate(s, options(20480));
    EXPECT_EQ(fb::to_json(c.a).dump(), fb::to_json(alone).dump());
    EXPECT_EQ(fb::to_json(c.b).dump(), fb::to_json(alone).dump());
}

TEST(Comparison, RemovingInvestorsEqualsZeroPledgesAndPairingNarrowsTheInterval) {
    const fb::scenario a = with({});
    const auto removed = fb::compare(a, with({"investors.list[group=gulf]=null"}), options(40960));
    const auto zero = fb::compare(a, with({"investors.list[group=gulf].pledge_busd=0"}), options(40960));
    EXPECT_EQ(fb::to_json(removed.b)["outputs"].dump(), fb::to_json(zero.b)["outputs"].dump());
    EXPECT_EQ(removed.b.target_met.successes, zero.b.target_met.successes);
    EXPECT_LT(removed.target_met.difference, -0.1);  // $3T less makes the target much less likely

    // One investor removed (SoftBank): the paired interval is far narrower than two
    // independent runs would give.
    const auto softbank = fb::compare(a, with({"investors.list[name=SoftBank]=null"}), options(40960));
    const auto& d = softbank.target_met;
    const double paired = d.ci95.second - d.ci95.first, independent = d.independent_ci95.second - d.independent_ci95.first;
    EXPECT_GT(independent / paired, 2.5) << "paired " << paired << ", independent " << independent;
    // The difference is B's estimate less A's, and lies inside its interval.
    EXPECT_NEAR(d.difference, softbank.b.target_met.estimate() - softbank.a.target_met.estimate(), 1e-12);
    EXPECT_LT(d.ci95.first, d.difference);
    EXPECT_GT(d.ci95.second, d.difference);
    EXPECT_LT(d.difference, 0.0);
}

/// Every trial's outputs of one model, in trial order (each side run on its own).
struct raw_outputs {
    using chunk = Eigen::ArrayXXd;
    std::vector<Eigen::ArrayXXd> chunks;
    chunk summarize(const Eigen::Ref<const Eigen::ArrayXXd>& block) const { return block; }
    void merge(chunk&& c) { chunks.push_back(std::move(c)); }
    double at(std::size_t trial, fb::output o) const {
        const auto& c = chunks[trial / fabrisk::chunk_trials];
        return c(static_cast<Eigen::Index>(trial % fabrisk::chunk_trials), static_cast<Eigen::Index>(o));
    }
};

TEST(Comparison, PairedIntervalsEqualThoseOfTheDifferencesOfTwoSeparateRuns) {
    // Each side run alone on the same seed gives the same trials (inputs draw by identity), so
    // the per-trial differences, and their mean and sd by a plain two-pass sum, are an
    // independent check of the comparison's digest of them.
    const fb::scenario a = with({}), b = with({"investors.list[name=SoftBank]=null"});
    const std::uint64_t n = 3 * fabrisk::chunk_trials + 100;
    const auto c = fb::compare(a, b, options(n));
    raw_outputs ra, rb;
    fabrisk::run(fb::model(a), ra, options(n));
    fabrisk::run(fb::model(b), rb, options(n));
    auto check = [&](const fb::paired_difference& d, auto difference_of_trial, const std::string& what) {
        double sum = 0, squares = 0;
        for (std::uint64_t i = 0; i < n; ++i) sum += difference_of_trial(i);
        const double mean = sum / double(n);
        for (std::uint64_t i = 0; i < n; ++i) squares += (difference_of_trial(i) - mean) * (difference_of_trial(i) - mean);
        const double half = fabrisk::z_95 * std::sqrt(squares / double(n - 1)) / std::sqrt(double(n));
        const double scale = std::max(std::abs(mean) + half, 1e-300);
        EXPECT_NEAR(d.difference, mean, 1e-12 * scale) << what;
        EXPECT_NEAR(d.ci95.first, mean - half, 1e-12 * scale) << what;
        EXPECT_NEAR(d.ci95.second, mean + half, 1e-12 * scale) << what;
    };
    check(c.target_met, [&](std::uint64_t i) { return rb.at(i, fb::output::target_met) - ra.at(i, fb::output::target_met); },
          "target met");
    ASSERT_FALSE(c.reached_by_year.empty());
    for (const auto& [year, d] : c.reached_by_year) {
        const double cutoff = fabrisk::at_most_cutoff(double(year + 1));
        check(d, [&](std::uint64_t i) {
            return double(rb.at(i, fb::output::target_year) <= cutoff) - double(ra.at(i, fb::output::target_year) <= cutoff);
        }, "reached by " + std::to_string(year));
    }
    for (auto o : {fb::output::installed_flops, fb::output::capital_raised_busd, fb::output::fabs_completed}) {
        const auto k = static_cast<std::size_t>(o);
        check(c.means[k], [&](std::uint64_t i) { return rb.at(i, o) - ra.at(i, o); }, fb::output_names[k]);
    }
    // SoftBank's absence moves P(target met) and some years' shares: the check is not of zeros.
    EXPECT_LT(c.target_met.difference, 0.0);
    EXPECT_GT(c.target_met.ci95.second - c.target_met.ci95.first, 0.0);
}

// The readable table: each column starts (text) or ends (numbers) at one place in every row,
// even where a cell is wider than usual (means of ±1e24 with a sign), and no line ends in spaces.
TEST(Comparison, TheTableKeepsItsColumnsAlignedWhateverTheCellWidths) {
    const auto c = fb::compare(with({}), with({"investors.list[group=gulf]=null"}), options(8192));
    const std::string text = fb::to_text(c, "A", "B");
    std::vector<std::string> lines;
    for (std::size_t at = text.find("\n\n") + 2, end; (end = text.find('\n', at)) != std::string::npos; at = end + 1)
        lines.push_back(text.substr(at, end - at));
    ASSERT_GT(lines.size(), 12u) << text;
    const std::string& header = lines[0];
    const std::size_t a_end = header.find(" A ") + 2, b_end = header.find(" B ") + 2, d_end = header.find("B - A") + 5;
    const std::size_t paired = header.find("paired"), independent = header.find("independent");
    bool wide = false;  // a cell wider than the usual 11 characters (checks the widening itself)
    for (const auto& line : lines) {
        EXPECT_NE(line.back(), ' ') << line;
        if (line.find("(undefined") != std::string::npos) {
            EXPECT_EQ(line.find("(undefined"), paired) << line;
            continue;
        }
        if (&line == &header) continue;
        EXPECT_NE(line[a_end - 1], ' ') << line;
        EXPECT_EQ(line[a_end], ' ') << line;
        EXPECT_NE(line[b_end - 1], ' ') << line;
        EXPECT_EQ(line[b_end], ' ') << line;
        EXPECT_NE(line[d_end - 1], ' ') << line;
        EXPECT_EQ(line.substr(d_end, 2), "  ") << line;
        EXPECT_EQ(line[paired], '[') << line;
        EXPECT_EQ(line[independent], '[') << line;
        EXPECT_EQ(line[independent - 1], ' ') << line;
        const std::size_t difference_start = line.find_last_of(' ', d_end - 1) + 1;
        wide = wide || d_end - difference_start > 11;
    }
    EXPECT_TRUE(wide) << text;  // -1.1e24 and the like: "-1.10438e+24" is 12 characters
}

}  // namespace buildout_comparison_test
}  // namespace
