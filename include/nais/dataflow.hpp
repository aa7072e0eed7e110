// nais dataflow (DANCE, Choi et al., DAC 2021): PE-array accelerators analysed with Timeloop's
// conventions (a layer, a storage hierarchy, a mapping -> cycles, energy, area, per-level
// reads / fills / updates), the weight-, output- and row-stationary templates, an exact mapping
// search, Timeloop / MAESTRO export, and the network / accelerator co-search with exact
// gradients and the optimal-hardware envelope.
#pragma once
#ifndef NAIS_INCLUDED_FROM_UMBRELLA
#define NAIS_INCLUDED_FROM_UMBRELLA
#endif

#include <nais/device/dataflow/problem.hpp>
#include <nais/device/dataflow/architecture.hpp>
#include <nais/device/dataflow/mapping.hpp>
#include <nais/device/dataflow/analysis.hpp>
#include <nais/device/dataflow/templates.hpp>
#include <nais/device/dataflow/eyeriss.hpp>
#include <nais/device/dataflow/search.hpp>
#include <nais/device/dataflow/cifar_space.hpp>
#include <nais/device/dataflow/codesign.hpp>
#include <nais/device/dataflow/relaxed.hpp>
#include <nais/device/dataflow/export.hpp>
