#pragma once
/// \file communicator.hpp
/// The few collective operations a run split over processes needs (segmented_run.hpp), behind
/// an interface so the library needs no MPI: `single_process` is the one-process case, and
/// the CLI built with FABRISK_WITH_MPI provides one over MPI_COMM_WORLD (src/mpi_communicator.hpp).
/// Every rank calls each operation in the same order, from one thread.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace fabrisk {

class communicator {
public:
    virtual ~communicator() = default;
    virtual int rank() const = 0;
    virtual int size() const = 0;
    /// Rank 0's bytes, on every rank.
    virtual void broadcast(std::string& bytes) = 0;
    /// Element-wise maximum over the ranks, on every rank.
    virtual void maximum(std::vector<std::uint64_t>& values) = 0;
    /// Every rank's bytes combined into rank 0's result (other ranks get an empty string).
    /// `combine` must be associative and commutative in effect: ranks are combined pairwise
    /// in a binary tree, log₂(size) rounds.
    virtual std::string reduce(std::string bytes, const std::function<std::string(const std::string&, const std::string&)>& combine) = 0;
};

class single_process final : public communicator {
public:
    int rank() const override { return 0; }
    int size() const override { return 1; }
    void broadcast(std::string&) override {}
    void maximum(std::vector<std::uint64_t>&) override {}
    std::string reduce(std::string bytes, const std::function<std::string(const std::string&, const std::string&)>&) override {
        return bytes;
    }
};

}  // namespace fabrisk
