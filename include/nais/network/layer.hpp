#pragma once
#include <nais/detail/prologue.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

// Layers of real networks, described as PyTorch describes them, in one flat list in execution
// order (as a traced graph): each layer names its inputs (default: the previous layer).
namespace nais::net {

/// What a layer computes. conv covers grouped and depth-wise convolutions (groups = channels);
/// bn_act is EDD's "otherwise" layer (batch norm + activation, Eq. 12); act an activation alone;
/// scale the channel-wise product of squeeze-and-excitation (x * gate, gate c x 1 x 1).
enum class layer_kind { conv, fc, pool, bn_act, act, add, concat, reorg, scale, shuffle, slice };

/// Pooling operator.
enum class pool_op { max, avg };

/// Channels x height x width of a tensor (batch 1).
struct tensor_shape {
    std::int64_t c = 0, h = 0, w = 0;
    /// c * h * w; the caller keeps it below 2^63 (net::analyze checks every shape it makes).
    std::int64_t elements() const noexcept { return c * h * w; }
    friend bool operator==(const tensor_shape&, const tensor_shape&) = default;
};

/// One layer. Fields a kind does not use keep their defaults, which are PyTorch's.
struct layer {
    std::string name;
    layer_kind kind = layer_kind::conv;
    std::vector<std::string> inputs;  ///< producers by name; empty: the previous layer (or the input)
    std::int64_t out = 0;             ///< conv: output channels; fc: output features
    int kernel_h = 1, kernel_w = 1;   ///< conv, pool
    int stride_h = 1, stride_w = 1;   ///< conv, pool (pool default: the kernel); reorg: its stride
    int pad_h = 0, pad_w = 0;         ///< conv, pool
    int dilation_h = 1, dilation_w = 1;  ///< conv
    int groups = 1;                   ///< conv
    bool bias = false;                ///< conv, fc
    pool_op op = pool_op::max;        ///< pool
    bool ceil_mode = false;           ///< pool
    bool global = false;              ///< pool: over the whole input (adaptive 1 x 1)
    std::int64_t channel_begin = 0, channel_end = 0;  ///< slice: channels [begin, end) of its input
};

/// A network: its name, input shape and layers in execution order.
struct network {
    std::string name;
    tensor_shape input;
    std::vector<layer> layers;
};

// Builders (PyTorch's defaults; the previous layer is the input unless `inputs` is given).

/// Conv2d(cin, out, k, stride, padding, dilation, groups, bias); cin comes from the input.
inline layer conv(std::string name, std::int64_t out, int k, int stride = 1, int pad = 0, int groups = 1,
                  bool bias = false, std::vector<std::string> inputs = {}) {
    layer l;
    l.name = std::move(name);
    l.kind = layer_kind::conv;
    l.out = out;
    l.kernel_h = l.kernel_w = k;
    l.stride_h = l.stride_w = stride;
    l.pad_h = l.pad_w = pad;
    l.groups = groups;
    l.bias = bias;
    l.inputs = std::move(inputs);
    return l;
}
/// Linear(in, out, bias); the input is flattened (in = c * h * w).
inline layer fc(std::string name, std::int64_t out, bool bias = true, std::vector<std::string> inputs = {}) {
    layer l;
    l.name = std::move(name);
    l.kind = layer_kind::fc;
    l.out = out;
    l.bias = bias;
    l.inputs = std::move(inputs);
    return l;
}
/// MaxPool2d / AvgPool2d(k, stride (default k), padding, ceil_mode).
inline layer pool(std::string name, pool_op op, int k, int stride = 0, int pad = 0, bool ceil_mode = false,
                  std::vector<std::string> inputs = {}) {
    layer l;
    l.name = std::move(name);
    l.kind = layer_kind::pool;
    l.op = op;
    l.kernel_h = l.kernel_w = k;
    l.stride_h = l.stride_w = stride > 0 ? stride : k;
    l.pad_h = l.pad_w = pad;
    l.ceil_mode = ceil_mode;
    l.inputs = std::move(inputs);
    return l;
}
/// Global (adaptive 1 x 1) pooling.
inline layer global_pool(std::string name, pool_op op = pool_op::avg, std::vector<std::string> inputs = {}) {
    layer l;
    l.name = std::move(name);
    l.kind = layer_kind::pool;
    l.op = op;
    l.global = true;
    l.inputs = std::move(inputs);
    return l;
}
/// A layer of a kind with no settings (bn_act, act, add, concat, scale).
inline layer simple(std::string name, layer_kind kind, std::vector<std::string> inputs = {}) {
    layer l;
    l.name = std::move(name);
    l.kind = kind;
    l.inputs = std::move(inputs);
    return l;
}
/// SkyNet's reorg (space-to-depth): c x h x w -> (c s^2) x (h / s) x (w / s).
inline layer reorg(std::string name, int stride, std::vector<std::string> inputs = {}) {
    layer l;
    l.name = std::move(name);
    l.kind = layer_kind::reorg;
    l.stride_h = l.stride_w = stride;
    l.inputs = std::move(inputs);
    return l;
}

/// ShuffleNet's channel shuffle (FBNet's grouped ops too): c channels as groups x (c / groups),
/// transposed; the shape is kept, no MACs, no parameters, one pass over the activations.
inline layer shuffle(std::string name, int groups, std::vector<std::string> inputs = {}) {
    layer l;
    l.name = std::move(name);
    l.kind = layer_kind::shuffle;
    l.groups = groups;
    l.inputs = std::move(inputs);
    return l;
}

/// Channels [begin, end) of the input (torch.chunk / split on channels, ShuffleNet v2's halves):
/// a view, no MACs, no parameters.
inline layer slice(std::string name, std::int64_t begin, std::int64_t end, std::vector<std::string> inputs = {}) {
    layer l;
    l.name = std::move(name);
    l.kind = layer_kind::slice;
    l.channel_begin = begin;
    l.channel_end = end;
    l.inputs = std::move(inputs);
    return l;
}

/// The name nais-net prints for a kind ("other" for act and scale).
inline const char* kind_name(layer_kind k) noexcept {
    switch (k) {
    case layer_kind::conv:
        return "conv";
    case layer_kind::fc:
        return "fc";
    case layer_kind::pool:
        return "pool";
    case layer_kind::bn_act:
        return "bn_act";
    case layer_kind::add:
        return "add";
    case layer_kind::concat:
        return "concat";
    case layer_kind::reorg:
        return "reorg";
    case layer_kind::shuffle:
        return "shuffle";
    case layer_kind::slice:
        return "slice";
    case layer_kind::act:
    case layer_kind::scale:
    default:
        return "other";
    }
}

}  // namespace nais::net
