// The space reader (and a network read as a fixed space) on arbitrary text: every candidate
// analysed, the network of the first choice, the GPU keys; an accepted space written back reads
// to the same grid.
#include "check.hpp"
#include "json_mutator.hpp"

#include <nais/gpu.hpp>
#include <nais_net/space_json.hpp>

NAIS_FUZZ_JSON_MUTATOR

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    nais_fuzz::run_reader([&] {
        const nais_json::json doc = nais_json::parse(text);
        const nais::layered_space s = nais_net::read_layered_space(doc, {8, 16});
        std::vector<int> first(static_cast<std::size_t>(s.num_blocks()));
        for (int i = 0; i < s.num_blocks(); ++i)
            while (!s.available(i, first[static_cast<std::size_t>(i)]))
                ++first[static_cast<std::size_t>(i)];
        const auto n = s.instantiate(first);
        (void)nais::net::analyze(n);
        (void)nais::gpu::required_signatures(s);
        if (nais_net::detail::is_space(doc)) {
            const nais::layered_space again = nais_net::read_layered_space(nais_net::to_json(s.description()));
            if (again.num_blocks() != s.num_blocks() || again.num_ops() != s.num_ops() ||
                again.work(0, 0) != s.work(0, 0))
                nais_fuzz::finding("space to_json round trip changes the grid", s.name());
        }
    });
    return 0;
}
