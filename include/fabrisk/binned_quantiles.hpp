#pragma once
/// \file binned_quantiles.hpp
/// Pilot-binned quantiles of one output: the first values are kept exactly (the *pilot*); once
/// the pilot is closed, bin edges are chosen at equally spaced ranks of it, and every value,
/// pilot included, only increments an exact count and widens a min/max in its bin. Memory is
/// then flat in the number of values, and binning is commutative (integer counts, min, max),
/// so bins filled on any thread in any order and added up give identical results.
///
/// An edge value e that is a point mass of the pilot (held by two or more of its values: 0/1
/// outputs, integers, a value held by 40% of trials) also gets the edge nextafter(e, −∞), so
/// (e⁻, e] = {e} is a bin of its own and stays exact; so does every value of a pilot with at
/// most `ranks` distinct values. An edge the pilot holds once gets no such bin: for a
/// continuous output it would hold little more than that one value, and it doubled the tables
/// (with five continuous outputs they then no longer fit in cache beside the model: 5% of a
/// run). A quantile of rank r reports the max of the bin where the cumulative count reaches r,
/// a value some trial produced with F_N(x) ≥ p; its rank error is at most (bin count − 1) when
/// the bin's min < max, and 0 when they are equal: a guaranteed, tallied bound. For exchangeable
/// (i.i.d.) streams a bin holds ~1/4096 of the mass; on adversarial orders (say, sorted input)
/// the bound still holds but grows.
///
/// Values are binned by a table search (by exponent, then leading mantissa bits, then a short
/// binary search); outputs whose pilot holds only integers in [0, 256) go through a direct table
/// of each such integer's bin instead, with the same result.
///
/// Written by hand: no Debian-packaged library offers a deterministic mergeable quantile
/// structure with a guaranteed rank bound.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include <boost/sort/pdqsort/pdqsort.hpp>

#include "fabrisk/error.hpp"
#include "fabrisk/state_bytes.hpp"

namespace fabrisk {

namespace detail {
/// A key whose unsigned order is the order of doubles (NaN aside; −0 just below +0).
inline std::uint64_t order_key(double x) noexcept {
    std::uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    const std::uint64_t sign = static_cast<std::uint64_t>(static_cast<std::int64_t>(bits) >> 63);
    return bits ^ (sign | (std::uint64_t{1} << 63));
}
/// The double of an order_key.
inline double from_order_key(std::uint64_t key) noexcept {
    const std::uint64_t bits = key >> 63 ? key ^ (std::uint64_t{1} << 63) : ~key;
    double x;
    std::memcpy(&x, &bits, sizeof x);
    return x;
}
/// Sorts doubles (no NaN) ascending, as their order keys (a total order, so any correct sort
/// gives the same result) by Boost's branchless pattern-defeating quicksort. For the default
/// scenario's ten pilots of 67,584 values it takes 7.6 ms in all, against 12.2 for Boost's
/// integer_sort (a radix sort) and 26 for std::sort on the doubles: it is faster on every
/// pilot, and 3–7× on those with few distinct values (flags, fab counts). The pilot closes once
/// per run, on the merging thread. (Boost's float_sort would sort the doubles directly, but its
/// bucket arithmetic overflows signed integers: undefined behaviour.)
inline void sort_values(std::vector<double>& v) {
    std::vector<std::uint64_t> keys(v.size());
    std::transform(v.begin(), v.end(), keys.begin(), order_key);
    boost::sort::pdqsort_branchless(keys.begin(), keys.end());
    std::transform(keys.begin(), keys.end(), v.begin(), from_order_key);
}
}  // namespace detail

/// One bin's tally. For the two infinite bins only `count` is meaningful.
struct quantile_bin {
    std::uint64_t count = 0;
    double min = std::numeric_limits<double>::infinity();
    double max = -std::numeric_limits<double>::infinity();
};

/// Tallies over a set of bins; index edges().size() + 1 is +∞, + 2 is −∞.
using bin_tally = std::vector<quantile_bin>;

/// Immutable bin edges with a lookup table; shared by every thread that bins values.
class quantile_bins {
public:
    /// Edge ranks taken from the pilot (a point mass adds its singleton, so up to twice as many edges).
    static constexpr std::size_t default_ranks = 4096;

