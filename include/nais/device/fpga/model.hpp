#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/argmax.hpp>
#include <nais/detail/error.hpp>
#include <nais/detail/math.hpp>
#include <nais/device/fpga/cost_model.hpp>
#include <nais/device/fpga/design.hpp>
#include <nais/device/fpga/retune.hpp>
#include <nais/expr/leaf.hpp>
#include <nais/loss/composed_loss.hpp>
#include <nais/objective/log_sum_exp.hpp>
#include <nais/objective/resource_sharing.hpp>
#include <nais/objective/sum.hpp>
#include <nais/space/search_space.hpp>
#include <nais/stage/expectation.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>
#include <type_traits>
#include <vector>

// The FPGA device model of EDD Sec. 4.1 as a nais device model: variables phi (quantization
// logits, one row per IP) and pf (parallel factors, one per IP); per-op latency
// work * E[Phi] / 2^pf (Eq. 2 + 11-12) and DSPs E[Psi] 2^pf (Eq. 3 + 13); Perf the sum (Eq. 6)
// or the smooth maximum (Eq. 7) of block latencies, RES tanh-shared (Eq. 9-10) or summed (Eq. 8).
namespace nais::fpga {

/// Tags of the FPGA variable groups.
struct phi_tag {
    static constexpr const char* name = "phi";
};
struct pf_tag {
    static constexpr const char* name = "pf";
};

/// The outcome of a search: the derived design as searched (pf rounded) and re-tuned.
template <architecture Arch>
struct search_outcome {
    design<Arch> searched;
    design_report searched_report;
    retune_result<Arch> retuned;
    design_report retuned_report;  ///< meaningful when retuned.feasible
};

/// EDD's FPGA device model over a space, for one architecture (recursive or pipelined).
template <search_space S, class T, class Arch>
class model {
    static_assert(std::is_floating_point_v<T>, "nais::fpga::model: the scalar type must be float, double or long double");
    static_assert(architecture<Arch>,
                  "nais::fpga::model: Architecture must be nais::fpga::recursive or nais::fpga::pipelined (or a type "
                  "with `using sharing = <a nais::sharing::rule>;` and `static constexpr bool throughput_bound`)");

public:
    using space_type = S;
    using scalar_type = T;
    using architecture = Arch;
    using sharing_rule = typename Arch::sharing;
    static constexpr bool shared = shares_ips_across_blocks<Arch>;
    static constexpr int N = S::blocks_at_compile_time, M = S::ops_at_compile_time, Q = S::bits_at_compile_time;
    static constexpr int GR = sharing::group_rows<sharing_rule, N, M>, GC = sharing::group_cols<sharing_rule, N, M>;
    static constexpr int G = sharing::groups_at_compile_time<sharing_rule, N, M>;  // IPs
    using theta_type = Eigen::Array<T, N, M>;
    using phi_type = Eigen::Array<T, G, Q>;
    using pf_type = Eigen::Array<T, GR, GC>;
    using blocks_type = Eigen::Array<T, N, 1>;
    using calibration_type = Eigen::Array<T, Q, 1>;
    using variables = nais::variables<sampled<phi_tag, phi_type, sharing_rule>, continuous<pf_tag, pf_type>>;

    // the optional hooks it defines (nais::hook)
    using hooks = nais::hooks<nais::hook::validate_parameters, nais::hook::validate, nais::hook::derive,
                              nais::hook::interface, nais::hook::search_bounds, nais::hook::initial_value,
                              nais::hook::check_search, nais::hook::prepare_search, nais::hook::finish>;
    struct parameters {
        /// mu of the throughput LSE, mu * log sum_i exp(Perf_i / mu) in cycles (EDD's Eq. 7 is
        /// mu = 1); pipelined only. search::co_search sets it relative to the latency scale.
        T lse_smoothness = 1;
    };

