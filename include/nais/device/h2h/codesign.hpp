#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/argmax.hpp>
#include <nais/detail/error.hpp>
#include <nais/network/space_layers.hpp>
#include <nais/detail/math.hpp>
#include <nais/device/h2h/accelerator.hpp>
#include <nais/device/h2h/from_network.hpp>
#include <nais/device/h2h/mapper.hpp>
#include <nais/device/h2h/schedule.hpp>
#include <nais/device/h2h/workload.hpp>
#include <nais/expr/leaf.hpp>
#include <nais/expr/node.hpp>
#include <nais/loss/composed_loss.hpp>
#include <nais/loss/device_model.hpp>
#include <nais/search/standin.hpp>
#include <nais/space/search_space.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

// The differentiable co-design of multi-modal multi-task models and their heterogeneous
// implementation (Hao & Chen, AICAS 2021), as a nais device model run by search::co_search.
// The space's blocks are split into streams (modalities and task heads) joined by fusion edges.
// Variables: theta (which candidate each block runs), per-block device assignment logits
// (Gumbel-softmax, "assignment", N x D) and per-device log2 scale of the compute fabric
// ("log2_scale", 1 x D: 2^s times the parallel units, so on-chip time / 2^s and power x 2^s).
// With P = GS(theta), A = GS(assignment), g_d = 2^-s_d, the H2H costs of the block's candidate
// layers on device d (on-chip time on, weight and host transfers x; accelerator.hpp):
//   E_id   = sum_m P_im (on_imd g_d + x_imd)                  expected block time on d
//   T_i    = sum_d A_id E_id                                   expected block time
//   c_ij   = sum_{d != e} A_id A_je out_i (k_d + k_e)          producer/consumer on different devices
//            (k_d = dtype bits / link bandwidth: write to host memory, read back)
//   f_j    = T_j + smax_{i -> j} (f_i + c_ij)                  smooth longest path (DAG order)
//   L_d    = sum_i A_id E_id                                   device load (one layer at a time)
//   Lat    = smax(smax_sinks f, L_1, ..., L_D)                 critical path and loads, both lower bounds
//   Energy = sum_i sum_d A_id sum_m P_im (on_imd p_d + x_imd p_d 2^s_d) + sum_(i->j) sum_{d != e}
//            A_id A_je out_i (k_d p_d 2^s_d + k_e p_e 2^s_e)  busy time x power, as H2H charges it
//   Perf   = 1e3 Lat + energy_weight Energy   (ms + weighted J);   RES = sum_d p_d 2^s_d (W)
// smax_tau(x) = tau log sum exp(x / tau), computed stably (max shifted out), tau = tau_ms; it
// exceeds the max by at most tau ln(#terms). Everything has exact gradients (codesign_node).
namespace nais::h2h {

struct assignment_tag {
    static constexpr const char* name = "assignment";
};
struct log2_scale_tag {
    static constexpr const char* name = "log2_scale";
};

/// One assignment row per block (the sharing rule of the "assignment" group).
struct per_block {
    template <int N, int M>
    static constexpr int rows_at_compile_time = N;
    template <int N, int M>
    static constexpr int cols_at_compile_time = 1;
    static constexpr Eigen::Index rows(Eigen::Index n, Eigen::Index) noexcept { return n; }
    static constexpr Eigen::Index cols(Eigen::Index, Eigen::Index) noexcept { return 1; }
    static constexpr Eigen::Index group(Eigen::Index i, Eigen::Index, Eigen::Index) noexcept { return i; }
};

/// How the space's blocks form streams: the first blocks_per_stream[0] blocks are stream 0, and
/// so on; fusion edges join blocks of different streams (block indices, producer first).
struct stream_layout {
    std::vector<std::string> names;
    std::vector<int> blocks_per_stream;
    std::vector<std::pair<int, int>> fusion;
};

namespace detail {

/// The constants of the co-design cost: per (block, op, device) on-chip and transfer seconds,
/// block output elements, the block DAG, per-device k and power.
struct codesign_constants {
    int N = 0, M = 0, D = 0;
    std::vector<double> on, x;      ///< [(i * M + m) * D + d]
    std::vector<double> out;        ///< [i] output elements
    std::vector<double> kappa;      ///< [d] seconds per element over the link
    std::vector<double> power;      ///< [d] watts at scale 1
    std::vector<std::vector<int>> preds;  ///< [j] producer blocks
    std::vector<int> topo, sinks;
    double on_at(int i, int m, int d) const { return on[std::size_t((i * M + m) * D + d)]; }
    double x_at(int i, int m, int d) const { return x[std::size_t((i * M + m) * D + d)]; }
};

/// Stable smooth maximum tau log sum exp(v / tau) and its weights (softmax).
inline double smooth_max(const std::vector<double>& v, double tau, std::vector<double>& weights) {
    weights.assign(v.size(), 0.0);
    if (v.empty())
        return 0;
    const double top = *std::max_element(v.begin(), v.end());
    double sum = 0;
    for (std::size_t k = 0; k < v.size(); ++k)
        sum += weights[k] = std::exp((v[k] - top) / tau);
    for (double& w : weights)
        w /= sum;
    return top + tau * std::log(sum);
}

/// Perf (ms + weighted J) of the co-design (see the header comment) with its exact backward.
template <class Arch, class Assign, class Scale, class T, class Params>
class codesign_node : public expr::node<codesign_node<Arch, Assign, Scale, T, Params>> {
public:
    using value_type = T;
    codesign_node(Arch p, Assign a, Scale s, const codesign_constants* c, const Params* params)
        : p_(std::move(p)), a_(std::move(a)), s_(std::move(s)), c_(c), params_(params) {}

