// nais: header-only analytic models of neural architecture and implementation co-search.
// The umbrella header; each module header is self-contained and may be included alone:
//   <nais/core.hpp>    spaces, nodes, sampling, objectives, Eq. 1, device-model contract, nais::loss
//   <nais/fpga.hpp>    recursive and pipelined FPGA models (EDD Sec. 4.1), designs, re-tuning
//   <nais/gpu.hpp>     GPU latency-table model (Sec. 4.2)
//   <nais/loom.hpp>    Loom-style bit-serial ASIC model (Sec. 4.3)
//   <nais/search.hpp>  co-search driver (Sec. 5) for any device model
//   <nais/sweep.hpp>   exact sweeps of the FPGA models' discrete designs (EDD Eq. 11-13), Pareto
//                      fronts; FPGA only (the other devices search designs in their own folders)
//   <nais/tiled.hpp>   HotNAS tiled FPGA template: iDesign, iDetect, iSpace/iSearch hot starts
//   <nais/bundle.hpp>  bundle (IP-reuse) FPGA accelerator: SkyNet IPs, bundles, growth, co-search
//   <nais/h2h.hpp>     H2H: multi-task workloads on heterogeneous platforms, mapper, co-design
//   <nais/dataflow.hpp> DANCE: PE-array dataflow accelerators (Timeloop's conventions), co-search
//   <nais/calibrated.hpp> a latency model fitted to measured networks of the user's device
//   <nais/network.hpp> layers of real networks, shapes, MACs, parameters, the model zoo
#pragma once
#ifndef NAIS_INCLUDED_FROM_UMBRELLA
#define NAIS_INCLUDED_FROM_UMBRELLA
#endif

#include <nais/core.hpp>
#include <nais/fpga.hpp>
#include <nais/gpu.hpp>
#include <nais/loom.hpp>
#include <nais/tiled.hpp>
#include <nais/bundle.hpp>
#include <nais/search.hpp>
#include <nais/sweep.hpp>
#include <nais/h2h.hpp>
#include <nais/dataflow.hpp>
#include <nais/calibrated.hpp>
#include <nais/network.hpp>
