#pragma once
/// \file distribution.hpp
/// Distributions as small value types with free functions (`cdf`, `quantile`, `support`), in
/// the style of Boost.Math, which is their source of truth. Every family of docs/model.md §2.2, with
/// optional truncation. Sampling is always by inverse CDF, so a distribution turns any uniform
/// (pseudo-random, quasi-random, stratified, held at a percentile) into a value.
///
///     auto d = fabrisk::pert(0.1, 0.3, 0.75);
///     double median = fabrisk::quantile(d, 0.5);
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>

#include <Eigen/Core>
#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/gamma.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include "fabrisk/error.hpp"
#include "fabrisk/normal.hpp"
#include "fabrisk/quantile_table.hpp"
#include "fabrisk/special_functions.hpp"
#include "fabrisk/vector_math.hpp"

namespace fabrisk {

/// z₀.₉ and z₀.₉₅ exactly as docs/model.md §2.1 states them.
inline constexpr double z_0_90 = 1.2815515655446004;
inline constexpr double z_0_95 = 1.6448536269514722;

enum class family { fixed, uniform, normal, lognormal, triangular, beta, gamma, weibull };

/// One distribution. Parameters by family (p0, p1, p2; lo/hi scale a beta):
/// fixed (value), uniform (min, max), normal (mean, sd), lognormal (mu, sigma),
/// triangular (min, mode, max), beta (alpha, beta) on [lo, hi], gamma (shape, scale),
/// weibull (shape, scale). PERT is a beta; ci90 is a lognormal or a normal.
struct distribution {
    family kind = family::fixed;
    double p0 = 0, p1 = 0, p2 = 0;
    double lo = 0, hi = 1;  ///< the beta family's scale
    bool truncated = false;
    double trunc_lo = 0, trunc_hi = 0;  ///< the truncation bounds [lo, hi]
    double cdf_lo = 0, cdf_hi = 1;      ///< F(lo) and F(hi) of the untruncated distribution
    /// Tabulated exact quantile of the standard beta or gamma (shared, immutable), so a draw
    /// costs nanoseconds instead of an iterative solve; null for the closed-form families.
    std::shared_ptr<const quantile_table> table;
};

/// Human-readable name of a family ("pert" and "ci90" are shown by what they became).
const char* family_name(family f) noexcept;

// Factories: each checks its parameters and throws usage_error when they are invalid.
distribution fixed(double value);
distribution uniform(double min, double max);
distribution normal(double mean, double sd);
distribution lognormal(double mu, double sigma);
/// The lognormal with this median and 90th percentile (p90 > median > 0).
distribution lognormal_median_p90(double median, double p90);
/// The 90% interval [low, high]: lognormal if low > 0, otherwise normal.
distribution ci90(double low, double high);
distribution triangular(double min, double mode, double max);
distribution pert(double min, double mode, double max, double lambda = 4.0);
distribution beta(double alpha, double beta, double min = 0.0, double max = 1.0);
distribution gamma(double shape, double scale);
distribution weibull(double shape, double scale);
/// `d` conditioned on [lo, hi]; throws usage_error if that has probability zero or d is fixed.
distribution truncate(const distribution& d, double lo, double hi);

bool is_fixed(const distribution& d) noexcept;
/// The closure [a, b] of the support (after truncation); infinite ends for unbounded families.
std::pair<double, double> support(const distribution& d) noexcept;
/// F(x).
double cdf(const distribution& d, double x);
/// F⁻¹(u) for u in (0, 1).
double quantile(const distribution& d, double u);
/// F⁻¹(Φ(z)): the value with normal score z. Exact shortcuts for untruncated normal and
/// lognormal families skip the round trip through Φ.
double from_normal_score(const distribution& d, double z);
/// Element-wise quantile over a block (in place is allowed): on the dispatched instruction set
/// (simd_target.hpp; src/kernels/distribution-inl.hpp), a value depending only on its input.
void quantile(const distribution& d, const double* u, double* out, std::ptrdiff_t n);
void quantile(const distribution& d, const Eigen::Ref<const Eigen::ArrayXd>& u, Eigen::Ref<Eigen::ArrayXd> out);
/// Element-wise from_normal_score over a block (in place is allowed), dispatched likewise.
void from_normal_score(const distribution& d, const double* z, double* out, std::ptrdiff_t n);
void from_normal_score(const distribution& d, const Eigen::Ref<const Eigen::ArrayXd>& z,
                       Eigen::Ref<Eigen::ArrayXd> out);
/// Short description such as "pert(min 0.1, mode 0.3, max 0.75)" for messages.
std::string describe(const distribution& d);

// ---------------------------------------------------------------------------------------------

namespace detail {
/// Boost.Math without promotion to long double: near-full double accuracy at a fraction of
/// the cost.
using math_policy = boost::math::policies::policy<boost::math::policies::promote_double<false>>;

/// Boost.Math's beta quantile, the starting point of the exact solve below. Boost 1.81's
/// ibeta_inv fails to converge for some shapes below 1 deep in the lower tail (e.g. beta(0.5, 2)
/// at u ~ 1e-10; fixed upstream in 1.82); NaN there (the solve then bisects).
inline double boost_beta_quantile(double a, double b, double u) {
    try {
        return boost::math::ibeta_inv(a, b, u, math_policy());
    } catch (const boost::math::evaluation_error&) {
        return std::numeric_limits<double>::quiet_NaN();
    }
}

// The exact quantiles of the standard beta and gamma: the root of the CDF computed by
// special_functions.hpp (IEEE arithmetic only, so the same bits on every machine), started from
// Boost.Math's answer. `lower` is for u ≤ ½; `upper(q)` is the quantile at 1 − q for q ≤ ½,
// solved in the distance to the upper end so that the upper tail keeps full precision. Shapes
// outside special::shape_in_range (all but point masses) keep Boost.Math's answer.
inline bool in_range(double a, double b) {  // the beta shapes special_functions.hpp is made for
    return special::shape_in_range(a) && special::shape_in_range(b) && a + b <= special::max_shape;
}
inline double beta_lower(double a, double b, double u) {
    if (!in_range(a, b)) return boost_beta_quantile(a, b, u);  // libm's bits, outside the functions' range
    const double ln_beta = special::lbeta(a, b);
    return special::solve_on_grid([=](double x) { return special::beta_p(a, b, x, ln_beta); }, u,
                                  boost_beta_quantile(a, b, u), 1.0);
}
inline double beta_upper(double a, double b, double q) {  // I_x(a, b) = 1 − q ⟺ I_{1−x}(b, a) = q
    if (!in_range(a, b)) return boost::math::ibetac_inv(a, b, q, math_policy());
    return 1.0 - beta_lower(b, a, q);
}
/// Boost.Math's gamma quantile `solve` (gamma_p_inv or gamma_q_inv) as a starting point: NaN
/// when Boost cannot give one (the solve then bisects).
template <class Solve>
double gamma_start(Solve solve) {
    try {
        return solve();
    } catch (const std::exception&) {
        return std::numeric_limits<double>::quiet_NaN();
    }
}
inline double gamma_lower(double shape, double u) {
    if (!special::shape_in_range(shape)) return boost::math::gamma_p_inv(shape, u, math_policy());
    const double start = gamma_start([&] { return boost::math::gamma_p_inv(shape, u, math_policy()); });
    const double ln_gamma = special::lgamma(shape);
    return special::solve_on_grid([=](double x) { return special::gamma_p(shape, x, ln_gamma); }, u, start,
                                  std::numeric_limits<double>::infinity());
}
inline double gamma_upper(double shape, double q) {  // Q(x) decreases: solve −Q(x) = −q
    if (!special::shape_in_range(shape)) return boost::math::gamma_q_inv(shape, q, math_policy());
    const double start = gamma_start([&] { return boost::math::gamma_q_inv(shape, q, math_policy()); });
    const double ln_gamma = special::lgamma(shape);
    return special::solve_on_grid([=](double x) { return -special::gamma_q(shape, x, ln_gamma); }, -q, start,
                                  std::numeric_limits<double>::infinity());
}
inline double beta_cdf(double a, double b, double x) {
    return in_range(a, b) ? special::beta_p(a, b, x) : boost::math::ibeta(a, b, x, math_policy());
}
inline double gamma_cdf(double shape, double x) {
    return special::shape_in_range(shape) ? special::gamma_p(shape, x) : boost::math::gamma_p(shape, x, math_policy());
}
inline double beta_quantile(double a, double b, double u) { return u <= 0.5 ? beta_lower(a, b, u) : beta_upper(a, b, 1.0 - u); }
inline double gamma_quantile(double shape, double u) {
    return u <= 0.5 ? gamma_lower(shape, u) : gamma_upper(shape, 1.0 - u);
}

inline void require(bool ok, const std::string& message) {
    if (!ok) throw usage_error(message);
}

inline double untruncated_cdf(const distribution& d, double x) {
    switch (d.kind) {
    case family::fixed: return x >= d.p0 ? 1.0 : 0.0;
    case family::uniform: return x <= d.p0 ? 0.0 : x >= d.p1 ? 1.0 : (x - d.p0) / (d.p1 - d.p0);
    case family::normal: return normal_cdf((x - d.p0) / d.p1);
    case family::lognormal: return x <= 0 ? 0.0 : normal_cdf((special::log(x) - d.p0) / d.p1);
    case family::triangular: {
        const double a = d.p0, c = d.p1, b = d.p2;
        if (x <= a) return 0.0;
        if (x >= b) return 1.0;
        if (x <= c) return (x - a) * (x - a) / ((b - a) * (c - a));
        return 1.0 - (b - x) * (b - x) / ((b - a) * (b - c));
    }
    case family::beta: {
        if (x <= d.lo) return 0.0;
        if (x >= d.hi) return 1.0;
        return beta_cdf(d.p0, d.p1, (x - d.lo) / (d.hi - d.lo));
    }
    case family::gamma: return x <= 0 ? 0.0 : gamma_cdf(d.p0, x / d.p1);
    case family::weibull: return x <= 0 ? 0.0 : -special::expm1(-special::exp(d.p0 * special::log(x / d.p1)));
    }
    return 0.0;
}

inline double untruncated_quantile(const distribution& d, double u) {
    switch (d.kind) {
    case family::fixed: return d.p0;
    case family::uniform: return d.p0 + u * (d.p1 - d.p0);
    case family::normal: return d.p0 + d.p1 * inverse_normal_cdf(u);
    case family::lognormal: return special::exp(d.p0 + d.p1 * inverse_normal_cdf(u));
    case family::triangular: {
        const double a = d.p0, c = d.p1, b = d.p2;
        const double fc = (c - a) / (b - a);
        if (u < fc) return a + std::sqrt(u * (b - a) * (c - a));
        return b - std::sqrt((1.0 - u) * (b - a) * (b - c));
    }
    case family::beta:
        return d.lo + (d.hi - d.lo) * (d.table ? (*d.table)(u) : beta_quantile(d.p0, d.p1, u));
    case family::gamma: return d.p1 * (d.table ? (*d.table)(u) : gamma_quantile(d.p0, u));
    case family::weibull: return d.p1 * special::exp(special::log(-special::log1p(-u)) / d.p0);
    }
    return 0.0;
}

inline std::pair<double, double> untruncated_support(const distribution& d) noexcept {
    constexpr double inf = std::numeric_limits<double>::infinity();
    switch (d.kind) {
    case family::fixed: return {d.p0, d.p0};
    case family::uniform: return {d.p0, d.p1};
    case family::normal: return {-inf, inf};
    case family::lognormal:
    case family::gamma:
    case family::weibull: return {0.0, inf};
    case family::triangular: return {d.p0, d.p2};
    case family::beta: return {d.lo, d.hi};
    }
    return {-inf, inf};
}

/// The quantile table of a family's shape (a, b), or null (quantiles then use the exact solve)
/// when tabulating throws. Tables are kept per process, by family and shape (at most 256,
/// then the keeper starts afresh): a sweep or a comparison builds the same scenario's
/// distributions over and over, and a table takes a few milliseconds to build.
template <class Lower, class Upper, class Pdf>
std::shared_ptr<const quantile_table> shared_table(family f, double a, double b, Lower lower, Upper upper, Pdf pdf,
                                                   double upper_end) {
    using key = std::tuple<int, double, double>;
    static std::mutex guard;
    static std::map<key, std::shared_ptr<const quantile_table>> kept;
    const key k{static_cast<int>(f), a, b};
    {
        const std::lock_guard<std::mutex> lock(guard);
        if (const auto found = kept.find(k); found != kept.end()) return found->second;
    }
    std::shared_ptr<const quantile_table> table;
    try {
        table = std::make_shared<const quantile_table>(lower, upper, pdf, upper_end);
    } catch (const std::exception&) {
    }
    const std::lock_guard<std::mutex> lock(guard);
    if (kept.size() >= 256) kept.clear();
    return kept.emplace(k, std::move(table)).first->second;
}

inline std::string number(double x) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.6g", x);
    return buffer;
}
}  // namespace detail

