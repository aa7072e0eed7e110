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

// nais's one STAND-IN accuracy term, for examples, tests and searches that need a placeholder
// for Acc_loss (docs/design.md, "The stand-in accuracy term"). It is not an accuracy model and
// knows nothing about data: a real co-search passes its supernet's validation loss instead. It
// says what accuracy usually rewards, capacity (and precision), and nothing more:
//
//   Acc(P) = base + sum_u w_u E_u + gamma sum_u E_u E_(u+1),    E_u = sum_m P_um d_um
//
// over units u (a space's blocks, or HotNAS's compression units) with choice probabilities P
// (rows on the simplex) and the deficit d_um in [0, 1], the share of the unit's capacity that
// choice m gives up:
//   - an op of a search space: d = 1 - (W_um / max_m W_um)^a, W the op's work (EDD Eq. 12),
//     a = 1 by default (capacity_deficit);
//   - a compression of a layer (tiled::weighted_standin_cost): the fraction of its channels,
//     kernel positions or weight bits removed, weighted by technique;
// w_u the unit's weight (1/N by default, 1/b per block of a task of b blocks for multi-task
// models); gamma > 0 compounds neighbouring units' damage, which makes the term non-additive
// (tiled::interacting_standin). standin_accuracy adds a precision term for the quantization
// groups of a composed loss. The network-level form (bundle::capacity_standin, for ranking whole
// networks) is standin_network_cost below.
namespace nais::search {

/// Acc - base of the formula above, and dAcc/dP into grad_P (resized to P's shape). Empty unit
/// weights mean 1 each.
template <class T>
T standin_expectation(const Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic>& P, const Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic>& d,
                      const std::vector<double>& unit_weights, double gamma, Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic>& grad_P) {
    nais::detail::require(P.rows() == d.rows() && P.cols() == d.cols(), "standin: probabilities and deficits must have the same shape");
    nais::detail::require(unit_weights.empty() || Eigen::Index(unit_weights.size()) == P.rows(),
                          "standin: one weight per unit (row)");
    const Eigen::Index n = P.rows();
    const auto w = [&](Eigen::Index u) { return static_cast<T>(unit_weights.empty() ? 1.0 : unit_weights[std::size_t(u)]); };
    const Eigen::Array<T, Eigen::Dynamic, 1> e = (P * d).rowwise().sum();  // E_u
    const T g = static_cast<T>(gamma);
    T value = 0;
    for (Eigen::Index u = 0; u < n; ++u)
        value += w(u) * e(u) + (u + 1 < n ? g * e(u) * e(u + 1) : T(0));
    grad_P.resize(P.rows(), P.cols());
    for (Eigen::Index u = 0; u < n; ++u) {  // dAcc/dP_um = d_um (w_u + gamma (E_(u-1) + E_(u+1)))
        const T neighbours = (u > 0 ? e(u - 1) : T(0)) + (u + 1 < n ? e(u + 1) : T(0));
        grad_P.row(u) = d.row(u) * (w(u) + g * neighbours);
    }
    return value;
}

/// The capacity deficit of every op of a space: 1 - (W_im / max_m W_im)^exponent (0 for a row
/// whose ops have no work, such as a skip-only row).
template <class T = double>
Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic> capacity_deficit(const Eigen::ArrayXXd& work, double exponent = 1) {
    nais::detail::require(std::isfinite(exponent) && exponent > 0, "standin: the capacity exponent must be finite and > 0, got ",
                          exponent);
    Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic> d(work.rows(), work.cols());
    for (Eigen::Index i = 0; i < work.rows(); ++i) {
        const double top = work.row(i).maxCoeff();
        for (Eigen::Index m = 0; m < work.cols(); ++m)
            d(i, m) = static_cast<T>(top > 0 ? 1 - std::pow(std::max(0.0, work(i, m)) / top, exponent) : 0.0);
    }
    return d;
}

/// The network-level form, for ranking whole networks (bundle::capacity_standin): capacity and
/// receptive field lower the cost, as Hao et al. (DAC 2019, Sec. 4.2) observed of short-trained
/// bundles: 1 / log2(2 + MACs / 1e6) + 1 / log2(1 + receptive field).
inline double standin_network_cost(double macs, double receptive_field) {
    return 1 / std::log2(2 + macs / 1e6) + 1 / std::log2(1 + receptive_field);
}

template <class T = double>
class standin_accuracy {
    using array = Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic>;
    using vector = Eigen::Array<T, Eigen::Dynamic, 1>;

public:
    struct weights {
        T base = 1;            ///< Acc at full capacity and full precision
        T capacity = T(0.5);   ///< w_cap
        T precision = T(1.5);  ///< w_prec (0: no precision term)
        double exponent = 1;   ///< a of the capacity deficit 1 - (W / W_max)^a
        /// w_i per row (empty: 1/N each), e.g. 1/b per block of a task of b blocks, or 0 on a
        /// space's fixed rows
        std::vector<double> rows{};
    };

