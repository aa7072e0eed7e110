// A registry entry for a device with a composed loss (nais::loss<Model>), from its reader: one
// function per space kind that builds the loss's session from a spec (composed_reader.hpp helps
// write it). The entry's nais-eval evaluation is the session's, printed the same way for every
// device: loss, perf_loss (res and penalty where the device has a resource term), perf_blocks
// where it has them, the gradient of every variable by its spec name, and the device's report.
// Light: no nais header (composed_device.cpp holds the space reading and the document).
#pragma once
#include "registry.hpp"

#include <set>
#include <string>

namespace nais {
class runtime_space;
class layered_space;
}  // namespace nais

namespace nais_eval {

/// Whether a spec is read for one evaluation (every variable and acc_loss required) or to build
/// a session (variables and acc_loss optional: the caller sets them before each evaluation).
enum class reading { evaluation, session };

/// A device's session builder for one space kind: MBConv blocks (nais::runtime_space, the spec's
/// "blocks", "ops", "bits") or a space of real layers (nais::layered_space, the spec's "space").
template <class Space>
using open_function = std::unique_ptr<session> (*)(const json& spec, const Space& space, const std::string& base_dir,
                                                   reading mode);

/// The entry of a composed-loss device. Either builder may be null (that space kind is then
/// refused naming the key).
device_entry composed_device(std::string name, std::string summary, open_function<nais::runtime_space> on_blocks,
                             open_function<nais::layered_space> on_layers);

/// The same, for a device that also evaluates a network exactly at a discrete design (its
/// `exact` reader): nais-eval runs the composed loss for a spec that names a space ("blocks" or
/// "space") and `exact` otherwise; sessions always open the composed loss.
device_entry composed_device(std::string name, std::string summary, open_function<nais::runtime_space> on_blocks,
                             open_function<nais::layered_space> on_layers,
                             std::function<json(const json& spec, const std::string& base_dir)> exact);

/// The spec keys that choose a space: {"space", "bits"} when the spec has "space", else
/// {"blocks", "ops", "bits"}.
std::set<std::string> space_keys(const json& spec);

}  // namespace nais_eval
