// An accuracy callable with the wrong signature (no gradient argument) must be rejected with a
// message that says what the co-search expects.
#include <nais/fpga.hpp>
#include <nais/search.hpp>
int main() {
    nais::fpga::recursive_loss<nais::proxyless_space> loss{nais::proxyless_space{}};
    loss.params().res_ub = 2520;
    nais::search::co_search search(loss, nais::search::search_options<double>{});
    search.step([](const auto&) { return 1.0; });
}
