// The dataflow model relaxed in continuous hardware (nais/device/dataflow/relaxed.hpp): MobileNetV2
// (torchvision's, 224 x 224) on a row-stationary PE array, with the PE array's X and Y and the
// RF's words as real variables.
//   1. the relaxed model against the exact one (the padded template) at integer hardware, as the
//      temperature falls;
//   2. its gradients at a real point;
//   3. a descent of log EDAP (cycles x energy x area) over log(pe_x, pe_y, rf), the temperature
//      annealed from 0.2 to 0.005, rounded at the end, against the exact optimum of the padded
//      template over a grid (PE X, Y in 4 .. 32 by 2, RF in 16 .. 1024 words by powers of two).
#include <nais/dataflow.hpp>
#include <nais/network/zoo.hpp>

#include <algorithm>
#include <array>
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

    // 3. descent on u = log(pe_x, pe_y, rf), clamped to the grid's box
    std::array<double, 3> u{std::log(8.0), std::log(8.0), std::log(64.0)};
    const std::array<double, 3> lo{std::log(4.0), std::log(4.0), std::log(16.0)}, hi{std::log(32.0), std::log(32.0), std::log(1024.0)};
    const int steps = 120;
    const auto relaxed_log_edap = [&](const std::array<double, 3>& v) {
        relaxed_hardware x = at;
        x.pe_x = std::exp(v[0]), x.pe_y = std::exp(v[1]), x.rf_entries = std::exp(v[2]);
        const relaxed_costs<relaxed_dual> c = relaxed_network(layers, x, {0.02, 0.005});
        return std::log(c.cycles.v) + std::log(c.energy.v) + std::log(c.area.v);
    };
    const double relaxed_start = relaxed_log_edap(u);
    for (int s = 0; s < steps; ++s) {
        const double tau = 1.0 * std::pow(0.005 / 1.0, double(s) / (steps - 1));
        relaxed_hardware x = at;
        x.pe_x = std::exp(u[0]), x.pe_y = std::exp(u[1]), x.rf_entries = std::exp(u[2]);
        const relaxed_costs<relaxed_dual> c = relaxed_network(layers, x, {0.02, tau});
        const std::array<double, 3> value{x.pe_x, x.pe_y, x.rf_entries};
        for (int j = 0; j < 3; ++j) {  // d log EDAP / d u_j = x_j (C'/C + E'/E + A'/A)
            const double grad = value[std::size_t(j)] * (c.cycles.d(j) / c.cycles.v + c.energy.d(j) / c.energy.v + c.area.d(j) / c.area.v);
            u[std::size_t(j)] = std::clamp(u[std::size_t(j)] - 0.05 * std::clamp(grad, -2.0, 2.0), lo[std::size_t(j)], hi[std::size_t(j)]);
        }
    }
    std::printf("\n3. Relaxed EDAP (tau_ceil 0.005) along the descent: %.4g -> %.4g at PE %.2f x %.2f, RF %.1f\n", std::exp(relaxed_start),
                std::exp(relaxed_log_edap(u)), std::exp(u[0]), std::exp(u[1]), std::exp(u[2]));
    hardware found = h;
    found.pe_x = std::llround(std::exp(u[0])), found.pe_y = std::llround(std::exp(u[1])), found.rf_entries = std::llround(std::exp(u[2]));
    const std::array<double, 3> f = exact_network(layers, found);
    hardware best = h;
    double best_value = INFINITY, start_value = log_edap(exact_network(layers, [&] {
                                      hardware s = h;
                                      s.pe_x = 8, s.pe_y = 8, s.rf_entries = 64;
                                      return s;
                                  }()));
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
    std::printf("   Descent of log EDAP from PE 8 x 8, RF 64 (%d steps, tau_ceil 1 -> 0.005, tau_max 0.02), rounded: PE %lld x %lld, RF %lld\n"
                "   exact EDAP %.4g (start %.4g); the grid's exact best (%d points): PE %lld x %lld, RF %lld, EDAP %.4g (%.1f%% lower than the descent's)\n",
                steps, static_cast<long long>(found.pe_x), static_cast<long long>(found.pe_y), static_cast<long long>(found.rf_entries),
                std::exp(log_edap(f)), std::exp(start_value), points, static_cast<long long>(best.pe_x), static_cast<long long>(best.pe_y),
                static_cast<long long>(best.rf_entries), std::exp(best_value), 100 * (1 - std::exp(best_value - log_edap(f))));
    return 0;
}
