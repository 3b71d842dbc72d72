#pragma once
/// \file version.hpp
/// The library version, kept in step with CMake's project(VERSION).
#define FABRISK_VERSION_MAJOR 0
#define FABRISK_VERSION_MINOR 1
#define FABRISK_VERSION_PATCH 0

namespace fabrisk {
inline constexpr const char* version_string = "0.1.0";
}  // namespace fabrisk
