#pragma once
/// \file runner.hpp
/// The orchestrator: splits a run into fixed chunks of trials, evaluates them on a thread
/// pool, and hands chunk digests to a sink in chunk order. A trial's uniforms come from
/// trial_stream, one stream per input (stream_ids_of(model)), so what a trial computes depends
/// only on (seed, trial index, the inputs' names), and because
/// digests are merged in a fixed order, the result is the same for any thread count.
///
/// A *model* maps uniforms to outputs over a block of trials (model_concept.hpp checks it at
/// compile time, naming a missing member):
///
///     struct my_model {
///         struct workspace { ... };                 // per-thread scratch
///         std::size_t dimension() const;            // uniforms per trial
///         std::size_t output_count() const;
///         workspace make_workspace() const;
///         void evaluate(const Eigen::Ref<const Eigen::ArrayXXd>& uniforms,   // trials × dimension
///                       Eigen::Ref<Eigen::ArrayXXd> outputs,                 // trials × outputs
///                       workspace& ws) const;
///     };
///
/// A *sink* (output_statistics is the default) has `chunk summarize(block) const` and
/// `merge(chunk&&)`; chunks are summarized on any thread and merged in chunk order, one merge
/// at a time, outside the runner's lock: summarize may run on other workers during a merge.
///
/// A sink may also keep order-independent work (integer counts, min, max) per worker, so it
/// need not pass through the ordered merge. It then provides
///
///     partial make_partial() const;                      // one per worker, made before it starts
///     chunk summarize(block, partial&) const;            // may add the block to the partial
///     void absorb(partial&&);                            // at the end of run, in worker order
///
/// and the runner uses them instead of summarize(block). absorb is called only after every
/// chunk has been merged, and the result must not depend on which worker saw which chunk.
///
/// A run can be stopped early (`run_options::stop`): no chunk is started after the request,
/// every chunk already started is finished and merged, and run() returns the trials merged.
/// Chunks are taken in index order, so those are always the first k chunks: the sink then
/// holds exactly what a run of that many trials would hold. `run_options::progress` is called
/// after each merge, on the merging thread and never concurrently with a merge.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "fabrisk/error.hpp"
#include "fabrisk/model_concept.hpp"
#include "fabrisk/random_stream.hpp"

