#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/search/co_search.hpp>
#include <nais/space/search_space.hpp>
#include <nais/space/sharing.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <type_traits>
#include <vector>

namespace nais::search {

/// A STAND-IN for Acc_loss, for examples and tests only: it is not an accuracy model and
/// knows nothing about data. A real co-search passes its supernet's validation loss instead
/// (see co_search::step). It rewards what accuracy usually rewards, capacity and precision:
///
///   Acc(theta, phi_1..K) = base + (1/N) sum_i sum_m p_im [ w_cap d_im + (w_prec / K) sum_k sum_q r^k_(g_k(i,m)),q e_q ]
///
/// over the K sampled precision groups of the loss (FPGA and GPU: phi; Loom: weights and
/// activations), with p_i = softmax(theta_i), r^k_g = softmax of row g of group k
/// (deterministic, no Gumbel noise), g_k(i,m) the row of group k that block i, op m uses (its
/// sharing rule), the capacity deficit d_im = 1 - W(i,m) / max_m' W(i,m') of an op against the
/// block's largest candidate, and the relative quantization step e_q = 2^-(q - q_min). The
/// gradient with respect to theta and every group is exact (softmax Jacobians).
template <class T = double>
class capacity_precision_proxy {
    using array = Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic>;
    using vector = Eigen::Array<T, Eigen::Dynamic, 1>;

public:
    struct weights {
        T base = 1;            ///< Acc at full capacity and full precision
        T capacity = T(0.5);   ///< w_cap
        T precision = T(1.5);  ///< w_prec
    };

    /// From a space: its work table and bit-widths; cells the space lacks (blocks with fewer
    /// candidates) get probability 0, as in the composed losses.
    template <search_space S>
    explicit capacity_precision_proxy(const S& space, weights w = {})
        : capacity_precision_proxy(work_array<double>(space), bit_widths_of(space), w) {
        if constexpr (space_with_unavailable_ops<S>) {
            offsets_.setZero(n_, m_);
            for (int i = 0; i < n_; ++i)
                for (int m = 0; m < m_; ++m)
                    if (!op_available(space, i, m))
                        offsets_(i, m) = -std::numeric_limits<T>::infinity();
        }
    }

    /// From a work table W (N x M) and the space's bit-widths.
    capacity_precision_proxy(const Eigen::ArrayXXd& work, const std::vector<int>& bit_widths, weights w = {}) : w_(w) {
        nais::detail::require(std::isfinite(w.base) && std::isfinite(w.capacity) && std::isfinite(w.precision) &&
                            w.capacity >= 0 && w.precision >= 0,
                        "capacity_precision_proxy: weights must be finite, capacity and precision >= 0");
        nais::detail::require(work.size() > 0 && !bit_widths.empty(), "capacity_precision_proxy: empty space");
        n_ = static_cast<int>(work.rows());
        m_ = static_cast<int>(work.cols());
        deficit_ = 1 - work.cast<T>().colwise() / work.cast<T>().rowwise().maxCoeff();
        const int q_min = *std::min_element(bit_widths.begin(), bit_widths.end());
        step_.resize(static_cast<Eigen::Index>(bit_widths.size()));
        for (std::size_t q = 0; q < bit_widths.size(); ++q)
            step_(static_cast<Eigen::Index>(q)) = static_cast<T>(std::exp2(-(bit_widths[q] - q_min)));
        p_.resize(n_, m_);
        d_.resize(n_, m_);
    }

    /// The co_search accuracy callable: Acc_loss at the current logits and its gradient, every
    /// sampled group of the loss counting with weight 1/K.
    template <class Context>
    T operator()(const Context& ctx, accuracy_gradient<T>& g) {
        std::size_t k = 0;
        begin(ctx.theta);
        const std::size_t groups = g.logits.size();
        groups_.resize(groups);
        ctx.loss.for_each_group([&](auto desc, const auto& x, const auto&) {
            if constexpr (decltype(desc)::is_sampled)
                add_group<typename decltype(desc)::sharing_rule>(x, groups_[k++], T(1) / T(groups));
        });
        const T acc = end(g.theta);
        for (std::size_t j = 0; j < groups; ++j)
            group_gradient(groups_[j], g.logits[j]);
        return acc;
    }

