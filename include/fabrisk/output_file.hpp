#pragma once
/// \file output_file.hpp
/// Output files that never harm: a regular file appears whole or not at all, and whatever the
/// path names (a symbolic link, a pipe, a device, standard output) stays what it was.
///
/// Where the content goes is decided once, at construction, from the path:
///
/// - **`-`** is standard output: the content is written to descriptor 1 at commit().
///   is_stdout() is true for it (and only for it), so a caller can move its own messages to
///   standard error.
/// - **An open descriptor of this process**: `/dev/stdin`, `/dev/stdout`, `/dev/stderr`,
///   `/dev/fd/N`, `/proc/self/fd/N`, `/proc/thread-self/fd/N`, and any symbolic link that leads
///   to one of them or into this process's `/proc/PID/fd` (bash's `>(cmd)` is `/dev/fd/63`).
///   Descriptor N is duplicated at construction and written at commit(); the path is never
///   reopened and nothing is renamed, whatever N refers to, so the shell's redirection holds:
///   `--json /dev/stdout >> log` appends to log, `> out.json` fills out.json. These are
///   recognised before any link is read: `readlink /proc/self/fd/N` can be `pipe:[1234]`,
///   which is not a path. N must be open for writing.
/// - **A symbolic link** (or a chain of them) is followed to its final target: relative
///   targets are resolved against the directory of the link that holds them, and more than 40
///   links in a row (a loop) is an error. The links are left as they are; the rules below
///   apply to the final target, which is what target() names.
/// - **A regular file, or nothing** (a new file, a dangling link's target): written
///   atomically. A temporary file is created at construction in the final target's directory;
///   write() fills it and flushes it to disk; commit() renames it over the target. A file that
///   is replaced keeps its permission bits (rwx for user, group and others; set-id and sticky
///   bits are not copied) and, where the process may set them, its owner and group; a new file
///   gets 0666 less the umask. Hard links to a replaced file keep the old content.
/// - **Anything else that exists** (a FIFO, a character device, a Unix socket) is
///   written directly: opened at commit(), not before, and written in one stream, with no
///   temporary file. Opening a FIFO for writing waits until a reader opens it; a socket is
///   connected to as a stream client. At construction such a target is only checked for write
///   permission, never opened.
/// - **A directory** and **a block device** (a disk) are refused.
///
/// An unwritable destination (a missing or read-only directory, a target without write
/// permission, a descriptor that is closed or open only for reading) fails at construction,
/// before any work. Every failure is an io_error saying which path and why, in the form
/// "cannot write PATH: reason" (a link adds the file it leads to: "cannot write PATH (link to
/// TARGET): reason").
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
/// For a direct target, write() only keeps the content and commit() delivers it, so only
/// regular files get the all-or-nothing guarantee: a reader that goes away part-way (EPIPE,
/// reported as io_error; SIGPIPE is held back so it does not kill the process) or a device
/// that fails may have received part of the content. Nothing is written to any target before
/// its commit(), that is, before the run is complete, except a streamed direct target (below).
///
/// An output_file destroyed before commit() (an exception, an early return) removes its
/// temporary file and leaves the target as it was.
///
/// Content too large to hold (per-trial samples) is streamed instead: append() any number of
/// times, then finish() in place of write(), then commit() as above. A regular target still
/// appears whole at commit() or not at all, and overwrite() can patch bytes already appended
/// (a header whose size is known only at the end). A direct target cannot wait for commit()
/// without holding everything, so it is opened at the first append() and receives each piece
/// as it comes: a run that fails part-way leaves it with part of the content.
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <utility>

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fabrisk/error.hpp"

namespace fabrisk {

class output_file {
public:
    /// Decides where the content goes (see the file comment) and claims it: creates the
    /// temporary file for a regular target, duplicates the descriptor for a descriptor path,
    /// checks write permission for other direct targets. Throws io_error if the destination
    /// cannot be written, so that it fails before any work.
    explicit output_file(std::string path) : path_(std::move(path)) { claim(); }
    output_file(const output_file&) = delete;
    output_file& operator=(const output_file&) = delete;
    ~output_file() {
        if (fd_ >= 0) ::close(fd_);
        if (!temp_.empty() && state_ != state::committed) ::unlink(temp_.c_str());
    }

