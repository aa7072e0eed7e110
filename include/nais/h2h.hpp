// nais H2H (Zhang, Hao et al., DAC 2022; the NAIS talk's multi-modal multi-task outlook): a
// workload of several streams joined by fusion edges, a heterogeneous platform of accelerators
// with H2H's analytical model, the earliest-start schedule of a mapping, H2H's four mapper steps
// and the modality-switch rule, an exact branch-and-bound optimum with its lower bound, and the
// differentiable mapping/architecture co-design loss of Hao & Chen (AICAS 2021).
#pragma once
#ifndef NAIS_INCLUDED_FROM_UMBRELLA
#define NAIS_INCLUDED_FROM_UMBRELLA
#endif

#include <nais/device/h2h/workload.hpp>
#include <nais/device/h2h/three_streams.hpp>
#include <nais/device/h2h/accelerator.hpp>
#include <nais/device/h2h/tiled_member.hpp>
#include <nais/device/h2h/schedule.hpp>
#include <nais/device/h2h/mapper.hpp>
#include <nais/device/h2h/exact.hpp>
#include <nais/device/h2h/from_network.hpp>
#include <nais/device/h2h/codesign.hpp>
