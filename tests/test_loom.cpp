// Loom-style bit-serial ASIC (EDD Sec. 4.3) and multi-objective Perf_loss (Sec. 3.2.4): nodes
// and composed losses against finite differences and closed forms, for every sharing rule.
#include <nais/nais.hpp>

#include "error_of.hpp"
#include "fd.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>

using namespace nais;
using namespace nais_test;

namespace {

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
    l.params.tau = static_cast<T>(uniform(rng, 0.3, 2.0));
    l.params.acc_loss = static_cast<T>(uniform(rng, 0.5, 3.0));
}

/// Sets params.objective to `mix` with weights that bring latency and energy to ~1 at the current point.
template <class Loss>
void normalised(Loss& l, objective_mix<typename Loss::scalar_type, 2> mix) {
    l.params.objective = objective_mix<typename Loss::scalar_type, 2>::weighted_sum({1, 1});
    l.forward();
    mix.weight[0] *= 1 / l.latency();
    mix.weight[1] *= 1 / l.energy();
    l.params.objective = mix;
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
    check_scalar_gradient("dL/dAcc_loss", l.params.acc_loss, g_acc, f, loom_fd);
    CHECK(g_acc == doctest::Approx(static_cast<double>(l.perf_loss())));
}

using mix2 = objective_mix<double, 2>;
const mix2 objectives[] = {mix2::product({1, 1}), mix2::only(loom::latency_objective), mix2::only(loom::energy_objective),
                           mix2::weighted_sum({0.3, 0.7}), mix2{combination::product, {1, 1}, {2, 0.5}}};

}  // namespace

TEST_CASE("loom::count: work, weights and activations of one MBConv by hand") {
    // cin 8, mid 32, cout 16, 20x20 in, stride 2 -> 10x10 out, kernel 3
    const loom::op_counts c = loom::count(block{8, 16, 20, 20, 2}, mbconv{3, 4});
    CHECK(c.conv_macs == 400 * 8 * 32 + 100 * 32 * 16);
    CHECK(c.dw_macs == 9 * 100 * 32);
    CHECK(c.weights == 8 * 32 + 9 * 32 + 32 * 16);
    CHECK(c.activations == 400 * 8 + 400 * 32 + 400 * 32 + 100 * 32 + 100 * 32 + 100 * 16);
    const loom::op_counts e1 = loom::count(block{8, 16, 20, 20, 2}, mbconv{3, 1});  // no expand layer
    CHECK(e1.conv_macs == 100 * 8 * 16);
    CHECK(e1.weights == 9 * 8 + 8 * 16);
    CHECK(e1.activations == 400 * 8 + 100 * 8 + 100 * 8 + 100 * 16);
}

TEST_CASE("loom: at 16 x 16 bits the bit-serial engine matches the bit-parallel baseline; fewer bits scale as Loom") {
    using one = static_space<block_list<block{8, 16, 20, 20, 2}>, op_list<mbconv{3, 4}>, bit_list<4, 8, 16>>;
    const loom::accelerator acc;
    const loom::op_counts c = loom::count(block{8, 16, 20, 20, 2}, mbconv{3, 4});
    const auto run = [&](int w, int a) { return loom::evaluate<sharing::per_op_type>(one{}, acc, {{0}, {w}, {a}}); };
    const double E = acc.equivalent_macs_per_cycle;
    CHECK(run(16, 16).cycles == doctest::Approx(double(c.conv_macs + c.dw_macs) / E).epsilon(1e-15));
    // conv: w a / 256; depth-wise: w / 16 (activations not reused)
    CHECK(run(8, 4).cycles == doctest::Approx((c.conv_macs * 32.0 / 256 + c.dw_macs * 8.0 / 16) / E).epsilon(1e-15));
    CHECK(run(16, 4).cycles == doctest::Approx((c.conv_macs * 64.0 / 256 + c.dw_macs * 1.0) / E).epsilon(1e-15));
    const auto r = run(8, 4);
    CHECK(r.energy == doctest::Approx(acc.mac_energy * (c.conv_macs * 32.0 / 256 + c.dw_macs * 8.0 / 16) +
                                      acc.weight_bit_energy * c.weights * 8 + acc.activation_bit_energy * c.activations * 4)
                          .epsilon(1e-15));
    CHECK(r.ms == doctest::Approx(r.cycles / (acc.clock_mhz * 1e3)).epsilon(1e-15));
    CHECK(r.energy_delay() == doctest::Approx(r.energy * r.ms).epsilon(1e-15));
}

