// The run-time network format (JSON), one flat list in execution order like a traced graph:
//   {"name", "input": [c, h, w], "layers": [{"name", "kind", ..., "inputs": [names]}]}
// `inputs` defaults to the previous layer ("input" names the network input). Per kind, optional
// keys default as in PyTorch:
//   conv   {cout, kernel (k or [kh, kw]), stride = 1, padding = 0, dilation = 1, groups = 1, bias = true}
//   fc     {out, bias = true}                       (the input is flattened)
//   pool   {op: "max" | "avg", kernel, stride = kernel, padding = 0, ceil_mode = false} or {op, global: true}
//   bn_act, add, concat                             (no settings)
//   reorg  {stride}
//   shuffle {groups}                                (a channel shuffle; shape kept)
//   slice  {begin, end}                             (channels [begin, end) of the input: chunk, split)
//   act, scale                                      (nais extensions: an activation alone; x * gate of
//                                                    squeeze-and-excitation, inputs [x, gate])
// Unknown keys are refused (a typo must not silently take a default). Tools only: the core does
// not use JSON.
#pragma once
#include <nais/network.hpp>

#include <json_io.hpp>

#include <array>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace nais_net {

using nais_json::json;
using nais_json::spec_error;
namespace jd = nais_json::detail;

namespace detail {

/// k or [kh, kw] at key `key` (each an integer >= lo).
inline std::array<int, 2> pair_of(const json& j, const std::string& key, int lo) {
    if (j.is_array()) {
        jd::array_of(j, key, 2, "integers");
        return {jd::integer_at_least(j[0], key + "[0]", lo), jd::integer_at_least(j[1], key + "[1]", lo)};
    }
    const int v = jd::integer_at_least(j, key, lo);
    return {v, v};
}

inline bool boolean(const json& j, const std::string& key) {
    if (!j.is_boolean())
        jd::fail(key, "true or false", j);
    return j.get<bool>();
}

inline nais::net::layer_kind kind_of(const json& j, const std::string& key) {
    using nais::net::layer_kind;
    static const std::vector<std::pair<const char*, layer_kind>> kinds{
        {"conv", layer_kind::conv},     {"fc", layer_kind::fc},   {"pool", layer_kind::pool},
        {"bn_act", layer_kind::bn_act}, {"act", layer_kind::act}, {"add", layer_kind::add},
        {"concat", layer_kind::concat}, {"reorg", layer_kind::reorg}, {"scale", layer_kind::scale},
        {"shuffle", layer_kind::shuffle}, {"slice", layer_kind::slice}};
    if (j.is_string())
        for (const auto& [name, k] : kinds)
            if (j == name)
                return k;
    jd::fail(key, "one of \"conv\", \"fc\", \"pool\", \"bn_act\", \"act\", \"add\", \"concat\", \"reorg\", \"scale\", \"shuffle\", \"slice\"", j);
}

/// The keys a kind accepts (besides name, kind, inputs).
inline std::set<std::string> keys_of(nais::net::layer_kind k) {
    using nais::net::layer_kind;
    switch (k) {
    case layer_kind::conv:
        return {"cout", "kernel", "stride", "padding", "dilation", "groups", "bias"};
    case layer_kind::fc:
        return {"out", "bias"};
    case layer_kind::pool:
        return {"op", "kernel", "stride", "padding", "ceil_mode", "global"};
    case layer_kind::reorg:
        return {"stride"};
    case layer_kind::shuffle:
        return {"groups"};
    case layer_kind::slice:
        return {"begin", "end"};
    default:
        return {};
    }
}

inline nais::net::layer read_layer(const json& x, const std::string& p) {
    using nais::net::layer_kind;
    if (!x.is_object())
        jd::fail(p, "an object {name, kind, ...}", x);
    nais::net::layer l;
    const json& name = jd::require_key(x, "name", p + ".name");
    if (!name.is_string() || name.get<std::string>().empty())
        jd::fail(p + ".name", "a non-empty string", name);
    l.name = name.get<std::string>();
    const std::string q = p + " ('" + l.name + "')";
    l.kind = kind_of(jd::require_key(x, "kind", q + ".kind"), q + ".kind");
    const std::set<std::string> allowed = keys_of(l.kind);
    for (auto it = x.begin(); it != x.end(); ++it)
        if (it.key() != "name" && it.key() != "kind" && it.key() != "inputs" && !allowed.count(it.key()))
            throw spec_error("key '" + q + "." + it.key() + "': not a setting of a " + x["kind"].get<std::string>() +
                             " layer");
    if (const auto in = x.find("inputs"); in != x.end()) {
        if (!in->is_array() || in->empty())
            jd::fail(q + ".inputs", "a non-empty array of layer names", *in);
        for (std::size_t k = 0; k < in->size(); ++k) {
            if (!(*in)[k].is_string())
                jd::fail(q + ".inputs[" + std::to_string(k) + "]", "a layer name", (*in)[k]);
            l.inputs.push_back((*in)[k].get<std::string>());
        }
    }
    const auto opt = [&](const char* key) -> const json* {
        const auto it = x.find(key);
        return it == x.end() ? nullptr : &*it;
    };
    // an optional k or [kh, kw] setting into (h, w); absent keeps the default already there
    const auto read_pair = [&](const char* key, int lo, int& h, int& w) {
        if (const json* s = opt(key)) {
            const auto v = pair_of(*s, q + "." + key, lo);
            h = v[0];
            w = v[1];
        }
    };
    switch (l.kind) {
    case layer_kind::conv: {
        l.out = jd::integer_at_least(jd::require_key(x, "cout", q + ".cout"), q + ".cout", 1);
        const auto k = pair_of(jd::require_key(x, "kernel", q + ".kernel"), q + ".kernel", 1);
        l.kernel_h = k[0];
        l.kernel_w = k[1];
        l.bias = true;  // PyTorch's default
        read_pair("stride", 1, l.stride_h, l.stride_w);
        read_pair("padding", 0, l.pad_h, l.pad_w);
        read_pair("dilation", 1, l.dilation_h, l.dilation_w);
        if (const json* s = opt("groups"))
            l.groups = jd::integer_at_least(*s, q + ".groups", 1);
        if (const json* s = opt("bias"))
            l.bias = boolean(*s, q + ".bias");
        break;
    }
    case layer_kind::fc:
        l.out = jd::integer_at_least(jd::require_key(x, "out", q + ".out"), q + ".out", 1);
        l.bias = true;
        if (const json* s = opt("bias"))
            l.bias = boolean(*s, q + ".bias");
        break;
    case layer_kind::pool: {
        const json& op = jd::require_key(x, "op", q + ".op");
        if (op != "max" && op != "avg")
            jd::fail(q + ".op", "\"max\" or \"avg\"", op);
        l.op = op == "max" ? nais::net::pool_op::max : nais::net::pool_op::avg;
        if (const json* g = opt("global"))
            l.global = boolean(*g, q + ".global");
        if (l.global) {
            for (const char* k : {"kernel", "stride", "padding", "ceil_mode"})
                if (opt(k))
                    throw spec_error("key '" + q + "." + k + "': a global pool takes no " + k);
            break;
        }
        const auto k = pair_of(jd::require_key(x, "kernel", q + ".kernel"), q + ".kernel", 1);
        l.kernel_h = k[0];
        l.kernel_w = k[1];
        l.stride_h = k[0];  // PyTorch: stride defaults to the kernel
        l.stride_w = k[1];
        read_pair("stride", 1, l.stride_h, l.stride_w);
        read_pair("padding", 0, l.pad_h, l.pad_w);
        if (const json* s = opt("ceil_mode"))
            l.ceil_mode = boolean(*s, q + ".ceil_mode");
        break;
    }
    case layer_kind::reorg: {
        jd::require_key(x, "stride", q + ".stride");
        read_pair("stride", 1, l.stride_h, l.stride_w);
        break;
    }
    case layer_kind::shuffle:
        l.groups = jd::integer_at_least(jd::require_key(x, "groups", q + ".groups"), q + ".groups", 1);
        break;
    case layer_kind::slice:
        l.channel_begin = jd::integer_at_least(jd::require_key(x, "begin", q + ".begin"), q + ".begin", 0);
        l.channel_end = jd::integer_at_least(jd::require_key(x, "end", q + ".end"), q + ".end", 1);
        break;
    default:
        break;
    }
    return l;
}

/// "input": [c, h, w], each an integer >= 1, at key `key`.
inline nais::net::tensor_shape read_shape(const json& spec, const std::string& key) {
    const json& in = jd::array_of(jd::require_key(spec, "input", key), key, 3, "integers [c, h, w]");
    return {jd::integer_at_least(in[0], key + "[0]", 1), jd::integer_at_least(in[1], key + "[1]", 1),
            jd::integer_at_least(in[2], key + "[2]", 1)};
}

inline json pair_json(int a, int b) { return a == b ? json(a) : json::array({a, b}); }

}  // namespace detail

