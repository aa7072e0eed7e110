// The GPU latency table readers on arbitrary text: the first byte picks nais's CSV format (for a
// small MBConv space), the measured per-shape MBConv format (TF-NAS's columns) or the
// signature-keyed CSV (for a small space of layers).
#include "check.hpp"

#include <nais/gpu.hpp>
#include <nais/network.hpp>

#include <sstream>

namespace {
const nais::runtime_space& mbconv_space() {
    static const nais::runtime_space s({{16, 24, 56, 56, 2}, {24, 24, 28, 28, 1}}, {{3, 3}, {5, 6}}, {8, 16, 32});
    return s;
}
const nais::layered_space& layer_space() {
    static const nais::layered_space s = [] {
        nais::layered_space_description d;
        d.name = "fuzz";
        d.input = {3, 16, 16};
        d.bits = {8, 16};
        d.stem = {nais::net::conv("conv", 8, 3, 1, 1), nais::net::simple("bn", nais::net::layer_kind::bn_act)};
        d.candidates = {nais::net::mbconv_op(3, 3), nais::net::skip_op()};
        d.blocks = {{8, 1, {}}};
        return nais::layered_space(d);
    }();
    return s;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0)
        return 0;
    std::istringstream in(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
    const int which = data[0] % 3;
    nais_fuzz::run_reader([&] {
        {
            if (which == 0) {
                const auto t = nais::gpu::read_latency_table_csv(in, mbconv_space(), "fuzz.csv");
                for (double v : t.values())
                    if (!std::isfinite(v) || v < 0)
                        nais_fuzz::finding("latency table entry not finite and >= 0", std::to_string(v));
            } else if (which == 1) {
                nais::gpu::measured_table_options o;
                o.validate_all_rows = (data[0] / 3) % 2 == 1;
                const auto t = nais::gpu::read_measured_mbconv_table(in, mbconv_space(), o, "fuzz.csv");
                for (double v : t.values())
                    if (!std::isfinite(v) || v < 0)
                        nais_fuzz::finding("measured table entry not finite and >= 0", std::to_string(v));
            } else {
                const auto t = nais::gpu::latency_table_for(layer_space(), nais::gpu::read_signature_table_csv(in, "fuzz.csv"));
                for (double v : t.values())
                    if (!std::isfinite(v) || v < 0)
                        nais_fuzz::finding("signature table entry not finite and >= 0", std::to_string(v));
            }
        }
    });
    return 0;
}
