// The FPGA devices' registry entries and their readers on MBConv blocks (fpga_reader.hpp).
#include "fpga_reader.hpp"

namespace nais_eval {

device_entry fpga_recursive_device() {
    return composed_device("fpga-recursive",
                           "EDD's recursive FPGA: one IP per op type, latency sum (Eq. 6), DSPs shared by tanh (Eq. 9-10)",
                           &detail::open_fpga<nais::fpga::recursive, nais::runtime_space>,
                           &detail::open_fpga<nais::fpga::recursive, nais::layered_space>);
}

device_entry fpga_pipelined_device() {
    return composed_device("fpga-pipelined",
                           "EDD's pipelined FPGA: one IP per (block, op), log-sum-exp throughput (Eq. 7), DSPs summed (Eq. 8)",
                           &detail::open_fpga<nais::fpga::pipelined, nais::runtime_space>,
                           &detail::open_fpga<nais::fpga::pipelined, nais::layered_space>);
}

}  // namespace nais_eval
