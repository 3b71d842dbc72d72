#pragma once
/// \file statistics.hpp
/// Streaming statistics over the outputs of a run: moments, extremes, quantiles (through
/// binned_quantiles), histograms, threshold counts and proportions with Wilson intervals.
///
/// `output_statistics` is the runner's default sink. Its work is split so results never depend
/// on scheduling: `summarize` digests one chunk of trials (in parallel, on any thread), `merge`
/// folds the order-dependent part (floating-point moments; raw values while the quantile pilot
/// is open) in chunk order, and once the pilot has closed each worker bins its values into its
/// own `partial` (integer counts, min, max: order-independent), added in by `absorb`.
#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "fabrisk/error.hpp"
#include "fabrisk/binned_quantiles.hpp"
#include "fabrisk/exact_sum.hpp"
#include "fabrisk/state_bytes.hpp"
#include "fabrisk/special_functions.hpp"

namespace fabrisk {

/// z for a two-sided 95% interval, as docs/model.md §5.2 states it.
inline constexpr double z_95 = 1.959963984540054;

/// A share of successes with its Wilson score interval.
struct proportion {
    std::uint64_t successes = 0;
    std::uint64_t trials = 0;
    double estimate() const noexcept { return trials ? double(successes) / double(trials) : 0.0; }
    /// The Wilson score interval at normal quantile z (default 95%).
    std::pair<double, double> wilson(double z = z_95) const noexcept {
        if (trials == 0) return {0.0, 1.0};
        const double n = double(trials), p = estimate(), z2 = z * z;
        const double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        const double half = z / (1 + z2 / n) * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        // Rounding leaves ~1e-17 of slack at k = 0 or k = n (the exact ends are 0 and 1);
        // clamping to the estimate keeps the interval around it.
        return {std::min(p, std::max(0.0, centre - half)), std::max(p, std::min(1.0, centre + half))};
    }
};

/// The percentiles every summary reports: p01, p05, p10, p25, p50, p75, p90, p95, p99.
inline constexpr std::array<int, 9> standard_percentiles{1, 5, 10, 25, 50, 75, 90, 95, 99};

/// 1e-9·max(1, |y|): the tolerance of docs/model.md §4.1 for "≥" and "≤".
inline double comparison_tolerance(double y) noexcept { return 1e-9 * std::max(1.0, std::fabs(y)); }
/// x ≥ y within the model's tolerance (exact when either side is infinite).
inline bool at_least(double x, double y) noexcept {
    if (std::isinf(x) || std::isinf(y)) return x >= y;
    return x >= y - comparison_tolerance(y);
}
/// x ≤ y within the model's tolerance (exact when either side is infinite).
inline bool at_most(double x, double y) noexcept {
    if (std::isinf(x) || std::isinf(y)) return x <= y;
    return x <= y + comparison_tolerance(y);
}

/// The standard percentiles of one output by name (`q.p50` is the median), or by position in
/// standard_percentiles order for loops, or by probability (`q.at(0.5)`).
struct percentile_values {
    double p01 = 0, p05 = 0, p10 = 0, p25 = 0, p50 = 0, p75 = 0, p90 = 0, p95 = 0, p99 = 0;

