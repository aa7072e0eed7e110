#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/detail/math.hpp>
#include <nais/detail/relaxed_arith.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

// HotNAS's tiled FPGA accelerator template (iDesign) and its bottleneck detector (iDetect):
// Jiang et al., CODES+ISSS 2020; the public performance model is hotNAS-CODES20,
// Performance_Model/PM_FPGA_Template.py (get_cconv_latency, get_dconv_latency, validate_design).
//
// One engine of Tm x Tn multipliers computes a Tr x Tc tile of Tm output channels from Tn input
// channels per round: load the input tile (tI), the weights (tW) and compute (tComp) overlap, so
// a round takes Lat1 = max(tI, tW, tComp); ceil(N/Tn) rounds accumulate a tile, whose store (tO)
// overlaps them: Lat2 = max(ceil(N/Tn) Lat1, tO); the layer takes
// B ceil(R/Tr) ceil(C/Tc) ceil(M/Tm) Lat2 cycles (R x C the output).
//
// Two modes. `hardware` (the default) computes what the template's hardware does on the layer's
// true shapes; `hotnas_compatible` reproduces the public code figure for figure. They differ in
// five places, each cheap to switch (docs/design.md, "HotNAS's tiled template"):
//  1. shapes: the public scripts chain one tensor through the convs and pools in module order,
//     so a ResNet downsample conv reads conv2's (already strided) output, and every later layer
//     of the stage inherits the halved size (workloads.hpp: shapes::hotnas_chained);
//  2. tO and tComp divide the output tile by the stride again (ceil(min(Tr,R)/S)), and tComp
//     counts the padding (min(Tr, R+2P)); hardware: a Tr x Tc output tile is Tr x Tc pixels;
//  3. tI loads min(Tr,R) x min(Tc,C) input pixels; hardware: the tile's receptive field,
//     min((tr-1)S+K, H) x min((tc-1)S+K, W);
//  4. tW loads Tm x Tn kernels even when the layer has fewer channels; hardware: min(Tm,M) x
//     min(Tn,N);
//  5. depth-wise convs: the public dconv template sets Tn = Tm and multiplies ceil(N/Tn) rounds
//     by ceil(M/Tm) tiles, counting the channel tiles twice; hardware: each output channel tile
//     reads only its own input channels (one round), on Tm of the multipliers.
// Both modes keep the public model's fractional transfer cycles (words / words-per-cycle, no
// ceil), its resource formulas and its bottleneck order (O, then I, W, C).
namespace nais::tiled {

/// Which latency the template reports (see the comment above).
enum class mode { hardware, hotnas_compatible };

/// A design of the template: tile sizes and port widths (words of `device::word_bits` bits per
/// cycle). Tk is the largest kernel the engine takes; W_p, I_p, O_p the weight, input and
/// output ports (PM_Config.py: "W_p=2: 2 weights are transferred simultaneously").
struct design {
    int Tm = 1, Tn = 1, Tr = 1, Tc = 1, Tk = 1, W_p = 1, I_p = 1, O_p = 1;
    friend bool operator==(const design&, const design&) = default;
};

/// A device's limits. Defaults: Xilinx ZCU102 as HotNAS uses it (search_space.py HW_constraints:
/// 2520 DSP, 1824 BRAM of 18000 bits, 512-bit ports, 16-bit words) at 200 MHz (HotNAS reports
/// cycles / 10^5 / 2 ms: "2 is 200 MHz", bottleneck_manually.py).
struct device {
    int dsp = 2520;
    int bram = 1824;
    double bram_block_bits = 18000;  ///< the public model's BRAM size (an 18 Kb block is 18432 bits)
    int port_bits = 512;             ///< all three ports together
    int word_bits = 16;              ///< one port word; 16-bit fixed point
    int dsp_per_multiplier = 1;      ///< 16-bit fixed point: 1 (the public model: 5 for 32-bit float)
    double clock_mhz = 200;
    bool check_bram = true;          ///< the public validate_design leaves its BRAM check commented out
};

/// Precision of the data the ports carry; a quantised operand packs floor(word_bits * port /
/// bits) values per cycle (get_cconv_latency: floor(W_p * 16 / bits)).
struct precision {
    int weights = 16, activations = 16;
};

/// What a layer of work looks like to the template (one conv; fc layers as 1 x 1 convs on a
/// 1 x 1 map in hardware mode). R x C is the output, H x W the input; N input and M output
/// channels of one group; `groups` copies of it run one after another; depth-wise convs are
/// groups = channels with N = M = 1 per group, kept as `depthwise` with N = M = channels.
struct workload {
    std::string name;
    int B = 1;
    std::int64_t M = 1, N = 1, R = 1, C = 1, H = 1, W = 1;
    int K_h = 1, K_w = 1, S_h = 1, S_w = 1, P_h = 0, P_w = 0;
    std::int64_t groups = 1;  ///< grouped conv (not depth-wise): M and N are per group
    bool depthwise = false;
    int kept = 0;        ///< kept weights per kernel (pattern pruning); 0: all K_h K_w
    int weight_bits = 0; ///< 0: the precision's
    int kernel() const noexcept { return std::max(K_h, K_w); }
    int kept_weights() const noexcept { return kept > 0 ? kept : K_h * K_w; }
};

/// iDetect's classes (HotNAS Property 2): O if Lat2 is tO, else I, W or C by Lat1's term.
enum class bottleneck { output, input, weight, compute };

inline const char* bottleneck_letter(bottleneck b) noexcept {
    switch (b) {
    case bottleneck::output: return "O";
    case bottleneck::input: return "I";
    case bottleneck::weight: return "W";
    default: return "C";
    }
}

/// The per-round terms of one layer, its cycles, class and each engine's busy cycles.
template <class V>
struct layer_timing {
    V t_i{}, t_w{}, t_o{}, t_comp{}, lat1{}, lat2{}, cycles{};
    V tiles{};   ///< B ceil(R/Tr) ceil(C/Tc) ceil(M/Tm) (times groups)
    V rounds{};  ///< ceil(N/Tn) per tile (1 for depth-wise in hardware mode)
};

/// A layer's evaluation on one design (exact).
struct layer_report {
    std::string name;
    const char* kind = "conv";
    layer_timing<double> t;
    bottleneck limit = bottleneck::compute;
    double busy_input = 0, busy_weight = 0, busy_output = 0, busy_compute = 0;  ///< cycles per engine
};

/// Resources of a design (validate_design, 16-bit fixed point).
struct resources {
    std::int64_t dsp = 0, bram = 0, port_bits = 0;
};

/// A network's evaluation on one design.
struct network_report {
    std::vector<layer_report> layers;
    double cycles = 0, ms = 0;
    tiled::resources used;
    bool feasible = true;     ///< within DSP, BRAM (if checked) and ports
    std::string violation;    ///< the first limit exceeded, named
};

namespace detail {

/// Exact arithmetic: the public model's max, min, ceil and floor.
using nais::detail::exact_ops;

/// The design's eight numbers in the value type of an evaluation (double, or a dual number for
/// the relaxed form's gradient).
template <class V>
struct design_values {
    V Tm, Tn, Tr, Tc, W_p, I_p, O_p;
};

inline design_values<double> values_of(const design& d) {
    return {double(d.Tm), double(d.Tn), double(d.Tr), double(d.Tc), double(d.W_p), double(d.I_p), double(d.O_p)};
}

/// Words of `bits` per cycle on a port of `port` words of `word_bits` (get_cconv_latency:
/// floor(W_p * 16 / bits); a 16-bit operand on 16-bit words: the port itself).
template <class V, class Ops>
V packed(const V& port, int word_bits, int bits, Ops& ops) {
    if (bits == word_bits)
        return port;
    return ops.floor(port * (double(word_bits) / double(bits)));
}

/// One layer's terms (PM_FPGA_Template.py get_cconv_latency / get_dconv_latency), written once
/// for the exact model (Ops = exact_ops) and its relaxation (relaxed.hpp).
template <class V, class Ops>
layer_timing<V> timing(const workload& l, const design_values<V>& d, const device& dev, const precision& p, mode m,
                       Ops& ops) {
    const double K2 = double(l.kept_weights()), KK = double(l.K_h) * l.K_w;
    const int wbits = l.weight_bits > 0 ? l.weight_bits : p.weights;
    const V wp = packed(d.W_p, dev.word_bits, wbits, ops);
    layer_timing<V> t;
    if (m == mode::hotnas_compatible) {
        // get_cconv_latency / get_dconv_latency as published (square kernels; R, C the output)
        const V Tn = l.depthwise ? d.Tm : d.Tn;  // dconv: "if self.Tm != self.Tn: self.Tn = self.Tm"
        const V tr = ops.min(d.Tr, double(l.R)), tc = ops.min(d.Tc, double(l.C));
        t.t_w = (l.depthwise ? d.Tm : d.Tm * Tn) * KK / wp;
        t.t_i = ops.min(Tn, double(l.N)) * tr * tc / d.I_p;
        t.t_o = ops.min(d.Tm, double(l.M)) * ops.ceil(tr / double(l.S_h)) * ops.ceil(tc / double(l.S_w)) / d.O_p;
        t.t_comp = K2 * ops.ceil(ops.min(d.Tr, double(l.R + 2 * l.P_h)) / double(l.S_h)) *
                   ops.ceil(ops.min(d.Tc, double(l.C + 2 * l.P_w)) / double(l.S_w));
        t.rounds = ops.ceil(double(l.N) / Tn);
    } else {
        // the hardware on true shapes: tiles of tr x tc output pixels and their receptive field
        const V tr = ops.min(d.Tr, double(l.R)), tc = ops.min(d.Tc, double(l.C));
        const V tm = ops.min(d.Tm, double(l.M));
        const V tn = l.depthwise ? V(1.0) : ops.min(d.Tn, double(l.N));
        const V rows = ops.min((tr - 1.0) * double(l.S_h) + double(l.K_h), double(l.H));
        const V cols = ops.min((tc - 1.0) * double(l.S_w) + double(l.K_w), double(l.W));
        const V ip = packed(d.I_p, dev.word_bits, p.activations, ops);
        const V op = packed(d.O_p, dev.word_bits, p.activations, ops);
        const V channels_in = l.depthwise ? tm : tn;  // a depth-wise tile reads its own Tm channels
        t.t_w = tm * tn * KK / wp;
        t.t_i = channels_in * rows * cols / ip;
        t.t_o = tm * tr * tc / op;
        t.t_comp = K2 * tr * tc;
        t.rounds = l.depthwise ? V(1.0) : ops.ceil(double(l.N) / d.Tn);
    }
    t.lat1 = ops.max(ops.max(t.t_i, t.t_w), t.t_comp);
    t.lat2 = ops.max(t.rounds * t.lat1, t.t_o);
    t.tiles = double(l.B) * double(l.groups) * ops.ceil(double(l.R) / d.Tr) * ops.ceil(double(l.C) / d.Tc) *
              ops.ceil(double(l.M) / d.Tm);
    t.cycles = t.tiles * t.lat2;
    return t;
}

/// iDetect (HotNAS Property 2; get_cconv_latency's if-chain, in its order).
inline bottleneck classify(const layer_timing<double>& t) noexcept {
    if (t.lat2 == t.t_o)
        return bottleneck::output;
    if (t.lat1 == t.t_i)
        return bottleneck::input;
    if (t.lat1 == t.t_w)
        return bottleneck::weight;
    return bottleneck::compute;
}

inline std::int64_t ceil_div(std::int64_t a, std::int64_t b) noexcept { return (a + b - 1) / b; }

}  // namespace detail

/// Largest tile, port and kernel values nais accepts (every count then stays far below 2^53).
inline constexpr int max_design_value = 1 << 20;

namespace detail {

/// A design's resources in the value type of an evaluation (exact, or relaxed in relaxed.hpp).
template <class V>
struct resource_values {
    V dsp, bram, port_bits;
};

/// validate_design's resource formulas, written once (see resources_of).
template <class V, class Ops>
resource_values<V> resource_terms(const design_values<V>& d, int Tk, const device& dev, Ops& ops) {
    const double w = dev.word_bits, S = dev.bram_block_bits;
    const double weight_banks = std::ceil(4.0 * Tk * Tk * w / S);
    const V tile = ops.ceil(d.Tr * d.Tc * w / S);
    return {d.Tm * d.Tn * double(dev.dsp_per_multiplier), (d.Tn * 2.0 + d.Tm * 2.0) * tile + d.Tm * d.Tn * weight_banks,
            (d.W_p + d.I_p + d.O_p) * double(dev.word_bits)};
}

}  // namespace detail

/// Resources of a design (validate_design, 16-bit fixed point): DSP = Tm Tn, ports =
/// word_bits (W_p + I_p + O_p), BRAM = 2 Tn ceil(Tr Tc w / S) + 2 Tm ceil(Tr Tc w / S) +
/// Tm Tn ceil(4 Tk^2 w / S) (double-buffered input and output banks, one weight bank per
/// multiplier; S the block size). The input banks hold Tr x Tc words, not the tile's receptive
/// field, as in the public model. Exact in double: every term stays below 2^53.
inline resources resources_of(const design& d, const device& dev) {
    detail::exact_ops ops;
    const auto r = detail::resource_terms(detail::values_of(d), d.Tk, dev, ops);
    return {static_cast<std::int64_t>(r.dsp), static_cast<std::int64_t>(r.bram), static_cast<std::int64_t>(r.port_bits)};
}

/// The first limit a design's resources exceed, named; empty if it fits.
inline std::string violation_of(const resources& r, const device& dev) {
    if (r.dsp > dev.dsp)
        return "dsp: " + std::to_string(r.dsp) + " > " + std::to_string(dev.dsp);
    if (r.port_bits > dev.port_bits)
        return "ports: " + std::to_string(r.port_bits) + " bits > " + std::to_string(dev.port_bits);
    if (dev.check_bram && r.bram > dev.bram)
        return "bram: " + std::to_string(r.bram) + " > " + std::to_string(dev.bram);
    return {};
}

/// Refuses a device nais cannot model, naming the field.
inline void validate(const device& dev) {
    using nais::detail::require;
    require(dev.dsp >= 1 && dev.bram >= 1 && dev.port_bits >= 1, "fpga-tiled: device dsp, bram and port_bits must be >= 1");
    require(dev.word_bits >= 1 && dev.word_bits <= 64, "fpga-tiled: device word_bits must be in [1, 64], got ", dev.word_bits);
    require(dev.dsp_per_multiplier >= 1 && dev.dsp_per_multiplier <= 64, "fpga-tiled: device dsp_per_multiplier must be in [1, 64]");
    require(std::isfinite(dev.bram_block_bits) && dev.bram_block_bits >= 1 && dev.bram_block_bits <= 1e9,
            "fpga-tiled: device bram_block_bits must be in [1, 1e9]");
    require(std::isfinite(dev.clock_mhz) && dev.clock_mhz >= nais::detail::min_clock_mhz &&
                dev.clock_mhz <= nais::detail::max_clock_mhz,
            "fpga-tiled: device clock_mhz must be in [", nais::detail::min_clock_mhz, ", ", nais::detail::max_clock_mhz,
            "] MHz, got ", dev.clock_mhz);
}

/// Refuses precisions the ports cannot pack (1 .. word_bits bits).
inline void validate(const precision& p, const device& dev) {
    nais::detail::require(p.weights >= 1 && p.weights <= dev.word_bits && p.activations >= 1 &&
                              p.activations <= dev.word_bits,
                          "fpga-tiled: bits must be in [1, ", dev.word_bits, "] (one port word), got weights ", p.weights,
                          ", activations ", p.activations);
}

/// Refuses a design the template cannot build or a device cannot wire, naming the rule: every
/// value in [1, 2^20]; the ports within the device's port bits (rule "ports").
inline void validate(const design& d, const device& dev) {
    using nais::detail::require;
    for (const auto& [v, n] : {std::pair{d.Tm, "Tm"}, {d.Tn, "Tn"}, {d.Tr, "Tr"}, {d.Tc, "Tc"}, {d.Tk, "Tk"},
                               {d.W_p, "W_p"}, {d.I_p, "I_p"}, {d.O_p, "O_p"}})
        require(v >= 1 && v <= max_design_value, "fpga-tiled: design ", n, " must be in [1, ", max_design_value, "], got ", v);
    const std::int64_t bits = std::int64_t{dev.word_bits} * (std::int64_t{d.W_p} + d.I_p + d.O_p);
    require(bits <= dev.port_bits, "fpga-tiled: rule ports: ", dev.word_bits, " x (W_p + I_p + O_p) = ", bits,
            " bits exceeds the device's ", dev.port_bits, " port bits");
}

/// Refuses a layer the design cannot run (rule "kernel": K <= Tk) or a workload out of range.
inline void validate(const workload& l, const design& d, const device& dev) {
    using nais::detail::require;
    require(l.B >= 1 && l.M >= 1 && l.N >= 1 && l.R >= 1 && l.C >= 1 && l.H >= 1 && l.W >= 1 && l.groups >= 1 &&
                l.K_h >= 1 && l.K_w >= 1 && l.S_h >= 1 && l.S_w >= 1 && l.P_h >= 0 && l.P_w >= 0,
            "fpga-tiled: layer '", l.name, "': sizes must be >= 1 (padding >= 0)");
    require(l.kernel() <= d.Tk, "fpga-tiled: rule kernel: layer '", l.name, "' has a ", l.K_h, " x ", l.K_w,
            " kernel, larger than Tk = ", d.Tk, " (K <= Tk)");
    require(l.kept >= 0 && l.kept <= l.K_h * l.K_w, "fpga-tiled: layer '", l.name, "': kept weights per kernel must be in [1, ",
            l.K_h * l.K_w, "], got ", l.kept);
    require(l.weight_bits >= 0 && l.weight_bits <= dev.word_bits, "fpga-tiled: layer '", l.name, "': weight bits must be in [1, ",
            dev.word_bits, "], got ", l.weight_bits);
}

/// One layer on one design, exactly: its terms, cycles, iDetect class and each engine's busy
/// cycles (the public model's [I, O, W, C] list).
inline layer_report evaluate_layer(const workload& l, const design& d, const device& dev = {}, const precision& p = {},
                                   mode m = mode::hardware) {
    detail::exact_ops ops;
    layer_report r;
    r.name = l.name;
    r.kind = l.depthwise ? "dconv" : "conv";
    r.t = detail::timing(l, detail::values_of(d), dev, p, m, ops);
    r.limit = detail::classify(r.t);
    r.busy_input = r.t.t_i * r.t.rounds * r.t.tiles;
    r.busy_weight = r.t.t_w * r.t.rounds * r.t.tiles;
    r.busy_output = r.t.t_o * r.t.tiles;
    r.busy_compute = r.t.t_comp * r.t.rounds * r.t.tiles;
    return r;
}

/// Cycles of one layer (the search's inner loop: no report).
inline double layer_cycles(const workload& l, const design& d, const device& dev, const precision& p, mode m) {
    detail::exact_ops ops;
    return detail::timing(l, detail::values_of(d), dev, p, m, ops).cycles;
}

/// Milliseconds of `cycles` at the device's clock.
inline double milliseconds(double cycles, const device& dev) noexcept { return cycles / (dev.clock_mhz * 1e3); }

/// A network of workloads on one design: every layer, total cycles and ms, resources and
/// feasibility. Refuses (naming the rule) a layer whose kernel exceeds Tk or ports past the
/// device's; DSP and BRAM beyond the device make the design infeasible, not an error.
inline network_report evaluate(const std::vector<workload>& layers, const design& d, const device& dev = {},
                               const precision& p = {}, mode m = mode::hardware) {
    validate(dev);
    validate(p, dev);
    validate(d, dev);
    network_report r;
    for (const workload& l : layers) {
        validate(l, d, dev);
        r.layers.push_back(evaluate_layer(l, d, dev, p, m));
        r.cycles += r.layers.back().t.cycles;
    }
    r.ms = milliseconds(r.cycles, dev);
    r.used = resources_of(d, dev);
    r.violation = violation_of(r.used, dev);
    r.feasible = r.violation.empty();
    return r;
}

}  // namespace nais::tiled
