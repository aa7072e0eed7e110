// A minimal outside program using nais as an installed/added/fetched package.
#include <nais/nais.hpp>

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
