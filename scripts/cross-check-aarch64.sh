#!/usr/bin/env bash
# Builds the library, the CLI and the golden-bits test for 64-bit ARM with Debian's cross
# toolchain, runs the golden-bits test (every ARM target: SVE2, SVE, NEON, scalar) under
# qemu-user and compares the CLI's JSON with this machine's build, byte for byte apart from the
# `simd_target` line that names the instruction set. Installs what it needs (the cross compiler,
# qemu-user and the arm64 packages of OpenSSL, GoogleTest and Highway, through Debian's multiarch). About 10 minutes, most of
# it the emulated run. Usage: scripts/cross-check-aarch64.sh [build-dir] (default build-aarch64)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-aarch64}
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  sudo_cmd=(); [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" dpkg --add-architecture arm64
fi
"$root/scripts/install-deps.sh" g++-aarch64-linux-gnu qemu-user libssl-dev:arm64 libgtest-dev:arm64 libhwy-dev:arm64
# Boost's CMake package (for its header-only target) lives under the host's library directory.
boost_dir=$(ls -d /usr/lib/x86_64-linux-gnu/cmake/Boost-* | head -1)
cmake -S "$root" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/aarch64-linux-gnu.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DFABRISK_BUILD_BENCHMARKS=OFF -DFABRISK_BUILD_EXAMPLES=OFF -DFABRISK_INSTALL=OFF \
  -DBoost_DIR="$boost_dir" >/dev/null
cmake --build "$build" -j"$(nproc)" --target buildout_golden_bits_test fabrisk_cli
cmake --build "$root/build" -j"$(nproc)" --target fabrisk_cli 2>/dev/null || {
  cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build "$root/build" -j"$(nproc)" --target fabrisk_cli; }
emulate=(qemu-aarch64 -L /usr/aarch64-linux-gnu)
status=0
echo "== golden bits on aarch64 (emulated)"
"${emulate[@]}" "$build/tests/buildout_golden_bits_test" --gtest_filter='*RawOutputs*' || status=1
echo "== CLI JSON, aarch64 against $(uname -m)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# One thread: qemu-user runs threaded programs very slowly (the JSON does not depend on threads).
for args in "run --trials 20000 --threads 1 --drivers" "run $root/tests/data/dropout-shock-decline.json --trials 20000 --threads 1" \
  "run $root/tests/data/monthly-steps.json --trials 20000 --threads 1"; do
  "${emulate[@]}" "$build/fabrisk" $args --quiet --json "$work/arm.json"
  "$root/build/fabrisk" $args --quiet --json "$work/host.json"
  if cmp -s <(grep -v '"simd_target"' "$work/arm.json") <(grep -v '"simd_target"' "$work/host.json"); then echo "same bytes: fabrisk $args"; else echo "DIFFERENT: fabrisk $args"; status=1; fi
done
exit $status
