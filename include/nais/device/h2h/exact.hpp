#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/h2h/accelerator.hpp>
#include <nais/device/h2h/mapper.hpp>
#include <nais/device/h2h/schedule.hpp>
#include <nais/device/h2h/workload.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

// The exact optimum of H2H's problem, beyond H2H: over every assignment of layers to accelerators
// of their kind, every run order per accelerator and every resident-weight set within the
// capacities (H2H's knapsack units), with H2H's transfer and locality rules, the smallest
// makespan. Branch and bound over schedule-generation decisions: place an eligible layer on an
// accelerator, resident or not, keeping its output local for its stream successor or not;
// starts are generated in non-decreasing order (ties by layer index), which reaches the
// earliest-start schedule of every plan once. Bounds: the longest remaining path with every
// transfer removed, and per layer kind the remaining minimum work spread over its accelerators.
// With a node limit it returns the best plan found and a proven lower bound (the smallest bound
// of the subtrees it did not open).
namespace nais::h2h {

struct exact_options {
    std::int64_t node_limit = 20'000'000;
    plan incumbent;  ///< a known plan (e.g. H2H's) to start from; empty orders for none
};

struct exact_result {
    plan mapping;                 ///< the best plan (the incumbent when nothing beat it)
    schedule timing;
    double makespan = std::numeric_limits<double>::infinity();
    double lower_bound = 0;       ///< proven: no plan is faster
    bool proven = false;          ///< the search finished: makespan is the optimum
    std::int64_t nodes = 0;
};

namespace detail {

class branch_and_bound {
public:
    branch_and_bound(const workload& w, const cost_table& t, const exact_options& o) : w_(w), t_(t), o_(o) {
        const std::size_t n = w.size(), A = t.accelerators();
        dmin_.assign(n, std::numeric_limits<double>::infinity());
        for (std::size_t l = 0; l < n; ++l)
            for (std::size_t a = 0; a < A; ++a)
                if (t.runs(w, l, a))
                    dmin_[l] = std::min(dmin_[l], t.cost[l][a].on_chip);
        tail_.assign(n, 0);
        const auto& topo = w.topological();
        for (std::size_t k = topo.size(); k-- > 0;) {
            const std::size_t l = topo[k];
            double after = 0;
            for (std::size_t j : w.successors(l))
                after = std::max(after, tail_[j]);
            tail_[l] = dmin_[l] + after;
        }
        units_.resize(n);
        for (std::size_t l = 0; l < n; ++l)
            units_[l] = knapsack_units(double(weight_elements(w.at(l))));
        for (std::size_t a = 0; a < A; ++a)
            cap_.push_back(knapsack_units(t.capacity[a]));
        end_.assign(n, 0);
        done_.assign(n, 0);
        avail_.assign(A, 0);
        last_.assign(A, workload::npos);
        committed_.assign(A, 0);
        cur_.order.assign(A, {});
        cur_.resident.assign(n, 0);
        best_ = std::numeric_limits<double>::infinity();
        if (!o.incumbent.order.empty()) {
            validate(o.incumbent, w, t);
            const schedule s = evaluate(w, t, o.incumbent, true);
            if (s.feasible) {
                best_ = s.makespan;
                best_plan_ = o.incumbent;
            }
        }
    }

    exact_result run() {
        exact_result r;
        root_bound_ = bound(0);
        dfs(0, 0.0, workload::npos, 0.0);
        r.nodes = nodes_;
        r.proven = !limit_hit_;
        r.makespan = best_;
        r.lower_bound = limit_hit_ ? std::min(best_, std::max(open_bound_, root_bound_)) : best_;
        if (!best_plan_.order.empty()) {
            r.mapping = best_plan_;
            r.timing = evaluate(w_, t_, best_plan_, true);
            r.makespan = r.timing.makespan;
        }
        return r;
    }

private:
    double bound(double last_start) const {
        const std::size_t n = w_.size(), A = t_.accelerators();
        double lb = 0;
        for (std::size_t l = 0; l < n; ++l) {
            if (done_[l]) {
                lb = std::max(lb, end_[l]);
                continue;
            }
            double est = last_start;
            for (std::size_t q : w_.predecessors(l))
                if (done_[q])
                    est = std::max(est, end_[q]);
            lb = std::max(lb, est + tail_[l]);
        }
        // per kind: the remaining minimum work spread over the kind's accelerators
        for (layer_kind kind : {layer_kind::conv, layer_kind::lstm, layer_kind::fc}) {
            double sum = 0, count = 0;
            for (std::size_t a = 0; a < A; ++a)
                if (t_.accepts[a] == kind) {
                    sum += std::max(avail_[a], last_start);
                    ++count;
                }
            if (count == 0)
                continue;
            for (std::size_t l = 0; l < n; ++l)
                if (!done_[l] && w_.at(l).kind == kind)
                    sum += dmin_[l];
            lb = std::max(lb, sum / count);
        }
        return lb;
    }

