#pragma once
/// \file output_file.hpp
/// Output files that appear whole or not at all: content goes to a temporary file beside the
/// target, which is renamed over it only when everything is written. A failed or interrupted
/// run never leaves a half-written file and never clobbers an existing one.
///
/// Several files can be written in two phases, so that a failure to write any of them (a full
/// disk, a file size limit) replaces none of them:
///
///     fabrisk::output_file a("a.json"), b("b.csv");   // claimed before the work starts
///     ...                                              // the work
///     a.write(json_text);                              // phase 1: write and flush both
///     b.write(csv_text);
///     a.commit();                                      // phase 2: rename both into place
///     b.commit();
///
/// An output_file destroyed before commit() (an exception, an early return) removes its
/// temporary file and leaves the target as it was.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fabrisk/error.hpp"

namespace fabrisk {

class output_file {
public:
    /// Creates the temporary file now, so an unwritable destination fails before any work.
    /// A target that is an existing directory is refused here too (rename could never
    /// replace it).
    explicit output_file(std::string path) : path_(std::move(path)) {
        struct stat st;
        if (::stat(path_.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
            throw io_error("cannot write " + path_ + ": it is a directory");
        temp_ = path_ + ".tmp-XXXXXX";
        fd_ = ::mkstemp(temp_.data());
        if (fd_ < 0) throw io_error("cannot write " + path_ + ": " + std::strerror(errno));
    }
    output_file(const output_file&) = delete;
    output_file& operator=(const output_file&) = delete;
    ~output_file() {
        if (fd_ >= 0) ::close(fd_);
        if (state_ != state::committed) ::unlink(temp_.c_str());
    }

    const std::string& path() const noexcept { return path_; }
    /// The temporary file beside path() that receives the content until commit().
    const std::string& temp_path() const noexcept { return temp_; }

    /// Phase 1: writes `content` to the temporary file and flushes it to disk. The target is
    /// not touched. Throws io_error if writing fails (the temporary file is then removed by
    /// the destructor), usage_error if called twice or after commit.
    void write(const std::string& content) {
        if (state_ != state::open) throw usage_error("output_file::write: " + path_ + " was already written");
        state_ = state::failed;  // until every byte is on disk
        const char* p = content.data();
        std::size_t left = content.size();
        while (left > 0) {
            const ssize_t w = ::write(fd_, p, left);
            if (w < 0) {
                if (errno == EINTR) continue;
                throw io_error("cannot write " + path_ + ": " + std::strerror(errno));
            }
            p += w;
            left -= static_cast<std::size_t>(w);
        }
        // Ordinary permissions for a new file (mkstemp creates it 0600).
        const mode_t mask = ::umask(0);
        ::umask(mask);
        ::fchmod(fd_, 0666 & ~mask);
        const bool synced = ::fsync(fd_) == 0;
        const int sync_errno = errno;
        const bool closed = ::close(fd_) == 0;
        fd_ = -1;
        if (!synced || !closed) throw io_error("cannot write " + path_ + ": " + std::strerror(synced ? errno : sync_errno));
        state_ = state::written;
    }

    /// Phase 2: renames the written temporary file over the target. Throws io_error if the
    /// rename fails (the target is then unchanged), usage_error unless write() succeeded.
    void commit() {
        if (state_ != state::written)
            throw usage_error("output_file::commit: " + path_ + (state_ == state::committed ? " was already committed"
                                                                                          : " has not been written"));
        if (::rename(temp_.c_str(), path_.c_str()) != 0)
            throw io_error("cannot write " + path_ + ": " + std::strerror(errno));
        state_ = state::committed;
    }

    /// write(content), then commit().
    void commit(const std::string& content) {
        write(content);
        commit();
    }

private:
    enum class state { open, failed, written, committed };
    std::string path_, temp_;
    int fd_ = -1;
    state state_ = state::open;
};

}  // namespace fabrisk
