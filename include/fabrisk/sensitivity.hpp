#pragma once
/// \file sensitivity.hpp
/// Variance-based (Sobol) sensitivity indices of one output of any engine model, for named
/// groups of its uniform dimensions: the first-order index (the share of the output's variance
/// a group explains alone) and the total index (the share it takes part in, interactions
/// included), each with a bootstrap percentile interval.
///
///     std::vector<fabrisk::input_group> groups{{"x1", {0}}, {"x2+x3", {1, 2}}};
///     fabrisk::sobol_options o;
///     o.base_trials = 10'000;   // N: the model runs N·(groups + 2) times
///     o.output = 0;             // which output column to explain
///     fabrisk::sobol_result r = fabrisk::sobol_indices(my_model, groups, o);
///     double s = r.groups[0].first.estimate, st = r.groups[0].total.estimate;
///
/// Design (pick-freeze). Base trial j takes trial j of 2·D streams: the first D uniforms, A_j,
/// from the model's own streams (stream_ids_of), the last D, B_j, from a second stream per
/// input (resample_stream_id), so a run's A matrix holds the trials of a plain run. The model
/// runs on A, on B and, for each group i, on
/// A_B^i (A with the group's columns taken from B). With f centred by c, the pooled mean of
/// f(A) and f(B), and V their pooled variance (divisor 2N):
///
///     S_i  = (1/N)  Σ_j f(B_j) · (f(A_B^i)_j − f(A_j)) / V      Saltelli et al. (2010)
///     ST_i = (1/2N) Σ_j (f(A_j) − f(A_B^i)_j)²          / V      Jansen (1999)
///
/// Centring changes neither estimator's expectation, but the Saltelli numerator's variance
/// grows with the square of the mean, so centring keeps it small for outputs such as
/// installed FLOP/s whose mean is large beside their spread.
///
/// Intervals: the N base rows are resampled with replacement (a fixed bootstrap seed, resample
/// r drawn from its own addressed stream) and both indices recomputed from stored per-row
/// terms; the interval is the percentile interval of the resampled indices.
///
/// Reproducibility: the model runs on the runner's fixed chunks, so results depend only on
/// (seed, N, bootstrap seed and resamples) and are bit-identical for any thread count.
/// Memory: about 8·(3·groups + 4)·N bytes.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <pcg_random.hpp>

#include "fabrisk/error.hpp"
#include "fabrisk/input_group.hpp"
#include "fabrisk/model_concept.hpp"
#include "fabrisk/random_stream.hpp"
#include "fabrisk/communicator.hpp"
#include "fabrisk/runner.hpp"
#include "fabrisk/segmented_run.hpp"
#include "fabrisk/state_bytes.hpp"

