// The tiled FPGA template's reader (nais-eval's "fpga-tiled"; docs/devices/tiled.md): HotNAS's
// template on a network, evaluated exactly at a design; and the keys nais-hotnas shares.
//   {"device": "fpga-tiled", "model": "resnet18" | "network": {...} or "file.json",
//    "design": {"Tm", "Tn", "Tr", "Tc", "Tk" (default: the largest kernel), "W_p", "I_p", "O_p"},
//    "bits": 16 | {"weights", "activations"}, "clock_mhz": 200, "batch": 1,
//    "mode": "hardware" | "hotnas" (the public model's figures, on its chained shapes),
//    "limits": {"dsp", "bram", "port_bits", "check_bram", "word_bits", "dsp_per_multiplier"},
//    "compression": {"layer": {"out_channels", "kept", "weight_bits"}}}
#include "tiled_reader.hpp"
#include "composed_device.hpp"
#include "registry.hpp"

#include <nais_net/network_json.hpp>

#include <set>

namespace nais_eval {

namespace detail {

namespace {

int design_field(const json& d, const char* name) { return positive_field(d, "design", name); }

}  // namespace

json tiled_design_json(const nais::tiled::design& d) {
    return {{"Tm", d.Tm}, {"Tn", d.Tn}, {"Tr", d.Tr}, {"Tc", d.Tc}, {"Tk", d.Tk}, {"W_p", d.W_p}, {"I_p", d.I_p}, {"O_p", d.O_p}};
}

json tiled_resources_json(const nais::tiled::resources& r) {
    return {{"dsp", r.dsp}, {"bram", r.bram}, {"port_bits", r.port_bits}};
}

void read_tiled_precision(const json& b, const std::string& key, nais::tiled::precision& prec) {
    if (b.is_object()) {
        refuse_unknown(b, key + ".", {"weights", "activations"});
        prec.weights = integer_at_least(require_key(b, "weights", key + ".weights"), key + ".weights", 1);
        if (b.contains("activations"))
            prec.activations = integer_at_least(b["activations"], key + ".activations", 1);
    } else {
        prec.weights = integer_at_least(b, key, 1);
    }
}

void read_tiled_device(const json& spec, nais::tiled::device& dev, nais::tiled::mode& mode) {
    if (spec.contains("clock_mhz"))
        dev.clock_mhz = number(spec["clock_mhz"], "clock_mhz");
    if (const auto m = spec.find("mode"); m != spec.end()) {
        if (*m == "hotnas")
            mode = nais::tiled::mode::hotnas_compatible;
        else if (*m != "hardware")
            fail("mode", "\"hardware\" or \"hotnas\" (the public model's figures)", *m);
    }
    if (const auto l = spec.find("limits"); l != spec.end()) {
        if (!l->is_object())
            fail("limits", "an object {dsp, bram, port_bits, check_bram, word_bits, dsp_per_multiplier}", *l);
        refuse_unknown(*l, "limits.", {"dsp", "bram", "port_bits", "check_bram", "word_bits", "dsp_per_multiplier"});
        if (l->contains("word_bits"))  // one port word and the data path (16: fixed point; 32: fp32)
            dev.word_bits = integer_at_least((*l)["word_bits"], "limits.word_bits", 1);
        if (l->contains("dsp_per_multiplier"))  // DSPs per multiply-add lane (fp32 on 7-series: 5)
            dev.dsp_per_multiplier = integer_at_least((*l)["dsp_per_multiplier"], "limits.dsp_per_multiplier", 1);
        if (l->contains("dsp"))
            dev.dsp = integer_at_least((*l)["dsp"], "limits.dsp", 1);
        if (l->contains("bram"))
            dev.bram = integer_at_least((*l)["bram"], "limits.bram", 1);
        if (l->contains("port_bits"))
            dev.port_bits = integer_at_least((*l)["port_bits"], "limits.port_bits", 1);
        if (l->contains("check_bram")) {
            if (!(*l)["check_bram"].is_boolean())
                fail("limits.check_bram", "true or false", (*l)["check_bram"]);
            dev.check_bram = (*l)["check_bram"].get<bool>();
        }
    }
}

tiled_setting read_tiled_setting(const json& spec, const std::string& base_dir, const std::set<std::string>& keys) {
    refuse_unknown(spec, "", keys);
    tiled_setting out;
    out.network = read_model_or_network(spec, base_dir);
    if (const auto b = spec.find("bits"); b != spec.end())
        read_tiled_precision(*b, "bits", out.bits);
    if (spec.contains("batch"))
        out.batch = integer_at_least(spec["batch"], "batch", 1);
    read_tiled_device(spec, out.device, out.mode);
    nais::tiled::compression_plan& plan = out.compression;
    if (const auto c = spec.find("compression"); c != spec.end()) {
        if (!c->is_object())
            fail("compression", "an object {layer name: {out_channels, kept, weight_bits}}", *c);
        for (const auto& [name, v] : c->items()) {
            const std::string at = "compression." + nais::detail::one_line(name);
            if (!v.is_object())
                fail(at, "an object {out_channels, kept, weight_bits}", v);
            refuse_unknown(v, at + ".", {"out_channels", "kept", "weight_bits"});
            nais::tiled::compression x;
            if (v.contains("out_channels"))
                x.out_channels = integer_at_least(v["out_channels"], at + ".out_channels", 1);
            if (v.contains("kept"))
                x.kept = integer_at_least(v["kept"], at + ".kept", 1);
            if (v.contains("weight_bits"))
                x.weight_bits = integer_at_least(v["weight_bits"], at + ".weight_bits", 1);
            plan[name] = x;
        }
    }
    return out;
}

}  // namespace detail

std::vector<nais::tiled::workload> tiled_setting::workloads() const {
    std::vector<nais::tiled::workload> layers = nais::tiled::workloads(
        network, compression,
        mode == nais::tiled::mode::hotnas_compatible ? nais::tiled::shapes::hotnas_chained : nais::tiled::shapes::true_shapes,
        batch);
    if (layers.empty())
        throw spec_error("key 'network': it has no conv or fc layer for the template");
    return layers;
}

namespace detail {

json evaluate_tiled(const json& spec, const std::string& base_dir) {
    const tiled_setting s = read_tiled_setting(
        spec, base_dir, {"device", "model", "network", "design", "bits", "clock_mhz", "batch", "mode", "limits", "compression"});
    const std::vector<nais::tiled::workload> layers = s.workloads();
    const json& d = require_key(spec, "design", "design");
    if (!d.is_object())
        fail("design", "an object {Tm, Tn, Tr, Tc, Tk, W_p, I_p, O_p}", d);
    refuse_unknown(d, "design.", {"Tm", "Tn", "Tr", "Tc", "Tk", "W_p", "I_p", "O_p"});
    nais::tiled::design design{design_field(d, "Tm"),  design_field(d, "Tn"),  design_field(d, "Tr"),
                               design_field(d, "Tc"),  nais::tiled::largest_kernel(layers),
                               design_field(d, "W_p"), design_field(d, "I_p"), design_field(d, "O_p")};
    if (d.contains("Tk"))
        design.Tk = design_field(d, "Tk");
    const nais::tiled::network_report r = nais::tiled::evaluate(layers, design, s.device, s.bits, s.mode);
    json out;
    out["network"] = s.network.name;
    out["mode"] = s.mode == nais::tiled::mode::hardware ? "hardware" : "hotnas";
    out["cycles"] = r.cycles;
    out["ms"] = r.ms;
    out["dsp"] = r.used.dsp;
    out["bram"] = r.used.bram;
    out["port_bits"] = r.used.port_bits;
    out["feasible"] = r.feasible;
    if (!r.feasible)
        out["violation"] = r.violation;
    json ls = json::array();
    for (const auto& l : r.layers)
        ls.push_back({{"name", l.name},
                      {"kind", l.kind},
                      {"cycles", l.t.cycles},
                      {"lat1", l.t.lat1},
                      {"lat2", l.t.lat2},
                      {"t_i", l.t.t_i},
                      {"t_w", l.t.t_w},
                      {"t_o", l.t.t_o},
                      {"t_comp", l.t.t_comp},
                      {"bottleneck", nais::tiled::bottleneck_letter(l.limit)}});
    out["layers"] = std::move(ls);
    return out;
}

}  // namespace detail

device_entry tiled_device() {
    return composed_device("fpga-tiled",
                           "HotNAS's tiled FPGA template (Tm x Tn engine, Tr x Tc tiles, three ports): a network at a design, "
                           "or co-searched with a space",
                           &detail::open_tiled<nais::runtime_space>, &detail::open_tiled<nais::layered_space>, &detail::evaluate_tiled);
}

}  // namespace nais_eval
