#!/usr/bin/env bash
# Installs the Debian packages ropekit's build, tests and benchmarks need, if
# any are missing. Works as root or through sudo; non-interactive.
# Usage: install_dependencies.sh [--tests]   (--tests: also what tests/run.sh
# needs: clang with its sanitizer runtimes, clang-format, qemu-user and the
# AArch64 cross compiler)
set -euo pipefail
packages=(cmake g++ make libxsimd-dev libeigen3-dev nlohmann-json3-dev libgtest-dev libbenchmark-dev librsvg2-bin)
if [ "${1:-}" = "--tests" ]; then
  packages+=(git clang clang-format libclang-rt-14-dev qemu-user g++-aarch64-linux-gnu)
fi
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
