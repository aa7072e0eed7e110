// Every node's hand-written backward against central finite differences, at random points.
#include <nais/nais.hpp>

#include "fd.hpp"

#include <doctest/doctest.h>

#include <random>
#include <type_traits>

using namespace nais;
using nais_test::check_gradient;
using nais_test::double_fd;
using nais_test::fill_normal;

namespace {

constexpr int repeats = 20;

/// f = <seed, node.forward()>, whose gradient w.r.t. the inputs is node.backward(seed).
template <class Node, class Seed>
double project(Node& node, const Seed& seed) {
    const auto& v = node.forward();
    if constexpr (std::is_floating_point_v<std::remove_cvref_t<decltype(v)>>)
        return static_cast<double>(v * seed);
    else
        return static_cast<double>((v * seed).sum());
}

template <class Node, class Seed>
void run_backward(Node& node, const Seed& seed) {
    node.forward();
    node.backward(seed);
}

}  // namespace

TEST_CASE("gumbel_softmax backward (soft, with noise) matches finite differences") {
    std::mt19937_64 rng(1);
    using A = Eigen::Array<double, 5, 4>;
    for (int r = 0; r < repeats; ++r) {
        A x, g, gx, seed;
        fill_normal(x, rng, 2.0);
        gumbel_noise(g, 100 + r);
        fill_normal(seed, rng);
        const double tau = nais_test::uniform(rng, 0.1, 3.0);
        auto node = gumbel_softmax(expr::variable(x, gx), g, tau);
        gx.setZero();
        run_backward(node, seed);
        check_gradient("d softmax / d logits", x, gx, [&] { return project(node, seed); }, double_fd);
    }
}

TEST_CASE("bit_expectation backward matches finite differences (vector and N x M layouts)") {
    std::mt19937_64 rng(2);
    for (int r = 0; r < repeats; ++r) {
        Eigen::Array<double, 6, 3> p, gp;
        Eigen::Array<double, 3, 1> c;
        fill_normal(p, rng);
        fill_normal(c, rng, 4.0);
        {
            Eigen::Array<double, 6, 1> seed;
            fill_normal(seed, rng);
            auto node = bit_expectation<6, 1>(expr::variable(p, gp), c);
            gp.setZero();
            run_backward(node, seed);
            check_gradient("dE/dP (M-vector)", p, gp, [&] { return project(node, seed); }, double_fd);
        }
        {
            Eigen::Array<double, 2, 3> seed;
            fill_normal(seed, rng);
            auto node = bit_expectation<2, 3>(expr::variable(p, gp), c);
            gp.setZero();
            run_backward(node, seed);
            check_gradient("dE/dP (N x M)", p, gp, [&] { return project(node, seed); }, double_fd);
            // layout: row g of P is entry (g % 2, g / 2)
            const auto& v = node.forward();
            CHECK(v(1, 2) == doctest::Approx((p.row(5) * c.transpose()).sum()));
        }
    }
}

TEST_CASE("parallelism, op_latency and op_dsp backward match finite differences") {
    std::mt19937_64 rng(3);
    for (int r = 0; r < repeats; ++r) {
        Eigen::Array<double, 4, 3> w;
        fill_normal(w, rng, 1.0, 5.0);
        {  // recursive: per-op-type IPs
            Eigen::Array<double, 3, 1> e, pf, ge, gpf;
            fill_normal(e, rng, 1.0, 6.0);
            fill_normal(pf, rng, 1.0, 2.0);
            Eigen::Array<double, 4, 3> seed;
            fill_normal(seed, rng);
            auto node = fpga::op_latency(fpga::sharing::per_op_type{}, w, expr::variable(e, ge),
                                         fpga::parallelism(expr::variable(pf, gpf)));
            ge.setZero();
            gpf.setZero();
            run_backward(node, seed);
            check_gradient("dLat/dE (recursive)", e, ge, [&] { return project(node, seed); }, double_fd);
            check_gradient("dLat/dpf (recursive)", pf, gpf, [&] { return project(node, seed); }, double_fd);
            // Eq. 12 with Phi factored: Lat(i,m) = W(i,m) * E(m) / 2^pf(m)
            CHECK(node.value()(2, 1) == doctest::Approx(w(2, 1) * e(1) / std::exp2(pf(1))));
        }
        {  // pipelined: per-(block, op) IPs
            Eigen::Array<double, 4, 3> e, pf, ge, gpf, seed;
            fill_normal(e, rng, 1.0, 6.0);
            fill_normal(pf, rng, 1.0, 2.0);
            fill_normal(seed, rng);
            auto node = fpga::op_latency(fpga::sharing::per_block_op{}, w, expr::variable(e, ge),
                                         fpga::parallelism(expr::variable(pf, gpf)));
            ge.setZero();
            gpf.setZero();
            run_backward(node, seed);
            check_gradient("dLat/dE (pipelined)", e, ge, [&] { return project(node, seed); }, double_fd);
            check_gradient("dLat/dpf (pipelined)", pf, gpf, [&] { return project(node, seed); }, double_fd);
            auto dsp = fpga::op_dsp(expr::variable(e, ge), fpga::parallelism(expr::variable(pf, gpf)));
            ge.setZero();
            gpf.setZero();
            run_backward(dsp, seed);
            check_gradient("dDSP/dE", e, ge, [&] { return project(dsp, seed); }, double_fd);
            check_gradient("dDSP/dpf", pf, gpf, [&] { return project(dsp, seed); }, double_fd);
            CHECK(dsp.value()(3, 0) == doctest::Approx(e(3, 0) * std::exp2(pf(3, 0))));
        }
    }
}

