#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/gpu/latency_table.hpp>
#include <nais/expr/node.hpp>
#include <nais/space/search_space.hpp>

#include <Eigen/Core>

#include <utility>
#include <vector>

// GPU device model of EDD Sec. 4.2: Perf^q(op_i^m) is a measured, normalised latency constant;
// the precision is network-wide (phi_{i,m,q} = phi_q, one phi of length Q), and the GPU is fixed,
// so there is no resource term. Perf_loss = alpha * sum_i Perf_i (Eq. 6: layers run one after
// another at batch size 1).
namespace nais::gpu {

/// Expected op latency under the network-wide precision (Eq. 2 with phi_{i,m,q} = phi_q):
///   Perf(op_i^m) = sum_q GS(phi)_q * Lat(i, m, q).
/// Probabilities 1 x Q; the table (N*M) x Q with row i + N*m; output N x M.
template <int N, int M, expr::array_expression Probs>
class table_latency_node : public expr::node<table_latency_node<N, M, Probs>> {
    using probs_type = expr::value_t<Probs>;

public:
    using scalar_type = typename probs_type::Scalar;
    static constexpr int Q = probs_type::ColsAtCompileTime;
    using value_type = Eigen::Array<scalar_type, N, M>;
    using table_type = Eigen::Array<scalar_type, nais::detail::product_dim(N, M), Q>;
    static_assert(probs_type::RowsAtCompileTime == 1 || probs_type::RowsAtCompileTime == Eigen::Dynamic,
                  "nais::gpu::table_latency: the precision probabilities are one network-wide row (1 x Q)");

    table_latency_node(Probs probs, table_type table, Eigen::Index n, Eigen::Index m)
        : p_(std::move(probs)), t_(std::move(table)), out_(n, m) {
        nais::detail::require(p_.value().rows() == 1, "gpu::table_latency: precision probabilities have ", p_.value().rows(),
                        " rows, expected 1 (network-wide precision)");
        nais::detail::require_shape(t_, n * m, p_.value().cols(), "gpu::table_latency: latency table");
        grad_.resize(1, p_.value().cols());
    }

    const value_type& forward() {
        flat(out_).noalias() = t_.matrix().lazyProduct(p_.forward().matrix().transpose());
        return out_;
    }
    const value_type& value() const noexcept { return out_; }

    /// dP[q] = sum_(i,m) s[i,m] * Lat(i, m, q)
    void backward(const value_type& seed) {
        grad_.matrix().noalias() = flat(seed).transpose().lazyProduct(t_.matrix());
        p_.backward(grad_);
    }

private:
    static auto flat(value_type& a) {
        return Eigen::Map<Eigen::Matrix<scalar_type, nais::detail::product_dim(N, M), 1>>(a.data(), a.size());
    }
    static auto flat(const value_type& a) {
        return Eigen::Map<const Eigen::Matrix<scalar_type, nais::detail::product_dim(N, M), 1>>(a.data(), a.size());
    }

    Probs p_;
    table_type t_;
    value_type out_;
    probs_type grad_;
};

template <int N, int M, expr::array_expression Probs>
auto table_latency(Probs&& probs, typename table_latency_node<N, M, std::remove_cvref_t<Probs>>::table_type table,
                   Eigen::Index n = N, Eigen::Index m = M) {
    return table_latency_node<N, M, std::remove_cvref_t<Probs>>(std::forward<Probs>(probs), std::move(table), n, m);
}

/// A discrete GPU design: one op per block and one network-wide bit-width index.
struct design {
    std::vector<int> ops;  ///< N op indices
    int bits = 0;          ///< index into the space's bit-widths
};

/// Exact latency of a discrete design from a table (ms if the table is in ms).
struct design_report {
    std::vector<double> block_latency;
    double latency = 0;
};

inline design_report evaluate(const latency_table& table, const design& d) {
    design_report r;
    r.latency = table.network_latency(d.ops, d.bits);  // validates the design
    for (int i = 0; i < table.num_blocks(); ++i)
        r.block_latency.push_back(table.at(i, d.ops[static_cast<std::size_t>(i)], d.bits));
    return r;
}

}  // namespace nais::gpu
