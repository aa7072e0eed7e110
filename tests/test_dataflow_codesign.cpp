// DANCE's co-search as a nais device model (nais/dataflow.hpp, codesign_model): the cost tables
// against the analysis, gradients of the composed loss against central differences (expected
// hardware and the optimal-hardware envelope, every objective), the envelope at one-hot ops
// against the exact best accelerator, and a co-search that lowers its loss.
#include <nais/dataflow.hpp>
#include <nais/search.hpp>

#include "error_of.hpp"
#include "fd.hpp"
#include "randomize.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>

using namespace nais;
using namespace nais::dataflow;

namespace {

/// A 4-block slice of the CIFAR-10 space (stem, blocks 0-3, head) for fast tests.
layered_space small_space() {
    layered_space_description d = proxyless_cifar10();
    d.blocks.resize(4);
    return layered_space(d);
}

codesign_options small_options(objective_kind k, hardware_mode mode) {
    codesign_options o;
    o.space.pe_x = {8, 16};
    o.space.pe_y = {4, 12};
    o.space.rf_entries = {16, 256};
    o.cost = {k, 2.0, 3.0, 0.5};
    o.mode = mode;
    return o;
}

using loss_type = codesign_loss<layered_space>;

}  // namespace

static_assert(device_model<codesign_model<layered_space>>);
static_assert(loss_type::has_resources);

TEST_CASE("dataflow codesign: the cost tables are the analysis of each candidate's layers on each hardware point") {
    const layered_space space = small_space();
    const codesign_options o = small_options(objective_kind::edap, hardware_mode::expected);
    const cost_tables t = make_cost_tables(space, o);
    REQUIRE(t.H == 24);
    for (int i = 0; i < space.num_blocks(); ++i)
        for (int m = 0; m < space.num_ops(); ++m)
            for (std::size_t h : {std::size_t(0), std::size_t(13), std::size_t(23)}) {
                if (!op_runs_on_hardware(space, i, m)) {
                    CHECK(t.ms_at(i, m, h) == 0);
                    continue;
                }
                const auto f = network_figures(layers_of(candidate_report(space, i, m)), o.space.at(h));
                CHECK(t.ms_at(i, m, h) == doctest::Approx(f[0]).epsilon(1e-12));
                CHECK(t.uj_at(i, m, h) == doctest::Approx(f[1]).epsilon(1e-12));
                CHECK(t.mm2[h] == doctest::Approx(f[2]).epsilon(1e-12));
            }
}

TEST_CASE("dataflow codesign: gradients of the composed loss against central differences") {
    const layered_space space = small_space();
    std::mt19937_64 rng(9);
    const nais_test::tolerance tol{2e-5, 1e-7};
    int trial = 0;
    for (objective_kind k : {objective_kind::latency, objective_kind::energy, objective_kind::edp, objective_kind::edap, objective_kind::linear})
        for (hardware_mode mode : {hardware_mode::expected, hardware_mode::envelope}) {
            CAPTURE(objective_names[std::size_t(k)]);
            CAPTURE(int(mode));
            loss_type l{space, small_options(k, mode)};
            l.params().res_ub = 1.5;
            l.params().beta = 0.3;
            l.params().C = 1.2;
            l.params().acc_loss = 1.3;
            nais_test::randomize(l, rng, 0.0);
            l.params().tau = 0.6 + 0.2 * (trial++ % 3);
            l.evaluate();
            REQUIRE(std::isfinite(l.value()));
            auto f = [&] { return l.forward(); };
            CHECK(l.grad_theta().abs().maxCoeff() > 0);
            nais_test::check_gradient("theta", l.theta(), l.grad_theta(), f, tol, 1e-5);
            if (mode == hardware_mode::expected) {
                CHECK(l.grad_dataflow_logits().abs().maxCoeff() > 0);
                CHECK(l.grad_pe_x_logits().abs().maxCoeff() > 0);
            } else {
                CHECK(l.grad_dataflow_logits().abs().maxCoeff() == 0);  // the envelope does not depend on the hardware logits
            }
            nais_test::check_gradient("pe_x", l.pe_x_logits(), l.grad_pe_x_logits(), f, tol, 1e-5);
            nais_test::check_gradient("pe_y", l.pe_y_logits(), l.grad_pe_y_logits(), f, tol, 1e-5);
            nais_test::check_gradient("rf", l.rf_logits(), l.grad_rf_logits(), f, tol, 1e-5);
            nais_test::check_gradient("dataflow", l.dataflow_logits(), l.grad_dataflow_logits(), f, tol, 1e-5);
        }
}

