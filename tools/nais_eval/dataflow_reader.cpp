// The dataflow accelerators' reader (nais-eval's "dataflow"; docs/devices/dataflow.md): one layer
// on an architecture with a mapping (given, the dataflow's template, or the exact search), or a
// network layer by layer on a PE-array accelerator; optional Timeloop / MAESTRO export.
#include "dataflow_reader.hpp"
#include "registry.hpp"

#include <nais/dataflow.hpp>

#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace nais_eval::detail {

namespace df = nais::dataflow;

df::dataflow_kind read_dataflow(const json& j, const std::string& key) {
    for (int k = 0; k < 3; ++k)
        if (j == df::dataflow_names[std::size_t(k)])
            return df::dataflow_kind(k);
    fail(key, "\"WS\", \"OS\" or \"RS\"", j);
}

df::energy_table read_energy_table(const json& spec) {
    if (!spec.contains("energy_table") || spec["energy_table"] == "eyeriss")
        return df::eyeriss_normalized;
    if (spec["energy_table"] == "horowitz45")
        return df::horowitz_45nm;
    fail("energy_table", "\"eyeriss\" (normalised, the default) or \"horowitz45\"", spec["energy_table"]);
}

namespace {

using nais_json::detail::array_of;
using nais_json::detail::int_in;
using nais_json::detail::integer_at_least;
using nais_json::detail::number;
using nais_json::detail::require_key;

std::int64_t positive(const json& obj, const std::string& at, const char* name, std::int64_t fallback, std::int64_t hi = 1 << 24) {
    if (!obj.contains(name))
        return fallback;
    const std::string key = at + name;
    const json& v = obj[name];
    if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > hi)
        fail(key, "an integer in [1, " + std::to_string(hi) + "]", v);
    return v.get<long long>();
}

double non_negative(const json& obj, const std::string& at, const char* name, double fallback) {
    if (!obj.contains(name))
        return fallback;
    const double v = number(obj[name], at + name);
    if (v < 0)
        fail(at + name, "a finite number >= 0", obj[name]);
    return v;
}

df::dim read_dim(const json& j, const std::string& key) {
    if (j == "K")  // Timeloop's name for output channels
        return df::dim::M;
    if (j.is_string())
        for (int d = 0; d < df::num_dims; ++d)
            if (j.get<std::string>() == df::dim_names[std::size_t(d)])
                return df::dim(d);
    fail(key, "a dimension name (\"N\", \"G\", \"M\" (or \"K\"), \"C\", \"P\", \"Q\", \"R\" or \"S\")", j);
}

std::array<int, 3> read_bits(const json& obj, const std::string& at) {
    if (!obj.contains("bits"))
        return {16, 16, 16};
    const json& b = obj["bits"];
    if (b.is_number_integer()) {
        const int v = int_in(obj, at, "bits", 16, 1, 64);
        return {v, v, v};
    }
    const json& a = array_of(b, at + "bits", 3, "integers in [1, 64] (Weights, Inputs, Outputs)");
    std::array<int, 3> r{};
    for (std::size_t k = 0; k < 3; ++k) {
        if (!a[k].is_number_integer() || a[k].get<long long>() < 1 || a[k].get<long long>() > 64)
            fail(at + "bits[" + std::to_string(k) + "]", "an integer in [1, 64]", a[k]);
        r[k] = a[k].get<int>();
    }
    return r;
}

