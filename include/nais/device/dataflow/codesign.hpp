#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/argmax.hpp>
#include <nais/detail/error.hpp>
#include <nais/network/space_layers.hpp>
#include <nais/device/dataflow/search.hpp>
#include <nais/device/dataflow/templates.hpp>
#include <nais/expr/node.hpp>
#include <nais/loss/composed_loss.hpp>
#include <nais/loss/device_model.hpp>
#include <nais/space/search_space.hpp>
#include <nais/space/sharing.hpp>

#include <Eigen/Core>

#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

// DANCE's network / accelerator co-search (Choi et al., DAC 2021) as a nais device model, with
// the cost model differentiated exactly instead of DANCE's learned evaluator. Variables: theta
// and four hardware categoricals sampled by Gumbel-softmax, one row each: PE-array X, PE-array
// Y, RF size and dataflow. For hardware point h = (a, b, c, d) of the space (weight
// w_h = qx_a qy_b qr_c qd_d) and block i's candidate m (its conv / fc layers, each on the
// dataflow's template mapping, analysed with Timeloop's conventions; analysis.hpp):
//   L_h = sum_i sum_m P_im lat_imh (ms),  E_h = sum_i sum_m P_im en_imh (uJ),  A_h (mm^2)
//   expected:  Perf = sum_h w_h cost(L_h, E_h, A_h),   RES = sum_h w_h A_h
//   envelope:  Perf = min_h cost(L_h, E_h, A_h) (the optimal-hardware envelope; its gradient
//              is the minimiser's, Danskin), RES = A_h* ; the hardware logits get no gradient
// cost: latency, energy, area, EDP, EDAP or lambda_E E + lambda_L L + lambda_A A (search.hpp).
// Both are exact functions of P and q with exact gradients (codesign_node).
namespace nais::dataflow {

struct pe_x_tag {
    static constexpr const char* name = "pe_x";
};
struct pe_y_tag {
    static constexpr const char* name = "pe_y";
};
struct rf_tag {
    static constexpr const char* name = "rf";
};
struct dataflow_tag {
    static constexpr const char* name = "dataflow";
};

/// How the hardware enters the loss.
enum class hardware_mode { expected, envelope };

struct codesign_options {
    hardware_space space;
    objective cost;
    hardware_mode mode = hardware_mode::expected;
    energy_table energy = eyeriss_normalized;
    area_table area;
    std::array<int, num_operands> bits{16, 16, 16};
};

/// Per (block, op, hardware point) latency (ms) and energy (uJ), and per point the area.
struct cost_tables {
    int N = 0, M = 0;
    std::size_t H = 0;
    std::vector<double> ms, uj;  ///< [(i * M + m) * H + h]
    std::vector<double> mm2;     ///< [h]
    std::size_t distinct_layers = 0;
    double ms_at(int i, int m, std::size_t h) const { return ms[(std::size_t(i) * std::size_t(M) + std::size_t(m)) * H + h]; }
    double uj_at(int i, int m, std::size_t h) const { return uj[(std::size_t(i) * std::size_t(M) + std::size_t(m)) * H + h]; }
};

/// The tables of a space over a hardware space: every distinct layer shape of every candidate
/// is analysed once per hardware point on its template mapping.
template <search_space S>
cost_tables make_cost_tables(const S& space, const codesign_options& o) {
    validate(o.space);
    cost_tables t;
    t.N = space.num_blocks();
    t.M = space.num_ops();
    t.H = o.space.size();
    t.ms.assign(std::size_t(t.N * t.M) * t.H, 0.0);
    t.uj = t.ms;
    std::map<std::array<std::int64_t, 13>, std::size_t> index;
    std::vector<layer> distinct;
    std::vector<std::vector<std::size_t>> uses(std::size_t(t.N * t.M));
    for (int i = 0; i < t.N; ++i)
        for (int m = 0; m < t.M; ++m) {
            if (!op_runs_on_hardware(space, i, m))
                continue;
            for (const layer& l : layers_of(candidate_report(space, i, m), o.bits)) {
                const std::array<std::int64_t, 13> key{l.N, l.M, l.C, l.P, l.Q, l.R, l.S, l.stride_h, l.stride_w, l.groups, l.bits[0], l.bits[1], l.bits[2]};
                auto [it, fresh] = index.emplace(key, distinct.size());
                if (fresh)
                    distinct.push_back(l);
                uses[std::size_t(i * t.M + m)].push_back(it->second);
            }
        }
    t.distinct_layers = distinct.size();
    std::vector<double> lms(distinct.size()), luj(distinct.size());
    t.mm2.resize(t.H);
    for (std::size_t h = 0; h < t.H; ++h) {
        const hardware hw = o.space.at(h);
        const architecture a = make_architecture(hw, o.energy, o.area);
        t.mm2[h] = area_of(a) * 1e-6;
        for (std::size_t k = 0; k < distinct.size(); ++k) {
            const auto f = figures(analyse(distinct[k], a, template_mapping(distinct[k], hw)), a);
            lms[k] = f[0];
            luj[k] = f[1];
        }
        for (std::size_t c = 0; c < uses.size(); ++c)
            for (std::size_t k : uses[c]) {
                t.ms[c * t.H + h] += lms[k];
                t.uj[c * t.H + h] += luj[k];
            }
    }
    return t;
}

namespace detail {

/// Per hardware point: the network's L_h, E_h and cost under op probabilities P.
template <class PA>
void network_costs(const cost_tables& t, const objective& obj, const PA& P, std::vector<double>& L, std::vector<double>& E,
                   std::vector<double>& cost) {
    L.assign(t.H, 0.0);
    E.assign(t.H, 0.0);
    cost.assign(t.H, 0.0);
    for (int i = 0; i < t.N; ++i)
        for (int m = 0; m < t.M; ++m) {
            const double p = double(P(i, m));
            if (p == 0)
                continue;
            const std::size_t base = (std::size_t(i) * std::size_t(t.M) + std::size_t(m)) * t.H;
            for (std::size_t h = 0; h < t.H; ++h) {
                L[h] += p * t.ms[base + h];
                E[h] += p * t.uj[base + h];
            }
        }
    for (std::size_t h = 0; h < t.H; ++h)
        cost[h] = obj(L[h], E[h], t.mm2[h]);
}

/// The weight of point h: the product of its four choices' probabilities.
template <class QX, class QY, class QR, class QD>
double point_weight(const hardware_space& s, std::size_t h, const QX& qx, const QY& qy, const QR& qr, const QD& qd) {
    const auto k = s.indices(h);
    return double(qx(0, Eigen::Index(k[0]))) * double(qy(0, Eigen::Index(k[1]))) * double(qr(0, Eigen::Index(k[2]))) *
           double(qd(0, Eigen::Index(k[3])));
}

inline std::size_t argmin(const std::vector<double>& v) {
    std::size_t best = 0;
    for (std::size_t h = 1; h < v.size(); ++h)
        if (v[h] < v[best])
            best = h;
    return best;
}

/// The four hardware leaves' gradients, sized once (no allocation per evaluation).
template <class QA>
struct hardware_gradients {
    QA dx, dy, dr, dd;
    void zero(const hardware_space& hs) {
        const auto fit = [](QA& a, std::size_t n) {
            if (a.cols() != Eigen::Index(n))
                a.resize(1, Eigen::Index(n));
            a.setZero();
        };
        fit(dx, hs.pe_x.size());
        fit(dy, hs.pe_y.size());
        fit(dr, hs.rf_entries.size());
        fit(dd, hs.dataflows.size());
    }
};

/// The backward of sum_h w_h v_h into the four hardware leaves, w_h = qx_a qy_b qr_c qd_d:
/// d/dqx_a = sum over the points with a of v_h qy_b qr_c qd_d, and so on (zero in envelope mode,
/// where the hardware logits do not enter). `value(h)` is the seeded v_h; `w` the workspace.
template <class QX, class QY, class QR, class QD, class Value, class QA>
void hardware_backward(const codesign_options& o, std::size_t points, QX& qx_leaf, QY& qy_leaf, QR& qr_leaf, QD& qd_leaf, Value value,
                       hardware_gradients<QA>& w) {
    static_assert(std::is_same_v<QA, std::remove_cvref_t<decltype(qx_leaf.value())>>);
    const hardware_space& hs = o.space;
    w.zero(hs);
    QA &dx = w.dx, &dy = w.dy, &dr = w.dr, &dd = w.dd;
    if (o.mode == hardware_mode::expected) {
        const auto& qx = qx_leaf.value();
        const auto& qy = qy_leaf.value();
        const auto& qr = qr_leaf.value();
        const auto& qd = qd_leaf.value();
        for (std::size_t h = 0; h < points; ++h) {
            const auto k = hs.indices(h);
            const double a = double(qx(0, Eigen::Index(k[0]))), b = double(qy(0, Eigen::Index(k[1]))), c = double(qr(0, Eigen::Index(k[2]))),
                         d = double(qd(0, Eigen::Index(k[3])));
            const double v = value(h);
            dx(0, Eigen::Index(k[0])) += static_cast<typename QA::Scalar>(v * b * c * d);
            dy(0, Eigen::Index(k[1])) += static_cast<typename QA::Scalar>(v * a * c * d);
            dr(0, Eigen::Index(k[2])) += static_cast<typename QA::Scalar>(v * a * b * d);
            dd(0, Eigen::Index(k[3])) += static_cast<typename QA::Scalar>(v * a * b * c);
        }
    }
    qx_leaf.backward(dx);
    qy_leaf.backward(dy);
    qr_leaf.backward(dr);
    qd_leaf.backward(dd);
}

/// Perf (see the header comment) with its exact backward.
template <class Arch, class QX, class QY, class QR, class QD, class T>
class codesign_node : public expr::node<codesign_node<Arch, QX, QY, QR, QD, T>> {
public:
    using value_type = T;
    codesign_node(Arch p, QX qx, QY qy, QR qr, QD qd, const cost_tables* t, const codesign_options* o)
        : p_(std::move(p)), qx_(std::move(qx)), qy_(std::move(qy)), qr_(std::move(qr)), qd_(std::move(qd)), t_(t), o_(o) {}