TEST_CASE("dataflow codesign: at one-hot ops the envelope is the exact best accelerator's cost, the expectation its weighted mean") {
    const layered_space space = small_space();
    std::mt19937 rng(2);
    for (int trial = 0; trial < 4; ++trial) {
        CAPTURE(trial);
        const objective_kind k = trial % 2 ? objective_kind::edap : objective_kind::latency;
        loss_type env{space, small_options(k, hardware_mode::envelope)};
        env.params().res_ub = 100;
        env.params().hard = true;
        env.params().acc_loss = 1;
        env.params().alpha = 1;
        env.theta().setZero();
        env.theta_noise().setZero();
        std::vector<int> ops;
        for (int i = 0; i < space.num_blocks(); ++i) {
            int m = 0;
            do
                m = std::uniform_int_distribution<int>(0, space.num_ops() - 1)(rng);
            while (!space.available(i, m));
            env.theta()(i, m) = 5;
            ops.push_back(m);
        }
        env.evaluate();
        codesign_outcome o;
        o.ops = ops;
        o.chosen = env.model().options().space.at(0);
        env.model().derive(o);
        CHECK(env.perf_loss() == doctest::Approx(o.best.cost).epsilon(1e-12));
        // the expected loss at one-hot hardware logits is the cost of that hardware point
        loss_type ex{space, small_options(k, hardware_mode::expected)};
        ex.params() = env.params();
        ex.theta() = env.theta();
        ex.theta_noise().setZero();
        ex.for_each_group([&](auto, auto& x, auto&) { x.setZero(); });
        ex.pe_x_logits()(1) = ex.pe_y_logits()(0) = ex.rf_logits()(1) = ex.dataflow_logits()(2) = 5;
        ex.evaluate();
        const hardware hw = env.model().options().space.at(((1 * 2 + 0) * 2 + 1) * 3 + 2);
        const auto f = network_figures(o.layers, hw);
        CHECK(ex.perf_loss() == doctest::Approx(small_options(k, hardware_mode::expected).cost(f[0], f[1], f[2])).epsilon(1e-12));
    }
}

TEST_CASE("dataflow codesign: a co-search lowers the loss and derives a network with its best accelerator") {
    const layered_space space = small_space();
    loss_type l{space, small_options(objective_kind::edap, hardware_mode::expected)};
    l.params().res_ub = 100;
    search::search_options<double> so;
    so.steps = 60;
    so.seed = 4;
    so.learning_rate = {0.2, 0.2, 0.2};
    search::co_search s(l, so);
    const auto acc = [](const auto&, auto&) { return 1.0; };
    const auto curve = s.run(acc);
    CHECK(curve.back().loss < curve.front().loss);
    const codesign_outcome o = s.finish();
    CHECK(int(o.ops.size()) == space.num_blocks());
    CHECK(o.best.cost <= small_options(objective_kind::edap, hardware_mode::expected).cost(o.chosen_figures[0], o.chosen_figures[1], o.chosen_figures[2]));
}

TEST_CASE("dataflow codesign: refusals") {
    const layered_space space = small_space();
    codesign_options o = small_options(objective_kind::edap, hardware_mode::expected);
    o.space.pe_x.clear();
    CHECK(nais_test::error_of([&] { loss_type l(space, o); }).find("needs at least one choice") != std::string::npos);
    loss_type l{space, small_options(objective_kind::edap, hardware_mode::expected)};
    search::search_options<double> so;
    so.steps = 1;
    CHECK(nais_test::error_of([&] { search::co_search s(l, so); }).find("res_ub (the area budget, mm^2) must be set") != std::string::npos);
}
