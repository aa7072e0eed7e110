#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/expr/leaf.hpp>

#include <cmath>

namespace nais::detail {

/// A block of search logits as a composed loss owns it: the values, their Gumbel noise (zero
/// unless set) and their gradient, sized once.
template <class A>
struct logits {
    logits(Eigen::Index rows, Eigen::Index cols)
        : value(A::Zero(rows, cols)), noise(A::Zero(rows, cols)), grad(A::Zero(rows, cols)) {}

    /// Names the first NaN/inf entry as `name(r,c)` or `name_noise(r,c)`.
    void validate(const char* name) const {
        require_finite(value, name);
        require_finite(noise, name, "_noise");  // the name is composed only on failure: no allocation
    }
    expr::input<A> leaf() noexcept { return expr::variable(value, grad); }

    A value, noise, grad;
};

/// Checks of the scalar settings every sampled loss shares.
template <class T>
void validate_sampling(T tau, T acc_loss) {
    require(std::isfinite(tau) && tau > 0, "params.tau (Gumbel-softmax temperature) must be finite and > 0, got ", tau);
    require(std::isfinite(acc_loss), "params.acc_loss must be finite, got ", acc_loss);
}

}  // namespace nais::detail
