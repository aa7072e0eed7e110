// docs/fidelity.md, the dataflow model against Eyeriss v1 silicon (AlexNet, measured).
#include "fidelity.hpp"

#include <nais_eval/registry.hpp>
#include <json_io.hpp>

#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace nais_fidelity {

namespace {

using nais_json::json;

struct measured_layer {
    std::string name;
    double processing_ms = 0, active_pes = 0, glb_mb = 0, dram_mb = 0, zeros = 0;
};

/// eyeriss_alexnet.csv: comments (#), a header, then layer,power_mw,total_latency_ms,
/// processing_latency_ms,gmacs,active_pes,zeros_in_ifmap,glb_accesses_mb,dram_accesses_mb.
std::vector<measured_layer> read_measured(const std::string& path) {
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error(path + ": cannot be read");
    std::vector<measured_layer> out;
    std::string line;
    int number = 0;
    bool header = false;
    while (std::getline(in, line)) {
        ++number;
        if (line.empty() || line[0] == '#')
            continue;
        if (!header) {
            if (line.rfind("layer,power_mw,total_latency_ms,processing_latency_ms,gmacs,active_pes,zeros_in_ifmap,glb_accesses_mb,dram_accesses_mb", 0) != 0)
                throw std::runtime_error(path + ":" + std::to_string(number) + ": expected the header layer,power_mw,...,dram_accesses_mb");
            header = true;
            continue;
        }
        std::vector<std::string> f;
        std::stringstream ss(line);
        for (std::string x; std::getline(ss, x, ',');)
            f.push_back(x);
        if (f.size() != 9)
            throw std::runtime_error(path + ":" + std::to_string(number) + ": expected 9 fields, got " + std::to_string(f.size()));
        try {
            out.push_back({f[0], std::stod(f[3]), std::stod(f[5]), std::stod(f[7]), std::stod(f[8]), std::stod(f[6])});
        } catch (const std::exception&) {
            throw std::runtime_error(path + ":" + std::to_string(number) + ": a field is not a number");
        }
    }
    if (out.empty())
        throw std::runtime_error(path + ": no rows");
    return out;
}

/// Words a level reads, fills and updates, in MB of 16-bit words (10^6 bytes).
double level_mb(const json& out, const std::string& level) {
    double words = 0;
    for (const auto& [op, c] : out.at("accesses").at(level).items())
        words += c.at("reads").get<double>() + c.at("fills").get<double>() + c.at("updates").get<double>();
    return words * 2 / 1e6;
}

}  // namespace

