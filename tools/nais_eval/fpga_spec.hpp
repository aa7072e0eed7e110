// nais-eval's FPGA devices (see eval_spec.hpp): the spec reader, evaluation, session and design
// report of both architectures, instantiated per space kind by eval_fpga.cpp (MBConv blocks) and
// eval_fpga_layered.cpp (spaces of layers), so that each translation unit stays small.
#pragma once
#include "eval_spec.hpp"

namespace nais_eval::detail {


template <class Arch, class S>
std::unique_ptr<nais::fpga::loss<S, double, Arch>> build_fpga(const json& spec, const S& space, reading mode) {
    using loss_t = nais::fpga::loss<S, double, Arch>;
    auto l = std::make_unique<loss_t>(space);
    const std::size_t n = static_cast<std::size_t>(space.num_blocks()), m = static_cast<std::size_t>(space.num_ops()),
                      q = static_cast<std::size_t>(space.num_bits());
    constexpr bool shared = loss_t::shared;
    const std::vector<std::size_t> theta_shape{n, m};
    const std::vector<std::size_t> phi_shape = shared ? std::vector<std::size_t>{m, q} : std::vector<std::size_t>{n, m, q};
    const std::vector<std::size_t> pf_shape = shared ? std::vector<std::size_t>{m} : std::vector<std::size_t>{n, m};
    auto put_theta = [](auto& a) { return [&a](const std::vector<std::size_t>& i, double v) { a(Eigen::Index(i[0]), Eigen::Index(i[1])) = v; }; };
    auto put_phi = [n](auto& a) {
        return [&a, n](const std::vector<std::size_t>& i, double v) {
            if constexpr (shared) {
                (void)n;  // per op type: no block index
                a(Eigen::Index(i[0]), Eigen::Index(i[1])) = v;
            } else {
                a(Eigen::Index(i[0] + n * i[1]), Eigen::Index(i[2])) = v;  // row i + N*m
            }
        };
    };
    read_variable(spec, "theta", mode, theta_shape, put_theta(l->theta()));
    read_variable(spec, "phi", mode, phi_shape, put_phi(l->phi()));
    read_variable(spec, "pf", mode, pf_shape, [&](const std::vector<std::size_t>& i, double v) {
        if constexpr (shared)
            l->pf()(Eigen::Index(i[0])) = v;
        else
            l->pf()(Eigen::Index(i[0]), Eigen::Index(i[1])) = v;
    });
    if (const auto g = spec.find("gumbel"); g != spec.end() && !g->is_null()) {
        if (!g->is_object())
            fail("gumbel", "an object {theta, phi}", *g);
        read_tensor(require_key(*g, "theta", "gumbel.theta"), "gumbel.theta", theta_shape, put_theta(l->theta_noise()));
        read_tensor(require_key(*g, "phi", "gumbel.phi"), "gumbel.phi", phi_shape, put_phi(l->phi_noise()));
    }
    auto& p = l->params();
    p.tau = number(require_key(spec, "tau", "tau"), "tau");
    if (const auto h = spec.find("hard"); h != spec.end()) {
        if (!h->is_boolean())
            fail("hard", "true or false", *h);
        p.hard = h->get<bool>();
    }
    p.alpha = number(require_key(spec, "alpha", "alpha"), "alpha");
    p.beta = number(require_key(spec, "beta", "beta"), "beta");
    p.C = number(require_key(spec, "C", "C"), "C");
    p.res_ub = number(require_key(spec, "res_ub", "res_ub"), "res_ub");
    if (const json* a = variable_key(spec, "acc_loss", mode))
        p.acc_loss = number(*a, "acc_loss");
    if (const auto s = spec.find("lse_smoothness"); s != spec.end())
        p.lse_smoothness = number(*s, "lse_smoothness");
    return l;
}

inline json report_json(const nais::fpga::design_report& r) {
    json blocks = json::array();
    for (const auto& b : r.blocks)
        blocks.push_back({{"block", b.block}, {"op", b.op}, {"ip", b.group}, {"bits", b.bits}, {"pf", b.pf},
                          {"latency_cycles", b.latency_cycles}, {"dsp", b.dsp}});
    return {{"blocks", std::move(blocks)},  {"latency_cycles", r.latency_cycles}, {"interval_cycles", r.interval_cycles},
            {"latency_ms", r.latency_ms},   {"frames_per_second", r.frames_per_second},
            {"dsp", r.dsp},                 {"dsp_budget", r.dsp_budget},
            {"budget_met", r.budget_met},   {"bottleneck", r.bottleneck},
            {"ips_used", r.ips_used}};
}

/// The derived design (pf rounded into the budget's range), its exact report, and the same
/// network with exactly re-tuned integer pf (fpga::retune) and its report.
template <class Loss>
json fpga_design(const Loss& l, double clock_mhz) {
    nais::detail::require(std::isfinite(clock_mhz) && clock_mhz >= 1e-3 && clock_mhz <= 1e6,
                          "design: clock_mhz must be in [1e-3, 1e6], got ", clock_mhz);
    const auto& costs = l.model().costs();
    const double budget = static_cast<double>(l.params().res_ub);
    const nais::fpga::board board{budget, clock_mhz};
    const auto d = l.derive();
    std::vector<int> bits;  // per IP, as bit-widths
    for (int b : d.bits)
        bits.push_back(costs.bit_widths[static_cast<std::size_t>(b)]);
    json out = {{"ops", d.op}, {"bits", bits}, {"pf", d.pf}, {"searched", report_json(nais::fpga::evaluate(costs, d, board))}};
    const auto t = nais::fpga::retune(costs, d, budget, nais::fpga::budget_pf_range(costs, budget));
    out["retuned"] = t.feasible ? json{{"pf", t.tuned.pf}, {"report", report_json(nais::fpga::evaluate(costs, t.tuned, board))}}
                                : json{{"infeasible", t.reason}};
    return out;
}

template <class Arch, class S>
json evaluate_fpga(const json& spec, const S& space) {
    using loss_t = nais::fpga::loss<S, double, Arch>;
    auto l = build_fpga<Arch>(spec, space, reading::evaluation);
    const std::size_t n = static_cast<std::size_t>(space.num_blocks()), m = static_cast<std::size_t>(space.num_ops());
    constexpr bool shared = loss_t::shared;
    try {
        l->evaluate();
    } catch (const nais::invalid_argument& e) {
        throw spec_error(e.what());
    }
    json grad;
    grad["theta"] = to_json_2d(l->grad_theta());
    if constexpr (shared) {
        grad["phi"] = to_json_2d(l->grad_phi());
        grad["pf"] = to_json_1d(l->grad_pf());
    } else {
        json phi = json::array();
        for (std::size_t i = 0; i < n; ++i) {
            json row = json::array();
            for (std::size_t k = 0; k < m; ++k)
                row.push_back(to_json_1d(l->grad_phi().row(Eigen::Index(i + n * k)).transpose()));
            phi.push_back(std::move(row));
        }
        grad["phi"] = std::move(phi);
        grad["pf"] = to_json_2d(l->grad_pf());
    }
    grad["acc_loss"] = l->grad_acc_loss();
    json out;
    out["loss"] = l->value();
    out["perf_loss"] = l->perf_loss();
    out["res"] = l->res();
    out["penalty"] = l->penalty();
    out["perf_blocks"] = to_json_1d(l->perf_blocks());
    out["grad"] = std::move(grad);
    return out;
}

template <class Arch, class S>
std::unique_ptr<session> fpga_session(const json& spec, const S& space) {
    return make_session(build_fpga<Arch>(spec, space, reading::session), &fpga_design<nais::fpga::loss<S, double, Arch>>);
}

}  // namespace nais_eval::detail
