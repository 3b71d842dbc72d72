#pragma once
// The benchmarks' main: FABRISK_TARGET chooses the kernels' instruction set, as for the CLI
// (simd_target.hpp), and the target that ran is part of the output's context.
#include <iostream>

#include <benchmark/benchmark.h>

#include "fabrisk/error.hpp"
#include "fabrisk/simd_target.hpp"

#define FABRISK_BENCHMARK_MAIN()                                               \
    int main(int argc, char** argv) {                                          \
        try {                                                                  \
            fabrisk::restrict_simd_target_from_environment();                  \
        } catch (const fabrisk::usage_error& e) {                              \
            std::cerr << e.what() << "\n";                                     \
            return 2;                                                          \
        }                                                                      \
        benchmark::AddCustomContext("simd_target", fabrisk::simd_target());    \
        benchmark::Initialize(&argc, argv);                                    \
        if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;      \
        benchmark::RunSpecifiedBenchmarks();                                   \
        benchmark::Shutdown();                                                 \
        return 0;                                                              \
    }                                                                          \
    static_assert(true, "a semicolon follows")