    /// One precision group phi with sharing rule Sharing (EDD's phi alone): Acc and its
    /// gradient into g.theta and g.phi().
    template <sharing::rule Sharing, class Theta, class Phi>
    T evaluate(Sharing, const Theta& theta, const Phi& phi, accuracy_gradient<T>& g) {
        begin(theta);
        groups_.resize(1);
        add_group<Sharing>(phi, groups_[0], T(1));
        const T acc = end(g.theta);
        g.logits.resize(1);
        group_gradient(groups_[0], g.logits[0]);
        return acc;
    }

private:
    struct group_state {
        array r;          ///< softmax of each row
        vector e, u;      ///< E_g, u_g
        std::vector<Eigen::Index> of;  ///< row of (i, m), index i + N m
        T share = 1;      ///< 1/K
    };

    template <search_space S>
    static std::vector<int> bit_widths_of(const S& space) {
        std::vector<int> b;
        for (int q = 0; q < space.num_bits(); ++q)
            b.push_back(space.bit_width(q));
        return b;
    }

    template <class Theta>
    void begin(const Theta& theta) {
        nais::detail::require_shape(theta, n_, m_, "capacity_precision_proxy: theta");
        if (offsets_.size() == 0)
            softmax_rows(theta, p_);
        else {  // Eigen's exp clamps -infinity to a denormal: zero the cells exactly
            softmax_rows((theta.template cast<T>() + offsets_).eval(), p_);
            p_ = (offsets_ == T(0)).select(p_, T(0));
        }
        d_ = w_.capacity * deficit_;
    }

    template <class Sharing, class Phi>
    void add_group(const Phi& phi, group_state& s, T share) {
        const Eigen::Index rows = sharing::groups_of<Sharing>(n_, m_);
        nais::detail::require_shape(phi, rows, step_.size(), "capacity_precision_proxy: precision logits");
        softmax_rows(phi, s.r);
        s.e = (s.r.rowwise() * step_.transpose()).rowwise().sum();  // E_g = sum_q r_gq e_q
        s.share = share;
        s.of.resize(static_cast<std::size_t>(n_) * static_cast<std::size_t>(m_));
        s.u.setZero(rows);
        for (int m = 0; m < m_; ++m)
            for (int i = 0; i < n_; ++i) {
                const Eigen::Index g = Sharing::group(i, m, n_);
                s.of[static_cast<std::size_t>(i + n_ * m)] = g;
                d_(i, m) += share * w_.precision * s.e(g);  // D_im
            }
    }

    template <class Grad>
    T end(Grad& g_theta) {
        const T acc = w_.base + (p_ * d_).sum() / T(n_);
        // dAcc/dtheta_im = p_im (D_im - sum_m' p_im' D_im') / N
        g_theta = (p_ * (d_.colwise() - (p_ * d_).rowwise().sum())) / T(n_);
        return acc;
    }

    void group_gradient(group_state& s, array& out) {
        // u_g = sum of p_im over the (block, op) pairs using row g
        for (int m = 0; m < m_; ++m)
            for (int i = 0; i < n_; ++i)
                s.u(s.of[static_cast<std::size_t>(i + n_ * m)]) += p_(i, m);
        // dAcc/dphi_gq = r_gq (e_q - E_g) (w_prec / K) u_g / N
        out = s.r.rowwise() * step_.transpose();
        out -= s.r.colwise() * s.e;
        out.colwise() *= s.u * (s.share * w_.precision / T(n_));
    }

    template <class X>
    static void softmax_rows(const X& x, array& out) {
        out = x.template cast<T>();
        out.colwise() -= out.rowwise().maxCoeff();
        out = out.exp();
        out.colwise() /= out.rowwise().sum();
    }

    weights w_;
    int n_ = 0, m_ = 0;
    array deficit_, p_, d_;
    array offsets_;  ///< 0 or -infinity per (block, op); empty when every cell is a candidate
    vector step_;
    std::vector<group_state> groups_;
};

}  // namespace nais::search
