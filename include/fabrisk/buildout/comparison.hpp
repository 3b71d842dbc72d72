#pragma once
/// \file buildout/comparison.hpp
/// Two scenarios on the same trials, and their paired differences: what changes if the Gulf
/// investors walk, or fabs take longer. Because every input draws from the stream of its own
/// identity (random_inputs.hpp), trial i of A and trial i of B share every input the two have in
/// common, so the difference B − A in each trial comes from the change alone, and its interval
/// is far narrower than that of two independent runs.
///
///     auto c = fabrisk::buildout::compare(a, b, options);
///     double d = c.target_met.difference;             // P_B − P_A
///     auto [lo, hi] = c.target_met.ci95;               // paired 95% interval
///
/// Each side's result is exactly that of simulate() with the same options (the same trials).
/// Cost: one evaluation of A and one of B per trial.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "fabrisk/buildout/model.hpp"
#include "fabrisk/buildout/provenance.hpp"
#include "fabrisk/buildout/report.hpp"
#include "fabrisk/buildout/scenario.hpp"
#include "fabrisk/buildout/simulation.hpp"
#include "fabrisk/communicator.hpp"
#include "fabrisk/runner.hpp"
#include "fabrisk/segmented_run.hpp"
#include "fabrisk/state_bytes.hpp"
#include "fabrisk/statistics.hpp"
#include "fabrisk/uniform_columns.hpp"

namespace fabrisk::buildout {

/// B − A over paired trials: the mean difference, its 95% interval (z·sd/√n of the per-trial
/// differences), and the interval two independent runs of the same size would give
/// (z·√((s_A² + s_B²)/n)). Undefined (null in JSON) when some trial has no finite value.
struct paired_difference {
    bool defined = true;
    double difference = 0;
    std::pair<double, double> ci95{0, 0}, independent_ci95{0, 0};
};

struct comparison {
    result a, b;
    paired_difference target_met;                                 ///< P_B − P_A
    std::vector<std::pair<int, paired_difference>> reached_by_year;  ///< years both horizons cover
    std::array<paired_difference, output_count> means;             ///< indexed by `output`
};

namespace detail {

/// A and B side by side as one engine model: the union of their streams, each model reading
/// its own columns of the block in place (A's are the first, in A's order; B reads through a
/// column map); outputs A's 10, then B's 10.
class paired_model {
public:
    paired_model(const model& a, const model& b) : a_(a), b_(b) {
        const auto ids_a = a.stream_ids(), ids_b = b.stream_ids();
        std::map<std::uint64_t, int> column;
        for (auto id : ids_a) column.emplace(id, static_cast<int>(ids_.size())), ids_.push_back(id);
        for (auto id : ids_b)
            if (column.emplace(id, static_cast<int>(ids_.size())).second) ids_.push_back(id);
        for (auto id : ids_b) columns_b_.push_back(column.at(id));
    }
    struct workspace {
        model::workspace a, b;
    };
    std::size_t dimension() const { return ids_.size(); }
    std::vector<std::uint64_t> stream_ids() const { return ids_; }
    std::size_t output_count() const { return 2 * buildout::output_count; }
    workspace make_workspace() const { return {a_.make_workspace(), b_.make_workspace()}; }

    void evaluate(const Eigen::Ref<const Eigen::ArrayXXd>& u, Eigen::Ref<Eigen::ArrayXXd> out, workspace& ws) const {
        const auto k = static_cast<Eigen::Index>(buildout::output_count);
        // A's streams come first, in A's order: its uniforms are the block's first columns.
        a_.evaluate(u.leftCols(static_cast<Eigen::Index>(a_.dimension())), out.leftCols(k), ws.a);
        b_.evaluate(uniform_columns(u, columns_b_), out.rightCols(k), ws.b);
    }

private:
    const model& a_;
    const model& b_;
    std::vector<std::uint64_t> ids_;
    std::vector<int> columns_b_;
};

/// The sink of a comparison: both sides' full statistics (as each side's own run keeps them)
/// and the moments of the per-trial differences B − A: target met, reached by the end of each
/// year, then each output (target_year only where both are finite, else +inf, so its mean is
/// undefined as in a run). A difference is formed one column at a time in the worker's own
/// scratch column and digested at once, so a chunk costs no allocation beyond its digest.
class paired_sink {
public:
    paired_sink(std::vector<output_config> sides, std::vector<int> years)
        : sides_(2 * output_count, std::move(sides)), years_(std::move(years)), differences_(1 + years_.size() + output_count) {}
    struct chunk {
        output_statistics::chunk sides;
        moment_statistics::chunk differences;
    };
    struct partial {
        output_statistics::partial sides;
        std::vector<double> scratch;  ///< one column of differences
    };
    partial make_partial() const { return {sides_.make_partial(), {}}; }
    chunk summarize(const Eigen::Ref<const Eigen::ArrayXXd>& block) const {
        std::vector<double> scratch;
        return {sides_.summarize(block), differences(block, scratch)};
    }
    chunk summarize(const Eigen::Ref<const Eigen::ArrayXXd>& block, partial& p) const {
        return {sides_.summarize(block, p.sides), differences(block, p.scratch)};
    }
    void merge(chunk&& c) {
        sides_.merge(std::move(c.sides));
        differences_.merge(std::move(c.differences));
    }
    void absorb(partial&& p) { sides_.absorb(std::move(p.sides)); }
    const output_statistics& sides() const noexcept { return sides_; }
    const moment_statistics& differences() const noexcept { return differences_; }

