// nais-eval's Loom devices on spaces and networks of real layers (loom_spec.hpp).
#include "loom_spec.hpp"

namespace nais_eval::detail {

json evaluate_loom_spec(const json& spec, const nais::layered_space& space) { return evaluate_loom_any(spec, space); }
std::unique_ptr<session> session_loom(const json& spec, const nais::layered_space& space) {
    return session_loom_any(spec, space);
}

}  // namespace nais_eval::detail
