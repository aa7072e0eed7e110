// nais HotNAS tiled FPGA template (Jiang et al., CODES+ISSS 2020): the exact model (iDesign) and
// its bottleneck classes (iDetect), workloads from nais networks, the relaxed form with exact
// gradients, the exact design search and the hot-start compression search (iSpace, iSearch).
#pragma once
#ifndef NAIS_INCLUDED_FROM_UMBRELLA
#define NAIS_INCLUDED_FROM_UMBRELLA
#endif

#include <nais/device/tiled/template_model.hpp>
#include <nais/device/tiled/workloads.hpp>
#include <nais/device/tiled/relaxed.hpp>
#include <nais/device/tiled/design_search.hpp>
#include <nais/device/tiled/hot_start.hpp>
#include <nais/device/tiled/model.hpp>
#include <nais/device/tiled/compression_space.hpp>
#include <nais/device/tiled/hot_start_gradient.hpp>