    /// The state of other trials added, in any order (segmented_run.hpp); counts forgotten,
    /// bins kept; the state as bytes and back.
    void add(const paired_sink& o) {
        if (o.years_ != years_) throw usage_error("paired_sink::add: a comparison of other years");
        sides_.add(o.sides_);
        differences_.add(o.differences_);
    }
    void clear_counts() {
        sides_.clear_counts();
        differences_.clear_counts();
    }
    void save(byte_writer& w) const {
        w.u64(years_.size());
        for (int y : years_) w.u64(static_cast<std::uint64_t>(static_cast<std::int64_t>(y)));
        sides_.save(w);
        differences_.save(w);
    }
    static paired_sink load(byte_reader& r) {
        std::vector<int> years(r.length(8));
        for (int& y : years) y = static_cast<int>(static_cast<std::int64_t>(r.u64()));
        auto sides = output_statistics::load(r);
        auto differences = moment_statistics::load(r);
        if (sides.outputs() != 2 * output_count || differences.outputs() != 1 + years.size() + output_count)
            r.fail("not the state of a comparison");
        return paired_sink(std::move(sides), std::move(years), std::move(differences));
    }

private:
    paired_sink(output_statistics sides, std::vector<int> years, moment_statistics differences)
        : sides_(std::move(sides)), years_(std::move(years)), differences_(std::move(differences)) {}

    moment_statistics::chunk differences(const Eigen::Ref<const Eigen::ArrayXXd>& block, std::vector<double>& d) const {
        const auto k = static_cast<Eigen::Index>(output_count);
        if (block.cols() != 2 * k)
            throw usage_error("paired_sink: model returned " + std::to_string(block.cols()) + " outputs, expected " +
                              std::to_string(2 * k));
        const auto n = static_cast<std::size_t>(block.rows());
        d.resize(n);
        moment_statistics::chunk c;
        c.columns.resize(differences_.outputs());
        std::size_t column = 0;
        // A difference of two indicators is -1, 0 or 1: its moments follow from two counts.
        auto indicator = [&](std::uint64_t up, std::uint64_t down) {
            auto& col = c.columns[column++];
            const double sum = double(up) - double(down);
            col.count = col.finite = n;
            col.mean = sum / double(n);
            col.m2 = double(up + down) - sum * sum / double(n);  // Σ(d − mean)² = Σd² − (Σd)²/n, and d² = |d|
            const bool zeros = up + down < n;
            col.min = down ? -1.0 : zeros ? 0.0 : 1.0;
            col.max = up ? 1.0 : zeros ? 0.0 : -1.0;
            col.integral = true;
        };
        auto side = [&](bool b, Eigen::Index j) { return block.col(b ? k + j : j).data(); };
        const auto met = static_cast<Eigen::Index>(output::target_met), year = static_cast<Eigen::Index>(output::target_year);
        // target_met is 0 or 1: met in B but not in A is "A ≤ 0 but not B".
        const paired_changes met_changes = paired_changes_at_most(side(false, met), side(true, met), n, 0.0);
        indicator(met_changes.a_only, met_changes.b_only);
        for (int y : years_) {
            // at_most(t, end of year) is t <= at_most_cutoff (also for t = +inf), as the run counts it.
            const paired_changes reached = paired_changes_at_most(side(false, year), side(true, year), n, at_most_cutoff(double(y + 1)));
            indicator(reached.b_only, reached.a_only);
        }
        for (Eigen::Index j = 0; j < k; ++j) {
            paired_differences(side(false, j), side(true, j), n, d.data());
            output_statistics::describe_column(d.data(), n, c.columns[column++]);
        }
        for (std::size_t j = 0; j < c.columns.size(); ++j)
            if (c.columns[j].count != d.size()) throw error("paired_sink: difference " + std::to_string(j) + " is NaN");
        return c;
    }

