#pragma once
/// \file selftest.hpp
/// Statistical self-checks of the engine, for users who build fabrisk on another platform
/// (another compiler, libm or Boost) and want to know that it samples what it claims. Each
/// check runs in milliseconds at a fixed seed, so its outcome is deterministic on one
/// platform; its bound is set so that a correct implementation fails with probability at
/// most 1e-6 (alpha) over the choice of seed.
///
/// - Every distribution family (and a truncated one): draws F⁻¹(U) at a fixed seed are tested
///   with Kolmogorov–Smirnov against the family's CDF from Boost.Math (an independent
///   implementation), with the DKW–Massart critical value √(ln(2/α)/(2n)), valid for every n;
///   and F_Boost(F⁻¹(u)) = u on a grid of u deep into both tails, to 1e-6.
/// - Gaussian copulas: the normal-score correlations of a 3×3 gaussian_copula, a singular
///   (rho = 1) one and the one-factor score are recovered within 5.5 standard errors
///   (Fisher z, α ≈ 4e-8 per entry).
///
/// `fabrisk selftest` runs these and buildout/selftest.hpp's model checks.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/gamma.hpp>
#include <boost/math/distributions/lognormal.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/triangular.hpp>
#include <boost/math/distributions/uniform.hpp>
#include <boost/math/distributions/weibull.hpp>

#include "fabrisk/copula.hpp"
#include "fabrisk/distribution.hpp"
#include "fabrisk/normal.hpp"
#include "fabrisk/random_stream.hpp"

