#pragma once
/// \file buildout/analytics.hpp
/// What drives the outcome: a tornado of the input groups (each held at a low and a high
/// percentile while everything else stays random, with common random numbers) and, per
/// scalar input, P(target met) by decile and Spearman correlations with every output.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "fabrisk/buildout/model.hpp"
#include "fabrisk/buildout/scenario.hpp"
#include "fabrisk/held_inputs.hpp"
#include "fabrisk/runner.hpp"
#include "fabrisk/statistics.hpp"

namespace fabrisk::buildout {

struct tornado_bar {
    std::string group;
    double p_low = 0, p_high = 0;            ///< P(target met) with the group at its low / high percentile
    double median_low = 0, median_high = 0;  ///< median installed_flops likewise
    double swing() const { return std::fabs(p_high - p_low); }
};

struct tornado_result {
    double low = 0.1, high = 0.9;  ///< the percentiles
    std::uint64_t trials = 0;      ///< per bar end
    double p_base = 0, median_base = 0;
    std::vector<tornado_bar> bars;  ///< sorted by swing in P, then by swing in the median
};

/// For every input group of the scenario, P(target met) and the median installed compute with
/// the group held at its `low` and `high` percentiles (model::held_uniforms), over
/// `options.trials` trials each, same seed for all.
inline tornado_result tornado(const scenario& s, const run_options& options, double low = 0.1, double high = 0.9) {
    if (options.trials == 0) throw usage_error("tornado: the number of trials must be at least 1");
    const model m(s);
    auto measure = [&](const auto& evaluated, double& p, double& median) {
        std::vector<output_config> config(output_count);
        config[static_cast<std::size_t>(output::target_met)].at_most_thresholds = {0.5};
        output_statistics stats(output_count, config);
        run(evaluated, stats, options);
        p = 1.0 - double(stats.at_most_counts(static_cast<std::size_t>(output::target_met))[0]) / double(stats.count());
        median = stats.summary(static_cast<std::size_t>(output::installed_flops)).quantiles.p50;
    };
    tornado_result t;
    t.low = low;
    t.high = high;
    t.trials = options.trials;
    measure(m, t.p_base, t.median_base);
    for (const auto& g : m.input_groups()) {
        tornado_bar bar;
        bar.group = g.name;
        measure(held_inputs<model>(m, m.held_uniforms(g, low)), bar.p_low, bar.median_low);
        measure(held_inputs<model>(m, m.held_uniforms(g, high)), bar.p_high, bar.median_high);
        t.bars.push_back(bar);
    }
    std::stable_sort(t.bars.begin(), t.bars.end(), [](const tornado_bar& a, const tornado_bar& b) {
        if (a.swing() != b.swing()) return a.swing() > b.swing();
        return std::fabs(a.median_high - a.median_low) > std::fabs(b.median_high - b.median_low);
    });
    return t;
}

struct driver {
    std::string input;                              ///< the scalar input's path
    std::array<std::uint64_t, 10> trials_by_decile{};  ///< trials whose input fell in each decile
    std::array<double, 10> p_met_by_decile{};       ///< P(target met) within each decile
    /// Spearman rank correlation with each output (NaN where an output is constant).
    std::array<double, output_count> spearman{};
};

struct drivers_result {
    std::uint64_t trials = 0;           ///< trials behind the deciles
    std::uint64_t spearman_trials = 0;  ///< the first trials, behind the Spearman correlations
    std::vector<driver> inputs;         ///< random scalar inputs, docs/model.md §1.13 order
};

namespace detail {
/// Average ranks (ties share the mean of their positions), 1-based.
inline Eigen::ArrayXd average_ranks(const Eigen::Ref<const Eigen::ArrayXd>& x) {
    const Eigen::Index n = x.size();
    std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), Eigen::Index{0});
    std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return x[a] < x[b]; });
    Eigen::ArrayXd ranks(n);
    for (Eigen::Index i = 0; i < n;) {
        Eigen::Index j = i;
        while (j + 1 < n && x[order[static_cast<std::size_t>(j + 1)]] == x[order[static_cast<std::size_t>(i)]]) ++j;
        const double r = (double(i) + double(j)) / 2 + 1;
        for (Eigen::Index k = i; k <= j; ++k) ranks[order[static_cast<std::size_t>(k)]] = r;
        i = j + 1;
    }
    return ranks;
}

