#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/tiled/compression_space.hpp>
#include <nais/device/tiled/design_search.hpp>
#include <nais/device/tiled/template_model.hpp>
#include <nais/device/tiled/workloads.hpp>
#include <nais/network/layer.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <string>
#include <vector>

// HotNAS's hot start (iSpace + iSearch), exactly: from a trained network and a latency target,
// compress it layer by layer with the technique its bottleneck calls for and choose the design,
// at the least accuracy cost whose exact latency meets the target.
//  - iSpace (HotNAS slide "Results Visualization on ResNet-18"): a layer bound by compute (C)
//    may drop weights per kernel (pattern pruning); by input or output transfers (I, O) drop
//    output channels (channel cut, which also thins its consumers); by weights (W) quantise its
//    weights. options.by_class = false offers every technique to every layer.
//  - iSearch, exactly where HotNAS uses reinforcement learning: for a fixed design the latency
//    is a sum over independent units (a cut layer with its consumers; any other layer alone),
//    so the cheapest compression meeting the target is a multiple-choice knapsack, solved
//    exactly by dynamic programming over Pareto fronts (latency, cost). Then the exact design
//    search for the compressed network; if it is faster, the knapsack runs again at the new
//    design. Every round keeps the target met, so the cost never rises; each step is exact,
//    the alternation is a block-coordinate descent (not a joint optimum).
// Accuracy costs must be additive over layers for the knapsack; other costs need the gradient
// driver (the relaxed form in relaxed.hpp).
namespace nais::tiled {

/// The cost in accuracy of compressing `layer` (as the uncompressed network has it) by `choice`;
/// the search needs it additive over layers. Users pass their own (measured, or a predictor).
using accuracy_cost = std::function<double(const workload& layer, const compression_choice& choice)>;

/// The stand-in's weight of each technique (weighted_standin_cost).
struct standin_weights {
    double channel = 1, pattern = 0.5, quantize = 0.25;
};

/// nais's stand-in accuracy cost, a placeholder and not a measurement: the fraction of the
/// layer's information removed, weighted by technique (by default channels 1, pattern 0.5,
/// bits 0.25 of (16 - bits) / 16); HotNAS measured accuracy by fine-tuning instead.
inline double weighted_standin_cost(const workload& l, const compression_choice& ch, const standin_weights& w) {
    if (ch.technique == "channel")
        return w.channel * double(l.M - ch.c.out_channels) / double(l.M);
    if (ch.technique == "pattern")
        return w.pattern * double(l.K_h * l.K_w - ch.c.kept) / double(l.K_h * l.K_w);
    if (ch.technique == "quantize")
        return w.quantize * double(16 - ch.c.weight_bits) / 16.0;
    return 0;
}
/// The stand-in with its default weights (the hot start's default accuracy cost).
inline double standin_accuracy_cost(const workload& l, const compression_choice& ch) {
    return weighted_standin_cost(l, ch, standin_weights{});
}

/// The options of a hot-start search (iSpace's offers, then the search's).
struct hot_start_options : compression_offer {
    double target_ms = 5;                    ///< HotNAS's ImageNet timing constraint
    int max_rounds = 4;                      ///< knapsack / design-search alternations
    mode latency_mode = mode::hardware;
    shapes layer_shapes = shapes::true_shapes;
    int batch = 1;                           ///< images per inference (every workload's B)
    progress_callback progress;              ///< if set: (round, max_rounds) as rounds start and end
};

/// One layer of the report (HotNAS's per-layer table): its class on the first design, the
/// technique applied, and its ms on the first design uncompressed and on the final one.
struct hot_start_layer {
    std::string name;
    bottleneck initial_class = bottleneck::compute;
    compression_choice applied;
    double ms_before = 0, ms_after = 0;
};

struct hot_start_result {
    bool met = false;            ///< the returned design's exact latency meets the target
    double shortfall_ms = 0;     ///< if not: how far the fastest compression misses it
    design initial_design, final_design;
    compression_plan plan;
    double initial_ms = 0;       ///< uncompressed network on the initial (searched) design
    double final_ms = 0;         ///< evaluate() of the compressed network on the final design
    double accuracy_cost = 0;
    double saved_by_compression_ms = 0;  ///< final design: uncompressed - compressed
    double saved_by_design_ms = 0;       ///< uncompressed: initial design - final design
    int rounds = 0;
    std::vector<hot_start_layer> layers;
};

namespace detail {

struct option_point {
    double cycles = 0, cost = 0;
    std::size_t choice = 0;   // index into the unit's combinations
    std::size_t parent = 0;   // index into the previous front
};

/// Pareto front (cycles ascending, cost strictly descending).
inline std::vector<option_point> pareto(std::vector<option_point> v) {
    std::sort(v.begin(), v.end(), [](const option_point& a, const option_point& b) {
        return a.cycles < b.cycles || (a.cycles == b.cycles && a.cost < b.cost);
    });
    std::vector<option_point> f;
    for (const option_point& p : v)
        if (f.empty() || p.cost < f.back().cost)
            f.push_back(p);
    return f;
}

/// The target in cycles, a hair below it so that rounding never lets a plan past it.
inline double target_cycles(double target_ms, const device& dev) { return target_ms * dev.clock_mhz * 1e3 * (1 - 1e-12); }

/// Refuses hot-start options outside their ranges, naming the key.
inline void check_hot_start(const hot_start_options& o, const device& dev) {
    using nais::detail::require;
    require(std::isfinite(o.target_ms) && o.target_ms > 0, "fpga-tiled: hot start target_ms must be > 0, got ", o.target_ms);
    require(o.max_rounds >= 1 && o.max_rounds <= 100, "fpga-tiled: hot start max_rounds must be in [1, 100]");
    require(o.batch >= 1 && o.batch <= max_design_value, "fpga-tiled: hot start batch must be in [1, ", max_design_value, "]");
    for (int b : o.weight_bits)
        require(b >= 1 && b <= dev.word_bits, "fpga-tiled: hot start weight_bits must be in [1, ", dev.word_bits, "], got ", b);
    for (int k : o.channel_cuts)
        require(k >= 1 && k <= 1024, "fpga-tiled: hot start channel_cuts must be in [1, 1024], got ", k);
    for (int z : o.pattern_zeros)
        require(z >= 1 && z <= 1024, "fpga-tiled: hot start pattern_zeros must be in [1, 1024], got ", z);
}

/// The result's plan, exact latency on out.final_design, savings and per-layer rows (the
/// accuracy cost is the caller's); `classes`: iDetect on out.initial_design.
template <class Load>
void report_plan(hot_start_result& out, const std::vector<workload>& base, const std::vector<bottleneck>& classes,
                 const compression_plan& plan, const Load& load, const device& dev, const precision& p, mode m,
                 double target_ms) {
    const std::vector<workload> compressed = load(plan);
    const network_report rep = evaluate(compressed, out.final_design, dev, p, m);
    out.plan = plan;
    out.final_ms = rep.ms;
    out.met = rep.ms <= target_ms && rep.feasible;
    if (out.met)
        out.shortfall_ms = 0;
    double uncompressed = 0;
    for (const workload& w : base)
        uncompressed += layer_cycles(w, out.final_design, dev, p, m);
    out.saved_by_compression_ms = milliseconds(uncompressed, dev) - rep.ms;
    out.saved_by_design_ms = out.initial_ms - milliseconds(uncompressed, dev);
    std::map<std::string, std::size_t> ix;
    for (std::size_t k = 0; k < compressed.size(); ++k)
        ix[compressed[k].name] = k;
    out.layers.clear();
    for (std::size_t k = 0; k < base.size(); ++k) {
        hot_start_layer row;
        row.name = base[k].name;
        row.initial_class = classes.at(k);
        if (const auto it = plan.find(base[k].name); it != plan.end())
            row.applied = choice_of(it->second);
        row.ms_before = milliseconds(layer_cycles(base[k], out.initial_design, dev, p, m), dev);
        row.ms_after = milliseconds(layer_cycles(compressed[ix.at(base[k].name)], out.final_design, dev, p, m), dev);
        out.layers.push_back(row);
    }
}

}  // namespace detail

/// A unit of the knapsack: layers whose latencies depend only on the unit's choices, and the
/// unit's combinations (one choice per member layer; the plan they make, its cycles and cost).
struct knapsack_unit {
    std::vector<std::size_t> layers;   ///< indices into the uncompressed workloads
    std::vector<compression_plan> plans;
    std::vector<double> cycles, cost;
};

/// The cheapest combination of one option per unit whose cycles (plus `fixed_cycles`) stay
/// within `budget_cycles`, by dynamic programming over Pareto fronts; exact. Returns the chosen
/// option per unit, or an empty vector if none fits.
inline std::vector<std::size_t> solve_knapsack(const std::vector<knapsack_unit>& units, double fixed_cycles,
                                               double budget_cycles) {
    std::vector<std::vector<detail::option_point>> fronts;
    std::vector<detail::option_point> front{{fixed_cycles, 0, 0, 0}};
    for (const knapsack_unit& u : units) {
        std::vector<detail::option_point> next;
        for (std::size_t p = 0; p < front.size(); ++p)
            for (std::size_t c = 0; c < u.plans.size(); ++c) {
                const double cy = front[p].cycles + u.cycles[c];
                if (cy <= budget_cycles)
                    next.push_back({cy, front[p].cost + u.cost[c], c, p});
            }
        fronts.push_back(front);
        front = detail::pareto(std::move(next));
        if (front.empty())
            return {};
    }
    // the cheapest point of the last front, then back through the parents
    std::size_t at = 0;
    for (std::size_t k = 1; k < front.size(); ++k)
        if (front[k].cost < front[at].cost)
            at = k;
    std::vector<std::size_t> pick(units.size());
    for (std::size_t u = units.size(); u-- > 0;) {
        pick[u] = front[at].choice;
        const std::size_t parent = front[at].parent;
        front = fronts[u];
        at = parent;
    }
    return pick;
}

/// The hot start on `net` (see the file comment).
inline hot_start_result hot_start(const net::network& net, const hot_start_options& o = {}, const device& dev = {},
                                  const precision& p = {}, const accuracy_cost& cost = standin_accuracy_cost) {
    using nais::detail::require;
    detail::check_hot_start(o, dev);
    const auto load = [&](const compression_plan& plan) {  // the workloads of a compressed network
        return workloads(net, plan, o.layer_shapes, o.batch);
    };
    const std::vector<workload> base = load({});
    const auto cycles_of = [&](const std::vector<workload>& ws, const design& d) {
        std::vector<double> c;
        for (const workload& w : ws)
            c.push_back(layer_cycles(w, d, dev, p, o.latency_mode));
        return c;
    };
    const auto total = [](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); };
    hot_start_result out;
    const design_search_result first = search_design(base, dev, p, o.latency_mode);
    require(first.found, "fpga-tiled: no design of the template fits the device");
    out.initial_design = out.final_design = first.best;
    out.initial_ms = milliseconds(total(cycles_of(base, first.best)), dev);
    const double budget = detail::target_cycles(o.target_ms, dev);

