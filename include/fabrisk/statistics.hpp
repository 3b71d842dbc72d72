#pragma once
/// \file statistics.hpp
/// Streaming statistics over the outputs of a run: moments, extremes, quantiles (through
/// quantile_sketch), histograms, threshold counts and proportions with Wilson intervals.
///
/// `output_statistics` is the runner's default sink. Its work is split in two so results never
/// depend on scheduling: `summarize` digests one chunk of trials (in parallel, on any thread)
/// and `merge` folds chunk digests in chunk order (on one thread at a time).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "fabrisk/error.hpp"
#include "fabrisk/quantile_sketch.hpp"

namespace fabrisk {

/// z for a two-sided 95% interval, as MODEL.md §5 states it.
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

/// 1e-9·max(1, |y|): the tolerance of MODEL.md §4 for "≥" and "≤".
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

/// Final statistics of one output.
struct output_summary {
    std::uint64_t count = 0;        ///< trials
    std::uint64_t non_finite = 0;   ///< trials whose value is ±inf
    double mean = 0, sd = 0;        ///< over the finite values (sd with divisor n − 1)
    double min = 0, max = 0;        ///< over all values (may be ±inf)
    std::array<double, standard_percentiles.size()> quantiles{};  ///< lower empirical quantiles
    std::vector<double> histogram_edges;       ///< of the finite values
    std::vector<std::uint64_t> histogram_counts;
    std::vector<std::uint64_t> at_most_counts;   ///< per configured threshold: values ≤ it
    std::vector<std::uint64_t> at_least_counts;  ///< per configured threshold: values ≥ it
    double rank_error = 0;  ///< bound on the quantiles' rank error as a share of count (0: exact)
};

/// Which extra counts to keep for an output: how many values are ≤, and how many ≥, each
/// threshold (within the model's tolerance). Counts are exact, whatever the trial count.
struct output_config {
    std::vector<double> at_most_thresholds;
    std::vector<double> at_least_thresholds;
};

class output_statistics {
public:
    /// What one chunk of trials contributes.
    struct chunk {
        struct column {
            std::vector<double> sorted;
            std::uint64_t finite = 0;
            double mean = 0, m2 = 0;
            std::vector<std::uint64_t> at_most, at_least;
        };
        std::vector<column> columns;
    };

    explicit output_statistics(std::size_t outputs, std::vector<output_config> config = {},
                               std::size_t sketch_capacity = quantile_sketch::default_capacity)
        : config_(std::move(config)) {
        config_.resize(outputs);
        columns_.reserve(outputs);
        for (std::size_t j = 0; j < outputs; ++j) {
            columns_.emplace_back(sketch_capacity);
            columns_[j].at_most.assign(config_[j].at_most_thresholds.size(), 0);
            columns_[j].at_least.assign(config_[j].at_least_thresholds.size(), 0);
        }
    }

    std::size_t outputs() const noexcept { return columns_.size(); }

    /// Digests a block of outputs (trials × outputs). Thread-safe: reads only configuration.
    chunk summarize(const Eigen::Ref<const Eigen::ArrayXXd>& block) const {
        if (static_cast<std::size_t>(block.cols()) != columns_.size())
            throw usage_error("output_statistics: model returned " + std::to_string(block.cols()) +
                              " outputs, expected " + std::to_string(columns_.size()));
        chunk c;
        c.columns.resize(columns_.size());
        for (std::size_t j = 0; j < columns_.size(); ++j) {
            auto& col = c.columns[j];
            const auto values = block.col(static_cast<Eigen::Index>(j));
            col.sorted.assign(values.data(), values.data() + values.size());
            for (double x : col.sorted)
                if (std::isnan(x)) throw error("output_statistics: output " + std::to_string(j) + " is NaN");
            std::sort(col.sorted.begin(), col.sorted.end());
            double sum = 0;
            for (double x : col.sorted)
                if (std::isfinite(x)) {
                    sum += x;
                    ++col.finite;
                }
            if (col.finite) {
                col.mean = sum / double(col.finite);
                for (double x : col.sorted)
                    if (std::isfinite(x)) col.m2 += (x - col.mean) * (x - col.mean);
            }
            const auto& thresholds = config_[j].at_most_thresholds;
            col.at_most.resize(thresholds.size());
            for (std::size_t t = 0; t < thresholds.size(); ++t)
                col.at_most[t] = static_cast<std::uint64_t>(
                    std::upper_bound(col.sorted.begin(), col.sorted.end(), thresholds[t],
                                     [](double y, double x) { return !at_most(x, y); }) -
                    col.sorted.begin());
            const auto& lows = config_[j].at_least_thresholds;
            col.at_least.resize(lows.size());
            for (std::size_t t = 0; t < lows.size(); ++t)
                col.at_least[t] = static_cast<std::uint64_t>(
                    col.sorted.end() - std::partition_point(col.sorted.begin(), col.sorted.end(),
                                                            [&](double x) { return !at_least(x, lows[t]); }));
        }
        return c;
    }

