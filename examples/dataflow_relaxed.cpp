// The dataflow model relaxed in continuous hardware (nais/device/dataflow/relaxed.hpp): MobileNetV2
// (torchvision's, 224 x 224) on a row-stationary PE array, with the PE array's X and Y and the
// RF's words as real variables.
//   1. the relaxed model against the exact one (the padded template) at integer hardware, as the
//      temperature falls;
//   2. its gradients at a real point;
//   3. how often the relaxed gradient's sign agrees with the exact model's integer differences;
//   4. the exact optimum of EDAP (cycles x energy x area) over a grid (PE X, Y in 4 .. 32 by 2, RF
//      in 16 .. 1024 words by powers of two), the way to choose hardware on this staircase.
#include <nais/dataflow.hpp>
#include <nais/network/zoo.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

using namespace nais;
using namespace nais::dataflow;

namespace {

/// cycles, pJ, um^2 of a network on integer hardware (the padded template, exact).
std::array<double, 3> exact_network(const std::vector<layer>& layers, const hardware& h) {
    std::array<double, 3> f{0, 0, 0};
    for (const layer& l : layers) {
        const relaxed_costs<double> c = exact_padded(l, h);
        f[0] += c.cycles, f[1] += c.energy, f[2] = c.area;
    }
    return f;
}

double log_edap(const std::array<double, 3>& f) { return std::log(f[0]) + std::log(f[1]) + std::log(f[2]); }

}  // namespace

int main() {
    const std::vector<layer> layers = layers_of(net::analyze(net::mobilenet_v2()));
    hardware h;
    h.pe_x = 14, h.pe_y = 12, h.rf_entries = 256, h.dataflow = dataflow_kind::row_stationary;
    const std::array<double, 3> exact = exact_network(layers, h);
    std::printf("1. MobileNetV2 (%zu conv / fc layers) on PE 14 x 12, RF 256, RS: exact %.0f cycles, %.4g pJ, %.4g um^2\n", layers.size(), exact[0],
                exact[1], exact[2]);
    const relaxed_hardware at{14, 12, 256, h.buffer_entries, h.dataflow};
    for (double tau : {0.2, 0.05, 0.02, 0.005, 0.001}) {
        const relaxed_costs<relaxed_dual> r = relaxed_network(layers, at, {tau, tau});
        std::printf("   relaxed, tau %-6g %.0f cycles (%+6.2f%%), %.4g pJ (%+6.2f%%)\n", tau, r.cycles.v, 100 * (r.cycles.v / exact[0] - 1), r.energy.v,
                    100 * (r.energy.v / exact[1] - 1));
    }

    relaxed_hardware mid = at;
    mid.pe_x = 14.5, mid.pe_y = 12.5, mid.rf_entries = 256.5;
    const relaxed_costs<relaxed_dual> g = relaxed_network(layers, mid, {0.05, 0.05});
    std::printf("\n2. At PE 14.5 x 12.5, RF 256.5 (tau 0.05): value and d/d(pe_x, pe_y, rf)\n");
    const auto row = [](const char* what, const relaxed_dual& v) {
        std::printf("   %-7s %12.5g: %12.5g %12.5g %12.5g\n", what, v.v, v.d(var_pe_x), v.d(var_pe_y), v.d(var_rf));
    };
    row("cycles", g.cycles);
    row("pJ", g.energy);
    row("um^2", g.area);

    // 3. the relaxed gradient of log EDAP against the exact model's central integer differences
    // (PE +-1, RF +-4 words) on a grid of hardware points: how often their signs agree
    {
        const std::array<double, 3> step{1, 1, 4};
        for (double tau : {0.2, 0.05, 0.005}) {
            int agree = 0, compared = 0;
            for (std::int64_t px = 6; px <= 30; px += 6)
                for (std::int64_t py = 6; py <= 30; py += 6)
                    for (std::int64_t rf = 32; rf <= 512; rf *= 4) {
                        const relaxed_hardware x{double(px), double(py), double(rf), h.buffer_entries, h.dataflow};
                        const relaxed_costs<relaxed_dual> c = relaxed_network(layers, x, {tau, tau});
                        for (int j = 0; j < 3; ++j) {
                            const double relaxed_slope = c.cycles.d(j) / c.cycles.v + c.energy.d(j) / c.energy.v + c.area.d(j) / c.area.v;
                            hardware up = h, down = h;
                            up.pe_x = down.pe_x = px, up.pe_y = down.pe_y = py, up.rf_entries = down.rf_entries = rf;
                            std::int64_t* const u_field = j == var_pe_x ? &up.pe_x : j == var_pe_y ? &up.pe_y : &up.rf_entries;
                            std::int64_t* const d_field = j == var_pe_x ? &down.pe_x : j == var_pe_y ? &down.pe_y : &down.rf_entries;
                            *u_field += std::int64_t(step[std::size_t(j)]), *d_field -= std::int64_t(step[std::size_t(j)]);
                            const double exact_slope = log_edap(exact_network(layers, up)) - log_edap(exact_network(layers, down));
                            ++compared;
                            agree += (relaxed_slope > 0) == (exact_slope > 0);
                        }
                    }
            std::printf("%s   tau %-6g relaxed d log EDAP and the exact central difference agree in sign at %d of %d (point, variable) pairs\n",
                        tau == 0.2 ? "\n3. On a 5 x 5 x 3 grid (PE 6 .. 30 by 6, RF 32 .. 512 by 4x; steps PE +-1, RF +-4):\n" : "", tau, agree,
                        compared);
        }
    }

    // 4. the way to choose hardware: the exact model on every point of a grid
    const auto start = std::chrono::steady_clock::now();
    hardware best = h;
    double best_value = INFINITY;
    int points = 0;
    for (std::int64_t px = 4; px <= 32; px += 2)
        for (std::int64_t py = 4; py <= 32; py += 2)
            for (std::int64_t rf = 16; rf <= 1024; rf *= 2) {
                hardware q = h;
                q.pe_x = px, q.pe_y = py, q.rf_entries = rf;
                const double v = log_edap(exact_network(layers, q));
                ++points;
                if (v < best_value)
                    best_value = v, best = q;
            }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::printf("\n4. The exact EDAP optimum over PE X, Y in 4 .. 32 by 2 and RF 16 .. 1024 by 2x (%d points, %.0f ms): PE %lld x %lld, RF %lld, "
                "EDAP %.4g (PE 14 x 12, RF 256: %.4g)\n",
                points, ms, static_cast<long long>(best.pe_x), static_cast<long long>(best.pe_y), static_cast<long long>(best.rf_entries),
                std::exp(best_value), std::exp(log_edap(exact)));
    return 0;
}
