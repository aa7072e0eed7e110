#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>

#include <Eigen/Core>

#include <cmath>
#include <concepts>

// First-order optimizers for the search variables, written out (no framework). Each keeps its
// state per parameter group in a `slot` shaped like the group, allocated once.
namespace nais::search {

/// Learning rate of each variable group (EDD: architecture A = theta, implementation I = phi, pf).
template <class T>
struct learning_rates {
    T arch = T(0.05);   ///< theta (op logits)
    T quant = T(0.05);  ///< phi (bit-width logits)
    T impl = T(0.05);   ///< pf (parallel factors)
};

/// SGD with (heavy-ball or Nesterov) momentum:
///   v <- mu v + g;  x <- x - lr (nesterov ? g + mu v : v)
template <class T>
struct sgd_momentum {
    T momentum = T(0.9);
    bool nesterov = false;

    template <class A>
    struct slot {
        explicit slot(const A& like) : velocity(A::Zero(like.rows(), like.cols())) {}
        A velocity;
    };

    void validate() const {
        detail::require(std::isfinite(momentum) && momentum >= 0 && momentum < 1,
                        "sgd_momentum.momentum must be in [0, 1), got ", momentum);
    }

    /// One update of x by gradient g; `step` counts from 1.
    template <class A>
    void update(A& x, const A& g, slot<A>& s, T lr, long /*step*/) const {
        s.velocity = momentum * s.velocity + g;
        if (nesterov)
            x -= lr * (g + momentum * s.velocity);
        else
            x -= lr * s.velocity;
    }
};

/// Adam (Kingma & Ba, 2015) with bias correction:
///   m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g^2;
///   x <- x - lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
template <class T>
struct adam {
    T beta1 = T(0.9);
    T beta2 = T(0.999);
    T epsilon = T(1e-8);

    template <class A>
    struct slot {
        explicit slot(const A& like) : m(A::Zero(like.rows(), like.cols())), v(A::Zero(like.rows(), like.cols())) {}
        A m, v;
    };

    void validate() const {
        detail::require(std::isfinite(beta1) && beta1 >= 0 && beta1 < 1, "adam.beta1 must be in [0, 1), got ", beta1);
        detail::require(std::isfinite(beta2) && beta2 >= 0 && beta2 < 1, "adam.beta2 must be in [0, 1), got ", beta2);
        detail::require(std::isfinite(epsilon) && epsilon > 0, "adam.epsilon must be finite and > 0, got ", epsilon);
    }

    template <class A>
    void update(A& x, const A& g, slot<A>& s, T lr, long step) const {
        s.m = beta1 * s.m + (1 - beta1) * g;
        s.v = beta2 * s.v + (1 - beta2) * g.square();
        const T c1 = 1 - std::pow(beta1, static_cast<T>(step));
        const T c2 = 1 - std::pow(beta2, static_cast<T>(step));
        x -= (lr / c1) * s.m / ((s.v / c2).sqrt() + epsilon);
    }
};

/// An optimizer: validate(), a slot<A> per group and update(x, g, slot, lr, step).
template <class O, class A = Eigen::ArrayXXd>
concept optimizer = requires(const O& o, A& x, const A& g, typename O::template slot<A>& s, long step) {
    o.validate();
    o.update(x, g, s, typename A::Scalar(1), step);
};

}  // namespace nais::search
