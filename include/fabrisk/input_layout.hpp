#pragma once
/// \file input_layout.hpp
/// The uniform dimensions of a model's trial, by named input. A model declares its random
/// scalar inputs with their distributions and correlations, and reserves dimensions for any
/// other random numbers it draws itself (factor models, indicators); the layout numbers the
/// dimensions, names the random stream each draws from, lists them as input groups for
/// sensitivity analysis, draws the scalars of a block of trials, and finds the uniforms that
/// hold a scalar group at a percentile.
///
///     fabrisk::input_layout inputs({{"demand", fabrisk::pert(80, 100, 150)},
///                                   {"price", fabrisk::normal(10, 2)},
///                                   {"unit_cost", fabrisk::fixed(6)}},
///                                  {{0, 1, -0.5}});        // demand and price: ρ = −0.5
///     int churn = inputs.reserve("churn", 12);            // 12 uniforms the model uses itself,
///                                                         // streams "churn/0" … "churn/11"
///     inputs.draw_scalars(uniforms, values, scratch);     // trials × 3, by declaration
///
/// Layout: each uncorrelated random scalar takes one dimension, in declaration order; then
/// each copula block (the connected components of the correlated pairs, ordered by their
/// first input) takes one per input; then the reserved ranges, in the order reserved. Fixed
/// scalars take none.
///
/// Streams: every dimension draws from the stream of its name (random_stream.hpp): a scalar's
/// own name, a reserved dimension's stream name. The runner uses stream_ids(), so the draws of an
/// input depend on its name, not its position: adding, removing or reordering other inputs, or
/// changing any distribution, leaves them unchanged (common random numbers across model edits).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "fabrisk/copula.hpp"
#include "fabrisk/distribution.hpp"
#include "fabrisk/error.hpp"
#include "fabrisk/input_group.hpp"
#include "fabrisk/normal.hpp"
#include "fabrisk/random_stream.hpp"
#include "fabrisk/uniform_columns.hpp"

namespace fabrisk {

class input_layout {
public:
    static constexpr int none = -1;

    struct scalar {
        std::string name;
        distribution dist;
    };
    /// Normal-score (Pearson) correlation of scalars a and b (indices in declaration order).
    struct correlation {
        std::size_t a = 0, b = 0;
        double rho = 0;
    };

    enum class group_kind {
        scalar,              ///< one uncorrelated scalar input
        correlated_scalars,  ///< a copula block; its name joins the inputs' names with "+"
        reserved,            ///< dimensions the model draws from itself
    };
    struct group : input_group {
        group_kind kind = group_kind::scalar;
        std::size_t block = 0;  ///< correlated_scalars: which copula block
        int tag = 0;            ///< reserved: the model's own label, given to reserve()
    };

    input_layout() = default;
    /// Throws usage_error for an out-of-range or self correlation, a |ρ| above 1, or a
    /// correlation matrix that is not positive semidefinite (gaussian_copula).
    input_layout(std::vector<scalar> scalars, const std::vector<correlation>& correlations);

    /// Uniforms one trial consumes.
    std::size_t dimension() const noexcept { return dimension_; }
    std::size_t scalar_count() const noexcept { return scalars_.size(); }
    const std::vector<scalar>& scalars() const noexcept { return scalars_; }

    /// Reserves one dimension for each of `streams` (the names of the random numbers it holds,
    /// unique in the layout), consecutive, and adds them to the reserved group `name` (created
    /// with `tag` if new). Returns the first, or none if `streams` is empty. Throws usage_error
    /// for a stream name already in the layout, or a group name that is a scalar's.
    int reserve(const std::string& name, const std::vector<std::string>& streams, int tag = 0);
    /// Reserves `count` dimensions, their streams named "name/k" for k counting on from the
    /// group's size.
    int reserve(const std::string& name, std::size_t count, int tag = 0);