df::layer read_layer(const json& j) {
    if (!j.is_object())
        fail("layer", "an object {N, M, C, P, Q, R, S, stride, groups, bits}", j);
    refuse_unknown(j, "layer.", {"name", "N", "M", "C", "P", "Q", "R", "S", "stride", "groups", "bits"});
    df::layer l;
    if (j.contains("name")) {
        if (!j["name"].is_string())
            fail("layer.name", "a string", j["name"]);
        l.name = j["name"].get<std::string>();
    }
    l.N = positive(j, "layer.", "N", 1);
    require_key(j, "M", "layer.M");
    require_key(j, "C", "layer.C");
    l.M = positive(j, "layer.", "M", 1);
    l.C = positive(j, "layer.", "C", 1);
    l.P = positive(j, "layer.", "P", 1);
    l.Q = positive(j, "layer.", "Q", 1);
    l.R = positive(j, "layer.", "R", 1);
    l.S = positive(j, "layer.", "S", 1);
    l.groups = int(positive(j, "layer.", "groups", 1));
    if (j.contains("stride")) {
        const json& s = array_of(j["stride"], "layer.stride", 2, "integers in [1, 64] ([h, w])");
        for (std::size_t k = 0; k < 2; ++k)
            if (!s[k].is_number_integer() || s[k].get<long long>() < 1 || s[k].get<long long>() > 64)
                fail("layer.stride[" + std::to_string(k) + "]", "an integer in [1, 64]", s[k]);
        l.stride_h = s[0].get<int>();
        l.stride_w = s[1].get<int>();
    }
    l.bits = read_bits(j, "layer.");
    try {
        df::validate(l);
    } catch (const nais::invalid_argument& e) {
        throw spec_error(std::string("key 'layer': ") + e.what());
    }
    return l;
}

/// The enumerator `v` names among `choices`, or an error naming `key` and what it expected.
template <class E>
E read_choice(const json& v, const std::string& key, std::initializer_list<std::pair<const char*, E>> choices, const char* expected) {
    for (const auto& [name, value] : choices)
        if (v == name)
            return value;
    fail(key, expected, v);
}

df::architecture read_arch(const json& j) {
    if (j == "eyeriss")
        return df::eyeriss_v1();
    if (!j.is_object())
        fail("arch", "\"eyeriss\" or an object {levels, mac, clock_mhz, multicast, stationary, spatial_reduction}", j);
    refuse_unknown(j, "arch.", {"levels", "mac", "clock_mhz", "multicast", "stationary", "spatial_reduction"});
    const json& levels = require_key(j, "levels", "arch.levels");
    if (!levels.is_array() || levels.empty() || levels.size() > 16)
        fail("arch.levels", "an array of 1 to 16 storage levels, outermost first", levels);
    df::architecture a;
    for (std::size_t i = 0; i < levels.size(); ++i) {
        const std::string at = "arch.levels[" + std::to_string(i) + "].";
        const json& x = levels[i];
        if (!x.is_object())
            fail(at.substr(0, at.size() - 1), "an object {name, entries, instances, mesh_x, word_bits, read_energy, ...}", x);
        refuse_unknown(x, at, {"name", "entries", "instances", "mesh_x", "word_bits", "read_energy", "write_energy", "bandwidth", "area",
                               "network_energy"});
        df::level l;
        const json& n = require_key(x, "name", at + "name");
        if (!n.is_string() || n.get<std::string>().empty())
            fail(at + "name", "a non-empty string", n);
        l.name = n.get<std::string>();
        l.entries = x.contains("entries") ? (x["entries"] == 0 ? 0 : positive(x, at, "entries", 0, std::int64_t(1) << 40)) : 0;
        l.instances = positive(x, at, "instances", 1);
        l.mesh_x = x.contains("mesh_x") ? positive(x, at, "mesh_x", 0) : 0;
        l.word_bits = int_in(x, at, "word_bits", 16, 1, 1024);
        l.read_energy = non_negative(x, at, "read_energy", 0);
        l.write_energy = non_negative(x, at, "write_energy", l.read_energy);
        l.bandwidth = non_negative(x, at, "bandwidth", 0);
        l.area = non_negative(x, at, "area", 0);
        l.network_energy = non_negative(x, at, "network_energy", 0);
        a.levels.push_back(l);
    }
    if (j.contains("mac")) {
        const json& m = j["mac"];
        if (!m.is_object())
            fail("arch.mac", "an object {energy, area, instances, mesh_x}", m);
        refuse_unknown(m, "arch.mac.", {"energy", "area", "instances", "mesh_x"});
        a.mac.energy = non_negative(m, "arch.mac.", "energy", 1);
        a.mac.area = non_negative(m, "arch.mac.", "area", 0);
        a.mac.instances = m.contains("instances") ? positive(m, "arch.mac.", "instances", 0) : 0;
        a.mac.mesh_x = m.contains("mesh_x") ? positive(m, "arch.mac.", "mesh_x", 0) : 0;
    }
    if (j.contains("clock_mhz")) {
        a.clock_mhz = number(j["clock_mhz"], "arch.clock_mhz");
        if (a.clock_mhz <= 0)
            fail("arch.clock_mhz", "a number > 0", j["clock_mhz"]);
    }
    if (j.contains("multicast"))
        a.multicast = read_choice<df::multicast_rule>(j["multicast"], "arch.multicast",
                                                      {{"union", df::multicast_rule::union_of_deltas}, {"equal_deltas", df::multicast_rule::equal_deltas}},
                                                      "\"union\" (default) or \"equal_deltas\" (Timeloop's)");
    if (j.contains("stationary"))
        a.stationary = read_choice<df::stationary_rule>(j["stationary"], "arch.stationary",
                                                        {{"keep_stride", df::stationary_rule::keep_stride}, {"reset_stride", df::stationary_rule::reset_stride}},
                                                        "\"keep_stride\" (default; Timeloop from 2025) or \"reset_stride\" (Timeloop before)");
    if (j.contains("spatial_reduction"))
        a.spatial_reduction = read_choice<df::reduction_rule>(j["spatial_reduction"], "arch.spatial_reduction",
                                                              {{"adder_tree", df::reduction_rule::adder_tree}, {"in_pe", df::reduction_rule::in_pe}},
                                                              "\"adder_tree\" (default; Timeloop's) or \"in_pe\" (a PE adds each received psum, one cycle)");
    try {
        df::validate(a);
    } catch (const nais::invalid_argument& e) {
        throw spec_error(std::string("key 'arch': ") + e.what());
    }
    return a;
}

