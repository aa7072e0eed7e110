// nais-eval's FPGA devices (see eval_spec.hpp).
#include "eval_spec.hpp"

namespace nais_eval::detail {

namespace {

template <class Arch, class S>
json evaluate_fpga(const json& spec, const S& space) {
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
            if constexpr (shared)
                a(Eigen::Index(i[0]), Eigen::Index(i[1])) = v;
            else
                a(Eigen::Index(i[0] + n * i[1]), Eigen::Index(i[2])) = v;  // row i + N*m
        };
    };
    read_tensor(require_key(spec, "theta", "theta"), "theta", theta_shape, put_theta(l->theta()));
    read_tensor(require_key(spec, "phi", "phi"), "phi", phi_shape, put_phi(l->phi()));
    read_tensor(require_key(spec, "pf", "pf"), "pf", pf_shape, [&](const std::vector<std::size_t>& i, double v) {
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
    p.acc_loss = number(require_key(spec, "acc_loss", "acc_loss"), "acc_loss");
    if (const auto s = spec.find("lse_smoothness"); s != spec.end())
        p.lse_smoothness = number(*s, "lse_smoothness");
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

}  // namespace

json evaluate_fpga_recursive(const json& spec, const nais::runtime_space& space) {
    return evaluate_fpga<nais::fpga::recursive>(spec, space);
}
json evaluate_fpga_pipelined(const json& spec, const nais::runtime_space& space) {
    return evaluate_fpga<nais::fpga::pipelined>(spec, space);
}
json evaluate_fpga_recursive(const json& spec, const nais::layered_space& space) {
    return evaluate_fpga<nais::fpga::recursive>(spec, space);
}
json evaluate_fpga_pipelined(const json& spec, const nais::layered_space& space) {
    return evaluate_fpga<nais::fpga::pipelined>(spec, space);
}

}  // namespace nais_eval::detail