    /// The path as given.
    const std::string& path() const noexcept { return path_; }
    /// The file that commit() writes or replaces: path() with its symbolic links followed.
    /// Empty for `-` and descriptor paths, which are written through the descriptor.
    const std::string& target() const noexcept { return target_; }
    /// The temporary file beside target() that receives the content until commit(); empty
    /// for direct targets, which have none.
    const std::string& temp_path() const noexcept { return temp_; }
    /// True for `-` only (not for `/dev/stdout`, which may be redirected anywhere).
    bool is_stdout() const noexcept { return path_ == "-"; }
    /// True for `-` and for any path that names descriptor 1 (`/dev/stdout`, `/dev/fd/1`...):
    /// a caller's own messages on standard output would then mix with the content.
    bool writes_to_standard_output() const noexcept { return is_stdout() || descriptor_ == 1; }
    /// True when commit() writes the content in place (standard output, a descriptor, a FIFO,
    /// a device, a socket) rather than renaming a temporary file over a regular file.
    bool is_direct() const noexcept { return kind_ != kind::atomic; }

    /// Phase 1. For a regular target: writes `content` to the temporary file and flushes it to
    /// disk; the target is not touched. For a direct target: keeps `content` for commit().
    /// Throws io_error if writing fails (the temporary file is then removed by the
    /// destructor), usage_error if called twice or after commit.
    void write(const std::string& content) {
        if (state_ != state::open) throw usage_error("output_file::write: " + path_ + " was already written");
        if (kind_ != kind::atomic) {
            content_ = content;
            state_ = state::written;
            return;
        }
        state_ = state::failed;  // until every byte is on disk
        if (const int e = write_all(fd_, content.data(), content.size())) fail(e);
        sync_and_close();
    }

    /// Streams `bytes` to the content (see the file comment): to the temporary file of a
    /// regular target, straight to a direct one (opened at the first call). Throws io_error if
    /// writing fails, usage_error after write() or finish().
    void append(const char* bytes, std::size_t size) {
        if (state_ != state::open && state_ != state::streaming)
            throw usage_error("output_file::append: " + path_ + " was already written");
        const bool first = state_ == state::open;
        state_ = state::failed;  // until the bytes are written
        if (kind_ != kind::atomic && first) {
            if (kind_ == kind::path) fd_ = open_direct();
            if (descriptor_ == 1) std::fflush(stdout);
            if (descriptor_ == 2) std::fflush(stderr);
        }
        int e;
        {
            sigpipe_held_back guard;
            e = write_all(fd_, bytes, size);
            if (e == EPIPE) guard.discard();
        }
        if (e != 0) fail(e);
        state_ = state::streaming;
    }
    void append(const std::string& bytes) { append(bytes.data(), bytes.size()); }

    /// Rewrites bytes already appended, from `offset` on. Regular targets only (a pipe cannot
    /// go back); throws usage_error for a direct target or past the end, io_error if it fails.
    void overwrite(std::uint64_t offset, const std::string& bytes) {
        if (kind_ != kind::atomic) throw usage_error("output_file::overwrite: " + path_ + " cannot be rewritten in place");
        if (state_ != state::streaming) throw usage_error("output_file::overwrite: " + path_ + " is not being streamed");
        struct stat st;
        if (::fstat(fd_, &st) != 0) fail(errno);
        if (offset + bytes.size() > static_cast<std::uint64_t>(st.st_size))
            throw usage_error("output_file::overwrite: " + path_ + ": past the end of what was appended");
        for (std::size_t done = 0; done < bytes.size();) {
            const ssize_t w = ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
            if (w < 0) {
                if (errno == EINTR) continue;
                fail(errno);
            }
            done += static_cast<std::size_t>(w);
        }
    }

