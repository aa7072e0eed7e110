#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/tiled/template_model.hpp>
#include <nais/network/analysis.hpp>
#include <nais/network/layer.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

// The template's workloads from a nais network: every conv (and, in hardware mode, every fc as a
// 1 x 1 conv), with true shapes from net::analyze or with the shapes HotNAS's scripts compute
// (one tensor chained through the convs and pools in module order: bottleneck_conv_only.py
// get_performance), and per-layer compression (channel cut, pattern pruning, weight bits).
namespace nais::tiled {

/// Where the layer shapes come from.
enum class shapes { true_shapes, hotnas_chained };

/// A layer's compression (HotNAS iSpace): fewer output channels (0: keep), kept weights per
/// kernel after pattern pruning (0: all), weight bits (0: the precision's).
struct compression {
    std::int64_t out_channels = 0;
    int kept = 0;
    int weight_bits = 0;
    friend bool operator==(const compression&, const compression&) = default;
};

/// Compression by layer name.
using compression_plan = std::map<std::string, compression>;

/// A workload with a layer's pattern pruning and weight bits (its channel cut is in its shape
/// already: apply_channel_cuts).
inline workload with_compression(workload w, const compression& c) {
    w.kept = c.kept;
    w.weight_bits = c.weight_bits;
    return w;
}

/// The network with channel cuts applied (a conv's `out` reduced); net::analyze then gives every
/// consumer its new input channels, and refuses a cut that breaks a residual add, naming it.
inline net::network apply_channel_cuts(net::network n, const compression_plan& plan) {
    for (const auto& [name, c] : plan) {
        if (c.out_channels == 0)
            continue;
        bool found = false;
        for (net::layer& l : n.layers) {
            if (l.name != name)
                continue;
            found = true;
            nais::detail::require(l.kind == net::layer_kind::conv, "fpga-tiled: compression of '", name,
                                  "': channel cuts apply to convs");
            nais::detail::require(c.out_channels >= 1 && c.out_channels <= l.out, "fpga-tiled: compression of '", name,
                                  "': out_channels must be in [1, ", l.out, "], got ", c.out_channels);
            nais::detail::require(l.groups == 1, "fpga-tiled: compression of '", name,
                                  "': channel cuts apply to convs with groups = 1");
            l.out = c.out_channels;
        }
        nais::detail::require(found, "fpga-tiled: compression names layer '", name, "', which the network does not have");
    }
    return n;
}

namespace detail {

inline workload conv_workload(const net::layer& l, const net::tensor_shape& in, const net::tensor_shape& out) {
    workload w;
    w.name = l.name;
    w.K_h = l.kernel_h;
    w.K_w = l.kernel_w;
    w.S_h = l.stride_h;
    w.S_w = l.stride_w;
    w.P_h = l.pad_h;
    w.P_w = l.pad_w;
    w.R = out.h;
    w.C = out.w;
    w.H = in.h;
    w.W = in.w;
    if (l.groups > 1 && l.groups == in.c && l.out == in.c) {
        w.depthwise = true;
        w.M = w.N = in.c;
    } else {
        w.groups = l.groups;
        w.M = l.out / l.groups;
        w.N = in.c / l.groups;
    }
    return w;
}

}  // namespace detail

/// The template's workloads of a network (after channel cuts), with pattern and bit compression
/// attached by name, each for `batch` images. true_shapes: net::analyze's shapes; convs with
/// dilation 1 (the template has none), fc layers as 1 x 1 convs. hotnas_chained: the public
/// scripts' shapes, convs only (their loop skips fc layers), square kernels, groups 1 or
/// depth-wise (tell_conv_type).
inline std::vector<workload> workloads(const net::network& original, const compression_plan& plan = {},
                                       shapes s = shapes::true_shapes, int batch = 1) {
    using nais::detail::require;
    require(batch >= 1, "fpga-tiled: batch must be >= 1, got ", batch);
    const net::network n = apply_channel_cuts(original, plan);
    const net::network_report report = net::analyze(n);
    std::vector<workload> out;
    net::tensor_shape chained = n.input;  // hotnas_chained: the one tensor of the public loop
    for (std::size_t k = 0; k < n.layers.size(); ++k) {
        const net::layer& l = n.layers[k];
        const net::layer_report& lr = report.layers[k];
        if (s == shapes::hotnas_chained) {
            if (l.kind == net::layer_kind::pool) {  // MaxPool2d, AvgPool2d, AdaptiveAvgPool2d
                if (l.global) {
                    chained = {chained.c, 1, 1};
                } else {
                    const auto extent = [&](std::int64_t x, int kk, int st, int p) {
                        const std::int64_t span = x + 2 * p - kk;
                        require(span >= 0, "fpga-tiled: hotnas_chained shapes: pool '", l.name, "' gets a ", x,
                                "-pixel input, smaller than its kernel");
                        return (l.ceil_mode ? (span + st - 1) / st : span / st) + 1;
                    };
                    chained = {chained.c, extent(chained.h, l.kernel_h, l.stride_h, l.pad_h),
                               extent(chained.w, l.kernel_w, l.stride_w, l.pad_w)};
                }
                continue;
            }
            if (l.kind != net::layer_kind::conv)
                continue;
            require(l.kernel_h == l.kernel_w && l.stride_h == l.stride_w && l.pad_h == l.pad_w,
                    "fpga-tiled: hotnas_chained shapes: conv '", l.name,
                    "' is not square (the public model supports square kernels, strides and padding)");
            const bool dw = l.groups > 1 && l.groups == lr.in.c;
            require(l.groups == 1 || dw, "fpga-tiled: hotnas_chained shapes: conv '", l.name, "' has groups = ", l.groups,
                    " (the public model supports groups 1 or depth-wise)");
            require(l.dilation_h == 1 && l.dilation_w == 1, "fpga-tiled: conv '", l.name, "': the template has no dilation");
            const net::tensor_shape in{lr.in.c, chained.h, chained.w};
            const std::int64_t span_h = in.h + 2 * l.pad_h - l.kernel_h, span_w = in.w + 2 * l.pad_w - l.kernel_w;
            require(span_h >= 0 && span_w >= 0, "fpga-tiled: hotnas_chained shapes: conv '", l.name, "' gets a ", in.h,
                    " x ", in.w, " input, smaller than its kernel (the public model would fail here too)");
            chained = {l.out, span_h / l.stride_h + 1, span_w / l.stride_w + 1};
            out.push_back(detail::conv_workload(l, in, chained));
        } else if (l.kind == net::layer_kind::conv) {
            require(l.dilation_h == 1 && l.dilation_w == 1, "fpga-tiled: conv '", l.name, "': the template has no dilation");
            out.push_back(detail::conv_workload(l, lr.in, lr.out));
        } else if (l.kind == net::layer_kind::fc) {
            workload w;
            w.name = l.name;
            w.M = l.out;
            w.N = lr.in.elements();
            out.push_back(w);
        } else {
            continue;
        }
        out.back().B = batch;
        if (const auto it = plan.find(l.name); it != plan.end())
            out.back() = with_compression(out.back(), it->second);
    }
    for (const auto& [name, c] : plan) {
        bool found = false;
        for (const workload& w : out)
            found = found || w.name == name;
        require(found || c.out_channels != 0, "fpga-tiled: compression names layer '", name,
                "', which is not a conv of the network");
    }
    return out;
}

/// The smallest Tk that runs every layer.
inline int largest_kernel(const std::vector<workload>& layers) noexcept {
    int k = 1;
    for (const workload& w : layers)
        k = std::max(k, w.kernel());
    return k;
}

}  // namespace nais::tiled
