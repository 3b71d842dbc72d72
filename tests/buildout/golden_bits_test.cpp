// Golden bits: the SHA-256 of the raw per-trial outputs (the first 65,536 trials, every output
// as its IEEE-754 bytes, trial by trial) of three scenarios, stored here. Any change to the
// arithmetic of the hot path (random streams, normal quantiles, exp and log, the model's
// trial) changes them; a commit that changes one on purpose says why.
//
// The hashes are those of the portable build (x86-64 without -march, which is what CI builds).
// A build tuned with -march=native computes with FMA and AVX-512 kernels and gives other bits:
// there the check is skipped, with that reason, until one dispatched core gives the same bits
// on every target. FABRISK_GOLDEN_FORCE=1 in the environment runs it there anyway (to measure
// how far such a build is from the stored bits).
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

#if defined(__FMA__) || defined(__AVX512F__)
constexpr bool portable_build = false;
#else
constexpr bool portable_build = true;
#endif

struct golden_case {
    const char* file;
    const char* sha256;
};

const golden_case cases[] = {
    {FABRISK_SCENARIO_DIR "/seven-trillion.json", "951c7084e40aab4a613c488931101b0f2118ea679deede8848df7681000003d8"},
    {FABRISK_TEST_DATA_DIR "/dropout-shock-decline.json", "5e1ae461919df5c006d7cbec89c3270502112a0d033e3315959305ca9bb3d98b"},
    {FABRISK_TEST_DATA_DIR "/monthly-steps.json", "0cef915998531fe228b8a96f4c443726ac8ab230355a52ae55095c406ba0f28a"},
};

}  // namespace

TEST(GoldenBits, RawOutputsOfThreeScenariosHashAsStored) {
    if (!portable_build && !std::getenv("FABRISK_GOLDEN_FORCE")) GTEST_SKIP() << "a -march=native build computes other bits (FMA, AVX-512 kernels); the stored "
                                         "hashes are the portable build's";
    for (const auto& c : cases) EXPECT_EQ(golden_hash(c.file, 1), c.sha256) << c.file;
}

TEST(GoldenBits, HashesDoNotDependOnTheThreadCount) {
    for (const auto& c : cases) EXPECT_EQ(golden_hash(c.file, 2), golden_hash(c.file, 1)) << c.file;
}
