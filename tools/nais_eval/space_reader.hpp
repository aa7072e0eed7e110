// The spec keys that name a search space (README: nais-eval), shared by every composed device's
// reader and by nais-sweep: MBConv "blocks", "ops" and "bits" (nais::runtime_space), or "space":
// a space or network of real layers (nais::layered_space) by zoo name, file or inline description.
#pragma once
#include <json_io.hpp>

#include <string>

namespace nais {
class runtime_space;
class layered_space;
}  // namespace nais

namespace nais_eval::detail {

/// "blocks" [{cin, cout, h, w, stride}], "ops" [{kernel, expand}], "bits" [...].
nais::runtime_space read_space(const nais_json::json& spec);

/// "space": the name of a zoo space or network, a path to a JSON description (relative to the
/// spec's directory), or the description inline. A network (a fixed space of one row) takes the
/// spec's "bits".
nais::layered_space read_layered_space_key(const nais_json::json& spec, const std::string& base_dir);

}  // namespace nais_eval::detail