    /// Phase 1 of a streamed file, in place of write(): flushes what was appended (nothing
    /// appended is an empty file). commit() then renames it into place, or closes a direct
    /// target. Throws io_error if flushing fails, usage_error after write() or finish().
    void finish() {
        if (state_ == state::open) append(nullptr, 0);
        if (state_ != state::streaming) throw usage_error("output_file::finish: " + path_ + " was already written");
        if (kind_ != kind::atomic) {
            streamed_ = true;
            state_ = state::written;
            return;
        }
        sync_and_close();
    }

    /// Phase 2. For a regular target: renames the written temporary file over it (the target
    /// is unchanged if that fails). For a direct target: opens it (a FIFO waits for a reader
    /// here) and writes the content in one stream. Throws io_error if that fails,
    /// usage_error unless write() succeeded.
    void commit() {
        if (state_ != state::written)
            throw usage_error("output_file::commit: " + path_ + (state_ == state::committed ? " was already committed"
                                                                                          : " has not been written"));
        if (kind_ == kind::atomic) {
            if (::rename(temp_.c_str(), target_.c_str()) != 0) fail(errno);
        } else {
            state_ = state::failed;  // until every byte is delivered
            if (!streamed_) deliver();
            else close_direct();
        }
        state_ = state::committed;
    }

    /// write(content), then commit().
    void commit(const std::string& content) {
        write(content);
        commit();
    }

private:
    enum class kind { atomic, descriptor, path };
    enum class state { open, streaming, failed, written, committed };
    static constexpr int max_links = 40;  // as the kernel allows in one path (ELOOP beyond)

    /// Decides what kind of target path_ is and claims it (see the constructor).
    void claim() {
        if (path_ == "-") return claim_descriptor(1);
        std::string cur = path_;
        for (int links = 0;; ++links) {
            if (const int n = named_descriptor(cur); n >= 0) return claim_descriptor(n);
            struct stat st;
            if (::lstat(cur.c_str(), &st) != 0) {
                if (errno != ENOENT) fail(errno);
                target_ = cur;  // a new file, or the target of a dangling link
                return claim_temporary();
            }
            if (S_ISLNK(st.st_mode)) {
                long pid = -1;
                const int n = proc_fd_link(cur, pid);
                if (n >= 0 && pid == static_cast<long>(::getpid())) return claim_descriptor(n);
                if (n >= 0 && (::stat(cur.c_str(), &st) != 0 || !S_ISREG(st.st_mode))) {
                    // Another process's descriptor that is not a file: its link may not name
                    // a path (pipe:[1234]), so it is opened as it is.
                    target_ = cur;
                    return claim_direct();
                }
                if (links == max_links) {
                    fail("too many levels of symbolic links (more than " + std::to_string(max_links) + ")");
                }
                cur = follow(cur);
                continue;
            }
            target_ = cur;
            if (S_ISDIR(st.st_mode)) fail("it is a directory");
            // A disk written over by mistake (as root) would be lost: never a block device.
            if (S_ISBLK(st.st_mode)) fail("it is a block device");
            if (S_ISREG(st.st_mode)) return claim_temporary();
            return claim_direct();
        }
    }

    /// The descriptor that `p` names literally (/dev/stdout, /dev/fd/N, /proc/self/fd/N...),
    /// or -1. Needs no file system: /dev/fd may be missing in a container.
    static int named_descriptor(const std::string& p) {
        if (p == "/dev/stdin") return 0;
        if (p == "/dev/stdout") return 1;
        if (p == "/dev/stderr") return 2;
        for (const char* dir : {"/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/"}) {
            const std::size_t len = std::strlen(dir);
            if (p.compare(0, len, dir) == 0) return parse_number(p.substr(len));
        }
        return -1;
    }

