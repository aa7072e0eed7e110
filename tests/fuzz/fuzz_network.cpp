// The network reader and analysis on arbitrary text; an accepted network written back by
// to_json reads and analyses to the same totals.
#include "check.hpp"
#include "json_mutator.hpp"

#include <nais_net/network_json.hpp>

NAIS_FUZZ_JSON_MUTATOR

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    nais_fuzz::run_reader([&] {
        const auto n = nais_net::read_network(nais_json::parse(text));
        const nais::net::network_report r = nais::net::analyze(n);
        nais_fuzz::require_finite(nais_net::report_json(n, r));
        const auto again = nais::net::analyze(nais_net::read_network(nais_json::parse(nais_net::to_json(n).dump())));
        if (again.macs != r.macs || again.params != r.params || again.work != r.work)
            nais_fuzz::finding("to_json round trip changes the totals", n.name);
    });
    return 0;
}