df::mapping read_mapping(const json& j, const df::architecture& a) {
    if (!j.is_array())
        fail("mapping", "an array of {level, temporal, spatial, keep}, or \"template\" or \"search\"", j);
    df::mapping m;
    m.levels.resize(a.levels.size());
    std::set<std::size_t> seen;
    for (std::size_t k = 0; k < j.size(); ++k) {
        const std::string at = "mapping[" + std::to_string(k) + "].";
        const json& x = j[k];
        if (!x.is_object())
            fail(at.substr(0, at.size() - 1), "an object {level, temporal, spatial, keep}", x);
        refuse_unknown(x, at, {"level", "temporal", "spatial", "keep"});
        const json& name = require_key(x, "level", at + "level");
        std::size_t index = a.levels.size();
        for (std::size_t i = 0; i < a.levels.size(); ++i)
            if (name.is_string() && name.get<std::string>() == a.levels[i].name)
                index = i;
        if (index == a.levels.size())
            fail(at + "level", "the name of an arch level", name);
        if (!seen.insert(index).second)
            throw spec_error("key '" + at + "level': level '" + a.levels[index].name + "' is mapped twice");
        df::level_mapping& lm = m.levels[index];
        if (x.contains("temporal")) {
            const json& t = x["temporal"];
            if (!t.is_array() || t.size() > 64)
                fail(at + "temporal", "an array of [dim, factor] (outermost first)", t);
            for (std::size_t q = 0; q < t.size(); ++q) {
                const std::string key = at + "temporal[" + std::to_string(q) + "]";
                const json& e = array_of(t[q], key, 2, "entries [dim, factor]");
                lm.temporal.push_back({read_dim(e[0], key + "[0]"), std::int64_t(integer_at_least(e[1], key + "[1]", 1))});
            }
        }
        if (x.contains("spatial")) {
            const json& s = x["spatial"];
            if (!s.is_array() || s.size() > 64)
                fail(at + "spatial", "an array of [dim, factor, \"X\" or \"Y\"]", s);
            for (std::size_t q = 0; q < s.size(); ++q) {
                const std::string key = at + "spatial[" + std::to_string(q) + "]";
                const json& e = array_of(s[q], key, 3, "entries [dim, factor, \"X\" or \"Y\"]");
                if (!(e[2] == "X" || e[2] == "Y"))
                    fail(key + "[2]", "\"X\" or \"Y\"", e[2]);
                lm.spatial.push_back({read_dim(e[0], key + "[0]"), std::int64_t(integer_at_least(e[1], key + "[1]", 1)), e[2] == "Y"});
            }
        }
        if (x.contains("keep")) {
            const json& keep = x["keep"];
            if (!keep.is_array() || keep.size() > 3)
                fail(at + "keep", "an array of operand names (\"Weights\", \"Inputs\", \"Outputs\")", keep);
            lm.keep = {false, false, false};
            for (std::size_t q = 0; q < keep.size(); ++q) {
                bool found = false;
                for (int o = 0; o < df::num_operands; ++o)
                    if (keep[q] == df::operand_names[std::size_t(o)]) {
                        lm.keep[std::size_t(o)] = true;
                        found = true;
                    }
                if (!found)
                    fail(at + "keep[" + std::to_string(q) + "]", "\"Weights\", \"Inputs\" or \"Outputs\"", keep[q]);
            }
        }
    }
    return m;
}

