// output_file: content appears whole or not at all, and whatever the path names stays what it
// was. Failures are forced after output has started (a file size limit that stops the write
// part-way, a target replaced by a directory before the rename, an exception between
// construction and commit); every time the existing file must be intact and no temporary file
// may remain. Links, FIFOs, devices, sockets and descriptors are all made inside the test
// directory or by the test itself: nothing under the machine's /dev is touched. Tests run as
// root, so the one that needs a permission to be denied drops privileges in a child process.
#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "fabrisk/output_file.hpp"
#include "support.hpp"

namespace {
namespace output_file_test {

namespace fs = std::filesystem;

namespace {

class OutputFile : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("fabrisk-output-" + std::to_string(::getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        fs::create_directories(dir);
        std::ofstream(dir / "keep.json") << "precious";
    }
    void TearDown() override { fs::remove_all(dir); }

    /// Names in the directory (the test directory by default), sorted.
    std::vector<std::string> listing(const fs::path& in = {}) const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(in.empty() ? dir : in)) names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }

    fs::path dir;
};

/// Lowers RLIMIT_FSIZE (and ignores SIGXFSZ, so write fails with EFBIG instead of killing the
/// process) for the lifetime of the object.
class file_size_limit {
public:
    explicit file_size_limit(rlim_t bytes) {
        ::getrlimit(RLIMIT_FSIZE, &saved_);
        old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
        rlimit lower = saved_;
        lower.rlim_cur = bytes;
        ok_ = ::setrlimit(RLIMIT_FSIZE, &lower) == 0;
    }
    ~file_size_limit() {
        ::setrlimit(RLIMIT_FSIZE, &saved_);
        std::signal(SIGXFSZ, old_handler_);
    }
    bool ok() const { return ok_; }

private:
    rlimit saved_{};
    void (*old_handler_)(int) = nullptr;
    bool ok_ = false;
};


/// All that can be read from `fd` until end of file.
std::string read_all(int fd) {
    std::string out;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return out;
        out.append(buf, static_cast<std::size_t>(n));
    }
}

/// The path of this process's descriptor `fd`, through /proc rather than the machine's /dev.
std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

struct stat lstat_of(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st;
}

/// More than a pipe buffer, so a direct write needs several write(2) calls and a reader.
std::string big_content() {
    std::string s;
    for (int i = 0; s.size() < 1024 * 1024; ++i) s += "line " + std::to_string(i) + "\n";
    return s;
}

/// Kills the test program (SIGALRM) if a test blocks for good, say on a FIFO nobody reads,
/// rather than letting it hang.
class watchdog {
public:
    explicit watchdog(unsigned seconds) { ::alarm(seconds); }
    ~watchdog() { ::alarm(0); }
};

/// Sends descriptor 1 to `file` for the lifetime of the object.
class stdout_redirect {
public:
    explicit stdout_redirect(const fs::path& file) {
        std::fflush(stdout);
        saved_ = ::dup(1);
        const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ok_ = saved_ >= 0 && fd >= 0 && ::dup2(fd, 1) == 1;
        if (fd >= 0) ::close(fd);
    }
    ~stdout_redirect() {
        std::fflush(stdout);
        if (saved_ >= 0) {
            ::dup2(saved_, 1);
            ::close(saved_);
        }
    }
    bool ok() const { return ok_; }

private:
    int saved_ = -1;
    bool ok_ = false;
};

/// Restores the working directory on the way out.
class working_directory {
public:
    explicit working_directory(const fs::path& to) : saved_(fs::current_path()) { fs::current_path(to); }
    ~working_directory() { fs::current_path(saved_); }

private:
    fs::path saved_;
};

}  // namespace

TEST_F(OutputFile, CommitReplacesTheFileWholeAndLeavesNoTemporary) {
    {
        fabrisk::output_file f((dir / "keep.json").string());
        EXPECT_TRUE(fs::exists(f.temp_path()));
        EXPECT_EQ(f.temp_path().rfind((dir / "keep.json.tmp-").string(), 0), 0u);
        EXPECT_EQ(fabrisk_test::read_file(dir / "keep.json"), "precious");  // untouched until commit
        f.commit("new content");
    }
    EXPECT_EQ(fabrisk_test::read_file(dir / "keep.json"), "new content");
    EXPECT_EQ(listing(), std::vector<std::string>{"keep.json"});
    // Ordinary permissions (umask applied), not mkstemp's 0600.
    const auto perms = fs::status(dir / "keep.json").permissions();
    EXPECT_NE(perms & fs::perms::group_read, fs::perms::none);
}

