// Checks examples/own_model (a user's model on the engine core) against what its model gives
// analytically: the mean profit, the Sobol indices of its two input groups, and a
// precision-stopped P(loss) that agrees with the fixed run. Built and registered by
// examples/CMakeLists.txt (it needs the example), not by the tests/*_test.cpp glob.
//
// The model: profit X = U·(P − C) − 20,000 with U = exp(μ + σ·Z_u) (median 1000, p90 2000),
// P = 50 + 5·Z_p, corr(Z_u, Z_p) = −0.5, C triangular(20, 25, 35) independent of both.
// With E[U^k·Z_p] = k·ρ·σ·E[U^k] and E[U^k·Z_p²] = (1 + k²ρ²σ²)·E[U^k], every moment below is
// exact: E[X], Var X, Var E[X | C] = E[U]²·Var C and Var E[X | U, P] = Var(U·(P − E[C])).
#include <array>
#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace {

struct moments {
    double mean, variance, first_cost, first_units_price;
};

moments analytic() {
    const double mu = std::log(1000.0), sigma = std::log(2.0) / 1.2815515655446004, rho = -0.5;
    const double eu = std::exp(mu + sigma * sigma / 2), eu2 = std::exp(2 * mu + 2 * sigma * sigma);
    const double ec = 80.0 / 3, vc = (400 + 625 + 1225 - 500 - 700 - 875) / 18.0;  // triangular(20, 25, 35)
    const double eup = eu * (50 + 5 * rho * sigma);
    const double eu2p = eu2 * (50 + 5 * 2 * rho * sigma);
    const double eu2p2 = eu2 * (2500 + 500 * 2 * rho * sigma + 25 * (1 + 4 * rho * rho * sigma * sigma));
    const double m = eup - eu * ec;  // E[U·(P − C)]
    const double variance = eu2p2 - 2 * eu2p * ec + eu2 * (vc + ec * ec) - m * m;
    const double given_units_price = eu2p2 - 2 * eu2p * ec + eu2 * ec * ec - m * m;
    return {m - 20000, variance, eu * eu * vc / variance, given_units_price / variance};
}

std::string run_example(const std::string& args) {
    const std::string cmd = "'" OWN_MODEL_EXAMPLE "' " + args;
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
    if (!pipe) return {};
    std::string text;
    std::array<char, 4096> buffer;
    for (std::size_t got; (got = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) > 0;) text.append(buffer.data(), got);
    return text;
}

/// The line of `text` that starts with `prefix`.
std::string line_of(const std::string& text, const std::string& prefix) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.rfind(prefix, 0) == 0) return line;
    ADD_FAILURE() << "no line starting \"" << prefix << "\" in:\n" << text;
    return {};
}

struct sobol_line {
    double first, first_lo, first_hi, total, total_lo, total_hi;
};
sobol_line sobol(const std::string& text, const std::string& group) {
    sobol_line s{};
    const std::string line = line_of(text, "sobol " + group + " ");
    EXPECT_EQ(std::sscanf(line.c_str() + 6 + group.size(), " first %lf [%lf, %lf] total %lf [%lf, %lf]", &s.first, &s.first_lo,
                          &s.first_hi, &s.total, &s.total_lo, &s.total_hi),
              6)
        << line;
    return s;
}

/// The analytic index lies inside the bootstrap 95% interval widened by half its width plus
/// 0.005 on each side (±3.9 standard errors, and the estimators' O(1/N) bias), and the interval
/// is narrow enough to mean something.
void expect_index(double want, double lo, double hi, const std::string& what) {
    const double margin = (hi - lo) / 2 + 0.005;
    EXPECT_GE(want, lo - margin) << what;
    EXPECT_LE(want, hi + margin) << what;
    EXPECT_LT(hi - lo, 0.08) << what;
}

}  // namespace

TEST(OwnModelExample, MeansProbabilitiesAndIndicesMatchTheModelsAnalyticValues) {
    const std::string out = run_example("2");
    const moments truth = analytic();

    double mean = 0, error = 0, exact = 0;
    ASSERT_EQ(std::sscanf(line_of(out, "profit:").c_str(), "profit: mean %lf ± %lf (exact %lf)", &mean, &error, &exact), 3);
    EXPECT_NEAR(exact, truth.mean, 0.5);  // the example's own formula agrees with this one
    // 200,000 trials: the 99.9% interval is 3.29 standard errors of the mean.
    EXPECT_NEAR(error, 3.29 * std::sqrt(truth.variance / 200000), 3);
    EXPECT_NEAR(mean, truth.mean, error);

    double loss = 0, loss_half = 0, precise = 0, precise_half = 0;
    unsigned long long trials = 0;
    ASSERT_EQ(std::sscanf(line_of(out, "P(loss)").c_str(), "P(loss) = %lf ± %lf", &loss, &loss_half), 2);
    ASSERT_EQ(std::sscanf(line_of(out, "to precision:").c_str(), "to precision: P(loss) = %lf ± %lf after %llu trials",
                          &precise, &precise_half, &trials),
              3);
    EXPECT_NE(out.find("(converged)"), std::string::npos);
    EXPECT_LE(precise_half, 0.002);
    EXPECT_EQ(trials % 2048, 0u);
    // Both runs start at trial 0 of the same seed, so the precise run's first 200,000 trials are
    // the fixed run's: the two estimates differ by less than the wider interval.
    EXPECT_NEAR(precise, loss, loss_half);
    EXPECT_GT(loss, 0.2);
    EXPECT_LT(loss, 0.5);

    const sobol_line cost = sobol(out, "unit_cost"), units_price = sobol(out, "units+price");
    expect_index(truth.first_cost, cost.first_lo, cost.first_hi, "unit_cost first");
    expect_index(1 - truth.first_units_price, cost.total_lo, cost.total_hi, "unit_cost total");
    expect_index(truth.first_units_price, units_price.first_lo, units_price.first_hi, "units+price first");
    expect_index(1 - truth.first_cost, units_price.total_lo, units_price.total_hi, "units+price total");
}

TEST(OwnModelExample, TheSameOutputForAnyThreadCount) { EXPECT_EQ(run_example("1"), run_example("2")); }
