// The composed pipelined-FPGA loss (Eq. 1 with Eq. 7 and Eq. 8) on static spaces.
#include "fpga_checks.hpp"
#include "sanitized.hpp"
#include "test_part.hpp"

using namespace nais;
using namespace nais_test;

namespace {
using tiny_space = static_space<block_list<block{8, 16, 10, 10, 1}>, op_list<mbconv{3, 2}>, bit_list<16>>;
using two_block_space = static_space<block_list<block{8, 16, 10, 10, 1}, block{16, 16, 10, 10, 1}>,
                                     op_list<mbconv{3, 2}>, bit_list<16>>;
using small_space = static_space<block_list<block{8, 16, 20, 20, 2}, block{16, 16, 10, 10, 1}, block{16, 24, 10, 10, 2}>,
                                 op_list<mbconv{3, 1}, mbconv{5, 3}, mbconv{7, 6}>, bit_list<2, 6, 12, 24>>;
}  // namespace

#if NAIS_IN_PART(1)
TEST_CASE("pipelined: closed form on N = M = Q = 1 and the LSE of two blocks") {
    {
        fpga::pipelined_loss<tiny_space> l{tiny_space{}};
        const double W = static_cast<double>(tiny_space::work_table[0][0]);
        const double pf = 4.1, acc = 0.8, alpha = 1e-4, beta = 2, C = 1.1, ub = 20;
        l.pf()(0, 0) = pf;
        l.params().alpha = alpha;
        l.params().beta = beta;
        l.params().C = C;
        l.params().res_ub = ub;
        l.params().acc_loss = acc;
        const double lat = W * 16 * std::exp2(-pf);
        const double res = std::exp2(pf);  // Eq. 8 with Psi(16) = 1, no sharing
        CHECK(l.evaluate() == doctest::Approx(acc * alpha * lat + beta * std::pow(C, res - ub)).epsilon(1e-13));
        const double dpf = -std::log(2.0) * acc * alpha * lat + beta * std::pow(C, res - ub) * std::log(C) * res * std::log(2.0);
        CHECK(l.grad_pf()(0, 0) == doctest::Approx(dpf).epsilon(1e-12));
    }
    {
        fpga::pipelined_loss<two_block_space> l{two_block_space{}};
        l.params().res_ub = 100;
        l.params().lse_smoothness = 1e5;  // smooth enough that both blocks contribute
        l.pf().setConstant(3);
        l.evaluate();
        const double a = l.perf_blocks()(0), b = l.perf_blocks()(1), mu = 1e5;
        const double lse = mu * std::log(std::exp(a / mu) + std::exp(b / mu));
        CHECK(l.perf_loss() == doctest::Approx(lse).epsilon(1e-12));
        const double wa = 1 / (1 + std::exp((b - a) / mu));
        // dPerf_loss/dpf_i = -ln2 * Perf_i * w_i (acc = alpha = 1); penalty part on top
        const double pen_slope = std::pow(1.01, l.res() - 100) * std::log(1.01) * std::log(2.0) * 8;
        CHECK(l.grad_pf()(0, 0) == doctest::Approx(-std::log(2.0) * a * wa + pen_slope).epsilon(1e-10));
    }
}
#endif

#if NAIS_IN_PART(1)
TEST_CASE("pipelined: gradients match finite differences at random points (soft, default space)") {
    std::mt19937_64 rng(20);
    fpga::pipelined_loss<proxyless_space> l{proxyless_space{}};
    for (int r = 0; r < 6; r += nais_test::step(3)) {
        randomize(l, rng, r % 2 == 1, false);
        if (r >= 3)  // smooth maximum across blocks: every block gets gradient
            l.params().lse_smoothness = static_cast<double>(l.perf_blocks().maxCoeff()) / 4;
        check_loss_gradients(l, double_fd);
    }
}
#endif

#if NAIS_IN_PART(1)
TEST_CASE("pipelined: gradients match finite differences at random points (soft and hard, small space)") {
    std::mt19937_64 rng(21);
    fpga::pipelined_loss<small_space> l{small_space{}};
    for (int r = 0; r < 25; ++r) {
        randomize(l, rng, r % 2 == 1, r % 3 == 0);
        l.params().lse_smoothness = static_cast<double>(l.perf_blocks().maxCoeff()) * nais_test::uniform(rng, 0.05, 1);
        check_loss_gradients(l, double_fd);
        check_straight_through(l);
    }
}
#endif

#if NAIS_IN_PART(2)
TEST_CASE("pipelined: invariants, hard sampling equals the exact discrete design, extremes stay finite") {
    std::mt19937_64 rng(22);
    fpga::pipelined_loss<proxyless_space> l{proxyless_space{}};
    for (int r = 0; r < 10; ++r) {
        randomize(l, rng, true, false);
        check_invariants(l);
        check_hard_equals_exact(l, proxyless_space{});
        check_straight_through(l);
        l.params().lse_smoothness = 1e6;
        check_invariants(l);
        l.params().lse_smoothness = 1;
        check_extremes(l);
    }
}
#endif

#if NAIS_IN_PART(2)
TEST_CASE("pipelined: huge latencies keep the LSE finite and equal to the maximum") {
    fpga::pipelined_loss<proxyless_space> l{proxyless_space{}};
    l.params().res_ub = 900;
    l.pf().setConstant(-250);  // 2^250 times slower: latencies ~1e82 cycles
    l.evaluate();
    CHECK(std::isfinite(l.value()));
    CHECK(l.perf_loss() == doctest::Approx(l.perf_blocks().maxCoeff()));
    CHECK(l.grad_pf().allFinite());
}
#endif

#if NAIS_IN_PART(2)
TEST_CASE("pipelined: pf outside the representable range is rejected with (block, op)") {
    fpga::pipelined_loss<proxyless_space> l{proxyless_space{}};
    l.params().res_ub = 900;
    l.pf()(7, 3) = -400;
    CHECK_THROWS_WITH_AS(l.evaluate(),
                         "nais: pf(7,3) = -400 is outside [-256, 256] (2^pf would leave the range of the scalar type)",
                         nais::invalid_argument);
}
#endif
