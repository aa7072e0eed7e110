// nais-eval's Loom-style ASIC devices (see eval_spec.hpp): the spec reader, evaluation and
// session of every sharing rule, instantiated per space kind by eval_loom.cpp (MBConv blocks)
// and eval_loom_layered.cpp (spaces of layers), so that each translation unit stays small.
#pragma once
#include "eval_spec.hpp"

namespace nais_eval::detail {

/// phi of a Loom loss, shaped by its sharing rule: [Q], M x Q or N x M x Q (row i + N*m).
template <class Sharing>
std::vector<std::size_t> loom_phi_shape(std::size_t n, std::size_t m, std::size_t q) {
    if constexpr (std::is_same_v<Sharing, nais::sharing::network_wide>)
        return {q};
    else if constexpr (std::is_same_v<Sharing, nais::sharing::per_op_type>)
        return {m, q};
    else
        return {n, m, q};
}
template <class Sharing>
auto put_loom_phi(auto& a, std::size_t n) {
    return [&a, n](const std::vector<std::size_t>& i, double v) {
        if constexpr (std::is_same_v<Sharing, nais::sharing::network_wide>) {
            (void)n;  // no block index
            a(0, Eigen::Index(i[0])) = v;
        } else if constexpr (std::is_same_v<Sharing, nais::sharing::per_op_type>) {
            (void)n;
            a(Eigen::Index(i[0]), Eigen::Index(i[1])) = v;
        } else {
            a(Eigen::Index(i[0] + n * i[1]), Eigen::Index(i[2])) = v;
        }
    };
}
template <class Sharing>
json loom_phi_json(const auto& a, std::size_t n, std::size_t m) {
    if constexpr (std::is_same_v<Sharing, nais::sharing::network_wide>)
        return to_json_1d(a.row(0).transpose());
    else if constexpr (std::is_same_v<Sharing, nais::sharing::per_op_type>)
        return to_json_2d(a);
    else {
        json out = json::array();
        for (std::size_t i = 0; i < n; ++i) {
            json row = json::array();
            for (std::size_t k = 0; k < m; ++k)
                row.push_back(to_json_1d(a.row(Eigen::Index(i + n * k)).transpose()));
            out.push_back(std::move(row));
        }
        return out;
    }
}

inline nais::loom::accelerator read_accelerator(const json& spec) {
    nais::loom::accelerator acc;
    const auto a = spec.find("accelerator");
    if (a == spec.end())
        return acc;
    if (!a->is_object())
        fail("accelerator", "an object {macs_per_cycle, clock_mhz, baseline_bits, mac_energy, weight_bit_energy, "
                            "activation_bit_energy} (each optional)", *a);
    const auto opt = [&](const char* key, double& v) {
        if (const auto it = a->find(key); it != a->end())
            v = number(*it, std::string("accelerator.") + key);
    };
    opt("macs_per_cycle", acc.equivalent_macs_per_cycle);
    opt("clock_mhz", acc.clock_mhz);
    opt("mac_energy", acc.mac_energy);
    opt("weight_bit_energy", acc.weight_bit_energy);
    opt("activation_bit_energy", acc.activation_bit_energy);
    if (const auto it = a->find("baseline_bits"); it != a->end())
        acc.baseline_bits = integer_at_least(*it, "accelerator.baseline_bits", 1);
    try {
        acc.validate();
    } catch (const nais::invalid_argument& e) {
        throw spec_error(e.what());
    }
    return acc;
}

/// "objective": {"mode": "product" | "weighted_sum", "weights": [latency, energy], "exponents": [..]}
inline nais::objective_mix<double, 2> read_objective(const json& spec) {
    nais::objective_mix<double, 2> mix;
    const auto o = spec.find("objective");
    if (o == spec.end())
        return mix;
    if (!o->is_object())
        fail("objective", "an object {mode, weights, exponents}", *o);
    if (const auto mode = o->find("mode"); mode != o->end()) {
        if (*mode == "product")
            mix.mode = nais::combination::product;
        else if (*mode == "weighted_sum")
            mix.mode = nais::combination::weighted_sum;
        else
            fail("objective.mode", "\"product\" or \"weighted_sum\"", *mode);
    }
    const auto pair = [&](const char* key, std::array<double, 2>& v) {
        if (const auto it = o->find(key); it != o->end())
            read_tensor(*it, std::string("objective.") + key, {2},
                        [&v](const std::vector<std::size_t>& i, double x) { v[i[0]] = x; });
    };
    pair("weights", mix.weight);
    pair("exponents", mix.exponent);
    return mix;
}

template <class Sharing, class S>
std::unique_ptr<nais::loom::loss<S, double, Sharing>> build_loom(const json& spec, const S& space,
                                                                 const nais::loom::accelerator& acc, reading mode) {
    auto l = std::make_unique<nais::loom::loss<S, double, Sharing>>(space, acc);
    const std::size_t n = std::size_t(space.num_blocks()), m = std::size_t(space.num_ops()), q = std::size_t(space.num_bits());
    const auto phi_shape = loom_phi_shape<Sharing>(n, m, q);
    read_variable(spec, "theta", mode, {n, m}, put_2d(l->theta()));
    read_variable(spec, "phi", mode, phi_shape, put_loom_phi<Sharing>(l->phi_weights(), n));
    read_variable(spec, "phi_act", mode, phi_shape, put_loom_phi<Sharing>(l->phi_activations(), n));
    if (const json* g = gumbel_of(spec, "an object {theta, phi, phi_act}")) {
        read_tensor(require_key(*g, "theta", "gumbel.theta"), "gumbel.theta", {n, m}, put_2d(l->theta_noise()));
        read_tensor(require_key(*g, "phi", "gumbel.phi"), "gumbel.phi", phi_shape,
                    put_loom_phi<Sharing>(l->phi_weights_noise(), n));
        read_tensor(require_key(*g, "phi_act", "gumbel.phi_act"), "gumbel.phi_act", phi_shape,
                    put_loom_phi<Sharing>(l->phi_activations_noise(), n));
    }
    read_sampling(spec, l->params(), mode);
    l->params().objective = read_objective(spec);
    return l;
}

/// The derived network and precisions, evaluated exactly (cycles, ms, energy).
template <class Sharing, class S>
json loom_design(const nais::loom::loss<S, double, Sharing>& l, const S& space, const nais::loom::accelerator& acc) {
    const nais::loom::design d = l.derive();
    const nais::loom::design_report r = nais::loom::evaluate<Sharing>(space, acc, d);
    return {{"ops", d.ops},       {"weight_bits", d.weight_bits}, {"activation_bits", d.activation_bits},
            {"cycles", r.cycles}, {"ms", r.ms},                   {"energy", r.energy}};
}

template <class Sharing, class S>
json evaluate_loom(const json& spec, const S& space) {
    const auto acc = read_accelerator(spec);
    auto l = build_loom<Sharing>(spec, space, acc, reading::evaluation);
    const std::size_t n = std::size_t(space.num_blocks()), m = std::size_t(space.num_ops());
    evaluate_or_throw(*l);
    json out;
    out["loss"] = l->value();
    out["perf_loss"] = l->perf_loss();
    out["latency_cycles"] = l->latency();
    out["energy"] = l->energy();
    out["latency_blocks"] = to_json_1d(l->latency_blocks());
    out["energy_blocks"] = to_json_1d(l->energy_blocks());
    out["grad"] = {{"theta", to_json_2d(l->grad_theta())},
                   {"phi", loom_phi_json<Sharing>(l->grad_phi_weights(), n, m)},
                   {"phi_act", loom_phi_json<Sharing>(l->grad_phi_activations(), n, m)},
                   {"acc_loss", l->grad_acc_loss()}};
    out["design"] = loom_design<Sharing>(*l, space, acc);
    return out;
}

/// Calls f.template operator()<Sharing>() for the spec's "sharing" rule.
template <class F>
auto with_loom_sharing(const json& spec, F&& f) {
    const auto s = spec.find("sharing");
    const std::string rule = s == spec.end() ? "per-op" : (s->is_string() ? s->get<std::string>() : "");
    if (rule == "network")
        return f.template operator()<nais::sharing::network_wide>();
    if (rule == "per-op")
        return f.template operator()<nais::sharing::per_op_type>();
    if (rule == "per-block-op")
        return f.template operator()<nais::sharing::per_block_op>();
    fail("sharing", "\"network\", \"per-op\" or \"per-block-op\"", *s);
}

template <class S>
json evaluate_loom_any(const json& spec, const S& space) {
    return with_loom_sharing(spec, [&]<class Sharing>() { return evaluate_loom<Sharing>(spec, space); });
}
template <class S>
std::unique_ptr<session> session_loom_any(const json& spec, const S& space) {
    return with_loom_sharing(spec, [&]<class Sharing>() -> std::unique_ptr<session> {
        const auto acc = read_accelerator(spec);
        return make_session(
            build_loom<Sharing>(spec, space, acc, reading::session),
            [space, acc](const nais::loom::loss<S, double, Sharing>& l, double) { return loom_design<Sharing>(l, space, acc); },
            {"phi", "phi_act"});
    });
}

}  // namespace nais_eval::detail
