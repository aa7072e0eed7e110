#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/h2h/accelerator.hpp>
#include <nais/device/h2h/schedule.hpp>
#include <nais/device/h2h/workload.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

// H2H's mapper (Zhang, Hao et al., DAC 2022), step by step as its public beta defines it
// (xyzxinyizhang/H2H, Mapper/MapperH2H.py, MapperBase.py, pack.py):
//   1. computation-prioritised mapping (getMapping): repeatedly take the layers whose producers
//      are mapped; per layer kind (CNN, LSTM, FC), try every choice of min(#layers, #accs)
//      of them and every assignment of those to the kind's accelerators (with repetition),
//      each scheduled as early as possible with all transfers; keep the first choice with the
//      smallest running makespan;
//   2. weight locality (getKnapsack, pack): per accelerator a 0/1 knapsack over its layers'
//      weights, in units of 1000 elements, value = size; the packed layers' weights stay resident;
//   3. activation locality (getIfmOfmTrans): a layer followed on its accelerator by its stream
//      successor keeps its output there, and the successor reads it there;
//   4. communication-aware remapping (getHomoNeighbor): hill climbing that moves a layer next to
//      its producer or consumer on another accelerator of the same kind, re-packs the weights and
//      keeps the move when the makespan falls; walked stream by stream from the stream whose last
//      layer ends last, twice.
// The modality-switch rule (MapperH2HSwitch.py): layers whose weights were resident in the
// previous mapping stay on that accelerator and stay resident. Where nais departs from the beta
// (evaluation of step 4's trial plans, fusion edges in step 3), docs/design.md says so and why.
namespace nais::h2h {

/// A layer whose weights a previous mapping left resident on an accelerator (modality switch).
struct pinned_layer {
    std::size_t layer = 0, accelerator = 0;
};

struct mapper_options {
    bool knapsack = true;            ///< step 2
    bool activation_locality = true; ///< step 3
    bool remap = true;               ///< step 4
    int remap_passes = 2;            ///< step 4 walks every stream this many times (H2H: 2)
    std::vector<pinned_layer> pinned;
    std::int64_t step1_candidate_limit = 50'000'000;  ///< refuse step 1 beyond this many candidates per round
    /// step 4 visits a layer once per path from its stream's first layer (H2H's recursion); with
    /// many fusion edges the paths multiply, so the walk stops after this many visits
    std::int64_t remap_visit_limit = 100'000;
};

/// The state after one step.
struct step_result {
    int step = 1;
    plan mapping;
    schedule timing;
};

struct mapping_result {
    std::vector<step_result> steps;  ///< in order: step 1, then each enabled step
    std::int64_t remap_trials = 0, remap_moves = 0;
    const step_result& last() const { return steps.back(); }
};

namespace detail {

inline std::int64_t knapsack_units(double elements) { return static_cast<std::int64_t>(std::ceil(elements / 1000)); }

/// pack.py: 0/1 knapsack, weight = value = ceil(weights / 1000), capacity ceil(capacity / 1000),
/// backtracked as pack.py does (an item is taken where its row raises the optimum).
inline std::vector<char> pack(const std::vector<std::int64_t>& v, std::int64_t C) {
    const std::size_t num = v.size();
    std::vector<char> take(num, 0);
    if (C <= 0)
        return take;
    std::int64_t total = 0;
    for (std::int64_t x : v)
        total += x;
    if (total <= C) {  // the table's optimum takes everything, and so does its backtrack
        std::fill(take.begin(), take.end(), 1);
        return take;
    }
    nais::detail::require(double(num) * double(C + 1) <= 5e8, "h2h: the weight knapsack (", num, " layers x ", C,
                          " thousand elements of capacity) is too large: at most 5e8 table cells");
    const std::size_t width = static_cast<std::size_t>(C) + 1;
    std::vector<std::int64_t> row(width, 0);
    std::vector<std::vector<bool>> raised(num + 1, std::vector<bool>(width, false));
    for (std::size_t j = 1; j <= num; ++j) {
        const std::int64_t w = v[j - 1];
        for (std::size_t c = width; c-- > 0;) {
            if (std::int64_t(c) >= w) {
                const std::int64_t with = row[c - static_cast<std::size_t>(w)] + w;
                if (with > row[c]) {
                    row[c] = with;
                    raised[j][c] = true;
                }
            }
        }
    }
    std::size_t volume = static_cast<std::size_t>(C);
    for (std::size_t j = num; j >= 1; --j)
        if (raised[j][volume]) {
            take[j - 1] = 1;
            volume -= static_cast<std::size_t>(v[j - 1]);
        }
    return take;
}

inline std::vector<std::size_t> pinned_accelerator(const workload& w, const cost_table& t, const std::vector<pinned_layer>& pins) {
    std::vector<std::size_t> out(w.size(), workload::npos);
    for (const pinned_layer& p : pins) {
        nais::detail::require(p.layer < w.size() && p.accelerator < t.accelerators(), "h2h: a pinned layer names layer ", p.layer,
                              " or accelerator ", p.accelerator, " outside the workload or platform");
        nais::detail::require(t.runs(w, p.layer, p.accelerator), "h2h: pinned layer '", w.at(p.layer).name, "' cannot run on '",
                              t.names[p.accelerator], "'");
        out[p.layer] = p.accelerator;
    }
    return out;
}

/// Step 2 on a plan's orders: pinned layers first, then the knapsack over the rest (pack.py).
inline void pack_weights(const workload& w, const cost_table& t, const std::vector<std::size_t>& pinned, plan& p) {
    p.resident.assign(w.size(), 0);
    for (std::size_t a = 0; a < p.order.size(); ++a) {
        std::int64_t C = knapsack_units(t.capacity[a]);
        std::vector<std::size_t> items;
        for (std::size_t l : p.order[a]) {
            if (pinned[l] == a) {
                p.resident[l] = 1;
                C -= knapsack_units(double(weight_elements(w.at(l))));
            } else {
                items.push_back(l);
            }
        }
        std::vector<std::int64_t> v;
        for (std::size_t l : items)
            v.push_back(knapsack_units(double(weight_elements(w.at(l)))));
        const std::vector<char> take = pack(v, C);
        for (std::size_t k = 0; k < items.size(); ++k)
            if (take[k])
                p.resident[items[k]] = 1;
    }
}

/// Step 1 (getMapping with getMinDistanceMappingS1/S2).
inline plan computation_prioritised(const workload& w, const cost_table& t, const std::vector<std::size_t>& pinned,
                                    std::int64_t candidate_limit) {
    const std::size_t n = w.size(), A = t.accelerators();
    plan p;
    p.order.assign(A, {});
    p.resident.assign(n, 0);
    std::vector<char> mapped(n, 0);
    std::vector<double> end(n, 0), acc_time(A, 0);
    std::size_t left = n;
    while (left > 0) {
        std::vector<std::size_t> ready;
        for (std::size_t l = 0; l < n; ++l)
            if (!mapped[l] && std::all_of(w.predecessors(l).begin(), w.predecessors(l).end(), [&](std::size_t q) { return mapped[q] != 0; }))
                ready.push_back(l);
        for (layer_kind kind : {layer_kind::conv, layer_kind::lstm, layer_kind::fc}) {  // H2H's MappingType order
            std::vector<std::size_t> layers, accs;
            for (std::size_t l : ready)
                if (w.at(l).kind == kind)
                    layers.push_back(l);
            if (layers.empty())
                continue;
            for (std::size_t a = 0; a < A; ++a)
                if (t.accepts[a] == kind)
                    accs.push_back(a);
            const std::size_t k = std::min(layers.size(), accs.size());  // layers mapped this round
            double count = std::pow(double(accs.size()), double(k));
            for (std::size_t i = 0; i < k; ++i)  // times C(#layers, k)
                count *= double(layers.size() - i) / double(i + 1);
            nais::detail::require(count <= double(candidate_limit), "h2h: step 1 would try ", count, " candidates in one round (",
                                  layers.size(), " ready ", name_of(kind), " layers, ", accs.size(),
                                  " accelerators); its exhaustive rule does not scale that far");
            std::vector<std::size_t> pick(k), best_pick, choice(k, 0), best_choice;
            for (std::size_t i = 0; i < k; ++i)
                pick[i] = i;
            double best = std::numeric_limits<double>::infinity();
            std::vector<double> tmp, best_time, ends(k), best_ends;
            while (true) {  // combinations of layers (lexicographic), then products of accelerators
                std::fill(choice.begin(), choice.end(), 0);
                while (true) {
                    bool allowed = true;
                    for (std::size_t i = 0; i < k && allowed; ++i) {
                        const std::size_t l = layers[pick[i]];
                        allowed = pinned[l] == workload::npos || pinned[l] == accs[choice[i]];
                    }
                    if (allowed) {
                        tmp = acc_time;
                        for (std::size_t i = 0; i < k; ++i) {
                            const std::size_t l = layers[pick[i]], a = accs[choice[i]];
                            double start = tmp[a];
                            for (std::size_t q : w.predecessors(l))
                                start = std::max(start, end[q]);
                            tmp[a] = start + t.cost[l][a].full();
                            ends[i] = tmp[a];
                        }
                        const double span = *std::max_element(tmp.begin(), tmp.end());
                        if (span < best) {
                            best = span;
                            best_pick = pick;
                            best_choice = choice;
                            best_time = tmp;
                            best_ends = ends;
                        }
                    }
                    std::size_t i = k;  // next product, last position fastest (itertools.product)
                    while (i > 0 && ++choice[i - 1] == accs.size())
                        choice[--i] = 0;
                    if (i == 0)
                        break;
                }
                std::size_t i = k;  // next combination (itertools.combinations)
                while (i > 0 && pick[i - 1] == layers.size() - k + (i - 1))
                    --i;
                if (i == 0)
                    break;
                ++pick[i - 1];
                for (std::size_t j = i; j < k; ++j)
                    pick[j] = pick[j - 1] + 1;
            }
            nais::detail::require(!best_pick.empty(), "h2h: step 1 found no assignment that keeps the pinned layers on their accelerators");
            for (std::size_t i = 0; i < k; ++i) {
                const std::size_t l = layers[best_pick[i]];
                p.order[accs[best_choice[i]]].push_back(l);
                end[l] = best_ends[i];
                mapped[l] = 1;
                --left;
            }
            acc_time = best_time;
        }
    }
    return p;
}

/// Step 4's walk (getModalTune): try moving `node` next to each producer, then each consumer, on
/// their accelerators; recurse into the consumers.
template <class Try>
void remap_walk(const workload& w, std::size_t node, const Try& attempt, std::int64_t& budget) {
    if (--budget < 0)
        return;
    for (std::size_t q : w.predecessors(node))
        attempt(node, q, true);
    for (std::size_t j : w.successors(node))
        attempt(node, j, false);
    for (std::size_t j : w.successors(node))
        remap_walk(w, j, attempt, budget);
}

}  // namespace detail

/// Runs H2H's steps on a workload and platform: step 1 always, steps 2-4 as the options enable.
inline mapping_result map(const workload& w, const cost_table& t, const mapper_options& o = {}) {
    nais::detail::require(o.remap_passes >= 0 && o.remap_passes <= 100, "h2h: remap_passes = ", o.remap_passes,
                          " must be in [0, 100]");
    const std::vector<std::size_t> pinned = detail::pinned_accelerator(w, t, o.pinned);
    mapping_result r;
    plan p = detail::computation_prioritised(w, t, pinned, o.step1_candidate_limit);
    for (std::size_t l = 0; l < w.size(); ++l)
        if (pinned[l] != workload::npos)
            p.resident[l] = 1;  // the switch rule: pinned weights are already there
    r.steps.push_back({1, p, evaluate(w, t, p, false)});
    if (o.knapsack) {
        detail::pack_weights(w, t, pinned, p);
        r.steps.push_back({2, p, evaluate(w, t, p, false)});
    }
    if (o.activation_locality)
        r.steps.push_back({3, p, evaluate(w, t, p, true)});
    if (!o.remap)
        return r;

    double best = r.last().timing.makespan;
    std::vector<std::size_t> acc = assignment_of(p, w.size());
    const auto attempt = [&](std::size_t node, std::size_t other, bool after) {
        if (acc[node] == acc[other] || w.at(node).kind != w.at(other).kind || pinned[node] != workload::npos)
            return;
        plan trial = p;
        auto& from = trial.order[acc[node]];
        from.erase(std::find(from.begin(), from.end(), node));
        auto& to = trial.order[acc[other]];
        const auto at = std::find(to.begin(), to.end(), other);
        to.insert(after ? at + 1 : at, node);
        if (o.knapsack)
            detail::pack_weights(w, t, pinned, trial);
        const schedule s = evaluate(w, t, trial, o.activation_locality);
        ++r.remap_trials;
        if (s.feasible && s.makespan < best) {
            best = s.makespan;
            p = std::move(trial);
            acc[node] = acc[other];
            ++r.remap_moves;
        }
    };
    // the streams of the sinks, latest-ending first (stable), each walked from its first layer
    const schedule& before = r.last().timing;
    std::vector<std::size_t> sinks;
    for (std::size_t l = 0; l < w.size(); ++l)
        if (w.successors(l).empty())
            sinks.push_back(l);
    std::stable_sort(sinks.begin(), sinks.end(), [&](std::size_t a, std::size_t b) { return before.slots[a].end > before.slots[b].end; });
    std::int64_t budget = o.remap_visit_limit;  // the walk follows every DAG path, as H2H's does
    for (int pass = 0; pass < o.remap_passes; ++pass)
        for (std::size_t s : sinks)
            detail::remap_walk(w, w.first_of(w.ref(s).stream), attempt, budget);
    r.steps.push_back({4, p, evaluate(w, t, p, o.activation_locality)});
    return r;
}

}  // namespace nais::h2h
