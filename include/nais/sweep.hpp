// nais design-space sweeps of discrete FPGA designs: exact incremental evaluation,
// enumerations, streaming Pareto fronts, threads with deterministic results.
#pragma once
#ifndef NAIS_INCLUDED_FROM_UMBRELLA
#define NAIS_INCLUDED_FROM_UMBRELLA
#endif

#include <nais/fpga.hpp>

#include <nais/sweep/pareto.hpp>
#include <nais/sweep/design_sweep.hpp>
