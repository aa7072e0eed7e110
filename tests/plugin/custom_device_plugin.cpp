// A Python plug-in that adds a user's device model to nais without touching nais's own binding:
// examples/custom_device.cpp's lane array, registered by its one registration
// (examples/custom_device_reader.hpp) into the registry nais._nais.registry() hands over.
//   import nais, nais_custom_device; nais.register_devices(nais_custom_device)
//   nais.Session({"device": "lane-array", ...})
#include "../../examples/custom_device_reader.hpp"

#include <pybind11/pybind11.h>

namespace py = pybind11;

PYBIND11_MODULE(nais_custom_device, m) {
    m.doc() = "examples/custom_device.cpp's lane array as a nais device (a plug-in: nais.register_devices)";
    m.def("register", [](py::capsule registry) {
        if (std::string(registry.name()) != "nais_eval.device_registry")
            throw py::value_error("nais_custom_device.register: expected nais._nais.registry()");
        auto* devices = registry.get_pointer<nais_eval::device_registry>();
        if (!devices->find("lane-array"))
            devices->add(lane::registry_entry());
    });
}
