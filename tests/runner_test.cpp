// Tests for fabrisk/runner.hpp: results independent of the thread count, trial addressing,
// statistics of a toy model, exceptions from workers and from merges, merges kept in chunk order
// without holding up other workers, and output-count checks.
#include "fabrisk/runner.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "fabrisk/statistics.hpp"

namespace {
namespace runner_test {

namespace {

/// Outputs per trial: the sum of its uniforms, the first uniform, and the count of uniforms
/// below ¼ (an integer output). Its workspace counts the trials it has seen.
struct toy_model {
    std::size_t dim = 3;
    struct workspace {
        std::uint64_t trials_seen = 0;
    };
    std::size_t dimension() const { return dim; }
    std::size_t output_count() const { return 3; }
    workspace make_workspace() const { return {}; }
    void evaluate(const Eigen::Ref<const Eigen::ArrayXXd>& u, Eigen::Ref<Eigen::ArrayXXd> out, workspace& ws) const {
        out.col(0) = u.rowwise().sum();
        out.col(1) = u.col(0);
        out.col(2) = (u < 0.25).cast<double>().rowwise().sum();
        ws.trials_seen += static_cast<std::uint64_t>(u.rows());
    }
};

/// The toy model, but evaluate throws on its `fail_on`-th call (counted across threads).
struct failing_model : toy_model {
    int fail_on = 0;
    mutable std::atomic<int> calls{0};
    explicit failing_model(int n) : fail_on(n) {}
    void evaluate(const Eigen::Ref<const Eigen::ArrayXXd>& u, Eigen::Ref<Eigen::ArrayXXd> out, workspace& ws) const {
        if (calls.fetch_add(1) == fail_on) throw std::domain_error("toy failure");
        toy_model::evaluate(u, out, ws);
    }
};

/// The toy model claiming a different number of outputs from the sink's.
struct two_output_model : toy_model {
    std::size_t output_count() const { return 2; }
    void evaluate(const Eigen::Ref<const Eigen::ArrayXXd>& u, Eigen::Ref<Eigen::ArrayXXd> out, workspace&) const {
        out.col(0) = u.col(0);
        out.col(1) = u.col(1);
    }
};

/// A sink that keeps every output row in merge order.
struct recording_sink {
    using chunk = Eigen::ArrayXXd;
    std::vector<Eigen::ArrayXXd> merged;
    chunk summarize(const Eigen::Ref<const Eigen::ArrayXXd>& block) const { return block; }
    void merge(chunk&& c) { merged.push_back(std::move(c)); }
    Eigen::ArrayXXd rows() const {
        Eigen::Index n = 0;
        for (const auto& m : merged) n += m.rows();
        Eigen::ArrayXXd all(n, merged.empty() ? 0 : merged.front().cols());
        Eigen::Index r = 0;
        for (const auto& m : merged) {
            all.middleRows(r, m.rows()) = m;
            r += m.rows();
        }
        return all;
    }
};

/// Output statistics with a small pilot (so quantiles go through the bins, which workers fill
/// in their own partials) and thresholds.
fabrisk::output_statistics make_sink() {
    std::vector<fabrisk::output_config> config(3);
    config[0].at_most_thresholds = {1.0, 1.5, 2.0};
    config[2].at_most_thresholds = {0.0, 1.0};
    return fabrisk::output_statistics(3, config, 512);
}

/// Runs f on another thread and fails (rather than hangs) if it takes longer than a minute.
template <class F>
void within_a_minute(F f) {
    auto done = std::async(std::launch::async, std::move(f));
    if (done.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
        std::fprintf(stderr, "run() did not return within 60 s: deadlock\n");
        std::abort();
    }
    done.get();
}

/// run_options from its first four fields.
fabrisk::run_options options(std::uint64_t trials, std::uint64_t seed, unsigned threads, std::uint64_t first_trial) {
    fabrisk::run_options o;
    o.trials = trials;
    o.seed = seed;
    o.threads = threads;
    o.first_trial = first_trial;
    return o;
}

constexpr std::uint64_t odd_trials = 10000 + 17;  // not a multiple of chunk_trials or block_trials

TEST(Runner, SummariesAreBitIdenticalForAnyThreadCount) {
    static_assert(odd_trials % fabrisk::chunk_trials != 0 && odd_trials % fabrisk::block_trials != 0);
    std::vector<std::vector<fabrisk::output_summary>> results;
    for (unsigned threads : {1u, 2u, 3u}) {
        auto sink = make_sink();
        fabrisk::run(toy_model{}, sink, options(odd_trials, 12345, threads, 0));
        std::vector<fabrisk::output_summary> s;
        for (std::size_t j = 0; j < 3; ++j) s.push_back(sink.summary(j));
        results.push_back(std::move(s));
    }
    for (std::size_t t = 1; t < results.size(); ++t)
        for (std::size_t j = 0; j < 3; ++j) {
            const auto &a = results[0][j], &b = results[t][j];
            EXPECT_EQ(a.count, odd_trials);
            EXPECT_EQ(a.count, b.count);
            EXPECT_EQ(a.non_finite, b.non_finite);
            // Bit for bit: EXPECT_EQ on doubles is exact.
            EXPECT_EQ(a.mean, b.mean) << "output " << j << ", run " << t;
            EXPECT_EQ(a.sd, b.sd) << "output " << j << ", run " << t;
            EXPECT_EQ(a.min, b.min);
            EXPECT_EQ(a.max, b.max);
            EXPECT_EQ(a.quantiles, b.quantiles) << "output " << j << ", run " << t;
            EXPECT_EQ(a.histogram_edges, b.histogram_edges);
            EXPECT_EQ(a.histogram_counts, b.histogram_counts);
            EXPECT_EQ(a.at_most_counts, b.at_most_counts);
            EXPECT_EQ(a.rank_error, b.rank_error);
        }
    EXPECT_GT(results[0][0].rank_error, 0.0);  // the pilot closed: quantiles came from the bins
}

static_assert(fabrisk::detail::has_partials<fabrisk::output_statistics>::value);
static_assert(!fabrisk::detail::has_partials<recording_sink>::value);

TEST(Runner, ExtendedRunsAcrossThePilotMatchOneRun) {
    // Several runs into one sink (as simulation::extend does), the pilot closing in the first;
    // whole chunks, so the merge order is that of one run.
    const std::uint64_t first = 3 * fabrisk::chunk_trials, total = 7 * fabrisk::chunk_trials + 17;
    auto one = make_sink();
    fabrisk::run(toy_model{}, one, options(total, 5, 1, 0));
    for (unsigned threads : {2u, 3u}) {
        auto steps = make_sink();
        fabrisk::run(toy_model{}, steps, options(first, 5, threads, 0));
        fabrisk::run(toy_model{}, steps, options(total - first, 5, threads, first));
        for (std::size_t j = 0; j < 3; ++j) {
            const auto a = one.summary(j), b = steps.summary(j);
            EXPECT_EQ(a.count, b.count);
            EXPECT_EQ(a.mean, b.mean) << j;
            EXPECT_EQ(a.sd, b.sd) << j;
            EXPECT_EQ(a.quantiles, b.quantiles) << j;
            EXPECT_EQ(a.rank_error, b.rank_error) << j;
            EXPECT_EQ(a.histogram_counts, b.histogram_counts) << j;
            EXPECT_EQ(a.at_most_counts, b.at_most_counts) << j;
        }
    }
    EXPECT_GT(one.summary(0).rank_error, 0.0);
}

TEST(Runner, TrialsGetTheirOwnUniformsInOrder) {
    // Row i of what the sink receives is trial first_trial + i, whatever the thread count.
    const std::uint64_t first = 500, trials = 3 * fabrisk::chunk_trials + 5;
    Eigen::ArrayXXd u(static_cast<Eigen::Index>(trials), 3);
    fabrisk::trial_stream(777, 3).fill(first, u);
    for (unsigned threads : {1u, 3u}) {
        recording_sink sink;
        fabrisk::run(toy_model{}, sink, options(trials, 777, threads, first));
        ASSERT_EQ(sink.merged.size(), 4u);
        const Eigen::ArrayXXd rows = sink.rows();
        ASSERT_EQ(rows.rows(), static_cast<Eigen::Index>(trials));
        EXPECT_TRUE((rows.col(1) == u.col(0)).all()) << threads << " threads";
        EXPECT_TRUE((rows.col(0) == u.rowwise().sum()).all()) << threads << " threads";
    }
}

TEST(Runner, MeansMatchTheUniformLawWithinFiveStandardErrors) {
    auto sink = make_sink();
    fabrisk::run(toy_model{}, sink, options(odd_trials, 2024, 2, 0));
    const double n = double(odd_trials);
    const auto first = sink.summary(1), sum = sink.summary(0), below = sink.summary(2);
    // U(0, 1): mean ½, sd √(1/12).
    EXPECT_LE(std::fabs(first.mean - 0.5), 5 * std::sqrt(1.0 / 12 / n));
    EXPECT_GT(first.min, 0.0);
    EXPECT_LT(first.max, 1.0);
    // Sum of three: mean 3/2, variance 1/4, μ4 = κ4 + 3σ⁴ = −3/120 + 3/16 (cumulants add).
    EXPECT_LE(std::fabs(sum.mean - 1.5), 5 * std::sqrt(0.25 / n));
    const double mu4 = -3.0 / 120 + 3.0 / 16;
    EXPECT_LE(std::fabs(sum.sd * sum.sd - 0.25), 5 * std::sqrt((mu4 - 0.0625) / n));
    // Count below ¼ is Binomial(3, ¼): mean ¾, variance 9/16; its P(≤ 0) = (3/4)³.
    EXPECT_LE(std::fabs(below.mean - 0.75), 5 * std::sqrt(9.0 / 16 / n));
    const double p0 = 27.0 / 64;
    EXPECT_LE(std::fabs(double(below.at_most_counts[0]) / n - p0), 5 * std::sqrt(p0 * (1 - p0) / n));
    // The sum's P(S ≤ 1) = 1/6 (volume of the simplex).
    EXPECT_LE(std::fabs(double(sum.at_most_counts[0]) / n - 1.0 / 6), 5 * std::sqrt((1.0 / 6) * (5.0 / 6) / n));
}

TEST(Runner, ExceptionInEvaluatePropagatesWithoutHanging) {
    // Each chunk makes ⌈2048/256⌉ = 8 calls; 50 000 trials make 196. Fail on the first call,
    // one in the middle and the last.
    const std::uint64_t trials = 50000;
    for (int fail_on : {0, 37, 195}) {
        within_a_minute([&] {
            failing_model model(fail_on);
            auto sink = make_sink();
            EXPECT_THROW(fabrisk::run(model, sink, options(trials, 1, 2, 0)), std::domain_error) << "call " << fail_on;
        });
    }
    // Single-threaded too.
    within_a_minute([] {
        failing_model model(5);
        auto sink = make_sink();
        EXPECT_THROW(fabrisk::run(model, sink, options(10000, 1, 1, 0)), std::domain_error);
    });
    // And the message survives.
    within_a_minute([] {
        failing_model model(3);
        auto sink = make_sink();
        try {
            fabrisk::run(model, sink, options(20000, 1, 3, 0));
            ADD_FAILURE() << "expected an exception";
        } catch (const std::domain_error& e) {
            EXPECT_STREQ(e.what(), "toy failure");
        }
    });
}

/// A sink that records which chunk (by its first uniform) each merge saw. Its merge of chunk 0
/// waits (up to 20 s) until `wanted` chunks have been summarized since it began, and the other
/// chunks' summaries wait until it has begun, so they cannot all be done before it, whatever
/// the scheduling. Merge number `fail_on` throws.
struct slow_merge_sink {
    using chunk = double;  // the chunk's first trial's first uniform identifies it
    double first_chunk = 0;  // that of chunk 0
    int wanted = 0, fail_on = -1;
    std::vector<double> merged;
    bool waited_enough = true;
    int seen_in_first_merge = 0;
    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    mutable bool merge_begun = false;
    mutable int summarized_since = 0;

