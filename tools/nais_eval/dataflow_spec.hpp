// nais-eval's "device": "dataflow" (eval_dataflow.cpp; README: DANCE dataflow accelerators).
#pragma once
#include <json_io.hpp>

#include <string>

namespace nais_eval::detail {

/// A DANCE PE-array dataflow accelerator: a layer with a mapping, or a network layer by layer.
nais_json::json evaluate_dataflow(const nais_json::json& spec, const std::string& base_dir);

}  // namespace nais_eval::detail
