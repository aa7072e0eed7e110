// nais-sweep's reader on arbitrary text, then the first points of the sweep it describes
// (evaluated exactly, incrementally and from scratch, which must agree).
#include "check.hpp"
#include "json_mutator.hpp"

#include <nais_sweep/sweep_reader.hpp>

NAIS_FUZZ_JSON_MUTATOR

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    nais_fuzz::run_reader([&] {
        auto job = nais_sweep::read_sweep_text(text, NAIS_FUZZ_CLI_DIR);
        std::visit(
            [](auto& j) {
                const auto& s = j.space;
                (void)s.count_over({0});
                nais::sweep::evaluator ev(s);
                std::vector<int> digits;
                for (std::uint64_t k = 0; k < 16; ++k) {
                    s.random_digits(7, k, digits);
                    ev.set(digits);
                    const auto d = s.design_of(digits);
                    if (s.digits_of(d) != digits)
                        nais_fuzz::finding("sweep digits do not round-trip", std::to_string(k));
                }
            },
            job);
    });
    return 0;
}
