#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/argmax.hpp>
#include <nais/detail/error.hpp>
#include <nais/network/space_layers.hpp>
#include <nais/device/tiled/design_search.hpp>
#include <nais/device/tiled/relaxed.hpp>
#include <nais/device/tiled/template_model.hpp>
#include <nais/device/tiled/workloads.hpp>
#include <nais/expr/leaf.hpp>
#include <nais/loss/composed_loss.hpp>
#include <nais/objective/sum.hpp>
#include <nais/space/search_space.hpp>
#include <nais/stage/expectation.hpp>
#include <nais/stage/relaxed_cells.hpp>

#include <algorithm>
#include <cmath>
#include <optional>
#include <type_traits>
#include <vector>

// HotNAS's tiled template as a nais device model: co-search of the architecture (theta) and the
// template's design (Tm, Tn, Tr, Tc, W_p, I_p, O_p) with EDD Eq. 1. The design is one continuous
// group of log2 values, x = 2^u, so tiles from 1 to thousands move at one learning rate. Per
// (block, op): the relaxed latency of the candidate's layers (relaxed.hpp, the one formula of
// template_model.hpp), in ms; Perf = sum over blocks of its expectation (EDD Eq. 4, 6); RES = the
// binding resource in DSP-equivalents, dsp x max(DSP/dsp, port bits/port_bits, BRAM/bram), so
// params().res_ub = device.dsp puts every resource at its limit (Eq. 1's penalty). Tk is fixed:
// the largest kernel of the space. finish() derives the ops, rounds the design, and runs the
// exact design search on the derived network (the template's exact re-tuning). With a latency
// target (params().target_ms) E[ms] / target joins RES's max and Perf is floored at the target
// (latency_over_target_node). Over a compression_space, theta is HotNAS's compression choices.
namespace nais::tiled {

/// Tag of the design group: log2 of (Tm, Tn, Tr, Tc, W_p, I_p, O_p), 1 x 7.
struct log2_design_tag {
    static constexpr const char* name = "log2_design";
};

/// The outcome of a co-search on the template.
struct search_outcome {
    std::vector<int> ops;                ///< per block, the op with the largest theta
    std::vector<workload> layers;        ///< the derived network's workloads
    design rounded;                      ///< the searched design, rounded (ports trimmed to fit)
    network_report rounded_report;       ///< its exact evaluation
    design_search_result exact;          ///< the exact design search on the derived network
};

namespace detail {

/// x = 2^u (double).
template <class U>
design_vector design_of_log2(const U& u) {
    return nais::detail::exp2_of<design_variables>(u);
}

/// The seven gradients with respect to x, as gradients with respect to u = log2 x.
template <class G>
G log2_gradient(const design_vector& dx, const design_vector& x, G out) {
    return nais::detail::log2_chain<design_variables>(dx, x, std::move(out));
}

/// Per (block, op): the relaxed ms of the candidate's layers at x (relaxed_network_cycles).
/// cells[i + N m]: the candidate's workloads (empty for a skip op and an unavailable cell: 0 ms).
struct candidate_latency {
    const std::vector<std::vector<workload>>* cells;
    device dev;
    precision prec;
    tiled::mode mode;
    const relaxation* relax;
    dual operator()(std::size_t k, const design_vector& x) const {
        const double ms = 1 / (dev.clock_mhz * 1e3);
        return relaxed_network_cycles((*cells)[k], seeded(x), dev, prec, mode, relaxed_ops{*relax}) * ms;
    }
};

/// Perf with a latency target (target_ms > 0): target x max_tau(E[ms] / target, 1), so latency
/// below the target earns nothing (HotNAS's objective: meet the constraint, then the least
/// accuracy cost) and above it Perf grows with E[ms]; without a target, E[ms] itself.
template <class Latency, class T>
class latency_over_target_node : public expr::node<latency_over_target_node<Latency, T>> {
public:
    using value_type = T;
    latency_over_target_node(Latency latency, const relaxation* relax, const double* target_ms)
        : latency_(std::move(latency)), relax_(relax), target_ms_(target_ms) {}
    const value_type& forward() {
        const double ms = static_cast<double>(latency_.forward()), target = *target_ms_;
        if (target > 0) {
            const relaxed_ops ops{*relax_};
            const dual y = ops.max(dual(ms / target), dual(1.0));
            slope_ = ms > 0 ? ops.max_slope(ms / target, y.v) : 0;  // d max / d (ms / target)
            out_ = static_cast<T>(target * y.v);
        } else {
            slope_ = 1;
            out_ = static_cast<T>(ms);
        }
        return out_;
    }
    const value_type& value() const noexcept { return out_; }
    void backward(const value_type& seed) { latency_.backward(static_cast<T>(slope_ * static_cast<double>(seed))); }

private:
    Latency latency_;
    const relaxation* relax_;
    const double* target_ms_;
    T out_{};
    double slope_ = 1;
};

/// RES = dsp x the relaxed utilisation of the binding resource (relaxed_utilisation); with a
/// latency target (target_ms > 0) the expected ms over the target joins the relaxed max, so
/// Eq. 1's penalty also starts where the network reaches the target: RES = dsp x
/// max_tau(DSP/dsp, port bits/port_bits, BRAM/bram, E[ms]/target_ms).
template <class U, class Latency, class T>
class resource_use_node : public expr::node<resource_use_node<U, Latency, T>> {
public:
    using value_type = T;
    resource_use_node(U u, Latency latency, int Tk, const device& dev, const relaxation* relax, const double* target_ms)
        : u_(std::move(u)), latency_(std::move(latency)), tk_(Tk), dev_(dev), relax_(relax), target_ms_(target_ms) {}
    const value_type& forward() {
        x_ = design_of_log2(u_.forward());
        const relaxed_ops ops{*relax_};
        dual r = relaxed_utilisation(seeded(x_), tk_, dev_, ops);
        d_latency_ = 0;
        if (*target_ms_ > 0) {  // the latency's share: d max / d b (relaxed_ops::max_slope)
            const double b = static_cast<double>(latency_.forward()) / *target_ms_;
            const dual y = ops.max(r, dual(b));
            d_latency_ = b > 0 ? ops.max_slope(b, y.v) / *target_ms_ * double(dev_.dsp) : 0;
            r = y;
        }
        out_ = static_cast<T>(r.v * double(dev_.dsp));
        grad_ = r.d * double(dev_.dsp);
        return out_;
    }
    const value_type& value() const noexcept { return out_; }
    void backward(const value_type& seed) {
        u_.backward(log2_gradient(design_vector(grad_ * static_cast<double>(seed)), x_, expr::value_t<U>(u_.value())));
        if (*target_ms_ > 0)
            latency_.backward(static_cast<T>(d_latency_ * static_cast<double>(seed)));
    }

private:
    U u_;
    Latency latency_;
    int tk_;
    device dev_;
    const relaxation* relax_;
    const double* target_ms_;
    T out_{};
    double d_latency_ = 0;
    design_vector grad_ = design_vector::Zero(), x_ = design_vector::Ones();
};

}  // namespace detail

/// A space that gives the template's workloads of each cell itself (compression_space): the
/// model runs them as they are instead of analysing candidate_network(space, i, m).
template <class S>
concept workload_space = requires(const S& s, int i) {
    { s.tiled_workloads(i, i) } -> std::convertible_to<const std::vector<workload>&>;
};

/// The template as a device model over a space (MBConv, layered, or one that gives its
/// workloads: compression_space): variables theta (the
/// loss's) and log2_design (1 x 7). The device, precision and mode are constants of the model;
/// params().relax holds the temperatures (they may change between evaluations).
template <search_space S, class T = double>
class model {
    static_assert(std::is_floating_point_v<T>, "nais::tiled::model: the scalar type must be float, double or long double");

public:
    using space_type = S;
    using scalar_type = T;
    static constexpr int N = S::blocks_at_compile_time, M = S::ops_at_compile_time;
    using cost_type = Eigen::Array<T, N, M>;
    using blocks_type = Eigen::Array<T, N, 1>;
    using design_type = Eigen::Array<T, 1, design_variables>;
    using variables = nais::variables<continuous<log2_design_tag, design_type>>;

