// The FPGA devices' readers on spaces of layers (fpga_reader.hpp), compiled apart so that each
// translation unit instantiates two losses.
#include "fpga_reader.hpp"

namespace nais_eval::detail {

template std::unique_ptr<session> open_fpga<nais::fpga::recursive, nais::layered_space>(const json&, const nais::layered_space&,
                                                                                         const std::string&, reading);
template std::unique_ptr<session> open_fpga<nais::fpga::pipelined, nais::layered_space>(const json&, const nais::layered_space&,
                                                                                         const std::string&, reading);

}  // namespace nais_eval::detail
