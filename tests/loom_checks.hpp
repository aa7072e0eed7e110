// Shared set-up of the Loom-style ASIC tests: a small space, random points, normalised
// objectives and the finite-difference check of a composed loom::loss.
#pragma once
#include <nais/nais.hpp>

#include "error_of.hpp"
#include "fd.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>

namespace nais_test::loom_checks {

using namespace nais;

using small_space = static_space<block_list<block{8, 16, 20, 20, 2}, block{16, 16, 10, 10, 1}, block{16, 24, 10, 10, 2},
                                            block{24, 24, 5, 5, 1}>,
                                 op_list<mbconv{3, 1}, mbconv{5, 3}, mbconv{7, 6}>, bit_list<2, 4, 8, 16>>;
constexpr int N = 4, M = 3;

template <class Loss>
void randomize(Loss& l, std::mt19937_64& rng, bool noise) {
    using T = typename Loss::scalar_type;
    fill_normal(l.theta(), rng, 1.5);
    fill_normal(l.phi_weights(), rng, 1.5);
    fill_normal(l.phi_activations(), rng, 1.5);
    l.theta_noise().setZero();
    l.phi_weights_noise().setZero();
    l.phi_activations_noise().setZero();
    if (noise) {
        gumbel_noise(l.theta_noise(), rng());
        gumbel_noise(l.phi_weights_noise(), rng());
        gumbel_noise(l.phi_activations_noise(), rng());
    }
    l.params().tau = static_cast<T>(uniform(rng, 0.3, 2.0));
    l.params().acc_loss = static_cast<T>(uniform(rng, 0.5, 3.0));
}

/// Sets params.objective to `mix` with weights that bring latency and energy to ~1 at the current point.
template <class Loss>
void normalised(Loss& l, objective_mix<typename Loss::scalar_type, 2> mix) {
    l.params().objective = objective_mix<typename Loss::scalar_type, 2>::weighted_sum({1, 1});
    l.forward();
    mix.weight[0] *= 1 / l.latency();
    mix.weight[1] *= 1 / l.energy();
    l.params().objective = mix;
}

// The loss is O(1) and some entries of its gradient are O(1e-7): their central differences carry
// ~1e-12 of rounding, so the absolute floor is relative to the largest entry (1e-6), not 1e-8.
constexpr tolerance loom_fd{1e-6, 1e-6};

template <class Loss>
void check_loom_gradients(Loss& l) {
    l.evaluate();
    const auto g_theta = l.grad_theta();
    const auto g_w = l.grad_phi_weights();
    const auto g_a = l.grad_phi_activations();
    const double g_acc = l.grad_acc_loss();
    auto f = [&] { return static_cast<double>(l.forward()); };
    check_gradient("dL/dtheta", l.theta(), g_theta, f, loom_fd);
    check_gradient("dL/dphi_w", l.phi_weights(), g_w, f, loom_fd);
    check_gradient("dL/dphi_a", l.phi_activations(), g_a, f, loom_fd);
    check_scalar_gradient("dL/dAcc_loss", l.params().acc_loss, g_acc, f, loom_fd);
    CHECK(g_acc == doctest::Approx(static_cast<double>(l.perf_loss())));
}

using mix2 = objective_mix<double, 2>;
inline const mix2 objectives[] = {mix2::product({1, 1}), mix2::only(loom::latency_objective), mix2::only(loom::energy_objective),
                           mix2::weighted_sum({0.3, 0.7}), mix2{combination::product, {1, 1}, {2, 0.5}}};



}  // namespace nais_test::loom_checks