std::string eyeriss_section(const std::string& shared, const std::string& source, std::string& headline) {
    const std::vector<measured_layer> measured = read_measured(shared + "/measured/eyeriss_alexnet.csv");
    const std::string dir = source + "/examples/dataflow/eyeriss_alexnet/";
    std::ostringstream rows, traffic;
    double worst = 0, worst_tree = 0, sum_abs = 0;
    for (const measured_layer& m : measured) {
        std::string lower = m.name;
        for (char& c : lower)
            c = char(std::tolower(static_cast<unsigned char>(c)));
        json spec = nais_json::parse(nais_json::read_file(dir + lower + ".json", lower));
        const json out = nais_eval::evaluate_spec(spec, dir);
        json searched_spec = spec;
        searched_spec["mapping"] = "search";
        const json searched = nais_eval::evaluate_spec(searched_spec, dir);
        const double ms = out.at("latency_ms").get<double>();
        const double tree_ms = out.at("compute_cycles").get<double>() / 200e3;  // a free reduction network (Timeloop's convention)
        const double search_ms = searched.at("latency_ms").get<double>();
        const double err = ms / m.processing_ms - 1, err_tree = tree_ms / m.processing_ms - 1;
        sum_abs += std::abs(err);
        if (std::abs(err) > std::abs(worst))
            worst = err;
        if (std::abs(err_tree) > std::abs(worst_tree))
            worst_tree = err_tree;
        const json& sp = searched.at("row_stationary");
        auto params = [](const json& x) {
            return "m " + std::to_string(x.at("m").get<long long>()) + ", n " + std::to_string(x.at("n").get<long long>()) + ", e " +
                   std::to_string(x.at("e").get<long long>()) + ", p " + std::to_string(x.at("p").get<long long>()) + ", q " +
                   std::to_string(x.at("q").get<long long>()) + ", r " + std::to_string(x.at("r").get<long long>()) + ", t " +
                   std::to_string(x.at("t").get<long long>());
        };
        rows << "| " << m.name << " | " << fixed(m.processing_ms, 1) << " | " << fixed(ms, 2) << " | " << percent(ms, m.processing_ms) << " | "
             << fixed(tree_ms, 2) << " | " << percent(tree_ms, m.processing_ms) << " | " << fixed(m.active_pes, 0) << " | "
             << out.at("active_macs").get<long long>() << " | " << fixed(search_ms, 2) << " (" << params(sp) << ") |\n";
        traffic << "| " << m.name << " | " << fixed(m.glb_mb, 1) << " | " << fixed(level_mb(out, "GlobalBuffer"), 1) << " | "
                << fixed(m.dram_mb, 1) << " | " << fixed(level_mb(out, "DRAM"), 1) << " | " << fixed(100 * m.zeros, 1) << "% |\n";
    }
    std::ostringstream o;
    o << "## Dataflow model: Eyeriss v1 silicon, AlexNet (docs/devices/dataflow.md)\n\n"
      << "Reference: **measured**, Eyeriss v1 running AlexNet CONV1-5 at batch 4, 200 MHz (Chen et al., JSSC\n"
      << "2017, Table V: processing latency, which leaves out configuration and the DRAM-bound start-up;\n"
      << "`../shared/data/measured/eyeriss_alexnet.csv`). nais: `\"arch\": \"eyeriss\"` (the chip of Table IV:\n"
      << "12 x 14 PEs, ifmap / filter / psum pads of 12 / 224 / 24 words, a 108 KB buffer for ifmaps and\n"
      << "psums) with the row-stationary mapping the chip ran per layer (Table III's m, n, e, p, q, r, t:\n"
      << "`examples/dataflow/eyeriss_alexnet/*.json`; CONV1's 55 output rows in sets of 7 and CONV2's set of\n"
      << "27 rows folded into 14 + 13 columns are padded, `mapping.padded`). Two mechanisms carry the\n"
      << "time: idle PEs (the padded rows and folds; the model's active PEs equal the measured ones on\n"
      << "every layer) and the psum accumulation through the PEs' own adders (`\"spatial_reduction\":\n"
      << "\"in_pe\"`: a PE spends one cycle on every psum it receives, 1 / (q S) of its MACs). The column\n"
      << "'free reduction' is the same mapping with Timeloop's convention (a reduction network that costs\n"
      << "no time); 'nais's search' is the fastest row-stationary mapping nais finds over Table III's\n"
      << "parameters (Eyeriss's own mapper minimised energy, not time).\n\n"
      << "| layer | measured ms | nais ms | error | free reduction ms | error | active PEs: measured | nais | nais's search: ms (mapping) |\n"
      << "|---|---:|---:|---:|---:|---:|---:|---:|---|\n"
      << rows.str()
      << "\nTraffic, MB of 16-bit words per layer (reads, fills and updates of the level, all operands). The\n"
      << "chip run-length-compresses feature maps on its DRAM link (measured DRAM traffic is compressed;\n"
      << "nais counts dense words: the last column bounds what compression can save on the ifmaps), and\n"
      << "the paper does not say how it counts a buffer access, so these rows are reported, not fitted:\n\n"
      << "| layer | buffer: measured | nais | DRAM: measured | nais (dense) | zeros in ifmaps |\n"
      << "|---|---:|---:|---:|---:|---:|\n"
      << traffic.str()
      << "\nWhat the model does not capture: zero gating (energy only on the chip, no time), run-length\n"
      << "compression, configuration and the start-up the processing latency leaves out, and the padded\n"
      << "steps' partly empty tiles (counted as full in the traffic).\n\n";
    headline = "dataflow model on Eyeriss v1 silicon (AlexNet CONV1-5, the published row-stationary mappings): processing latency within " +
               fixed(100 * std::abs(worst), 1) + "% per layer (mean " + fixed(100 * sum_abs / double(measured.size()), 1) +
               "%); with Timeloop's free reduction network, off by up to " + fixed(100 * std::abs(worst_tree), 1) + "%";
    return o.str();
}

}  // namespace nais_fidelity