    /// Edges from a sorted pilot (±∞ allowed), plus `cutpoints`: values c at which the count of
    /// values ≤ c must be exact (threshold counts).
    quantile_bins(const std::vector<double>& sorted_pilot, const std::vector<double>& cutpoints,
                  std::size_t ranks = default_ranks) {
        const auto first = std::upper_bound(sorted_pilot.begin(), sorted_pilot.end(), -inf);
        const auto last = std::lower_bound(first, sorted_pilot.end(), inf);
        const std::size_t n = static_cast<std::size_t>(last - first);
        std::vector<double> e;
        auto add = [&e](double x, bool mass = true) {
            x += 0.0;  // −0 → +0 (see canonical)
            if (std::isfinite(x)) e.push_back(x);
            const double below = std::nextafter(x, -inf);
            if (mass && std::isfinite(below)) e.push_back(below);
        };
        bool small_integers = false;  // every finite pilot value an integer in [0, small_integer_range)
        if (n > 0) {
            std::size_t distinct = 1;
            for (auto it = first + 1; it != last && distinct <= ranks; ++it) distinct += *it != *(it - 1);
            if (distinct <= ranks) {
                small_integers = std::all_of(first, last, [](double x) { return is_small_integer(x); });
                for (auto it = first; it != last; ++it)
                    if (it == first || *it != *(it - 1)) add(*it);
            } else {
                for (std::size_t k = 0; k <= ranks; ++k) {
                    const auto at = first + static_cast<std::ptrdiff_t>(k * (n - 1) / ranks);
                    add(*at, (at != first && *(at - 1) == *at) || (at + 1 != last && *(at + 1) == *at));
                }
            }
        }
        for (double c : cutpoints)
            if (std::isfinite(c)) e.push_back(c + 0.0);
        std::sort(e.begin(), e.end());
        e.erase(std::unique(e.begin(), e.end()), e.end());
        build(e, small_integers);
    }

    /// Bins with the given finite edges (ascending, distinct), as edges() and
    /// direct_small_integers() of other bins give them: a state read back (run_state.hpp).
    static quantile_bins from_edges(const std::vector<double>& edges, bool small_integers) {
        quantile_bins b;
        b.build(edges, small_integers);
        return b;
    }
    /// The finite edges, ascending.
    std::vector<double> edges() const { return {edges_.begin(), edges_.begin() + static_cast<std::ptrdiff_t>(edge_count_)}; }

private:
    quantile_bins() = default;
    void build(const std::vector<double>& e, bool small_integers) {
        edge_count_ = e.size();
        build_table(e);
        if (small_integers) {
            // Each small integer's bin, by the general lookup: the direct path bins exactly as it.
            small_integer_bin_.resize(small_integer_range);
            for (std::size_t v = 0; v < small_integer_range; ++v)
                small_integer_bin_[v] = static_cast<std::uint32_t>(bin_of(static_cast<double>(v)));
        }
    }

public:

    /// Finite edges, ascending; finite bin i is (edge[i − 1], edge[i]], bin edge_count() is above the last.
    std::size_t edge_count() const noexcept { return edge_count_; }
    double edge(std::size_t i) const noexcept { return edges_[i]; }
    /// Bins including the two infinite ones: the size of a bin_tally.
    std::size_t bin_count() const noexcept { return edge_count_ + 3; }
    std::size_t pos_inf_bin() const noexcept { return edge_count_ + 1; }
    std::size_t neg_inf_bin() const noexcept { return edge_count_ + 2; }

    /// The bin of x (not NaN).
    std::size_t bin_of(double x) const noexcept;

    /// Adds values (no NaN) to a tally of bin_count() bins, on the dispatched instruction set
    /// (simd_target.hpp; src/kernels/binned_quantiles-inl.hpp). Small integers (a pilot of
    /// 0/1 flags or counts) are counted per value and go to their bins at once; other values
    /// are looked up through the slot tables (by sign and exponent, then by leading mantissa
    /// bits, sized to the edges there), which narrow each search to `window` edges, and a
    /// branchless binary search finishes.
    void add(const double* values, std::size_t n, bin_tally& tally) const noexcept;

    /// Per sign-and-exponent value of a key: its first slot and the shift of the mantissa.
    struct group {
        std::uint32_t first_slot;
        std::uint32_t shift;
    };
    /// The lookup tables, for the kernels.
    struct lookup {
        const double* edges;   ///< sorted finite edges, then `window` copies of +∞
        const group* groups;   ///< per sign-and-exponent key group
        const std::uint32_t* slots;  ///< per slot: edges with a smaller key than its start
        std::size_t window;    ///< a power of two: the most edges a slot leaves to search
        const std::uint32_t* small_integer_bin;  ///< each integer's bin in [0, 256), or null
    };
    lookup tables() const noexcept {
        return {edges_.data(), groups_.data(), slots_.data(), window_,
                small_integer_bin_.empty() ? nullptr : small_integer_bin_.data()};
    }
    /// Outputs whose pilot holds only integers in [0, small_integer_range) (0/1 flags, counts
    /// of fabs) are tallied through a direct table of each such integer's bin.
    static constexpr std::size_t small_integer_range = 256;
    static bool is_small_integer(double x) noexcept {
        return x >= 0 && x < double(small_integer_range) && x == std::floor(x);
    }

