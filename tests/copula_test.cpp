// Tests for fabrisk/copula.hpp: the factor, recovered correlations (fixed seeds, 5 standard
// errors), singular and invalid matrices, Spearman's rho, and the one-factor score.
#include "fabrisk/copula.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <numeric>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fabrisk/normal.hpp"
#include "fabrisk/random_stream.hpp"

namespace {
namespace copula_test {

namespace {

constexpr Eigen::Index sample_size = 200000;

/// n × d independent standard normals: Φ⁻¹ of the stream's uniforms.
Eigen::MatrixXd independent_normals(Eigen::Index n, Eigen::Index d, std::uint64_t seed) {
    Eigen::ArrayXXd u(n, d);
    fabrisk::trial_stream(seed, static_cast<std::size_t>(d)).fill(0, u);
    Eigen::MatrixXd z(n, d);
    for (Eigen::Index j = 0; j < d; ++j)
        for (Eigen::Index i = 0; i < n; ++i) z(i, j) = fabrisk::inverse_normal_cdf(u(i, j));
    return z;
}

double pearson(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
    const Eigen::ArrayXd x = a.array() - a.mean(), y = b.array() - b.mean();
    return (x * y).sum() / std::sqrt(x.square().sum() * y.square().sum());
}

/// Ranks 1 … n (the values are continuous, so there are no ties).
Eigen::VectorXd ranks(const Eigen::VectorXd& v) {
    std::vector<Eigen::Index> order(static_cast<std::size_t>(v.size()));
    std::iota(order.begin(), order.end(), Eigen::Index{0});
    std::sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return v[a] < v[b]; });
    Eigen::VectorXd r(v.size());
    for (std::size_t k = 0; k < order.size(); ++k) r[order[k]] = double(k + 1);
    return r;
}

double spearman(const Eigen::VectorXd& a, const Eigen::VectorXd& b) { return pearson(ranks(a), ranks(b)); }

Eigen::MatrixXd example_sigma() {
    Eigen::MatrixXd s(3, 3);
    s << 1.0, 0.6, -0.3,  //
        0.6, 1.0, 0.2,    //
        -0.3, 0.2, 1.0;
    return s;
}

TEST(GaussianCopula, FactorTimesTransposeIsSigma) {
    const Eigen::MatrixXd sigma = example_sigma();
    const fabrisk::gaussian_copula copula(sigma);
    EXPECT_EQ(copula.dimension(), 3);
    EXPECT_EQ(copula.correlation(), sigma);
    const Eigen::MatrixXd product = copula.factor() * copula.factor().transpose();
    EXPECT_LE((product - sigma).cwiseAbs().maxCoeff(), 1e-14);
    // The identity factors to an orthogonal matrix; 1×1 and 0×0 work too.
    const fabrisk::gaussian_copula identity(Eigen::MatrixXd::Identity(4, 4));
    EXPECT_LE((identity.factor() * identity.factor().transpose() - Eigen::MatrixXd::Identity(4, 4)).cwiseAbs().maxCoeff(),
              1e-15);
    EXPECT_NO_THROW(fabrisk::gaussian_copula(Eigen::MatrixXd::Ones(1, 1)));
    // An empty matrix is valid (no correlated inputs): correlating n × 0 blocks does nothing.
    const fabrisk::gaussian_copula empty{Eigen::MatrixXd(0, 0)};
    EXPECT_EQ(empty.dimension(), 0);
    Eigen::MatrixXd none_in(5, 0), none_out(5, 0);
    EXPECT_NO_THROW(empty.correlate(none_in, none_out));
}

TEST(SemidefiniteCholesky, IsLowerTriangularWithTheTextbookEntries) {
    // Σ = [[1, ρ], [ρ, 1]] has the factor [[1, 0], [ρ, √(1 − ρ²)]]: computed exactly so.
    Eigen::MatrixXd two(2, 2);
    const double rho = 0.3;
    two << 1, rho, rho, 1;
    const Eigen::MatrixXd L = fabrisk::semidefinite_cholesky(two);
    EXPECT_EQ(L(0, 0), 1.0);
    EXPECT_EQ(L(0, 1), 0.0);
    EXPECT_EQ(L(1, 0), rho);
    EXPECT_EQ(L(1, 1), std::sqrt(1.0 - rho * rho));
    // The 3 × 3 example, against the factor worked by hand: l10 = 0.6, l11 = 0.8,
    // l20 = −0.3, l21 = (0.2 + 0.18)/0.8 = 0.475, l22 = √(1 − 0.09 − 0.225625).
    const Eigen::MatrixXd M = fabrisk::semidefinite_cholesky(example_sigma());
    EXPECT_DOUBLE_EQ(M(1, 0), 0.6);
    EXPECT_DOUBLE_EQ(M(1, 1), 0.8);
    EXPECT_DOUBLE_EQ(M(2, 0), -0.3);
    EXPECT_DOUBLE_EQ(M(2, 1), 0.475);
    EXPECT_DOUBLE_EQ(M(2, 2), std::sqrt(1 - 0.09 - 0.225625));
    EXPECT_EQ(M(0, 1), 0.0);
    EXPECT_EQ(M(0, 2), 0.0);
    EXPECT_EQ(M(1, 2), 0.0);
}

TEST(SemidefiniteCholesky, SingularMatricesGetZeroColumns) {
    // All ones (rank 1): the first column is ones, the others zero, and L·Lᵀ is Σ exactly.
    const Eigen::MatrixXd ones = Eigen::MatrixXd::Ones(4, 4);
    const Eigen::MatrixXd L = fabrisk::semidefinite_cholesky(ones);
    EXPECT_EQ(Eigen::VectorXd(L.col(0)), Eigen::VectorXd::Ones(4));
    EXPECT_EQ(Eigen::MatrixXd(L.rightCols(3)), Eigen::MatrixXd::Zero(4, 3));
    EXPECT_EQ(Eigen::MatrixXd(L * L.transpose()), ones);
    // Rank 2 in 3 dimensions: the third score is the mean of the first two, scaled to unit
    // variance (ρ = 0.5 between the first two).
    Eigen::MatrixXd s(3, 3);
    const double c = std::sqrt(0.75);  // corr(x3, x1) for x3 = (x1 + x2)/√3
    s << 1, 0.5, c, 0.5, 1, c, c, c, 1;
    const Eigen::MatrixXd K = fabrisk::semidefinite_cholesky(s);
    EXPECT_EQ(K(2, 2), 0.0);
    EXPECT_LE((K * K.transpose() - s).cwiseAbs().maxCoeff(), 1e-15);
}

TEST(GaussianCopula, RecoversCorrelationsWithinFiveStandardErrors) {
    const Eigen::MatrixXd sigma = example_sigma();
    const fabrisk::gaussian_copula copula(sigma);
    const Eigen::MatrixXd z = independent_normals(sample_size, 3, 20240101);
    Eigen::MatrixXd out(sample_size, 3);
    copula.correlate(z, out);
    const double n = double(sample_size);
    for (Eigen::Index i = 0; i < 3; ++i) {
        // Each score stays standard normal: mean within 5/√n, variance within 5·√(2/n).
        const Eigen::ArrayXd c = out.col(i).array();
        EXPECT_LE(std::fabs(c.mean()), 5 / std::sqrt(n));
        EXPECT_LE(std::fabs((c - c.mean()).square().sum() / (n - 1) - 1), 5 * std::sqrt(2 / n));
        for (Eigen::Index j = i + 1; j < 3; ++j) {
            const double rho = sigma(i, j), r = pearson(out.col(i), out.col(j));
            std::cout << "[ measured ] rho(" << i << "," << j << ") = " << rho << ", sample " << r << "\n";
            EXPECT_LE(std::fabs(r - rho), 5 * (1 - rho * rho) / std::sqrt(n)) << i << "," << j;
        }
    }
    // correlate may write into a block of a larger matrix, and works row by row.
    Eigen::MatrixXd first(1, 3);
    copula.correlate(z.topRows(1), first);
    EXPECT_LE((first.row(0) - out.row(0)).cwiseAbs().maxCoeff(), 1e-15);
}

TEST(GaussianCopula, SingularMatrixIsAcceptedAndGivesIdenticalColumns) {
    // rho = 1 between scores 0 and 1, −1 between 0 and 2: rank 1 on those three, plus a free one.
    Eigen::MatrixXd sigma(4, 4);
    sigma << 1, 1, -1, 0,  //
        1, 1, -1, 0,       //
        -1, -1, 1, 0,      //
        0, 0, 0, 1;
    EXPECT_NEAR(fabrisk::smallest_eigenvalue(sigma), 0.0, 1e-14);
    const fabrisk::gaussian_copula copula(sigma);
    EXPECT_LE((copula.factor() * copula.factor().transpose() - sigma).cwiseAbs().maxCoeff(), 1e-14);
    const Eigen::MatrixXd z = independent_normals(10000, 4, 3);
    Eigen::MatrixXd out(10000, 4);
    copula.correlate(z, out);
    // Identical up to rounding: the zero eigenvalues come out of the solver as ±1e-16, whose
    // square roots (up to ~1e-8) multiply the null directions.
    const double diff01 = (out.col(0) - out.col(1)).cwiseAbs().maxCoeff();
    const double diff02 = (out.col(0) + out.col(2)).cwiseAbs().maxCoeff();
    std::cout << "[ measured ] singular sigma: max |col0 − col1| = " << diff01 << ", max |col0 + col2| = " << diff02
              << "\n";
    EXPECT_LE(diff01, 1e-6);
    EXPECT_LE(diff02, 1e-6);
    EXPECT_LE(std::fabs(pearson(out.col(0), out.col(3))), 5 / std::sqrt(10000.0));
    // Variance of the shared score is still 1.
    const Eigen::ArrayXd c = out.col(0).array();
    EXPECT_LE(std::fabs((c - c.mean()).square().sum() / 9999 - 1), 5 * std::sqrt(2 / 10000.0));
}

TEST(GaussianCopula, ARowsScoresDoNotDependOnTheBlockSize) {
    // The model correlates blocks of any size (a last partial block, one trial in a test); a
    // row's correlated scores must be the same bit for bit whether it is correlated alone, in
    // a few rows or in many. (Eigen's product picks different kernels by size, which round
    // differently: correlate() must not go through it.)
    Eigen::MatrixXd sigma(3, 3);
    sigma << 1, 0.4, -0.3,  //
        0.4, 1, 0.2,        //
        -0.3, 0.2, 1;
    const fabrisk::gaussian_copula copula(sigma);
    const Eigen::MatrixXd z = independent_normals(300, 3, 11);
    Eigen::MatrixXd whole(300, 3);
    copula.correlate(z, whole);
    for (Eigen::Index size : {1, 3, 8, 37}) {
        for (Eigen::Index first = 0; first + size <= 300; first += size) {
            Eigen::MatrixXd part(size, 3);
            copula.correlate(z.middleRows(first, size), part);
            for (Eigen::Index r = 0; r < size; ++r)
                for (Eigen::Index c = 0; c < 3; ++c)
                    ASSERT_EQ(part(r, c), whole(first + r, c)) << "block size " << size << ", row " << first + r;
        }
    }
    // And the scores are the product with the factor (to rounding).
    EXPECT_LE((whole - z * copula.factor().transpose()).cwiseAbs().maxCoeff(), 1e-14);
}

TEST(GaussianCopula, RejectsNonPositiveSemidefiniteWithMessage) {
    Eigen::MatrixXd bad(3, 3);
    bad << 1, 0.9, 0.9,  //
        0.9, 1, -0.9,    //
        0.9, -0.9, 1;
    EXPECT_LT(fabrisk::smallest_eigenvalue(bad), -0.1);
    try {
        fabrisk::gaussian_copula copula(bad);
        FAIL() << "expected usage_error";
    } catch (const fabrisk::usage_error& e) {
        EXPECT_NE(std::string(e.what()).find("positive semidefinite"), std::string::npos) << e.what();
    }
}

TEST(GaussianCopula, PsdToleranceIsOneEMinus10) {
    // Equicorrelation ρ in dimension 3 has eigenvalues 1 + 2ρ, 1 − ρ, 1 − ρ: ρ = −½ − ε gives
    // smallest eigenvalue −2ε.
    auto equi = [](double rho) {
        Eigen::MatrixXd s = Eigen::MatrixXd::Constant(3, 3, rho);
        s.diagonal().setOnes();
        return s;
    };
    EXPECT_NEAR(fabrisk::smallest_eigenvalue(equi(0.3)), 0.7, 1e-14);
    EXPECT_NEAR(fabrisk::smallest_eigenvalue(equi(-0.5 - 1e-6)), -2e-6, 1e-14);
    EXPECT_NO_THROW(fabrisk::gaussian_copula(equi(-0.5)));             // singular, eigenvalue 0
    EXPECT_NO_THROW(fabrisk::gaussian_copula(equi(-0.5 - 2e-11)));     // −4e-11: within tolerance
    EXPECT_THROW(fabrisk::gaussian_copula(equi(-0.5 - 1e-9)), fabrisk::usage_error);  // −2e-9
    EXPECT_EQ(fabrisk::gaussian_copula::psd_tolerance, 1e-10);
}

TEST(GaussianCopula, RejectsMalformedMatrices) {
    using fabrisk::gaussian_copula;
    using fabrisk::usage_error;
    EXPECT_THROW(gaussian_copula(Eigen::MatrixXd::Identity(2, 3)), usage_error);  // not square
    Eigen::MatrixXd asymmetric = Eigen::MatrixXd::Identity(3, 3);
    asymmetric(0, 1) = 0.5;
    asymmetric(1, 0) = 0.4;
    EXPECT_THROW(gaussian_copula{asymmetric}, usage_error);
    Eigen::MatrixXd diagonal = Eigen::MatrixXd::Identity(3, 3);
    diagonal(2, 2) = 0.9;
    EXPECT_THROW(gaussian_copula{diagonal}, usage_error);
    diagonal(2, 2) = 2.0;
    EXPECT_THROW(gaussian_copula{diagonal}, usage_error);
    Eigen::MatrixXd big = Eigen::MatrixXd::Identity(2, 2);
    big(0, 1) = big(1, 0) = 1.5;
    EXPECT_THROW(gaussian_copula{big}, usage_error);
    Eigen::MatrixXd nan = Eigen::MatrixXd::Identity(2, 2);
    nan(0, 1) = nan(1, 0) = std::nan("");
    EXPECT_THROW(gaussian_copula{nan}, usage_error);
    // Wrong block shapes for correlate.
    const gaussian_copula copula(example_sigma());
    Eigen::MatrixXd z(5, 3), out2(5, 2), out3(4, 3);
    z.setZero();
    EXPECT_THROW(copula.correlate(z, out2), usage_error);
    EXPECT_THROW(copula.correlate(z, out3), usage_error);
    Eigen::MatrixXd z2(5, 2), out(5, 3);
    EXPECT_THROW(copula.correlate(z2, out), usage_error);
}

TEST(SpearmanToPearson, RankCorrelationOfTheSampledPairRecoversSpearman) {
    // Exact values: 2·sin(π·ρs/6) maps 0 → 0, ±1 → ±1, ½ → 2 sin(π/12).
    EXPECT_EQ(fabrisk::spearman_to_pearson(0.0), 0.0);
    EXPECT_NEAR(fabrisk::spearman_to_pearson(1.0), 1.0, 1e-15);
    EXPECT_NEAR(fabrisk::spearman_to_pearson(-1.0), -1.0, 1e-15);
    EXPECT_NEAR(fabrisk::spearman_to_pearson(0.5), 0.5176380902050415, 1e-15);

    const Eigen::Index n = sample_size, batches = 40, per_batch = n / batches;
    const Eigen::MatrixXd z = independent_normals(n, 2, 777);
    for (double rho_s : {0.7, -0.4, 0.2}) {
        const double rho = fabrisk::spearman_to_pearson(rho_s);
        Eigen::MatrixXd sigma(2, 2);
        sigma << 1, rho, rho, 1;
        const fabrisk::gaussian_copula copula(sigma);
        Eigen::MatrixXd out(n, 2);
        copula.correlate(z, out);
        // (a) Known-marginal form: ρs = 12·E[(U − ½)(V − ½)] with U = Φ(Z₁), V = Φ(Z₂); the
        // sample mean of k = 12(U − ½)(V − ½) has standard error sd(k)/√n.
        Eigen::ArrayXd k(n);
        for (Eigen::Index i = 0; i < n; ++i)
            k[i] = 12 * (fabrisk::normal_cdf(out(i, 0)) - 0.5) * (fabrisk::normal_cdf(out(i, 1)) - 0.5);
        const double k_mean = k.mean(), k_sd = std::sqrt((k - k_mean).square().sum() / double(n - 1));
        EXPECT_LE(std::fabs(k_mean - rho_s), 5 * k_sd / std::sqrt(double(n))) << rho_s;
        // (b) Rank correlation, with the standard error from 40 independent batches of 5000.
        Eigen::ArrayXd per(batches);
        for (Eigen::Index b = 0; b < batches; ++b)
            per[b] = spearman(out.col(0).segment(b * per_batch, per_batch), out.col(1).segment(b * per_batch, per_batch));
        const double batch_se = std::sqrt((per - per.mean()).square().sum() / double(batches - 1) / double(batches));
        const double r_s = spearman(out.col(0), out.col(1));
        std::cout << "[ measured ] spearman " << rho_s << ": sample rank correlation " << r_s << " (batch SE "
                  << batch_se << "), known-marginal estimate " << k_mean << "\n";
        EXPECT_LE(std::fabs(r_s - rho_s), 5 * batch_se) << rho_s;
        // Using rho_s itself as the Pearson correlation would be detectably wrong here.
        if (rho_s == 0.7) {
            EXPECT_GT(std::fabs(rho - rho_s), 5 * batch_se);
        }
    }
}

TEST(FactorScore, PairsHaveCorrelationRho) {
    const Eigen::Index n = sample_size;
    const Eigen::MatrixXd z = independent_normals(n, 3, 4242);
    for (double rho : {0.0, 0.25, 0.8}) {
        Eigen::VectorXd a(n), b(n);
        for (Eigen::Index i = 0; i < n; ++i) {
            a[i] = fabrisk::factor_score(rho, z(i, 0), z(i, 1));
            b[i] = fabrisk::factor_score(rho, z(i, 0), z(i, 2));
        }
        const double r = pearson(a, b);
        EXPECT_LE(std::fabs(r - rho), 5 * (1 - rho * rho) / std::sqrt(double(n))) << rho;
        const Eigen::ArrayXd c = a.array();
        EXPECT_LE(std::fabs((c - c.mean()).square().sum() / double(n - 1) - 1), 5 * std::sqrt(2.0 / double(n)));
    }
    // Ends: ρ = 1 is the common factor, ρ = 0 the own term, exactly.
    EXPECT_EQ(fabrisk::factor_score(1.0, 0.7, -2.0), 0.7);
    EXPECT_EQ(fabrisk::factor_score(0.0, 0.7, -2.0), -2.0);
}

}  // namespace

}  // namespace copula_test
}  // namespace
