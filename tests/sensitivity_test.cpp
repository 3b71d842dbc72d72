// Sobol indices (sensitivity.hpp): estimates against an independent reference computation and
// against analytic values, bootstrap intervals against the delta-method standard error, groups,
// indicator outputs, thread-count independence, and every usage error.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fabrisk/sensitivity.hpp"

namespace {
namespace sensitivity_test {

namespace {

using groups_t = std::vector<fabrisk::input_group>;

// A model from a function of one trial's uniforms (a column of `dimension` values).
template <class F>
struct function_model {
    F f;
    std::size_t d;
    struct workspace {};
    std::size_t dimension() const { return d; }
    std::size_t output_count() const { return 1; }
    workspace make_workspace() const { return {}; }
    void evaluate(const Eigen::Ref<const Eigen::ArrayXXd>& u, Eigen::Ref<Eigen::ArrayXXd> out, workspace&) const {
        for (Eigen::Index r = 0; r < u.rows(); ++r) out(r, 0) = f(Eigen::ArrayXd(u.row(r).transpose()));
    }
};
template <class F>
function_model<F> make_model(F f, std::size_t d) {
    return {f, d};
}

// f = Σ a_i u_i: S_i = ST_i = a_i² / Σ a_j² for independent uniforms.
const std::vector<double> coefficients{1.0, 2.0, 3.0, 0.5};
double linear(const Eigen::ArrayXd& u) {
    double s = 0;
    for (std::size_t i = 0; i < coefficients.size(); ++i) s += coefficients[i] * u(static_cast<Eigen::Index>(i));
    return s;
}

groups_t one_group_per_dimension(std::size_t d) {
    groups_t g;
    for (std::size_t i = 0; i < d; ++i) g.push_back({"x" + std::to_string(i), {static_cast<int>(i)}});
    return g;
}

fabrisk::sobol_options options_for(std::uint64_t n, unsigned threads = 2) {
    fabrisk::sobol_options o;
    o.base_trials = n;
    o.seed = 7;
    o.threads = threads;
    return o;
}

// The estimators written out plainly, one base row at a time, from 2·D streams (A: the model's
// positional streams, B: their resample streams), with delta-method standard errors: for
// S = mean(x)/mean(v), se = sd(x − S·v)/(√N·V).
struct reference {
    std::vector<double> first, total, first_se, total_se;
    double variance = 0;
};
template <class F>
reference compute_reference(F f, std::size_t d, const groups_t& groups, std::uint64_t n, std::uint64_t seed) {
    std::vector<std::uint64_t> ids = fabrisk::positional_stream_ids(d);
    for (std::size_t i = 0; i < d; ++i) ids.push_back(fabrisk::resample_stream_id(ids[i]));
    const fabrisk::trial_stream stream(seed, ids);
    Eigen::ArrayXXd u(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(2 * d));
    stream.fill(0, u);
    const auto di = static_cast<Eigen::Index>(d);
    std::vector<double> fa(n), fb(n);
    std::vector<std::vector<double>> fab(groups.size(), std::vector<double>(n));
    for (std::uint64_t j = 0; j < n; ++j) {
        const Eigen::ArrayXd a = u.row(static_cast<Eigen::Index>(j)).head(di).transpose();
        const Eigen::ArrayXd b = u.row(static_cast<Eigen::Index>(j)).tail(di).transpose();
        fa[j] = f(a);
        fb[j] = f(b);
        for (std::size_t i = 0; i < groups.size(); ++i) {
            Eigen::ArrayXd x = a;
            for (int dim : groups[i].dimensions) x(dim) = b(dim);
            fab[i][j] = f(x);
        }
    }
    double c = 0;
    for (std::uint64_t j = 0; j < n; ++j) c += fa[j] + fb[j];
    c /= 2.0 * double(n);
    std::vector<double> v(n);
    double variance = 0;
    for (std::uint64_t j = 0; j < n; ++j) {
        v[j] = ((fa[j] - c) * (fa[j] - c) + (fb[j] - c) * (fb[j] - c)) / 2;
        variance += v[j];
    }
    variance /= double(n);
    reference r;
    r.variance = variance;
    auto ratio = [&](const std::vector<double>& x, double& estimate, double& se) {
        double mean = 0;
        for (double t : x) mean += t;
        mean /= double(n);
        estimate = mean / variance;
        double m = 0, m2 = 0;
        for (std::uint64_t j = 0; j < n; ++j) m += x[j] - estimate * v[j];
        m /= double(n);
        for (std::uint64_t j = 0; j < n; ++j) m2 += (x[j] - estimate * v[j] - m) * (x[j] - estimate * v[j] - m);
        se = std::sqrt(m2 / double(n - 1)) / std::sqrt(double(n)) / variance;
    };
    for (std::size_t i = 0; i < groups.size(); ++i) {
        std::vector<double> s(n), t(n);
        for (std::uint64_t j = 0; j < n; ++j) {
            s[j] = (fb[j] - c) * (fab[i][j] - fa[j]);
            t[j] = (fa[j] - fab[i][j]) * (fa[j] - fab[i][j]) / 2;
        }
        double e, se;
        ratio(s, e, se);
        r.first.push_back(e);
        r.first_se.push_back(se);
        ratio(t, e, se);
        r.total.push_back(e);
        r.total_se.push_back(se);
    }
    return r;
}

// The estimate matches the reference; the analytic value lies within 5 standard errors (plus
// 1/N for the ratio estimators' bias); the bootstrap interval has about the width the standard
// error implies (so it is neither vacuous nor too narrow).
void expect_consistent(const fabrisk::sobol_estimate& e, double reference, double se, double truth, std::uint64_t n,
                       const std::string& what) {
    SCOPED_TRACE(what);
    EXPECT_NEAR(e.estimate, reference, 1e-10);
    EXPECT_NEAR(e.estimate, truth, 5 * se + 1.0 / double(n));
    if (se > 1e-9) {
        const double half_width = (e.hi - e.lo) / 2;
        EXPECT_GT(half_width, 0.7 * 1.959964 * se);
        EXPECT_LT(half_width, 1.4 * 1.959964 * se);
        EXPECT_GT(e.standard_error, 0.8 * se);
        EXPECT_LT(e.standard_error, 1.25 * se);
    }
}

void expect_identical(const fabrisk::sobol_result& a, const fabrisk::sobol_result& b) {
    ASSERT_EQ(a.groups.size(), b.groups.size());
    EXPECT_EQ(std::memcmp(&a.mean, &b.mean, sizeof(double)), 0);
    EXPECT_EQ(std::memcmp(&a.variance, &b.variance, sizeof(double)), 0);
    for (std::size_t i = 0; i < a.groups.size(); ++i)
        for (auto [x, y] : {std::pair{&a.groups[i].first, &b.groups[i].first}, std::pair{&a.groups[i].total, &b.groups[i].total}}) {
            EXPECT_EQ(std::memcmp(&x->estimate, &y->estimate, sizeof(double)), 0) << i;
            EXPECT_EQ(std::memcmp(&x->lo, &y->lo, sizeof(double)), 0) << i;
            EXPECT_EQ(std::memcmp(&x->hi, &y->hi, sizeof(double)), 0) << i;
            EXPECT_EQ(std::memcmp(&x->standard_error, &y->standard_error, sizeof(double)), 0) << i;
        }
}

}  // namespace

TEST(Sobol, LinearModelMatchesAnalyticIndices) {
    const std::uint64_t n = 20000;
    const auto model = make_model(linear, 4);
    const auto groups = one_group_per_dimension(4);
    const auto r = fabrisk::sobol_indices(model, groups, options_for(n));
    const auto ref = compute_reference(linear, 4, groups, n, 7);
    double sum_sq = 0;
    for (double a : coefficients) sum_sq += a * a;
    ASSERT_EQ(r.groups.size(), 4u);
    EXPECT_EQ(r.base_trials, n);
    EXPECT_EQ(r.model_runs, n * 6);
    EXPECT_NEAR(r.variance, ref.variance, 1e-12);
    EXPECT_NEAR(r.variance, sum_sq / 12, 5 * std::sqrt(2.0 / double(n)) * sum_sq / 12);  // ~ relative se of a variance
    EXPECT_NEAR(r.mean, (1.0 + 2 + 3 + 0.5) / 2, 5 * std::sqrt(sum_sq / 12 / (2.0 * double(n))));
    for (std::size_t i = 0; i < 4; ++i) {
        const double truth = coefficients[i] * coefficients[i] / sum_sq;
        EXPECT_EQ(r.groups[i].name, "x" + std::to_string(i));
        EXPECT_EQ(r.groups[i].dimensions, 1u);
        expect_consistent(r.groups[i].first, ref.first[i], ref.first_se[i], truth, n, "first " + std::to_string(i));
        expect_consistent(r.groups[i].total, ref.total[i], ref.total_se[i], truth, n, "total " + std::to_string(i));
    }
}

TEST(Sobol, GroupedIndicesAddUpForAnAdditiveModelAndCatchInteractions) {
    const std::uint64_t n = 20000;
    // Additive: group {0, 2} has S = ST = (a0² + a2²) / Σ a².
    const auto lin = make_model(linear, 4);
    const groups_t grouped{{"x0+x2", {0, 2}}, {"x1", {1}}};  // x3 is in no group: allowed
    const auto r = fabrisk::sobol_indices(lin, grouped, options_for(n));
    const auto ref = compute_reference(linear, 4, grouped, n, 7);
    const double sum_sq = 1 + 4 + 9 + 0.25;
    expect_consistent(r.groups[0].first, ref.first[0], ref.first_se[0], 10 / sum_sq, n, "grouped first");
    expect_consistent(r.groups[0].total, ref.total[0], ref.total_se[0], 10 / sum_sq, n, "grouped total");
    EXPECT_EQ(r.groups[0].dimensions, 2u);

    // Pure interaction f = (u0 − ½)(u1 − ½): S_i = 0, ST_i = 1, and the pair explains all of it.
    auto product = [](const Eigen::ArrayXd& u) { return (u(0) - 0.5) * (u(1) - 0.5); };
    const auto inter = make_model(product, 3);
    const auto singles = one_group_per_dimension(3);
    const auto rs = fabrisk::sobol_indices(inter, singles, options_for(n));
    const auto refs = compute_reference(product, 3, singles, n, 7);
    for (std::size_t i = 0; i < 2; ++i) {
        expect_consistent(rs.groups[i].first, refs.first[i], refs.first_se[i], 0.0, n, "interaction first");
        expect_consistent(rs.groups[i].total, refs.total[i], refs.total_se[i], 1.0, n, "interaction total");
    }
    // u2 does not enter f: f(A_B^2) = f(A) exactly, so both indices and intervals are exactly 0.
    EXPECT_EQ(rs.groups[2].first.estimate, 0.0);
    EXPECT_EQ(rs.groups[2].total.estimate, 0.0);
    EXPECT_EQ(rs.groups[2].total.lo, 0.0);
    EXPECT_EQ(rs.groups[2].total.hi, 0.0);
    const groups_t pair{{"x0+x1", {1, 0}}};
    const auto rp = fabrisk::sobol_indices(inter, pair, options_for(n));
    const auto refp = compute_reference(product, 3, pair, n, 7);
    expect_consistent(rp.groups[0].first, refp.first[0], refp.first_se[0], 1.0, n, "pair first");
    expect_consistent(rp.groups[0].total, refp.total[0], refp.total_se[0], 1.0, n, "pair total");
}

// An indicator output in the second column: f = 1{u0 + u1 > 1}. E[f | u0] = u0, so
// S_0 = Var(u0) / (1/4) = 1/3; Var(f | u1) = u1 (1 − u1), so ST_0 = (1/6) / (1/4) = 2/3.
struct two_outputs {
    struct workspace {};
    std::size_t dimension() const { return 3; }
    std::size_t output_count() const { return 2; }
    workspace make_workspace() const { return {}; }
    void evaluate(const Eigen::Ref<const Eigen::ArrayXXd>& u, Eigen::Ref<Eigen::ArrayXXd> out, workspace&) const {
        out.col(0) = u.col(2);
        out.col(1) = (u.col(0) + u.col(1) > 1).cast<double>();
    }
};

TEST(Sobol, IndicatorOutputIsJustAColumn) {
    const std::uint64_t n = 20000;
    auto indicator = [](const Eigen::ArrayXd& u) { return u(0) + u(1) > 1 ? 1.0 : 0.0; };
    const auto groups = one_group_per_dimension(3);
    auto o = options_for(n);
    o.output = 1;
    const auto r = fabrisk::sobol_indices(two_outputs{}, groups, o);
    const auto ref = compute_reference(indicator, 3, groups, n, 7);
    EXPECT_EQ(r.output, 1u);
    EXPECT_NEAR(r.mean, 0.5, 5 * 0.5 / std::sqrt(2.0 * double(n)));
    for (std::size_t i = 0; i < 2; ++i) {
        expect_consistent(r.groups[i].first, ref.first[i], ref.first_se[i], 1.0 / 3, n, "indicator first");
        expect_consistent(r.groups[i].total, ref.total[i], ref.total_se[i], 2.0 / 3, n, "indicator total");
    }
    EXPECT_EQ(r.groups[2].total.estimate, 0.0);
    // Column 0 is u2 alone.
    o.output = 0;
    const auto r0 = fabrisk::sobol_indices(two_outputs{}, groups, o);
    EXPECT_EQ(r0.groups[0].total.estimate, 0.0);
    EXPECT_NEAR(r0.groups[2].first.estimate, 1.0, 0.02);
    EXPECT_NEAR(r0.groups[2].total.estimate, 1.0, 0.02);
}

TEST(Sobol, BitIdenticalForAnyThreadCountAndDependsOnTheSeed) {
    const auto model = make_model(linear, 4);
    const auto groups = one_group_per_dimension(4);
    const std::uint64_t n = 5000;  // not a multiple of the chunk size
    const auto one = fabrisk::sobol_indices(model, groups, options_for(n, 1));
    for (unsigned threads : {2u, 3u, 8u}) {
        SCOPED_TRACE(threads);
        expect_identical(one, fabrisk::sobol_indices(model, groups, options_for(n, threads)));
    }
    auto other = options_for(n, 2);
    other.seed = 8;
    EXPECT_NE(one.groups[0].first.estimate, fabrisk::sobol_indices(model, groups, other).groups[0].first.estimate);
    // The bootstrap seed moves the intervals, never the estimates.
    auto boot = options_for(n, 2);
    boot.bootstrap_seed = 99;
    const auto rb = fabrisk::sobol_indices(model, groups, boot);
    EXPECT_EQ(rb.groups[1].total.estimate, one.groups[1].total.estimate);
    EXPECT_NE(rb.groups[1].total.lo, one.groups[1].total.lo);
}

TEST(Sobol, ConstantOutputHasNoVarianceAndUndefinedIndices) {
    const auto model = make_model([](const Eigen::ArrayXd&) { return 3.25; }, 2);
    const auto r = fabrisk::sobol_indices(model, one_group_per_dimension(2), options_for(1000));
    EXPECT_EQ(r.variance, 0.0);
    EXPECT_EQ(r.mean, 3.25);
    EXPECT_TRUE(std::isnan(r.groups[0].first.estimate));
    EXPECT_TRUE(std::isnan(r.groups[1].total.hi));
}

TEST(Sobol, BadInputIsAUsageError) {
    const auto model = make_model(linear, 4);
    auto expect_error = [&](const groups_t& groups, const fabrisk::sobol_options& o, const std::string& text) {
        try {
            fabrisk::sobol_indices(model, groups, o);
            ADD_FAILURE() << "no error for: " << text;
        } catch (const fabrisk::usage_error& e) {
            EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
        }
    };
    const auto good = one_group_per_dimension(4);
    expect_error(good, options_for(0), "base trials must be at least 1");
    expect_error({}, options_for(10), "no input groups");
    expect_error({{"a", {0}}, {"b", {}}}, options_for(10), "group \"b\" has no dimensions");
    expect_error({{"a", {0, 1}}, {"b", {1}}}, options_for(10), "dimension 1 is in group \"a\" and again in \"b\"");
    expect_error({{"a", {2, 2}}}, options_for(10), "dimension 2 is in group \"a\" and again in \"a\"");
    expect_error({{"a", {4}}}, options_for(10), "dimension 4 is out of range (the model has dimension 4)");
    expect_error({{"a", {-1}}}, options_for(10), "dimension -1 is out of range");
    expect_error({{"a", {0}}, {"a", {1}}}, options_for(10), "group \"a\" is given twice");
    auto o = options_for(10);
    o.output = 1;
    expect_error(good, o, "output column 1 is out of range (the model has 1 outputs)");
    o = options_for(10);
    o.bootstrap_resamples = 0;
    expect_error(good, o, "bootstrap_resamples must be at least 1");
    o = options_for(10);
    o.confidence = 1;
    expect_error(good, o, "confidence must be in (0, 1)");
    const auto infinite = make_model([](const Eigen::ArrayXd& u) { return u(0) > 0.5 ? HUGE_VAL : 0.0; }, 1);
    EXPECT_THROW(fabrisk::sobol_indices(infinite, one_group_per_dimension(1), options_for(100)), fabrisk::usage_error);
}

TEST(Sobol, SmallSamplesWork) {
    const auto model = make_model(linear, 4);
    const auto r = fabrisk::sobol_indices(model, one_group_per_dimension(4), options_for(1));
    EXPECT_EQ(r.model_runs, 6u);
    EXPECT_TRUE(std::isfinite(r.variance));
    const auto r2 = fabrisk::sobol_indices(model, one_group_per_dimension(4), options_for(3));
    EXPECT_GT(r2.variance, 0.0);
    EXPECT_TRUE(std::isfinite(r2.groups[0].total.estimate));
}

}  // namespace sensitivity_test
}  // namespace
