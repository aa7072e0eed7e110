// composed_device(): the space a spec names, the dispatch to the device's builder for that space
// kind, and nais-eval's document for any composed loss (read through its session).
#include "composed_device.hpp"

#include "common_reader.hpp"
#include "space_reader.hpp"

#include <nais/core.hpp>
#include <nais/network.hpp>

namespace nais_eval {

namespace {

using nais_json::detail::fail;

/// The session of the spec's space, through the builder of that space kind.
std::unique_ptr<session> open_on_space(const json& spec, const std::string& base_dir, reading mode, const std::string& device,
                                       open_function<nais::runtime_space> on_blocks,
                                       open_function<nais::layered_space> on_layers) {
    try {
        if (spec.contains("space")) {
            if (!on_layers)
                throw spec_error("key 'space': device '" + device + "' takes MBConv \"blocks\", \"ops\" and \"bits\"");
            return on_layers(spec, detail::read_layered_space_key(spec, base_dir), base_dir, mode);
        }
        if (!on_blocks)
            throw spec_error("key 'space' is missing (device '" + device + "' searches a space of layers)");
        return on_blocks(spec, detail::read_space(spec), base_dir, mode);
    } catch (const nais::invalid_argument& e) {
        throw spec_error(e.what());
    }
}

/// A flat row-major array as nested lists of `shape`.
json nested(const std::vector<double>& flat, const std::vector<std::size_t>& shape, std::size_t level, std::size_t& at) {
    json out = json::array();
    for (std::size_t k = 0; k < shape[level]; ++k)
        out.push_back(level + 1 == shape.size() ? json(flat[at++]) : nested(flat, shape, level + 1, at));
    return out;
}

/// nais-eval's document: the loss, its terms, every variable's gradient by its spec name (and
/// acc_loss's), then the device's report.
json evaluation_document(session& s) {
    const session_result r = s.evaluate();
    json out;
    out["loss"] = r.loss;
    out["perf_loss"] = r.perf_loss;
    if (s.has_resources()) {
        out["res"] = r.res;
        out["penalty"] = r.penalty;
    }
    if (!r.perf_blocks.empty())
        out["perf_blocks"] = r.perf_blocks;
    json grad = json::object();
    for (std::size_t k = 0; k < s.variables().size(); ++k) {
        const variable_info& v = s.variables()[k];
        std::size_t n = 1;
        for (std::size_t d : v.shape)
            n *= d;
        std::vector<double> flat(n);
        s.get_gradient(k, flat.data());
        std::size_t at = 0;
        grad[v.name] = nested(flat, v.shape, 0, at);
    }
    grad["acc_loss"] = r.grad_acc_loss;
    out["grad"] = std::move(grad);
    s.add_report(out);
    return out;
}

}  // namespace

std::set<std::string> space_keys(const json& spec) {
    if (spec.contains("space"))
        return {"space", "bits"};
    return {"blocks", "ops", "bits"};
}

device_entry composed_device(std::string name, std::string summary, open_function<nais::runtime_space> on_blocks,
                             open_function<nais::layered_space> on_layers) {
    device_entry e;
    e.name = name;
    e.summary = std::move(summary);
    e.open = [name, on_blocks, on_layers](const json& spec, const std::string& base_dir) {
        return open_on_space(spec, base_dir, reading::session, name, on_blocks, on_layers);
    };
    e.evaluate = [name, on_blocks, on_layers](const json& spec, const std::string& base_dir) {
        const auto s = open_on_space(spec, base_dir, reading::evaluation, name, on_blocks, on_layers);
        try {
            return evaluation_document(*s);
        } catch (const nais::invalid_argument& err) {
            throw spec_error(err.what());
        }
    };
    return e;
}

device_entry composed_device(std::string name, std::string summary, open_function<nais::runtime_space> on_blocks,
                             open_function<nais::layered_space> on_layers,
                             std::function<json(const json& spec, const std::string& base_dir)> exact) {
    device_entry e = composed_device(std::move(name), std::move(summary), on_blocks, on_layers);
    e.evaluate = [composed = std::move(e.evaluate), exact = std::move(exact)](const json& spec, const std::string& base_dir) {
        const bool on_space = spec.is_object() && (spec.contains("blocks") || spec.contains("space"));
        return on_space ? composed(spec, base_dir) : exact(spec, base_dir);
    };
    return e;
}

}  // namespace nais_eval
