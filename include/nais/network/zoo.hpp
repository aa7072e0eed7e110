#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/network/candidates.hpp>
#include <nais/network/layer.hpp>
#include <nais/network/layered_space.hpp>

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The model zoo: networks layer for layer as torchvision defines them (AlexNet, VGG-16,
// ResNet-18/34/50, MobileNetV2 1.0, MnasNet 1.0; torchvision/models/*.py), at 3 x 224 x 224.
// Conventions: BN (+ activation) is one bn_act layer; an activation alone (AlexNet, VGG, after a
// residual add) is act; dropout is the identity and is left out; torchvision's adaptive average
// pools are identities at 224 x 224 (AlexNet 6 x 6, VGG 7 x 7) and are left out, or global pools
// (1 x 1). Parameters and MACs equal torchvision's (tests/test_network.cpp).
namespace nais::net {

/// Appends layers, naming each and chaining it to the previous one.
class network_builder {
public:
    network_builder(std::string name, tensor_shape input) { net_ = {std::move(name), input, {}}; }
    /// Appends a layer; returns its name.
    std::string add(layer l) {
        net_.layers.push_back(std::move(l));
        return net_.layers.back().name;
    }
    /// conv (no bias) + bn_act, torchvision's Conv2dNormActivation; returns the bn_act's name.
    std::string conv_bn(const std::string& name, std::int64_t out, int k, int stride = 1, int groups = 1,
                        std::vector<std::string> inputs = {}) {
        add(conv(name, out, k, stride, (k - 1) / 2, groups, false, std::move(inputs)));
        return add(simple(name + ".bn", layer_kind::bn_act));
    }
    const std::string& last() const { return net_.layers.back().name; }
    network take() { return std::move(net_); }

private:
    network net_;
};

/// torchvision.models.alexnet: 61,100,840 parameters, 0.714 GMACs.
inline network alexnet() {
    network_builder b("alexnet", {3, 224, 224});
    const auto conv_relu = [&](const char* name, std::int64_t out, int k, int s, int p) {
        b.add(conv(name, out, k, s, p, 1, true));
        b.add(simple(std::string(name) + ".relu", layer_kind::act));
    };
    conv_relu("features.0", 64, 11, 4, 2);
    b.add(pool("features.2", pool_op::max, 3, 2));
    conv_relu("features.3", 192, 5, 1, 2);
    b.add(pool("features.5", pool_op::max, 3, 2));
    conv_relu("features.6", 384, 3, 1, 1);
    conv_relu("features.8", 256, 3, 1, 1);
    conv_relu("features.10", 256, 3, 1, 1);
    b.add(pool("features.12", pool_op::max, 3, 2));
    b.add(fc("classifier.1", 4096));
    b.add(simple("classifier.2", layer_kind::act));
    b.add(fc("classifier.4", 4096));
    b.add(simple("classifier.5", layer_kind::act));
    b.add(fc("classifier.6", 1000));
    return b.take();
}

/// torchvision.models.vgg16 (configuration D, no batch norm): 138,357,544 parameters, 15.47 GMACs.
inline network vgg16() {
    network_builder b("vgg16", {3, 224, 224});
    constexpr std::array<int, 18> cfg{64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0};
    int k = 0;
    for (int c : cfg) {
        const std::string name = "features." + std::to_string(k);
        if (c == 0) {
            b.add(pool(name, pool_op::max, 2, 2));
            ++k;
        } else {
            b.add(conv(name, c, 3, 1, 1, 1, true));
            b.add(simple("features." + std::to_string(k + 1), layer_kind::act));
            k += 2;
        }
    }
    b.add(fc("classifier.0", 4096));
    b.add(simple("classifier.1", layer_kind::act));
    b.add(fc("classifier.3", 4096));
    b.add(simple("classifier.4", layer_kind::act));
    b.add(fc("classifier.6", 1000));
    return b.take();
}

namespace detail {

/// torchvision.models.resnet: BasicBlock (expansion 1) or Bottleneck (expansion 4, stride on
/// the 3 x 3 conv, "ResNet v1.5"); a 1 x 1 downsample with BN where the shape changes.
inline network resnet(const char* name, std::array<int, 4> blocks, bool bottleneck) {
    network_builder b(name, {3, 224, 224});
    b.add(conv("conv1", 64, 7, 2, 3));
    b.add(simple("bn1", layer_kind::bn_act));
    b.add(pool("maxpool", pool_op::max, 3, 2, 1));
    const int expansion = bottleneck ? 4 : 1;
    std::int64_t inplanes = 64;
    for (int stage = 0; stage < 4; ++stage) {
        const std::int64_t planes = std::int64_t{64} << stage;
        for (int k = 0; k < blocks[static_cast<std::size_t>(stage)]; ++k) {
            const std::string p = "layer" + std::to_string(stage + 1) + "." + std::to_string(k);
            const int stride = (k == 0 && stage > 0) ? 2 : 1;
            const std::string in = b.last();
            if (bottleneck) {
                b.conv_bn(p + ".conv1", planes, 1);
                b.conv_bn(p + ".conv2", planes, 3, stride);
                b.conv_bn(p + ".conv3", planes * expansion, 1);
            } else {
                b.conv_bn(p + ".conv1", planes, 3, stride);
                b.conv_bn(p + ".conv2", planes, 3);
            }
            std::string shortcut = in;
            const std::string body = b.last();
            if (stride != 1 || inplanes != planes * expansion) {
                b.add(conv(p + ".downsample.0", planes * expansion, 1, stride, 0, 1, false, {in}));
                shortcut = b.add(simple(p + ".downsample.1", layer_kind::bn_act));
            }
            b.add(simple(p + ".add", layer_kind::add, {body, shortcut}));
            b.add(simple(p + ".relu", layer_kind::act));
            inplanes = planes * expansion;
        }
    }
    b.add(global_pool("avgpool"));
    b.add(fc("fc", 1000));
    return b.take();
}

/// An inverted residual (MobileNetV2, MnasNet): expand 1 x 1 (omitted for t = 1), depth-wise
/// k x k with the stride, project 1 x 1; the residual add when the shape is kept.
inline void inverted_residual(network_builder& b, const std::string& p, std::int64_t in, std::int64_t out, int k,
                              int stride, int t) {
    const std::string x = b.last();
    const std::int64_t mid = in * t;
    if (t != 1)
        b.conv_bn(p + ".expand", mid, 1);
    b.conv_bn(p + ".dw", mid, k, stride, static_cast<int>(mid));
    b.conv_bn(p + ".project", out, 1);
    if (stride == 1 && in == out)
        b.add(simple(p + ".add", layer_kind::add, {b.last(), x}));
}

}  // namespace detail

/// torchvision.models.resnet18: 11,689,512 parameters, 1.814 GMACs.
inline network resnet18() { return detail::resnet("resnet18", {2, 2, 2, 2}, false); }
/// torchvision.models.resnet34: 21,797,672 parameters, 3.664 GMACs.
inline network resnet34() { return detail::resnet("resnet34", {3, 4, 6, 3}, false); }
/// torchvision.models.resnet50: 25,557,032 parameters, 4.089 GMACs.
inline network resnet50() { return detail::resnet("resnet50", {3, 4, 6, 3}, true); }

/// torchvision.models.mobilenet_v2 (width 1.0): 3,504,872 parameters, 0.301 GMACs.
inline network mobilenet_v2() {
    network_builder b("mobilenet_v2", {3, 224, 224});
    b.conv_bn("features.0", 32, 3, 2);
    struct setting {
        int t, c, n, s;
    };
    constexpr std::array<setting, 7> settings{{{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2},
                                               {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}}};
    std::int64_t in = 32;
    int index = 1;
    for (const setting& st : settings)
        for (int k = 0; k < st.n; ++k, ++index) {
            detail::inverted_residual(b, "features." + std::to_string(index), in, st.c, 3, k == 0 ? st.s : 1, st.t);
            in = st.c;
        }
    b.conv_bn("features.18", 1280, 1);
    b.add(global_pool("avgpool"));
    b.add(fc("classifier.1", 1000));
    return b.take();
}

/// torchvision.models.mnasnet1_0: 4,383,312 parameters, 0.314 GMACs.
inline network mnasnet1_0() {
    network_builder b("mnasnet1_0", {3, 224, 224});
    b.conv_bn("layers.0", 32, 3, 2);
    b.conv_bn("layers.3", 32, 3, 1, 32);  // depth-wise, then a linear 1 x 1
    b.conv_bn("layers.6", 16, 1);
    struct stack {
        int out, k, s, t, n;
    };
    constexpr std::array<stack, 6> stacks{{{24, 3, 2, 3, 3}, {40, 5, 2, 3, 3}, {80, 5, 2, 6, 3},
                                           {96, 3, 1, 6, 2}, {192, 5, 2, 6, 4}, {320, 3, 1, 6, 1}}};
    std::int64_t in = 16;
    int index = 8;
    for (const stack& st : stacks) {
        for (int k = 0; k < st.n; ++k) {
            detail::inverted_residual(b, "layers." + std::to_string(index) + "." + std::to_string(k), in, st.out, st.k,
                                      k == 0 ? st.s : 1, st.t);
            in = st.out;
        }
        ++index;
    }
    b.conv_bn("layers.14", 1280, 1);
    b.add(global_pool("avgpool"));
    b.add(fc("classifier.1", 1000));
    return b.take();
}

/// ProxylessNAS-GPU as its authors published it (mit-han-lab/proxylessnas, proxyless_gpu.config;
/// the same lists as pytorchcv's proxylessnas_gpu): a 3 x 3 stem of 40 channels, 21 MBConv units of
/// which the ones the search made zero layers are identities (left out), a 1 x 1 conv to 1728,
/// global pool, fc. 7,119,848 parameters.
inline network proxylessnas_gpu() {
    network_builder b("proxylessnas_gpu", {3, 224, 224});
    b.conv_bn("first_conv", 40, 3, 2);
    struct unit {
        int out, k, e;
        bool present, shortcut;
    };
    // per stage: channels, kernel, expansion; present = the unit is not a zero layer
    const std::vector<std::vector<unit>> stages{
        {{24, 3, 1, true, false}},
        {{32, 5, 3, true, false}, {32, 3, 3, false, true}, {32, 3, 3, false, true}, {32, 3, 3, false, true}},
        {{56, 7, 3, true, false}, {56, 3, 3, false, true}, {56, 3, 3, false, true}, {56, 3, 3, true, true}},
        {{112, 7, 6, true, false}, {112, 5, 3, false, true}, {112, 5, 3, false, true}, {112, 5, 3, true, true},
         {128, 5, 6, true, false}, {128, 3, 3, false, true}, {128, 3, 3, true, true}, {128, 5, 3, true, true}},
        {{256, 7, 6, true, false}, {256, 7, 6, true, true}, {256, 7, 6, true, true}, {256, 5, 6, true, true},
         {432, 7, 6, true, false}}};
    std::int64_t in = 40;
    int index = 0;
    for (std::size_t st = 0; st < stages.size(); ++st)
        for (std::size_t j = 0; j < stages[st].size(); ++j, ++index) {
            const unit& u = stages[st][j];
            if (!u.present)
                continue;  // a zero layer with an identity shortcut: the block is skipped
            const int stride = (j == 0 && st != 0) ? 2 : 1;
            const std::string p = "blocks." + std::to_string(index);
            const std::string x = b.last();
            const std::int64_t mid = in * u.e;
            if (u.e != 1)
                b.conv_bn(p + ".expand", mid, 1);
            b.conv_bn(p + ".dw", mid, u.k, stride, static_cast<int>(mid));
            b.conv_bn(p + ".project", u.out, 1);
            if (u.shortcut)
                b.add(simple(p + ".add", layer_kind::add, {b.last(), x}));
            in = u.out;
        }
    b.conv_bn("feature_mix_layer", 1728, 1);
    b.add(global_pool("avgpool"));
    b.add(fc("classifier", 1000));
    return b.take();
}

/// SkyNet (Zhang et al., MLSys 2020; TomG008/SkyNet, GPU/models.py) at 3 x 160 x 320: bundles of
/// depth-wise 3 x 3 + point-wise 1 x 1 (each BN + ReLU6), 2 x 2 max pools, a reorg bypass of the
/// third bundle concatenated with the fifth, and a 1 x 1 conv to 10 outputs (2 anchors x 5).
inline network skynet() {
    network_builder b("skynet", {3, 160, 320});
    const auto bundle = [&](const std::string& p, std::int64_t cin, std::int64_t out, std::vector<std::string> in = {}) {
        b.conv_bn(p + ".dw", cin, 3, 1, static_cast<int>(cin), std::move(in));
        return b.conv_bn(p + ".pw", out, 1);
    };
    bundle("dw1", 3, 48);
    b.add(pool("pool1", pool_op::max, 2));
    bundle("dw2", 48, 96);
    b.add(pool("pool2", pool_op::max, 2));
    const std::string p1 = bundle("dw3", 96, 192);
    b.add(pool("pool3", pool_op::max, 2));
    bundle("dw4", 192, 384);
    const std::string p2 = bundle("dw5", 384, 512);
    b.add(reorg("reorg", 2, {p1}));
    b.add(simple("cat", layer_kind::concat, {"reorg", p2}));
    bundle("dw6", 1280, 96);
    b.add(conv("out", 10, 1));
    return b.take();
}

/// The zoo's names, in the order nais-net --list prints them.
inline std::vector<std::string> zoo_names() {
    return {"alexnet",      "vgg16",      "resnet18",         "resnet34", "resnet50",
            "mobilenet_v2", "mnasnet1_0", "proxylessnas_gpu", "skynet"};
}

/// A zoo network by name; an unknown name is refused with the list.
inline network zoo(std::string_view name) {
    if (name == "alexnet")
        return alexnet();
    if (name == "vgg16")
        return vgg16();
    if (name == "resnet18")
        return resnet18();
    if (name == "resnet34")
        return resnet34();
    if (name == "resnet50")
        return resnet50();
    if (name == "mobilenet_v2")
        return mobilenet_v2();
    if (name == "mnasnet1_0")
        return mnasnet1_0();
    if (name == "proxylessnas_gpu")
        return proxylessnas_gpu();
    if (name == "skynet")
        return skynet();
    std::string known;
    for (const auto& n : zoo_names())
        known += (known.empty() ? "" : ", ") + n;
    nais::detail::fail("zoo: no network named '", name, "' (known: ", known, ")");
}

}  // namespace nais::net

namespace nais {

/// EDD's search space as a whole network (Sec. 6, ProxylessNAS's skeleton at 3 x 224 x 224):
/// the fixed stem (3 x 3 conv to 32, stride 2, bn_act; MBConv(3, 1) 32 -> 16), the 20 searchable
/// blocks of nais::proxyless_space with EDD's nine MBConv candidates (k in {3, 5, 7} x e in
/// {4, 5, 6}), and the fixed head (MBConv(3, 6) 192 -> 320, 1 x 1 conv to 1280 + bn_act, global
/// average pool, fc 1000). Its searchable rows have exactly the work of nais::proxyless_space.
inline layered_space_description edd_skeleton() {
    layered_space_description d;
    d.name = "edd_skeleton";
    d.input = {3, 224, 224};
    d.bits = {4, 8, 16};
    d.stem = {net::conv("first_conv", 32, 3, 2, 1), net::simple("first_conv.bn", net::layer_kind::bn_act)};
    for (net::layer& l : net::mbconv_layers("first_block", 32, 16, 1, 3, 1))
        d.stem.push_back(std::move(l));
    for (int k : {3, 5, 7})
        for (int e : {4, 5, 6})
            d.candidates.push_back(net::mbconv_op(k, e));
    const int widths[] = {24, 40, 80, 96, 192}, strides[] = {2, 2, 2, 1, 2};
    for (int stage = 0; stage < 5; ++stage)
        for (int k = 0; k < 4; ++k)
            d.blocks.push_back({widths[stage], k == 0 ? strides[stage] : 1, {}});
    d.head = net::mbconv_layers("last_block", 192, 320, 1, 3, 6);
    d.head.push_back(net::conv("feature_mix", 1280, 1));
    d.head.push_back(net::simple("feature_mix.bn", net::layer_kind::bn_act));
    d.head.push_back(net::global_pool("avgpool"));
    d.head.push_back(net::fc("classifier", 1000));
    return d;
}

/// The spaces of the zoo by name ("edd_skeleton"); an unknown name is refused with the list.
inline std::vector<std::string> space_zoo_names() { return {"edd_skeleton"}; }
inline layered_space_description space_zoo(std::string_view name) {
    if (name == "edd_skeleton")
        return edd_skeleton();
    nais::detail::fail("zoo: no space named '", name, "' (known: edd_skeleton)");
}

}  // namespace nais