    // which layers a channel cut may touch, and its consumers (compression_space.hpp)
    const workload_loader loader = [&](const compression_plan& pl) { return load(pl); };
    const std::map<std::size_t, std::vector<std::size_t>> consumers = detail::cut_consumers(base, loader);

    compression_plan plan;
    std::vector<bottleneck> first_class;  // iDetect on the first design (round 0's classes)
    design d = first.best;
    bool have_plan = false;
    for (int round = 0; round < o.max_rounds; ++round) {
        if (o.progress)
            o.progress(std::uint64_t(round), std::uint64_t(o.max_rounds));
        ++out.rounds;
        // each layer uncompressed on d: its class (iSpace) and its cycles
        std::vector<layer_report> plain;
        std::vector<bottleneck> classes;
        for (const workload& w : base) {
            plain.push_back(evaluate_layer(w, d, dev, p, o.latency_mode));
            classes.push_back(plain.back().limit);
        }
        if (round == 0)
            first_class = classes;
        std::vector<knapsack_unit> units;
        double fixed = 0;
        for (const compression_unit& cu : compression_units(base, classes, consumers, o)) {
            if (cu.plans.size() == 1) {
                for (std::size_t k : cu.layers)
                    fixed += plain[k].t.cycles;
                continue;
            }
            knapsack_unit u;
            u.layers = cu.layers;
            for (std::size_t c = 0; c < cu.plans.size(); ++c) {
                double cy = 0;
                if (c == 0)
                    for (std::size_t k : cu.layers)
                        cy += plain[k].t.cycles;
                else
                    for (const workload& w : unit_workloads(cu, c, base, loader))
                        cy += layer_cycles(w, d, dev, p, o.latency_mode);
                const double cst = unit_cost(cu, c, base, cost);
                require(std::isfinite(cst), "fpga-tiled: hot start: the accuracy cost of a choice for '", base[cu.layers[0]].name,
                        "' is not finite");
                u.plans.push_back(cu.plans[c]);
                u.cycles.push_back(cy);
                u.cost.push_back(cst);
            }
            units.push_back(std::move(u));
        }
        const std::vector<std::size_t> pick = solve_knapsack(units, fixed, budget);
        if (pick.empty()) {
            if (have_plan)
                break;  // the previous round's plan meets the target on d
            // nothing meets the target on d: the fastest compression, and a design for it
            double fastest = fixed;
            compression_plan quickest;
            for (const knapsack_unit& u : units) {
                const std::size_t at = static_cast<std::size_t>(std::min_element(u.cycles.begin(), u.cycles.end()) - u.cycles.begin());
                fastest += u.cycles[at];
                for (const auto& [name, c] : u.plans[at])
                    quickest[name] = c;
            }
            out.shortfall_ms = milliseconds(fastest, dev) - o.target_ms;
            out.final_design = d;
            const design_search_result redesign = search_design(load(quickest), dev, p, o.latency_mode);
            if (redesign.found && redesign.cycles < fastest) {
                d = redesign.best;  // another round on the design of the fastest compression
                out.shortfall_ms = redesign.ms - o.target_ms;
                continue;
            }
            break;
        }
        compression_plan next;
        for (std::size_t u = 0; u < units.size(); ++u)
            for (const auto& [name, c] : units[u].plans[pick[u]])
                next[name] = c;
        plan = next;
        have_plan = true;
        out.final_design = d;
        // the design for the compressed network; another round if it is faster
        const std::vector<workload> compressed = load(plan);
        const design_search_result better = search_design(compressed, dev, p, o.latency_mode);
        if (!better.found || better.cycles >= total(cycles_of(compressed, d)))
            break;
        d = better.best;
        out.final_design = d;
    }
    if (o.progress)
        o.progress(std::uint64_t(o.max_rounds), std::uint64_t(o.max_rounds));
    if (have_plan) {
        detail::report_plan(out, base, first_class, plan, load, dev, p, o.latency_mode, o.target_ms);
        for (std::size_t k = 0; k < base.size(); ++k)
            if (out.layers[k].applied.technique != "none")
                out.accuracy_cost += cost(base[k], out.layers[k].applied);
    } else {
        out.final_ms = out.initial_ms;
    }
    return out;
}

}  // namespace nais::tiled
