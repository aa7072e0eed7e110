// The bundle accelerator's co-search loss as a session (nais.Session, nais.torch.HardwareLoss and
// nais-eval): a space co-searched with the IPs' sizes, EDD Eq. 1 with RES = the binding resource
// in DSP-equivalents (include/nais/device/bundle/model.hpp; docs/devices/bundle.md).
//   {"device": "bundle", "blocks"/"ops"/"bits" or "space", "theta", "log2_design": [4] (log2 of
//    Pc, Pi, rows, cols), "tau", "alpha", "beta", "C", "res_ub" (DSPs: the board's puts every
//    resource at its limit), "acc_loss", and optionally "board", "design", "precision" (as
//    nais-bundle's "device", "design" and "bits" objects)}
#include "bundle_reader.hpp"
#include "composed_reader.hpp"

#include <nais/bundle.hpp>

namespace nais_eval::detail {

namespace {

/// The derived network at the rounded sizes, evaluated exactly.
template <class Loss>
json rounded_design(const Loss& l) {
    const auto& m = l.model();
    const nais::bundle::design d = m.derive_design(l);
    json out = bundle_report_json(nais::bundle::evaluate(m.derive_layers(l), d, m.bits(), m.target()), d);
    out.erase("layers");
    out["ops"] = l.derived_ops();
    return out;
}

/// The rounded design, and the exact design search on the derived network at a clock.
template <class Loss>
json bundle_design(const Loss& l, double clock_mhz) {
    require_design_clock(clock_mhz);
    const auto& m = l.model();
    nais::bundle::device dev = m.target();
    dev.clock_mhz = clock_mhz;
    json out = rounded_design(l);
    const auto s = nais::bundle::search_design(m.derive_layers(l), m.base_design(), m.bits(), dev);
    if (s.found) {
        json r = bundle_report_json(s.report, s.best);
        r.erase("layers");
        out["retuned"] = std::move(r);
    } else {
        out["retuned"] = {{"infeasible", "no design of the grid fits the device"}};
    }
    return out;
}

}  // namespace

template <class Space>
std::unique_ptr<session> open_bundle(const json& spec, const Space& space, const std::string&, reading mode) {
    nais::bundle::device board;
    nais::bundle::design base;
    nais::bundle::precision prec;
    if (spec.contains("board"))
        read_bundle_device(spec, "board", board);
    if (spec.contains("design"))
        read_bundle_design(spec, "design", base);
    if (spec.contains("precision"))
        read_bundle_precision(spec, "precision", prec);
    using loss_t = nais::bundle::loss<Space>;
    auto l = std::make_unique<loss_t>(space, base, prec, board);
    composed_parts<loss_t> parts{&bundle_design<loss_t>, [](const loss_t& x, json& out) { out["design"] = rounded_design(x); }};
    parts.device_keys = {"board", "design", "precision"};
    return composed_session(spec, mode, std::move(l), std::move(parts));
}

template std::unique_ptr<session> open_bundle<nais::runtime_space>(const json&, const nais::runtime_space&, const std::string&,
                                                                   reading);
template std::unique_ptr<session> open_bundle<nais::layered_space>(const json&, const nais::layered_space&, const std::string&,
                                                                   reading);

}  // namespace nais_eval::detail

namespace nais_eval {

device_entry bundle_device() {
    return composed_device("bundle",
                           "the bundle accelerator (Hao et al. DAC'19, SkyNet): one IP per layer type, a space co-searched "
                           "with the IPs' sizes (nais-bundle evaluates, ranks and grows networks)",
                           &detail::open_bundle<nais::runtime_space>, &detail::open_bundle<nais::layered_space>);
}

}  // namespace nais_eval
