#!/usr/bin/env bash
# Builds what the tests need (not the examples: scripts/example.sh; not the benchmarks:
# scripts/bench.sh) and runs the whole test suite, C++ and Python.
# Optional environment:
#   NAIS_BUILD_DIR    build directory (default: build)
#   NAIS_CXX          compiler (default clang++; see scripts/configure.sh)
#   NAIS_CMAKE_ARGS   extra CMake arguments (e.g. -DNAIS_SANITIZE=ON)
#   NAIS_CTEST_ARGS   extra ctest arguments (e.g. -E ^failtest_)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
source scripts/configure.sh
build=${NAIS_BUILD_DIR:-build}
nais_configure "$build"
cmake --build "$build" -j "$(nproc)" --target nais_test_programs
# shellcheck disable=SC2086
ctest --test-dir "$build" -j "$(nproc)" --output-on-failure ${NAIS_CTEST_ARGS:-}