/// Pearson's correlation. Sums in index order, in plain loops: Eigen's sum() adds in an order set
/// by the SIMD width, which would change the last bits of a result from build to build.
inline double pearson(const Eigen::ArrayXd& a, const Eigen::ArrayXd& b) {
    const Eigen::Index n = a.size();
    double sum_a = 0, sum_b = 0;
    for (Eigen::Index i = 0; i < n; ++i) sum_a += a[i], sum_b += b[i];
    const double mean_a = sum_a / double(n), mean_b = sum_b / double(n);
    double aa = 0, bb = 0, ab = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
        const double x = a[i] - mean_a, y = b[i] - mean_b;
        aa += x * x, bb += y * y, ab += x * y;
    }
    const double denominator = std::sqrt(aa * bb);
    return denominator > 0 ? ab / denominator : std::numeric_limits<double>::quiet_NaN();
}

/// The model plus its scalar inputs' ranks as extra output columns.
struct ranked_model {
    const model& inner;
    using workspace = model::workspace;
    std::size_t dimension() const { return inner.dimension(); }
    std::vector<std::uint64_t> stream_ids() const { return inner.stream_ids(); }
    std::size_t output_count() const { return buildout::output_count + scalar_input_count; }
    workspace make_workspace() const { return inner.make_workspace(); }
    void evaluate(const Eigen::Ref<const Eigen::ArrayXXd>& u, Eigen::Ref<Eigen::ArrayXXd> out, workspace& ws) const {
        Eigen::ArrayXXd outputs(u.rows(), static_cast<Eigen::Index>(buildout::output_count));
        inner.evaluate(u, outputs, ws);
        out.leftCols(static_cast<Eigen::Index>(buildout::output_count)) = outputs;
        out.rightCols(static_cast<Eigen::Index>(scalar_input_count)) = inner.scalar_ranks(u);
    }
};

/// Decile counts over every trial; the first `keep` rows verbatim for exact Spearman ranks.
struct drivers_sink {
    std::uint64_t keep;
    std::array<std::array<std::uint64_t, 10>, scalar_input_count> trials{}, met{};
    std::vector<Eigen::ArrayXXd> kept;
    std::uint64_t kept_rows = 0, total = 0;

    struct chunk {
        std::array<std::array<std::uint64_t, 10>, scalar_input_count> trials{}, met{};
        Eigen::ArrayXXd rows;
    };
    chunk summarize(const Eigen::Ref<const Eigen::ArrayXXd>& block) const {
        chunk c;
        const auto met_col = static_cast<Eigen::Index>(output::target_met);
        for (std::size_t k = 0; k < scalar_input_count; ++k) {
            const auto col = static_cast<Eigen::Index>(buildout::output_count + k);
            for (Eigen::Index r = 0; r < block.rows(); ++r) {
                const double rank = block(r, col);
                if (std::isnan(rank)) break;  // a fixed input
                const auto decile = static_cast<std::size_t>(std::min(9.0, std::floor(rank * 10)));
                ++c.trials[k][decile];
                c.met[k][decile] += block(r, met_col) == 1.0;
            }
        }
        c.rows = block;
        return c;
    }
    void merge(chunk&& c) {
        for (std::size_t k = 0; k < scalar_input_count; ++k)
            for (std::size_t d = 0; d < 10; ++d) {
                trials[k][d] += c.trials[k][d];
                met[k][d] += c.met[k][d];
            }
        total += static_cast<std::uint64_t>(c.rows.rows());
        if (kept_rows < keep) {
            const auto take = static_cast<Eigen::Index>(std::min<std::uint64_t>(keep - kept_rows, c.rows.rows()));
            kept.push_back(c.rows.topRows(take));
            kept_rows += static_cast<std::uint64_t>(take);
        }
    }
};
}  // namespace detail

