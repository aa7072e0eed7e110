#!/usr/bin/env bash
# Builds what the tests need (not the benchmarks: scripts/bench.sh) and runs the whole test suite.
# Optional environment:
#   NAIS_BUILD_DIR    build directory (default: build)
#   NAIS_CMAKE_ARGS   extra CMake arguments (e.g. -DNAIS_SANITIZE=ON)
#   NAIS_CTEST_ARGS   extra ctest arguments (e.g. -E ^failtest_)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
build=${NAIS_BUILD_DIR:-build}
# shellcheck disable=SC2086
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=${NAIS_BUILD_TYPE:-Release} -DNAIS_BUILD_BENCHMARKS=OFF ${NAIS_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j "$(nproc)"
# shellcheck disable=SC2086
ctest --test-dir "$build" -j "$(nproc)" --output-on-failure ${NAIS_CTEST_ARGS:-}
