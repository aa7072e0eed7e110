#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/h2h/accelerator.hpp>
#include <nais/device/h2h/workload.hpp>
#include <nais/device/tiled/template_model.hpp>

#include <string>

// A nais device model as a platform member: HotNAS's tiled FPGA template (device/tiled/) on one
// design costs a layer's on-chip time (its cycles at the device's clock); the layer's
// whole-layer transfers to and from host memory are H2H's (host_transfers), over the member's
// link, at the template's word width. fc layers run as 1 x 1 convolutions on a 1 x K map, an
// lstm as `iter` images of a 4 hidden x (hidden + dim) fc.
namespace nais::h2h {

struct tiled_member {
    std::string name = "fpga_tiled";
    layer_kind accepts = layer_kind::conv;
    tiled::design design{64, 32, 14, 14, 3, 4, 4, 4};  ///< a ZCU102-sized design (Tm Tn Tr Tc Tk W_p I_p O_p)
    tiled::device device{};                           ///< ZCU102 at 200 MHz
    double power_w = 10;
    double memory_gb = 4;
    double weight_fraction = 0.5;
    double link_gbps = 10;
};

inline double resident_capacity(const tiled_member& m) noexcept {
    return m.memory_gb * m.weight_fraction * 8 * 1e9 / m.device.word_bits;
}
inline double bytes_per_element(const tiled_member& m) noexcept { return m.device.word_bits / 8.0; }

inline void validate(const tiled_member& m) {
    nais::detail::require(!m.name.empty(), "h2h: every accelerator needs a name");
    tiled::validate(m.device);
    tiled::validate(m.design, m.device);
    for (auto [v, what] : {std::pair{m.power_w, "power_w"}, {m.link_gbps, "link_gbps"}})
        nais::detail::require(std::isfinite(v) && v > 0 && v <= 1e12, "h2h: accelerator '", m.name, "': ", what, " = ", v,
                              " must be finite, > 0 and <= 1e12");
    nais::detail::require(std::isfinite(m.memory_gb) && m.memory_gb >= 0 && m.memory_gb <= 1e6 && std::isfinite(m.weight_fraction) &&
                              m.weight_fraction >= 0 && m.weight_fraction <= 1,
                          "h2h: accelerator '", m.name, "': memory_gb must be in [0, 1e6] and weight_fraction in [0, 1]");
}

/// The layer as the template's workload (R x C output, H x W input from the stride and kernel).
inline tiled::workload tiled_workload_of(const layer& l) {
    tiled::workload t;
    t.name = l.name;
    const loop_nest n = loops_of(l);
    t.M = n.M, t.N = n.N, t.R = n.R, t.C = n.C;
    t.K_h = t.K_w = int(n.K);
    t.S_h = t.S_w = int(l.kind == layer_kind::conv ? l.S : 1);
    t.P_h = t.P_w = int(l.kind == layer_kind::conv ? l.P : 0);
    t.H = (t.R - 1) * t.S_h + t.K_h - 2 * t.P_h;
    t.W = (t.C - 1) * t.S_w + t.K_w - 2 * t.P_w;
    t.H = std::max<std::int64_t>(t.H, 1), t.W = std::max<std::int64_t>(t.W, 1);
    t.B = int(n.repeat);
    return t;
}

/// The template's cycles at its clock (seconds) plus H2H's host transfers.
inline layer_cost cost_of(const layer& l, const tiled_member& m) {
    const tiled::workload t = tiled_workload_of(l);
    tiled::validate(t, m.design, m.device);
    layer_cost c = host_transfers(l, m.device.word_bits, m.link_gbps);
    c.on_chip = tiled::milliseconds(tiled::layer_cycles(t, m.design, m.device, {}, tiled::mode::hardware), m.device) * 1e-3;
    return c;
}

}  // namespace nais::h2h
