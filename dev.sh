#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One entry point for building and checking sockscope.
#   ./dev.sh run [ARGS...]   install what is missing, build, start sockscope (ARGS go to it)
#   ./dev.sh test            install what is missing, build, run the whole test suite
#   ./dev.sh sanitize        the same tests built with AddressSanitizer and UBSan (build-asan/)
#   ./dev.sh fuzz            libFuzzer on the session loader, the /proc, ss, netstat and netlink parsers, the segment decoder, FUZZ_SECONDS each (60)
#   ./dev.sh bench [ARGS...] Release build (build-bench/) and the benchmarks: sockscope_bench_live
#                            (ARGS go to it), then the Google Benchmark ones; minutes, not in CI
#   ./dev.sh package         Release build (build-package/) and a Debian package: build-package/sockscope_*.deb
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
  fuzz)
    scripts/install-deps.sh fuzz
    if [ ! -f build-fuzz/build.ninja ]; then
      CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DSOCKSCOPE_WERROR=ON -DSOCKSCOPE_FUZZ=ON \
        -DSOCKSCOPE_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
    fi
    cmake --build build-fuzz --parallel "$jobs"
    seconds=${FUZZ_SECONDS:-60}
    fuzz_one() { # target, seed files...
      local target=$1; shift
      local corpus=build-fuzz/corpus/$target seeds=build-fuzz/seeds/$target
      mkdir -p "$corpus" "$seeds" build-fuzz/findings
      cp "$@" "$seeds"/
      echo "== $target for ${seconds}s"
      # Any crash, leak, sanitizer report or timeout leaves a file in build-fuzz/findings and
      # a non-zero status.
      "build-fuzz/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="build-fuzz/findings/$target-" "$corpus" "$seeds"
    }
    fuzz_one fuzz_sessionfile tests/data/sessions/*.json
    fuzz_one fuzz_procparser tests/data/proc-net-*.txt
    fuzz_one fuzz_ssparser tests/data/ss-*.txt
    fuzz_one fuzz_netstatparser tests/data/netstat-*.txt
    fuzz_one fuzz_inetdiagparser tests/data/netlink-*.bin
    fuzz_one fuzz_segmentdecoder tests/data/capture/seeds/*.seed
    ;;
  bench)
    scripts/install-deps.sh bench
    # Timings from an optimized build; the tests are not needed for them.
    configure_and_build build-bench -DCMAKE_BUILD_TYPE=Release -DSOCKSCOPE_BUILD_TESTS=OFF
    build-bench/bench/sockscope_bench_live "$@"
    # Built only where Google Benchmark was found (bench/CMakeLists.txt).
    for b in sockscope_bench_sources sockscope_bench; do
      if [ -x "build-bench/bench/$b" ]; then
        echo "== $b"
        "build-bench/bench/$b"
      fi
    done
    ;;
  package)
    scripts/install-deps.sh package
    configure_and_build build-package -DCMAKE_BUILD_TYPE=Release -DSOCKSCOPE_BUILD_TESTS=OFF
    (cd build-package && cpack -G DEB)
    deb=$(ls -t build-package/sockscope_*.deb | head -n 1)
    echo "Install it with: sudo apt-get install ./$deb   (remove it with: sudo apt-get remove sockscope)"
    ;;
  build)
    scripts/install-deps.sh build
    configure_and_build build
    ;;
  *)
    sed -n '3,11p' "$0" | sed 's/^# \{0,1\}//'
    [ -z "$command" ] || [ "$command" = help ] || [ "$command" = --help ] || exit 2
    ;;
esac
