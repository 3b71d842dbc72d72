#pragma once
/// \file tests/thread_ranks.hpp
/// Ranks as threads of one process, for testing what runs over a communicator without MPI:
/// each collective is an all-gather at a rendezvous of every rank.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fabrisk/communicator.hpp"
#include "fabrisk/state_bytes.hpp"

namespace fabrisk_test {

class thread_ranks {
public:
    explicit thread_ranks(int size) : size_(size), slots_(static_cast<std::size_t>(size)) {}

    class rank_communicator final : public fabrisk::communicator {
    public:
        rank_communicator(thread_ranks& all, int rank) : all_(all), rank_(rank) {}
        int rank() const override { return rank_; }
        int size() const override { return all_.size_; }
        void broadcast(std::string& bytes) override { bytes = all_.gather(rank_, bytes)[0]; }
        void maximum(std::vector<std::uint64_t>& values) override {
            fabrisk::byte_writer w;
            for (auto v : values) w.u64(v);
            for (const auto& theirs : all_.gather(rank_, w.bytes())) {
                fabrisk::byte_reader r(theirs, "a rank's values");
                for (auto& v : values) v = std::max(v, r.u64());
            }
        }
        std::string reduce(std::string bytes,
                           const std::function<std::string(const std::string&, const std::string&)>& combine) override {
            const auto all = all_.gather(rank_, bytes);
            if (rank_ != 0) return {};
            std::string acc = all[0];
            for (std::size_t r = 1; r < all.size(); ++r) acc = combine(acc, all[r]);
            return acc;
        }

    private:
        thread_ranks& all_;
        int rank_;
    };

    /// Runs body(communicator) on `size` threads, one per rank, and joins them.
    void run(const std::function<void(fabrisk::communicator&)>& body) {
        std::vector<std::thread> threads;
        for (int r = 0; r < size_; ++r)
            threads.emplace_back([this, r, &body] {
                rank_communicator comm(*this, r);
                body(comm);
            });
        for (auto& t : threads) t.join();
    }

private:
    std::vector<std::string> gather(int rank, const std::string& mine) {
        std::unique_lock lock(mutex_);
        const std::uint64_t generation = generation_;
        slots_[static_cast<std::size_t>(rank)] = mine;
        if (++arrived_ == size_) {
            result_ = slots_;
            arrived_ = 0;
            ++generation_;
            ready_.notify_all();
        } else {
            ready_.wait(lock, [&] { return generation_ != generation; });
        }
        // result_ is replaced only once every rank, this one included, has arrived again.
        return result_;
    }

    int size_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::vector<std::string> slots_, result_;
    int arrived_ = 0;
    std::uint64_t generation_ = 0;
};

}  // namespace fabrisk_test
