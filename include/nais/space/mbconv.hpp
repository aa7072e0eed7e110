#pragma once
#include <nais/detail/prologue.hpp>

#include <cstdint>

namespace nais {

/// One block of the single-path supernet (EDD Sec. 3.1): its input channels, output channels,
/// input height and width, and stride. A structural type, so it can be a template argument.
struct block {
    int cin;
    int cout;
    int h;
    int w;
    int stride;
};

/// A candidate operation: MBConv with depth-wise kernel k and channel expansion ratio e.
struct mbconv {
    int kernel;
    int expand;
};

/// Per-layer work of one MBConv op in block b: Eq. 12 without Phi(q) and 2^-pf, summed as in
/// Eq. 11. Layers (fixed so that results are comparable):
///   expand conv 1x1  cin -> e*cin at h x w        (omitted when e == 1)   + other over its output
///   dw-conv k x k    stride s, output ceil(h/s) x ceil(w/s)                + other over its output
///   project conv 1x1 e*cin -> cout at the dw output size                  + other over its output
/// conv: k^2*h*w*cin*cout, dw-conv: k^2*h*w*cin, other: h*w*c, with h, w the layer's output size.
struct mbconv_work {
    std::int64_t expand_conv = 0;
    std::int64_t expand_other = 0;
    std::int64_t dw_conv = 0;
    std::int64_t dw_other = 0;
    std::int64_t project_conv = 0;
    std::int64_t project_other = 0;

    constexpr std::int64_t total() const noexcept {
        return expand_conv + expand_other + dw_conv + dw_other + project_conv + project_other;
    }
};

/// Computes the layer work of op `o` in block `b` (assumes a validated description).
/// In a constant expression an int64 overflow is a compile error; runtime spaces check
/// overflow before calling this (runtime_space.hpp).
constexpr mbconv_work layer_work(const block& b, const mbconv& o) noexcept {
    using i64 = std::int64_t;
    const i64 cin = b.cin, cout = b.cout, h = b.h, w = b.w, s = b.stride, k = o.kernel;
    const i64 mid = cin * o.expand;
    const i64 ho = (h + s - 1) / s, wo = (w + s - 1) / s;
    mbconv_work r;
    if (o.expand != 1) {
        r.expand_conv = h * w * cin * mid;  // 1x1: k^2 = 1
        r.expand_other = h * w * mid;
    }
    r.dw_conv = k * k * ho * wo * mid;
    r.dw_other = ho * wo * mid;
    r.project_conv = ho * wo * mid * cout;
    r.project_other = ho * wo * cout;
    return r;
}

}  // namespace nais
