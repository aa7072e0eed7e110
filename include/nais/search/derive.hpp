#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/argmax.hpp>

#include <utility>
#include <vector>

namespace nais::search {

using nais::detail::argmax_rows;

/// The network a search state stands for (EDD Sec. 5, derivation), as the loss's device model
/// derives it: e.g. derive(fpga_loss, pf_range) or derive(gpu_loss).
template <class Loss, class... Args>
auto derive(const Loss& loss, Args&&... args) -> decltype(loss.model().derive(loss, std::forward<Args>(args)...)) {
    return loss.model().derive(loss, std::forward<Args>(args)...);
}

}  // namespace nais::search
