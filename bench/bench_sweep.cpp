// Exact design-point sweeps on the default 20-block space (N = 20, M = 9, Q = 3): incremental
// exhaustive sweeps of a sub-space (the first blocks, and for the recursive architecture one
// shared IP, vary around a fixed design) on 1 and 2 threads, random sampling, and, in the same
// process, a naive sweep that rebuilds every point from scratch (fpga::design + fpga::evaluate,
// then the same Pareto front). Before timing, the incremental and naive fronts of a common
// prefix of the enumeration are compared point by point; a mismatch aborts the run.
//
// Counters: points_per_s (all threads), per_thread (points/s per thread), vs_naive (points/s of
// the incremental sweep on 1 thread over the naive one), scaling (2-thread over 1-thread
// points/s, measured inside the 2-thread benchmark).
#include <nais/nais.hpp>

#include "timing.hpp"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

using rec = nais::fpga::recursive;
using pip = nais::fpga::pipelined;

template <class Arch>
struct setup {
    static constexpr bool recursive = std::is_same_v<Arch, rec>;
    nais::fpga::cost_table costs = nais::fpga::make_cost_table(nais::proxyless_space{});
    // ZCU102 / ZC706 budgets; pf ranges as budget_pf_range gives them
    nais::fpga::board board = recursive ? nais::fpga::zcu102 : nais::fpga::zc706;
    nais::sweep::design_space<Arch> space{costs, nais::fpga::budget_pf_range(costs, board.dsp_budget)};
    nais::sweep::sweep_options options;

    setup() {
        options.dsp_budget = board.dsp_budget;
        options.objectives = {nais::sweep::objective::interval, nais::sweep::objective::dsp};
        options.mode = nais::sweep::enumeration::exhaustive;
        // the fixed part: every block runs op 0 (k3 e4) at 8 bits on a small IP, so the base
        // design is feasible and the swept blocks decide the front
        nais::fpga::design<Arch> d;
        d.op.assign(static_cast<std::size_t>(costs.num_blocks()), 0);
        const auto groups = static_cast<std::size_t>(nais::fpga::num_groups<Arch>(costs.num_blocks(), costs.num_ops()));
        d.bits.assign(groups, 1);
        d.pf.assign(groups, recursive ? 7 : 5);
        options.base = space.digits_of(d);
        // pipelined: blocks 0-2 vary, 297^3 = 26.2 M points (pf 0..10);
        // recursive: blocks 0-5 and IP 0 vary, 9^6 * 39 = 20.7 M points (pf 0..12)
        const int blocks = recursive ? 6 : 3;
        for (int d = 0; d < blocks; ++d)
            options.free_digits.push_back(d);
        if (recursive)
            options.free_digits.push_back(space.num_blocks());
    }
};

/// The naive sweep: for each point, its design from scratch, fpga::evaluate, the same front.
template <class Arch>
nais::sweep::pareto_front naive_sweep(const setup<Arch>& s, const nais::sweep::sweep_options& o, std::uint64_t points) {
    nais::sweep::pareto_front front(2);
    const double lat_unit = nais::sweep::latency_unit, res_unit = nais::sweep::resource_unit;
    for (std::uint64_t k = 0; k < points; ++k) {
        const auto d = s.space.design_of(nais::sweep::point_digits(s.space, o, k));
        const auto r = nais::fpga::evaluate(s.costs, d, s.board);
        if (r.budget_met)
            front.offer({static_cast<std::int64_t>(std::nearbyint(r.interval_cycles / lat_unit)),
                         static_cast<std::int64_t>(std::nearbyint(r.dsp / res_unit)), 0},
                        k);
    }
    return front;
}

/// Best-of-5 seconds of one call (timing.hpp).
double seconds(auto&& f) { return nais_bench::seconds_per_call(f, 1); }

/// Aborts unless the incremental sweep and the naive one find the same front on a prefix.
template <class Arch>
void verify(const setup<Arch>& s, std::uint64_t prefix) {
    auto o = s.options;
    o.threads = 1;
    // the first points of the enumeration: the leading free digits vary, the others stay at 0
    std::uint64_t covered = 1;
    std::vector<int> kept;
    for (int d : o.free_digits) {
        if (covered >= prefix)
            o.base[static_cast<std::size_t>(d)] = 0;
        else {
            kept.push_back(d);
            covered *= static_cast<std::uint64_t>(s.space.radix(d));
        }
    }
    o.free_digits = kept;
    const auto r = nais::sweep::run_sweep(s.space, o);
    const auto naive = naive_sweep(s, o, r.points);
    const auto& a = r.front;
    const auto b = naive.sorted();
    bool same = a.size() == b.size();
    for (std::size_t k = 0; same && k < a.size(); ++k)
        same = a[k].index == b[k].index;
    if (!same) {
        std::fprintf(stderr, "incremental and naive sweeps disagree on the first %llu points (%zu vs %zu front points)\n",
                     static_cast<unsigned long long>(r.points), a.size(), b.size());
        std::abort();
    }
}

template <class Arch>
void bm_exhaustive(benchmark::State& state) {
    setup<Arch> s;
    verify(s, 200'000);
    const auto threads = static_cast<unsigned>(state.range(0));
    auto o = s.options;
    o.threads = threads;
    nais::sweep::sweep_result r;
    for (auto _ : state) {
        r = nais::sweep::run_sweep(s.space, o);
        benchmark::DoNotOptimize(r.front.data());
    }
    const double points = static_cast<double>(r.points);
    state.counters["points_per_s"] = benchmark::Counter(points, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["per_thread"] =
        benchmark::Counter(points / threads, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["front"] = static_cast<double>(r.front.size());
    // the same process's baselines: the naive sweep on a prefix, and the 1-thread sweep
    const std::uint64_t naive_points = 300'000;
    const double naive_rate = static_cast<double>(naive_points) / seconds([&] { naive_sweep(s, s.options, naive_points); });
    o.threads = 1;
    const double one = points / seconds([&] { nais::sweep::run_sweep(s.space, o); });
    state.counters["vs_naive"] = one / naive_rate;
    if (threads > 1) {
        o.threads = threads;
        const double many = points / seconds([&] { nais::sweep::run_sweep(s.space, o); });
        state.counters["scaling"] = many / one;
    }
}

template <class Arch>
void bm_random(benchmark::State& state) {
    setup<Arch> s;
    auto o = s.options;
    o.mode = nais::sweep::enumeration::random;
    o.samples = 4'000'000;
    o.threads = static_cast<unsigned>(state.range(0));
    for (auto _ : state)
        benchmark::DoNotOptimize(nais::sweep::run_sweep(s.space, o).front.data());
    state.counters["points_per_s"] =
        benchmark::Counter(static_cast<double>(o.samples), benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(bm_exhaustive<pip>)->Name("pipelined/exhaustive")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(bm_exhaustive<rec>)->Name("recursive/exhaustive")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(bm_random<pip>)->Name("pipelined/random")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(bm_random<rec>)->Name("recursive/random")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
