/// \file kernels/buildout/trial-inl.hpp
/// The build-out model's trial (docs/model.md §4), per target, for a block of trials: the
/// inputs drawn column by column (§3, inputs-inl.hpp), then the steps played lane_width trials
/// at a time, one trial per vector lane, each step in the file named for it:
///
///     step 1      capital on the grid              capital-inl.hpp
///     steps 2–3   funding and completion           funding-inl.hpp
///     step 4      ramps                            ramps-inl.hpp
///     step 5      the shock                        shock-inl.hpp
///     steps 6–10  the grid loop                    grid_phase-inl.hpp
///     step 11     installed compute, the outputs   outputs-inl.hpp
///
/// Capital and capacity on the grid are sums of clamped lines (ramp_sums-inl.hpp), two paired
/// updates per pledge and per fab, and funding is a binary search per fab on the never-falling
/// capital curve, so a trial costs O(fabs·log n + investors + n).
#include <algorithm>

#include <Eigen/Core>

#include "fabrisk/buildout/model.hpp"
#include "kernels/buildout/capital-inl.hpp"
#include "kernels/buildout/funding-inl.hpp"
#include "kernels/buildout/grid_phase-inl.hpp"
#include "kernels/buildout/inputs-inl.hpp"
#include "kernels/buildout/lane_group-inl.hpp"
#include "kernels/buildout/outputs-inl.hpp"
#include "kernels/buildout/ramps-inl.hpp"
#include "kernels/buildout/shock-inl.hpp"

#if defined(FABRISK_KERNELS_BUILDOUT_TRIAL_INL_) == defined(HWY_TARGET_TOGGLE)
#ifdef FABRISK_KERNELS_BUILDOUT_TRIAL_INL_
#undef FABRISK_KERNELS_BUILDOUT_TRIAL_INL_
#else
#define FABRISK_KERNELS_BUILDOUT_TRIAL_INL_
#endif

HWY_BEFORE_NAMESPACE();
namespace fabrisk::buildout::HWY_NAMESPACE {

/// Steps 1–11 for trials first … first + count − 1, whose inputs are drawn in `ws`.
inline void play_trials(const model& m, Eigen::Index first, Eigen::Index count, model::workspace& ws,
                        Eigen::Ref<Eigen::ArrayXXd> out) {
    lane_group g(m, ws, first, count);
    raise_capital(g);  // 1
    funding_counts funding;
    fund_and_complete(g, funding);  // 2–3
    add_ramps(g);                   // 4
    shock_lanes shock;
    shock_on_grid(g, shock);  // 5
    grid_results grid;
    play_grid(g, shock, grid);             // 6–10
    write_outputs(g, funding, grid, out);  // 11, and §5.1
}

/// The entry points foreach_target exports (src/kernels.cpp): model::draw_inputs and
/// model::evaluate.
inline void draw_block(const model& m, const uniform_columns& u, model::workspace& ws) {
    draw_inputs(m, u, ws);
}
inline void evaluate_block(const model& m, const uniform_columns& u, Eigen::Ref<Eigen::ArrayXXd> out,
                           model::workspace& ws) {
    draw_inputs(m, u, ws);
    const Eigen::Index rows = u.rows();
    for (Eigen::Index b = 0; b < rows; b += lane_width) play_trials(m, b, std::min<Eigen::Index>(lane_width, rows - b), ws, out);
}

}  // namespace fabrisk::buildout::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
