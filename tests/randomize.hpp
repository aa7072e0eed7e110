// Random variables for any composed loss (shared by the open-core and layered-space tests).
#pragma once
#include <nais/core.hpp>

#include "fd.hpp"

#include <random>

namespace nais_test {

/// Random logits and noise for theta and every sampled group; continuous groups near `c`.
template <class Loss>
void randomize(Loss& l, std::mt19937_64& rng, double c) {
    fill_normal(l.theta(), rng, 1.0);
    nais::gumbel_noise(l.theta_noise(), rng());
    l.for_each_group([&](auto g, auto& x, auto&) {
        if constexpr (decltype(g)::is_sampled) {
            fill_normal(x, rng, 1.0);
            nais::gumbel_noise(l.noise(typename decltype(g)::tag{}), rng());
        } else {
            fill_normal(x, rng, 0.3, c);
        }
    });
}

}  // namespace nais_test
