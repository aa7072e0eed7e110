// nais-bundle's spec (README: nais-bundle). Every key is optional; the defaults are SkyNet's IPs on
// an Ultra96:
//   "device":  {"name", "dsp", "bram18", "lut", "clock_mhz", "ddr_bits", "overlap_loads",
//               "lut_per_multiplier", "lut_per_ip"}
//   "design":  {"channels", "inputs", "rows", "cols", "halo", "dw_ii", "pw_ii", "pool_ii",
//               "images_per_side", "fm_buffers", "acc_buffers", "weight_buffers", "axi_bits",
//               "axi_outstanding", "axi_burst"}
//   "bits":    {"fm", "acc", "weight", "lane"}
//   "grid":    {"channels": [...], "inputs": [...], "rows": [...], "cols": [...]}   (design search)
//   "evaluate": {"model": "skynet" | "network": {...} or "file.json", "search": false}
//   "bundles": {"max_layers": 3 | "list": ["dw3x3+pw1x1", ...],
//               "probe": {"input": [c, h, w], "repeats", "pools", "base_width", "max_width", "head_channels"}}
//   "grow":    {"bundle": "dw3x3+pw1x1", "target_ms", "repeats": [...], "widths": [...], "pools",
//               "input": [c, h, w], "head_channels"}
// The accuracy cost is nais's documented stand-in (bundle::capacity_standin).
#include "bundle_reader.hpp"

#include <svg.hpp>

#include <cstdio>
#include <iomanip>
#include <sstream>