    const value_type& forward() {
        tau_ = double(params_->tau_ms) * 1e-3;
        energy_weight_ = double(params_->energy_weight);
        const auto& P = p_.forward();
        const auto& A = a_.forward();
        const auto& S = s_.forward();
        const codesign_constants& c = *c_;
        size_workspace();
        for (int d = 0; d < c.D; ++d)
            g_[std::size_t(d)] = std::exp2(-double(S(0, d)));
        for (int i = 0; i < c.N; ++i)
            for (int d = 0; d < c.D; ++d) {
                double e = 0;
                for (int m = 0; m < c.M; ++m)
                    e += double(P(i, m)) * (c.on_at(i, m, d) * g_[std::size_t(d)] + c.x_at(i, m, d));
                E_[std::size_t(i * c.D + d)] = e;
            }
        // longest path (terms_, top_ and the weights keep their capacity: no allocation)
        for (int j : c.topo) {
            double t = 0;
            for (int d = 0; d < c.D; ++d)
                t += double(A(j, d)) * E_[std::size_t(j * c.D + d)];
            terms_.clear();
            for (int i : c.preds[std::size_t(j)])
                terms_.push_back(f_[std::size_t(i)] + pair_sum(A, i, j, link_cost()));
            f_[std::size_t(j)] = t + smooth_max(terms_, tau_, weights_[std::size_t(j)]);
        }
        terms_.clear();
        for (int s : c.sinks)
            terms_.push_back(f_[std::size_t(s)]);
        const double cp = smooth_max(terms_, tau_, sink_weights_);
        top_.clear();
        top_.push_back(cp);
        for (int d = 0; d < c.D; ++d) {
            double load = 0;
            for (int i = 0; i < c.N; ++i)
                load += double(A(i, d)) * E_[std::size_t(i * c.D + d)];
            top_.push_back(load);
        }
        latency_ = smooth_max(top_, tau_, top_weights_);
        energy_ = energy_weight_ != 0 ? energy(P, A) : 0.0;
        out_ = static_cast<T>(1e3 * latency_ + energy_weight_ * energy_);
        return out_;
    }
    const value_type& value() const noexcept { return out_; }

