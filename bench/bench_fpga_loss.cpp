// Forward and forward+backward of the composed FPGA losses on the default space (N = 20, M = 9,
// Q = 3), float and double, static and runtime spaces, against a hand-fused loop baseline run
// in the same process. Before any timing, the baseline's loss and gradients are checked
// against the library's (relative 1e-12 in double, 1e-4 in float); a mismatch aborts the run.
#include <nais/nais.hpp>

#include "fused_baseline.hpp"
#include "timing.hpp"

#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>

namespace {

using space_t = nais::proxyless_space;

template <class Space>
Space make_space() {
    if constexpr (std::is_same_v<Space, nais::runtime_space>)
        return nais::to_runtime_space(space_t{});
    else
        return Space{};
}

/// A mid-search point: random logits and noise, pf near EDD's p0, budget near the design.
template <class Loss>
void init(Loss& l) {
    using T = typename Loss::scalar_type;
    std::mt19937_64 rng(2020);
    std::normal_distribution<double> nd(0, 1);
    for (Eigen::Index j = 0; j < l.theta().size(); ++j)
        l.theta().data()[j] = static_cast<T>(nd(rng));
    for (Eigen::Index j = 0; j < l.phi().size(); ++j)
        l.phi().data()[j] = static_cast<T>(nd(rng));
    const double budget = Loss::shared ? 2520 : 900;
    for (Eigen::Index j = 0; j < l.pf().size(); ++j)
        l.pf().data()[j] = static_cast<T>(std::log2(budget / static_cast<double>(l.pf().size())) + 0.3 * nd(rng));
    nais::gumbel_noise(l.theta_noise(), 1);
    nais::gumbel_noise(l.phi_noise(), 2);
    l.params.res_ub = static_cast<T>(budget);
    l.params.tau = T(0.8);
    l.params.C = T(1.01);
    l.forward();
    l.params.alpha = T(1) / l.perf_loss();
}

template <class A, class B>
double rel_diff(const A& a, const B& b) {
    return static_cast<double>((a - b).abs().maxCoeff()) / (static_cast<double>(b.abs().maxCoeff()) + 1e-300);
}

/// Aborts the benchmark run unless the fused baseline reproduces the library.
template <class Loss, class Fused>
void verify(Loss& l, Fused& f, const char* what) {
    using T = typename Loss::scalar_type;
    const double tol = std::is_same_v<T, double> ? 1e-12 : 1e-4;
    const double lib = static_cast<double>(l.evaluate());
    const double fus = static_cast<double>(f.evaluate(l).loss);
    const double d[4] = {std::abs(lib - fus) / std::abs(lib), rel_diff(f.grad_theta, l.grad_theta()),
                         rel_diff(f.grad_phi, l.grad_phi()), rel_diff(f.grad_pf, l.grad_pf())};
    for (double x : d)
        if (!(x <= tol)) {
            std::fprintf(stderr, "%s: fused baseline disagrees with the library: loss %.3g theta %.3g phi %.3g pf %.3g\n",
                         what, d[0], d[1], d[2], d[3]);
            std::abort();
        }
}

/// A loss over the default space (static or runtime) at the benchmark's mid-search point.
template <class Space, class T, class Arch>
std::unique_ptr<nais::fpga::loss<Space, T, Arch>> make_loss(const Space& s) {
    auto l = std::make_unique<nais::fpga::loss<Space, T, Arch>>(s);
    init(*l);
    return l;
}

template <class Space, class T, class Arch>
void bm_forward_backward(benchmark::State& state) {
    using loss_t = nais::fpga::loss<Space, T, Arch>;
    const Space s = make_space<Space>();
    auto l = make_loss<Space, T, Arch>(s);
    nais_bench::fused<loss_t> f(s);
    verify(*l, f, "forward+backward");
    for (auto _ : state)
        benchmark::DoNotOptimize(l->evaluate());
    const double lib = nais_bench::seconds_per_call([&] { benchmark::DoNotOptimize(l->evaluate()); }, 2000);
    const double base = nais_bench::seconds_per_call([&] { benchmark::DoNotOptimize(f.evaluate(*l).loss); }, 2000);
    const double elements = static_cast<double>(l->num_blocks()) * l->num_ops() * l->num_bits();
    state.counters["vs_fused"] = lib / base;  // < 1: the library is faster than the hand-fused loop
    state.counters["fused_ns"] = base * 1e9;
    state.counters["ns_per_NMQ"] = lib * 1e9 / elements;
}

template <class Space, class T, class Arch>
void bm_forward(benchmark::State& state) {
    auto l = make_loss<Space, T, Arch>(make_space<Space>());
    for (auto _ : state)
        benchmark::DoNotOptimize(l->forward());
    const double elements = static_cast<double>(l->num_blocks()) * l->num_ops() * l->num_bits();
    state.counters["ns_per_NMQ"] =
        benchmark::Counter(elements, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

using rec = nais::fpga::recursive;
using pip = nais::fpga::pipelined;
using rt = nais::runtime_space;

}  // namespace

BENCHMARK(bm_forward_backward<space_t, double, rec>)->Name("recursive/fwd+bwd/static/double");
BENCHMARK(bm_forward_backward<space_t, float, rec>)->Name("recursive/fwd+bwd/static/float");
BENCHMARK(bm_forward_backward<rt, double, rec>)->Name("recursive/fwd+bwd/runtime/double");
BENCHMARK(bm_forward_backward<space_t, double, pip>)->Name("pipelined/fwd+bwd/static/double");
BENCHMARK(bm_forward_backward<space_t, float, pip>)->Name("pipelined/fwd+bwd/static/float");
BENCHMARK(bm_forward_backward<rt, double, pip>)->Name("pipelined/fwd+bwd/runtime/double");
BENCHMARK(bm_forward<space_t, double, rec>)->Name("recursive/fwd/static/double");
BENCHMARK(bm_forward<space_t, double, pip>)->Name("pipelined/fwd/static/double");

BENCHMARK_MAIN();