    /// For a link N in a /proc/PID/fd or /proc/PID/task/TID/fd directory (however reached:
    /// /dev/fd/N is one once /dev/fd is resolved), returns N and sets `pid`; otherwise -1.
    static int proc_fd_link(const std::string& link, long& pid) {
        const std::size_t slash = link.rfind('/');
        const int n = parse_number(slash == std::string::npos ? link : link.substr(slash + 1));
        if (n < 0) return -1;
        const std::string parent = slash == std::string::npos ? "." : slash == 0 ? "/" : link.substr(0, slash);
        char* real = ::realpath(parent.c_str(), nullptr);
        if (real == nullptr) return -1;
        const std::string dir = real;
        std::free(real);
        // /proc/PID/fd or /proc/PID/task/TID/fd
        if (dir.compare(0, 6, "/proc/") != 0) return -1;
        std::size_t end = dir.find('/', 6);
        if (end == std::string::npos) return -1;
        const std::string rest = dir.substr(end);
        const bool fd_dir = rest == "/fd" || (rest.compare(0, 6, "/task/") == 0 && rest.size() > 9 &&
                                              rest.compare(rest.size() - 3, 3, "/fd") == 0 &&
                                              parse_number(rest.substr(6, rest.size() - 9)) >= 0);
        const int p = parse_number(dir.substr(6, end - 6));
        if (!fd_dir || p < 0) return -1;
        pid = p;
        return n;
    }

    /// A decimal number without sign or leading junk, or -1.
    static int parse_number(const std::string& s) {
        if (s.empty() || s.size() > 9) return -1;
        int n = 0;
        for (const char c : s) {
            if (c < '0' || c > '9') return -1;
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /// The path that symbolic link `link` points to, relative targets taken from its directory.
    std::string follow(const std::string& link) const {
        std::string buf(PATH_MAX, '\0');
        for (;;) {
            const ssize_t n = ::readlink(link.c_str(), buf.data(), buf.size());
            if (n < 0) fail(errno);
            if (static_cast<std::size_t>(n) < buf.size()) {
                buf.resize(static_cast<std::size_t>(n));
                break;
            }
            buf.resize(buf.size() * 2);
        }
        const std::size_t slash = link.rfind('/');
        if (buf.empty() || buf[0] == '/' || slash == std::string::npos) return buf;
        return link.substr(0, slash + 1) + buf;
    }

    /// A regular file or a new one: the temporary file goes in the target's directory, so
    /// that rename(2) can replace the target atomically.
    void claim_temporary() {
        temp_ = target_ + ".tmp-XXXXXX";
        fd_ = ::mkstemp(temp_.data());
        if (fd_ < 0) {
            const int e = errno;
            temp_.clear();
            fail(e);
        }
    }

    /// An open descriptor of this process: duplicated now (so a bad one fails before the
    /// run), written at commit.
    void claim_descriptor(int n) {
        kind_ = kind::descriptor;
        target_.clear();
        descriptor_ = n;
        const int flags = ::fcntl(n, F_GETFL);
        if (flags < 0) fail(errno);
        if ((flags & O_ACCMODE) == O_RDONLY)
            fail("descriptor " + std::to_string(n) + " is open for reading only");
        fd_ = ::fcntl(n, F_DUPFD_CLOEXEC, 3);
        if (fd_ < 0) fail(errno);
    }

    /// A FIFO, device or socket: only checked now; opening a FIFO would wait for a reader.
    void claim_direct() {
        kind_ = kind::path;
        if (::access(target_.c_str(), W_OK) != 0) fail(errno);
    }

    /// The end of phase 1 for a regular target: its permissions, then every byte on disk.
    void sync_and_close() {
        state_ = state::failed;
        apply_target_permissions();
        const bool synced = ::fsync(fd_) == 0;
        const int sync_errno = errno;
        const bool closed = ::close(fd_) == 0;
        fd_ = -1;
        if (!synced || !closed) fail(synced ? errno : sync_errno);
        state_ = state::written;
    }

    /// Commit for a direct target: open it (unless it is a descriptor) and write everything.
    void deliver() {
        if (kind_ == kind::path) fd_ = open_direct();
        // Anything the program already printed to the same stream comes first.
        if (descriptor_ == 1) std::fflush(stdout);
        if (descriptor_ == 2) std::fflush(stderr);
        int e;
        {
            sigpipe_held_back guard;
            e = write_all(fd_, content_.data(), content_.size());
            if (e == EPIPE) guard.discard();
        }
        if (e != 0) fail(e);
        close_direct();
    }

    /// The end of a direct target's commit: on disk if it is a file, then closed.
    void close_direct() {
        struct stat st;
        if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode) && ::fsync(fd_) != 0) fail(errno);
        const int fd = fd_;
        fd_ = -1;
        if (::close(fd) != 0 && errno != EINTR) fail(errno);
        content_.clear();
        content_.shrink_to_fit();
    }

