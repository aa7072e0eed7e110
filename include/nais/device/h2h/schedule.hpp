#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/h2h/accelerator.hpp>
#include <nais/device/h2h/workload.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

// A mapping (which accelerator runs each layer, in which order, with which weights resident)
// and its schedule. Every layer starts as early as its producers and its accelerator allow (one
// layer at a time per accelerator): the earliest-start schedule of the plan. H2H's steps 1-3
// compute exactly this schedule for their plans (see docs/design.md, "H2H"); step 4 and the
// exact search evaluate their candidate plans with it.
namespace nais::h2h {

/// A mapping: per accelerator the layers it runs in order, and per layer whether its weights are
/// resident in that accelerator's private memory.
struct plan {
    std::vector<std::vector<std::size_t>> order;  ///< [accelerator] -> layers in run order
    std::vector<char> resident;                   ///< [layer]
};

/// One layer's slot in a schedule.
struct slot {
    std::size_t accelerator = 0;
    double start = 0, end = 0;  ///< seconds
    bool weights_resident = false, input_local = false, output_local = false;
};

/// A schedule: per layer its slot, the makespan, and the energy two ways.
struct schedule {
    std::vector<slot> slots;       ///< [layer]
    double makespan = 0;           ///< seconds
    double energy = 0;             ///< joules, as H2H charges it: busy time x power (getSysPower)
    double bytes_moved = 0;        ///< host <-> private memory traffic, bytes
    double on_chip_energy = 0;     ///< joules: on-chip time x power (transfers not charged)
    bool feasible = true;          ///< false when the plan's orders deadlock with the DAG
};

/// Which accelerator runs each layer (workload::npos where the plan has none).
inline std::vector<std::size_t> assignment_of(const plan& p, std::size_t layers) {
    std::vector<std::size_t> acc(layers, workload::npos);
    for (std::size_t a = 0; a < p.order.size(); ++a)
        for (std::size_t l : p.order[a])
            if (l < layers)
                acc[l] = a;
    return acc;
}

/// Refuses a plan that does not run every layer exactly once on an accelerator of its kind, or
/// keeps more weights resident than an accelerator holds (in H2H's knapsack units, ceil(w/1000)).
inline void validate(const plan& p, const workload& w, const cost_table& t) {
    using nais::detail::require;
    require(p.order.size() == t.accelerators(), "h2h: the plan has ", p.order.size(), " accelerator orders, the platform ",
            t.accelerators(), " accelerators");
    require(p.resident.size() == w.size(), "h2h: the plan's resident flags cover ", p.resident.size(), " layers, not ", w.size());
    std::vector<int> seen(w.size(), 0);
    for (std::size_t a = 0; a < p.order.size(); ++a) {
        double used = 0;
        for (std::size_t l : p.order[a]) {
            require(l < w.size(), "h2h: the plan names layer ", l, " of ", w.size());
            require(++seen[l] == 1, "h2h: the plan runs layer '", w.at(l).name, "' twice");
            require(t.runs(w, l, a), "h2h: layer '", w.at(l).name, "' (", name_of(w.at(l).kind), ") is mapped to '", t.names[a],
                    "', which accepts ", name_of(t.accepts[a]));
            if (p.resident[l])
                used += std::ceil(double(weight_elements(w.at(l))) / 1000);
        }
        require(used <= std::ceil(t.capacity[a] / 1000), "h2h: the plan keeps ", used, " thousand weights resident on '",
                t.names[a], "', which holds ", std::ceil(t.capacity[a] / 1000));
    }
    for (std::size_t l = 0; l < w.size(); ++l)
        require(seen[l] == 1, "h2h: the plan does not run layer '", w.at(l).name, "'");
}

/// The earliest-start schedule of a valid plan. With locality (H2H step 3), a layer's input is
/// local when the layer before it on its accelerator is its stream predecessor, and that
/// predecessor's output is then local too; without it (steps 1-2) every activation moves.
/// feasible = false (makespan infinite) when the accelerator orders contradict the DAG.
inline schedule evaluate(const workload& w, const cost_table& t, const plan& p, bool locality = true) {
    const std::size_t n = w.size();
    schedule s;
    s.slots.assign(n, {});
    std::vector<std::size_t> prev_on_acc(n, workload::npos), next_on_acc(n, workload::npos);
    for (std::size_t a = 0; a < p.order.size(); ++a)
        for (std::size_t k = 0; k < p.order[a].size(); ++k) {
            const std::size_t l = p.order[a][k];
            s.slots[l].accelerator = a;
            if (k > 0)
                prev_on_acc[l] = p.order[a][k - 1];
            if (k + 1 < p.order[a].size())
                next_on_acc[l] = p.order[a][k + 1];
        }
    // Kahn's algorithm over DAG edges and accelerator-order edges
    std::vector<std::size_t> waiting(n, 0), ready;
    for (std::size_t l = 0; l < n; ++l) {
        waiting[l] = w.predecessors(l).size() + (prev_on_acc[l] != workload::npos ? 1 : 0);
        if (waiting[l] == 0)
            ready.push_back(l);
    }
    std::size_t done = 0;
    const auto release = [&](std::size_t j) {
        if (--waiting[j] == 0)
            ready.push_back(j);
    };
    while (!ready.empty()) {
        const std::size_t l = ready.back();
        ready.pop_back();
        ++done;
        slot& x = s.slots[l];
        x.weights_resident = p.resident[l] != 0;
        x.input_local = locality && prev_on_acc[l] != workload::npos && w.chain_next(prev_on_acc[l], l);
        x.output_local = locality && next_on_acc[l] != workload::npos && w.chain_next(l, next_on_acc[l]);
        double start = prev_on_acc[l] != workload::npos ? s.slots[prev_on_acc[l]].end : 0.0;
        for (std::size_t q : w.predecessors(l))
            start = std::max(start, s.slots[q].end);
        const layer_cost& c = t.cost[l][x.accelerator];
        x.start = start;
        x.end = start + c.seconds(!x.weights_resident, !x.input_local, !x.output_local);
        s.makespan = std::max(s.makespan, x.end);
        s.energy += (x.end - x.start) * t.power_w[x.accelerator];
        const double elements = (x.weights_resident ? 0.0 : double(weight_elements(w.at(l)))) +
                                (x.input_local ? 0.0 : double(input_elements(w.at(l)))) +
                                (x.output_local ? 0.0 : double(output_elements(w.at(l))));
        s.bytes_moved += elements * t.bytes_per_element[x.accelerator];
        s.on_chip_energy += c.on_chip * t.power_w[x.accelerator];
        if (next_on_acc[l] != workload::npos)
            release(next_on_acc[l]);
        for (std::size_t j : w.successors(l))
            release(j);
    }
    if (done != n) {
        s.feasible = false;
        s.makespan = std::numeric_limits<double>::infinity();
    }
    return s;
}

/// The per-transferred-byte alternative to H2H's energy: on-chip time x power, plus every byte
/// moved between host and private memory at joules_per_byte (the link's and DRAM's cost).
inline double energy_per_byte(const schedule& s, double joules_per_byte) noexcept {
    return s.on_chip_energy + s.bytes_moved * joules_per_byte;
}

}  // namespace nais::h2h
