#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/expr/node.hpp>

#include <utility>

namespace nais {

/// Sum over all entries: end-to-end latency over blocks (Eq. 6, before alpha) and total
/// resource without sharing (Eq. 8). Scalar output.
template <expr::array_expression X>
class sum_node : public expr::node<sum_node<X>> {
    using input_type = expr::value_t<X>;

public:
    using scalar_type = typename input_type::Scalar;
    using value_type = scalar_type;

    explicit sum_node(X x) : x_(std::move(x)) { grad_.resize(x_.value().rows(), x_.value().cols()); }
    const value_type& forward() {
        out_ = x_.forward().sum();
        return out_;
    }
    const value_type& value() const noexcept { return out_; }
    void backward(const value_type& seed) {
        grad_.setConstant(seed);
        x_.backward(grad_);
    }

private:
    X x_;
    scalar_type out_{};
    input_type grad_;
};

template <expr::array_expression X>
auto sum(X&& x) {
    return sum_node<std::remove_cvref_t<X>>(std::forward<X>(x));
}

}  // namespace nais
