// DANCE's accelerator space, exactly (nais/dataflow.hpp). The baseline is one analysis of a
// mapping (a 3 x 3 conv, 64 -> 128 channels at 28 x 28, on a 14 x 12 row-stationary array):
// - analysis: that analysis; reference_over_analysis: the step-by-step reference of Timeloop's
//   delta rules (tests/dataflow_reference.hpp) over the analysis on a small layer both can run;
// - supernet_tables: every candidate of the 20-block ProxylessNAS-style CIFAR-10 supernet on every
//   one of the 192 accelerators of DANCE's space (template mappings), the whole co-search table;
//   counters points_per_s and layer_analyses_per_s; DANCE reports 112 s on 48 threads for its
//   Timeloop-based exhaustive search of one network's hardware;
// - cosearch_loss: the co-search loss over those tables, forward + backward, with fd_over_analytic
//   (central differences of every theta and hardware logit over one analytic evaluation);
// - mapping_search: the exact mapping search (branch and bound) for EDP on a pointwise layer,
//   with exhaustive_over_bnb (the same search with the bound off, same mapping) and the
//   analyses each made (analysed, analysed_exhaustive);
// - best_accelerator: the exact best of 192 accelerators for a derived 20-block network;
// - relaxed_layer: the relaxed model of the baseline layer at a real hardware point (PE 14.3 x
//   12.6, RF 300.5 words, RS): latency, energy, area and their gradients in (pe_x, pe_y, rf),
//   with over_exact_padded (over the same model's exact form at integer hardware: what the dual
//   numbers and relaxed steps cost) and over_analysis.
// Before timing, the co-search gradient is checked against central differences (1e-4 relative).
#include <nais/dataflow.hpp>
#include <nais/search.hpp>

#include "../tests/dataflow_reference.hpp"
#include "timing.hpp"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <utility>

