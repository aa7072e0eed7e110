#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/h2h/workload.hpp>

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

// An accelerator of the heterogeneous platform and what a layer costs on it. The analytical
// model is H2H's cnn_acc_1 (xyzxinyizhang/H2H, Accelerator/cnn_acc_1.py; itself Zhang et al.,
// FPGA 2015, on a VC707): a layer is tiled Tm x Tn x Tr x Tc; per tile the weights and inputs
// cross the on-chip port, the tile computes at the throughput, and outputs cross back once
// per ceil(N/Tn) input tiles; whole-layer weights, inputs and outputs move between host memory
// and the accelerator's private memory over its link. The defaults are cnn_acc_1's.
namespace nais::h2h {

struct accelerator {
    std::string name = "cnn_acc_1";
    layer_kind accepts = layer_kind::conv;  ///< H2H's accType
    double throughput_gops = 61.62;         ///< Th, Gop/s
    std::int64_t Tm = 64, Tn = 7, Tr = 13, Tc = 13;
    std::int64_t Tr_in = 13, Tc_in = 13;    ///< H2H's Tr', Tc' (input tile rows, columns)
    double port_bits = 512;                 ///< on-chip port width (H2H's Bandwidth)
    double clock_mhz = 100;                 ///< Facc
    double power_w = 18.61;
    double memory_gb = 1;                   ///< private memory S_mem
    double weight_fraction = 0.5;           ///< R_wei: the part kept for resident weights
    double link_gbps = 10;                  ///< host <-> private memory, gigabits/s (H2H's W_mem = 1.25 GB/s)
    int dtype_bits = 32;
};

/// Weight elements the accelerator can keep resident (cnn_acc_1.getExtraWeightElement).
inline double resident_capacity(const accelerator& a) noexcept {
    return a.memory_gb * a.weight_fraction * 8 * 1e9 / a.dtype_bits;
}

/// Bytes of one element (dtype_bits / 8).
inline double bytes_per_element(const accelerator& a) noexcept { return a.dtype_bits / 8.0; }

/// Refuses a description the model cannot use, naming the field.
inline void validate(const accelerator& a) {
    using nais::detail::require;
    const auto positive = [&](double v, const char* what) {
        require(std::isfinite(v) && v > 0 && v <= 1e12, "h2h: accelerator '", a.name, "': ", what, " = ", v,
                " must be finite, > 0 and <= 1e12");
    };
    require(!a.name.empty(), "h2h: every accelerator needs a name");
    positive(a.throughput_gops, "throughput_gops");
    for (auto [v, what] : {std::pair{a.Tm, "Tm"}, {a.Tn, "Tn"}, {a.Tr, "Tr"}, {a.Tc, "Tc"}, {a.Tr_in, "Tr_in"}, {a.Tc_in, "Tc_in"}})
        require(v >= 1 && v <= (std::int64_t(1) << 20), "h2h: accelerator '", a.name, "': ", what, " = ", v, " must be in [1, 2^20]");
    positive(a.port_bits, "port_bits");
    positive(a.clock_mhz, "clock_mhz");
    positive(a.power_w, "power_w");
    positive(a.link_gbps, "link_gbps");
    require(std::isfinite(a.memory_gb) && a.memory_gb >= 0 && a.memory_gb <= 1e6, "h2h: accelerator '", a.name,
            "': memory_gb = ", a.memory_gb, " must be in [0, 1e6]");
    require(std::isfinite(a.weight_fraction) && a.weight_fraction >= 0 && a.weight_fraction <= 1, "h2h: accelerator '", a.name,
            "': weight_fraction = ", a.weight_fraction, " must be in [0, 1]");
    require(a.dtype_bits >= 1 && a.dtype_bits <= 64, "h2h: accelerator '", a.name, "': dtype_bits = ", a.dtype_bits,
            " must be in [1, 64]");
}

/// A layer's time on an accelerator, in seconds, split as H2H adds it: the tiled on-chip time,
/// and the three host-memory transfers that vanish when the data is already local.
struct layer_cost {
    double on_chip = 0;   ///< tiles: compute and on-chip port traffic
    double weights = 0;   ///< weights from host memory (0 when resident)
    double inputs = 0;    ///< input map from host memory (0 when the producer ran here just before)
    double outputs = 0;   ///< output map to host memory (0 when the consumer runs here next)
    /// cnn_acc_1.getLayerPerf: LatSec + tDataIn + tDataOut, in its order of additions.
    double seconds(bool weights_moved, bool inputs_moved, bool outputs_moved) const noexcept {
        const double in = (weights_moved ? weights : 0.0) + (inputs_moved ? inputs : 0.0);
        return on_chip + in + (outputs_moved ? outputs : 0.0);
    }
    double full() const noexcept { return seconds(true, true, true); }
};

/// The whole-layer transfers between host and private memory (cnn_acc_1.getDataInPerf), seconds:
/// elements x dtype bits over the link. Every platform member that stages data in a private
/// memory over a link can use it for the transfer part of its cost.
inline layer_cost host_transfers(const layer& l, int dtype_bits, double link_gbps) {
    const double link = link_gbps * 1e9;  // bits/s host <-> private memory
    layer_cost c;
    c.weights = double(weight_elements(l) * dtype_bits) / link;
    c.inputs = double(input_elements(l) * dtype_bits) / link;
    c.outputs = double(output_elements(l) * dtype_bits) / link;
    return c;
}

/// cnn_acc_1's model of one layer (getS_mem2AccPerfPerTile, getCompPerf, getDataInPerf,
/// getLayerPerf); fc and lstm use the same tiling over their loop nest (loops_of).
inline layer_cost cost_of(const layer& l, const accelerator& a) {
    const loop_nest n = loops_of(l);
    const double port = a.port_bits * a.clock_mhz * 1e6;  // bits/s on chip
    const double w_tile = double(a.Tm * a.Tn * n.K * n.K) * a.dtype_bits / port;
    const double i_tile = double(a.Tn * a.Tr_in * a.Tc_in) * a.dtype_bits / port;
    const double o_tile = double(a.Tm * a.Tr * a.Tc) * a.dtype_bits / port;
    const double compute = double(2 * a.Tr * a.Tc * a.Tm * n.K * n.K * a.Tn) / 1e9 / a.throughput_gops;
    const auto ceil_div = [](std::int64_t x, std::int64_t y) { return (x + y - 1) / y; };
    const double lat1 = (w_tile + i_tile) + compute;
    const double lat2 = double(ceil_div(n.N, a.Tn)) * lat1 + o_tile;
    const double tiles = double(ceil_div(n.R, a.Tr) * ceil_div(n.C, a.Tc) * ceil_div(n.M, a.Tm)) * lat2;
    layer_cost c = host_transfers(l, a.dtype_bits, a.link_gbps);
    c.on_chip = tiles * double(n.repeat);
    return c;
}

/// What a platform member must give the mapper: a name, the layer kind it accepts, its power,
/// its resident-weight capacity (elements) and a layer's cost. h2h::accelerator satisfies it;
/// any device model does by a small adapter with these members.
template <class A>
concept platform_member = requires(const A& a, const layer& l) {
    { a.name } -> std::convertible_to<std::string>;
    { a.accepts } -> std::convertible_to<layer_kind>;
    { a.power_w } -> std::convertible_to<double>;
    { resident_capacity(a) } -> std::convertible_to<double>;
    { bytes_per_element(a) } -> std::convertible_to<double>;
    { cost_of(l, a) } -> std::same_as<layer_cost>;
};

/// Everything the mapper needs: per (layer, accelerator) costs (empty where the kind does not
/// match), per accelerator its name, kind, power and capacity. Built once from the workload and
/// the platform; every algorithm reads only this.
struct cost_table {
    std::vector<std::string> names;
    std::vector<layer_kind> accepts;
    std::vector<double> power_w;
    std::vector<double> capacity;              ///< resident weight elements
    std::vector<double> bytes_per_element;     ///< dtype_bits / 8
    std::vector<std::vector<layer_cost>> cost;  ///< [layer][accelerator]
    std::size_t accelerators() const noexcept { return names.size(); }
    bool runs(const workload& w, std::size_t layer, std::size_t acc) const { return accepts.at(acc) == w.at(layer).kind; }
};

namespace detail {

/// Appends one member's column to the table (its costs where the layer kind matches); refuses
/// an invalid member or a duplicate name.
template <platform_member A>
void append_member(cost_table& t, const workload& w, const A& a) {
    if constexpr (requires { validate(a); })
        validate(a);
    for (const std::string& n : t.names)
        nais::detail::require(n != a.name, "h2h: accelerator name '", a.name, "' appears twice");
    t.names.push_back(a.name);
    t.accepts.push_back(a.accepts);
    t.power_w.push_back(a.power_w);
    t.capacity.push_back(resident_capacity(a));
    t.bytes_per_element.push_back(bytes_per_element(a));
    t.cost.resize(w.size());
    for (std::size_t i = 0; i < w.size(); ++i)
        t.cost[i].push_back(a.accepts == w.at(i).kind ? cost_of(w.at(i), a) : layer_cost{});
}

/// Refuses a workload with a layer kind no accelerator accepts.
inline void require_every_kind(const workload& w, const cost_table& t) {
    for (std::size_t i = 0; i < w.size(); ++i)
        nais::detail::require(std::find(t.accepts.begin(), t.accepts.end(), w.at(i).kind) != t.accepts.end(), "h2h: layer '",
                              w.at(i).name, "' is ", name_of(w.at(i).kind), " and no accelerator accepts ", name_of(w.at(i).kind));
}

}  // namespace detail

/// Refuses a platform with no accelerator, a duplicate name, or a layer kind no accelerator accepts.
template <platform_member A>
cost_table make_cost_table(const workload& w, const std::vector<A>& platform) {
    nais::detail::require(!platform.empty(), "h2h: the platform needs at least one accelerator");
    cost_table t;
    for (const A& a : platform)
        detail::append_member(t, w, a);
    detail::require_every_kind(w, t);
    return t;
}

/// A platform of members of different types (H2H accelerators and nais device models, say) as a
/// vector of std::variant: each member costs layers through its own type.
template <platform_member... A>
cost_table make_cost_table(const workload& w, const std::vector<std::variant<A...>>& platform) {
    nais::detail::require(!platform.empty(), "h2h: the platform needs at least one accelerator");
    cost_table t;
    for (const auto& member : platform)
        std::visit([&](const auto& a) { detail::append_member(t, w, a); }, member);
    detail::require_every_kind(w, t);
    return t;
}

}  // namespace nais::h2h