    chunk summarize(const Eigen::Ref<const Eigen::ArrayXXd>& block) const {
        const double id = block(0, 1);
        std::unique_lock lock(mutex);
        if (id != first_chunk) changed.wait_for(lock, std::chrono::seconds(20), [&] { return merge_begun; });
        if (merge_begun) ++summarized_since;
        changed.notify_all();
        return id;
    }
    void merge(chunk&& c) {
        std::unique_lock lock(mutex);
        if (merged.empty()) {
            merge_begun = true;
            changed.notify_all();
        }
        if (static_cast<int>(merged.size()) == fail_on) throw std::length_error("merge failure");
        if (merged.empty()) {
            waited_enough = changed.wait_for(lock, std::chrono::seconds(20), [&] { return summarized_since >= wanted; });
            seen_in_first_merge = summarized_since;
        }
        merged.push_back(c);
    }
};

TEST(Runner, SlowMergeKeepsChunkOrderAndHoldsUpNoWorker) {
    const std::uint64_t trials = 40 * fabrisk::chunk_trials;
    recording_sink reference;
    fabrisk::run(toy_model{}, reference, options(trials, 7, 1, 0));
    for (unsigned threads : {1u, 2u, 4u}) {
        within_a_minute([&] {
            // While chunk 0 is merged, the other workers go on to further chunks (up to the
            // window, 4 per thread). A merge under the lock would let each of them finish only
            // the chunk in hand, threads − 1 in all, and this merge would wait out its 20 s.
            slow_merge_sink sink;
            sink.first_chunk = reference.merged[0](0, 1);
            sink.wanted = threads > 1 ? static_cast<int>(threads) : 0;
            fabrisk::run(toy_model{}, sink, options(trials, 7, threads, 0));
            EXPECT_TRUE(sink.waited_enough) << threads << " threads: " << sink.seen_in_first_merge
                                            << " chunks summarized during the first merge";
            // Merged in chunk order: each chunk's first uniform, as the one-thread run has them.
            ASSERT_EQ(sink.merged.size(), 40u);
            for (std::size_t c = 0; c < 40; ++c)
                EXPECT_EQ(sink.merged[c], reference.merged[c](0, 1)) << threads << " threads, chunk " << c;
        });
    }
}

TEST(Runner, ExceptionInMergePropagatesWithoutHanging) {
    recording_sink reference;
    fabrisk::run(toy_model{}, reference, options(fabrisk::chunk_trials, 7, 1, 0));
    for (unsigned threads : {1u, 2u, 3u}) {
        for (int fail_on : {0, 5, 39}) {
            within_a_minute([&] {
                slow_merge_sink sink;
                sink.first_chunk = reference.merged[0](0, 1);
                sink.fail_on = fail_on;
                EXPECT_THROW(fabrisk::run(toy_model{}, sink, options(40 * fabrisk::chunk_trials, 7, threads, 0)), std::length_error)
                    << threads << " threads, merge " << fail_on;
            });
        }
    }
}

TEST(Runner, WrongOutputCountThrowsUsageError) {
    for (unsigned threads : {1u, 2u}) {
        within_a_minute([&] {
            auto sink = make_sink();  // expects 3 outputs
            EXPECT_THROW(fabrisk::run(two_output_model{}, sink, options(5000, 1, threads, 0)), fabrisk::usage_error)
                << threads << " threads";
        });
    }
}

TEST(Runner, EdgeCases) {
    // No trials: nothing merged.
    auto empty = make_sink();
    fabrisk::run(toy_model{}, empty, options(0, 1, 3, 0));
    EXPECT_EQ(empty.summary(0).count, 0u);
    // Fewer trials than one chunk with many threads; and threads = 0 (one per hardware thread).
    for (unsigned threads : {0u, 8u}) {
        recording_sink sink;
        fabrisk::run(toy_model{}, sink, options(7, 99, threads, 0));
        ASSERT_EQ(sink.merged.size(), 1u);
        EXPECT_EQ(sink.merged[0].rows(), 7);
    }
    EXPECT_GE(fabrisk::resolve_threads(0), 1u);
    EXPECT_EQ(fabrisk::resolve_threads(5), 5u);
    // A model with dimension 0 still runs.
    struct zero_dim : toy_model {
        void evaluate(const Eigen::Ref<const Eigen::ArrayXXd>& u, Eigen::Ref<Eigen::ArrayXXd> out, workspace&) const {
            EXPECT_EQ(u.cols(), 0);
            out.setConstant(1.0);
        }
    } zero;
    zero.dim = 0;
    auto sink = make_sink();
    fabrisk::run(zero, sink, options(3000, 1, 2, 0));
    EXPECT_EQ(sink.summary(0).count, 3000u);
    EXPECT_EQ(sink.summary(0).mean, 1.0);
}

}  // namespace

TEST(Runner, StopRequestEndsAtAChunkBoundaryWithTheFirstChunksMerged) {
    // The stop is requested from the progress callback once 5 chunks are merged: with one
    // thread exactly 5 are merged; with more, the chunks already started are finished too.
    // Either way the sink holds the first k chunks, as a run of k chunks' trials would.
    for (unsigned threads : {1u, 2u, 4u}) {
        toy_model model;
        recording_sink sink;
        fabrisk::stop_flag stop;
        fabrisk::run_options o;
        o.trials = 100 * fabrisk::chunk_trials;
        o.seed = 9;
        o.threads = threads;
        o.stop = &stop;
        std::vector<std::uint64_t> reported;
        o.progress = [&](std::uint64_t merged) {
            reported.push_back(merged);
            if (merged == 5 * fabrisk::chunk_trials) stop.request();
        };
        const std::uint64_t merged = fabrisk::run(model, sink, o);
        ASSERT_EQ(merged % fabrisk::chunk_trials, 0u);
        if (threads == 1) {
            EXPECT_EQ(merged, 5 * fabrisk::chunk_trials);
        }
        EXPECT_GE(merged, 5 * fabrisk::chunk_trials);
        EXPECT_LE(merged, (5 + 4 * threads + threads) * fabrisk::chunk_trials) << "no chunk starts after the request";
        ASSERT_FALSE(reported.empty());
        EXPECT_EQ(reported.back(), merged);
        for (std::size_t i = 0; i < reported.size(); ++i) EXPECT_EQ(reported[i], (i + 1) * fabrisk::chunk_trials);

        recording_sink reference;
        fabrisk::run_options r = o;
        r.trials = merged;
        r.stop = nullptr;
        r.progress = nullptr;
        EXPECT_EQ(fabrisk::run(model, reference, r), merged);
        EXPECT_TRUE((sink.rows() == reference.rows()).all()) << threads << " threads";
    }
}

TEST(Runner, StopRequestedBeforeTheRunMergesNothing) {
    toy_model model;
    recording_sink sink;
    fabrisk::stop_flag stop;
    stop.request();
    fabrisk::run_options o;
    o.trials = 10 * fabrisk::chunk_trials;
    o.stop = &stop;
    for (unsigned threads : {1u, 2u}) {
        o.threads = threads;
        EXPECT_EQ(fabrisk::run(model, sink, o), 0u);
        EXPECT_TRUE(sink.merged.empty());
    }
}

TEST(Runner, StopAfterReplaysARunStoppedThere) {
    toy_model model;
    fabrisk::run_options o;
    o.trials = 10 * fabrisk::chunk_trials + 17;
    o.seed = 3;
    o.threads = 2;
    o.stop_after = 4 * fabrisk::chunk_trials;
    recording_sink sink;
    EXPECT_EQ(fabrisk::run(model, sink, o), 4 * fabrisk::chunk_trials);
    fabrisk::run_options r = o;
    r.trials = 4 * fabrisk::chunk_trials;
    r.stop_after = 0;
    recording_sink reference;
    fabrisk::run(model, reference, r);
    EXPECT_TRUE((sink.rows() == reference.rows()).all());
    o.stop_after = 1000 * fabrisk::chunk_trials;  // beyond the run: no effect
    recording_sink whole;
    EXPECT_EQ(fabrisk::run(model, whole, o), o.trials);
}

}  // namespace runner_test
}  // namespace
