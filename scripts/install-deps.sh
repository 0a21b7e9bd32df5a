#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the Debian/Ubuntu packages sockscope needs, and nothing when all are present.
#   scripts/install-deps.sh build     compiler, CMake, Ninja, Qt 6 (Widgets, Network, Test, Svg), ss
#   scripts/install-deps.sh test      build + fonts for the offscreen window tests, Google Benchmark, nft,
#                                     and what the package test needs (help2man, dpkg-dev)
#   scripts/install-deps.sh run       build + what the window needs on a desktop, nft (wire rules)
#   scripts/install-deps.sh sanitize  test (GCC's sanitizers come with g++)
#   scripts/install-deps.sh screenshot  test + Xvfb and ImageMagick
#   scripts/install-deps.sh fuzz      build + clang and its sanitizer runtimes (libFuzzer)
#   scripts/install-deps.sh bench     the same as test without nft (the benchmarks in bench/)
#   scripts/install-deps.sh package   build + help2man (the man pages) and dpkg-dev (cpack's DEB dependencies)
set -euo pipefail

profile=${1:-build}

packages=(cmake ninja-build g++ qt6-base-dev qt6-svg-dev qt6-qpa-plugins iproute2)
case "$profile" in
  build) ;;
  # Google Benchmark too: the suite's build compiles every benchmark, so none can rot.
  # nft applies the wire rules inside the lab's private network (never on the host).
  test|sanitize) packages+=(fonts-dejavu-core libbenchmark-dev nftables help2man dpkg-dev) ;;
  run) packages+=(fonts-dejavu-core nftables) ;;
  screenshot) packages+=(fonts-dejavu-core xvfb xauth x11-apps imagemagick) ;;
  fuzz) packages+=(clang libclang-rt-14-dev) ;;
  bench) packages+=(fonts-dejavu-core libbenchmark-dev) ;;
  package) packages+=(help2man dpkg-dev) ;;
  *) echo "install-deps.sh: unknown profile '$profile' (build, test, run, sanitize, screenshot, fuzz, bench, package)" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps.sh: this is not a Debian or Ubuntu system; install these yourself:" >&2
  echo "  ${packages[*]}" >&2
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  [[ "$status" == ii* ]] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "install-deps.sh: these packages are missing and sudo is not available:" >&2
  echo "  ${missing[*]}" >&2
  echo "Install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi

echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