    void backward(const value_type& seed) {
        const codesign_constants& c = *c_;
        const auto& P = p_.value();
        const auto& A = a_.value();
        using PA = probs_array;
        using AA = assign_array;
        using SA = scale_array;
        PA& dP = dP_;
        AA& dA = dA_;
        SA& dS = dS_;
        dP.setZero();
        dA.setZero();
        dS.setZero();
        std::vector<double>& dE = dE_;
        std::vector<double>& df = df_;
        std::fill(dE.begin(), dE.end(), 0.0);
        std::fill(df.begin(), df.end(), 0.0);
        const double dlat = 1e3 * double(seed);
        const double dcp = dlat * top_weights_[0];
        for (std::size_t k = 0; k < c.sinks.size(); ++k)
            df[std::size_t(c.sinks[k])] += dcp * sink_weights_[k];
        for (int d = 0; d < c.D; ++d) {
            const double dl = dlat * top_weights_[std::size_t(d) + 1];
            for (int i = 0; i < c.N; ++i) {
                dE[std::size_t(i * c.D + d)] += dl * double(A(i, d));
                dA(i, d) += static_cast<typename AA::Scalar>(dl * E_[std::size_t(i * c.D + d)]);
            }
        }
        for (std::size_t k = c.topo.size(); k-- > 0;) {
            const int j = c.topo[k];
            const double dj = df[std::size_t(j)];
            if (dj == 0)
                continue;
            for (int d = 0; d < c.D; ++d) {  // T_j
                dE[std::size_t(j * c.D + d)] += dj * double(A(j, d));
                dA(j, d) += static_cast<typename AA::Scalar>(dj * E_[std::size_t(j * c.D + d)]);
            }
            const auto& preds = c.preds[std::size_t(j)];
            for (std::size_t q = 0; q < preds.size(); ++q) {
                const double u = dj * weights_[std::size_t(j)][q];
                df[std::size_t(preds[q])] += u;
                pair_backward(A, preds[q], j, u, dA, link_cost());
            }
        }
        for (int i = 0; i < c.N; ++i)
            for (int d = 0; d < c.D; ++d) {
                const double de = dE[std::size_t(i * c.D + d)];
                if (de == 0)
                    continue;
                const double gd = g_[std::size_t(d)];
                double on_sum = 0;
                for (int m = 0; m < c.M; ++m) {
                    dP(i, m) += static_cast<typename PA::Scalar>(de * (c.on_at(i, m, d) * gd + c.x_at(i, m, d)));
                    on_sum += double(P(i, m)) * c.on_at(i, m, d);
                }
                dS(0, d) += static_cast<typename SA::Scalar>(-de * on_sum * gd * nais::detail::ln2<double>);
            }
        if (energy_weight_ != 0)
            energy_backward(P, A, double(seed) * energy_weight_, dP, dA, dS);
        p_.backward(dP);
        a_.backward(dA);
        s_.backward(dS);
    }

    double latency_seconds() const noexcept { return latency_; }
    double energy_joules() const noexcept { return energy_; }

private:
    using probs_array = std::remove_cvref_t<expr::value_t<Arch>>;
    using assign_array = std::remove_cvref_t<expr::value_t<Assign>>;
    using scale_array = std::remove_cvref_t<expr::value_t<Scale>>;

    /// Sizes the workspace of forward and backward once (the first forward): none of them
    /// allocates afterwards.
    void size_workspace() {
        const codesign_constants& c = *c_;
        const std::size_t N = std::size_t(c.N), D = std::size_t(c.D);
        if (f_.size() == N && g_.size() == D)
            return;
        g_.assign(D, 0.0);
        E_.assign(N * D, 0.0);
        f_.assign(N, 0.0);
        df_.assign(N, 0.0);
        dE_.assign(N * D, 0.0);
        weights_.assign(N, {});
        std::size_t widest = c.sinks.size();
        for (std::size_t j = 0; j < N; ++j) {
            weights_[j].assign(c.preds[j].size(), 0.0);
            widest = std::max(widest, c.preds[j].size());
        }
        terms_.reserve(widest);
        sink_weights_.assign(c.sinks.size(), 0.0);
        top_.reserve(D + 1);
        top_weights_.assign(D + 1, 0.0);
        dP_.resize(c.N, c.M);
        dA_.resize(c.N, c.D);
        dS_.resize(1, c.D);
    }

