// The benchmark grid of the composed FPGA losses: N in {5, 20, 80} blocks, M in {9, 27} ops,
// Q in {3, 5} bit-widths, float and double, compile-time and runtime spaces, forward and
// forward+backward. Each case is checked against the hand-fused loop (and, when built with
// libtorch, against libtorch autograd) before it is timed; a mismatch aborts the run.
#pragma once
#include <nais/nais.hpp>

#include "fused_baseline.hpp"
#include "timing.hpp"
#include "torch_hook.hpp"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace nais_bench {

inline constexpr int grid_blocks[] = {5, 20, 80};
inline constexpr int grid_ops[] = {9, 27};
inline constexpr int grid_bits[] = {3, 5};

/// Block i of a grid space: the default ProxylessNAS skeleton's blocks, repeated.
constexpr nais::block grid_block(int i) { return nais::proxyless_blocks::values[static_cast<std::size_t>(i % 20)]; }
/// Op m of M: kernel 3, 5, 7 (M/3 ops each) x expansion 4..6 (M = 9, EDD's ops) or 1..9 (M = 27).
constexpr nais::mbconv grid_op(int M, int m) { return {3 + 2 * (m / (M / 3)), M == 9 ? 4 + m % 3 : 1 + m % 9}; }
/// Bit-width k of Q: {4, 8, 16} (Q = 3, EDD's) or {2, 4, 8, 12, 16} (Q = 5).
constexpr int grid_bit(int Q, int k) {
    constexpr int three[] = {4, 8, 16}, five[] = {2, 4, 8, 12, 16};
    return Q == 3 ? three[k] : five[k];
}

template <int N, int M, int Q, std::size_t... I, std::size_t... J, std::size_t... K>
auto make_grid_space(std::index_sequence<I...>, std::index_sequence<J...>, std::index_sequence<K...>)
    -> nais::static_space<nais::block_list<grid_block(static_cast<int>(I))...>,
                          nais::op_list<grid_op(M, static_cast<int>(J))...>, nais::bit_list<grid_bit(Q, static_cast<int>(K))...>>;

/// The compile-time N x M x Q grid space.
template <int N, int M, int Q>
using grid_space = decltype(make_grid_space<N, M, Q>(std::make_index_sequence<N>{}, std::make_index_sequence<M>{},
                                                     std::make_index_sequence<Q>{}));

/// The same space with run-time sizes.
inline nais::runtime_space runtime_grid_space(int n, int m, int q) {
    std::vector<nais::block> blocks;
    std::vector<nais::mbconv> ops;
    std::vector<int> bits;
    for (int i = 0; i < n; ++i)
        blocks.push_back(grid_block(i));
    for (int k = 0; k < m; ++k)
        ops.push_back(grid_op(m, k));
    for (int k = 0; k < q; ++k)
        bits.push_back(grid_bit(q, k));
    return nais::runtime_space(std::move(blocks), std::move(ops), std::move(bits));
}

/// Fills `a` with draws of `nd` from `rng` in storage order.
template <class A>
void random_normal(A& a, std::mt19937_64& rng, std::normal_distribution<double>& nd) {
    for (Eigen::Index j = 0; j < a.size(); ++j)
        a.data()[j] = static_cast<typename A::Scalar>(nd(rng));
}

/// Row-major copy of an Eigen array.
template <class T, class A>
std::vector<T> row_major(const A& a) {
    std::vector<T> v;
    for (Eigen::Index r = 0; r < a.rows(); ++r)
        for (Eigen::Index c = 0; c < a.cols(); ++c)
            v.push_back(static_cast<T>(a(r, c)));
    return v;
}

/// A mid-search point: random logits and noise, pf near EDD's p0, alpha normalising Perf_loss
/// to 1, RES_ub at the expected DSPs (so the penalty and its gradient are of order beta).
template <class Loss>
void init(Loss& l) {
    using T = typename Loss::scalar_type;
    std::mt19937_64 rng(2020);
    std::normal_distribution<double> nd(0, 1);
    random_normal(l.theta(), rng, nd);
    random_normal(l.phi(), rng, nd);
    const double budget = Loss::shared ? 2520 : 900;
    for (Eigen::Index j = 0; j < l.pf().size(); ++j)
        l.pf().data()[j] = static_cast<T>(std::log2(budget / static_cast<double>(l.pf().size())) + 0.3 * nd(rng));
    nais::gumbel_noise(l.theta_noise(), 1);
    nais::gumbel_noise(l.phi_noise(), 2);
    l.params().res_ub = static_cast<T>(budget);
    l.params().tau = T(0.8);
    l.params().C = T(1.01);
    l.forward();
    l.params().alpha = T(1) / l.perf_loss();
    l.params().res_ub = l.res();
}