inline const char* family_name(family f) noexcept {
    switch (f) {
    case family::fixed: return "fixed";
    case family::uniform: return "uniform";
    case family::normal: return "normal";
    case family::lognormal: return "lognormal";
    case family::triangular: return "triangular";
    case family::beta: return "beta";
    case family::gamma: return "gamma";
    case family::weibull: return "weibull";
    }
    return "?";
}

inline distribution fixed(double value) {
    detail::require(std::isfinite(value), "fixed: value must be finite");
    distribution d;
    d.kind = family::fixed;
    d.p0 = value;
    return d;
}

inline distribution uniform(double min, double max) {
    detail::require(std::isfinite(min) && std::isfinite(max) && min < max, "uniform: need finite min < max");
    distribution d;
    d.kind = family::uniform;
    d.p0 = min;
    d.p1 = max;
    return d;
}

inline distribution normal(double mean, double sd) {
    detail::require(std::isfinite(mean) && std::isfinite(sd) && sd > 0, "normal: need a finite mean and sd > 0");
    distribution d;
    d.kind = family::normal;
    d.p0 = mean;
    d.p1 = sd;
    return d;
}

inline distribution lognormal(double mu, double sigma) {
    detail::require(std::isfinite(mu) && std::isfinite(sigma) && sigma > 0, "lognormal: need a finite mu and sigma > 0");
    distribution d;
    d.kind = family::lognormal;
    d.p0 = mu;
    d.p1 = sigma;
    return d;
}

