// nais-map's spec, run and report (README: nais-map): a multi-stream workload, a heterogeneous
// platform of H2H accelerators, H2H's mapper steps (with the modality switch) and the exact
// optimum; tables, JSON and the Gantt chart.
#pragma once
#include <nais_eval/common_reader.hpp>

#include <nais/h2h.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace nais_eval {

/// A platform member: an H2H accelerator description, or nais's tiled FPGA template on a design.
using map_member = std::variant<nais::h2h::accelerator, nais::h2h::tiled_member>;

struct map_job {
    nais::h2h::workload workload;
    std::vector<map_member> accelerators;
    nais::h2h::mapper_options options;
    std::vector<int> steps{1, 2, 3, 4};          ///< the steps whose results are printed
    double joules_per_byte = 160e-12;            ///< the per-byte energy alternative
    bool modality_switch = false;                ///< map again with the first mapping's resident weights pinned
    std::optional<std::int64_t> exact_nodes;     ///< run the exact search with this node limit
};

/// Reads a nais-map spec; refuses malformed specs naming the key.
map_job read_map_text(const std::string& text, const std::string& base_dir = "");

/// Runs the mapper (and the switch and exact search when asked); the output document.
json run_map(const map_job& job);

/// The output as text: one line per step, then the last step's schedule.
std::string map_tables(const json& result);

/// The schedules as a Gantt chart: one panel per reported step, one lane per accelerator, a bar
/// per layer coloured by stream.
std::string map_gantt_svg(const json& result);

}  // namespace nais_eval
