// nais-map's spec (README: nais-map):
//   "workloads": [{"name", "layers": [layer, ...] | "model": "resnet18" | "network": {...} or "file.json",
//                  "edges": [[from, to], ...]}]       (a workload's layers form a chain in order;
//                                                      "edges" adds fusion edges by layer name)
//     layer: {"name", "kind": "conv", "M", "N", "R", "C", "K", "S", "P"} | {"name", "kind": "fc",
//            "M", "N", "K"} | {"name", "kind": "lstm", "hidden", "dim", "iter"}
//   "accelerators": [{"name", "type": "CNN" | "FC" | "LSTM", "throughput_gops",
//                     "tiles": {"Tm", "Tn", "Tr", "Tc", "Tr_in", "Tc_in"}, "port_bits", "clock_mhz",
//                     "power_w", "memory_gb", "weight_fraction", "link_gbps", "dtype_bits"}]
//                    (every key but "name" optional; the defaults are H2H's cnn_acc_1), or
//                   {"name", "device": "fpga-tiled", "type", "design": {"Tm", "Tn", "Tr", "Tc", "Tk",
//                    "W_p", "I_p", "O_p"}, "clock_mhz", "power_w", "memory_gb", "weight_fraction",
//                    "link_gbps"}   (nais's HotNAS template on a ZCU102 as the member's on-chip model)
//   "steps": [1, 2, 3, 4]   "remap_passes": 2   "energy_per_byte_pj": 160
//   "switch": false          (map again with the first mapping's resident weights pinned)
//   "exact": false | true | {"node_limit": N}
#include "map_reader.hpp"

#include <svg.hpp>

#include <cstdio>
#include <iomanip>
#include <map>
#include <sstream>

