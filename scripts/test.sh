#!/usr/bin/env bash
# Installs what is missing, builds everything (the Python module too), and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh pybind11-dev python3-dev python3-numpy  # the Python module's (docs/python.md)
cmake --preset release -DFABRISK_WITH_PYTHON=ON >/dev/null
cmake --build --preset release -j"$(nproc)"
ctest --preset release -j"$(nproc)"
