#pragma once
#include <nais/detail/prologue.hpp>

#include <cmath>
#include <limits>

namespace nais::detail {

template <class T>
inline constexpr T ln2 = T(0.693147180559945309417232121458176568L);

/// Exponent cap z_max of the budget penalty beta * e^z, z = (RES - RES_ub) ln C (EDD Eq. 1).
/// Past z_max the penalty continues along its tangent, so value and gradient stay finite
/// (see loss/budget_penalty.hpp). A quarter of log(max) leaves room for beta and for the
/// linear continuation: e^177 ~ 1e77 in double, e^22 ~ 3.6e9 in float.
template <class T>
inline T penalty_exponent_cap() noexcept {
    return std::log(std::numeric_limits<T>::max()) / T(4);
}

/// Largest |pf| accepted: 2^pf and 2^-pf stay far from overflow (log2(max)/4: 256 in
/// double, 32 in float), so Eq. 12-13 and everything downstream stay finite.
template <class T>
inline T parallel_factor_limit() noexcept {
    return T(std::numeric_limits<T>::max_exponent / 4);
}

}  // namespace nais::detail