    /// Folds a chunk in. Call in chunk order for results that do not depend on scheduling.
    void merge(chunk&& c) {
        for (std::size_t j = 0; j < columns_.size(); ++j) {
            auto& s = columns_[j];
            auto& col = c.columns[j];
            if (col.sorted.empty()) continue;
            s.min = std::min(s.min, col.sorted.front());
            s.max = std::max(s.max, col.sorted.back());
            s.count += col.sorted.size();
            if (col.finite) {
                // Chan et al.'s pairwise update of mean and sum of squared deviations.
                const double n_a = double(s.finite), n_b = double(col.finite), n = n_a + n_b;
                const double delta = col.mean - s.mean;
                s.mean += delta * n_b / n;
                s.m2 += col.m2 + delta * delta * n_a * n_b / n;
                s.finite += col.finite;
            }
            for (std::size_t t = 0; t < s.at_most.size(); ++t) s.at_most[t] += col.at_most[t];
            for (std::size_t t = 0; t < s.at_least.size(); ++t) s.at_least[t] += col.at_least[t];
            s.sketch.insert_sorted(col.sorted.data(), col.sorted.data() + col.sorted.size());
        }
    }

    /// Trials merged so far, and output j's threshold counts, without the cost of a summary.
    std::uint64_t count() const noexcept { return columns_.empty() ? 0 : columns_[0].count; }
    const std::vector<std::uint64_t>& at_most_counts(std::size_t j) const { return columns_.at(j).at_most; }
    const std::vector<std::uint64_t>& at_least_counts(std::size_t j) const { return columns_.at(j).at_least; }

    /// Summary of output j.
    output_summary summary(std::size_t j) const {
        const auto& s = columns_.at(j);
        output_summary out;
        out.count = s.count;
        out.non_finite = s.count - s.finite;
        out.mean = s.mean;
        out.sd = s.finite > 1 ? std::sqrt(s.m2 / double(s.finite - 1)) : 0.0;
        out.min = s.count ? s.min : 0.0;
        out.max = s.count ? s.max : 0.0;
        out.at_most_counts = s.at_most;
        out.at_least_counts = s.at_least;
        out.rank_error = s.count ? double(s.sketch.rank_error()) / double(s.count) : 0.0;
        if (s.count == 0) return out;
        const auto items = s.sketch.weighted_items();
        for (std::size_t q = 0; q < standard_percentiles.size(); ++q) {
            // Lower empirical quantile: rank ⌈p·N⌉, computed in integers to avoid rounding.
            const std::uint64_t rank = std::max<std::uint64_t>(
                1, (static_cast<std::uint64_t>(standard_percentiles[q]) * s.count + 99) / 100);
            out.quantiles[q] = quantile_sketch::value_at_rank(items, rank);
        }
        build_histogram(items, out);
        return out;
    }

private:
    struct column_state {
        explicit column_state(std::size_t capacity) : sketch(capacity) {}
        quantile_sketch sketch;
        std::uint64_t count = 0, finite = 0;
        double mean = 0, m2 = 0;
        double min = std::numeric_limits<double>::infinity();
        double max = -std::numeric_limits<double>::infinity();
        std::vector<std::uint64_t> at_most, at_least;
    };

    static void build_histogram(const std::vector<std::pair<double, std::uint64_t>>& items, output_summary& out) {
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        bool integral = true;
        for (const auto& [x, w] : items)
            if (std::isfinite(x)) {
                lo = std::min(lo, x);
                hi = std::max(hi, x);
                integral = integral && x == std::floor(x);
            }
        if (!(lo <= hi)) return;  // no finite values
        std::size_t bins;
        double first_edge, width;
        if (integral && hi - lo <= 100) {
            // One bin per integer value, centred on it.
            bins = static_cast<std::size_t>(hi - lo) + 1;
            first_edge = lo - 0.5;
            width = 1.0;
        } else if (lo == hi) {
            bins = 1;
            first_edge = lo;
            width = 0.0;
        } else {
            bins = 40;
            first_edge = lo;
            width = (hi - lo) / double(bins);
        }
        out.histogram_edges.resize(bins + 1);
        for (std::size_t b = 0; b <= bins; ++b) out.histogram_edges[b] = first_edge + width * double(b);
        if (width > 0 && !(integral && hi - lo <= 100)) out.histogram_edges[bins] = hi;
        out.histogram_counts.assign(bins, 0);
        for (const auto& [x, w] : items) {
            if (!std::isfinite(x)) continue;
            std::size_t b = width > 0 ? static_cast<std::size_t>((x - first_edge) / width) : 0;
            out.histogram_counts[std::min(b, bins - 1)] += w;
        }
    }

    std::vector<output_config> config_;
    std::vector<column_state> columns_;
};

}  // namespace fabrisk
