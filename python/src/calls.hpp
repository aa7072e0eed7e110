// What the Python extension calls in nais's spec readers, behind a light header: module.cpp (with
// pybind11) includes no nais header, calls.cpp (with nais) no pybind11 header, so that each
// translation unit compiles in well under 20 s.
#pragma once
#include <nais_eval/session.hpp>

#include <nlohmann/json.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace nais_python {

/// A refusal of a spec or a value, on one line naming the key (nais-eval's spec_error and the
/// library's nais::invalid_argument, as Python's nais.SpecError).
class refusal : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The name of the capsule nais._nais.registry() returns: a pointer to nais_eval::devices(), which
/// a plug-in extension module adds its devices to (tests/plugin/custom_device_plugin.cpp).
inline constexpr const char* registry_capsule_name = "nais_eval.device_registry";

/// JSON nesting limit of every nais reader (nais_json::max_depth; checked in calls.cpp).
inline constexpr int max_depth = 64;

nlohmann::json evaluate(const nlohmann::json& spec, const std::string& base_dir);
/// A session whose every call turns a refusal into nais_python::refusal.
std::unique_ptr<nais_eval::session> open_session(const nlohmann::json& spec, const std::string& base_dir);
/// nais-fit in-process: the fitted calibrated latency model and its agreement (calibrated_reader.hpp).
nlohmann::json fit(const nlohmann::json& spec, const std::string& base_dir);
std::vector<std::string> signatures(const nlohmann::json& spec, const std::string& base_dir);
nlohmann::json analyze(const nlohmann::json& network);
/// nais-bundle, nais-hotnas and nais-map in-process: the spec (the tool's keys) and the document
/// the tool's --json prints.
nlohmann::json bundle(const nlohmann::json& spec, const std::string& base_dir);
nlohmann::json hotnas(const nlohmann::json& spec, const std::string& base_dir);
nlohmann::json map(const nlohmann::json& spec, const std::string& base_dir);
/// nais-sweep in-process (one shard with sweep.index_begin / index_end): nais-sweep --json's document.
nlohmann::json sweep(const nlohmann::json& spec, const std::string& base_dir);
/// The network of one choice per searchable block of a spec's "space" (nais-net --choice --export).
nlohmann::json network_of(const nlohmann::json& spec, const std::vector<int>& choice, const std::string& base_dir);

}  // namespace nais_python
