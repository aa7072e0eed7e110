// nais-eval's spec format: JSON in, JSON out. Kept out of the core headers (it needs
// nlohmann-json); tests include it to check the tool in-process.
#pragma once
#include <nais/nais.hpp>

#include "dataflow_spec.hpp"
#include "network_spec.hpp"
#include "session_impl.hpp"

#include <json_io.hpp>
#include <nais_net/space_json.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <set>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace nais_eval {

using nais_json::json;
using nais_json::spec_error;

namespace detail {

using nais_json::detail::array_of;
using nais_json::detail::fail;
using nais_json::detail::integer_at_least;
using nais_json::detail::int_list;
using nais_json::detail::number;
using nais_json::detail::require_key;
using nais_json::detail::type_name;

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

/// Whether a spec is read for one evaluation (every variable and acc_loss required) or to build
/// a session (variables and acc_loss optional: the caller sets them before each evaluation).
enum class reading { evaluation, session };

/// The value of a variable's key: required for an evaluation, optional (nullptr) for a session.
inline const json* variable_key(const json& spec, const char* key, reading mode) {
    if (mode == reading::evaluation)
        return &require_key(spec, key, key);
    const auto it = spec.find(key);
    return it == spec.end() ? nullptr : &*it;
}

/// Reads variable `key` of the given shape into put(...) when the spec has it (see variable_key).
template <class Put>
void read_variable(const json& spec, const char* key, reading mode, const std::vector<std::size_t>& shape, Put&& put) {
    if (const json* v = variable_key(spec, key, mode))
        read_tensor(*v, key, shape, std::forward<Put>(put));
}

/// Reads the Gumbel-softmax keys shared by every device: tau, optional hard, acc_loss (optional
/// for a session).
template <class Params>
void read_sampling(const json& spec, Params& p, reading mode = reading::evaluation) {
    p.tau = number(require_key(spec, "tau", "tau"), "tau");
    if (const auto h = spec.find("hard"); h != spec.end()) {
        if (!h->is_boolean())
            fail("hard", "true or false", *h);
        p.hard = h->get<bool>();
    }
    if (const json* a = variable_key(spec, "acc_loss", mode))
        p.acc_loss = number(*a, "acc_loss");
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

/// Per-device evaluation, each compiled in its own translation unit (eval_fpga.cpp,
/// eval_gpu.cpp, eval_loom.cpp) so that no unit instantiates every loss.
json evaluate_fpga_recursive(const json& spec, const nais::runtime_space& space);
json evaluate_fpga_pipelined(const json& spec, const nais::runtime_space& space);
json evaluate_gpu(const json& spec, const nais::runtime_space& space, const std::string& base_dir);
json evaluate_loom_spec(const json& spec, const nais::runtime_space& space);
json evaluate_fpga_recursive(const json& spec, const nais::layered_space& space);
json evaluate_fpga_pipelined(const json& spec, const nais::layered_space& space);
json evaluate_gpu(const json& spec, const nais::layered_space& space, const std::string& base_dir);
json evaluate_loom_spec(const json& spec, const nais::layered_space& space);
/// The same devices as sessions: the loss built once from the spec (variables and acc_loss
/// optional), to be evaluated many times (session.hpp; the Python module).
std::unique_ptr<session> session_fpga_recursive(const json& spec, const nais::runtime_space& space);
std::unique_ptr<session> session_fpga_pipelined(const json& spec, const nais::runtime_space& space);
std::unique_ptr<session> session_gpu(const json& spec, const nais::runtime_space& space, const std::string& base_dir);
std::unique_ptr<session> session_loom(const json& spec, const nais::runtime_space& space);
std::unique_ptr<session> session_fpga_recursive(const json& spec, const nais::layered_space& space);
std::unique_ptr<session> session_fpga_pipelined(const json& spec, const nais::layered_space& space);
std::unique_ptr<session> session_gpu(const json& spec, const nais::layered_space& space, const std::string& base_dir);
std::unique_ptr<session> session_loom(const json& spec, const nais::layered_space& space);
/// HotNAS's tiled FPGA template on a network (eval_tiled.cpp).
json evaluate_tiled(const json& spec, const std::string& base_dir);


/// "space": a space or network of real layers: the name of a zoo space or network, a path to
/// a JSON description (relative to the spec's directory), or the description inline. A network
/// (a fixed space of one row) takes the spec's "bits".
inline nais::layered_space read_layered_space_key(const json& spec, const std::string& base_dir) {
    const json& s = require_key(spec, "space", "space");
    std::vector<int> bits;
    if (const auto b = spec.find("bits"); b != spec.end()) {
        if (!b->is_array() || b->empty())
            fail("bits", "a non-empty array of bit-widths in 1..32", *b);
        for (std::size_t k = 0; k < b->size(); ++k)
            bits.push_back(integer_at_least((*b)[k], "bits[" + std::to_string(k) + "]", 1));
    }
    const auto network_bits = [&] {
        if (bits.empty())
            throw spec_error("key 'bits': missing (a network given as \"space\" needs the bit-widths to search)");
        return bits;
    };
    try {
        if (s.is_string()) {
            const std::string name = s.get<std::string>();
            for (const auto& z : nais::space_zoo_names())
                if (z == name)
                    return nais::layered_space(nais::space_zoo(name));
            for (const auto& z : nais::net::zoo_names())
                if (z == name)
                    return nais::layered_space::fixed_network(nais::net::zoo(name), network_bits());
            const std::filesystem::path path = spec_path(name, base_dir);
            std::error_code ec;
            if (!std::filesystem::is_regular_file(path, ec))
                throw spec_error("key 'space': '" + name + "' is neither a zoo name nor a readable file");
            const json doc = nais_json::parse(nais_json::read_file(path, "space"));
            return nais_net::read_layered_space(doc, nais_net::detail::is_space(doc) ? std::vector<int>{8} : network_bits(),
                                                name + ":");
        }
        if (!s.is_object())
            fail("space", "a zoo name, a file name or a space description", s);
        return nais_net::read_layered_space(s, nais_net::detail::is_space(s) ? std::vector<int>{8} : network_bits(), "space.");
    } catch (const nais::invalid_argument& e) {
        throw spec_error(e.what());
    }
}

/// Calls on(space) with the spec's space: a space or network of real layers ("space") or MBConv
/// blocks, ops and bits.
template <class F>
auto with_space(const json& spec, const std::string& base_dir, F&& on) {
    if (spec.contains("space"))
        return on(read_layered_space_key(spec, base_dir));
    return on(read_space(spec));
}

/// The spec's "device" (checked), for the devices with a composed loss (and "fpga-tiled" and
/// "dataflow", evaluated without one, when `tiled` is true).
inline std::string loss_device(const json& spec, bool tiled) {
    if (!spec.is_object())
        throw spec_error("the spec must be a JSON object, got " + type_name(spec));
    const json& device = require_key(spec, "device", "device");
    const char* expected = tiled ? "\"fpga-recursive\", \"fpga-pipelined\", \"gpu\", \"loom\", \"fpga-tiled\" or \"dataflow\""
                                 : "\"fpga-recursive\", \"fpga-pipelined\", \"gpu\" or \"loom\"";
    if (!device.is_string())
        fail("device", expected, device);
    const std::string d = device.get<std::string>();
    if ((d == "fpga-tiled" || d == "dataflow") && tiled)
        return d;
    if (d != "fpga-recursive" && d != "fpga-pipelined" && d != "gpu" && d != "loom")
        fail("device", expected, device);
    return d;
}

}  // namespace detail

/// Evaluates a spec (see README: nais-eval) and returns the output document.
/// `base_dir` resolves a relative "latency_table" path (the spec file's directory; empty: the
/// working directory).
inline json evaluate_spec(const json& spec, const std::string& base_dir = "") {
    const std::string d = detail::loss_device(spec, true);
    if (d == "fpga-tiled")
        return detail::evaluate_tiled(spec, base_dir);
    if (d == "dataflow")
        return detail::evaluate_dataflow(spec, base_dir);
    return detail::with_space(spec, base_dir, [&](const auto& space) {
        if (d == "gpu")
            return detail::evaluate_gpu(spec, space, base_dir);
        if (d == "loom")
            return detail::evaluate_loom_spec(spec, space);
        return d == "fpga-recursive" ? detail::evaluate_fpga_recursive(spec, space)
                                     : detail::evaluate_fpga_pipelined(spec, space);
    });
}

/// Builds a session from a spec: nais-eval's keys, with the variables and acc_loss optional
/// (set them on the session before each evaluation). The devices with a composed loss only.
inline std::unique_ptr<session> open_session(const json& spec, const std::string& base_dir = "") {
    const std::string d = detail::loss_device(spec, false);
    try {
        return detail::with_space(spec, base_dir, [&](const auto& space) {
            if (d == "gpu")
                return detail::session_gpu(spec, space, base_dir);
            if (d == "loom")
                return detail::session_loom(spec, space);
            return d == "fpga-recursive" ? detail::session_fpga_recursive(spec, space)
                                         : detail::session_fpga_pipelined(spec, space);
        });
    } catch (const nais::invalid_argument& e) {
        throw spec_error(e.what());
    }
}

/// Parses text and evaluates it; malformed JSON becomes a spec_error too, naming the key whose
/// value could not be read (JSON has no NaN or Infinity, so such a value lands here).
inline json evaluate_text(const std::string& text, const std::string& base_dir = "") {
    const json spec = nais_json::parse(text);
    return evaluate_spec(spec, base_dir);
}

}  // namespace nais_eval
