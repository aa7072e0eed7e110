// Checks of the co-search driver shared by the recursive and pipelined test programs (one
// architecture per translation unit keeps each under the compile-time budget).
#pragma once
#include <nais/nais.hpp>

#include "error_of.hpp"
#include "fd.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace nais_test {

using space = nais::proxyless_space;
template <class Arch>
using loss_of = nais::fpga::loss<space, double, Arch>;

/// The search settings of the examples: Adam, tau annealed 5 -> 0.5.
inline nais::search::search_options<double> example_options(long steps = 300) {
    nais::search::search_options<double> o;
    o.steps = steps;
    o.learning_rate = {0.1, 0.1, 0.1};
    o.temperature = nais::search::temperature_schedule<double>::exponential(5.0, 0.99, 0.5);
    return o;
}

template <class Arch>
void check_initialisation(double budget) {
    loss_of<Arch> loss{space{}};
    loss.params().res_ub = budget;
    loss.theta().setRandom();
    loss.pf().setConstant(3);
    nais::search::co_search search(loss, example_options());
    CHECK((loss.theta() == 0).all());
    CHECK((loss.phi() == 0).all());
    const double ips = loss_of<Arch>::shared ? 9.0 : 180.0;
    CHECK((loss.pf() == std::log2(budget / ips)).all());  // EDD Sec. 5
    CHECK(search.steps_done() == 0);
    loss.forward();  // normalize_performance: Perf_loss = 1 at the (noise-free) initial point
    CHECK(loss.perf_loss() == doctest::Approx(1.0).epsilon(1e-12));
}

/// The combined gradient of one step (learning rates 0, so nothing moves) against central
/// differences of  L = Acc(theta, phi) * Perf_loss + beta C^(RES - RES_ub)  at the same noise.
template <class Arch>
void check_product_rule(bool hard_pf_only) {
    loss_of<Arch> loss{space{}};
    loss.params().res_ub = 600;  // initial design near the budget: the penalty term matters
    auto opt = example_options();
    opt.learning_rate = {0, 0, 0};
    opt.hard = hard_pf_only;
    opt.temperature = nais::search::temperature_schedule<double>::constant(0.8);
    nais::search::co_search search(loss, opt);
    std::mt19937_64 rng(21);
    fill_normal(loss.theta(), rng, 0.7);
    fill_normal(loss.phi(), rng, 0.7);
    fill_normal(loss.pf(), rng, 0.5, 7.0);
    loss.forward();
    loss.params().res_ub = std::max(0.0, loss.res() - 50);  // 50 DSPs over: the penalty term matters
    nais::search::standin_accuracy<> proxy(space{});
    search.step(proxy);
    nais::search::accuracy_gradient<double> scratch;
    auto f = [&] {
        loss.params().acc_loss = proxy.evaluate(typename Arch::sharing{}, loss.theta(), loss.phi(), scratch);
        return loss.forward();
    };
    CHECK(loss.penalty() > 0.1 * loss.value());
    check_gradient("dL/dpf", loss.pf(), search.gradient(nais::fpga::pf_tag{}), f, double_fd);
    if (hard_pf_only)
        return;  // straight-through theta/phi gradients are not derivatives (see test_compose)
    check_gradient("dL/dtheta", loss.theta(), search.grad_theta(), f, double_fd);
    check_gradient("dL/dphi", loss.phi(), search.gradient(nais::fpga::phi_tag{}), f, double_fd);
}

template <class Arch>
void check_reproducible(bool hard) {
    auto run = [&](std::uint64_t seed, loss_of<Arch>& loss) {
        loss.params().res_ub = 900;
        auto opt = example_options(40);
        opt.seed = seed;
        opt.hard = hard;
        nais::search::co_search search(loss, opt);
        nais::search::standin_accuracy<> proxy(space{});
        return search.run(proxy);
    };
    loss_of<Arch> a{space{}}, b{space{}}, c{space{}};
    const auto ca = run(7, a), cb = run(7, b), cc = run(8, c);
    REQUIRE(ca.size() == 40);
    bool same_curve = true;
    for (std::size_t k = 0; k < ca.size(); ++k)
        same_curve = same_curve && ca[k].loss == cb[k].loss && ca[k].res == cb[k].res && ca[k].acc_loss == cb[k].acc_loss &&
                     ca[k].tau == cb[k].tau;
    CHECK(same_curve);
    CHECK((a.theta() == b.theta()).all());
    CHECK((a.phi() == b.phi()).all());
    CHECK((a.pf() == b.pf()).all());
    CHECK(!(a.theta() == c.theta()).all());  // another seed, another run
}

