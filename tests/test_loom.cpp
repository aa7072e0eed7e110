// Loom-style bit-serial ASIC (EDD Sec. 4.3) and multi-objective Perf_loss (Sec. 3.2.4): work
// counts, closed forms, nodes against finite differences, input checks.
#include "loom_checks.hpp"

using namespace nais;
using namespace nais_test;
using namespace nais_test::loom_checks;

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

TEST_CASE("loom::loss and loom::accelerator refuse bad input with a message naming it") {
    loom::loss<small_space> l{small_space{}};
    l.phi_activations()(2, 1) = INFINITY;
    CHECK(error_of([&] { l.evaluate(); }) == "nais: phi_activations(2,1) is infinite");
    l.phi_activations().setZero();
    l.params().objective.exponent[1] = -1;
    CHECK(error_of([&] { l.evaluate(); }) == "nais: params.objective.exponent[1] must be finite and >= 0, got -1");
    loom::accelerator acc;
    acc.equivalent_macs_per_cycle = 0;
    CHECK(error_of([&] { loom::loss<small_space> bad{small_space{}, acc}; }) ==
          "nais: loom::accelerator.equivalent_macs_per_cycle must be in [1e-3, 1e12], got 0");
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