TEST_CASE("op_expectation, sum, log_sum_exp and resource_sharing backward match finite differences") {
    std::mt19937_64 rng(4);
    for (int r = 0; r < repeats; ++r) {
        Eigen::Array<double, 5, 3> p, c, gp, gc;
        fill_normal(p, rng);
        fill_normal(c, rng, 3.0);
        {
            Eigen::Array<double, 5, 1> seed;
            fill_normal(seed, rng);
            auto node = op_expectation(expr::variable(p, gp), expr::variable(c, gc));
            gp.setZero();
            gc.setZero();
            run_backward(node, seed);
            check_gradient("dPerf_i/dP", p, gp, [&] { return project(node, seed); }, double_fd);
            check_gradient("dPerf_i/dcost", c, gc, [&] { return project(node, seed); }, double_fd);
        }
        {
            const double seed = nais_test::uniform(rng, -2, 2);
            auto node = nais::sum(expr::variable(c, gc));
            gc.setZero();
            run_backward(node, seed);
            check_gradient("dsum/dx", c, gc, [&] { return project(node, seed); }, double_fd);
        }
        for (double mu : {1.0, 0.3, 4.0}) {
            Eigen::Array<double, 7, 1> x, gx;
            fill_normal(x, rng, 2.0);
            const double seed = nais_test::uniform(rng, -2, 2);
            auto node = log_sum_exp(expr::variable(x, gx), mu);
            gx.setZero();
            run_backward(node, seed);
            check_gradient("dLSE/dx", x, gx, [&] { return project(node, seed); }, double_fd);
        }
        {
            Eigen::Array<double, 3, 1> res, gres;
            fill_normal(res, rng, 10.0, 50.0);
            Eigen::Array<double, 5, 3> prob = p.abs();  // tanh sharing takes probabilities
            const double seed = nais_test::uniform(rng, -2, 2);
            auto node = resource_sharing(expr::variable(prob, gp), expr::variable(res, gres));
            gp.setZero();
            gres.setZero();
            run_backward(node, seed);
            check_gradient("dRES/dP (tanh sharing)", prob, gp, [&] { return project(node, seed); }, double_fd);
            check_gradient("dRES/dRes(op)", res, gres, [&] { return project(node, seed); }, double_fd);
        }
    }
}

TEST_CASE("scalar arithmetic and the budget penalty backward match finite differences") {
    std::mt19937_64 rng(5);
    for (int r = 0; r < repeats; ++r) {
        double a = nais_test::uniform(rng, -3, 3), b = nais_test::uniform(rng, -3, 3), ga = 0, gb = 0;
        const double c = nais_test::uniform(rng, -2, 2);
        auto expr_ = expr::scale(c, expr::variable(a, ga) * expr::variable(b, gb)) + expr::variable(a, ga);
        run_backward(expr_, 1.0);
        nais_test::check_scalar_gradient("d(c*a*b + a)/da", a, ga, [&] { return project(expr_, 1.0); }, double_fd);
        nais_test::check_scalar_gradient("d(c*a*b + a)/db", b, gb, [&] { return project(expr_, 1.0); }, double_fd);
    }
    for (double over : {-200.0, -3.0, 0.0, 40.0, 1e4, 1e6}) {  // below, at and far past the budget
        const double ub = 900, beta = 0.7, base = 1.05;
        double res = ub + over, gres = 0;
        auto node = budget_penalty(expr::variable(res, gres), beta, base, ub);
        run_backward(node, 1.0);
        CHECK(std::isfinite(node.value()));
        CHECK(std::isfinite(gres));
        CHECK(gres >= 0);
        nais_test::check_scalar_gradient("dpenalty/dRES", res, gres, [&] { return project(node, 1.0); },
                                         {1e-6, 1e-12}, 1e-7);
        if (over * std::log(base) < nais::detail::penalty_exponent_cap<double>())
            CHECK(node.value() == doctest::Approx(beta * std::pow(base, over)));
    }
}

TEST_CASE("the penalty's tangent continuation is continuous at the exponent cap") {
    const double base = 2.0, cap = nais::detail::penalty_exponent_cap<double>();
    const double at = cap / std::log(base);
    double r1 = at * (1 - 1e-12), r2 = at * (1 + 1e-12);
    auto n1 = budget_penalty(expr::constant(r1), 1.0, base, 0.0);
    auto n2 = budget_penalty(expr::constant(r2), 1.0, base, 0.0);
    CHECK(n1.forward() == doctest::Approx(n2.forward()).epsilon(1e-9));
}

TEST_CASE("a placeholder used twice accumulates both adjoints (DAG through program)") {
    std::mt19937_64 rng(6);
    Eigen::Array<double, 4, 3> x, gx;
    fill_normal(x, rng);
    expr::placeholder<Eigen::Array<double, 4, 3>> probs;
    // f = sum(softmax(x)) * LSE(rowsum(softmax(x) * x)): both factors read the placeholder
    auto prog = expr::program(expr::assign(probs, gumbel_softmax(expr::variable(x, gx), 0.7)),
                              nais::sum(probs.ref()) *
                                  log_sum_exp(op_expectation(probs.ref(), expr::variable(x, gx))));
    gx.setZero();
    run_backward(prog, 1.0);
    check_gradient("d program / dx", x, gx, [&] { return project(prog, 1.0); }, double_fd);
}
