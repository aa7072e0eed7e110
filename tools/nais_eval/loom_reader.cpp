// The Loom device's registry entry and its reader on MBConv blocks (loom_reader.hpp).
#include "loom_reader.hpp"

namespace nais_eval {

device_entry loom_device() {
    return composed_device("loom",
                           "EDD's Loom-style bit-serial ASIC: latency and energy scale with weight and activation bits",
                           &detail::open_loom<nais::runtime_space>, &detail::open_loom<nais::layered_space>);
}

}  // namespace nais_eval
