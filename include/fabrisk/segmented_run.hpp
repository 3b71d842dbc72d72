#pragma once
/// \file segmented_run.hpp
/// A run in segments, over the ranks of a communicator, with checkpoints between segments.
///
/// The sink's state must be a commutative sum (output_statistics: integer counts, exact sums,
/// min and max) once its quantile bins are chosen, so trials can be counted by any rank in any
/// order with the same bits. The bins come from the first `shared_trials` trials (the pilot):
/// every rank runs those itself, in order, and so chooses the same bins with no message
/// passed; then every rank but 0 forgets their counts, which rank 0 keeps. The rest is cut
/// into segments of whole chunks, each split evenly over the ranks. After each segment the
/// ranks agree (one small allreduce) on whether any was asked to stop or failed, whether a
/// checkpoint is due (rank 0's clock) and how long the next segment is (from rank 0's speed,
/// aiming at `segment_seconds`). A stop therefore takes effect at the end of a segment, and the
/// state then holds exactly the first `done` trials: what a run of that many trials holds.
/// With one rank a stop takes effect at the next chunk, as in run().
///
/// Checkpoints and the result come from a reduction of every rank's state to rank 0.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "fabrisk/communicator.hpp"
#include "fabrisk/error.hpp"
#include "fabrisk/runner.hpp"