namespace fabrisk {

/// The bootstrap seed used unless another is given: fixed, so intervals are reproducible.
inline constexpr std::uint64_t sobol_bootstrap_seed = 0x5eedb007;

struct sobol_options {
    std::uint64_t base_trials = 0;  ///< N, the base trials; the model runs N·(groups + 2) times
    std::uint64_t seed = default_seed;
    unsigned threads = 0;             ///< 0: one per hardware thread; results do not depend on it
    std::size_t output = 0;           ///< the output column to explain
    unsigned bootstrap_resamples = 500;
    std::uint64_t bootstrap_seed = sobol_bootstrap_seed;
    double confidence = 0.95;         ///< of the percentile intervals
    /// Ranks to split the model runs over (null or one rank: this process alone). Each runs an
    /// even share of the base rows; rank 0 gathers them, computes the indices and the
    /// bootstrap and returns them, the others an empty result. The same bits for any ranks.
    communicator* comm = nullptr;
};

/// An index, its bootstrap percentile interval [lo, hi], and the bootstrap standard error.
struct sobol_estimate {
    double estimate = 0, lo = 0, hi = 0, standard_error = 0;
};

struct sobol_group_result {
    std::string name;
    std::size_t dimensions = 0;
    sobol_estimate first, total;
};

/// Indices for every group, in the order the groups were given. When the output does not
/// vary (variance 0) the indices and their intervals are NaN: there is nothing to apportion.
struct sobol_result {
    std::uint64_t base_trials = 0, seed = 0, model_runs = 0;
    std::size_t output = 0;
    double mean = 0, variance = 0;  ///< of the output, pooled over f(A) and f(B) (divisor 2N)
    unsigned bootstrap_resamples = 0;
    double confidence = 0;
    std::vector<sobol_group_result> groups;
};

/// Computes grouped first-order and total Sobol indices of column `options.output` of `model`
/// (see the file comment for the design and estimators). `groups` is any range of objects with
/// `name` and `dimensions` members (input_group, or a model's own group type). Throws
/// usage_error for N = 0, no groups, an empty group, a repeated group name, a dimension outside
/// [0, model.dimension()) or in two groups, an output column out of range, zero bootstrap
/// resamples, a confidence outside (0, 1), or an output that is not finite in some run.
template <class Model, class Groups>
sobol_result sobol_indices(const Model& model, const Groups& groups, const sobol_options& options);

/// The second stream of an input (pick-freeze's B matrix): the stream named "B/" and the
/// decimal stream id of the input's own.
inline std::uint64_t resample_stream_id(std::uint64_t id) { return stream_id("B/" + std::to_string(id)); }

namespace detail {

/// The pick-freeze design as an engine model: a trial of dimension 2·D (A then B) gives
/// groups + 2 outputs, f(A), f(B) and f(A_B^i) for each group, of one output column.
template <class Model>
class pick_freeze_model {
public:
    pick_freeze_model(const Model& model, std::vector<std::vector<int>> groups, std::size_t output)
        : model_(model), groups_(std::move(groups)), output_(static_cast<Eigen::Index>(output)) {}

    struct workspace {
        typename Model::workspace inner;
        Eigen::ArrayXXd design, out;
    };
    std::size_t dimension() const { return 2 * model_.dimension(); }
    /// A's columns draw from the model's own streams, B's from streams derived from them.
    std::vector<std::uint64_t> stream_ids() const {
        std::vector<std::uint64_t> ids = stream_ids_of(model_);
        const std::size_t d = ids.size();
        for (std::size_t i = 0; i < d; ++i) ids.push_back(resample_stream_id(ids[i]));
        return ids;
    }
    std::size_t output_count() const { return groups_.size() + 2; }
    workspace make_workspace() const { return workspace{model_.make_workspace(), {}, {}}; }

    void evaluate(const Eigen::Ref<const Eigen::ArrayXXd>& uniforms, Eigen::Ref<Eigen::ArrayXXd> outputs,
                  workspace& ws) const {
        const auto d = static_cast<Eigen::Index>(model_.dimension());
        ws.out.resize(uniforms.rows(), static_cast<Eigen::Index>(model_.output_count()));
        auto run = [&](const Eigen::Ref<const Eigen::ArrayXXd>& x, Eigen::Index column) {
            model_.evaluate(x, ws.out, ws.inner);
            outputs.col(column) = ws.out.col(output_);
        };
        run(uniforms.leftCols(d), 0);
        run(uniforms.rightCols(d), 1);
        for (std::size_t i = 0; i < groups_.size(); ++i) {
            ws.design = uniforms.leftCols(d);
            for (int dim : groups_[i]) ws.design.col(dim) = uniforms.col(d + dim);
            run(ws.design, static_cast<Eigen::Index>(i) + 2);
        }
    }

private:
    const Model& model_;
    std::vector<std::vector<int>> groups_;
    Eigen::Index output_;
};

/// A runner sink that keeps every trial's outputs, in trial order.
struct keep_all_sink {
    Eigen::ArrayXXd all;
    Eigen::Index filled = 0;
    Eigen::ArrayXXd summarize(const Eigen::ArrayXXd& block) const { return block; }
    void merge(Eigen::ArrayXXd&& chunk) {
        all.middleRows(filled, chunk.rows()) = chunk;
        filled += chunk.rows();
    }
};

/// The q-quantile (linear interpolation between order statistics, "type 7") of the finite
/// values; NaN if there are none.
inline double finite_quantile(std::vector<double> values, double q) {
    values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }), values.end());
    if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
    std::sort(values.begin(), values.end());
    const double h = q * static_cast<double>(values.size() - 1);
    const auto below = static_cast<std::size_t>(std::floor(h));
    const std::size_t above = std::min(below + 1, values.size() - 1);
    return values[below] + (h - static_cast<double>(below)) * (values[above] - values[below]);
}

