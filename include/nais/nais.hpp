// nais: header-only analytic models of neural architecture and implementation co-search.
// The umbrella header; the layout follows the data flow of EDD (DAC 2020):
//   space -> device model (per-op cost, resource) -> expectation stages (Eq. 2-5)
//         -> network objectives (Eq. 6-10) -> loss (Eq. 1) -> search driver (Sec. 5)
#pragma once

#define NAIS_INCLUDED_FROM_UMBRELLA

#include <nais/version.hpp>

// search space
#include <nais/space/mbconv.hpp>
#include <nais/space/static_space.hpp>
#include <nais/space/runtime_space.hpp>
#include <nais/space/search_space.hpp>
#include <nais/space/sharing.hpp>
#include <nais/space/default_space.hpp>

// expression machinery
#include <nais/expr/node.hpp>
#include <nais/expr/leaf.hpp>
#include <nais/expr/arithmetic.hpp>

// sampling
#include <nais/sampling/gumbel.hpp>
#include <nais/sampling/gumbel_softmax.hpp>

// device models
#include <nais/device/fpga.hpp>
#include <nais/device/fpga_design.hpp>
#include <nais/device/fpga_retune.hpp>
#include <nais/device/latency_table.hpp>
#include <nais/device/gpu.hpp>
#include <nais/device/loom.hpp>

// expectation stages (Eq. 2-5)
#include <nais/stage/expectation.hpp>

// network objectives (Eq. 6-10)
#include <nais/objective/sum.hpp>
#include <nais/objective/log_sum_exp.hpp>
#include <nais/objective/resource_sharing.hpp>
#include <nais/objective/multi_objective.hpp>

// loss (Eq. 1) and composed device losses (FPGA, GPU, Loom-style ASIC)
#include <nais/loss/budget_penalty.hpp>
#include <nais/loss/edd_loss.hpp>
#include <nais/loss/fpga_loss.hpp>
#include <nais/loss/logits.hpp>
#include <nais/loss/gpu_loss.hpp>
#include <nais/loss/loom_loss.hpp>

// search driver (EDD Sec. 5): optimizers, temperature schedules, derivation, co-search
#include <nais/search/optimizer.hpp>
#include <nais/search/temperature.hpp>
#include <nais/search/derive.hpp>
#include <nais/search/co_search.hpp>
#include <nais/search/accuracy_proxy.hpp>

// design-space sweeps: exact discrete designs, enumerations, streaming Pareto fronts
#include <nais/sweep/pareto.hpp>
#include <nais/sweep/design_sweep.hpp>
