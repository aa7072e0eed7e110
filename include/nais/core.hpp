// nais core: search spaces, expression nodes, Gumbel-softmax sampling, expectation stages
// (EDD Eq. 2-5), network objectives (Eq. 6-10, Sec. 3.2.4), Eq. 1, the device-model contract
// and the one composed loss (nais::loss<Model>) every device model plugs into.
#pragma once
#ifndef NAIS_INCLUDED_FROM_UMBRELLA
#define NAIS_INCLUDED_FROM_UMBRELLA
#endif

#include <nais/version.hpp>

// search space
#include <nais/space/mbconv.hpp>
#include <nais/space/static_space.hpp>
#include <nais/space/runtime_space.hpp>
#include <nais/space/search_space.hpp>
#include <nais/space/sharing.hpp>
#include <nais/space/default_space.hpp>

// expression machinery
#include <nais/expr/node.hpp>
#include <nais/expr/leaf.hpp>
#include <nais/expr/arithmetic.hpp>

// sampling
#include <nais/sampling/gumbel.hpp>
#include <nais/sampling/gumbel_softmax.hpp>

// expectation stages (Eq. 2-5)
#include <nais/stage/expectation.hpp>

// network objectives (Eq. 6-10, Sec. 3.2.4)
#include <nais/objective/sum.hpp>
#include <nais/objective/log_sum_exp.hpp>
#include <nais/objective/resource_sharing.hpp>
#include <nais/objective/multi_objective.hpp>

// Eq. 1, the device-model contract and the composed loss
#include <nais/loss/budget_penalty.hpp>
#include <nais/loss/edd_loss.hpp>
#include <nais/loss/logits.hpp>
#include <nais/loss/device_model.hpp>
#include <nais/loss/composed_loss.hpp>
