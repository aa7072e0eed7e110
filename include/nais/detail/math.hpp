#pragma once
#include <nais/detail/prologue.hpp>

#include <Eigen/Core>

#include <cmath>
#include <limits>

namespace nais::detail {

/// Clocks nais accepts, in MHz (1 kHz to 1 THz): cycles / clock stays finite for every count
/// below 2^62 (a denormal clock would turn a latency into infinity).
inline constexpr double min_clock_mhz = 1e-3, max_clock_mhz = 1e6;
/// Per-unit rates and energies nais accepts (device constants): at most 1e12, so products with
/// counts below 2^62 stay finite.
inline constexpr double max_device_constant = 1e12;

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

/// Exponent below which softmax / log-sum-exp weights are flushed to exactly 0: 2 log(eps)
/// (e^-72 ~ 5e-32 in double, e^-32 ~ 1.3e-14 in float). Such a weight cannot change a sum that
/// is >= 1, and keeping it would seed subnormal numbers (Eigen's vectorised exp returns the
/// smallest normal, not 0, for very negative arguments) that make every downstream multiply
/// ~100x slower. The effect on values and gradients is below eps^2 relative.
template <class T>
inline T negligible_exponent() noexcept {
    return T(2) * std::log(std::numeric_limits<T>::epsilon());
}

/// z = exp(z) in place for z <= 0, with weights below e^negligible_exponent flushed to 0.
/// Two passes on purpose: Eigen evaluates select() coefficient by coefficient, which made the
/// exponential scalar (a libm call per weight, a quarter of a pipelined evaluation); here the
/// exponential runs on Eigen's packets and the flush is a compare the compiler vectorises.
/// exp is monotone and Eigen's packet exp returns at most the smallest normal below the cut, so
/// flushing on the result equals flushing on the exponent.
template <class A>
void exp_flushed_in_place(A& z) {
    using T = typename A::Scalar;
    z = z.exp();
    const T tiny = std::exp(negligible_exponent<T>());
    T* p = z.data();
    for (Eigen::Index k = 0, n = z.size(); k < n; ++k)
        p[k] = p[k] < tiny ? T(0) : p[k];
}

}  // namespace nais::detail
