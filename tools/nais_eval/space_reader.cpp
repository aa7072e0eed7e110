// The spec keys that name a search space (space_reader.hpp).
#include "space_reader.hpp"

#include "common_reader.hpp"

#include <nais/core.hpp>
#include <nais/network.hpp>
#include <nais_net/space_json.hpp>

#include <filesystem>
#include <system_error>
#include <vector>

namespace nais_eval::detail {

using nais_json::detail::fail;
using nais_json::detail::integer_at_least;
using nais_json::detail::positive_field;
using nais_json::detail::require_key;

nais::runtime_space read_space(const json& spec) {
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

/// "space": a space or network of real layers: the name of a zoo space or network, a path to
/// a JSON description (relative to the spec's directory), or the description inline. A network
/// (a fixed space of one row) takes the spec's "bits".
nais::layered_space read_layered_space_key(const json& spec, const std::string& base_dir) {
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

}  // namespace nais_eval::detail
