// The devices nais's tools and Python module know: one registration per device, in this file
// (docs/design.md, "Adding a device model"). A device's entry comes from its reader (one
// translation unit, <device>_reader.cpp); nais-eval, nais.evaluate, nais.Session and
// nais.torch.HardwareLoss find it here by its "device" name.
#include "registry.hpp"

#include <json_io.hpp>

#include <nais/core.hpp>

#include <algorithm>
#include <utility>

namespace nais_eval {

// each reader's entry (defined in its reader's translation unit)
device_entry fpga_recursive_device();
device_entry fpga_pipelined_device();
device_entry gpu_device();
device_entry loom_device();
device_entry tiled_device();
device_entry dataflow_device();
device_entry calibrated_device();
device_entry bundle_device();
device_entry h2h_device();

device_registry& devices() {
    static device_registry registry{{
        fpga_recursive_device(),
        fpga_pipelined_device(),
        gpu_device(),
        loom_device(),
        tiled_device(),
        dataflow_device(),
        calibrated_device(),
        bundle_device(),
        h2h_device(),
    }};
    return registry;
}

// ------------------------------------------------------------------ the registry itself

device_registry::device_registry(std::vector<device_entry> entries) {
    for (auto& e : entries)
        add(std::move(e));
}

void device_registry::add(device_entry entry) {
    if (entry.name.empty())
        throw std::invalid_argument("nais_eval::device_registry: a device needs a name");
    if (find(entry.name))
        throw std::invalid_argument("nais_eval::device_registry: device '" + entry.name + "' is registered already");
    if (!entry.evaluate)
        throw std::invalid_argument("nais_eval::device_registry: device '" + entry.name + "' has no evaluate");
    entries_.push_back(std::move(entry));
}

const device_entry* device_registry::find(const std::string& name) const {
    const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const device_entry& e) { return e.name == name; });
    return it == entries_.end() ? nullptr : &*it;
}

std::string device_registry::listing(bool with_loss) const {
    std::vector<std::string> names;
    for (const auto& e : entries_)
        if (!with_loss || e.open)
            names.push_back("\"" + e.name + "\"");
    std::string out;
    for (std::size_t k = 0; k < names.size(); ++k)
        out += (k == 0 ? "" : k + 1 == names.size() ? " or " : ", ") + names[k];
    return out;
}

const device_entry& device_of(const json& spec, bool needs_loss) {
    using nais_json::detail::fail;
    if (!spec.is_object())
        throw spec_error("the spec must be a JSON object, got " + nais_json::detail::type_name(spec));
    const json& device = nais_json::detail::require_key(spec, "device", "device");
    const std::string expected = devices().listing(needs_loss);
    if (!device.is_string())
        fail("device", expected, device);
    const device_entry* e = devices().find(device.get<std::string>());
    if (!e || (needs_loss && !e->open))
        fail("device", expected, device);
    return *e;
}

namespace {

/// Runs f; the library's refusals of values become spec_error (one line, naming the term).
template <class F>
auto refusing(F&& f) {
    try {
        return f();
    } catch (const nais::invalid_argument& e) {
        throw spec_error(e.what());
    }
}

}  // namespace

json evaluate_spec(const json& spec, const std::string& base_dir) {
    return refusing([&] { return device_of(spec).evaluate(spec, base_dir); });
}

std::unique_ptr<session> open_session(const json& spec, const std::string& base_dir) {
    return refusing([&] { return device_of(spec, true).open(spec, base_dir); });
}

json evaluate_text(const std::string& text, const std::string& base_dir) {
    return evaluate_spec(nais_json::parse(text), base_dir);
}

}  // namespace nais_eval
