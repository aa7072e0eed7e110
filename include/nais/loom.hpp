// nais Loom-style bit-serial ASIC device model (EDD Sec. 4.3; Loom DAC 2018, Stripes MICRO 2016).
#pragma once
#ifndef NAIS_INCLUDED_FROM_UMBRELLA
#define NAIS_INCLUDED_FROM_UMBRELLA
#endif

#include <nais/core.hpp>

#include <nais/device/loom/cost_model.hpp>
#include <nais/device/loom/model.hpp>
