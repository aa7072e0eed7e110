// The Loom-style bit-serial ASIC's reader (EDD Sec. 4.3): on MBConv blocks (loom_reader.cpp) or a
// space of layers (loom_reader_layered.cpp). Keys beyond the common ones (composed_reader.hpp):
// "sharing" ("network", "per-op" (default), "per-block-op"), "accelerator" {macs_per_cycle,
// clock_mhz, baseline_bits, mac_energy, weight_bit_energy, activation_bit_energy} and
// "objective" {mode, weights, exponents}; the groups are "phi" (weights) and "phi_act"
// (activations); no resource term. The report adds latency and energy and the derived design.
#pragma once
#include "composed_reader.hpp"

#include <nais/loom.hpp>

#include <array>

namespace nais_eval::detail {

inline nais::loom::accelerator read_accelerator(const json& spec) {
    nais::loom::accelerator acc;
    const auto a = spec.find("accelerator");
    if (a == spec.end())
        return acc;
    if (!a->is_object())
        fail("accelerator", "an object {macs_per_cycle, clock_mhz, baseline_bits, mac_energy, weight_bit_energy, "
                            "activation_bit_energy} (each optional)", *a);
    refuse_unknown(*a, "accelerator.", {"macs_per_cycle", "clock_mhz", "baseline_bits", "mac_energy", "weight_bit_energy",
                                        "activation_bit_energy"});
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
    refuse_unknown(*o, "objective.", {"mode", "weights", "exponents"});
    if (const auto mode = o->find("mode"); mode != o->end()) {
        if (*mode == "product")
            mix.mode = nais::combination::product;
        else if (*mode == "weighted_sum")
            mix.mode = nais::combination::weighted_sum;
        else
            fail("objective.mode", "\"product\" or \"weighted_sum\"", *mode);
    }
    const auto pair = [&](const char* key, std::array<double, 2>& v) {
        if (const auto it = o->find(key); it != o->end()) {
            const auto x = read_tensor(*it, std::string("objective.") + key, {2});
            v = {x[0], x[1]};
        }
    };
    pair("weights", mix.weight);
    pair("exponents", mix.exponent);
    return mix;
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

/// The derived network and precisions, evaluated exactly (cycles, ms, energy).
template <class Sharing, class S>
json loom_design(const nais::loom::loss<S, double, Sharing>& l, const S& space, const nais::loom::accelerator& acc) {
    const nais::loom::design d = l.derive();
    const nais::loom::design_report r = nais::loom::evaluate<Sharing>(space, acc, d);
    return {{"ops", d.ops},       {"weight_bits", d.weight_bits}, {"activation_bits", d.activation_bits},
            {"cycles", r.cycles}, {"ms", r.ms},                   {"energy", r.energy}};
}

template <class S>
std::unique_ptr<session> open_loom(const json& spec, const S& space, const std::string&, reading mode) {
    const auto acc = read_accelerator(spec);
    return with_loom_sharing(spec, [&]<class Sharing>() -> std::unique_ptr<session> {
        using loss_t = nais::loom::loss<S, double, Sharing>;
        auto l = std::make_unique<loss_t>(space, acc);
        l->params().objective = read_objective(spec);
        const auto design = [space, acc](const loss_t& x, double) { return loom_design<Sharing>(x, space, acc); };
        composed_parts<loss_t> parts{design, [design](const loss_t& x, json& out) {
                                         out["latency_cycles"] = x.latency();
                                         out["energy"] = x.energy();
                                         const auto& lb = x.latency_blocks();
                                         const auto& eb = x.energy_blocks();
                                         out["latency_blocks"] = std::vector<double>(lb.data(), lb.data() + lb.size());
                                         out["energy_blocks"] = std::vector<double>(eb.data(), eb.data() + eb.size());
                                         out["design"] = design(x, 0);
                                     }};
        parts.group_keys = {"phi", "phi_act"};
        parts.device_keys = {"sharing", "accelerator", "objective"};
        parts.required.alpha = false;
        return composed_session(spec, mode, std::move(l), std::move(parts));
    });
}

// on spaces of layers: instantiated in loom_reader_layered.cpp
extern template std::unique_ptr<session> open_loom<nais::layered_space>(const json&, const nais::layered_space&,
                                                                        const std::string&, reading);

}  // namespace nais_eval::detail
