#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/expr/node.hpp>

#include <Eigen/Core>

#include <cmath>
#include <cstddef>
#include <utility>

// For device models whose design is a few continuous sizes searched as u = log2 x (tiled/,
// bundle/): x = 2^u with its chain factor, and the node that gives every (block, op) cell its
// relaxed cost at x with the cost's gradient (forward mode per cell, kept for the backward pass).
namespace nais::detail {

/// x = 2^u (double), entry by entry.
template <int N, class U>
Eigen::Matrix<double, N, 1> exp2_of(const U& u) {
    Eigen::Matrix<double, N, 1> x;
    for (int k = 0; k < N; ++k)
        x(k) = std::exp2(static_cast<double>(u(k)));
    return x;
}

/// Gradients with respect to x as gradients with respect to u = log2 x: dx/du = x ln 2.
template <int N, class G>
G log2_chain(const Eigen::Matrix<double, N, 1>& dx, const Eigen::Matrix<double, N, 1>& x, G out) {
    for (int k = 0; k < N; ++k)
        out(k) = static_cast<typename G::Scalar>(dx(k) * x(k) * std::log(2.0));
    return out;
}

/// out(k) = cost(k, x) for every cell k of an N x M array (column-major: k = i + N m), x = 2^u;
/// cost returns a dual number (value and d/dx). backward: dL/du = sum_k seed_k d cost_k/dx * x ln 2.
template <class U, class Cost, int NumVariables, class CellCost>
class relaxed_cells_node : public expr::node<relaxed_cells_node<U, Cost, NumVariables, CellCost>> {
public:
    using value_type = Cost;
    using scalar_type = typename Cost::Scalar;
    using vector_type = Eigen::Matrix<double, NumVariables, 1>;

    relaxed_cells_node(U u, Eigen::Index rows, Eigen::Index cols, CellCost cost)
        : u_(std::move(u)), cost_(std::move(cost)), grad_(rows * cols, NumVariables) {
        out_.setZero(rows, cols);
    }

    const value_type& forward() {
        x_ = exp2_of<NumVariables>(u_.forward());
        for (Eigen::Index k = 0; k < out_.size(); ++k) {
            const auto t = cost_(static_cast<std::size_t>(k), x_);
            out_(k) = static_cast<scalar_type>(t.v);
            grad_.row(k) = t.d.transpose();
        }
        return out_;
    }
    const value_type& value() const noexcept { return out_; }
    void backward(const value_type& seed) {
        vector_type dx = vector_type::Zero();
        for (Eigen::Index k = 0; k < out_.size(); ++k)
            dx += static_cast<double>(seed(k)) * grad_.row(k).transpose();
        u_.backward(log2_chain<NumVariables>(dx, x_, expr::value_t<U>(u_.value())));
    }

private:
    U u_;
    CellCost cost_;
    value_type out_;
    Eigen::Matrix<double, Eigen::Dynamic, NumVariables> grad_;
    vector_type x_ = vector_type::Ones();
};

}  // namespace nais::detail
