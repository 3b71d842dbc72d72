#pragma once
/// \file output_file.hpp
/// Output files that appear whole or not at all: content goes to a temporary file beside the
/// target, which is renamed over it only when everything is written. A failed or interrupted
/// run never leaves a half-written file and never clobbers an existing one.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fabrisk/error.hpp"

namespace fabrisk {

class output_file {
public:
    /// Creates the temporary file now, so an unwritable destination fails before any work.
    explicit output_file(std::string path) : path_(std::move(path)) {
        temp_ = path_ + ".tmp-XXXXXX";
        fd_ = ::mkstemp(temp_.data());
        if (fd_ < 0) throw io_error("cannot write " + path_ + ": " + std::strerror(errno));
    }
    output_file(const output_file&) = delete;
    output_file& operator=(const output_file&) = delete;
    ~output_file() {
        if (fd_ >= 0) ::close(fd_);
        if (!committed_) ::unlink(temp_.c_str());
    }

    const std::string& path() const noexcept { return path_; }

    /// Writes `content`, flushes it to disk and renames the file into place.
    void commit(const std::string& content) {
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
        if (::fsync(fd_) != 0 || ::close(fd_) != 0) {
            fd_ = -1;
            throw io_error("cannot write " + path_ + ": " + std::strerror(errno));
        }
        fd_ = -1;
        if (::rename(temp_.c_str(), path_.c_str()) != 0)
            throw io_error("cannot write " + path_ + ": " + std::strerror(errno));
        committed_ = true;
    }

private:
    std::string path_, temp_;
    int fd_ = -1;
    bool committed_ = false;
};

}  // namespace fabrisk