    static constexpr std::size_t size() noexcept { return standard_percentiles.size(); }
    double& operator[](std::size_t i) { return this->*members()[i]; }
    double operator[](std::size_t i) const { return this->*members()[i]; }
    /// The quantile at probability p, one of 0.01, 0.05, …, 0.99; throws usage_error otherwise.
    double at(double p) const {
        for (std::size_t i = 0; i < size(); ++i)
            if (p == standard_percentiles[i] / 100.0) return (*this)[i];
        throw usage_error("percentile_values::at: " + std::to_string(p) +
                          " is not a standard percentile (0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)");
    }
    friend bool operator==(const percentile_values& a, const percentile_values& b) noexcept {
        for (std::size_t i = 0; i < size(); ++i)
            if (!(a[i] == b[i])) return false;
        return true;
    }
    friend bool operator!=(const percentile_values& a, const percentile_values& b) noexcept { return !(a == b); }

private:
    using member = double percentile_values::*;
    static constexpr std::array<member, 9> members() noexcept {
        return {&percentile_values::p01, &percentile_values::p05, &percentile_values::p10,
                &percentile_values::p25, &percentile_values::p50, &percentile_values::p75,
                &percentile_values::p90, &percentile_values::p95, &percentile_values::p99};
    }
};

/// Final statistics of one output.
struct output_summary {
    std::uint64_t count = 0;        ///< trials
    std::uint64_t non_finite = 0;   ///< trials whose value is ±inf
    double mean = 0, sd = 0;        ///< over the finite values (sd with divisor n − 1)
    double min = 0, max = 0;        ///< over all values (may be ±inf)
    percentile_values quantiles;    ///< lower empirical quantiles
    std::vector<double> histogram_edges;       ///< of the finite values (see histogram_log)
    std::vector<std::uint64_t> histogram_counts;
    /// The edges are log-spaced over the positive values; histogram_nonpositive counts the
    /// finite values ≤ 0, which no bin holds.
    bool histogram_log = false;
    std::uint64_t histogram_nonpositive = 0;
    /// Nonzero when the values lie on a grid of this step: every bin then holds a whole number
    /// of grid values and is centred on them.
    double histogram_grid_step = 0;
    std::vector<std::uint64_t> at_most_counts;   ///< per configured threshold: values ≤ it
    std::vector<std::uint64_t> at_least_counts;  ///< per configured threshold: values ≥ it
    double rank_error = 0;  ///< bound on the quantiles' rank error as a share of count (0: exact)
};

/// Which extra counts to keep for an output: how many values are ≤, and how many ≥, each
/// threshold (within the model's tolerance). Counts are exact, whatever the trial count.
struct output_config {
    std::vector<double> at_most_thresholds;
    std::vector<double> at_least_thresholds;
    /// The output's values lie on a grid of this step (say a year of 1/m steps); 0 if not, or
    /// if unknown. Only the histogram uses it: integer outputs are found without it.
    double grid_step = 0;
    friend bool operator==(const output_config& a, const output_config& b) {
        return a.at_most_thresholds == b.at_most_thresholds && a.at_least_thresholds == b.at_least_thresholds &&
               a.grid_step == b.grid_step;
    }
    friend bool operator!=(const output_config& a, const output_config& b) { return !(a == b); }
};

/// x ≤ c exactly when at_most(x, y): the threshold moved by the tolerance, for counting by bins.
inline double at_most_cutoff(double y) noexcept {
    if (std::isinf(y)) return y;
    return std::min(y + comparison_tolerance(y), std::numeric_limits<double>::max());
}
/// x > c exactly when at_least(x, y), for y > −∞ (at_least(x, −∞) always holds).
inline double at_least_cutoff(double y) noexcept {
    if (std::isinf(y)) return std::nextafter(y, -std::numeric_limits<double>::infinity());
    return std::nextafter(std::max(y - comparison_tolerance(y), -std::numeric_limits<double>::max()),
                          -std::numeric_limits<double>::infinity());
}

/// Paired outputs (two models run on the same trials, as a comparison runs them): of n trials,
/// those where a ≤ cutoff but not b, and b ≤ cutoff but not a. The paired difference of two
/// indicators follows from these two counts. On the dispatched instruction set.
struct paired_changes {
    std::uint64_t a_only = 0, b_only = 0;
};
paired_changes paired_changes_at_most(const double* a, const double* b, std::size_t n, double cutoff) noexcept;
/// out[i] = b[i] − a[i] where both are finite, +inf where either is not; on the dispatched
/// instruction set.
void paired_differences(const double* a, const double* b, std::size_t n, double* out) noexcept;

namespace detail {
/// An output's moments as chunks are merged: count, finite count, exact sums of the finite
/// values' chunk means and squares, extremes, and whether every finite value is an integer.
/// Each chunk's mean and sum of squared deviations (m2) come from the dispatched kernel; the
/// chunks are combined exactly (exact_sum.hpp): Σ nᵢ·meanᵢ and Σ (m2ᵢ + nᵢ·meanᵢ²). Integer
/// sums do not depend on order, so chunks and whole states (other threads, ranks, a
/// checkpoint) fold in any order with the same bits, and the mean and variance are read by
/// rounding once: mean = Σ nᵢ·meanᵢ / n, m2 = Σ (m2ᵢ + nᵢ·meanᵢ²) − n·mean².
struct running_moments {
    std::uint64_t count = 0, finite = 0;
    exact_sum sum, squares;
    /// The sum of chunk means or m2 past the double range (±inf, or NaN if both signs): a sum
    /// of non-finite values is the same in any order. 0 when there are none.
    double overflow = 0;
    double min = std::numeric_limits<double>::infinity();
    double max = -std::numeric_limits<double>::infinity();
    bool integral = true;

