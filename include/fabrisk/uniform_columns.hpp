#pragma once
/// \file uniform_columns.hpp
/// A model's uniforms, read in place: dimension d of the model is column columns[d] of a block
/// of trials (trials × any number of columns), or column d when no map is given. Two models
/// that share random streams (a paired comparison) read one block of the union of their streams,
/// each through its own map, without copying its columns into its own order.
///
///     fabrisk::uniform_columns all(block);                 // dimension d is column d
///     fabrisk::uniform_columns b(block, columns_of_b);     // dimension d is column columns_of_b[d]
///     const double* u = b.column(3);                       // block.rows() uniforms of dimension 3
///
/// It holds pointers into the block and the map: both must outlive it. The block must be one
/// Eigen::Ref can point into without a copy (an array, or a range of its rows or columns).
#include <cstddef>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "fabrisk/error.hpp"

namespace fabrisk {

class uniform_columns {
public:
    /// Every column of `block`, in order.
    explicit uniform_columns(const Eigen::Ref<const Eigen::ArrayXXd>& block) noexcept
        : data_(block.data()), rows_(block.rows()), stride_(block.outerStride()),
          dimension_(static_cast<std::size_t>(block.cols())) {}
    /// Dimension d is column columns[d] of `block`. Throws usage_error for a column outside it.
    uniform_columns(const Eigen::Ref<const Eigen::ArrayXXd>& block, const std::vector<int>& columns)
        : data_(block.data()), rows_(block.rows()), stride_(block.outerStride()), map_(columns.data()),
          dimension_(columns.size()) {
        for (int c : columns)
            if (c < 0 || c >= block.cols())
                throw usage_error("uniform_columns: column " + std::to_string(c) + " is outside the block's " +
                                  std::to_string(block.cols()) + " columns");
    }

    /// The map is held by pointer: a temporary one would dangle.
    uniform_columns(const Eigen::Ref<const Eigen::ArrayXXd>& block, std::vector<int>&& columns) = delete;

    Eigen::Index rows() const noexcept { return rows_; }
    std::size_t dimension() const noexcept { return dimension_; }
    /// The rows() uniforms of dimension d, contiguous.
    const double* column(int d) const noexcept { return data_ + static_cast<Eigen::Index>(map_ ? map_[d] : d) * stride_; }
    double operator()(Eigen::Index row, int d) const noexcept { return column(d)[row]; }

private:
    const double* data_;
    Eigen::Index rows_, stride_;
    const int* map_ = nullptr;
    std::size_t dimension_;
};

}  // namespace fabrisk
