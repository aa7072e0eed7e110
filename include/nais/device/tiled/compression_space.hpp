#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/network/space_layers.hpp>
#include <nais/device/tiled/template_model.hpp>
#include <nais/device/tiled/workloads.hpp>
#include <nais/network/analysis.hpp>
#include <nais/network/layer.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <numeric>
#include <string>
#include <vector>

// HotNAS's iSpace: the compressions a trained network's layers are offered, grouped into units
// whose latencies are independent of each other, and the same units as a nais search space
// (rows = units, columns = a unit's combinations of choices), so that the tiled template's
// device model (model.hpp) co-searches compression and design by gradient.
//  - Offers (HotNAS slide "Results Visualization on ResNet-18"): a layer bound by compute (C)
//    may drop weights per kernel (pattern pruning); by input or output transfers (I, O) drop
//    output channels (channel cut, which also thins its consumers); by weights (W) quantise its
//    weights. by_class = false offers every technique to every layer.
//  - Units: a layer offered a channel cut together with the layers whose input channels the cut
//    changes (union over shared consumers); every other layer alone. A unit's combinations are
//    one choice per member layer, in mixed radix over the members (combination 0: none).
namespace nais::tiled {

/// One compression option of one layer.
struct compression_choice {
    std::string technique = "none";  ///< none, channel, pattern, quantize
    compression c;
};

/// A layer's compression with its technique named (a plan's entry as a choice).
inline compression_choice choice_of(const compression& c) {
    return {c.out_channels ? "channel" : c.kept ? "pattern" : c.weight_bits ? "quantize" : "none", c};
}

/// iSpace: which compressions a layer is offered.
struct compression_offer {
    std::vector<int> channel_cuts = {1, 2, 3};     ///< channels removed, in steps of max(1, M/32) (512: 16)
    std::vector<int> pattern_zeros = {1, 2, 3, 4}; ///< weights removed per k x k kernel (k >= 3)
    std::vector<int> weight_bits = {12, 8};        ///< quantised weight widths
    bool by_class = true;                          ///< techniques by iDetect class
};

/// A unit of compression (see the file comment).
struct compression_unit {
    std::vector<std::size_t> layers;                         ///< indices into the uncompressed workloads
    std::vector<std::vector<compression_choice>> choices;    ///< [combination][member]
    std::vector<compression_plan> plans;                     ///< [combination]: the members' compressions
    std::vector<bool> cuts;                                  ///< [combination]: it cuts channels
};

/// The workloads of a compressed network (a channel cut re-analyses the whole network).
using workload_loader = std::function<std::vector<workload>(const compression_plan&)>;

namespace detail {

/// The choices iSpace offers a layer of class `b` (always "none" first).
inline std::vector<compression_choice> offered(const workload& l, bottleneck b, bool cuttable, const compression_offer& o) {
    std::vector<compression_choice> v{compression_choice{}};
    const bool all = !o.by_class;
    if ((all || b == bottleneck::input || b == bottleneck::output) && cuttable) {
        const std::int64_t step = std::max<std::int64_t>(1, l.M / 32);
        for (int k : o.channel_cuts)
            if (l.M - k * step >= 1)
                v.push_back({"channel", compression{l.M - k * step, 0, 0}});
    }
    if ((all || b == bottleneck::compute) && l.K_h * l.K_w >= 9)
        for (int z : o.pattern_zeros)
            if (z >= 1 && z < l.K_h * l.K_w)
                v.push_back({"pattern", compression{0, l.K_h * l.K_w - z, 0}});
    if (all || b == bottleneck::weight)
        for (int bits : o.weight_bits)
            v.push_back({"quantize", compression{0, 0, bits}});
    return v;
}

/// Per layer that may lose output channels, the layers whose shapes a cut changes; a cut that
/// breaks the network (a residual add) is not offered (the layer is absent).
inline std::map<std::size_t, std::vector<std::size_t>> cut_consumers(const std::vector<workload>& base,
                                                                     const workload_loader& load) {
    std::map<std::size_t, std::vector<std::size_t>> consumers;
    for (std::size_t k = 0; k < base.size(); ++k) {
        const workload& w = base[k];
        if (w.depthwise || w.groups != 1 || w.M < 2 || w.R * w.C == 1)
            continue;  // fc layers and grouped convs keep their channels
        try {
            const std::vector<workload> cut = load({{w.name, compression{w.M - 1, 0, 0}}});
            if (cut.size() != base.size())
                continue;
            std::vector<std::size_t> c;
            for (std::size_t j = 0; j < cut.size(); ++j)
                if (j != k && (cut[j].N != base[j].N || cut[j].M != base[j].M))
                    c.push_back(j);
            consumers[k] = c;
        } catch (const nais::invalid_argument&) {
        }
    }
    return consumers;
}

}  // namespace detail

/// The units of `base` (uncompressed workloads) when layer k has class classes[k]; units
/// whose only combination is "none" come out too (one combination). Refuses a unit of more
/// than max_combinations combinations.
inline std::vector<compression_unit> compression_units(const std::vector<workload>& base,
                                                       const std::vector<bottleneck>& classes,
                                                       const std::map<std::size_t, std::vector<std::size_t>>& consumers,
                                                       const compression_offer& o, std::size_t max_combinations = 100000) {
    nais::detail::require(classes.size() == base.size(), "fpga-tiled: compression units: ", classes.size(),
                          " classes for ", base.size(), " layers");
    std::vector<std::size_t> parent(base.size());
    std::iota(parent.begin(), parent.end(), 0);
    const auto find = [&](std::size_t x) {
        while (parent[x] != x)
            x = parent[x] = parent[parent[x]];
        return x;
    };
    std::vector<std::vector<compression_choice>> choices(base.size());
    for (std::size_t k = 0; k < base.size(); ++k) {
        const auto it = consumers.find(k);
        choices[k] = detail::offered(base[k], classes[k], it != consumers.end(), o);
        const bool cuts = std::any_of(choices[k].begin(), choices[k].end(), [](const compression_choice& c) { return c.technique == "channel"; });
        if (cuts)
            for (std::size_t c : it->second)
                parent[find(c)] = find(k);
    }
    std::map<std::size_t, std::vector<std::size_t>> groups;
    for (std::size_t k = 0; k < base.size(); ++k)
        groups[find(k)].push_back(k);
    std::vector<compression_unit> units;
    for (const auto& [root, members] : groups) {
        std::size_t combos = 1;
        for (std::size_t k : members) {
            nais::detail::require(combos <= max_combinations / choices[k].size(), "fpga-tiled: compression: a unit of ",
                                  members.size(), " layers (with '", base[members[0]].name, "') has more than ",
                                  max_combinations, " combinations: offer fewer choices");
            combos *= choices[k].size();
        }
        compression_unit u;
        u.layers = members;
        for (std::size_t c = 0; c < combos; ++c) {
            std::vector<compression_choice> pick;
            compression_plan plan;
            bool cut = false;
            std::size_t rest = c;
            for (std::size_t k : members) {
                const compression_choice& ch = choices[k][rest % choices[k].size()];
                rest /= choices[k].size();
                pick.push_back(ch);
                if (ch.technique != "none") {
                    plan[base[k].name] = ch.c;
                    cut = cut || ch.c.out_channels != 0;
                }
            }
            u.choices.push_back(std::move(pick));
            u.plans.push_back(std::move(plan));
            u.cuts.push_back(cut);
        }
        units.push_back(std::move(u));
    }
    return units;
}

/// The members' workloads under combination c, in the unit's order: a channel cut re-analyses
/// the network (its consumers thin); patterns and bits change only the layer itself.
inline std::vector<workload> unit_workloads(const compression_unit& u, std::size_t c, const std::vector<workload>& base,
                                            const workload_loader& load) {
    std::vector<workload> out;
    if (u.cuts.at(c)) {
        const std::vector<workload> ws = load(u.plans[c]);
        for (std::size_t k : u.layers)
            out.push_back(ws.at(k));  // a cut keeps the layer list (cut_consumers checked it)
    } else {
        for (std::size_t k : u.layers) {
            const auto it = u.plans[c].find(base[k].name);
            out.push_back(it == u.plans[c].end() ? base[k] : with_compression(base[k], it->second));
        }
    }
    return out;
}

/// The sum over a unit's member layers of a per-layer accuracy cost (an additive cost's unit
/// term); "none" costs nothing.
template <class LayerCost>
double unit_cost(const compression_unit& u, std::size_t c, const std::vector<workload>& base, const LayerCost& cost) {
    double s = 0;
    for (std::size_t j = 0; j < u.layers.size(); ++j)
        if (u.choices.at(c)[j].technique != "none")
            s += cost(base[u.layers[j]], u.choices[c][j]);
    return s;
}

/// How compression_space builds its units.
struct compression_space_options {
    compression_offer offer{};
    shapes layer_shapes = shapes::true_shapes;
    int batch = 1;
    std::size_t max_combinations = 4096;  ///< per unit (one column each)
};

/// iSpace as a nais search space over a trained network: row i is a unit with more than one
/// combination (rows in network order: by their first layer), column m its combination m (0: uncompressed; columns past a unit's count are
/// unavailable); a last row holds the layers nobody compresses (one column). The tiled model
/// (model.hpp) reads each cell's workloads through tiled_workloads(i, m), so theta becomes the
/// compression logits and log2_design the design, in one EDD loss.
class compression_space {
public:
    static constexpr int blocks_at_compile_time = Eigen::Dynamic;
    static constexpr int ops_at_compile_time = Eigen::Dynamic;
    static constexpr int bits_at_compile_time = Eigen::Dynamic;

