#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/detail/math.hpp>
#include <nais/expr/node.hpp>

#include <cmath>
#include <utility>

namespace nais {

/// Smooth maximum for the throughput objective (EDD Eq. 7):
///   LSE_mu(x) = mu * log sum_i exp(x_i / mu)
/// evaluated stably as max + mu * log sum_i exp((x_i - max) / mu), so huge latencies neither
/// overflow nor lose the maximum. mu = 1 is EDD's formula; a larger mu smooths the maximum
/// for inputs measured in large units (cycles). Bounds: max <= LSE_mu <= max + mu * log N.
/// The gradient is the softmax weights exp((x_i - LSE) / mu), which sum to 1 (weights below
/// eps^2 are flushed to 0, see detail::negligible_exponent).
template <expr::array_expression X>
class log_sum_exp_node : public expr::node<log_sum_exp_node<X>> {
    using input_type = expr::value_t<X>;

public:
    using scalar_type = typename input_type::Scalar;
    using value_type = scalar_type;

    log_sum_exp_node(X x, expr::param<scalar_type> smoothness) : x_(std::move(x)), mu_(smoothness) {
        w_.resize(x_.value().rows(), x_.value().cols());
        grad_.resize(x_.value().rows(), x_.value().cols());
    }
    const value_type& forward() {
        const scalar_type mu = mu_.get();
        detail::require(mu > 0 && std::isfinite(mu), "log_sum_exp: smoothness must be finite and > 0, got ", mu);
        const input_type& x = x_.forward();
        const scalar_type mx = x.maxCoeff();
        w_ = (x - mx) / mu;
        detail::exp_flushed_in_place(w_);
        const scalar_type s = w_.sum();  // in [1, N]
        w_ /= s;
        out_ = mx + mu * std::log(s);
        return out_;
    }
    const value_type& value() const noexcept { return out_; }
    void backward(const value_type& seed) {
        grad_ = seed * w_;
        x_.backward(grad_);
    }
    /// The softmax weights of the last forward pass (each block's share of the gradient).
    const input_type& weights() const noexcept { return w_; }

private:
    X x_;
    expr::param<scalar_type> mu_;
    scalar_type out_{};
    input_type w_, grad_;
};

template <expr::array_expression X>
auto log_sum_exp(X&& x, expr::param<expr::scalar_of_t<expr::value_t<X>>> smoothness = 1) {
    return log_sum_exp_node<std::remove_cvref_t<X>>(std::forward<X>(x), smoothness);
}

}  // namespace nais