namespace fabrisk {

/// The seed a run uses when none is given.
inline constexpr std::uint64_t default_seed = 20240101;

/// A request to stop a run at its next chunk boundary. Setting it is async-signal-safe (a
/// lock-free atomic), so a SIGINT handler may call request().
class stop_flag {
public:
    void request() noexcept { requested_.store(true, std::memory_order_relaxed); }
    bool requested() const noexcept { return requested_.load(std::memory_order_relaxed); }
    void clear() noexcept { requested_.store(false, std::memory_order_relaxed); }

private:
    static_assert(std::atomic<bool>::is_always_lock_free, "a signal handler must be able to set the flag");
    std::atomic<bool> requested_{false};
};

struct run_options {
    std::uint64_t trials = 0;
    std::uint64_t seed = default_seed;
    unsigned threads = 0;  ///< 0: one per hardware thread
    std::uint64_t first_trial = 0;  ///< index of the run's first trial (to extend a run)
    const stop_flag* stop = nullptr;  ///< if set and requested, no further chunk starts
    /// If nonzero, the run stops as if requested once this many trials are merged: it
    /// reproduces a run that was stopped there (a whole number of chunks).
    std::uint64_t stop_after = 0;
    /// Called with the number of trials merged so far (of this run) after each chunk's merge.
    std::function<void(std::uint64_t merged)> progress;
};

/// Trials per chunk: the unit handed to a thread and merged in order. A fixed constant, part
/// of what makes results independent of the thread count.
inline constexpr std::uint64_t chunk_trials = 2048;
/// Trials per model evaluation inside a chunk (keeps the uniforms block in cache).
inline constexpr std::uint64_t block_trials = 256;

inline unsigned resolve_threads(unsigned requested) noexcept {
    if (requested) return requested;
    const unsigned hw = std::thread::hardware_concurrency();
    return hw ? hw : 1;
}

namespace detail {
template <class Sink, class = void>
struct has_partials : std::false_type {};
template <class Sink>
struct has_partials<Sink, std::void_t<decltype(std::declval<const Sink&>().make_partial()),
                                      decltype(std::declval<const Sink&>().summarize(
                                          std::declval<const Eigen::ArrayXXd&>(),
                                          std::declval<decltype(std::declval<const Sink&>().make_partial())&>())),
                                      decltype(std::declval<Sink&>().absorb(
                                          std::declval<decltype(std::declval<const Sink&>().make_partial())&&>()))>>
    : std::true_type {};

/// The partial of a sink that has none.
struct no_partial {};

template <class Sink>
auto sink_make_partial(const Sink& sink) {
    if constexpr (has_partials<Sink>::value) return sink.make_partial();
    else return no_partial{};
}
template <class Sink, class Partial>
auto sink_summarize(const Sink& sink, const Eigen::ArrayXXd& block, Partial& partial) {
    if constexpr (has_partials<Sink>::value) return sink.summarize(block, partial);
    else return sink.summarize(block);
}
template <class Sink, class Partial>
void sink_absorb(Sink& sink, Partial&& partial) {
    if constexpr (has_partials<Sink>::value) sink.absorb(std::move(partial));
}
}  // namespace detail

/// Runs `options.trials` trials of `model` and merges their outputs into `sink`. Returns the
/// trials merged: `options.trials`, or fewer (a whole number of chunks) if stopped.
template <class Model, class Sink>
std::uint64_t run(const Model& model, Sink& sink, const run_options& requested) {
    static_assert(check_model<Model>(), "fabrisk::run: the first argument is not a model (model_concept.hpp)");
    run_options options = requested;
    if (options.stop_after) options.trials = std::min(options.trials, options.stop_after);
    const std::uint64_t chunks = (options.trials + chunk_trials - 1) / chunk_trials;
    const unsigned threads =
        static_cast<unsigned>(std::min<std::uint64_t>(resolve_threads(options.threads), std::max<std::uint64_t>(chunks, 1)));
    const trial_stream stream(options.seed, stream_ids_of(model));
    const auto outputs = static_cast<Eigen::Index>(model.output_count());

    using partial_type = decltype(detail::sink_make_partial(sink));
    auto evaluate_chunk = [&](std::uint64_t c, typename Model::workspace& ws, Eigen::ArrayXXd& uniforms,
                              Eigen::ArrayXXd& block_out, Eigen::ArrayXXd& chunk_out, partial_type& partial) {
        const std::uint64_t first = c * chunk_trials;
        const std::uint64_t n = std::min(chunk_trials, options.trials - first);
        chunk_out.resize(static_cast<Eigen::Index>(n), outputs);
        for (std::uint64_t b = 0; b < n; b += block_trials) {
            const auto rows = static_cast<Eigen::Index>(std::min(block_trials, n - b));
            uniforms.resize(rows, static_cast<Eigen::Index>(model.dimension()));
            block_out.resize(rows, outputs);
            stream.fill(options.first_trial + first + b, uniforms);
            model.evaluate(uniforms, block_out, ws);
            if (block_out.cols() != outputs)
                throw usage_error("runner: model wrote " + std::to_string(block_out.cols()) + " outputs, expected " +
                                  std::to_string(outputs));
            chunk_out.middleRows(static_cast<Eigen::Index>(b), rows) = block_out;
        }
        return detail::sink_summarize(sink, chunk_out, partial);
    };
    auto stopped = [&] { return options.stop && options.stop->requested(); };
    auto merged_trials = [&](std::uint64_t merged_chunks) { return std::min(options.trials, merged_chunks * chunk_trials); };
    auto report = [&](std::uint64_t merged_chunks) {
        if (options.progress) options.progress(merged_trials(merged_chunks));
    };

    if (threads <= 1) {
        auto ws = model.make_workspace();
        Eigen::ArrayXXd uniforms, block_out, chunk_out;
        auto partial = detail::sink_make_partial(sink);
        std::uint64_t c = 0;
        for (; c < chunks && !stopped(); ++c) {
            sink.merge(evaluate_chunk(c, ws, uniforms, block_out, chunk_out, partial));
            report(c + 1);
        }
        detail::sink_absorb(sink, std::move(partial));
        return merged_trials(c);
    }

    // Workers take chunks in index order; finished digests wait in `pending` until every
    // earlier chunk has been merged. A window bounds how far ahead workers may run. One worker
    // at a time merges, in chunk order, outside the lock: a slow merge (closing a pilot, say)
    // then holds up no other worker.
    using chunk_type = decltype(detail::sink_summarize(sink, std::declval<const Eigen::ArrayXXd&>(), std::declval<partial_type&>()));
    const std::uint64_t window = 4 * std::uint64_t{threads};
    std::mutex mutex;
    std::condition_variable progress;
    std::uint64_t next_take = 0, next_merge = 0;
    std::map<std::uint64_t, chunk_type> pending;
    bool merging = false;
    std::exception_ptr failure;

    std::vector<partial_type> partials;
    for (unsigned t = 0; t < threads; ++t) partials.push_back(detail::sink_make_partial(sink));
    auto worker = [&](unsigned t) {
        try {
            auto ws = model.make_workspace();
            Eigen::ArrayXXd uniforms, block_out, chunk_out;
            for (;;) {
                std::uint64_t c;
                {
                    std::unique_lock lock(mutex);
                    progress.wait(lock, [&] {
                        return failure || next_take >= chunks || stopped() || next_take < next_merge + window;
                    });
                    if (failure || next_take >= chunks || stopped()) return;
                    c = next_take++;
                }
                auto digest = evaluate_chunk(c, ws, uniforms, block_out, chunk_out, partials[t]);
                std::unique_lock lock(mutex);
                pending.emplace(c, std::move(digest));
                if (merging) continue;  // the merging worker will take it
                merging = true;
                for (auto it = pending.find(next_merge); it != pending.end() && !failure; it = pending.find(next_merge)) {
                    chunk_type next = std::move(it->second);
                    pending.erase(it);
                    lock.unlock();
                    sink.merge(std::move(next));
                    report(next_merge + 1);  // no other merge can run: `merging` is still set
                    lock.lock();
                    ++next_merge;
                    progress.notify_all();
                }
                merging = false;
            }
        } catch (...) {
            std::lock_guard lock(mutex);
            if (!failure) failure = std::current_exception();
            progress.notify_all();
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker, t);
    for (auto& t : pool) t.join();
    if (failure) std::rethrow_exception(failure);
    // Every chunk has been merged; the partials' order cannot change the result.
    for (auto& p : partials) detail::sink_absorb(sink, std::move(p));
    // Chunks are taken in order and every taken chunk is merged: the first next_merge chunks.
    return merged_trials(next_merge);
}

}  // namespace fabrisk
