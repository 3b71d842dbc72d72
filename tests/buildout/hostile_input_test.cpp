// Hostile scenario input: every malformed, oversized or pathological document is rejected with
// a scenario_error (or io_error for an unreadable file) whose message says what was wrong;
// nothing crashes, recurses without bound or reads without limit. Inputs the fuzzer found are
// kept here as regression tests (fuzz/corpus/ holds them too).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fabrisk/buildout/scenario_json.hpp"
#include "fabrisk/buildout/simulation.hpp"
#include "../support.hpp"

namespace {
namespace buildout_hostile_input_test {

namespace fb = fabrisk::buildout;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string worked_text = fabrisk_test::read_file(FABRISK_SCENARIO_DIR "/worked-example.json");

/// The message of the scenario_error that parsing `text` throws ("" if it does not throw).
std::string rejection(const std::string& text) {
    try {
        fb::parse_scenario(text);
    } catch (const fabrisk::scenario_error& e) {
        return e.what();
    }
    return "";
}

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

class TempDir : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("fabrisk-hostile-" + std::to_string(::getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    void TearDown() override { fs::remove_all(dir); }
    fs::path dir;
};

}  // namespace

TEST(HostileInput, NumbersAsStrings) {
    auto doc = json::parse(worked_text);
    doc["fabs"]["capex_busd"] = "20";
    EXPECT_EQ(rejection(doc.dump()), "fabs.capex_busd: expected a number, got a string");
}

TEST(HostileInput, NonFiniteNumbers) {
    // JSON has no NaN or Infinity; a literal that overflows a double is the only way in.
    std::string text = worked_text;
    text.replace(text.find("\"capex_busd\": 20"), 16, "\"capex_busd\": 1e999");
    EXPECT_TRUE(contains(rejection(text), "fabs.capex_busd")) << rejection(text);
    EXPECT_TRUE(contains(rejection(text), "finite")) << rejection(text);
    text = worked_text;
    text.replace(text.find("\"capex_busd\": 20"), 16, "\"capex_busd\": NaN");
    EXPECT_TRUE(contains(rejection(text), "invalid JSON at line")) << rejection(text);
    text = worked_text;
    text.replace(text.find("\"capex_busd\": 20"), 16, "\"capex_busd\": -Infinity");
    EXPECT_TRUE(contains(rejection(text), "invalid JSON at line")) << rejection(text);
}

TEST(HostileInput, DuplicateKeys) {
    std::string text = worked_text;
    text.replace(text.find("\"capex_busd\": 20"), 16, "\"capex_busd\": 20, \"capex_busd\": 30");
    EXPECT_EQ(rejection(text), "fabs.capex_busd: duplicate key");
}

TEST(HostileInput, DeepNestingIsRejectedWithoutRecursion) {
    // 10000 nested arrays, objects, and a mix, at the top level and inside a field.
    const std::size_t depth = 10000;
    const std::string arrays = std::string(depth, '[') + std::string(depth, ']');
    std::string objects;
    for (std::size_t i = 0; i < depth; ++i) objects += "{\"a\":";
    objects += "1" + std::string(depth, '}');
    std::string unbalanced = std::string(depth, '[');  // and never closed
    for (const std::string& text : {arrays, objects, unbalanced}) {
        const std::string message = rejection(text);
        EXPECT_TRUE(contains(message, "nested more than 64 deep")) << message.substr(0, 200);
    }
    std::string inside = worked_text;
    inside.replace(inside.find("\"capex_busd\": 20"), 16, "\"capex_busd\": " + arrays);
    const std::string message = rejection(inside);
    EXPECT_TRUE(contains(message, "fabs.capex_busd")) << message.substr(0, 200);
    EXPECT_TRUE(contains(message, "nested more than 64 deep")) << message.substr(0, 200);
}

TEST(HostileInput, NestingUpToTheLimitIsOnlyASchemaError) {
    // 64 levels in all (the root object is level 1) parse as JSON and fail on the schema.
    std::string text = "{\"name\":" + std::string(63, '[') + std::string(63, ']') + "}";
    // (Every problem is reported: the missing sections too, each on its own line.)
    EXPECT_TRUE(contains(rejection(text), "\nname: expected a string, got an array")) << rejection(text);
    EXPECT_FALSE(contains(rejection(text), "nested")) << rejection(text);
    text = "{\"name\":" + std::string(64, '[') + std::string(64, ']') + "}";
    EXPECT_TRUE(contains(rejection(text), "nested more than 64 deep")) << rejection(text);
}

TEST(HostileInput, TextOver16MiBIsRejectedBeforeParsing) {
    // The worked example padded with whitespace to one byte over the limit: valid JSON, but
    // refused by size, with a message that names the limit.
    std::string text = worked_text;
    text.resize(fb::max_scenario_bytes + 1, ' ');
    const std::string message = rejection(text);
    EXPECT_TRUE(contains(message, "16 MiB")) << message;
    EXPECT_TRUE(contains(message, "16777217 bytes")) << message;
    // Exactly at the limit it is accepted.
    text.resize(fb::max_scenario_bytes);
    EXPECT_EQ(fb::parse_scenario(text).name, "worked-example");
}

TEST_F(TempDir, FileOver16MiBIsRejectedBeforeReading) {
    const fs::path big = dir / "big.json";
    {
        std::ofstream out(big, std::ios::binary);
        out << worked_text;
    }
    fs::resize_file(big, fb::max_scenario_bytes + 1);  // pads with zero bytes
    try {
        fb::load_scenario(big.string());
        ADD_FAILURE() << "a 16 MiB + 1 byte file was accepted";
    } catch (const fabrisk::scenario_error& e) {
        EXPECT_TRUE(contains(e.what(), "16 MiB")) << e.what();
        EXPECT_TRUE(contains(e.what(), "16777217 bytes")) << e.what();
        EXPECT_TRUE(contains(e.what(), big.string())) << e.what();
    }
}

TEST(HostileInput, EndlessDeviceIsReadOnlyUpToTheLimit) {
    // /dev/zero has no size and no end: reading stops one byte past the limit.
    if (!fs::exists("/dev/zero")) GTEST_SKIP() << "no /dev/zero";
    try {
        fb::load_scenario("/dev/zero");
        ADD_FAILURE() << "/dev/zero was accepted";
    } catch (const fabrisk::scenario_error& e) {
        EXPECT_TRUE(contains(e.what(), "more than the limit of 16 MiB")) << e.what();
    }
}

TEST_F(TempDir, DirectoryOrMissingFileIsAnIoError) {
    try {
        fb::load_scenario(dir.string());
        ADD_FAILURE() << "a directory was accepted";
    } catch (const fabrisk::io_error& e) {
        EXPECT_TRUE(contains(e.what(), "is a directory")) << e.what();
    }
    EXPECT_THROW(fb::load_scenario((dir / "missing.json").string()), fabrisk::io_error);
}

TEST(HostileInput, EmptyAndGarbageInput) {
    EXPECT_TRUE(contains(rejection(""), "invalid JSON at line 1, column 1")) << rejection("");
    EXPECT_TRUE(contains(rejection(std::string("\0\0\0", 3)), "invalid JSON")) << rejection(std::string("\0\0\0", 3));
    EXPECT_TRUE(contains(rejection("\xff\xfe{}"), "invalid JSON")) << rejection("\xff\xfe{}");
    EXPECT_EQ(rejection("[]"), "expected an object, got an array");
    EXPECT_EQ(rejection("null"), "expected an object, got null");
    EXPECT_TRUE(contains(rejection(worked_text + "{}"), "invalid JSON")) << rejection(worked_text + "{}");
}

TEST(HostileInput, IntegersBeyondTheEngineLimits) {
    auto doc = json::parse(worked_text);
    doc["time"]["start_year"] = 1e300;
    EXPECT_TRUE(contains(rejection(doc.dump()), "time.start_year: must be an integer of at most 1e9")) << rejection(doc.dump());
    doc = json::parse(worked_text);
    doc["fabs"]["groups"][0]["count"] = 4e9;
    EXPECT_TRUE(contains(rejection(doc.dump()), "fabs.groups[0].count")) << rejection(doc.dump());
    doc = json::parse(worked_text);
    doc["time"]["horizon_years"] = 2e9;  // the grid limit, without int overflow on the way
    EXPECT_TRUE(contains(rejection(doc.dump()), "time.horizon_years")) << rejection(doc.dump());
    doc = json::parse(worked_text);
    doc["time"]["horizon_years"] = 100000;
    doc["time"]["steps_per_year"] = 100000;
    EXPECT_TRUE(contains(rejection(doc.dump()), "horizon_years x steps_per_year must be at most 100000"))
        << rejection(doc.dump());
}

TEST(HostileInput, ChipLifetimeStepsBeyondTheEngineLimit) {
    // ℓ·m must fit the model's integer step arithmetic: 1e9 steps at most.
    auto doc = json::parse(worked_text);
    doc["compute"]["chip_lifetime_years"] = 6e8;  // 2.4e9 steps at m = 4
    EXPECT_EQ(rejection(doc.dump()),
              "compute.chip_lifetime_years: lifetime x steps_per_year must be at most 1000000000 (an engine limit), got "
              "600000000 x 4 = 2400000000");
    doc["compute"]["chip_lifetime_years"] = 2.5e8;  // exactly 1e9 steps: accepted
    EXPECT_EQ(fb::parse_scenario(doc.dump()).chip_lifetime_years, 2.5e8);
}

TEST(HostileInput, ParametersTooExtremeForDoubleArithmeticAreRefused) {
    // Each satisfies its family's rules but cannot be sampled in doubles; found by the extreme
    // value sweep of tests/fuzz_regression_test.cpp (inputs in fuzz/corpus/regression-*.json).
    auto doc = json::parse(worked_text);
    // Boost.Math overflows (tgamma of a subnormal shape) when the family is built or sampled:
    // a scenario_error at the field, never a Boost exception.
    auto refused = [](const std::string& message) {
        return message.rfind("fabs.delay_years: ", 0) == 0 &&
               (contains(message, "invalid parameters: cannot be evaluated (") ||
                contains(message, "cannot be sampled with these parameters"));
    };
    doc["fabs"]["delay_years"] = {{"dist", "gamma"}, {"shape", 4.9e-324}, {"scale", 1}};
    std::string m = rejection(doc.dump());
    EXPECT_TRUE(refused(m)) << m;
    doc["fabs"]["delay_years"] = {{"dist", "beta"}, {"alpha", 5}, {"beta", 1e300}, {"min", 0}, {"max", 1}};
    m = rejection(doc.dump());
    EXPECT_TRUE(refused(m)) << m;
    doc["fabs"]["delay_years"] = {{"dist", "beta"}, {"alpha", 4.9e-324}, {"beta", 2}, {"min", 0}, {"max", 1}};
    m = rejection(doc.dump());
    EXPECT_TRUE(refused(m)) << m;
    // A triangular 1e300 wide: (max − min)·(max − mode) overflows and every quantile is −inf.
    doc["fabs"]["delay_years"] = {{"dist", "triangular"}, {"min", 0}, {"mode", 0.5}, {"max", 1e300}};
    m = rejection(doc.dump());
    EXPECT_TRUE(contains(m, "fabs.delay_years: triangular")) << m;
    EXPECT_TRUE(contains(m, "cannot be sampled with these parameters")) << m;
    EXPECT_TRUE(contains(m, "outside its support [0, 1e+300]")) << m;
    // A uniform whose width overflows.
    doc["investors"]["dropout_time"] = {{"dist", "uniform"}, {"min", -1.7e308}, {"max", 1.7e308}};
    doc["fabs"]["delay_years"] = 0;
    m = rejection(doc.dump());
    EXPECT_TRUE(contains(m, "investors.dropout_time: uniform")) << m;
    EXPECT_TRUE(contains(m, "cannot be sampled with these parameters")) << m;
    // Wide but representable distributions are still accepted.
    doc["investors"]["dropout_time"] = {{"dist", "uniform"}, {"min", -1e300}, {"max", 1e300}};
    doc["fabs"]["delay_years"] = {{"dist", "pert"}, {"min", 0}, {"mode", 0.5}, {"max", 1e300}};
    EXPECT_EQ(rejection(doc.dump()), "");
}

TEST(HostileInput, ManyBrokenRulesAreCountedNotAllKept) {
    // 100000 investors that are not objects and 20000 unknown keys: every problem is counted,
    // at most 10000 are kept, and the message lists 20.
    auto doc = json::parse(worked_text);
    doc["investors"]["list"] = json::array();
    for (int i = 0; i < 100000; ++i) doc["investors"]["list"].push_back(i);
    for (int i = 0; i < 20000; ++i) doc["fabs"]["unknown_" + std::to_string(i)] = 0;
    try {
        fb::parse_scenario(doc.dump());
        ADD_FAILURE() << "accepted";
    } catch (const fabrisk::scenario_error& e) {
        EXPECT_EQ(e.problem_count(), 120000u);
        EXPECT_EQ(e.problems().size(), 10000u);
        const std::string what = e.what();
        EXPECT_EQ(std::count(what.begin(), what.end(), '\n'), 20);
        EXPECT_TRUE(contains(what, "investors.list[0]: expected an object, got a number\n")) << what.substr(0, 300);
        EXPECT_TRUE(contains(what, "\n... and 119980 more")) << what.substr(what.size() - 100);
    }
}

}  // namespace buildout_hostile_input_test
}  // namespace
