#pragma once
// The CLI's communicator (fabrisk/communicator.hpp): MPI_COMM_WORLD when the program was built
// with FABRISK_WITH_MPI and started by an MPI launcher (mpirun, srun), one process otherwise.
// MPI is initialised only under a launcher, so a plain `fabrisk run` of an MPI build starts as
// fast as any other. Only the main thread calls MPI (MPI_THREAD_FUNNELED).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fabrisk/communicator.hpp"
#include "fabrisk/error.hpp"

#include <fcntl.h>
#include <unistd.h>

#ifdef FABRISK_WITH_MPI
#include <mpi.h>
#endif

namespace fabrisk_cli {

#ifdef FABRISK_WITH_MPI
class mpi_communicator final : public fabrisk::communicator {
public:
    mpi_communicator() {
        MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
        MPI_Comm_size(MPI_COMM_WORLD, &size_);
    }
    int rank() const override { return rank_; }
    int size() const override { return size_; }
    void broadcast(std::string& bytes) override {
        std::uint64_t n = bytes.size();
        MPI_Bcast(&n, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
        bytes.resize(n);
        transfer(bytes.data(), n, [](char* p, int count) { MPI_Bcast(p, count, MPI_CHAR, 0, MPI_COMM_WORLD); });
    }
    void maximum(std::vector<std::uint64_t>& values) override {
        MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    }
    // A binomial tree: in round k, rank r with bit k set sends to r − 2^k and is done.
    std::string reduce(std::string bytes,
                       const std::function<std::string(const std::string&, const std::string&)>& combine) override {
        for (int step = 1; step < size_; step *= 2) {
            if (rank_ & step) {
                send(bytes, rank_ - step);
                return {};
            }
            if (rank_ + step < size_) bytes = combine(bytes, receive(rank_ + step));
        }
        return bytes;
    }

private:
    // MPI counts are ints: large messages go in pieces of at most 1 GiB.
    template <class F>
    static void transfer(char* p, std::uint64_t n, F&& each) {
        constexpr std::uint64_t piece = std::uint64_t{1} << 30;
        for (std::uint64_t at = 0; at < n; at += piece) each(p + at, static_cast<int>(std::min(piece, n - at)));
    }
    void send(const std::string& bytes, int to) {
        std::uint64_t n = bytes.size();
        MPI_Send(&n, 1, MPI_UINT64_T, to, 0, MPI_COMM_WORLD);
        std::string copy = bytes;
        transfer(copy.data(), n, [&](char* p, int count) { MPI_Send(p, count, MPI_CHAR, to, 1, MPI_COMM_WORLD); });
    }
    std::string receive(int from) {
        std::uint64_t n = 0;
        MPI_Recv(&n, 1, MPI_UINT64_T, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        std::string bytes(n, '\0');
        transfer(bytes.data(), n, [&](char* p, int count) { MPI_Recv(p, count, MPI_CHAR, from, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE); });
        return bytes;
    }
    int rank_ = 0, size_ = 1;
};
#endif

/// Points standard output and error at /dev/null: ranks other than 0 print nothing.
inline void silence_standard_streams() {
    const int null = ::open("/dev/null", O_WRONLY);
    if (null < 0) return;
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    ::close(null);
}

/// Initialises MPI if this process was started by an MPI launcher, and finalises it at the end.
class parallel_session {
public:
    parallel_session(int& argc, char**& argv) {
#ifdef FABRISK_WITH_MPI
        if (launched_by_mpi()) {
            int provided = 0;
            MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
            mpi_ = true;
            comm_ = std::make_unique<mpi_communicator>();
            return;
        }
#else
        (void)argc;
        (void)argv;
#endif
        comm_ = std::make_unique<fabrisk::single_process>();
    }
    ~parallel_session() {
#ifdef FABRISK_WITH_MPI
        if (mpi_) MPI_Finalize();
#endif
    }
    parallel_session(const parallel_session&) = delete;
    parallel_session& operator=(const parallel_session&) = delete;

    fabrisk::communicator& comm() noexcept { return *comm_; }
    static constexpr bool built_with_mpi() noexcept {
#ifdef FABRISK_WITH_MPI
        return true;
#else
        return false;
#endif
    }

private:
    // Open MPI's mpirun, MPICH's Hydra and Slurm's srun (PMI/PMIx) each set one of these.
    static bool launched_by_mpi() {
        for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK"})
            if (std::getenv(v)) return true;
        return false;
    }
    std::unique_ptr<fabrisk::communicator> comm_;
    [[maybe_unused]] bool mpi_ = false;
};

}  // namespace fabrisk_cli
