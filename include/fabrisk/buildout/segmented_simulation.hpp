#pragma once
/// \file buildout/segmented_simulation.hpp
/// `simulate` over the ranks of a communicator (one process, or MPI), with checkpoints: the
/// scenario's run cut into segments by segmented_run.hpp. The result on rank 0 is bit for bit
/// that of simulate() with the same scenario, seed and trials, for any number of ranks and
/// threads, and whether or not the run was resumed from a checkpoint.
///
///     fabrisk::single_process one;
///     fabrisk::buildout::segmented_settings how;
///     how.identity = {...};                       // what a checkpoint must match
///     how.write_checkpoint = [](const std::string& bytes) { ... };   // atomically, on rank 0
///     auto r = fabrisk::buildout::simulate_segmented(s, options, one, how);   // set on rank 0
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "fabrisk/buildout/simulation.hpp"
#include "fabrisk/communicator.hpp"
#include "fabrisk/run_state.hpp"
#include "fabrisk/segmented_run.hpp"
#include "fabrisk/state_bytes.hpp"
#include "fabrisk/statistics.hpp"

namespace fabrisk::buildout {

struct segmented_settings {
    run_identity identity;                   ///< written into checkpoints, checked on resume
    /// A checkpoint's bytes to continue from (rank 0's are sent to every rank; empty: none),
    /// and what to call them in errors.
    std::string resume;
    std::string resume_name = "the checkpoint";
    /// Writes a checkpoint's bytes (run_state.hpp) on rank 0; empty: no checkpoints.
    std::function<void(const std::string& bytes)> write_checkpoint;
    double checkpoint_seconds = 60;
    double segment_seconds = 0.25;
};

/// Runs `options.trials` trials (options.stop_after is not supported here) on every rank of
/// `comm`; returns the result on rank 0 and nothing on the others. Throws stopped_early if
/// stopped before any trial was done, state_error if the state to resume is not this run's.
inline std::optional<result> simulate_segmented(const scenario& s, const run_options& options, communicator& comm,
                                                const segmented_settings& how, const progress_callback& progress = {}) {
    if (options.trials == 0) throw usage_error("simulate: the number of trials must be at least 1");
    simulation sim(s, options.seed, options.threads);
    segmented_run_options o;
    o.planned_trials = options.trials;
    o.shared_trials = simulation::pilot_trials;
    o.stop = options.stop;
    o.checkpoint = static_cast<bool>(how.write_checkpoint);
    o.checkpoint_seconds = how.checkpoint_seconds;
    o.segment_seconds = how.segment_seconds;

    // A resumed state: rank 0's bytes, checked alike on every rank (so all refuse it together).
    std::string resumed = how.resume;
    if (comm.size() > 1) comm.broadcast(resumed);
    if (!resumed.empty()) {
        const run_state state = decode(resumed, how.resume_name);
        check_identity(state, how.identity, how.resume_name);
        sim.load_state(state.sink, how.resume_name);
        if (sim.trials() != state.trials_done) throw state_error(how.resume_name + ": its statistics do not hold its trials");
        o.done = state.trials_done;
    }

    segmented_run_state st;
    st.run = [&](std::uint64_t first, std::uint64_t n, const stop_flag* stop, const std::function<void(std::uint64_t)>& merged) {
        return sim.run_range(first, n, stop, merged);
    };
    st.save = [&] { return sim.save_state(); };
    st.combine = [](const std::string& a, const std::string& b) {
        return added_state_bytes<output_statistics>(a, b, "a rank's statistics");
    };
    st.clear_counts = [&] { sim.clear_counts(); };
    st.write_checkpoint = [&](const std::string& combined, std::uint64_t done) {
        how.write_checkpoint(encode(run_state{how.identity, done, combined}));
    };
    if (progress)
        st.progress = [&](std::uint64_t done) { progress(run_progress(done, options.trials, sim.statistics())); };

    const segmented_run_result r = segmented_run(comm, st, o);
    if (comm.rank() != 0) return std::nullopt;
    if (r.done == 0) throw stopped_early("simulate: stopped before any trial was complete");
    const auto stats = state_from_bytes<output_statistics>(r.combined, "the combined statistics");
    result out = summarize(s, stats, r.done, options.seed);
    out.complete = r.done == options.trials;
    return out;
}

}  // namespace fabrisk::buildout
