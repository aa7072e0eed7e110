// The run-time space format (JSON): a network whose middle is searched. Next to the network
// format (network_json.hpp), a space is
//   {"name", "input": [c, h, w], "bits": [q, ...],
//    "stem": [layers],                       fixed layers first (optional; the network format's layers)
//    "candidates": [ops],                    the candidate list of every block (optional if each block has one)
//    "blocks": [{"cout", "stride" = 1, "repeat" = 1, "candidates": [ops]}],
//    "head": [layers],                       fixed layers last (optional; "input" names the last block's output)
//    "fixed_column": 0}                      the op column (so the IP) stem and head occupy
// A block with "repeat": n stands for n blocks, the first with the stride and the others with
// stride 1 (a ProxylessNAS stage). Candidate ops, optional keys defaulting as shown:
//   {"op": "mbconv", "kernel", "expand", "se" = false, "residual" = false}
//   {"op": "conv", "kernel"}  {"op": "basic", "kernel" = 3}  {"op": "bottleneck"}  {"op": "skip"}
//   {"op": "layers", "name", "layers": [layers]}   the user's own ("input" names the block's input)
// and every op may carry a "name". Unknown keys are refused. Tools only: the core does not use
// JSON.
#pragma once
#include "network_json.hpp"

#include <nais/network.hpp>

#include <set>
#include <string>
#include <vector>

