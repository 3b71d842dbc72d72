// Misuse of the C++ API throws a fabrisk::error subclass with a message that says what was
// wrong; nothing aborts or exits.
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "fabrisk/buildout/model.hpp"
#include "fabrisk/buildout/scenario_json.hpp"
#include "fabrisk/buildout/simulation.hpp"
#include "fabrisk/copula.hpp"
#include "fabrisk/distribution.hpp"
#include "fabrisk/random_stream.hpp"
#include "fabrisk/runner.hpp"
#include "fabrisk/statistics.hpp"

namespace {
namespace api_errors_test {

namespace fb = fabrisk::buildout;

namespace {

/// Runs `f`, expects it to throw exactly `E` (a fabrisk::error), returns the message.
template <class E, class F>
std::string message_of(F&& f) {
    static_assert(std::is_base_of_v<fabrisk::error, E>);
    try {
        f();
    } catch (const E& e) {
        return e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "threw another exception: " << e.what();
        return "";
    }
    ADD_FAILURE() << "did not throw";
    return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

fb::scenario worked() {
    return fb::load_scenario(FABRISK_SCENARIO_DIR "/worked-example.json");
}

/// A model with a configurable output count that writes `written` columns: its evaluate takes
/// a plain Eigen::ArrayXXd&, so it can resize the block it is given (the runner allows any
/// evaluate callable with its block types).
struct resizing_model {
    struct workspace {};
    Eigen::Index declared = 3, written = 3;
    std::size_t dimension() const { return 1; }
    std::size_t output_count() const { return static_cast<std::size_t>(declared); }
    workspace make_workspace() const { return {}; }
    void evaluate(const Eigen::ArrayXXd& uniforms, Eigen::ArrayXXd& outputs, workspace&) const {
        outputs.resize(uniforms.rows(), written);
        outputs.setConstant(0.5);
    }
};

}  // namespace

TEST(ApiErrors, SimulateWithZeroTrials) {
    fabrisk::run_options o;
    o.trials = 0;
    const auto m = message_of<fabrisk::usage_error>([&] { fb::simulate(worked(), o); });
    EXPECT_TRUE(contains(m, "number of trials must be at least 1")) << m;
}

TEST(ApiErrors, GaussianCopulaRejectsBadMatrices) {
    Eigen::MatrixXd rect(2, 3);
    rect.setIdentity();
    auto m = message_of<fabrisk::usage_error>([&] { fabrisk::gaussian_copula c(rect); });
    EXPECT_TRUE(contains(m, "2x3, expected a square matrix")) << m;

    Eigen::MatrixXd asym(2, 2);
    asym << 1, 0.5, 0.4, 1;
    m = message_of<fabrisk::usage_error>([&] { fabrisk::gaussian_copula c(asym); });
    EXPECT_TRUE(contains(m, "symmetric")) << m;

    Eigen::MatrixXd diag(2, 2);
    diag << 2, 0, 0, 1;
    m = message_of<fabrisk::usage_error>([&] { fabrisk::gaussian_copula c(diag); });
    EXPECT_TRUE(contains(m, "diagonal entries must be 1")) << m;

    Eigen::MatrixXd big(2, 2);
    big << 1, 1.5, 1.5, 1;
    m = message_of<fabrisk::usage_error>([&] { fabrisk::gaussian_copula c(big); });
    EXPECT_TRUE(contains(m, "[-1, 1]")) << m;

    Eigen::MatrixXd nan(2, 2);
    nan << 1, std::nan(""), std::nan(""), 1;
    m = message_of<fabrisk::usage_error>([&] { fabrisk::gaussian_copula c(nan); });
    EXPECT_TRUE(contains(m, "[-1, 1]")) << m;

    Eigen::MatrixXd not_psd(3, 3);
    not_psd << 1, 0.9, -0.9, 0.9, 1, 0.9, -0.9, 0.9, 1;
    m = message_of<fabrisk::usage_error>([&] { fabrisk::gaussian_copula c(not_psd); });
    EXPECT_TRUE(contains(m, "not positive semidefinite")) << m;
}

TEST(ApiErrors, GaussianCopulaCorrelateWithWrongBlockSizes) {
    const fabrisk::gaussian_copula c(Eigen::MatrixXd::Identity(3, 3));
    Eigen::MatrixXd in(10, 2), out(10, 3);
    in.setZero();
    auto m = message_of<fabrisk::usage_error>([&] { c.correlate(in, out); });
    EXPECT_TRUE(contains(m, "blocks must be n x 3")) << m;
    Eigen::MatrixXd in3(10, 3), out_short(9, 3);
    in3.setZero();
    m = message_of<fabrisk::usage_error>([&] { c.correlate(in3, out_short); });
    EXPECT_TRUE(contains(m, "blocks must be n x 3")) << m;
}

TEST(ApiErrors, RunnerRejectsAModelWritingTheWrongNumberOfOutputs) {
    resizing_model model;
    model.declared = 3;
    model.written = 2;
    fabrisk::output_statistics stats(3, std::vector<fabrisk::output_config>(3));
    fabrisk::run_options o;
    o.trials = 1000;
    for (unsigned threads : {1u, 2u}) {
        o.threads = threads;
        const auto m = message_of<fabrisk::usage_error>([&] { fabrisk::run(model, stats, o); });
        EXPECT_TRUE(contains(m, "model wrote 2 outputs, expected 3")) << m;
    }
}

TEST(ApiErrors, OutputStatisticsRejectsABlockOfTheWrongWidth) {
    fabrisk::output_statistics stats(3, std::vector<fabrisk::output_config>(3));
    Eigen::ArrayXXd block(5, 2);
    block.setZero();
    const auto m = message_of<fabrisk::usage_error>([&] { (void)stats.summarize(block); });
    EXPECT_TRUE(contains(m, "returned 2")) << m;
}

TEST(ApiErrors, NaNOutputIsAnErrorNotASilentStatistic) {
    fabrisk::output_statistics stats(1, std::vector<fabrisk::output_config>(1));
    Eigen::ArrayXXd block(3, 1);
    block << 1, std::nan(""), 2;
    const auto m = message_of<fabrisk::error>([&] { (void)stats.summarize(block); });
    EXPECT_TRUE(contains(m, "NaN")) << m;
}

TEST(ApiErrors, TrialStreamFillWithTheWrongColumnCount) {
    const fabrisk::trial_stream stream(1, 4);
    Eigen::ArrayXXd block(8, 3);
    const auto m = message_of<fabrisk::usage_error>([&] { stream.fill(0, block); });
    EXPECT_TRUE(contains(m, "block has 3 columns, expected the dimension 4")) << m;
}

TEST(ApiErrors, ModelEvaluateWithWrongBlockSizes) {
    const fb::model model(worked());  // dimension 0, 10 outputs
    auto ws = model.make_workspace();
    Eigen::ArrayXXd u(4, 1), out(4, 10);
    auto m = message_of<fabrisk::usage_error>([&] { model.evaluate(u, out, ws); });
    EXPECT_TRUE(contains(m, "uniforms have 1 columns, expected 0")) << m;
    Eigen::ArrayXXd u0(4, 0), narrow(4, 9), short_rows(3, 10);
    m = message_of<fabrisk::usage_error>([&] { model.evaluate(u0, narrow, ws); });
    EXPECT_TRUE(contains(m, "outputs must be 4 x 10")) << m;
    m = message_of<fabrisk::usage_error>([&] { model.evaluate(u0, short_rows, ws); });
    EXPECT_TRUE(contains(m, "outputs must be 4 x 10")) << m;
}

TEST(ApiErrors, DistributionFactoriesRejectBadParameters) {
    EXPECT_THROW(fabrisk::uniform(1, 0), fabrisk::usage_error);
    EXPECT_THROW(fabrisk::normal(0, -1), fabrisk::usage_error);
    EXPECT_THROW(fabrisk::normal(0, std::nan("")), fabrisk::usage_error);
    EXPECT_THROW(fabrisk::lognormal(0, 0), fabrisk::usage_error);
    EXPECT_THROW(fabrisk::triangular(0, 2, 1), fabrisk::usage_error);
    EXPECT_THROW(fabrisk::pert(0, 0.5, 1, -1), fabrisk::usage_error);
    EXPECT_THROW(fabrisk::beta(0, 1), fabrisk::usage_error);
    EXPECT_THROW(fabrisk::gamma(1, 0), fabrisk::usage_error);
    EXPECT_THROW(fabrisk::weibull(-1, 1), fabrisk::usage_error);
    EXPECT_THROW(fabrisk::truncate(fabrisk::fixed(1), 0, 2), fabrisk::usage_error);
    EXPECT_THROW(fabrisk::truncate(fabrisk::uniform(0, 1), 2, 3), fabrisk::usage_error);  // probability zero
    EXPECT_THROW(fabrisk::truncate(fabrisk::uniform(0, 1), 0.5, 0.5), fabrisk::usage_error);
}

TEST(ApiErrors, ScenarioAndIoErrorsAreFabriskErrors) {
    EXPECT_THROW(fb::parse_scenario("{"), fabrisk::scenario_error);
    EXPECT_THROW(fb::load_scenario("/no/such/file.json"), fabrisk::io_error);
    try {
        fb::parse_scenario("{}");
    } catch (const fabrisk::error& e) {  // catchable through the base class
        EXPECT_TRUE(contains(e.what(), "name: required field is missing")) << e.what();
    }
}

}  // namespace api_errors_test
}  // namespace
