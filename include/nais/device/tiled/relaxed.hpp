#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/tiled/template_model.hpp>

#include <Eigen/Core>

#include <cmath>
#include <vector>

// The tiled template's latency and resources relaxed into smooth functions of continuous tile
// sizes and port widths, with exact gradients (forward mode: each value carries its derivative
// with respect to the seven design variables, through the one formula of template_model.hpp).
//  - max and min of positive terms: the p-norm, p = 1/tau_max (max: (sum x_i^p)^(1/p), never
//    below the max and at most n^tau_max times it; min: (sum x_i^-p)^(-1/p));
//  - ceil of a positive count (every ceil of the model is one: N/Tn, R/Tr, a tile over a
//    stride): a staircase of logistic steps, ceil_tau(x) = 1 + sum_{k >= 1} sigma((x - k)/tau - s)
//    with s = 1/(2 sqrt(tau)): each step sits just right of its integer, so the relaxed value is
//    exactly 1 on (0, 1], the error is at most 1 anywhere, about sigma(-s) at integers and below
//    e^-s once frac(x) >= 2 s tau; all of it vanishes as tau falls (tests/test_tiled.cpp checks
//    the bounds). Steps more than (40 + s) tau away count as exactly 0 or 1 (off by < e^-40);
//  - floor of a value >= 1 (the packing of quantised weights): the same steps just left of each
//    integer k >= 2.
namespace nais::tiled {

/// The seven continuous design variables, in this order (Tk stays discrete: it only gates
/// which layers run and adds BRAM).
enum design_variable : int { var_Tm, var_Tn, var_Tr, var_Tc, var_W_p, var_I_p, var_O_p, design_variables };

using design_vector = Eigen::Matrix<double, design_variables, 1>;

inline design_vector to_vector(const design& d) {
    design_vector v;
    v << d.Tm, d.Tn, d.Tr, d.Tc, d.W_p, d.I_p, d.O_p;
    return v;
}

/// Temperatures of the relaxation: tau_max for max and min (relative error at most
/// n^tau_max - 1: 2.2% for three terms at 0.02), tau_ceil for ceil and floor (absolute).
struct relaxation {
    double tau_max = 0.02;
    double tau_ceil = 0.02;
};

namespace detail {

/// A value and its gradient with respect to the design variables.
struct dual {
    double v = 0;
    design_vector d = design_vector::Zero();
    dual() = default;
    dual(double x) : v(x) {}  // NOLINT: constants promote implicitly
    dual(double x, const design_vector& g) : v(x), d(g) {}
};
inline dual operator+(const dual& a, const dual& b) { return {a.v + b.v, a.d + b.d}; }
inline dual operator-(const dual& a, const dual& b) { return {a.v - b.v, a.d - b.d}; }
inline dual operator*(const dual& a, const dual& b) { return {a.v * b.v, a.d * b.v + b.d * a.v}; }
inline dual operator/(const dual& a, const dual& b) { return {a.v / b.v, (a.d * b.v - b.d * a.v) / (b.v * b.v)}; }
inline dual operator+(const dual& a, double b) { return {a.v + b, a.d}; }
inline dual operator-(const dual& a, double b) { return {a.v - b, a.d}; }
inline dual operator*(const dual& a, double b) { return {a.v * b, a.d * b}; }
inline dual operator/(const dual& a, double b) { return {a.v / b, a.d / b}; }
inline dual operator*(double a, const dual& b) { return b * a; }
inline dual operator/(double a, const dual& b) { return dual(a) / b; }
inline dual operator-(const dual& a) { return {-a.v, -a.d}; }

inline double logistic(double z) noexcept { return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z)); }

/// The relaxed max, min, ceil and floor (see the file comment).
struct relaxed_ops {
    relaxation r;

