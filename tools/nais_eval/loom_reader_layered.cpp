// The Loom device's reader on spaces of layers (loom_reader.hpp), compiled apart so that each
// translation unit instantiates the three sharing rules' losses once.
#include "loom_reader.hpp"

namespace nais_eval::detail {

template std::unique_ptr<session> open_loom<nais::layered_space>(const json&, const nais::layered_space&, const std::string&,
                                                                 reading);

}  // namespace nais_eval::detail