    using options = compression_space_options;

    /// iSpace of `net` with each layer's class taken on design `d` (iDetect).
    compression_space(const net::network& net, const design& d, const device& dev = {}, const precision& p = {},
                      mode m = mode::hardware, const options& o = {})
        : net_(net), o_(o), prec_bits_(p.weights), id_(next_id()) {
        nais::detail::require(o.batch >= 1 && o.batch <= max_design_value, "fpga-tiled: compression space batch must be in [1, ",
                              max_design_value, "], got ", o.batch);
        base_ = load({});
        nais::detail::require(!base_.empty(), "fpga-tiled: compression space: network '", net.name, "' has no conv or fc layer");
        for (const workload& w : base_)
            classes_.push_back(evaluate_layer(w, d, dev, p, m).limit);
        const workload_loader loader = [&](const compression_plan& plan) { return load(plan); };
        std::vector<compression_unit> all = compression_units(base_, classes_, detail::cut_consumers(base_, loader), o.offer,
                                                              o.max_combinations);
        const net::network_report plain = net::analyze(net_);
        compression_unit fixed;
        for (compression_unit& u : all) {
            if (u.plans.size() == 1) {
                fixed.layers.insert(fixed.layers.end(), u.layers.begin(), u.layers.end());
                continue;
            }
            units_.push_back(std::move(u));
        }
        std::sort(units_.begin(), units_.end(), [](const compression_unit& a, const compression_unit& b) {
            return a.layers.front() < b.layers.front();  // network order
        });
        if (!fixed.layers.empty()) {
            std::sort(fixed.layers.begin(), fixed.layers.end());
            fixed.choices.push_back(std::vector<compression_choice>(fixed.layers.size()));
            fixed.plans.emplace_back();
            fixed.cuts.push_back(false);
            units_.push_back(std::move(fixed));
            has_fixed_row_ = true;
        }
        m_ = 1;
        for (const compression_unit& u : units_)
            m_ = std::max(m_, static_cast<int>(u.plans.size()));
        const int n = num_blocks();
        cells_.resize(static_cast<std::size_t>(n) * static_cast<std::size_t>(m_));
        reports_.resize(cells_.size());
        for (int i = 0; i < n; ++i) {
            const compression_unit& u = units_[static_cast<std::size_t>(i)];
            for (std::size_t c = 0; c < u.plans.size(); ++c) {
                const std::size_t at = index(i, static_cast<int>(c));
                cells_[at] = unit_workloads(u, c, base_, loader);
                // the members' analysis (true shapes, after the cut) as the cell's report
                const net::network_report r = u.cuts[c] ? net::analyze(apply_channel_cuts(net_, u.plans[c])) : plain;
                net::network_report& cell = reports_[at];
                cell.name = name(i);
                cell.input = r.input;
                for (const workload& w : cells_[at])
                    for (const net::layer_report& lr : r.layers)
                        if (lr.name == w.name) {
                            cell.layers.push_back(lr);
                            cell.macs += lr.macs;
                            cell.params += lr.params;
                            cell.work += lr.work;
                        }
            }
        }
    }

