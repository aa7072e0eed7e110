// nais-sweep's sweep as one call, behind a light header (no nais header) for the Python module.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

namespace nais_sweep {

/// Reads a nais-sweep spec (a JSON object), runs its sweep and returns the document nais-sweep
/// --json prints (nais.sweep); a malformed spec throws nais_json::spec_error naming the key.
nlohmann::json run_sweep_spec(const nlohmann::json& spec, const std::string& base_dir);

}  // namespace nais_sweep