template <class A, class B>
double rel_diff(const A& a, const B& b) {
    const double scale = static_cast<double>(b.abs().maxCoeff());
    return static_cast<double>((a.template cast<double>() - b.template cast<double>()).abs().maxCoeff()) /
           (scale > 0 ? scale : 1e-300);
}

inline double tolerance(bool is_double) { return is_double ? 1e-12 : 1e-4; }

/// Aborts unless a baseline agrees with the library to tolerance() on every (what, relative
/// difference) pair, naming the baseline and the first quantity that disagrees.
inline void require_agreement(const std::string& name, const char* baseline, bool is_double,
                              std::initializer_list<std::pair<const char*, double>> diffs) {
    for (const auto& [what, d] : diffs)
        if (!(d <= tolerance(is_double))) {
            std::fprintf(stderr, "%s: %s disagrees with the library on %s: %.3g relative\n", name.c_str(), baseline, what, d);
            std::abort();
        }
}

/// The same for the FPGA losses: `lib` and `other` are the two losses; theta, phi and pf the
/// relative differences of the gradients.
inline void require_agreement(const std::string& name, const char* baseline, bool is_double, double lib, double other,
                              double theta, double phi, double pf) {
    require_agreement(name, baseline, is_double,
                      {{"the loss", std::abs(lib - other) / std::abs(lib)}, {"d/dtheta", theta}, {"d/dphi", phi}, {"d/dpf", pf}});
}

/// Aborts unless the fused loop reproduces the library's loss and gradients.
template <class Loss, class Fused>
void verify_fused(Loss& l, Fused& f, const std::string& name) {
    const double lib = static_cast<double>(l.evaluate());
    const double fus = static_cast<double>(f.evaluate(l).loss);
    require_agreement(name, "the hand-fused loop", std::is_same_v<typename Loss::scalar_type, double>, lib, fus,
                      rel_diff(f.grad_theta, l.grad_theta()), rel_diff(f.grad_phi, l.grad_phi()),
                      rel_diff(f.grad_pf, l.grad_pf()));
}

/// The libtorch problem of a loss at its current point (see torch_hook.hpp).
template <class Loss, class Space>
torch_problem to_torch_problem(const Loss& l, const Space& s) {
    torch_problem p;
    p.recursive = Loss::shared;
    p.is_double = std::is_same_v<typename Loss::scalar_type, double>;
    p.n = l.num_blocks(), p.m = l.num_ops(), p.q = l.num_bits();
    p.theta = row_major<double>(l.theta()), p.theta_noise = row_major<double>(l.theta_noise());
    p.phi = row_major<double>(l.phi()), p.phi_noise = row_major<double>(l.phi_noise());
    p.pf = row_major<double>(l.pf());
    p.work = row_major<double>(nais::work_array<double>(s));
    for (int k = 0; k < p.q; ++k) {
        p.latency_factor.push_back(nais::fpga::edd_latency_calibration{}(s.bit_width(k)));
        p.dsp_factor.push_back(nais::fpga::edd_dsp_calibration{}(s.bit_width(k)));
    }
    const auto& pr = l.params();
    p.tau = pr.tau, p.alpha = pr.alpha, p.beta = pr.beta, p.C = pr.C, p.res_ub = pr.res_ub, p.acc_loss = pr.acc_loss,
    p.lse_smoothness = pr.lse_smoothness;
    return p;
}

