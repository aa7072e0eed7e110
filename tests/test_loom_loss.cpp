// The composed loom::loss against finite differences for every sharing rule and objective,
// against the exact discrete design, and in float.
#include "loom_checks.hpp"
#include "test_part.hpp"

using namespace nais;
using namespace nais_test;
using namespace nais_test::loom_checks;

#if NAIS_IN_PART(1)
TEST_CASE("loom::loss gradients match finite differences: every sharing rule, product and weighted-sum objectives") {
    std::mt19937_64 rng(73);
    loom::loss<small_space, double, sharing::network_wide> net{small_space{}};
    loom::loss<small_space, double, sharing::per_op_type> op{small_space{}};
    loom::loss<small_space, double, sharing::per_block_op> blk{small_space{}};
    loom::loss<runtime_space, double, sharing::per_op_type> dyn{to_runtime_space(small_space{})};
    int k = 0;
    for (const mix2& mix : objectives) {
        INFO("objective " << k++);
        randomize(net, rng, true);
        normalised(net, mix);
        check_loom_gradients(net);
        randomize(op, rng, false);
        normalised(op, mix);
        check_loom_gradients(op);
        randomize(blk, rng, true);
        normalised(blk, mix);
        check_loom_gradients(blk);
        randomize(dyn, rng, true);
        normalised(dyn, mix);
        check_loom_gradients(dyn);
    }
}
#endif

#if NAIS_IN_PART(2)
TEST_CASE("loom::loss: the hard sample without noise is the discrete design; properties of the expectations") {
    std::mt19937_64 rng(74);
    loom::loss<small_space, double, sharing::per_block_op> l{small_space{}};
    for (int r = 0; r < 10; ++r) {
        randomize(l, rng, true);
        l.params().objective = mix2::product({1e-6, 1e-6});
        l.evaluate();
        CHECK((l.expected_weight_bits() >= 2 - 1e-12).all());  // E[w] within the candidate bit-widths
        CHECK((l.expected_weight_bits() <= 16 + 1e-12).all());
        CHECK((l.weight_probabilities().rowwise().sum() - 1).abs().maxCoeff() <= 1e-14);
        CHECK(l.perf_loss() == doctest::Approx(1e-12 * l.latency() * l.energy()).epsilon(1e-14));
    }
    l.theta_noise().setZero();
    l.phi_weights_noise().setZero();
    l.phi_activations_noise().setZero();
    l.params().hard = true;
    const double value = l.evaluate();
    const loom::design d = l.derive();
    CHECK(d.weight_bits.size() == std::size_t(N * M));
    const loom::design_report rep = loom::evaluate<sharing::per_block_op>(small_space{}, l.device(), d);
    CHECK(l.latency() == doctest::Approx(rep.cycles).epsilon(1e-14));
    CHECK(l.energy() == doctest::Approx(rep.energy).epsilon(1e-14));
    CHECK(value == doctest::Approx(l.params().acc_loss * 1e-12 * rep.cycles * rep.energy).epsilon(1e-13));
    for (int i = 0; i < N; ++i)
        CHECK(l.latency_blocks()(i) == doctest::Approx(rep.block_cycles[std::size_t(i)]).epsilon(1e-14));
}
#endif

#if NAIS_IN_PART(2)
TEST_CASE("loom::loss in float agrees with double") {
    std::mt19937_64 rng(75);
    loom::loss<small_space> d{small_space{}};
    loom::loss<small_space, float> f{small_space{}};
    randomize(d, rng, true);
    normalised(d, mix2::product({1, 1}));
    f.theta() = d.theta().cast<float>();
    f.phi_weights() = d.phi_weights().cast<float>();
    f.phi_activations() = d.phi_activations().cast<float>();
    f.theta_noise() = d.theta_noise().cast<float>();
    f.phi_weights_noise() = d.phi_weights_noise().cast<float>();
    f.phi_activations_noise() = d.phi_activations_noise().cast<float>();
    f.params().tau = float(d.params().tau);
    f.params().acc_loss = float(d.params().acc_loss);
    f.params().objective = objective_mix<float, 2>::product({float(d.params().objective.weight[0]), float(d.params().objective.weight[1])});
    CHECK(f.evaluate() == doctest::Approx(d.evaluate()).epsilon(1e-5));
    CHECK((f.grad_theta().cast<double>() - d.grad_theta()).abs().maxCoeff() <= 1e-4 * d.grad_theta().abs().maxCoeff());
    CHECK((f.grad_phi_weights().cast<double>() - d.grad_phi_weights()).abs().maxCoeff() <=
          1e-4 * d.grad_phi_weights().abs().maxCoeff());
}
#endif
