// The H2H co-design loss as a session (nais.Session, nais.torch.HardwareLoss and nais-eval): a
// multi-stream space co-searched with each block's device and each device's scale on a
// heterogeneous platform, EDD Eq. 1 with RES = the platform's power (W)
// (include/nais/device/h2h/codesign.hpp; docs/devices/h2h.md).
//   {"device": "h2h", "blocks"/"ops"/"bits" or "space", "theta", "assignment" (N x D logits),
//    "log2_scale" (D), "tau", "alpha", "beta", "C", "res_ub" (W), "acc_loss",
//    "platform": [H2H accelerators, as nais-map's "accelerators"],
//    "streams": {"names": [...], "blocks": [blocks per stream], "fusion": [[from, to], ...]},
//    and optionally "tau_ms" (smoothness of the longest path, ms), "energy_weight" (per J)}
#include "composed_reader.hpp"
#include "map_reader.hpp"

#include <nais/h2h.hpp>

#include <variant>

namespace nais_eval::detail {

namespace {

namespace h2h = nais::h2h;

std::vector<h2h::accelerator> read_platform(const json& spec) {
    const json& p = require_key(spec, "platform", "platform");
    if (!p.is_array() || p.empty() || p.size() > 64)
        fail("platform", "an array of 1 to 64 H2H accelerators (nais-map's \"accelerators\" entries)", p);
    std::vector<h2h::accelerator> out;
    for (std::size_t k = 0; k < p.size(); ++k) {
        const std::string at = "platform[" + std::to_string(k) + "]";
        map_member m = read_map_member(p[k], at + ".");
        if (!std::holds_alternative<h2h::accelerator>(m))
            fail(at + ".device", "no \"device\" (the co-design scales H2H accelerators, not the tiled template)", p[k]["device"]);
        out.push_back(std::get<h2h::accelerator>(std::move(m)));
    }
    return out;
}

h2h::stream_layout read_streams(const json& spec) {
    const json& s = require_key(spec, "streams", "streams");
    if (!s.is_object())
        fail("streams", "an object {names, blocks, fusion}", s);
    refuse_unknown(s, "streams.", {"names", "blocks", "fusion"});
    h2h::stream_layout out;
    const json& names = require_key(s, "names", "streams.names");
    if (!names.is_array() || names.empty() || names.size() > 64)
        fail("streams.names", "an array of 1 to 64 stream names", names);
    for (std::size_t k = 0; k < names.size(); ++k) {
        if (!names[k].is_string() || names[k].get<std::string>().empty())
            fail("streams.names[" + std::to_string(k) + "]", "a non-empty string", names[k]);
        out.names.push_back(nais::detail::one_line(names[k].get<std::string>()));
    }
    const json& blocks = array_of(require_key(s, "blocks", "streams.blocks"), "streams.blocks", names.size(),
                                  "integers >= 1 (the blocks of each stream, in block order)");
    for (std::size_t k = 0; k < blocks.size(); ++k)
        out.blocks_per_stream.push_back(int(integer_at_least(blocks[k], "streams.blocks[" + std::to_string(k) + "]", 1)));
    if (const auto f = s.find("fusion"); f != s.end()) {
        if (!f->is_array())
            fail("streams.fusion", "an array of [from block, to block] pairs", *f);
        for (std::size_t k = 0; k < f->size(); ++k) {
            const std::string at = "streams.fusion[" + std::to_string(k) + "]";
            const json& e = array_of((*f)[k], at, 2, "integers (from block, to block)");
            out.fusion.emplace_back(int(integer_at_least(e[0], at + "[0]", 0)), int(integer_at_least(e[1], at + "[1]", 0)));
        }
    }
    return out;
}

/// The derived network, its devices and scales, list-scheduled exactly; and H2H's mapper on the
/// same derived workload.
template <class Loss>
json h2h_design(const Loss& l, double) {
    const h2h::codesign_outcome o = l.model().outcome(l);
    return {{"ops", o.ops},
            {"devices", o.devices},
            {"scales", o.scales},
            {"codesign", {{"makespan_ms", o.timing.makespan * 1e3}, {"energy_j", o.timing.energy}, {"feasible", o.timing.feasible}}},
            {"h2h_mapper",
             {{"makespan_ms", o.h2h.last().timing.makespan * 1e3}, {"energy_j", o.h2h.last().timing.energy}, {"step", o.h2h.last().step}}}};
}

}  // namespace

template <class Space>
std::unique_ptr<session> open_h2h(const json& spec, const Space& space, const std::string&, reading mode) {
    using loss_t = h2h::codesign_loss<Space>;
    auto l = std::make_unique<loss_t>(space, read_streams(spec), read_platform(spec));
    if (const auto t = spec.find("tau_ms"); t != spec.end())
        l->params().tau_ms = number(*t, "tau_ms");
    if (const auto e = spec.find("energy_weight"); e != spec.end())
        l->params().energy_weight = number(*e, "energy_weight");
    composed_parts<loss_t> parts{&h2h_design<loss_t>, [](const loss_t& x, json& out) { out["design"] = h2h_design(x, 0); }};
    parts.device_keys = {"platform", "streams", "tau_ms", "energy_weight"};
    return composed_session(spec, mode, std::move(l), std::move(parts));
}

template std::unique_ptr<session> open_h2h<nais::runtime_space>(const json&, const nais::runtime_space&, const std::string&, reading);
template std::unique_ptr<session> open_h2h<nais::layered_space>(const json&, const nais::layered_space&, const std::string&, reading);

}  // namespace nais_eval::detail

namespace nais_eval {

device_entry h2h_device() {
    return composed_device("h2h",
                           "H2H's heterogeneous platform (Hao & Chen): a multi-stream space co-searched with each block's "
                           "device and each device's scale (nais-map maps fixed workloads)",
                           &detail::open_h2h<nais::runtime_space>, &detail::open_h2h<nais::layered_space>);
}

}  // namespace nais_eval
