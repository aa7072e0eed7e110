// nais calibrated: a latency model fitted to measured whole networks of the user's own device
// (analytic features by layer kind as a prior, per-signature residuals shrunk towards it, every
// penalty chosen by cross-validation), the baselines it is compared with (a linear fit of MACs, a
// per-(block, op) table), ranking figures (Kendall, Spearman, MAPE), and the fitted model as a
// nais device model with exact gradients. docs/devices/calibrated.md.
#pragma once
#ifndef NAIS_INCLUDED_FROM_UMBRELLA
#define NAIS_INCLUDED_FROM_UMBRELLA
#endif

#include <nais/version.hpp>

#include <nais/core.hpp>
#include <nais/network.hpp>

#include <nais/device/calibrated/features.hpp>
#include <nais/device/calibrated/measurements.hpp>
#include <nais/device/calibrated/metrics.hpp>
#include <nais/device/calibrated/fit.hpp>
#include <nais/device/calibrated/model.hpp>
