// Golden bits: the SHA-256 of the raw per-trial outputs (the first 65,536 trials, every output
// as its IEEE-754 bytes, trial by trial) of three scenarios, stored here. Any change to the
// arithmetic of the hot path (random streams, normal quantiles, exp and log, the copula factor,
// the model's trial) changes them; a commit that changes one on purpose says why.
//
// Every target must give these bits: each test runs once per kernel target (simd_target.hpp,
// forced as FABRISK_TARGET would), and a target this processor lacks says so and is skipped.
// Every build must too: tests/CMakeLists.txt compiles this file twice more, with
// -march=x86-64-v3 and -march=x86-64-v4 (a program compiling fabrisk's headers with its own
// flags), and those copies check the same hashes on the best target.
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "fabrisk/buildout/model.hpp"
#include "fabrisk/buildout/scenario_json.hpp"
#include "fabrisk/runner.hpp"
#include "fabrisk/simd_target.hpp"
#include "sha256.hpp"

namespace {
namespace buildout_golden_bits_test {

namespace fb = fabrisk::buildout;

namespace {

/// Keeps every output row in chunk order.
struct raw_outputs {
    using chunk = Eigen::ArrayXXd;
    std::string bytes;  // trial-major: trial 0's outputs, then trial 1's, ...
    chunk summarize(const Eigen::Ref<const Eigen::ArrayXXd>& block) const { return block; }
    void merge(chunk&& c) {
        for (Eigen::Index i = 0; i < c.rows(); ++i)
            for (Eigen::Index j = 0; j < c.cols(); ++j) {
                const double x = c(i, j);
                bytes.append(reinterpret_cast<const char*>(&x), sizeof x);
            }
    }
};

std::string golden_hash(const std::string& file, unsigned threads) {
    const fb::scenario s = fb::load_scenario(file);
    const fb::model m(s);
    raw_outputs sink;
    fabrisk::run_options o;
    o.trials = 65536;
    o.seed = fabrisk::default_seed;
    o.threads = threads;
    fabrisk::run(m, sink, o);
    EXPECT_EQ(sink.bytes.size(), 65536 * fb::output_count * sizeof(double));
    return fabrisk_cli::sha256_hex(sink.bytes);
}

/// The instruction set this copy was compiled for (FABRISK_GOLDEN_ISA, a name as
/// __builtin_cpu_supports knows it), or "" for the baseline.
#ifdef FABRISK_GOLDEN_ISA
constexpr const char* compiled_for = FABRISK_GOLDEN_ISA;
#else
constexpr const char* compiled_for = "";
#endif

bool processor_runs_this_copy() {
#ifdef FABRISK_GOLDEN_ISA
    __builtin_cpu_init();
    return __builtin_cpu_supports(FABRISK_GOLDEN_ISA);
#else
    return true;
#endif
}

/// Runs the kernels on one target (empty: the best) for the test's duration.
class GoldenBits : public ::testing::TestWithParam<const char*> {
protected:
    void SetUp() override {
        if (!processor_runs_this_copy())
            GTEST_SKIP() << "this processor lacks " << compiled_for << ", which this copy was compiled for";
        try {
            fabrisk::restrict_simd_target(GetParam(), "target");
        } catch (const fabrisk::usage_error& e) {
            GTEST_SKIP() << e.what();
        }
        if (*GetParam()) {
            ASSERT_EQ(fabrisk::simd_target(), GetParam());
        }
        RecordProperty("simd_target", fabrisk::simd_target());
    }
    void TearDown() override { fabrisk::restrict_simd_target(""); }
};

struct golden_case {
    const char* file;
    const char* sha256;
};

const golden_case cases[] = {
    {FABRISK_SCENARIO_DIR "/seven-trillion.json", "4dbaf1e700275e768cf343497b265c4a3a1e4f63669d313c304b1a5f824721e1"},
    {FABRISK_TEST_DATA_DIR "/dropout-shock-decline.json", "5e1ae461919df5c006d7cbec89c3270502112a0d033e3315959305ca9bb3d98b"},
    {FABRISK_TEST_DATA_DIR "/monthly-steps.json", "2c863591e370dcd02d42cfc816d98d306af6afb0626633b7cbaef6237e43beb5"},
};

}  // namespace

TEST_P(GoldenBits, RawOutputsOfThreeScenariosHashAsStored) {
    RecordProperty("compiled_for", *compiled_for ? compiled_for : "baseline");
    for (const auto& c : cases) EXPECT_EQ(golden_hash(c.file, 1), c.sha256) << c.file;
}

TEST_P(GoldenBits, HashesDoNotDependOnTheThreadCount) {
    for (const auto& c : cases) EXPECT_EQ(golden_hash(c.file, 2), golden_hash(c.file, 1)) << c.file;
}

// The copies compiled with -march run the best target only: the kernels are the library's.
#ifdef FABRISK_GOLDEN_ISA
INSTANTIATE_TEST_SUITE_P(BestTarget, GoldenBits, ::testing::Values(""));
#elif defined(__aarch64__)
INSTANTIATE_TEST_SUITE_P(EveryTarget, GoldenBits, ::testing::Values("sve2", "sve", "neon", "scalar"),
                         [](const auto& info) { return std::string(info.param); });
#else
INSTANTIATE_TEST_SUITE_P(EveryTarget, GoldenBits, ::testing::Values("avx512", "avx2", "sse4", "scalar"),
                         [](const auto& info) { return std::string(info.param); });
#endif

}  // namespace buildout_golden_bits_test
}  // namespace
