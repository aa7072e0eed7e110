#include <nais/fpga.hpp>
#include <nais/loom.hpp>
int main() {
    nais::loom::loss<nais::proxyless_space, double, nais::fpga::recursive> l{nais::proxyless_space{}};
    return static_cast<int>(l.evaluate());
}
