#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/detail/relaxed_arith.hpp>
#include <nais/device/tiled/template_model.hpp>

#include <Eigen/Core>

#include <cmath>
#include <vector>

// The tiled template's latency and resources relaxed into smooth functions of continuous tile
// sizes and port widths, with exact gradients (forward mode: each value carries its derivative
// with respect to the seven design variables, through the one formula of template_model.hpp).
// The relaxed max, min, ceil and floor and their bounds: nais/detail/relaxed_arith.hpp. Every
// ceil of the model is of a positive count (N/Tn, R/Tr, a tile over a stride); floor is the
// packing of quantised weights.
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

/// Temperatures of the relaxation (nais::relaxation).
using relaxation = nais::relaxation;

namespace detail {

/// A value and its gradient with respect to the design variables.
using dual = nais::detail::dual_number<design_variables>;
using nais::detail::logistic;
/// The relaxed max, min, ceil and floor (nais/detail/relaxed_arith.hpp).
using relaxed_ops = nais::detail::relaxed_ops_of<dual>;

/// Refuses temperatures and design points outside the relaxation's domain.
inline void check_relaxed(const design_vector& x, const relaxation& r) {
    using nais::detail::require;
    require(nais::detail::valid_temperatures(r),
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
