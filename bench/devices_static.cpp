// Static-space cases of bench_devices for one device, N and scalar type: CMake compiles this
// file once per combination (NAIS_BENCH_DEVICE = gpu_case or loom_case, NAIS_BENCH_N,
// NAIS_BENCH_T), four losses each (M in {9, 27} x Q in {3, 5}).
#include "device_grid.hpp"

namespace {
[[maybe_unused]] const bool registered = [] {
    nais_bench::register_static_device_cases<nais_bench::NAIS_BENCH_DEVICE, NAIS_BENCH_N, NAIS_BENCH_T>();
    return true;
}();
}  // namespace
