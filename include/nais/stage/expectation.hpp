#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/expr/node.hpp>

#include <utility>

namespace nais {

/// Stage 1 -> 2 (EDD Eq. 2-3) for costs that factor as c(q) * f(op): the expectation of a
/// per-bit-width calibration c(q) under each quantization group's sampled probabilities,
///   e[g] = sum_q GS(phi)[g,q] * c(q).
/// P is G x Q (one row per quantization group: an op type for the recursive FPGA, a
/// (block, op) pair for the pipelined one). The G results are laid out as an OutRows x OutCols
/// array in column-major order (row g of P is entry (g % OutRows, g / OutRows)), so the
/// pipelined FPGA's N*M groups come out directly as an N x M array.
template <int OutRows, int OutCols, expr::array_expression Probs>
class bit_expectation_node : public expr::node<bit_expectation_node<OutRows, OutCols, Probs>> {
    using probs_type = expr::value_t<Probs>;

public:
    using scalar_type = typename probs_type::Scalar;
    using value_type = Eigen::Array<scalar_type, OutRows, OutCols>;
    using calibration_type = Eigen::Array<scalar_type, probs_type::ColsAtCompileTime, 1>;

    static_assert(probs_type::RowsAtCompileTime == Eigen::Dynamic || OutRows == Eigen::Dynamic ||
                      OutCols == Eigen::Dynamic || probs_type::RowsAtCompileTime == OutRows * OutCols,
                  "nais::bit_expectation: the probabilities must have one row per output entry");

    bit_expectation_node(Probs probs, calibration_type calibration, Eigen::Index out_rows, Eigen::Index out_cols)
        : p_(std::move(probs)), c_(std::move(calibration)), out_(out_rows, out_cols) {
        detail::require(p_.value().rows() == out_rows * out_cols, "bit_expectation: probabilities have ",
                        p_.value().rows(), " rows, expected ", out_rows * out_cols);
        detail::require(c_.size() == p_.value().cols(), "bit_expectation: calibration has ", c_.size(),
                        " entries, expected one per bit-width (", p_.value().cols(), ")");
        grad_.resize(p_.value().rows(), p_.value().cols());
    }

    const value_type& forward() {
        const probs_type& p = p_.forward();
        flat(out_).noalias() = p.matrix().lazyProduct(c_.matrix());
        return out_;
    }
    const value_type& value() const noexcept { return out_; }

    /// dP[g,q] = s[g] * c(q)
    void backward(const value_type& seed) {
        grad_.matrix().noalias() = flat(seed).lazyProduct(c_.matrix().transpose());
        p_.backward(grad_);
    }

private:
    static constexpr int flat_size =
        (OutRows == Eigen::Dynamic || OutCols == Eigen::Dynamic) ? Eigen::Dynamic : OutRows * OutCols;
    static auto flat(value_type& a) { return Eigen::Map<Eigen::Matrix<scalar_type, flat_size, 1>>(a.data(), a.size()); }
    static auto flat(const value_type& a) {
        return Eigen::Map<const Eigen::Matrix<scalar_type, flat_size, 1>>(a.data(), a.size());
    }

    Probs p_;
    calibration_type c_;
    value_type out_;
    probs_type grad_;
};

template <int OutRows, int OutCols, expr::array_expression Probs>
auto bit_expectation(Probs&& probs,
                     typename bit_expectation_node<OutRows, OutCols, std::remove_cvref_t<Probs>>::calibration_type c,
                     Eigen::Index out_rows = OutRows, Eigen::Index out_cols = OutCols) {
    return bit_expectation_node<OutRows, OutCols, std::remove_cvref_t<Probs>>(std::forward<Probs>(probs), std::move(c),
                                                                              out_rows, out_cols);
}

/// Stage 2 -> 3 (EDD Eq. 4-5): per-block expectation over the candidate ops,
///   out[i] = sum_m GS(theta)[i,m] * cost[i,m],
/// for performance (Eq. 4) or resource (Eq. 5). Both inputs are N x M.
template <expr::array_expression Probs, expr::array_expression Cost>
class op_expectation_node : public expr::node<op_expectation_node<Probs, Cost>> {
    using probs_type = expr::value_t<Probs>;

public:
    using scalar_type = typename probs_type::Scalar;
    using value_type = Eigen::Array<scalar_type, probs_type::RowsAtCompileTime, 1>;
    static_assert(std::is_same_v<probs_type, expr::value_t<Cost>>,
                  "nais::op_expectation: op probabilities and per-op costs must both be N x M arrays of one scalar type");

    op_expectation_node(Probs probs, Cost cost) : p_(std::move(probs)), c_(std::move(cost)) {
        detail::require_shape(c_.value(), p_.value().rows(), p_.value().cols(), "op_expectation: per-op costs");
        out_.resize(p_.value().rows());
        grad_p_.resize(p_.value().rows(), p_.value().cols());
        grad_c_.resize(p_.value().rows(), p_.value().cols());
    }

    const value_type& forward() {
        const probs_type& p = p_.forward();
        const probs_type& c = c_.forward();
        out_ = (p * c).rowwise().sum();
        return out_;
    }
    const value_type& value() const noexcept { return out_; }

    /// dP[i,m] = s[i] * cost[i,m],  dcost[i,m] = s[i] * P[i,m]
    void backward(const value_type& seed) {
        grad_p_ = c_.value().colwise() * seed;
        grad_c_ = p_.value().colwise() * seed;
        p_.backward(grad_p_);
        c_.backward(grad_c_);
    }

private:
    Probs p_;
    Cost c_;
    value_type out_;
    probs_type grad_p_, grad_c_;
};

template <expr::array_expression Probs, expr::array_expression Cost>
auto op_expectation(Probs&& probs, Cost&& cost) {
    return op_expectation_node<std::remove_cvref_t<Probs>, std::remove_cvref_t<Cost>>(std::forward<Probs>(probs),
                                                                                      std::forward<Cost>(cost));
}

/// Probabilities of the ops that use hardware: out[i,m] = P[i,m] * H[i,m] with H 1 where op m
/// of block i has layers to run and 0 for a skip op (and a cell the space does not offer), so
/// resource terms (Eq. 5, 8-10) charge no IP for the identity.
template <expr::array_expression Probs>
class hardware_share_node : public expr::node<hardware_share_node<Probs>> {
public:
    using value_type = expr::value_t<Probs>;
    using scalar_type = typename value_type::Scalar;

    hardware_share_node(Probs probs, const value_type* mask) : p_(std::move(probs)), h_(mask) {
        detail::require_shape(*h_, p_.value().rows(), p_.value().cols(), "hardware_share: mask");
        out_.resize(h_->rows(), h_->cols());
        grad_.resize(h_->rows(), h_->cols());
    }
    const value_type& forward() {
        out_ = p_.forward() * *h_;
        return out_;
    }
    const value_type& value() const noexcept { return out_; }
    void backward(const value_type& seed) {
        grad_ = seed * *h_;
        p_.backward(grad_);
    }

private:
    Probs p_;
    const value_type* h_;
    value_type out_, grad_;
};

/// hardware_share(P, H): P masked by the ops that run on hardware (H refers to the caller's array).
template <expr::array_expression Probs>
auto hardware_share(Probs&& probs, const expr::value_t<Probs>& mask) {
    return hardware_share_node<std::remove_cvref_t<Probs>>(std::forward<Probs>(probs), &mask);
}

}  // namespace nais
