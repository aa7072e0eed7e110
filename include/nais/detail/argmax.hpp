#pragma once
#include <nais/detail/prologue.hpp>

#include <Eigen/Core>

#include <cstddef>
#include <vector>

namespace nais::detail {

/// Index of the largest entry of every row (the first one on ties): the derivation of a
/// categorical variable (EDD Sec. 5).
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

}  // namespace nais::detail
