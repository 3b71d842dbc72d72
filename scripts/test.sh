#!/usr/bin/env bash
# Installs what is missing, builds everything (the Python module too), and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
# Beyond the build's packages: the Python module's (docs/python.md), the schema test's
# jsonschema, and gnuplot, which draws the charts the --plot tests check.
scripts/install-deps.sh pybind11-dev python3-dev python3-numpy python3-jsonschema gnuplot-nox
cmake --preset release -DFABRISK_WITH_PYTHON=ON >/dev/null
cmake --build --preset release -j"$(nproc)"
ctest --preset release -j"$(nproc)"
