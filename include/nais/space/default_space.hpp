#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/space/static_space.hpp>

namespace nais {

/// The 20-block ProxylessNAS-style skeleton used by EDD (Sec. 6): ImageNet 224x224, the fixed
/// stem (3x3 conv to 32 channels, stride 2) and first MBConv1 (32 -> 16) are not searched, so
/// the space starts at 16 channels, 112x112. Five searchable stages of four blocks each, widths
/// 24, 40, 80, 96, 192 and strides 2, 2, 2, 1, 2 (ProxylessNAS's sixth one-block 320-channel
/// stage is kept fixed, which gives EDD's N = 20).
using proxyless_blocks = block_list<
    block{16, 24, 112, 112, 2}, block{24, 24, 56, 56, 1}, block{24, 24, 56, 56, 1}, block{24, 24, 56, 56, 1},
    block{24, 40, 56, 56, 2}, block{40, 40, 28, 28, 1}, block{40, 40, 28, 28, 1}, block{40, 40, 28, 28, 1},
    block{40, 80, 28, 28, 2}, block{80, 80, 14, 14, 1}, block{80, 80, 14, 14, 1}, block{80, 80, 14, 14, 1},
    block{80, 96, 14, 14, 1}, block{96, 96, 14, 14, 1}, block{96, 96, 14, 14, 1}, block{96, 96, 14, 14, 1},
    block{96, 192, 14, 14, 2}, block{192, 192, 7, 7, 1}, block{192, 192, 7, 7, 1}, block{192, 192, 7, 7, 1}>;

/// EDD's M = 9 candidate ops: kernel in {3, 5, 7} x expansion in {4, 5, 6}; op m = 3*k_index + e_index.
using edd_ops = op_list<mbconv{3, 4}, mbconv{3, 5}, mbconv{3, 6}, mbconv{5, 4}, mbconv{5, 5}, mbconv{5, 6},
                        mbconv{7, 4}, mbconv{7, 5}, mbconv{7, 6}>;

/// EDD's FPGA weight precisions (Sec. 6): 4, 8 and 16 bits.
using edd_fpga_bits = bit_list<4, 8, 16>;

/// The default example space: N = 20, M = 9, Q = 3.
using proxyless_space = static_space<proxyless_blocks, edd_ops, edd_fpga_bits>;

/// The 21-block TF-NAS skeleton (Hu et al., CVPR 2020) whose MBConv latencies were measured on a
/// Titan RTX (../shared/data/mbconv_latency_titanrtx_xeon6130.csv, examples/gpu/): ImageNet
/// 224x224 after the fixed stem, widths 24, 40, 80, 112, 192, 320 with strides 2, 2, 2, 1, 2, 1.
using tfnas_blocks = block_list<
    block{16, 24, 112, 112, 2}, block{24, 24, 56, 56, 1}, block{24, 24, 56, 56, 1}, block{24, 24, 56, 56, 1},
    block{24, 40, 56, 56, 2}, block{40, 40, 28, 28, 1}, block{40, 40, 28, 28, 1}, block{40, 40, 28, 28, 1},
    block{40, 80, 28, 28, 2}, block{80, 80, 14, 14, 1}, block{80, 80, 14, 14, 1}, block{80, 80, 14, 14, 1},
    block{80, 112, 14, 14, 1}, block{112, 112, 14, 14, 1}, block{112, 112, 14, 14, 1}, block{112, 112, 14, 14, 1},
    block{112, 192, 14, 14, 2}, block{192, 192, 7, 7, 1}, block{192, 192, 7, 7, 1}, block{192, 192, 7, 7, 1},
    block{192, 320, 7, 7, 1}>;

/// The ops the measured table covers: kernel in {3, 5} x expansion in {3, 4, 6}.
using tfnas_ops = op_list<mbconv{3, 3}, mbconv{3, 4}, mbconv{3, 6}, mbconv{5, 3}, mbconv{5, 4}, mbconv{5, 6}>;

/// EDD's GPU precisions (Sec. 4.2, TensorRT): 8-bit fixed, 16- and 32-bit floating point.
using edd_gpu_bits = bit_list<8, 16, 32>;

/// The GPU example space: N = 21, M = 6, Q = 3.
using tfnas_gpu_space = static_space<tfnas_blocks, tfnas_ops, edd_gpu_bits>;

}  // namespace nais
