// Replays the fuzzer's seed corpus and every input it has found (fuzz/corpus/) through the
// fuzz target's own checks, in the ordinary test suite (gcc, and the sanitizer presets), so a
// finding stays fixed without clang or libFuzzer.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#define FABRISK_FUZZ_NO_MAIN
#define FABRISK_FUZZ_THROW
#include "../fuzz/scenario_fuzz.cpp"
#include "support.hpp"

namespace {
namespace fuzz_regression_test {

namespace fs = std::filesystem;

namespace {

/// Every number in `doc`, by JSON pointer.
void number_leaves(const nlohmann::json& doc, const nlohmann::json::json_pointer& at,
                   std::vector<nlohmann::json::json_pointer>& out) {
    if (doc.is_number()) out.push_back(at);
    if (doc.is_object())
        for (auto it = doc.begin(); it != doc.end(); ++it) number_leaves(it.value(), at / it.key(), out);
    if (doc.is_array())
        for (std::size_t i = 0; i < doc.size(); ++i) number_leaves(doc[i], at / i, out);
}

std::vector<fs::path> inputs() {
    std::vector<fs::path> files;
    for (const char* dir : {FABRISK_SCENARIO_DIR "/../fuzz/corpus", FABRISK_SCENARIO_DIR})
        for (const auto& e : fs::directory_iterator(dir))
            if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace

TEST(FuzzRegression, EveryCorpusInputPassesTheFuzzChecks) {
    const auto files = inputs();
    ASSERT_GE(files.size(), 10u);
    for (const auto& file : files) {
        const std::string text = fabrisk_test::read_file(file);
        try {
            fabrisk_fuzz::one_input(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
        } catch (const std::exception& e) {
            ADD_FAILURE() << file.filename() << ": " << e.what();
        }
    }
}

/// A deterministic complement to the fuzzer: every number of `path` replaced, one at a time,
/// by extreme values. Each document must be rejected with a scenario_error or run cleanly
/// through the fuzz checks. (This sweep found the inputs in fuzz/corpus/regression-*.json.)
void sweep_extreme_values(const std::string& path) {
    const double values[] = {0, -1, 1e-300, 4.9e-324, 1e300, -1e300, 1.7e308, 2147483648.0};
    const auto doc = nlohmann::json::parse(fabrisk_test::read_file(path));
    std::vector<nlohmann::json::json_pointer> leaves;
    number_leaves(doc, nlohmann::json::json_pointer(), leaves);
    ASSERT_GT(leaves.size(), 20u);
    for (const auto& leaf : leaves)
        for (double v : values) {
            auto mutated = doc;
            mutated[leaf] = v;
            const std::string text = mutated.dump();
            try {
                fabrisk_fuzz::one_input(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
            } catch (const std::exception& e) {
                ADD_FAILURE() << fs::path(path).filename() << " " << leaf.to_string() << " = " << v << ": " << e.what();
            }
        }
}

TEST(FuzzRegression, ExtremeValuesInTheWorkedExample) { sweep_extreme_values(FABRISK_SCENARIO_DIR "/worked-example.json"); }
TEST(FuzzRegression, ExtremeValuesInTheDefaultScenario) { sweep_extreme_values(FABRISK_SCENARIO_DIR "/seven-trillion.json"); }
TEST(FuzzRegression, ExtremeValuesInEveryFamily) {
    sweep_extreme_values(FABRISK_SCENARIO_DIR "/../fuzz/corpus/valid-every-family.json");
}

}  // namespace fuzz_regression_test
}  // namespace
