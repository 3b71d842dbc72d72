#!/usr/bin/env bash
# Builds tests/consumer both ways and runs it: find_package after cmake --install into a
# temporary prefix (which must also hold the scenario schema), and add_subdirectory of the source
# tree.
set -euo pipefail
src=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
cmake -S "$src" -B "$work/fabrisk" -DFABRISK_BUILD_TESTS=OFF -DFABRISK_BUILD_BENCHMARKS=OFF \
  -DFABRISK_BUILD_EXAMPLES=OFF -DFABRISK_BUILD_CLI=OFF -DCMAKE_INSTALL_PREFIX="$work/prefix" >/dev/null
cmake --build "$work/fabrisk" -j"$(nproc)" >/dev/null
cmake --install "$work/fabrisk" >/dev/null
schema="$work/prefix/share/fabrisk/schemas/scenario.schema.json"
[ -f "$schema" ] || { echo "consumer: $schema was not installed"; exit 1; }
cmake -S "$src/tests/consumer" -B "$work/package" -DFABRISK_CONSUME=package -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/package" >/dev/null
"$work/package/consumer" "$src/scenarios/worked-example.json"
cmake -S "$src/tests/consumer" -B "$work/subdirectory" -DFABRISK_CONSUME=subdirectory -DFABRISK_SOURCE_DIR="$src" >/dev/null
cmake --build "$work/subdirectory" >/dev/null
"$work/subdirectory/consumer" "$src/scenarios/worked-example.json"
rm -rf "$work"
echo "consumer: find_package and add_subdirectory both work"
