#!/usr/bin/env bash
# Builds and runs the examples: the EDD loss and gradients for both FPGA architectures, then a
# complete co-search for each (recursive on a ZCU102-like budget, pipelined on a ZC706-like one),
# then a GPU co-search over a measured latency table, a Loom-style bit-serial ASIC co-search, and
# a user-written device model (examples/custom_device.cpp) searched by the same driver, SkyNet
# on the bundle accelerator (examples/bundle_skynet.cpp), and H2H's mapper with the multi-task
# co-design on a heterogeneous platform (examples/h2h_mapping.cpp), and DANCE's network / accelerator
# co-search on PE-array dataflow accelerators (examples/dataflow_cosearch.cpp) and
# its relaxed form in continuous hardware (examples/dataflow_relaxed.cpp).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
source scripts/configure.sh
build=${NAIS_BUILD_DIR:-build}
nais_configure "$build"
cmake --build "$build" --target edd_fpga co_search_recursive co_search_pipelined gpu_latency_table loom_asic custom_device bundle_skynet h2h_mapping dataflow_cosearch dataflow_relaxed calibrated_fbnet
"$build/examples/edd_fpga"
"$build/examples/co_search_recursive"
"$build/examples/co_search_pipelined"
"$build/examples/gpu_latency_table"
"$build/examples/loom_asic"
"$build/examples/custom_device"
"$build/examples/bundle_skynet"
"$build/examples/h2h_mapping"
"$build/examples/dataflow_cosearch"
"$build/examples/dataflow_relaxed"
"$build/examples/calibrated_fbnet"
