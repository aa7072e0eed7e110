// The GPU device's reader (EDD Sec. 4.2): latency tables per (block, op, precision), on MBConv
// blocks or a space of layers. Keys beyond the common ones (composed_reader.hpp):
// "latency_table" (a CSV or JSON path relative to the spec, or inline) and "normalize"; alpha is
// required; no resource term. The report and the session's design: the derived network and
// precision with its exact latency in the table's unit.
#include "composed_reader.hpp"

#include <nais/gpu.hpp>

#include <filesystem>

namespace nais_eval {

namespace detail {

/// Adds entries {block, kernel, expand, bits, latency_ms} (an array, or an object with
/// "entries") to a table builder; `key` names the value in messages.
static void read_table_entries(const json& j, const std::string& key,
                               nais::gpu::latency_table_builder<nais::runtime_space>& builder) {
    const json& entries = j.is_object() ? require_key(j, "entries", key + ".entries") : j;
    const std::string path = j.is_object() ? key + ".entries" : key;
    if (!entries.is_array())
        fail(path, "an array of {block, kernel, expand, bits, latency_ms}", entries);
    for (std::size_t k = 0; k < entries.size(); ++k) {
        const std::string p = path + "[" + std::to_string(k) + "]";
        const json& e = entries[k];
        if (!e.is_object())
            fail(p, "an object {block, kernel, expand, bits, latency_ms}", e);
        const int block = integer_at_least(require_key(e, "block", p + ".block"), p + ".block", 0);
        const double ms = number(require_key(e, "latency_ms", p + ".latency_ms"), p + ".latency_ms");
        try {
            builder.add(block, positive_field(e, p, "kernel"), positive_field(e, p, "expand"), positive_field(e, p, "bits"),
                        ms, "key '" + p + "'");
        } catch (const nais::invalid_argument& err) {
            throw spec_error(err.what());
        }
    }
}

/// "normalize": "none" (default), "max" or a reference latency in ms.
static nais::gpu::latency_table normalized(const json& spec, const nais::gpu::latency_table& table) {
    const auto n = spec.find("normalize");
    if (n == spec.end() || (n->is_string() && n->get<std::string>() == "none"))
        return table;
    if (n->is_string() && n->get<std::string>() == "max")
        return table.normalized_by(table.max());
    if (n->is_number())
        return table.normalized_by(number(*n, "normalize"));
    fail("normalize", "\"none\", \"max\" or a reference latency in ms", *n);
}

/// "latency_table": a path (CSV, or JSON when it ends in .json; relative to the spec's
/// directory) or an inline table; "normalize": "none" (default), "max" or a reference in ms.
static nais::gpu::latency_table read_latency_table(const json& spec, const nais::runtime_space& space,
                                                   const std::string& base_dir) {
    const json& t = require_key(spec, "latency_table", "latency_table");
    nais::gpu::latency_table table;
    try {
        if (t.is_string()) {
            const std::filesystem::path path = spec_path(t.get<std::string>(), base_dir);
            if (path.extension() == ".json") {
                json file;
                try {
                    file = nais_json::parse(nais_json::read_file(path, "latency_table"));
                } catch (const spec_error& e) {
                    throw spec_error("key 'latency_table': in '" + path.string() + "': " + e.what());
                }
                nais::gpu::latency_table_builder<nais::runtime_space> builder(space, path.string());
                read_table_entries(file, path.string(), builder);
                table = builder.finish();
            } else {
                table = nais::gpu::load_latency_table_csv(path.string(), space);
            }
        } else if (t.is_array() || t.is_object()) {
            nais::gpu::latency_table_builder<nais::runtime_space> builder(space, "latency_table");
            read_table_entries(t, "latency_table", builder);
            table = builder.finish();
        } else {
            fail("latency_table", "a path or an array of {block, kernel, expand, bits, latency_ms}", t);
        }
        return normalized(spec, table);
    } catch (const nais::invalid_argument& e) {
        throw spec_error(e.what());
    }
}

/// For a space of layers: "latency_table" is a CSV path (columns signature,bits,latency_ms) or an
/// inline array of {signature, bits, latency_ms}, keyed by nais::net::op_signature (nais-net
/// --signatures lists what a space needs).
static nais::gpu::latency_table read_latency_table(const json& spec, const nais::layered_space& space,
                                                   const std::string& base_dir) {
    const json& t = require_key(spec, "latency_table", "latency_table");
    nais::gpu::signature_table entries;
    std::string source = "latency_table";
    try {
        if (t.is_string()) {
            const std::filesystem::path path = spec_path(t.get<std::string>(), base_dir);
            entries = nais::gpu::load_signature_table_csv(path.string());
            source = path.string();
        } else if (t.is_array()) {
            for (std::size_t k = 0; k < t.size(); ++k) {
                const std::string p = "latency_table[" + std::to_string(k) + "]";
                const json& e = t[k];
                if (!e.is_object())
                    fail(p, "an object {signature, bits, latency_ms}", e);
                const json& sig = require_key(e, "signature", p + ".signature");
                if (!sig.is_string())
                    fail(p + ".signature", "a string (nais-net --signatures)", sig);
                entries.add(sig.get<std::string>(), positive_field(e, p, "bits"),
                            number(require_key(e, "latency_ms", p + ".latency_ms"), p + ".latency_ms"), "key '" + p + "'");
            }
        } else {
            fail("latency_table", "a CSV path or an array of {signature, bits, latency_ms}", t);
        }
        return normalized(spec, nais::gpu::latency_table_for(space, entries, source));
    } catch (const nais::invalid_argument& e) {
        throw spec_error(e.what());
    }
}

/// The derived network and precision, and its exact latency in the table's unit.
template <class S>
static json gpu_design(const nais::gpu::loss<S>& l, const S& space, const nais::gpu::latency_table& table) {
    const nais::gpu::design d = l.derive();
    return {{"ops", d.ops}, {"bits", space.bit_width(d.bits)}, {"latency", nais::gpu::evaluate(table, d).latency}};
}

template <class S>
static std::unique_ptr<session> open_gpu(const json& spec, const S& space, const std::string& base_dir, reading mode) {
    using loss_t = nais::gpu::loss<S>;
    const auto table = read_latency_table(spec, space, base_dir);
    const auto design = [space, table](const loss_t& l, double) { return gpu_design(l, space, table); };
    composed_parts<loss_t> parts{design, [design](const loss_t& l, json& out) { out["design"] = design(l, 0); }};
    parts.device_keys = {"latency_table", "normalize"};
    parts.required.resources = false;
    return composed_session(spec, mode, std::make_unique<loss_t>(space, table), std::move(parts));
}

}  // namespace detail

device_entry gpu_device() {
    return composed_device("gpu", "EDD's GPU: measured latency tables per (block, op, precision), a network-wide precision",
                           &detail::open_gpu<nais::runtime_space>, &detail::open_gpu<nais::layered_space>);
}

}  // namespace nais_eval