/// {"row_stationary": {m, n, e, p, q, r, t}}: Eyeriss's Table III parameters.
df::rs_parameters read_rs_parameters(const json& j) {
    if (!j.is_object() || j.size() != 1 || !j.contains("row_stationary"))
        fail("mapping", "an array of level mappings, {\"row_stationary\": {m, n, e, p, q, r, t}}, \"template\" or \"search\"", j);
    const json& x = j["row_stationary"];
    if (!x.is_object())
        fail("mapping.row_stationary", "an object {m, n, e, p, q, r, t} (Eyeriss's Table III parameters)", x);
    refuse_unknown(x, "mapping.row_stationary.", {"m", "n", "e", "p", "q", "r", "t"});
    df::rs_parameters r;
    for (auto [name, field] : {std::pair{"m", &r.m}, {"n", &r.n}, {"e", &r.e}, {"p", &r.p}, {"q", &r.q}, {"r", &r.r}, {"t", &r.t}}) {
        require_key(x, name, std::string("mapping.row_stationary.") + name);
        *field = positive(x, "mapping.row_stationary.", name, 1);
    }
    return r;
}

json rs_json(const df::rs_parameters& r) { return {{"m", r.m}, {"n", r.n}, {"e", r.e}, {"p", r.p}, {"q", r.q}, {"r", r.r}, {"t", r.t}}; }


/// The PE-array hardware of the template form: dataflow, pe [x, y], rf, buffer, dram_bandwidth, clock_mhz.
df::hardware read_hardware(const json& spec) {
    df::hardware h;
    h.dataflow = read_dataflow(require_key(spec, "dataflow", "dataflow"), "dataflow");
    const json& pe = array_of(require_key(spec, "pe", "pe"), "pe", 2, "integers in [1, 1024] ([x, y])");
    for (std::size_t k = 0; k < 2; ++k)
        if (!pe[k].is_number_integer() || pe[k].get<long long>() < 1 || pe[k].get<long long>() > 1024)
            fail("pe[" + std::to_string(k) + "]", "an integer in [1, 1024]", pe[k]);
    h.pe_x = pe[0].get<long long>();
    h.pe_y = pe[1].get<long long>();
    h.rf_entries = positive(spec, "", "rf", 512, 1 << 20);
    h.buffer_entries = positive(spec, "", "buffer", 65536, std::int64_t(1) << 30);
    h.dram_bandwidth = non_negative(spec, "", "dram_bandwidth", 16);
    if (spec.contains("clock_mhz")) {
        h.clock_mhz = number(spec["clock_mhz"], "clock_mhz");
        if (h.clock_mhz <= 0)
            fail("clock_mhz", "a number > 0", spec["clock_mhz"]);
    }
    return h;
}


json mapping_json(const df::architecture& a, const df::mapping& m) {
    json out = json::array();
    for (std::size_t i = 0; i < m.levels.size(); ++i) {
        json t = json::array(), s = json::array(), keep = json::array();
        for (const auto& x : m.levels[i].temporal)
            if (x.factor > 1)
                t.push_back({df::dim_names[std::size_t(x.d)], x.factor});
        for (const auto& x : m.levels[i].spatial)
            if (x.factor > 1)
                s.push_back({df::dim_names[std::size_t(x.d)], x.factor, x.y ? "Y" : "X"});
        for (int o = 0; o < df::num_operands; ++o)
            if (m.levels[i].keep[std::size_t(o)])
                keep.push_back(df::operand_names[std::size_t(o)]);
        out.push_back({{"level", a.levels[i].name}, {"temporal", t}, {"spatial", s}, {"keep", keep}});
    }
    return out;
}

