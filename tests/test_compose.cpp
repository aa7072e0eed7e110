// Users compose Eq. 1 from the library's nodes: rebuild the built-in loss, swap the objective,
// multiply two objectives; and check the downstream part of the graph on sampled inputs.
#include "fpga_checks.hpp"

using namespace nais;
using namespace nais_test;

namespace {
using space = static_space<block_list<block{8, 16, 20, 20, 2}, block{16, 16, 10, 10, 1}, block{16, 24, 10, 10, 2},
                                      block{24, 24, 5, 5, 1}>,
                           op_list<mbconv{3, 1}, mbconv{5, 3}, mbconv{7, 6}>, bit_list<4, 8, 16>>;
constexpr int N = 4, M = 3, Q = 3;
using theta_t = Eigen::Array<double, N, M>;
using phi_t = Eigen::Array<double, M, Q>;
using pf_t = Eigen::Array<double, M, 1>;
using blocks_t = Eigen::Array<double, N, 1>;

/// Recursive-FPGA objective terms built by hand from the public nodes, with the sampled
/// probabilities as inputs (the part of the graph after Gumbel-softmax).
struct downstream {
    theta_t probs_theta, g_probs_theta;
    phi_t probs_phi, g_probs_phi;
    pf_t pf, g_pf;
    double acc = 1.3, g_acc = 0, alpha = 1, beta = 0.5, C = 1.02, ub = 100;
    expr::placeholder<pf_t> par;
    expr::placeholder<theta_t> arch;

    auto build() {
        using namespace nais::expr;
        const auto w = work_array<double>(space{});
        Eigen::Array3d c_phi(4, 8, 16), c_psi(0, 0.5, 1);
        return program(
            assign(par, fpga::parallelism(variable(pf, g_pf))), assign(arch, variable(probs_theta, g_probs_theta)),
            edd_loss(variable(acc, g_acc),
                     scale(std::cref(alpha),
                           nais::sum(op_expectation(arch.ref(), fpga::op_latency(fpga::sharing::per_op_type{}, w,
                                                                                 bit_expectation<M, 1>(
                                                                                     variable(probs_phi, g_probs_phi), c_phi),
                                                                                 par.ref())))),
                     resource_sharing(arch.ref(),
                                      fpga::op_dsp(bit_expectation<M, 1>(variable(probs_phi, g_probs_phi), c_psi), par.ref())),
                     std::cref(beta), std::cref(C), std::cref(ub)));
    }
};
}  // namespace

TEST_CASE("a hand-built recursive loss equals the built-in one, values and gradients") {
    std::mt19937_64 rng(40);
    fpga::recursive_loss<space> l{space{}};
    downstream d;
    auto prog = d.build();
    for (int r = 0; r < 10; ++r) {
        randomize(l, rng, true, r % 2 == 0);
        l.evaluate();
        d.probs_theta = l.arch_probabilities();
        d.probs_phi = l.quant_probabilities();
        d.pf = l.pf();
        d.acc = l.params().acc_loss;
        d.alpha = l.params().alpha;
        d.beta = l.params().beta;
        d.C = l.params().C;
        d.ub = l.params().res_ub;
        d.g_probs_theta.setZero();
        d.g_probs_phi.setZero();
        d.g_pf.setZero();
        d.g_acc = 0;
        CHECK(prog.forward() == doctest::Approx(l.value()).epsilon(1e-14));
        prog.backward(1.0);
        CHECK((d.g_pf - l.grad_pf()).abs().maxCoeff() <= 1e-12 * l.grad_pf().abs().maxCoeff());
        CHECK((d.g_probs_theta - l.grad_arch_probabilities()).abs().maxCoeff() <=
              1e-12 * l.grad_arch_probabilities().abs().maxCoeff());
        CHECK((d.g_probs_phi - l.grad_quant_probabilities()).abs().maxCoeff() <=
              1e-12 * (1 + l.grad_quant_probabilities().abs().maxCoeff()));
        // the downstream graph is smooth in the probabilities, also at a hard (one-hot) sample:
        // this FD check is what makes the straight-through gradient exact up to the soft Jacobian
        auto f = [&] { return prog.forward(); };
        d.g_probs_theta.setZero();
        d.g_probs_phi.setZero();
        d.g_pf.setZero();
        prog.forward();
        prog.backward(1.0);
        const theta_t gt = d.g_probs_theta;
        const phi_t gp = d.g_probs_phi;
        check_gradient("dL/dP(theta)", d.probs_theta, gt, f, double_fd);
        check_gradient("dL/dP(phi)", d.probs_phi, gp, f, double_fd);
    }
}

TEST_CASE("swapped objective: latency times throughput proxy with LSE, product of two objectives") {
    std::mt19937_64 rng(41);
    theta_t theta, g_theta;
    pf_t pf, g_pf;
    Eigen::Array<double, M, Q> phi, g_phi;
    fill_normal(theta, rng);
    fill_normal(phi, rng);
    fill_normal(pf, rng, 0.5, 4);
    using namespace nais::expr;
    placeholder<theta_t> arch;
    placeholder<blocks_t> blocks;
    const auto w = work_array<double>(space{});
    Eigen::Array3d c_phi(4, 8, 16);
    // Perf_loss = (1e-5 * sum Perf_i) * (1e-5 * LSE_mu(Perf_i)): latency x (inverse) throughput (Sec. 3.2.4)
    auto prog = program(
        assign(arch, gumbel_softmax(variable(theta, g_theta), 0.8)),
        assign(blocks, op_expectation(arch.ref(), fpga::op_latency(fpga::sharing::per_op_type{}, w,
                                                                   bit_expectation<M, 1>(gumbel_softmax(variable(phi, g_phi), 0.8), c_phi),
                                                                   fpga::parallelism(variable(pf, g_pf))))),
        scale(1e-5, nais::sum(blocks.ref())) * scale(1e-5, log_sum_exp(blocks.ref(), 5e3)));
    for (int r = 0; r < 10; ++r) {
        fill_normal(theta, rng);
        fill_normal(phi, rng);
        g_theta.setZero();
        g_phi.setZero();
        g_pf.setZero();
        prog.forward();
        prog.backward(1.0);
        auto f = [&] { return prog.forward(); };
        const theta_t gt = g_theta;
        const auto gp = g_phi.eval();
        const pf_t gpf = g_pf;
        check_gradient("d(lat x thr)/dtheta", theta, gt, f, double_fd);
        check_gradient("d(lat x thr)/dphi", phi, gp, f, double_fd);
        check_gradient("d(lat x thr)/dpf", pf, gpf, f, double_fd);
    }
}