    /// Folds a chunk's moments in, in any order.
    template <class Chunk>
    void fold(const Chunk& c) {
        if (c.count == 0) return;
        min = std::min(min, c.min);
        max = std::max(max, c.max);
        count += c.count;
        integral = integral && c.integral;
        if (c.finite) {
            finite += c.finite;
            if (std::isfinite(c.mean) && std::isfinite(c.m2)) {
                sum.add(c.mean, c.finite, 1);
                squares.add(c.mean, c.finite, 2);
                squares.add(c.m2, 1, 1);
            } else {
                overflow += std::isfinite(c.mean) ? c.m2 : c.mean;
            }
        }
    }
    /// Adds another state's moments (of other trials), in any order.
    void add(const running_moments& o) {
        if (o.count == 0) return;
        count += o.count;
        finite += o.finite;
        sum.add(o.sum);
        squares.add(o.squares);
        overflow += o.overflow;
        min = std::min(min, o.min);
        max = std::max(max, o.max);
        integral = integral && o.integral;
    }
    /// Mean of the finite values (0 if none).
    double mean() const {
        if (overflow != 0 || std::isnan(overflow)) return overflow;
        if (finite == 0) return 0.0;
        return ratio_to_double(sum.units(), big_integer(finite) << exact_sum::scale_bits);
    }
    /// Variance of the finite values (divisor n − 1; 0 below two values).
    double variance() const {
        if (overflow != 0 || std::isnan(overflow)) return std::fabs(overflow);
        if (finite < 2) return 0.0;
        const big_integer n = finite;
        const big_integer m2_units = squares.units() * n * (big_integer(1) << exact_sum::scale_bits) - sum.units() * sum.units();
        return ratio_to_double(m2_units, n * (n - 1) << (2 * exact_sum::scale_bits));
    }
    void save(byte_writer& w) const {
        w.u64(count);
        w.u64(finite);
        w.integer(sum.units());
        w.integer(squares.units());
        w.f64(overflow);
        w.f64(min);
        w.f64(max);
        w.u8(integral ? 1 : 0);
    }
    void load(byte_reader& r) {
        count = r.u64();
        finite = r.u64();
        sum.set_units(r.integer());
        squares.set_units(r.integer());
        overflow = r.f64();
        min = r.f64();
        max = r.f64();
        integral = r.u8() != 0;
        if (finite > count) r.fail("more finite values than values");
    }
};
}  // namespace detail

class output_statistics {
public:
    /// What one chunk of trials contributes, to be merged in chunk order: the moments (their
    /// floating-point sums depend on order) and, while the pilot is open, the raw values.
    struct chunk {
        struct column {
            std::uint64_t count = 0, finite = 0;
            double mean = 0, m2 = 0;
            double min = std::numeric_limits<double>::infinity();
            double max = -std::numeric_limits<double>::infinity();
            bool integral = true;        ///< every finite value is an integer
            std::vector<double> values;  ///< empty when binned into a partial
        };
        std::vector<column> columns;
    };

