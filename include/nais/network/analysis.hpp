#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/network/layer.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

// Shapes and counts of a network, layer by layer. Output shapes follow PyTorch exactly:
//   conv:  out = floor((in + 2p - d (k - 1) - 1) / s) + 1
//   pool:  out = floor or ceil((in + 2p - k) / s) + 1; with ceil_mode a window that would start
//          in the right padding is dropped (PyTorch's rule: if (out - 1) s >= in + p, out -= 1)
// Counts: conv MACs k_h k_w (cin / groups) cout h_out w_out, fc MACs in out (0 for the rest);
// parameters: weights and biases, BN's affine weight and bias (2 c); EDD Eq. 12 work: a conv's or
// fc's MACs, h w c over the output for every other layer (EDD's "otherwise").
namespace nais::net {

/// One analysed layer.
struct layer_report {
    std::string name;
    layer_kind kind = layer_kind::conv;
    tensor_shape in, out;           ///< in: the first input's shape
    int groups = 1;                 ///< conv: groups (depth-wise: groups = in.c)
    int kernel_h = 0, kernel_w = 0; ///< conv, pool (0: not a windowed layer, or a global pool)
    int stride_h = 0, stride_w = 0; ///< conv, pool, reorg
    pool_op pool = pool_op::max;    ///< pool
    std::int64_t macs = 0;          ///< multiply-accumulates
    std::int64_t params = 0;        ///< learnable parameters
    std::int64_t work = 0;          ///< EDD Eq. 12 work (without Phi(q) and 2^-pf)
    std::int64_t in_elements = 0;   ///< elements read (all inputs)
    std::int64_t out_elements = 0;  ///< elements written
};

/// A whole network's analysis.
struct network_report {
    std::string name;
    tensor_shape input;
    std::vector<layer_report> layers;
    std::int64_t macs = 0, params = 0, work = 0;
};

namespace detail {

inline std::string describe(const tensor_shape& s) {
    return std::to_string(s.c) + " x " + std::to_string(s.h) + " x " + std::to_string(s.w);
}

/// a * b + c in int64, refused past 2^62 (counts of real networks are far below).
inline std::int64_t checked_mul(std::int64_t a, std::int64_t b, const std::string& what) {
    constexpr std::int64_t limit = std::int64_t{1} << 62;
    nais::detail::require(a >= 0 && b >= 0 && (a == 0 || b <= limit / a), "network: ", what,
                          " overflows the 64-bit counts (", a, " x ", b, ")");
    return a * b;
}

/// c * h * w of a shape, refused past 2^62 (shape.elements() unchecked would overflow).
inline std::int64_t elements(const tensor_shape& t, const std::string& what) {
    return checked_mul(checked_mul(t.c, t.h, what), t.w, what);
}

/// a + b of non-negative counts, refused past 2^62.
inline std::int64_t checked_add(std::int64_t a, std::int64_t b, const std::string& what) {
    constexpr std::int64_t limit = std::int64_t{1} << 62;
    nais::detail::require(a <= limit - b, "network: the totals overflow the 64-bit counts at '", what, "'");
    return a + b;
}

/// "c x h x w" without spaces ("16x112x112").
inline std::string compact(const tensor_shape& s) {
    return std::to_string(s.c) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w);
}

inline std::int64_t conv_extent(std::int64_t in, int k, int s, int p, int d, const layer& l, const tensor_shape& shape,
                                const char* axis) {
    const std::int64_t reach = std::int64_t{d} * (k - 1) + 1;
    nais::detail::require(in + 2 * std::int64_t{p} >= reach, "network: layer '", l.name, "': its ", axis, " kernel ",
                          reach, " (dilated) is larger than the padded input ", in + 2 * std::int64_t{p}, " (input ",
                          describe(shape), ")");
    return (in + 2 * std::int64_t{p} - reach) / s + 1;
}

inline std::int64_t pool_extent(std::int64_t in, int k, int s, int p, bool ceil_mode, const layer& l,
                                const tensor_shape& shape, const char* axis) {
    nais::detail::require(2 * p <= k, "network: layer '", l.name, "': pool padding ", p, " must be at most half the ",
                          axis, " kernel ", k);
    nais::detail::require(in + 2 * std::int64_t{p} >= k, "network: layer '", l.name, "': its ", axis, " kernel ", k,
                          " is larger than the padded input ", in + 2 * std::int64_t{p}, " (input ", describe(shape), ")");
    const std::int64_t span = in + 2 * std::int64_t{p} - k;
    std::int64_t out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
    if (ceil_mode && (out - 1) * s >= in + p)
        --out;
    return out;
}

}  // namespace detail