    const value_type& forward() {
        const auto& P = p_.forward();
        const auto& qx = qx_.forward();
        const auto& qy = qy_.forward();
        const auto& qr = qr_.forward();
        const auto& qd = qd_.forward();
        network_costs(*t_, o_->cost, P, L_, E_, cost_);
        double v = 0;
        if (o_->mode == hardware_mode::envelope) {
            best_ = argmin(cost_);
            v = cost_[best_];
        } else {
            for (std::size_t h = 0; h < t_->H; ++h)
                v += point_weight(o_->space, h, qx, qy, qr, qd) * cost_[h];
        }
        out_ = static_cast<T>(v);
        return out_;
    }
    const value_type& value() const noexcept { return out_; }

    void backward(const value_type& seed) {
        const cost_tables& t = *t_;
        const auto& P = p_.value();
        using PA = std::remove_cvref_t<decltype(P)>;
        PA& dP = dP_;
        if (dP.rows() != P.rows() || dP.cols() != P.cols())
            dP.resize(P.rows(), P.cols());  // once
        // per point h: d Perf / d L_h and d Perf / d E_h (capacity kept: no allocation)
        std::vector<double>& gL = gL_;
        std::vector<double>& gE = gE_;
        gL.assign(t.H, 0.0);
        gE.assign(t.H, 0.0);
        const double s = double(seed);
        const auto& qx = qx_.value();
        const auto& qy = qy_.value();
        const auto& qr = qr_.value();
        const auto& qd = qd_.value();
        for (std::size_t h = 0; h < t.H; ++h) {
            const double w = o_->mode == hardware_mode::envelope ? (h == best_ ? 1.0 : 0.0) : point_weight(o_->space, h, qx, qy, qr, qd);
            if (w == 0)
                continue;
            const auto g = o_->cost.gradient(L_[h], E_[h], t.mm2[h]);
            gL[h] = s * w * g[0];
            gE[h] = s * w * g[1];
        }
        for (int i = 0; i < t.N; ++i)
            for (int m = 0; m < t.M; ++m) {
                const std::size_t base = (std::size_t(i) * std::size_t(t.M) + std::size_t(m)) * t.H;
                double g = 0;
                for (std::size_t h = 0; h < t.H; ++h)
                    g += gL[h] * t.ms[base + h] + gE[h] * t.uj[base + h];
                dP(i, m) = static_cast<typename PA::Scalar>(g);
            }
        p_.backward(dP);
        hardware_backward(*o_, t.H, qx_, qy_, qr_, qd_, [&](std::size_t h) { return s * cost_[h]; }, hw_);
    }

private:
    Arch p_;
    QX qx_;
    QY qy_;
    QR qr_;
    QD qd_;
    const cost_tables* t_;
    const codesign_options* o_;
    T out_{};
    std::size_t best_ = 0;
    std::vector<double> L_, E_, cost_, gL_, gE_;
    std::remove_cvref_t<expr::value_t<Arch>> dP_;
    hardware_gradients<std::remove_cvref_t<expr::value_t<QX>>> hw_;
};

/// RES: the expected area sum_h w_h A_h, or (envelope) the area of the cost's minimiser.
template <class Arch, class QX, class QY, class QR, class QD, class T>
class area_node : public expr::node<area_node<Arch, QX, QY, QR, QD, T>> {
public:
    using value_type = T;
    area_node(Arch p, QX qx, QY qy, QR qr, QD qd, const cost_tables* t, const codesign_options* o)
        : p_(std::move(p)), qx_(std::move(qx)), qy_(std::move(qy)), qr_(std::move(qr)), qd_(std::move(qd)), t_(t), o_(o) {}
    const value_type& forward() {
        const auto& P = p_.forward();
        const auto& qx = qx_.forward();
        const auto& qy = qy_.forward();
        const auto& qr = qr_.forward();
        const auto& qd = qd_.forward();
        double v = 0;
        if (o_->mode == hardware_mode::envelope) {
            network_costs(*t_, o_->cost, P, L_, E_, cost_);
            v = t_->mm2[argmin(cost_)];
        } else {
            for (std::size_t h = 0; h < t_->H; ++h)
                v += point_weight(o_->space, h, qx, qy, qr, qd) * t_->mm2[h];
        }
        out_ = static_cast<T>(v);
        return out_;
    }
    const value_type& value() const noexcept { return out_; }
    void backward(const value_type& seed) {
        const auto& P = p_.value();
        if (dP_.rows() != P.rows() || dP_.cols() != P.cols())
            dP_.resize(P.rows(), P.cols());  // once
        dP_.setZero();  // the area does not depend on the ops
        p_.backward(dP_);
        hardware_backward(*o_, t_->H, qx_, qy_, qr_, qd_, [&](std::size_t h) { return double(seed) * t_->mm2[h]; }, hw_);
    }

private:
    Arch p_;
    QX qx_;
    QY qy_;
    QR qr_;
    QD qd_;
    const cost_tables* t_;
    const codesign_options* o_;
    T out_{};
    std::vector<double> L_, E_, cost_;  ///< envelope mode's per-point costs (capacity kept)
    std::remove_cvref_t<expr::value_t<Arch>> dP_;
    hardware_gradients<std::remove_cvref_t<expr::value_t<QX>>> hw_;
};

}  // namespace detail

/// What the co-search derives: ops, the sampled hardware's argmax, and the exact best
/// accelerator of the derived network over the whole hardware space, with both figures.
struct codesign_outcome {
    std::vector<int> ops;
    hardware chosen;                    ///< argmax of each hardware categorical
    std::array<double, 3> chosen_figures{};  ///< ms, uJ, mm^2 of the derived network on it
    accelerator_choice best;            ///< the exact optimum for the derived network within the area budget
    std::vector<layer> layers;          ///< the derived network's conv / fc layers
};

/// The DANCE co-search device model over a space of real layers.
template <search_space S, class T = double>
class codesign_model {
    static_assert(std::is_floating_point_v<T>, "nais::dataflow::codesign_model: the scalar type must be float, double or long double");

public:
    using space_type = S;
    using scalar_type = T;
    using choice_type = Eigen::Array<T, 1, Eigen::Dynamic>;
    using variables = nais::variables<sampled<pe_x_tag, choice_type, sharing::network_wide, variable_role::implementation>,
                                      sampled<pe_y_tag, choice_type, sharing::network_wide, variable_role::implementation>,
                                      sampled<rf_tag, choice_type, sharing::network_wide, variable_role::implementation>,
                                      sampled<dataflow_tag, choice_type, sharing::network_wide, variable_role::implementation>>;
    // the optional hooks it defines (nais::hook)
    using hooks = nais::hooks<nais::hook::check_search, nais::hook::interface, nais::hook::finish>;
    struct parameters {};

