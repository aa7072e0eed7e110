// The Python extension's calls into nais's network module (calls.hpp): nais-net --json and
// nais-net --signatures in-process.
#include "calls.hpp"

#include <nais_eval/space_reader.hpp>
#include <nais_net/network_json.hpp>

#include <nais/gpu.hpp>
#include <nais/network.hpp>

namespace nais_python {

namespace {

template <class F>
auto refusing(F&& f) {
    try {
        return f();
    } catch (const nais_json::spec_error& e) {
        throw refusal(e.what());
    } catch (const nais::invalid_argument& e) {
        throw refusal(e.what());
    }
}

}  // namespace

std::vector<std::string> signatures(const nlohmann::json& spec, const std::string& base_dir) {
    return refusing([&] {
        return nais::gpu::required_signatures(nais_eval::detail::read_layered_space_key(spec, base_dir));
    });
}

nlohmann::json analyze(const nlohmann::json& network) {
    return refusing([&] {
        const nais::net::network n = nais_net::read_network(network);
        return nais_net::report_json(n, nais::net::analyze(n));
    });
}

}  // namespace nais_python
