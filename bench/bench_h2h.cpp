// H2H on its three-stream, 44-layer example and three accelerators: one plan's exact schedule as
// the baseline; each mapper step (step 1's exhaustive rounds, step 2's knapsacks, step 3's
// locality, step 4's hill climbing with a re-pack and exact schedule per trial); the exact branch
// and bound at a node limit; and the differentiable co-design loss (forward + backward) on a
// 44-block, 3-stream space with its gradient against central differences of the same loss.
// Before timing, the co-design gradient is checked against central differences (1e-4 relative)
// or the run aborts.
//
// Counters: over_schedule (a step's time over one schedule evaluation), trials_per_s (step 4),
// nodes_per_s (exact search), loss_over_schedule, fd_over_analytic.
#include <nais/h2h.hpp>
#include <nais/search.hpp>

#include "timing.hpp"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <utility>

namespace {

using namespace nais;

void keep(double v) {
    benchmark::DoNotOptimize(std::as_const(v));
}

const h2h::workload& example() {
    static const h2h::workload w(h2h::three_stream_example());
    return w;
}

const h2h::cost_table& costs() {
    static const h2h::cost_table t = [] {
        h2h::accelerator a0, a1, a2;
        a0.name = "acc0";
        a1.name = "acc1", a1.throughput_gops = 80, a1.Tm = 32, a1.Tn = 16, a1.power_w = 20, a1.link_gbps = 8;
        a2.name = "acc2", a2.throughput_gops = 40, a2.link_gbps = 20, a2.power_w = 10, a2.Tr = a2.Tc = 7, a2.Tr_in = a2.Tc_in = 9;
        return h2h::make_cost_table(example(), std::vector<h2h::accelerator>{a0, a1, a2});
    }();
    return t;
}

const h2h::plan& final_plan() {
    static const h2h::plan p = h2h::map(example(), costs()).last().mapping;
    return p;
}

double schedule_once() {
    return h2h::evaluate(example(), costs(), final_plan(), true).makespan;
}

double schedule_seconds() {
    return nais_bench::seconds_per_call([] { keep(schedule_once()); }, 2000);
}

void schedule(benchmark::State& state) {
    for (auto _ : state)
        keep(schedule_once());
}

void step1(benchmark::State& state) {
    const std::vector<std::size_t> none(example().size(), h2h::workload::npos);
    const auto once = [&] { keep(double(h2h::detail::computation_prioritised(example(), costs(), none, 50'000'000).order[0].size())); };
    for (auto _ : state)
        once();
    state.counters["over_schedule"] = nais_bench::seconds_per_call(once, 20) / schedule_seconds();
}

void step2(benchmark::State& state) {
    const std::vector<std::size_t> none(example().size(), h2h::workload::npos);
    h2h::plan p = final_plan();
    const auto once = [&] {
        h2h::detail::pack_weights(example(), costs(), none, p);
        keep(double(p.resident[0]));
    };
    for (auto _ : state)
        once();
    state.counters["over_schedule"] = nais_bench::seconds_per_call(once, 20) / schedule_seconds();
}

void steps_1_to_3(benchmark::State& state) {
    h2h::mapper_options o;
    o.remap = false;
    const auto once = [&] { keep(h2h::map(example(), costs(), o).last().timing.makespan); };
    for (auto _ : state)
        once();
    state.counters["over_schedule"] = nais_bench::seconds_per_call(once, 5) / schedule_seconds();
}

void all_four_steps(benchmark::State& state) {
    std::int64_t trials = 0;
    for (auto _ : state) {
        const h2h::mapping_result r = h2h::map(example(), costs());
        keep(r.last().timing.makespan);
        trials += r.remap_trials;
    }
    state.counters["trials_per_s"] = benchmark::Counter(double(trials), benchmark::Counter::kIsRate);
}

void exact_search(benchmark::State& state) {
    h2h::exact_options o;
    o.node_limit = 100'000;
    o.incumbent = final_plan();
    std::int64_t nodes = 0;
    for (auto _ : state) {
        const h2h::exact_result r = h2h::exact_map(example(), costs(), o);
        keep(r.lower_bound);
        nodes += r.nodes;
    }
    state.counters["nodes_per_s"] = benchmark::Counter(double(nodes), benchmark::Counter::kIsRate);
}

/// 44 blocks in streams of 20, 12 and 12 (the example's shape), fused into the last block of M1.
runtime_space space44() {
    std::vector<block> blocks;
    for (int s = 0; s < 3; ++s) {
        const int n = s == 0 ? 20 : 12;
        int c = 16, h = 56;
        for (int k = 0; k < n; ++k) {
            const bool down = k % 4 == 3 && h > 7;
            blocks.push_back({c, down ? 2 * c : c, h, h, down ? 2 : 1});
            if (down)
                c *= 2, h /= 2;
        }
    }
    return runtime_space(blocks, {{3, 1}, {3, 3}, {5, 3}, {3, 6}, {5, 6}, {7, 6}}, {16});
}

void codesign_loss(benchmark::State& state) {
    const runtime_space space = space44();
    h2h::accelerator a0, a1, a2;
    a0.name = "acc0";
    a1.name = "acc1", a1.throughput_gops = 80, a1.Tm = 32, a1.Tn = 16, a1.power_w = 20, a1.link_gbps = 8;
    a2.name = "acc2", a2.throughput_gops = 40, a2.link_gbps = 20, a2.power_w = 10, a2.Tr = a2.Tc = 7;
    h2h::codesign_loss<runtime_space> l{space, h2h::stream_layout{{"M1", "M2", "M3"}, {20, 12, 12}, {{31, 19}, {43, 19}}}, std::vector<h2h::accelerator>{a0, a1, a2}};
    l.params().res_ub = 60;
    l.params().energy_weight = 1;
    std::mt19937_64 rng(1);
    std::normal_distribution<double> n01;
    for (Eigen::Index k = 0; k < l.theta().size(); ++k)
        l.theta()(k) = n01(rng);
    for (Eigen::Index k = 0; k < l.assignment().size(); ++k)
        l.assignment()(k) = n01(rng);
    l.log2_scale() << 0.3, -0.2, 0.5;
    gumbel_noise(l.theta_noise(), 1);
    l.params().tau_ms = 0.05;
    keep(l.evaluate());
    const Eigen::ArrayXXd g = l.grad_assignment();
    // central differences of the loss for every assignment logit
    const auto fd_all = [&] {
        Eigen::ArrayXXd fd(g.rows(), g.cols());
        for (Eigen::Index k = 0; k < g.size(); ++k) {
            double& x = l.assignment()(k);
            const double save = x, h = 1e-6;
            x = save + h;
            const double up = l.forward();
            x = save - h;
            const double down = l.forward();
            x = save;
            fd(k) = (up - down) / (2 * h);
        }
        return fd;
    };
    const Eigen::ArrayXXd fd = fd_all();
    for (Eigen::Index k = 0; k < g.size(); ++k)
        if (std::abs(fd(k) - g(k)) > 1e-4 * std::max(1e-3, std::abs(fd(k)))) {
            std::fprintf(stderr, "bench_h2h: assignment gradient %ld = %g, central differences %g\n", long(k), g(k), fd(k));
            std::abort();
        }
    for (auto _ : state)
        keep(l.evaluate());
    const double t_loss = nais_bench::seconds_per_call([&] { keep(l.evaluate()); }, 200);
    const double t_fd = nais_bench::seconds_per_call([&] { keep(fd_all()(0)); }, 2);
    state.counters["loss_over_schedule"] = t_loss / schedule_seconds();
    state.counters["fd_over_analytic"] = t_fd / t_loss;
}

}  // namespace

BENCHMARK(schedule)->Unit(benchmark::kMicrosecond);
BENCHMARK(step1)->Unit(benchmark::kMicrosecond);
BENCHMARK(step2)->Unit(benchmark::kMicrosecond);
BENCHMARK(steps_1_to_3)->Unit(benchmark::kMicrosecond);
BENCHMARK(all_four_steps)->Unit(benchmark::kMillisecond);
BENCHMARK(exact_search)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(codesign_loss)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