    /// The transfer weight of a producer on d and a consumer on e: k_d + k_e (seconds per element).
    auto link_cost() const {
        return [c = c_](int d, int e) { return c->kappa[std::size_t(d)] + c->kappa[std::size_t(e)]; };
    }
    /// A term of producer i and consumer j on different devices: sum_{d != e} A_id A_je out_i w(d, e).
    template <class AA, class Weight>
    double pair_sum(const AA& A, int i, int j, Weight w) const {
        const codesign_constants& c = *c_;
        double s = 0;
        for (int d = 0; d < c.D; ++d)
            for (int e = 0; e < c.D; ++e)
                if (d != e)
                    s += double(A(i, d)) * double(A(j, e)) * c.out[std::size_t(i)] * w(d, e);
        return s;
    }
    /// d/dA of seed x pair_sum(A, i, j, w).
    template <class AA, class Weight>
    void pair_backward(const AA& A, int i, int j, double seed, AA& dA, Weight w) const {
        const codesign_constants& c = *c_;
        for (int d = 0; d < c.D; ++d)
            for (int e = 0; e < c.D; ++e)
                if (d != e) {
                    const double k = seed * c.out[std::size_t(i)] * w(d, e);
                    dA(i, d) += static_cast<typename AA::Scalar>(k * double(A(j, e)));
                    dA(j, e) += static_cast<typename AA::Scalar>(k * double(A(i, d)));
                }
    }
    double scaled_power(int d) const { return c_->power[std::size_t(d)] / g_[std::size_t(d)]; }
    /// The energy weight of a transfer from d to e: each side's link time x its scaled power.
    auto transfer_energy() const {
        return [this](int d, int e) { return c_->kappa[std::size_t(d)] * scaled_power(d) + c_->kappa[std::size_t(e)] * scaled_power(e); };
    }
    template <class PA, class AA>
    double energy(const PA& P, const AA& A) const {
        const codesign_constants& c = *c_;
        double en = 0;
        for (int i = 0; i < c.N; ++i)
            for (int d = 0; d < c.D; ++d) {
                double b = 0;
                for (int m = 0; m < c.M; ++m)
                    b += double(P(i, m)) * (c.on_at(i, m, d) * c.power[std::size_t(d)] + c.x_at(i, m, d) * scaled_power(d));
                en += double(A(i, d)) * b;
            }
        for (int j = 0; j < c.N; ++j)
            for (int i : c.preds[std::size_t(j)])
                en += pair_sum(A, i, j, transfer_energy());
        return en;
    }
    template <class PA, class AA, class SA>
    void energy_backward(const PA& P, const AA& A, double seed, PA& dP, AA& dA, SA& dS) const {
        const codesign_constants& c = *c_;
        const double ln2 = nais::detail::ln2<double>;
        for (int i = 0; i < c.N; ++i)
            for (int d = 0; d < c.D; ++d) {
                double b = 0, xs = 0;
                for (int m = 0; m < c.M; ++m) {
                    const double bm = c.on_at(i, m, d) * c.power[std::size_t(d)] + c.x_at(i, m, d) * scaled_power(d);
                    b += double(P(i, m)) * bm;
                    xs += double(P(i, m)) * c.x_at(i, m, d) * scaled_power(d);
                    dP(i, m) += static_cast<typename PA::Scalar>(seed * double(A(i, d)) * bm);
                }
                dA(i, d) += static_cast<typename AA::Scalar>(seed * b);
                dS(0, d) += static_cast<typename SA::Scalar>(seed * double(A(i, d)) * xs * ln2);
            }
        for (int j = 0; j < c.N; ++j)
            for (int i : c.preds[std::size_t(j)]) {
                pair_backward(A, i, j, seed, dA, transfer_energy());
                for (int d = 0; d < c.D; ++d)
                    for (int e = 0; e < c.D; ++e)
                        if (d != e) {
                            const double k = seed * double(A(i, d)) * double(A(j, e)) * c.out[std::size_t(i)] * ln2;
                            dS(0, d) += static_cast<typename SA::Scalar>(k * c.kappa[std::size_t(d)] * scaled_power(d));
                            dS(0, e) += static_cast<typename SA::Scalar>(k * c.kappa[std::size_t(e)] * scaled_power(e));
                        }
            }
    }

