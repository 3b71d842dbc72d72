/// \file kernels/buildout/model-inl.hpp
/// The build-out model's trial (docs/model.md §4), per target (see kernels/lanes-inl.hpp), for
/// a block of trials: the inputs drawn column by column (structure of arrays), then the grid
/// phase, trials played forward lanes::count at a time, one trial per vector lane. Capital and
/// capacity on the grid are sums of clamped lines (ramp_sums-inl.hpp), two paired updates per
/// pledge and per fab, and funding is a binary search per fab on the never-falling capital
/// curve, so a trial costs O(fabs·log n + investors + n).
///
/// It reads the model's precomputed plan (buildout/model.hpp) as a friend (detail::trial_kernel).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include <Eigen/Core>

#include "fabrisk/buildout/model.hpp"
#include "kernels/distribution-inl.hpp"
#include "kernels/lanes-inl.hpp"
#include "kernels/normal-inl.hpp"
#include "kernels/ramp_sums-inl.hpp"
#include "kernels/vector_math-inl.hpp"

#if defined(FABRISK_KERNELS_BUILDOUT_MODEL_INL_) == defined(HWY_TARGET_TOGGLE)
#ifdef FABRISK_KERNELS_BUILDOUT_MODEL_INL_
#undef FABRISK_KERNELS_BUILDOUT_MODEL_INL_
#else
#define FABRISK_KERNELS_BUILDOUT_MODEL_INL_
#endif

HWY_BEFORE_NAMESPACE();
namespace fabrisk::buildout::detail {

template <>
struct trial_kernel<HWY_TARGET> {
    /// model::evaluate: the inputs, then the grid phase of every trial of the block.
    static void evaluate(const model& self, const Eigen::Ref<const Eigen::ArrayXXd>& u, Eigen::Ref<Eigen::ArrayXXd> out,
                         model::workspace& ws) {
        constexpr int L = ::fabrisk::HWY_NAMESPACE::lanes::count;
        draw_inputs(self, u, ws);
        const Eigen::Index rows = u.rows();
        for (Eigen::Index b = 0; b < rows; b += L) play_lanes(self, b, std::min<Eigen::Index>(L, rows - b), ws, out);
    }

