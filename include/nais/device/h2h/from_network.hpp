#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/device/h2h/workload.hpp>
#include <nais/network/analysis.hpp>

#include <string>
#include <utility>

// A nais network as an H2H stream: its conv and fully connected layers in order, in H2H's shapes
// (conv M = out channels, N = in channels per group, R x C = output, K = kernel height; fc M =
// out features, N = in features, K = 1). Pools, activations, adds and concats carry no weights
// and are not H2H layers; the stream is the chain of the remaining layers (a residual edge
// becomes the chain's order).
namespace nais::h2h {

inline stream stream_of(const net::network& n, std::string name) {
    const net::network_report r = net::analyze(n);
    stream s{std::move(name), {}};
    for (const net::layer_report& l : r.layers) {
        if (l.kind == net::layer_kind::conv)
            s.layers.push_back(conv_layer(s.name + "/" + l.name, l.out.c, l.in.c / std::max(1, l.groups), l.out.h, l.out.w,
                                          l.kernel_h, l.stride_h, 0));
        else if (l.kind == net::layer_kind::fc)
            s.layers.push_back(fc_layer(s.name + "/" + l.name, l.out.c * l.out.h * l.out.w, l.in.c * l.in.h * l.in.w, 1));
    }
    nais::detail::require(!s.layers.empty(), "h2h: network '", r.name, "' has no conv or fc layer to map");
    return s;
}

}  // namespace nais::h2h