template <class Arch>
void check_callable_errors() {
    loss_of<Arch> loss{space{}};
    loss.params().res_ub = 900;
    nais::search::co_search search(loss, example_options());
    const std::string rows = std::to_string(loss.phi().rows());
    using ctx_t = nais::search::step_context<loss_of<Arch>>;
    auto nan_at_2 = [](const ctx_t& ctx, nais::search::accuracy_gradient<double>&) {
        return ctx.step == 2 ? std::numeric_limits<double>::quiet_NaN() : 1.0;
    };
    CHECK(error_of([&] { search.run(nan_at_2); }) ==
          "nais: co-search step 2: the accuracy callable returned Acc_loss = nan");
    search.initialize();
    auto misshaped = [](const ctx_t&, nais::search::accuracy_gradient<double>& g) {
        g.phi().resize(3, 2);
        return 1.0;
    };
    CHECK(error_of([&] { search.step(misshaped); }) ==
          "nais: co-search step 0: the accuracy callable left d Acc_loss / d phi with shape 3 x 2, expected " + rows +
              " x 3");
    auto nan_entry = [](const ctx_t&, nais::search::accuracy_gradient<double>& g) {
        g.theta(1, 2) = std::numeric_limits<double>::quiet_NaN();
        return 1.0;
    };
    CHECK(error_of([&] { search.step(nan_entry); }) ==
          "nais: co-search step 0: the accuracy callable returned d Acc_loss / d theta(1,2) = nan");
    search.initialize();
    loss.pf()(3) = std::numeric_limits<double>::infinity();
    CHECK(error_of([&] { search.step(nais::search::constant_accuracy<double>{}); })
              .find("nais: co-search step 0: pf(") == 0);

    // the weight-training step runs first, on the same sample as the accuracy term
    search.initialize();
    std::vector<std::string> calls;
    auto train = [&](const ctx_t& ctx) {
        calls.push_back("train " + std::to_string(ctx.step));
        CHECK((ctx.arch_probabilities.rowwise().sum() - 1).abs().maxCoeff() < 1e-12);
    };
    auto acc = [&](const ctx_t& ctx, nais::search::accuracy_gradient<double>&) {
        calls.push_back("acc " + std::to_string(ctx.step));
        CHECK(ctx.tau == search.options().temperature(ctx.step));
        return 1.0;
    };
    search.step(acc, train);
    search.step(acc, train);
    CHECK(calls == std::vector<std::string>{"train 0", "acc 0", "train 1", "acc 1"});
}

template <class Arch>
void check_infeasible_budget() {
    const auto one = [](int) { return 1.0; };  // every bit-width costs a full DSP per multiplier
    loss_of<Arch> loss{space{}, nais::fpga::edd_latency_calibration{}, one};
    loss.params().res_ub = 4;
    auto opt = example_options();
    opt.bounds = {{"pf", {3, 10}}};
    const std::string msg = error_of([&] { nais::search::co_search search(loss, opt); });
    CHECK(msg.find("nais: infeasible budget: no design of the space meets RES_ub = 4 DSPs") == 0);
    CHECK(msg.find(loss_of<Arch>::shared ? "needs 8" : "needs 160") != std::string::npos);
    bool typed = false;
    try {
        nais::search::co_search search(loss, opt);
    } catch (const nais::infeasible_budget&) {
        typed = true;
    }
    CHECK(typed);
    // EDD's Psi(4) = 0: a zero budget is met by an all-4-bit design, so it is not refused
    loss_of<Arch> lut{space{}};
    lut.params().res_ub = 0;
    CHECK(error_of([&] { nais::search::co_search search(lut, example_options()); }) == "(no exception)");
}

/// The search meets the budget (in expectation at the end, exactly after re-tuning), and a
/// tighter budget gives a design with fewer DSPs.
template <class Arch>
void check_budget_tightening(double loose, double tight) {
    auto search_at = [&](double budget) {
        loss_of<Arch> loss{space{}};
        loss.params().res_ub = budget;
        nais::search::co_search search(loss, example_options());
        nais::search::standin_accuracy<> proxy(space{});
        const auto curve = search.run(proxy);
        CHECK(curve.back().res <= budget);
        CHECK(curve.back().loss < curve.front().loss);
        auto out = search.finish(200);
        REQUIRE(out.retuned.feasible);
        CHECK(out.retuned_report.budget_met);
        CHECK(out.retuned_report.dsp <= budget);
        // re-tuning never loses to the rounded searched design when that one is feasible
        if (out.searched_report.budget_met)
            CHECK(out.retuned_report.interval_cycles <= out.searched_report.interval_cycles * (1 + 1e-12));
        return out;
    };
    const auto a = search_at(loose), b = search_at(tight);
    INFO("loose " << a.retuned_report.dsp << " DSPs, tight " << b.retuned_report.dsp << " DSPs");
    CHECK(b.retuned_report.dsp < a.retuned_report.dsp);
    CHECK(b.retuned_report.interval_cycles > a.retuned_report.interval_cycles);
}

template <class Arch>
void check_sgd_search() {
    loss_of<Arch> loss{space{}};
    loss.params().res_ub = 900;
    nais::search::search_options<double, nais::search::sgd_momentum<double>> opt;
    opt.steps = 100;
    opt.learning_rate = {0.05, 0.05, 0.02};
    opt.optimizer.nesterov = true;
    nais::search::co_search<loss_of<Arch>, nais::search::sgd_momentum<double>> search(loss, opt);
    nais::search::standin_accuracy<> proxy(space{});
    const auto curve = search.run(proxy);
    CHECK(curve.back().loss < curve.front().loss);
    CHECK(loss.pf().minCoeff() >= 0);
    CHECK(loss.pf().maxCoeff() <= search.bounds(nais::fpga::pf_tag{}).max);
}

}  // namespace nais_test