    /// model::draw_inputs: ws.scalars (trials × 10, by scalar_input), ws.shock_time (+inf when no
    /// shock), ws.investor_tau (+inf when the investor stays), ws.investor_pledge, ws.overrun and
    /// ws.delay (trials × fabs, plan order). Plain loops, which g++ vectorises for the target.
    static void draw_inputs(const model& self, const Eigen::Ref<const Eigen::ArrayXXd>& u, model::workspace& ws) {
        using ::fabrisk::HWY_NAMESPACE::from_normal_scores;
        using ::fabrisk::HWY_NAMESPACE::inverse_normal_cdf;
        using ::fabrisk::HWY_NAMESPACE::quantiles;
        const Eigen::Index rows = u.rows();
        auto column = [&](int dim) { return u.data() + static_cast<Eigen::Index>(dim) * u.outerStride(); };
        auto fill = [&](double* to, double value) {
            for (Eigen::Index b = 0; b < rows; ++b) to[b] = value;
        };
        const scenario& s = self.s_;
        ws.scalars.resize(rows, scalar_input_count);
        for (std::size_t k = 0; k < scalar_input_count; ++k) {
            double* const to = ws.scalars.col(static_cast<Eigen::Index>(k)).data();
            if (is_fixed(s.scalars[k]))
                fill(to, s.scalars[k].p0);
            else if (self.scalar_dim_[k] != model::none)
                quantiles(s.scalars[k], column(self.scalar_dim_[k]), to, rows);
        }
        for (const auto& block : self.copulas_) {
            const auto d = static_cast<Eigen::Index>(block.inputs.size());
            ws.copula_in.resize(rows, d);
            ws.copula_out.resize(rows, d);
            for (Eigen::Index i = 0; i < d; ++i)
                inverse_normal_cdf(column(block.first_dim + static_cast<int>(i)), ws.copula_in.col(i).data(), rows);
            block.copula.correlate(ws.copula_in, ws.copula_out);
            for (Eigen::Index i = 0; i < d; ++i) {
                const auto k = block.inputs[static_cast<std::size_t>(i)];
                from_normal_scores(s.scalars[k], ws.copula_out.col(i).data(), ws.scalars.col(static_cast<Eigen::Index>(k)).data(),
                                   rows);
            }
        }

        // Shock time, +inf when the shock does not occur.
        ws.shock_time.resize(rows);
        const double inf = std::numeric_limits<double>::infinity();
        for (Eigen::Index b = 0; b < rows; ++b) {
            bool occurs = s.shock_probability >= 1 ||
                          (self.shock_occurs_dim_ != model::none && u(b, self.shock_occurs_dim_) < s.shock_probability);
            ws.shock_time[b] = !occurs ? inf
                               : self.shock_time_dim_ == model::none ? s.shock_time.p0
                                                                     : ::fabrisk::quantile(s.shock_time, u(b, self.shock_time_dim_));
        }

        // Investors: drop-out time (+inf when the investor stays) and pledge.
        const auto investors = static_cast<Eigen::Index>(s.investors.size());
        ws.investor_tau.resize(rows, investors);
        ws.investor_pledge.resize(rows, investors);
        const double g = s.dropout_global, w = s.dropout_within_group;
        const double a_g = std::sqrt(g), a_w = std::sqrt(w), a_e = std::sqrt(std::max(0.0, 1.0 - g - w));
        if (self.dropout_common_dim_ != model::none) {
            ws.common.resize(rows);
            inverse_normal_cdf(column(self.dropout_common_dim_), ws.common.data(), rows);
            ws.group_score.resize(rows * static_cast<Eigen::Index>(self.group_count_));
            for (std::size_t grp = 0; grp < self.group_count_; ++grp)
                inverse_normal_cdf(column(self.dropout_group_first_dim_ + static_cast<int>(grp)),
                                   ws.group_score.data() + static_cast<Eigen::Index>(grp) * rows, rows);
        }
        ws.work.resize(rows);
        for (Eigen::Index i = 0; i < investors; ++i) {
            const auto at = static_cast<std::size_t>(i);
            const investor& v = s.investors[at];
            const double q = v.dropout_probability;
            double* const tau = ws.investor_tau.col(i).data();
            if (q <= 0) {
                fill(tau, inf);
            } else {
                if (self.tau_dim_[at] != model::none)
                    quantiles(s.dropout_time, column(self.tau_dim_[at]), tau, rows);
                else
                    fill(tau, s.dropout_time.p0);
                if (q < 1) {
                    inverse_normal_cdf(column(self.dropout_own_first_dim_ + static_cast<int>(i)), ws.work.data(), rows);
                    const double* const common = ws.common.data();
                    const double* const group = ws.group_score.data() + static_cast<Eigen::Index>(self.investor_group_[at]) * rows;
                    const double* const own = ws.work.data();
                    const double threshold = self.dropout_threshold_[at];
                    for (Eigen::Index b = 0; b < rows; ++b) {
                        const double z = a_g * common[b] + a_w * group[b] + a_e * own[b];
                        tau[b] = z < threshold ? tau[b] : inf;
                    }
                }
            }
            double* const pledge = ws.investor_pledge.col(i).data();
            if (self.pledge_dim_[at] != model::none)
                quantiles(v.pledge_busd, column(self.pledge_dim_[at]), pledge, rows);
            else
                fill(pledge, v.pledge_busd.p0);
        }

        draw_factor_block(self, u, s.capex_overrun, s.capex_overrun_correlation, self.overrun_dims_, ws.overrun, ws);
        draw_factor_block(self, u, s.delay_years, s.delay_correlation, self.delay_dims_, ws.delay, ws);
    }

    /// One value of `d` per fab (columns of `out`) from one-factor normal scores
    /// √ρ·common + √(1 − ρ)·own (docs/model.md §3), or independent draws when ρ = 0.
    static void draw_factor_block(const model& self, const Eigen::Ref<const Eigen::ArrayXXd>& u, const distribution& d,
                                  double rho, const model::factor_dims& dims, Eigen::ArrayXXd& out, model::workspace& ws) {
        const Eigen::Index rows = u.rows();
        const auto entities = static_cast<Eigen::Index>(self.fab_start_.size());
        auto column = [&](int dim) { return u.data() + static_cast<Eigen::Index>(dim) * u.outerStride(); };
        out.resize(rows, entities);
        if (is_fixed(d)) {
            for (Eigen::Index f = 0; f < entities; ++f)
                for (Eigen::Index b = 0; b < rows; ++b) out(b, f) = d.p0;
            return;
        }
        if (dims.common == model::none) {  // ρ = 0: independent draws
            for (Eigen::Index f = 0; f < entities; ++f)
                ::fabrisk::HWY_NAMESPACE::quantiles(d, column(dims.first_own + static_cast<int>(f)), out.col(f).data(), rows);
            return;
        }
        ws.common.resize(rows);
        ::fabrisk::HWY_NAMESPACE::inverse_normal_cdf(column(dims.common), ws.common.data(), rows);
        ws.work.resize(rows);
        const double a = std::sqrt(rho), b = std::sqrt(1.0 - rho);
        const double* const common = ws.common.data();
        double* const work = ws.work.data();
        for (Eigen::Index f = 0; f < entities; ++f) {
            if (dims.first_own == model::none) {
                for (Eigen::Index r = 0; r < rows; ++r) work[r] = a * common[r];
            } else {
                ::fabrisk::HWY_NAMESPACE::inverse_normal_cdf(column(dims.first_own + static_cast<int>(f)), work, rows);
                for (Eigen::Index r = 0; r < rows; ++r) work[r] = a * common[r] + b * work[r];
            }
            ::fabrisk::HWY_NAMESPACE::from_normal_scores(d, work, out.col(f).data(), rows);
        }
    }

private:
    /// Doubles between the five ramp sums' rows: n rows and a spare, padded by 192 bytes so the
    /// sums stay off the same 4 KiB offsets, where the CPU would mistake their stores and loads
    /// for dependent ones; even, so every (A, B) pair stays in one 16-byte slot.
    static Eigen::Index stride_of_sums(int n) { return n * ::fabrisk::HWY_NAMESPACE::ramp_sums::row + 24; }

