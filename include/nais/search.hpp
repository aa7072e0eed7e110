// nais co-search driver (EDD Sec. 5) for any composed loss: optimizers, temperature schedules,
// derivation and a labelled stand-in for Acc_loss.
#pragma once
#ifndef NAIS_INCLUDED_FROM_UMBRELLA
#define NAIS_INCLUDED_FROM_UMBRELLA
#endif

#include <nais/core.hpp>

#include <nais/search/optimizer.hpp>
#include <nais/search/temperature.hpp>
#include <nais/search/derive.hpp>
#include <nais/search/start.hpp>
#include <nais/search/co_search.hpp>
#include <nais/search/standin.hpp>
