#!/usr/bin/env bash
# Installs the Debian packages ropekit's build, tests and benchmarks need, if
# any are missing. Works as root or through sudo; non-interactive.
set -euo pipefail
packages=(cmake g++ make libxsimd-dev libeigen3-dev nlohmann-json3-dev libgtest-dev libbenchmark-dev clang-format librsvg2-bin)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "Installing: ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
