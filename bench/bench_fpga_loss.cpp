// bench_fpga_loss: forward and forward+backward of the composed FPGA losses (recursive and
// pipelined) over the grid N in {5, 20, 80}, M in {9, 27}, Q in {3, 5}, float and double,
// runtime spaces (this file) and compile-time spaces (fpga_loss_static.cpp, one object per
// N x type x architecture). Baselines in the same process: the hand-fused loop (always) and
// libtorch autograd (when built with Torch); both must reproduce the library's loss and
// gradients (1e-12 relative in double, 1e-4 in float) before a case is timed.
#include "grid.hpp"

int main(int argc, char** argv) {
    using namespace nais_bench;
    for (int n : grid_blocks)
        for (int m : grid_ops)
            for (int q : grid_bits) {
                register_case<nais::runtime_space, double, nais::fpga::recursive>(n, m, q);
                register_case<nais::runtime_space, double, nais::fpga::pipelined>(n, m, q);
                register_case<nais::runtime_space, float, nais::fpga::recursive>(n, m, q);
                register_case<nais::runtime_space, float, nais::fpga::pipelined>(n, m, q);
            }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    std::printf("libtorch autograd baseline: %s\n",
                torch_runner ? "on (single-threaded)" : "off (built without Torch; see bench/README.md)");
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
