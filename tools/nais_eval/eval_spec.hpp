// nais-eval's spec format: JSON in, JSON out. Kept out of the core headers (it needs
// nlohmann-json); tests include it to check the tool in-process.
#pragma once
#include <nais/nais.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace nais_eval {

/// A malformed spec: one line naming the key and what was expected.
class spec_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

using json = nlohmann::json;

namespace detail {

inline std::string type_name(const json& j) {
    if (j.is_number())
        return "number " + j.dump();
    if (j.is_string())
        return "string " + j.dump();
    return std::string(j.type_name());
}

[[noreturn]] inline void fail(const std::string& key, const std::string& expected, const json& got) {
    throw spec_error("key '" + key + "': expected " + expected + ", got " + type_name(got));
}

inline const json& require_key(const json& obj, const std::string& key, const std::string& path) {
    const auto it = obj.find(key);
    if (it == obj.end())
        throw spec_error("key '" + path + "' is missing");
    return *it;
}

inline double number(const json& j, const std::string& key) {
    if (!j.is_number())
        fail(key, "a finite number", j);
    const double v = j.get<double>();
    if (!std::isfinite(v))
        fail(key, "a finite number", j);
    return v;
}

inline int integer_at_least(const json& j, const std::string& key, int lo) {
    if (!j.is_number_integer())
        fail(key, "an integer >= " + std::to_string(lo), j);
    const auto v = j.get<long long>();
    if (v < lo || v > 1'000'000'000)
        fail(key, "an integer >= " + std::to_string(lo) + " (and <= 1e9)", j);
    return static_cast<int>(v);
}

inline const json& array_of(const json& j, const std::string& key, std::size_t n, const std::string& what) {
    if (!j.is_array())
        fail(key, "an array of " + std::to_string(n) + " " + what, j);
    if (j.size() != n)
        throw spec_error("key '" + key + "': expected an array of " + std::to_string(n) + " " + what + ", got " +
                         std::to_string(j.size()) + " entries");
    return j;
}

/// Reads a nested list of the given shape into `put(flat_index_tuple, value)`.
template <class Put>
void read_nested(const json& j, const std::string& key, const std::vector<std::size_t>& shape, std::size_t level,
                 std::vector<std::size_t>& index, Put&& put) {
    const bool leaf = level + 1 == shape.size();
    const json& a = array_of(j, key, shape[level], leaf ? "numbers" : "arrays");
    for (std::size_t k = 0; k < shape[level]; ++k) {
        index[level] = k;
        const std::string sub = key + "[" + std::to_string(k) + "]";
        if (leaf)
            put(index, number(a[k], sub));
        else
            read_nested(a[k], sub, shape, level + 1, index, put);
    }
}

template <class Put>
void read_tensor(const json& j, const std::string& key, const std::vector<std::size_t>& shape, Put&& put) {
    std::vector<std::size_t> index(shape.size());
    read_nested(j, key, shape, 0, index, put);
}

/// Field `name` of object `obj` at key path `path`: present, an integer >= 1.
inline int positive_field(const json& obj, const std::string& path, const char* name) {
    const std::string key = path + "." + name;
    return integer_at_least(require_key(obj, name, key), key, 1);
}

inline nais::runtime_space read_space(const json& spec) {
    const json& blocks = require_key(spec, "blocks", "blocks");
    if (!blocks.is_array() || blocks.empty())
        fail("blocks", "a non-empty array of {cin, cout, h, w, stride}", blocks);
    std::vector<nais::block> b;
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        const std::string p = "blocks[" + std::to_string(i) + "]";
        const json& x = blocks[i];
        if (!x.is_object())
            fail(p, "an object {cin, cout, h, w, stride}", x);
        b.push_back({positive_field(x, p, "cin"), positive_field(x, p, "cout"), positive_field(x, p, "h"),
                     positive_field(x, p, "w"), positive_field(x, p, "stride")});
    }
    const json& ops = require_key(spec, "ops", "ops");
    if (!ops.is_array() || ops.empty())
        fail("ops", "a non-empty array of {kernel, expand}", ops);
    std::vector<nais::mbconv> o;
    for (std::size_t m = 0; m < ops.size(); ++m) {
        const std::string p = "ops[" + std::to_string(m) + "]";
        if (!ops[m].is_object())
            fail(p, "an object {kernel, expand}", ops[m]);
        o.push_back({positive_field(ops[m], p, "kernel"), positive_field(ops[m], p, "expand")});
    }
    const json& bits = require_key(spec, "bits", "bits");
    if (!bits.is_array() || bits.empty())
        fail("bits", "a non-empty array of bit-widths in 1..32", bits);
    std::vector<int> q;
    for (std::size_t k = 0; k < bits.size(); ++k)
        q.push_back(integer_at_least(bits[k], "bits[" + std::to_string(k) + "]", 1));
    try {
        return nais::runtime_space(std::move(b), std::move(o), std::move(q));
    } catch (const nais::invalid_argument& e) {
        throw spec_error(e.what());
    }
}

inline json to_json_2d(const auto& a) {  // N x M array -> nested list
    json out = json::array();
    for (Eigen::Index r = 0; r < a.rows(); ++r) {
        json row = json::array();
        for (Eigen::Index c = 0; c < a.cols(); ++c)
            row.push_back(static_cast<double>(a(r, c)));
        out.push_back(std::move(row));
    }
    return out;
}

inline json to_json_1d(const auto& a) {
    json out = json::array();
    for (Eigen::Index k = 0; k < a.size(); ++k)
        out.push_back(static_cast<double>(a(k)));
    return out;
}

template <class Arch>
json evaluate_fpga(const json& spec, const nais::runtime_space& space) {
    using loss_t = nais::fpga::loss<nais::runtime_space, double, Arch>;
    auto l = std::make_unique<loss_t>(space);
    const std::size_t n = static_cast<std::size_t>(space.num_blocks()), m = static_cast<std::size_t>(space.num_ops()),
                      q = static_cast<std::size_t>(space.num_bits());
    constexpr bool shared = loss_t::shared;
    const std::vector<std::size_t> theta_shape{n, m};
    const std::vector<std::size_t> phi_shape = shared ? std::vector<std::size_t>{m, q} : std::vector<std::size_t>{n, m, q};
    const std::vector<std::size_t> pf_shape = shared ? std::vector<std::size_t>{m} : std::vector<std::size_t>{n, m};
    auto put_theta = [](auto& a) { return [&a](const std::vector<std::size_t>& i, double v) { a(Eigen::Index(i[0]), Eigen::Index(i[1])) = v; }; };
    auto put_phi = [n](auto& a) {
        return [&a, n](const std::vector<std::size_t>& i, double v) {
            if constexpr (shared)
                a(Eigen::Index(i[0]), Eigen::Index(i[1])) = v;
            else
                a(Eigen::Index(i[0] + n * i[1]), Eigen::Index(i[2])) = v;  // row i + N*m
        };
    };
    read_tensor(require_key(spec, "theta", "theta"), "theta", theta_shape, put_theta(l->theta()));
    read_tensor(require_key(spec, "phi", "phi"), "phi", phi_shape, put_phi(l->phi()));
    read_tensor(require_key(spec, "pf", "pf"), "pf", pf_shape, [&](const std::vector<std::size_t>& i, double v) {
        if constexpr (shared)
            l->pf()(Eigen::Index(i[0])) = v;
        else
            l->pf()(Eigen::Index(i[0]), Eigen::Index(i[1])) = v;
    });
    if (const auto g = spec.find("gumbel"); g != spec.end() && !g->is_null()) {
        if (!g->is_object())
            fail("gumbel", "an object {theta, phi}", *g);
        read_tensor(require_key(*g, "theta", "gumbel.theta"), "gumbel.theta", theta_shape, put_theta(l->theta_noise()));
        read_tensor(require_key(*g, "phi", "gumbel.phi"), "gumbel.phi", phi_shape, put_phi(l->phi_noise()));
    }
    auto& p = l->params;
    p.tau = number(require_key(spec, "tau", "tau"), "tau");
    if (const auto h = spec.find("hard"); h != spec.end()) {
        if (!h->is_boolean())
            fail("hard", "true or false", *h);
        p.hard = h->get<bool>();
    }
    p.alpha = number(require_key(spec, "alpha", "alpha"), "alpha");
    p.beta = number(require_key(spec, "beta", "beta"), "beta");
    p.C = number(require_key(spec, "C", "C"), "C");
    p.res_ub = number(require_key(spec, "res_ub", "res_ub"), "res_ub");
    p.acc_loss = number(require_key(spec, "acc_loss", "acc_loss"), "acc_loss");
    if (const auto s = spec.find("lse_smoothness"); s != spec.end())
        p.lse_smoothness = number(*s, "lse_smoothness");
    try {
        l->evaluate();
    } catch (const nais::invalid_argument& e) {
        throw spec_error(e.what());
    }
    json grad;
    grad["theta"] = to_json_2d(l->grad_theta());
    if constexpr (shared) {
        grad["phi"] = to_json_2d(l->grad_phi());
        grad["pf"] = to_json_1d(l->grad_pf());
    } else {
        json phi = json::array();
        for (std::size_t i = 0; i < n; ++i) {
            json row = json::array();
            for (std::size_t k = 0; k < m; ++k)
                row.push_back(to_json_1d(l->grad_phi().row(Eigen::Index(i + n * k)).transpose()));
            phi.push_back(std::move(row));
        }
        grad["phi"] = std::move(phi);
        grad["pf"] = to_json_2d(l->grad_pf());
    }
    grad["acc_loss"] = l->grad_acc_loss();
    json out;
    out["loss"] = l->value();
    out["perf_loss"] = l->perf_loss();
    out["res"] = l->res();
    out["penalty"] = l->penalty();
    out["perf_blocks"] = to_json_1d(l->perf_blocks());
    out["grad"] = std::move(grad);
    return out;
}

/// Reads the Gumbel-softmax keys shared by every device: tau, optional hard.
template <class Params>
void read_sampling(const json& spec, Params& p) {
    p.tau = number(require_key(spec, "tau", "tau"), "tau");
    if (const auto h = spec.find("hard"); h != spec.end()) {
        if (!h->is_boolean())
            fail("hard", "true or false", *h);
        p.hard = h->get<bool>();
    }
    p.acc_loss = number(require_key(spec, "acc_loss", "acc_loss"), "acc_loss");
}

/// The optional "gumbel" object, or null.
inline const json* gumbel_of(const json& spec, const std::string& expected) {
    const auto g = spec.find("gumbel");
    if (g == spec.end() || g->is_null())
        return nullptr;
    if (!g->is_object())
        fail("gumbel", expected, *g);
    return &*g;
}

inline auto put_2d(auto& a) {
    return [&a](const std::vector<std::size_t>& i, double v) { a(Eigen::Index(i[0]), Eigen::Index(i[1])) = v; };
}
inline auto put_row(auto& a) {  // a 1 x Q row from a flat list
    return [&a](const std::vector<std::size_t>& i, double v) { a(0, Eigen::Index(i[0])) = v; };
}

template <class Loss>
void evaluate_or_throw(Loss& l) {
    try {
        l.evaluate();
    } catch (const nais::invalid_argument& e) {
        throw spec_error(e.what());
    }
}

/// Adds entries {block, kernel, expand, bits, latency_ms} (an array, or an object with
/// "entries") to a table builder; `key` names the value in messages.
inline void read_table_entries(const json& j, const std::string& key,
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

/// "latency_table": a path (CSV, or JSON when it ends in .json; relative to the spec's
/// directory) or an inline table; "normalize": "none" (default), "max" or a reference in ms.
inline nais::gpu::latency_table read_latency_table(const json& spec, const nais::runtime_space& space,
                                                   const std::string& base_dir) {
    const json& t = require_key(spec, "latency_table", "latency_table");
    nais::gpu::latency_table table;
    try {
        if (t.is_string()) {
            std::filesystem::path path = t.get<std::string>();
            if (path.is_relative() && !base_dir.empty())
                path = std::filesystem::path(base_dir) / path;
            if (path.extension() == ".json") {
                std::ifstream in(path);
                if (!in)
                    throw spec_error("key 'latency_table': cannot open '" + path.string() + "'");
                json file;
                try {
                    file = json::parse(in);
                } catch (const json::parse_error& e) {
                    throw spec_error("key 'latency_table': malformed JSON in '" + path.string() + "': " + e.what());
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
        const auto n = spec.find("normalize");
        if (n == spec.end() || (n->is_string() && n->get<std::string>() == "none"))
            return table;
        if (n->is_string() && n->get<std::string>() == "max")
            return table.normalized_by(table.max());
        if (n->is_number())
            return table.normalized_by(number(*n, "normalize"));
        fail("normalize", "\"none\", \"max\" or a reference latency in ms", *n);
    } catch (const nais::invalid_argument& e) {
        throw spec_error(e.what());
    }
}

inline json evaluate_gpu(const json& spec, const nais::runtime_space& space, const std::string& base_dir) {
    using loss_t = nais::gpu::loss<nais::runtime_space>;
    const auto table = read_latency_table(spec, space, base_dir);
    auto l = std::make_unique<loss_t>(space, table);
    const std::size_t n = std::size_t(space.num_blocks()), m = std::size_t(space.num_ops()), q = std::size_t(space.num_bits());
    read_tensor(require_key(spec, "theta", "theta"), "theta", {n, m}, put_2d(l->theta()));
    read_tensor(require_key(spec, "phi", "phi"), "phi", {q}, put_row(l->phi()));
    if (const json* g = gumbel_of(spec, "an object {theta, phi}")) {
        read_tensor(require_key(*g, "theta", "gumbel.theta"), "gumbel.theta", {n, m}, put_2d(l->theta_noise()));
        read_tensor(require_key(*g, "phi", "gumbel.phi"), "gumbel.phi", {q}, put_row(l->phi_noise()));
    }
    read_sampling(spec, l->params);
    l->params.alpha = number(require_key(spec, "alpha", "alpha"), "alpha");
    evaluate_or_throw(*l);
    const nais::gpu::design d = l->derive();
    json out;
    out["loss"] = l->value();
    out["perf_loss"] = l->perf_loss();
    out["perf_blocks"] = to_json_1d(l->perf_blocks());
    out["grad"] = {{"theta", to_json_2d(l->grad_theta())},
                   {"phi", to_json_1d(l->grad_phi().transpose())},
                   {"acc_loss", l->grad_acc_loss()}};
    out["design"] = {{"ops", d.ops}, {"bits", space.bit_width(d.bits)}, {"latency", nais::gpu::evaluate(table, d).latency}};
    return out;
}

/// phi of a Loom loss, shaped by its sharing rule: [Q], M x Q or N x M x Q (row i + N*m).
template <class Sharing>
std::vector<std::size_t> loom_phi_shape(std::size_t n, std::size_t m, std::size_t q) {
    if constexpr (std::is_same_v<Sharing, nais::sharing::network_wide>)
        return {q};
    else if constexpr (std::is_same_v<Sharing, nais::sharing::per_op_type>)
        return {m, q};
    else
        return {n, m, q};
}
template <class Sharing>
auto put_loom_phi(auto& a, std::size_t n) {
    return [&a, n](const std::vector<std::size_t>& i, double v) {
        if constexpr (std::is_same_v<Sharing, nais::sharing::network_wide>)
            a(0, Eigen::Index(i[0])) = v;
        else if constexpr (std::is_same_v<Sharing, nais::sharing::per_op_type>)
            a(Eigen::Index(i[0]), Eigen::Index(i[1])) = v;
        else
            a(Eigen::Index(i[0] + n * i[1]), Eigen::Index(i[2])) = v;
    };
}
template <class Sharing>
json loom_phi_json(const auto& a, std::size_t n, std::size_t m) {
    if constexpr (std::is_same_v<Sharing, nais::sharing::network_wide>)
        return to_json_1d(a.row(0).transpose());
    else if constexpr (std::is_same_v<Sharing, nais::sharing::per_op_type>)
        return to_json_2d(a);
    else {
        json out = json::array();
        for (std::size_t i = 0; i < n; ++i) {
            json row = json::array();
            for (std::size_t k = 0; k < m; ++k)
                row.push_back(to_json_1d(a.row(Eigen::Index(i + n * k)).transpose()));
            out.push_back(std::move(row));
        }
        return out;
    }
}

inline nais::loom::accelerator read_accelerator(const json& spec) {
    nais::loom::accelerator acc;
    const auto a = spec.find("accelerator");
    if (a == spec.end())
        return acc;
    if (!a->is_object())
        fail("accelerator", "an object {macs_per_cycle, clock_mhz, baseline_bits, mac_energy, weight_bit_energy, "
                            "activation_bit_energy} (each optional)", *a);
    const auto opt = [&](const char* key, double& v) {
        if (const auto it = a->find(key); it != a->end())
            v = number(*it, std::string("accelerator.") + key);
    };
    opt("macs_per_cycle", acc.equivalent_macs_per_cycle);
    opt("clock_mhz", acc.clock_mhz);
    opt("mac_energy", acc.mac_energy);
    opt("weight_bit_energy", acc.weight_bit_energy);
    opt("activation_bit_energy", acc.activation_bit_energy);
    if (const auto it = a->find("baseline_bits"); it != a->end())
        acc.baseline_bits = integer_at_least(*it, "accelerator.baseline_bits", 1);
    try {
        acc.validate();
    } catch (const nais::invalid_argument& e) {
        throw spec_error(e.what());
    }
    return acc;
}

/// "objective": {"mode": "product" | "weighted_sum", "weights": [latency, energy], "exponents": [..]}
inline nais::objective_mix<double, 2> read_objective(const json& spec) {
    nais::objective_mix<double, 2> mix;
    const auto o = spec.find("objective");
    if (o == spec.end())
        return mix;
    if (!o->is_object())
        fail("objective", "an object {mode, weights, exponents}", *o);
    if (const auto mode = o->find("mode"); mode != o->end()) {
        if (*mode == "product")
            mix.mode = nais::combination::product;
        else if (*mode == "weighted_sum")
            mix.mode = nais::combination::weighted_sum;
        else
            fail("objective.mode", "\"product\" or \"weighted_sum\"", *mode);
    }
    const auto pair = [&](const char* key, std::array<double, 2>& v) {
        if (const auto it = o->find(key); it != o->end())
            read_tensor(*it, std::string("objective.") + key, {2},
                        [&v](const std::vector<std::size_t>& i, double x) { v[i[0]] = x; });
    };
    pair("weights", mix.weight);
    pair("exponents", mix.exponent);
    return mix;
}

template <class Sharing>
json evaluate_loom(const json& spec, const nais::runtime_space& space) {
    using loss_t = nais::loom::loss<nais::runtime_space, double, Sharing>;
    const auto acc = read_accelerator(spec);
    auto l = std::make_unique<loss_t>(space, acc);
    const std::size_t n = std::size_t(space.num_blocks()), m = std::size_t(space.num_ops()), q = std::size_t(space.num_bits());
    const auto phi_shape = loom_phi_shape<Sharing>(n, m, q);
    read_tensor(require_key(spec, "theta", "theta"), "theta", {n, m}, put_2d(l->theta()));
    read_tensor(require_key(spec, "phi", "phi"), "phi", phi_shape, put_loom_phi<Sharing>(l->phi_weights(), n));
    read_tensor(require_key(spec, "phi_act", "phi_act"), "phi_act", phi_shape, put_loom_phi<Sharing>(l->phi_activations(), n));
    if (const json* g = gumbel_of(spec, "an object {theta, phi, phi_act}")) {
        read_tensor(require_key(*g, "theta", "gumbel.theta"), "gumbel.theta", {n, m}, put_2d(l->theta_noise()));
        read_tensor(require_key(*g, "phi", "gumbel.phi"), "gumbel.phi", phi_shape,
                    put_loom_phi<Sharing>(l->phi_weights_noise(), n));
        read_tensor(require_key(*g, "phi_act", "gumbel.phi_act"), "gumbel.phi_act", phi_shape,
                    put_loom_phi<Sharing>(l->phi_activations_noise(), n));
    }
    read_sampling(spec, l->params);
    l->params.objective = read_objective(spec);
    evaluate_or_throw(*l);
    const nais::loom::design d = l->derive();
    const nais::loom::design_report r = nais::loom::evaluate<Sharing>(space, acc, d);
    json out;
    out["loss"] = l->value();
    out["perf_loss"] = l->perf_loss();
    out["latency_cycles"] = l->latency();
    out["energy"] = l->energy();
    out["latency_blocks"] = to_json_1d(l->latency_blocks());
    out["energy_blocks"] = to_json_1d(l->energy_blocks());
    out["grad"] = {{"theta", to_json_2d(l->grad_theta())},
                   {"phi", loom_phi_json<Sharing>(l->grad_phi_weights(), n, m)},
                   {"phi_act", loom_phi_json<Sharing>(l->grad_phi_activations(), n, m)},
                   {"acc_loss", l->grad_acc_loss()}};
    out["design"] = {{"ops", d.ops},       {"weight_bits", d.weight_bits}, {"activation_bits", d.activation_bits},
                     {"cycles", r.cycles}, {"ms", r.ms},                   {"energy", r.energy}};
    return out;
}

inline json evaluate_loom_spec(const json& spec, const nais::runtime_space& space) {
    const auto s = spec.find("sharing");
    const std::string rule = s == spec.end() ? "per-op" : (s->is_string() ? s->get<std::string>() : "");
    if (rule == "network")
        return evaluate_loom<nais::sharing::network_wide>(spec, space);
    if (rule == "per-op")
        return evaluate_loom<nais::sharing::per_op_type>(spec, space);
    if (rule == "per-block-op")
        return evaluate_loom<nais::sharing::per_block_op>(spec, space);
    fail("sharing", "\"network\", \"per-op\" or \"per-block-op\"", *s);
}

}  // namespace detail

/// Evaluates a spec (see README: nais-eval) and returns the output document.
/// `base_dir` resolves a relative "latency_table" path (the spec file's directory; empty: the
/// working directory).
inline json evaluate_spec(const json& spec, const std::string& base_dir = "") {
    if (!spec.is_object())
        throw spec_error("the spec must be a JSON object, got " + detail::type_name(spec));
    const json& device = detail::require_key(spec, "device", "device");
    const char* expected = "\"fpga-recursive\", \"fpga-pipelined\", \"gpu\" or \"loom\"";
    if (!device.is_string())
        detail::fail("device", expected, device);
    const std::string d = device.get<std::string>();
    if (d != "fpga-recursive" && d != "fpga-pipelined" && d != "gpu" && d != "loom")
        detail::fail("device", expected, device);
    const nais::runtime_space space = detail::read_space(spec);
    if (d == "gpu")
        return detail::evaluate_gpu(spec, space, base_dir);
    if (d == "loom")
        return detail::evaluate_loom_spec(spec, space);
    return d == "fpga-recursive" ? detail::evaluate_fpga<nais::fpga::recursive>(spec, space)
                                 : detail::evaluate_fpga<nais::fpga::pipelined>(spec, space);
}

namespace detail {
/// The key whose value encloses byte `pos` of `text` (the last "key": before it), or "".
inline std::string key_before(const std::string& text, std::size_t pos) {
    pos = std::min(pos, text.size());
    for (std::size_t colon = text.rfind(':', pos); colon != std::string::npos && colon > 0;
         colon = text.rfind(':', colon - 1)) {
        std::size_t end = colon;
        while (end > 0 && std::isspace(static_cast<unsigned char>(text[end - 1])))
            --end;
        if (end == 0 || text[end - 1] != '"')
            continue;
        const std::size_t begin = text.rfind('"', end - 2);
        if (begin != std::string::npos)
            return text.substr(begin + 1, end - 2 - begin);
    }
    return "";
}
}  // namespace detail

/// Parses text and evaluates it; malformed JSON becomes a spec_error too, naming the key whose
/// value could not be read (JSON has no NaN or Infinity, so such a value lands here).
inline json evaluate_text(const std::string& text, const std::string& base_dir = "") {
    json spec;
    try {
        spec = json::parse(text);
    } catch (const json::parse_error& e) {
        const std::string key = detail::key_before(text, e.byte == 0 ? 0 : e.byte - 1);
        throw spec_error("malformed JSON" + (key.empty() ? std::string() : " in the value of key '" + key + "'") +
                         " (expected finite numbers; JSON has no NaN or Infinity): " + e.what());
    }
    return evaluate_spec(spec, base_dir);
}

}  // namespace nais_eval
