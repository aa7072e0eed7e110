#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/expr/node.hpp>

#include <utility>

namespace nais {

/// Total resource with sharing across blocks (EDD Eq. 9-10):
///   RES = sum_m tanh(sum_i GS(theta)[i,m]) * Res(op^m)
/// P is N x M (op probabilities), res is an M-vector (one shared IP per op type). The tanh
/// share of each op type lies in [0, 1) because its argument is a sum of probabilities >= 0.
template <expr::array_expression Probs, expr::array_expression Res>
class resource_sharing_node : public expr::node<resource_sharing_node<Probs, Res>> {
    using probs_type = expr::value_t<Probs>;
    using res_type = expr::value_t<Res>;

public:
    using scalar_type = typename probs_type::Scalar;
    using value_type = scalar_type;
    using share_type = Eigen::Array<scalar_type, 1, probs_type::ColsAtCompileTime>;
    static_assert(res_type::ColsAtCompileTime == 1 &&
                      (int(res_type::RowsAtCompileTime) == int(probs_type::ColsAtCompileTime) ||
                       res_type::RowsAtCompileTime == Eigen::Dynamic || probs_type::ColsAtCompileTime == Eigen::Dynamic),
                  "nais::resource_sharing: the shared resource must be an M-vector, one entry per op type");

    resource_sharing_node(Probs probs, Res res) : p_(std::move(probs)), r_(std::move(res)) {
        detail::require(r_.value().size() == p_.value().cols(), "resource_sharing: ", r_.value().size(),
                        " shared resources but ", p_.value().cols(), " op types");
        share_.resize(p_.value().cols());
        dshare_.resize(p_.value().cols());
        gp_.resize(p_.value().rows(), p_.value().cols());
        gr_.resize(p_.value().cols());
    }
    const value_type& forward() {
        share_ = p_.forward().colwise().sum().tanh();  // Eq. 9
        out_ = (share_.transpose() * r_.forward()).sum();  // Eq. 10
        return out_;
    }
    const value_type& value() const noexcept { return out_; }
    /// dres[m] = s * tanh(u_m),  dP[i,m] = s * (1 - tanh^2(u_m)) * res[m]
    void backward(const value_type& seed) {
        gr_ = seed * share_.transpose();
        dshare_ = seed * (scalar_type(1) - share_.square()) * r_.value().transpose();
        gp_.rowwise() = dshare_;  // broadcasting a stored row: no temporary
        p_.backward(gp_);
        r_.backward(gr_);
    }
    /// tanh shares of the last forward pass, one per op type.
    const share_type& shares() const noexcept { return share_; }

private:
    Probs p_;
    Res r_;
    scalar_type out_{};
    share_type share_, dshare_;
    probs_type gp_;
    res_type gr_;
};

template <expr::array_expression Probs, expr::array_expression Res>
auto resource_sharing(Probs&& probs, Res&& res) {
    return resource_sharing_node<std::remove_cvref_t<Probs>, std::remove_cvref_t<Res>>(std::forward<Probs>(probs),
                                                                                       std::forward<Res>(res));
}

}  // namespace nais
