#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/tiled/compression_space.hpp>
#include <nais/device/tiled/design_search.hpp>
#include <nais/device/tiled/hot_start.hpp>
#include <nais/device/tiled/model.hpp>
#include <nais/search/co_search.hpp>
#include <nais/search/standin.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <type_traits>
#include <vector>

// The hot start for accuracy costs that are not additive over layers (HotNAS's iSearch with
// gradients instead of reinforcement learning). The knapsack of hot_start.hpp is exact only
// for costs that add up over units; here the compression choices are the theta of a nais loss
// over compression_space (one row per unit, one column per combination) and the template's
// design its log2_design, EDD Eq. 1 with the latency target inside RES (model.hpp's
// params.target_ms), and nais's co-search driver descends
//     L = Acc(P) * E[ms] + beta C^(RES - dsp),  RES = dsp max_tau(DSP/dsp, ports, BRAM, E[ms]/target)
// with Acc(P) the user's relaxed accuracy cost of the sampled probabilities P. Then, exactly:
//  1. derive one combination per unit (argmax of theta) and run the exact design search;
//  2. repair: while the exact latency misses the target, switch the unit whose faster
//     combination costs least per cycle saved (cost evaluated whole, never summed), and search
//     the design again; if even the fastest combinations miss, say so and by how much;
//  3. refine: while some single unit can move to a combination of lower whole cost with the
//     exact latency still within the target (at the current design), take the best such move.
// The result's exact latency meets the target, or met = false with the shortfall. The relaxed
// search is a heuristic (the exact optimum of a non-additive cost needs enumeration; the tests
// compare with it on small networks).
namespace nais::tiled {

/// A relaxed accuracy cost over a compression_space: Acc(P) for P (units x combinations, each
/// row a distribution over the unit's combinations, 0 past its count), writing dAcc/dP into
/// `grad` (sized like P, zeroed). At a one-hot P it must be the cost of that plan: the exact
/// phases evaluate plans that way.
using relaxed_accuracy_cost =
    std::function<double(const compression_space& space, const Eigen::ArrayXXd& P, Eigen::ArrayXXd& grad)>;

namespace detail {

/// Per cell (unit, combination) of a space, the sum of a per-layer cost over the unit's
/// choices, computed once per space (keyed by compression_space::id).
class cell_costs {
public:
    explicit cell_costs(accuracy_cost per_layer) : per_layer_(std::move(per_layer)) {}
    const Eigen::ArrayXXd& of(const compression_space& s) const {
        if (id_ != s.id()) {
            c_.setZero(s.num_blocks(), s.num_ops());
            for (int u = 0; u < s.num_blocks(); ++u)
                for (int m = 0; m < s.combinations(u); ++m)
                    c_(u, m) = unit_cost(s.unit(u), std::size_t(m), s.base(), per_layer_);
            nais::detail::require(c_.allFinite(), "fpga-tiled: a per-layer accuracy cost is not finite");
            id_ = s.id();
        }
        return c_;
    }

private:
    accuracy_cost per_layer_;
    mutable std::uint64_t id_ = 0;
    mutable Eigen::ArrayXXd c_;
};

inline void check_probabilities(const compression_space& s, const Eigen::ArrayXXd& P, const char* who) {
    nais::detail::require(P.rows() == s.num_blocks() && P.cols() == s.num_ops(), who, ": P is ", P.rows(), " x ", P.cols(),
                          ", expected ", s.num_blocks(), " x ", s.num_ops());
}

}  // namespace detail

/// A STAND-IN accuracy cost that is not additive over layers, for examples and tests (not a
/// measurement): compressing neighbouring units compounds their damage,
///     Acc(P) = sum_u E[c_u] + gamma sum_u E[c_u] E[c_(u+1)],   E[c_u] = sum_m P_um c_um,
/// with c_um the per-layer cost (default standin_accuracy_cost) summed over the unit's layers, units in network
/// order (compression_space's rows). At a one-hot P it is sum_u c_u + gamma sum_u c_u c_(u+1):
/// a quadratic knapsack, which the dynamic programme of hot_start.hpp cannot take (gamma = 0
/// is its additive cost); over independent per-unit choices it is the exact expectation.
class interacting_standin {
public:
    /// gamma: the interaction; per_layer: c of one layer's choice (default: the knapsack's stand-in).
    explicit interacting_standin(double gamma = 1, accuracy_cost per_layer = standin_accuracy_cost)
        : gamma_(gamma), per_layer_(per_layer), cells_(std::move(per_layer)) {
        nais::detail::require(std::isfinite(gamma) && gamma >= 0, "interacting_standin: gamma must be finite and >= 0, got ",
                              gamma);
        nais::detail::require(bool(per_layer_), "interacting_standin: the per-layer cost is empty");
    }

