#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/network/layer.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

// Candidate ops of a searchable block, as layer lists. A description (op_description) is
// instantiated for a block's input channels, output channels and stride; the layers it gives are
// analysed like any network's (nais::net::analyze), with "input" naming the block's input.
namespace nais::net {

/// What a candidate op is built from.
enum class op_kind {
    mbconv,       ///< MBConv(k, e) as EDD lays it out (nais::layer_work), optional SE and residual add
    conv_bn_act,  ///< one k x k conv with the block's stride + bn_act
    basic,        ///< ResNet basic block (torchvision BasicBlock, k x k)
    bottleneck,   ///< ResNet bottleneck (torchvision Bottleneck v1.5: stride on the 3 x 3, width cout / 4)
    skip,         ///< identity (ProxylessNAS's zero op where shapes allow): no layers, no cost
    layers        ///< the user's own layer list
};

/// A candidate op. Fields a kind does not use keep their defaults.
struct op_description {
    op_kind kind = op_kind::mbconv;
    std::string name;           ///< empty: a name from the settings ("mbconv_k3_e6", "skip", ...)
    int kernel = 3;             ///< mbconv, conv_bn_act, basic
    int expand = 1;             ///< mbconv: expansion ratio e
    bool se = false;            ///< mbconv: squeeze-and-excitation after the depth-wise conv
    bool residual = false;      ///< mbconv: residual add when the block keeps its shape (MobileNetV2)
    std::vector<layer> layers;  ///< layers: the op itself ("input" is the block's input)
};

inline op_description mbconv_op(int kernel, int expand, bool se = false, bool residual = false) {
    op_description d;
    d.kind = op_kind::mbconv;
    d.kernel = kernel;
    d.expand = expand;
    d.se = se;
    d.residual = residual;
    return d;
}
inline op_description conv_op(int kernel) {
    op_description d;
    d.kind = op_kind::conv_bn_act;
    d.kernel = kernel;
    return d;
}
inline op_description basic_op(int kernel = 3) {
    op_description d;
    d.kind = op_kind::basic;
    d.kernel = kernel;
    return d;
}
inline op_description bottleneck_op() {
    op_description d;
    d.kind = op_kind::bottleneck;
    return d;
}
inline op_description skip_op() {
    op_description d;
    d.kind = op_kind::skip;
    return d;
}
inline op_description layers_op(std::string name, std::vector<layer> layers) {
    op_description d;
    d.kind = op_kind::layers;
    d.name = std::move(name);
    d.layers = std::move(layers);
    return d;
}

/// The name of a candidate: its own, or one built from its settings.
inline std::string op_name(const op_description& d) {
    if (!d.name.empty())
        return d.name;
    const std::string k = std::to_string(d.kernel);
    switch (d.kind) {
    case op_kind::mbconv:
        return "mbconv_k" + k + "_e" + std::to_string(d.expand) + (d.se ? "_se" : "") + (d.residual ? "_res" : "");
    case op_kind::conv_bn_act:
        return "conv_k" + k;
    case op_kind::basic:
        return "basic_k" + k;
    case op_kind::bottleneck:
        return "bottleneck";
    case op_kind::skip:
        return "skip";
    case op_kind::layers:
    default:
        return "layers";
    }
}

/// The layers of EDD's MBConv candidate (the layout of nais::layer_work, Eq. 11-12): expand
/// 1 x 1 (omitted for e = 1), depth-wise k x k with the stride and padding k / 2, project 1 x 1,
/// each followed by a bn_act; names are prefix.expand, prefix.dw, prefix.project (+ ".bn").
/// With se, squeeze-and-excitation follows the depth-wise bn_act (torchvision's EfficientNet
/// SqueezeExcitation: global average pool, 1 x 1 conv to max(1, cin / 4) with bias, act, 1 x 1
/// conv back with bias, act (sigmoid), scale). With residual, an add of the block input when
/// stride is 1 and cin == cout.
inline std::vector<layer> mbconv_layers(const std::string& prefix, std::int64_t cin, std::int64_t cout, int stride,
                                        int kernel, int expand, bool se = false, bool residual = false) {
    std::vector<layer> out;
    const auto conv_bn = [&](const std::string& name, std::int64_t c, int k, int s, int groups) {
        out.push_back(conv(name, c, k, s, (k - 1) / 2, groups));
        out.push_back(simple(name + ".bn", layer_kind::bn_act));
    };
    const std::int64_t mid = cin * expand;
    if (expand != 1)
        conv_bn(prefix + ".expand", mid, 1, 1, 1);
    conv_bn(prefix + ".dw", mid, kernel, stride, static_cast<int>(mid));
    if (se) {
        const std::string x = out.back().name;
        out.push_back(global_pool(prefix + ".se.pool"));
        out.push_back(conv(prefix + ".se.fc1", std::max<std::int64_t>(1, cin / 4), 1, 1, 0, 1, true));
        out.push_back(simple(prefix + ".se.act", layer_kind::act));
        out.push_back(conv(prefix + ".se.fc2", mid, 1, 1, 0, 1, true));
        out.push_back(simple(prefix + ".se.gate", layer_kind::act));
        out.push_back(simple(prefix + ".se.scale", layer_kind::scale, {x, prefix + ".se.gate"}));
    }
    conv_bn(prefix + ".project", cout, 1, 1, 1);
    if (residual && stride == 1 && cin == cout)
        out.push_back(simple(prefix + ".add", layer_kind::add, {out.back().name, "input"}));
    return out;
}

/// The layers with every name, and every input other than "input", prefixed by prefix + ".".
inline std::vector<layer> prefixed(std::vector<layer> layers, const std::string& prefix) {
    for (layer& l : layers) {
        l.name = prefix + "." + l.name;
        for (std::string& in : l.inputs)
            if (in != "input")
                in = prefix + "." + in;
    }
    return layers;
}

/// The layers of a candidate in a block with cin input channels, cout output channels and a
/// stride; every name starts with prefix + ".". A skip gives no layers. Refuses settings that
/// cannot build (kernel or expansion < 1, a bottleneck whose cout is not a multiple of 4) naming
/// the candidate.
inline std::vector<layer> op_layers(const op_description& d, const std::string& prefix, std::int64_t cin,
                                    std::int64_t cout, int stride) {
    using nais::detail::require;
    const std::string name = op_name(d);
    require(d.kind == op_kind::layers || d.kind == op_kind::skip || d.kind == op_kind::bottleneck || d.kernel >= 1,
            "candidate '", name, "': kernel must be >= 1, got ", d.kernel);
    std::vector<layer> out;
    const auto conv_bn = [&](const std::string& n, std::int64_t c, int k, int s, std::vector<std::string> in = {}) {
        out.push_back(conv(n, c, k, s, (k - 1) / 2, 1, false, std::move(in)));
        out.push_back(simple(n + ".bn", layer_kind::bn_act));
        return n + ".bn";
    };
    // torchvision's residual tail: a 1 x 1 downsample + BN where the shape changes, add, act
    const auto residual_tail = [&](const std::string& body) {
        std::string shortcut = "input";
        if (stride != 1 || cin != cout)
            shortcut = conv_bn(prefix + ".downsample", cout, 1, stride, {"input"});
        out.push_back(simple(prefix + ".add", layer_kind::add, {body, shortcut}));
        out.push_back(simple(prefix + ".relu", layer_kind::act));
    };
    switch (d.kind) {
    case op_kind::mbconv:
        require(d.expand >= 1, "candidate '", name, "': expand must be >= 1, got ", d.expand);
        return mbconv_layers(prefix, cin, cout, stride, d.kernel, d.expand, d.se, d.residual);
    case op_kind::conv_bn_act:
        conv_bn(prefix + ".conv", cout, d.kernel, stride);
        return out;
    case op_kind::basic:
        conv_bn(prefix + ".conv1", cout, d.kernel, stride);
        residual_tail(conv_bn(prefix + ".conv2", cout, d.kernel, 1));
        return out;
    case op_kind::bottleneck: {
        require(cout % 4 == 0, "candidate '", name, "': a bottleneck needs cout divisible by 4 (width = cout / 4), got ",
                cout);
        conv_bn(prefix + ".conv1", cout / 4, 1, 1);
        conv_bn(prefix + ".conv2", cout / 4, 3, stride);
        residual_tail(conv_bn(prefix + ".conv3", cout, 1, 1));
        return out;
    }
    case op_kind::skip:
        return out;
    case op_kind::layers:
    default:
        require(!d.layers.empty(), "candidate '", name, "': a layer-list candidate needs at least one layer (use a skip op "
                                   "for the identity)");
        return prefixed(d.layers, prefix);
    }
}

}  // namespace nais::net