TEST_CASE("loom::bit_serial_cost backward matches finite differences for every sharing rule") {
    std::mt19937_64 rng(71);
    loom::bilinear_cost_table<double, N, M> t;
    t.wa.resize(N, M), t.w.resize(N, M), t.a.resize(N, M);
    fill_normal(t.wa, rng), fill_normal(t.w, rng), fill_normal(t.a, rng);
    Eigen::Array<double, N, M> seed;
    const auto check = [&](auto rule, auto ew, auto ea) {
        using rule_t = decltype(rule);
        using G = decltype(ew);
        G gw = G::Zero(ew.rows(), ew.cols()), ga = G::Zero(ew.rows(), ew.cols());
        auto node = loom::bit_serial_cost(rule, t, expr::variable(ew, gw), expr::variable(ea, ga));
        fill_normal(seed, rng);
        node.forward();
        node.backward(seed);
        for (int i = 0; i < N; ++i)
            for (int m = 0; m < M; ++m) {
                const auto g = sharing::group_of<rule_t>(i, m, N);
                const double w = ew.data()[g], a = ea.data()[g];
                CHECK(node.value()(i, m) == doctest::Approx(t.wa(i, m) * w * a + t.w(i, m) * w + t.a(i, m) * a));
            }
        const auto f = [&] { return static_cast<double>((node.forward() * seed).sum()); };
        check_gradient("dcost/dEw", ew, gw, f, double_fd);
        check_gradient("dcost/dEa", ea, ga, f, double_fd);
    };
    for (int r = 0; r < 10; ++r) {
        Eigen::Array<double, 1, 1> w1, a1;
        Eigen::Array<double, M, 1> wm, am;
        Eigen::Array<double, N, M> wn, an;
        fill_normal(w1, rng, 3, 8), fill_normal(a1, rng, 3, 8);
        fill_normal(wm, rng, 3, 8), fill_normal(am, rng, 3, 8);
        fill_normal(wn, rng, 3, 8), fill_normal(an, rng, 3, 8);
        check(sharing::network_wide{}, w1, a1);
        check(sharing::per_op_type{}, wm, am);
        check(sharing::per_block_op{}, wn, an);
    }
}

TEST_CASE("multi_objective backward matches finite differences and closed forms") {
    std::mt19937_64 rng(72);
    using mix3 = objective_mix<double, 3>;
    for (int r = 0; r < 20; ++r) {
        double x[3], g[3] = {0, 0, 0};
        for (double& v : x)
            v = uniform(rng, 0.1, 5);
        mix3 mix;
        for (std::size_t k = 0; k < 3; ++k) {
            mix.weight[k] = uniform(rng, 0.1, 2);
            mix.exponent[k] = r % 4 == 0 ? 1.0 : (r % 4 == 1 ? double(k) : uniform(rng, 0, 2.5));  // 0 drops one
        }
        mix.mode = r % 5 == 4 ? combination::weighted_sum : combination::product;
        auto node = multi_objective(std::cref(mix), expr::variable(x[0], g[0]), expr::variable(x[1], g[1]),
                                    expr::variable(x[2], g[2]));
        const double v = node.forward();
        double expect = mix.mode == combination::product ? 1.0 : 0.0;
        for (std::size_t k = 0; k < 3; ++k)
            expect = mix.mode == combination::product ? expect * std::pow(mix.weight[k] * x[k], mix.exponent[k])
                                                      : expect + mix.weight[k] * x[k];
        CHECK(v == doctest::Approx(expect).epsilon(1e-13));
        node.backward(1.0);
        for (std::size_t k = 0; k < 3; ++k)
            check_scalar_gradient("dPerf/dx", x[k], g[k], [&] { return node.forward(); }, double_fd);
    }
    // a zero objective with integer exponents: the other factors' product, no division by zero
    double a = 0, b = 3, ga = 0, gb = 0;
    auto node = multi_objective(objective_mix<double, 2>::product({2, 5}), expr::variable(a, ga), expr::variable(b, gb));
    CHECK(node.forward() == 0);
    node.backward(1.0);
    CHECK(ga == 2 * 5 * 3);
    CHECK(gb == 0);
    CHECK(error_of([] { objective_mix<double, 2>::product({1, -1}).validate("mix"); }) ==
          "nais: mix.weight[1] must be finite and >= 0, got -1");
}

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

