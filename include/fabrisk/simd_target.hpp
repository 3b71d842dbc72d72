#pragma once
/// \file simd_target.hpp
/// The instruction set fabrisk's hot kernels run on (random streams, Φ⁻¹ and Φ, exp and log,
/// the quantile tables, the model's grid phase, the moments of a chunk). Each is compiled once
/// per target and the best one the processor supports is chosen at run time (Google Highway's
/// dynamic dispatch, src/kernels.cpp). Targets, best first: `avx512` (AVX-512 F/VL/DQ/BW, 8
/// doubles a vector), `avx2` (AVX2 and FMA, 4), `sse4` (2), and `scalar` (the baseline of the
/// build, SSE2 on x86-64); on 64-bit ARM `sve2`, `sve`, `neon`.
///
/// Every target computes the same bits (tests/buildout/golden_bits_test.cpp runs them all), so
/// restricting the target changes the speed, never a result.
#include <string>
#include <vector>

namespace fabrisk {

/// The target the kernels run on now.
std::string simd_target();

/// The targets this build compiled that this processor supports, best first. Like
/// restrict_simd_target, call it before runs, not while one is running on other threads (it
/// lifts the restriction for a moment to ask Highway).
std::vector<std::string> simd_targets_supported();

/// Restricts dispatch to `name` or a lesser target: `name` runs from then on, process-wide
/// (Highway's dispatch state); call it before runs, not during one.
/// An empty name lifts the restriction. Throws usage_error for a name that is not a target of
/// this build or that the processor does not support, naming `source` (e.g. "FABRISK_TARGET")
/// and the targets that are.
void restrict_simd_target(const std::string& name, const std::string& source = "simd target");

/// Applies the environment variable FABRISK_TARGET (scalar, sse4, avx2, avx512; unset or empty
/// for the best), as restrict_simd_target does. The command line tool calls it at start; a
/// program that embeds fabrisk calls it if it wants the same control.
void restrict_simd_target_from_environment();

}  // namespace fabrisk
