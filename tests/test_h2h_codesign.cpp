// The differentiable multi-task co-design (nais/h2h.hpp, codesign_model): gradients of the
// composed loss against central differences, the smooth latency against the longest path and
// loads computed by hand at one-hot choices, a co-search whose derived mapping the exact
// scheduler evaluates, and the refusals.
#include <nais/h2h.hpp>
#include <nais/search.hpp>

#include "error_of.hpp"
#include "fd.hpp"
#include "randomize.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

using namespace nais;
using nais_test::error_of;

namespace {

/// vision: 3 blocks, audio: 2 blocks, head: 1 block fed by both (fusion 2 -> 5, 4 -> 5).
runtime_space two_modalities() {
    return runtime_space({{3, 16, 32, 32, 2}, {16, 24, 16, 16, 2}, {24, 32, 8, 8, 1},  // vision
                          {1, 16, 16, 16, 1}, {16, 32, 8, 8, 2},                       // audio (a spectrogram)
                          {32, 32, 8, 8, 1}},                                         // fused head
                         {{3, 1}, {5, 3}, {3, 6}, {7, 6}}, {16});
}
h2h::stream_layout layout() { return {{"vision", "audio", "head"}, {3, 2, 1}, {{2, 5}, {4, 5}}}; }

std::vector<h2h::accelerator> platform() {
    h2h::accelerator big, small, link;
    big.name = "big", big.throughput_gops = 120, big.power_w = 20, big.link_gbps = 8;
    small.name = "small", small.throughput_gops = 25, small.power_w = 4, small.link_gbps = 16, small.Tm = 16, small.Tn = 8;
    link.name = "near_sensor", link.throughput_gops = 10, link.power_w = 1.5, link.link_gbps = 40, link.Tm = 8, link.Tn = 4;
    return {big, small, link};
}

using loss_type = h2h::codesign_loss<runtime_space>;

}  // namespace

static_assert(device_model<h2h::codesign_model<runtime_space>>);
static_assert(loss_type::has_resources);

TEST_CASE("h2h codesign: gradients of the composed loss against central differences") {
    loss_type l{two_modalities(), layout(), platform()};
    l.params().res_ub = 20;
    l.params().beta = 0.2;
    l.params().C = 1.01;
    l.params().acc_loss = 1.7;
    std::mt19937_64 rng(5);
    const nais_test::tolerance tol{2e-5, 1e-7};
    for (int trial = 0; trial < 4; ++trial) {
        CAPTURE(trial);
        nais_test::randomize(l, rng, 0.3);
        l.params().tau = 0.5 + 0.3 * trial;
        l.params().tau_ms = trial % 2 ? 0.02 : 0.2;
        l.params().energy_weight = trial >= 2 ? 3.0 : 0.0;
        l.evaluate();
        REQUIRE(std::isfinite(l.value()));
        const auto g_theta = l.grad_theta();
        const auto g_assign = l.grad_assignment();
        const auto g_scale = l.grad_log2_scale();
        CHECK(g_theta.abs().maxCoeff() > 0);
        CHECK(g_assign.abs().maxCoeff() > 0);
        CHECK(g_scale.abs().maxCoeff() > 0);
        auto f = [&] { return l.forward(); };
        nais_test::check_gradient("theta", l.theta(), g_theta, f, tol, 1e-5);
        nais_test::check_gradient("assignment", l.assignment(), g_assign, f, tol, 1e-5);
        nais_test::check_gradient("log2_scale", l.log2_scale(), g_scale, f, tol, 1e-5);
    }
}

