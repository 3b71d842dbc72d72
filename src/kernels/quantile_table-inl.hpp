/// \file kernels/quantile_table-inl.hpp
/// A quantile_table's block form, per target (see lanes-inl.hpp).
#include <cmath>
#include <cstdint>

#include "fabrisk/quantile_table.hpp"
#include "kernels/lanes-inl.hpp"
#include "kernels/vector_math-inl.hpp"

#if defined(FABRISK_KERNELS_QUANTILE_TABLE_INL_) == defined(HWY_TARGET_TOGGLE)
#ifdef FABRISK_KERNELS_QUANTILE_TABLE_INL_
#undef FABRISK_KERNELS_QUANTILE_TABLE_INL_
#else
#define FABRISK_KERNELS_QUANTILE_TABLE_INL_
#endif

HWY_BEFORE_NAMESPACE();
namespace fabrisk::HWY_NAMESPACE {

/// The quantile at `size` probabilities `u` (in place is allowed), a vector at a time; the
/// exact quantile beyond the grid.
inline void tabulated_quantiles(const quantile_table& table, const double* u, double* out, std::int64_t size) {
    const quantile_table::grid g = table.tabulated();
    // Three passes over runs of up to 256 values (logit, interpolation, exponential), so
    // the long log and exp chains of successive vectors overlap.
    constexpr int width = lanes::count;
    constexpr std::int64_t run = 256;
    alignas(64) double x_run[run], v_run[run], above_run[run];
    const std::int64_t low_last = g.half - 2, high_last = g.size - g.half - 2;
    const bool bounded = std::isfinite(g.upper_end);
    for (std::int64_t start = 0; start < size; start += run) {
        const std::int64_t len = std::min(run, size - start);
        const std::int64_t padded = (len + width - 1) / width * width;
        for (std::int64_t i = 0; i < len; ++i) x_run[i] = u[start + i];
        for (std::int64_t i = len; i < padded; ++i) x_run[i] = 0.5;  // a short last vector is padded with ½
        lanes::ints out_of_grid{};
        for (std::int64_t i = 0; i < padded; i += width) {
            lanes::doubles x;
            FABRISK_LANES_LOAD(x, x_run + i);
            const lanes::ints in = x >= g.u_first && x <= 1.0 - g.u_first;  // false for NaN
            out_of_grid |= ~in;
            const lanes::doubles ratio = in ? x / (1.0 - x) : lanes::doubles{} + 1.0;
            FABRISK_LANES_STORE(v_run + i, ratio);
        }
        vector_math::log(v_run, v_run, padded);
        for (std::int64_t i = 0; i < padded; i += width) {
            lanes::doubles s;
            FABRISK_LANES_LOAD(s, v_run + i);
            const lanes::ints low = s <= 0;
            lanes::doubles t = (low ? s + quantile_table::s_max : s) / g.step;
            lanes::ints k = __builtin_convertvector(t, lanes::ints);  // t ≥ 0 but for rounding: truncation as the scalar form
            const lanes::ints last = low ? lanes::ints{} + low_last : lanes::ints{} + high_last;
            k = k < last ? k : last;
            t -= __builtin_convertvector(k, lanes::doubles);
            const lanes::ints at = low ? k : k + g.half;
            const lanes::ints next = at + 1;
            lanes::doubles y0, dy0, y1, dy1;
            lanes::gather(g.values, at, y0);
            lanes::gather(g.slopes, at, dy0);
            lanes::gather(g.values, next, y1);
            lanes::gather(g.slopes, next, dy1);
            const lanes::doubles t2 = t * t, t3 = t2 * t;
            const lanes::doubles h00 = 2 * t3 - 3 * t2 + 1, h10 = t3 - 2 * t2 + t, h01 = -2 * t3 + 3 * t2, h11 = t3 - t2;
            lanes::doubles v = h00 * y0 + h10 * dy0 + h01 * y1 + h11 * dy1;
            FABRISK_LANES_STORE(v_run + i, v);
            // Above the median of a bounded support v is ln(b − x): noted for the last pass.
            const lanes::doubles above = low ? lanes::doubles{} : lanes::doubles{} + 1.0;
            FABRISK_LANES_STORE(above_run + i, above);
        }
        vector_math::exp(v_run, v_run, padded);
        if (bounded)
            for (std::int64_t i = 0; i < padded; i += width) {
                lanes::doubles v, above;
                FABRISK_LANES_LOAD(v, v_run + i);
                FABRISK_LANES_LOAD(above, above_run + i);
                v = above != 0 ? g.upper_end - v : v;
                FABRISK_LANES_STORE(v_run + i, v);
            }
        for (std::int64_t i = 0; i < len; ++i) out[start + i] = v_run[i];
        if (!g.usable || lanes::any(out_of_grid))  // beyond the grid (or no table): the exact quantile, from the copy of u
            for (std::int64_t i = 0; i < len; ++i)
                if (!g.usable || !(x_run[i] >= g.u_first && x_run[i] <= 1.0 - g.u_first)) out[start + i] = table(x_run[i]);
    }
}

}  // namespace fabrisk::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
