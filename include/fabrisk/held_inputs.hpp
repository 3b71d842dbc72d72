#pragma once
/// \file held_inputs.hpp
/// A model adaptor that holds some uniform dimensions at fixed values while the others stay
/// random: the basis of one-at-a-time designs such as tornado charts. Trials keep their own
/// random numbers for every other dimension (common random numbers), so differences between
/// held and free runs come from the held inputs alone.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "fabrisk/error.hpp"
#include "fabrisk/model_concept.hpp"

namespace fabrisk {

template <class Model>
class held_inputs {
public:
    using workspace = typename Model::workspace;

    /// `held`: (dimension, uniform in (0, 1)) pairs.
    held_inputs(const Model& model, std::vector<std::pair<int, double>> held) : model_(model), held_(std::move(held)) {
        for (const auto& [d, u] : held_)
            if (d < 0 || static_cast<std::size_t>(d) >= model_.dimension() || !(u > 0 && u < 1))
                throw usage_error("held_inputs: dimension " + std::to_string(d) + " with uniform " + std::to_string(u) +
                                  " is out of range (dimension < " + std::to_string(model_.dimension()) +
                                  ", uniform in (0, 1))");
    }

    std::size_t dimension() const { return model_.dimension(); }
    /// The model's own streams: held runs take the same random numbers as free ones.
    std::vector<std::uint64_t> stream_ids() const { return stream_ids_of(model_); }
    std::size_t output_count() const { return model_.output_count(); }
    workspace make_workspace() const { return model_.make_workspace(); }

    void evaluate(const Eigen::Ref<const Eigen::ArrayXXd>& uniforms, Eigen::Ref<Eigen::ArrayXXd> outputs, workspace& ws) const {
        Eigen::ArrayXXd u = uniforms;
        for (const auto& [d, value] : held_) u.col(d).setConstant(value);
        model_.evaluate(u, outputs, ws);
    }

private:
    const Model& model_;
    std::vector<std::pair<int, double>> held_;
};

}  // namespace fabrisk
