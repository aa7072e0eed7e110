#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/expr/node.hpp>

#include <boost/hana/at.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/tuple.hpp>

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

namespace nais::expr {

/// Leaf: a view of a user-owned variable (an Eigen array or a scalar) and, optionally, of the
/// array its gradient accumulates into. Copying the leaf copies the two pointers only.
template <class V>
class input : public node<input<V>> {
public:
    using value_type = V;
    using scalar_type = scalar_of_t<V>;

    explicit input(const V& value, V* gradient = nullptr) noexcept : value_(&value), grad_(gradient) {}
    const V& forward() noexcept { return *value_; }
    const V& value() const noexcept { return *value_; }
    void backward(const V& seed) {
        if (grad_)
            *grad_ += seed;
    }

private:
    const V* value_;
    V* grad_;
};

/// Leaf for a variable with no gradient wanted (noise, fixed inputs).
template <class V>
input<V> constant(const V& value) noexcept {
    return input<V>(value);
}

/// Leaf for a variable whose gradient accumulates into `gradient`.
template <class V>
input<V> variable(const V& value, V& gradient) noexcept {
    return input<V>(value, &gradient);
}

template <class V>
class placeholder;

/// Leaf: a use of a placeholder's value; its adjoint accumulates into the placeholder, so a
/// sub-expression assigned once may be used by several consumers (a DAG, not a tree).
template <class V>
class placeholder_ref : public node<placeholder_ref<V>> {
public:
    using value_type = V;
    using scalar_type = scalar_of_t<V>;
    explicit placeholder_ref(placeholder<V>& p) noexcept : p_(&p) {}
    const V& forward() noexcept { return p_->value; }
    const V& value() const noexcept { return p_->value; }
    void backward(const V& seed) { p_->adjoint += seed; }

private:
    placeholder<V>* p_;
};

/// Named storage for a shared intermediate value and its adjoint (FastAD's placeholder
/// variables). It is owned by the user (or by a composite loss) and outlives the expressions
/// that refer to it; expressions hold a pointer, so copying an expression never re-points.
template <class V>
class placeholder {
public:
    using value_type = V;
    placeholder() = default;
    /// Dynamic-size storage is allocated here, once.
    placeholder(Eigen::Index rows, Eigen::Index cols)
        requires(!std::is_floating_point_v<V>)
        : value(rows, cols), adjoint(rows, cols) {}

    V value{};
    V adjoint{};

    placeholder_ref<V> ref() noexcept { return placeholder_ref<V>(*this); }
};

namespace detail {
template <class V>
void set_zero(V& v) {
    if constexpr (std::is_floating_point_v<V>)
        v = V(0);
    else
        v.setZero();
}
}  // namespace detail

/// Statement node: evaluates `e` into a placeholder (forward) and sends the placeholder's
/// accumulated adjoint back into `e` (backward). Use inside program(...).
template <class V, expression E>
class assign_node {
public:
    static_assert(std::is_same_v<V, value_t<E>>,
                  "nais::expr::assign: the placeholder's value type differs from the expression's");
    assign_node(placeholder<V>& p, E e) : p_(&p), e_(std::move(e)) {}
    void forward() {
        p_->value = e_.forward();
        detail::set_zero(p_->adjoint);
    }
    void backward() { e_.backward(p_->adjoint); }

private:
    placeholder<V>* p_;
    E e_;
};

/// assign(p, e): statement `p = e` for program(...).
template <class V, expression E>
assign_node<V, std::remove_cvref_t<E>> assign(placeholder<V>& p, E&& e) {
    return {p, std::forward<E>(e)};
}

/// A sequence of assignment statements followed by a result expression. forward() runs the
/// statements in order and returns the result's value; backward(seed) runs the result's
/// backward, then each statement's in reverse order. The statements are a heterogeneous list
/// held in a boost::hana::tuple; no tape, no virtual call, no allocation.
template <expression Result, class... Stmts>
class program_node : public node<program_node<Result, Stmts...>> {
public:
    using value_type = value_t<Result>;
    using scalar_type = scalar_of_t<value_type>;

    program_node(Result r, Stmts... s) : stmts_(std::move(s)...), result_(std::move(r)) {}

    const value_type& forward() {
        boost::hana::for_each(stmts_, [](auto& s) { s.forward(); });
        return result_.forward();
    }
    const value_type& value() const { return result_.value(); }
    void backward(const value_type& seed) {
        result_.backward(seed);
        backward_statements(std::make_index_sequence<sizeof...(Stmts)>{});
    }
    Result& result() noexcept { return result_; }
    const Result& result() const noexcept { return result_; }

private:
    template <std::size_t... I>
    void backward_statements(std::index_sequence<I...>) {
        constexpr std::size_t n = sizeof...(Stmts);
        (boost::hana::at_c<n - 1 - I>(stmts_).backward(), ...);
    }

    boost::hana::tuple<Stmts...> stmts_;
    Result result_;
};

namespace detail {
template <class Tuple, std::size_t... I>
auto make_program(Tuple&& t, std::index_sequence<I...>) {
    constexpr std::size_t last = sizeof...(I);
    using result_t = std::remove_cvref_t<std::tuple_element_t<last, std::remove_cvref_t<Tuple>>>;
    static_assert(expression<result_t>, "nais::expr::program: the last argument must be an expression (the result)");
    return program_node<result_t, std::remove_cvref_t<std::tuple_element_t<I, std::remove_cvref_t<Tuple>>>...>(
        std::get<last>(std::forward<Tuple>(t)), std::get<I>(std::forward<Tuple>(t))...);
}
}  // namespace detail

/// program(assign(p1, e1), assign(p2, e2), ..., result).
template <class... Args>
auto program(Args&&... args) {
    static_assert(sizeof...(Args) >= 1, "nais::expr::program: needs at least a result expression");
    return detail::make_program(std::forward_as_tuple(std::forward<Args>(args)...),
                                std::make_index_sequence<sizeof...(Args) - 1>{});
}

}  // namespace nais::expr