namespace nais_eval {

namespace {

namespace h2h = nais::h2h;
using nais_json::detail::flag;
using nais_json::detail::int_in;

double positive_in(const json& obj, const std::string& at, const char* name, double fallback, double lo, double hi) {
    const auto it = obj.find(name);
    if (it == obj.end())
        return fallback;
    const double v = detail::number(*it, at + name);
    if (!(v >= lo && v <= hi)) {
        std::ostringstream range;
        range << "a number in [" << lo << ", " << hi << "]";
        detail::fail(at + name, range.str(), *it);
    }
    return v;
}

std::int64_t dim(const json& obj, const std::string& at, const char* name, std::int64_t fallback, bool required, int lo = 1) {
    if (required && !obj.contains(name))
        throw spec_error("key '" + at + name + "' is missing");
    return int_in(obj, at, name, static_cast<int>(fallback), lo, 1 << 24);
}

h2h::layer layer_of(const json& j, const std::string& at) {
    if (!j.is_object())
        detail::fail(at, "an object {\"name\", \"kind\", ...}", j);
    const json& name = detail::require_key(j, "name", at + "name");
    if (!name.is_string() || name.get<std::string>().empty())
        detail::fail(at + "name", "a non-empty string", name);
    const json& kind = detail::require_key(j, "kind", at + "kind");
    const std::string n = name.get<std::string>();
    if (kind == "conv") {
        detail::refuse_unknown(j, at, {"name", "kind", "M", "N", "R", "C", "K", "S", "P"});
        return h2h::conv_layer(n, dim(j, at, "M", 1, true), dim(j, at, "N", 1, true), dim(j, at, "R", 1, true),
                               dim(j, at, "C", 1, true), dim(j, at, "K", 1, true), dim(j, at, "S", 1, false),
                               dim(j, at, "P", 0, false, 0));
    }
    if (kind == "fc") {
        detail::refuse_unknown(j, at, {"name", "kind", "M", "N", "K"});
        return h2h::fc_layer(n, dim(j, at, "M", 1, true), dim(j, at, "N", 1, true), dim(j, at, "K", 1, false));
    }
    if (kind == "lstm") {
        detail::refuse_unknown(j, at, {"name", "kind", "hidden", "dim", "iter"});
        return h2h::lstm_layer(n, dim(j, at, "hidden", 1, true), dim(j, at, "dim", 1, true), dim(j, at, "iter", 1, false));
    }
    detail::fail(at + "kind", "\"conv\", \"fc\" or \"lstm\"", kind);
}

std::string member_name(const json& j, const std::string& at) {
    const json& name = detail::require_key(j, "name", at + "name");
    if (!name.is_string() || name.get<std::string>().empty())
        detail::fail(at + "name", "a non-empty string", name);
    return name.get<std::string>();
}

h2h::layer_kind member_type(const json& j, const std::string& at) {
    const auto t = j.find("type");
    if (t == j.end() || *t == "CNN")
        return h2h::layer_kind::conv;
    if (*t == "FC")
        return h2h::layer_kind::fc;
    if (*t == "LSTM")
        return h2h::layer_kind::lstm;
    detail::fail(at + "type", "\"CNN\", \"FC\" or \"LSTM\"", *t);
}

h2h::tiled_member tiled_member_of(const json& j, const std::string& at) {
    detail::refuse_unknown(j, at, {"name", "device", "type", "design", "clock_mhz", "power_w", "memory_gb", "weight_fraction", "link_gbps"});
    h2h::tiled_member m;
    m.name = member_name(j, at);
    m.accepts = member_type(j, at);
    if (const auto d = j.find("design"); d != j.end()) {
        const std::string dat = at + "design.";
        if (!d->is_object())
            detail::fail(at + "design", "an object {\"Tm\", \"Tn\", \"Tr\", \"Tc\", \"Tk\", \"W_p\", \"I_p\", \"O_p\"}", *d);
        detail::refuse_unknown(*d, dat, {"Tm", "Tn", "Tr", "Tc", "Tk", "W_p", "I_p", "O_p"});
        m.design.Tm = int_in(*d, dat, "Tm", m.design.Tm, 1, 4096);
        m.design.Tn = int_in(*d, dat, "Tn", m.design.Tn, 1, 4096);
        m.design.Tr = int_in(*d, dat, "Tr", m.design.Tr, 1, 4096);
        m.design.Tc = int_in(*d, dat, "Tc", m.design.Tc, 1, 4096);
        m.design.Tk = int_in(*d, dat, "Tk", m.design.Tk, 1, 64);
        m.design.W_p = int_in(*d, dat, "W_p", m.design.W_p, 1, 64);
        m.design.I_p = int_in(*d, dat, "I_p", m.design.I_p, 1, 64);
        m.design.O_p = int_in(*d, dat, "O_p", m.design.O_p, 1, 64);
    }
    m.device.clock_mhz = positive_in(j, at, "clock_mhz", m.device.clock_mhz, 1e-3, 1e6);
    m.power_w = positive_in(j, at, "power_w", m.power_w, 1e-6, 1e6);
    m.memory_gb = positive_in(j, at, "memory_gb", m.memory_gb, 0, 1e6);
    m.weight_fraction = positive_in(j, at, "weight_fraction", m.weight_fraction, 0, 1);
    m.link_gbps = positive_in(j, at, "link_gbps", m.link_gbps, 1e-6, 1e9);
    try {
        h2h::validate(m);
    } catch (const std::invalid_argument& e) {
        throw spec_error("key '" + at + "design': " + e.what());
    }
    return m;
}

map_member accelerator_of(const json& j, const std::string& at) {
    if (!j.is_object())
        detail::fail(at, "an object {\"name\", \"type\", ...}", j);
    if (const auto d = j.find("device"); d != j.end()) {
        if (*d != "fpga-tiled")
            detail::fail(at + "device", "\"fpga-tiled\" (or no \"device\": an H2H accelerator)", *d);
        return tiled_member_of(j, at);
    }
    detail::refuse_unknown(j, at, {"name", "type", "throughput_gops", "tiles", "port_bits", "clock_mhz", "power_w", "memory_gb",
                                   "weight_fraction", "link_gbps", "dtype_bits"});
    h2h::accelerator a;
    a.name = member_name(j, at);
    a.accepts = member_type(j, at);
    a.throughput_gops = positive_in(j, at, "throughput_gops", a.throughput_gops, 1e-6, 1e9);
    if (const auto t = j.find("tiles"); t != j.end()) {
        const std::string tat = at + "tiles.";
        if (!t->is_object())
            detail::fail(at + "tiles", "an object {\"Tm\", \"Tn\", \"Tr\", \"Tc\", \"Tr_in\", \"Tc_in\"}", *t);
        detail::refuse_unknown(*t, tat, {"Tm", "Tn", "Tr", "Tc", "Tr_in", "Tc_in"});
        a.Tm = int_in(*t, tat, "Tm", int(a.Tm), 1, 1 << 20);
        a.Tn = int_in(*t, tat, "Tn", int(a.Tn), 1, 1 << 20);
        a.Tr = int_in(*t, tat, "Tr", int(a.Tr), 1, 1 << 20);
        a.Tc = int_in(*t, tat, "Tc", int(a.Tc), 1, 1 << 20);
        a.Tr_in = int_in(*t, tat, "Tr_in", int(a.Tr), 1, 1 << 20);  // H2H's Tr' defaults to Tr
        a.Tc_in = int_in(*t, tat, "Tc_in", int(a.Tc), 1, 1 << 20);
    }
    a.port_bits = positive_in(j, at, "port_bits", a.port_bits, 1, 1e6);
    a.clock_mhz = positive_in(j, at, "clock_mhz", a.clock_mhz, 1e-3, 1e6);
    a.power_w = positive_in(j, at, "power_w", a.power_w, 1e-6, 1e6);
    a.memory_gb = positive_in(j, at, "memory_gb", a.memory_gb, 0, 1e6);
    a.weight_fraction = positive_in(j, at, "weight_fraction", a.weight_fraction, 0, 1);
    a.link_gbps = positive_in(j, at, "link_gbps", a.link_gbps, 1e-6, 1e9);
    a.dtype_bits = int_in(j, at, "dtype_bits", a.dtype_bits, 1, 64);
    return a;
}

double ms(double seconds) { return seconds * 1e3; }


json schedule_json(const h2h::workload& w, const h2h::cost_table& t, const h2h::schedule& s, double joules_per_byte) {
    json rows = json::array();
    std::vector<std::size_t> by_start(w.size());
    for (std::size_t l = 0; l < w.size(); ++l)
        by_start[l] = l;
    std::stable_sort(by_start.begin(), by_start.end(), [&](std::size_t a, std::size_t b) { return s.slots[a].start < s.slots[b].start; });
    for (std::size_t l : by_start) {
        const h2h::slot& x = s.slots[l];
        rows.push_back({{"layer", w.at(l).name},
                        {"stream", w.streams()[w.ref(l).stream].name},
                        {"accelerator", t.names[x.accelerator]},
                        {"start_ms", ms(x.start)},
                        {"end_ms", ms(x.end)},
                        {"weights_resident", x.weights_resident},
                        {"input_local", x.input_local},
                        {"output_local", x.output_local}});
    }
    return {{"makespan_ms", ms(s.makespan)},
            {"energy_j", s.energy},
            {"energy_per_byte_j", h2h::energy_per_byte(s, joules_per_byte)},
            {"bytes_moved", s.bytes_moved},
            {"schedule", rows}};
}

json steps_json(const map_job& job, const h2h::cost_table& t, const h2h::mapping_result& r) {
    json steps = json::array();
    for (const h2h::step_result& s : r.steps)
        if (std::find(job.steps.begin(), job.steps.end(), s.step) != job.steps.end()) {
            json x = schedule_json(job.workload, t, s.timing, job.joules_per_byte);
            x["step"] = s.step;
            steps.push_back(std::move(x));
        }
    return steps;
}

const char* step_name(int step) {
    switch (step) {
    case 1: return "computation-prioritised";
    case 2: return "+ weight locality";
    case 3: return "+ activation locality";
    case 4: return "+ communication-aware remap";
    case 5: return "exact optimum";
    }
    return "";
}

}  // namespace

map_member read_map_member(const json& j, const std::string& at) { return accelerator_of(j, at); }

map_job read_map_text(const std::string& text, const std::string& base_dir) {
    const json spec = nais_json::parse(text);
    if (!spec.is_object())
        throw spec_error("the spec must be a JSON object");
    detail::refuse_unknown(spec, "", {"workloads", "accelerators", "steps", "remap_passes", "energy_per_byte_pj", "switch", "exact"});
    map_job job;
    const json& ws = detail::require_key(spec, "workloads", "workloads");
    if (!ws.is_array() || ws.empty() || ws.size() > 64)
        detail::fail("workloads", "an array of 1 to 64 workloads", ws);
    std::vector<h2h::stream> streams;
    std::vector<std::pair<std::string, std::string>> edges;
    for (std::size_t k = 0; k < ws.size(); ++k) {
        const std::string at = "workloads[" + std::to_string(k) + "].";
        const json& x = ws[k];
        if (!x.is_object())
            detail::fail("workloads[" + std::to_string(k) + "]", "an object {\"name\", \"layers\" | \"model\" | \"network\", \"edges\"}", x);
        detail::refuse_unknown(x, at, {"name", "layers", "model", "network", "edges"});
        const json& name = detail::require_key(x, "name", at + "name");
        if (!name.is_string() || name.get<std::string>().empty())
            detail::fail(at + "name", "a non-empty string", name);
        if (x.contains("layers")) {
            if (x.contains("model") || x.contains("network"))
                throw spec_error("key '" + at + "layers': give \"layers\" or a \"model\"/\"network\", not both");
            const json& ls = x["layers"];
            if (!ls.is_array() || ls.empty() || ls.size() > 4096)
                detail::fail(at + "layers", "an array of 1 to 4096 layers", ls);
            h2h::stream s{name.get<std::string>(), {}};
            for (std::size_t i = 0; i < ls.size(); ++i)
                s.layers.push_back(layer_of(ls[i], at + "layers[" + std::to_string(i) + "]."));
            streams.push_back(std::move(s));
        } else {
            try {
                streams.push_back(h2h::stream_of(detail::read_model_or_network(x, base_dir), name.get<std::string>()));
            } catch (const spec_error& e) {
                throw spec_error(at + std::string(e.what()));
            }
        }
        if (const auto e = x.find("edges"); e != x.end()) {
            if (!e->is_array() || e->size() > 4096)
                detail::fail(at + "edges", "an array of [from, to] layer-name pairs", *e);
            for (std::size_t i = 0; i < e->size(); ++i) {
                const json& pair = (*e)[i];
                const std::string eat = at + "edges[" + std::to_string(i) + "]";
                if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string())
                    detail::fail(eat, "[\"from layer\", \"to layer\"]", pair);
                edges.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
            }
        }
    }
    try {
        job.workload = h2h::workload(std::move(streams), edges);
    } catch (const std::invalid_argument& e) {
        throw spec_error(std::string("workloads: ") + e.what());
    }
    const json& as = detail::require_key(spec, "accelerators", "accelerators");
    if (!as.is_array() || as.empty() || as.size() > 64)
        detail::fail("accelerators", "an array of 1 to 64 accelerators", as);
    for (std::size_t k = 0; k < as.size(); ++k)
        job.accelerators.push_back(accelerator_of(as[k], "accelerators[" + std::to_string(k) + "]."));
    if (const auto s = spec.find("steps"); s != spec.end()) {
        job.steps = detail::int_list(*s, "steps", 1, 4);
        for (std::size_t i = 0; i < job.steps.size(); ++i)
            for (std::size_t j = 0; j < i; ++j)
                if (job.steps[i] == job.steps[j])
                    detail::fail("steps", "distinct steps in 1..4", *s);
    }
    const auto has = [&](int k) { return std::find(job.steps.begin(), job.steps.end(), k) != job.steps.end(); };
    job.options.knapsack = has(2) || has(4);
    job.options.activation_locality = has(3) || has(4);
    job.options.remap = has(4);
    job.options.remap_passes = int_in(spec, "", "remap_passes", job.options.remap_passes, 0, 100);
    job.joules_per_byte = positive_in(spec, "", "energy_per_byte_pj", 160, 0, 1e9) * 1e-12;
    job.modality_switch = flag(spec, "", "switch", false);
    if (const auto e = spec.find("exact"); e != spec.end()) {
        if (e->is_boolean()) {
            if (e->get<bool>())
                job.exact_nodes = 20'000'000;
        } else if (e->is_object()) {
            detail::refuse_unknown(*e, "exact.", {"node_limit"});
            job.exact_nodes = int_in(*e, "exact.", "node_limit", 20'000'000, 1, 2'000'000'000);
        } else {
            detail::fail("exact", "true, false or {\"node_limit\": N}", *e);
        }
        if (job.exact_nodes && job.workload.size() > 64)
            throw spec_error("key 'exact': the exact search takes at most 64 layers, the workload has " +
                             std::to_string(job.workload.size()));
    }
    try {
        (void)h2h::make_cost_table(job.workload, job.accelerators);
    } catch (const std::invalid_argument& e) {
        throw spec_error(std::string("accelerators: ") + e.what());
    }
    return job;
}

json run_map(const map_job& job) {
    const h2h::cost_table t = h2h::make_cost_table(job.workload, job.accelerators);
    const h2h::mapping_result r = h2h::map(job.workload, t, job.options);
    json out;
    out["layers"] = job.workload.size();
    out["streams"] = json::array();
    for (const h2h::stream& s : job.workload.streams())
        out["streams"].push_back(s.name);
    out["accelerators"] = t.names;
    out["steps"] = steps_json(job, t, r);
    if (job.options.remap)
        out["remap"] = {{"trials", r.remap_trials}, {"moves", r.remap_moves}};
    if (job.modality_switch) {
        h2h::mapper_options o = job.options;
        const h2h::plan& first = r.last().mapping;
        const std::vector<std::size_t> acc = h2h::assignment_of(first, job.workload.size());
        for (std::size_t l = 0; l < job.workload.size(); ++l)
            if (first.resident[l])
                o.pinned.push_back({l, acc[l]});
        const h2h::mapping_result again = h2h::map(job.workload, t, o);
        out["switch"] = {{"pinned", o.pinned.size()}, {"steps", steps_json(job, t, again)}};
    }
    if (job.exact_nodes) {
        h2h::exact_options eo;
        eo.node_limit = *job.exact_nodes;
        eo.incumbent = r.last().mapping;
        const h2h::exact_result e = h2h::exact_map(job.workload, t, eo);
        json x = schedule_json(job.workload, t, e.timing, job.joules_per_byte);
        x["step"] = 5;
        x["lower_bound_ms"] = ms(e.lower_bound);
        x["proven_optimal"] = e.proven;
        x["nodes"] = e.nodes;
        out["exact"] = std::move(x);
    }
    return out;
}

std::string map_tables(const json& result) {
    std::ostringstream o;
    o << std::fixed;
    o << result["layers"].get<std::size_t>() << " layers in " << result["streams"].size() << " streams on " << result["accelerators"].size()
      << " accelerators\n\n";
    const auto step_lines = [&](const json& steps, const std::string& title) {
        o << title << "\n";
        o << "  step                                 makespan ms   energy J   per-byte J   moved MB\n";
        for (const json& s : steps)
            o << "  " << s["step"].get<int>() << " " << std::left << std::setw(34) << step_name(s["step"].get<int>()) << std::right
              << std::setw(12) << std::setprecision(3) << s["makespan_ms"].get<double>() << std::setw(11) << std::setprecision(4)
              << s["energy_j"].get<double>() << std::setw(13) << s["energy_per_byte_j"].get<double>() << std::setw(11)
              << std::setprecision(2) << s["bytes_moved"].get<double>() / 1e6 << "\n";
    };
    step_lines(result["steps"], "H2H's steps:");
    if (result.contains("remap"))
        o << "  (step 4: " << result["remap"]["trials"].get<std::int64_t>() << " trial moves, " << result["remap"]["moves"].get<std::int64_t>()
          << " kept)\n";
    if (result.contains("switch")) {
        o << "\n";
        step_lines(result["switch"]["steps"], "After a modality switch (" + std::to_string(result["switch"]["pinned"].get<std::size_t>()) +
                                                  " layers' weights pinned):");
    }
    const json* last = result["steps"].empty() ? nullptr : &result["steps"].back();
    if (result.contains("exact")) {
        const json& e = result["exact"];
        o << "\nexact search: " << std::setprecision(3) << e["makespan_ms"].get<double>() << " ms ("
          << (e["proven_optimal"].get<bool>() ? "proven optimal" : "best found") << "), lower bound " << e["lower_bound_ms"].get<double>()
          << " ms, " << e["nodes"].get<std::int64_t>() << " nodes\n";
        last = &e;
    }
    if (last) {
        o << "\nschedule (" << step_name((*last)["step"].get<int>()) << "):\n";
        o << "  layer                 accelerator       start ms     end ms  resident  in-local  out-local\n";
        for (const json& x : (*last)["schedule"])
            o << "  " << std::left << std::setw(22) << x["layer"].get<std::string>() << std::setw(16) << x["accelerator"].get<std::string>()
              << std::right << std::setw(11) << std::setprecision(3) << x["start_ms"].get<double>() << std::setw(11)
              << x["end_ms"].get<double>() << std::setw(10) << (x["weights_resident"].get<bool>() ? "yes" : "-") << std::setw(10)
              << (x["input_local"].get<bool>() ? "yes" : "-") << std::setw(11) << (x["output_local"].get<bool>() ? "yes" : "-") << "\n";
    }
    return o.str();
}

std::string map_gantt_svg(const json& result) {
    std::vector<const json*> panels;
    for (const json& s : result["steps"])
        panels.push_back(&s);
    if (result.contains("exact"))
        panels.push_back(&result["exact"]);
    const std::vector<std::string> accs = result["accelerators"].get<std::vector<std::string>>();
    const std::vector<std::string> streams = result["streams"].get<std::vector<std::string>>();
    double horizon = 0;
    for (const json* p : panels)
        horizon = std::max(horizon, (*p)["makespan_ms"].get<double>());
    if (!(horizon > 0))
        horizon = 1;
    const double left = 150, width = 760, lane = 22, gap = 8, title = 22;
    const double panel_h = title + double(accs.size()) * lane + gap + 18;
    nais_svg::canvas c(left + width + 30, 40 + double(panels.size()) * panel_h + 30);
    static const char* colours[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
    std::map<std::string, const char*> colour_of;
    for (std::size_t s = 0; s < streams.size(); ++s)
        colour_of[streams[s]] = colours[s % 10];
    const auto fixed = [](double v, int digits) {
        std::ostringstream o;
        o << std::fixed << std::setprecision(digits) << v;
        return o.str();
    };
    c.text(10, 20, "nais-map: " + std::to_string(result["layers"].get<std::size_t>()) + " layers, " + std::to_string(streams.size()) +
                       " streams, " + std::to_string(accs.size()) + " accelerators (time axis shared, ms)",
           "start", "font-size=\"14\"");
    double y = 40;
    for (const json* p : panels) {
        const json& s = *p;
        c.text(10, y + 14, "step " + std::to_string(s["step"].get<int>()) + ": " + step_name(s["step"].get<int>()) + " - " +
                               fixed(s["makespan_ms"].get<double>(), 2) + " ms, " + fixed(s["energy_j"].get<double>(), 2) + " J",
               "start", "font-size=\"12\"");
        const double top = y + title;
        for (std::size_t a = 0; a < accs.size(); ++a) {
            c.text(10, top + double(a) * lane + 15, accs[a]);
            c.rect(left, top + double(a) * lane, width, lane - 2, "#f4f4f4");
        }
        for (const json& x : s["schedule"]) {
            const std::size_t a = static_cast<std::size_t>(std::find(accs.begin(), accs.end(), x["accelerator"].get<std::string>()) - accs.begin());
            const double start = x["start_ms"].get<double>(), end = x["end_ms"].get<double>();
            c.rect(left + width * start / horizon, top + double(a) * lane + 1, std::max(0.5, width * (end - start) / horizon), lane - 4,
                   colour_of[x["stream"].get<std::string>()],
                   std::string("stroke=\"white\" stroke-width=\"0.5\"") + (x["weights_resident"].get<bool>() ? "" : " fill-opacity=\"0.6\""),
                   x["layer"].get<std::string>() + " " + fixed(start, 2) + "-" + fixed(end, 2) + " ms");
        }
        const double axis = top + double(accs.size()) * lane + 2;
        for (int k = 0; k <= 5; ++k)
            c.text(left + width * k / 5 - 10, axis + 12, fixed(horizon * k / 5, 1), "start", "fill=\"#555\"");
        y += panel_h;
    }
    double lx = left;
    for (const std::string& s : streams) {
        c.rect(lx, y + 4, 12, 12, colour_of[s]);
        c.text(lx + 16, y + 14, s);
        lx += 90;
    }
    c.text(lx + 10, y + 14, "(paler: weights moved from host memory)", "start", "fill=\"#555\"");
    return c.str();
}

}  // namespace nais_eval
