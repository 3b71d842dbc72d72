// The hot kernels, compiled once per instruction set by Highway's foreach_target (this file is
// included again for each target), and the functions the public headers declare, which call
// the best target the processor supports (HWY_DYNAMIC_DISPATCH).
//
// Every library header is included before foreach_target: their inline functions are then
// compiled once, for the baseline, never inside a target's `#pragma GCC target` region (a copy
// compiled for AVX-512 could be the one the linker keeps, and fail on other processors).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "fabrisk/binned_quantiles.hpp"
#include "fabrisk/buildout/model.hpp"
#include "fabrisk/distribution.hpp"
#include "fabrisk/error.hpp"
#include "fabrisk/normal.hpp"
#include "fabrisk/quantile_table.hpp"
#include "fabrisk/random_stream.hpp"
#include "fabrisk/simd_target.hpp"
#include "fabrisk/statistics.hpp"
#include "fabrisk/vector_math.hpp"

#include "kernels/targets.hpp"
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels.cpp"
#include <hwy/foreach_target.h>  // must come before highway.h

#include <hwy/highway.h>

#include "kernels/binned_quantiles-inl.hpp"
#include "kernels/buildout/trial-inl.hpp"
#include "kernels/distribution-inl.hpp"
#include "kernels/lanes-inl.hpp"
#include "kernels/normal-inl.hpp"
#include "kernels/quantile_table-inl.hpp"
#include "kernels/random_stream-inl.hpp"
#include "kernels/statistics-inl.hpp"
#include "kernels/vector_math-inl.hpp"

// Entry points with plain names, as HWY_EXPORT needs.
HWY_BEFORE_NAMESPACE();
namespace fabrisk::HWY_NAMESPACE {
void exp_array(const double* in, double* out, std::int64_t n) { vector_math::exp(in, out, n); }
void log_array(const double* in, double* out, std::int64_t n) { vector_math::log(in, out, n); }
void sqrt_array(const double* in, double* out, std::int64_t n) { vector_math::sqrt(in, out, n); }
void inverse_normal_cdf_array(const double* p, double* out, std::int64_t n) { inverse_normal_cdf(p, out, n); }
void normal_cdf_array(const double* x, double* out, std::int64_t n) { normal_cdf(x, out, n); }
void quantile_table_array(const quantile_table& table, const double* u, double* out, std::int64_t n) {
    tabulated_quantiles(table, u, out, n);
}
void uniforms(const std::uint64_t* starts, const std::uint64_t* increments, std::int64_t dims,
              const ::fabrisk::detail::lcg_jump* lane_jumps, const ::fabrisk::detail::lcg_jump& per_lane_group, std::uint64_t a,
              double* out, std::int64_t rows, std::int64_t stride) {
    random_stream::pcg32_uniforms(starts, increments, dims, lane_jumps, per_lane_group, a, out, rows, stride);
}
void moments(const double* x, std::size_t n, output_statistics::chunk::column& c) {
    statistics::describe_column(x, n, c);
}
paired_changes changes_at_most(const double* a, const double* b, std::size_t n, double cutoff) {
    return statistics::changes_at_most(a, b, n, cutoff);
}
void differences(const double* a, const double* b, std::size_t n, double* out) { statistics::differences(a, b, n, out); }
void distribution_quantiles(const distribution& d, const double* u, double* out, std::int64_t n) { quantiles(d, u, out, n); }
void distribution_from_normal_scores(const distribution& d, const double* z, double* out, std::int64_t n) {
    from_normal_scores(d, z, out, n);
}
void bin_values(const quantile_bins::lookup& t, const double* values, std::size_t n, bin_tally& tally) {
    bins::add_values(t, values, n, tally);
}
void bin_indices(const quantile_bins::lookup& t, const double* values, std::size_t n, std::uint32_t* out) {
    bins::add_indices<0>(t, values, n, out);
}
/// Which target this is: HWY_TARGET as each copy was compiled.
std::int64_t compiled_target() { return HWY_TARGET; }
}  // namespace fabrisk::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace fabrisk {
HWY_EXPORT(exp_array);
HWY_EXPORT(log_array);
HWY_EXPORT(sqrt_array);
HWY_EXPORT(inverse_normal_cdf_array);
HWY_EXPORT(normal_cdf_array);
HWY_EXPORT(quantile_table_array);
HWY_EXPORT(uniforms);
HWY_EXPORT(moments);
HWY_EXPORT(changes_at_most);
HWY_EXPORT(differences);
HWY_EXPORT(distribution_quantiles);
HWY_EXPORT(distribution_from_normal_scores);
HWY_EXPORT(bin_values);
HWY_EXPORT(bin_indices);
HWY_EXPORT(compiled_target);

