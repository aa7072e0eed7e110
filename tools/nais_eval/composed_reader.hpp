// What every composed device's reader shares (include it in the device's reader translation
// unit): a device reads its own keys (tables, accelerators, objectives, device parameters) and
// builds its nais::loss<Model>; composed_session() does the rest the same way for every device:
//   - refuses a key that is neither the device's, nor a common one, nor a variable's name;
//   - reads every variable by its session name and shape ("theta", then the model's groups:
//     required for an evaluation, optional for a session), the Gumbel noise ("gumbel": {name:
//     array} for the sampled ones) and the common parameters: "tau" (required), "hard",
//     "alpha", "acc_loss" (required for an evaluation) and, for a device with a resource term,
//     "beta", "C", "res_ub" (which of these are required is the device's choice).
// examples/custom_device.cpp's model is registered this way in tests/test_registry.cpp.
#pragma once
#include "composed_device.hpp"
#include "common_reader.hpp"
#include "session_impl.hpp"

#include <json_io.hpp>
#include <nais/core.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace nais_eval {

namespace detail {

using nais_json::detail::array_of;
using nais_json::detail::fail;
using nais_json::detail::integer_at_least;
using nais_json::detail::number;
using nais_json::detail::positive_field;
using nais_json::detail::require_key;
using nais_json::detail::type_name;

/// Reads a nested list of the given shape into out (row-major); `key` names it in messages.
inline void read_nested(const json& j, const std::string& key, const std::vector<std::size_t>& shape, std::size_t level,
                        std::vector<double>& out) {
    const bool leaf = level + 1 == shape.size();
    const json& a = array_of(j, key, shape[level], leaf ? "numbers" : "arrays");
    for (std::size_t k = 0; k < shape[level]; ++k) {
        const std::string sub = key + "[" + std::to_string(k) + "]";
        if (leaf)
            out.push_back(number(a[k], sub));
        else
            read_nested(a[k], sub, shape, level + 1, out);
    }
}

/// A row-major array of `shape` from nested lists.
inline std::vector<double> read_tensor(const json& j, const std::string& key, const std::vector<std::size_t>& shape) {
    std::vector<double> out;
    read_nested(j, key, shape, 0, out);
    return out;
}

/// An optional true/false key.
inline void read_flag(const json& spec, const char* key, bool& v) {
    if (const auto h = spec.find(key); h != spec.end()) {
        if (!h->is_boolean())
            fail(key, "true or false", *h);
        v = h->get<bool>();
    }
}

}  // namespace detail

/// Refuses a clock a session's design(clock_mhz) cannot use (nais::invalid_argument naming it).
inline void require_design_clock(double clock_mhz) {
    nais::detail::require(std::isfinite(clock_mhz) && clock_mhz >= 1e-3 && clock_mhz <= 1e6,
                          "design: clock_mhz must be in [1e-3, 1e6], got ", clock_mhz);
}

/// Which of the common parameters a device requires (the others keep the loss's defaults).
struct required_parameters {
    bool alpha = true;      ///< "alpha": the scale of Perf_loss
    bool resources = true;  ///< "beta", "C", "res_ub" (devices with a resource term)
};

/// What a device's reader hands to composed_session besides the loss.
template <class Loss>
struct composed_parts {
    /// the derived design the variables stand for, exactly evaluated at a clock (session.design)
    std::function<json(const Loss&, double clock_mhz)> design;
    /// nais-eval's extra outputs for the device (may be empty)
    std::function<void(const Loss&, json& out)> report = {};
    /// the spec's names of the model's groups, where they differ from the tags' names
    std::vector<std::string> group_keys = {};
    /// the device's own spec keys, besides the common ones and the variables
    std::set<std::string> device_keys = {};
    required_parameters required = {};
};

/// The common keys every composed device reads (and the space's, which the dispatch read).
inline std::set<std::string> common_keys(const json& spec, bool has_resources) {
    std::set<std::string> k = space_keys(spec);
    for (const char* c : {"device", "tau", "hard", "alpha", "acc_loss", "gumbel"})
        k.insert(c);
    if (has_resources)
        for (const char* c : {"beta", "C", "res_ub"})
            k.insert(c);
    return k;
}

/// The session of a loss the device's reader built, with the spec's variables, noise and common
/// parameters read (see the header comment); refusals as spec_error naming the key.
template <class Loss>
std::unique_ptr<session> composed_session(const json& spec, reading mode, std::unique_ptr<Loss> loss, composed_parts<Loss> parts) {
    using namespace detail;
    Loss& l = *loss;
    auto s = std::make_unique<detail::session_impl<Loss>>(std::move(loss), std::move(parts.design), std::move(parts.report),
                                                          parts.group_keys);
    // every key must be known: the common ones, the variables', the device's
    std::set<std::string> known = common_keys(spec, Loss::has_resources);
    for (const auto& v : s->variables())
        known.insert(v.name);
    known.insert(parts.device_keys.begin(), parts.device_keys.end());
    refuse_unknown(spec, "", known);
    // the variables by name, then the noise of the sampled ones
    for (std::size_t k = 0; k < s->variables().size(); ++k) {
        const variable_info& v = s->variables()[k];
        const json* value = nullptr;
        if (mode == reading::evaluation)
            value = &require_key(spec, v.name, v.name);
        else if (const auto it = spec.find(v.name); it != spec.end())
            value = &*it;
        if (value)
            s->set_variable(k, read_tensor(*value, v.name, v.shape).data());
    }
    if (const auto g = spec.find("gumbel"); g != spec.end() && !g->is_null()) {
        std::set<std::string> sampled;
        std::string names;
        for (const auto& v : s->variables())
            if (v.sampled) {
                sampled.insert(v.name);
                names += (names.empty() ? "" : ", ") + v.name;
            }
        if (!g->is_object())
            fail("gumbel", "an object {" + names + "}", *g);
        refuse_unknown(*g, "gumbel.", sampled);
        for (std::size_t k = 0; k < s->variables().size(); ++k) {
            const variable_info& v = s->variables()[k];
            if (v.sampled) {
                const std::string key = "gumbel." + v.name;
                s->set_noise(k, read_tensor(require_key(*g, v.name, key), key, v.shape).data());
            }
        }
    }
    // the common parameters
    auto& p = l.params();
    p.tau = number(require_key(spec, "tau", "tau"), "tau");
    read_flag(spec, "hard", p.hard);
    const auto parameter = [&](const char* key, bool required, auto& v) {
        if (required)
            v = number(require_key(spec, key, key), key);
        else if (const auto it = spec.find(key); it != spec.end())
            v = number(*it, key);
    };
    parameter("alpha", parts.required.alpha, p.alpha);
    if constexpr (Loss::has_resources) {
        parameter("beta", parts.required.resources, p.beta);
        parameter("C", parts.required.resources, p.C);
        parameter("res_ub", parts.required.resources, p.res_ub);
    }
    parameter("acc_loss", mode == reading::evaluation, p.acc_loss);
    return s;
}

}  // namespace nais_eval
