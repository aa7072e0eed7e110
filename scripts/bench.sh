#!/usr/bin/env bash
# Builds and runs the benchmarks, with the libtorch autograd baseline (installs libtorch-dev).
#   bash scripts/bench.sh                 build, then run all four programs
#   bash scripts/bench.sh --build-only    build only (what CI does)
# Extra arguments after the first are passed to every benchmark program, e.g.
#   bash scripts/bench.sh --run --benchmark_filter=N20_M9_Q3
# Environment: NAIS_BUILD_DIR (default build-bench; the benchmarks build with the default compiler,
# GCC on Debian, which their figures in bench/README.md were measured with); NAIS_BENCH_ARCH_FLAGS, instruction-set flags for
# the benchmarks (e.g. "-mavx2 -mfma"; use another NAIS_BUILD_DIR to keep both builds);
# NAIS_BENCH_STATIC_SIZES, the static grids' block counts (default "5;20;80"; CI builds "20").
set -euo pipefail
cd "$(dirname "$0")/.."
NAIS_WITH_TORCH=1 bash scripts/install-deps.sh
build=${NAIS_BUILD_DIR:-build-bench}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNAIS_BUILD_BENCHMARKS=ON \
      "-DNAIS_BENCH_ARCH_FLAGS=${NAIS_BENCH_ARCH_FLAGS:-}" "-DNAIS_BENCH_STATIC_SIZES=${NAIS_BENCH_STATIC_SIZES:-5;20;80}" >/dev/null
cmake --build "$build" -j "$(nproc)" --target bench_fpga_loss bench_devices bench_search bench_sweep bench_tiled bench_bundle bench_h2h bench_dataflow bench_calibrated \
      _nais nais_python_package
mode=${1:---run}
[ $# -gt 0 ] && shift
if [ "$mode" = "--build-only" ]; then
  exit 0
fi
for b in bench_fpga_loss bench_devices bench_search bench_sweep bench_tiled bench_bundle bench_h2h bench_dataflow bench_calibrated; do
  echo "== $b"
  "$build/bench/$b" "$@"
done
echo "== bench_python.py (nais.torch against plain PyTorch autograd)"
PYTHONPATH="$build/python" /usr/bin/python3 bench/bench_python.py
