// The benchmark grid of the GPU latency-table and Loom bit-serial losses (EDD Sec. 4.2, 4.3):
// the same N x M x Q grid, scalar types and spaces as the FPGA grid (grid.hpp), forward and
// forward+backward, each case checked against a hand-fused plain loop of the same loss and
// gradients before it is timed (1e-12 relative in double, 1e-4 in float; a mismatch aborts).
#pragma once
#include "grid.hpp"

#include <algorithm>

namespace nais_bench {

/// A synthetic GPU latency table for a grid space, from the analytic work counts (the grid's
/// sizes have no measured table): Lat(i, m, q) = work(i, m) * bits_q / 16 * 1e-6 ms, normalised by
/// its maximum as a user would. Timing does not depend on the values; agreement is checked on them.
template <class Space>
nais::gpu::latency_table synthetic_gpu_table(const Space& s) {
    nais::gpu::latency_table t(s.num_blocks(), s.num_ops(), s.num_bits());
    for (int i = 0; i < s.num_blocks(); ++i)
        for (int m = 0; m < s.num_ops(); ++m)
            for (int q = 0; q < s.num_bits(); ++q)
                t.at(i, m, q) = static_cast<double>(s.work(i, m)) * s.bit_width(q) / 16.0 * 1e-6;
    return t.normalized_by(t.max());
}

/// Hand-fused GPU loss: L = Acc * alpha * sum_(i,m) GS(theta)_im sum_q GS(phi)_q Lat(i,m,q).
template <class Loss>
class fused_gpu {
public:
    using T = typename Loss::scalar_type;

    template <class Space>
    fused_gpu(const Space& s, const nais::gpu::latency_table& table)
        : n_(s.num_blocks()), m_(s.num_ops()), q_(s.num_bits()), lat_(static_cast<std::size_t>(n_ * m_ * q_)),
          pa_(n_ * m_), pq_(q_), dpa_(n_ * m_), dpq_(q_) {
        for (int i = 0; i < n_; ++i)
            for (int m = 0; m < m_; ++m)
                for (int q = 0; q < q_; ++q)
                    lat_[(i * m_ + m) * q_ + q] = static_cast<T>(table.at(i, m, q));
        grad_theta.resize(n_, m_);
        grad_phi.resize(1, q_);
    }

    T evaluate(const Loss& l) {
        const T tau = l.params().tau, c = l.params().acc_loss * l.params().alpha;
        softmax_rows(l.theta(), l.theta_noise(), tau, n_, m_, pa_);
        softmax_rows(l.phi(), l.phi_noise(), tau, 1, q_, pq_);
        std::fill(dpq_.begin(), dpq_.end(), T(0));
        T perf = 0;
        for (int i = 0; i < n_; ++i)
            for (int m = 0; m < m_; ++m) {
                const T* lat = &lat_[(i * m_ + m) * q_];
                const T p = pa_[i * m_ + m];
                T e = 0;
                for (int q = 0; q < q_; ++q) {
                    e += pq_[q] * lat[q];
                    dpq_[q] += c * p * lat[q];
                }
                perf += p * e;
                dpa_[i * m_ + m] = c * e;
            }
        softmax_rows_backward(pa_, dpa_, tau, n_, m_, grad_theta);
        softmax_rows_backward(pq_, dpq_, tau, 1, q_, grad_phi);
        return c * perf;
    }

    typename Loss::theta_type grad_theta;
    typename Loss::phi_type grad_phi;

private:
    int n_, m_, q_;
    std::vector<T> lat_, pa_, pq_, dpa_, dpq_;
};

/// Hand-fused Loom loss with the energy-delay product (objective exponents 1):
///   Lat, En = sum_(i,m) GS(theta)_im (c_wa Ew Ea + c_w Ew + c_a Ea)(i,m), Ew, Ea per sharing group,
///   L = Acc * (alpha_L Lat) * (alpha_E En).
template <class Loss>
class fused_loom {
public:
    using T = typename Loss::scalar_type;
    using Sharing = typename Loss::sharing_rule;

    template <class Space>
    fused_loom(const Space& s, const nais::loom::accelerator& acc)
        : n_(s.num_blocks()), m_(s.num_ops()), q_(s.num_bits()),
          g_(static_cast<int>(nais::sharing::groups_of<Sharing>(n_, m_))), bits_(q_), pa_(n_ * m_), pw_(g_ * q_),
          pact_(g_ * q_), dpa_(n_ * m_), dpw_(g_ * q_), dpact_(g_ * q_), ew_(g_), ea_(g_), dew_(g_), dea_(g_) {
        const auto lat = nais::loom::cost_table<T>(s, acc, nais::loom::cost_kind::latency);
        const auto en = nais::loom::cost_table<T>(s, acc, nais::loom::cost_kind::energy);
        lwa_ = row_major<T>(lat.wa), lw_ = row_major<T>(lat.w), la_ = row_major<T>(lat.a);
        ewa_ = row_major<T>(en.wa), eww_ = row_major<T>(en.w), eaa_ = row_major<T>(en.a);
        for (int q = 0; q < q_; ++q)
            bits_[q] = static_cast<T>(s.bit_width(q));
        grad_theta.resize(n_, m_);
        grad_phi_w.resize(g_, q_);
        grad_phi_a.resize(g_, q_);
    }

