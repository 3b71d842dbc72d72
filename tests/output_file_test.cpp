// output_file: content appears whole or not at all. Failures are forced after output has
// started (a file size limit that stops the write part-way, a target replaced by a directory
// before the rename, an exception between construction and commit); every time the existing
// file must be intact and no temporary file may remain. Tests run as root, so none relies on
// permissions.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "fabrisk/output_file.hpp"

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

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

    /// Names in the directory, sorted.
    std::vector<std::string> listing() const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
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

}  // namespace

TEST_F(OutputFile, CommitReplacesTheFileWholeAndLeavesNoTemporary) {
    {
        fabrisk::output_file f((dir / "keep.json").string());
        EXPECT_TRUE(fs::exists(f.temp_path()));
        EXPECT_EQ(f.temp_path().rfind((dir / "keep.json.tmp-").string(), 0), 0u);
        EXPECT_EQ(slurp(dir / "keep.json"), "precious");  // untouched until commit
        f.commit("new content");
    }
    EXPECT_EQ(slurp(dir / "keep.json"), "new content");
    EXPECT_EQ(listing(), std::vector<std::string>{"keep.json"});
    // Ordinary permissions (umask applied), not mkstemp's 0600.
    const auto perms = fs::status(dir / "keep.json").permissions();
    EXPECT_NE(perms & fs::perms::group_read, fs::perms::none);
}

TEST_F(OutputFile, TwoPhaseWriteThenCommit) {
    fabrisk::output_file a((dir / "keep.json").string()), b((dir / "new.csv").string());
    a.write("A");
    b.write("B");
    EXPECT_EQ(slurp(dir / "keep.json"), "precious");
    EXPECT_FALSE(fs::exists(dir / "new.csv"));
    a.commit();
    b.commit();
    EXPECT_EQ(slurp(dir / "keep.json"), "A");
    EXPECT_EQ(slurp(dir / "new.csv"), "B");
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
    EXPECT_EQ(slurp(dir / "keep.json"), "precious");
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
    EXPECT_EQ(slurp(dir / "keep.json"), "precious");
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
    EXPECT_EQ(slurp(dir / "keep.json"), "precious");
    EXPECT_EQ(slurp(dir / "other.csv"), "also precious");
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
    EXPECT_EQ(slurp(dir / "out.json" / "inside" / "data"), "kept");
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
