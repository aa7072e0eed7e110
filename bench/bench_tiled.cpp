// HotNAS's tiled template on ResNet-18 (ZCU102, hardware mode, BRAM checked): the exact design
// search over the whole space of the template (1.25e12 designs) against a naive loop that
// evaluates designs one by one with tiled::evaluate, in the same process. Before timing, the
// naive loop's best over a sample is checked to be no better than the search's optimum.
//
// Counters: designs_per_s (designs of the whole space covered per second: the search's space
// over its time; the naive loop's evaluated designs over its time), vs_naive (the ratio),
// search_ms (one search), relaxed_us (one relaxed latency with its 7-entry gradient).
// The hot starts at 8 ms: the knapsack (additive stand-in) as the baseline, then the gradient
// hot start under the interacting (non-additive) stand-in, with vs_knapsack (its time over the
// knapsack's), cost (its plan's interacting cost) and knapsack_plan_cost (the knapsack's plan
// under the same interacting cost).
#include <nais/network.hpp>
#include <nais/tiled.hpp>

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

namespace {

const std::vector<nais::tiled::workload>& resnet18() {
    static const auto layers = nais::tiled::workloads(nais::net::resnet18());
    return layers;
}

/// The naive loop: Tm, Tn, Tr, Tc, then every port split, each design evaluated from scratch.
struct naive_loop {
    std::int64_t evaluated = 0;
    double best = 1e300;
    void run(std::int64_t budget) {
        const nais::tiled::device dev;
        for (int tm = 1; tm <= 128 && evaluated < budget; tm += 7)
            for (int tn = 1; tn <= 64 && evaluated < budget; tn += 5)
                for (int tr = 7; tr <= 56 && evaluated < budget; tr += 7)
                    for (int tc = 7; tc <= 56 && evaluated < budget; tc += 7)
                        for (int ip = 1; ip <= 30 && evaluated < budget; ++ip)
                            for (int wp = 1; ip + wp <= 31 && evaluated < budget; ++wp) {
                                const nais::tiled::design d{tm, tn, tr, tc, 7, wp, ip, 32 - ip - wp};
                                const auto r = nais::tiled::evaluate(resnet18(), d, dev);
                                ++evaluated;
                                if (r.feasible && r.cycles < best)
                                    best = r.cycles;
                            }
    }
};

double naive_designs_per_s = 0;  // measured by the naive benchmark, which runs first

void naive(benchmark::State& state) {
    std::int64_t total = 0;
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        naive_loop n;
        n.run(20000);
        benchmark::DoNotOptimize(n.best);
        total += n.evaluated;
    }
    naive_designs_per_s = double(total) / std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state.counters["designs_per_s"] = benchmark::Counter(double(total), benchmark::Counter::kIsRate);
}

void search(benchmark::State& state) {
    double space = 0;
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        const auto r = nais::tiled::search_design(resnet18());
        benchmark::DoNotOptimize(r.cycles);
        space += r.designs_in_space;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state.counters["designs_per_s"] = benchmark::Counter(space, benchmark::Counter::kIsRate);
    if (naive_designs_per_s > 0)
        state.counters["vs_naive"] = space / seconds / naive_designs_per_s;
}

void relaxed(benchmark::State& state) {
    const auto x = nais::tiled::to_vector(nais::tiled::design{64, 24, 28, 28, 7, 20, 9, 3});
    for (auto _ : state) {
        const auto r = nais::tiled::relaxed_cycles(resnet18(), x, 7);
        benchmark::DoNotOptimize(r.gradient);
    }
}

double knapsack_seconds = 0, knapsack_plan_cost = 0;  // measured by hot_start_knapsack, which runs first

/// Runs `search` once per iteration: its last result and the mean seconds per run.
template <class Search>
auto timed_runs(benchmark::State& state, const Search& search) {
    const auto start = std::chrono::steady_clock::now();
    std::int64_t runs = 0;
    decltype(search()) r;
    for (auto _ : state) {
        r = search();
        benchmark::DoNotOptimize(std::as_const(r).final_ms);  // the const overload: read, not clobbered
        ++runs;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / double(runs);
    return std::pair{std::move(r), seconds};
}

void hot_start_knapsack(benchmark::State& state) {
    nais::tiled::hot_start_options o;
    o.target_ms = 8;
    const auto [r, seconds] = timed_runs(state, [&] { return nais::tiled::hot_start(nais::net::resnet18(), o); });
    knapsack_seconds = seconds;
    const nais::tiled::compression_space space(nais::net::resnet18(), r.initial_design);
    knapsack_plan_cost = nais::tiled::interacting_standin{}.of_plan(space, r.plan);
    state.counters["latency_ms"] = r.final_ms;
    state.counters["cost"] = knapsack_plan_cost;
}

void hot_start_gradient(benchmark::State& state) {
    nais::tiled::gradient_hot_start_options o;
    o.target_ms = 8;
    const auto [r, seconds] = timed_runs(state, [&] { return nais::tiled::hot_start_gradient(nais::net::resnet18(), o); });
    state.counters["latency_ms"] = r.final_ms;
    state.counters["cost"] = r.accuracy_cost;
    state.counters["steps"] = double(r.steps);
    if (knapsack_seconds > 0) {
        state.counters["vs_knapsack"] = seconds / knapsack_seconds;
        state.counters["knapsack_plan_cost"] = knapsack_plan_cost;
    }
}

}  // namespace

BENCHMARK(naive)->Unit(benchmark::kMillisecond);
BENCHMARK(search)->Unit(benchmark::kMillisecond);
BENCHMARK(relaxed)->Unit(benchmark::kMicrosecond);
BENCHMARK(hot_start_knapsack)->Unit(benchmark::kMillisecond);
BENCHMARK(hot_start_gradient)->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) {
    // the naive loop's best over its sample is never better than the exact optimum
    naive_loop check;
    check.run(20000);
    const auto best = nais::tiled::search_design(resnet18());
    if (check.best < best.cycles * (1 - 1e-12)) {
        std::fprintf(stderr, "bench_tiled: the naive loop found %.1f cycles, below the search's %.1f\n", check.best, best.cycles);
        return 1;
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
