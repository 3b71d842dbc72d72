/// \file kernels/buildout/lane_group-inl.hpp
/// A vector of consecutive trials played side by side, one per lane (lanes-inl.hpp, per
/// target), and the workspace its steps share. Every lane runs exactly the same arithmetic,
/// whatever its neighbours hold, so a trial's outputs do not depend on its place in a block.
#include <cstdint>

#include <Eigen/Core>

#include "fabrisk/buildout/model.hpp"
#include "kernels/lanes-inl.hpp"

#if defined(FABRISK_KERNELS_BUILDOUT_LANE_GROUP_INL_) == defined(HWY_TARGET_TOGGLE)
#ifdef FABRISK_KERNELS_BUILDOUT_LANE_GROUP_INL_
#undef FABRISK_KERNELS_BUILDOUT_LANE_GROUP_INL_
#else
#define FABRISK_KERNELS_BUILDOUT_LANE_GROUP_INL_
#endif

HWY_BEFORE_NAMESPACE();
namespace fabrisk::buildout::HWY_NAMESPACE {

namespace lanes = ::fabrisk::HWY_NAMESPACE::lanes;
using doubles = lanes::doubles;
using ints = lanes::ints;
constexpr int lane_width = lanes::count;  // trials a vector plays side by side

/// Trials first … first + count − 1 (count ≤ lane_width) of a block whose inputs are drawn in `ws`.
struct lane_group {
    lane_group(const model& m, model::workspace& w, Eigen::Index first_trial, Eigen::Index trials)
        : s(m.spec()), plan(m.plan()), ws(w), first(first_trial), count(trials), spare_(w.padded.data()) {}

    const scenario& s;
    const detail::trial_plan& plan;
    model::workspace& ws;
    const Eigen::Index first, count;

    /// The lane_width trials' values of one input column. A short last group reads a padded copy whose
    /// idle lanes hold `idle`, chosen harmless (no pledge, no drop-out, no overrun, no delay).
    const double* column(const Eigen::ArrayXXd& a, Eigen::Index col, double idle) {
        const double* p = a.data() + col * a.rows() + first;
        if (count == lane_width) return p;
        double* q = spare_;
        spare_ += lane_width;
        for (int b = 0; b < lane_width; ++b) q[b] = b < count ? p[b] : idle;
        return q;
    }
    const double* scalar(scalar_input x, double idle) { return column(ws.scalars, static_cast<Eigen::Index>(x), idle); }

private:
    double* spare_;
};

}  // namespace fabrisk::buildout::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