    /// Whether small integers take the direct path (bins from a pilot of small integers only).
    bool direct_small_integers() const noexcept { return !small_integer_bin_.empty(); }

    /// Bytes held (edges and tables).
    std::size_t retained_bytes() const noexcept {
        return edges_.capacity() * sizeof(double) + groups_.capacity() * sizeof(group) +
               slots_.capacity() * sizeof(std::uint32_t) + small_integer_bin_.capacity() * sizeof(std::uint32_t);
    }

private:
    static constexpr double inf = std::numeric_limits<double>::infinity();

    /// A key whose unsigned order is the order of doubles (+0 > −0, which canonical values avoid).
    static std::uint64_t key(double x) noexcept { return detail::order_key(x); }

    void build_table(const std::vector<double>& e) {
        const std::size_t n = e.size();
        groups_.assign(groups, group{0, 52});
        slots_.clear();
        // Slot 0: below every edge; slot 1: above; slots 2 and 3: the infinite bins.
        slots_ = {0, static_cast<std::uint32_t>(n), static_cast<std::uint32_t>(n + 1), static_cast<std::uint32_t>(n + 2)};
        groups_[0] = group{3, 52};
        groups_[groups - 1] = group{2, 52};
        const std::uint64_t group_lo = n ? key(e.front()) >> 52 : groups, group_hi = n ? key(e.back()) >> 52 : 0;
        for (std::uint64_t g = group_hi + 1; g + 1 < groups; ++g) groups_[g].first_slot = 1;
        std::size_t j = 0;
        for (std::uint64_t g = group_lo; g <= group_hi; ++g) {
            std::size_t end = j;
            while (end < n && (key(e[end]) >> 52) == g) ++end;
            const std::size_t count = end - j;
            // Slots for this group: doubled from one per edge until none holds more than
            // eight edges (or there are 16 per edge); a group without edges gets one. (From two
            // per edge to four edges, the tables were twice the size: faster alone, 2–3%
            // slower beside the model, where the five continuous outputs' tables crowd the
            // cache.)
            unsigned bits = 0;
            while ((std::size_t{1} << bits) < count) ++bits;
            auto widest_with = [&](unsigned b) {
                std::size_t most = 0, i = j;
                for (std::uint64_t s = 0; s < (std::uint64_t{1} << b); ++s) {
                    const std::uint64_t next = (g << 52) + ((s + 1) << (52 - b));
                    std::size_t c = 0;
                    while (i < end && (s + 1 == (std::uint64_t{1} << b) || key(e[i]) < next)) ++i, ++c;
                    most = std::max(most, c);
                }
                return most;
            };
            while (count > 8 && bits < 52 && (std::size_t{1} << bits) < 16 * count && widest_with(bits) > 8) ++bits;
            groups_[g] = group{static_cast<std::uint32_t>(slots_.size()), 52 - bits};
            for (std::uint64_t s = 0; s < (std::uint64_t{1} << bits); ++s) {
                const std::uint64_t start = (g << 52) + (s << (52 - bits));
                while (j < end && key(e[j]) < start) ++j;
                slots_.push_back(static_cast<std::uint32_t>(j));
            }
            j = end;
        }
        std::size_t widest = 1;
        for (std::uint64_t g = group_lo; g <= group_hi; ++g) {
            const std::size_t first = groups_[g].first_slot, count = std::size_t{1} << (52 - groups_[g].shift);
            for (std::size_t s = first; s < first + count; ++s) {
                const std::size_t next = s + 1 < first + count ? slots_[s + 1] : (g < group_hi ? slots_[groups_[g + 1].first_slot] : n);
                widest = std::max<std::size_t>(widest, next - slots_[s]);
            }
        }
        window_ = 1;
        while (window_ < widest) window_ *= 2;
        // Past the edges: +∞, so a window there counts nothing (not even x = +∞) and the
        // infinite bins n + 1, n + 2 come out as they are.
        edges_ = e;
        edges_.resize(n + 3 + window_, inf);
    }

