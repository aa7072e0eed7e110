// nais-map's spec, run and report (README: nais-map): a multi-stream workload, a heterogeneous
// platform of H2H accelerators, H2H's mapper steps (with the modality switch) and the exact
// optimum; tables, JSON and the Gantt chart.
#pragma once
#include <nais_eval/common_reader.hpp>
#include <nais_eval/composed_device.hpp>

#include <nais/h2h.hpp>

#include <cstdint>
#include <memory>
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

/// One platform member as nais-map reads it ("accelerators" entries); `at` prefixes its keys
/// ("accelerators[0].").
map_member read_map_member(const json& j, const std::string& at);

namespace detail {
/// The H2H co-design loss over a space whose blocks form streams (nais::h2h::codesign_loss:
/// theta, assignment N x D, log2_scale D) as a session. Device keys: "platform" (H2H
/// accelerators, as nais-map's), "streams" {names, blocks, fusion}, "tau_ms", "energy_weight".
/// Instantiated in h2h_session.cpp.
template <class Space>
std::unique_ptr<session> open_h2h(const json& spec, const Space& space, const std::string& base_dir, reading mode);
extern template std::unique_ptr<session> open_h2h<nais::runtime_space>(const json&, const nais::runtime_space&,
                                                                       const std::string&, reading);
extern template std::unique_ptr<session> open_h2h<nais::layered_space>(const json&, const nais::layered_space&,
                                                                       const std::string&, reading);
}  // namespace detail

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