    /// p-norm of two positive values: m ((a/m)^p + (b/m)^p)^(1/p), m = max (stable); d/da = (a/y)^(p-1).
    dual max(const dual& a, const dual& b) const {
        const double p = 1 / r.tau_max, m = std::max(a.v, b.v);
        const double ra = std::pow(a.v / m, p), rb = std::pow(b.v / m, p);
        const double y = m * std::pow(ra + rb, r.tau_max);
        return {y, a.d * max_slope(a.v, y) + b.d * max_slope(b.v, y)};
    }
    /// d max / d a = (a / y)^(p - 1) at y = max(a, ...): for a term that carries no design
    /// gradient (a scalar of the EDD graph, chained by its own node).
    double max_slope(double a, double y) const { return std::pow(a / y, 1 / r.tau_max - 1); }
    /// (a^-p + b^-p)^(-1/p), stable around m = min; d/da = (y/a)^(p+1).
    dual min(const dual& a, const dual& b) const {
        const double p = 1 / r.tau_max, m = std::min(a.v, b.v);
        const double ra = std::pow(m / a.v, p), rb = std::pow(m / b.v, p);
        const double y = m * std::pow(ra + rb, -r.tau_max);
        return {y, a.d * std::pow(y / a.v, p + 1) + b.d * std::pow(y / b.v, p + 1)};
    }
    /// ceil(x) = 1 + #{k >= 1 : x > k} for x > 0: steps just right of each integer k >= 1.
    dual ceil(const dual& x) const { return staircase(x, -1); }
    /// floor(y) = 1 + #{k >= 2 : y >= k} for y >= 1: steps just left of each integer k >= 2.
    dual floor(const dual& x) const { return staircase(x, +1); }

private:
    /// ceil (side -1): lo + sum_{k >= lo} sigma((x - k)/tau - s); floor (side +1): lo +
    /// sum_{k > lo} sigma((y - k)/tau + s); lo = max(1, floor(x) - window): the steps below lo
    /// count 1 and those past floor(x) + window count 0, to within e^-40.
    dual staircase(const dual& x, int side) const {
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

/// Refuses temperatures and design points outside the relaxation's domain.
inline void check_relaxed(const design_vector& x, const relaxation& r) {
    using nais::detail::require;
    require(std::isfinite(r.tau_max) && r.tau_max >= 1e-4 && r.tau_max <= 1 && std::isfinite(r.tau_ceil) &&
                r.tau_ceil >= 1e-4 && r.tau_ceil <= 1,
            "fpga-tiled: relaxation temperatures must be in [1e-4, 1], got tau_max ", r.tau_max, ", tau_ceil ", r.tau_ceil);
    for (int i = 0; i < design_variables; ++i)
        require(std::isfinite(x(i)) && x(i) >= 1 && x(i) <= max_design_value, "fpga-tiled: relaxed design variable ", i,
                " must be in [1, ", max_design_value, "], got ", x(i));
}

/// The design variables as duals seeded with the unit vectors (d x_i / d x = e_i).
inline design_values<dual> seeded(const design_vector& x) {
    const auto seed = [&](int i) { return dual(x(i), design_vector::Unit(i)); };
    return {seed(var_Tm), seed(var_Tn), seed(var_Tr), seed(var_Tc), seed(var_W_p), seed(var_I_p), seed(var_O_p)};
}

/// Relaxed cycles of `layers` at seeded design values (no validation: the callers check).
inline dual relaxed_network_cycles(const std::vector<workload>& layers, const design_values<dual>& v, const device& dev,
                                   const precision& p, mode m, const relaxed_ops& ops) {
    dual total;
    for (const workload& l : layers)
        total = total + timing(l, v, dev, p, m, ops).cycles;
    return total;
}

/// The binding resource's utilisation, relaxed: the p-norm max of DSP, port-bit and (if checked)
/// BRAM use over their limits (resource_terms with relaxed ceil).
inline dual relaxed_utilisation(const design_values<dual>& v, int Tk, const device& dev, const relaxed_ops& ops) {
    const resource_values<dual> r = resource_terms(v, Tk, dev, ops);
    dual u = ops.max(r.dsp / double(dev.dsp), r.port_bits / double(dev.port_bits));
    if (dev.check_bram)
        u = ops.max(u, r.bram / double(dev.bram));
    return u;
}

}  // namespace detail

/// Relaxed cycles of a network and their gradient with respect to the design vector.
struct relaxed_latency {
    double cycles = 0;
    design_vector gradient = design_vector::Zero();
};

/// The relaxed latency of `layers` at the continuous design `x` (every entry >= 1), with the
/// kernel limit Tk of the discrete design. As tau falls it tends to evaluate()'s cycles at
/// integer x (tests/test_tiled.cpp).
inline relaxed_latency relaxed_cycles(const std::vector<workload>& layers, const design_vector& x, int Tk,
                                      const device& dev = {}, const precision& p = {}, mode m = mode::hardware,
                                      const relaxation& r = {}) {
    validate(dev);
    validate(p, dev);
    detail::check_relaxed(x, r);
    design probe;
    probe.Tk = Tk;
    for (const workload& l : layers)
        validate(l, probe, dev);
    const detail::dual c = detail::relaxed_network_cycles(layers, detail::seeded(x), dev, p, m, detail::relaxed_ops{r});
    return {c.v, c.d};
}

/// The relaxed utilisation of the binding resource and its gradient.
struct relaxed_resource_use {
    double utilisation = 0;  ///< about max(DSP / dsp, ports / port_bits, BRAM / bram): 1 = at the limit
    design_vector gradient = design_vector::Zero();
};

/// max(DSP/limit, port bits/limit, BRAM/limit if checked) at the continuous design `x`, with
/// max and ceil relaxed as in relaxed_cycles; resources_of's formulas, so it tends to the exact
/// utilisation at integer x as tau falls.
inline relaxed_resource_use relaxed_utilisation(const design_vector& x, int Tk, const device& dev = {},
                                                const relaxation& r = {}) {
    validate(dev);
    detail::check_relaxed(x, r);
    nais::detail::require(Tk >= 1 && Tk <= max_design_value, "fpga-tiled: Tk must be in [1, ", max_design_value, "], got ", Tk);
    const detail::dual u = detail::relaxed_utilisation(detail::seeded(x), Tk, dev, detail::relaxed_ops{r});
    return {u.v, u.d};
}

}  // namespace nais::tiled
