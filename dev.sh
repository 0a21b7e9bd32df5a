#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One entry point for building and checking sockscope.
#   ./dev.sh run [ARGS...]   install what is missing, build, start sockscope (ARGS go to it)
#   ./dev.sh test            install what is missing, build, run the whole test suite
#   ./dev.sh sanitize        the same tests built with AddressSanitizer and UBSan (build-asan/)
#   ./dev.sh build           build only
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

jobs=$(nproc 2>/dev/null || echo 2)

configure_and_build() { # build-dir, extra cmake args...
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S . -B "$dir" -G Ninja -DSOCKSCOPE_WERROR=ON "$@"
  fi
  cmake --build "$dir" --parallel "$jobs"
}

command=${1:-}
[ $# -gt 0 ] && shift
case "$command" in
  run)
    scripts/install-deps.sh run
    configure_and_build build
    exec build/app/sockscope "$@"
    ;;
  test)
    scripts/install-deps.sh test
    configure_and_build build
    ctest --test-dir build --output-on-failure --timeout 300 -j "$jobs"
    ;;
  sanitize)
    scripts/install-deps.sh sanitize
    configure_and_build build-asan -DCMAKE_BUILD_TYPE=Debug -DSOCKSCOPE_SANITIZE=ON
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      ctest --test-dir build-asan --output-on-failure --timeout 600 -j "$jobs"
    ;;
  build)
    scripts/install-deps.sh build
    configure_and_build build
    ;;
  *)
    sed -n '3,8p' "$0" | sed 's/^# \{0,1\}//'
    [ -z "$command" ] || [ "$command" = help ] || [ "$command" = --help ] || exit 2
    ;;
esac
