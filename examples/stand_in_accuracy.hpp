// A STAND-IN for the supernet's Acc_loss in the GPU and Loom examples (not an accuracy model):
//   Acc = 1 + 0.5 mean_i sum_m p_im d_im + 1.5 mean_g sum_q r_gq e_q
// with p = softmax(theta), r = softmax(phi) per row, the capacity deficit d_im = 1 - W(i,m) /
// max_m W(i,m) and the quantization step e_q = 2^-(q - q_min). It rewards capacity and precision
// as accuracy usually does, so the search has something to trade latency against.
#pragma once
#include <nais/nais.hpp>

#include <Eigen/Core>

#include <cmath>

namespace example {

using array = Eigen::ArrayXXd;

inline array softmax_rows(const array& x) {
    array p = (x.colwise() - x.rowwise().maxCoeff()).exp();
    return p.colwise() / p.rowwise().sum();
}

/// sum over rows of (softmax(x_r) . v_r) / rows and its gradient (softmax Jacobian) into g.
inline double expected_cost(const array& x, const array& v, double weight, array& g) {
    const array p = softmax_rows(x);
    const Eigen::ArrayXd mean = (p * v).rowwise().sum();
    g += weight / double(x.rows()) * p * (v.colwise() - mean);
    return weight * mean.sum() / double(x.rows());
}

struct stand_in_accuracy {
    array deficit;  ///< N x M
    array step;     ///< 1 x Q

    template <nais::search_space S>
    explicit stand_in_accuracy(const S& space) {
        const array w = nais::work_array<double>(space);
        deficit = 1 - w.colwise() / w.rowwise().maxCoeff();
        int q_min = space.bit_width(0);
        for (int q = 0; q < space.num_bits(); ++q)
            q_min = std::min(q_min, space.bit_width(q));
        step.resize(1, space.num_bits());
        for (int q = 0; q < space.num_bits(); ++q)
            step(0, q) = std::exp2(-(space.bit_width(q) - q_min));
    }

    /// Acc at (theta, the precision logits in phis) and its gradients (zeroed first).
    double operator()(const array& theta, array& g_theta, const array& phi, array& g_phi) const {
        g_theta.setZero(theta.rows(), theta.cols());
        g_phi.setZero(phi.rows(), phi.cols());
        return 1 + expected_cost(theta, deficit, 0.5, g_theta) +
               expected_cost(phi, step.replicate(phi.rows(), 1), 1.5, g_phi);
    }
};

}  // namespace example