json layer_result(const df::layer& l, const df::architecture& a, const df::mapping& m, const df::evaluation& ev) {
    json acc = json::object(), energy = json::object();
    for (std::size_t i = 0; i < ev.levels.size(); ++i) {
        json per = json::object();
        for (int o = 0; o < df::num_operands; ++o) {
            const df::access_counts& c = ev.levels[i].accesses[std::size_t(o)];
            per[df::operand_names[std::size_t(o)]] = {{"reads", c.reads}, {"fills", c.fills}, {"updates", c.updates}};
        }
        acc[ev.levels[i].name] = per;
        energy[ev.levels[i].name] = ev.levels[i].energy;
    }
    energy["MAC"] = ev.mac_energy;
    return {{"layer", l.name},
            {"cycles", ev.cycles},
            {"compute_cycles", ev.compute_cycles},
            {"reduction_cycles", ev.reduction_cycles},
            {"latency_ms", ev.seconds(a) * 1e3},
            {"energy", ev.energy},
            {"energy_by_level", energy},
            {"area", ev.area},
            {"utilization", ev.utilization},
            {"active_macs", ev.utilized_macs},
            {"macs", ev.macs},
            {"accesses", acc},
            {"mapping", mapping_json(a, m)},
            {"padded", m.padded}};
}

json exports(const json& spec, const df::layer& l, const df::architecture& a, const df::mapping& m) {
    json out = json::object();
    if (!spec.contains("export"))
        return out;
    const json& e = spec["export"];
    if (!e.is_array() || e.size() > 2)
        fail("export", "an array of \"timeloop\" and / or \"maestro\"", e);
    for (std::size_t k = 0; k < e.size(); ++k) {
        if (e[k] == "timeloop") {
            try {
                out["timeloop"] = {{"problem", df::timeloop_problem(l)}, {"arch", df::timeloop_arch(a)}, {"mapping", df::timeloop_mapping(a, m)}};
            } catch (const nais::invalid_argument& x) {
                throw spec_error(std::string("key 'export': ") + x.what());
            }
        } else if (e[k] == "maestro") {
            out["maestro"] = df::maestro_layer(l);
        } else {
            fail("export[" + std::to_string(k) + "]", "\"timeloop\" or \"maestro\"", e[k]);
        }
    }
    return out;
}

}  // namespace

