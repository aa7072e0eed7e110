// The composed recursive-FPGA loss (Eq. 1 with Eq. 6 and Eq. 9-10) on static spaces.
#include "fpga_checks.hpp"
#include "test_part.hpp"

using namespace nais;
using namespace nais_test;

namespace {
using tiny_space = static_space<block_list<block{8, 16, 10, 10, 1}>, op_list<mbconv{3, 2}>, bit_list<8>>;
using small_space = static_space<block_list<block{8, 16, 20, 20, 2}, block{16, 16, 10, 10, 1}, block{16, 24, 10, 10, 2}>,
                                 op_list<mbconv{3, 1}, mbconv{5, 3}, mbconv{7, 6}>, bit_list<2, 6, 12, 24>>;
}  // namespace

#if NAIS_IN_PART(1)
TEST_CASE("recursive: closed form on N = M = Q = 1") {
    fpga::recursive_loss<tiny_space> l{tiny_space{}};
    const double W = static_cast<double>(tiny_space::work_table[0][0]);
    const double pf = 3.3, acc = 1.7, alpha = 2e-5, beta = 0.4, C = 1.5, ub = 4;
    l.pf()(0) = pf;
    l.theta()(0, 0) = 0.3;
    l.phi()(0, 0) = -2;
    l.params().alpha = alpha;
    l.params().beta = beta;
    l.params().C = C;
    l.params().res_ub = ub;
    l.params().acc_loss = acc;
    const double lat = W * 8 * std::exp2(-pf);                  // Eq. 11-12, Phi(8) = 8
    const double res = std::tanh(1.0) * 0.5 * std::exp2(pf);  // Eq. 9-10 with Psi(8) = 1/2
    const double expected = acc * alpha * lat + beta * std::pow(C, res - ub);
    CHECK(l.evaluate() == doctest::Approx(expected).epsilon(1e-13));
    CHECK(l.perf_loss() == doctest::Approx(alpha * lat).epsilon(1e-13));
    CHECK(l.res() == doctest::Approx(res).epsilon(1e-13));
    CHECK(l.perf_blocks()(0) == doctest::Approx(lat).epsilon(1e-13));
    const double dpf = -std::log(2.0) * acc * alpha * lat + beta * std::pow(C, res - ub) * std::log(C) * res * std::log(2.0);
    CHECK(l.grad_pf()(0) == doctest::Approx(dpf).epsilon(1e-12));
    CHECK(l.grad_theta()(0, 0) == 0.0);  // one op: the probability is 1 whatever theta
    CHECK(l.grad_phi()(0, 0) == 0.0);
    CHECK(l.grad_acc_loss() == doctest::Approx(alpha * lat).epsilon(1e-13));
}
#endif

#if NAIS_IN_PART(1)
TEST_CASE("recursive: gradients match finite differences at random points (soft, default space)") {
    std::mt19937_64 rng(10);
    fpga::recursive_loss<proxyless_space> l{proxyless_space{}};
    for (int r = 0; r < 6; ++r) {
        randomize(l, rng, /*noise=*/r % 2 == 1, /*hard=*/false);
        check_loss_gradients(l, double_fd);
    }
}
#endif

#if NAIS_IN_PART(1)
TEST_CASE("recursive: gradients match finite differences at random points (soft and hard, small space)") {
    std::mt19937_64 rng(11);
    fpga::recursive_loss<small_space> l{small_space{}};
    for (int r = 0; r < 25; ++r) {
        randomize(l, rng, r % 2 == 1, r % 3 == 0);
        check_loss_gradients(l, double_fd);
        check_straight_through(l);
    }
}
#endif

#if NAIS_IN_PART(2)
TEST_CASE("recursive: invariants, hard sampling equals the exact discrete design, extremes stay finite") {
    std::mt19937_64 rng(12);
    fpga::recursive_loss<proxyless_space> l{proxyless_space{}};
    for (int r = 0; r < 10; ++r) {
        randomize(l, rng, true, false);
        check_invariants(l);
        check_hard_equals_exact(l, proxyless_space{});
        check_straight_through(l);
        check_extremes(l);
    }
}
#endif

#if NAIS_IN_PART(2)
TEST_CASE("recursive: every block choosing one op saturates its tanh share") {
    fpga::recursive_loss<proxyless_space> l{proxyless_space{}};
    l.params().res_ub = 2520;
    l.pf().setConstant(std::log2(2520.0 / 9));
    l.theta().setConstant(-30);
    l.theta().col(4).setConstant(30);
    l.evaluate();
    // RES = tanh(20) * Res(op 4) + tanh(~0) * (others): only op 4's IP is counted
    const double res_op4 = (l.quant_probabilities().row(4) * Eigen::Array3d(0, 0.5, 1).transpose()).sum() * 2520.0 / 9;
    CHECK(l.res() == doctest::Approx(std::tanh(20.0) * res_op4).epsilon(1e-9));
}
#endif

#if NAIS_IN_PART(2)
TEST_CASE("recursive: bad runtime input is rejected with a message naming it") {
    fpga::recursive_loss<proxyless_space> l{proxyless_space{}};
    CHECK_THROWS_WITH_AS(l.evaluate(), "nais: params.res_ub (resource budget) must be set, finite and >= 0, got nan",
                         nais::invalid_argument);
    l.params().res_ub = 2520;
    CHECK_NOTHROW(l.evaluate());
    l.theta()(3, 2) = std::nan("");
    CHECK_THROWS_WITH_AS(l.evaluate(), "nais: theta(3,2) is NaN", nais::invalid_argument);
    l.theta()(3, 2) = 0;
    l.phi()(1, 0) = INFINITY;
    CHECK_THROWS_WITH(l.evaluate(), "nais: phi(1,0) is infinite");
    l.phi()(1, 0) = 0;
    l.pf()(5) = 300;
    CHECK_THROWS_WITH(l.evaluate(),
                      "nais: pf(5) = 300 is outside [-256, 256] (2^pf would leave the range of the scalar type)");
    l.pf()(5) = 8;
    l.params().tau = -1;
    CHECK_THROWS_WITH(l.evaluate(), "nais: params.tau (Gumbel-softmax temperature) must be finite and > 0, got -1");
    l.params().tau = 1;
    l.params().C = 1;
    CHECK_THROWS_WITH(l.evaluate(), "nais: params.C (penalty base) must be finite and > 1, got 1");
    l.params().C = 1.01;
    l.theta_noise()(0, 0) = std::nan("");
    CHECK_THROWS_WITH(l.evaluate(), "nais: theta_noise(0,0) is NaN");
}
#endif

#if NAIS_IN_PART(2)
TEST_CASE("recursive: user calibrations replace Phi and Psi") {
    fpga::recursive_loss<tiny_space> edd{tiny_space{}};
    fpga::recursive_loss<tiny_space> custom{tiny_space{}, [](int q) { return 2.0 * q; }, [](int) { return 3.0; }};
    for (auto* l : {&edd, &custom}) {
        l->pf()(0) = 2;
        l->params().res_ub = 10;
        l->evaluate();
    }
    CHECK(custom.perf_loss() == doctest::Approx(2 * edd.perf_loss()));
    CHECK(custom.res() == doctest::Approx(edd.res() * 3.0 / 0.5));
    CHECK_THROWS_WITH_AS((fpga::recursive_loss<tiny_space>{tiny_space{}, [](int) { return -1.0; }}),
                         "nais: latency calibration at 8 bits must be finite and >= 0, got -1", nais::invalid_argument);
}
#endif