    Arch p_;
    Assign a_;
    Scale s_;
    const codesign_constants* c_;
    const Params* params_;
    T out_{};
    double latency_ = 0, energy_ = 0, tau_ = 5e-5, energy_weight_ = 0;
    std::vector<double> g_, E_, f_, sink_weights_, top_weights_, terms_, top_, dE_, df_;
    std::vector<std::vector<double>> weights_;
    probs_array dP_;
    assign_array dA_;
    scale_array dS_;
};

/// RES = sum_d p_d 2^s_d: the platform's power at its scales (W).
template <class Scale, class T>
class platform_power_node : public expr::node<platform_power_node<Scale, T>> {
public:
    using value_type = T;
    platform_power_node(Scale s, const codesign_constants* c) : s_(std::move(s)), c_(c) {}
    const value_type& forward() {
        const auto& S = s_.forward();
        double w = 0;
        for (int d = 0; d < c_->D; ++d)
            w += c_->power[std::size_t(d)] * std::exp2(double(S(0, d)));
        out_ = static_cast<T>(w);
        return out_;
    }
    const value_type& value() const noexcept { return out_; }
    void backward(const value_type& seed) {
        const auto& S = s_.value();
        using SA = std::remove_cvref_t<decltype(S)>;
        SA& dS = dS_;
        if (dS.cols() != c_->D)
            dS.resize(1, c_->D);  // once: no allocation per evaluation afterwards
        for (int d = 0; d < c_->D; ++d)
            dS(0, d) = static_cast<typename SA::Scalar>(double(seed) * c_->power[std::size_t(d)] * std::exp2(double(S(0, d))) *
                                                        nais::detail::ln2<double>);
        s_.backward(dS);
    }

private:
    Scale s_;
    const codesign_constants* c_;
    T out_{};
    std::remove_cvref_t<expr::value_t<Scale>> dS_;
};

}  // namespace detail

/// A fixed assignment list-scheduled: repeatedly the ready layer that can start first (ties:
/// the lower index) goes next on its device.
inline plan list_schedule(const workload& w, const cost_table& t, const std::vector<std::size_t>& device_of) {
    const std::size_t n = w.size();
    plan p;
    p.order.assign(t.accelerators(), {});
    p.resident.assign(n, 0);
    std::vector<char> done(n, 0);
    std::vector<double> end(n, 0), free(t.accelerators(), 0);
    for (std::size_t placed = 0; placed < n; ++placed) {
        std::size_t best = workload::npos;
        double best_start = std::numeric_limits<double>::infinity();
        for (std::size_t l = 0; l < n; ++l) {
            if (done[l])
                continue;
            double start = free[device_of[l]];
            bool ready = true;
            for (std::size_t q : w.predecessors(l)) {
                ready = ready && done[q];
                start = std::max(start, end[q]);
            }
            if (ready && start < best_start) {
                best_start = start;
                best = l;
            }
        }
        done[best] = 1;
        end[best] = best_start + t.cost[best][device_of[best]].full();
        free[device_of[best]] = end[best];
        p.order[device_of[best]].push_back(best);
    }
    return p;
}

/// What the co-design derives: ops, a device per block and scales, and the derived network's
/// workload mapped by list scheduling on those devices (H2H's knapsack for resident weights),
/// evaluated exactly; and H2H's mapper on the same derived workload for comparison.
struct codesign_outcome {
    std::vector<int> ops;
    std::vector<int> devices;         ///< per block
    std::vector<double> scales;       ///< 2^s per device
    workload derived;
    cost_table costs;                 ///< of the derived workload on the scaled platform
    plan mapping;                     ///< the co-design's assignment, list-scheduled
    schedule timing;                  ///< its exact schedule
    mapping_result h2h;               ///< H2H's four steps on the derived workload
};

/// The co-design device model over a space whose blocks form streams (stream_layout).
template <search_space S, class T = double>
class codesign_model {
    static_assert(std::is_floating_point_v<T>, "nais::h2h::codesign_model: the scalar type must be float, double or long double");

public:
    using space_type = S;
    using scalar_type = T;
    using assignment_type = Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic>;
    using scale_type = Eigen::Array<T, 1, Eigen::Dynamic>;
    using variables = nais::variables<sampled<assignment_tag, assignment_type, per_block>, continuous<log2_scale_tag, scale_type>>;

    // the optional hooks it defines (nais::hook)
    using hooks = nais::hooks<nais::hook::validate_parameters, nais::hook::validate, nais::hook::interface,
                              nais::hook::search_bounds, nais::hook::check_search, nais::hook::finish>;
    struct parameters {
        T tau_ms = T(0.05);        ///< smoothness of the longest path and the loads (ms)
        T energy_weight = 0;       ///< Perf += energy_weight x energy (J)
    };