/// Aborts unless libtorch autograd reproduces the library's loss and gradients.
template <class Loss>
void verify_torch(const Loss& l, const torch_result& t, const std::string& name) {
    auto as_array = [](const std::vector<double>& v, Eigen::Index rows, Eigen::Index cols) {
        Eigen::ArrayXXd a(rows, cols);
        for (Eigen::Index r = 0; r < rows; ++r)
            for (Eigen::Index c = 0; c < cols; ++c)
                a(r, c) = v[static_cast<std::size_t>(r * cols + c)];
        return a;
    };
    const auto& gt = l.grad_theta();
    const auto& gp = l.grad_phi();
    const auto& gf = l.grad_pf();
    require_agreement(name, "libtorch autograd", std::is_same_v<typename Loss::scalar_type, double>,
                      static_cast<double>(l.value()), t.loss, rel_diff(as_array(t.grad_theta, gt.rows(), gt.cols()), gt),
                      rel_diff(as_array(t.grad_phi, gp.rows(), gp.cols()), gp),
                      rel_diff(as_array(t.grad_pf, gf.rows(), gf.cols()), gf));
}

template <class Space>
Space make_space(int n, int m, int q) {
    if constexpr (std::is_same_v<Space, nais::runtime_space>)
        return runtime_grid_space(n, m, q);
    else
        return Space{};
}

/// The benchmark names of one case: "<family>/<what>/<static|runtime>/<double|float>/N<n>_M<m>_Q<q>".
template <class Space, class T>
struct case_name {
    const char* family;
    int n, m, q;
    std::string operator()(const char* what) const {
        char buf[128];
        std::snprintf(buf, sizeof buf, "%s/%s/%s/%s/N%d_M%d_Q%d", family, what,
                      std::is_same_v<Space, nais::runtime_space> ? "runtime" : "static",
                      std::is_same_v<T, double> ? "double" : "float", n, m, q);
        return buf;
    }
};

/// Registers forward+backward and forward of one (space, scalar, architecture) case.
template <class Space, class T, class Arch>
void register_case(int n, int m, int q) {
    using loss_t = nais::fpga::loss<Space, T, Arch>;
    const case_name<Space, T> name{std::is_same_v<Arch, nais::fpga::recursive> ? "recursive" : "pipelined", n, m, q};
    const double elements = static_cast<double>(n) * m * q;
    benchmark::RegisterBenchmark(name("fwd+bwd").c_str(), [=, label = name("fwd+bwd")](benchmark::State& state) {
        const Space s = make_space<Space>(n, m, q);
        auto l = std::make_unique<loss_t>(s);
        init(*l);
        nais_bench::fused<loss_t> f(s);
        verify_fused(*l, f, label);
        const bool with_torch = torch_runner != nullptr;
        torch_result t;
        if (with_torch) {
            t = torch_runner(to_torch_problem(*l, s));  // at the point verify_fused just evaluated
            verify_torch(*l, t, label);
        }
        for (auto _ : state)
            benchmark::DoNotOptimize(l->evaluate());
        const double lib = seconds_per_call([&] { benchmark::DoNotOptimize(l->evaluate()); }, 500);
        const double base = seconds_per_call([&] { benchmark::DoNotOptimize(f.evaluate(*l).loss); }, 500);
        state.counters["vs_fused"] = lib / base;  // < 1: the library beats the hand-fused loop
        state.counters["ns_per_NMQ"] = lib * 1e9 / elements;
        if (with_torch) {
            state.counters["torch_us"] = t.seconds_per_eval * 1e6;
            state.counters["torch_over_lib"] = t.seconds_per_eval / lib;  // how many times faster than autograd
        }
    });
    benchmark::RegisterBenchmark(name("fwd").c_str(), [=](benchmark::State& state) {
        auto l = std::make_unique<loss_t>(make_space<Space>(n, m, q));
        init(*l);
        for (auto _ : state)
            benchmark::DoNotOptimize(l->forward());
        state.counters["ns_per_NMQ"] =
            benchmark::Counter(elements, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
    });
}

/// Registers the static cases of one N and scalar type for both architectures.
template <int N, class T, class Arch>
void register_static_cases() {
    register_case<grid_space<N, 9, 3>, T, Arch>(N, 9, 3);
    register_case<grid_space<N, 9, 5>, T, Arch>(N, 9, 5);
    register_case<grid_space<N, 27, 3>, T, Arch>(N, 27, 3);
    register_case<grid_space<N, 27, 5>, T, Arch>(N, 27, 5);
}

}  // namespace nais_bench
