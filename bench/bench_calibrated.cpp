// The calibrated latency model on HW-NAS-Bench's FBNet space (examples/spaces/fbnet_cifar100.json):
// the fit of 20, 100 and 1,000 measured networks (synthetic here: a fixed model's latencies with
// 2% noise, so the benchmark needs no data files; the fit's work does not depend on the values),
// with the per-(block, op) table fitted to the same rows in the same process as the baseline, and
// the calibrated loss's forward + backward on the space. Counters: over_table (the fit's time over
// the table's least squares), seconds (the fit's wall time: the claim is under one second for
// 1,000 networks).
#include <nais/calibrated.hpp>

#include "timing.hpp"

#include <benchmark/benchmark.h>

#include <nais_net/space_json.hpp>
#include <json_io.hpp>

#include <random>
#include <utility>
#include <vector>

namespace {

using namespace nais;
namespace cal = nais::calibrated;

const layered_space& space() {
    static const layered_space s = nais_net::read_layered_space(
        nais_json::parse(nais_json::read_file(NAIS_EXAMPLES_DIR "/spaces/fbnet_cifar100.json", "space")));
    return s;
}
const cal::space_cells& cells() {
    static const cal::space_cells c(space());
    return c;
}

std::vector<cal::measurement> rows(int n) {
    cal::fitted_model truth;
    truth.weights[cal::conv_layers] = 0.04;
    truth.weights[cal::depthwise_layers] = 0.07;
    truth.weights[cal::elementwise_layers] = 0.03;
    truth.weights[cal::pointwise_macs] = 2e-7;
    truth.weights[cal::depthwise_macs] = 1e-6;
    truth.intercept = 0.8;
    const cal::calibration device(cells(), space(), truth);
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int> op(0, 8);
    std::normal_distribution<double> noise(1.0, 0.02);
    std::vector<cal::measurement> out;
    for (int k = 0; k < n; ++k) {
        cal::measurement m;
        for (int b = 0; b < 22; ++b)
            m.choice.push_back(op(rng));
        m.latency_ms = device.predict(cal::row_ops(space(), m.choice)) * noise(rng);
        out.push_back(std::move(m));
    }
    return out;
}

void fit(benchmark::State& state) {
    const auto r = rows(int(state.range(0)));
    for (auto _ : state)
        benchmark::DoNotOptimize(cal::fit(space(), cells(), r).intercept);
    const double table = nais_bench::seconds_per_call([&] { benchmark::DoNotOptimize(cal::fit_op_table(r, 22, 9).intercept); }, 3);
    const double ours = nais_bench::seconds_per_call([&] { benchmark::DoNotOptimize(cal::fit(space(), cells(), r).intercept); }, 1);
    state.counters["over_table"] = ours / table;
    state.counters["seconds"] = ours;
}
BENCHMARK(fit)->Arg(20)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

void loss_forward_backward(benchmark::State& state) {
    cal::loss<layered_space> l{space(), cal::fit(space(), cells(), rows(100))};
    l.params().acc_loss = 1;
    std::mt19937_64 rng(1);
    std::normal_distribution<double> z;
    for (Eigen::Index k = 0; k < l.theta().size(); ++k)
        l.theta().data()[k] = z(rng);
    for (auto _ : state)
        benchmark::DoNotOptimize(l.evaluate());
}
BENCHMARK(loss_forward_backward)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
