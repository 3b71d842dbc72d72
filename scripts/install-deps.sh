#!/usr/bin/env bash
# Installs, with apt-get, whichever of fabrisk's Debian 12 packages are missing.
# Silent when everything is already there. Usage: scripts/install-deps.sh [extra packages...]
set -euo pipefail
packages=(g++ cmake make libeigen3-dev libpcg-cpp-dev libboost1.81-dev nlohmann-json3-dev
          libhwy-dev libcli11-dev libgtest-dev libbenchmark-dev libssl-dev "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "fabrisk: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq >/dev/null
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