    codesign_model(const S& space, codesign_options o = {}) : space_(space), o_(std::move(o)), t_(make_cost_tables(space, o_)) {}

    group_shape shape(pe_x_tag) const { return {1, Eigen::Index(o_.space.pe_x.size())}; }
    group_shape shape(pe_y_tag) const { return {1, Eigen::Index(o_.space.pe_y.size())}; }
    group_shape shape(rf_tag) const { return {1, Eigen::Index(o_.space.rf_entries.size())}; }
    group_shape shape(dataflow_tag) const { return {1, Eigen::Index(o_.space.dataflows.size())}; }

    template <class B>
    auto program(B& b) {
        using arch_type = std::remove_cvref_t<decltype(b.arch())>;
        using qx_type = std::remove_cvref_t<decltype(b.probabilities(pe_x_tag{}))>;
        using qy_type = std::remove_cvref_t<decltype(b.probabilities(pe_y_tag{}))>;
        using qr_type = std::remove_cvref_t<decltype(b.probabilities(rf_tag{}))>;
        using qd_type = std::remove_cvref_t<decltype(b.probabilities(dataflow_tag{}))>;
        return device_terms(statements(),
                            detail::codesign_node<arch_type, qx_type, qy_type, qr_type, qd_type, T>(
                                b.arch(), b.probabilities(pe_x_tag{}), b.probabilities(pe_y_tag{}), b.probabilities(rf_tag{}),
                                b.probabilities(dataflow_tag{}), &t_, &o_),
                            detail::area_node<arch_type, qx_type, qy_type, qr_type, qd_type, T>(
                                b.arch(), b.probabilities(pe_x_tag{}), b.probabilities(pe_y_tag{}), b.probabilities(rf_tag{}),
                                b.probabilities(dataflow_tag{}), &t_, &o_));
    }