TEST_F(OutputFile, TwoPhaseWriteThenCommit) {
    fabrisk::output_file a((dir / "keep.json").string()), b((dir / "new.csv").string());
    a.write("A");
    b.write("B");
    EXPECT_EQ(fabrisk_test::read_file(dir / "keep.json"), "precious");
    EXPECT_FALSE(fs::exists(dir / "new.csv"));
    a.commit();
    b.commit();
    EXPECT_EQ(fabrisk_test::read_file(dir / "keep.json"), "A");
    EXPECT_EQ(fabrisk_test::read_file(dir / "new.csv"), "B");
    EXPECT_THROW(a.commit(), fabrisk::usage_error);   // already committed
    EXPECT_THROW(a.write("x"), fabrisk::usage_error);  // already written
}

TEST_F(OutputFile, ExceptionBetweenConstructionAndCommitLeavesNothing) {
    try {
        fabrisk::output_file f((dir / "keep.json").string());
        fabrisk::output_file g((dir / "fresh.json").string());
        ASSERT_EQ(listing().size(), 3u);  // keep.json and two temporaries
        throw std::runtime_error("the run failed");
    } catch (const std::runtime_error&) {
    }
    EXPECT_EQ(fabrisk_test::read_file(dir / "keep.json"), "precious");
    EXPECT_EQ(listing(), std::vector<std::string>{"keep.json"});
}

TEST_F(OutputFile, WriteFailingPartWayLeavesTheOldFileAndNoTemporary) {
    // A 4 KiB file size limit: the write of 64 KiB starts, stops at the limit with EFBIG.
    const std::string big(64 * 1024, 'x');
    {
        fabrisk::output_file f((dir / "keep.json").string());
        file_size_limit limit(4096);
        ASSERT_TRUE(limit.ok());
        try {
            f.commit(big);
            ADD_FAILURE() << "a write past the file size limit succeeded";
        } catch (const fabrisk::io_error& e) {
            EXPECT_NE(std::string(e.what()).find("cannot write " + (dir / "keep.json").string()), std::string::npos)
                << e.what();
        }
        EXPECT_THROW(f.commit(), fabrisk::usage_error);  // nothing valid to commit
    }
    EXPECT_EQ(fabrisk_test::read_file(dir / "keep.json"), "precious");
    EXPECT_EQ(listing(), std::vector<std::string>{"keep.json"});
}

TEST_F(OutputFile, FailedSecondWriteReplacesNeitherFile) {
    // Two-phase use: the first file is written, the second fails; neither target changes.
    std::ofstream(dir / "other.csv") << "also precious";
    {
        fabrisk::output_file a((dir / "keep.json").string()), b((dir / "other.csv").string());
        a.write("small");
        {
            file_size_limit limit(1024);
            ASSERT_TRUE(limit.ok());
            EXPECT_THROW(b.write(std::string(8192, 'y')), fabrisk::io_error);
        }
    }
    EXPECT_EQ(fabrisk_test::read_file(dir / "keep.json"), "precious");
    EXPECT_EQ(fabrisk_test::read_file(dir / "other.csv"), "also precious");
    EXPECT_EQ(listing(), (std::vector<std::string>{"keep.json", "other.csv"}));
}

TEST_F(OutputFile, RenameFailingAfterTheWriteLeavesNoTemporary) {
    // The target becomes a non-empty directory after the file was claimed and written:
    // rename(2) cannot replace it (EISDIR / ENOTEMPTY, even as root).
    {
        fabrisk::output_file f((dir / "out.json").string());
        f.write("content");
        fs::create_directories(dir / "out.json" / "inside");
        std::ofstream(dir / "out.json" / "inside" / "data") << "kept";
        EXPECT_THROW(f.commit(), fabrisk::io_error);
    }
    EXPECT_EQ(fabrisk_test::read_file(dir / "out.json" / "inside" / "data"), "kept");
    EXPECT_EQ(listing(), (std::vector<std::string>{"keep.json", "out.json"}));
}

