// The open core: every device model goes through one composed loss and one co-search driver.
// Checks: the contract holds for the shipped models, the driver's combined gradients (Eq. 1's
// product rule) against central differences for GPU and Loom, the pipelined search's smoothness
// choice (every block gets a performance gradient at EDD's initial point), access by tag.
#include "open_core_checks.hpp"

using namespace nais;
using namespace nais_open_core;
using nais_test::error_of;

TEST_CASE("the driver's combined gradients are exact for the GPU model") {
    std::mt19937_64 rng(11);
    gpu::loss<small> l{small{}, small_table(rng)};
    check_driver_product_rule(l, 0);
}

TEST_CASE("pipelined search: every block gets a performance gradient at EDD's initial point") {
    // the default space on a ZC706 budget; Perf_loss only (beta = 0, Acc = 1), noise-free
    const auto block_rows_with_gradient = [](fpga::pipelined_loss<proxyless_space>& l) {
        l.params().beta = 0;
        l.params().acc_loss = 1;
        l.theta_noise().setZero();
        l.phi_noise().setZero();
        l.evaluate();
        int rows = 0;
        for (int i = 0; i < l.num_blocks(); ++i)
            rows += (l.grad_theta().row(i) != 0).any() ? 1 : 0;
        return rows;
    };
    search::search_options<double> o;
    {
        fpga::pipelined_loss<proxyless_space> l{proxyless_space{}};
        l.params().res_ub = 900;
        search::co_search s(l, o);  // relative_smoothness = 0.1 of the largest initial block latency
        const double largest = l.perf_blocks().maxCoeff();
        CHECK(l.params().lse_smoothness == doctest::Approx(0.1 * largest));
        CHECK(block_rows_with_gradient(l) == 20);
        CHECK(s.performance_scale() == l.params().alpha);
    }
    {
        // EDD's literal Eq. 7 (mu = 1 cycle) keeps a hard maximum: one block only
        fpga::pipelined_loss<proxyless_space> l{proxyless_space{}};
        l.params().res_ub = 900;
        o.relative_smoothness = std::nullopt;
        search::co_search s(l, o);
        CHECK(l.params().lse_smoothness == 1);
        CHECK(block_rows_with_gradient(l) == 1);
    }
}

TEST_CASE("variable groups are reached by tag, and the model's interface names them") {
    fpga::recursive_loss<small> r{small{}};
    CHECK(&r.variable(fpga::pf_tag{}) == &r.pf());
    CHECK(&r.noise(fpga::phi_tag{}) == &r.phi_noise());
    loom::loss<small> l{small{}};
    CHECK(&l.variable(loom::activations_tag{}) == &l.phi_activations());
    std::string names;
    l.for_each_group([&](auto g, auto&, auto&) { names += std::string(decltype(g)::tag::name) + " "; });
    CHECK(names == "phi_weights phi_activations ");
    CHECK(l.res() == 0);
    CHECK(l.penalty() == 0);
}
