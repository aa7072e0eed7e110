#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/detail/math.hpp>
#include <nais/expr/node.hpp>

#include <cmath>
#include <utility>

namespace nais {

/// Gumbel-softmax sampling GS(.) of a matrix of logits, row by row (EDD Sec. 3.1, 3.2.1):
///   y[r,:] = softmax((x[r,:] + g[r,:]) / tau)
/// with Gumbel noise g (a view, or none for zero noise) and temperature tau > 0. The soft
/// variant returns y; the hard (straight-through) variant returns one_hot(argmax y) in the
/// forward pass and differentiates through y in the backward pass. Softmax subtracts the row
/// maximum first, so any finite logits and any tau > 0 give finite probabilities; probabilities
/// below eps^2 of the row maximum are flushed to 0 (detail::negligible_exponent).
template <expr::array_expression Logits>
class gumbel_softmax_node : public expr::node<gumbel_softmax_node<Logits>> {
public:
    using value_type = expr::value_t<Logits>;
    using scalar_type = typename value_type::Scalar;
    using column_type = Eigen::Array<scalar_type, value_type::RowsAtCompileTime, 1>;

    /// offsets (optional): added to (x + g) / tau, 0 or -infinity per entry; -infinity marks an
    /// entry that is not a choice (probability 0, no gradient). Every row needs a finite one.
    gumbel_softmax_node(Logits logits, const value_type* noise, expr::param<scalar_type> tau, expr::flag hard,
                        const value_type* offsets = nullptr)
        : x_(std::move(logits)), noise_(noise), offsets_(offsets), tau_(tau), hard_(hard) {
        const auto rows = x_.value().rows(), cols = x_.value().cols();
        soft_.resize(rows, cols);
        out_.resize(rows, cols);
        grad_.resize(rows, cols);
        row_.resize(rows);
        if (noise_)
            detail::require_shape(*noise_, rows, cols, "gumbel_softmax: noise");
        if (offsets_)
            detail::require_shape(*offsets_, rows, cols, "gumbel_softmax: offsets");
    }

    const value_type& forward() {
        const scalar_type tau = tau_.get();
        detail::require(tau > 0 && std::isfinite(tau), "gumbel_softmax: temperature tau must be finite and > 0, got ",
                        tau);
        const scalar_type inv_tau = scalar_type(1) / tau;
        const value_type& x = x_.forward();
        if (noise_)
            soft_ = (x + *noise_) * inv_tau;
        else
            soft_ = x * inv_tau;
        if (offsets_)
            soft_ += *offsets_;  // -infinity: not a choice
        row_ = soft_.rowwise().maxCoeff();
        soft_.colwise() -= row_;
        detail::exp_flushed_in_place(soft_);  // stable: every exponent <= 0, the row max's is 0
        row_ = soft_.rowwise().sum().inverse();  // each sum is in [1, cols]
        soft_.colwise() *= row_;                 // one division per row, not per entry
        hard_now_ = hard_.get();
        if (hard_now_) {
            out_.setZero();
            for (Eigen::Index r = 0; r < soft_.rows(); ++r) {
                Eigen::Index best = 0;
                soft_.row(r).maxCoeff(&best);
                out_(r, best) = scalar_type(1);
            }
        }
        return value();
    }
    const value_type& value() const noexcept { return hard_now_ ? out_ : soft_; }

    /// dx = (1/tau) * y (.) (s - <s, y>) row by row (the straight-through estimator uses the
    /// soft y for the hard variant too).
    void backward(const value_type& seed) {
        const scalar_type inv_tau = scalar_type(1) / tau_.get();
        row_ = (seed * soft_).rowwise().sum();
        grad_ = seed;
        grad_.colwise() -= row_;
        grad_ *= soft_ * inv_tau;
        x_.backward(grad_);
    }

    /// The soft probabilities of the last forward pass (also for the hard variant).
    const value_type& soft() const noexcept { return soft_; }

private:
    Logits x_;
    const value_type* noise_;
    const value_type* offsets_;
    expr::param<scalar_type> tau_;
    expr::flag hard_;
    bool hard_now_ = false;
    value_type soft_, out_, grad_;
    column_type row_;
};

/// GS(logits | noise) with temperature tau; `hard` selects straight-through sampling.
template <expr::array_expression Logits>
auto gumbel_softmax(Logits&& logits, const expr::value_t<Logits>& noise, expr::param<expr::scalar_of_t<expr::value_t<Logits>>> tau,
                    expr::flag hard = false) {
    return gumbel_softmax_node<std::remove_cvref_t<Logits>>(std::forward<Logits>(logits), &noise, tau, hard);
}

/// GS(logits | noise) over the entries whose offset is 0 (an offset of -infinity excludes an entry).
/// (offsets may be nullptr: every entry is a choice.)
template <expr::array_expression Logits>
auto gumbel_softmax(Logits&& logits, const expr::value_t<Logits>& noise, const expr::value_t<Logits>* offsets,
                    expr::param<expr::scalar_of_t<expr::value_t<Logits>>> tau, expr::flag hard = false) {
    return gumbel_softmax_node<std::remove_cvref_t<Logits>>(std::forward<Logits>(logits), &noise, tau, hard, offsets);
}

/// Softmax of the logits with zero noise (the deterministic expectation used at evaluation).
template <expr::array_expression Logits>
auto gumbel_softmax(Logits&& logits, expr::param<expr::scalar_of_t<expr::value_t<Logits>>> tau, expr::flag hard = false) {
    return gumbel_softmax_node<std::remove_cvref_t<Logits>>(std::forward<Logits>(logits), nullptr, tau, hard);
}

}  // namespace nais
