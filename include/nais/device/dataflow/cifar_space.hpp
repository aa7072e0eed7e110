#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/network/candidates.hpp>
#include <nais/network/layer.hpp>
#include <nais/network/layered_space.hpp>

// The ProxylessNAS-style CIFAR-10 space of the DANCE example. DANCE (DAC 2021, Sec. 4) searches
// a ProxylessNAS-style backbone on CIFAR-10 but does not publish its exact sizes; these are
// nais's: input 3 x 32 x 32; stem 3 x 3 conv to 32 + bn_act and MBConv(3, 1) 32 -> 16; 20
// searchable blocks in five stages of four, widths 24, 40, 80, 96, 192, first-block strides
// 1, 2, 2, 1, 2 (32 x 32 down to 4 x 4); candidates MBConv k in {3, 5, 7} x e in {3, 6}, plus
// the skip op in every block that keeps its shape (not the first of a stage); head 1 x 1 conv to
// 1280 + bn_act, global average pool, fc 10.
namespace nais::dataflow {

inline layered_space_description proxyless_cifar10() {
    layered_space_description d;
    d.name = "proxyless_cifar10";
    d.input = {3, 32, 32};
    d.bits = {16};
    d.stem = {net::conv("first_conv", 32, 3, 1, 1), net::simple("first_conv.bn", net::layer_kind::bn_act)};
    for (net::layer& l : net::mbconv_layers("first_block", 32, 16, 1, 3, 1))
        d.stem.push_back(std::move(l));
    std::vector<net::op_description> mb;
    for (int k : {3, 5, 7})
        for (int e : {3, 6})
            mb.push_back(net::mbconv_op(k, e));
    std::vector<net::op_description> with_skip = mb;
    with_skip.push_back(net::skip_op());
    const int widths[] = {24, 40, 80, 96, 192}, strides[] = {1, 2, 2, 1, 2};
    for (int stage = 0; stage < 5; ++stage)
        for (int k = 0; k < 4; ++k)
            d.blocks.push_back({widths[stage], k == 0 ? strides[stage] : 1, k == 0 ? mb : with_skip});
    d.head = {net::conv("feature_mix", 1280, 1), net::simple("feature_mix.bn", net::layer_kind::bn_act), net::global_pool("avgpool"),
              net::fc("classifier", 10)};
    return d;
}

}  // namespace nais::dataflow
