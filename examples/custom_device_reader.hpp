// The registration of examples/custom_device.cpp's "lane array" for nais's tools and Python: its
// reader (which keys it takes; here none beyond the common ones, composed_reader.hpp) and its
// entry. Add the entry to tools/nais_eval/registry.cpp's list and nais-eval, nais.evaluate,
// nais.Session and nais.torch.HardwareLoss know "lane-array"; or add it at run time:
// nais_eval::devices().add(lane::registry_entry()) (tests/test_registry.cpp) or from Python,
// nais.register_devices(a plug-in module) (tests/plugin/custom_device_plugin.cpp).
#pragma once
#define NAIS_CUSTOM_DEVICE_NO_MAIN
#include "custom_device.cpp"

#include <nais_eval/composed_reader.hpp>

namespace lane {

/// The loss on the spec's space; the session's design is the derived ops, bits per op type and
/// lane count (the model's finish()).
template <class Space>
std::unique_ptr<nais_eval::session> open(const nais_eval::json& spec, const Space& space, const std::string&,
                                         nais_eval::reading mode) {
    using loss_t = nais::loss<model<Space>>;
    nais_eval::composed_parts<loss_t> parts{[](const loss_t& l, double) {
        const auto d = l.model().finish(l, 0);
        return nais_eval::json{{"ops", d.ops}, {"bits", d.bits}, {"lanes", d.lanes}};
    }};
    return nais_eval::composed_session(spec, mode, std::make_unique<loss_t>(space), std::move(parts));
}

inline nais_eval::device_entry registry_entry() {
    return nais_eval::composed_device("lane-array", "examples/custom_device.cpp's made-up lane array (2^s lanes per op type)",
                                      &open<nais::runtime_space>, &open<nais::layered_space>);
}

}  // namespace lane
