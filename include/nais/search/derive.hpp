#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/fpga_design.hpp>
#include <nais/device/fpga_retune.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
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

/// The network a search state stands for (EDD Sec. 5, derivation): per block the op with the
/// largest theta; per quantization group (op type when recursive, block-op when pipelined)
/// the bit-width with the largest phi; per IP the searched pf rounded to the nearest integer
/// and clamped to `range`.
template <class Loss>
fpga::design<typename Loss::architecture> derive(const Loss& loss, fpga::pf_range range) {
    detail::require(range.min >= 0 && range.min <= range.max && range.max <= fpga::max_design_pf, "derive: pf range [",
                    range.min, ", ", range.max, "] must satisfy 0 <= min <= max <= ", fpga::max_design_pf);
    fpga::design<typename Loss::architecture> d;
    d.op = argmax_rows(loss.theta());
    d.bits = argmax_rows(loss.phi());
    const auto& pf = loss.pf();
    d.pf.resize(static_cast<std::size_t>(pf.size()));
    for (Eigen::Index k = 0; k < pf.size(); ++k) {  // pf storage order = group order (g = i + N*m)
        const double p = std::round(static_cast<double>(pf(k)));
        d.pf[static_cast<std::size_t>(k)] = static_cast<int>(std::clamp(p, double(range.min), double(range.max)));
    }
    return d;
}

}  // namespace nais::search
