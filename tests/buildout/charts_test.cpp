// charts.hpp: each chart's data says what the result says, and its script plots that data with
// the axes, marks and titles the result calls for. (tests/cli_plot_test.cpp has gnuplot draw them.)
#include "fabrisk/buildout/charts.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fabrisk/buildout/analytics.hpp"
#include "fabrisk/buildout/comparison.hpp"
#include "fabrisk/buildout/report.hpp"
#include "fabrisk/buildout/scenario_json.hpp"
#include "fabrisk/buildout/simulation.hpp"
#include "fabrisk/buildout/sweep_report.hpp"

namespace {
namespace buildout_charts_test {

namespace fb = fabrisk::buildout;
using nlohmann::ordered_json;

namespace {
const fb::scenario& default_scenario() {
    static const fb::scenario s = fb::load_scenario(FABRISK_SCENARIO_DIR "/seven-trillion.json");
    return s;
}
const fb::chart& named(const std::vector<fb::chart>& charts, const std::string& name) {
    const auto it = std::find_if(charts.begin(), charts.end(), [&](const fb::chart& c) { return c.name == name; });
    if (it == charts.end()) throw std::runtime_error("no chart " + name);
    return *it;
}
/// The data rows (not comments, not blank) of a chart, split into fields.
std::vector<std::vector<std::string>> rows(const std::string& data) {
    std::vector<std::vector<std::string>> out;
    std::istringstream lines(data);
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream fields(line);
        out.emplace_back();
        for (std::string f; fields >> f;) out.back().push_back(f);
    }
    return out;
}
bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

TEST(Charts, ARunsChartsHoldItsHistogramExceedanceAndYears) {
    fabrisk::run_options o;
    o.trials = 100000;
    o.seed = 3;
    const auto r = fb::simulate(default_scenario(), o);
    const ordered_json j = fb::to_json(r);
    const auto charts = fb::run_charts(j);
    ASSERT_EQ(charts.size(), 3u);  // no tornado without --drivers

    // The distribution: one row per bin, shares of all trials, on a log axis with the target.
    const auto& installed = named(charts, "installed_compute");
    const auto bins = rows(installed.data);
    const auto& h = r[fb::output::installed_flops];
    ASSERT_EQ(bins.size(), h.histogram_counts.size());
    double shares = 0;
    for (std::size_t b = 0; b < bins.size(); ++b) {
        EXPECT_EQ(std::stod(bins[b][0]), h.histogram_edges[b]);
        EXPECT_EQ(std::stod(bins[b][1]), h.histogram_edges[b + 1]);
        EXPECT_DOUBLE_EQ(std::stod(bins[b][2]), double(h.histogram_counts[b]) / 1e5);
        shares += std::stod(bins[b][2]);
    }
    EXPECT_NEAR(shares + double(h.histogram_nonpositive) / 1e5, 1.0, 1e-12);
    EXPECT_TRUE(has(installed.script, "set logscale x"));
    EXPECT_TRUE(has(installed.script, "set arrow from 2e+24, graph 0 to 2e+24, graph 1"));
    char p[64];
    std::snprintf(p, sizeof p, "P(target met) = %.1f%%", 100 * r.target_met.estimate());
    EXPECT_TRUE(has(installed.script, p)) << installed.script;
    EXPECT_TRUE(has(installed.script, "set xlabel 'installed compute at the deadline (FLOP/s, log scale"));
    // A few extreme trials span decades: the axis is clipped to bins holding 99.9% of the trials
    // and says so.
    const auto range = installed.script.find("set xrange [");
    ASSERT_NE(range, std::string::npos) << installed.script;
    const double from = std::stod(installed.script.substr(range + 12));
    const double to = std::stod(installed.script.substr(installed.script.find(':', range) + 1));
    EXPECT_GT(from, h.histogram_edges.front());
    double inside = 0;
    for (std::size_t b = 0; b < bins.size(); ++b)
        if (h.histogram_edges[b] >= from && h.histogram_edges[b + 1] <= to) inside += double(h.histogram_counts[b]);
    EXPECT_GE(inside / 1e5, 0.999);
    EXPECT_TRUE(has(installed.script, "the axis spans the central 99.9% of trials"));
    EXPECT_TRUE(has(installed.script, "plot 'installed_compute.dat'"));
    EXPECT_TRUE(has(installed.script, "set output svg") && has(installed.script, "set output png"));

    // The exceedance curve: the result's 41 points; the target's is P(target met).
    const auto curve = rows(named(charts, "exceedance").data);
    ASSERT_EQ(curve.size(), 41u);
    EXPECT_EQ(std::stod(curve[20][0]), 2e24);
    EXPECT_EQ(std::stod(curve[20][1]), r.target_met.estimate());

    // Reached by each year: the result's shares, the deadline marked.
    const auto& years = named(charts, "reached_by_year");
    const auto reached = rows(years.data);
    ASSERT_EQ(reached.size(), r.reached_by_year.size());
    for (std::size_t i = 0; i < reached.size(); ++i) {
        EXPECT_EQ(std::stoi(reached[i][0]), r.reached_by_year[i].first);
        EXPECT_EQ(std::stod(reached[i][1]), r.reached_by_year[i].second);
    }
    EXPECT_TRUE(has(years.script, "set arrow from 2030, graph 0"));
}

TEST(Charts, TheTornadoPutsTheLargestSwingOnTop) {
    fabrisk::run_options o;
    o.trials = 4096;
    o.seed = 4;
    ordered_json j = fb::to_json(fb::simulate(default_scenario(), o));
    j["tornado"] = fb::to_json(fb::tornado(default_scenario(), o));
    const auto charts = fb::run_charts(j);
    ASSERT_EQ(charts.size(), 4u);
    const auto& t = named(charts, "tornado");
    const auto bars = rows(t.data);
    ASSERT_EQ(bars.size(), j["tornado"].size()) << t.data;
    // Row n − 1 (the top) is the first bar, the largest swing.
    EXPECT_EQ(std::stoul(bars[0][0]), bars.size() - 1);
    EXPECT_EQ(bars[0][1], "\"" + j["tornado"][0]["group"].get<std::string>() + "\"");
    EXPECT_EQ(std::stod(bars[0][2]), j["tornado"][0]["low"]["probability_target_met"].get<double>());
    EXPECT_EQ(std::stod(bars[0][3]), j["tornado"][0]["high"]["probability_target_met"].get<double>());
    // The margin leaves room for the longest group name.
    std::size_t longest = 0;
    for (const auto& bar : j["tornado"]) longest = std::max(longest, bar["group"].get<std::string>().size());
    EXPECT_TRUE(has(t.script, "set lmargin " + std::to_string(longest + 3))) << t.script;
}

TEST(Charts, SobolComparisonAndSweepCharts) {
    // Sobol: a row per group, first and total with their intervals.
    ordered_json sens = {{"scenario", "s"}, {"output", "target_met"}, {"base_trials", 100},
                         {"sobol", {{"a", {{"first", 0.5}, {"first_ci95", {0.4, 0.6}}, {"total", 0.7}, {"total_ci95", {0.6, 0.8}}}},
                                    {"b \"quoted\"", {{"first", 0.1}, {"first_ci95", {0.0, 0.2}}, {"total", 0.2}, {"total_ci95", {0.1, 0.3}}}}}}};
    const auto sobol = fb::sensitivity_charts(sens);
    ASSERT_EQ(sobol.size(), 1u);
    const auto groups = rows(sobol[0].data);
    ASSERT_EQ(groups.size(), 2u);
    EXPECT_EQ(groups[0], (std::vector<std::string>{"1", "\"a\"", "0.5", "0.40000000000000002", "0.59999999999999998", "0.69999999999999996",
                                                   "0.59999999999999998", "0.80000000000000004"}));
    EXPECT_EQ(groups[1][1], "\"b");  // a label's double quotes become single ones: "b 'quoted'"
    EXPECT_TRUE(has(sobol[0].data, "\"b 'quoted'\""));

    // Comparison: both distributions and both exceedance curves.
    fabrisk::run_options o;
    o.trials = 8192;
    auto b = default_scenario();
    b.target_flops *= 2;
    const auto c = fb::compare(default_scenario(), b, o);
    const ordered_json cj = fb::to_json(c, fb::provenance{}, fb::provenance{});
    const auto compared = fb::comparison_charts(cj);
    ASSERT_EQ(compared.size(), 2u);
    const auto& both = named(compared, "comparison");
    EXPECT_TRUE(has(both.script, "index 0") && has(both.script, "index 1"));
    EXPECT_TRUE(has(both.data, "\n\n# B\n"));
    const auto exceedance = rows(named(compared, "comparison_exceedance").data);
    ASSERT_EQ(exceedance.size(), 41u);
    EXPECT_EQ(std::stod(exceedance[20][1]), c.a.target_met.estimate());

    // Sweep: one curve per value of the second path, each point with its interval.
    ordered_json sweep = {{"paths", {"x", "y"}}, {"trials", 10}, {"points", ordered_json::array()}};
    for (double x : {1.0, 2.0, 3.0})
        for (const char* y : {"u", "v"})
            sweep["points"].push_back({{"values", {x, y}}, {"probability_target_met", 0.5},
                                       {"probability_ci95", {0.4, 0.6}}});
    const auto curves = fb::sweep_charts(sweep);
    ASSERT_EQ(curves.size(), 1u);
    EXPECT_EQ(rows(curves[0].data).size(), 6u);
    EXPECT_TRUE(has(curves[0].data, "# y = \"u\"") && has(curves[0].data, "# y = \"v\""));
    EXPECT_TRUE(has(curves[0].script, "with filledcurves"));
    EXPECT_TRUE(has(curves[0].script, "index 1"));
    EXPECT_FALSE(has(curves[0].script, "set logscale x"));
}

}  // namespace buildout_charts_test
}  // namespace
