// nais FPGA device models (EDD Sec. 4.1): recursive and pipelined IP-based accelerators, their
// composed losses, exact evaluation of discrete designs and exact re-tuning of parallel factors.
#pragma once
#ifndef NAIS_INCLUDED_FROM_UMBRELLA
#define NAIS_INCLUDED_FROM_UMBRELLA
#endif

#include <nais/core.hpp>

#include <nais/device/fpga/cost_model.hpp>
#include <nais/device/fpga/design.hpp>
#include <nais/device/fpga/retune.hpp>
#include <nais/device/fpga/model.hpp>
