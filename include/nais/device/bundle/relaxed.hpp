#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/detail/relaxed_arith.hpp>
#include <nais/device/bundle/ip_model.hpp>

#include <Eigen/Core>

#include <cmath>
#include <vector>

// The bundle accelerator's latency and resources relaxed into smooth functions of its four
// continuous sizes (Pc, Pi, rows, cols), with exact gradients: the one formula of ip_model.hpp
// evaluated on dual numbers, max, min and ceil relaxed as in nais/detail/relaxed_arith.hpp (the
// relaxed ceil is exact on (0, 1] and off by at most 1 elsewhere; both vanish as tau falls).
namespace nais::bundle {

/// The four continuous design variables, in this order: Pc, Pi and the useful tile, rows - 2 halo
/// and cols - 2 halo (so every value >= 1 is a valid design).
enum design_variable : int { var_channels, var_inputs, var_useful_rows, var_useful_cols, design_variables };

using design_vector = Eigen::Matrix<double, design_variables, 1>;

inline design_vector to_vector(const design& d) {
    design_vector v;
    v << d.channels, d.inputs, d.rows - 2 * d.halo, d.cols - 2 * d.halo;
    return v;
}

/// The largest value a relaxed design variable may take.
inline constexpr double max_relaxed_value = 4096;

namespace detail {

using dual = nais::detail::dual_number<design_variables>;
using relaxed_ops = nais::detail::relaxed_ops_of<dual>;

/// The design values at x, seeded: rows = useful rows + 2 halo (d rows / d x = 1).
inline design_values<dual> seeded(const design_vector& x, const design& d) {
    return {dual::seed(x(0), 0), dual::seed(x(1), 1), dual::seed(x(2), 2) + 2.0 * d.halo, dual::seed(x(3), 3) + 2.0 * d.halo};
}

/// Refuses temperatures and points outside the relaxation's domain.
inline void check_relaxed(const design_vector& x, const relaxation& r) {
    using nais::detail::require;
    require(nais::detail::valid_temperatures(r), "bundle: relaxation temperatures must be in [1e-4, 1], got tau_max ",
            r.tau_max, ", tau_ceil ", r.tau_ceil);
    for (int i = 0; i < design_variables; ++i)
        require(std::isfinite(x(i)) && x(i) >= 1 && x(i) <= max_relaxed_value, "bundle: relaxed design variable ", i,
                " must be in [1, ", max_relaxed_value, "], got ", x(i));
}

/// Relaxed cycles per image of `layers` (no validation: the callers check).
inline dual relaxed_network_cycles(const std::vector<workload>& layers, const design_values<dual>& v, const design& d,
                                   const precision& p, const device& dev, const relaxed_ops& ops) {
    dual total;
    for (const workload& w : layers)
        total = total + layer_cycles(w, v, d, p, dev, ops);
    return total;
}

/// Relaxed DSPs of IPs present with weights `presence` (1: built; in a search, the probability
/// that some block uses the IP).
inline dual relaxed_dsp(const std::vector<ip>& ips, const std::vector<double>& presence, const design_values<dual>& v,
                        const design& d) {
    dual total;
    for (std::size_t k = 0; k < ips.size(); ++k)
        total = total + presence[k] * ip_multipliers(ips[k], v, d);
    return total;
}

}  // namespace detail

/// A relaxed value and its gradient with respect to (Pc, Pi, rows, cols).
struct relaxed_value {
    double value = 0;
    design_vector gradient = design_vector::Zero();
};

/// Relaxed cycles per image of `layers` at the continuous sizes x = (Pc, Pi, useful rows, useful
/// cols) (the other fields of `d` as they are); tends to evaluate()'s cycles at integer x as tau falls (tests/test_bundle.cpp).
inline relaxed_value relaxed_cycles(const std::vector<workload>& layers, const design_vector& x, const design& d = {},
                                    const precision& p = {}, const device& dev = {}, const relaxation& r = {}) {
    validate(d);
    validate(p);
    validate(dev);
    detail::check_relaxed(x, r);
    const detail::dual c = detail::relaxed_network_cycles(layers, detail::seeded(x, d), d, p, dev, detail::relaxed_ops{r});
    return {c.v, c.d};
}

/// Relaxed DSP and BRAM18 of the IPs at x (every IP built); resources_of's formulas.
struct relaxed_resource_values {
    relaxed_value dsp, bram18;
};
inline relaxed_resource_values relaxed_resources(const std::vector<ip>& ips, const design_vector& x, const design& d = {},
                                                 const precision& p = {}, const relaxation& r = {}) {
    validate(d);
    validate(p);
    detail::check_relaxed(x, r);
    const auto v = detail::seeded(x, d);
    const detail::dual dsp = detail::relaxed_dsp(ips, std::vector<double>(ips.size(), 1.0), v, d);
    const detail::dual bram = detail::buffer_bram(ips, v, d, p, detail::relaxed_ops{r});
    return {{dsp.v, dsp.d}, {bram.v, bram.d}};
}

}  // namespace nais::bundle