    // the optional hooks it defines (nais::hook)
    using hooks = nais::hooks<nais::hook::validate_parameters, nais::hook::validate, nais::hook::interface,
                              nais::hook::search_bounds, nais::hook::check_search, nais::hook::prepare_search,
                              nais::hook::finish>;
    struct parameters {
        relaxation relax{};  ///< temperatures of max/min and ceil/floor (relaxed.hpp)
        /// A latency target in ms (0: none): E[ms] / target_ms joins RES's relaxed max, so with
        /// res_ub = device.dsp the penalty starts at the target as at every resource limit, and
        /// Perf becomes target x max_tau(E[ms] / target, 1): no reward below the target.
        double target_ms = 0;
        /// Where search::co_search starts the design (unset: prepare_search's default point).
        std::optional<design> start_design{};
    };

    /// Refuses a device, precision or candidate the template cannot run, naming it.
    explicit model(const S& space, const device& dev = {}, const precision& p = {}, mode m = mode::hardware)
        : dev_(dev), prec_(p), mode_(m), blocks_(space.num_blocks(), 1) {
        tiled::validate(dev_);
        tiled::validate(p, dev_);
        cells_.resize(space.num_blocks(), space.num_ops());
        for (int op = 0; op < space.num_ops(); ++op)
            for (int i = 0; i < space.num_blocks(); ++i)
                if (op_runs_on_hardware(space, i, op)) {
                    std::vector<workload> w;
                    if constexpr (workload_space<S>) {
                        w = space.tiled_workloads(i, op);
                    } else {
                        w = workloads(candidate_network(space, i, op));
                        for (workload& l : w)
                            l.name = "block " + std::to_string(i) + " op " + std::to_string(op) + ": " + l.name;
                    }
                    tk_ = std::max(tk_, largest_kernel(w));
                    cells_.at(i, op) = std::move(w);
                }
        design probe;
        probe.Tk = tk_;
        for (const auto& c : cells_.cells)
            for (const workload& l : c)
                tiled::validate(l, probe, dev_);
    }

