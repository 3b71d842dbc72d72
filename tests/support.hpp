#pragma once
// Helpers the tests share.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace fabrisk_test {

/// The whole file, byte for byte. A file that cannot be opened throws: a test's missing input is
/// that test's failure (gtest reports the exception), never an empty string.
inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace fabrisk_test
