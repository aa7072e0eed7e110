// The tiled template's composed loss as a session (nais.Session, nais.torch.HardwareLoss and
// nais-eval with a space): a space co-searched with the template's design, EDD Eq. 1
// (include/nais/device/tiled/model.hpp; docs/devices/tiled.md).
//   {"device": "fpga-tiled", "blocks"/"ops"/"bits" or "space", "theta", "log2_design": [[7]],
//    "tau", "alpha", "beta", "C", "res_ub", "acc_loss", and optionally "precision", "clock_mhz",
//    "mode", "limits" (as the exact reader's), "target_ms"}
#include "composed_reader.hpp"
#include "tiled_reader.hpp"

#include <nais/tiled.hpp>

namespace nais_eval::detail {

namespace {

/// The derived network at the rounded design, evaluated exactly.
template <class Loss>
json rounded_design(const Loss& l) {
    const auto& m = l.model();
    const nais::tiled::design d = m.derive_design(l);
    const auto layers = m.derive_layers(l);
    const auto r = nais::tiled::evaluate(layers, d, m.target(), m.bits(), m.latency_mode());
    json out = {{"ops", l.derived_ops()},          {"design", tiled_design_json(d)}, {"ms", r.ms},
                {"used", tiled_resources_json(r.used)}, {"feasible", r.feasible}};
    if (!r.feasible)
        out["violation"] = r.violation;
    return out;
}

/// The rounded design, and the exact design search on the derived network (the template's
/// re-tuning) at the device's clock or the one asked for.
template <class Loss>
json tiled_design(const Loss& l, double clock_mhz) {
    require_design_clock(clock_mhz);
    const auto& m = l.model();
    nais::tiled::device dev = m.target();
    dev.clock_mhz = clock_mhz;
    json out = rounded_design(l);
    const auto search = nais::tiled::search_design(m.derive_layers(l), dev, m.bits(), m.latency_mode());
    out["retuned"] = search.found ? json{{"design", tiled_design_json(search.best)}, {"ms", search.ms},
                                         {"used", tiled_resources_json(search.used)}}
                                  : json{{"infeasible", "no design of the template's space fits the device"}};
    return out;
}

}  // namespace

template <class Space>
std::unique_ptr<session> open_tiled(const json& spec, const Space& space, const std::string&, reading mode) {
    nais::tiled::device dev;
    nais::tiled::precision prec;
    nais::tiled::mode latency_mode = nais::tiled::mode::hardware;
    if (const auto p = spec.find("precision"); p != spec.end())
        read_tiled_precision(*p, "precision", prec);
    read_tiled_device(spec, dev, latency_mode);
    using loss_t = nais::tiled::loss<Space>;
    auto l = std::make_unique<loss_t>(space, dev, prec, latency_mode);
    if (const auto t = spec.find("target_ms"); t != spec.end())
        l->params().target_ms = number(*t, "target_ms");
    composed_parts<loss_t> parts{&tiled_design<loss_t>, [](const loss_t& x, json& out) { out["design"] = rounded_design(x); }};
    parts.device_keys = {"precision", "clock_mhz", "mode", "limits", "target_ms"};
    return composed_session(spec, mode, std::move(l), std::move(parts));
}

template std::unique_ptr<session> open_tiled<nais::runtime_space>(const json&, const nais::runtime_space&, const std::string&,
                                                                  reading);
template std::unique_ptr<session> open_tiled<nais::layered_space>(const json&, const nais::layered_space&, const std::string&,
                                                                  reading);

}  // namespace nais_eval::detail