namespace nais_eval {

namespace {

namespace bundle = nais::bundle;

using nais_json::detail::flag;
using nais_json::detail::int_in;

const json& object_key(const json& spec, const char* key, const std::string& fields) {
    const json& o = spec[key];
    if (!o.is_object())
        detail::fail(key, "an object {" + fields + "}", o);
    return o;
}

nais::net::tensor_shape shape_of(const json& j, const std::string& at) {
    detail::array_of(j, at, 3, "positive integers [channels, height, width]");
    return {detail::integer_at_least(j[0], at + "[0]", 1), detail::integer_at_least(j[1], at + "[1]", 1),
            detail::integer_at_least(j[2], at + "[2]", 1)};
}

bundle::bundle_spec bundle_of(const json& j, const std::string& at) {
    if (!j.is_string())
        detail::fail(at, "a bundle name such as \"dw3x3+pw1x1\" (layers conv3x3, pw1x1, dw3x3, dw5x5 joined by '+')", j);
    const std::string s = j.get<std::string>();
    bundle::bundle_spec b;
    std::size_t start = 0;
    while (start <= s.size()) {
        const std::size_t end = std::min(s.find('+', start), s.size());
        const std::string part = s.substr(start, end - start);
        bool known = false;
        for (auto o : {bundle::bundle_op::conv3x3, bundle::bundle_op::conv1x1, bundle::bundle_op::dw3x3, bundle::bundle_op::dw5x5})
            if (part == bundle::name_of(o)) {
                b.ops.push_back(o);
                known = true;
            }
        if (!known)
            throw spec_error("key '" + at + "': '" + nais::detail::one_line(part) +
                             "' is not a bundle layer (conv3x3, pw1x1, dw3x3, dw5x5)");
        start = end + 1;
    }
    if (b.ops.size() > 5)
        throw spec_error("key '" + at + "': a bundle has at most 5 layers");
    // the bundle's own rules (mixes channels, ends with a mixing layer), named by the key
    try {
        (void)bundle::bundle_layers(b, "b", 3, 8, false);
    } catch (const std::exception& e) {
        throw spec_error("key '" + at + "': " + nais::detail::message_of(e));
    }
    return b;
}

json design_json(const bundle::design& d) {
    return {{"channels", d.channels}, {"inputs", d.inputs}, {"rows", d.rows}, {"cols", d.cols}, {"halo", d.halo},
            {"dw_ii", d.dw_ii},       {"pw_ii", d.pw_ii},   {"pool_ii", d.pool_ii}, {"images_per_side", d.images_per_side}};
}
json resources_json(const bundle::resources& r) { return {{"dsp", r.dsp}, {"bram18", r.bram18}, {"lut", r.lut}}; }
json ips_json(const std::vector<bundle::ip>& ips) {
    json a = json::array();
    for (const auto& u : ips)
        a.push_back(bundle::name_of(u));
    return a;
}
json report_json(const bundle::network_report& r, const bundle::design& d) {
    json layers = json::array();
    for (const auto& l : r.layers)
        if (l.unit != "fused")
            layers.push_back({{"name", l.name}, {"ip", l.unit}, {"calls", l.calls}, {"cycles", l.cycles}});
    return {{"design", design_json(d)}, {"cycles", r.cycles},       {"ms", r.ms},
            {"fps", r.fps},             {"ips", ips_json(r.ips)}, {"used", resources_json(r.used)},
            {"feasible", r.feasible},   {"violation", r.violation}, {"layers", std::move(layers)}};
}

}  // namespace

json bundle_report_json(const bundle::network_report& r, const bundle::design& d) { return report_json(r, d); }

void read_bundle_device(const json& spec, const std::string& key, bundle::device& dev) {
    const json& d = object_key(spec, key.c_str(), "name, dsp, bram18, lut, clock_mhz, ddr_bits, overlap_loads, ...");
    const std::string at = key + ".";
    detail::refuse_unknown(d, at, {"name", "dsp", "bram18", "lut", "clock_mhz", "ddr_bits", "overlap_loads",
                                   "lut_per_multiplier", "lut_per_ip"});
    if (const auto n = d.find("name"); n != d.end()) {
        if (!n->is_string())
            detail::fail(at + "name", "a string", *n);
        dev.name = nais::detail::one_line(n->get<std::string>());
    }
    dev.dsp = int_in(d, at, "dsp", dev.dsp, 1, 1 << 20);
    dev.bram18 = int_in(d, at, "bram18", dev.bram18, 1, 1 << 20);
    dev.lut = int_in(d, at, "lut", dev.lut, 1, 1 << 26);
    dev.ddr_bits = int_in(d, at, "ddr_bits", dev.ddr_bits, 8, 8192);
    dev.lut_per_multiplier = int_in(d, at, "lut_per_multiplier", dev.lut_per_multiplier, 0, 100000);
    dev.lut_per_ip = int_in(d, at, "lut_per_ip", dev.lut_per_ip, 0, 1000000);
    dev.overlap_loads = flag(d, at, "overlap_loads", dev.overlap_loads);
    if (const auto c = d.find("clock_mhz"); c != d.end()) {
        dev.clock_mhz = detail::number(*c, at + "clock_mhz");
        if (dev.clock_mhz <= 0 || dev.clock_mhz > 1e5)
            detail::fail(at + "clock_mhz", "a number in (0, 1e5]", *c);
    }
}

void read_bundle_design(const json& spec, const std::string& key, bundle::design& x) {
    const json& d = object_key(spec, key.c_str(), "channels, inputs, rows, cols, halo, dw_ii, pw_ii, pool_ii, ...");
    const std::string at = key + ".";
    detail::refuse_unknown(d, at, {"channels", "inputs", "rows", "cols", "halo", "dw_ii", "pw_ii", "pool_ii", "images_per_side",
                                   "fm_buffers", "acc_buffers", "weight_buffers", "axi_bits", "axi_outstanding", "axi_burst"});
    x.channels = int_in(d, at, "channels", x.channels, 1, 1024);
    x.inputs = int_in(d, at, "inputs", x.inputs, 1, 1024);
    x.halo = int_in(d, at, "halo", x.halo, 0, 8);
    x.rows = int_in(d, at, "rows", x.rows, 1, 4096);
    x.cols = int_in(d, at, "cols", x.cols, 1, 4096);
    x.dw_ii = int_in(d, at, "dw_ii", x.dw_ii, 1, 64);
    x.pw_ii = int_in(d, at, "pw_ii", x.pw_ii, 1, 64);
    x.pool_ii = int_in(d, at, "pool_ii", x.pool_ii, 1, 64);
    x.images_per_side = int_in(d, at, "images_per_side", x.images_per_side, 1, 16);
    x.fm_buffers = int_in(d, at, "fm_buffers", x.fm_buffers, 1, 16);
    x.acc_buffers = int_in(d, at, "acc_buffers", x.acc_buffers, 0, 16);
    x.weight_buffers = int_in(d, at, "weight_buffers", x.weight_buffers, 1, 16);
    x.axi_bits = int_in(d, at, "axi_bits", x.axi_bits, 8, 4096);
    x.axi_outstanding = int_in(d, at, "axi_outstanding", x.axi_outstanding, 0, 64);
    x.axi_burst = int_in(d, at, "axi_burst", x.axi_burst, 1, 256);
    if (x.inputs > x.channels)
        throw spec_error("key '" + at + "inputs': must be at most " + at + "channels (" + std::to_string(x.channels) + ")");
    if (x.rows <= 2 * x.halo || x.cols <= 2 * x.halo)
        throw spec_error("key '" + at + "rows': rows and cols must exceed 2 halo (" + std::to_string(2 * x.halo) + ")");
}

void read_bundle_precision(const json& spec, const std::string& key, bundle::precision& p) {
    const json& b = object_key(spec, key.c_str(), "fm, acc, weight, lane");
    const std::string at = key + ".";
    detail::refuse_unknown(b, at, {"fm", "acc", "weight", "lane"});
    p.fm_bits = int_in(b, at, "fm", p.fm_bits, 1, 32);
    p.acc_bits = int_in(b, at, "acc", p.acc_bits, 1, 64);
    p.weight_bits = int_in(b, at, "weight", p.weight_bits, 1, 32);
    p.lane_bits = int_in(b, at, "lane", p.lane_bits, 1, 64);
    if (p.lane_bits < p.fm_bits)
        throw spec_error("key '" + at + "lane': a DDR lane must hold a feature-map word (>= " + at + "fm = " +
                         std::to_string(p.fm_bits) + ")");
}

bundle_job read_bundle_text(const std::string& text, const std::string& base_dir) {
    const json spec = nais_json::parse(text);
    if (!spec.is_object())
        throw spec_error("the spec must be a JSON object, got " + detail::type_name(spec));
    detail::refuse_unknown(spec, "", {"device", "design", "bits", "grid", "evaluate", "bundles", "grow"});
    if (!spec.contains("evaluate") && !spec.contains("bundles") && !spec.contains("grow"))
        throw spec_error("the spec has no task: give \"evaluate\", \"bundles\" or \"grow\"");
    bundle_job job;
    if (spec.contains("device"))
        read_bundle_device(spec, "device", job.device);
    if (spec.contains("design"))
        read_bundle_design(spec, "design", job.design);
    if (spec.contains("bits"))
        read_bundle_precision(spec, "bits", job.bits);
    if (spec.contains("grid")) {
        const json& g = object_key(spec, "grid", "channels, inputs, rows, cols: lists");
        detail::refuse_unknown(g, "grid.", {"channels", "inputs", "rows", "cols"});
        auto& grid = job.grid;
        if (g.contains("channels"))
            grid.channels = detail::int_list(g["channels"], "grid.channels", 1, 1024);
        if (g.contains("inputs"))
            grid.inputs = detail::int_list(g["inputs"], "grid.inputs", 1, 1024);
        if (g.contains("rows"))
            grid.rows = detail::int_list(g["rows"], "grid.rows", 1, 4096);
        if (g.contains("cols"))
            grid.cols = detail::int_list(g["cols"], "grid.cols", 1, 4096);
    }
    if (spec.contains("evaluate")) {
        const json& e = object_key(spec, "evaluate", "model or network, search");
        detail::refuse_unknown(e, "evaluate.", {"model", "network", "search"});
        try {
            job.evaluate = detail::read_model_or_network(e, base_dir);
        } catch (const spec_error& err) {
            const std::string m = err.what();
            const auto q = m.find("key '");
            throw spec_error(q == std::string::npos ? "key 'evaluate': " + m : m.substr(0, q + 5) + "evaluate." + m.substr(q + 5));
        }
        job.evaluate_search = flag(e, "evaluate.", "search", false);
    }
    if (spec.contains("bundles")) {
        const json& b = object_key(spec, "bundles", "max_layers or list, probe");
        detail::refuse_unknown(b, "bundles.", {"max_layers", "list", "probe"});
        if (b.contains("max_layers") && b.contains("list"))
            throw spec_error("key 'bundles.list': give \"max_layers\" (enumerate) or \"list\", not both");
        if (const auto l = b.find("list"); l != b.end()) {
            if (!l->is_array() || l->empty() || l->size() > 1000)
                detail::fail("bundles.list", "a list of 1 to 1000 bundle names", *l);
            for (std::size_t k = 0; k < l->size(); ++k)
                job.bundles.push_back(bundle_of((*l)[k], "bundles.list[" + std::to_string(k) + "]"));
        } else {
            job.bundles = bundle::enumerate_bundles(int_in(b, "bundles.", "max_layers", 3, 1, 4));
        }
        if (const auto p = b.find("probe"); p != b.end()) {
            if (!p->is_object())
                detail::fail("bundles.probe", "an object {input, repeats, pools, base_width, max_width, head_channels}", *p);
            detail::refuse_unknown(*p, "bundles.probe.", {"input", "repeats", "pools", "base_width", "max_width", "head_channels"});
            auto& o = job.probe;
            if (p->contains("input"))
                o.input = shape_of((*p)["input"], "bundles.probe.input");
            o.repeats = int_in(*p, "bundles.probe.", "repeats", o.repeats, 1, 32);
            o.pools = int_in(*p, "bundles.probe.", "pools", o.pools, 0, o.repeats);
            o.base_width = int_in(*p, "bundles.probe.", "base_width", int(o.base_width), 1, 65536);
            o.max_width = int_in(*p, "bundles.probe.", "max_width", int(std::max(o.max_width, o.base_width)), int(o.base_width), 65536);
            o.head_channels = int_in(*p, "bundles.probe.", "head_channels", int(o.head_channels), 1, 65536);
        }
    }
    if (spec.contains("grow")) {
        const json& g = object_key(spec, "grow", "bundle, target_ms, repeats, widths, pools, input, head_channels");
        detail::refuse_unknown(g, "grow.", {"bundle", "target_ms", "repeats", "widths", "pools", "input", "head_channels"});
        job.grow_bundle = g.contains("bundle") ? bundle_of(g["bundle"], "grow.bundle")
                                               : bundle::bundle_spec{{bundle::bundle_op::dw3x3, bundle::bundle_op::conv1x1}};
        auto& o = job.growth;
        const json& t = detail::require_key(g, "target_ms", "grow.target_ms");
        o.target_ms = detail::number(t, "grow.target_ms");
        if (o.target_ms <= 0 || o.target_ms > 1e9)
            detail::fail("grow.target_ms", "a number of ms in (0, 1e9]", t);
        if (g.contains("repeats"))
            o.repeats = detail::int_list(g["repeats"], "grow.repeats", 1, 12);
        if (g.contains("widths")) {
            const std::vector<int> w = detail::int_list(g["widths"], "grow.widths", 1, 65536);
            o.widths.assign(w.begin(), w.end());
            for (std::size_t k = 1; k < w.size(); ++k)
                if (w[k] <= w[k - 1])
                    throw spec_error("key 'grow.widths': must be strictly increasing");
        }
        const int fewest = *std::min_element(o.repeats.begin(), o.repeats.end());
        o.pools = int_in(g, "grow.", "pools", std::min(o.pools, fewest), 0, fewest);
        if (g.contains("input"))
            o.input = shape_of(g["input"], "grow.input");
        o.head_channels = int_in(g, "grow.", "head_channels", int(o.head_channels), 1, 65536);
        // the space's size: sum over n of C(|widths| + n - 1, n) C(n, pools)
        double size = 0;
        for (int n : o.repeats) {
            double c = 1;
            for (int k = 1; k <= n; ++k)
                c = c * double(o.widths.size() + std::size_t(k) - 1) / k;
            double p = 1;
            for (int k = 1; k <= o.pools; ++k)
                p = p * double(n - o.pools + k) / k;
            size += c * p;
        }
        if (size > 2e5)
            throw spec_error("key 'grow': the growth space has " + std::to_string(static_cast<long long>(size)) +
                             " networks; at most 200000 (fewer repeats or widths)");
    }
    return job;
}

json run_bundle(const bundle_job& job) {
    json out;
    out["device"] = {{"name", job.device.name},   {"dsp", job.device.dsp},           {"bram18", job.device.bram18},
                     {"lut", job.device.lut},     {"clock_mhz", job.device.clock_mhz}, {"ddr_bits", job.device.ddr_bits},
                     {"overlap_loads", job.device.overlap_loads}};
    if (job.evaluate) {
        const auto layers = bundle::workloads(*job.evaluate);
        const auto a = nais::net::analyze(*job.evaluate);
        json e = report_json(bundle::evaluate(layers, job.design, job.bits, job.device), job.design);
        e["network"] = job.evaluate->name;
        e["macs"] = a.macs;
        e["params"] = a.params;
        if (job.evaluate_search) {
            const auto s = bundle::search_design(layers, job.design, job.bits, job.device, job.grid);
            if (!s.found)
                throw spec_error("key 'grid': no design of the grid fits the device");
            e["searched"] = report_json(s.report, s.best);
            e["searched"]["designs_evaluated"] = s.evaluated;
        }
        out["evaluate"] = std::move(e);
    }
    if (!job.bundles.empty()) {
        const auto results = bundle::evaluate_bundles(job.bundles, job.probe, bundle::capacity_standin, job.design, job.bits,
                                                      job.device, job.grid);
        json list = json::array();
        for (const auto& r : results) {
            json b = {{"bundle", r.name},         {"feasible", r.feasible}, {"accuracy_cost", r.accuracy_cost},
                      {"macs", r.macs},           {"params", r.params},     {"ips", ips_json(r.ips)},
                      {"pareto", r.pareto}};
            if (r.feasible) {
                b["ms"] = r.ms;
                b["design"] = design_json(r.best);
                b["used"] = resources_json(r.used);
                b["resource_share"] = r.resource_share;
            }
            list.push_back(std::move(b));
        }
        out["bundles"] = {{"probe",
                           {{"input", {job.probe.input.c, job.probe.input.h, job.probe.input.w}},
                            {"repeats", job.probe.repeats},
                            {"pools", job.probe.pools},
                            {"base_width", job.probe.base_width},
                            {"max_width", job.probe.max_width}}},
                          {"ranked", std::move(list)}};
    }
    if (job.grow_bundle) {
        const auto g = bundle::grow(*job.grow_bundle, job.growth, bundle::capacity_standin, job.design, job.bits, job.device,
                                    job.grid);
        json r = {{"bundle", bundle::name_of(*job.grow_bundle)},
                  {"target_ms", job.growth.target_ms},
                  {"found", g.found},
                  {"candidates", g.candidates},
                  {"searched", g.searched}};
        if (g.found) {
            json widths = json::array(), pools = json::array();
            for (std::size_t k = 0; k < g.best.widths.size(); ++k) {
                widths.push_back(g.best.widths[k]);
                pools.push_back(bool(g.best.pool_after[k]));
            }
            const auto a = nais::net::analyze(g.best.network);
            r["widths"] = std::move(widths);
            r["pool_after"] = std::move(pools);
            r["accuracy_cost"] = g.best.accuracy_cost;
            r["macs"] = a.macs;
            r["params"] = a.params;
            r["network"] = report_json(g.best.report, g.best.best);
        }
        out["grow"] = std::move(r);
    }
    return out;
}

std::string bundle_tables(const json& r) {
    std::ostringstream os;
    os << std::fixed << std::setprecision(3);
    const json& d = r["device"];
    os << "device " << d["name"].get<std::string>() << ": " << d["dsp"] << " DSP, " << d["bram18"] << " BRAM18, " << d["lut"]
       << " LUT, " << std::setprecision(0) << d["clock_mhz"].get<double>() << " MHz, " << d["ddr_bits"] << " DDR bits/cycle\n"
       << std::setprecision(3);
    const auto design_text = [](const json& x) {
        std::ostringstream t;
        t << "Pc " << x["channels"] << ", Pi " << x["inputs"] << ", tile " << x["rows"] << "x" << x["cols"];
        return t.str();
    };
    const auto network_table = [&](const json& n) {
        os << "  " << design_text(n["design"]) << ": " << n["ms"].get<double>() << " ms/image (" << std::setprecision(2)
           << n["fps"].get<double>() << " FPS), " << n["used"]["dsp"] << " DSP, " << n["used"]["bram18"] << " BRAM18, ~"
           << n["used"]["lut"] << " LUT";
        if (!n["feasible"].get<bool>())
            os << "; over the device: " << n["violation"].get<std::string>();
        os << std::setprecision(3) << "\n";
        os << "  " << std::left << std::setw(24) << "layer" << std::setw(10) << "ip" << std::right << std::setw(8) << "calls"
           << std::setw(12) << "cycles" << std::setw(10) << "ms" << "\n";
        const double clock = d["clock_mhz"].get<double>();
        for (const auto& l : n["layers"])
            os << "  " << std::left << std::setw(24) << l["name"].get<std::string>() << std::setw(10) << l["ip"].get<std::string>()
               << std::right << std::setw(8) << std::setprecision(0) << l["calls"].get<double>() << std::setw(12)
               << l["cycles"].get<double>() << std::setw(10) << std::setprecision(3) << l["cycles"].get<double>() / (clock * 1e3)
               << "\n";
    };
    if (r.contains("evaluate")) {
        const json& e = r["evaluate"];
        os << "\n" << e["network"].get<std::string>() << ": " << std::setprecision(1) << e["macs"].get<double>() / 1e6
           << " M MACs, " << e["params"].get<double>() / 1e3 << " k parameters" << std::setprecision(3) << "\n";
        network_table(e);
        if (e.contains("searched")) {
            os << "best design of the grid (" << e["searched"]["designs_evaluated"] << " evaluated):\n";
            network_table(e["searched"]);
        }
    }
    if (r.contains("bundles")) {
        const json& p = r["bundles"]["probe"];
        os << "\nbundles on probe networks (" << p["repeats"] << " repeats, " << p["pools"] << " pools, widths "
           << p["base_width"] << " to " << p["max_width"] << "), fastest first; * = Pareto (accuracy cost, ms, resources)\n";
        os << std::left << std::setw(28) << "bundle" << std::right << std::setw(10) << "ms" << std::setw(10) << "acc cost"
           << std::setw(8) << "DSP" << std::setw(8) << "BRAM18" << std::setw(8) << "share" << std::setw(10) << "M MACs"
           << "  design\n";
        for (const auto& b : r["bundles"]["ranked"]) {
            os << (b["pareto"].get<bool>() ? "* " : "  ") << std::left << std::setw(26) << b["bundle"].get<std::string>()
               << std::right;
            if (!b["feasible"].get<bool>()) {
                os << std::setw(10) << "-" << std::setw(10) << b["accuracy_cost"].get<double>() << "  no design fits\n";
                continue;
            }
            os << std::setw(10) << b["ms"].get<double>() << std::setw(10) << b["accuracy_cost"].get<double>() << std::setw(8)
               << b["used"]["dsp"].get<long long>() << std::setw(8) << b["used"]["bram18"].get<long long>() << std::setw(8) << std::setprecision(2)
               << b["resource_share"].get<double>() << std::setw(10) << std::setprecision(1) << b["macs"].get<double>() / 1e6
               << std::setprecision(3) << "  " << design_text(b["design"]) << "\n";
        }
    }
    if (r.contains("grow")) {
        const json& g = r["grow"];
        os << "\ngrowth from " << g["bundle"].get<std::string>() << " for " << g["target_ms"].get<double>() << " ms: ";
        if (!g["found"].get<bool>()) {
            os << "no network of the space meets the target (" << g["candidates"] << " networks searched)\n";
            return os.str();
        }
        os << "accuracy cost " << g["accuracy_cost"].get<double>() << ", " << std::setprecision(1) << g["macs"].get<double>() / 1e6
           << " M MACs; " << g["searched"] << " of " << g["candidates"] << " networks searched (the rest pruned by cost)\n"
           << std::setprecision(3) << "  widths";
        for (std::size_t k = 0; k < g["widths"].size(); ++k)
            os << " " << g["widths"][k] << (g["pool_after"][k].get<bool>() ? "+pool" : "");
        os << "\n";
        network_table(g["network"]);
    }
    return os.str();
}

std::string bundle_pareto_svg(const json& r) {
    if (!r.contains("bundles"))
        throw spec_error("--svg: the spec has no \"bundles\" task to plot");
    std::vector<const json*> pts;
    std::vector<double> xs, ys;
    for (const auto& b : r["bundles"]["ranked"])
        if (b["feasible"].get<bool>()) {
            pts.push_back(&b);
            xs.push_back(b["ms"].get<double>());
            ys.push_back(b["accuracy_cost"].get<double>());
        }
    // latency on a log axis (bundles span orders of magnitude)
    nais_svg::chart c(820, 520, nais_svg::axis::fit(xs, true, "probe latency (ms per image, log scale)", 0.1),
                      nais_svg::axis::fit(ys, false, "accuracy cost (stand-in)", 0.08),
                      "Bundles on probe networks (" + std::to_string(pts.size()) + " fit the device)",
                      "filled: Pareto over (accuracy cost, ms, resources); area: resource share", 80, 40, 60, 60);
    struct box {
        double x0, y0, x1, y1;
    };
    std::vector<box> placed;
    const auto free_at = [&](const box& b) {
        if (b.x0 < c.left() || b.x1 > 820 - 2 || b.y0 < c.top() - 8)
            return false;
        for (const box& o : placed)
            if (b.x0 < o.x1 && o.x0 < b.x1 && b.y0 < o.y1 && o.y0 < b.y1)
                return false;
        return true;
    };
    for (const json* b : pts) {  // markers first, then labels where they do not overlap
        const double x = c.sx((*b)["ms"].get<double>()), y = c.sy((*b)["accuracy_cost"].get<double>());
        const double radius = 3 + 7 * std::sqrt(std::clamp((*b)["resource_share"].get<double>(), 0.0, 1.0));
        c.raw().circle(x, y, radius, (*b)["pareto"].get<bool>() ? "#1f5fbf" : "none", "fill-opacity=\"0.55\" stroke=\"#1f5fbf\"");
        placed.push_back({x - radius, y - radius, x + radius, y + radius});  // labels keep off the markers
    }
    for (const json* b : pts) {
        if (!(*b)["pareto"].get<bool>())
            continue;
        const double x = c.sx((*b)["ms"].get<double>()), y = c.sy((*b)["accuracy_cost"].get<double>());
        const std::string name = (*b)["bundle"].get<std::string>();
        const double w = 7.2 * double(name.size()), h = 12;
        for (const box& b2 : {box{x + 11, y - h - 2, x + 11 + w, y - 2}, box{x - 11 - w, y - h - 2, x - 11, y - 2},
                              box{x + 11, y + 2, x + 11 + w, y + 2 + h}, box{x - 11 - w, y + 2, x - 11, y + 2 + h}}) {
            if (!free_at(b2))
                continue;
            placed.push_back(b2);
            c.raw().text(b2.x0, b2.y1 - 2, name);
            break;
        }
    }
    return c.str();
}

}  // namespace nais_eval
