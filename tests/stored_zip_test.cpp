// stored_zip.hpp: archives of stored members, with and without ZIP64 records, read back by
// Python's zipfile (the reader NumPy's np.load uses for .npz) and checked against its CRCs.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "fabrisk/output_file.hpp"
#include "fabrisk/stored_zip.hpp"
#include "support.hpp"

namespace {
namespace stored_zip_test {

namespace fs = std::filesystem;

namespace {

/// Writes members "a.txt" = "hello" and "b/c.txt" = "world!!" to `path`.
void write_archive(const fs::path& path, bool zip64) {
    fabrisk::output_file out(path.string());
    fabrisk::stored_zip zip(out, zip64);
    zip.add("a.txt", 5, 0x3610a686u, [&] { out.append("hello"); });   // zlib.crc32(b"hello")
    zip.add("b/c.txt", 7, 0x30cb1101u, [&] { out.append("world!!"); });  // zlib.crc32(b"world!!")
    zip.finish();
    out.finish();
    out.commit();
}

}  // namespace

TEST(StoredZip, ArchivesReadBackWithTheirContentAndCrcs) {
    const fs::path dir = fs::temp_directory_path() / ("fabrisk-zip-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    write_archive(dir / "plain.zip", false);
    write_archive(dir / "zip64.zip", true);
    const std::string plain = fabrisk_test::read_file(dir / "plain.zip");
    const std::string zip64 = fabrisk_test::read_file(dir / "zip64.zip");
    EXPECT_EQ(plain.compare(0, 4, "PK\x03\x04"), 0);
    EXPECT_EQ(plain.compare(plain.size() - 22, 4, "PK\x05\x06"), 0) << "the end record closes the file";
    EXPECT_NE(zip64.find("PK\x06\x06"), std::string::npos) << "the ZIP64 end record";
    EXPECT_NE(zip64.find("PK\x06\x07"), std::string::npos) << "its locator";
    if (std::system("/usr/bin/python3 -c 'import zipfile' 2>/dev/null") != 0) {
        fs::remove_all(dir);
        GTEST_SKIP() << "no /usr/bin/python3";
    }
    for (const char* name : {"plain.zip", "zip64.zip"}) {
        const std::string check = "/usr/bin/python3 -c \"import zipfile, sys; z = zipfile.ZipFile(sys.argv[1]); "
                                  "assert z.testzip() is None; "
                                  "assert z.read('a.txt') == b'hello' and z.read('b/c.txt') == b'world!!'\" '" +
                                  (dir / name).string() + "'";
        EXPECT_EQ(std::system(check.c_str()), 0) << name;
    }
    fs::remove_all(dir);
}

}  // namespace stored_zip_test
}  // namespace
