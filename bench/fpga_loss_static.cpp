// Static-space cases of bench_fpga_loss for one N, scalar type and architecture: CMake compiles
// this file once per combination (NAIS_BENCH_N, NAIS_BENCH_T, NAIS_BENCH_ARCH) so that each
// translation unit instantiates four losses (M in {9, 27} x Q in {3, 5}) and the twelve
// compile in parallel.
#include "grid.hpp"

namespace {
[[maybe_unused]] const bool registered = [] {
    nais_bench::register_static_cases<NAIS_BENCH_N, NAIS_BENCH_T, nais::fpga::NAIS_BENCH_ARCH>();
    return true;
}();
}  // namespace
