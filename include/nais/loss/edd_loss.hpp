#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/expr/arithmetic.hpp>
#include <nais/loss/budget_penalty.hpp>

#include <utility>

namespace nais {

/// EDD Eq. 1: L = Acc_loss * Perf_loss + beta * C^(RES - RES_ub), from any three scalar
/// expressions. acc is usually an expr::input leaf over the user's accuracy loss value, so that
/// dL/dAcc_loss (= Perf_loss) lands in its gradient for the user to chain into their framework.
template <expr::scalar_expression Acc, expr::scalar_expression Perf, expr::scalar_expression Res>
auto edd_loss(Acc&& acc, Perf&& perf, Res&& res, expr::param<expr::value_t<Res>> beta,
              expr::param<expr::value_t<Res>> base, expr::param<expr::value_t<Res>> res_ub) {
    using namespace nais::expr;
    return (std::forward<Acc>(acc) * std::forward<Perf>(perf)) +
           budget_penalty(std::forward<Res>(res), beta, base, res_ub);
}

}  // namespace nais
