// nais-hotnas's spec and report (README: nais-hotnas): the tiled template's keys (tiled_spec.hpp)
// plus
//   "target_ms": 8                         a hot start to this latency (without it: design search only)
//   "hot_start": {"channel_cuts": [1, 2, 3], "pattern_zeros": [1, 2, 3, 4], "weight_bits": [12, 8],
//                 "by_class": true, "max_rounds": 4,
//                 "search": "knapsack" or "gradient", "steps": 300, "attempts": 3, "seed": 1}
//   "accuracy_cost": {"channel": 1, "pattern": 0.5, "quantize": 0.25, "layers": {"name": 2.0},
//                     "interaction": 0}
// The accuracy cost is nais's stand-in (tiled::weighted_standin_cost) with each technique's weight
// and a per-layer sensitivity factor (default 1), e.g. measured by fine-tuning each layer once.
// "interaction" > 0 makes it non-additive (tiled::interacting_standin: neighbouring compressed
// units compound), which the knapsack cannot take: the search is then "gradient"
// (tiled::hot_start_gradient), the default for it; "steps", "attempts" and "seed" belong to it.
#include "tiled_reader.hpp"

#include <chrono>
#include <iomanip>
#include <sstream>

namespace nais_eval {

namespace {

double weight(const json& obj, const char* name, const std::string& at, double fallback) {
    const auto it = obj.find(name);
    if (it == obj.end())
        return fallback;
    const double w = detail::number(*it, at + name);
    if (w < 0 || w > 1e12)
        detail::fail(at + name, "a number in [0, 1e12]", *it);
    return w;
}

using detail::tiled_design_json;
using detail::tiled_resources_json;

}  // namespace

double hotnas_job::accuracy_cost(const nais::tiled::workload& l, const nais::tiled::compression_choice& c) const {
    const auto it = layer_sensitivity.find(l.name);
    return nais::tiled::weighted_standin_cost(l, c, weights) * (it == layer_sensitivity.end() ? 1.0 : it->second);
}

hotnas_job read_hotnas_text(const std::string& text, const std::string& base_dir) {
    const json spec = nais_json::parse(text);
    if (!spec.is_object())
        throw spec_error("the spec must be a JSON object, got " + detail::type_name(spec));
    hotnas_job job;
    job.setting = detail::read_tiled_setting(spec, base_dir,
                                             {"model", "network", "bits", "clock_mhz", "batch", "mode", "limits",
                                              "compression", "target_ms", "hot_start", "accuracy_cost"});
    const auto target = spec.find("target_ms");
    for (const char* k : {"hot_start", "accuracy_cost"})
        if (spec.contains(k) && target == spec.end())
            throw spec_error(std::string("key '") + k + "': needs \"target_ms\" (the hot start's latency target)");
    if (target == spec.end())
        return job;
    if (spec.contains("compression"))
        throw spec_error("key 'compression': the hot start chooses the compression; give it without \"target_ms\" "
                         "to search the design of a compressed network");
    nais::tiled::hot_start_options o;
    o.target_ms = detail::number(*target, "target_ms");
    if (o.target_ms <= 0 || o.target_ms > 1e9)
        detail::fail("target_ms", "a number of ms in (0, 1e9]", *target);
    o.latency_mode = job.setting.mode;
    o.layer_shapes = job.setting.mode == nais::tiled::mode::hotnas_compatible ? nais::tiled::shapes::hotnas_chained
                                                                             : nais::tiled::shapes::true_shapes;
    o.batch = job.setting.batch;
    if (const auto h = spec.find("hot_start"); h != spec.end()) {
        if (!h->is_object())
            detail::fail("hot_start", "an object {channel_cuts, pattern_zeros, weight_bits, by_class, max_rounds, search, "
                                      "steps, attempts, seed}", *h);
        detail::refuse_unknown(*h, "hot_start.", {"channel_cuts", "pattern_zeros", "weight_bits", "by_class", "max_rounds",
                                                  "search", "steps", "attempts", "seed"});
        if (h->contains("channel_cuts"))
            o.channel_cuts = detail::int_list((*h)["channel_cuts"], "hot_start.channel_cuts", 1, 1024);
        if (h->contains("pattern_zeros"))
            o.pattern_zeros = detail::int_list((*h)["pattern_zeros"], "hot_start.pattern_zeros", 1, 1024);
        if (h->contains("weight_bits"))
            o.weight_bits = detail::int_list((*h)["weight_bits"], "hot_start.weight_bits", 1, job.setting.device.word_bits);
        if (h->contains("by_class")) {
            if (!(*h)["by_class"].is_boolean())
                detail::fail("hot_start.by_class", "true or false", (*h)["by_class"]);
            o.by_class = (*h)["by_class"].get<bool>();
        }
        if (h->contains("max_rounds")) {
            o.max_rounds = detail::integer_at_least((*h)["max_rounds"], "hot_start.max_rounds", 1);
            if (o.max_rounds > 100)
                detail::fail("hot_start.max_rounds", "an integer in [1, 100]", (*h)["max_rounds"]);
        }
    }
    if (const auto a = spec.find("accuracy_cost"); a != spec.end()) {
        if (!a->is_object())
            detail::fail("accuracy_cost", "an object {channel, pattern, quantize, layers, interaction}", *a);
        detail::refuse_unknown(*a, "accuracy_cost.", {"channel", "pattern", "quantize", "layers", "interaction"});
        job.interaction = weight(*a, "interaction", "accuracy_cost.", 0);
        job.weights.channel = weight(*a, "channel", "accuracy_cost.", job.weights.channel);
        job.weights.pattern = weight(*a, "pattern", "accuracy_cost.", job.weights.pattern);
        job.weights.quantize = weight(*a, "quantize", "accuracy_cost.", job.weights.quantize);
        if (const auto l = a->find("layers"); l != a->end()) {
            if (!l->is_object())
                detail::fail("accuracy_cost.layers", "an object {layer name: sensitivity}", *l);
            const auto layers = job.setting.workloads();
            for (const auto& [name, v] : l->items()) {
                const std::string at = "accuracy_cost.layers." + nais::detail::one_line(name);
                bool known = false;
                for (const auto& w : layers)
                    known = known || w.name == name;
                if (!known)
                    throw spec_error("key '" + at + "': the network has no conv or fc layer of that name");
                job.layer_sensitivity[name] = weight(*l, name.c_str(), "accuracy_cost.layers.", 1.0);
            }
        }
    }
    // the search: the exact knapsack (additive costs) or the gradient hot start
    std::string search = job.interaction > 0 ? "gradient" : "knapsack";
    const json no_options = json::object();
    const json& h = spec.contains("hot_start") ? spec["hot_start"] : no_options;
    if (const auto it = h.find("search"); it != h.end()) {
        if (!it->is_string() || (*it != "knapsack" && *it != "gradient"))
            detail::fail("hot_start.search", "\"knapsack\" or \"gradient\"", *it);
        search = it->get<std::string>();
    }
    if (search == "knapsack") {
        if (job.interaction > 0)
            throw spec_error("key 'hot_start.search': the knapsack needs an additive accuracy cost, and "
                             "accuracy_cost.interaction makes it non-additive: use \"gradient\"");
        for (const char* k : {"steps", "attempts", "seed"})
            if (h.contains(k))
                throw spec_error(std::string("key 'hot_start.") + k + "': belongs to \"search\": \"gradient\"");
    } else {
        nais::tiled::gradient_hot_start_options g;
        static_cast<nais::tiled::hot_start_options&>(g) = o;
        if (h.contains("steps")) {
            g.steps = detail::integer_at_least(h["steps"], "hot_start.steps", 0);
            if (g.steps > 100000)
                detail::fail("hot_start.steps", "an integer in [0, 100000]", h["steps"]);
        }
        if (h.contains("attempts")) {
            g.attempts = detail::integer_at_least(h["attempts"], "hot_start.attempts", 0);
            if (g.attempts > 20)
                detail::fail("hot_start.attempts", "an integer in [0, 20]", h["attempts"]);
        }
        if (h.contains("seed"))
            g.seed = static_cast<std::uint64_t>(detail::integer_at_least(h["seed"], "hot_start.seed", 0));
        job.gradient = g;
    }
    job.hot_start = o;
    return job;
}

json run_hotnas(const hotnas_job& job, const progress_callback& progress) {
    const tiled_setting& s = job.setting;
    const auto layers = s.workloads();
    const auto t0 = std::chrono::steady_clock::now();
    const auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    json out;
    out["network"] = s.network.name;
    out["mode"] = s.mode == nais::tiled::mode::hardware ? "hardware" : "hotnas";
    out["limits"] = {{"dsp", s.device.dsp}, {"bram", s.device.bram}, {"port_bits", s.device.port_bits},
                     {"check_bram", s.device.check_bram}, {"clock_mhz", s.device.clock_mhz}};
    if (!job.hot_start) {
        const nais::tiled::design_search_result r = nais::tiled::search_design(layers, s.device, s.bits, s.mode, progress);
        if (!r.found)
            throw spec_error("key 'limits': no design of the template fits the device");
        const nais::tiled::network_report rep = nais::tiled::evaluate(layers, r.best, s.device, s.bits, s.mode);
        json ls = json::array();
        for (const auto& l : rep.layers)
            ls.push_back({{"name", l.name},
                          {"class", nais::tiled::bottleneck_letter(l.limit)},
                          {"ms", nais::tiled::milliseconds(l.t.cycles, s.device)}});
        out["search"] = "design";
        out["design"] = tiled_design_json(r.best);
        out["ms"] = rep.ms;
        out["cycles"] = rep.cycles;
        out["used"] = tiled_resources_json(rep.used);
        out["designs_in_space"] = r.designs_in_space;
        out["seconds"] = seconds();
        out["layers"] = std::move(ls);
        return out;
    }
    nais::tiled::hot_start_options o = *job.hot_start;
    o.progress = progress;
    const nais::tiled::accuracy_cost per_layer = [&job](const nais::tiled::workload& l,
                                                        const nais::tiled::compression_choice& c) {
        return job.accuracy_cost(l, c);
    };
    nais::tiled::hot_start_result r;
    if (job.gradient) {
        nais::tiled::gradient_hot_start_options g = *job.gradient;
        g.progress = progress;
        const nais::tiled::gradient_hot_start_result gr = nais::tiled::hot_start_gradient(
            s.network, g, s.device, s.bits, nais::tiled::interacting_standin(job.interaction, per_layer));
        r = gr;
        out["search"] = "hot_start_gradient";
        out["interaction"] = job.interaction;
        out["steps"] = gr.steps;
        out["derived_ms"] = gr.derived_ms;
        out["derived_cost"] = gr.derived_cost;
        out["repairs"] = gr.repairs;
        out["refinements"] = gr.refinements;
        out["from_derivation"] = gr.from_derivation;
    } else {
        r = nais::tiled::hot_start(s.network, o, s.device, s.bits, per_layer);
        out["search"] = "hot_start";
    }
    out["target_ms"] = o.target_ms;
    out["met"] = r.met;
    if (!r.met)
        out["shortfall_ms"] = r.shortfall_ms;
    out["initial_design"] = tiled_design_json(r.initial_design);
    out["design"] = tiled_design_json(r.final_design);
    out["initial_ms"] = r.initial_ms;
    out["ms"] = r.final_ms;
    out["used"] = tiled_resources_json(nais::tiled::resources_of(r.final_design, s.device));
    out["accuracy_cost"] = r.accuracy_cost;
    out["saved_by_compression_ms"] = r.saved_by_compression_ms;
    out["saved_by_design_ms"] = r.saved_by_design_ms;
    out["rounds"] = r.rounds;
    out["seconds"] = seconds();
    json ls = json::array();
    for (const auto& l : r.layers) {
        json row{{"name", l.name},
                 {"class", nais::tiled::bottleneck_letter(l.initial_class)},
                 {"technique", l.applied.technique},
                 {"ms_before", l.ms_before},
                 {"ms_after", l.ms_after}};
        if (l.applied.c.out_channels)
            row["out_channels"] = l.applied.c.out_channels;
        if (l.applied.c.kept)
            row["kept"] = l.applied.c.kept;
        if (l.applied.c.weight_bits)
            row["weight_bits"] = l.applied.c.weight_bits;
        ls.push_back(std::move(row));
    }
    out["layers"] = std::move(ls);
    return out;
}

std::string hotnas_table(const json& r) {
    std::ostringstream os;
    os << std::fixed;
    const auto design_text = [](const json& d) {
        std::ostringstream t;
        t << d["Tm"] << "," << d["Tn"] << "," << d["Tr"] << "," << d["Tc"] << "," << d["Tk"] << "," << d["W_p"] << ","
          << d["I_p"] << "," << d["O_p"];
        return t.str();
    };
    const bool hot = r["search"] != "design";
    os << r["network"].get<std::string>() << " on the tiled template (" << r["mode"].get<std::string>() << " mode, "
       << r["limits"]["dsp"] << " DSP, " << r["limits"]["bram"] << " BRAM, " << r["limits"]["port_bits"] << " port bits, "
       << std::setprecision(0) << r["limits"]["clock_mhz"].get<double>() << " MHz)\n";
    os << std::setprecision(3);
    if (!hot) {
        os << "exact design (Tm,Tn,Tr,Tc,Tk,W_p,I_p,O_p) " << design_text(r["design"]) << ": " << r["ms"].get<double>()
           << " ms, " << r["used"]["dsp"] << " DSP, " << r["used"]["bram"] << " BRAM, " << r["used"]["port_bits"]
           << " port bits; " << std::setprecision(3) << std::scientific << r["designs_in_space"].get<double>()
           << " designs in " << std::fixed << r["seconds"].get<double>() << " s\n\n";
        os << std::left << std::setw(28) << "layer" << std::right << std::setw(6) << "class" << std::setw(10) << "ms" << "\n";
        for (const auto& l : r["layers"])
            os << std::left << std::setw(28) << l["name"].get<std::string>() << std::right << std::setw(6)
               << l["class"].get<std::string>() << std::setw(10) << l["ms"].get<double>() << "\n";
        return os.str();
    }
    os << "target " << r["target_ms"].get<double>() << " ms: " << (r["met"].get<bool>() ? "met" : "NOT met");
    if (!r["met"].get<bool>())
        os << " (short by " << r["shortfall_ms"].get<double>() << " ms)";
    os << "\nsearched design " << design_text(r["initial_design"]) << ": " << r["initial_ms"].get<double>() << " ms uncompressed\n"
       << "final design    " << design_text(r["design"]) << ": " << r["ms"].get<double>() << " ms compressed; saved "
       << r["saved_by_compression_ms"].get<double>() << " ms by compression, " << r["saved_by_design_ms"].get<double>()
       << " ms by the design; accuracy cost " << r["accuracy_cost"].get<double>() << "; ";
    if (r["search"] == "hot_start_gradient")
        os << "gradient search (interaction " << r["interaction"].get<double>() << "): " << r["steps"] << " steps, derived "
           << r["derived_ms"].get<double>() << " ms at cost " << r["derived_cost"].get<double>() << ", " << r["repairs"]
           << " repairs, " << r["refinements"] << " refinements, from the "
           << (r["from_derivation"].get<bool>() ? "derived plan" : "greedy start") << ", ";
    else
        os << r["rounds"] << " rounds, ";
    os << r["seconds"].get<double>() << " s\n\n";
    os << std::left << std::setw(28) << "layer" << std::right << std::setw(6) << "class" << std::setw(12) << "technique"
       << std::setw(10) << "setting" << std::setw(10) << "ms before" << std::setw(10) << "ms after" << std::setw(10) << "saved"
       << "\n";
    for (const auto& l : r["layers"]) {
        std::string setting = "-";
        if (l.contains("out_channels"))
            setting = std::to_string(l["out_channels"].get<long long>()) + " ch";
        else if (l.contains("kept"))
            setting = std::to_string(l["kept"].get<int>()) + " kept";
        else if (l.contains("weight_bits"))
            setting = std::to_string(l["weight_bits"].get<int>()) + " bits";
        const double before = l["ms_before"].get<double>(), after = l["ms_after"].get<double>();
        os << std::left << std::setw(28) << l["name"].get<std::string>() << std::right << std::setw(6)
           << l["class"].get<std::string>() << std::setw(12) << l["technique"].get<std::string>() << std::setw(10) << setting
           << std::setw(10) << before << std::setw(10) << after << std::setw(10) << before - after << "\n";
    }
    return os.str();
}

}  // namespace nais_eval
