// Shared checks of the composed FPGA losses (recursive and pipelined, static and runtime spaces).
#pragma once
#include <nais/nais.hpp>

#include "fd.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>

namespace nais_test {

/// Random but well-conditioned point: logits ~ N(0, 1.5), pf around EDD's p0 = log2(RES_ub / #IPs),
/// optional Gumbel noise, tau in [0.3, 2]; alpha scales Perf_loss to ~1 and RES_ub is set within
/// +-10% of the resulting DSPs so that the penalty is neither negligible nor astronomic.
/// Copies the FPGA loss settings between losses of other scalar types or spaces.
template <class To, class From>
void copy_params(To& to, const From& from) {
    using T = decltype(to.tau);
    to.tau = T(from.tau);
    to.hard = from.hard;
    to.alpha = T(from.alpha);
    to.beta = T(from.beta);
    to.C = T(from.C);
    to.res_ub = T(from.res_ub);
    to.acc_loss = T(from.acc_loss);
    to.lse_smoothness = T(from.lse_smoothness);
}

template <class Loss>
void randomize(Loss& l, std::mt19937_64& rng, bool noise, bool hard) {
    using T = typename Loss::scalar_type;
    fill_normal(l.theta(), rng, 1.5);
    fill_normal(l.phi(), rng, 1.5);
    const double budget = 1000;
    fill_normal(l.pf(), rng, 0.7, std::log2(budget / static_cast<double>(l.pf().size())));
    if (noise) {
        nais::gumbel_noise(l.theta_noise(), rng());
        nais::gumbel_noise(l.phi_noise(), rng());
    } else {
        l.theta_noise().setZero();
        l.phi_noise().setZero();
    }
    auto& p = l.params();
    p.tau = static_cast<T>(uniform(rng, 0.3, 2.0));
    p.hard = hard;
    p.alpha = 1;
    p.beta = static_cast<T>(uniform(rng, 0.1, 1.0));
    p.C = static_cast<T>(uniform(rng, 1.005, 1.03));
    p.acc_loss = static_cast<T>(uniform(rng, 0.5, 3.0));
    p.res_ub = 0;
    p.lse_smoothness = 1;
    l.forward();
    p.alpha = static_cast<T>(1.0 / static_cast<double>(l.perf_loss()));
    p.res_ub = static_cast<T>(static_cast<double>(l.res()) * uniform(rng, 0.9, 1.1));
}

/// FD-checks every gradient of a loss at its current point. In hard mode only pf and Acc_loss
/// have true derivatives (the loss is piecewise constant in theta and phi); the
/// straight-through gradients are checked by check_straight_through.
template <class Loss>
void check_loss_gradients(Loss& l, tolerance tol, double step = 1e-4) {
    l.evaluate();
    const auto g_theta = l.grad_theta();
    const auto g_phi = l.grad_phi();
    const auto g_pf = l.grad_pf();
    const double g_acc = l.grad_acc_loss();
    auto f = [&] { return static_cast<double>(l.forward()); };
    if (!l.params().hard) {
        check_gradient("dL/dtheta", l.theta(), g_theta, f, tol, step);
        check_gradient("dL/dphi", l.phi(), g_phi, f, tol, step);
    }
    check_gradient("dL/dpf", l.pf(), g_pf, f, tol, step);
    check_scalar_gradient("dL/dAcc_loss", l.params().acc_loss, g_acc, f, tol, step);
    CHECK(g_acc == doctest::Approx(static_cast<double>(l.perf_loss())));
}

/// Straight-through: with hard sampling, dL/dtheta must equal the soft Gumbel-softmax Jacobian
/// applied to dL/d(one-hot sample), at the same logits, noise and temperature.
template <class Loss>
void check_straight_through(Loss& l) {
    using namespace nais;
    l.params().hard = true;
    l.evaluate();
    auto expect = [&](auto& logits, auto& noise, const auto& adjoint, const auto& got, const char* what) {
        using A = std::remove_cvref_t<decltype(logits)>;
        A g = A::Zero(logits.rows(), logits.cols());
        auto soft = gumbel_softmax(expr::variable(logits, g), noise, l.params().tau);
        soft.forward();
        soft.backward(adjoint);
        const double scale = std::max(1e-300, static_cast<double>(got.abs().maxCoeff()));
        INFO(what);
        CHECK(static_cast<double>((g - got).abs().maxCoeff()) <= 1e-12 * scale);
    };
    expect(l.theta(), l.theta_noise(), l.grad_arch_probabilities(), l.grad_theta(), "theta");
    expect(l.phi(), l.phi_noise(), l.grad_quant_probabilities(), l.grad_phi(), "phi");
}

/// Invariants: probabilities sum to 1, tanh shares in [0, 1], LSE bounds, finiteness.
template <class Loss>
void check_invariants(Loss& l) {
    l.evaluate();
    const auto& pa = l.arch_probabilities();
    const auto& pq = l.quant_probabilities();
    CHECK(((pa.rowwise().sum() - 1).abs() < 1e-6).all());
    CHECK(((pq.rowwise().sum() - 1).abs() < 1e-6).all());
    CHECK(((pa >= 0) && (pa <= 1)).all());
    if constexpr (Loss::shared) {
        const auto u = pa.colwise().sum().eval();
        const auto share = u.tanh().eval();
        CHECK(((share >= 0) && (share <= 1)).all());
        for (Eigen::Index m = 0; m < u.size(); ++m)
            if (u(m) < 15)  // below ~18.7 (double) tanh(u) is representably < 1
                CHECK(share(m) < 1);
    } else {
        const double mx = static_cast<double>(l.perf_blocks().maxCoeff());
        const double lse = static_cast<double>(l.perf_loss() / l.params().alpha);
        const double mu = static_cast<double>(l.params().lse_smoothness);
        CHECK(lse >= mx * (1 - 1e-6));
        CHECK(lse <= mx * (1 + 1e-6) + mu * std::log(static_cast<double>(l.num_blocks())));
    }
    CHECK(std::isfinite(static_cast<double>(l.value())));
    CHECK(l.grad_theta().allFinite());
    CHECK(l.grad_phi().allFinite());
    CHECK(l.grad_pf().allFinite());
}

/// Hard sampling picks one op per block and one bit-width per IP: the loss must equal Eq. 1 on
/// that discrete design evaluated directly with Eq. 11-13 (no expectations).
template <class Loss, class Space>
void check_hard_equals_exact(Loss& l, const Space& space) {
    using T = typename Loss::scalar_type;
    l.params().hard = true;
    const double loss = l.forward();
    const auto& pa = l.arch_probabilities();
    const auto& pq = l.quant_probabilities();
    auto chosen_bits = [&](Eigen::Index g) {
        Eigen::Index q;
        pq.row(g).maxCoeff(&q);
        return space.bit_width(static_cast<int>(q));
    };
    const int n = space.num_blocks(), m_ops = space.num_ops();
    Eigen::ArrayXd lat(n);
    double res = 0;
    Eigen::ArrayXd used = Eigen::ArrayXd::Zero(m_ops);
    for (int i = 0; i < n; ++i) {
        Eigen::Index m;
        pa.row(i).maxCoeff(&m);
        const Eigen::Index g = Loss::shared ? m : i + Eigen::Index(n) * m;
        const double pf = Loss::shared ? static_cast<double>(l.pf()(m)) : static_cast<double>(l.pf()(i, m));
        lat(i) = nais::fpga::op_latency_exact<double>(space.work(i, static_cast<int>(m)), chosen_bits(g), pf);
        if (Loss::shared)
            used(m) += 1;
        else
            res += nais::fpga::op_dsp_exact<double>(chosen_bits(g), pf);
    }
    if constexpr (Loss::shared)
        for (int m = 0; m < m_ops; ++m)
            res += std::tanh(used(m)) * nais::fpga::op_dsp_exact<double>(chosen_bits(m), static_cast<double>(l.pf()(m)));
    const double perf = Loss::shared ? lat.sum() : lat.maxCoeff() + std::log((lat - lat.maxCoeff()).exp().sum());
    const auto& p = l.params();
    const double expected = static_cast<double>(p.acc_loss) * static_cast<double>(p.alpha) * perf +
                            static_cast<double>(p.beta) * std::pow(static_cast<double>(p.C), res - static_cast<double>(p.res_ub));
    const double tol = std::is_same_v<T, float> ? 1e-4 : 1e-10;
    CHECK(loss == doctest::Approx(expected).epsilon(tol));
    CHECK(static_cast<double>(l.res()) == doctest::Approx(res).epsilon(tol));
}

/// Gradients stay finite at tau = 0.05 and 1e6 DSPs past the budget; the pf gradient then
/// points back toward the budget.
template <class Loss>
void check_extremes(Loss& l) {
    l.params().tau = 0.05;
    l.params().hard = false;
    l.params().res_ub = 0;
    l.forward();
    l.pf().array() += static_cast<typename Loss::scalar_type>(std::log2(3e6 / static_cast<double>(l.res())));  // ~3e6 DSPs
    l.forward();
    l.params().res_ub = std::max<typename Loss::scalar_type>(0, l.res() - 1e6);
    l.evaluate();
    CHECK(static_cast<double>(l.res() - l.params().res_ub) >= 1e6 * (1 - 1e-6));
    CHECK(std::isfinite(static_cast<double>(l.value())));
    CHECK(l.grad_theta().allFinite());
    CHECK(l.grad_phi().allFinite());
    CHECK(l.grad_pf().allFinite());
    CHECK(l.grad_pf().sum() > 0);  // descending reduces parallelism, and so DSPs
}

}  // namespace nais_test
