// docs/fidelity.md, the FPGA models against measured boards (../shared/data/measured/fpga_boards.md).
#include "fidelity.hpp"

#include <nais_eval/registry.hpp>
#include <json_io.hpp>

#include <sstream>
#include <string>

namespace nais_fidelity {

using nais_json::json;

std::string fpga_section(const std::string& shared, const std::string& source, std::string& headline) {
    const std::string path = shared + "/measured/fpga_boards.md";
    const std::string text = read_text(path);
    const std::string zhang = board_entry(text, path, "## Zhang et al.");
    const double gflops = figure(zhang, path, R"(Measured: ([0-9.]+) GFLOPS overall)", "Zhang et al.'s measured GFLOPS");
    const double gflop = figure(zhang, path, R"(\(([0-9.]+) GFLOP of conv layers)", "Zhang et al.'s GFLOP of conv layers");
    const double dsp = figure(zhang, path, R"(DSP ([0-9,]+) \()", "Zhang et al.'s DSP count");
    const double bram36 = figure(zhang, path, R"(BRAM ([0-9,]+) \()", "Zhang et al.'s BRAM count");
    const double measured_ms = gflop / gflops * 1e3;
    const std::string dir = source + "/examples/tiled/";
    const json out = nais_eval::evaluate_spec(nais_json::parse(nais_json::read_file(dir + "zhang_fpga15_alexnet.json", "zhang")), dir);
    const double ms = out.at("ms").get<double>(), nais_dsp = out.at("dsp").get<double>(), nais_bram = out.at("bram").get<double>();
    std::ostringstream o;
    o << "## Tiled FPGA template: Zhang et al. (FPGA 2015) on a VC707, measured (docs/devices/tiled.md)\n\n"
      << "Reference: **measured**, the tiled Tm x Tn accelerator HotNAS's template follows, running the\n"
      << "original two-group AlexNet's five conv layers in fp32 on a Virtex-7 VC707 at 100 MHz with one\n"
      << "design for all layers, <Tm, Tn> = <64, 7> (`../shared/data/measured/fpga_boards.md`: " << fixed(gflops, 2)
      << " GFLOPS over " << fixed(gflop, 4) << " GFLOP,\n"
      << "so " << fixed(measured_ms, 2) << " ms per image). nais: the template in hardware mode\n"
      << "(`examples/tiled/zhang_fpga15_alexnet.json`: fp32 words, 5 DSPs per multiply-add lane, the network\n"
      << "`examples/networks/alexnet_two_groups.json`). The paper does not give Tr, Tc or the port widths:\n"
      << "the spec takes Tr = Tc = 55 (every layer's output map in one tile) and ports of 4 words each, so\n"
      << "the memory terms do not bind and nais's figure is the engine's compute time, ceil(M / Tm) ceil(N /\n"
      << "Tn) R C K^2 cycles per layer and group.\n\n"
      << "| figure | measured | nais | error |\n|---|---:|---:|---:|\n"
      << "| latency per image (ms) | " << fixed(measured_ms, 2) << " | " << fixed(ms, 2) << " | " << percent(ms, measured_ms) << " |\n"
      << "| DSP | " << fixed(dsp, 0) << " | " << fixed(nais_dsp, 0) << " | " << percent(nais_dsp, dsp) << " |\n"
      << "| BRAM (18 Kb blocks) | " << fixed(2 * bram36, 0) << " | " << fixed(nais_bram, 0) << " | " << percent(nais_bram, 2 * bram36)
      << " |\n\n"
      << "What the model does not capture: the time the engine waits for DRAM (with Tr, Tc and the ports\n"
      << "unpublished, the spec sets them so that memory never binds: nais's latency is a lower bound,\n"
      << "and the measured design is " << percent(measured_ms, ms) << " slower), and buffers beyond the template's formula\n"
      << "(the paper's own bank layout: BRAM is reported, not fitted).\n\n";
    headline = "tiled FPGA template on Zhang et al.'s measured VC707 AlexNet design: latency " + percent(ms, measured_ms) + ", DSPs " +
               percent(nais_dsp, dsp) + " (compute time; the ports are not published)";
    return o.str();
}

}  // namespace nais_fidelity