/// Reads a network description; throws spec_error naming the key (prefixed by `at`, e.g.
/// "space." when the description sits under that key of a spec).
inline nais::net::network read_network(const json& spec, const std::string& at = "") {
    if (!spec.is_object())
        throw spec_error((at.empty() ? std::string("the network") : "key '" + at.substr(0, at.size() - 1) + "'") +
                         " must be a JSON object {name, input, layers}, got " + jd::type_name(spec));
    nais::net::network n;
    const json& name = jd::require_key(spec, "name", at + "name");
    if (!name.is_string())
        jd::fail(at + "name", "a string", name);
    n.name = name.get<std::string>();
    n.input = detail::read_shape(spec, at + "input");
    const json& layers = jd::require_key(spec, "layers", at + "layers");
    if (!layers.is_array() || layers.empty())
        jd::fail(at + "layers", "a non-empty array of layers", layers);
    for (std::size_t k = 0; k < layers.size(); ++k)
        n.layers.push_back(detail::read_layer(layers[k], at + "layers[" + std::to_string(k) + "]"));
    return n;
}

/// The description of a network in the format above (every setting of its kind written out).
inline json to_json(const nais::net::network& n) {
    using nais::net::layer_kind;
    json layers = json::array();
    for (const auto& l : n.layers) {
        json x{{"name", l.name}, {"kind", nais::net::kind_name(l.kind)}};
        if (l.kind == layer_kind::act)
            x["kind"] = "act";
        if (l.kind == layer_kind::scale)
            x["kind"] = "scale";
        switch (l.kind) {
        case layer_kind::conv:
            x["cout"] = l.out;
            x["kernel"] = detail::pair_json(l.kernel_h, l.kernel_w);
            x["stride"] = detail::pair_json(l.stride_h, l.stride_w);
            x["padding"] = detail::pair_json(l.pad_h, l.pad_w);
            if (l.dilation_h != 1 || l.dilation_w != 1)
                x["dilation"] = detail::pair_json(l.dilation_h, l.dilation_w);
            x["groups"] = l.groups;
            x["bias"] = l.bias;
            break;
        case layer_kind::fc:
            x["out"] = l.out;
            x["bias"] = l.bias;
            break;
        case layer_kind::pool:
            x["op"] = l.op == nais::net::pool_op::max ? "max" : "avg";
            if (l.global) {
                x["global"] = true;
            } else {
                x["kernel"] = detail::pair_json(l.kernel_h, l.kernel_w);
                x["stride"] = detail::pair_json(l.stride_h, l.stride_w);
                x["padding"] = detail::pair_json(l.pad_h, l.pad_w);
                x["ceil_mode"] = l.ceil_mode;
            }
            break;
        case layer_kind::reorg:
            x["stride"] = detail::pair_json(l.stride_h, l.stride_w);
            break;
        case layer_kind::shuffle:
            x["groups"] = l.groups;
            break;
        case layer_kind::slice:
            x["begin"] = l.channel_begin;
            x["end"] = l.channel_end;
            break;
        default:
            break;
        }
        if (!l.inputs.empty())
            x["inputs"] = l.inputs;
        layers.push_back(std::move(x));
    }
    return json{{"name", n.name}, {"input", {n.input.c, n.input.h, n.input.w}}, {"layers", std::move(layers)}};
}