    /// Refuses a layout that does not cover the space's blocks, a fusion edge out of range or
    /// within a stream, and a platform member that does not accept conv layers.
    codesign_model(const S& space, stream_layout layout, std::vector<accelerator> platform)
        : space_(space), layout_(std::move(layout)), platform_(std::move(platform)) {
        using nais::detail::require;
        require(!platform_.empty(), "h2h::codesign_model: the platform needs at least one accelerator");
        for (const accelerator& a : platform_) {
            nais::h2h::validate(a);
            require(a.accepts == layer_kind::conv, "h2h::codesign_model: accelerator '", a.name,
                    "' must accept CNN layers (the space's blocks are conv and fc layers)");
        }
        int total = 0;
        for (int b : layout_.blocks_per_stream) {
            require(b >= 1, "h2h::codesign_model: every stream needs at least one block");
            total += b;
        }
        require(total == space.num_blocks(), "h2h::codesign_model: the streams have ", total, " blocks, the space ", space.num_blocks());
        require(layout_.names.size() == layout_.blocks_per_stream.size(), "h2h::codesign_model: one name per stream");
        c_.N = space.num_blocks();
        c_.M = space.num_ops();
        c_.D = int(platform_.size());
        stream_of_.clear();
        for (std::size_t s = 0; s < layout_.blocks_per_stream.size(); ++s)
            for (int k = 0; k < layout_.blocks_per_stream[s]; ++k)
                stream_of_.push_back(int(s));
        c_.preds.assign(std::size_t(c_.N), {});
        for (int i = 1; i < c_.N; ++i)
            if (stream_of_[std::size_t(i)] == stream_of_[std::size_t(i - 1)])
                c_.preds[std::size_t(i)].push_back(i - 1);
        for (const auto& [a, b] : layout_.fusion) {
            require(a >= 0 && b >= 0 && a < c_.N && b < c_.N, "h2h::codesign_model: fusion edge [", a, ", ", b, "] is out of range");
            require(stream_of_[std::size_t(a)] != stream_of_[std::size_t(b)], "h2h::codesign_model: fusion edge [", a, ", ", b,
                    "] joins blocks of one stream");
            c_.preds[std::size_t(b)].push_back(a);
        }
        // topological order (fusion edges may point backwards in block order)
        std::vector<int> indeg(std::size_t(c_.N), 0);
        std::vector<std::vector<int>> succ(std::size_t(c_.N));
        for (int j = 0; j < c_.N; ++j)
            for (int i : c_.preds[std::size_t(j)]) {
                ++indeg[std::size_t(j)];
                succ[std::size_t(i)].push_back(j);
            }
        for (int j = 0; j < c_.N; ++j)
            if (indeg[std::size_t(j)] == 0)
                c_.topo.push_back(j);
        for (std::size_t k = 0; k < c_.topo.size(); ++k)
            for (int j : succ[std::size_t(c_.topo[k])])
                if (--indeg[std::size_t(j)] == 0)
                    c_.topo.push_back(j);
        require(int(c_.topo.size()) == c_.N, "h2h::codesign_model: the fusion edges form a cycle");
        for (int i = 0; i < c_.N; ++i)
            if (succ[std::size_t(i)].empty())
                c_.sinks.push_back(i);
        for (const accelerator& a : platform_) {
            c_.kappa.push_back(double(a.dtype_bits) / (a.link_gbps * 1e9));
            c_.power.push_back(a.power_w);
        }
        // per (block, op, device) costs: the candidate's layers with local activations between them;
        // a stream's first block reads its input from host memory, a sink writes its output there
        c_.on.assign(std::size_t(c_.N * c_.M * c_.D), 0.0);
        c_.x = c_.on;
        c_.out.assign(std::size_t(c_.N), 0.0);
        for (int i = 0; i < c_.N; ++i) {
            for (int m = 0; m < c_.M; ++m) {
                if (!op_runs_on_hardware(space, i, m))
                    continue;
                const net::network_report r = candidate_report(space, i, m);
                c_.out[std::size_t(i)] = double(r.layers.back().out.elements());
                const stream s = stream_of(candidate_network(space, i, m), "b");
                for (int d = 0; d < c_.D; ++d) {
                    double on = 0, x = 0;
                    for (const layer& l : s.layers) {
                        const layer_cost lc = cost_of(l, platform_[std::size_t(d)]);
                        on += lc.on_chip;
                        x += lc.weights;
                    }
                    if (c_.preds[std::size_t(i)].empty())
                        x += double(r.input.elements()) * c_.kappa[std::size_t(d)];
                    if (succ[std::size_t(i)].empty())
                        x += double(r.layers.back().out.elements()) * c_.kappa[std::size_t(d)];
                    c_.on[std::size_t((i * c_.M + m) * c_.D + d)] = on;
                    c_.x[std::size_t((i * c_.M + m) * c_.D + d)] = x;
                }
            }
        }
    }

    group_shape shape(assignment_tag) const { return {c_.N, c_.D}; }
    group_shape shape(log2_scale_tag) const { return {1, c_.D}; }

