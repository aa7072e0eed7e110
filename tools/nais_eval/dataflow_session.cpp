// DANCE's co-design loss as a session (nais.Session, nais.torch.HardwareLoss and nais-eval with a
// space): a space co-searched with a PE-array accelerator's hardware, EDD Eq. 1 with RES = area
// (include/nais/device/dataflow/codesign.hpp; docs/devices/dataflow.md).
//   {"device": "dataflow", "blocks"/"ops"/"bits" or "space", "theta", "pe_x", "pe_y", "rf",
//    "dataflow" (logits over the hardware space's lists), "tau", "alpha", "beta", "C",
//    "res_ub" (mm^2), "acc_loss", and optionally
//    "hardware": {"pe_x": [...], "pe_y": [...], "rf": [...], "dataflows": ["WS", "OS", "RS"],
//                 "buffer", "dram_bandwidth", "clock_mhz"},
//    "objective": "latency" | "energy" | "area" | "edp" | "edap" | {"energy", "latency", "area"},
//    "hardware_mode": "expected" | "envelope", "energy_table", "operand_bits": [w, i, o]}
#include "composed_reader.hpp"
#include "dataflow_reader.hpp"

#include <nais/dataflow.hpp>

namespace nais_eval::detail {

namespace {

namespace df = nais::dataflow;
using nais_json::detail::int_in;

/// A list of 1 to 64 integers in [1, hi] under `key`.
std::vector<std::int64_t> integer_list(const json& j, const std::string& key, std::int64_t hi) {
    if (!j.is_array() || j.empty() || j.size() > 64)
        fail(key, "an array of 1 to 64 integers in [1, " + std::to_string(hi) + "]", j);
    std::vector<std::int64_t> out;
    for (std::size_t k = 0; k < j.size(); ++k) {
        if (!j[k].is_number_integer() || j[k].get<long long>() < 1 || j[k].get<long long>() > hi)
            fail(key + "[" + std::to_string(k) + "]", "an integer in [1, " + std::to_string(hi) + "]", j[k]);
        out.push_back(j[k].get<long long>());
    }
    return out;
}

df::hardware_space read_hardware_space(const json& spec) {
    df::hardware_space s;
    const auto h = spec.find("hardware");
    if (h == spec.end())
        return s;  // DANCE's: PE 8-24 x 8-24, RF 16-512, WS/OS/RS
    if (!h->is_object())
        fail("hardware", "an object {pe_x, pe_y, rf, dataflows, buffer, dram_bandwidth, clock_mhz}", *h);
    refuse_unknown(*h, "hardware.", {"pe_x", "pe_y", "rf", "dataflows", "buffer", "dram_bandwidth", "clock_mhz"});
    if (h->contains("pe_x"))
        s.pe_x = integer_list((*h)["pe_x"], "hardware.pe_x", 1024);
    if (h->contains("pe_y"))
        s.pe_y = integer_list((*h)["pe_y"], "hardware.pe_y", 1024);
    if (h->contains("rf"))
        s.rf_entries = integer_list((*h)["rf"], "hardware.rf", 1 << 20);
    if (const auto d = h->find("dataflows"); d != h->end()) {
        if (!d->is_array() || d->empty() || d->size() > 3)
            fail("hardware.dataflows", "an array of 1 to 3 of \"WS\", \"OS\", \"RS\"", *d);
        s.dataflows.clear();
        for (std::size_t k = 0; k < d->size(); ++k)
            s.dataflows.push_back(read_dataflow((*d)[k], "hardware.dataflows[" + std::to_string(k) + "]"));
    }
    if (h->contains("buffer"))
        s.buffer_entries = int_in(*h, "hardware.", "buffer", int(s.buffer_entries), 1, 1 << 30);
    if (h->contains("dram_bandwidth")) {
        s.dram_bandwidth = number((*h)["dram_bandwidth"], "hardware.dram_bandwidth");
        if (!(s.dram_bandwidth >= 0))
            fail("hardware.dram_bandwidth", "a number >= 0 (words per cycle; 0: unlimited)", (*h)["dram_bandwidth"]);
    }
    if (h->contains("clock_mhz")) {
        s.clock_mhz = number((*h)["clock_mhz"], "hardware.clock_mhz");
        if (!(s.clock_mhz > 0))
            fail("hardware.clock_mhz", "a number > 0", (*h)["clock_mhz"]);
    }
    return s;
}

df::objective read_objective(const json& spec) {
    df::objective o{df::objective_kind::latency};
    const auto j = spec.find("objective");
    if (j == spec.end())
        return o;
    if (j->is_object()) {  // lambda_E E + lambda_L L + lambda_A A
        refuse_unknown(*j, "objective.", {"energy", "latency", "area"});
        o.kind = df::objective_kind::linear;
        o.lambda_energy = j->contains("energy") ? number((*j)["energy"], "objective.energy") : 0.0;
        o.lambda_latency = j->contains("latency") ? number((*j)["latency"], "objective.latency") : 0.0;
        o.lambda_area = j->contains("area") ? number((*j)["area"], "objective.area") : 0.0;
        return o;
    }
    for (int k = 0; k < 5; ++k)  // the named objectives (linear is the object form)
        if (*j == df::objective_names[std::size_t(k)]) {
            o.kind = df::objective_kind(k);
            return o;
        }
    fail("objective", "\"latency\", \"energy\", \"area\", \"edp\", \"edap\" or {energy, latency, area} weights", *j);
}

json hardware_json(const df::hardware& h) {
    return {{"pe", {h.pe_x, h.pe_y}}, {"rf", h.rf_entries}, {"dataflow", df::dataflow_names[std::size_t(h.dataflow)]}};
}

json figures_json(const std::array<double, 3>& f) { return {{"ms", f[0]}, {"uj", f[1]}, {"mm2", f[2]}}; }

/// The derived network on the argmax hardware, and its exact best accelerator over the space's
/// points within the area budget res_ub (null when none fits).
template <class Loss>
json dataflow_design(const Loss& l, double) {
    const df::codesign_outcome o = l.model().outcome(l);
    json best = nullptr;
    if (o.best.found())
        best = {{"hardware", hardware_json(o.best.best)}, {"figures", figures_json(o.best.figures)}, {"cost", o.best.cost}};
    return {{"ops", o.ops},
            {"chosen", {{"hardware", hardware_json(o.chosen)}, {"figures", figures_json(o.chosen_figures)}}},
            {"best", std::move(best)}};
}

}  // namespace

template <class Space>
std::unique_ptr<session> open_dataflow(const json& spec, const Space& space, const std::string&, reading mode) {
    df::codesign_options o;
    o.space = read_hardware_space(spec);
    o.cost = read_objective(spec);
    o.energy = read_energy_table(spec);
    if (const auto h = spec.find("hardware_mode"); h != spec.end()) {
        if (*h == "envelope")
            o.mode = df::hardware_mode::envelope;
        else if (*h != "expected")
            fail("hardware_mode", "\"expected\" (cost over the hardware distribution) or \"envelope\" (min over hardware)", *h);
    }
    if (const auto b = spec.find("operand_bits"); b != spec.end()) {
        const auto bits = integer_list(*b, "operand_bits", 32);
        if (bits.size() != 3)
            fail("operand_bits", "an array of 3 integers in [1, 32] (weights, inputs, outputs)", *b);
        for (std::size_t k = 0; k < 3; ++k)
            o.bits[k] = int(bits[k]);
    }
    using loss_t = df::codesign_loss<Space>;
    auto l = std::make_unique<loss_t>(space, std::move(o));
    composed_parts<loss_t> parts{&dataflow_design<loss_t>, [](const loss_t& x, json& out) { out["design"] = dataflow_design(x, 0); }};
    parts.device_keys = {"hardware", "objective", "hardware_mode", "energy_table", "operand_bits"};
    return composed_session(spec, mode, std::move(l), std::move(parts));
}

template std::unique_ptr<session> open_dataflow<nais::runtime_space>(const json&, const nais::runtime_space&, const std::string&,
                                                                     reading);
template std::unique_ptr<session> open_dataflow<nais::layered_space>(const json&, const nais::layered_space&, const std::string&,
                                                                     reading);

}  // namespace nais_eval::detail
