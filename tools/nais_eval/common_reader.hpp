// What every reader of nais's tools shares: the JSON helpers (json_io.hpp) in nais_eval::detail,
// files relative to the spec, "model" / "network", and the refusal of unknown keys. Needs only
// the network module: the readers that build no composed loss include it without all of nais.
#pragma once
#include <nais/network.hpp>

#include <json_io.hpp>
#include <nais_net/network_json.hpp>

#include <filesystem>
#include <set>
#include <string>
#include <system_error>

namespace nais_eval {

using nais_json::json;
using nais_json::spec_error;

namespace detail {

using nais_json::detail::array_of;
using nais_json::detail::fail;
using nais_json::detail::flag;
using nais_json::detail::int_in;
using nais_json::detail::int_list;
using nais_json::detail::integer_at_least;
using nais_json::detail::number;
using nais_json::detail::positive_field;
using nais_json::detail::require_key;
using nais_json::detail::type_name;

/// A file a spec names: relative paths are relative to the spec's directory (`base_dir`; empty:
/// the working directory).
inline std::filesystem::path spec_path(const std::string& name, const std::string& base_dir) {
    std::filesystem::path path = name;
    if (path.is_relative() && !base_dir.empty())
        path = std::filesystem::path(base_dir) / path;
    return path;
}

/// "model" (a zoo network name) or "network" (a description inline or a file relative to the
/// spec's directory): exactly one of them.
inline nais::net::network read_model_or_network(const json& spec, const std::string& base_dir) {
    const bool has_model = spec.contains("model"), has_network = spec.contains("network");
    if (has_model == has_network)
        throw spec_error("key 'model': give exactly one of \"model\" (a zoo name) and \"network\" (a description or file)");
    if (has_model) {
        const json& m = spec["model"];
        if (m.is_string())
            for (const auto& z : nais::net::zoo_names())
                if (m == z)
                    return nais::net::zoo(z);
        std::string names;
        for (const auto& z : nais::net::zoo_names())
            names += (names.empty() ? "" : ", ") + z;
        fail("model", "a zoo network name (" + names + ")", m);
    }
    const json& n = spec["network"];
    if (n.is_string()) {
        const std::filesystem::path path = spec_path(n.get<std::string>(), base_dir);
        std::error_code ec;
        if (!std::filesystem::is_regular_file(path, ec))
            throw spec_error("key 'network': '" + nais::detail::one_line(n.get<std::string>()) + "' is not a readable file");
        return nais_net::read_network(nais_json::parse(nais_json::read_file(path, "network")));
    }
    return nais_net::read_network(n, "network.");
}

/// Refuses keys of `obj` outside `known`, naming the key (prefixed by `at`) and the known ones.
inline void refuse_unknown(const json& obj, const std::string& at, const std::set<std::string>& known) {
    for (const auto& [k, v] : obj.items())
        if (!known.count(k)) {
            std::string list;
            for (const auto& n : known)
                list += (list.empty() ? "" : ", ") + n;
            throw spec_error("key '" + at + nais::detail::one_line(k) + "': unknown (expected one of " + list + ")");
        }
}

}  // namespace detail
}  // namespace nais_eval
