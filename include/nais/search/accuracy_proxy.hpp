#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/fpga_design.hpp>
#include <nais/search/co_search.hpp>

#include <Eigen/Core>

#include <cmath>
#include <type_traits>

namespace nais::search {

/// A STAND-IN for Acc_loss, for examples and tests only: it is not an accuracy model and
/// knows nothing about data. A real co-search passes its supernet's validation loss instead
/// (see co_search::step). It rewards what accuracy usually rewards, capacity and precision:
///
///   Acc(theta, phi) = base + (1/N) sum_i sum_m p_im [ w_cap d_im + w_prec sum_q r_g(i,m),q e_q ]
///
/// with p_i = softmax(theta_i), r_g = softmax(phi_g) (deterministic, no Gumbel noise), the
/// capacity deficit d_im = 1 - W(i,m) / max_m' W(i,m') of an op against the block's largest
/// candidate, and the relative quantization step e_q = 2^-(q - q_min) of a bit-width against
/// the narrowest. The gradient with respect to theta and phi is exact (softmax Jacobians).
template <fpga::architecture Arch, class T = double>
class capacity_precision_proxy {
public:
    struct weights {
        T base = 1;         ///< Acc at full capacity and full precision
        T capacity = T(0.5);  ///< w_cap
        T precision = T(1.5); ///< w_prec
    };

    explicit capacity_precision_proxy(const fpga::cost_table& costs) : capacity_precision_proxy(costs, weights{}) {}
    capacity_precision_proxy(const fpga::cost_table& costs, weights w) : w_(w) {
        detail::require(std::isfinite(w.base) && std::isfinite(w.capacity) && std::isfinite(w.precision) &&
                            w.capacity >= 0 && w.precision >= 0,
                        "capacity_precision_proxy: weights must be finite, capacity and precision >= 0");
        n_ = costs.num_blocks();
        m_ = costs.num_ops();
        deficit_ = 1 - costs.work.cast<T>().colwise() / costs.work.cast<T>().rowwise().maxCoeff();
        int q_min = costs.bit_widths.front();
        for (int b : costs.bit_widths)
            q_min = std::min(q_min, b);
        step_.resize(costs.num_bits());
        for (int q = 0; q < costs.num_bits(); ++q)
            step_(q) = static_cast<T>(std::exp2(-(costs.bit_widths[static_cast<std::size_t>(q)] - q_min)));
        p_.resize(n_, m_);
        d_.resize(n_, m_);
        r_.resize(fpga::num_groups<Arch>(n_, m_), costs.num_bits());
        e_.resize(r_.rows());
        u_.resize(r_.rows());
    }

    /// The co_search accuracy callable: Acc_loss at the current (theta, phi) and its gradient.
    template <class Context>
    T operator()(const Context& ctx, accuracy_gradient<T>& g) {
        return evaluate(ctx.theta, ctx.phi, g);
    }

    template <class Theta, class Phi>
    T evaluate(const Theta& theta, const Phi& phi, accuracy_gradient<T>& g) {
        detail::require_shape(theta, n_, m_, "capacity_precision_proxy: theta");
        detail::require_shape(phi, r_.rows(), r_.cols(), "capacity_precision_proxy: phi");
        softmax_rows(theta, p_);
        softmax_rows(phi, r_);
        e_ = (r_.rowwise() * step_.transpose()).rowwise().sum();  // E_g = sum_q r_gq e_q
        for (int i = 0; i < n_; ++i)
            for (int m = 0; m < m_; ++m)
                d_(i, m) = w_.capacity * deficit_(i, m) + w_.precision * e_(group(i, m));  // D_im
        const T acc = w_.base + (p_ * d_).sum() / T(n_);
        // dAcc/dtheta_im = p_im (D_im - sum_m' p_im' D_im') / N
        g.theta = (p_ * (d_.colwise() - (p_ * d_).rowwise().sum())) / T(n_);
        // dAcc/dr_gq = w_prec e_q u_g / N with u_g = sum of p_im over the blocks using group g
        u_.setZero();
        for (int i = 0; i < n_; ++i)
            for (int m = 0; m < m_; ++m)
                u_(group(i, m)) += p_(i, m);
        // dAcc/dphi_gq = r_gq (e_q - E_g) w_prec u_g / N
        g.phi = r_.rowwise() * step_.transpose();
        g.phi -= r_.colwise() * e_;
        g.phi.colwise() *= u_ * (w_.precision / T(n_));
        return acc;
    }

private:
    int group(int i, int m) const noexcept {
        if constexpr (std::is_same_v<Arch, fpga::recursive>)
            return m;
        else
            return i + n_ * m;
    }
    template <class X>
    static void softmax_rows(const X& x, Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic>& out) {
        out = x.template cast<T>();
        out.colwise() -= out.rowwise().maxCoeff();
        out = out.exp();
        out.colwise() /= out.rowwise().sum();
    }

    weights w_;
    int n_ = 0, m_ = 0;
    Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic> deficit_, p_, d_, r_;
    Eigen::Array<T, Eigen::Dynamic, 1> step_, e_, u_;
};

}  // namespace nais::search