    int num_blocks() const noexcept { return static_cast<int>(units_.size()); }
    int num_ops() const noexcept { return m_; }
    /// One bit-width: the precision's weights (quantisation is a compression choice here).
    int num_bits() const noexcept { return 1; }
    int bit_width(int) const noexcept { return prec_bits_; }
    /// Multiply-accumulates the template executes for the cell (kept weights per kernel).
    std::int64_t work(int i, int m) const {
        std::int64_t s = 0;
        if (available(i, m))
            for (const workload& w : tiled_workloads(i, m))
                s += std::int64_t(w.B) * w.R * w.C * w.M * (w.depthwise ? 1 : w.N) * w.groups * w.kept_weights();
        return s;
    }
    bool available(int i, int m) const { return i >= 0 && i < num_blocks() && m >= 0 && m < combinations(i); }
    bool runs_on_hardware(int i, int m) const { return available(i, m) && !tiled_workloads(i, m).empty(); }
    /// The analysed member layers of cell (i, m) (true shapes; pattern and bits are not layer properties).
    const net::network_report& candidate_report(int i, int m) const { return reports_.at(checked(i, m)); }
    /// The template workloads of cell (i, m).
    const std::vector<workload>& tiled_workloads(int i, int m) const { return cells_.at(checked(i, m)); }

