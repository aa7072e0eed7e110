// The co-search driver and re-tuning on the default space (N = 20, M = 9, Q = 3), double:
//   search step  one bilevel step (sample, stand-in Acc_loss + gradient, Eq. 1 + gradient,
//                product rule, three Adam updates); ratio vs_evaluate = step / loss.evaluate()
//   retune       exact optimal integer pf for a derived design; ratio vs_evaluate_design =
//                retune / one exact evaluation of the same design (fpga::evaluate)
#include <nais/nais.hpp>

#include "timing.hpp"

#include <benchmark/benchmark.h>

#include <cmath>
#include <memory>
#include <random>
#include <vector>

namespace {

using space_t = nais::proxyless_space;

template <class Arch>
double budget() {
    return std::is_same_v<Arch, nais::fpga::recursive> ? nais::fpga::zcu102.dsp_budget : nais::fpga::zc706.dsp_budget;
}

template <class Arch>
void bm_search_step(benchmark::State& state) {
    auto loss = std::make_unique<nais::fpga::loss<space_t, double, Arch>>(space_t{});
    loss->params().res_ub = budget<Arch>();
    nais::search::search_options<double> o;
    o.learning_rate = {0.1, 0.1, 0.1};
    nais::search::co_search search(*loss, o);
    nais::search::standin_accuracy<> acc(space_t{});
    for (int k = 0; k < 100; ++k)  // a mid-search point
        search.step(acc);
    for (auto _ : state)
        benchmark::DoNotOptimize(search.step(acc).loss);
    const double step = nais_bench::seconds_per_call([&] { benchmark::DoNotOptimize(search.step(acc).loss); }, 500);
    const double eval = nais_bench::seconds_per_call([&] { benchmark::DoNotOptimize(loss->evaluate()); }, 500);
    state.counters["vs_evaluate"] = step / eval;
    state.counters["evaluate_ns"] = eval * 1e9;
}

/// Designs as a search would derive them: random logits, argmax.
template <class Arch>
std::vector<nais::fpga::design<Arch>> derived_designs(const nais::fpga::cost_table& c, int count) {
    std::mt19937_64 rng(7);
    std::vector<nais::fpga::design<Arch>> out;
    const int g = nais::fpga::num_groups<Arch>(c.num_blocks(), c.num_ops());
    for (int k = 0; k < count; ++k) {
        Eigen::ArrayXXd theta(c.num_blocks(), c.num_ops()), phi(g, c.num_bits());
        std::normal_distribution<double> nd;
        for (Eigen::Index j = 0; j < theta.size(); ++j)
            theta.data()[j] = nd(rng);
        for (Eigen::Index j = 0; j < phi.size(); ++j)
            phi.data()[j] = nd(rng);
        out.push_back({nais::search::argmax_rows(theta), nais::search::argmax_rows(phi), std::vector<int>(g, 0)});
    }
    return out;
}

template <class Arch>
void bm_retune(benchmark::State& state) {
    const auto costs = nais::fpga::make_cost_table(space_t{});
    const auto designs = derived_designs<Arch>(costs, 16);
    const auto range = nais::fpga::budget_pf_range(costs, budget<Arch>());
    const nais::fpga::board b{budget<Arch>(), 200};
    std::size_t k = 0;
    for (auto _ : state) {
        auto r = nais::fpga::retune(costs, designs[k++ % designs.size()], budget<Arch>(), range);
        benchmark::DoNotOptimize(r.objective);
    }
    std::size_t j = 0, i = 0;
    const double tune = nais_bench::seconds_per_call(
        [&] { benchmark::DoNotOptimize(nais::fpga::retune(costs, designs[j++ % designs.size()], budget<Arch>(), range).objective); },
        200);
    const double eval = nais_bench::seconds_per_call(
        [&] { benchmark::DoNotOptimize(nais::fpga::evaluate(costs, designs[i++ % designs.size()], b).dsp); }, 2000);
    state.counters["vs_evaluate_design"] = tune / eval;
    state.counters["evaluate_design_ns"] = eval * 1e9;
}

}  // namespace

BENCHMARK(bm_search_step<nais::fpga::recursive>)->Name("search_step/recursive/double");
BENCHMARK(bm_search_step<nais::fpga::pipelined>)->Name("search_step/pipelined/double");
BENCHMARK(bm_retune<nais::fpga::recursive>)->Name("retune/recursive/zcu102");
BENCHMARK(bm_retune<nais::fpga::pipelined>)->Name("retune/pipelined/zc706");

BENCHMARK_MAIN();