    template <class Loss, class Search>
    void check_search(const Loss& l, const Search&) const {
        const double ub = double(l.params().res_ub);
        nais::detail::require(std::isfinite(ub) && ub > 0, "co_search: params.res_ub (the area budget, mm^2) must be set, got ", ub);
    }

    const cost_tables& tables() const noexcept { return t_; }
    const codesign_options& options() const noexcept { return o_; }

    /// The derived network's figures on the argmax hardware and its exact best accelerator.
    template <class Loss, class Search>
    codesign_outcome finish(const Loss& l, const Search&) const {
        return outcome(l);
    }

    /// The derivation of the loss's current variables (what finish() returns after a search).
    template <class Loss>
    codesign_outcome outcome(const Loss& l) const {
        codesign_outcome o;
        o.ops = l.derived_ops();
        const auto pick = [&](auto tag) { return std::size_t(nais::detail::argmax_rows(l.variable(tag))[0]); };
        const hardware_space& hs = o_.space;
        o.chosen = {hs.pe_x[pick(pe_x_tag{})], hs.pe_y[pick(pe_y_tag{})], hs.rf_entries[pick(rf_tag{})], hs.buffer_entries,
                    hs.dataflows[pick(dataflow_tag{})], hs.dram_bandwidth, hs.clock_mhz};
        const double ub = double(l.params().res_ub);  // RES_ub: the area budget (mm^2), when one is set
        derive(o, std::isfinite(ub) && ub > 0 ? ub : std::numeric_limits<double>::infinity());
        return o;
    }

