// A run split over ranks, in segments, stopped or resumed from a checkpoint gives the bits of
// one uninterrupted simulate(): any rank count, any thread count, any checkpoint. So do a
// comparison and Sobol indices split over ranks.
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fabrisk/buildout/comparison.hpp"
#include "fabrisk/buildout/report.hpp"
#include "fabrisk/buildout/scenario_json.hpp"
#include "fabrisk/buildout/segmented_simulation.hpp"
#include "fabrisk/buildout/sensitivity.hpp"
#include "fabrisk/buildout/simulation.hpp"
#include "thread_ranks.hpp"

namespace {
namespace buildout_segmented_simulation_test {

namespace fb = fabrisk::buildout;

const fb::scenario& default_scenario() {
    static const fb::scenario s = fb::load_scenario(FABRISK_SCENARIO_DIR "/seven-trillion.json");
    return s;
}

fabrisk::run_options options(std::uint64_t trials, unsigned threads) {
    fabrisk::run_options o;
    o.trials = trials;
    o.seed = 99;
    o.threads = threads;
    return o;
}

std::string json_of(const fb::result& r) { return fb::to_json(r).dump(); }

fb::segmented_settings settings(std::uint64_t trials) {
    fb::segmented_settings how;
    how.identity = {"run", "test", "sha", 99, trials};
    how.segment_seconds = 0.01;  // many segments
    return how;
}

/// The result on rank 0 of a run over `ranks` thread ranks of `threads` threads each.
fb::result over_ranks(int ranks, unsigned threads, std::uint64_t trials, const fb::segmented_settings& how) {
    fabrisk_test::thread_ranks all(ranks);
    std::optional<fb::result> on_rank_0;
    all.run([&](fabrisk::communicator& comm) {
        auto r = fb::simulate_segmented(default_scenario(), options(trials, threads), comm, how);
        if (comm.rank() == 0) on_rank_0 = r;
        else EXPECT_FALSE(r.has_value());
    });
    return on_rank_0.value();
}

// Past the pilot, with a partial last chunk.
constexpr std::uint64_t trials = 300'001;

TEST(SegmentedSimulation, AnyRanksAndThreadsGiveTheBitsOfOneRun) {
    const std::string one = json_of(fb::simulate(default_scenario(), options(trials, 2)));
    fabrisk::single_process single;
    EXPECT_EQ(json_of(*fb::simulate_segmented(default_scenario(), options(trials, 2), single, settings(trials))), one);
    EXPECT_EQ(json_of(over_ranks(2, 1, trials, settings(trials))), one);
    EXPECT_EQ(json_of(over_ranks(3, 2, trials, settings(trials))), one);
    // Within the pilot, ranks other than 0 add nothing.
    const std::string short_run = json_of(fb::simulate(default_scenario(), options(5000, 1)));
    EXPECT_EQ(json_of(over_ranks(3, 1, 5000, settings(5000))), short_run);
}

TEST(SegmentedSimulation, ResumedFromAnyCheckpointGivesTheBitsOfOneRun) {
    const std::string one = json_of(fb::simulate(default_scenario(), options(trials, 2)));
    std::vector<std::string> checkpoints;
    auto how = settings(trials);
    how.checkpoint_seconds = 1e-9;  // after every segment
    how.write_checkpoint = [&](const std::string& bytes) { checkpoints.push_back(bytes); };
    fabrisk::single_process single;
    EXPECT_EQ(json_of(*fb::simulate_segmented(default_scenario(), options(trials, 1), single, how)), one);
    ASSERT_GE(checkpoints.size(), 3u);
    EXPECT_EQ(fabrisk::decode(checkpoints.back(), "last").trials_done, trials);
    // Resume from the first, a middle one and the last, with other rank and thread counts.
    for (std::size_t k : {std::size_t{0}, checkpoints.size() / 2, checkpoints.size() - 1}) {
        const auto done = fabrisk::decode(checkpoints[k], "ck").trials_done;
        ASSERT_GE(done, fb::simulation::pilot_trials);
        auto resume = settings(trials);
        resume.resume = checkpoints[k];
        EXPECT_EQ(json_of(over_ranks(1 + int(k % 3), 1 + unsigned(k % 2), trials, resume)), one) << "from " << done;
    }
}

TEST(SegmentedSimulation, RefusesACheckpointOfAnotherRun) {
    std::string last;
    auto how = settings(100'000);
    how.write_checkpoint = [&](const std::string& bytes) { last = bytes; };
    fabrisk::single_process single;
    fb::simulate_segmented(default_scenario(), options(100'000, 1), single, how);
    auto other = settings(200'000);  // another trial count
    other.resume = last;
    EXPECT_THROW(fb::simulate_segmented(default_scenario(), options(200'000, 1), single, other), fabrisk::state_error);
    // The identity matches but the statistics are not this scenario's outputs.
    auto run_state = fabrisk::decode(last, "ck");
    run_state.sink = fb::simulation(fb::scenario(default_scenario()), 99).save_state().substr(0, 100);
    auto damaged = settings(100'000);
    damaged.resume = fabrisk::encode(run_state);
    EXPECT_THROW(fb::simulate_segmented(default_scenario(), options(100'000, 1), single, damaged), fabrisk::state_error);
}

TEST(SegmentedSimulation, AComparisonOverRanksIsTheComparisonOfOneProcess) {
    fb::scenario b = default_scenario();
    b.target_flops *= 2;
    const auto options_c = options(200'001, 2);
    const std::string one = fb::to_json(fb::compare(default_scenario(), b, options_c), {}, {}).dump();
    fabrisk_test::thread_ranks all(3);
    std::string on_rank_0;
    all.run([&](fabrisk::communicator& comm) {
        auto o = options_c;
        o.threads = 1;
        const auto c = fb::compare(default_scenario(), b, o, &comm);
        if (comm.rank() == 0) on_rank_0 = fb::to_json(c, {}, {}).dump();
    });
    EXPECT_EQ(on_rank_0, one);
}

TEST(SegmentedSimulation, SobolIndicesOverRanksAreThoseOfOneProcess) {
    fabrisk::sobol_options o;
    o.base_trials = 5001;  // not a whole number of chunks
    o.seed = 3;
    o.threads = 2;
    o.bootstrap_resamples = 50;
    const auto target = fb::output::installed_flops;
    const std::string one = fb::to_json(fb::sensitivity(default_scenario(), target, o)).dump();
    fabrisk_test::thread_ranks all(3);
    std::string on_rank_0;
    all.run([&](fabrisk::communicator& comm) {
        auto mine = o;
        mine.threads = 1;
        mine.comm = &comm;
        const auto r = fb::sensitivity(default_scenario(), target, mine);
        if (comm.rank() == 0) on_rank_0 = fb::to_json(r).dump();
    });
    EXPECT_EQ(on_rank_0, one);
}

TEST(SegmentedSimulation, AStopEndsWithTheResultOfThatManyTrials) {
    fabrisk::stop_flag stop;
    auto o = options(2'000'000, 1);
    o.stop = &stop;
    fabrisk::single_process single;
    auto how = settings(o.trials);
    const auto r = fb::simulate_segmented(default_scenario(), o, single, how, [&](const fb::run_progress& p) {
        if (p.trials_done >= 150'000) stop.request();
    });
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->complete);
    ASSERT_LT(r->trials, o.trials);
    EXPECT_EQ(r->trials % fabrisk::chunk_trials, 0u);
    auto same = fb::simulate(default_scenario(), options(r->trials, 2));
    same.complete = false;
    EXPECT_EQ(json_of(*r), json_of(same));
}

}  // namespace buildout_segmented_simulation_test
}  // namespace
