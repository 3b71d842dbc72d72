// Golden bits: the SHA-256 of the raw per-trial outputs (the first 65,536 trials, every output
// as its IEEE-754 bytes, trial by trial) of three scenarios, stored here. Any change to the
// arithmetic of the hot path (random streams, normal quantiles, exp and log, the copula factor,
// the model's trial) changes them; a commit that changes one on purpose says why.
//
// Every build must give these bits: tests/CMakeLists.txt compiles this file three times, for
// x86-64 without -march (SSE2), with -march=x86-64-v3 (AVX2, FMA) and with -march=x86-64-v4
// (AVX-512), and each copy checks the same hashes. A copy whose instruction set the running
// processor lacks says so and is skipped.
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "fabrisk/buildout/model.hpp"
#include "fabrisk/buildout/scenario_json.hpp"
#include "fabrisk/runner.hpp"
#include "sha256.hpp"

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

struct golden_case {
    const char* file;
    const char* sha256;
};

const golden_case cases[] = {
    {FABRISK_SCENARIO_DIR "/seven-trillion.json", "354805ab82bf7f35fdb00976363963d32e3e04e21ce7ca5c49eb5c3c5270eb49"},
    {FABRISK_TEST_DATA_DIR "/dropout-shock-decline.json", "5e1ae461919df5c006d7cbec89c3270502112a0d033e3315959305ca9bb3d98b"},
    {FABRISK_TEST_DATA_DIR "/monthly-steps.json", "8fce9117874d12efa18165b1863f91e50af016d2ffdd9851687e8bc4c7544c4f"},
};

}  // namespace

TEST(GoldenBits, RawOutputsOfThreeScenariosHashAsStored) {
    if (!processor_runs_this_copy()) GTEST_SKIP() << "this processor lacks " << compiled_for << ", which this copy was compiled for";
    RecordProperty("compiled_for", *compiled_for ? compiled_for : "baseline");
    for (const auto& c : cases) EXPECT_EQ(golden_hash(c.file, 1), c.sha256) << c.file;
}

TEST(GoldenBits, HashesDoNotDependOnTheThreadCount) {
    if (!processor_runs_this_copy()) GTEST_SKIP() << "this processor lacks " << compiled_for << ", which this copy was compiled for";
    for (const auto& c : cases) EXPECT_EQ(golden_hash(c.file, 2), golden_hash(c.file, 1)) << c.file;
}