    int open_direct() const {
        struct stat st;
        if (::stat(target_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) return connect_socket();
        for (;;) {  // a signal may interrupt the wait for a FIFO's reader
            const int fd = ::open(target_.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
            if (fd >= 0) return fd;
            if (errno != EINTR) fail(errno);
        }
    }

    int connect_socket() const {
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        if (target_.size() >= sizeof addr.sun_path) fail(ENAMETOOLONG);
        std::memcpy(addr.sun_path, target_.c_str(), target_.size() + 1);
        const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) fail(errno);
        if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
            const int e = errno;
            ::close(fd);
            fail(e);
        }
        return fd;
    }

    /// Writes all of `content`, through partial writes and interruptions. Returns 0, or the
    /// errno of the write that failed.
    static int write_all(int fd, const char* p, std::size_t left) {
        while (left > 0) {
            const ssize_t w = ::write(fd, p, left);
            if (w < 0) {
                if (errno == EINTR) continue;
                return errno;
            }
            p += w;
            left -= static_cast<std::size_t>(w);
        }
        return 0;
    }

    /// A replaced file keeps its permission bits and, where allowed, its owner; a new file
    /// gets ordinary permissions (mkstemp creates it 0600).
    void apply_target_permissions() const {
        struct stat st;
        if (::stat(target_.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
            if (::fchown(fd_, st.st_uid, st.st_gid) != 0) {
                // Not permitted (another user's file): the new file is the caller's.
            }
            ::fchmod(fd_, st.st_mode & 0777);
            return;
        }
        const mode_t mask = ::umask(0);
        ::umask(mask);
        ::fchmod(fd_, 0666 & ~mask);
    }

    /// Blocks SIGPIPE in this thread while a pipe or socket is written, so that a reader that
    /// went away makes write(2) fail with EPIPE instead of killing the process. A SIGPIPE
    /// raised meanwhile is taken off the queue (discard()) before the mask is restored.
    class sigpipe_held_back {
    public:
        sigpipe_held_back() {
            sigemptyset(&pipe_);
            sigaddset(&pipe_, SIGPIPE);
            sigset_t pending;
            sigemptyset(&pending);
            ::sigpending(&pending);
            was_pending_ = sigismember(&pending, SIGPIPE) == 1;
            ::pthread_sigmask(SIG_BLOCK, &pipe_, &saved_);
        }
        sigpipe_held_back(const sigpipe_held_back&) = delete;
        sigpipe_held_back& operator=(const sigpipe_held_back&) = delete;
        void discard() { discard_ = true; }
        ~sigpipe_held_back() {
            if (discard_ && !was_pending_) {
                const timespec now{0, 0};
                while (::sigtimedwait(&pipe_, nullptr, &now) < 0 && errno == EINTR) {
                }
            }
            ::pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
        }

    private:
        sigset_t pipe_, saved_;
        bool was_pending_ = false, discard_ = false;
    };

    [[noreturn]] void fail(int err) const { fail(std::string(std::strerror(err))); }
    [[noreturn]] void fail(const std::string& reason) const {
        std::string where = path_ == "-" ? "standard output (-)" : path_;
        if (!target_.empty() && target_ != path_) where += " (link to " + target_ + ")";
        throw io_error("cannot write " + where + ": " + reason);
    }

    std::string path_, target_, temp_, content_;
    kind kind_ = kind::atomic;
    int fd_ = -1;
    int descriptor_ = -1;  // the descriptor a descriptor path names
    state state_ = state::open;
    bool streamed_ = false;  // a direct target that append() already wrote
};

}  // namespace fabrisk
