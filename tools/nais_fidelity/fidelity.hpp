// The sections of docs/fidelity.md (nais-fidelity), one translation unit each.
#pragma once
#include <string>

namespace nais_fidelity {

/// A number with `digits` decimals, and nais's relative error against a reference ("+1.2%").
std::string fixed(double v, int digits);
std::string percent(double nais, double reference);

/// A file's text, or an error naming it.
std::string read_text(const std::string& path);
/// The part of a Markdown file from `heading` to the next "## " heading, or an error naming the file.
std::string board_entry(const std::string& text, const std::string& path, const std::string& heading);
/// The first number `pattern` captures (thousands separators allowed), or an error naming the file
/// and what was expected.
double figure(const std::string& text, const std::string& path, const std::string& pattern, const char* what);

/// The whole page: the headline, then every section.
std::string page(const std::string& shared, const std::string& source);

/// The calibrated latency model on HW-NAS-Bench's FBNet space: per measured device, Kendall,
/// Spearman and MAPE on 1,000 held-out networks with 10, 20, 100 and 1,000 training networks,
/// for the model and both baselines; `headline` gets a one-line summary.
std::string calibrated_section(const std::string& shared, const std::string& source, std::string& headline);

/// The dataflow model against Timeloop's tutorial reference outputs: every access count and the
/// cycles of its three baseline designs.
std::string timeloop_section(const std::string& source, std::string& headline);

/// The dataflow model against Eyeriss v1 silicon: AlexNet CONV1-5's processing latency, active
/// PEs, buffer and DRAM traffic with the published row-stationary mappings (and nais's search).
std::string eyeriss_section(const std::string& shared, const std::string& source, std::string& headline);

/// The FPGA models against measured boards: the tiled template on Zhang et al.'s VC707 design.
std::string fpga_section(const std::string& shared, const std::string& source, std::string& headline);

/// The bundle model against SkyNet on an Ultra96 (DAC-SDC 2019): DSP and BRAM utilisation, and
/// the accelerator's time beside the measured end-to-end rate (which includes the host's work).
std::string skynet_section(const std::string& shared, std::string& headline);

/// EDD's recursive FPGA model against EDD Table 1's CHaiDNN latencies on a ZCU102: rank only.
std::string edd_table1_section(const std::string& shared, std::string& headline);

}  // namespace nais_fidelity