    /// A worker's own bin tallies (see runner.hpp): order-independent, so they are added into
    /// the sink at the end of a run in any order with the same result.
    struct partial {
        const void* bins = nullptr;  ///< the published bin set the tallies belong to
        std::vector<bin_tally> tallies;
        /// Values not yet binned (rows × outputs, the first `waiting` rows): binning several
        /// chunks at once brings each output's bins into cache once for all of them.
        Eigen::ArrayXXd pending;
        Eigen::Index waiting = 0;
    };
    /// Values a partial keeps before binning them.
    static constexpr Eigen::Index binning_rows = 8192;

    /// `pilot` values per output are kept exactly before quantile bins are chosen (see
    /// binned_quantiles.hpp): runs of up to `pilot` trials have exact quantiles.
    explicit output_statistics(std::size_t outputs, std::vector<output_config> config = {},
                               std::size_t pilot = binned_quantiles::default_pilot)
        : config_(std::move(config)) {
        config_.resize(outputs);
        columns_.reserve(outputs);
        for (std::size_t j = 0; j < outputs; ++j) {
            // Threshold counts come from the bins, so every threshold's cutoff is a bin edge.
            std::vector<double> cutpoints;
            for (double y : config_[j].at_most_thresholds) cutpoints.push_back(at_most_cutoff(y));
            for (double y : config_[j].at_least_thresholds) cutpoints.push_back(at_least_cutoff(y));
            columns_.emplace_back(pilot, std::move(cutpoints));
        }
    }
    output_statistics(const output_statistics& o) : config_(o.config_), columns_(o.columns_) { republish(); }
    output_statistics(output_statistics&& o) noexcept : config_(std::move(o.config_)), columns_(std::move(o.columns_)) {
        republish();
    }
    output_statistics& operator=(output_statistics o) noexcept {
        config_ = std::move(o.config_);
        columns_ = std::move(o.columns_);
        republish();
        return *this;
    }
    ~output_statistics() = default;

    std::size_t outputs() const noexcept { return columns_.size(); }

    /// Digests a block of outputs (trials × outputs), raw values included. Thread-safe.
    chunk summarize(const Eigen::Ref<const Eigen::ArrayXXd>& block) const {
        chunk c = describe(block);
        for (std::size_t j = 0; j < columns_.size(); ++j) {
            const double* x = block.col(static_cast<Eigen::Index>(j)).data();
            c.columns[j].values.assign(x, x + block.rows());
        }
        return c;
    }

    /// Like summarize(block), but once the bins are chosen the values go into `p` instead of
    /// the digest. Thread-safe for distinct partials.
    chunk summarize(const Eigen::Ref<const Eigen::ArrayXXd>& block, partial& p) const {
        const bin_set* set = published_.load(std::memory_order_acquire);
        if (!set) return summarize(block);
        chunk c = describe(block);
        if (p.bins != set) {
            p.bins = set;
            p.tallies.resize(set->size());
            for (std::size_t j = 0; j < set->size(); ++j) p.tallies[j].assign((*set)[j]->bin_count(), quantile_bin{});
            p.pending.resize(binning_rows, block.cols());
            p.waiting = 0;
        }
        const Eigen::Index rows = block.rows();
        if (rows > binning_rows) {
            bin(p, block);
        } else {
            if (p.waiting + rows > binning_rows) bin_pending(p);
            p.pending.middleRows(p.waiting, rows) = block;
            p.waiting += rows;
        }
        return c;
    }

    partial make_partial() const { return {}; }

