#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/network/analysis.hpp>
#include <nais/network/candidates.hpp>
#include <nais/space/search_space.hpp>

#include <concepts>

// The layers of a search space's ops, for device models that map layers rather than work (Loom
// by layer kind, GPU op signatures, the tiled, bundle, H2H and dataflow models): what a space
// offers beyond the core's search_space (space/search_space.hpp).
namespace nais {

/// A space whose ops are analysed layer lists (layered_space): candidate_report(i, m).
template <class S>
concept layer_list_space = requires(const S& s, int i) {
    { s.candidate_report(i, i) } -> std::convertible_to<const net::network_report&>;
};

/// A space that describes its ops' layers: MBConv descriptions (block_at, op_at) or layer lists.
template <class S>
concept layer_described_space = search_space<S> && (mbconv_space<S> || layer_list_space<S>);

/// The layers of EDD's MBConv(k, e) in block b, at the block's input (net::mbconv_layers).
inline net::network mbconv_network(const block& b, const mbconv& o) {
    return net::network{"op", {b.cin, b.h, b.w}, net::mbconv_layers("op", b.cin, b.cout, b.stride, o.kernel, o.expand)};
}

/// The analysed layers of EDD's MBConv(k, e) in block b.
inline net::network_report mbconv_report(const block& b, const mbconv& o) { return net::analyze(mbconv_network(b, o)); }

/// The analysed layers of op m in block i: the space's own (layer_list_space) or those of EDD's
/// MBConv (mbconv_report).
template <search_space S>
net::network_report candidate_report(const S& s, int i, int m) {
    static_assert(layer_described_space<S>,
                  "nais::candidate_report: this device model maps the ops' layers; the space must describe them: "
                  "block_at(i) and op_at(m) (MBConv) or candidate_report(i, m) (layer lists, as nais::layered_space)");
    if constexpr (layer_list_space<S>)
        return s.candidate_report(i, m);
    else
        return mbconv_report(s.block_at(i), s.op_at(m));
}

/// Op m of block i as a network at the block's input (for device models that map layers, not
/// work): a layered space's candidate layers, or EDD's MBConv.
template <search_space S>
net::network candidate_network(const S& s, int i, int m) {
    static_assert(layer_described_space<S>,
                  "nais::candidate_network: this device model maps the ops' layers; the space must describe them: "
                  "block_at(i) and op_at(m) (MBConv) or candidate_layers(i, m) (layer lists, as nais::layered_space)");
    if constexpr (layer_list_space<S>) {
        static_assert(requires { s.candidate_layers(i, m); s.row_input(i); s.candidate_name(i, m); },
                      "nais::candidate_network: a layer-list space must offer candidate_layers(i, m), row_input(i) "
                      "and candidate_name(i, m) (as nais::layered_space does)");
        return net::network{s.candidate_name(i, m), s.row_input(i), s.candidate_layers(i, m)};
    } else {
        return mbconv_network(s.block_at(i), s.op_at(m));
    }
}

}  // namespace nais