TEST_CASE("loom::loss: the hard sample without noise is the discrete design; properties of the expectations") {
    std::mt19937_64 rng(74);
    loom::loss<small_space, double, sharing::per_block_op> l{small_space{}};
    for (int r = 0; r < 10; ++r) {
        randomize(l, rng, true);
        l.params.objective = mix2::product({1e-6, 1e-6});
        l.evaluate();
        CHECK((l.expected_weight_bits() >= 2 - 1e-12).all());  // E[w] within the candidate bit-widths
        CHECK((l.expected_weight_bits() <= 16 + 1e-12).all());
        CHECK((l.weight_probabilities().rowwise().sum() - 1).abs().maxCoeff() <= 1e-14);
        CHECK(l.perf_loss() == doctest::Approx(1e-12 * l.latency() * l.energy()).epsilon(1e-14));
    }
    l.theta_noise().setZero();
    l.phi_weights_noise().setZero();
    l.phi_activations_noise().setZero();
    l.params.hard = true;
    const double value = l.evaluate();
    const loom::design d = l.derive();
    CHECK(d.weight_bits.size() == std::size_t(N * M));
    const loom::design_report rep = loom::evaluate<sharing::per_block_op>(small_space{}, l.device(), d);
    CHECK(l.latency() == doctest::Approx(rep.cycles).epsilon(1e-14));
    CHECK(l.energy() == doctest::Approx(rep.energy).epsilon(1e-14));
    CHECK(value == doctest::Approx(l.params.acc_loss * 1e-12 * rep.cycles * rep.energy).epsilon(1e-13));
    for (int i = 0; i < N; ++i)
        CHECK(l.latency_blocks()(i) == doctest::Approx(rep.block_cycles[std::size_t(i)]).epsilon(1e-14));
}

TEST_CASE("loom::loss: fewer weight bits lower latency and energy, so the gradient prefers them") {
    loom::loss<small_space, double, sharing::network_wide> l{small_space{}};
    normalised(l, mix2::product({1, 1}));
    l.evaluate();
    // phi over {2, 4, 8, 16}: raising a lower bit-width's logit lowers Perf_loss
    CHECK(l.grad_phi_weights()(0, 0) < 0);
    CHECK(l.grad_phi_weights()(0, 3) > 0);
    CHECK(l.grad_phi_activations()(0, 0) < 0);
    CHECK(l.grad_phi_activations()(0, 3) > 0);
}

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
    f.params.tau = float(d.params.tau);
    f.params.acc_loss = float(d.params.acc_loss);
    f.params.objective = objective_mix<float, 2>::product({float(d.params.objective.weight[0]), float(d.params.objective.weight[1])});
    CHECK(f.evaluate() == doctest::Approx(d.evaluate()).epsilon(1e-5));
    CHECK((f.grad_theta().cast<double>() - d.grad_theta()).abs().maxCoeff() <= 1e-4 * d.grad_theta().abs().maxCoeff());
    CHECK((f.grad_phi_weights().cast<double>() - d.grad_phi_weights()).abs().maxCoeff() <=
          1e-4 * d.grad_phi_weights().abs().maxCoeff());
}