/// Analyses a network: every layer's input and output shape, MACs, parameters and Eq. 12 work.
/// Refuses, naming the layer (and, for mismatches, both layers with their shapes): an unknown
/// or later input name, a duplicate name, non-positive sizes, channels not divisible by groups,
/// a kernel larger than the padded input, an add of different shapes, a concat of different
/// spatial sizes, a reorg whose stride does not divide the input, a scale gate that is not
/// c x 1 x 1.
inline network_report analyze(const network& net) {
    using nais::detail::fail;
    using nais::detail::require;
    const tensor_shape& x = net.input;
    require(x.c > 0 && x.h > 0 && x.w > 0, "network '", net.name, "': the input shape must be positive, got ",
            detail::describe(x));
    require(!net.layers.empty(), "network '", net.name, "' has no layers");
    (void)detail::elements(x, "the input");
    network_report r;
    r.name = net.name;
    r.input = x;
    std::unordered_map<std::string, std::size_t> index;  // name -> layer
    for (std::size_t k = 0; k < net.layers.size(); ++k) {
        const layer& l = net.layers[k];
        require(!l.name.empty(), "network: layer ", k, " has no name");
        require(index.find(l.name) == index.end(), "network: two layers are named '", l.name, "'");
        // the inputs: named producers (earlier layers, or "input"), or the previous layer
        std::vector<tensor_shape> ins;
        std::vector<std::string> in_names;
        if (l.inputs.empty()) {
            ins.push_back(k == 0 ? x : r.layers.back().out);
            in_names.push_back(k == 0 ? std::string("input") : r.layers.back().name);
        }
        for (const std::string& n : l.inputs) {
            if (n == "input") {
                ins.push_back(x);
            } else {
                const auto it = index.find(n);
                require(it != index.end(), "network: layer '", l.name, "': input '", n,
                        "' is not an earlier layer (inputs name layers before it, or \"input\")");
                ins.push_back(r.layers[it->second].out);
            }
            in_names.push_back(n);
        }
        const tensor_shape& a = ins.front();
        layer_report lr;
        lr.name = l.name;
        lr.kind = l.kind;
        lr.in = a;
        for (const auto& s : ins)
            lr.in_elements = detail::checked_add(lr.in_elements, detail::elements(s, l.name), l.name);
        const bool many = l.kind == layer_kind::add || l.kind == layer_kind::concat || l.kind == layer_kind::scale;
        require(many || ins.size() == 1, "network: layer '", l.name, "' (", kind_name(l.kind), ") takes one input, got ",
                ins.size());
        switch (l.kind) {
        case layer_kind::conv: {
            require(l.out > 0 && l.kernel_h > 0 && l.kernel_w > 0 && l.stride_h > 0 && l.stride_w > 0 && l.pad_h >= 0 &&
                        l.pad_w >= 0 && l.dilation_h > 0 && l.dilation_w > 0 && l.groups > 0,
                    "network: layer '", l.name, "': cout, kernel, stride, dilation and groups must be >= 1, padding >= 0");
            require(a.c % l.groups == 0 && l.out % l.groups == 0, "network: layer '", l.name, "': channels ", a.c, " -> ",
                    l.out, " are not divisible by groups = ", l.groups, " (input '", in_names.front(), "' is ",
                    detail::describe(a), ")");
            lr.groups = l.groups;
            lr.kernel_h = l.kernel_h;
            lr.kernel_w = l.kernel_w;
            lr.stride_h = l.stride_h;
            lr.stride_w = l.stride_w;
            lr.out = {l.out, detail::conv_extent(a.h, l.kernel_h, l.stride_h, l.pad_h, l.dilation_h, l, a, "height"),
                      detail::conv_extent(a.w, l.kernel_w, l.stride_w, l.pad_w, l.dilation_w, l, a, "width")};
            const std::int64_t per_out = detail::checked_mul(std::int64_t{l.kernel_h} * l.kernel_w, a.c / l.groups, l.name);
            lr.params = detail::checked_mul(per_out, l.out, l.name) + (l.bias ? l.out : 0);
            lr.macs = detail::checked_mul(detail::checked_mul(per_out, l.out, l.name), lr.out.h * lr.out.w, l.name);
            lr.work = lr.macs;  // Eq. 12: k^2 h w cin cout (conv), k^2 h w c (depth-wise)
            break;
        }
        case layer_kind::fc: {
            require(l.out > 0, "network: layer '", l.name, "': out must be >= 1");
            lr.out = {l.out, 1, 1};
            lr.macs = detail::checked_mul(detail::elements(a, l.name), l.out, l.name);
            lr.params = detail::checked_add(lr.macs, l.bias ? l.out : 0, l.name);
            lr.work = lr.macs;
            break;
        }
        case layer_kind::pool:
            lr.pool = l.op;
            if (l.global) {
                lr.out = {a.c, 1, 1};
            } else {
                lr.kernel_h = l.kernel_h;
                lr.kernel_w = l.kernel_w;
                lr.stride_h = l.stride_h;
                lr.stride_w = l.stride_w;
                require(l.kernel_h > 0 && l.kernel_w > 0 && l.stride_h > 0 && l.stride_w > 0 && l.pad_h >= 0 && l.pad_w >= 0,
                        "network: layer '", l.name, "': pool kernel and stride must be >= 1, padding >= 0");
                lr.out = {a.c, detail::pool_extent(a.h, l.kernel_h, l.stride_h, l.pad_h, l.ceil_mode, l, a, "height"),
                          detail::pool_extent(a.w, l.kernel_w, l.stride_w, l.pad_w, l.ceil_mode, l, a, "width")};
            }
            break;
        case layer_kind::bn_act:
            lr.out = a;
            lr.params = 2 * a.c;  // BN's affine weight and bias
            break;
        case layer_kind::act:
            lr.out = a;
            break;
        case layer_kind::add:
            require(ins.size() >= 2, "network: layer '", l.name, "' (add) needs at least two inputs");
            for (std::size_t j = 1; j < ins.size(); ++j)
                require(ins[j] == a, "network: layer '", l.name, "' adds '", in_names.front(), "' (",
                        detail::describe(a), ") and '", in_names[j], "' (", detail::describe(ins[j]),
                        "): shapes differ");
            lr.out = a;
            break;
        case layer_kind::concat: {
            require(ins.size() >= 2, "network: layer '", l.name, "' (concat) needs at least two inputs");
            lr.out = a;
            for (std::size_t j = 1; j < ins.size(); ++j) {
                require(ins[j].h == a.h && ins[j].w == a.w, "network: layer '", l.name, "' concatenates '",
                        in_names.front(), "' (", detail::describe(a), ") and '", in_names[j], "' (",
                        detail::describe(ins[j]), "): spatial sizes differ");
                lr.out.c += ins[j].c;
            }
            break;
        }
        case layer_kind::reorg:
            require(l.stride_h > 0 && l.stride_w > 0, "network: layer '", l.name, "': reorg stride must be >= 1");
            require(a.h % l.stride_h == 0 && a.w % l.stride_w == 0, "network: layer '", l.name, "': reorg stride ",
                    l.stride_h, " does not divide its input '", in_names.front(), "' (", detail::describe(a), ")");
            lr.out = {a.c * l.stride_h * l.stride_w, a.h / l.stride_h, a.w / l.stride_w};
            lr.stride_h = l.stride_h;
            lr.stride_w = l.stride_w;
            break;
        case layer_kind::shuffle:
            require(l.groups >= 1 && a.c % l.groups == 0, "network: layer '", l.name, "': shuffle groups = ", l.groups,
                    " does not divide its input's ", a.c, " channels");
            lr.out = a;
            lr.groups = l.groups;
            break;
        case layer_kind::slice:
            require(l.channel_begin >= 0 && l.channel_begin < l.channel_end && l.channel_end <= a.c, "network: layer '",
                    l.name, "': slice of channels [", l.channel_begin, ", ", l.channel_end, ") is not within its input '",
                    in_names.front(), "' (", detail::describe(a), ")");
            lr.out = {l.channel_end - l.channel_begin, a.h, a.w};
            break;
        case layer_kind::scale:
            require(ins.size() == 2, "network: layer '", l.name, "' (scale) takes [x, gate], got ", ins.size(), " inputs");
            require(ins[1].c == a.c && ins[1].h == 1 && ins[1].w == 1, "network: layer '", l.name, "' scales '",
                    in_names[0], "' (", detail::describe(a), ") by '", in_names[1], "' (", detail::describe(ins[1]),
                    "): the gate must be ", a.c, " x 1 x 1");
            lr.out = a;
            break;
        default:
            fail("network: layer '", l.name, "' has an unknown kind");
        }
        lr.out_elements = detail::elements(lr.out, l.name);
        if (l.kind != layer_kind::conv && l.kind != layer_kind::fc)
            lr.work = lr.out_elements;  // Eq. 12, "otherwise": h w c
        r.macs = detail::checked_add(r.macs, lr.macs, l.name);
        r.params = detail::checked_add(r.params, lr.params, l.name);
        r.work = detail::checked_add(r.work, lr.work, l.name);
        index.emplace(l.name, r.layers.size());
        r.layers.push_back(std::move(lr));
    }
    return r;
}

/// The key of an op for measured latency tables: every layer's kind, kernel, stride, groups and
/// shapes, e.g. "conv k3x3 s2x2 g16 16x112x112>16x56x56|bn_act 16x56x56>16x56x56"; "" for no
/// layers (a skip op). No commas, so it is one CSV field.
inline std::string op_signature(const network_report& op) {
    std::ostringstream s;
    for (const layer_report& l : op.layers) {
        if (&l != &op.layers.front())
            s << '|';
        s << kind_name(l.kind);
        if (l.kind == layer_kind::act || l.kind == layer_kind::scale)
            s << (l.kind == layer_kind::act ? ":act" : ":scale");
        if (l.kind == layer_kind::pool)
            s << (l.pool == pool_op::max ? ":max" : ":avg");
        if (l.kernel_h > 0)
            s << " k" << l.kernel_h << 'x' << l.kernel_w;
        if (l.stride_h > 0)
            s << " s" << l.stride_h << 'x' << l.stride_w;
        if (l.kind == layer_kind::conv || l.kind == layer_kind::shuffle)
            s << " g" << l.groups;
        s << ' ' << detail::compact(l.in) << '>' << detail::compact(l.out);
    }
    return s.str();
}

}  // namespace nais::net
