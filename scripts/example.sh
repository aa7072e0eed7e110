#!/usr/bin/env bash
# Builds and runs the main example (the EDD loss and gradients for both FPGA architectures).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
build=${NAIS_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target edd_fpga
"$build/examples/edd_fpga"