    static constexpr std::size_t groups = 4096;  // sign and exponent bits of a key

    std::vector<double> edges_;  // sorted finite edges, then window_ copies of +∞
    std::size_t edge_count_ = 0;
    std::vector<group> groups_;          // per sign-and-exponent key group
    std::vector<std::uint32_t> slots_;   // per slot: edges with a smaller key than its start
    std::size_t window_ = 1;
    std::vector<std::uint32_t> small_integer_bin_;  // bin of each integer in [0, small_integer_range), or empty
};

/// Quantiles of one output: exact over a pilot, then binned (see the file comment).
class binned_quantiles {
public:
    static constexpr std::size_t default_pilot = 65536;

    /// A retained value with the number of values it stands for: a run of equal pilot values
    /// (min = max) or a bin (the values in it lie in [min, max]).
    struct item {
        double min, max;
        std::uint64_t count;
    };

    /// `pilot` values are kept exactly before the bins are chosen; counts of values ≤ c are
    /// exact at every cutpoint c (and at ±∞).
    explicit binned_quantiles(std::size_t pilot = default_pilot, std::vector<double> cutpoints = {})
        : pilot_size_(pilot), cutpoints_(std::move(cutpoints)) {}

    std::size_t pilot_size() const noexcept { return pilot_size_; }
    /// True once bins are chosen (after close_pilot).
    bool binned() const noexcept { return bins_ != nullptr; }
    /// The bins, or null while the pilot is open; immutable and shared once set.
    const quantile_bins* bins() const noexcept { return bins_.get(); }
    std::uint64_t count() const noexcept { return count_; }

    /// True when the pilot is open and holds more than pilot_size() values.
    bool pilot_full() const noexcept { return !bins_ && count_ > pilot_size_; }

    /// Adds values (no NaN): to the pilot while it is open, to the bins after.
    void add(const double* values, std::size_t n) {
        if (bins_) bins_->add(values, n, tally_);
        else pilot_.insert(pilot_.end(), values, values + n);
        count_ += n;
    }

    /// Adds a tally filled elsewhere with bins().
    void absorb(const bin_tally& t) {
        for (std::size_t b = 0; b < t.size(); ++b) {
            auto& mine = tally_[b];
            mine.count += t[b].count;
            mine.min = t[b].min < mine.min ? t[b].min : mine.min;
            mine.max = t[b].max > mine.max ? t[b].max : mine.max;
            count_ += t[b].count;
        }
    }

    /// Adds the values of another (other trials): both binned with the same edges, or
    /// either one empty. The result does not depend on the order of adding.
    void add(const binned_quantiles& o) {
        check_addable(o);
        if (o.count_ == 0) return;
        if (count_ == 0 && !bins_) {
            bins_ = o.bins_;
            tally_.assign(bins_->bin_count(), quantile_bin{});
        }
        absorb(o.tally_);
    }
    /// Throws usage_error unless add(o) can add o's values.
    void check_addable(const binned_quantiles& o) const {
        if (o.count_ == 0 || (count_ == 0 && !bins_ && o.bins_)) return;
        if (!bins_ || !o.bins_ || (bins_ != o.bins_ && bins_->edges() != o.bins_->edges()))
            throw usage_error("binned_quantiles::add: the two hold values binned differently (an open pilot, or other bins)");
    }
    /// Forgets every value, keeping the bins (an open pilot is emptied).
    void clear_counts() {
        std::vector<double>().swap(pilot_);
        for (auto& b : tally_) b = quantile_bin{};
        count_ = 0;
    }

    void save(byte_writer& w) const {
        w.u64(pilot_size_);
        w.f64s(cutpoints_);
        w.u64(count_);
        w.u8(bins_ ? 1 : 0);
        if (!bins_) {
            w.f64s(pilot_);
            return;
        }
        w.f64s(bins_->edges());
        w.u8(bins_->direct_small_integers() ? 1 : 0);
        for (const auto& b : tally_) {
            w.u64(b.count);
            w.f64(b.min);
            w.f64(b.max);
        }
    }
    void load(byte_reader& r) {
        pilot_size_ = r.u64();
        cutpoints_ = r.f64s();
        count_ = r.u64();
        bins_.reset();
        tally_.clear();
        pilot_.clear();
        if (r.u8() == 0) {
            pilot_ = r.f64s();
            if (pilot_.size() != count_) r.fail("a pilot of " + std::to_string(pilot_.size()) + " values counted as " + std::to_string(count_));
            return;
        }
        const auto edges = r.f64s();
        for (std::size_t i = 0; i < edges.size(); ++i)
            if (!std::isfinite(edges[i]) || (i && !(edges[i - 1] < edges[i]))) r.fail("bin edges that are not finite and ascending");
        const bool small_integers = r.u8() != 0;
        bins_ = std::make_shared<const quantile_bins>(quantile_bins::from_edges(edges, small_integers));
        tally_.resize(bins_->bin_count());
        std::uint64_t total = 0;
        for (auto& b : tally_) {
            b.count = r.u64();
            b.min = r.f64();
            b.max = r.f64();
            total += b.count;
        }
        if (total != count_) r.fail("bin counts that add up to " + std::to_string(total) + ", not " + std::to_string(count_));
    }

