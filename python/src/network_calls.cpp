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

nlohmann::json network_of(const nlohmann::json& spec, const std::vector<int>& choice, const std::string& base_dir) {
    return refusing([&] {
        const nais::layered_space s = nais_eval::detail::read_layered_space_key(spec, base_dir);
        std::vector<int> ops(static_cast<std::size_t>(s.num_blocks()), s.fixed_column());
        std::size_t k = 0;
        for (int i = 0; i < s.num_blocks(); ++i)
            if (s.role(i) == nais::row_role::searchable) {
                if (k == choice.size())
                    throw nais_json::spec_error("choice: " + std::to_string(choice.size()) + " ops for a space with more searchable blocks");
                const int m = choice[k++];
                if (m < 0 || m >= s.num_candidates(i) || !s.available(i, m))
                    throw nais_json::spec_error("choice[" + std::to_string(k - 1) + "]: " + std::to_string(m) + " is not a candidate of its block");
                ops[static_cast<std::size_t>(i)] = m;
            }
        if (k != choice.size())
            throw nais_json::spec_error("choice: " + std::to_string(choice.size()) + " ops for " + std::to_string(k) + " searchable blocks");
        return nais_net::to_json(s.instantiate(ops));
    });
}

nlohmann::json analyze(const nlohmann::json& network) {
    return refusing([&] {
        const nais::net::network n = nais_net::read_network(network);
        return nais_net::report_json(n, nais::net::analyze(n));
    });
}

}  // namespace nais_python
