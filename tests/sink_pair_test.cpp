// sink_pair.hpp: both sinks see every chunk in order, and the first keeps its partials, so its
// statistics equal those of a run without the second sink, for any thread count.
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "fabrisk/runner.hpp"
#include "fabrisk/sink_pair.hpp"
#include "fabrisk/statistics.hpp"

namespace {
namespace sink_pair_test {

namespace {

/// Two outputs: the first uniform and its square.
struct square_model {
    struct workspace {};
    std::size_t dimension() const { return 1; }
    std::size_t output_count() const { return 2; }
    workspace make_workspace() const { return {}; }
    void evaluate(const Eigen::Ref<const Eigen::ArrayXXd>& u, Eigen::Ref<Eigen::ArrayXXd> out, workspace&) const {
        out.col(0) = u.col(0);
        out.col(1) = u.col(0).square();
    }
};

/// Keeps every row's last column, in merge order.
struct recorder {
    std::vector<double> seen;
    Eigen::ArrayXd summarize(const Eigen::Ref<const Eigen::ArrayXXd>& block) const { return block.rightCols(1); }
    void merge(Eigen::ArrayXd&& c) { seen.insert(seen.end(), c.data(), c.data() + c.size()); }
};

}  // namespace

TEST(SinkPair, FirstSinkGivesWhatItGivesAloneAndSecondSeesEveryTrialInOrder) {
    fabrisk::run_options o;
    o.trials = 40 * fabrisk::chunk_trials + 5;  // past the quantiles' pilot: partials in use
    o.seed = 3;
    auto same = [](const fabrisk::output_summary& a, const fabrisk::output_summary& b) {
        return a.count == b.count && a.mean == b.mean && a.sd == b.sd && a.min == b.min && a.max == b.max &&
               a.quantiles.p01 == b.quantiles.p01 && a.quantiles.p50 == b.quantiles.p50 &&
               a.quantiles.p99 == b.quantiles.p99 && a.histogram_counts == b.histogram_counts;
    };
    std::vector<double> first_seen;
    for (const unsigned threads : {1u, 2u}) {
        o.threads = threads;
        fabrisk::output_statistics alone(2);
        fabrisk::run(square_model{}, alone, o);

        fabrisk::output_statistics stats(2);
        recorder rec;
        fabrisk::sink_pair both(stats, rec);
        EXPECT_EQ(fabrisk::run(square_model{}, both, o), o.trials);
        EXPECT_TRUE(same(stats.summary(0), alone.summary(0)) && same(stats.summary(1), alone.summary(1)));

        // The first sink on the first column only; the second still sees the square.
        fabrisk::output_statistics left(1);
        recorder squares;
        fabrisk::sink_pair narrowed(left, squares, 1);
        fabrisk::run(square_model{}, narrowed, o);
        EXPECT_TRUE(same(left.summary(0), alone.summary(0)));
        EXPECT_EQ(squares.seen, rec.seen);

        ASSERT_EQ(rec.seen.size(), o.trials);
        if (first_seen.empty()) first_seen = rec.seen;
        else EXPECT_EQ(rec.seen, first_seen) << "trial order must not depend on the threads";
    }
}

}  // namespace sink_pair_test
}  // namespace
