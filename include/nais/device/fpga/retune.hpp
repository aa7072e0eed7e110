#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/fpga/cost_model.hpp>
#include <nais/device/fpga/design.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

// Re-tuning (EDD Sec. 5, last step): integer parallel factors for a derived network that are
// optimal under the DSP budget. Only the IPs the network uses are tuned; others get pf_min.
//   recursive: minimise the total latency  sum_m A_m 2^-p_m  s.t.  sum_m c_m 2^p_m <= budget
//   pipelined: minimise the slowest stage  max_i A_i 2^-p_i  s.t.  sum_i c_i 2^p_i <= budget
// with A = Phi(q) * work (summed over the blocks sharing an IP) and c = Psi(q), p integer in
// [pf_min, pf_max]. Ties are broken towards fewer DSPs. Both solvers are exact (see below).
namespace nais::fpga {

/// Integer range of the parallel factors a re-tuning may choose.
struct pf_range {
    int min = 0;   ///< parallelism 2^min at least (0: one multiplier)
    int max = 12;  ///< parallelism 2^max at most (12: 4096 multipliers, about all a ZCU102 holds at 8 bits)
};

/// The parallel-factor range implied by a budget: up to the largest parallelism one IP could
/// have with the whole budget at the cheapest non-zero DSP rate, floor(log2(budget / min Psi)).
/// EDD counts no DSPs for <= 4-bit multiplies (they go to LUTs, which the model does not
/// budget), so without this bound such IPs could grow without limit; capping them at what
/// DSP-based IPs could reach is nais's assumption. Budgets under one multiplier give [0, 0].
inline pf_range budget_pf_range(const cost_table& costs, double dsp_budget) {
    double cheapest = 0;
    for (Eigen::Index q = 0; q < costs.dsp_factor.size(); ++q)
        if (costs.dsp_factor(q) > 0 && (cheapest == 0 || costs.dsp_factor(q) < cheapest))
            cheapest = costs.dsp_factor(q);
    if (cheapest == 0 || !(dsp_budget >= cheapest))
        return {0, cheapest == 0 ? pf_range{}.max : 0};
    // clamped before the cast: a huge budget over a small rate overflows to inf
    const double levels = std::floor(std::log2(dsp_budget / cheapest));
    return {0, static_cast<int>(std::clamp(levels, 0.0, double(max_design_pf)))};
}

template <architecture Arch>
struct retune_result {
    bool feasible = false;    ///< some choice in the range meets the budget
    design<Arch> tuned;       ///< the input design with optimal pf (meaningful only when feasible)
    double objective = 0;     ///< cycles: total latency (recursive) or slowest stage (pipelined)
    double dsp = 0;           ///< DSPs of the tuned design
    std::string reason;       ///< why not feasible, in words
};

namespace detail {

/// One IP to tune: latency A * 2^-p and DSPs c * 2^p.
struct tuning_item {
    int group;
    double a, c;
};

template <architecture Arch>
std::vector<tuning_item> tuning_items(const cost_table& costs, const design<Arch>& d) {
    std::vector<tuning_item> items;
    std::vector<int> slot(d.pf.size(), -1);
    for (int i = 0; i < d.num_blocks(); ++i) {
        if (!costs.runs_on_hardware(i, d.op[static_cast<std::size_t>(i)]))
            continue;  // a skip op: no IP to tune
        const int g = d.group_of(i), qi = d.bits[static_cast<std::size_t>(g)];
        const double a = costs.latency_factor(qi) * costs.work(i, d.op[static_cast<std::size_t>(i)]);
        int& s = slot[static_cast<std::size_t>(g)];
        if (s < 0) {
            s = static_cast<int>(items.size());
            items.push_back({g, a, costs.dsp_factor(qi)});
        } else {
            items[static_cast<std::size_t>(s)].a += a;  // recursive: blocks sharing IP m add up
        }
    }
    return items;
}

inline std::string infeasible_reason(double minimum, double budget, int pf_min) {
    std::ostringstream os;
    os << "no parallel factors in range meet the DSP budget: even pf = " << pf_min << " everywhere needs " << minimum
       << " DSPs, the budget is " << budget;
    return os.str();
}

/// Recursive: exact dynamic programming over Pareto-optimal (DSPs, latency) partial
/// assignments. After each IP only the non-dominated pairs within the budget survive, so the
/// work is O(IPs x range x frontier) with the frontier bounded by the number of distinct DSP
/// totals under the budget (at most 2*budget+1 with EDD's Psi in {0, 1/2, 1}).
inline std::vector<int> minimise_total_latency(const std::vector<tuning_item>& items, double budget, pf_range r,
                                               double& best_latency, double& best_dsp) {
    struct state {
        double dsp, latency;
        int parent, pf;
    };
    std::vector<std::vector<state>> layers(items.size() + 1);
    layers[0].push_back({0.0, 0.0, -1, 0});
    std::vector<state> next;
    for (std::size_t k = 0; k < items.size(); ++k) {
        next.clear();
        const auto& prev = layers[k];
        for (int s = 0; s < static_cast<int>(prev.size()); ++s)
            for (int p = r.min; p <= r.max; ++p) {
                const double dsp = prev[static_cast<std::size_t>(s)].dsp + items[k].c * std::ldexp(1.0, p);
                if (dsp > budget)
                    break;  // DSPs grow with p
                next.push_back({dsp, prev[static_cast<std::size_t>(s)].latency + items[k].a * std::ldexp(1.0, -p), s, p});
            }
        std::sort(next.begin(), next.end(), [](const state& x, const state& y) {
            return x.dsp < y.dsp || (x.dsp == y.dsp && x.latency < y.latency);
        });
        auto& layer = layers[k + 1];
        for (const state& s : next)  // keep strictly decreasing latency as DSPs grow
            if (layer.empty() || s.latency < layer.back().latency)
                layer.push_back(s);
        if (layer.empty())
            return {};
    }
    // the last frontier point has the least latency, and the fewest DSPs among equals
    std::vector<int> pf(items.size());
    int s = static_cast<int>(layers.back().size()) - 1;
    best_latency = layers.back().back().latency;
    best_dsp = layers.back().back().dsp;
    for (std::size_t k = items.size(); k-- > 0;) {
        const state& st = layers[k + 1][static_cast<std::size_t>(s)];
        pf[k] = st.pf;
        s = st.parent;
    }
    return pf;
}

/// Pipelined: the slowest stage T is one of the values A_i 2^-p. For a candidate T each stage
/// needs its smallest p with A_i 2^-p <= T, and the DSP total of that choice falls as T grows,
/// so a binary search over the sorted candidates finds the least feasible T exactly; its
/// per-stage smallest p are also the fewest DSPs reaching it.
inline std::vector<int> minimise_slowest_stage(const std::vector<tuning_item>& items, double budget, pf_range r,
                                               double& best_interval, double& best_dsp) {
    std::vector<double> candidates;
    for (const auto& it : items)
        for (int p = r.min; p <= r.max; ++p)
            candidates.push_back(it.a * std::ldexp(1.0, -p));
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    std::vector<int> pf(items.size());
    auto fits = [&](double t, std::vector<int>& out, double& dsp) {
        dsp = 0;
        for (std::size_t k = 0; k < items.size(); ++k) {
            int p = r.min;
            while (items[k].a * std::ldexp(1.0, -p) > t) {
                if (++p > r.max)
                    return false;
            }
            out[k] = p;
            dsp += items[k].c * std::ldexp(1.0, p);
        }
        return dsp <= budget;
    };
    std::size_t lo = 0, hi = candidates.size();  // answer in [lo, hi); hi means none
    double dsp = 0;
    while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (fits(candidates[mid], pf, dsp))
            hi = mid;
        else
            lo = mid + 1;
    }
    if (lo == candidates.size())
        return {};
    fits(candidates[lo], pf, best_dsp);
    best_interval = 0;
    for (std::size_t k = 0; k < items.size(); ++k)
        best_interval = std::max(best_interval, items[k].a * std::ldexp(1.0, -pf[k]));
    return pf;
}

}  // namespace detail

