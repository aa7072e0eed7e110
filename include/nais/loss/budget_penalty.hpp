#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/detail/math.hpp>
#include <nais/expr/node.hpp>

#include <cmath>
#include <utility>

namespace nais {

/// The resource term of EDD Eq. 1, beta * C^(RES - RES_ub), kept finite far past the budget.
/// With z = (RES - RES_ub) * ln C and z_max = log(max<T>) / 4 (177 in double, 22 in float):
///   z <= z_max:  beta * e^z                          (exactly Eq. 1)
///   z >  z_max:  beta * e^z_max * (1 + (z - z_max))  (its tangent line at z_max)
/// The continuation is C^1 (value and slope match at z_max) and keeps a positive, finite slope,
/// so a design 1e6 DSPs past the budget still gets a finite loss and a finite gradient that
/// points back toward the budget. Requires C > 1 and beta >= 0.
template <expr::scalar_expression Res>
class budget_penalty_node : public expr::node<budget_penalty_node<Res>> {
public:
    using value_type = expr::value_t<Res>;
    using scalar_type = value_type;

    budget_penalty_node(Res res, expr::param<value_type> beta, expr::param<value_type> base, expr::param<value_type> res_ub)
        : r_(std::move(res)), beta_(beta), c_(base), ub_(res_ub) {}

    const value_type& forward() {
        const value_type beta = beta_.get(), c = c_.get(), ub = ub_.get();
        detail::require(std::isfinite(beta) && beta >= 0, "budget penalty: beta must be finite and >= 0, got ", beta);
        detail::require(std::isfinite(c) && c > 1, "budget penalty: base C must be finite and > 1, got ", c);
        detail::require(std::isfinite(ub), "budget penalty: RES_ub must be finite, got ", ub);
        const value_type log_c = std::log(c);
        const value_type z = (r_.forward() - ub) * log_c;
        const value_type z_max = detail::penalty_exponent_cap<value_type>();
        if (z <= z_max) {
            out_ = beta * std::exp(z);
            slope_ = out_ * log_c;
        } else {
            const value_type at_cap = beta * std::exp(z_max);
            out_ = at_cap * (value_type(1) + (z - z_max));
            slope_ = at_cap * log_c;
        }
        return out_;
    }
    const value_type& value() const noexcept { return out_; }
    void backward(const value_type& seed) { r_.backward(seed * slope_); }

private:
    Res r_;
    expr::param<value_type> beta_, c_, ub_;
    value_type out_{}, slope_{};
};

template <expr::scalar_expression Res>
auto budget_penalty(Res&& res, expr::param<expr::value_t<Res>> beta, expr::param<expr::value_t<Res>> base,
                    expr::param<expr::value_t<Res>> res_ub) {
    return budget_penalty_node<std::remove_cvref_t<Res>>(std::forward<Res>(res), beta, base, res_ub);
}

}  // namespace nais
