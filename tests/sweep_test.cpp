// Tests for fabrisk/sweep.hpp: parsing the values and ranges of a sweep, and the grid of points.
#include "fabrisk/sweep.hpp"

#include <cmath>
#include <string>

#include <gtest/gtest.h>

namespace {
namespace sweep_test {

using nlohmann::ordered_json;

TEST(Sweep, ValuesAreJsonSplitAtTopLevelCommas) {
    const auto axis = fabrisk::parse_sweep_values(
        R"(fabs.delay_years=0.5,{"dist":"lognormal","median":1.5,"p90":3},"a,b",[1,2],text)", "--set");
    EXPECT_EQ(axis.path, "fabs.delay_years");
    ASSERT_EQ(axis.values.size(), 5u);
    EXPECT_EQ(axis.values[0], 0.5);
    EXPECT_EQ(axis.values[1]["p90"], 3);
    EXPECT_EQ(axis.values[2], "a,b");
    EXPECT_EQ(axis.values[3], ordered_json::array({1, 2}));
    EXPECT_EQ(axis.values[4], "text");  // not JSON: a string
    EXPECT_EQ(fabrisk::parse_sweep_values("investors.list[name=A, B].pledge_busd=1,2", "--set").values.size(), 2u);
    EXPECT_THROW(fabrisk::parse_sweep_values("x=1,,2", "--set"), fabrisk::usage_error);
}

TEST(Sweep, RangesIncludeBothEndsEvenlyOrInLogScale) {
    const auto linear = fabrisk::parse_sweep_range("plan.fab_capital_share=0.2:0.8:4", "--range");
    ASSERT_EQ(linear.values.size(), 4u);
    EXPECT_EQ(linear.values[0], 0.2);
    EXPECT_NEAR(linear.values[1].get<double>(), 0.4, 1e-15);
    EXPECT_NEAR(linear.values[2].get<double>(), 0.6, 1e-15);
    EXPECT_EQ(linear.values[3], 0.8);
    const auto log = fabrisk::parse_sweep_range("target.installed_flops=5e23:8e24:9:log", "--range");
    ASSERT_EQ(log.values.size(), 9u);
    EXPECT_EQ(log.values.front(), 5e23);
    EXPECT_EQ(log.values.back(), 8e24);
    for (std::size_t i = 1; i < 9; ++i)  // a constant ratio, (8e24/5e23)^(1/8)
        EXPECT_NEAR(log.values[i].get<double>() / log.values[i - 1].get<double>(), std::pow(16.0, 1.0 / 8), 1e-12);
    // The values between are rounded to 15 significant digits, so the last bits' noise goes.
    EXPECT_EQ(log.values[2], 1e24);
    EXPECT_EQ(log.values[4], 2e24);
    EXPECT_EQ(log.values[6], 4e24);  // 3.999999999999999e+24 before rounding
    EXPECT_EQ(log.values[1], 7.07106781186547e23);  // 5e23·√2 to 15 digits
    const auto tenths = fabrisk::parse_sweep_range("x=0.1:0.9:9", "--range");
    for (std::size_t i = 0; i < 9; ++i)  // 0.1 + 0.8·0.25 is 0.30000000000000004 in doubles
        EXPECT_EQ(tenths.values[i].dump(), std::to_string(i + 1).insert(0, "0.")) << i;
    EXPECT_EQ(fabrisk::round_to_15_digits(0.1 + 0.2), 0.3);
    EXPECT_EQ(fabrisk::round_to_15_digits(1.0 / 3), 0.333333333333333);
    EXPECT_EQ(fabrisk::round_to_15_digits(-123456789.0123456789), -123456789.012346);
    EXPECT_EQ(fabrisk::round_to_15_digits(5e-324), 4.94065645841247e-324);  // subnormals round too
    for (const char* bad : {"x=1:2", "x=1:2:1", "x=a:2:3", "x=1:2:3:ln", "x=0:1:3:log", "x=1:2:3.5"})
        EXPECT_THROW(fabrisk::parse_sweep_range(bad, "--range"), fabrisk::usage_error) << bad;
}

TEST(Sweep, TheGridHasEveryCombinationTheLastAxisFastest) {
    const auto a = fabrisk::parse_sweep_values("a=1,2", "--set a"), b = fabrisk::parse_sweep_values("b=10,20,30", "--set b");
    const auto points = fabrisk::sweep_points({a, b});
    ASSERT_EQ(points.size(), 6u);
    EXPECT_EQ(points[0][0].value, 1);
    EXPECT_EQ(points[0][1].value, 10);
    EXPECT_EQ(points[1][1].value, 20);
    EXPECT_EQ(points[3][0].value, 2);
    EXPECT_EQ(points[3][1].value, 10);
    EXPECT_EQ(points[5][1].origin, "--set b");
    EXPECT_TRUE(fabrisk::sweep_points({}).empty());
}

}  // namespace sweep_test
}  // namespace