inline distribution lognormal_median_p90(double median, double p90) {
    detail::require(median > 0 && p90 > median && std::isfinite(p90), "lognormal: need 0 < median < p90");
    const double mu = special::log(median);
    return lognormal(mu, (special::log(p90) - mu) / z_0_90);
}

inline distribution ci90(double low, double high) {
    detail::require(std::isfinite(low) && std::isfinite(high) && low < high, "ci90: need finite low < high");
    if (low > 0) {
        const double ln_low = special::log(low), ln_high = special::log(high);
        return lognormal((ln_low + ln_high) / 2, (ln_high - ln_low) / (2 * z_0_95));
    }
    return normal((low + high) / 2, (high - low) / (2 * z_0_95));
}

inline distribution triangular(double min, double mode, double max) {
    detail::require(std::isfinite(min) && std::isfinite(max) && min <= mode && mode <= max && min < max,
                    "triangular: need min <= mode <= max and min < max");
    distribution d;
    d.kind = family::triangular;
    d.p0 = min;
    d.p1 = mode;
    d.p2 = max;
    return d;
}

inline distribution beta(double alpha, double beta_, double min, double max) {
    detail::require(std::isfinite(alpha) && std::isfinite(beta_) && alpha > 0 && beta_ > 0,
                    "beta: need alpha > 0 and beta > 0");
    detail::require(std::isfinite(min) && std::isfinite(max) && min < max, "beta: need finite min < max");
    distribution d;
    d.kind = family::beta;
    d.p0 = alpha;
    d.p1 = beta_;
    d.lo = min;
    d.hi = max;
    const double a = alpha, b = beta_;
    d.table = detail::shared_table(
        family::beta, a, b, [a, b](double u) { return detail::beta_lower(a, b, u); },
        [a, b](double q) { return detail::beta_upper(a, b, q); },
        [a, b](double x) { return special::beta_density(a, b, x); }, 1.0);
    return d;
}

