// Small instances of the four composed losses beyond EDD's (HotNAS's tiled template, the bundle
// accelerator, H2H's multi-task co-design, DANCE's dataflow co-design), for the tests that run
// every composed loss (test_no_malloc, test_property). Each factory takes the space, so a test
// can give it a fixed or a random one.
#pragma once
#include <nais/nais.hpp>

#include <numeric>
#include <vector>

namespace nais_test {

/// A bundle supernet of `blocks` blocks over three bundles (bundle::bundle_space).
inline nais::layered_space bundle_supernet(int blocks = 3, int base_width = 16) {
    using nais::bundle::bundle_op;
    nais::bundle::bundle_space_options o;
    o.input = {3, 32, 64};
    for (int k = 0; k < blocks; ++k) {
        o.widths.push_back(base_width << std::min(k, 2));
        o.pool_after.push_back(k < 2);
    }
    return nais::bundle::bundle_space({nais::bundle::bundle_spec{{bundle_op::dw3x3, bundle_op::conv1x1}},
                                       nais::bundle::bundle_spec{{bundle_op::conv3x3}},
                                       nais::bundle::bundle_spec{{bundle_op::conv1x1, bundle_op::dw5x5, bundle_op::conv1x1}}},
                                      o);
}

/// Two streams over the space's blocks (the first half, then the rest fed by its last block) on
/// a platform of a large and a small H2H accelerator.
inline nais::h2h::stream_layout two_streams(int blocks) {
    const int a = std::max(1, blocks / 2), b = blocks - a;
    if (b == 0)
        return {{"only"}, {a}, {}};
    return {{"first", "second"}, {a, b}, {{a - 1, a}}};
}
inline std::vector<nais::h2h::accelerator> two_accelerators() {
    nais::h2h::accelerator big, small;
    big.name = "big", big.throughput_gops = 120, big.power_w = 20, big.link_gbps = 8;
    small.name = "small", small.throughput_gops = 25, small.power_w = 4, small.link_gbps = 16, small.Tm = 16, small.Tn = 8;
    return {big, small};
}

/// A hardware space of 2 x 2 x 2 points (PE x, PE y, RF) and the three dataflows.
inline nais::dataflow::codesign_options small_dataflow_options() {
    nais::dataflow::codesign_options o;
    o.space.pe_x = {8, 16};
    o.space.pe_y = {4, 12};
    o.space.rf_entries = {16, 256};
    return o;
}

/// The first `blocks` blocks of dataflow::proxyless_cifar10() (stem and head kept).
inline nais::layered_space cifar_slice(int blocks = 3) {
    nais::layered_space_description d = nais::dataflow::proxyless_cifar10();
    d.blocks.resize(std::size_t(blocks));
    return nais::layered_space(d);
}

}  // namespace nais_test