    /// Capital, funding, completion and the ramp sums' differences of trials b0 … b0 + count − 1,
    /// all lanes at once; also the outputs these settle and the per-lane inputs of the grid phase.
    static void schedule_lanes(const model& self, Eigen::Index b0, Eigen::Index count, model::workspace& ws,
                               Eigen::Ref<Eigen::ArrayXXd> out) {
        namespace lanes = ::fabrisk::HWY_NAMESPACE::lanes;
        namespace ramp_sums = ::fabrisk::HWY_NAMESPACE::ramp_sums;
        // The lanes are computed as one vector value each (lanes-inl.hpp): every lane runs exactly
        // the same arithmetic, whatever its neighbours hold.
        using doubles = lanes::doubles;
        using ints = lanes::ints;
        constexpr int L = lanes::count;
        const int n = self.n_;
        const std::int64_t last = n;  // the grid index n: the capital at t_n, and the ramps' spare row
        const std::size_t investors = self.s_.investors.size(), fabs = self.fab_start_.size();
        const double inf = std::numeric_limits<double>::infinity(), m = self.m_;
        const doubles zero{}, one = zero + 1.0;
        const ints zero_ints{};
        ints lane_index;
        lanes::iota(lane_index);

        // L consecutive trials of one input column. A short last group reads a padded copy whose
        // idle lanes hold harmless values (no pledge, no drop-out, no overrun, no delay).
        double* spare = ws.tail.data();
        auto column = [&](const Eigen::ArrayXXd& a, Eigen::Index col, double idle) -> const double* {
            const double* p = a.data() + col * a.rows() + b0;
            if (count == L) return p;
            double* q = spare;
            spare += L;
            for (int b = 0; b < L; ++b) q[b] = b < count ? p[b] : idle;
            return q;
        };
        auto scalar = [&](scalar_input x, double idle) { return column(ws.scalars, static_cast<Eigen::Index>(x), idle); };

        // 1. Capital on the grid, [k][lane]: C(t) = Σ P_i·clamp((min(t, τ_i) − b_i)/d_i, 0, 1)
        //    (docs/model.md §4.2).
        //    In grid units a pledge is a line (ramp_sums-inl.hpp) of slope P_i/(d_i·m) from b_i·m to
        //    where it is paid in full or the investor drops out, clamp(τ_i·m, b_i·m, (b_i + d_i)·m):
        //    two updates per investor and one pass over the grid, not investors × steps.
        constexpr std::int64_t row = ramp_sums::row;
        ints slot_offset;
        FABRISK_LANES_LOAD(slot_offset, ramp_sums::slot_offsets);
        double* const C = ws.capital.data();
        double* const pledge_rows = ws.pledge_rows.data();
        double* const terms = ws.investor_lanes.data();  // [investor][cap, pledge][lane]
        const std::int64_t pledge_spare = last + 1;  // takes the updates past t_n
        for (std::size_t i = 0; i < investors; ++i) {
            const auto col = static_cast<Eigen::Index>(i);
            const investor& iv = self.s_.investors[i];
            doubles tau, pledge;
            FABRISK_LANES_LOAD(tau, column(ws.investor_tau, col, inf));
            FABRISK_LANES_LOAD(pledge, column(ws.investor_pledge, col, 0.0));
            const double begin = iv.disburse_start * m, paid = begin + iv.disburse_years * m;
            const doubles x = tau * m;
            const doubles end = x > begin ? (x < paid ? x : zero + paid) : zero + begin;
            const ints end_seen = end < n;
            const doubles end_in = end_seen ? end : zero;
            const ints at_end = ((end_seen ? __builtin_convertvector(end_in, ints) + 1 : zero_ints + pledge_spare) << ramp_sums::row_shift) + slot_offset;
            const std::int64_t k_begin = begin < n ? static_cast<std::int64_t>(begin) + 1 : pledge_spare;
            const doubles slope = pledge * (1.0 / (iv.disburse_years * m)), minus = -slope;
            ramp_sums::add(pledge_rows, k_begin * row + slot_offset, slope, slope * begin);
            ramp_sums::add(pledge_rows, at_end, minus, minus * end_in);
            // For the direct sum below: the share paid by τ_i, clamp((τ_i − b_i)/d_i, 0, 1).
            const doubles y = (tau - iv.disburse_start) * (1.0 / iv.disburse_years);
            const doubles cap = y > 0 ? (y < 1 ? y : one) : zero;
            FABRISK_LANES_STORE(terms + 2 * i * L, cap);
            FABRISK_LANES_STORE(terms + (2 * i + 1) * L, pledge);
        }
        // C never falls in k (pledges are non-negative), so rounding residues are held to the last
        // value. A pledge that overflowed makes inf − inf; such lanes sum each grid time directly,
        // where nothing disbursed is nothing, even from an infinite pledge.
        {
            ramp_sums::running raised;
            doubles before = zero;
            ints broken{};
            for (std::int64_t k = 0; k <= last; ++k) {
                doubles c;
                raised.step(pledge_rows + k * row, double(k), c);
                broken |= ~(c - c == 0);  // NaN or ±inf
                c = c > before ? c : before;
                FABRISK_LANES_STORE(C + k * L, c);
                before = c;
            }
            for (int b = 0; b < static_cast<int>(row); ++b) pledge_rows[pledge_spare * row + b] = 0;
            // Since clamping and rounding are monotone, the share paid by t_k is exactly
            // min(clamp((t_k − b_i)/d_i), clamp((τ_i − b_i)/d_i)): the first is the same in every
            // lane and tabulated once (self.disbursed_share_), the second is each lane's cap.
            const bool any_broken = lanes::any(broken);
            for (std::int64_t k = 0; any_broken && k <= last; ++k) {
                const double* const scheduled = self.disbursed_share_.data() + k * static_cast<std::int64_t>(investors);
                doubles c = zero;
                for (std::size_t i = 0; i < investors; ++i) {
                    doubles cap, pledge;
                    FABRISK_LANES_LOAD(cap, terms + 2 * i * L);
                    FABRISK_LANES_LOAD(pledge, terms + (2 * i + 1) * L);
                    const doubles share_in = scheduled[i] < cap ? zero + scheduled[i] : cap;
                    c += share_in == 0 ? zero : pledge * share_in;
                }
                doubles from_lines;
                FABRISK_LANES_LOAD(from_lines, C + k * L);
                c = broken ? c : from_lines;
                FABRISK_LANES_STORE(C + k * L, c);
            }
        }
        // A(t_k) = s·C(t_k), which never falls in k (pledges are non-negative and rounding is
        // monotone); a zero share puts nothing aside, even from an infinite C.
        doubles share;
        FABRISK_LANES_LOAD(share, scalar(scalar_input::fab_capital_share, 1.0));
        double* const A = ws.available.data();
        for (std::int64_t k = 0; k <= last; ++k) {
            doubles c;
            FABRISK_LANES_LOAD(c, C + k * L);
            const doubles a = share == 0 ? zero : share * c;
            FABRISK_LANES_STORE(A + k * L, a);
        }

        // How each lane's ramps are drawn: a clamped line of R·m steps, or (R·m below 1e-6 of a
        // step, including R = 0) a step function, added by add_step_ramp one lane at a time.
        const double* const R = scalar(scalar_input::ramp_years, 1.0);
        doubles ramp_years;
        FABRISK_LANES_LOAD(ramp_years, R);
        const doubles Rm = ramp_years * m;
        const ints line = Rm >= 1e-6;
        const doubles inv_Rm = line ? one / Rm : zero;
        const bool all_lines = !lanes::any(~line);

        // The five ramp sums (ramp_sums-inl.hpp), each in rows [k][slot][A, B]; row n is a spare row
        // that takes the updates no step sees, so every lane writes every time.
        const Eigen::Index sum_stride = stride_of_sums(self.n_);
        double* const ramps = ws.ramps.data();
        const double t_n = self.grid_times_[static_cast<std::size_t>(n)];
        // A ramp in lanes: w·clamp((t_k − c)/R, 0, 1) on the grid. In grid units it is the line of
        // slope w·s, s = 1/(R·m), from a = c·m to e = a + R·m: two paired updates per sum.
        auto add_ramps = [&](const double* c_lanes, double w1, double w2, Eigen::Index sum1, Eigen::Index sum2) __attribute__((always_inline)) {
            doubles c;
            FABRISK_LANES_LOAD(c, c_lanes);
            const ints seen = (c < t_n) & line;  // some step sees it (c may be +inf)
            const doubles a = seen ? c * m : zero, e = a + Rm;
            const ints ends = seen & (e < n);
            const doubles e_in = ends ? e : zero;
            // ⌊x⌋ + 1 for 0 ≤ x ≤ n (truncation is exact there).
            const ints ka = __builtin_convertvector(a, ints) + 1, ke = __builtin_convertvector(e_in, ints) + 1;
            const ints at_start = (((seen & (ka < last)) ? ka : zero_ints + last) << ramp_sums::row_shift) + slot_offset;
            const ints at_end = (((ends & (ke < last)) ? ke : zero_ints + last) << ramp_sums::row_shift) + slot_offset;
            auto add = [&](double w, Eigen::Index sum) {
                const doubles slope = w * inv_Rm, minus = -slope;
                ramp_sums::add(ramps + sum, at_start, slope, slope * a);
                ramp_sums::add(ramps + sum, at_end, minus, minus * e_in);
            };
            add(w1, sum1);
            if (sum2 >= 0) add(w2, sum2);
            if (all_lines) return;
            for (int b = 0; b < L; ++b) {
                if (line[b] != 0 || !(c[b] < t_n)) continue;
                model::scatter_entry* next = ws.scatter.data();
                self.add_step_ramp(c[b], R[b], w1, w2, sum1 + slot_offset[b] + 1, sum2 < 0 ? sum2 : sum2 + slot_offset[b] + 1, row, next);
                for (const model::scatter_entry* u = ws.scatter.data(); u != next; ++u) ramps[u->at] += u->value;
            }
        };

        // 2–3. Funding in plan order (docs/model.md §4.3–4.4). A never falls, so fab f breaks ground at
        //      φ_f = max(κ_f, s_f's grid index, φ_{f−1}), κ_f the number of grid points with
        //      A(t_k) < X_f (within tolerance), found by a branch-free binary search in every lane
        //      at once; φ = n + 1 means unfunded, and so is every later fab.
        int top = 1;
        while (2 * top <= n + 1) top *= 2;
        // The search's first four levels probe the same fifteen grid points in every lane; with
        // 16·S > n they span the grid. (Three levels and seven points, a gather level more, cost
        // 15 ns a trial more; five and 31 points cost more again.)
        const int coarse = top >= 8 ? top / 8 : 1;
        const int coarse_points = static_cast<int>(std::min<std::int64_t>(15, (last + 1) / coarse));  // S·j − 1 ≤ n
        doubles cumulative{}, delay_sum{}, funded{}, completed{};
        ints phi{};
        alignas(64) double c_lanes[L];
        double* const completion = ws.completion.data();
        // Offsets of the five ramp sums: capacity of unexposed and of exposed fabs, staff needed by
        // each (unused when all fabs share one staff ratio: then Q is that ratio times N), and N⁰.
        const Eigen::Index n_kept = 0, n_exposed = sum_stride, q_kept = 2 * sum_stride, q_exposed = 3 * sum_stride,
                           planned = 4 * sum_stride, no_q = -1;
        // Every fab's search at once, level by level: each level is one independent gather per
        // fab, so their latencies overlap; between levels a search's state waits in the workspace.
        double* const needed = completion;  // X_f less the tolerance, until c_f replaces it
        std::int64_t* const below_all = ws.below.data();
        double* const delays = ws.delays.data();
        for (std::size_t f = 0; f < fabs; ++f) {
            const auto col = static_cast<Eigen::Index>(f);
            doubles overrun, delay;
            FABRISK_LANES_LOAD(overrun, column(ws.overrun, col, 1.0));
            FABRISK_LANES_LOAD(delay, column(ws.delay, col, 0.0));
            FABRISK_LANES_STORE(delays + f * L, delay);
            delay_sum += delay;
            cumulative += self.fab_capex_[f] * overrun;
            // A(t_k) ≥ X_f within tolerance: s·C(t_k) ≥ X_f − 1e-9·max(1, |X_f|).
            const doubles magnitude = cumulative < 0 ? -cumulative : cumulative;
            const doubles need = cumulative - 1e-9 * (magnitude > 1 ? magnitude : one);
            FABRISK_LANES_STORE(needed + f * L, need);
            // The coarse levels are a count over the points S·j − 1 (plain loads); the rest
            // refines within S points by gathers.
            ints below{};
            const double* probe = A + (coarse - 1) * L;
            for (int i = 0; i < coarse_points; ++i, probe += coarse * L) {
                doubles a;
                FABRISK_LANES_LOAD(a, probe);
                lanes::add_where(below, lanes::not_at_least(a, need), coarse);  // monotone: the points below are the first ones
            }
            FABRISK_LANES_STORE(below_all + f * L, below);
        }
        for (int step = coarse / 2; step >= 1; step /= 2) {
            for (std::size_t f = 0; f < fabs; ++f) {
                doubles need;
                ints below;
                FABRISK_LANES_LOAD(need, needed + f * L);
                FABRISK_LANES_LOAD(below, below_all + f * L);
                const ints probe = below + (step - 1);
                const ints inside = probe <= last;
                const ints at = ((inside ? probe : zero_ints + last) << lanes::count_shift) + lane_index;  // ·L, as a shift (see ramp_sums::row_shift)
                doubles a;
                lanes::gather(A, at, a);
                below += inside & ~(a >= need) & step;  // NaN needs (an overflowed X_f) are never met
                FABRISK_LANES_STORE(below_all + f * L, below);
            }
        }
        for (std::size_t f = 0; f < fabs; ++f) {
            ints below;
            doubles delay;
            FABRISK_LANES_LOAD(below, below_all + f * L);
            FABRISK_LANES_LOAD(delay, delays + f * L);
            ints k = below > self.fab_start_index_[f] ? below : self.fab_start_index_[f];
            k = k > phi ? k : phi;
            phi = k;
            const ints is_funded = k <= last;
            const doubles t = __builtin_convertvector(k, doubles) / m;  // t_k = k/m, as on the grid
            const doubles c = is_funded ? t + self.fab_build_[f] + delay : zero + inf;
            funded += (is_funded & (t <= self.deadline_limit_)) ? one : zero;  // at_most(φ, T_d)
            completed += c <= self.deadline_limit_ ? one : zero;               // c may be +inf, never ≤
            FABRISK_LANES_STORE(completion + f * L, c);
        }
        // Then the ramps, in a second pass: kept apart, the funding loop is short enough for the
        // CPU to overlap the searches (gathers) of successive fabs.
        for (std::size_t f = 0; f < fabs; ++f) {
            if (self.fab_exposed_[f])
                add_ramps(completion + f * L, self.fab_wafers_[f], self.fab_staff_[f], n_exposed, self.staff_ratio_ ? no_q : q_exposed);
            else
                add_ramps(completion + f * L, self.fab_wafers_[f], self.fab_staff_[f], n_kept, self.staff_ratio_ ? no_q : q_kept);
        }
        for (std::size_t p = 0; p < self.planned_completion_.size(); ++p) {
            for (int b = 0; b < L; ++b) c_lanes[b] = b < count ? self.planned_completion_[p] : inf;  // idle lanes plan nothing
            add_ramps(c_lanes, self.planned_wafers_[p], 0.0, planned, no_q);
        }
        for (int q = 0; q < 5; ++q)
            for (int b = 0; b < 2 * L; ++b) ramps[q * sum_stride + last * row + b] = 0;  // the spare row

        const double* shock_in = ws.shock_time.data() + b0;
        for (Eigen::Index lane = 0; lane < count; ++lane) {
            const Eigen::Index b = b0 + lane;
            out(b, static_cast<Eigen::Index>(output::capital_raised_busd)) = C[self.j_d_ * L + lane];  // t_{j_d} = T_d exactly
            out(b, static_cast<Eigen::Index>(output::fabs_funded)) = funded[lane];
            out(b, static_cast<Eigen::Index>(output::fabs_completed)) = completed[lane];
            out(b, static_cast<Eigen::Index>(output::mean_fab_delay_years)) = fabs ? delay_sum[lane] / double(fabs) : 0.0;
            out(b, static_cast<Eigen::Index>(output::geo_shock)) = at_most(shock_in[lane], self.t_d_) ? 1.0 : 0.0;
        }

        // The per-lane inputs of the grid phase; idle lanes play harmless inputs.
        double* const st = ws.state.data();
        const double* const workforce = scalar(scalar_input::initial_workforce, 0.0);
        const double* const hiring = scalar(scalar_input::hiring_per_year, 0.0);
        const double* const attrition = scalar(scalar_input::attrition_per_year, 0.0);
        const double* const decline = scalar(scalar_input::cost_decline, 0.0);
        const double* const elasticity = scalar(scalar_input::scale_elasticity, 0.0);
        const double* const yield = scalar(scalar_input::yield, 0.0);
        const double* const flops = scalar(scalar_input::flops_per_die, 0.0);
        const double* const severity = scalar(scalar_input::severity, 0.0);
        const double per_step = 12.0 / self.m_ * self.s_.dies_per_wafer;
        for (int b = 0; b < L; ++b) {
            st[lane_workforce * L + b] = workforce[b];
            st[lane_hiring * L + b] = hiring[b];
            st[lane_attrition * L + b] = attrition[b];
            st[lane_decline * L + b] = decline[b];
            st[lane_elasticity * L + b] = elasticity[b];
            st[lane_per_step * L + b] = per_step * yield[b] * flops[b];
            st[lane_kept * L + b] = 1.0 - severity[b];
            const double shock = b < count ? shock_in[b] : inf;
            st[lane_shock_step * L + b] = std::isfinite(shock) ? self.first_index_at_least(shock) : n + 1;
        }
    }