    /// The stream name of each dimension, and its stream id (stream_id of the name): what the
    /// runner draws each dimension from.
    const std::vector<std::string>& stream_names() const noexcept { return stream_names_; }
    std::vector<std::uint64_t> stream_ids() const {
        std::vector<std::uint64_t> ids;
        for (const auto& name : stream_names_) ids.push_back(stream_id(name));
        return ids;
    }

    /// Scalar groups in declaration order (a copula block at its first input), then reserved
    /// groups in the order first reserved. Every dimension is in exactly one group; fixed
    /// scalars and empty reservations form none.
    const std::vector<group>& groups() const noexcept { return groups_; }

    /// Each scalar's value for every trial of a block of uniforms (trials × dimension): `out`
    /// becomes trials × scalar_count, columns in declaration order. Fixed scalars take their
    /// value; correlated ones go through their copula.
    struct scratch {
        Eigen::MatrixXd normal_scores, correlated;
    };
    void draw_scalars(const Eigen::Ref<const Eigen::ArrayXXd>& uniforms, Eigen::ArrayXXd& out, scratch& s) const {
        draw_scalars(uniform_columns(uniforms), out, s);
    }
    /// The same, reading the uniforms in place through a column map (uniform_columns.hpp).
    void draw_scalars(const uniform_columns& uniforms, Eigen::ArrayXXd& out, scratch& s) const;

    /// Each scalar's rank (its marginal CDF value, in (0, 1)) for every trial: trials ×
    /// scalar_count, NaN for fixed scalars.
    Eigen::ArrayXXd scalar_ranks(const Eigen::Ref<const Eigen::ArrayXXd>& uniforms) const;

    /// The uniforms that put every input of a scalar group at its own marginal p-quantile
    /// (0 < p < 1). A copula block gets the scores closest (least squares) to all sitting at
    /// Φ⁻¹(p). A reserved group is the model's to hold: usage_error.
    std::vector<std::pair<int, double>> held_uniforms(const group& g, double p) const;

private:
    struct copula_block {
        std::vector<std::size_t> inputs;  // scalar indices, declaration order
        gaussian_copula copula;
        int first_dim = none;
    };
    /// The next dimension, drawing from stream `name`.
    int take(const std::string& name) {
        if (!stream_set_.insert(name).second)
            throw usage_error("input_layout: two inputs draw from the stream \"" + name + "\"; names must be unique");
        stream_names_.push_back(name);
        return static_cast<int>(dimension_++);
    }

