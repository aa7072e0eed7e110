// A type that is not an optimizer must be rejected by name.
#include <nais/fpga.hpp>
#include <nais/search.hpp>
struct not_an_optimizer {};
int main() {
    using loss_t = nais::fpga::recursive_loss<nais::proxyless_space>;
    loss_t loss{nais::proxyless_space{}};
    nais::search::co_search<loss_t, not_an_optimizer>* p = nullptr;
    (void)p;
    return sizeof(nais::search::co_search<loss_t, not_an_optimizer>) > 0 ? 0 : 1;
}