    double operator()(const compression_space& s, const Eigen::ArrayXXd& P, Eigen::ArrayXXd& grad) const {
        detail::check_probabilities(s, P, "interacting_standin");
        // the stand-in's expectation (search/standin.hpp) with unit weights 1 and the interaction
        return search::standin_expectation<double>(P, cells_.of(s), {}, gamma_, grad);
    }

    /// The cost of any plan over the space's layers (e.g. the knapsack's, whose choices may lie
    /// outside the space's offers): the one-hot formula with c_u from the plan's choices.
    double of_plan(const compression_space& s, const compression_plan& plan) const {
        Eigen::ArrayXd c = Eigen::ArrayXd::Zero(s.num_blocks());
        for (int u = 0; u < s.num_blocks(); ++u)
            for (std::size_t k : s.unit(u).layers) {
                const workload& l = s.base()[k];
                if (const auto it = plan.find(l.name); it != plan.end())
                    c(u) += per_layer_(l, choice_of(it->second));
            }
        Eigen::ArrayXXd unused;  // the same formula at one-hot choices: P = 1 on a single column of costs c
        return search::standin_expectation<double>(Eigen::ArrayXXd::Ones(c.size(), 1), Eigen::ArrayXXd(c), {}, gamma_, unused);
    }

private:
    double gamma_;
    accuracy_cost per_layer_;
    detail::cell_costs cells_;
};

/// The knapsack's additive cost (a per-layer accuracy_cost) as a relaxed cost: its expectation,
/// sum_u sum_m P_um c_um, linear in P.
inline relaxed_accuracy_cost expected_additive_cost(accuracy_cost per_layer) {
    return [cells = detail::cell_costs(std::move(per_layer))](const compression_space& s, const Eigen::ArrayXXd& P,
                                                              Eigen::ArrayXXd& grad) {
        detail::check_probabilities(s, P, "expected_additive_cost");
        grad = cells.of(s);
        return (grad * P).sum();
    };
}

/// The options of the gradient hot start: the knapsack's (target, offers, mode, shapes, batch)
/// plus the co-search's.
struct gradient_hot_start_options : hot_start_options {
    long steps = 300;
    std::uint64_t seed = 1;
    double learning_rate_theta = 0.1;   ///< compression logits
    double learning_rate_design = 0.05; ///< log2 of the design
    double tau_start = 1, tau_end = 0.2; ///< Gumbel-softmax temperature, exponential decay over the steps
    /// Eq. 1's penalty beta C^(RES - res_ub) with RES in DSP-equivalents and res_ub = device.dsp:
    /// C = e^(sharpness / dsp), so the penalty grows e-fold per 1/sharpness of a limit (or of
    /// the target) overrun, whatever the device's size.
    double beta = 1, sharpness = 20;
    relaxation relax{0.02, 0.05};       ///< the template's max and ceil temperatures
    std::size_t max_combinations = 4096;  ///< per unit
    /// Gumbel noise in the samples (EDD Eq. 2); false: plain softmax, deterministic. Noise
    /// makes the exponential penalty risk-averse (E[C^x] > C^E[x]): plans land further below
    /// the target.
    bool gumbel_noise = false;
    int attempts = 3;  ///< co-searches, each at a working target corrected by the last one's exact latency
};

struct gradient_hot_start_result : hot_start_result {
    std::vector<int> combinations;  ///< per unit of the space, the final choice
    std::vector<int> derived;       ///< per unit, the choice a co-search derived (the last that met the target, else the first)
    double derived_cost = 0, derived_ms = 0;  ///< that plan's whole cost and exact ms (its own best design)
    int repairs = 0;      ///< switches to faster combinations (the chosen start's)
    int refinements = 0;  ///< switches to cheaper combinations that keep the target
    bool from_derivation = true;  ///< the result grew from the derived plan (else from the greedy start)
    long steps = 0;                          ///< over every attempt
    std::vector<double> working_targets;     ///< per attempt, the target the co-search used
    std::vector<search::step_record<double>> curve;  ///< the last attempt's
};

namespace detail {

/// P one-hot at each unit's combination.
inline Eigen::ArrayXXd one_hot(const compression_space& s, const std::vector<int>& pick) {
    Eigen::ArrayXXd P = Eigen::ArrayXXd::Zero(s.num_blocks(), s.num_ops());
    for (int u = 0; u < s.num_blocks(); ++u)
        P(u, pick[std::size_t(u)]) = 1;
    return P;
}

}  // namespace detail

/// What hot_start_gradient takes as the accuracy cost: a callable with relaxed_accuracy_cost's
/// signature (interacting_standin, expected_additive_cost, a lambda, a relaxed_accuracy_cost).
template <class Cost>
concept relaxed_cost = std::is_invocable_r_v<double, const Cost&, const compression_space&, const Eigen::ArrayXXd&,
                                             Eigen::ArrayXXd&>;

/// The gradient hot start on `net` (see the file comment). A template, so that including the
/// header costs nothing until it is called.
template <class Cost = interacting_standin>
gradient_hot_start_result hot_start_gradient(const net::network& net, const gradient_hot_start_options& o = {},
                                             const device& dev = {}, const precision& p = {}, const Cost& cost = Cost{}) {
    static_assert(relaxed_cost<Cost>, "nais::tiled::hot_start_gradient: the accuracy cost must be callable as "
                                      "double(const compression_space&, const Eigen::ArrayXXd& P, Eigen::ArrayXXd& dP)");
    using nais::detail::require;
    detail::check_hot_start(o, dev);
    require(o.steps >= 0 && o.steps <= 1000000, "fpga-tiled: gradient hot start steps must be in [0, 1e6], got ", o.steps);
    require(std::isfinite(o.tau_start) && std::isfinite(o.tau_end) && o.tau_end > 0 && o.tau_start >= o.tau_end,
            "fpga-tiled: gradient hot start needs tau_start >= tau_end > 0, got ", o.tau_start, ", ", o.tau_end);
    require(std::isfinite(o.learning_rate_theta) && o.learning_rate_theta >= 0 && std::isfinite(o.learning_rate_design) &&
                o.learning_rate_design >= 0,
            "fpga-tiled: gradient hot start learning rates must be finite and >= 0");
    if constexpr (std::is_constructible_v<bool, const Cost&>)
        require(bool(cost), "fpga-tiled: gradient hot start: the accuracy cost is empty");
    require(o.attempts >= 0 && o.attempts <= 100, "fpga-tiled: gradient hot start attempts must be in [0, 100], got ", o.attempts);
    require(std::isfinite(o.beta) && o.beta > 0 && std::isfinite(o.sharpness) && o.sharpness > 0 && o.sharpness <= 1e4,
            "fpga-tiled: gradient hot start needs beta > 0 and sharpness in (0, 1e4], got ", o.beta, ", ", o.sharpness);

    gradient_hot_start_result out;
    compression_space_options so;
    so.offer = o;
    so.layer_shapes = o.layer_shapes;
    so.batch = o.batch;
    so.max_combinations = o.max_combinations;
    const std::vector<workload> base = workloads(net, {}, o.layer_shapes, o.batch);
    const design_search_result first = search_design(base, dev, p, o.latency_mode);
    require(first.found, "fpga-tiled: no design of the template fits the device");
    out.initial_design = out.final_design = first.best;
    out.initial_ms = first.ms;
    const compression_space space(net, first.best, dev, p, o.latency_mode, so);
    const int units = space.num_blocks();
    const auto whole_cost = [&](const std::vector<int>& pick) {
        Eigen::ArrayXXd g;
        const double c = cost(space, detail::one_hot(space, pick), g);
        require(std::isfinite(c), "fpga-tiled: gradient hot start: the accuracy cost of a plan is not finite");
        return c;
    };

    // the exact phases from a starting plan: repair, refine; each returns the plan, its design
    const auto best_design = [&](const std::vector<int>& choice) {
        const design_search_result r = search_design(space.load(space.plan_of(choice)), dev, p, o.latency_mode);
        require(r.found, "fpga-tiled: no design of the template fits the device");
        return r;
    };
    const double budget = detail::target_cycles(o.target_ms, dev);
    const auto unit_cycles = [&](int u, int m, const design& d) {
        double c = 0;
        for (const workload& w : space.tiled_workloads(u, m))
            c += layer_cycles(w, d, dev, p, o.latency_mode);
        return c;
    };
    const auto total_cycles = [&](const std::vector<int>& choice, const design& d) {
        double c = 0;
        for (int u = 0; u < units; ++u)
            c += unit_cycles(u, choice[std::size_t(u)], d);
        return c;
    };
    struct finished {
        std::vector<int> pick;
        design_search_result at;
        double cycles = 0, cost = 0;
        int repairs = 0, refinements = 0;
    };
    // `at`: pick's best design, already searched by the caller
    const auto exact_phases = [&](std::vector<int> pick, const design_search_result& at) {
        finished f;
        f.at = at;
        bool searched = true;  // f.at is the best design of pick as it stands
        // repair: the cheapest whole-cost increase per cycle saved; when no unit has a faster
        // combination on this design, the design again. Cycles fall at every step, so it ends.
        double cycles = total_cycles(pick, f.at.best);
        while (cycles > budget) {
            const double now_cost = whole_cost(pick);
            double best_ratio = std::numeric_limits<double>::infinity(), best_saved = 0;
            int bu = -1, bm = -1;
            for (int u = 0; u < units; ++u) {
                const double here = unit_cycles(u, pick[std::size_t(u)], f.at.best);
                for (int m = 0; m < space.combinations(u); ++m) {
                    const double saved = here - unit_cycles(u, m, f.at.best);
                    if (saved <= 0)
                        continue;
                    std::vector<int> trial = pick;
                    trial[std::size_t(u)] = m;
                    const double ratio = (whole_cost(trial) - now_cost) / saved;
                    if (ratio < best_ratio) {
                        best_ratio = ratio;
                        best_saved = saved;
                        bu = u;
                        bm = m;
                    }
                }
            }
            if (bu >= 0) {
                pick[std::size_t(bu)] = bm;
                cycles -= best_saved;
                ++f.repairs;
                searched = false;
                continue;
            }
            const design_search_result again = searched ? f.at : best_design(pick);
            searched = true;
            if (again.cycles >= cycles)
                break;  // the fastest combinations on their best design still miss the target
            f.at = again;
            cycles = total_cycles(pick, f.at.best);
        }
        // refine: the single-unit move to the lowest whole cost that keeps the target (this design)
        for (bool moved = cycles <= budget; moved;) {
            moved = false;
            double best_cost = whole_cost(pick);
            int bu = -1, bm = -1;
            for (int u = 0; u < units; ++u) {
                const double here = unit_cycles(u, pick[std::size_t(u)], f.at.best);
                for (int m = 0; m < space.combinations(u); ++m) {
                    if (m == pick[std::size_t(u)] || cycles - here + unit_cycles(u, m, f.at.best) > budget)
                        continue;
                    std::vector<int> trial = pick;
                    trial[std::size_t(u)] = m;
                    const double c = whole_cost(trial);
                    if (c < best_cost - 1e-12) {
                        best_cost = c;
                        bu = u;
                        bm = m;
                    }
                }
            }
            if (bu >= 0) {
                cycles += unit_cycles(bu, bm, f.at.best) - unit_cycles(bu, pick[std::size_t(bu)], f.at.best);
                pick[std::size_t(bu)] = bm;
                ++f.refinements;
                moved = true;
                searched = false;
            }
        }
        // never slower: the current design is a candidate
        const design_search_result again = searched ? f.at : best_design(pick);
        if (again.cycles <= cycles) {
            f.at = again;
            cycles = again.cycles;
        }
        f.pick = std::move(pick);
        f.cycles = cycles;
        f.cost = whole_cost(f.pick);
        return f;
    };

    // the relaxed co-search (EDD Eq. 1 on the template over compression_space)
    loss<compression_space> l(space, dev, p, o.latency_mode);
    l.params().res_ub = double(dev.dsp);
    l.params().beta = o.beta;
    l.params().C = std::exp(o.sharpness / double(dev.dsp));
    l.params().relax = o.relax;
    l.params().start_design = first.best;  // the hot start: the exact best design of the trained network
    search::search_options<double> so_search;
    so_search.steps = o.steps;
    so_search.seed = o.seed;
    so_search.sample_noise = o.gumbel_noise;
    so_search.learning_rate.arch = o.learning_rate_theta;
    so_search.learning_rate.impl = o.learning_rate_design;
    const double decay = o.steps > 1 ? std::pow(o.tau_end / o.tau_start, 1.0 / double(o.steps - 1)) : 1.0;
    so_search.temperature = search::temperature_schedule<double>::exponential(o.tau_start, decay, o.tau_end);
    search::co_search<loss<compression_space>> driver(l, so_search);
    Eigen::ArrayXXd P, dP;
    const auto acc = [&](const auto& ctx, search::accuracy_gradient<double>& g) {
        P = ctx.arch_probabilities;
        const double a = cost(space, P, dP);
        require(dP.rows() == P.rows() && dP.cols() == P.cols(), "fpga-tiled: gradient hot start: the accuracy cost wrote a ",
                dP.rows(), " x ", dP.cols(), " gradient, expected ", P.rows(), " x ", P.cols());
        // through the Gumbel-softmax: d/dtheta_k = P_k (dP_k - sum_j P_j dP_j) / tau (EDD Eq. 2's Jacobian)
        for (Eigen::Index u = 0; u < P.rows(); ++u) {
            const double mean = (P.row(u) * dP.row(u)).sum();
            g.theta.row(u) = P.row(u) * (dP.row(u) - mean) / ctx.tau;
        }
        return a;
    };

    // attempts: the co-search at a working target, derivation, the exact phases; the relaxed
    // model's bias is corrected by the exact latency of the derived plan (working target x
    // target / derived ms, within [0.5, 2] per attempt). Then a greedy start from the
    // uncompressed network. The cheapest plan that meets the target wins (the fastest if none).
    const auto better = [&](const finished& a, const finished& b) {
        const bool ma = a.cycles <= budget, mb = b.cycles <= budget;
        return ma != mb ? ma : (ma ? a.cost < b.cost : a.cycles < b.cycles);
    };
    std::optional<finished> best;
    double working = o.target_ms;
    for (int attempt = 0; attempt < o.attempts; ++attempt) {
        if (o.progress)
            o.progress(std::uint64_t(attempt), std::uint64_t(o.attempts + 1));
        if (attempt > 0)
            driver.initialize();  // theta, the design and the optimizer state as at the first attempt
        l.params().target_ms = working;
        out.curve = driver.run(acc);
        out.steps += o.steps;
        out.working_targets.push_back(working);
        std::vector<int> derived = l.derived_ops();
        const design_search_result derived_at = best_design(derived);
        if (attempt == 0 || derived_at.ms <= o.target_ms * (1 + 1e-12)) {  // the first, or the last that meets it
            out.derived = derived;
            out.derived_ms = derived_at.ms;
            out.derived_cost = whole_cost(derived);
        }
        finished f = exact_phases(std::move(derived), derived_at);
        if (!best || better(f, *best))
            best = std::move(f);
        working *= std::clamp(o.target_ms / derived_at.ms, 0.5, 2.0);
    }
    if (o.progress)
        o.progress(std::uint64_t(o.attempts), std::uint64_t(o.attempts + 1));
    const std::vector<int> none(std::size_t(units), 0);
    finished from_none = exact_phases(none, best_design(none));
    if (o.progress)
        o.progress(std::uint64_t(o.attempts + 1), std::uint64_t(o.attempts + 1));
    out.from_derivation = best && !better(from_none, *best);
    const finished& chosen = out.from_derivation ? *best : from_none;
    out.repairs = chosen.repairs;
    out.refinements = chosen.refinements;
    const std::vector<int>& pick = chosen.pick;
    const design_search_result& at = chosen.at;

    out.combinations = pick;
    out.final_design = at.best;
    out.rounds = 1;
    detail::report_plan(out, base, space.classes(), space.plan_of(pick), [&](const compression_plan& pl) { return space.load(pl); },
                        dev, p, o.latency_mode, o.target_ms);
    out.accuracy_cost = whole_cost(pick);
    if (!out.met)
        out.shortfall_ms = out.final_ms - o.target_ms;
    return out;
}

}  // namespace nais::tiled