TEST_F(OutputFile, DirectoryRemovedAfterConstruction) {
    // The whole directory disappears while the run is going: commit fails cleanly.
    const fs::path sub = dir / "sub";
    fs::create_directories(sub);
    {
        fabrisk::output_file f((sub / "out.json").string());
        fs::remove_all(sub);
        EXPECT_THROW(f.commit("content"), fabrisk::io_error);
    }
    EXPECT_FALSE(fs::exists(sub));
    EXPECT_EQ(listing(), std::vector<std::string>{"keep.json"});
}

TEST_F(OutputFile, UnwritableDestinationsFailAtConstruction) {
    try {
        fabrisk::output_file f((dir / "no-such-dir" / "out.json").string());
        ADD_FAILURE() << "constructed in a missing directory";
    } catch (const fabrisk::io_error& e) {
        EXPECT_NE(std::string(e.what()).find("no-such-dir/out.json"), std::string::npos) << e.what();
    }
    fs::create_directories(dir / "adir");
    try {
        fabrisk::output_file f((dir / "adir").string());
        ADD_FAILURE() << "constructed over a directory";
    } catch (const fabrisk::io_error& e) {
        EXPECT_NE(std::string(e.what()).find("it is a directory"), std::string::npos) << e.what();
    }
    EXPECT_EQ(listing(), (std::vector<std::string>{"adir", "keep.json"}));
}

TEST_F(OutputFile, ReplacedFileKeepsItsPermissions) {
    fs::permissions(dir / "keep.json", fs::perms::owner_read | fs::perms::owner_write);
    fabrisk::output_file((dir / "keep.json").string()).commit("new");
    EXPECT_EQ(fabrisk_test::read_file(dir / "keep.json"), "new");
    EXPECT_EQ(lstat_of(dir / "keep.json").st_mode & 07777, 0600u);
}

TEST_F(OutputFile, SymlinkIsWrittenThroughAndStaysALink) {
    // The link and its target in different directories: the temporary file must go beside
    // the target (rename cannot cross into the link's directory and replace the link).
    fs::create_directories(dir / "data");
    std::ofstream(dir / "data" / "t.json") << "old";
    ::chmod((dir / "data" / "t.json").c_str(), 0640);
    fs::create_symlink(dir / "data" / "t.json", dir / "link.json");
    {
        fabrisk::output_file f((dir / "link.json").string());
        EXPECT_FALSE(f.is_direct());
        EXPECT_EQ(f.target(), (dir / "data" / "t.json").string());
        EXPECT_EQ(f.temp_path().rfind((dir / "data" / "t.json.tmp-").string(), 0), 0u) << f.temp_path();
        f.commit("through the link");
    }
    EXPECT_TRUE(S_ISLNK(lstat_of(dir / "link.json").st_mode));
    EXPECT_EQ(fs::read_symlink(dir / "link.json"), dir / "data" / "t.json");
    EXPECT_EQ(fabrisk_test::read_file(dir / "data" / "t.json"), "through the link");
    EXPECT_EQ(lstat_of(dir / "data" / "t.json").st_mode & 07777, 0640u);
    EXPECT_EQ(listing(), (std::vector<std::string>{"data", "keep.json", "link.json"}));
    EXPECT_EQ(listing(dir / "data"), std::vector<std::string>{"t.json"});
}

TEST_F(OutputFile, ChainOfSymlinksIsFollowedToTheEnd) {
    fs::create_symlink("keep.json", dir / "b");
    fs::create_symlink("b", dir / "a");
    fabrisk::output_file f((dir / "a").string());
    EXPECT_EQ(f.target(), (dir / "keep.json").string());
    f.commit("via two links");
    EXPECT_EQ(fabrisk_test::read_file(dir / "keep.json"), "via two links");
    EXPECT_EQ(fs::read_symlink(dir / "a"), "b");
    EXPECT_EQ(fs::read_symlink(dir / "b"), "keep.json");
    EXPECT_EQ(listing(), (std::vector<std::string>{"a", "b", "keep.json"}));
}