    T evaluate(const Loss& l) {
        const auto& p = l.params();
        const T tau = p.tau;
        softmax_rows(l.theta(), l.theta_noise(), tau, n_, m_, pa_);
        softmax_rows(l.phi_weights(), l.phi_weights_noise(), tau, g_, q_, pw_);
        softmax_rows(l.phi_activations(), l.phi_activations_noise(), tau, g_, q_, pact_);
        for (int g = 0; g < g_; ++g) {
            T w = 0, a = 0;
            for (int q = 0; q < q_; ++q) {
                w += pw_[g * q_ + q] * bits_[q];
                a += pact_[g * q_ + q] * bits_[q];
            }
            ew_[g] = w, ea_[g] = a, dew_[g] = 0, dea_[g] = 0;
        }
        T lat = 0, en = 0;
        for (int i = 0; i < n_; ++i)
            for (int m = 0; m < m_; ++m) {
                const int k = i * m_ + m, g = group(i, m);
                const T w = ew_[g], a = ea_[g], pim = pa_[k];
                lat += pim * (lwa_[k] * w * a + lw_[k] * w + la_[k] * a);
                en += pim * (ewa_[k] * w * a + eww_[k] * w + eaa_[k] * a);
            }
        const T al = p.objective.weight[0], ae = p.objective.weight[1];
        const T cl = p.acc_loss * al * ae * en, ce = p.acc_loss * al * ae * lat;  // dL/dLat, dL/dEn
        for (int i = 0; i < n_; ++i)
            for (int m = 0; m < m_; ++m) {
                const int k = i * m_ + m, g = group(i, m);
                const T w = ew_[g], a = ea_[g], pim = pa_[k];
                const T xwa = cl * lwa_[k] + ce * ewa_[k], xw = cl * lw_[k] + ce * eww_[k], xa = cl * la_[k] + ce * eaa_[k];
                dpa_[k] = xwa * w * a + xw * w + xa * a;
                dew_[g] += pim * (xwa * a + xw);
                dea_[g] += pim * (xwa * w + xa);
            }
        for (int g = 0; g < g_; ++g)
            for (int q = 0; q < q_; ++q) {
                dpw_[g * q_ + q] = dew_[g] * bits_[q];
                dpact_[g * q_ + q] = dea_[g] * bits_[q];
            }
        softmax_rows_backward(pa_, dpa_, tau, n_, m_, grad_theta);
        softmax_rows_backward(pw_, dpw_, tau, g_, q_, grad_phi_w);
        softmax_rows_backward(pact_, dpact_, tau, g_, q_, grad_phi_a);
        return p.acc_loss * (al * lat) * (ae * en);
    }

    typename Loss::theta_type grad_theta;
    typename Loss::phi_type grad_phi_w, grad_phi_a;

private:
    int group(int i, int m) const { return static_cast<int>(nais::sharing::group_of<Sharing>(i, m, n_)); }