/// nais-net --json: the per-layer analysis and the totals.
inline json report_json(const nais::net::network& n, const nais::net::network_report& r) {
    json layers = json::array();
    for (std::size_t k = 0; k < r.layers.size(); ++k) {
        const auto& l = n.layers[k];
        const auto& x = r.layers[k];
        const bool windowed = l.kind == nais::net::layer_kind::conv || (l.kind == nais::net::layer_kind::pool && !l.global);
        layers.push_back({{"name", x.name},
                          {"kind", nais::net::kind_name(x.kind)},
                          {"cin", x.in.c},
                          {"cout", x.out.c},
                          {"h_in", x.in.h},
                          {"w_in", x.in.w},
                          {"h_out", x.out.h},
                          {"w_out", x.out.w},
                          {"kernel", windowed ? detail::pair_json(l.kernel_h, l.kernel_w)
                                              : (l.kind == nais::net::layer_kind::pool ? json(x.in.h) : json(1))},
                          {"stride", windowed || l.kind == nais::net::layer_kind::reorg
                                         ? detail::pair_json(l.stride_h, l.stride_w)
                                         : json(1)},
                          {"groups", l.kind == nais::net::layer_kind::conv || l.kind == nais::net::layer_kind::shuffle ? l.groups : 1},
                          {"macs", x.macs},
                          {"params", x.params}});
    }
    return json{{"name", r.name},
                {"input", {r.input.c, r.input.h, r.input.w}},
                {"layers", std::move(layers)},
                {"macs", r.macs},
                {"params", r.params}};
}

}  // namespace nais_net
