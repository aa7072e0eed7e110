#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/expr/node.hpp>
#include <nais/loss/composed_loss.hpp>
#include <nais/loss/device_model.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>
#include <vector>

// What the device models whose design is a few continuous sizes searched as u = log2 x share
// (tiled/ and bundle/): x = 2^u with its chain factor, the node that gives every (block, op) cell
// its relaxed cost at x with the cost's gradient (forward mode per cell, kept for the backward
// pass), the cells' workloads, and the search hooks' checks of the log2 design.
namespace nais::detail {

/// Per (block, op) cell of a space, its workloads (index i + N m; empty for a skip op).
template <class Workload>
struct design_cells {
    int rows = 0, cols = 0;
    std::vector<std::vector<Workload>> cells;

    void resize(int n, int m) {
        rows = n;
        cols = m;
        cells.assign(static_cast<std::size_t>(n) * static_cast<std::size_t>(m), {});
    }
    std::size_t index(int i, int m) const noexcept {
        return static_cast<std::size_t>(i) + static_cast<std::size_t>(rows) * static_cast<std::size_t>(m);
    }
    std::vector<Workload>& at(int i, int m) { return cells.at(index(i, m)); }
    const std::vector<Workload>& at(int i, int m) const { return cells.at(index(i, m)); }
    /// The workloads of the network a loss's logits stand for (argmax of every row of theta).
    template <class Loss>
    std::vector<Workload> derived(const Loss& l) const {
        std::vector<Workload> out;
        const std::vector<int> ops = l.derived_ops();
        for (int i = 0; i < rows; ++i)
            for (const Workload& w : at(i, ops[static_cast<std::size_t>(i)]))
                out.push_back(w);
        return out;
    }
};

/// The named accessors such a model adds to nais::loss (its interface hook): the design's logs,
/// their gradient, and the expected ms per block.
template <class Loss, class Tag, class Design, class Blocks>
class log2_design_interface : public loss_interface<Loss> {
    using loss_interface<Loss>::self;

public:
    using design_type = Design;
    using blocks_type = Blocks;
    design_type& log2_design() noexcept { return self().variable(Tag{}); }
    const design_type& log2_design() const noexcept { return self().variable(Tag{}); }
    const design_type& grad_log2_design() const noexcept { return self().gradient(Tag{}); }
    /// Expected ms per block (EDD Eq. 4).
    const blocks_type& latency_blocks() const noexcept { return self().model().latency_blocks(); }
};

/// validate hook: every u of a log2 design in [0, max_log2] (2^u is a size of the design).
template <class Design>
void require_log2_design(const Design& u, double max_log2, const char* device) {
    for (Eigen::Index k = 0; k < u.size(); ++k)
        require(std::isfinite(double(u(k))) && u(k) >= 0 && u(k) <= max_log2, device, ": log2_design(", k, ") = ", u(k),
                " is outside [0, ", max_log2, "] (2^u is a size of the design)");
}

/// check_search hook: the log2_design bounds within [0, max_log2], and a resource budget set.
inline void require_log2_search(interval b, double max_log2, double res_ub) {
    require(b.min >= 0 && b.min <= b.max && b.max <= max_log2, "co_search: log2_design bounds [", b.min, ", ", b.max,
            "] must satisfy 0 <= min <= max <= ", max_log2);
    require(std::isfinite(res_ub) && res_ub > 0, "co_search: params.res_ub must be set (device.dsp: every resource at its limit), got ",
            res_ub);
}

/// prepare_search hook: u = log2 of a start design, clamped into the bounds.
template <class Design, class Start>
void start_log2_design(Design& u, const Start& start, interval b) {
    for (Eigen::Index k = 0; k < u.size(); ++k)
        u(k) = static_cast<typename Design::Scalar>(std::clamp(std::log2(std::max(1.0, double(start(k)))), b.min, b.max));
}

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
