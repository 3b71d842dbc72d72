#pragma once
/// \file buildout/samples.hpp
/// Per-trial samples of the build-out model (sample_writer.hpp): the columns written, and the
/// model that adds each trial's drawn scalar inputs to its outputs for `--samples-inputs`.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "fabrisk/buildout/model.hpp"
#include "fabrisk/buildout/scenario.hpp"

namespace fabrisk::buildout {

/// The random scalar inputs of `s` (fixed ones draw nothing), by scalar_input index, in the
/// order of docs/model.md §1.13: those `drivers` reports.
inline std::vector<std::size_t> random_scalar_inputs(const scenario& s) {
    std::vector<std::size_t> k;
    for (std::size_t i = 0; i < scalar_input_count; ++i)
        if (!is_fixed(s.scalars[i])) k.push_back(i);
    return k;
}

/// The samples' columns: the outputs in output order, then (with inputs) the random scalar
/// inputs by their scenario paths.
inline std::vector<std::string> sample_columns(const scenario& s, bool with_inputs) {
    std::vector<std::string> names(output_names.begin(), output_names.end());
    if (with_inputs)
        for (const std::size_t k : random_scalar_inputs(s)) names.push_back(scalar_input_paths[k]);
    return names;
}

/// The model with each trial's drawn random scalar inputs after its outputs. The inputs are
/// those the trial used (model::evaluate leaves them in the workspace), so the outputs, the
/// uniforms and the streams are the model's own.
struct model_with_inputs {
    const model& inner;
    std::vector<std::size_t> inputs = random_scalar_inputs(inner.spec());

    using workspace = model::workspace;
    std::size_t dimension() const { return inner.dimension(); }
    std::vector<std::uint64_t> stream_ids() const { return inner.stream_ids(); }
    std::size_t output_count() const { return buildout::output_count + inputs.size(); }
    workspace make_workspace() const { return inner.make_workspace(); }
    void evaluate(const Eigen::Ref<const Eigen::ArrayXXd>& u, Eigen::Ref<Eigen::ArrayXXd> out, workspace& ws) const {
        const auto outputs = static_cast<Eigen::Index>(buildout::output_count);
        inner.evaluate(u, out.leftCols(outputs), ws);
        for (std::size_t i = 0; i < inputs.size(); ++i)
            out.col(outputs + static_cast<Eigen::Index>(i)) = ws.scalars.col(static_cast<Eigen::Index>(inputs[i]));
    }
};

}  // namespace fabrisk::buildout