namespace fabrisk::selftest {

/// The outcome of one check: a name, pass or fail, and the figures behind it.
struct check {
    std::string name;
    bool passed = false;
    std::string detail;
};

/// Significance level of every statistical check.
inline constexpr double alpha = 1e-6;

/// DKW–Massart bound: P(sup |F_n − F| > ε) ≤ 2·exp(−2nε²) for every n, so
/// ε = √(ln(2/α)/(2n)) is a Kolmogorov–Smirnov critical value at level α.
inline double ks_critical_value(std::size_t n, double level = alpha) {
    return std::sqrt(std::log(2.0 / level) / (2.0 * double(n)));
}

/// The Kolmogorov–Smirnov statistic sup_x |F_n(x) − F(x)| of `sample` against `cdf`.
inline double ks_statistic(std::vector<double> sample, const std::function<double(double)>& cdf) {
    std::sort(sample.begin(), sample.end());
    const double n = double(sample.size());
    double d = 0;
    for (std::size_t i = 0; i < sample.size(); ++i) {
        const double f = cdf(sample[i]);
        if (!(f >= 0 && f <= 1)) return 1.0;  // a CDF outside [0, 1] (or NaN) fails outright
        d = std::max({d, double(i + 1) / n - f, f - double(i) / n});
    }
    return d;
}

namespace detail {

inline std::string fmt(double x, int precision = 4) {
    std::ostringstream s;
    s.precision(precision);
    s << x;
    return s.str();
}

/// `n` uniforms of stream (seed, dimension 1).
inline std::vector<double> uniforms(std::uint64_t seed, std::size_t n) {
    Eigen::ArrayXXd u(static_cast<Eigen::Index>(n), 1);
    trial_stream(seed, 1).fill(0, u);
    return {u.data(), u.data() + u.size()};
}

/// Sample Pearson correlation of two columns.
inline double correlation(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
    const Eigen::ArrayXd x = a.array() - a.mean(), y = b.array() - b.mean();
    return (x * y).sum() / std::sqrt((x * x).sum() * (y * y).sum());
}

/// A correlation estimate r from n pairs agrees with rho within `k` standard errors on
/// Fisher's z scale (atanh r is nearly normal with sd 1/√(n − 3)).
inline bool correlation_agrees(double r, double rho, std::size_t n, double k = 5.5) {
    if (std::fabs(rho) >= 1) return std::fabs(r - rho) <= 1e-9;
    return std::fabs(std::atanh(std::clamp(r, -1 + 1e-15, 1 - 1e-15)) - std::atanh(rho)) <= k / std::sqrt(double(n) - 3);
}

}  // namespace detail

/// A distribution under test and its CDF from Boost.Math.
struct reference_distribution {
    std::string name;
    distribution d;
    std::function<double(double)> cdf;
};

/// One of each family (PERT and ci90 by what they become, plus truncation), with Boost CDFs.
inline std::vector<reference_distribution> reference_distributions() {
    namespace bm = boost::math;
    std::vector<reference_distribution> list;
    list.push_back({"uniform(-2, 3)", uniform(-2, 3), [](double x) { return bm::cdf(bm::uniform_distribution<>(-2, 3), x); }});
    list.push_back({"normal(1, 2)", normal(1, 2), [](double x) { return bm::cdf(bm::normal_distribution<>(1, 2), x); }});
    list.push_back({"lognormal(median 0.75, p90 2)", lognormal_median_p90(0.75, 2), [](double x) {
                        const double mu = std::log(0.75), sigma = (std::log(2.0) - mu) / z_0_90;
                        return bm::cdf(bm::lognormal_distribution<>(mu, sigma), x);
                    }});
    list.push_back({"ci90(2, 8) (lognormal)", ci90(2, 8), [](double x) {
                        const double mu = (std::log(2.0) + std::log(8.0)) / 2, sigma = (std::log(8.0) - std::log(2.0)) / (2 * z_0_95);
                        return bm::cdf(bm::lognormal_distribution<>(mu, sigma), x);
                    }});
    list.push_back({"ci90(-1, 3) (normal)", ci90(-1, 3), [](double x) {
                        return bm::cdf(bm::normal_distribution<>(1, 4 / (2 * z_0_95)), x);
                    }});
    list.push_back({"triangular(0, 0.2, 1)", triangular(0, 0.2, 1),
                    [](double x) { return bm::cdf(bm::triangular_distribution<>(0, 0.2, 1), x); }});
    list.push_back({"pert(0.1, 0.3, 0.75)", pert(0.1, 0.3, 0.75), [](double x) {
                        // min + (max − min)·Beta(1 + 4(mode − min)/(max − min), 1 + 4(max − mode)/(max − min)).
                        const double a = 1 + 4 * 0.2 / 0.65, b = 1 + 4 * 0.45 / 0.65;
                        return bm::cdf(bm::beta_distribution<>(a, b), std::clamp((x - 0.1) / 0.65, 0.0, 1.0));
                    }});
    list.push_back({"beta(0.5, 2)", beta(0.5, 2), [](double x) {
                        return bm::cdf(bm::beta_distribution<>(0.5, 2), std::clamp(x, 0.0, 1.0));
                    }});
    list.push_back({"beta(2, 3) on [10, 20]", beta(2, 3, 10, 20), [](double x) {
                        return bm::cdf(bm::beta_distribution<>(2, 3), std::clamp((x - 10) / 10, 0.0, 1.0));
                    }});
    list.push_back({"gamma(0.7, 2)", gamma(0.7, 2), [](double x) {
                        return x <= 0 ? 0.0 : bm::cdf(bm::gamma_distribution<>(0.7, 2), x);
                    }});
    list.push_back({"gamma(9, 0.5)", gamma(9, 0.5), [](double x) {
                        return x <= 0 ? 0.0 : bm::cdf(bm::gamma_distribution<>(9, 0.5), x);
                    }});
    list.push_back({"weibull(1.5, 3)", weibull(1.5, 3), [](double x) {
                        return x <= 0 ? 0.0 : bm::cdf(bm::weibull_distribution<>(1.5, 3), x);
                    }});
    list.push_back({"normal(0, 1) truncated to [0.5, 4]", truncate(normal(0, 1), 0.5, 4), [](double x) {
                        const bm::normal_distribution<> n(0, 1);
                        const double lo = bm::cdf(n, 0.5), hi = bm::cdf(n, 4.0);
                        return std::clamp((bm::cdf(n, std::clamp(x, 0.5, 4.0)) - lo) / (hi - lo), 0.0, 1.0);
                    }});
    return list;
}

/// KS test of `n` draws F⁻¹(U) of `ref` at `seed` against Boost's CDF.
inline check ks_check(const reference_distribution& ref, std::uint64_t seed, std::size_t n = 20000) {
    std::vector<double> draws = detail::uniforms(seed, n);
    for (double& x : draws) x = quantile(ref.d, x);
    const double d = ks_statistic(draws, ref.cdf), critical = ks_critical_value(n);
    return {"KS " + ref.name, d <= critical,
            "D = " + detail::fmt(d) + ", critical " + detail::fmt(critical) + " (n = " + std::to_string(n) + ", alpha 1e-6)"};
}

/// F_Boost(F⁻¹(u)) = u within 1e-6 for u from 1e-12 to 1 − 1e-12.
inline check round_trip_check(const reference_distribution& ref) {
    double worst = 0, worst_u = 0;
    std::vector<double> us;
    for (double t = 1e-12; t < 0.5; t *= 3) us.insert(us.end(), {t, 1 - t});
    for (int i = 1; i < 100; ++i) us.push_back(i / 100.0);
    for (double u : us) {
        const double x = quantile(ref.d, u);
        const double e = std::isfinite(x) ? std::fabs(ref.cdf(x) - u) : 1.0;
        if (!(e <= worst)) worst = e, worst_u = u;
    }
    return {"quantile/CDF " + ref.name, worst <= 1e-6,
            "max |F(F^-1(u)) - u| = " + detail::fmt(worst, 3) + " at u = " + detail::fmt(worst_u, 3) + " (bound 1e-6)"};
}

/// The raw generator: KS of its uniforms, and the first moments.
inline check uniform_stream_check(std::uint64_t seed = 20240101, std::size_t n = 100000) {
    const std::vector<double> u = detail::uniforms(seed, n);
    const double d = ks_statistic(u, [](double x) { return std::clamp(x, 0.0, 1.0); }), critical = ks_critical_value(n);
    const bool open = std::all_of(u.begin(), u.end(), [](double x) { return x > 0 && x < 1; });
    return {"KS trial_stream uniforms", d <= critical && open,
            "D = " + detail::fmt(d) + ", critical " + detail::fmt(critical) + " (n = " + std::to_string(n) + ")" +
                (open ? "" : ", a value outside (0, 1)")};
}

/// The normal-score correlations a gaussian_copula produces, entry by entry.
inline check copula_check(std::uint64_t seed = 7, std::size_t n = 20000) {
    Eigen::MatrixXd sigma(3, 3);
    sigma << 1, 0.6, -0.3, 0.6, 1, 0.2, -0.3, 0.2, 1;
    const gaussian_copula copula(sigma);
    Eigen::ArrayXXd u(static_cast<Eigen::Index>(n), 3);
    trial_stream(seed, 3).fill(0, u);
    Eigen::MatrixXd z(u.rows(), 3), out(u.rows(), 3);
    for (Eigen::Index j = 0; j < 3; ++j) inverse_normal_cdf(u.col(j), z.col(j).array());
    copula.correlate(z, out);
    bool ok = true;
    std::string text = "rho vs sample:";
    for (Eigen::Index i = 0; i < 3; ++i)
        for (Eigen::Index j = i + 1; j < 3; ++j) {
            const double r = detail::correlation(out.col(i), out.col(j));
            ok = ok && detail::correlation_agrees(r, sigma(i, j), n);
            text += " " + detail::fmt(sigma(i, j), 2) + "/" + detail::fmt(r, 4);
        }
    for (Eigen::Index i = 0; i < 3; ++i) {  // unit variances of the scores
        const Eigen::ArrayXd c = out.col(i).array() - out.col(i).mean();
        const double var = (c * c).sum() / double(n - 1);
        ok = ok && std::fabs(var - 1) <= 5.5 * std::sqrt(2.0 / double(n));
    }
    return {"gaussian_copula normal-score correlations", ok, text + " (5.5 SE)"};
}

/// rho = 1 is valid and gives identical scores (the factor has a zero column where Σ is singular).
inline check singular_copula_check(std::uint64_t seed = 8, std::size_t n = 2000) {
    Eigen::MatrixXd sigma(2, 2);
    sigma << 1, 1, 1, 1;
    const gaussian_copula copula(sigma);
    Eigen::ArrayXXd u(static_cast<Eigen::Index>(n), 2);
    trial_stream(seed, 2).fill(0, u);
    Eigen::MatrixXd z(u.rows(), 2), out(u.rows(), 2);
    for (Eigen::Index j = 0; j < 2; ++j) inverse_normal_cdf(u.col(j), z.col(j).array());
    copula.correlate(z, out);
    const double gap = (out.col(0) - out.col(1)).cwiseAbs().maxCoeff();
    const double r = detail::correlation(out.col(0), out.col(1));
    return {"gaussian_copula with rho = 1", gap <= 1e-12 * (1 + out.cwiseAbs().maxCoeff()) && std::fabs(r - 1) <= 1e-12,
            "max |z1 - z2| = " + detail::fmt(gap, 3)};
}

/// factor_score: two scores sharing the common factor have correlation rho.
inline check factor_score_check(std::uint64_t seed = 9, std::size_t n = 20000) {
    Eigen::ArrayXXd u(static_cast<Eigen::Index>(n), 3);
    trial_stream(seed, 3).fill(0, u);
    bool ok = true;
    std::string text = "rho vs sample:";
    for (double rho : {0.0, 0.35, 0.9}) {
        Eigen::VectorXd a(u.rows()), b(u.rows());
        for (Eigen::Index t = 0; t < u.rows(); ++t) {
            const double common = inverse_normal_cdf(u(t, 0));
            a[t] = factor_score(rho, common, inverse_normal_cdf(u(t, 1)));
            b[t] = factor_score(rho, common, inverse_normal_cdf(u(t, 2)));
        }
        const double r = detail::correlation(a, b);
        ok = ok && detail::correlation_agrees(r, rho, n);
        text += " " + detail::fmt(rho, 2) + "/" + detail::fmt(r, 4);
    }
    return {"factor_score exchangeable correlation", ok, text + " (5.5 SE)"};
}

/// Every engine check: the generator, each family (KS and quantile/CDF), the copulas.
inline std::vector<check> engine_checks() {
    std::vector<check> checks;
    checks.push_back(uniform_stream_check());
    std::uint64_t seed = 1000;
    for (const auto& ref : reference_distributions()) {
        checks.push_back(ks_check(ref, seed++));
        checks.push_back(round_trip_check(ref));
    }
    checks.push_back(copula_check());
    checks.push_back(singular_copula_check());
    checks.push_back(factor_score_check());
    return checks;
}

/// One line per check ("PASS  name: detail" or "FAIL  ...") and a summary line.
inline std::string report(const std::vector<check>& checks) {
    std::string text;
    std::size_t passed = 0;
    for (const auto& c : checks) {
        passed += c.passed;
        text += std::string(c.passed ? "PASS  " : "FAIL  ") + c.name + ": " + c.detail + "\n";
    }
    text += "selftest: " + std::to_string(passed) + " of " + std::to_string(checks.size()) + " checks passed" +
            (passed == checks.size() ? "" : " -- THIS BUILD IS NOT TRUSTWORTHY") + "\n";
    return text;
}

inline bool all_passed(const std::vector<check>& checks) {
    return std::all_of(checks.begin(), checks.end(), [](const check& c) { return c.passed; });
}

}  // namespace fabrisk::selftest
