// bench_devices: forward and forward+backward of the GPU latency-table loss and the Loom
// bit-serial loss (per-op-type precision sharing, energy-delay product) over the grid N in
// {5, 20, 80}, M in {9, 27}, Q in {3, 5}, float and double, runtime spaces (this file) and
// compile-time spaces (devices_static.cpp, one object per device x N x type). Baseline in the
// same process: a hand-fused plain loop of each loss, which must reproduce the library's loss
// and gradients (1e-12 relative in double, 1e-4 in float) before a case is timed.
#include "device_grid.hpp"

int main(int argc, char** argv) {
    using namespace nais_bench;
    for (int n : grid_blocks)
        for (int m : grid_ops)
            for (int q : grid_bits) {
                register_device_case<gpu_case, nais::runtime_space, double>(n, m, q);
                register_device_case<gpu_case, nais::runtime_space, float>(n, m, q);
                register_device_case<loom_case, nais::runtime_space, double>(n, m, q);
                register_device_case<loom_case, nais::runtime_space, float>(n, m, q);
            }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