namespace fabrisk {

struct segmented_run_options {
    std::uint64_t planned_trials = 0;
    std::uint64_t done = 0;           ///< trials the state already holds (a resumed run)
    std::uint64_t shared_trials = 0;  ///< the first trials, run by every rank (the pilot)
    double segment_seconds = 0.25;    ///< aimed-at length of a segment
    double checkpoint_seconds = 0;    ///< between checkpoints (0: none but the last)
    bool checkpoint = false;          ///< write checkpoints at all
    const stop_flag* stop = nullptr;
};

/// What the loop asks of the run's local state.
struct segmented_run_state {
    /// Runs trials [first, first + n) into the local state, stopping at a chunk boundary if
    /// `stop` is requested; returns the trials run (a prefix). `merged` is called as in run().
    std::function<std::uint64_t(std::uint64_t first, std::uint64_t n, const stop_flag* stop,
                                const std::function<void(std::uint64_t merged)>& merged)>
        run;
    std::function<std::string()> save;  ///< the local state's bytes
    std::function<std::string(const std::string&, const std::string&)> combine;
    std::function<void()> clear_counts;  ///< forget the trials, keep the bins
    /// On rank 0: the combined state of the first `done` trials, to write as a checkpoint.
    std::function<void(const std::string& combined, std::uint64_t done)> write_checkpoint;
    /// On rank 0: about how many trials are done, for a display.
    std::function<void(std::uint64_t done)> progress;
};

/// Thrown on the ranks that did not fail when another rank did; that rank reports the error.
class peer_failed : public error {
public:
    peer_failed() : error("another rank failed") {}
};

/// Trials [first, last) of a run.
struct trial_range {
    std::uint64_t first = 0, last = 0;
};
/// The trials that rank `rank` of `ranks` runs in a segment of `chunks` chunks from chunk
/// `first_chunk`, in a run of `planned` trials: an even split in whole chunks, the last chunk
/// of the run perhaps partial. The ranks' ranges tile the segment.
inline trial_range segment_slice(std::uint64_t first_chunk, std::uint64_t chunks, std::uint64_t rank, std::uint64_t ranks,
                                 std::uint64_t planned) {
    const std::uint64_t from = first_chunk + chunks / ranks * rank + std::min(rank, chunks % ranks);
    const std::uint64_t to = from + chunks / ranks + (rank < chunks % ranks ? 1 : 0);
    trial_range r;
    r.first = std::min(planned, from * chunk_trials);
    r.last = std::min(planned, to * chunk_trials);
    return r;
}

struct segmented_run_result {
    std::uint64_t done = 0;  ///< the first `done` trials are in `combined`
    std::string combined;    ///< on rank 0: every rank's state, combined
    bool stopped = false;
};

inline segmented_run_result segmented_run(communicator& comm, segmented_run_state& state, const segmented_run_options& o) {
    using clock = std::chrono::steady_clock;
    const auto ranks = static_cast<std::uint64_t>(comm.size()), rank = static_cast<std::uint64_t>(comm.rank());
    const stop_flag* local_stop = ranks == 1 ? o.stop : nullptr;  // several ranks stop between segments only
    std::uint64_t done = o.done;
    bool stopped = false;
    auto report = [&](std::uint64_t d) {
        if (rank == 0 && state.progress) state.progress(d);
    };

    // The pilot, on every rank alike.
    if (done < o.shared_trials) {
        const std::uint64_t n = std::min(o.shared_trials, o.planned_trials) - done;
        const std::uint64_t before = done;
        done += state.run(done, n, local_stop, [&](std::uint64_t merged) { report(before + merged); });
        stopped = done < before + n;
    }
    if (rank != 0) state.clear_counts();

    auto last_checkpoint = clock::now();
    auto checkpoint = [&](std::uint64_t at) {
        std::string combined = comm.reduce(state.save(), state.combine);
        if (rank == 0) state.write_checkpoint(combined, at);
        last_checkpoint = clock::now();
    };

    // Segments: whole chunks, split evenly over the ranks. The first is a guess; then rank 0's
    // speed sets the length.
    std::uint64_t segment_chunks = 8 * ranks;
    while (done < o.planned_trials && !stopped) {
        const std::uint64_t first_chunk = done / chunk_trials;
        const std::uint64_t chunks_left = (o.planned_trials - done + chunk_trials - 1) / chunk_trials;
        const std::uint64_t chunks = std::min(segment_chunks, chunks_left);
        const auto [first, last] = segment_slice(first_chunk, chunks, rank, ranks, o.planned_trials);
        const std::uint64_t segment_end = std::min(o.planned_trials, (first_chunk + chunks) * chunk_trials);
        const auto started = clock::now();
        std::uint64_t ran = 0;
        bool failed = false;
        std::exception_ptr failure;
        try {
            if (last > first)
                ran = state.run(first, last - first, local_stop,
                                [&](std::uint64_t merged) { report(done + std::min(segment_end - done, merged * ranks)); });
        } catch (...) {
            if (ranks == 1) throw;
            failed = true;
            failure = std::current_exception();
        }
        // Rank 0's view: is a checkpoint due, and the next length from its pace (between one
        // chunk per rank and 4096 per rank); several ranks then agree on it with the rest.
        const double seconds = std::chrono::duration<double>(clock::now() - started).count();
        bool due = o.checkpoint && o.checkpoint_seconds > 0 &&
                   std::chrono::duration<double>(clock::now() - last_checkpoint).count() >= o.checkpoint_seconds;
        const double pace = seconds > 0 ? double(chunks) / seconds : 0;
        std::uint64_t next = pace > 0 ? static_cast<std::uint64_t>(pace * o.segment_seconds) : 2 * chunks;
        next = std::clamp<std::uint64_t>(next, ranks, 4096 * ranks);
        if (ranks == 1) {
            done += ran;
            stopped = ran < last - first;
        } else {
            std::vector<std::uint64_t> agreed{o.stop && o.stop->requested() ? 1u : 0u, failed ? 1u : 0u,
                                              rank == 0 && due ? 1u : 0u, rank == 0 ? next : 0u};
            comm.maximum(agreed);
            if (agreed[1]) {
                if (failure) std::rethrow_exception(failure);
                throw peer_failed();
            }
            done = segment_end;
            stopped = agreed[0] != 0;
            due = agreed[2] != 0;
            next = agreed[3];
        }
        segment_chunks = next;
        if (due && done < o.planned_trials && !stopped) checkpoint(done);
    }

    segmented_run_result r;
    r.done = done;
    r.stopped = stopped;
    r.combined = comm.reduce(state.save(), state.combine);
    if (rank == 0 && o.checkpoint && done > 0) state.write_checkpoint(r.combined, done);
    return r;
}

}  // namespace fabrisk