    template <class B>
    auto program(B& b) {
        using params_type = std::remove_cvref_t<decltype(b.params())>;
        using arch_type = std::remove_cvref_t<decltype(b.arch())>;
        using assign_type = std::remove_cvref_t<decltype(b.probabilities(assignment_tag{}))>;
        using scale_leaf = std::remove_cvref_t<decltype(b.variable(log2_scale_tag{}))>;
        return device_terms(statements(),
                            detail::codesign_node<arch_type, assign_type, scale_leaf, T, params_type>(
                                b.arch(), b.probabilities(assignment_tag{}), b.variable(log2_scale_tag{}), &c_, &b.params()),
                            detail::platform_power_node<scale_leaf, T>(b.variable(log2_scale_tag{}), &c_));
    }

    template <class P>
    void validate_parameters(const P& p) const {
        nais::detail::require(std::isfinite(double(p.tau_ms)) && p.tau_ms >= T(1e-6) && p.tau_ms <= T(1e3),
                              "h2h::codesign: params.tau_ms = ", p.tau_ms, " must be in [1e-6, 1e3]");
        nais::detail::require(std::isfinite(double(p.energy_weight)) && p.energy_weight >= 0,
                              "h2h::codesign: params.energy_weight must be finite and >= 0, got ", p.energy_weight);
    }
    /// 2^s within [1/64, 64]: s in [-6, 6].
    template <class Loss>
    void validate(const Loss& l) const {
        const scale_type& s = l.variable(log2_scale_tag{});
        for (int d = 0; d < c_.D; ++d)
            nais::detail::require(std::isfinite(double(s(d))) && s(d) >= -6 && s(d) <= 6, "h2h::codesign: log2_scale(", d, ") = ", s(d),
                                  " is outside [-6, 6]");
    }

    // ---- search hooks
    template <class P>
    interval search_bounds(log2_scale_tag, const P&) const {
        return {-2, 2};
    }
    template <class Loss, class Search>
    void check_search(const Loss& l, const Search&) const {
        const double ub = double(l.params().res_ub);
        nais::detail::require(std::isfinite(ub) && ub > 0, "co_search: params.res_ub (the platform's power budget, W) must be set, got ", ub);
    }

    /// The block-level constants (for tests and tools).
    const detail::codesign_constants& constants() const noexcept { return c_; }
    int stream_of_block(int i) const { return stream_of_.at(std::size_t(i)); }

    /// The derivation: argmax ops and devices, rounded scales; the derived network's layers as
    /// an H2H workload on the scaled platform; the co-design's mapping list-scheduled (each layer
    /// on its block's device, the earliest-starting ready layer first) with H2H's knapsack;
    /// its exact schedule; and H2H's mapper on the same workload.
    template <class Loss, class Search>
    codesign_outcome finish(const Loss& l, const Search&) const {
        return outcome(l);
    }

    /// The derivation of the loss's current variables (what finish() returns after a search).
    template <class Loss>
    codesign_outcome outcome(const Loss& l) const {
        codesign_outcome o;
        o.ops = l.derived_ops();
        const auto dev = nais::detail::argmax_rows(l.variable(assignment_tag{}));
        o.devices.assign(dev.begin(), dev.end());
        std::vector<accelerator> scaled = platform_;
        for (int d = 0; d < c_.D; ++d) {
            const double f = std::exp2(std::round(double(l.variable(log2_scale_tag{})(d))));
            o.scales.push_back(f);
            scaled[std::size_t(d)].throughput_gops *= f;
            scaled[std::size_t(d)].Tm = std::max<std::int64_t>(1, std::llround(double(scaled[std::size_t(d)].Tm) * f));
            scaled[std::size_t(d)].power_w *= f;
        }
        derive_mapping(o.ops, o.devices, scaled, o);
        return o;
    }

