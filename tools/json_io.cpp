// spec_error's message, made one line by the library's own rule (nais::detail::one_line).
#include <json_io.hpp>

#include <nais/core.hpp>

namespace nais_json {

spec_error::spec_error(const std::string& m) : std::runtime_error(nais::detail::one_line(m)) {}

}  // namespace nais_json