    /// How many combinations unit i has.
    int combinations(int i) const { return static_cast<int>(units_.at(static_cast<std::size_t>(i)).plans.size()); }
    const compression_unit& unit(int i) const { return units_.at(static_cast<std::size_t>(i)); }
    /// Whether the last row holds the layers nobody compresses.
    bool has_fixed_row() const noexcept { return has_fixed_row_; }
    /// "unit i: first layer (+k)".
    std::string name(int i) const {
        const compression_unit& u = unit(i);
        if (has_fixed_row_ && i == num_blocks() - 1)
            return "uncompressed layers";
        return "unit " + std::to_string(i) + ": " + base_[u.layers[0]].name +
               (u.layers.size() > 1 ? " (+" + std::to_string(u.layers.size() - 1) + ")" : "");
    }
    /// The compression plan of one combination per unit.
    compression_plan plan_of(const std::vector<int>& combination) const {
        nais::detail::require(combination.size() == units_.size(), "fpga-tiled: compression space: ", combination.size(),
                              " combinations for ", units_.size(), " units");
        compression_plan plan;
        for (std::size_t i = 0; i < units_.size(); ++i)
            for (const auto& [layer, c] : units_[i].plans.at(static_cast<std::size_t>(checked_column(int(i), combination[i]))))
                plan[layer] = c;
        return plan;
    }
    /// The uncompressed workloads, their classes (on the space's design), the network.
    const std::vector<workload>& base() const noexcept { return base_; }
    const std::vector<bottleneck>& classes() const noexcept { return classes_; }
    const net::network& network() const noexcept { return net_; }
    /// A number no other space built in this process has (copies share it): a key for caches
    /// of per-cell values.
    std::uint64_t id() const noexcept { return id_; }
    /// The workloads of the network compressed by `plan` (the space's shapes and batch).
    std::vector<workload> load(const compression_plan& plan) const { return workloads(net_, plan, o_.layer_shapes, o_.batch); }

private:
    static std::uint64_t next_id() noexcept {
        static std::atomic<std::uint64_t> counter{0};
        return ++counter;
    }
    std::size_t index(int i, int m) const noexcept { return static_cast<std::size_t>(i) + static_cast<std::size_t>(num_blocks()) * static_cast<std::size_t>(m); }
    int checked_column(int i, int m) const {
        nais::detail::require(available(i, m), "fpga-tiled: compression space has no combination ", m, " in unit ", i);
        return m;
    }
    std::size_t checked(int i, int m) const { return index(i, checked_column(i, m)); }

    net::network net_;
    options o_;
    int prec_bits_ = 16;
    std::uint64_t id_ = 0;
    std::vector<workload> base_;
    std::vector<bottleneck> classes_;
    std::vector<compression_unit> units_;
    bool has_fixed_row_ = false;
    int m_ = 1;
    std::vector<std::vector<workload>> cells_;
    std::vector<net::network_report> reports_;
};

}  // namespace nais::tiled