/// Optimal integer parallel factors for design `d` under `dsp_budget` (see the file comment).
/// An infeasible budget is reported in the result (feasible = false, reason), not thrown.
template <architecture Arch>
retune_result<Arch> retune(const cost_table& costs, const design<Arch>& d, double dsp_budget, pf_range range = {}) {
    using nais::detail::require;
    require(std::isfinite(dsp_budget) && dsp_budget >= 0, "retune: the DSP budget must be finite and >= 0, got ",
            dsp_budget);
    require(range.min >= 0 && range.min <= range.max && range.max <= max_design_pf, "retune: pf range [", range.min,
            ", ", range.max, "] must satisfy 0 <= min <= max <= ", max_design_pf);
    detail::validate_design(costs, d);
    const auto items = detail::tuning_items(costs, d);
    retune_result<Arch> res;
    res.tuned = d;
    std::fill(res.tuned.pf.begin(), res.tuned.pf.end(), range.min);
    double minimum = 0;
    for (const auto& it : items)
        minimum += it.c * std::ldexp(1.0, range.min);
    if (minimum > dsp_budget) {
        res.reason = detail::infeasible_reason(minimum, dsp_budget, range.min);
        return res;
    }
    const std::vector<int> pf = Arch::throughput_bound
                                    ? detail::minimise_slowest_stage(items, dsp_budget, range, res.objective, res.dsp)
                                    : detail::minimise_total_latency(items, dsp_budget, range, res.objective, res.dsp);
    require(pf.size() == items.size(), "retune: internal error, no assignment found for a feasible budget");
    for (std::size_t k = 0; k < items.size(); ++k)
        res.tuned.pf[static_cast<std::size_t>(items[k].group)] = pf[k];
    res.feasible = true;
    return res;
}

}  // namespace nais::fpga
