// A minimal outside program using nais as an installed/added/fetched package. The find_package
// consumer includes every public header (<nais/nais.hpp>: they compile with GCC too); the other
// two only the FPGA module, which they use (their point is how the package is found).
#ifdef NAIS_CONSUMER_ALL_HEADERS
#include <nais/nais.hpp>
#else
#include <nais/fpga.hpp>
#include <nais/version.hpp>
#endif

#include <cmath>
#include <cstdio>

int main() {
    nais::fpga::recursive_loss<nais::proxyless_space> edd{nais::proxyless_space{}};
    edd.params().res_ub = 2520;
    edd.pf().setConstant(std::log2(2520.0 / 9));
    const double l = edd.evaluate();
    std::printf("nais %s: loss %.6g, RES %.1f DSPs\n", NAIS_VERSION_STRING, l, edd.res());
    if (!std::isfinite(l) || !edd.grad_pf().allFinite())
        return 1;
    std::printf("consumer ok\n");
    return 0;
}
