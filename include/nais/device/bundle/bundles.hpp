#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/bundle/design_search.hpp>
#include <nais/device/bundle/ip_model.hpp>
#include <nais/network/analysis.hpp>
#include <nais/network/layer.hpp>
#include <nais/search/standin.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

// Bundles (Hao et al., DAC 2019, Sec. 4; SkyNet, MLSys 2020, Sec. 4): a bundle is a short list of
// conv layers, each followed by batch norm + activation (fused into the IP's epilogue), that is
// both the network's building block and the accelerator's set of IPs. Enumeration, the probe
// network each bundle is judged on (the bundle repeated with fixed down-sampling), its
// evaluation (the exact IP design search under the device, an accuracy cost from a user
// callable) and the Pareto set over (accuracy cost, latency, resources).
namespace nais::bundle {

/// The layers a bundle is built from: conv 3 x 3, conv 1 x 1 (point-wise), depth-wise 3 x 3 / 5 x 5.
enum class bundle_op { conv3x3, conv1x1, dw3x3, dw5x5 };

inline const char* name_of(bundle_op o) {
    switch (o) {
    case bundle_op::conv3x3:
        return "conv3x3";
    case bundle_op::conv1x1:
        return "pw1x1";
    case bundle_op::dw3x3:
        return "dw3x3";
    case bundle_op::dw5x5:
    default:
        return "dw5x5";
    }
}
inline bool is_depthwise(bundle_op o) noexcept { return o == bundle_op::dw3x3 || o == bundle_op::dw5x5; }
inline int kernel_of(bundle_op o) noexcept { return o == bundle_op::conv1x1 ? 1 : o == bundle_op::dw5x5 ? 5 : 3; }

/// A bundle: its layers in order (each + bn_act).
struct bundle_spec {
    std::vector<bundle_op> ops;
    friend bool operator==(const bundle_spec&, const bundle_spec&) = default;
};

/// "dw3x3+pw1x1".
inline std::string name_of(const bundle_spec& b) {
    std::string s;
    for (bundle_op o : b.ops) {
        if (!s.empty())
            s += '+';
        s += name_of(o);
    }
    return s;
}

/// The bundle's layers from cin to cout channels: a depth-wise layer keeps its input's channels,
/// every other layer outputs cout; then an optional 2 x 2 max pool (down-sampling). Names start
/// with prefix + ".". The bundle must mix channels (some non-depth-wise layer), or a depth-wise
/// bundle could not change the width.
inline std::vector<net::layer> bundle_layers(const bundle_spec& b, const std::string& prefix, std::int64_t cin,
                                             std::int64_t cout, bool pool_after) {
    nais::detail::require(!b.ops.empty(), "bundle: a bundle needs at least one layer");
    nais::detail::require(std::any_of(b.ops.begin(), b.ops.end(), [](bundle_op o) { return !is_depthwise(o); }),
                          "bundle: bundle '", name_of(b), "' has no conv or point-wise layer to mix channels");
    std::vector<net::layer> out;
    std::int64_t c = cin;
    for (std::size_t i = 0; i < b.ops.size(); ++i) {
        const bundle_op o = b.ops[i];
        const int k = kernel_of(o);
        const std::string n = prefix + "." + std::to_string(i) + "." + name_of(o);
        const std::int64_t to = is_depthwise(o) ? c : cout;
        out.push_back(net::conv(n, to, k, 1, (k - 1) / 2, is_depthwise(o) ? static_cast<int>(c) : 1));
        out.push_back(net::simple(n + ".bn", net::layer_kind::bn_act));
        c = to;
    }
    nais::detail::require(c == cout, "bundle: bundle '", name_of(b), "' ends with a depth-wise layer at ", c,
                          " channels, not the block's ", cout, " (end with a conv or point-wise layer)");
    if (pool_after)
        out.push_back(net::pool(prefix + ".pool", net::pool_op::max, 2));
    return out;
}

namespace detail {
/// "b<k>": the name prefix of the k-th bundle of a network (appended: GCC 12's -Wrestrict misfires
/// on "literal" + std::string at -O3).
inline std::string block_prefix(std::size_t k) {
    std::string s = "b";
    s += std::to_string(k);
    return s;
}
/// "<what>(<bundle>)": a network's name.
inline std::string network_name(const char* what, const std::string& bundle) {
    std::string s = what;
    s += '(';
    s += bundle;
    s += ')';
    return s;
}
}  // namespace detail

/// Every bundle of 1 to max_layers layers that mixes channels and ends with a mixing layer, with
/// no layer repeated back to back and no two depth-wise layers in a row, in a fixed order
/// (length, then the ops' order). max_layers 3 gives 2 + 6 + 14 = 22 (tests/test_bundle.cpp
/// counts them independently).
inline std::vector<bundle_spec> enumerate_bundles(int max_layers = 3) {
    nais::detail::require(max_layers >= 1 && max_layers <= 5, "bundle: max_layers must be in [1, 5], got ", max_layers);
    const bundle_op all[] = {bundle_op::conv3x3, bundle_op::conv1x1, bundle_op::dw3x3, bundle_op::dw5x5};
    std::vector<bundle_spec> out, frontier{bundle_spec{}};
    for (int len = 1; len <= max_layers; ++len) {
        std::vector<bundle_spec> next;
        for (const bundle_spec& b : frontier)
            for (bundle_op o : all) {
                if (!b.ops.empty() && (b.ops.back() == o || (is_depthwise(b.ops.back()) && is_depthwise(o))))
                    continue;
                bundle_spec e = b;
                e.ops.push_back(o);
                next.push_back(e);
                if (!is_depthwise(o))
                    out.push_back(e);
            }
        frontier = std::move(next);
    }
    return out;
}

/// The probe network (DAC'19: each bundle repeated with fixed down-sampling): `repeats` copies of
/// the bundle at widths base_width * 2^min(r, pools) ..., a 2 x 2 max pool after each of the first
/// `pools` copies, and a 1 x 1 head to head_channels. Default input: SkyNet's 3 x 160 x 320.
struct probe_options {
    net::tensor_shape input{3, 160, 320};
    int repeats = 5;
    int pools = 3;
    std::int64_t base_width = 48;
    std::int64_t max_width = 512;
    std::int64_t head_channels = 10;
};

inline void validate(const probe_options& o) {
    using nais::detail::require;
    require(o.input.c >= 1 && o.input.h >= 1 && o.input.w >= 1, "bundle: probe.input must be positive");
    require(o.repeats >= 1 && o.repeats <= 32, "bundle: probe.repeats must be in [1, 32], got ", o.repeats);
    require(o.pools >= 0 && o.pools <= o.repeats, "bundle: probe.pools must be in [0, repeats], got ", o.pools);
    require(o.base_width >= 1 && o.max_width >= o.base_width && o.max_width <= (1 << 16),
            "bundle: probe widths need 1 <= base_width <= max_width <= 65536");
    require(o.head_channels >= 1, "bundle: probe.head_channels must be >= 1");
}

inline net::network probe_network(const bundle_spec& b, const probe_options& o = {}) {
    validate(o);
    net::network n;
    n.name = detail::network_name("probe", name_of(b));
    n.input = o.input;
    std::int64_t cin = o.input.c;
    for (int r = 0; r < o.repeats; ++r) {
        const std::int64_t width = std::min(o.max_width, o.base_width << std::min(r, 20));
        for (net::layer& l : bundle_layers(b, detail::block_prefix(std::size_t(r) + 1), cin, width, r < o.pools))
            n.layers.push_back(std::move(l));
        cin = width;
    }
    n.layers.push_back(net::conv("head", o.head_channels, 1));
    return n;
}

/// The receptive field of a chain network (each layer's first input): 1 + sum (k - 1) * jump,
/// jump the product of the earlier strides.
inline std::int64_t receptive_field(const net::network& n) {
    const net::network_report r = net::analyze(n);
    std::int64_t field = 1, jump = 1;
    for (const net::layer_report& l : r.layers)
        if (l.kernel_h > 0) {
            field += std::int64_t(l.kernel_h - 1) * jump;
            jump *= std::max(1, l.stride_h);
        }
    return field;
}

/// An accuracy cost: lower is better (a user's trained-proxy error, or the stand-in below).
using accuracy_cost_fn = std::function<double(const net::network&)>;

/// nais's stand-in accuracy term for a whole network (search::standin_network_cost; NOT an
/// accuracy model): 1 / log2(2 + MACs / 1e6) + 1 / log2(1 + receptive field). Replace it with the
/// validation error of a briefly trained probe for real decisions.
inline double capacity_standin(const net::network& n) {
    return search::standin_network_cost(double(net::analyze(n).macs), double(receptive_field(n)));
}

/// A bundle judged on its probe network.
struct bundle_result {
    bundle_spec bundle;
    std::string name;
    std::vector<ip> ips;
    bool feasible = false;         ///< some design of the grid fits the device
    design best;                   ///< the fastest fitting IP design
    double ms = 0;                 ///< the probe's latency per image on it
    double accuracy_cost = 0;
    bundle::resources used;
    double resource_share = 0;     ///< max(DSP / dsp, BRAM18 / bram18): 1 = at the limit
    std::int64_t macs = 0, params = 0;
    bool pareto = false;           ///< on the Pareto set over (accuracy cost, ms, resource share)
};

/// Evaluates every bundle on its probe (exact design search under `dev`), then marks the Pareto
/// set over (accuracy cost, ms, resource share) among the feasible ones. Sorted by ms.
inline std::vector<bundle_result> evaluate_bundles(const std::vector<bundle_spec>& bundles, const probe_options& probe,
                                                   const accuracy_cost_fn& accuracy, const design& base = {},
                                                   const precision& p = {}, const device& dev = {},
                                                   const design_grid& grid = {}) {
    nais::detail::require(static_cast<bool>(accuracy), "bundle: evaluate_bundles needs an accuracy cost callable");
    std::vector<bundle_result> out;
    for (const bundle_spec& b : bundles) {
        bundle_result r;
        r.bundle = b;
        r.name = name_of(b);
        const net::network n = probe_network(b, probe);
        const net::network_report a = net::analyze(n);
        r.macs = a.macs;
        r.params = a.params;
        const std::vector<workload> layers = workloads(n);
        r.ips = ips_of(layers);
        const design_search_result s = search_design(layers, base, p, dev, grid);
        r.feasible = s.found;
        r.accuracy_cost = accuracy(n);
        nais::detail::require(std::isfinite(r.accuracy_cost), "bundle: the accuracy cost of '", r.name, "' is not finite");
        if (s.found) {
            r.best = s.best;
            r.ms = s.report.ms;
            r.used = s.report.used;
            r.resource_share = std::max(double(r.used.dsp) / dev.dsp, double(r.used.bram18) / dev.bram18);
        }
        out.push_back(std::move(r));
    }
    const auto dominates = [](const bundle_result& a, const bundle_result& b) {
        const bool no_worse = a.accuracy_cost <= b.accuracy_cost && a.ms <= b.ms && a.resource_share <= b.resource_share;
        const bool better = a.accuracy_cost < b.accuracy_cost || a.ms < b.ms || a.resource_share < b.resource_share;
        return no_worse && better;
    };
    for (bundle_result& r : out) {
        if (!r.feasible)
            continue;
        r.pareto = std::none_of(out.begin(), out.end(), [&](const bundle_result& o) { return o.feasible && dominates(o, r); });
    }
    std::stable_sort(out.begin(), out.end(), [](const bundle_result& a, const bundle_result& b) {
        if (a.feasible != b.feasible)
            return a.feasible;
        return a.ms < b.ms;
    });
    return out;
}

}  // namespace nais::bundle
