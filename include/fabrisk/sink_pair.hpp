#pragma once
/// \file sink_pair.hpp
/// Two sinks (runner.hpp) fed by one run: each chunk of trials goes to both, so what they hold
/// comes from the same trials, with no second run. The first sink's per-worker partials (as
/// output_statistics has) are kept, so it gives exactly what it gives alone.
///
///     fabrisk::sink_pair both(statistics, samples);
///     fabrisk::run(model, both, options);
///
/// The first sink may see only the block's first columns (`first_columns`): the second can
/// then take extra columns (a trial's drawn inputs, say) that the first does not summarize.
#include <cstddef>
#include <limits>
#include <utility>

#include <Eigen/Core>

#include "fabrisk/runner.hpp"

namespace fabrisk {

template <class First, class Second>
class sink_pair {
public:
    static constexpr std::size_t all_columns = std::numeric_limits<std::size_t>::max();

    sink_pair(First& first, Second& second, std::size_t first_columns = all_columns)
        : first_(first), second_(second), first_columns_(first_columns) {}

    struct partial {
        decltype(detail::sink_make_partial(std::declval<const First&>())) first;
        decltype(detail::sink_make_partial(std::declval<const Second&>())) second;
    };
    struct chunk {
        decltype(detail::sink_summarize(std::declval<const First&>(), std::declval<const Eigen::ArrayXXd&>(),
                                        std::declval<decltype(partial::first)&>())) first;
        decltype(detail::sink_summarize(std::declval<const Second&>(), std::declval<const Eigen::ArrayXXd&>(),
                                        std::declval<decltype(partial::second)&>())) second;
    };

    partial make_partial() const { return {detail::sink_make_partial(first_), detail::sink_make_partial(second_)}; }

    chunk summarize(const Eigen::ArrayXXd& block, partial& p) const {
        chunk c;
        if (first_columns_ < static_cast<std::size_t>(block.cols())) {
            const Eigen::ArrayXXd left = block.leftCols(static_cast<Eigen::Index>(first_columns_));
            c.first = detail::sink_summarize(first_, left, p.first);
        } else {
            c.first = detail::sink_summarize(first_, block, p.first);
        }
        c.second = detail::sink_summarize(second_, block, p.second);
        return c;
    }

    void merge(chunk&& c) {
        first_.merge(std::move(c.first));
        second_.merge(std::move(c.second));
    }

    void absorb(partial&& p) {
        detail::sink_absorb(first_, std::move(p.first));
        detail::sink_absorb(second_, std::move(p.second));
    }

private:
    First& first_;
    Second& second_;
    std::size_t first_columns_;
};

}  // namespace fabrisk