    output_statistics sides_;
    std::vector<int> years_;
    moment_statistics differences_;
};

/// The difference in column j of `stats` as a paired_difference; sd_a and sd_b are the two
/// sides' own (for the independent-runs interval).
inline paired_difference paired(const moment_statistics& stats, std::size_t j, double sd_a, double sd_b) {
    const output_summary d = stats.summary(j);
    paired_difference p;
    if (d.non_finite > 0 || d.count == 0) {
        p.defined = false;
        return p;
    }
    const double n = double(d.count);
    const double half = z_95 * d.sd / std::sqrt(n), independent = z_95 * std::sqrt((sd_a * sd_a + sd_b * sd_b) / n);
    p.difference = d.mean;
    p.ci95 = {d.mean - half, d.mean + half};
    p.independent_ci95 = {d.mean - independent, d.mean + independent};
    return p;
}

}  // namespace detail

/// Runs A and B on the same `options.trials` trials (seed, threads and stop as in simulate) and
/// returns both results and their paired differences. Throws usage_error if trials is 0, and
/// stopped_early if stopped before the first chunk was merged.
///
/// Over several ranks of `comm` the trials are split over them (segmented_run.hpp), with the
/// same result, on rank 0; the other ranks return an empty comparison.
inline comparison compare(const scenario& a, const scenario& b, const run_options& options, communicator* comm = nullptr) {
    if (options.trials == 0) throw usage_error("compare: the number of trials must be at least 1");
    const model ma(a), mb(b);
    std::vector<int> years;  // calendar years whose end both horizons reach
    for (int y = a.time.start_year; y < a.time.start_year + a.time.horizon_years; ++y)
        if (y >= b.time.start_year && y < b.time.start_year + b.time.horizon_years) years.push_back(y);
    const detail::paired_model pair(ma, mb);
    std::vector<output_config> config = output_configs(a);
    for (auto& c : output_configs(b)) config.push_back(std::move(c));
    detail::paired_sink sink(std::move(config), years);
    std::uint64_t done = 0;
    if (comm && comm->size() > 1) {
        segmented_run_state st;
        st.run = [&](std::uint64_t first, std::uint64_t n, const stop_flag* stop, const std::function<void(std::uint64_t)>&) {
            run_options o = options;
            o.first_trial = first;
            o.trials = n;
            o.stop = stop;
            o.stop_after = 0;
            return run(pair, sink, o);
        };
        st.save = [&] { return state_bytes(sink); };
        st.combine = [](const std::string& x, const std::string& y) {
            return added_state_bytes<detail::paired_sink>(x, y, "a rank's comparison");
        };
        st.clear_counts = [&] { sink.clear_counts(); };
        segmented_run_options o;
        o.planned_trials = options.trials;
        o.shared_trials = simulation::pilot_trials;
        o.stop = options.stop;
        const auto r = segmented_run(*comm, st, o);
        if (comm->rank() != 0) return {};
        sink = state_from_bytes<detail::paired_sink>(r.combined, "the combined comparison");
        done = r.done;
    } else {
        done = run(pair, sink, options);
    }
    if (done == 0) throw stopped_early("compare: stopped before any trial was complete");

    comparison c;
    c.a = summarize(a, sink.sides(), done, options.seed, 0);
    c.b = summarize(b, sink.sides(), done, options.seed, output_count);
    c.a.complete = c.b.complete = done == options.trials;
    const moment_statistics& stats = sink.differences();
    std::size_t column = 0;
    const std::size_t met = static_cast<std::size_t>(output::target_met);
    c.target_met = detail::paired(stats, column++, c.a.outputs[met].sd, c.b.outputs[met].sd);
    auto share_sd = [&](const result& r, int year) {  // sd of the 0/1 "reached by the end of year"
        for (const auto& [y, p] : r.reached_by_year)
            if (y == year) return std::sqrt(p * (1 - p) * double(done) / double(std::max<std::uint64_t>(done - 1, 1)));
        return 0.0;
    };
    for (int y : years) c.reached_by_year.emplace_back(y, detail::paired(stats, column++, share_sd(c.a, y), share_sd(c.b, y)));
    for (std::size_t j = 0; j < output_count; ++j) c.means[j] = detail::paired(stats, column++, c.a.outputs[j].sd, c.b.outputs[j].sd);
    return c;
}

/// {"a": run result, "b": run result, "difference": {...}}: each side as `fabrisk run --json`
/// writes it (with its provenance), then every paired difference with its paired interval and
/// the interval two independent runs would give; null where a difference is undefined.
inline nlohmann::ordered_json to_json(const comparison& c, const provenance& a, const provenance& b) {
    using nlohmann::ordered_json;
    auto interval = [](std::pair<double, double> i) { return ordered_json::array({i.first, i.second}); };
    auto difference = [&](const paired_difference& d) {
        if (!d.defined) return ordered_json(nullptr);
        return ordered_json{{"difference", d.difference}, {"ci95", interval(d.ci95)},
                            {"ci95_independent_runs", interval(d.independent_ci95)}};
    };
    ordered_json j;
    j["a"] = to_json(c.a, a);
    j["b"] = to_json(c.b, b);
    ordered_json diff;
    diff["probability_target_met"] = c.target_met.difference;
    diff["ci95"] = interval(c.target_met.ci95);
    diff["ci95_independent_runs"] = interval(c.target_met.independent_ci95);
    ordered_json years = ordered_json::object();
    for (const auto& [year, d] : c.reached_by_year) years[std::to_string(year)] = difference(d);
    diff["reached_by_year"] = years;
    ordered_json means = ordered_json::object();
    for (std::size_t k = 0; k < output_count; ++k) means[output_names[k]] = difference(c.means[k]);
    diff["means"] = means;
    j["difference"] = diff;
    return j;
}

/// The readable comparison `fabrisk compare` prints: each figure for A and B, B − A, its paired
/// 95% interval and that of two independent runs.
inline std::string to_text(const comparison& c, const std::string& a_label, const std::string& b_label, unsigned threads = 0) {
    std::ostringstream out;
    out << "fabrisk " << version_string << ": compare A = " << a_label << " with B = " << b_label << ", " << c.a.trials
        << " trials, seed " << c.a.seed;
    if (threads) out << ", " << threads << (threads == 1 ? " thread" : " threads");
    out << "\n";
    if (!c.a.complete) out << "Stopped early: every figure below is over the " << c.a.trials << " trials run\n";
    out << "Both run on the same trials: each input draws the same random numbers in A and B.\n\n";
    // Columns as wide as their widest cell (means such as -1.10438e+24 outgrow the usual width).
    struct table_row {
        std::array<std::string, 6> cells;
        bool undefined = false;  ///< its note spans the two interval columns
    };
    std::vector<table_row> rows{{{"", "A", "B", "B - A", "paired 95% interval", "independent runs"}, false}};
    using detail::cell;
    auto row = [&](const std::string& name, const std::string& a, const std::string& b, const paired_difference& d,
                   const char* format) {
        if (!d.defined) {
            rows.push_back({{name, a, b, "-", "(undefined: some trials never reach the target)", ""}, true});
        } else {
            rows.push_back({{name, a, b, cell(d.difference, format),
                             "[" + cell(d.ci95.first, format) + ", " + cell(d.ci95.second, format) + "]",
                             "[" + cell(d.independent_ci95.first, format) + ", " + cell(d.independent_ci95.second, format) + "]"},
                            false});
        }
    };
    const char* share_format = "%.4f";
    row("P(target met)", cell(c.a.target_met.estimate(), share_format), cell(c.b.target_met.estimate(), share_format),
        c.target_met, share_format);
    auto share = [](const result& r, int year) {
        for (const auto& [y, p] : r.reached_by_year)
            if (y == year) return p;
        return 0.0;
    };
    for (const auto& [year, d] : c.reached_by_year) {
        if (share(c.a, year) == 0 && share(c.b, year) == 0) continue;  // years neither reaches: nothing to compare
        row("reached by the end of " + std::to_string(year), cell(share(c.a, year), share_format),
            cell(share(c.b, year), share_format), d, share_format);
    }
    auto mean = [&](const output_summary& o) { return o.non_finite > 0 ? std::string("-") : cell(o.mean); };
    for (std::size_t k = 0; k < output_count; ++k)
        row(std::string("mean ") + output_names[k], mean(c.a.outputs[k]), mean(c.b.outputs[k]), c.means[k], "%.6g");

    std::array<std::size_t, 5> width{30, 11, 11, 11, 25};  // at least these (the last column is not padded)
    for (const auto& r : rows)
        for (std::size_t k = 0; k < (r.undefined ? 4 : 5); ++k) width[k] = std::max(width[k], r.cells[k].size());
    for (const auto& r : rows) {
        std::string text = r.cells[0] + std::string(width[0] - r.cells[0].size(), ' ');
        for (std::size_t k = 1; k < 4; ++k) text += " " + std::string(width[k] - r.cells[k].size(), ' ') + r.cells[k];
        text += "  " + r.cells[4];
        if (!r.undefined) text += std::string(width[4] - r.cells[4].size() + 1, ' ') + r.cells[5];
        out << text.substr(0, text.find_last_not_of(' ') + 1) << "\n";
    }
    return out.str();
}

}  // namespace fabrisk::buildout
