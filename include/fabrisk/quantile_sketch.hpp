#pragma once
/// \file quantile_sketch.hpp
/// A deterministic, mergeable quantile sketch (a stack of compactors, after Manku, Rajagopalan
/// and Lindsay). Level h holds sorted items of weight 2^h; when a level fills, its items are
/// paired in sorted order and one of each pair moves up with double weight. No randomness, so
/// the same values in the same order give the same sketch, and the rank error is *tallied*
/// exactly: each compaction at level h can move any rank by at most 2^h.
///
/// Runs shorter than the capacity are exact. With capacity k the error after N values is at
/// most about log2(N/k)·N/k, i.e. under 0.001·N up to ~10^11 values at the default k = 2^15.
/// Written by hand: no Debian-packaged library offers a deterministic mergeable sketch.
#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace fabrisk {

class quantile_sketch {
public:
    static constexpr std::size_t default_capacity = std::size_t{1} << 15;

    explicit quantile_sketch(std::size_t capacity = default_capacity) : capacity_(std::max<std::size_t>(capacity, 2)) {}

    /// Adds values already sorted ascending (NaN not allowed; ±inf are fine).
    void insert_sorted(const double* first, const double* last) {
        add_to_level(0, first, last);
        count_ += static_cast<std::uint64_t>(last - first);
    }

    /// Adds another sketch's content (its error tally comes along).
    void merge(const quantile_sketch& other) {
        for (std::size_t h = 0; h < other.levels_.size(); ++h)
            add_to_level(h, other.levels_[h].data(), other.levels_[h].data() + other.levels_[h].size());
        count_ += other.count_;
        error_ += other.error_;
    }

    std::uint64_t count() const noexcept { return count_; }
    /// An upper bound on |estimated rank − true rank| for any value, in items.
    std::uint64_t rank_error() const noexcept { return error_; }
    /// True while no compaction has happened: every quantile is exact.
    bool exact() const noexcept { return error_ == 0; }

    /// Every retained item with its weight, sorted by value; the weights add up to count().
    std::vector<std::pair<double, std::uint64_t>> weighted_items() const {
        std::vector<std::pair<double, std::uint64_t>> items;
        for (std::size_t h = 0; h < levels_.size(); ++h)
            for (double x : levels_[h]) items.emplace_back(x, std::uint64_t{1} << h);
        std::stable_sort(items.begin(), items.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        return items;
    }

    /// The smallest retained x whose cumulative weight reaches `rank` (1-based).
    static double value_at_rank(const std::vector<std::pair<double, std::uint64_t>>& items, std::uint64_t rank) {
        std::uint64_t cumulative = 0;
        for (const auto& [x, w] : items) {
            cumulative += w;
            if (cumulative >= rank) return x;
        }
        return items.empty() ? 0.0 : items.back().first;
    }

private:
    void add_to_level(std::size_t h, const double* first, const double* last) {
        if (first == last) return;
        if (levels_.size() <= h) levels_.resize(h + 1);
        auto& level = levels_[h];
        const auto middle = static_cast<std::ptrdiff_t>(level.size());
        level.insert(level.end(), first, last);
        std::inplace_merge(level.begin(), level.begin() + middle, level.end());
        if (level.size() >= capacity_) compact(h);
    }

    void compact(std::size_t h) {
        auto& level = levels_[h];
        const std::size_t pairs = level.size() / 2;
        // Alternate which member of each pair survives, so the bias of one compaction is
        // undone by the next at the same level.
        if (flips_.size() <= h) flips_.resize(h + 1, 0);
        const std::size_t offset = flips_[h];
        flips_[h] ^= 1;
        std::vector<double> survivors;
        survivors.reserve(pairs);
        for (std::size_t p = 0; p < pairs; ++p) survivors.push_back(level[2 * p + offset]);
        // An odd item out (the largest) stays at this level.
        std::vector<double> rest(level.begin() + static_cast<std::ptrdiff_t>(2 * pairs), level.end());
        level.swap(rest);
        error_ += std::uint64_t{1} << h;
        add_to_level(h + 1, survivors.data(), survivors.data() + survivors.size());
    }

    std::size_t capacity_;
    std::vector<std::vector<double>> levels_;
    std::vector<unsigned char> flips_;
    std::uint64_t count_ = 0;
    std::uint64_t error_ = 0;
};

}  // namespace fabrisk
