// nais networks: layers of real networks (conv, grouped and depth-wise conv, fc, pooling, BN +
// activation, add, concat, squeeze-and-excitation as its layers, reorg), PyTorch's shape rules,
// per-layer MACs, parameters and EDD Eq. 12 work, and the model zoo.
#pragma once
#ifndef NAIS_INCLUDED_FROM_UMBRELLA
#define NAIS_INCLUDED_FROM_UMBRELLA
#endif

#include <nais/version.hpp>

#include <nais/network/layer.hpp>
#include <nais/network/analysis.hpp>
#include <nais/network/candidates.hpp>
#include <nais/network/layered_space.hpp>
#include <nais/network/space_layers.hpp>
#include <nais/network/zoo.hpp>