void quantile_bins::add(const double* values, std::size_t n, bin_tally& tally) const noexcept {
    HWY_DYNAMIC_DISPATCH(bin_values)(tables(), values, n, tally);
}
std::size_t quantile_bins::bin_of(double x) const noexcept {
    std::uint32_t b;
    HWY_DYNAMIC_DISPATCH(bin_indices)(tables(), &x, 1, &b);
    return b;
}

void quantile(const distribution& d, const double* u, double* out, std::ptrdiff_t n) {
    HWY_DYNAMIC_DISPATCH(distribution_quantiles)(d, u, out, n);
}
void from_normal_score(const distribution& d, const double* z, double* out, std::ptrdiff_t n) {
    HWY_DYNAMIC_DISPATCH(distribution_from_normal_scores)(d, z, out, n);
}

void vector_math::exp(const double* in, double* out, std::ptrdiff_t n) { HWY_DYNAMIC_DISPATCH(exp_array)(in, out, n); }
void vector_math::log(const double* in, double* out, std::ptrdiff_t n) { HWY_DYNAMIC_DISPATCH(log_array)(in, out, n); }
void vector_math::sqrt(const double* in, double* out, std::ptrdiff_t n) { HWY_DYNAMIC_DISPATCH(sqrt_array)(in, out, n); }
void inverse_normal_cdf(const double* p, double* out, std::ptrdiff_t size) {
    HWY_DYNAMIC_DISPATCH(inverse_normal_cdf_array)(p, out, size);
}
void normal_cdf(const double* x, double* out, std::ptrdiff_t size) { HWY_DYNAMIC_DISPATCH(normal_cdf_array)(x, out, size); }
// The scalar forms of Φ⁻¹ and Φ are the block forms of one value, so they have the block forms'
// bits (vector_math's logarithm and Cephes' ndtr, not libm's log and erfc) on every machine.
double inverse_normal_cdf(double p) noexcept {
    double z;
    HWY_DYNAMIC_DISPATCH(inverse_normal_cdf_array)(&p, &z, 1);
    return z;
}
double normal_cdf(double x) noexcept {
    double p;
    HWY_DYNAMIC_DISPATCH(normal_cdf_array)(&x, &p, 1);
    return p;
}
void quantile_table::evaluate(const double* u, double* out, std::ptrdiff_t size) const {
    HWY_DYNAMIC_DISPATCH(quantile_table_array)(*this, u, out, size);
}
void detail::pcg32_uniforms(const std::uint64_t* starts, const std::uint64_t* increments, std::int64_t dims,
                            const lcg_jump* lane_jumps, const lcg_jump& per_lane_group, std::uint64_t a, double* out,
                            std::int64_t rows, std::int64_t stride) {
    HWY_DYNAMIC_DISPATCH(uniforms)(starts, increments, dims, lane_jumps, per_lane_group, a, out, rows, stride);
}
void output_statistics::describe_column(const double* x, std::size_t n, chunk::column& c) noexcept {
    HWY_DYNAMIC_DISPATCH(moments)(x, n, c);
}
paired_changes paired_changes_at_most(const double* a, const double* b, std::size_t n, double cutoff) noexcept {
    return HWY_DYNAMIC_DISPATCH(changes_at_most)(a, b, n, cutoff);
}
void paired_differences(const double* a, const double* b, std::size_t n, double* out) noexcept {
    HWY_DYNAMIC_DISPATCH(differences)(a, b, n, out);
}