    template <calibration Lat = edd_latency_calibration, calibration Dsp = edd_dsp_calibration>
    explicit model(const S& space, const Lat& latency_calibration = {}, const Dsp& dsp_calibration = {})
        : costs_(make_cost_table(space, latency_calibration, dsp_calibration)),
          work_(work_array<T>(space)),
          c_phi_(calibrate<T>(space, latency_calibration, "latency")),
          c_psi_(calibrate<T>(space, dsp_calibration, "DSP")),
          par_(sharing_rule::rows(space.num_blocks(), space.num_ops()), sharing_rule::cols(space.num_blocks(), space.num_ops())),
          perf_blocks_(space.num_blocks(), 1),
          hardware_(hardware_mask<T>(space)) {}

    group_shape shape(phi_tag) const { return {groups(), costs_.num_bits()}; }
    group_shape shape(pf_tag) const { return {par_.value.rows(), par_.value.cols()}; }

    /// GS(phi) -> Eq. 2-3 -> 2^pf -> Eq. 4-5 -> Eq. 6/7 and 8/9-10. Every node refers to the
    /// loss's or this model's storage, never to another node.
    template <class B>
    auto program(B& b) {
        using namespace nais::expr;
        const auto rows = par_.value.rows(), cols = par_.value.cols();
        auto par = assign(par_, parallelism(b.variable(pf_tag{})));
        auto e_phi = bit_expectation<GR, GC>(b.probabilities(phi_tag{}), c_phi_, rows, cols);  // Eq. 2 (Phi)
        auto e_psi = bit_expectation<GR, GC>(b.probabilities(phi_tag{}), c_psi_, rows, cols);  // Eq. 3 (Psi)
        auto blocks = assign(perf_blocks_, op_expectation(b.arch(), op_latency(sharing_rule{}, theta_type(work_),
                                                                             std::move(e_phi), par_.ref())));  // Eq. 4
        auto dsp = op_dsp(std::move(e_psi), par_.ref());  // Eq. 3 + 13
        auto ip_use = [&] {  // skip ops use no IP: their probability does not count in the resource terms
            if constexpr (space_with_unavailable_ops<S>)
                return hardware_share(b.arch(), hardware_);
            else
                return b.arch();
        };
        if constexpr (!Arch::throughput_bound)
            return device_terms(statements(std::move(par), std::move(blocks)), nais::sum(perf_blocks_.ref()),  // Eq. 6
                                resource_sharing(ip_use(), std::move(dsp)));                                    // Eq. 9-10
        else
            return device_terms(statements(std::move(par), std::move(blocks)),
                                log_sum_exp(perf_blocks_.ref(), std::cref(b.params().lse_smoothness)),  // Eq. 7
                                nais::sum(op_expectation(ip_use(), std::move(dsp))));                  // Eq. 5, 8
    }

    template <class P>
    void validate_parameters(const P& p) const {
        nais::detail::require(std::isfinite(p.lse_smoothness) && p.lse_smoothness > 0,
                        "params.lse_smoothness must be finite and > 0, got ", p.lse_smoothness);
    }
    /// 2^pf must stay representable: |pf| <= 256 (double) or 32 (float).
    template <class Loss>
    void validate(const Loss& l) const {
        const pf_type& pf = l.variable(pf_tag{});
        const T limit = nais::detail::parallel_factor_limit<T>();
        if (!(pf.abs() <= limit).all()) [[unlikely]] {
            Eigen::Index r = 0, c = 0;
            pf.abs().maxCoeff(&r, &c);
            if (pf.cols() == 1)
                nais::detail::fail("pf(", r, ") = ", pf(r, c), " is outside [-", limit, ", ", limit,
                             "] (2^pf would leave the range of the scalar type)");
            nais::detail::fail("pf(", r, ",", c, ") = ", pf(r, c), " is outside [-", limit, ", ", limit,
                         "] (2^pf would leave the range of the scalar type)");
        }
    }

    /// Work and calibrations in double: the exact (expectation-free) model of a discrete
    /// design (fpga::evaluate, fpga::retune).
    const cost_table& costs() const noexcept { return costs_; }
    const blocks_type& perf_blocks() const noexcept { return perf_blocks_.value; }
    Eigen::Index groups() const noexcept { return par_.value.size(); }

