// --plot DIR end to end: gnuplot draws every chart of run, sensitivity, compare and sweep as SVG
// and PNG; without gnuplot the data and scripts are still written and the user is told how to
// draw them; a bad directory fails before the run.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli_harness.hpp"

namespace {
namespace cli_plot_test {

namespace fs = std::filesystem;

namespace {

class CliPlot : public fabrisk_test::cli_fixture {
protected:
    CliPlot() : cli_fixture("fabrisk-plot-") {}

    /// Every chart named is in `out/`: script, data, and pictures gnuplot drew, titled as asked.
    void expect_drawn(const std::vector<std::string>& names, const std::string& title_part) const {
        for (const auto& name : names) {
            SCOPED_TRACE(name);
            for (const char* ext : {".gp", ".dat"}) EXPECT_TRUE(fs::exists(dir / "out" / (name + ext)));
            const std::string svg = fabrisk_test::read_file(dir / "out" / (name + ".svg"));
            EXPECT_NE(svg.find("<svg"), std::string::npos);
            EXPECT_NE(svg.find("</svg>"), std::string::npos);  // whole
            const std::string png = fabrisk_test::read_file(dir / "out" / (name + ".png"));
            ASSERT_GT(png.size(), 8000u);  // a picture, not an empty frame
            EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
        }
        const std::string first = fabrisk_test::read_file(dir / "out" / (names[0] + ".svg"));
        EXPECT_NE(first.find(title_part), std::string::npos) << "title";
        // No temporary picture is left behind.
        for (const auto& entry : fs::directory_iterator(dir / "out"))
            EXPECT_EQ(entry.path().filename().string().find(".part"), std::string::npos) << entry.path();
    }
};

}  // namespace

TEST_F(CliPlot, RunDrawsTheDistributionExceedanceYearsAndTornado) {
    const auto r = fabrisk("run --trials 20000 --drivers --drivers-trials 2048 --plot out --json r.json");
    ASSERT_EQ(r.status, 0) << r.err;
    expect_drawn({"installed_compute", "exceedance", "reached_by_year", "tornado"}, "P(target met) = ");
    EXPECT_NE(r.err.find("charts in out: installed_compute.svg exceedance.svg reached_by_year.svg tornado.svg"),
              std::string::npos)
        << r.err;
    // The distribution is drawn on a log axis with the target marked.
    const std::string script = fabrisk_test::read_file(dir / "out" / "installed_compute.gp");
    EXPECT_NE(script.find("set logscale x"), std::string::npos);
    EXPECT_NE(script.find("set label 'target'"), std::string::npos);
}

TEST_F(CliPlot, SensitivityCompareAndSweepDrawTheirCharts) {
    auto s = fabrisk("sensitivity --trials 500 --plot out");
    ASSERT_EQ(s.status, 0) << s.err;
    expect_drawn({"sobol"}, "Sobol indices");
    fs::remove_all(dir / "out");
    s = fabrisk("compare --trials 8192 --set-b 'investors.list[name=SoftBank]=null' --quiet --plot out");
    ASSERT_EQ(s.status, 0) << s.err;
    expect_drawn({"comparison", "comparison_exceedance"}, "B - A: ");
    fs::remove_all(dir / "out");
    s = fabrisk("sweep --trials 4096 --range target.installed_flops=1e24:4e24:4:log --quiet --plot out");
    ASSERT_EQ(s.status, 0) << s.err;
    expect_drawn({"sweep"}, "P(target met) as target.installed_flops varies");
}

TEST_F(CliPlot, WithoutGnuplotTheDataAndScriptsAreStillWritten) {
    const auto r = shell("PATH=/nonexistent \"$FABRISK\" run --trials 4096 --quiet --plot out --json r.json");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("gnuplot is not installed"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("apt-get install gnuplot-nox"), std::string::npos) << r.err;
    for (const char* name : {"installed_compute", "exceedance", "reached_by_year"}) {
        EXPECT_TRUE(fs::exists(dir / "out" / (std::string(name) + ".gp"))) << name;
        EXPECT_TRUE(fs::exists(dir / "out" / (std::string(name) + ".dat"))) << name;
        EXPECT_FALSE(fs::exists(dir / "out" / (std::string(name) + ".svg"))) << name;
    }
    EXPECT_TRUE(fs::exists(dir / "r.json"));
}

TEST_F(CliPlot, ABadDirectoryFailsBeforeTheRun) {
    write("file", "x");
    for (const char* plot : {"file", "no/such/dir"}) {
        const auto r = fabrisk(std::string("run --trials 4096 --quiet --json r.json --plot ") + plot);
        EXPECT_EQ(r.status, 1) << plot;
        EXPECT_NE(r.err.find(std::string("cannot write charts to ") + plot + " (--plot)"), std::string::npos) << r.err;
        EXPECT_FALSE(fs::exists(dir / "r.json")) << plot;
    }
    EXPECT_EQ(fabrisk_test::read_file(dir / "file"), "x");
}

}  // namespace cli_plot_test
}  // namespace