namespace {
struct target_name {
    const char* name;
    std::int64_t bits;  // Highway's targets that go by this name
};
// Best first.
constexpr target_name target_names[] = {
    {"avx512", HWY_AVX3 | HWY_AVX3_DL}, {"avx2", HWY_AVX2}, {"sse4", HWY_SSE4}, {"sve2", HWY_SVE2 | HWY_SVE2_128},
    {"sve", HWY_SVE | HWY_SVE_256},     {"neon", HWY_NEON}, {"scalar", HWY_SCALAR | HWY_EMU128},
};

std::string name_of(std::int64_t target) {
    for (const auto& t : target_names)
        if (t.bits & target) return t.name;
    return hwy::TargetName(target);
}

std::vector<std::string> supported_names() {
    std::vector<std::string> names;
    for (std::int64_t t : hwy::SupportedAndGeneratedTargets()) {
        const std::string name = name_of(t);
        if (names.empty() || names.back() != name) names.push_back(name);
    }
    return names;
}

// The targets restrict_simd_target disabled (Highway does not report them back).
std::int64_t restriction = 0;

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}
}  // namespace

std::string simd_target() { return name_of(HWY_DYNAMIC_DISPATCH(compiled_target)()); }

std::vector<std::string> simd_targets_supported() {
    hwy::DisableTargets(0);  // what the processor supports, not what a restriction leaves
    std::vector<std::string> names = supported_names();
    hwy::DisableTargets(restriction);
    return names;
}

void restrict_simd_target(const std::string& name, const std::string& source) {
    if (name.empty()) {
        restriction = 0;
        hwy::DisableTargets(restriction);
        return;
    }
    const target_name* chosen = nullptr;
    std::string all;
    for (const auto& t : target_names) {
        if ((t.bits & HWY_TARGETS) == 0) continue;  // not compiled for this architecture
        all += (all.empty() ? "" : ", ") + std::string(t.name);
        if (name == t.name) chosen = &t;
    }
    if (!chosen)
        throw usage_error(source + "=" + name + ": not a target of this build; expected one of " + all);
    const std::vector<std::string> supported = simd_targets_supported();
    if (std::find(supported.begin(), supported.end(), name) == supported.end())
        throw usage_error(source + "=" + name + ": this processor does not support it; it supports " + joined(supported));
    // Every target better than the chosen one: the names listed before it, and any target of
    // Highway's with a lower bit (lower is better) that goes by no name here.
    std::int64_t better = 0;
    for (const target_name* t = target_names; t != chosen; ++t) better |= t->bits;
    const std::int64_t lowest = chosen->bits & -chosen->bits;
    restriction = (better | (lowest - 1)) & ~chosen->bits;
    hwy::DisableTargets(restriction);
}

void restrict_simd_target_from_environment() {
    const char* value = std::getenv("FABRISK_TARGET");
    restrict_simd_target(value ? value : "", "FABRISK_TARGET");
}
}  // namespace fabrisk

namespace fabrisk::buildout {
HWY_EXPORT(draw_block);
HWY_EXPORT(evaluate_block);
void detail::draw_block(const model& m, const uniform_columns& uniforms, model::workspace& ws) {
    HWY_DYNAMIC_DISPATCH(draw_block)(m, uniforms, ws);
}
void detail::evaluate_block(const model& m, const uniform_columns& uniforms,
                            Eigen::Ref<Eigen::ArrayXXd> outputs, model::workspace& ws) {
    HWY_DYNAMIC_DISPATCH(evaluate_block)(m, uniforms, outputs, ws);
}
}  // namespace fabrisk::buildout
#endif  // HWY_ONCE