TEST_CASE("h2h codesign: at one-hot choices the smooth latency tends to the longest path and the loads") {
    const runtime_space space = two_modalities();
    loss_type l{space, layout(), platform()};
    l.params().res_ub = 100;
    const auto& c = l.model().constants();
    const int N = c.N, D = c.D;
    std::mt19937 g(3);
    std::uniform_int_distribution<int> pick_op(0, 3), pick_dev(0, D - 1);
    for (int trial = 0; trial < 6; ++trial) {
        std::vector<int> op(static_cast<std::size_t>(N)), dev(static_cast<std::size_t>(N));
        l.theta().setConstant(-80);
        l.assignment().setConstant(-80);
        for (int i = 0; i < N; ++i) {
            op[std::size_t(i)] = pick_op(g);
            dev[std::size_t(i)] = trial == 0 ? 0 : pick_dev(g);
            l.theta()(i, op[std::size_t(i)]) = 80;
            l.assignment()(i, dev[std::size_t(i)]) = 80;
        }
        l.log2_scale().setZero();
        l.log2_scale()(1) = 1;  // the small accelerator twice as parallel
        l.theta_noise().setZero();
        l.noise(h2h::assignment_tag{}).setZero();
        l.params().tau = 1;
        l.params().alpha = 1;
        l.params().tau_ms = 1e-4;
        l.evaluate();
        // by hand: block times, transfers between devices, the longest path and the loads
        std::vector<double> T(static_cast<std::size_t>(N)), f(static_cast<std::size_t>(N)), load(static_cast<std::size_t>(D), 0.0);
        for (int i = 0; i < N; ++i) {
            const int m = op[std::size_t(i)], d = dev[std::size_t(i)];
            const double scale = d == 1 ? 2.0 : 1.0;
            T[std::size_t(i)] = c.on_at(i, m, d) / scale + c.x_at(i, m, d);
            load[std::size_t(d)] += T[std::size_t(i)];
        }
        double cp = 0;
        for (int j : c.topo) {
            double in = 0;
            for (int i : c.preds[std::size_t(j)]) {
                const int a = dev[std::size_t(i)], b = dev[std::size_t(j)];
                const double comm = a == b ? 0.0 : c.out[std::size_t(i)] * (c.kappa[std::size_t(a)] + c.kappa[std::size_t(b)]);
                in = std::max(in, f[std::size_t(i)] + comm);
            }
            f[std::size_t(j)] = T[std::size_t(j)] + in;
            cp = std::max(cp, f[std::size_t(j)]);
        }
        const double expected_ms = 1e3 * std::max(cp, *std::max_element(load.begin(), load.end()));
        INFO("trial " << trial);
        CHECK(l.perf_loss() >= expected_ms * (1 - 1e-9));
        CHECK(l.perf_loss() <= expected_ms + 1e-4 * std::log(double(D + 4)) * 4 + 1e-9);
        if (trial == 0)  // everything on one device: the load is the sum of the blocks
            CHECK(l.perf_loss() == doctest::Approx(1e3 * std::accumulate(T.begin(), T.end(), 0.0)).epsilon(1e-6));
        CHECK(l.res() == doctest::Approx(20 + 4 * 2 + 1.5));
    }
}

TEST_CASE("h2h codesign: a co-search lowers the loss; its derived mapping is evaluated exactly") {
    const runtime_space space = two_modalities();
    loss_type l{space, layout(), platform()};
    l.params().res_ub = 30;
    l.params().energy_weight = 0.5;
    search::search_options<double> o;
    o.steps = 60;
    o.learning_rate = {0.2, 0.2, 0.05};
    o.temperature = search::temperature_schedule<double>::exponential(5.0, 0.95, 0.5);
    search::co_search s(l, o);
    auto acc = h2h::per_task_standin(space, layout());
    const auto curve = s.run(acc);
    CHECK(curve.back().loss < curve.front().loss);
    const h2h::codesign_outcome out = s.finish();
    REQUIRE(out.ops.size() == 6);
    REQUIRE(out.devices.size() == 6);
    CHECK(out.timing.feasible);
    CHECK(out.timing.makespan > 0);
    // every layer runs on its block's device; the schedule respects the DAG and one layer at a time
    for (std::size_t l2 = 0; l2 < out.derived.size(); ++l2)
        for (std::size_t q : out.derived.predecessors(l2))
            CHECK(out.timing.slots[l2].start >= out.timing.slots[q].end);
    for (const auto& order : out.mapping.order)
        for (std::size_t k = 1; k < order.size(); ++k)
            CHECK(out.timing.slots[order[k]].start >= out.timing.slots[order[k - 1]].end);
    CHECK(out.h2h.last().timing.feasible);
}

TEST_CASE("h2h codesign: refusals name the setting") {
    const runtime_space space = two_modalities();
    CHECK(error_of([&] { loss_type{space, h2h::stream_layout{{"a"}, {5}, {}}, platform()}; }).find("the streams have 5 blocks, the space 6") !=
          std::string::npos);
    CHECK(error_of([&] { loss_type{space, h2h::stream_layout{{"a", "b"}, {3, 3}, {{0, 1}}}, platform()}; }).find("joins blocks of one stream") !=
          std::string::npos);
    auto p = platform();
    p[2].accepts = h2h::layer_kind::lstm;
    CHECK(error_of([&] { loss_type{space, layout(), p}; }).find("'near_sensor' must accept CNN layers") != std::string::npos);
    loss_type l{space, layout(), platform()};
    l.params().res_ub = 30;
    l.log2_scale()(0) = 7;
    CHECK(error_of([&] { l.evaluate(); }).find("log2_scale(0) = 7 is outside [-6, 6]") != std::string::npos);
    l.log2_scale()(0) = 0;
    l.params().tau_ms = 0;
    CHECK(error_of([&] { l.evaluate(); }).find("params.tau_ms = 0") != std::string::npos);
}