    /// The grid phase (steps 6–10 and the outputs) for trials b0 … b0 + count − 1.
    static void play_lanes(const model& self, Eigen::Index b0, Eigen::Index count, model::workspace& ws,
                           Eigen::Ref<Eigen::ArrayXXd> out) {
        namespace lanes = ::fabrisk::HWY_NAMESPACE::lanes;
        namespace ramp_sums = ::fabrisk::HWY_NAMESPACE::ramp_sums;
        namespace vector_math = ::fabrisk::HWY_NAMESPACE::vector_math;
        // Every per-lane quantity is one lanes::doubles value (lanes-inl.hpp), kept in registers across
        // the steps: each lane runs exactly the same arithmetic, whatever its neighbours hold.
        using doubles = lanes::doubles;
        using ints = lanes::ints;
        constexpr int L = lanes::count;
        const int n = self.n_;
        const double delta = 1.0 / self.m_, inf = std::numeric_limits<double>::infinity();
        schedule_lanes(self, b0, count, ws, out);
        const double* const st = ws.state.data();
        doubles W, h, attrition, r, kappa, per_step, kept, k_shock;
        FABRISK_LANES_LOAD(W, st + lane_workforce * L);
        FABRISK_LANES_LOAD(h, st + lane_hiring * L);
        FABRISK_LANES_LOAD(attrition, st + lane_attrition * L);
        FABRISK_LANES_LOAD(r, st + lane_decline * L);
        FABRISK_LANES_LOAD(kappa, st + lane_elasticity * L);
        FABRISK_LANES_LOAD(per_step, st + lane_per_step * L);
        FABRISK_LANES_LOAD(kept, st + lane_kept * L);
        FABRISK_LANES_LOAD(k_shock, st + lane_shock_step * L);
        const doubles zero{}, one = zero + 1.0;
        bool elasticity_one = true, elasticity_zero = true;
        for (Eigen::Index lane = 0; lane < count; ++lane) {
            elasticity_one = elasticity_one && kappa[lane] == 1;
            elasticity_zero = elasticity_zero && kappa[lane] == 0;
        }
        // The growth factor x^(−Δ) of x = 1 − r_k, in place. With m = 2^j steps a year it is
        // 1/√…√x (j square roots, each correctly rounded), far cheaper than exp(−Δ·ln x).
        int roots = -1;
        for (int j = 0; j <= 6; ++j)
            if (self.m_ == 1 << j) roots = j;
        auto growth = [&](doubles& x) {
            if (roots >= 0) {
                for (int j = 0; j < roots; ++j) lanes::sqrt(x, x);
                x = 1.0 / x;
            } else {
                vector_math::log_lanes(x, x);
                x *= -delta;
                vector_math::exp_lanes(x, x);
            }
        };
        doubles full_growth = one - r;
        growth(full_growth);

        // 6–10 (docs/model.md §4.7), step by step, the lanes side by side. The five ramp sums are
        // walked up the grid (ramp_sums-inl.hpp), their rows zeroed behind for the next group; rounding residues are
        // never allowed below zero. With a shared staff ratio the Q sums (2 and 3) stay zero and
        // Q = ratio·N, so they are skipped.
        const double wafer_unit = self.wafer_unit_, staff_unit = self.staff_unit_, staff_ratio = self.staff_ratio_;
        const bool staff_sums = self.staff_ratio_ == 0;
        // W/c as W·per_staff, where c = staff_unit·ratio; a subnormal c (whose reciprocal
        // overflows, so W = 0 would give 0·inf) divides each step as in the general case.
        const double per_staff = staff_sums ? 0.0 : 1.0 / (staff_unit * staff_ratio);
        const bool divide_each_step = staff_sums || !std::isfinite(per_staff);
        const Eigen::Index sum_stride = stride_of_sums(self.n_);
        ramp_sums::running sums[5];
        doubles v[5] = {};
        doubles G = one, G_deadline = one, staffing_deadline = one;
        double* const F_all = ws.added.data();
        for (int k = 0; k < n; ++k) {
            double* const d = ws.ramps.data() + k * ramp_sums::row;
            for (int q = 0; q < 5; ++q) {
                if (!staff_sums && (q == 2 || q == 3)) continue;
                doubles value;
                sums[q].step(d + q * sum_stride, double(k), value);
                v[q] = value > 0 ? value : zero;
            }
            const doubles alpha = double(k) >= k_shock ? kept : one;
            // N, Q and N⁰ in units (the scales cancel in λ); min(1, x) as std::min does it, so a
            // NaN ratio (inf/inf) counts as 1.
            const doubles n_units = v[0] + alpha * v[1], n0_units = v[4];
            const doubles Q = staff_unit * (staff_ratio * n_units + (v[2] + alpha * v[3]));
            // 7. σ = min(1, W/Q) (1 when Q = 0). With one staff ratio c, Q = c·N and
            //    σ·N = min(N, W/c): no division per step (the divider is the grid phase's
            //    bottleneck), and σ itself only at the deadline.
            auto staffing = [&](doubles& sigma) {
                sigma = W / (Q == 0 ? one : Q);
                sigma = ((Q == 0) | !(sigma < 1.0)) ? one : sigma;
            };
            doubles made;  // σ·N, zero whenever σ·N is
            if (divide_each_step) {
                doubles sigma;
                staffing(sigma);
                made = sigma * n_units * wafer_unit;
                if (k == self.j_d_ - 1) staffing_deadline = sigma;
            } else {
                made = (W < Q ? W * per_staff : n_units) * wafer_unit;
                if (k == self.j_d_ - 1) staffing(staffing_deadline);
            }
            // 10. W ← max(0, W + Δ·(h − a·W)).
            const doubles w = W + delta * (h - attrition * W);
            W = w > 0 ? w : zero;
            // 9. r_k = r·λ^κ (λ^0 = 1, also for λ = 0); growth (1 − r_k)^(−Δ). When every lane is
            //    at planned scale (λ = 1, e.g. before any planned fab is done) the growth is each
            //    lane's constant (1 − r)^(−Δ).
            //    λ = min(1, N/N⁰) is below 1 only when N < N⁰ (λ = 1 when N⁰ = 0, or for a NaN
            //    ratio as std::min gives it).
            const ints short_of_plan = (n0_units != 0) & (n_units < n0_units);
            doubles rate;
            if (!lanes::any(short_of_plan)) {
                rate = full_growth;
            } else if (elasticity_one && roots == 0) {
                // (1 − r·N/N⁰)^(−1) = N⁰/(N⁰ − r·N): one division where λ and the reciprocal took two.
                rate = short_of_plan ? n0_units / (n0_units - r * n_units) : full_growth;
            } else if (elasticity_one && roots > 0) {
                // (1 − r·N/N⁰)^(−Δ), Δ = 2^−roots, by Newton's method rather than square roots
                // (lanes-inl.hpp): one division, and y = 1 − r·λ lies in [1 − r, 1], far from 0.
                const doubles y = short_of_plan ? (n0_units - r * n_units) / n0_units : one;
                lanes::inverse_root_pow2(y, roots, rate);
                rate = short_of_plan ? rate : full_growth;
            } else {
                rate = n_units / (n0_units == 0 ? one : n0_units);
                rate = ((n0_units == 0) | !(rate < 1.0)) ? one : rate;
                if (elasticity_one) {
                    rate *= r;
                } else if (elasticity_zero) {
                    rate = r;
                } else {
                    doubles power = rate;
                    vector_math::log_lanes(power, power);
                    power *= kappa;
                    vector_math::exp_lanes(power, power);
                    rate = kappa == 0 ? r : rate > 0 ? r * power : zero;
                }
                rate = 1.0 - rate;
                growth(rate);
            }
            // 8. F_k = 12·Δ·σ·N·D·Y·p₀·G; nothing operating makes nothing, even when the factor overflows.
            const doubles F = made == 0 ? zero : per_step * made * G;
            FABRISK_LANES_STORE(F_all + k * L, F);
            G *= rate;
            if (k == self.j_d_ - 1) G_deadline = G;
        }

        // Installed compute: what was made in the last ℓ years (docs/model.md §4.8). A running
        // window sum finds the first crossing; lanes that come near the target before it are redone by summing every
        // window afresh, so rounding cannot decide.
        const int life = self.lifetime_steps_;
        const double target = self.s_.target_flops, target_low = target - comparison_tolerance(target);
        const double* const added = ws.added.data();
        doubles running = zero, year = zero + inf, careful = zero, installed = zero;
        for (int j = 1; j <= n; ++j) {
            doubles in;
            FABRISK_LANES_LOAD(in, added + (j - 1) * L);
            running += in;
            if (j - 1 - life >= 0) {
                doubles gone;
                FABRISK_LANES_LOAD(gone, added + (j - 1 - life) * L);
                running -= gone;
            }
            const double when = self.s_.time.start_year + self.grid_times_[static_cast<std::size_t>(j)];  // t_j = j/m
            const ints open = year == inf;
            const doubles gap = running - target;
            careful = (open & ((gap < 0 ? -gap : gap) <= 1e-6 * target)) ? one : careful;
            year = (open & (running >= target_low)) ? zero + when : year;
        }
        for (int q = std::max(0, self.j_d_ - life); q <= self.j_d_ - 1; ++q) {
            doubles in;
            FABRISK_LANES_LOAD(in, added + q * L);
            installed += in;
        }
        doubles decline = G_deadline;
        vector_math::log_lanes(decline, decline);
        decline *= -1.0 / self.t_d_;
        vector_math::exp_lanes(decline, decline);
        decline = 1.0 - decline;
        for (Eigen::Index lane = 0; lane < count; ++lane) {
            const Eigen::Index b = b0 + lane;
            out(b, static_cast<Eigen::Index>(output::installed_flops)) = installed[lane];
            out(b, static_cast<Eigen::Index>(output::target_met)) = at_least(installed[lane], target) ? 1.0 : 0.0;
            out(b, static_cast<Eigen::Index>(output::target_year)) =
                careful[lane] != 0 ? self.exact_target_year(added, lane, L) : year[lane];
            out(b, static_cast<Eigen::Index>(output::staffing_factor)) = staffing_deadline[lane];
            out(b, static_cast<Eigen::Index>(output::realized_cost_decline)) = decline[lane];
        }
    }
};

}  // namespace fabrisk::buildout::detail

namespace fabrisk::buildout::HWY_NAMESPACE {
/// The entry points foreach_target exports (src/kernels.cpp).
inline void draw_block(const model& self, const Eigen::Ref<const Eigen::ArrayXXd>& u, model::workspace& ws) {
    detail::trial_kernel<HWY_TARGET>::draw_inputs(self, u, ws);
}
inline void evaluate_block(const model& self, const Eigen::Ref<const Eigen::ArrayXXd>& u, Eigen::Ref<Eigen::ArrayXXd> out,
                           model::workspace& ws) {
    detail::trial_kernel<HWY_TARGET>::evaluate(self, u, out, ws);
}
}  // namespace fabrisk::buildout::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
