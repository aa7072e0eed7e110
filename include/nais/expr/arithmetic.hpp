#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/expr/node.hpp>

#include <type_traits>
#include <utility>

// Scalar arithmetic on objectives, so that a user can scale an objective (alpha in Eq. 6-7),
// multiply two objectives (Sec. 3.2.4: "the production of different objectives") or add terms
// (Eq. 1). Operators are found by ADL on nais::expr nodes and constrained to scalar nodes.
namespace nais::expr {

/// c * x with a scalar parameter c (a value or std::cref of a user's variable).
template <scalar_expression X>
class scale_node : public node<scale_node<X>> {
public:
    using value_type = value_t<X>;
    using scalar_type = value_type;
    scale_node(param<value_type> c, X x) : c_(c), x_(std::move(x)) {}
    const value_type& forward() {
        out_ = c_.get() * x_.forward();
        return out_;
    }
    const value_type& value() const noexcept { return out_; }
    void backward(const value_type& seed) { x_.backward(c_.get() * seed); }

private:
    param<value_type> c_;
    X x_;
    value_type out_{};
};

/// a * b of two scalar expressions.
template <scalar_expression A, scalar_expression B>
class product_node : public node<product_node<A, B>> {
public:
    using value_type = value_t<A>;
    using scalar_type = value_type;
    static_assert(std::is_same_v<value_type, value_t<B>>, "nais: cannot multiply objectives of different scalar types");
    product_node(A a, B b) : a_(std::move(a)), b_(std::move(b)) {}
    const value_type& forward() {
        out_ = a_.forward() * b_.forward();
        return out_;
    }
    const value_type& value() const noexcept { return out_; }
    const A& left() const noexcept { return a_; }
    const B& right() const noexcept { return b_; }
    void backward(const value_type& seed) {
        const value_type a = a_.value(), b = b_.value();
        a_.backward(seed * b);
        b_.backward(seed * a);
    }

private:
    A a_;
    B b_;
    value_type out_{};
};

/// a + b of two scalar expressions.
template <scalar_expression A, scalar_expression B>
class sum2_node : public node<sum2_node<A, B>> {
public:
    using value_type = value_t<A>;
    using scalar_type = value_type;
    static_assert(std::is_same_v<value_type, value_t<B>>, "nais: cannot add objectives of different scalar types");
    sum2_node(A a, B b) : a_(std::move(a)), b_(std::move(b)) {}
    const value_type& forward() {
        out_ = a_.forward() + b_.forward();
        return out_;
    }
    const value_type& value() const noexcept { return out_; }
    const A& left() const noexcept { return a_; }
    const B& right() const noexcept { return b_; }
    void backward(const value_type& seed) {
        a_.backward(seed);
        b_.backward(seed);
    }

private:
    A a_;
    B b_;
    value_type out_{};
};

template <scalar_expression A, scalar_expression B>
auto operator*(A&& a, B&& b) {
    return product_node<std::remove_cvref_t<A>, std::remove_cvref_t<B>>(std::forward<A>(a), std::forward<B>(b));
}
template <scalar_expression A, scalar_expression B>
auto operator+(A&& a, B&& b) {
    return sum2_node<std::remove_cvref_t<A>, std::remove_cvref_t<B>>(std::forward<A>(a), std::forward<B>(b));
}
template <scalar_expression X>
auto operator*(param<value_t<X>> c, X&& x) {
    return scale_node<std::remove_cvref_t<X>>(c, std::forward<X>(x));
}
template <scalar_expression X>
auto operator*(value_t<X> c, X&& x) {
    return scale_node<std::remove_cvref_t<X>>(c, std::forward<X>(x));
}
template <scalar_expression X>
auto scale(param<value_t<X>> c, X&& x) {
    return scale_node<std::remove_cvref_t<X>>(c, std::forward<X>(x));
}

}  // namespace nais::expr