    /// Moments, extremes and integrality of every column of `block`, which must have `outputs`
    /// columns and no NaN (`who` names the sink in the error).
    static chunk describe(const Eigen::Ref<const Eigen::ArrayXXd>& block, std::size_t outputs, const char* who) {
        if (static_cast<std::size_t>(block.cols()) != outputs)
            throw usage_error(std::string(who) + ": model returned " + std::to_string(block.cols()) + " outputs, expected " +
                              std::to_string(outputs));
        chunk c;
        c.columns.resize(outputs);
        const auto n = static_cast<std::size_t>(block.rows());
        for (std::size_t j = 0; j < outputs; ++j) {
            describe_column(block.col(static_cast<Eigen::Index>(j)).data(), n, c.columns[j]);
            if (c.columns[j].count != n) throw error(std::string(who) + ": output " + std::to_string(j) + " is NaN");
        }
        return c;
    }
    /// The moments part of an output_summary: count, non_finite, mean, sd, min, max.
    static output_summary moment_summary(const detail::running_moments& s) {
        output_summary out;
        out.count = s.count;
        out.non_finite = s.count - s.finite;
        out.mean = s.mean();
        out.sd = std::sqrt(s.variance());
        out.min = s.count ? s.min : 0.0;
        out.max = s.count ? s.max : 0.0;
        return out;
    }

    /// Count, finite count, sum-based mean and m2, extremes and integrality of x[0 … n − 1], on
    /// the dispatched instruction set (src/kernels/statistics-inl.hpp). Eight accumulators
    /// (value i goes to accumulator i mod 8) folded in a fixed order, so the sums are the same
    /// on every target; count is the number of non-NaN values.
    static void describe_column(const double* x, std::size_t n, chunk::column& c) noexcept;

    /// Adds a partial's tallies (after the chunks it holds have been merged).
    void absorb(partial&& p) {
        if (!p.bins) return;
        if (p.bins != published_.load(std::memory_order_relaxed))
            throw usage_error("output_statistics: a partial from another statistics object");
        bin_pending(p);
        for (std::size_t j = 0; j < columns_.size(); ++j) columns_[j].quantiles.absorb(p.tallies[j]);
        p.bins = nullptr;
    }

    /// Folds a chunk in. Call in chunk order for results that do not depend on scheduling.
    void merge(chunk&& c) {
        for (std::size_t j = 0; j < columns_.size(); ++j) {
            auto& s = columns_[j];
            auto& col = c.columns[j];
            if (col.count == 0) continue;
            s.fold(col);
            if (!col.values.empty()) s.quantiles.add(col.values.data(), col.values.size());
        }
        // Chunks merge in order, so the pilot closes after the same chunk for any thread count.
        if (!published_.load(std::memory_order_relaxed) && !columns_.empty() && columns_[0].quantiles.pilot_full()) {
            for (auto& s : columns_) s.quantiles.close_pilot();
            republish();
        }
    }

    /// Adds the statistics of other trials (another rank's, say): with the same outputs and
    /// configuration, and the same quantile bins once chosen (or either one empty). Every part
    /// is a sum, a count, a min or a max, so the result does not depend on the order of adding:
    /// it is what one sink would hold had it seen both sets of trials.
    void add(const output_statistics& o) {
        if (o.config_ != config_) throw usage_error("output_statistics::add: statistics of other outputs or thresholds");
        if (o.count() == 0) return;
        for (std::size_t j = 0; j < columns_.size(); ++j) columns_[j].quantiles.check_addable(o.columns_[j].quantiles);
        for (std::size_t j = 0; j < columns_.size(); ++j) {
            columns_[j].add(o.columns_[j]);
            columns_[j].quantiles.add(o.columns_[j].quantiles);
        }
        republish();
    }
    /// Forgets every trial, keeping the configuration and the quantile bins if chosen: a rank
    /// that computed the pilot to learn the bins, which another rank counts.
    void clear_counts() {
        for (auto& s : columns_) {
            static_cast<detail::running_moments&>(s) = detail::running_moments{};
            s.quantiles.clear_counts();
        }
    }

