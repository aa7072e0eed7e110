// nais bundle accelerator (the NAIS talk's Method 1: Hao et al., DAC 2019; SkyNet, MLSys 2020):
// the IP-reuse FPGA model (one IP per layer type, reused tile by tile), its relaxed form with
// exact gradients, the exact IP design search, bundle enumeration on probe networks with the
// Pareto set, network growth under a latency target, and the device model for co-search.
#pragma once
#ifndef NAIS_INCLUDED_FROM_UMBRELLA
#define NAIS_INCLUDED_FROM_UMBRELLA
#endif

#include <nais/device/bundle/ip_model.hpp>
#include <nais/device/bundle/relaxed.hpp>
#include <nais/device/bundle/design_search.hpp>
#include <nais/device/bundle/bundles.hpp>
#include <nais/device/bundle/growth.hpp>
#include <nais/device/bundle/model.hpp>
