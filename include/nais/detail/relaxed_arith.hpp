#pragma once
#include <nais/detail/prologue.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <cmath>

// Arithmetic shared by the device models whose latency is written once for an exact evaluation
// and for its relaxation (tiled/, bundle/): exact max, min, ceil and floor; dual numbers that carry
// a value's gradient with respect to a model's N design variables (forward mode); and the relaxed
// max, min, ceil and floor with their temperatures.
//  - max and min of positive terms: the p-norm, p = 1/tau_max (max: (sum x_i^p)^(1/p), never
//    below the max and at most n^tau_max times it; min: (sum x_i^-p)^(-1/p));
//  - ceil of a positive count: a staircase of logistic steps, ceil_tau(x) = 1 + sum_{k >= 1}
//    sigma((x - k)/tau - s) with s = 1/(2 sqrt(tau)): each step sits just right of its integer, so
//    the relaxed value on (0, 1] is 1 up to sigma(-s) (reached at x = 1: 0.028 at tau 0.02), the
//    error is at most 1 anywhere, about sigma(-s) at integers and below e^-s once frac(x) >= 2 s tau; all of it vanishes as tau falls
//    (tests/test_tiled.cpp checks the bounds). Steps more than (40 + s) tau away count as exactly
//    0 or 1 (off by < e^-40);
//  - floor of a value >= 1: the same steps just left of each integer k >= 2.
namespace nais {

/// Temperatures of a relaxation: tau_max for max and min (relative error at most
/// n^tau_max - 1: 2.2% for three terms at 0.02), tau_ceil for ceil and floor (absolute).
struct relaxation {
    double tau_max = 0.02;
    double tau_ceil = 0.02;
};

namespace detail {

/// Exact arithmetic: max, min, ceil and floor as they are.
struct exact_ops {
    static double max(double a, double b) noexcept { return std::max(a, b); }
    static double min(double a, double b) noexcept { return std::min(a, b); }
    static double ceil(double x) noexcept { return std::ceil(x); }
    static double floor(double x) noexcept { return std::floor(x); }
};

/// A value and its gradient with respect to N design variables.
template <int N>
struct dual_number {
    using gradient_type = Eigen::Matrix<double, N, 1>;
    double v = 0;
    gradient_type d = gradient_type::Zero();
    dual_number() = default;
    dual_number(double x) : v(x) {}  // NOLINT: constants promote implicitly
    dual_number(double x, const gradient_type& g) : v(x), d(g) {}
    /// Variable i of N at value x (d x / d x_i = 1).
    static dual_number seed(double x, int i) { return {x, gradient_type::Unit(i)}; }

    friend dual_number operator+(const dual_number& a, const dual_number& b) { return {a.v + b.v, a.d + b.d}; }
    friend dual_number operator-(const dual_number& a, const dual_number& b) { return {a.v - b.v, a.d - b.d}; }
    friend dual_number operator*(const dual_number& a, const dual_number& b) { return {a.v * b.v, a.d * b.v + b.d * a.v}; }
    friend dual_number operator/(const dual_number& a, const dual_number& b) {
        return {a.v / b.v, (a.d * b.v - b.d * a.v) / (b.v * b.v)};
    }
    friend dual_number operator+(const dual_number& a, double b) { return {a.v + b, a.d}; }
    friend dual_number operator-(const dual_number& a, double b) { return {a.v - b, a.d}; }
    friend dual_number operator*(const dual_number& a, double b) { return {a.v * b, a.d * b}; }
    friend dual_number operator/(const dual_number& a, double b) { return {a.v / b, a.d / b}; }
    friend dual_number operator*(double a, const dual_number& b) { return b * a; }
    friend dual_number operator/(double a, const dual_number& b) { return dual_number(a) / b; }
    friend dual_number operator-(const dual_number& a) { return {-a.v, -a.d}; }
};

inline double logistic(double z) noexcept { return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z)); }

/// The relaxed max, min, ceil and floor over dual numbers D (see the file comment).
template <class D>
struct relaxed_ops_of {
    relaxation r;

    /// p-norm of two positive values: m ((a/m)^p + (b/m)^p)^(1/p), m = max (stable); d/da = (a/y)^(p-1).
    D max(const D& a, const D& b) const {
        const double p = 1 / r.tau_max, m = std::max(a.v, b.v);
        const double ra = std::pow(a.v / m, p), rb = std::pow(b.v / m, p);
        const double y = m * std::pow(ra + rb, r.tau_max);
        return {y, a.d * max_slope(a.v, y) + b.d * max_slope(b.v, y)};
    }
    /// d max / d a = (a / y)^(p - 1) at y = max(a, ...): for a term that carries no design
    /// gradient (a scalar of the EDD graph, chained by its own node).
    double max_slope(double a, double y) const { return std::pow(a / y, 1 / r.tau_max - 1); }
    /// (a^-p + b^-p)^(-1/p), stable around m = min; d/da = (y/a)^(p+1).
    D min(const D& a, const D& b) const {
        const double p = 1 / r.tau_max, m = std::min(a.v, b.v);
        const double ra = std::pow(m / a.v, p), rb = std::pow(m / b.v, p);
        const double y = m * std::pow(ra + rb, -r.tau_max);
        return {y, a.d * std::pow(y / a.v, p + 1) + b.d * std::pow(y / b.v, p + 1)};
    }
    /// ceil(x) = 1 + #{k >= 1 : x > k} for x > 0: steps just right of each integer k >= 1.
    D ceil(const D& x) const { return staircase(x, -1); }
    /// floor(y) = 1 + #{k >= 2 : y >= k} for y >= 1: steps just left of each integer k >= 2.
    D floor(const D& x) const { return staircase(x, +1); }

private:
    /// ceil (side -1): lo + sum_{k >= lo} sigma((x - k)/tau - s); floor (side +1): lo +
    /// sum_{k > lo} sigma((y - k)/tau + s); lo = max(1, floor(x) - window): the steps below lo
    /// count 1 and those past floor(x) + window count 0, to within e^-40.
    D staircase(const D& x, int side) const {
        const double tau = r.tau_ceil, s = 1 / (2 * std::sqrt(tau));
        const double window = std::ceil((40 + s) * tau) + 1;
        const double lo = std::max(1.0, std::floor(x.v) - window), hi = std::floor(x.v) + window;
        double value = lo, slope = 0;
        for (double k = side < 0 ? lo : lo + 1; k <= hi; k += 1) {
            const double sg = logistic((x.v - k) / tau + side * s);
            value += sg;
            slope += sg * (1 - sg) / tau;
        }
        return {value, x.d * slope};
    }
};

/// True when both temperatures are in [1e-4, 1] (the relaxations' domain).
inline bool valid_temperatures(const relaxation& r) noexcept {
    return std::isfinite(r.tau_max) && r.tau_max >= 1e-4 && r.tau_max <= 1 && std::isfinite(r.tau_ceil) &&
           r.tau_ceil >= 1e-4 && r.tau_ceil <= 1;
}

}  // namespace detail
}  // namespace nais