    /// The whole state as bytes (state_bytes.hpp), read back by load(): configuration, moments,
    /// the pilot or the bins and their tallies. Call between runs, not during one.
    void save(byte_writer& w) const {
        w.u64(columns_.size());
        for (std::size_t j = 0; j < columns_.size(); ++j) {
            w.f64s(config_[j].at_most_thresholds);
            w.f64s(config_[j].at_least_thresholds);
            w.f64(config_[j].grid_step);
            columns_[j].save(w);
            columns_[j].quantiles.save(w);
        }
    }
    static output_statistics load(byte_reader& r) {
        const std::uint64_t outputs = r.length(8);
        std::vector<output_config> config(outputs);
        output_statistics stats(outputs, {});
        for (std::size_t j = 0; j < outputs; ++j) {
            config[j].at_most_thresholds = r.f64s();
            config[j].at_least_thresholds = r.f64s();
            config[j].grid_step = r.f64();
            auto& s = stats.columns_[j];
            s.load(r);
            s.quantiles.load(r);
            if (s.quantiles.count() != s.count) r.fail("output " + std::to_string(j) + "'s quantiles count other values than its moments");
            if (s.count != stats.columns_[0].count) r.fail("outputs with different numbers of values");
        }
        bool binned = outputs && stats.columns_[0].quantiles.binned();
        for (const auto& s : stats.columns_)
            if (s.quantiles.binned() != binned) r.fail("outputs of which some are binned and some not");
        stats.config_ = std::move(config);
        stats.republish();
        return stats;
    }
    /// The configuration the statistics were made with.
    const std::vector<output_config>& config() const noexcept { return config_; }

    /// Mean of output j's finite values over the chunks merged so far. Unlike the threshold
    /// counts, which include workers' partials only once a run ends, it is current during a
    /// run (progress displays use it).
    double merged_mean(std::size_t j) const { return columns_.at(j).mean(); }
    /// Likewise the variance (divisor n − 1; 0 below two values) and the count of finite values.
    double merged_variance(std::size_t j) const { return columns_.at(j).variance(); }
    std::uint64_t merged_finite_count(std::size_t j) const { return columns_.at(j).finite; }

    /// Trials merged so far, and output j's threshold counts, without the cost of a summary.
    std::uint64_t count() const noexcept { return columns_.empty() ? 0 : columns_[0].count; }
    std::vector<std::uint64_t> at_most_counts(std::size_t j) const {
        const auto& s = columns_.at(j);
        std::vector<std::uint64_t> out;
        for (double y : config_[j].at_most_thresholds) out.push_back(s.quantiles.count_at_most(at_most_cutoff(y)));
        return out;
    }
    std::vector<std::uint64_t> at_least_counts(std::size_t j) const {
        const auto& s = columns_.at(j);
        std::vector<std::uint64_t> out;
        for (double y : config_[j].at_least_thresholds)
            out.push_back(y == -std::numeric_limits<double>::infinity() ? s.quantiles.count()
                                                                        : s.quantiles.count() - s.quantiles.count_at_most(at_least_cutoff(y)));
        return out;
    }

    /// Bytes kept for quantiles (pilots, bins, tallies): flat once the pilot has closed.
    std::size_t retained_bytes() const noexcept {
        std::size_t bytes = 0;
        for (const auto& s : columns_) bytes += s.quantiles.retained_bytes();
        return bytes;
    }

