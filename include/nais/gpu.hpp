// nais GPU device model (EDD Sec. 4.2): measured latency tables (CSV, JSON, compile-time,
// per-shape measured tables) and the composed GPU loss.
#pragma once
#ifndef NAIS_INCLUDED_FROM_UMBRELLA
#define NAIS_INCLUDED_FROM_UMBRELLA
#endif

#include <nais/core.hpp>

#include <nais/device/gpu/latency_table.hpp>
#include <nais/device/gpu/signature_table.hpp>
#include <nais/device/gpu/cost_model.hpp>
#include <nais/device/gpu/model.hpp>
