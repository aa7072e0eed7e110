#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/bundle/bundles.hpp>
#include <nais/device/bundle/design_search.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

// Network growth from a chosen bundle (DAC'19 Sec. 4.3, SkyNet Sec. 4: stack the bundle, widen it,
// place the down-sampling, then fit the IPs): the number of bundles, each bundle's width (never
// narrower than the one before), which bundles a 2 x 2 max pool follows, and the IP design, for
// the least accuracy cost whose exact latency meets the target on the device. Exact: every
// candidate network's accuracy cost is computed (cheap), candidates are visited in increasing
// cost, each gets the exact design search, and the first that meets the target is the optimum;
// the costlier ones are pruned unevaluated (tests/test_bundle.cpp checks it against brute force).
namespace nais::bundle {

struct growth_options {
    std::vector<int> repeats{4, 5, 6};                        ///< bundles in the network
    std::vector<std::int64_t> widths{32, 64, 128, 256, 512};  ///< each bundle's width, non-decreasing
    int pools = 3;                                            ///< 2 x 2 max pools, after distinct bundles
    net::tensor_shape input{3, 160, 320};
    std::int64_t head_channels = 10;
    double target_ms = 0;                                     ///< the latency target per image (required)
};

/// One grown network.
struct grown_network {
    std::vector<std::int64_t> widths;  ///< per bundle
    std::vector<bool> pool_after;      ///< per bundle
    net::network network;
    double accuracy_cost = 0;
    design best;                       ///< its fastest fitting IP design
    network_report report;             ///< the exact evaluation on it
};

struct growth_result {
    bool found = false;           ///< some candidate meets the target on the device
    grown_network best;
    long candidates = 0;          ///< networks in the space
    long searched = 0;            ///< networks given the exact design search (the rest were pruned)
};

inline void validate(const growth_options& o) {
    using nais::detail::require;
    require(!o.repeats.empty() && !o.widths.empty(), "bundle: growth.repeats and growth.widths must not be empty");
    for (int r : o.repeats)
        require(r >= 1 && r <= 16, "bundle: growth.repeats values must be in [1, 16], got ", r);
    for (std::int64_t w : o.widths)
        require(w >= 1 && w <= 65536, "bundle: growth.widths values must be in [1, 65536], got ", w);
    require(std::is_sorted(o.widths.begin(), o.widths.end()) &&
                std::adjacent_find(o.widths.begin(), o.widths.end()) == o.widths.end(),
            "bundle: growth.widths must be strictly increasing");
    require(o.pools >= 0 && o.pools <= *std::min_element(o.repeats.begin(), o.repeats.end()),
            "bundle: growth.pools must be in [0, the smallest repeats]");
    require(o.input.c >= 1 && o.input.h >= 1 && o.input.w >= 1, "bundle: growth.input must be positive");
    require(o.head_channels >= 1, "bundle: growth.head_channels must be >= 1");
    require(std::isfinite(o.target_ms) && o.target_ms > 0, "bundle: growth.target_ms must be > 0, got ", o.target_ms);
}

/// The network of a bundle at these widths and pool positions, with the 1 x 1 head.
inline net::network grown(const bundle_spec& b, const std::vector<std::int64_t>& widths, const std::vector<bool>& pool_after,
                          const net::tensor_shape& input, std::int64_t head_channels) {
    net::network n;
    n.name = detail::network_name("grown", name_of(b));
    n.input = input;
    std::int64_t cin = input.c;
    for (std::size_t i = 0; i < widths.size(); ++i) {
        for (net::layer& l : bundle_layers(b, detail::block_prefix(i + 1), cin, widths[i], pool_after[i]))
            n.layers.push_back(std::move(l));
        cin = widths[i];
    }
    n.layers.push_back(net::conv("head", head_channels, 1));
    return n;
}

/// Every (widths, pool positions) of the growth space, in a fixed order; `visit` returns false to stop.
template <class Visit>
void for_each_growth(const growth_options& o, Visit&& visit) {
    for (int n : o.repeats) {
        std::vector<std::size_t> w(static_cast<std::size_t>(n), 0);  // indices into o.widths, non-decreasing
        while (true) {
            std::vector<bool> pools(static_cast<std::size_t>(n), false);
            std::fill(pools.end() - o.pools, pools.end(), true);
            do {
                std::vector<std::int64_t> widths;
                for (std::size_t i : w)
                    widths.push_back(o.widths[i]);
                if (!visit(widths, pools))
                    return;
            } while (std::next_permutation(pools.begin(), pools.end()));
            // next non-decreasing index sequence
            int i = n - 1;
            while (i >= 0 && w[static_cast<std::size_t>(i)] + 1 == o.widths.size())
                --i;
            if (i < 0)
                break;
            const std::size_t v = w[static_cast<std::size_t>(i)] + 1;
            for (int j = i; j < n; ++j)
                w[static_cast<std::size_t>(j)] = v;
        }
    }
}

/// The least-cost grown network that meets the target (see the file comment).
inline growth_result grow(const bundle_spec& b, const growth_options& o, const accuracy_cost_fn& accuracy,
                          const design& base = {}, const precision& p = {}, const device& dev = {},
                          const design_grid& grid = {}) {
    validate(o);
    nais::detail::require(static_cast<bool>(accuracy), "bundle: grow needs an accuracy cost callable");
    struct candidate {
        std::vector<std::int64_t> widths;
        std::vector<bool> pools;
        double cost;
    };
    std::vector<candidate> all;
    for_each_growth(o, [&](const std::vector<std::int64_t>& widths, const std::vector<bool>& pools) {
        const double c = accuracy(grown(b, widths, pools, o.input, o.head_channels));
        nais::detail::require(std::isfinite(c), "bundle: the accuracy cost of a grown network is not finite");
        all.push_back({widths, pools, c});
        return true;
    });
    growth_result out;
    out.candidates = static_cast<long>(all.size());
    std::vector<std::size_t> order(all.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t c) { return all[a].cost < all[c].cost; });
    for (std::size_t k : order) {
        const candidate& c = all[k];
        net::network n = grown(b, c.widths, c.pools, o.input, o.head_channels);
        design_search_result s = search_design(workloads(n), base, p, dev, grid);
        ++out.searched;
        if (s.found && s.report.ms <= o.target_ms) {
            out.found = true;
            out.best = {c.widths, c.pools, std::move(n), c.cost, s.best, std::move(s.report)};
            break;
        }
    }
    return out;
}

}  // namespace nais::bundle
