#pragma once
/// \file copula.hpp
/// Gaussian copulas: dependence is put on normal scores, which the marginals then turn into
/// values (distribution.hpp's `from_normal_score`).
///
/// `gaussian_copula` correlates d scores with a full correlation matrix; it accepts singular
/// matrices (rho = 1): its Cholesky factor gives a zero column where a pivot vanishes.
/// `factor_score` is the exchangeable one-factor form used for many similar entities.
#include <cmath>
#include <string>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include "fabrisk/error.hpp"

namespace fabrisk {

/// Pearson correlation of normal scores that gives Spearman's rank correlation `rho_s`
/// under a Gaussian copula: 2·sin(π·rho_s/6).
inline double spearman_to_pearson(double rho_s) noexcept { return 2.0 * std::sin(3.14159265358979323846 * rho_s / 6.0); }

/// Smallest eigenvalue of a symmetric matrix.
inline double smallest_eigenvalue(const Eigen::MatrixXd& sigma) {
    if (sigma.rows() == 0) return 1.0;
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(sigma, Eigen::EigenvaluesOnly);
    return solver.eigenvalues().minCoeff();
}

/// L lower triangular with L·Lᵀ = Σ for a positive semidefinite Σ: Cholesky's method, with a
/// pivot at or below `zero_pivot` (a singular Σ such as rho = 1, or rounding just below zero)
/// taken as zero, which makes that column of L zero. Written out rather than with Eigen's LLT
/// or eigensolver: their packet kernels round in an order set by the SIMD width, so the factor,
/// and every trial's scores, would differ in the last bits from build to build; here every
/// value is one fixed sequence of IEEE operations (and LLT refuses a singular Σ).
inline Eigen::MatrixXd semidefinite_cholesky(const Eigen::MatrixXd& sigma, double zero_pivot = 1e-12) {
    const Eigen::Index d = sigma.rows();
    Eigen::MatrixXd L = Eigen::MatrixXd::Zero(d, d);
    for (Eigen::Index j = 0; j < d; ++j) {
        double pivot = sigma(j, j);
        for (Eigen::Index k = 0; k < j; ++k) pivot -= L(j, k) * L(j, k);
        if (!(pivot > zero_pivot)) continue;  // Σ is singular here: the column stays zero
        const double root = std::sqrt(pivot);
        L(j, j) = root;
        for (Eigen::Index i = j + 1; i < d; ++i) {
            double t = sigma(i, j);
            for (Eigen::Index k = 0; k < j; ++k) t -= L(i, k) * L(j, k);
            L(i, j) = t / root;
        }
    }
    return L;
}

/// A Gaussian copula over d normal scores with correlation matrix Σ.
class gaussian_copula {
public:
    /// Tolerance on the smallest eigenvalue when checking Σ is positive semidefinite.
    static constexpr double psd_tolerance = 1e-10;

    gaussian_copula() = default;

    /// Throws usage_error unless Σ is square, symmetric, has a unit diagonal, entries in
    /// [−1, 1], and no eigenvalue below −1e-10.
    explicit gaussian_copula(const Eigen::MatrixXd& sigma) : sigma_(sigma) {
        const auto d = sigma.rows();
        if (sigma.cols() != d)
            throw usage_error("gaussian_copula: correlation matrix is " + std::to_string(sigma.rows()) + "x" +
                              std::to_string(sigma.cols()) + ", expected a square matrix");
        for (Eigen::Index i = 0; i < d; ++i) {
            if (sigma(i, i) != 1.0) throw usage_error("gaussian_copula: diagonal entries must be 1");
            for (Eigen::Index j = 0; j < d; ++j) {
                if (!(std::fabs(sigma(i, j)) <= 1.0))
                    throw usage_error("gaussian_copula: entries must lie in [-1, 1]");
                if (sigma(i, j) != sigma(j, i)) throw usage_error("gaussian_copula: matrix must be symmetric");
            }
        }
        if (d == 0) return;
        const double smallest = smallest_eigenvalue(sigma);
        if (smallest < -psd_tolerance)
            throw usage_error("gaussian_copula: correlation matrix is not positive semidefinite (smallest "
                              "eigenvalue " + std::to_string(smallest) + ")");
        factor_ = semidefinite_cholesky(sigma);
    }

    Eigen::Index dimension() const noexcept { return sigma_.rows(); }
    const Eigen::MatrixXd& correlation() const noexcept { return sigma_; }
    /// L, lower triangular, with L Lᵀ = Σ (semidefinite_cholesky).
    const Eigen::MatrixXd& factor() const noexcept { return factor_; }

    /// Rows of `independent` (n × d, independent N(0,1)) become rows of correlated scores
    /// in `out` (n × d): out = independent · Lᵀ.
    void correlate(const Eigen::Ref<const Eigen::MatrixXd>& independent, Eigen::Ref<Eigen::MatrixXd> out) const {
        if (independent.cols() != dimension() || out.cols() != dimension() || out.rows() != independent.rows())
            throw usage_error("gaussian_copula::correlate: blocks must be n x " + std::to_string(dimension()));
        // Written out column by column rather than as an Eigen product: Eigen picks its product
        // kernel by size (GEMV for one row, a lazy product for a few, GEMM for many), and the
        // kernels round differently, so a trial's scores would depend on its block's size.
        const Eigen::Index n = independent.rows(), d = dimension();
        for (Eigen::Index i = 0; i < d; ++i) {
            double* const o = out.col(i).data();
            const double first = factor_(i, 0);
            const double* const z0 = independent.col(0).data();
            for (Eigen::Index r = 0; r < n; ++r) o[r] = first * z0[r];
            for (Eigen::Index j = 1; j < d; ++j) {
                const double l = factor_(i, j);
                const double* const z = independent.col(j).data();
                for (Eigen::Index r = 0; r < n; ++r) o[r] += l * z[r];
            }
        }
    }

private:
    Eigen::MatrixXd sigma_;
    Eigen::MatrixXd factor_;
};

/// The one-factor score √ρ·common + √(1 − ρ)·own: any two such scores sharing `common` have
/// correlation ρ.
inline double factor_score(double rho, double common, double own) noexcept {
    return std::sqrt(rho) * common + std::sqrt(1.0 - rho) * own;
}

}  // namespace fabrisk
