#!/usr/bin/env bash
# Configures the build tree the README's two commands share (sourced by scripts/test.sh and
# scripts/example.sh, so that the tools the examples build are reused by the tests):
#   nais_configure BUILD_DIR [cmake args...]
# Compiler: NAIS_CXX (default clang++: it compiles nais's template-heavy test programs in about
# half GCC's time; GCC builds the benchmarks, scripts/bench.sh, and CI's consumer projects).
# Build type: NAIS_BUILD_TYPE (default Release); NAIS_CMAKE_ARGS: extra CMake arguments.
nais_configure() {
  local build=$1
  shift
  # clang links with lld when it is there (install-deps.sh installs it): 1.3 s instead of 5.5 s per
  # sanitizer-instrumented test program
  local linker=()
  if [ -z "${NAIS_CXX:-}" ] || [[ "${NAIS_CXX}" == *clang* ]]; then
    if command -v ld.lld >/dev/null; then
      linker=(-DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=lld -DCMAKE_MODULE_LINKER_FLAGS=-fuse-ld=lld)
    fi
  fi
  # shellcheck disable=SC2086
  cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="${NAIS_CXX:-clang++}" \
        -DCMAKE_BUILD_TYPE="${NAIS_BUILD_TYPE:-Release}" -DNAIS_BUILD_BENCHMARKS=OFF "${linker[@]}" "$@" ${NAIS_CMAKE_ARGS:-} >/dev/null
}