    std::vector<scalar> scalars_;
    std::vector<int> scalar_dim_;  // none for fixed or correlated scalars
    std::vector<copula_block> blocks_;
    std::vector<group> groups_;
    std::vector<std::string> stream_names_;
    std::set<std::string> stream_set_;
    std::size_t dimension_ = 0;
};

// ---------------------------------------------------------------------------------------------

inline input_layout::input_layout(std::vector<scalar> scalars, const std::vector<correlation>& correlations)
    : scalars_(std::move(scalars)) {
    const std::size_t k_count = scalars_.size();
    // Copula blocks: connected components of the correlated pairs (union-find).
    std::vector<std::size_t> parent(k_count);
    std::iota(parent.begin(), parent.end(), std::size_t{0});
    auto root = [&](std::size_t k) {
        while (parent[k] != k) k = parent[k] = parent[parent[k]];
        return k;
    };
    std::vector<bool> correlated(k_count, false);
    for (const auto& c : correlations) {
        if (c.a >= k_count || c.b >= k_count || c.a == c.b)
            throw usage_error("input_layout: correlation between inputs " + std::to_string(c.a) + " and " +
                              std::to_string(c.b) + " of " + std::to_string(k_count) + ": expected two distinct inputs");
        if (!(c.rho >= -1 && c.rho <= 1))
            throw usage_error("input_layout: correlation of " + scalars_[c.a].name + " and " + scalars_[c.b].name +
                              " must lie in [-1, 1]");
        correlated[c.a] = correlated[c.b] = true;
        parent[root(c.a)] = root(c.b);
    }
    scalar_dim_.assign(k_count, none);
    std::map<std::size_t, std::size_t> block_of_root;
    for (std::size_t k = 0; k < k_count; ++k) {
        if (is_fixed(scalars_[k].dist)) continue;
        if (!correlated[k]) {
            scalar_dim_[k] = take(scalars_[k].name);
            continue;
        }
        auto [it, inserted] = block_of_root.emplace(root(k), blocks_.size());
        if (inserted) blocks_.emplace_back();
        blocks_[it->second].inputs.push_back(k);
    }
    for (auto& block : blocks_) {
        const auto d = static_cast<Eigen::Index>(block.inputs.size());
        Eigen::MatrixXd sigma = Eigen::MatrixXd::Identity(d, d);
        auto position = [&](std::size_t x) {
            return static_cast<Eigen::Index>(std::find(block.inputs.begin(), block.inputs.end(), x) - block.inputs.begin());
        };
        for (const auto& c : correlations) {
            const auto i = position(c.a), j = position(c.b);
            if (i < d && j < d) sigma(i, j) = sigma(j, i) = c.rho;
        }
        block.copula = gaussian_copula(sigma);
        for (std::size_t input : block.inputs) {
            const int dim = take(scalars_[input].name);
            if (block.first_dim == none) block.first_dim = dim;
        }
    }
    for (std::size_t k = 0; k < k_count; ++k) {
        if (scalar_dim_[k] != none) {
            group g;
            g.name = scalars_[k].name;
            g.dimensions = {scalar_dim_[k]};
            groups_.push_back(std::move(g));
        }
        for (std::size_t b = 0; b < blocks_.size(); ++b) {
            if (blocks_[b].inputs.front() != k) continue;
            group g;
            for (std::size_t input : blocks_[b].inputs) g.name += (g.name.empty() ? "" : "+") + scalars_[input].name;
            for (std::size_t i = 0; i < blocks_[b].inputs.size(); ++i) g.dimensions.push_back(blocks_[b].first_dim + static_cast<int>(i));
            g.kind = group_kind::correlated_scalars;
            g.block = b;
            groups_.push_back(std::move(g));
        }
    }
}

inline int input_layout::reserve(const std::string& name, const std::vector<std::string>& streams, int tag) {
    if (streams.empty()) return none;
    auto it = std::find_if(groups_.begin(), groups_.end(), [&](const group& g) { return g.name == name; });
    if (it == groups_.end()) {
        group g;
        g.name = name;
        g.kind = group_kind::reserved;
        g.tag = tag;
        groups_.push_back(std::move(g));
        it = groups_.end() - 1;
    } else if (it->kind != group_kind::reserved) {
        throw usage_error("input_layout::reserve: \"" + name + "\" is a scalar input's group");
    }
    const int first = static_cast<int>(dimension_);
    for (const auto& stream : streams) it->dimensions.push_back(take(stream));
    return first;
}

inline int input_layout::reserve(const std::string& name, std::size_t count, int tag) {
    auto it = std::find_if(groups_.begin(), groups_.end(), [&](const group& g) { return g.name == name; });
    const std::size_t before = it == groups_.end() ? 0 : it->dimensions.size();
    std::vector<std::string> streams;
    for (std::size_t k = 0; k < count; ++k) streams.push_back(name + "/" + std::to_string(before + k));
    return reserve(name, streams, tag);
}

inline void input_layout::draw_scalars(const uniform_columns& u, Eigen::ArrayXXd& out, scratch& s) const {
    if (u.dimension() < dimension_)
        throw usage_error("input_layout::draw_scalars: uniforms have " + std::to_string(u.dimension()) + " columns, expected " +
                          std::to_string(dimension_));
    const Eigen::Index rows = u.rows();
    out.resize(rows, static_cast<Eigen::Index>(scalars_.size()));
    for (std::size_t k = 0; k < scalars_.size(); ++k) {
        double* const to = out.col(static_cast<Eigen::Index>(k)).data();
        if (is_fixed(scalars_[k].dist))
            std::fill(to, to + rows, scalars_[k].dist.p0);
        else if (scalar_dim_[k] != none)
            quantile(scalars_[k].dist, u.column(scalar_dim_[k]), to, rows);
    }
    for (const auto& block : blocks_) {
        const auto d = static_cast<Eigen::Index>(block.inputs.size());
        s.normal_scores.resize(rows, d);
        s.correlated.resize(rows, d);
        for (Eigen::Index i = 0; i < d; ++i)
            inverse_normal_cdf(u.column(block.first_dim + static_cast<int>(i)), s.normal_scores.col(i).data(), rows);
        block.copula.correlate(s.normal_scores, s.correlated);
        for (Eigen::Index i = 0; i < d; ++i) {
            const std::size_t k = block.inputs[static_cast<std::size_t>(i)];
            from_normal_score(scalars_[k].dist, s.correlated.col(i).data(), out.col(static_cast<Eigen::Index>(k)).data(), rows);
        }
    }
}

inline Eigen::ArrayXXd input_layout::scalar_ranks(const Eigen::Ref<const Eigen::ArrayXXd>& u) const {
    Eigen::ArrayXXd ranks = Eigen::ArrayXXd::Constant(u.rows(), static_cast<Eigen::Index>(scalars_.size()),
                                                      std::numeric_limits<double>::quiet_NaN());
    for (std::size_t k = 0; k < scalars_.size(); ++k)
        if (scalar_dim_[k] != none) ranks.col(static_cast<Eigen::Index>(k)) = u.col(scalar_dim_[k]);
    for (const auto& block : blocks_) {
        const auto d = static_cast<Eigen::Index>(block.inputs.size());
        Eigen::MatrixXd z(u.rows(), d), x(u.rows(), d);
        for (Eigen::Index i = 0; i < d; ++i) inverse_normal_cdf(u.col(block.first_dim + i), z.col(i).array());
        block.copula.correlate(z, x);
        for (Eigen::Index i = 0; i < d; ++i)
            normal_cdf(x.col(i).array(), ranks.col(static_cast<Eigen::Index>(block.inputs[static_cast<std::size_t>(i)])));
    }
    return ranks;
}

inline std::vector<std::pair<int, double>> input_layout::held_uniforms(const group& g, double p) const {
    if (!(p > 0 && p < 1)) throw usage_error("held_uniforms: p must lie in (0, 1)");
    std::vector<std::pair<int, double>> held;
    switch (g.kind) {
    case group_kind::scalar:
        for (int d : g.dimensions) held.emplace_back(d, p);
        break;
    case group_kind::correlated_scalars: {
        // L·z = (z0, …, z0) by forward substitution on the lower-triangular factor; where a
        // column of L is zero (a singular Σ) that z is free and taken as 0.
        const copula_block& block = blocks_.at(g.block);
        const double z0 = inverse_normal_cdf(p);
        const Eigen::MatrixXd& L = block.copula.factor();
        Eigen::VectorXd z = Eigen::VectorXd::Zero(L.rows());
        for (Eigen::Index i = 0; i < L.rows(); ++i) {
            double rest = z0;
            for (Eigen::Index k = 0; k < i; ++k) rest -= L(i, k) * z[k];
            z[i] = L(i, i) != 0 ? rest / L(i, i) : 0.0;
        }
        for (Eigen::Index i = 0; i < z.size(); ++i) held.emplace_back(block.first_dim + static_cast<int>(i), normal_cdf(z[i]));
        break;
    }
    case group_kind::reserved:
        throw usage_error("input_layout::held_uniforms: \"" + g.name + "\" is reserved; the model that drew it holds it");
    }
    return held;
}

}  // namespace fabrisk