inline double finite_sd(const std::vector<double>& values) {
    double n = 0, mean = 0, m2 = 0;
    for (double v : values)
        if (std::isfinite(v)) {
            n += 1;
            const double delta = v - mean;
            mean += delta / n;
            m2 += delta * (v - mean);
        }
    return n > 1 ? std::sqrt(m2 / (n - 1)) : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------

template <class Model, class Groups>
sobol_result sobol_indices(const Model& model, const Groups& groups, const sobol_options& options) {
    static_assert(check_model<Model>(), "fabrisk::sobol_indices: the first argument is not a model (model_concept.hpp)");
    const std::size_t dimension = model.dimension();
    if (options.base_trials == 0) throw usage_error("sobol_indices: the number of base trials must be at least 1");
    if (options.output >= model.output_count())
        throw usage_error("sobol_indices: output column " + std::to_string(options.output) +
                          " is out of range (the model has " + std::to_string(model.output_count()) + " outputs)");
    if (options.bootstrap_resamples == 0) throw usage_error("sobol_indices: bootstrap_resamples must be at least 1");
    if (!(options.confidence > 0 && options.confidence < 1))
        throw usage_error("sobol_indices: confidence must be in (0, 1), got " + std::to_string(options.confidence));

    std::vector<std::vector<int>> dims;
    std::vector<std::string> names;
    std::vector<int> owner(dimension, -1);
    std::set<std::string> seen_names;
    for (const auto& g : groups) {
        const std::string name = g.name;
        const int index = static_cast<int>(names.size());
        if (!seen_names.insert(name).second) throw usage_error("sobol_indices: group \"" + name + "\" is given twice");
        if (g.dimensions.empty()) throw usage_error("sobol_indices: group \"" + name + "\" has no dimensions");
        std::vector<int> d;
        for (const auto dim_value : g.dimensions) {
            const auto dim = static_cast<long long>(dim_value);
            if (dim < 0 || static_cast<unsigned long long>(dim) >= dimension)
                throw usage_error("sobol_indices: group \"" + name + "\": dimension " + std::to_string(dim) +
                                  " is out of range (the model has dimension " + std::to_string(dimension) + ")");
            int& o = owner[static_cast<std::size_t>(dim)];
            if (o >= 0)
                throw usage_error("sobol_indices: dimension " + std::to_string(dim) + " is in group \"" +
                                  (o == index ? name : names[static_cast<std::size_t>(o)]) + "\" and again in \"" +
                                  name + "\"; groups must not overlap");
            o = index;
            d.push_back(static_cast<int>(dim));
        }
        names.push_back(name);
        dims.push_back(std::move(d));
    }
    if (names.empty()) throw usage_error("sobol_indices: no input groups to analyse");

    const std::size_t k = names.size();
    const std::uint64_t n = options.base_trials;
    const auto rows = static_cast<Eigen::Index>(n);

    // The model runs: row j holds f(A_j), f(B_j), f(A_B^1)_j, ..., f(A_B^k)_j.
    const detail::pick_freeze_model<Model> design(model, dims, options.output);
    detail::keep_all_sink sink;
    const auto columns = static_cast<Eigen::Index>(k + 2);
    run_options run;
    run.seed = options.seed;
    run.threads = options.threads;
    if (options.comm && options.comm->size() > 1) {
        // Each rank its share of the rows, in whole chunks; rank 0 gathers every row (the
        // bootstrap resamples them all), each block as (first row, rows, values).
        communicator& comm = *options.comm;
        const std::uint64_t chunks = (n + chunk_trials - 1) / chunk_trials;
        const auto mine = segment_slice(0, chunks, static_cast<std::uint64_t>(comm.rank()), static_cast<std::uint64_t>(comm.size()), n);
        sink.all.resize(static_cast<Eigen::Index>(mine.last - mine.first), columns);
        run.first_trial = mine.first;
        run.trials = mine.last - mine.first;
        if (run.trials) fabrisk::run(design, sink, run);
        byte_writer block;
        block.u64(mine.first);
        block.u64(run.trials);
        for (Eigen::Index j = 0; j < sink.all.rows(); ++j)
            for (Eigen::Index c = 0; c < columns; ++c) block.f64(sink.all(j, c));
        const std::string gathered =
            comm.reduce(block.take(), [](const std::string& a, const std::string& b) { return a + b; });
        if (comm.rank() != 0) return {};
        sink.all.resize(rows, columns);
        byte_reader r(gathered, "the ranks' model runs");
        std::uint64_t received = 0;
        while (!r.at_end()) {
            const std::uint64_t first = r.u64(), count = r.u64();
            if (first + count > n) r.fail("rows past the base trials");
            for (std::uint64_t j = first; j < first + count; ++j)
                for (Eigen::Index c = 0; c < columns; ++c) sink.all(static_cast<Eigen::Index>(j), c) = r.f64();
            received += count;
        }
        if (received != n) r.fail(std::to_string(received) + " rows gathered, not " + std::to_string(n));
    } else {
        sink.all.resize(rows, columns);
        run.trials = n;
        fabrisk::run(design, sink, run);
    }
    const Eigen::ArrayXXd& f = sink.all;
    for (Eigen::Index c = 0; c < f.cols(); ++c)
        for (Eigen::Index j = 0; j < rows; ++j)
            if (!std::isfinite(f(j, c)))
                throw usage_error("sobol_indices: output column " + std::to_string(options.output) + " is " +
                                  std::to_string(f(j, c)) + " at base trial " + std::to_string(j) +
                                  "; Sobol indices need a finite output");

    // Per-row terms, one column per base row (so a row's terms are contiguous): the pooled sum
    // and sum of squares of the centred f(A), f(B), then the k first-order and k total terms.
    double c = 0;
    for (Eigen::Index j = 0; j < rows; ++j) c += f(j, 0) + f(j, 1);
    c /= 2 * static_cast<double>(n);
    const auto m = static_cast<Eigen::Index>(2 + 2 * k);
    Eigen::MatrixXd terms(m, rows);
    for (Eigen::Index j = 0; j < rows; ++j) {
        const double a = f(j, 0) - c, b = f(j, 1) - c;
        terms(0, j) = a + b;
        terms(1, j) = a * a + b * b;
        for (std::size_t i = 0; i < k; ++i) {
            const double ab = f(j, static_cast<Eigen::Index>(i) + 2) - c;
            terms(static_cast<Eigen::Index>(2 + i), j) = b * (ab - a);
            terms(static_cast<Eigen::Index>(2 + k + i), j) = 0.5 * (a - ab) * (a - ab);
        }
    }
    // Indices from weighted sums of the terms (weight = times a row is drawn; 1 for the estimate).
    const double nd = static_cast<double>(n);
    auto indices = [&](const Eigen::VectorXd& sums, double* out) {
        const double mean = sums(0) / (2 * nd), second = sums(1) / (2 * nd);
        // Rounding leaves a tiny positive remainder where every value drawn is the same.
        const double variance = second - mean * mean > 1e-12 * second ? second - mean * mean : 0.0;
        for (Eigen::Index i = 0; i < 2 * static_cast<Eigen::Index>(k); ++i)
            out[i] = variance > 0 ? sums(2 + i) / nd / variance : std::numeric_limits<double>::quiet_NaN();
        return variance;
    };

    sobol_result r;
    r.base_trials = n;
    r.seed = options.seed;
    r.model_runs = n * (k + 2);
    r.output = options.output;
    r.bootstrap_resamples = options.bootstrap_resamples;
    r.confidence = options.confidence;
    std::vector<double> point(2 * k);
    // sums(i) = Σ_j terms(i, j)·weights(j), each sum in row order. Not Eigen's product: its
    // kernels (and their fused multiply-adds) depend on the SIMD width, so the indices would
    // differ in the last bits from build to build. The inner loop runs over the independent
    // sums, so it vectorises without reordering any of them.
    auto weighted_sums = [&](const Eigen::VectorXd& weights, Eigen::VectorXd& sums) {
        sums.setZero();
        double* const to = sums.data();
        for (Eigen::Index j = 0; j < rows; ++j) {
            const double w = weights(j);
            const double* const t = terms.col(j).data();
            for (Eigen::Index i = 0; i < m; ++i) to[i] += t[i] * w;
        }
    };
    Eigen::VectorXd point_sums(m);
    weighted_sums(Eigen::VectorXd::Ones(rows), point_sums);
    r.variance = indices(point_sums, point.data());
    r.mean = c + point_sums(0) / (2 * nd);

    // Bootstrap: resample r draws its N row indices from the bootstrap stream advanced to r·N,
    // so each resample is the same whichever thread computes it.
    const unsigned resamples = options.bootstrap_resamples;
    Eigen::MatrixXd boot(static_cast<Eigen::Index>(2 * k), resamples);
    const unsigned threads = std::min(resolve_threads(options.threads), resamples);
    auto bootstrap = [&](unsigned first) {
        Eigen::VectorXd weights(rows), sums(m);
        for (unsigned s = first; s < resamples; s += threads) {
            engine rng(options.bootstrap_seed);
            rng.advance(static_cast<pcg_extras::pcg128_t>(s) * n);
            weights.setZero();
            for (std::uint64_t draw = 0; draw < n; ++draw)
                weights(static_cast<Eigen::Index>((static_cast<pcg_extras::pcg128_t>(rng()) * n) >> 64)) += 1;
            weighted_sums(weights, sums);
            indices(sums, boot.col(s).data());
        }
    };
    if (threads <= 1) {
        bootstrap(0);
    } else {
        std::vector<std::thread> pool;
        std::vector<std::exception_ptr> failures(threads);
        for (unsigned t = 0; t < threads; ++t)
            pool.emplace_back([&, t] {
                try {
                    bootstrap(t);
                } catch (...) {
                    failures[t] = std::current_exception();
                }
            });
        for (auto& t : pool) t.join();
        for (auto& e : failures)
            if (e) std::rethrow_exception(e);
    }

    const double tail = (1 - options.confidence) / 2;
    auto estimate = [&](std::size_t row) {
        sobol_estimate e;
        e.estimate = point[row];
        if (r.variance > 0) {
            std::vector<double> sample(resamples);
            for (unsigned s = 0; s < resamples; ++s) sample[s] = boot(static_cast<Eigen::Index>(row), s);
            e.lo = detail::finite_quantile(sample, tail);
            e.hi = detail::finite_quantile(sample, 1 - tail);
            e.standard_error = detail::finite_sd(sample);
        } else {
            e.estimate = e.lo = e.hi = e.standard_error = std::numeric_limits<double>::quiet_NaN();
        }
        return e;
    };
    for (std::size_t i = 0; i < k; ++i) {
        sobol_group_result g;
        g.name = names[i];
        g.dimensions = dims[i].size();
        g.first = estimate(i);
        g.total = estimate(k + i);
        r.groups.push_back(std::move(g));
    }
    return r;
}

}  // namespace fabrisk