TEST_F(OutputFile, DanglingSymlinkCreatesItsTarget) {
    fs::create_directories(dir / "data");
    fs::create_symlink(dir / "data" / "new.json", dir / "link.json");
    fabrisk::output_file((dir / "link.json").string()).commit("created");
    EXPECT_TRUE(S_ISLNK(lstat_of(dir / "link.json").st_mode));
    EXPECT_EQ(fabrisk_test::read_file(dir / "data" / "new.json"), "created");
    const mode_t mask = ::umask(0);
    ::umask(mask);
    EXPECT_EQ(lstat_of(dir / "data" / "new.json").st_mode & 07777, 0666u & ~mask);
    EXPECT_EQ(listing(dir / "data"), std::vector<std::string>{"new.json"});
}

TEST_F(OutputFile, RelativeSymlinkTargetIsTakenFromTheLinksDirectory) {
    // links/out.json -> ../data/out.json, given as a relative path: the target is
    // dir/data/out.json, not ../data/out.json from the working directory (which does not
    // exist, so resolving against it fails).
    fs::create_directories(dir / "links");
    fs::create_directories(dir / "data");
    std::ofstream(dir / "data" / "out.json") << "old";
    fs::create_symlink("../data/out.json", dir / "links" / "out.json");
    {
        working_directory cwd(dir);
        fabrisk::output_file("links/out.json").commit("relative");
    }
    EXPECT_EQ(fabrisk_test::read_file(dir / "data" / "out.json"), "relative");
    EXPECT_EQ(fs::read_symlink(dir / "links" / "out.json"), "../data/out.json");
    EXPECT_EQ(listing(dir / "links"), std::vector<std::string>{"out.json"});
    EXPECT_EQ(listing(dir / "data"), std::vector<std::string>{"out.json"});
}

TEST_F(OutputFile, SymlinkLoopIsRefusedAndCreatesNothing) {
    fs::create_symlink("b", dir / "a");
    fs::create_symlink("a", dir / "b");
    fs::create_symlink("self", dir / "self");
    for (const char* name : {"a", "self"}) {
        try {
            fabrisk::output_file f((dir / name).string());
            ADD_FAILURE() << "constructed through a loop of links: " << name;
        } catch (const fabrisk::io_error& e) {
            EXPECT_NE(std::string(e.what()).find("cannot write " + (dir / name).string() + ": too many levels of symbolic links"),
                      std::string::npos)
                << e.what();
        }
    }
    EXPECT_EQ(listing(), (std::vector<std::string>{"a", "b", "keep.json", "self"}));
}

TEST_F(OutputFile, FortySymlinksInARowAreFollowedAndNoMore) {
    // l0 -> l1 -> ... -> l39 -> keep.json is 40 links, as many as the kernel follows; one more
    // is refused.
    for (int i = 0; i < 41; ++i)
        fs::create_symlink(i == 40 ? "keep.json" : "l" + std::to_string(i + 1), dir / ("l" + std::to_string(i)));
    EXPECT_THROW(fabrisk::output_file((dir / "l0").string()), fabrisk::io_error);
    fabrisk::output_file((dir / "l1").string()).commit("forty");
    EXPECT_EQ(fabrisk_test::read_file(dir / "keep.json"), "forty");
    EXPECT_TRUE(S_ISLNK(lstat_of(dir / "l40").st_mode));
}