    /// Summary of output j.
    output_summary summary(std::size_t j) const {
        const auto& s = columns_.at(j);
        output_summary out = moment_summary(s);
        out.at_most_counts = at_most_counts(j);
        out.at_least_counts = at_least_counts(j);
        if (s.count == 0) return out;
        const auto items = s.quantiles.items();
        std::uint64_t error = 0;
        for (std::size_t q = 0; q < standard_percentiles.size(); ++q) {
            // Lower empirical quantile: rank ⌈p·N⌉, computed in integers to avoid rounding.
            const std::uint64_t rank = std::max<std::uint64_t>(
                1, (static_cast<std::uint64_t>(standard_percentiles[q]) * s.count + 99) / 100);
            const auto [x, e] = binned_quantiles::value_at_rank(items, rank);
            out.quantiles[q] = x;
            error = std::max(error, e);
        }
        out.rank_error = double(error) / double(s.count);
        build_histogram(items, s.integral, config_[j].grid_step, out);
        return out;
    }

private:
    /// Bins every column of `block` into p's tallies.
    void bin(partial& p, const Eigen::Ref<const Eigen::ArrayXXd>& block) const {
        const auto& set = *static_cast<const bin_set*>(p.bins);
        for (std::size_t j = 0; j < columns_.size(); ++j)
            set[j]->add(block.col(static_cast<Eigen::Index>(j)).data(), static_cast<std::size_t>(block.rows()), p.tallies[j]);
    }
    void bin_pending(partial& p) const {
        if (p.waiting) bin(p, p.pending.topRows(p.waiting));
        p.waiting = 0;
    }

    using bin_set = std::vector<const quantile_bins*>;

    struct column_state : detail::running_moments {
        column_state(std::size_t pilot, std::vector<double> cutpoints) : quantiles(pilot, std::move(cutpoints)) {}
        binned_quantiles quantiles;
    };

    chunk describe(const Eigen::Ref<const Eigen::ArrayXXd>& block) const {
        return describe(block, columns_.size(), "output_statistics");
    }

    /// Points summarize() at the columns' bins, once they exist.
    void republish() {
        if (columns_.empty() || !columns_[0].quantiles.binned()) {
            set_.reset();
        } else {
            auto set = std::make_unique<bin_set>();
            for (const auto& s : columns_) set->push_back(s.quantiles.bins());
            set_ = std::move(set);
        }
        published_.store(set_.get(), std::memory_order_release);
    }

    /// Bins of the finite values, chosen by their shape (docs/statistics.md):
    /// - on a grid of step g (`grid_step`, or 1 for integer values below 2^53, beyond which every
    ///   double is an integer): one bin per grid value, centred on it, or
    ///   k grid values per bin when there are more than 100 of them, so no bin falls between
    ///   grid values (a comb of empty bins);
    /// - positive values spanning more than two decades (at least half the finite values): 40
    ///   log-spaced bins, so the bulk is not squeezed into the first bin;
    /// - otherwise 40 equal bins from min to max.
    /// Each item's count goes to the bin holding its max: exact while the pilot is open, and
    /// exact up to the width of a quantile bin at each edge after.
    static void build_histogram(const std::vector<binned_quantiles::item>& items, bool integral, double grid_step,
                                output_summary& out) {
        constexpr std::size_t equal_bins = 40, most_grid_bins = 100;
        double lo = std::numeric_limits<double>::infinity(), hi = -lo, lowest_positive = lo;
        std::uint64_t finite = 0, positive = 0;
        for (const auto& it : items)
            if (std::isfinite(it.max)) {
                lo = std::min(lo, it.min);
                hi = std::max(hi, it.max);
                finite += it.count;
                if (it.max > 0) {
                    positive += it.count;
                    lowest_positive = std::min(lowest_positive, it.min > 0 ? it.min : it.max);
                }
            }
        if (!(lo <= hi)) return;  // no finite values
        constexpr double every_double_integral = 9007199254740992.0;  // 2^53
        if (grid_step <= 0 && integral && std::max(-lo, hi) < every_double_integral) grid_step = 1;
        auto& edges = out.histogram_edges;
        if (grid_step > 0) {
            // Values lo + i·g, i = 0 … values − 1, k to a bin.
            const double values = std::floor((hi - lo) / grid_step + 0.5) + 1;
            const double per_bin = values <= double(most_grid_bins) ? 1 : std::ceil(values / double(equal_bins));
            const auto bins = static_cast<std::size_t>(std::ceil(values / per_bin));
            const double first_edge = lo - grid_step / 2, width = per_bin * grid_step;
            edges.resize(bins + 1);
            for (std::size_t b = 0; b <= bins; ++b) edges[b] = first_edge + width * double(b);
            out.histogram_grid_step = grid_step;
        } else if (lo == hi) {
            edges = {lo, hi};
        } else if (lowest_positive < std::numeric_limits<double>::infinity() && hi > 100 * lowest_positive &&
                   2 * positive >= finite) {
            // Powers of the ratio through special::exp and log: the same edges on every machine.
            const double log_ratio = special::log(hi / lowest_positive);
            edges.resize(equal_bins + 1);
            for (std::size_t b = 0; b <= equal_bins; ++b)
                edges[b] = lowest_positive * special::exp(log_ratio * double(b) / double(equal_bins));
            edges.front() = lowest_positive;
            edges.back() = hi;
            out.histogram_log = true;
        } else {
            const double width = (hi - lo) / double(equal_bins);
            edges.resize(equal_bins + 1);
            for (std::size_t b = 0; b <= equal_bins; ++b) edges[b] = lo + width * double(b);
            edges.back() = hi;
        }
        const std::size_t bins = edges.size() - 1;
        out.histogram_counts.assign(bins, 0);
        for (const auto& it : items) {
            if (!std::isfinite(it.max)) continue;
            if (out.histogram_log && !(it.max > 0)) {
                out.histogram_nonpositive += it.count;
                continue;
            }
            // Bin b holds [edge b, edge b + 1); the last bin is closed.
            const auto above = std::upper_bound(edges.begin(), edges.end(), it.max);
            const auto b = static_cast<std::size_t>(std::max<std::ptrdiff_t>(above - edges.begin() - 1, 0));
            out.histogram_counts[std::min(b, bins - 1)] += it.count;
        }
    }