inline distribution pert(double min, double mode, double max, double lambda) {
    detail::require(std::isfinite(min) && std::isfinite(max) && min <= mode && mode <= max && min < max,
                    "pert: need min <= mode <= max and min < max");
    detail::require(std::isfinite(lambda) && lambda > 0, "pert: need lambda > 0");
    const double width = max - min;
    return beta(1 + lambda * (mode - min) / width, 1 + lambda * (max - mode) / width, min, max);
}

inline distribution gamma(double shape, double scale) {
    detail::require(std::isfinite(shape) && std::isfinite(scale) && shape > 0 && scale > 0,
                    "gamma: need shape > 0 and scale > 0");
    distribution d;
    d.kind = family::gamma;
    d.p0 = shape;
    d.p1 = scale;
    d.table = detail::shared_table(
        family::gamma, shape, 0.0, [shape](double u) { return detail::gamma_lower(shape, u); },
        [shape](double q) { return detail::gamma_upper(shape, q); },
        [shape](double x) { return special::gamma_density(shape, x); }, std::numeric_limits<double>::infinity());
    return d;
}

inline distribution weibull(double shape, double scale) {
    detail::require(std::isfinite(shape) && std::isfinite(scale) && shape > 0 && scale > 0,
                    "weibull: need shape > 0 and scale > 0");
    distribution d;
    d.kind = family::weibull;
    d.p0 = shape;
    d.p1 = scale;
    return d;
}