TEST_CASE("loom::loss and loom::accelerator refuse bad input with a message naming it") {
    loom::loss<small_space> l{small_space{}};
    l.phi_activations()(2, 1) = INFINITY;
    CHECK(error_of([&] { l.evaluate(); }) == "nais: phi_activations(2,1) is infinite");
    l.phi_activations().setZero();
    l.params.objective.exponent[1] = -1;
    CHECK(error_of([&] { l.evaluate(); }) == "nais: params.objective.exponent[1] must be finite and >= 0, got -1");
    loom::accelerator acc;
    acc.equivalent_macs_per_cycle = 0;
    CHECK(error_of([&] { loom::loss<small_space> bad{small_space{}, acc}; }) ==
          "nais: loom::accelerator.equivalent_macs_per_cycle must be finite and > 0, got 0");
    CHECK(error_of([] { loom::evaluate<sharing::per_op_type>(small_space{}, loom::accelerator{}, {{0, 0, 0, 0}, {8}, {8}}); }) ==
          "nais: loom::evaluate: 1 weight and 1 activation bit-widths, expected 3 each");
}

TEST_CASE("multi_objective composes FPGA objectives: latency x DSPs (EDD 3.2.4) and DANCE's linear cost") {
    std::mt19937_64 rng(76);
    using fspace = static_space<block_list<block{8, 16, 20, 20, 2}, block{16, 16, 10, 10, 1}>,
                                op_list<mbconv{3, 1}, mbconv{5, 3}>, bit_list<4, 8, 16>>;
    using pf_t = Eigen::Array<double, 2, 1>;
    using probs_t = Eigen::Array<double, 2, 2>;
    using phi_t = Eigen::Array<double, 2, 3>;
    probs_t theta, g_theta;
    phi_t phi, g_phi;
    pf_t pf, g_pf;
    objective_mix<double, 2> mix = objective_mix<double, 2>::product({1e-4, 1e-2});
    expr::placeholder<probs_t> arch;
    expr::placeholder<phi_t> quant;
    expr::placeholder<pf_t> par;
    const auto w = work_array<double>(fspace{});
    Eigen::Array3d c_phi(4, 8, 16), c_psi(0, 0.5, 1);
    using namespace nais::expr;
    auto prog = program(
        assign(arch, gumbel_softmax(variable(theta, g_theta), 1.0)), assign(quant, gumbel_softmax(variable(phi, g_phi), 1.0)),
        assign(par, fpga::parallelism(variable(pf, g_pf))),
        multi_objective(std::cref(mix),
                        nais::sum(op_expectation(arch.ref(), fpga::op_latency(fpga::sharing::per_op_type{}, w,
                                                                              bit_expectation<2, 1>(quant.ref(), c_phi),
                                                                              par.ref()))),  // Eq. 6 latency
                        resource_sharing(arch.ref(), fpga::op_dsp(bit_expectation<2, 1>(quant.ref(), c_psi), par.ref()))));
    for (int r = 0; r < 6; ++r) {
        fill_normal(theta, rng), fill_normal(phi, rng), fill_normal(pf, rng, 0.5, 3);
        mix.mode = r % 2 ? combination::weighted_sum : combination::product;
        g_theta.setZero(), g_phi.setZero(), g_pf.setZero();
        prog.forward();
        prog.backward(1.0);
        const auto f = [&] { return prog.forward(); };
        check_gradient("dPerf/dtheta", theta, probs_t(g_theta), f, double_fd);
        check_gradient("dPerf/dphi", phi, phi_t(g_phi), f, double_fd);
        check_gradient("dPerf/dpf", pf, pf_t(g_pf), f, double_fd);
    }
}
