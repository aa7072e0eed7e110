// HotNAS's tiled template as a nais device model (tiled::model): the composed loss's gradients
// (theta and the log2 design) against central differences, the driver's product rule, the
// closed form of a fixed network (Perf and RES tend to the exact ms and utilisation as the
// temperature falls), a co-search whose finish() re-tunes the derived network exactly, and the
// refusals.
#include "open_core_checks.hpp"
#include "test_part.hpp"

using namespace nais;
using namespace nais_open_core;
using nais_test::error_of;

static_assert(device_model<tiled::model<small>>);
static_assert(device_model<tiled::model<layered_space, float>>);
static_assert(tiled::loss<small>::has_resources);

#if NAIS_IN_PART(1)
TEST_CASE("tiled model: gradients of the composed loss against central differences") {
    tiled::loss<small> l{small{}};
    l.params().res_ub = 2520;
    l.params().beta = 0.3;
    l.params().C = 1.001;  // a penalty within a few orders of the latency term, so differences resolve both
    l.params().acc_loss = 1.3;
    l.params().relax = {0.05, 0.05};
    std::mt19937_64 rng(11);
    const nais_test::tolerance tol{2e-5, 1e-7};
    for (int trial = 0; trial < 4; ++trial) {
        randomize(l, rng, 3 + 0.5 * trial);  // log2 design near 3..4.5: within and past the DSPs and ports
        l.params().tau = 0.6 + 0.2 * trial;
        l.evaluate();
        CHECK(std::isfinite(l.value()));
        CHECK(l.res() > 0);
        const auto g_theta = l.grad_theta();
        const auto g_design = l.grad_log2_design();
        CHECK(g_design.abs().maxCoeff() > 0);
        auto f = [&] { return l.forward(); };
        nais_test::check_gradient("theta", l.theta(), g_theta, f, tol, 1e-5);
        nais_test::check_gradient("log2_design", l.log2_design(), g_design, f, tol, 1e-5);
    }
}
#endif

#if NAIS_IN_PART(1)
TEST_CASE("tiled model: the driver's combined gradients are exact") {
    tiled::loss<small> l{small{}};
    l.params().res_ub = 2520;
    l.params().relax = {0.05, 0.05};
    check_driver_product_rule(l, 4);
}
#endif

#if NAIS_IN_PART(2)
TEST_CASE("tiled model: a fixed network's Perf and RES tend to the exact ms and utilisation") {
    const auto space = layered_space::fixed_network(net::resnet18(), {16});
    tiled::loss<layered_space> l{space};
    l.params().res_ub = 2520;
    const tiled::design d{64, 24, 28, 28, 7, 20, 9, 3};
    for (int k = 0; k < tiled::design_variables; ++k)
        l.log2_design()(k) = std::log2(tiled::to_vector(d)(k));
    l.theta().setZero();
    const auto exact = tiled::evaluate(tiled::workloads(net::resnet18()), d);
    const double utilisation = std::max({double(exact.used.dsp) / 2520, double(exact.used.port_bits) / 512,
                                         double(exact.used.bram) / 1824});
    CHECK(l.model().kernel_limit() == 7);
    for (double tau : {0.005, 0.001}) {
        l.params().relax = {tau, tau};
        l.forward();
        // one candidate per row: the expectation is the candidate itself (no Gumbel noise)
        CHECK(std::abs(l.latency_blocks().sum() / exact.ms - 1) <= std::pow(6.0, tau) - 1 + 1e-6);
        CHECK(std::abs(l.res() / (2520 * utilisation) - 1) <= std::pow(3.0, tau) - 1 + 1e-6);
    }
    CHECK(l.model().derive_design(l) == d);
}
#endif

#if NAIS_IN_PART(2)
TEST_CASE("tiled model: a co-search lowers the loss, and finish() re-tunes the derived network exactly") {
    tiled::loss<small> l{small{}};
    l.params().res_ub = 2520;
    search::search_options<double> o;
    o.steps = 40;
    o.learning_rate = {0.1, 0.1, 0.1};
    o.temperature = search::temperature_schedule<double>::exponential(5.0, 0.95, 0.5);
    search::co_search s(l, o);
    CHECK(s.bounds(tiled::log2_design_tag{}).min == 0);
    CHECK(l.log2_design()(tiled::var_Tm) == doctest::Approx(std::log2(std::sqrt(2520.0) / 2)));
    search::standin_accuracy<> proxy(small{});
    const auto curve = s.run(proxy);
    CHECK(curve.back().loss < curve.front().loss);
    const tiled::search_outcome out = s.finish();
    CHECK(out.ops.size() == 3);
    CHECK(out.rounded.Tk == 7);
    CHECK(out.exact.found);
    CHECK(tiled::violation_of(out.exact.used, tiled::device{}).empty());
    if (out.rounded_report.feasible)
        CHECK(out.exact.cycles <= out.rounded_report.cycles);
    // the exact search is the optimum of the derived network: no feasible design of a coarse
    // grid around it is faster
    for (int tm : {1, 8, 32, 50})
        for (int tn : {1, 8, 32, 50}) {
            const tiled::design d{tm, tn, 10, 10, 7, 10, 10, 10};
            const auto r = tiled::evaluate(out.layers, d);
            if (r.feasible)
                CHECK(out.exact.cycles <= r.cycles);
        }
}
#endif

#if NAIS_IN_PART(2)
TEST_CASE("tiled model: refusals name the variable or the setting") {
    tiled::loss<small> l{small{}};
    l.params().res_ub = 2520;
    l.log2_design().setConstant(3);
    l.log2_design()(2) = 21;
    CHECK(error_of([&] { l.evaluate(); }).find("log2_design(2) = 21 is outside [0, 20]") != std::string::npos);
    l.log2_design()(2) = 3;
    l.params().relax.tau_ceil = 0;
    CHECK(error_of([&] { l.evaluate(); }).find("temperatures") != std::string::npos);
    tiled::loss<small> unset{small{}};
    search::search_options<double> o;
    CHECK(error_of([&] { search::co_search s(unset, o); }).find("params.res_ub must be set") != std::string::npos);
    CHECK(error_of([&] { tiled::model<small> m(small{}, tiled::device{}, tiled::precision{20, 16}); }).find("bits must be in") !=
          std::string::npos);
}
#endif
