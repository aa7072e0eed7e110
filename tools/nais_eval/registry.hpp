// The devices above the core: one registry that nais-eval, the sessions (the Python module and
// its torch bridge) and every error listing the known devices read. A device registers a name,
// a one-line summary and its reader: `evaluate` (nais-eval's output document for a spec) and,
// for a device with a composed loss, `open` (the loss built once from a spec, as a session).
// The shipped devices are registered in registry.cpp, one line each; a program (a test, a user's
// tool, a Python plug-in) may add its own at run time with devices().add(...).
// This header includes no nais header: code that only dispatches (nais-eval's main, the Python
// module) compiles in a few seconds.
#pragma once
#include "session.hpp"

#include <json_io.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace nais_eval {

using json = nlohmann::json;
using nais_json::spec_error;  ///< a refusal naming the key (nais-eval exits 2 with its one line)

/// What a device's reader provides (see composed_reader.hpp for the composed losses' one).
struct device_entry {
    std::string name;     ///< the spec's "device"
    std::string summary;  ///< one line: what it models (nais-eval --devices, docs)
    /// nais-eval: the output document for a spec; `base_dir` resolves the spec's relative paths
    std::function<json(const json& spec, const std::string& base_dir)> evaluate;
    /// the composed loss built once from a spec (variables and acc_loss optional); empty for a
    /// device without a composed loss
    std::function<std::unique_ptr<session>(const json& spec, const std::string& base_dir)> open;
};

/// The registered devices, in registration order.
class device_registry {
public:
    device_registry() = default;
    explicit device_registry(std::vector<device_entry> entries);
    /// Adds a device; refuses an empty name, a name already taken and an entry without evaluate.
    void add(device_entry entry);
    /// The entry named `name`, or nullptr.
    const device_entry* find(const std::string& name) const;
    const std::vector<device_entry>& entries() const { return entries_; }
    /// "\"a\", \"b\" or \"c\"": the names, for messages (with_loss: only those with a composed loss).
    std::string listing(bool with_loss = false) const;

private:
    std::vector<device_entry> entries_;
};

/// The registry every tool and the Python module use: the shipped devices (registry.cpp) and
/// any added since.
device_registry& devices();

/// The entry of the spec's "device" (checked: an object with a registered device name; with
/// `needs_loss`, one with a composed loss), or a spec_error naming the key and the known names.
const device_entry& device_of(const json& spec, bool needs_loss = false);

/// Evaluates a spec (README: nais-eval) and returns the output document. `base_dir` resolves the
/// spec's relative paths (the spec file's directory; empty: the working directory).
json evaluate_spec(const json& spec, const std::string& base_dir = "");

/// Builds a session from a spec: nais-eval's keys, with the variables and acc_loss optional.
std::unique_ptr<session> open_session(const json& spec, const std::string& base_dir = "");

/// Parses text and evaluates it; malformed JSON becomes a spec_error naming the key whose value
/// could not be read.
json evaluate_text(const std::string& text, const std::string& base_dir = "");

}  // namespace nais_eval
