#!/usr/bin/env bash
# Installs what is missing, builds fabrisk for this machine (the `native` preset: -march=native,
# about twice as fast as the portable `release` build), and runs the built-in $7T scenario
# (1,000,000 trials).
# Extra arguments go to `fabrisk run`, e.g. scripts/run-default.sh --json result.json
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset native >/dev/null
cmake --build --preset native -j"$(nproc)" --target fabrisk_cli >/dev/null
exec build-native/fabrisk run --trials 1000000 "$@"
