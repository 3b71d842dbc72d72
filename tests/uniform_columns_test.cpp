// Tests for fabrisk/uniform_columns.hpp: a model's dimensions read in place from a wider block
// through a column map, as a comparison's second scenario reads them; and input_layout drawing
// through such a map exactly what it draws from its own contiguous block.
#include "fabrisk/uniform_columns.hpp"

#include <vector>

#include <gtest/gtest.h>

#include "fabrisk/input_layout.hpp"
#include "fabrisk/random_stream.hpp"

namespace {
namespace uniform_columns_test {

using fabrisk::uniform_columns;

TEST(UniformColumns, WithoutAMapDimensionDIsColumnD) {
    Eigen::ArrayXXd block = Eigen::ArrayXXd::Random(5, 3);
    const uniform_columns u(block);
    EXPECT_EQ(u.rows(), 5);
    EXPECT_EQ(u.dimension(), 3u);
    for (int d = 0; d < 3; ++d) EXPECT_EQ(u.column(d), block.col(d).data());
    EXPECT_EQ(u(4, 2), block(4, 2));
}

TEST(UniformColumns, AMapPicksColumnsOfTheBlockInItsOrder) {
    Eigen::ArrayXXd block = Eigen::ArrayXXd::Random(7, 6);
    const std::vector<int> columns{4, 0, 5};
    const uniform_columns u(block, columns);
    EXPECT_EQ(u.rows(), 7);
    EXPECT_EQ(u.dimension(), 3u);
    for (int d = 0; d < 3; ++d) EXPECT_EQ(u.column(d), block.col(columns[static_cast<std::size_t>(d)]).data());
    EXPECT_EQ(u(6, 1), block(6, 0));
    // A view of part of a block (its middle columns) keeps that part's stride.
    const std::vector<int> fourth{3};
    const uniform_columns middle(block.middleCols(1, 4), fourth);
    EXPECT_EQ(middle.column(0), block.col(4).data());
}

TEST(UniformColumns, AColumnOutsideTheBlockIsAUsageError) {
    Eigen::ArrayXXd block(4, 3);
    const std::vector<int> past_the_end{0, 3}, negative{-1};
    EXPECT_THROW(uniform_columns(block, past_the_end), fabrisk::usage_error);
    EXPECT_THROW(uniform_columns(block, negative), fabrisk::usage_error);
}

TEST(UniformColumns, InputLayoutDrawsTheSameScalarsThroughAMap) {
    // Two correlated scalars (a copula block, read as a range of dimensions) and two free ones.
    const fabrisk::input_layout layout({{"a", fabrisk::uniform(0, 1)},
                                        {"b", fabrisk::normal(10, 2)},
                                        {"c", fabrisk::lognormal(0, 0.5)},
                                        {"d", fabrisk::uniform(5, 6)}},
                                       {{1, 2, 0.6}});
    const auto d = static_cast<Eigen::Index>(layout.dimension());
    Eigen::ArrayXXd own(300, d);
    fabrisk::trial_stream(3, layout.dimension()).fill(0, own);
    // The same uniforms scattered over a wider block, in reverse order between other columns.
    Eigen::ArrayXXd wide = Eigen::ArrayXXd::Constant(300, 2 * d + 1, 0.5);
    std::vector<int> columns;
    for (Eigen::Index k = 0; k < d; ++k) {
        const auto c = static_cast<int>(2 * (d - 1 - k) + 1);
        wide.col(c) = own.col(k);
        columns.push_back(c);
    }
    Eigen::ArrayXXd expected, got;
    fabrisk::input_layout::scratch scratch;
    layout.draw_scalars(own, expected, scratch);
    layout.draw_scalars(uniform_columns(wide, columns), got, scratch);
    ASSERT_EQ(got.rows(), expected.rows());
    ASSERT_EQ(got.cols(), expected.cols());
    EXPECT_TRUE((got == expected).all());
    // Too few dimensions for the layout.
    const std::vector<int> two{0, 1};
    EXPECT_THROW(layout.draw_scalars(uniform_columns(wide, two), got, scratch), fabrisk::usage_error);
}

}  // namespace uniform_columns_test
}  // namespace
