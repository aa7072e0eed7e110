// The bundle (IP-reuse) accelerator on SkyNet (Ultra96, SkyNet's HLS design): the exact
// evaluation as the baseline, the relaxed latency with its 4-entry gradient against central
// differences of the same relaxed latency (8 more evaluations: what a model without a hand-written
// gradient pays), the exact IP design search, the co-search loss (forward + backward, 5 blocks x
// 3 bundles) and the growth of a network from SkyNet's bundle for 20 ms. Before timing, the
// dual gradient is checked against the differences (1e-4 relative) or the run aborts.
//
// Counters: relaxed_over_exact (one relaxed value + gradient over one exact evaluation),
// fd_over_dual (central differences over the dual gradient), designs_per_s, networks (grown
// space) and searched (networks given the design search).
#include <nais/bundle.hpp>
#include <nais/network.hpp>
#include <nais/search.hpp>

#include "timing.hpp"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <utility>

namespace {

using namespace nais;

/// Keeps a computed double alive (DoNotOptimize reads through a const reference).
void keep(double v) {
    benchmark::DoNotOptimize(std::as_const(v));
}

const std::vector<bundle::workload>& skynet() {
    static const auto layers = bundle::workloads(net::skynet());
    return layers;
}

double exact_once() {
    return bundle::evaluate(skynet(), bundle::design{}).cycles;
}

bundle::design_vector point() {
    bundle::design_vector x;
    x << 30.3, 14.2, 37.6, 71.9;  // near SkyNet's design, off the integers
    return x;
}

double relaxed_value(const bundle::design_vector& x) {
    return bundle::relaxed_cycles(skynet(), x, bundle::design{}, {}, {}, {0.05, 0.05}).value;
}

bundle::design_vector central_differences(const bundle::design_vector& x) {
    bundle::design_vector g;
    for (int k = 0; k < bundle::design_variables; ++k) {
        const double h = 1e-6 * x(k);
        bundle::design_vector up = x, down = x;
        up(k) += h;
        down(k) -= h;
        g(k) = (relaxed_value(up) - relaxed_value(down)) / (2 * h);
    }
    return g;
}

void exact(benchmark::State& state) {
    for (auto _ : state)
        keep(exact_once());
}

void relaxed(benchmark::State& state) {
    const auto x = point();
    const auto dual = bundle::relaxed_cycles(skynet(), x, bundle::design{}, {}, {}, {0.05, 0.05});
    const auto fd = central_differences(x);
    for (int k = 0; k < bundle::design_variables; ++k)
        if (std::abs(fd(k) - dual.gradient(k)) > 1e-4 * std::max(1.0, std::abs(fd(k)))) {
            std::fprintf(stderr, "bench_bundle: dual gradient %d = %g, central differences %g\n", k, dual.gradient(k), fd(k));
            std::abort();
        }
    for (auto _ : state) {
        const auto r = bundle::relaxed_cycles(skynet(), x, bundle::design{}, {}, {}, {0.05, 0.05});
        benchmark::DoNotOptimize(std::as_const(r.value));
    }
    const double t_exact = nais_bench::seconds_per_call([] { keep(exact_once()); }, 200);
    const double t_dual = nais_bench::seconds_per_call(
        [&] {
            const auto r = bundle::relaxed_cycles(skynet(), x, bundle::design{}, {}, {}, {0.05, 0.05});
            benchmark::DoNotOptimize(std::as_const(r.value));
        },
        200);
    const double t_fd = nais_bench::seconds_per_call(
        [&] {
            const auto g = central_differences(x);
            benchmark::DoNotOptimize(std::as_const(g(0)));
        },
        50);
    state.counters["relaxed_over_exact"] = t_dual / t_exact;
    state.counters["fd_over_dual"] = t_fd / t_dual;
}

void design_search(benchmark::State& state) {
    long designs = 0;
    for (auto _ : state) {
        const auto r = bundle::search_design(skynet());
        benchmark::DoNotOptimize(std::as_const(r.report.cycles));
        designs += r.evaluated;
    }
    state.counters["designs_per_s"] = benchmark::Counter(double(designs), benchmark::Counter::kIsRate);
}

void co_search_loss(benchmark::State& state) {
    using bundle::bundle_op;
    const layered_space space = bundle::bundle_space({bundle::bundle_spec{{bundle_op::dw3x3, bundle_op::conv1x1}},
                                                      bundle::bundle_spec{{bundle_op::dw5x5, bundle_op::conv1x1}},
                                                      bundle::bundle_spec{{bundle_op::conv3x3}}});
    bundle::loss<layered_space> l{space};
    l.params().res_ub = 360;
    std::mt19937_64 rng(1);
    std::normal_distribution<double> n01;
    for (Eigen::Index k = 0; k < l.theta().size(); ++k)
        l.theta()(k) = n01(rng);
    l.log2_design() << 5, 4, 5.3, 6.3;
    gumbel_noise(l.theta_noise(), 1);
    for (auto _ : state)
        keep(l.evaluate());
    const double t_exact = nais_bench::seconds_per_call([] { keep(exact_once()); }, 200);
    const double t_loss = nais_bench::seconds_per_call([&] { keep(l.evaluate()); }, 50);
    state.counters["loss_over_exact_skynet"] = t_loss / t_exact;
}

void growth(benchmark::State& state) {
    bundle::growth_options g;
    g.target_ms = 20;
    const bundle::bundle_spec sky{{bundle::bundle_op::dw3x3, bundle::bundle_op::conv1x1}};
    long networks = 0, searched = 0;
    for (auto _ : state) {
        const auto r = bundle::grow(sky, g, bundle::capacity_standin);
        benchmark::DoNotOptimize(std::as_const(r.best.accuracy_cost));
        networks = r.candidates;
        searched = r.searched;
    }
    state.counters["networks"] = double(networks);
    state.counters["searched"] = double(searched);
}

}  // namespace

BENCHMARK(exact)->Unit(benchmark::kMicrosecond);
BENCHMARK(relaxed)->Unit(benchmark::kMicrosecond);
BENCHMARK(design_search)->Unit(benchmark::kMillisecond);
BENCHMARK(co_search_loss)->Unit(benchmark::kMicrosecond);
BENCHMARK(growth)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK_MAIN();