    /// The network a search state stands for (EDD Sec. 5): per block the op with the largest
    /// theta; per IP the bit-width with the largest phi and the searched pf rounded to the
    /// nearest integer, clamped to `range`.
    template <class Loss>
    design<Arch> derive(const Loss& l, pf_range range) const {
        nais::detail::require(range.min >= 0 && range.min <= range.max && range.max <= max_design_pf, "derive: pf range [",
                        range.min, ", ", range.max, "] must satisfy 0 <= min <= max <= ", max_design_pf);
        design<Arch> d;
        d.op = l.derived_ops();
        d.bits = nais::detail::argmax_rows(l.variable(phi_tag{}));
        const pf_type& pf = l.variable(pf_tag{});
        d.pf.resize(static_cast<std::size_t>(pf.size()));
        for (Eigen::Index k = 0; k < pf.size(); ++k) {  // pf storage order = group order (g = i + N*m)
            const double p = std::round(static_cast<double>(pf(k)));
            d.pf[static_cast<std::size_t>(k)] = static_cast<int>(std::clamp(p, double(range.min), double(range.max)));
        }
        return d;
    }
    template <class Loss>
    design<Arch> derive(const Loss& l) const {
        return derive(l, budget_pf_range(costs_, static_cast<double>(l.params().res_ub)));
    }

    // ---- search hooks (search::co_search)

    /// pf stays within the parallelism one IP could reach with the whole budget at the
    /// cheapest non-zero DSP rate (EDD's Psi(q <= 4) = 0 would let LUT IPs grow without limit).
    template <class P>
    interval search_bounds(pf_tag, const P& p) const {
        const pf_range r = budget_pf_range(costs_, static_cast<double>(p.res_ub));
        return {double(r.min), double(r.max)};
    }
    /// EDD Sec. 5: pf = log2(RES_ub / #IPs), clamped to the bounds.
    template <class P>
    T initial_value(pf_tag, const P& p, interval b) const {
        const double p0 = std::log2(static_cast<double>(p.res_ub) / static_cast<double>(groups()));
        return static_cast<T>(std::clamp(p0, b.min, b.max));
    }
    /// Refuses integer pf bounds outside [0, max_design_pf] and a budget no design of the space
    /// can meet: the cheapest design puts every block on the cheapest IP at the cheapest
    /// bit-width and pf = pf_min (one shared IP when recursive, N IPs when pipelined).
    template <class Loss, class Search>
    void check_search(const Loss& l, const Search& s) const {
        const interval b = s.bounds(pf_tag{});
        nais::detail::require(b.min >= 0 && b.min <= b.max && b.max <= max_design_pf && b.min == std::floor(b.min) &&
                            b.max == std::floor(b.max),
                        "co_search: pf bounds [", b.min, ", ", b.max, "] must be integers with 0 <= min <= max <= ",
                        max_design_pf);
        const double res_ub = static_cast<double>(l.params().res_ub);
        nais::detail::require(std::isfinite(res_ub) && res_ub >= 0,
                        "co_search: params.res_ub (the DSP budget) must be set, finite and >= 0, got ", res_ub);
        const double per_ip = costs_.dsp_factor.minCoeff() * std::ldexp(1.0, static_cast<int>(b.min));
        const int needing = costs_.blocks_needing_an_ip();  // blocks without a skip candidate
        const double cheapest = shared ? (needing > 0 ? per_ip : 0.0) : per_ip * needing;
        if (cheapest > res_ub) {
            std::ostringstream os;
            os << "nais: infeasible budget: no design of the space meets RES_ub = " << res_ub << " DSPs; the cheapest ("
               << (shared ? "one shared IP" : "one IP per block") << " at the cheapest bit-width, pf = " << b.min
               << ") needs " << cheapest;
            throw infeasible_budget(os.str());
        }
    }
    /// Throughput-bound architectures: Eq. 7's LSE over raw cycles (mu = 1) is a hard maximum
    /// when block latencies are 1e5 cycles apart, so only the bottleneck would get a gradient.
    /// The search sets mu = relative_smoothness * (largest block latency at the initial,
    /// noise-free point): a block at latency x gets weight >= exp(-(max - x) / mu) >= e^-1/r.
    template <class Loss, class Search>
    void prepare_search(Loss& l, const Search& s) const {
        if constexpr (Arch::throughput_bound) {
            const auto r = s.options().relative_smoothness;
            if (!r)
                return;
            l.forward();
            const T scale = perf_blocks_.value.maxCoeff();
            if (scale > 0)
                l.params().lse_smoothness = static_cast<T>(*r) * scale;
        }
    }
    /// Derivation, exact evaluation and re-tuning under params.res_ub at a clock (MHz).
    template <class Loss, class Search>
    search_outcome<Arch> finish(const Loss& l, const Search& s, double clock_mhz) const {
        const interval b = s.bounds(pf_tag{});
        const pf_range range{static_cast<int>(b.min), static_cast<int>(b.max)};
        const board brd{static_cast<double>(l.params().res_ub), clock_mhz};
        search_outcome<Arch> out;
        out.searched = derive(l, range);
        out.searched_report = fpga::evaluate(costs_, out.searched, brd);
        out.retuned = fpga::retune(costs_, out.searched, brd.dsp_budget, range);
        if (out.retuned.feasible)
            out.retuned_report = fpga::evaluate(costs_, out.retuned.tuned, brd);
        return out;
    }