json evaluate_dataflow(const json& spec, const std::string& base_dir) {
    const bool one_layer = spec.contains("layer");
    const df::objective obj{df::objective_kind::edp};
    if (one_layer) {
        refuse_unknown(spec, "", {"device", "layer", "arch", "mapping", "export", "dataflow", "pe", "rf", "buffer", "dram_bandwidth", "clock_mhz",
                                  "energy_table", "search_limit"});
        const df::layer l = read_layer(spec["layer"]);
        const json& mj = require_key(spec, "mapping", "mapping");
        df::architecture a;
        df::mapping m;
        json extra = json::object(), out_rs;
        if (mj.is_string() && !spec.contains("arch")) {
            if (mj != "template" && mj != "search")
                fail("mapping", "an array of level mappings, {\"row_stationary\": {...}}, \"template\" or \"search\"", mj);
            const df::hardware h = read_hardware(spec);
            a = df::make_architecture(h, read_energy_table(spec));
            if (mj == "template") {
                m = df::template_mapping(l, h);
            } else {
                const int limit = int_in(spec, "", "search_limit", 1'000, 1, 100'000'000);  // about 5 ms; more on request
                const df::mapping_choice c = df::search_mapping(l, h, obj, read_energy_table(spec), {}, limit);
                m = c.map;
                extra = {{"analysed", c.analysed}, {"bound_cuts", c.bound_cuts}, {"complete", c.complete}, {"objective", "edp"}};
            }
        } else {
            for (const char* k : {"dataflow", "pe", "rf", "buffer", "dram_bandwidth", "clock_mhz", "energy_table", "search_limit"})
                if (spec.contains(k))
                    throw spec_error(std::string("key '") + k + "': only with \"mapping\": \"template\" or \"search\" and no \"arch\" (an arch comes with its own)");
            a = read_arch(require_key(spec, "arch", "arch"));
            if (mj.is_array()) {
                m = read_mapping(mj, a);
            } else if (mj == "search" || mj.is_object()) {  // Eyeriss's row-stationary form
                if (a.levels.size() != 5)
                    throw spec_error("key 'mapping': the row-stationary form needs an Eyeriss-like arch of five levels (DRAM, buffer, ifmap, filter "
                                     "and psum pads; \"arch\": \"eyeriss\"), this one has " + std::to_string(a.levels.size()));
                try {
                    if (mj == "search") {
                        const df::rs_choice c = df::search_row_stationary(l, a);
                        m = df::row_stationary_mapping(l, a, c.parameters);
                        extra = {{"feasible", c.feasible}, {"analysed", c.analysed}, {"objective", "cycles, then energy"}};
                        out_rs = rs_json(c.parameters);
                    } else {
                        const df::rs_parameters r = read_rs_parameters(mj);
                        m = df::row_stationary_mapping(l, a, r);
                        out_rs = rs_json(r);
                    }
                } catch (const nais::invalid_argument& e) {
                    throw spec_error(std::string("key 'mapping': ") + e.what());
                }
            } else {
                fail("mapping", mj.is_string() ? "with \"arch\": an array of level mappings, {\"row_stationary\": {...}} or \"search\""
                                               : "an array of level mappings, {\"row_stationary\": {...}}, \"template\" or \"search\"",
                     mj);
            }
        }
        json out = layer_result(l, a, m, df::evaluate(l, a, m));
        out["device"] = "dataflow";
        if (!extra.empty())
            out["search"] = extra;
        if (!out_rs.is_null())
            out["row_stationary"] = out_rs;
        const json exported = exports(spec, l, a, m);  // named: items() of a temporary would dangle
        for (const auto& [k, v] : exported.items())
            out[k] = v;
        return out;
    }
    refuse_unknown(spec, "", {"device", "model", "network", "dataflow", "pe", "rf", "buffer", "dram_bandwidth", "clock_mhz", "energy_table", "bits"});
    const nais::net::network n = read_model_or_network(spec, base_dir);
    const df::hardware h = read_hardware(spec);
    const df::architecture a = df::make_architecture(h, read_energy_table(spec));
    const auto layers = df::layers_of(nais::net::analyze(n), read_bits(spec, ""));
    if (layers.empty())
        throw spec_error("key 'network': the network has no conv or fc layer to map");
    json rows = json::array();
    double cycles = 0, energy = 0, macs = 0;
    for (const df::layer& l : layers) {
        const df::mapping m = df::template_mapping(l, h);
        const df::evaluation ev = df::evaluate(l, a, m);
        rows.push_back({{"layer", l.name}, {"cycles", ev.cycles}, {"energy", ev.energy}, {"utilization", ev.utilization}, {"macs", ev.macs}});
        cycles += ev.cycles;
        energy += ev.energy;
        macs += ev.macs;
    }
    return {{"device", "dataflow"},
            {"network", n.name},
            {"hardware", {{"dataflow", df::dataflow_names[std::size_t(h.dataflow)]}, {"pe", {h.pe_x, h.pe_y}}, {"rf", h.rf_entries}, {"buffer", h.buffer_entries}}},
            {"layers", rows},
            {"cycles", cycles},
            {"latency_ms", cycles / (a.clock_mhz * 1e3)},
            {"energy", energy},
            {"area", df::area_of(a)},
            {"macs", macs},
            {"utilization", macs / (cycles * double(a.mac_instances()))}};
}

}  // namespace nais_eval::detail

namespace nais_eval {

device_entry dataflow_device() {
    return composed_device("dataflow",
                           "DANCE's PE-array dataflow accelerators with Timeloop's conventions: a layer or a network on a "
                           "mapping, or a space co-searched with the hardware",
                           &detail::open_dataflow<nais::runtime_space>, &detail::open_dataflow<nais::layered_space>,
                           &detail::evaluate_dataflow);
}

}  // namespace nais_eval