TEST_F(OutputFile, SymlinkToADirectoryIsRefused) {
    fs::create_directories(dir / "adir");
    fs::create_symlink("adir", dir / "link");
    try {
        fabrisk::output_file f((dir / "link").string());
        ADD_FAILURE() << "constructed over a directory behind a link";
    } catch (const fabrisk::io_error& e) {
        EXPECT_NE(std::string(e.what()).find("it is a directory"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(fs::is_empty(dir / "adir"));
}

TEST_F(OutputFile, FifoIsWrittenDirectlyAtCommit) {
    const fs::path fifo = dir / "fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0) << std::strerror(errno);
    const std::string content = big_content();
    watchdog dog(30);  // opening the FIFO at construction would block here for good
    fabrisk::output_file f(fifo.string());
    EXPECT_TRUE(f.is_direct());
    EXPECT_TRUE(f.temp_path().empty());
    f.write(content);
    std::string received;
    std::thread reader([&] {
        const int fd = ::open(fifo.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return;
        received = read_all(fd);
        ::close(fd);
    });
    try {
        f.commit();
    } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        const int release = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);  // let the reader go
        if (release >= 0) ::close(release);
    }
    reader.join();
    EXPECT_TRUE(received == content) << received.size() << " of " << content.size() << " bytes arrived";
    EXPECT_TRUE(S_ISFIFO(lstat_of(fifo).st_mode));
    EXPECT_EQ(listing(), (std::vector<std::string>{"fifo", "keep.json"}));
}

TEST_F(OutputFile, StreamedFileAppearsWholeAtCommitAndNotBefore) {
    const fs::path keep = dir / "keep.json";
    {
        fabrisk::output_file f(keep.string());
        f.append("header ");
        f.append("rows");
        f.overwrite(0, "HEADER");  // a header rewritten once the count is known
        EXPECT_EQ(fabrisk_test::read_file(keep), "precious");
        f.finish();
        EXPECT_EQ(fabrisk_test::read_file(keep), "precious");
        EXPECT_THROW(f.append("more"), fabrisk::usage_error);
        f.commit();
    }
    EXPECT_EQ(fabrisk_test::read_file(keep), "HEADER rows");
    EXPECT_EQ(listing(), std::vector<std::string>{"keep.json"});
}

TEST_F(OutputFile, StreamedFileAbandonedBeforeCommitLeavesTheTargetAsItWas) {
    {
        fabrisk::output_file f((dir / "keep.json").string());
        f.append(big_content());
        EXPECT_THROW(f.overwrite(big_content().size(), "x"), fabrisk::usage_error);  // past the end
    }
    {
        fabrisk::output_file f((dir / "keep.json").string());
        f.append("part");
        f.finish();  // written but never committed
    }
    EXPECT_EQ(fabrisk_test::read_file(dir / "keep.json"), "precious");
    EXPECT_EQ(listing(), std::vector<std::string>{"keep.json"});
}

TEST_F(OutputFile, StreamedFifoReceivesEachPieceAsItIsAppended) {
    const fs::path fifo = dir / "fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0) << std::strerror(errno);
    watchdog dog(30);
    fabrisk::output_file f(fifo.string());
    std::string first;
    std::string rest;
    std::thread reader([&] {
        const int fd = ::open(fifo.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return;
        char buf[5];
        std::size_t got = 0;
        while (got < sizeof buf) {
            const ssize_t n = ::read(fd, buf + got, sizeof buf - got);
            if (n <= 0) break;
            got += static_cast<std::size_t>(n);
        }
        first.assign(buf, got);
        rest = read_all(fd);
        ::close(fd);
    });
    f.append("first");  // opens the FIFO: waits for the reader
    EXPECT_THROW(f.overwrite(0, "F"), fabrisk::usage_error);
    f.append(" second");
    f.finish();
    f.commit();
    reader.join();
    EXPECT_EQ(first, "first");
    EXPECT_EQ(rest, " second");
    EXPECT_EQ(listing(), (std::vector<std::string>{"fifo", "keep.json"}));
}

TEST_F(OutputFile, RegularFileBehindADescriptorIsWrittenThroughIt) {
    // As `--json /proc/self/fd/N N>>log`: the shell opened the file; the content goes through
    // that descriptor (appending here), the file keeps its inode and nothing is renamed.
    const fs::path log = dir / "log.txt";
    std::ofstream(log) << "head\n";
    const int fd = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    const ino_t inode = lstat_of(log).st_ino;
    {
        fabrisk::output_file f(fd_path(fd));
        EXPECT_TRUE(f.is_direct());
        EXPECT_FALSE(f.is_stdout());
        EXPECT_TRUE(f.temp_path().empty());
        EXPECT_EQ(listing(), (std::vector<std::string>{"keep.json", "log.txt"}));
        f.commit("body\n");
    }
    EXPECT_EQ(fabrisk_test::read_file(log), "head\nbody\n");
    EXPECT_EQ(lstat_of(log).st_ino, inode);
    // The descriptor is the test's still: written through a duplicate, not closed.
    EXPECT_EQ(::write(fd, "tail\n", 5), 5);
    ::close(fd);
    EXPECT_EQ(fabrisk_test::read_file(log), "head\nbody\ntail\n");
    EXPECT_EQ(listing(), (std::vector<std::string>{"keep.json", "log.txt"}));
}

TEST_F(OutputFile, SymlinkToADescriptorUsesTheDescriptor) {
    // A link to /proc/self/fd/N (as /dev/stdout is) and one to /proc/PID/fd/N, recognised from
    // the directory it resolves to: written through descriptor N, at its offset (a file
    // truncated by `>`), never renamed over.
    const fs::path out = dir / "out.json";
    std::ofstream(out) << "to be replaced by the shell";
    const int fd = ::open(out.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    const ino_t inode = lstat_of(out).st_ino;
    fs::create_symlink(fd_path(fd), dir / "self-link");
    fs::create_symlink("/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(fd), dir / "pid-link");
    fabrisk::output_file a((dir / "self-link").string()), b((dir / "pid-link").string());
    EXPECT_TRUE(a.is_direct());
    EXPECT_TRUE(b.is_direct());
    a.commit("first ");
    b.commit("second");
    ::close(fd);
    EXPECT_EQ(fabrisk_test::read_file(out), "first second");
    EXPECT_EQ(lstat_of(out).st_ino, inode);
    EXPECT_TRUE(S_ISLNK(lstat_of(dir / "self-link").st_mode));
    EXPECT_TRUE(S_ISLNK(lstat_of(dir / "pid-link").st_mode));
    EXPECT_EQ(listing(), (std::vector<std::string>{"keep.json", "out.json", "pid-link", "self-link"}));
}

TEST_F(OutputFile, PipeBehindADescriptorReceivesEverything) {
    // As `--json >(gzip > out.gz)`, which the program sees as /dev/fd/63.
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    const std::string content = big_content();
    std::string received;
    std::thread reader([&] { received = read_all(p[0]); });
    watchdog dog(30);  // a leaked duplicate of the write end would keep the reader waiting
    try {
        fabrisk::output_file f(fd_path(p[1]));
        EXPECT_TRUE(f.is_direct());
        f.write(content);
        f.commit();
    } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
    }
    ::close(p[1]);
    reader.join();
    ::close(p[0]);
    EXPECT_TRUE(received == content) << received.size() << " of " << content.size() << " bytes arrived";
}

TEST_F(OutputFile, ReaderGoneIsAnErrorNotADeath) {
    // Without care the write raises SIGPIPE, whose default action ends the process.
    struct sigaction current {};
    ::sigaction(SIGPIPE, nullptr, &current);
    ASSERT_EQ(current.sa_handler, SIG_DFL) << "SIGPIPE is handled already, so the test would prove nothing";
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    ::close(p[0]);
    fabrisk::output_file f(fd_path(p[1]));
    try {
        f.commit("nobody reads this");
        ADD_FAILURE() << "a write to a pipe without reader succeeded";
    } catch (const fabrisk::io_error& e) {
        EXPECT_EQ(std::string(e.what()), "cannot write " + fd_path(p[1]) + ": " + std::strerror(EPIPE));
    }
    sigset_t pending;
    ::sigpending(&pending);
    EXPECT_FALSE(sigismember(&pending, SIGPIPE));  // no SIGPIPE left to strike later
    ::close(p[1]);
}

TEST_F(OutputFile, DashIsStandardOutput) {
    const fs::path captured = dir / "stdout.txt";
    {
        stdout_redirect redirect(captured);
        ASSERT_TRUE(redirect.ok());
        fabrisk::output_file f("-");
        EXPECT_TRUE(f.is_stdout());
        EXPECT_TRUE(f.is_direct());
        EXPECT_TRUE(f.temp_path().empty());
        f.write("{\"to\": \"stdout\"}\n");
        EXPECT_EQ(fabrisk_test::read_file(captured), "");  // not before commit
        f.commit();
    }
    EXPECT_EQ(fabrisk_test::read_file(captured), "{\"to\": \"stdout\"}\n");
    EXPECT_EQ(listing(), (std::vector<std::string>{"keep.json", "stdout.txt"}));
    EXPECT_FALSE(fabrisk::output_file((dir / "x.json").string()).is_stdout());
    EXPECT_FALSE(fabrisk::output_file(fd_path(1)).is_stdout());  // may be redirected anywhere
    // ... but it does write to standard output, where a caller's messages would mix with it.
    EXPECT_TRUE(fabrisk::output_file(fd_path(1)).writes_to_standard_output());
    EXPECT_TRUE(fabrisk::output_file("-").writes_to_standard_output());
    EXPECT_FALSE(fabrisk::output_file(fd_path(2)).writes_to_standard_output());
    EXPECT_FALSE(fabrisk::output_file((dir / "y.json").string()).writes_to_standard_output());
}

TEST_F(OutputFile, UnusableDescriptorsFailAtConstruction) {
    const int closed = ::open((dir / "keep.json").c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(closed, 0);
    ::close(closed);
    try {
        fabrisk::output_file f(fd_path(closed));
        ADD_FAILURE() << "constructed on a closed descriptor";
    } catch (const fabrisk::io_error& e) {
        EXPECT_EQ(std::string(e.what()), "cannot write " + fd_path(closed) + ": " + std::strerror(EBADF));
    }
    const int readonly = ::open((dir / "keep.json").c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(readonly, 0);
    try {
        fabrisk::output_file f(fd_path(readonly));
        ADD_FAILURE() << "constructed on a descriptor open for reading";
    } catch (const fabrisk::io_error& e) {
        EXPECT_NE(std::string(e.what()).find("open for reading only"), std::string::npos) << e.what();
    }
    ::close(readonly);
    EXPECT_EQ(fabrisk_test::read_file(dir / "keep.json"), "precious");
}

TEST_F(OutputFile, CharacterDeviceIsWrittenDirectly) {
    // A null device of our own, made in the test directory (1,3 are /dev/null's numbers).
    const fs::path node = dir / "null";
    if (::mknod(node.c_str(), S_IFCHR | 0666, ::makedev(1, 3)) != 0) {
        if (errno == EPERM) GTEST_SKIP() << "mknod of a character device is not permitted here (needs CAP_MKNOD)";
        FAIL() << "mknod: " << std::strerror(errno);
    }
    fabrisk::output_file f(node.string());
    EXPECT_TRUE(f.is_direct());
    EXPECT_TRUE(f.temp_path().empty());
    EXPECT_NO_THROW(f.commit(big_content()));
    const struct stat st = lstat_of(node);
    EXPECT_TRUE(S_ISCHR(st.st_mode));
    EXPECT_EQ(st.st_rdev, ::makedev(1, 3));
    EXPECT_EQ(listing(), (std::vector<std::string>{"keep.json", "null"}));
}

TEST_F(OutputFile, BlockDeviceIsRefused) {
    // A disk overwritten by mistake would be lost. The node (0,0) is no device at all, so even
    // a broken refusal could not harm one.
    const fs::path node = dir / "disk";
    if (::mknod(node.c_str(), S_IFBLK | 0666, ::makedev(0, 0)) != 0) {
        if (errno == EPERM) GTEST_SKIP() << "mknod of a block device is not permitted here (needs CAP_MKNOD)";
        FAIL() << "mknod: " << std::strerror(errno);
    }
    ::symlink("disk", (dir / "link").c_str());
    for (const char* name : {"disk", "link"}) {
        try {
            fabrisk::output_file f((dir / name).string());
            ADD_FAILURE() << name << ": expected io_error";
        } catch (const fabrisk::io_error& e) {
            EXPECT_NE(std::string(e.what()).find("it is a block device"), std::string::npos) << e.what();
        }
    }
    EXPECT_TRUE(S_ISBLK(lstat_of(node).st_mode));
}

TEST_F(OutputFile, UnixSocketIsWrittenDirectly) {
    const fs::path path = dir / "sock";
    const int server = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(server, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    ASSERT_LT(path.string().size(), sizeof addr.sun_path);
    std::strcpy(addr.sun_path, path.c_str());
    ASSERT_EQ(::bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
    ASSERT_EQ(::listen(server, 1), 0);
    const std::string content = big_content();
    std::string received;
    std::thread reader([&] {
        const int conn = ::accept(server, nullptr, nullptr);
        if (conn < 0) return;
        received = read_all(conn);
        ::close(conn);
    });
    watchdog dog(30);
    try {
        fabrisk::output_file f(path.string());
        EXPECT_TRUE(f.is_direct());
        f.commit(content);
    } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        ::shutdown(server, SHUT_RDWR);  // let the reader go
    }
    reader.join();
    ::close(server);
    EXPECT_TRUE(received == content) << received.size() << " of " << content.size() << " bytes arrived";
    EXPECT_TRUE(S_ISSOCK(lstat_of(path).st_mode));
}

TEST_F(OutputFile, ReadOnlyDirectoryFailsAtConstruction) {
    // Root may write anywhere, so as root the checks run in a child that has become "nobody"
    // (65534) and reports through its exit status, one bit per failed check.
    const fs::path ro = dir / "ro", rw = dir / "rw";
    fs::create_directories(ro);
    fs::create_directories(rw);
    std::ofstream(ro / "existing.json") << "old";
    ::chmod((ro / "existing.json").c_str(), 0666);
    ASSERT_EQ(::mkfifo((rw / "fifo").c_str(), 0444), 0);
    fs::create_symlink("../ro/x.json", rw / "link.json");
    ::chmod(dir.c_str(), 0755);
    ::chmod(rw.c_str(), 0777);
    ::chmod(ro.c_str(), 0555);
    const auto checks = [&]() -> int {
        int failed = 0;
        const auto refused = [](const std::string& path, const std::string& message) {
            try {
                fabrisk::output_file f(path);
            } catch (const fabrisk::io_error& e) {
                return std::string(e.what()) == message;
            }
            return false;
        };
        const std::string denied = std::strerror(EACCES);
        if (!refused((ro / "x.json").string(), "cannot write " + (ro / "x.json").string() + ": " + denied)) failed |= 1;
        // Writable itself, but its directory cannot take the temporary file.
        if (!refused((ro / "existing.json").string(), "cannot write " + (ro / "existing.json").string() + ": " + denied))
            failed |= 2;
        // The link's directory is writable, the target's is not: refused, naming both.
        if (!refused((rw / "link.json").string(),
                     "cannot write " + (rw / "link.json").string() + " (link to " + (rw / "../ro/x.json").string() + "): " + denied))
            failed |= 4;
        // A FIFO without write permission: refused at once, without waiting for a reader.
        if (!refused((rw / "fifo").string(), "cannot write " + (rw / "fifo").string() + ": " + denied)) failed |= 8;
        return failed;
    };
    int failed = 0;
    if (::geteuid() == 0) {
        watchdog dog(30);
        const pid_t child = ::fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(100);
            ::_exit(checks());
        }
        int status = 0;
        ASSERT_EQ(::waitpid(child, &status, 0), child);
        ASSERT_TRUE(WIFEXITED(status)) << "the child died: status " << status;
        ASSERT_NE(WEXITSTATUS(status), 100) << "the child could not become nobody (65534)";
        failed = WEXITSTATUS(status);
    } else {
        failed = checks();
    }
    EXPECT_FALSE(failed & 1) << "a new file in a read-only directory";
    EXPECT_FALSE(failed & 2) << "an existing file in a read-only directory";
    EXPECT_FALSE(failed & 4) << "a link into a read-only directory";
    EXPECT_FALSE(failed & 8) << "a FIFO without write permission";
    EXPECT_EQ(listing(ro), std::vector<std::string>{"existing.json"});
    EXPECT_EQ(listing(rw), (std::vector<std::string>{"fifo", "link.json"}));
    ::chmod(ro.c_str(), 0755);  // so that TearDown can remove it when not root
}

}  // namespace output_file_test
}  // namespace