    void dfs(std::size_t placed, double last_start, std::size_t last_layer, double span) {
        const std::size_t n = w_.size(), A = t_.accelerators();
        if (placed == n) {
            if (span < best_) {
                best_ = span;
                best_plan_ = cur_;
            }
            return;
        }
        const double lb = bound(last_start);
        if (lb >= best_)
            return;
        if (nodes_ >= o_.node_limit) {
            limit_hit_ = true;
            open_bound_ = std::min(open_bound_, lb);
            return;
        }
        ++nodes_;
        for (std::size_t j = 0; j < n; ++j) {
            if (done_[j] || !std::all_of(w_.predecessors(j).begin(), w_.predecessors(j).end(), [&](std::size_t q) { return done_[q] != 0; }))
                continue;
            // a committed output must be read by its successor on the same accelerator
            std::size_t forced = workload::npos;
            for (std::size_t a = 0; a < A; ++a)
                if (committed_[a] && w_.chain_next(last_[a], j))
                    forced = a;
            double ready = 0;
            for (std::size_t q : w_.predecessors(j))
                ready = std::max(ready, end_[q]);
            for (std::size_t a = 0; a < A; ++a) {
                if (!t_.runs(w_, j, a) || (forced != workload::npos && a != forced))
                    continue;
                if (committed_[a] && !w_.chain_next(last_[a], j))
                    continue;
                const bool follows = last_[a] != workload::npos && w_.chain_next(last_[a], j);
                if (follows && !committed_[a])
                    continue;  // dominated by keeping the predecessor's output local
                const double start = std::max(avail_[a], ready);
                if (start < last_start || (start == last_start && last_layer != workload::npos && j < last_layer))
                    continue;
                const bool has_next = w_.ref(j).index + 1 < w_.streams()[w_.ref(j).stream].layers.size();
                const std::size_t next = has_next ? j + 1 : workload::npos;  // layers are numbered stream by stream
                const bool can_commit = has_next && t_.runs(w_, next, a);
                for (int resident = (units_[j] <= cap_[a] ? 1 : 0); resident >= 0; --resident)
                    for (int commit = can_commit ? 1 : 0; commit >= 0; --commit) {
                        const double d = t_.cost[j][a].seconds(!resident, !follows, !commit);
                        place(j, a, start, d, resident != 0, commit != 0, placed, span);
                    }
            }
        }
    }

    void place(std::size_t j, std::size_t a, double start, double d, bool resident, bool commit, std::size_t placed, double span) {
        const double saved_avail = avail_[a];
        const std::size_t saved_last = last_[a];
        const char saved_commit = committed_[a];
        end_[j] = start + d;
        done_[j] = 1;
        avail_[a] = end_[j];
        last_[a] = j;
        committed_[a] = commit;
        if (resident)
            cap_[a] -= units_[j];
        cur_.order[a].push_back(j);
        cur_.resident[j] = resident;
        dfs(placed + 1, start, j, std::max(span, end_[j]));
        cur_.order[a].pop_back();
        cur_.resident[j] = 0;
        if (resident)
            cap_[a] += units_[j];
        committed_[a] = saved_commit;
        last_[a] = saved_last;
        avail_[a] = saved_avail;
        done_[j] = 0;
    }

    const workload& w_;
    const cost_table& t_;
    exact_options o_;
    std::vector<double> dmin_, tail_, end_, avail_;
    std::vector<std::int64_t> units_, cap_;
    std::vector<char> done_, committed_;
    std::vector<std::size_t> last_;
    plan cur_, best_plan_;
    double best_ = 0, open_bound_ = std::numeric_limits<double>::infinity(), root_bound_ = 0;
    std::int64_t nodes_ = 0;
    bool limit_hit_ = false;
};

}  // namespace detail

/// The optimum makespan over assignments, orders and resident sets (see above); refuses a
/// workload of more than 64 layers.
inline exact_result exact_map(const workload& w, const cost_table& t, const exact_options& o = {}) {
    nais::detail::require(w.size() <= 64, "h2h: exact_map takes at most 64 layers, the workload has ", w.size());
    nais::detail::require(o.node_limit >= 1, "h2h: exact_options.node_limit must be >= 1");
    return detail::branch_and_bound(w, t, o).run();
}

}  // namespace nais::h2h