    int n_, m_, q_, g_;
    std::vector<T> bits_, pa_, pw_, pact_, dpa_, dpw_, dpact_, ew_, ea_, dew_, dea_, lwa_, lw_, la_, ewa_, eww_, eaa_;
};

/// One device's case: the loss, its fused loop, how to set them up and verify them.
template <class Space, class T>
struct gpu_case {
    using loss_type = nais::gpu::loss<Space, T>;
    using fused_type = fused_gpu<loss_type>;
    static constexpr const char* device = "gpu";
    nais::gpu::latency_table table;
    explicit gpu_case(const Space& s) : table(synthetic_gpu_table(s)) {}
    std::unique_ptr<loss_type> make_loss(const Space& s) const { return std::make_unique<loss_type>(s, table); }
    fused_type make_fused(const Space& s) const { return fused_type(s, table); }
    static void init(loss_type& l) {
        std::mt19937_64 rng(2020);
        std::normal_distribution<double> nd(0, 1);
        random_normal(l.theta(), rng, nd);
        random_normal(l.phi(), rng, nd);
        nais::gumbel_noise(l.theta_noise(), 1);
        nais::gumbel_noise(l.phi_noise(), 2);
        l.params().tau = T(0.8);
        l.forward();
        l.params().alpha = T(1) / l.perf_loss();
    }
    static void verify(loss_type& l, fused_type& f, const std::string& name) {
        const double lib = static_cast<double>(l.evaluate()), fus = static_cast<double>(f.evaluate(l));
        require_agreement(name, "the hand-fused loop", std::is_same_v<T, double>,
                          {{"the loss", std::abs(lib - fus) / std::abs(lib)},
                           {"d/dtheta", rel_diff(f.grad_theta, l.grad_theta())},
                           {"d/dphi", rel_diff(f.grad_phi, l.grad_phi())}});
    }
};

template <class Space, class T>
struct loom_case {
    using loss_type = nais::loom::loss<Space, T>;  // per-op-type precision sharing, energy-delay product
    using fused_type = fused_loom<loss_type>;
    static constexpr const char* device = "loom";
    explicit loom_case(const Space&) {}
    std::unique_ptr<loss_type> make_loss(const Space& s) const { return std::make_unique<loss_type>(s); }
    fused_type make_fused(const Space& s) const { return fused_type(s, nais::loom::accelerator{}); }
    static void init(loss_type& l) {
        std::mt19937_64 rng(2020);
        std::normal_distribution<double> nd(0, 1);
        random_normal(l.theta(), rng, nd);
        random_normal(l.phi_weights(), rng, nd);
        random_normal(l.phi_activations(), rng, nd);
        nais::gumbel_noise(l.theta_noise(), 1);
        nais::gumbel_noise(l.phi_weights_noise(), 2);
        nais::gumbel_noise(l.phi_activations_noise(), 3);
        l.params().tau = T(0.8);
        l.forward();
        l.params().objective = nais::objective_mix<T, 2>::product({T(1) / l.latency(), T(1) / l.energy()});
    }
    static void verify(loss_type& l, fused_type& f, const std::string& name) {
        const double lib = static_cast<double>(l.evaluate()), fus = static_cast<double>(f.evaluate(l));
        require_agreement(name, "the hand-fused loop", std::is_same_v<T, double>,
                          {{"the loss", std::abs(lib - fus) / std::abs(lib)},
                           {"d/dtheta", rel_diff(f.grad_theta, l.grad_theta())},
                           {"d/dphi_weights", rel_diff(f.grad_phi_w, l.grad_phi_weights())},
                           {"d/dphi_activations", rel_diff(f.grad_phi_a, l.grad_phi_activations())}});
    }
};

/// Registers forward+backward and forward of one (device, space, scalar) case.
template <template <class, class> class Case, class Space, class T>
void register_device_case(int n, int m, int q) {
    using case_t = Case<Space, T>;
    const case_name<Space, T> name{case_t::device, n, m, q};
    const double elements = static_cast<double>(n) * m * q;
    benchmark::RegisterBenchmark(name("fwd+bwd").c_str(), [=, label = name("fwd+bwd")](benchmark::State& state) {
        const Space s = make_space<Space>(n, m, q);
        const case_t c(s);
        auto l = c.make_loss(s);
        case_t::init(*l);
        auto f = c.make_fused(s);
        case_t::verify(*l, f, label);
        for (auto _ : state)
            benchmark::DoNotOptimize(l->evaluate());
        const double lib = seconds_per_call([&] { benchmark::DoNotOptimize(l->evaluate()); }, 500);
        const double base = seconds_per_call([&] { benchmark::DoNotOptimize(f.evaluate(*l)); }, 500);
        state.counters["vs_fused"] = lib / base;  // < 1: the library beats the hand-fused loop
        state.counters["ns_per_NMQ"] = lib * 1e9 / elements;
    });
    benchmark::RegisterBenchmark(name("fwd").c_str(), [=](benchmark::State& state) {
        const Space s = make_space<Space>(n, m, q);
        const case_t c(s);
        auto l = c.make_loss(s);
        case_t::init(*l);
        for (auto _ : state)
            benchmark::DoNotOptimize(l->forward());
        state.counters["ns_per_NMQ"] =
            benchmark::Counter(elements, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
    });
}

/// Registers the static cases of one device, N and scalar type (M in {9, 27} x Q in {3, 5}).
template <template <class, class> class Case, int N, class T>
void register_static_device_cases() {
    register_device_case<Case, grid_space<N, 9, 3>, T>(N, 9, 3);
    register_device_case<Case, grid_space<N, 9, 5>, T>(N, 9, 5);
    register_device_case<Case, grid_space<N, 27, 3>, T>(N, 27, 3);
    register_device_case<Case, grid_space<N, 27, 5>, T>(N, 27, 5);
}

}  // namespace nais_bench