    group_shape shape(log2_design_tag) const { return {1, design_variables}; }

    /// relaxed ms per (block, op) -> op expectation (EDD Eq. 4) -> sum (Eq. 6); RES as above.
    template <class B>
    auto program(B& b) {
        using u_type = std::remove_cvref_t<decltype(b.variable(log2_design_tag{}))>;
        using latency_node = nais::detail::relaxed_cells_node<u_type, cost_type, design_variables, detail::candidate_latency>;
        const relaxation* relax = &b.params().relax;
        latency_node latency(b.variable(log2_design_tag{}), blocks_.value.rows(), cells_.cols,
                             {&cells_.cells, dev_, prec_, mode_, relax});
        using total_type = decltype(nais::sum(blocks_.ref()));
        return device_terms(statements(expr::assign(blocks_, op_expectation(b.arch(), std::move(latency)))),  // Eq. 4
                            detail::latency_over_target_node<total_type, T>(nais::sum(blocks_.ref()), relax,   // Eq. 6
                                                                            &b.params().target_ms),
                            detail::resource_use_node<u_type, total_type, T>(b.variable(log2_design_tag{}),
                                                                             nais::sum(blocks_.ref()), tk_, dev_, relax,
                                                                             &b.params().target_ms));
    }

    template <class P>
    void validate_parameters(const P& p) const {
        detail::check_relaxed(design_vector::Ones(), p.relax);
        nais::detail::require(std::isfinite(p.target_ms) && p.target_ms >= 0,
                              "fpga-tiled: params.target_ms must be finite and >= 0 (0: no latency target), got ", p.target_ms);
    }
    /// 2^u must stay a design value: every u in [0, 20].
    template <class Loss>
    void validate(const Loss& l) const {
        nais::detail::require_log2_design(l.variable(log2_design_tag{}), std::log2(double(max_design_value)), "fpga-tiled");
    }

    /// Expected ms per block (Eq. 4).
    const blocks_type& latency_blocks() const noexcept { return blocks_.value; }
    /// The kernel limit of every design (the space's largest kernel).
    int kernel_limit() const noexcept { return tk_; }
    const device& target() const noexcept { return dev_; }
    const precision& bits() const noexcept { return prec_; }
    tiled::mode latency_mode() const noexcept { return mode_; }
    /// The workloads of op m of block i (empty for a skip op).
    const std::vector<workload>& candidate_workloads(int i, int m) const { return cells_.at(i, m); }

