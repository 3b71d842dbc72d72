#!/usr/bin/env bash
# Installs what is missing, builds everything (the Python module too), and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
# Beyond the build's packages: the Python module's (docs/python.md), the schema test's
# jsonschema, gnuplot, which draws the charts the --plot tests check, and Open MPI for the
# CLI's MPI build and its tests.
scripts/install-deps.sh pybind11-dev python3-dev python3-numpy python3-jsonschema gnuplot-nox libopenmpi-dev openmpi-bin
cmake --preset release -DFABRISK_WITH_PYTHON=ON -DFABRISK_WITH_MPI=ON >/dev/null
cmake --build --preset release -j"$(nproc)"
ctest --preset release -j"$(nproc)"
