// nais-eval's GPU devices (see eval_spec.hpp).
#include "eval_spec.hpp"

namespace nais_eval::detail {

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

template <class S>
static std::unique_ptr<nais::gpu::loss<S>> build_gpu(const json& spec, const S& space,
                                                     const nais::gpu::latency_table& table, reading mode) {
    auto l = std::make_unique<nais::gpu::loss<S>>(space, table);
    const std::size_t n = std::size_t(space.num_blocks()), m = std::size_t(space.num_ops()), q = std::size_t(space.num_bits());
    read_variable(spec, "theta", mode, {n, m}, put_2d(l->theta()));
    read_variable(spec, "phi", mode, {q}, put_row(l->phi()));
    if (const json* g = gumbel_of(spec, "an object {theta, phi}")) {
        read_tensor(require_key(*g, "theta", "gumbel.theta"), "gumbel.theta", {n, m}, put_2d(l->theta_noise()));
        read_tensor(require_key(*g, "phi", "gumbel.phi"), "gumbel.phi", {q}, put_row(l->phi_noise()));
    }
    read_sampling(spec, l->params(), mode);
    l->params().alpha = number(require_key(spec, "alpha", "alpha"), "alpha");
    return l;
}

/// The derived network and precision, and its exact latency in the table's unit.
template <class S>
static json gpu_design(const nais::gpu::loss<S>& l, const S& space, const nais::gpu::latency_table& table) {
    const nais::gpu::design d = l.derive();
    return {{"ops", d.ops}, {"bits", space.bit_width(d.bits)}, {"latency", nais::gpu::evaluate(table, d).latency}};
}

template <class S>
static std::unique_ptr<session> gpu_session(const json& spec, const S& space, const std::string& base_dir) {
    auto table = read_latency_table(spec, space, base_dir);
    auto l = build_gpu(spec, space, table, reading::session);
    return make_session(std::move(l), [space, table](const nais::gpu::loss<S>& loss, double) {
        return gpu_design(loss, space, table);
    });
}

template <class S>
static json evaluate_gpu_any(const json& spec, const S& space, const std::string& base_dir) {
    const auto table = read_latency_table(spec, space, base_dir);
    auto l = build_gpu(spec, space, table, reading::evaluation);
    evaluate_or_throw(*l);
    json out;
    out["loss"] = l->value();
    out["perf_loss"] = l->perf_loss();
    out["perf_blocks"] = to_json_1d(l->perf_blocks());
    out["grad"] = {{"theta", to_json_2d(l->grad_theta())},
                   {"phi", to_json_1d(l->grad_phi().transpose())},
                   {"acc_loss", l->grad_acc_loss()}};
    out["design"] = gpu_design(*l, space, table);
    return out;
}

std::unique_ptr<session> session_gpu(const json& spec, const nais::runtime_space& space, const std::string& base_dir) {
    return gpu_session(spec, space, base_dir);
}
std::unique_ptr<session> session_gpu(const json& spec, const nais::layered_space& space, const std::string& base_dir) {
    return gpu_session(spec, space, base_dir);
}

json evaluate_gpu(const json& spec, const nais::runtime_space& space, const std::string& base_dir) {
    return evaluate_gpu_any(spec, space, base_dir);
}
json evaluate_gpu(const json& spec, const nais::layered_space& space, const std::string& base_dir) {
    return evaluate_gpu_any(spec, space, base_dir);
}

}  // namespace nais_eval::detail