    /// Chooses bins from the pilot, bins the pilot and frees it. Idempotent.
    void close_pilot(std::size_t ranks = quantile_bins::default_ranks) {
        if (bins_) return;
        detail::sort_values(pilot_);
        bins_ = std::make_shared<const quantile_bins>(pilot_, cutpoints_, ranks);
        tally_.assign(bins_->bin_count(), quantile_bin{});
        bins_->add(pilot_.data(), pilot_.size(), tally_);
        std::vector<double>().swap(pilot_);
    }

    /// Every value (±∞ included) as items sorted by value; the counts add up to count().
    std::vector<item> items() const {
        std::vector<item> out;
        if (!bins_) {
            std::vector<double> sorted = pilot_;
            detail::sort_values(sorted);
            for (std::size_t i = 0; i < sorted.size();) {
                std::size_t k = i + 1;
                while (k < sorted.size() && sorted[k] == sorted[i]) ++k;
                out.push_back({sorted[i], sorted[i], k - i});
                i = k;
            }
            return out;
        }
        const double inf = std::numeric_limits<double>::infinity();
        if (tally_[bins_->neg_inf_bin()].count) out.push_back({-inf, -inf, tally_[bins_->neg_inf_bin()].count});
        for (std::size_t b = 0; b <= bins_->edge_count(); ++b)
            if (tally_[b].count) out.push_back({tally_[b].min, tally_[b].max, tally_[b].count});
        if (tally_[bins_->pos_inf_bin()].count) out.push_back({inf, inf, tally_[bins_->pos_inf_bin()].count});
        return out;
    }

    /// Values ≤ c. Exact while the pilot is open, and after for c = ±∞ or a cutpoint.
    std::uint64_t count_at_most(double c) const {
        if (!bins_) return static_cast<std::uint64_t>(std::count_if(pilot_.begin(), pilot_.end(), [c](double x) { return x <= c; }));
        if (c == std::numeric_limits<double>::infinity()) return count_;
        std::uint64_t n = tally_[bins_->neg_inf_bin()].count;
        if (c == -std::numeric_limits<double>::infinity()) return n;
        // Bins up to the one whose upper edge is the last edge ≤ c.
        const std::size_t b = bins_->bin_of(c);
        const std::size_t last = b < bins_->edge_count() && bins_->edge(b) == c + 0.0 ? b + 1 : b;
        for (std::size_t i = 0; i < last; ++i) n += tally_[i].count;
        return n;
    }

    /// Bytes held: pilot, bins and tallies. Flat once the pilot is closed.
    std::size_t retained_bytes() const noexcept {
        return pilot_.capacity() * sizeof(double) + tally_.capacity() * sizeof(quantile_bin) +
               (bins_ ? bins_->retained_bytes() : 0) + cutpoints_.capacity() * sizeof(double);
    }

    /// The lower empirical quantile of rank r (1-based) from sorted items, and a bound on its
    /// rank error in values: 0 if the item is a single value, count − 1 otherwise.
    static std::pair<double, std::uint64_t> value_at_rank(const std::vector<item>& items, std::uint64_t rank) {
        std::uint64_t cumulative = 0;
        for (const auto& it : items) {
            cumulative += it.count;
            if (cumulative >= rank) return {it.max, it.min < it.max ? it.count - 1 : 0};
        }
        return {items.empty() ? 0.0 : items.back().max, 0};
    }

private:
    std::size_t pilot_size_;
    std::vector<double> cutpoints_;
    std::vector<double> pilot_;
    std::shared_ptr<const quantile_bins> bins_;
    bin_tally tally_;
    std::uint64_t count_ = 0;
};

}  // namespace fabrisk