namespace nais_net {

namespace detail {

inline std::vector<nais::net::layer> read_layers(const json& j, const std::string& key, bool allow_empty) {
    if (!j.is_array() || (!allow_empty && j.empty()))
        jd::fail(key, allow_empty ? "an array of layers" : "a non-empty array of layers", j);
    std::vector<nais::net::layer> out;
    for (std::size_t k = 0; k < j.size(); ++k)
        out.push_back(read_layer(j[k], key + "[" + std::to_string(k) + "]"));
    return out;
}

inline void only_keys(const json& x, const std::string& p, const std::set<std::string>& allowed, const char* what) {
    for (auto it = x.begin(); it != x.end(); ++it)
        if (!allowed.count(it.key()))
            throw spec_error("key '" + p + "." + it.key() + "': not a setting of " + what);
}

inline nais::net::op_description read_op(const json& x, const std::string& p) {
    using nais::net::op_kind;
    if (!x.is_object())
        jd::fail(p, "an object {op, ...}", x);
    const json& op = jd::require_key(x, "op", p + ".op");
    static const std::vector<std::pair<const char*, op_kind>> kinds{{"mbconv", op_kind::mbconv}, {"conv", op_kind::conv_bn_act},
                                                                    {"basic", op_kind::basic},   {"bottleneck", op_kind::bottleneck},
                                                                    {"skip", op_kind::skip},     {"layers", op_kind::layers}};
    nais::net::op_description d;
    bool known = false;
    for (const auto& [name, k] : kinds)
        if (op.is_string() && op == name) {
            d.kind = k;
            known = true;
        }
    if (!known)
        jd::fail(p + ".op", "one of \"mbconv\", \"conv\", \"basic\", \"bottleneck\", \"skip\", \"layers\"", op);
    const std::string kind = op.get<std::string>();
    switch (d.kind) {
    case op_kind::mbconv:
        only_keys(x, p, {"op", "name", "kernel", "expand", "se", "residual"}, "an mbconv op");
        d.kernel = jd::integer_at_least(jd::require_key(x, "kernel", p + ".kernel"), p + ".kernel", 1);
        d.expand = jd::integer_at_least(jd::require_key(x, "expand", p + ".expand"), p + ".expand", 1);
        if (const auto s = x.find("se"); s != x.end())
            d.se = boolean(*s, p + ".se");
        if (const auto s = x.find("residual"); s != x.end())
            d.residual = boolean(*s, p + ".residual");
        break;
    case op_kind::conv_bn_act:
        only_keys(x, p, {"op", "name", "kernel"}, "a conv op");
        d.kernel = jd::integer_at_least(jd::require_key(x, "kernel", p + ".kernel"), p + ".kernel", 1);
        break;
    case op_kind::basic:
        only_keys(x, p, {"op", "name", "kernel"}, "a basic op");
        if (const auto s = x.find("kernel"); s != x.end())
            d.kernel = jd::integer_at_least(*s, p + ".kernel", 1);
        break;
    case op_kind::layers:
        only_keys(x, p, {"op", "name", "layers"}, "a layers op");
        d.layers = read_layers(jd::require_key(x, "layers", p + ".layers"), p + ".layers", false);
        if (!x.contains("name"))
            throw spec_error("key '" + p + ".name': missing (a layers op needs a name)");
        break;
    default:
        only_keys(x, p, {"op", "name"}, (std::string("a ") + kind + " op").c_str());
        break;
    }
    if (const auto n = x.find("name"); n != x.end()) {
        if (!n->is_string() || n->get<std::string>().empty())
            jd::fail(p + ".name", "a non-empty string", *n);
        d.name = n->get<std::string>();
    }
    return d;
}

inline std::vector<nais::net::op_description> read_ops(const json& j, const std::string& key) {
    if (!j.is_array() || j.empty())
        jd::fail(key, "a non-empty array of candidate ops", j);
    std::vector<nais::net::op_description> out;
    for (std::size_t k = 0; k < j.size(); ++k)
        out.push_back(read_op(j[k], key + "[" + std::to_string(k) + "]"));
    return out;
}

/// Whether a document describes a space (not a network, not an MBConv block list).
inline bool is_space(const json& j) {
    return j.is_object() && (j.contains("stem") || j.contains("head") || j.contains("candidates") ||
                             (j.contains("blocks") && !j.contains("ops")));
}

}  // namespace detail

/// Largest number of blocks a space may expand to (repeat included).
inline constexpr std::size_t max_space_blocks = 4096;

/// Reads a space description; throws spec_error naming the key. The layered_space built from it
/// checks the shapes (throwing nais::invalid_argument naming the block and candidate).
inline nais::layered_space_description read_space_description(const json& spec, const std::string& at = "") {
    if (!spec.is_object())
        throw spec_error("the space must be a JSON object {name, input, bits, stem, candidates, blocks, head}, got " +
                         jd::type_name(spec));
    detail::only_keys(spec, at.empty() ? "space" : at.substr(0, at.size() - 1), {"name", "input", "bits", "stem", "candidates", "blocks", "head", "fixed_column"},
                      "a space");
    nais::layered_space_description d;
    if (const auto n = spec.find("name"); n != spec.end()) {
        if (!n->is_string())
            jd::fail(at + "name", "a string", *n);
        d.name = n->get<std::string>();
    }
    d.input = detail::read_shape(spec, at + "input");
    const json& bits = jd::require_key(spec, "bits", at + "bits");
    if (!bits.is_array() || bits.empty())
        jd::fail(at + "bits", "a non-empty array of bit-widths in 1..32", bits);
    for (std::size_t k = 0; k < bits.size(); ++k)
        d.bits.push_back(jd::integer_at_least(bits[k], at + "bits[" + std::to_string(k) + "]", 1));
    if (const auto s = spec.find("stem"); s != spec.end())
        d.stem = detail::read_layers(*s, at + "stem", true);
    if (const auto h = spec.find("head"); h != spec.end())
        d.head = detail::read_layers(*h, at + "head", true);
    if (const auto c = spec.find("candidates"); c != spec.end())
        d.candidates = detail::read_ops(*c, at + "candidates");
    if (const auto f = spec.find("fixed_column"); f != spec.end())
        d.fixed_column = jd::integer_at_least(*f, at + "fixed_column", 0);
    if (const auto b = spec.find("blocks"); b != spec.end()) {
        if (!b->is_array())
            jd::fail(at + "blocks", "an array of {cout, stride, repeat, candidates}", *b);
        for (std::size_t k = 0; k < b->size(); ++k) {
            const std::string p = at + "blocks[" + std::to_string(k) + "]";
            const json& x = (*b)[k];
            if (!x.is_object())
                jd::fail(p, "an object {cout, stride, repeat, candidates}", x);
            detail::only_keys(x, p, {"cout", "stride", "repeat", "candidates"}, "a block");
            nais::searchable_block blk;
            blk.cout = jd::integer_at_least(jd::require_key(x, "cout", p + ".cout"), p + ".cout", 1);
            if (const auto s = x.find("stride"); s != x.end())
                blk.stride = jd::integer_at_least(*s, p + ".stride", 1);
            int repeat = 1;
            if (const auto r = x.find("repeat"); r != x.end())
                repeat = jd::integer_at_least(*r, p + ".repeat", 1);
            if (const auto c = x.find("candidates"); c != x.end())
                blk.candidates = detail::read_ops(*c, p + ".candidates");
            else if (d.candidates.empty())
                throw spec_error("key '" + p + ".candidates': missing, and the space has no \"candidates\" for every block");
            if (d.blocks.size() + static_cast<std::size_t>(repeat) > max_space_blocks)
                throw spec_error("key '" + p + ".repeat': the space would have more than " +
                                 std::to_string(max_space_blocks) + " blocks");
            for (int r = 0; r < repeat; ++r) {
                d.blocks.push_back(blk);
                blk.stride = 1;  // the rest of a stage keeps the shape
            }
        }
    }
    return d;
}

/// A space document or a network document (a fixed network: one row) as a layered space, with
/// `bits` for a network (which names none). Every refusal is a spec_error naming the key, block
/// or layer.
inline nais::layered_space read_layered_space(const json& spec, const std::vector<int>& network_bits = {8},
                                              const std::string& at = "") {
    try {
        if (detail::is_space(spec))
            return nais::layered_space(read_space_description(spec, at));
        return nais::layered_space::fixed_network(read_network(spec, at), network_bits);
    } catch (const nais::invalid_argument& e) {
        throw spec_error(e.what());
    }
}

/// The description of a space in the format above (blocks written one by one).
inline json to_json(const nais::layered_space_description& d) {
    const auto layers = [](const std::vector<nais::net::layer>& ls) {
        return to_json(nais::net::network{"", {1, 1, 1}, ls})["layers"];
    };
    const auto ops = [&](const std::vector<nais::net::op_description>& list) {
        json out = json::array();
        for (const auto& o : list) {
            json x;
            using nais::net::op_kind;
            switch (o.kind) {
            case op_kind::mbconv:
                x = {{"op", "mbconv"}, {"kernel", o.kernel}, {"expand", o.expand}};
                if (o.se)
                    x["se"] = true;
                if (o.residual)
                    x["residual"] = true;
                break;
            case op_kind::conv_bn_act:
                x = {{"op", "conv"}, {"kernel", o.kernel}};
                break;
            case op_kind::basic:
                x = {{"op", "basic"}, {"kernel", o.kernel}};
                break;
            case op_kind::bottleneck:
                x = {{"op", "bottleneck"}};
                break;
            case op_kind::skip:
                x = {{"op", "skip"}};
                break;
            case op_kind::layers:
            default:
                x = {{"op", "layers"}, {"layers", layers(o.layers)}};
                break;
            }
            if (!o.name.empty())
                x["name"] = o.name;
            out.push_back(std::move(x));
        }
        return out;
    };
    json j{{"name", d.name}, {"input", {d.input.c, d.input.h, d.input.w}}, {"bits", d.bits}};
    if (!d.stem.empty())
        j["stem"] = layers(d.stem);
    if (!d.candidates.empty())
        j["candidates"] = ops(d.candidates);
    json blocks = json::array();
    for (const auto& b : d.blocks) {
        json x{{"cout", b.cout}, {"stride", b.stride}};
        if (!b.candidates.empty())
            x["candidates"] = ops(b.candidates);
        blocks.push_back(std::move(x));
    }
    j["blocks"] = std::move(blocks);
    if (!d.head.empty())
        j["head"] = layers(d.head);
    if (d.fixed_column != 0)
        j["fixed_column"] = d.fixed_column;
    return j;
}

}  // namespace nais_net
