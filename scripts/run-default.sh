#!/usr/bin/env bash
# Installs what is missing, builds fabrisk (the `release` preset: one binary whose kernels run
# on the best instruction set of the processor, chosen at run time), and runs the built-in $7T
# scenario (1,000,000 trials).
# Extra arguments go to `fabrisk run`, e.g. scripts/run-default.sh --json result.json
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target fabrisk_cli >/dev/null
exec build/fabrisk run --trials 1000000 "$@"