    /// From a space: its work table and bit-widths; cells the space lacks (blocks with fewer
    /// candidates) get probability 0, as in the composed losses.
    template <search_space S>
    explicit standin_accuracy(const S& space, weights w = {})
        : standin_accuracy(work_array<double>(space), bit_widths_of(space), w) {
        if constexpr (space_with_unavailable_ops<S>) {
            offsets_.setZero(n_, m_);
            for (int i = 0; i < n_; ++i)
                for (int m = 0; m < m_; ++m)
                    if (!op_available(space, i, m))
                        offsets_(i, m) = -std::numeric_limits<T>::infinity();
        }
    }

    /// From a work table W (N x M) and the space's bit-widths.
    standin_accuracy(const Eigen::ArrayXXd& work, const std::vector<int>& bit_widths, weights w = {}) : w_(w) {
        nais::detail::require(std::isfinite(w.base) && std::isfinite(w.capacity) && std::isfinite(w.precision) &&
                                  w.capacity >= 0 && w.precision >= 0,
                              "standin_accuracy: weights must be finite, capacity and precision >= 0");
        nais::detail::require(work.size() > 0 && !bit_widths.empty(), "standin_accuracy: empty space");
        n_ = static_cast<int>(work.rows());
        m_ = static_cast<int>(work.cols());
        nais::detail::require(w.rows.empty() || int(w.rows.size()) == n_, "standin_accuracy: weights.rows needs one weight per row (",
                              n_, "), got ", w.rows.size());
        for (double r : w.rows)
            nais::detail::require(std::isfinite(r) && r >= 0, "standin_accuracy: row weights must be finite and >= 0, got ", r);
        rows_ = w.rows.empty() ? std::vector<double>(std::size_t(n_), 1.0 / n_) : w.rows;
        deficit_ = capacity_deficit<T>(work, w.exponent);
        const int q_min = *std::min_element(bit_widths.begin(), bit_widths.end());
        step_.resize(static_cast<Eigen::Index>(bit_widths.size()));
        for (std::size_t q = 0; q < bit_widths.size(); ++q)
            step_(static_cast<Eigen::Index>(q)) = static_cast<T>(std::exp2(-(bit_widths[q] - q_min)));
        p_.resize(n_, m_);
        d_.resize(n_, m_);
    }

    /// The co_search accuracy callable: Acc_loss at the current logits and its gradient, each of
    /// the K precision groups of the loss counting with weight 1/K (the other sampled groups get
    /// no gradient).
    template <class Context>
    T operator()(const Context& ctx, accuracy_gradient<T>& g) {
        begin(ctx.theta);
        std::size_t precision_groups = 0;
        ctx.loss.for_each_group([&](auto desc, const auto&, const auto&) {
            using G = decltype(desc);
            if constexpr (G::is_sampled && G::role == variable_role::quantization)
                ++precision_groups;
        });
        if (w_.precision == 0)
            precision_groups = 0;
        groups_.resize(precision_groups);
        which_.clear();
        std::size_t k = 0, sampled = 0;
        ctx.loss.for_each_group([&](auto desc, const auto& x, const auto&) {
            using G = decltype(desc);
            if constexpr (G::is_sampled) {
                if (G::role == variable_role::quantization && precision_groups > 0) {
                    add_group<typename G::sharing_rule>(x, groups_[k++], T(1) / T(precision_groups));
                    which_.push_back(sampled);
                }
                ++sampled;
            }
        });
        const T acc = end(g.theta);
        for (std::size_t j = 0; j < groups_.size(); ++j)
            group_gradient(groups_[j], g.logits[which_[j]]);
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
        nais::detail::require_shape(theta, n_, m_, "standin_accuracy: theta");
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
        nais::detail::require_shape(phi, rows, step_.size(), "standin_accuracy: precision logits");
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
        // the stand-in's expectation over the rows (standin_expectation), chained through the softmax:
        // dAcc/dtheta_im = p_im (g_im - sum_m' p_im' g_im'), g = dAcc/dp
        const T acc = w_.base + standin_expectation(p_, d_, rows_, 0.0, gp_);
        g_theta = p_ * (gp_.colwise() - (p_ * gp_).rowwise().sum());
        return acc;
    }

    void group_gradient(group_state& s, array& out) {
        // u_g = sum of w_i p_im over the (block, op) pairs using row g
        for (int m = 0; m < m_; ++m)
            for (int i = 0; i < n_; ++i)
                s.u(s.of[static_cast<std::size_t>(i + n_ * m)]) += static_cast<T>(rows_[std::size_t(i)]) * p_(i, m);
        // dAcc/dphi_gq = r_gq (e_q - E_g) (w_prec / K) u_g
        out = s.r.rowwise() * step_.transpose();
        out -= s.r.colwise() * s.e;
        out.colwise() *= s.u * (s.share * w_.precision);
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
    std::vector<double> rows_;        ///< w_i
    std::vector<std::size_t> which_;  ///< the sampled-group index of each precision group
    array deficit_, p_, d_, gp_;
    array offsets_;  ///< 0 or -infinity per (block, op); empty when every cell is a candidate
    vector step_;
    std::vector<group_state> groups_;
};

}  // namespace nais::search