    std::vector<output_config> config_;
    std::vector<column_state> columns_;
    std::unique_ptr<const bin_set> set_;               // owned; immutable once published
    std::atomic<const bin_set*> published_{nullptr};   // read by summarize on worker threads
};

/// A light sink: each output's count, non-finite count, mean, sd, min and max, as
/// output_statistics computes them (the same kernel and merge), without quantiles, histograms
/// or threshold counts, for outputs that need only their moments.
class moment_statistics {
public:
    using chunk = output_statistics::chunk;  // its columns' `values` stay empty
    explicit moment_statistics(std::size_t outputs) : columns_(outputs) {}
    std::size_t outputs() const noexcept { return columns_.size(); }

    /// Digests a block (trials × outputs). Thread-safe.
    chunk summarize(const Eigen::Ref<const Eigen::ArrayXXd>& block) const {
        return output_statistics::describe(block, columns_.size(), "moment_statistics");
    }
    /// Folds a chunk in; call in chunk order.
    void merge(chunk&& c) {
        for (std::size_t j = 0; j < columns_.size(); ++j) columns_[j].fold(c.columns[j]);
    }
    /// Count, non_finite, mean, sd, min and max of output j (the rest of the summary is empty).
    output_summary summary(std::size_t j) const { return output_statistics::moment_summary(columns_.at(j)); }

    /// Adds the moments of other trials, in any order (see output_statistics::add).
    void add(const moment_statistics& o) {
        if (o.columns_.size() != columns_.size()) throw usage_error("moment_statistics::add: another number of outputs");
        for (std::size_t j = 0; j < columns_.size(); ++j) columns_[j].add(o.columns_[j]);
    }
    void clear_counts() {
        for (auto& c : columns_) c = detail::running_moments{};
    }
    void save(byte_writer& w) const {
        w.u64(columns_.size());
        for (const auto& c : columns_) c.save(w);
    }
    static moment_statistics load(byte_reader& r) {
        moment_statistics m(r.length(8));
        for (auto& c : m.columns_) c.load(r);
        return m;
    }

private:
    std::vector<detail::running_moments> columns_;
};

}  // namespace fabrisk
