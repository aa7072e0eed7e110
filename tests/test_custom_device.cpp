// A user's own device model (examples/custom_device.cpp, compiled here without its main):
// the contract, its hand-written backward against central differences, the driver's combined
// gradients with its resource term, its search hooks (bounds, initial value, finish).
#define NAIS_CUSTOM_DEVICE_NO_MAIN
#include "../examples/custom_device.cpp"

#include "open_core_checks.hpp"
#include "test_part.hpp"

using namespace nais;
using namespace nais_open_core;
using nais_test::error_of;

static_assert(device_model<lane::model<small>>);
#if NAIS_IN_PART(1)
TEST_CASE("the driver's combined gradients are exact for a user's device model with a resource term") {
    nais::loss<lane::model<small>> l{small{}};
    l.params().res_ub = 300;
    check_driver_product_rule(l, 3);
}
#endif

#if NAIS_IN_PART(2)
TEST_CASE("the driver's combined gradients are exact for Loom, per (block, op) and network-wide") {
    SUBCASE("per (block, op)") {
        loom::loss<small, double, sharing::per_block_op> l{small{}};
        check_driver_product_rule(l, 0);
    }
    SUBCASE("network-wide") {
        loom::loss<small, double, sharing::network_wide> l{small{}};
        check_driver_product_rule(l, 0);
    }
}
#endif

#if NAIS_IN_PART(1)
TEST_CASE("a user's device model: hand-written backward against central differences, and a search") {
    nais::loss<lane::model<small>> l{small{}};
    l.params().res_ub = 200;
    l.params().beta = 0.5;
    l.params().acc_loss = 1.7;
    std::mt19937_64 rng(5);
    for (int trial = 0; trial < 4; ++trial) {
        randomize(l, rng, 2 + trial);
        l.params().tau = 0.5 + 0.3 * trial;
        l.evaluate();
        CHECK(l.penalty() > 0);
        CHECK(l.grad_acc_loss() == l.perf_loss());
        const auto g_theta = l.grad_theta();
        const auto g_phi = l.gradient(lane::bits_tag{});
        const auto g_s = l.gradient(lane::lanes_tag{});
        auto f = [&] { return l.forward(); };
        nais_test::check_gradient("theta", l.theta(), g_theta, f, double_fd);
        nais_test::check_gradient("phi", l.variable(lane::bits_tag{}), g_phi, f, double_fd);
        nais_test::check_gradient("s", l.variable(lane::lanes_tag{}), g_s, f, double_fd);
    }
    // the driver uses the model's bounds and initial value, and its finish()
    search::search_options<double> o;
    o.steps = 60;
    o.learning_rate = {0.1, 0.1, 0.05};
    search::co_search s(l, o);
    CHECK(s.bounds(lane::lanes_tag{}).max == 12);
    CHECK(l.variable(lane::lanes_tag{})(0, 0) == doctest::Approx(std::log2(200.0 / (3 * 24))));
    search::standin_accuracy<> proxy(small{});
    const auto curve = s.run(proxy);
    CHECK(curve.back().loss < curve.front().loss);
    const auto d = s.finish();
    CHECK(d.ops.size() == 3);
    CHECK(d.bits.size() == 3);
    // a continuous group's bounds can be set by name; an unknown name is refused
    o.bounds = {{"s", {2, 3}}};
    search::co_search narrow(l, o);
    CHECK(l.variable(lane::lanes_tag{})(0, 0) == 2);  // log2(200 / 72) = 1.47, clamped
    o.bounds = {{"pf", {1, 2}}};
    CHECK(error_of([&] { search::co_search bad(l, o); }) ==
          "nais: co_search: options.bounds names 'pf', which is not a continuous variable group of the device model");
}
#endif
