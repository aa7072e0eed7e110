#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/detail/relaxed_arith.hpp>
#include <nais/network/analysis.hpp>
#include <nais/network/layer.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

// The bundle accelerator (the NAIS talk's Method 1: Hao et al., DAC 2019; SkyNet, MLSys 2020): one
// hardware IP per layer type (depth-wise k x k, point-wise 1 x 1, conv k x k, pooling), reused
// tile by tile by every layer of that type, so resources do not grow with depth. The structure and
// every default follow SkyNet's public HLS code (TomG008/SkyNet, FPGA/HLS/net_hls.cc, net_hls.h):
//  - feature maps move in Pc-channel groups through on-chip buffers FIX_FM [Pc][rows + k - 1]
//    [cols + k - 1] (Pc = 32, 44 x 84 for 42 x 82 computed pixels and a 3 x 3 kernel); a call
//    computes rows x cols pixels, of which (rows - 2 halo) x (cols - 2 halo) are new (40 x 80:
//    the 1-pixel ring is recomputed for the next 3 x 3 layer's padding);
//  - DW_CONV_3x3: for each of the k x k taps, rows x cols pixels pipelined at II = 1 with the Pc
//    channels unrolled: k^2 rows cols II cycles per call (30,996), Pc multipliers;
//  - CONV_1x1: Pc inputs in steps of Pi = 16; each step loads Pi x Pc weights into registers
//    (Pi Pc cycles) then streams rows x cols pixels at II = 2 through Pc adder trees of Pi
//    inputs: ceil(Pc/Pi) (Pi Pc + rows cols II) cycles per (output group, input group) call
//    (14,800), Pc Pi / II multipliers (HLS shares a DSP over II cycles);
//  - Relu_Max_Pooling: (rows - 2 halo)/k x (cols - 2 halo)/k outputs at II = 2 (1,600 cycles),
//    fused after the producing conv (it reads the accumulator: no load), no multipliers;
//  - DDR: one 512-bit beat per cycle (uint512 bursts: 32 lanes of 16 bits), so a Pc-channel pixel
//    is ceil(Pc 16 / 512) beats; load_buf_from_DDR streams the 44 x 84 input buffer (3,696 beats),
//    load_weight_3x3 9 beats, load_weight_1x1 32 beats; input tiles are ping-ponged with compute
//    (FM_buf1 / FM_buf3), weights and output writes are not;
//  - SkyNet packs a batch of 4 images as a 2 x 2 mosaic into every tile (load_image_chunk_norm's
//    offsets), so late 20 x 40 layers still fill a 40 x 80 tile: images_per_side = 2.
//  - set_bias: each output group's buffer is initialised two rows per cycle, ceil(rows/2) cols
//    cycles (1,722) before its first call.
//  - BRAM: the buffers at the device's aspect ratios (bram18_blocks), plus the m_axi adapter's read
//    and write data buffers, num_outstanding x max_burst_length words of the port's width each
//    (UG1399; SkyNet.hwh: 512 bits, 16 x 16: 15 BRAM18 each). DSPs: the IPs' multipliers only;
//    address arithmetic, which HLS may also bind to DSPs, is not modelled (docs/fidelity.md).
// A layer's cycles (per pack^2 images, reported per image):
//   calls x (max(compute, input beats) + weight beats)   [serial: compute + input + weights]
//   + output writes x (output beats + set_bias),
// calls = tiles x ceil(C/Pc) (depth-wise, pool) or tiles x ceil(M/Pc) ceil(C/Pc) (point-wise,
// conv), tiles = ceil(pack H/(rows - 2 halo)) ceil(pack W/(cols - 2 halo)) over the output (the
// input for a pool). Where this differs from the HLS (docs/design.md): point-wise input and output
// transfers are rows x cols (3,444 beats), where the HLS always moves the whole 44 x 84 buffer
// (3,696); the producer of a fused pool still writes its output (bundles 1-2 of SkyNet skip that
// write); the pool's output is written per call (the HLS writes it straight to DDR as it goes).
namespace nais::bundle {

/// The kinds of IP; one IP per (kind, kernel) is built and reused by every such layer.
enum class ip_kind { depthwise, pointwise, conv, pool };

/// One IP of the accelerator.
struct ip {
    ip_kind kind = ip_kind::pointwise;
    int kernel = 1;
    friend auto operator<=>(const ip&, const ip&) = default;
};

/// "dw3x3", "pw1x1", "conv3x3", "pool2x2".
inline std::string name_of(const ip& u) {
    const char* base = u.kind == ip_kind::depthwise ? "dw" : u.kind == ip_kind::pointwise ? "pw" : u.kind == ip_kind::conv ? "conv" : "pool";
    std::string s = base;
    s += std::to_string(u.kernel);
    s += 'x';
    s += std::to_string(u.kernel);
    return s;
}

/// The IPs' shared design (SkyNet's HLS values by default).
struct design {
    int channels = 32;    ///< Pc: channels per call (buffer banks, depth-wise lanes, point-wise outputs)
    int inputs = 16;      ///< Pi: inputs a point-wise / conv IP sums per cycle (CONV_1x1's 16)
    int rows = 42;        ///< pixels computed per call, rows (DW_CONV_3x3's loop bound)
    int cols = 82;        ///< pixels computed per call, columns
    int halo = 1;         ///< recomputed ring: (rows - 2 halo) x (cols - 2 halo) new outputs per call
    int dw_ii = 1;        ///< pipeline interval of the depth-wise IP
    int pw_ii = 2;        ///< of the point-wise and conv IPs
    int pool_ii = 2;      ///< of the pooling IP
    int images_per_side = 2;  ///< images packed per tile side (SkyNet: 2, a batch of 4)
    int fm_buffers = 4;   ///< Pc-bank feature-map buffers (SkyNet: FM_buf1..4)
    int acc_buffers = 1;  ///< accumulator buffers (FM_buf_acc)
    int weight_buffers = 4;  ///< weight buffer sets (weight_buf_1x1[4], weight_buf_3x3[4])
    // The m_axi data port (HLS INTERFACE m_axi; SkyNet.hwh: 512 bits, 16 outstanding, bursts of 16):
    // its adapter buffers axi_outstanding x axi_burst words of axi_bits each way (UG1399,
    // "Controlling AXI4 Burst Behavior"), in BRAM. axi_outstanding = 0 leaves them out.
    int axi_bits = 512;      ///< data port width, bits
    int axi_outstanding = 16;  ///< num_read_outstanding = num_write_outstanding
    int axi_burst = 16;      ///< max_read_burst_length = max_write_burst_length
    friend bool operator==(const design&, const design&) = default;
};

/// Bit widths (net_hls.h: FIX_FM ap_fixed<9,3>, FIX_FM_acc <12,4>, FIX_WT <11,4>; DDR lanes 16 bits).
struct precision {
    int fm_bits = 9, acc_bits = 12, weight_bits = 11, lane_bits = 16;
};

/// The FPGA: Ultra96 (Zynq UltraScale+ ZU3EG: 360 DSP48E2, 216 BRAM36 = 432 BRAM18, 70,560 LUT;
/// SkyNet's clock 214 MHz, README "the Zynq processor works under 214MHz").
struct device {
    std::string name = "ultra96";
    int dsp = 360;
    int bram18 = 432;
    int lut = 70560;
    double clock_mhz = 214;
    int ddr_bits = 512;          ///< bits per cycle between DDR and the buffers (SkyNet's uint512 beats)
    bool overlap_loads = true;   ///< input tiles ping-ponged with compute
    int lut_per_multiplier = 30; ///< LUT estimate: adder trees and operand muxes per multiplier (an assumption)
    int lut_per_ip = 1500;       ///< LUT estimate: control and address generation per IP (an assumption)
};

/// What a layer does on the accelerator.
enum class role {
    compute,   ///< runs on an IP
    transfer,  ///< moves data only (reorg, add, global pool): reads and writes through DDR
    fused      ///< costs nothing (bn_act, act, scale: folded into the producer's epilogue; concat: addressing)
};

/// One layer as the accelerator sees it.
struct workload {
    std::string name;
    bundle::role role = role::compute;
    ip unit{};
    std::int64_t C = 0, M = 0;   ///< input, output channels
    std::int64_t H = 0, W = 0;   ///< output rows, columns (a pool: its input's)
    int stride = 1;
    bool fused_pool = false;     ///< a pool whose input is a conv's accumulator (the conv's only consumer): no load
    bool output_to_pool = false; ///< a conv whose only consumer is a pool: its output is not written
    bool output_to_next = false; ///< a depth-wise conv whose only consumer is the next point-wise / conv
                                 ///< layer: kept on chip when its channel groups fit the spare buffers
    bool input_from_previous = false;  ///< that consumer: reads the kept buffers, no load
    std::int64_t transfer_elements = 0;  ///< a transfer layer: elements read + written per image
};

/// Refuses a design no IP can run, naming the field.
inline void validate(const design& d) {
    using nais::detail::require;
    require(d.channels >= 1 && d.channels <= 1024, "bundle: design.channels must be in [1, 1024], got ", d.channels);
    require(d.inputs >= 1 && d.inputs <= d.channels, "bundle: design.inputs must be in [1, channels = ", d.channels, "], got ", d.inputs);
    require(d.halo >= 0 && d.halo <= 8, "bundle: design.halo must be in [0, 8], got ", d.halo);
    require(d.rows > 2 * d.halo && d.rows <= 4096, "bundle: design.rows must be in [2 halo + 1, 4096], got ", d.rows);
    require(d.cols > 2 * d.halo && d.cols <= 4096, "bundle: design.cols must be in [2 halo + 1, 4096], got ", d.cols);
    require(d.dw_ii >= 1 && d.pw_ii >= 1 && d.pool_ii >= 1 && d.dw_ii <= 64 && d.pw_ii <= 64 && d.pool_ii <= 64,
            "bundle: design pipeline intervals (dw_ii, pw_ii, pool_ii) must be in [1, 64]");
    require(d.images_per_side >= 1 && d.images_per_side <= 16, "bundle: design.images_per_side must be in [1, 16], got ",
            d.images_per_side);
    require(d.fm_buffers >= 1 && d.fm_buffers <= 16 && d.acc_buffers >= 0 && d.acc_buffers <= 16 && d.weight_buffers >= 1 &&
                d.weight_buffers <= 16,
            "bundle: design buffer counts must be in [1, 16] (acc_buffers [0, 16])");
    require(d.axi_bits >= 8 && d.axi_bits <= 4096, "bundle: design.axi_bits must be in [8, 4096], got ", d.axi_bits);
    require(d.axi_outstanding >= 0 && d.axi_outstanding <= 64 && d.axi_burst >= 1 && d.axi_burst <= 256,
            "bundle: design.axi_outstanding must be in [0, 64] and design.axi_burst in [1, 256], got ", d.axi_outstanding,
            " and ", d.axi_burst);
}
inline void validate(const device& dev) {
    using nais::detail::require;
    require(dev.dsp >= 1 && dev.bram18 >= 1 && dev.lut >= 1, "bundle: device '", dev.name, "': dsp, bram18 and lut must be >= 1");
    require(std::isfinite(dev.clock_mhz) && dev.clock_mhz > 0, "bundle: device '", dev.name, "': clock_mhz must be > 0");
    require(dev.ddr_bits >= 8 && dev.ddr_bits <= 8192, "bundle: device '", dev.name, "': ddr_bits must be in [8, 8192], got ", dev.ddr_bits);
    require(dev.lut_per_multiplier >= 0 && dev.lut_per_ip >= 0, "bundle: device '", dev.name, "': LUT estimates must be >= 0");
}
inline void validate(const precision& p) {
    nais::detail::require(p.fm_bits >= 1 && p.fm_bits <= 32 && p.acc_bits >= 1 && p.acc_bits <= 64 && p.weight_bits >= 1 &&
                              p.weight_bits <= 32 && p.lane_bits >= p.fm_bits && p.lane_bits <= 64,
                          "bundle: precision bits must be fm [1, 32], acc [1, 64], weight [1, 32], lane [fm_bits, 64]");
}

/// The accelerator's view of a nais network: every conv on its IP (depth-wise: groups = channels;
/// point-wise: 1 x 1; conv otherwise), fc as a point-wise layer on 1 x 1, windowed pools on the
/// pool IP, reorg / add / global pool as transfers, the rest fused. Where the data stays on chip
/// (SkyNet's bundles): a pool that is a conv's only consumer (through fused bn_act / act) reads
/// its accumulator, and the conv writes nothing; a depth-wise conv whose only consumer is the next
/// point-wise or conv layer hands its buffers over when they fit (ip_model's terms). Refuses what
/// no IP runs (grouped convs, non-square kernels), naming the layer.
inline std::vector<workload> workloads(const net::network& n) {
    const net::network_report r = net::analyze(n);
    using net::layer_kind;
    const std::size_t count = n.layers.size();
    // consumers of each layer, from the input lists (empty: the previous layer)
    std::vector<std::vector<std::size_t>> consumers(count);
    std::vector<std::size_t> inputs_of(count, 0);
    for (std::size_t j = 0; j < count; ++j) {
        const auto& ins = n.layers[j].inputs;
        if (ins.empty()) {
            if (j > 0)
                consumers[j - 1].push_back(j);
            inputs_of[j] = 1;
            continue;
        }
        inputs_of[j] = ins.size();
        for (const std::string& name : ins)
            for (std::size_t k = 0; k < j; ++k)
                if (n.layers[k].name == name)
                    consumers[k].push_back(j);
    }
    const auto folded = [&](std::size_t j) {
        const layer_kind k = n.layers[j].kind;
        return k == layer_kind::bn_act || k == layer_kind::act;
    };
    // the one consumer of layer j past fused bn_act / act layers (count: none or several)
    const auto only_consumer = [&](std::size_t j) {
        while (consumers[j].size() == 1) {
            const std::size_t c = consumers[j].front();
            if (inputs_of[c] != 1)
                return count;
            if (!folded(c))
                return c;
            j = c;
        }
        return count;
    };
    std::vector<workload> out(count);
    for (std::size_t j = 0; j < count; ++j) {
        const net::layer_report& l = r.layers[j];
        workload& w = out[j];
        w.name = l.name;
        w.C = l.in.c;
        w.M = l.out.c;
        w.H = l.out.h;
        w.W = l.out.w;
        const auto square = [&] {
            nais::detail::require(l.kernel_h == l.kernel_w && l.stride_h == l.stride_w, "bundle: layer '", l.name,
                                  "': the IPs take square kernels and equal strides, got ", l.kernel_h, " x ", l.kernel_w,
                                  " stride ", l.stride_h, " x ", l.stride_w);
            w.stride = l.stride_h;
        };
        switch (l.kind) {
        case layer_kind::conv:
            square();
            if (l.groups > 1) {
                nais::detail::require(l.groups == l.in.c && l.out.c == l.in.c, "bundle: layer '", l.name,
                                      "': grouped convs (groups = ", l.groups, " of ", l.in.c,
                                      " channels) have no IP; depth-wise needs groups = in = out channels");
                w.unit = {ip_kind::depthwise, l.kernel_h};
            } else {
                w.unit = {l.kernel_h == 1 ? ip_kind::pointwise : ip_kind::conv, l.kernel_h};
            }
            break;
        case layer_kind::fc:
            w.unit = {ip_kind::pointwise, 1};
            w.C = l.in.elements();
            w.H = w.W = 1;
            break;
        case layer_kind::pool:
            if (l.kernel_h == 0) {  // global pool: read once, write c
                w.role = role::transfer;
                w.transfer_elements = l.in_elements + l.out_elements;
                break;
            }
            square();
            w.unit = {ip_kind::pool, l.kernel_h};
            w.H = l.in.h;
            w.W = l.in.w;
            break;
        case layer_kind::reorg:
        case layer_kind::shuffle:  // a permutation of channels: one pass over the activations
        case layer_kind::add:
            w.role = role::transfer;
            w.transfer_elements = l.in_elements + l.out_elements;
            break;
        default:
            w.role = role::fused;
            break;
        }
    }
    for (std::size_t j = 0; j < count; ++j) {
        workload& w = out[j];
        if (w.role != role::compute || w.unit.kind == ip_kind::pool)
            continue;
        const std::size_t c = only_consumer(j);
        if (c == count || out[c].role != role::compute)
            continue;
        if (out[c].unit.kind == ip_kind::pool && n.layers[j].kind == layer_kind::conv) {
            w.output_to_pool = true;
            out[c].fused_pool = true;
        } else if (w.unit.kind == ip_kind::depthwise &&
                   (out[c].unit.kind == ip_kind::pointwise || out[c].unit.kind == ip_kind::conv) &&
                   n.layers[c].kind == layer_kind::conv && out[c].H == w.H && out[c].W == w.W && out[c].stride == 1) {
            w.output_to_next = true;
            out[c].input_from_previous = true;
        }
    }
    return out;
}

namespace detail {

inline double value_of(double x) noexcept { return x; }
template <class D>
double value_of(const D& x) noexcept {
    return x.v;
}

/// The design's continuous numbers in an evaluation's value type (double, or a dual number of
/// the relaxation): Pc, Pi, rows, cols.
template <class V>
struct design_values {
    V channels, inputs, rows, cols;
};
inline design_values<double> values_of(const design& d) {
    return {double(d.channels), double(d.inputs), double(d.rows), double(d.cols)};
}

/// Beats of one Pc-channel pixel: ceil(Pc lane_bits / ddr_bits).
template <class V, class Ops>
V beats_per_pixel(const V& pc, const precision& p, const device& dev, const Ops& ops) {
    return ops.ceil(pc * (double(p.lane_bits) / double(dev.ddr_bits)));
}

/// The terms of one compute layer per pack^2 images (see the file comment), written once for the
/// exact model and its relaxation.
template <class V>
struct layer_terms {
    V calls{}, compute{}, input{}, weights{}, writes{}, output{}, init{}, cycles{};
};

template <class V, class Ops>
layer_terms<V> terms(const workload& w, const design_values<V>& x, const design& d, const precision& p, const device& dev,
                     const Ops& ops) {
    layer_terms<V> t;
    const double pack = d.images_per_side, k = w.unit.kernel, s = w.stride;
    const V useful_r = x.rows - 2.0 * d.halo, useful_c = x.cols - 2.0 * d.halo;
    const V tiles = ops.ceil(pack * double(w.H) / useful_r) * ops.ceil(pack * double(w.W) / useful_c);
    const V groups_in = ops.ceil(double(w.C) / x.channels), groups_out = ops.ceil(double(w.M) / x.channels);
    const V beats = beats_per_pixel(x.channels, p, dev, ops);
    // a depth-wise conv's output groups stay on chip when they fit the feature-map buffers left
    // beside the input's (SkyNet: 1 to 3 groups of 32 in bundles 1-3; 6 and more spill to DDR);
    // decided at the design's Pc (the relaxed form's value), a step the gradient does not see
    const double pc = value_of(x.channels);
    const bool kept = std::ceil(double(w.C) / std::max(1.0, std::round(pc))) <= double(d.fm_buffers - 1);
    const V in_tile = ((x.rows - 1.0) * s + k) * ((x.cols - 1.0) * s + k) * beats;  // the call's receptive field
    switch (w.unit.kind) {
    case ip_kind::depthwise:  // DW_CONV_3x3: k^2 rows cols II
        t.calls = tiles * groups_in;
        t.compute = (k * k * double(d.dw_ii)) * x.rows * x.cols;
        t.input = in_tile;
        t.weights = (k * k) * beats;  // load_weight_3x3_from_axi: k^2 beats
        t.writes = t.calls;
        t.output = w.output_to_next && kept ? V(0.0) : x.rows * x.cols * beats;
        break;
    case ip_kind::pointwise:  // CONV_1x1: ceil(Pc/Pi) (Pi Pc + rows cols II)
    case ip_kind::conv:       // the same engine over k^2 taps
        t.calls = tiles * groups_out * groups_in;
        t.compute = (k * k) * ops.ceil(x.channels / x.inputs) * (x.inputs * x.channels + double(d.pw_ii) * x.rows * x.cols);
        t.input = w.input_from_previous && kept ? V(0.0) : in_tile;
        t.weights = (k * k) * x.channels * beats;  // load_weight_1x1_from_axi: Pc beats of Pc lanes
        t.writes = tiles * groups_out;
        t.output = w.output_to_pool ? V(0.0) : x.rows * x.cols * beats;
        break;
    case ip_kind::pool:  // Relu_Max_Pooling: (useful/s)^2 outputs at II
        t.calls = tiles * groups_in;
        t.compute = double(d.pool_ii) * ops.ceil(useful_r / s) * ops.ceil(useful_c / s);
        t.input = w.fused_pool ? V(0.0) : useful_r * useful_c * beats;
        t.weights = V(0.0);
        t.writes = t.calls;
        t.output = ops.ceil(useful_r / s) * ops.ceil(useful_c / s) * beats;
        break;
    }
    if (w.unit.kind == ip_kind::pool) {  // the pooled pixels stream to DDR inside the pipelined loop
        const V busy = w.fused_pool ? ops.max(t.compute, t.output) : ops.max(ops.max(t.compute, t.output), t.input);
        t.cycles = t.calls * busy;
        return t;
    }
    t.init = ops.ceil(x.rows / 2.0) * x.cols;  // set_bias_3x3 / set_bias_1x1: two rows per cycle, once per output group
    const V per_call = dev.overlap_loads ? ops.max(t.compute, t.input) + t.weights : t.compute + t.input + t.weights;
    t.cycles = t.calls * per_call + t.writes * (t.output + t.init);
    return t;
}

/// A compute layer's cycles (per pack^2 images, a tile holds that many) per image.
template <class V>
V per_image(const V& cycles, const design& d) {
    const double pack = d.images_per_side;
    return cycles / (pack * pack);
}

/// Cycles of one layer per image.
template <class V, class Ops>
V layer_cycles(const workload& w, const design_values<V>& x, const design& d, const precision& p, const device& dev,
               const Ops& ops) {
    if (w.role == role::fused)
        return V(0.0);
    if (w.role == role::transfer)  // elements / lanes per beat
        return V(double(w.transfer_elements) * double(p.lane_bits) / double(dev.ddr_bits));
    return per_image(terms(w, x, d, p, dev, ops).cycles, d);
}

/// BRAM18 blocks for `words` of `bits` (the 7-series / UltraScale aspect ratios: 16K x 1, 8K x 2,
/// 4K x 4, 2K x 9, 1K x 18, 512 x 36; wider words use ceil(bits / 36) blocks side by side).
template <class V, class Ops>
V bram18_blocks(const V& words, int bits, const Ops& ops) {
    const int widths[] = {1, 2, 4, 9, 18, 36};
    const double depths[] = {16384, 8192, 4096, 2048, 1024, 512};
    for (int i = 0; i < 6; ++i)
        if (bits <= widths[i])
            return ops.ceil(words / depths[i]);
    return double((bits + 35) / 36) * ops.ceil(words / 512.0);
}

/// Multipliers of one IP (one DSP each: 9- x 11-bit products fit one DSP48E2).
template <class V>
V ip_multipliers(const ip& u, const design_values<V>& x, const design& d) {
    switch (u.kind) {
    case ip_kind::depthwise:
        return x.channels / double(d.dw_ii);
    case ip_kind::pointwise:
    case ip_kind::conv:
        return x.channels * x.inputs / double(d.pw_ii);
    case ip_kind::pool:
    default:
        return V(0.0);
    }
}

/// BRAM18 of the m_axi adapter's read and write data buffers: axi_outstanding x axi_burst words of
/// axi_bits each (UG1399: num_read_outstanding x max_read_burst_length x word size; SkyNet: 2 x 15).
inline double axi_buffer_bram(const design& d) {
    if (d.axi_outstanding == 0)
        return 0;
    return 2 * bram18_blocks(double(d.axi_outstanding) * d.axi_burst, d.axi_bits, nais::detail::exact_ops{});
}

/// BRAM18 of the buffers: fm_buffers + acc_buffers banks of Pc x (rows + k - 1) x (cols + k - 1)
/// words (k the largest kernel of the IPs), weight buffers of every IP (weight_buffers sets), and
/// the m_axi adapter's data buffers (axi_buffer_bram).
template <class V, class Ops>
V buffer_bram(const std::vector<ip>& ips, const design_values<V>& x, const design& d, const precision& p, const Ops& ops) {
    int k_max = 1;
    double weight_words_per_pc2 = 0, weight_words_per_pc = 0;
    for (const ip& u : ips) {
        k_max = std::max(k_max, u.kernel);
        if (u.kind == ip_kind::depthwise)
            weight_words_per_pc += double(u.kernel) * u.kernel;
        else if (u.kind != ip_kind::pool)
            weight_words_per_pc2 += double(u.kernel) * u.kernel;
    }
    const V words = (x.rows + double(k_max - 1)) * (x.cols + double(k_max - 1));
    V bram = x.channels * (double(d.fm_buffers) * bram18_blocks(words, p.fm_bits, ops) +
                           double(d.acc_buffers) * bram18_blocks(words, p.acc_bits, ops));
    const V weight_bits = double(d.weight_buffers) * double(p.weight_bits) *
                          (x.channels * x.channels * weight_words_per_pc2 + x.channels * weight_words_per_pc);
    return bram + ops.ceil(weight_bits / 18432.0 + 1e-9) + axi_buffer_bram(d);
}

}  // namespace detail

/// The IPs a network uses (sorted, each once).
inline std::vector<ip> ips_of(const std::vector<workload>& layers) {
    std::vector<ip> out;
    for (const workload& w : layers)
        if (w.role == role::compute && std::find(out.begin(), out.end(), w.unit) == out.end())
            out.push_back(w.unit);
    std::sort(out.begin(), out.end());
    return out;
}

/// Resources of an accelerator with these IPs, summed over the IPs (not over layers).
struct resources {
    std::int64_t dsp = 0, bram18 = 0, lut = 0;
};

inline resources resources_of(const std::vector<ip>& ips, const design& d, const precision& p = {}, const device& dev = {}) {
    const nais::detail::exact_ops ops;
    const auto x = detail::values_of(d);
    resources r;
    double multipliers = 0;
    for (const ip& u : ips)
        multipliers += std::ceil(detail::ip_multipliers(u, x, d));
    r.dsp = static_cast<std::int64_t>(multipliers);
    r.bram18 = static_cast<std::int64_t>(detail::buffer_bram(ips, x, d, p, ops));
    r.lut = static_cast<std::int64_t>(multipliers) * dev.lut_per_multiplier + static_cast<std::int64_t>(ips.size()) * dev.lut_per_ip;
    return r;
}

/// One layer's evaluation.
struct layer_report {
    std::string name;
    std::string unit;          ///< the IP's name, "transfer" or "fused"
    double cycles = 0;         ///< per image
    double calls = 0;          ///< IP calls per pack^2 images
    double compute = 0, input = 0, weights = 0, output = 0, init = 0;  ///< per call / per write (cycles, beats)
};

/// A network's evaluation on an accelerator.
struct network_report {
    std::vector<layer_report> layers;
    std::vector<ip> ips;
    bundle::resources used;
    double cycles = 0, ms = 0, fps = 0;
    bool feasible = true;
    std::string violation;  ///< the first limit exceeded, named
};

/// The exact evaluation: every layer's cycles per image, the accelerator's resources (its IPs
/// summed once), and whether they fit the device (DSP, BRAM18, LUT estimate).
inline network_report evaluate(const std::vector<workload>& layers, const design& d, const precision& p = {},
                               const device& dev = {}) {
    validate(d);
    validate(p);
    validate(dev);
    const nais::detail::exact_ops ops;
    const auto x = detail::values_of(d);
    network_report r;
    for (const workload& w : layers) {
        layer_report l;
        l.name = w.name;
        l.unit = w.role == role::compute ? name_of(w.unit) : w.role == role::transfer ? "transfer" : "fused";
        if (w.role != role::compute) {
            l.cycles = detail::layer_cycles(w, x, d, p, dev, ops);
        } else {  // the terms once, for the cycles and the report
            const auto t = detail::terms(w, x, d, p, dev, ops);
            l.cycles = detail::per_image(t.cycles, d);
            l.calls = t.calls;
            l.compute = t.compute;
            l.input = t.input;
            l.weights = t.weights;
            l.output = t.output;
            l.init = t.init;
        }
        r.cycles += l.cycles;
        r.layers.push_back(std::move(l));
    }
    r.ips = ips_of(layers);
    r.used = resources_of(r.ips, d, p, dev);
    r.ms = r.cycles / (dev.clock_mhz * 1e3);
    r.fps = r.ms > 0 ? 1e3 / r.ms : 0;
    const auto over = [&](const char* what, std::int64_t used, std::int64_t limit) {
        if (r.feasible && used > limit) {
            r.feasible = false;
            r.violation = std::string(what) + " " + std::to_string(used) + " > " + std::to_string(limit);
        }
    };
    over("dsp", r.used.dsp, dev.dsp);
    over("bram18", r.used.bram18, dev.bram18);
    over("lut", r.used.lut, dev.lut);
    return r;
}

inline network_report evaluate(const net::network& n, const design& d, const precision& p = {}, const device& dev = {}) {
    return evaluate(workloads(n), d, p, dev);
}

}  // namespace nais::bundle
