#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/network/analysis.hpp>
#include <nais/network/layer.hpp>

#include <array>
#include <cstddef>

// The analytic features of a layer that the calibrated latency model weighs (docs/devices/
// calibrated.md): MACs by layer kind (depth-wise, point-wise, grouped, dense convolutions and fc
// layers run at very different speeds per MAC), the words a layer moves (weights, activations),
// and per-layer counts (each layer is at least one kernel launch or loop nest: the overhead that
// dominates small networks on GPUs at batch 1), with element-wise layers, channel shuffles and
// residual adds apart. Each feature belongs to one group (MACs, layers, words): the coarse model
// the fit shrinks towards when it has few measurements.
namespace nais::calibrated {

enum feature : int {
    depthwise_macs,      ///< conv with groups = input channels > 1
    pointwise_macs,      ///< 1 x 1 conv, groups 1
    grouped_macs,        ///< conv with 1 < groups < input channels
    dense_macs,          ///< k x k conv (k > 1), groups 1, and fc layers
    weight_words,        ///< parameters (weights, biases, BN's affine)
    activation_words,    ///< elements read and written by every layer
    depthwise_layers,    ///< depth-wise convs
    conv_layers,         ///< the other convs and fc layers
    elementwise_layers,  ///< BN + activation, activation, pooling, add, concat, scale, reorg, shuffle
    elementwise_words,   ///< elements read and written by element-wise layers
    shuffle_layers,      ///< channel shuffles (a copy with a transpose)
    add_layers,          ///< element-wise adds (residuals)
    feature_count
};

inline constexpr std::array<const char*, feature_count> feature_names{
    "depthwise_macs",     "pointwise_macs",    "grouped_macs",   "dense_macs", "weight_words", "activation_words",
    "depthwise_layers",   "conv_layers",       "elementwise_layers", "elementwise_words", "shuffle_layers",
    "add_layers"};

/// The coarse groups: 0 MACs, 1 layers (overhead per layer), 2 words (memory traffic).
inline constexpr int group_count = 3;
inline constexpr std::array<const char*, group_count> group_names{"macs", "layers", "words"};
inline constexpr std::array<int, feature_count> feature_group{0, 0, 0, 0, 2, 2, 1, 1, 1, 2, 1, 1};

using features = std::array<double, feature_count>;

/// The features of one analysed layer.
inline features layer_features(const net::layer_report& l) {
    features f{};
    const double macs = static_cast<double>(l.macs), moved = static_cast<double>(l.in_elements + l.out_elements);
    f[weight_words] = static_cast<double>(l.params);
    f[activation_words] = moved;
    switch (l.kind) {
    case net::layer_kind::conv:
        if (l.groups > 1 && l.groups == l.in.c) {
            f[depthwise_macs] = macs;
            f[depthwise_layers] = 1;
        } else {
            f[l.groups > 1 ? grouped_macs : (l.kernel_h == 1 && l.kernel_w == 1 ? pointwise_macs : dense_macs)] = macs;
            f[conv_layers] = 1;
        }
        break;
    case net::layer_kind::fc:
        f[dense_macs] = macs;
        f[conv_layers] = 1;
        break;
    default:
        f[elementwise_layers] = 1;
        f[elementwise_words] = moved;
        f[shuffle_layers] = l.kind == net::layer_kind::shuffle ? 1 : 0;
        f[add_layers] = l.kind == net::layer_kind::add ? 1 : 0;
        break;
    }
    return f;
}

/// The features of a list of layers (an op, a network): the sum of its layers'.
inline features network_features(const net::network_report& r) {
    features f{};
    for (const net::layer_report& l : r.layers) {
        const features x = layer_features(l);
        for (int k = 0; k < feature_count; ++k)
            f[std::size_t(k)] += x[std::size_t(k)];
    }
    return f;
}

}  // namespace nais::calibrated
