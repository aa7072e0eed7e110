// nais-eval's FPGA devices on MBConv blocks, ops and bits (fpga_spec.hpp).
#include "fpga_spec.hpp"

namespace nais_eval::detail {

json evaluate_fpga_recursive(const json& spec, const nais::runtime_space& space) {
    return evaluate_fpga<nais::fpga::recursive>(spec, space);
}
json evaluate_fpga_pipelined(const json& spec, const nais::runtime_space& space) {
    return evaluate_fpga<nais::fpga::pipelined>(spec, space);
}
std::unique_ptr<session> session_fpga_recursive(const json& spec, const nais::runtime_space& space) {
    return fpga_session<nais::fpga::recursive>(spec, space);
}
std::unique_ptr<session> session_fpga_pipelined(const json& spec, const nais::runtime_space& space) {
    return fpga_session<nais::fpga::pipelined>(spec, space);
}

}  // namespace nais_eval::detail