/// From one ordinary run of `options.trials` trials: P(target met) in each decile of every
/// random scalar input (over all trials), and its Spearman correlation with every output over
/// the first min(trials, spearman_trials) trials (exact ranks, ties averaged).
inline drivers_result drivers(const scenario& s, const run_options& options, std::uint64_t spearman_trials = 1u << 18) {
    if (options.trials == 0) throw usage_error("drivers: the number of trials must be at least 1");
    const model m(s);
    detail::ranked_model ranked{m};
    detail::drivers_sink sink;
    sink.keep = spearman_trials;
    run(ranked, sink, options);

    Eigen::ArrayXXd rows(static_cast<Eigen::Index>(sink.kept_rows), static_cast<Eigen::Index>(ranked.output_count()));
    Eigen::Index at = 0;
    for (const auto& block : sink.kept) {
        rows.middleRows(at, block.rows()) = block;
        at += block.rows();
    }
    std::array<Eigen::ArrayXd, output_count> output_ranks;
    for (std::size_t j = 0; j < output_count; ++j) output_ranks[j] = detail::average_ranks(rows.col(static_cast<Eigen::Index>(j)));

    drivers_result result;
    result.trials = sink.total;
    result.spearman_trials = sink.kept_rows;
    for (std::size_t k = 0; k < scalar_input_count; ++k) {
        if (is_fixed(s.scalars[k])) continue;
        driver d;
        d.input = scalar_input_paths[k];
        d.trials_by_decile = sink.trials[k];
        for (std::size_t dec = 0; dec < 10; ++dec)
            d.p_met_by_decile[dec] = sink.trials[k][dec] ? double(sink.met[k][dec]) / double(sink.trials[k][dec]) : 0.0;
        const Eigen::ArrayXd input_ranks = detail::average_ranks(rows.col(static_cast<Eigen::Index>(output_count + k)));
        for (std::size_t j = 0; j < output_count; ++j) d.spearman[j] = detail::pearson(input_ranks, output_ranks[j]);
        result.inputs.push_back(d);
    }
    return result;
}

/// `tornado` of the JSON result: [{group, low: {percentile, probability_target_met,
/// median_installed_flops}, high: {...}, swing}], widest swing first.
inline nlohmann::ordered_json to_json(const tornado_result& t) {
    nlohmann::ordered_json bars = nlohmann::ordered_json::array();
    for (const auto& b : t.bars)
        bars.push_back({{"group", b.group},
                        {"low", {{"percentile", t.low}, {"probability_target_met", b.p_low}, {"median_installed_flops", b.median_low}}},
                        {"high", {{"percentile", t.high}, {"probability_target_met", b.p_high}, {"median_installed_flops", b.median_high}}},
                        {"swing", b.swing()}});
    return bars;
}

/// `drivers` of the JSON result: {input: {trials_by_decile, probability_target_met_by_decile,
/// spearman: {output: rho or null}}}.
inline nlohmann::ordered_json to_json(const drivers_result& d) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (const auto& in : d.inputs) {
        nlohmann::ordered_json spearman = nlohmann::ordered_json::object();
        for (std::size_t j = 0; j < output_count; ++j)
            spearman[output_names[j]] = std::isfinite(in.spearman[j]) ? nlohmann::ordered_json(in.spearman[j]) : nlohmann::ordered_json(nullptr);
        out[in.input] = {{"trials_by_decile", in.trials_by_decile},
                         {"probability_target_met_by_decile", in.p_met_by_decile},
                         {"spearman", spearman}};
    }
    return out;
}

/// The tornado and drivers as text tables.
inline std::string to_text(const tornado_result& t, const drivers_result& d) {
    std::string out;
    char line[256];
    std::snprintf(line, sizeof line, "\nTornado: P(target met) with each group held at its p%02.0f / p%02.0f (%llu trials each; base %.4f)\n",
                  t.low * 100, t.high * 100, static_cast<unsigned long long>(t.trials), t.p_base);
    out += line;
    std::snprintf(line, sizeof line, "  %-50s %8s %8s %8s\n", "group", "low", "high", "swing");
    out += line;
    for (const auto& b : t.bars) {
        std::snprintf(line, sizeof line, "  %-50s %8.4f %8.4f %8.4f\n", b.group.c_str(), b.p_low, b.p_high, b.swing());
        out += line;
    }
    out += "\nDrivers: P(target met) by decile of each input (d1 lowest), Spearman with installed_flops\n";
    for (const auto& in : d.inputs) {
        std::snprintf(line, sizeof line, "  %-28s", in.input.c_str());
        out += line;
        for (double p : in.p_met_by_decile) {
            std::snprintf(line, sizeof line, " %5.3f", p);
            out += line;
        }
        std::snprintf(line, sizeof line, "  rho %+.3f\n", in.spearman[static_cast<std::size_t>(output::installed_flops)]);
        out += line;
    }
    return out;
}

}  // namespace fabrisk::buildout
