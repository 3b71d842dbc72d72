#!/usr/bin/env bash
# Fuzzes scenario parsing and validation, and a tiny run of every scenario that parses, with
# libFuzzer + AddressSanitizer + UndefinedBehaviorSanitizer for SECONDS (default 60).
# Installs clang and libclang-rt-14-dev if missing, builds into build-fuzz/, and keeps the
# growing corpus in build-fuzz/corpus (seeded from fuzz/corpus/ and scenarios/). A finding is
# written to build-fuzz/artifacts/ and the script exits non-zero; replay it with
#   build-fuzz/fuzz/scenario_fuzz build-fuzz/artifacts/crash-...
# then add the input to fuzz/corpus/ (tests/fuzz_regression_test.cpp replays that directory).
# Usage: scripts/fuzz.sh [SECONDS] [extra libFuzzer flags, e.g. -fork=2]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
scripts/install-deps.sh clang libclang-rt-14-dev
build=build-fuzz
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DFABRISK_BUILD_FUZZERS=ON -DFABRISK_BUILD_TESTS=OFF \
  -DFABRISK_BUILD_CLI=OFF -DFABRISK_BUILD_BENCHMARKS=OFF -DFABRISK_BUILD_EXAMPLES=OFF -DFABRISK_INSTALL=OFF >/dev/null
cmake --build "$build" --target scenario_fuzz -j"$(nproc)"
mkdir -p "$build/corpus" "$build/artifacts"
echo "fabrisk: fuzzing for ${seconds} s" >&2
# New inputs go to the first corpus directory only; fuzz/corpus and scenarios are read.
exec "$build/fuzz/scenario_fuzz" -max_total_time="$seconds" -max_len=65536 -timeout=20 -rss_limit_mb=2560 \
  -dict=fuzz/scenario.dict -artifact_prefix="$build/artifacts/" -print_final_stats=1 "$@" \
  "$build/corpus" fuzz/corpus scenarios