    /// The design 2^u rounded to the nearest integers, ports trimmed (largest first) to fit.
    template <class Loss>
    design derive_design(const Loss& l) const {
        const design_vector x = detail::design_of_log2(l.variable(log2_design_tag{}));
        const auto at = [&](int k) { return static_cast<int>(std::clamp(std::round(x(k)), 1.0, double(max_design_value))); };
        design d{at(var_Tm), at(var_Tn), at(var_Tr), at(var_Tc), tk_, at(var_W_p), at(var_I_p), at(var_O_p)};
        const int words = std::max(3, dev_.port_bits / dev_.word_bits);
        while (d.W_p + d.I_p + d.O_p > words) {
            int& largest = d.W_p >= d.I_p && d.W_p >= d.O_p ? d.W_p : (d.I_p >= d.O_p ? d.I_p : d.O_p);
            --largest;
        }
        return d;
    }
    /// The workloads of the network the logits stand for (argmax of every row of theta).
    template <class Loss>
    std::vector<workload> derive_layers(const Loss& l) const {
        return cells_.derived(l);
    }

    // ---- search hooks (search::co_search)

    /// u in [0, log2 of the largest useful value]: the multipliers, the port words or the largest
    /// output extent of the space, whichever is largest.
    template <class P>
    interval search_bounds(log2_design_tag, const P&) const {
        double largest = std::max(double(dev_.dsp / dev_.dsp_per_multiplier), double(dev_.port_bits / dev_.word_bits));
        for (const auto& c : cells_.cells)
            for (const workload& l : c)
                largest = std::max({largest, double(l.R), double(l.C)});
        return {0, std::ceil(std::log2(std::max(1.0, largest)))};
    }
    /// The search starts at params().start_design if set (a hot start from a known design),
    /// else at Tm = Tn = sqrt(multipliers) / 2 (a quarter of the DSPs), 8 x 8 tiles and the port
    /// words split in three; within the bounds.
    template <class Loss, class Search>
    void prepare_search(Loss& l, const Search& s) const {
        const interval b = s.bounds(log2_design_tag{});
        const double mults = double(dev_.dsp / dev_.dsp_per_multiplier), words = double(dev_.port_bits / dev_.word_bits);
        design_vector start;
        start << std::sqrt(mults) / 2, std::sqrt(mults) / 2, 8, 8, words / 3, words / 3, words / 3;
        if (l.params().start_design)
            start = to_vector(*l.params().start_design);
        nais::detail::start_log2_design(l.variable(log2_design_tag{}), start, b);
    }
    template <class Loss, class Search>
    void check_search(const Loss& l, const Search& s) const {
        nais::detail::require_log2_search(s.bounds(log2_design_tag{}), std::log2(double(max_design_value)),
                                          static_cast<double>(l.params().res_ub));
    }
    /// Derivation, exact evaluation of the rounded design and the exact design search on the
    /// derived network.
    template <class Loss, class Search>
    search_outcome finish(const Loss& l, const Search&) const {
        search_outcome out;
        out.ops = l.derived_ops();
        out.layers = derive_layers(l);
        out.rounded = derive_design(l);
        out.rounded_report = evaluate(out.layers, out.rounded, dev_, prec_, mode_);
        out.exact = search_design(out.layers, dev_, prec_, mode_);
        return out;
    }

    /// Named accessors nais::loss adds for this model (CRTP): log2_design(), grad_log2_design(),
    /// latency_blocks().
    template <class Loss>
    using interface = nais::detail::log2_design_interface<Loss, log2_design_tag, design_type, blocks_type>;

private:
    device dev_;
    precision prec_;
    tiled::mode mode_;
    int tk_ = 1;
    nais::detail::design_cells<workload> cells_;
    expr::placeholder<blocks_type> blocks_;
};

/// EDD Eq. 1 on HotNAS's tiled template: L = Acc_loss * alpha * (expected ms) + beta *
/// C^(RES - RES_ub), theta N x M and log2_design 1 x 7.
template <search_space S, class T = double>
using loss = nais::loss<model<S, T>>;

}  // namespace nais::tiled