namespace {

using namespace nais;
using namespace nais::dataflow;

void keep(double v) {
    benchmark::DoNotOptimize(std::as_const(v));
}

struct one_layer {
    layer l;
    hardware h;
    architecture a;
    mapping m;
    one_layer() {
        l.M = 128, l.C = 64, l.P = l.Q = 28, l.R = l.S = 3;
        h.dataflow = dataflow_kind::row_stationary;
        a = make_architecture(h);
        m = template_mapping(l, h);
    }
};
const one_layer& base() {
    static const one_layer b;
    return b;
}
double analysis_seconds() {
    return nais_bench::seconds_per_call([] { keep(analyse(base().l, base().a, base().m).energy); }, 2000);
}

void analysis(benchmark::State& state) {
    for (auto _ : state)
        keep(analyse(base().l, base().a, base().m).energy);
    layer small;
    small.M = small.C = 8, small.P = small.Q = 8, small.R = small.S = 3;
    hardware h;
    h.pe_x = h.pe_y = 4, h.rf_entries = 128, h.dataflow = dataflow_kind::row_stationary;
    const architecture a = make_architecture(h);
    const mapping m = template_mapping(small, h);
    const double t_analysis = nais_bench::seconds_per_call([&] { keep(analyse(small, a, m).energy); }, 200);
    const double t_reference = nais_bench::seconds_per_call([&] { keep(dataflow_reference::counts(small, a, m)[1][1].reads); }, 1);
    state.counters["reference_over_analysis"] = t_reference / t_analysis;
}

const layered_space& supernet() {
    static const layered_space s(proxyless_cifar10());
    return s;
}

void supernet_tables(benchmark::State& state) {
    const codesign_options o;
    std::size_t distinct = 0;
    for (auto _ : state) {
        const auto t = make_cost_tables(supernet(), o);
        distinct = t.distinct_layers;
        keep(t.ms[0]);
    }
    const double per = nais_bench::seconds_per_call([&] { keep(make_cost_tables(supernet(), o).ms[0]); }, 1);
    state.counters["points_per_s"] = double(o.space.size()) / per;
    state.counters["layer_analyses_per_s"] = double(o.space.size() * distinct) / per;
    state.counters["distinct_layers"] = double(distinct);
    state.counters["over_analysis"] = per / analysis_seconds();
}

void cosearch_loss(benchmark::State& state) {
    codesign_options o;
    o.cost = {objective_kind::edap};
    dataflow::codesign_loss<layered_space> l{supernet(), o};
    l.params().res_ub = 2;
    std::mt19937_64 rng(1);
    std::normal_distribution<double> n01;
    for (Eigen::Index k = 0; k < l.theta().size(); ++k)
        l.theta()(k) = n01(rng);
    l.for_each_group([&](auto, auto& x, auto&) {
        for (Eigen::Index k = 0; k < x.size(); ++k)
            x(k) = n01(rng);
    });
    keep(l.evaluate());
    const Eigen::ArrayXXd g_theta = l.grad_theta();
    const Eigen::ArrayXXd g_df = l.grad_dataflow_logits();
    const auto central = [&](double& x) {
        const double save = x, h = 1e-6;
        x = save + h;
        const double up = l.forward();
        x = save - h;
        const double down = l.forward();
        x = save;
        return (up - down) / (2 * h);
    };
    const auto check = [](const char* what, double an, double fd) {
        if (std::abs(fd - an) > 1e-4 * std::max(1e-3, std::abs(fd))) {
            std::fprintf(stderr, "bench_dataflow: %s gradient %g, central differences %g\n", what, an, fd);
            std::abort();
        }
    };
    for (Eigen::Index k = 0; k < g_df.size(); ++k)
        check("dataflow", g_df(k), central(l.dataflow_logits()(k)));
    for (Eigen::Index k = 0; k < g_theta.size(); k += 5)
        check("theta", g_theta(k), central(l.theta()(k)));
    const auto fd_all = [&] {
        double s = 0;
        for (Eigen::Index k = 0; k < l.theta().size(); ++k)
            s += central(l.theta()(k));
        l.for_each_group([&](auto, auto& x, auto&) {
            for (Eigen::Index k = 0; k < x.size(); ++k)
                s += central(x(k));
        });
        return s;
    };
    for (auto _ : state)
        keep(l.evaluate());
    const double t_loss = nais_bench::seconds_per_call([&] { keep(l.evaluate()); }, 100);
    state.counters["fd_over_analytic"] = nais_bench::seconds_per_call([&] { keep(fd_all()); }, 1) / t_loss;
    state.counters["loss_over_analysis"] = t_loss / analysis_seconds();
}

void mapping_search(benchmark::State& state) {
    layer pw;
    pw.M = 64, pw.C = 32, pw.P = pw.Q = 14;
    hardware h;
    h.dataflow = dataflow_kind::row_stationary;
    const objective edp{objective_kind::edp};
    mapping_choice bounded;
    for (auto _ : state)
        keep((bounded = search_mapping(pw, h, edp)).cost);
    const double t_bounded = nais_bench::seconds_per_call([&] { keep(search_mapping(pw, h, edp).cost); }, 2);
    mapping_choice exhaustive;
    const double t_exhaustive = nais_bench::seconds_per_call([&] { exhaustive = search_mapping(pw, h, edp, eyeriss_normalized, {}, 2'000'000, false); }, 1);
    if (exhaustive.cost != bounded.cost) {
        std::fprintf(stderr, "mapping_search: branch and bound found cost %.17g, exhaustive %.17g\n", bounded.cost, exhaustive.cost);
        std::exit(1);
    }
    state.counters["exhaustive_over_bnb"] = t_exhaustive / t_bounded;
    state.counters["analysed"] = double(bounded.analysed);
    state.counters["analysed_exhaustive"] = double(exhaustive.analysed);
}

void best_accelerator_of_network(benchmark::State& state) {
    std::vector<int> ops;
    for (int i = 0; i < supernet().num_blocks(); ++i)
        ops.push_back(0);  // every block's first candidate (MBConv k3 e3; fixed rows' only one)
    std::vector<layer> layers;
    for (int i = 0; i < supernet().num_blocks(); ++i)
        for (const layer& x : layers_of(candidate_report(supernet(), i, ops[std::size_t(i)])))
            layers.push_back(x);
    const hardware_space s;
    for (auto _ : state)
        keep(best_accelerator(layers, s, objective{objective_kind::edap}).cost);
    state.counters["layers"] = double(layers.size());
}

}  // namespace

void relaxed_layer(benchmark::State& state) {
    relaxed_hardware h;
    h.pe_x = 14.3, h.pe_y = 12.6, h.rf_entries = 300.5;
    for (auto _ : state)
        keep(relaxed_evaluate(base().l, h).energy.d(var_rf));
    const double t = nais_bench::seconds_per_call([&] { keep(relaxed_evaluate(base().l, h).energy.d(var_rf)); }, 200);
    hardware e;
    e.pe_x = 14, e.pe_y = 12, e.rf_entries = 300;
    const double t_exact = nais_bench::seconds_per_call([&] { keep(exact_padded(base().l, e).energy); }, 200);
    state.counters["over_exact_padded"] = t / t_exact;
    state.counters["over_analysis"] = t / analysis_seconds();
}

BENCHMARK(analysis)->Unit(benchmark::kMicrosecond);
BENCHMARK(supernet_tables)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(cosearch_loss)->Unit(benchmark::kMicrosecond);
BENCHMARK(mapping_search)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(best_accelerator_of_network)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(relaxed_layer)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