    /// The derivation for given ops and devices (as finish(), without the loss).
    void derive_mapping(const std::vector<int>& ops, const std::vector<int>& devices, const std::vector<accelerator>& scaled,
                        codesign_outcome& o) const {
        nais::detail::require(int(ops.size()) == c_.N && int(devices.size()) == c_.N, "h2h::codesign: derive_mapping needs one op and one device per block");
        std::vector<stream> streams(layout_.names.size());
        std::vector<std::vector<int>> block_of(streams.size());  // per stream, per layer: its block
        for (std::size_t s = 0; s < streams.size(); ++s)
            streams[s].name = layout_.names[s];
        for (int i = 0; i < c_.N; ++i) {
            if (!op_runs_on_hardware(space_, i, ops[std::size_t(i)]))
                continue;
            const std::size_t s = std::size_t(stream_of_[std::size_t(i)]);
            std::string prefix = layout_.names[s];
            prefix.append("/b").append(std::to_string(i));
            for (layer& x : stream_of(candidate_network(space_, i, ops[std::size_t(i)]), prefix).layers) {
                streams[s].layers.push_back(std::move(x));
                block_of[s].push_back(i);
            }
        }
        std::vector<int> layer_block;  // global layer index -> block (layers are numbered stream by stream)
        for (std::size_t s = 0; s < streams.size(); ++s)
            layer_block.insert(layer_block.end(), block_of[s].begin(), block_of[s].end());
        // fusion edges join the producer block's last layer to the consumer block's first layer
        const auto name_of_layer = [&](int block, bool last_layer) -> std::string {
            const std::size_t s = std::size_t(stream_of_[std::size_t(block)]);
            std::string found;
            for (std::size_t k = 0; k < block_of[s].size(); ++k)
                if (block_of[s][k] == block) {
                    found = streams[s].layers[k].name;
                    if (!last_layer)
                        break;
                }
            return found;
        };
        std::vector<std::pair<std::string, std::string>> fusion;
        for (const auto& [a, b] : layout_.fusion) {
            const std::string from = name_of_layer(a, true), to = name_of_layer(b, false);
            if (!from.empty() && !to.empty())  // a skip op on either side drops the edge
                fusion.emplace_back(from, to);
        }
        std::vector<stream> kept;
        for (stream& s : streams)
            if (!s.layers.empty())
                kept.push_back(std::move(s));
        o.derived = workload(std::move(kept), fusion);
        o.costs = make_cost_table(o.derived, scaled);
        std::vector<std::size_t> device_of(o.derived.size());
        for (std::size_t l = 0; l < o.derived.size(); ++l)
            device_of[l] = std::size_t(devices[std::size_t(layer_block[l])]);
        o.mapping = list_schedule(o.derived, o.costs, device_of);
        const std::vector<std::size_t> none(o.derived.size(), workload::npos);
        nais::h2h::detail::pack_weights(o.derived, o.costs, none, o.mapping);
        o.timing = evaluate(o.derived, o.costs, o.mapping, true);
        o.h2h = map(o.derived, o.costs);
    }

    template <class Loss>
    class interface : public loss_interface<Loss> {
        using loss_interface<Loss>::self;

    public:
        assignment_type& assignment() noexcept { return self().variable(assignment_tag{}); }
        const assignment_type& assignment() const noexcept { return self().variable(assignment_tag{}); }
        const assignment_type& grad_assignment() const noexcept { return self().gradient(assignment_tag{}); }
        scale_type& log2_scale() noexcept { return self().variable(log2_scale_tag{}); }
        const scale_type& log2_scale() const noexcept { return self().variable(log2_scale_tag{}); }
        const scale_type& grad_log2_scale() const noexcept { return self().gradient(log2_scale_tag{}); }
    };

private:
    S space_;
    stream_layout layout_;
    std::vector<accelerator> platform_;
    std::vector<int> stream_of_;
    detail::codesign_constants c_;
};

/// The stand-in accuracy term (search/standin.hpp) weighted per task: each task's blocks share
/// weight 1 (1/b per block of a task of b blocks), no base and no precision term, so every
/// modality counts alike however deep its stream. A placeholder, not an accuracy model.
template <search_space S>
search::standin_accuracy<double> per_task_standin(const S& space, const stream_layout& layout) {
    search::standin_accuracy<double>::weights w;
    w.base = 0;
    w.capacity = 1;
    w.precision = 0;
    for (int b : layout.blocks_per_stream)
        for (int k = 0; k < b; ++k)
            w.rows.push_back(1.0 / b);
    return search::standin_accuracy<double>(space, w);
}

/// EDD Eq. 1 for the multi-task co-design: L = Acc_loss x alpha x Perf + beta C^(RES - RES_ub),
/// with Acc_loss the sum of the tasks' losses (the user's), Perf ms (+ weighted J), RES watts.
template <search_space S, class T = double>
using codesign_loss = nais::loss<codesign_model<S, T>>;

}  // namespace nais::h2h
