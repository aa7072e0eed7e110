#pragma once
#include <nais/detail/prologue.hpp>

#include <Eigen/Core>

#include <concepts>
#include <functional>
#include <type_traits>
#include <utility>

namespace nais::expr {

/// CRTP base of every expression node (no virtual functions). A node
///   - holds its children by value and its leaves as views (pointers to user-owned arrays),
///   - caches its forward value in storage sized once at construction,
///   - `forward()` computes and returns a reference to that value,
///   - `value()` returns the value cached by the last forward() without recomputing it,
///   - `backward(seed)` takes dLoss/dValue and accumulates the gradients of its leaves,
///     using the values cached by the last forward(). Gradients accumulate: zero them first.
template <class Derived>
struct node {
    constexpr Derived& derived() noexcept { return static_cast<Derived&>(*this); }
    constexpr const Derived& derived() const noexcept { return static_cast<const Derived&>(*this); }
};

namespace detail {
template <class T>
struct scalar_of {
    using type = typename T::Scalar;
};
template <class T>
    requires std::is_floating_point_v<T>
struct scalar_of<T> {
    using type = T;
};
}  // namespace detail

/// The value type's scalar: the type itself for scalar nodes, Scalar for Eigen arrays.
template <class V>
using scalar_of_t = typename detail::scalar_of<V>::type;

/// An expression node: derives from node<E>, names its value_type, and has forward()/backward().
template <class E>
concept expression = std::derived_from<std::remove_cvref_t<E>, node<std::remove_cvref_t<E>>> &&
                     requires(std::remove_cvref_t<E>& e, const typename std::remove_cvref_t<E>::value_type& seed) {
                         typename std::remove_cvref_t<E>::value_type;
                         { e.forward() } -> std::same_as<const typename std::remove_cvref_t<E>::value_type&>;
                         { std::as_const(e).value() } -> std::same_as<const typename std::remove_cvref_t<E>::value_type&>;
                         e.backward(seed);
                     };

/// An expression whose value is one number (an objective, a resource total, a loss).
template <class E>
concept scalar_expression =
    expression<E> && std::is_floating_point_v<typename std::remove_cvref_t<E>::value_type>;

/// An expression whose value is an Eigen array.
template <class E>
concept array_expression = expression<E> && !scalar_expression<E>;

template <class E>
using value_t = typename std::remove_cvref_t<E>::value_type;

/// A scalar parameter of a node (tau, alpha, beta, C, RES_ub): either a value held by the node
/// or, via std::cref(x), a view of a user's variable that may change between evaluations.
template <class T>
class param {
public:
    param(T value) : value_(value) {}  // NOLINT(implicit): nodes take plain numbers too
    param(std::reference_wrapper<const T> ref) : ptr_(&ref.get()) {}
    param(std::reference_wrapper<T> ref) : ptr_(&ref.get()) {}
    T get() const noexcept { return ptr_ ? *ptr_ : value_; }

private:
    T value_{};
    const T* ptr_ = nullptr;
};

/// Same flag semantics for booleans (e.g. hard sampling).
using flag = param<bool>;

}  // namespace nais::expr
