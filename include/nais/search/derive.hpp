#pragma once
#include <nais/detail/prologue.hpp>

#include <Eigen/Core>

#include <utility>
#include <vector>

namespace nais::search {

/// Index of the largest entry of every row (the first one on ties).
template <class A>
std::vector<int> argmax_rows(const A& a) {
    std::vector<int> out(static_cast<std::size_t>(a.rows()));
    for (Eigen::Index r = 0; r < a.rows(); ++r) {
        Eigen::Index c = 0;
        a.row(r).maxCoeff(&c);
        out[static_cast<std::size_t>(r)] = static_cast<int>(c);
    }
    return out;
}

/// The network a search state stands for (EDD Sec. 5, derivation), as the loss's device model
/// derives it: e.g. derive(fpga_loss, pf_range) or derive(gpu_loss).
template <class Loss, class... Args>
auto derive(const Loss& loss, Args&&... args) -> decltype(loss.model().derive(loss, std::forward<Args>(args)...)) {
    return loss.model().derive(loss, std::forward<Args>(args)...);
}

}  // namespace nais::search