    /// The derivation for given ops and chosen hardware (as finish(), without the loss); the best
    /// accelerator is the exact optimum among the points of at most `max_area_mm2`.
    void derive(codesign_outcome& o, double max_area_mm2 = std::numeric_limits<double>::infinity()) const {
        o.layers.clear();
        for (int i = 0; i < space_.num_blocks(); ++i)
            if (op_runs_on_hardware(space_, i, o.ops[std::size_t(i)]))
                for (const layer& x : layers_of(candidate_report(space_, i, o.ops[std::size_t(i)]), o_.bits))
                    o.layers.push_back(x);
        o.chosen_figures = network_figures(o.layers, o.chosen, o_.energy, o_.area);
        o.best = best_accelerator(o.layers, o_.space, o_.cost, o_.energy, o_.area, max_area_mm2);
    }

    template <class Loss>
    class interface : public loss_interface<Loss> {
        using loss_interface<Loss>::self;

    public:
        choice_type& pe_x_logits() noexcept { return self().variable(pe_x_tag{}); }
        choice_type& pe_y_logits() noexcept { return self().variable(pe_y_tag{}); }
        choice_type& rf_logits() noexcept { return self().variable(rf_tag{}); }
        choice_type& dataflow_logits() noexcept { return self().variable(dataflow_tag{}); }
        const choice_type& grad_pe_x_logits() const noexcept { return self().gradient(pe_x_tag{}); }
        const choice_type& grad_pe_y_logits() const noexcept { return self().gradient(pe_y_tag{}); }
        const choice_type& grad_rf_logits() const noexcept { return self().gradient(rf_tag{}); }
        const choice_type& grad_dataflow_logits() const noexcept { return self().gradient(dataflow_tag{}); }
    };

private:
    S space_;
    codesign_options o_;
    cost_tables t_;
};

/// EDD Eq. 1 for DANCE's co-search: L = Acc_loss x alpha x cost + beta C^(area - RES_ub).
template <search_space S, class T = double>
using codesign_loss = nais::loss<codesign_model<S, T>>;

}  // namespace nais::dataflow