    /// Named accessors nais::loss adds for this model (CRTP).
    template <class Loss>
    class interface : public loss_interface<Loss> {
        using loss_interface<Loss>::self;

    public:
        using architecture = Arch;
        using phi_type = model::phi_type;
        using pf_type = model::pf_type;
        using blocks_type = model::blocks_type;
        static constexpr bool shared = model::shared;
        static constexpr int G = model::G;

        phi_type& phi() noexcept { return self().variable(phi_tag{}); }
        const phi_type& phi() const noexcept { return self().variable(phi_tag{}); }
        pf_type& pf() noexcept { return self().variable(pf_tag{}); }
        const pf_type& pf() const noexcept { return self().variable(pf_tag{}); }
        phi_type& phi_noise() noexcept { return self().noise(phi_tag{}); }
        const phi_type& phi_noise() const noexcept { return self().noise(phi_tag{}); }
        const phi_type& grad_phi() const noexcept { return self().gradient(phi_tag{}); }
        const pf_type& grad_pf() const noexcept { return self().gradient(pf_tag{}); }
        const phi_type& quant_probabilities() const noexcept { return self().probabilities(phi_tag{}); }
        const phi_type& grad_quant_probabilities() const noexcept { return self().grad_probabilities(phi_tag{}); }
        /// Perf_i (Eq. 4), cycles.
        const blocks_type& perf_blocks() const noexcept { return self().model().perf_blocks(); }
        const cost_table& costs() const noexcept { return self().model().costs(); }
    };

private:
    cost_table costs_;
    theta_type work_;
    calibration_type c_phi_, c_psi_;
    expr::placeholder<pf_type> par_;
    expr::placeholder<blocks_type> perf_blocks_;
    theta_type hardware_;  ///< 1 where an op runs on an IP, 0 for a skip op (hardware_mask)
};

/// The composed EDD loss (Eq. 1) of an FPGA architecture over a space (nais::loss of fpga::model).
/// Shapes (N blocks, M ops, Q bit-widths): theta N x M; recursive phi M x Q, pf M; pipelined
/// phi (N*M) x Q, pf N x M, row i + N*m of phi is block i, op m.
template <search_space S, class T, class Arch>
using loss = nais::loss<model<S, T, Arch>>;
template <search_space S, class T = double>
using recursive_loss = loss<S, T, recursive>;
template <search_space S, class T = double>
using pipelined_loss = loss<S, T, pipelined>;

}  // namespace nais::fpga
