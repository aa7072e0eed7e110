// The dataflow device's reader (nais-eval's "dataflow"; docs/devices/dataflow.md): the exact
// evaluation (dataflow_reader.cpp) and DANCE's co-design loss as a session (dataflow_session.cpp),
// and the keys they share.
#pragma once
#include "common_reader.hpp"
#include "composed_device.hpp"

#include <nais/dataflow.hpp>

#include <memory>
#include <string>

namespace nais_eval::detail {

/// "WS", "OS" or "RS"; `key` names it in the refusal.
nais::dataflow::dataflow_kind read_dataflow(const json& j, const std::string& key);
/// The spec's "energy_table": "eyeriss" (normalised, the default) or "horowitz45".
nais::dataflow::energy_table read_energy_table(const json& spec);

/// DANCE's co-design loss over a space (nais::dataflow::codesign_loss: theta and the sampled
/// hardware choices pe_x, pe_y, rf, dataflow) as a session. Device keys: "hardware" {pe_x, pe_y,
/// rf, dataflows, buffer, dram_bandwidth, clock_mhz}, "objective", "hardware_mode",
/// "energy_table", "operand_bits". Instantiated in dataflow_session.cpp.
template <class Space>
std::unique_ptr<session> open_dataflow(const json& spec, const Space& space, const std::string& base_dir, reading mode);
extern template std::unique_ptr<session> open_dataflow<nais::runtime_space>(const json&, const nais::runtime_space&,
                                                                            const std::string&, reading);
extern template std::unique_ptr<session> open_dataflow<nais::layered_space>(const json&, const nais::layered_space&,
                                                                            const std::string&, reading);

}  // namespace nais_eval::detail