inline distribution truncate(const distribution& d, double lo, double hi) {
    detail::require(d.kind != family::fixed, "truncate: a fixed value cannot be truncated");
    detail::require(!d.truncated, "truncate: already truncated");
    detail::require(!std::isnan(lo) && !std::isnan(hi) && lo < hi, "truncate: need lo < hi");
    distribution t = d;
    t.truncated = true;
    t.trunc_lo = lo;
    t.trunc_hi = hi;
    t.cdf_lo = detail::untruncated_cdf(d, lo);
    t.cdf_hi = detail::untruncated_cdf(d, hi);
    detail::require(t.cdf_hi - t.cdf_lo > 0, "truncate: [" + detail::number(lo) + ", " + detail::number(hi) +
                                                  "] has probability zero under " + describe(d));
    return t;
}

inline bool is_fixed(const distribution& d) noexcept { return d.kind == family::fixed; }

inline std::pair<double, double> support(const distribution& d) noexcept {
    auto s = detail::untruncated_support(d);
    if (d.truncated) {
        s.first = std::max(s.first, d.trunc_lo);
        s.second = std::min(s.second, d.trunc_hi);
    }
    return s;
}

inline double cdf(const distribution& d, double x) {
    const double f = detail::untruncated_cdf(d, x);
    if (!d.truncated) return f;
    if (x <= d.trunc_lo) return 0.0;
    if (x >= d.trunc_hi) return 1.0;
    return (f - d.cdf_lo) / (d.cdf_hi - d.cdf_lo);
}

inline double quantile(const distribution& d, double u) {
    if (!d.truncated) return detail::untruncated_quantile(d, u);
    // docs/model.md §2.3: X = F⁻¹(F(lo) + U·(F(hi) − F(lo))), kept inside [lo, hi] against rounding.
    const double x = detail::untruncated_quantile(d, d.cdf_lo + u * (d.cdf_hi - d.cdf_lo));
    return std::min(std::max(x, d.trunc_lo), d.trunc_hi);
}

inline double from_normal_score(const distribution& d, double z) {
    if (!d.truncated) {
        if (d.kind == family::normal) return d.p0 + d.p1 * z;
        if (d.kind == family::lognormal) return special::exp(d.p0 + d.p1 * z);
        if (d.kind == family::fixed) return d.p0;
    }
    return quantile(d, normal_cdf(z));
}

inline void quantile(const distribution& d, const Eigen::Ref<const Eigen::ArrayXd>& u, Eigen::Ref<Eigen::ArrayXd> out) {
    quantile(d, u.data(), out.data(), u.size());
}

inline void from_normal_score(const distribution& d, const Eigen::Ref<const Eigen::ArrayXd>& z,
                              Eigen::Ref<Eigen::ArrayXd> out) {
    from_normal_score(d, z.data(), out.data(), z.size());
}

inline std::string describe(const distribution& d) {
    using detail::number;
    std::string s;
    switch (d.kind) {
    case family::fixed: s = "fixed(" + number(d.p0) + ")"; break;
    case family::uniform: s = "uniform(" + number(d.p0) + ", " + number(d.p1) + ")"; break;
    case family::normal: s = "normal(mean " + number(d.p0) + ", sd " + number(d.p1) + ")"; break;
    case family::lognormal: s = "lognormal(mu " + number(d.p0) + ", sigma " + number(d.p1) + ")"; break;
    case family::triangular:
        s = "triangular(" + number(d.p0) + ", " + number(d.p1) + ", " + number(d.p2) + ")";
        break;
    case family::beta:
        s = "beta(alpha " + number(d.p0) + ", beta " + number(d.p1) + ", on [" + number(d.lo) + ", " +
            number(d.hi) + "])";
        break;
    case family::gamma: s = "gamma(shape " + number(d.p0) + ", scale " + number(d.p1) + ")"; break;
    case family::weibull: s = "weibull(shape " + number(d.p0) + ", scale " + number(d.p1) + ")"; break;
    }
    if (d.truncated) s += " truncated to [" + number(d.trunc_lo) + ", " + number(d.trunc_hi) + "]";
    return s;
}

}  // namespace fabrisk
