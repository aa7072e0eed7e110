// Spaces of real layers (nais::layered_space): candidate ops as layer lists (MBConv with SE and
// residual, conv-bn-act, ResNet basic and bottleneck blocks, the skip op, the user's layers),
// fixed stem and head, per-block lists of different lengths; EDD's skeleton against the default
// space; refusals naming the block and candidate. Part 2: every device model's gradients on such
// a space against central differences, derivation, exact evaluation, re-tuning and sweeps.
#include <nais/nais.hpp>

#include "error_of.hpp"
#include "fd.hpp"
#include "randomize.hpp"
#include "test_part.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>

using namespace nais;
using nais_test::error_of;

namespace {

/// A small space with everything the issue names: a stem, a head, a skip op, per-block lists of
/// different lengths (M = 4, 3 and 2), a ResNet block and the user's own layer list.
layered_space_description small_description() {
    layered_space_description d;
    d.name = "small";
    d.input = {3, 32, 32};
    d.bits = {4, 8, 16};
    d.stem = {net::conv("conv", 8, 3, 1, 1), net::simple("bn", net::layer_kind::bn_act)};
    d.candidates = {net::mbconv_op(3, 3), net::mbconv_op(5, 6, true), net::skip_op(), net::conv_op(3)};
    d.blocks.push_back({8, 1, {}});                                                  // keeps the shape: skip allowed
    d.blocks.push_back({16, 2, {net::mbconv_op(3, 4), net::basic_op(), net::bottleneck_op()}});
    d.blocks.push_back({16, 1, {net::layers_op("mine", {net::conv("pw", 16, 1), net::simple("bn", net::layer_kind::bn_act),
                                                        net::simple("add", net::layer_kind::add, {"bn", "input"})}),
                                net::skip_op()}});
    d.head = {net::global_pool("pool"), net::fc("fc", 10)};
    return d;
}

}  // namespace

#if NAIS_IN_PART(1)

TEST_CASE("candidate ops as layer lists: counts by hand") {
    // MBConv(3, 4) with SE in a block 8 -> 8, stride 1, 10 x 10, residual: mid 32, SE 8/4 = 2 channels
    const auto layers = net::op_layers(net::mbconv_op(3, 4, true, true), "op", 8, 8, 1);
    const auto r = net::analyze(net::network{"t", {8, 10, 10}, layers});
    CHECK(r.layers.back().kind == net::layer_kind::add);
    CHECK(r.params == 8 * 32 + 2 * 32 + 9 * 32 + 2 * 32 + (32 * 2 + 2) + (2 * 32 + 32) + 32 * 8 + 2 * 8);
    CHECK(r.macs == 100 * 8 * 32 + 9 * 100 * 32 + 32 * 2 + 2 * 32 + 100 * 32 * 8);
    // without SE and residual the layers are nais::layer_work's: Eq. 12 work equal
    const auto plain = net::analyze(net::network{"t", {8, 10, 10}, net::op_layers(net::mbconv_op(3, 4), "op", 8, 16, 2)});
    CHECK(plain.work == layer_work(block{8, 16, 10, 10, 2}, mbconv{3, 4}).total());
    // ResNet basic block 8 -> 16, stride 2: two 3 x 3 convs, a 1 x 1 downsample, 4 BNs, add, relu
    const auto basic = net::analyze(net::network{"t", {8, 10, 10}, net::op_layers(net::basic_op(), "b", 8, 16, 2)});
    CHECK(basic.layers.back().out == net::tensor_shape{16, 5, 5});
    CHECK(basic.params == 9 * 8 * 16 + 9 * 16 * 16 + 8 * 16 + 3 * 2 * 16);
    CHECK(basic.macs == 25 * (9 * 8 * 16 + 9 * 16 * 16 + 8 * 16));
    // bottleneck 16 -> 16, stride 1 (width 4): no downsample
    const auto bott = net::analyze(net::network{"t", {16, 6, 6}, net::op_layers(net::bottleneck_op(), "b", 16, 16, 1)});
    CHECK(bott.params == 16 * 4 + 9 * 4 * 4 + 4 * 16 + 2 * (4 + 4 + 16));
    CHECK(bott.macs == 36 * (16 * 4 + 9 * 4 * 4 + 4 * 16));
    CHECK(net::op_layers(net::skip_op(), "s", 8, 8, 1).empty());
    CHECK(error_of([] { net::op_layers(net::bottleneck_op(), "b", 8, 10, 1); }).find("divisible by 4") != std::string::npos);
}

TEST_CASE("a layered space: rows, availability, work, skip and the flat network of a choice") {
    const layered_space s(small_description());
    REQUIRE(s.num_blocks() == 5);  // stem, 3 blocks, head
    REQUIRE(s.num_ops() == 4);
    CHECK(s.role(0) == row_role::stem);
    CHECK(s.role(4) == row_role::head);
    CHECK(s.num_candidates(1) == 4);
    CHECK(s.num_candidates(2) == 3);
    CHECK(s.num_candidates(3) == 2);
    CHECK((s.available(0, 0) && !s.available(0, 1)));  // fixed rows: one cell, at fixed_column 0
    CHECK((s.available(2, 2) && !s.available(2, 3)));
    CHECK((s.available(3, 1) && !s.runs_on_hardware(3, 1)));  // the skip op
    CHECK(s.work(1, 2) == 0);
    CHECK(s.row_output(2) == net::tensor_shape{16, 16, 16});
    CHECK(s.output() == net::tensor_shape{10, 1, 1});
    // stem work: conv 27 * 8 * 1024 + bn 8 * 1024 (Eq. 12)
    CHECK(s.work(0, 0) == 27 * 8 * 1024 + 8 * 1024);
    CHECK(s.work(1, 0) == s.candidate_report(1, 0).work);
    CHECK(s.candidate_name(2, 1) == "basic_k3");
    // the network of a choice is the concatenation, with "input" renamed to the layer before
    const net::network n = s.instantiate({0, 2, 1, 0, 0});
    const auto r = net::analyze(n);
    std::int64_t macs = 0;
    for (int i = 0; i < s.num_blocks(); ++i)
        macs += s.candidate_report(i, i == 1 ? 2 : i == 2 ? 1 : 0).macs;
    CHECK(r.macs == macs);
    CHECK(r.layers.back().out == net::tensor_shape{10, 1, 1});
    CHECK(error_of([&] { s.instantiate({0, 0, 3, 0, 0}); }).find("row 2 (blocks.1) has no candidate 3") != std::string::npos);
    // a fixed network is a space with one row
    const auto fixed = layered_space::fixed_network(net::resnet18(), {8, 16});
    CHECK(fixed.num_blocks() == 1);
    CHECK(fixed.num_ops() == 1);
    CHECK(fixed.candidate_report(0, 0).params == 11689512);
}

TEST_CASE("layered spaces refuse what cannot be built, naming the block and candidate") {
    auto d = small_description();
    d.blocks[1].candidates.push_back(net::skip_op());
    CHECK(error_of([&] { layered_space s(d); }).find("block 1: candidate 'skip' (the identity) cannot replace a block that "
                                                     "changes 8 x 32 x 32 into 16 x 16 x 16") != std::string::npos);
    d = small_description();
    d.blocks[2].candidates[0].layers[0].out = 12;
    CHECK(error_of([&] { layered_space s(d); }).find("adds") != std::string::npos);
    d = small_description();
    d.blocks[2].candidates[0].layers.pop_back();
    d.blocks[2].candidates[0].layers[0].out = 12;
    CHECK(error_of([&] { layered_space s(d); }).find("candidate 'skip' (the identity) cannot replace") != std::string::npos);
    d = small_description();
    d.fixed_column = 4;
    CHECK(error_of([&] { layered_space s(d); }).find("fixed_column 4 is outside [0, 4)") != std::string::npos);
    d = small_description();
    d.blocks[0].candidates = {net::mbconv_op(3, 3), net::mbconv_op(3, 3)};
    CHECK(error_of([&] { layered_space s(d); }).find("two candidates named 'mbconv_k3_e3'") != std::string::npos);
    d = small_description();
    d.bits = {8, 8};
    CHECK(error_of([&] { layered_space s(d); }).find("duplicate bit-width 8") != std::string::npos);
}

TEST_CASE("EDD's skeleton: its searchable rows are the default space, stem and head around them") {
    const layered_space s(edd_skeleton());
    const proxyless_space p{};
    REQUIRE(s.num_blocks() == 22);
    REQUIRE(s.num_ops() == 9);
    for (int i = 0; i < 20; ++i)
        for (int m = 0; m < 9; ++m)
            CHECK(s.work(i + 1, m) == p.work(i, m));
    // fixed rows by hand: stem conv 3 -> 32 at 112 x 112, then MBConv(3, 1) 32 -> 16
    const std::int64_t hw = 112 * 112;
    CHECK(s.work(0, 0) == 27 * 32 * hw + 32 * hw + 9 * 32 * hw + 32 * hw + 32 * 16 * hw + 16 * hw);
    CHECK(s.row_output(21) == net::tensor_shape{1000, 1, 1});
    CHECK(s.candidate_report(21, 0).layers.back().params == 1280 * 1000 + 1000);
}

#endif

using nais_test::randomize;

#if NAIS_IN_PART(2)

namespace {

/// evaluate()'s gradients of theta and every group against central differences of forward();
/// cells the space lacks get probability 0 and gradient 0.
template <class Loss>
void check_all_gradients(Loss& l, const layered_space& s) {
    l.evaluate();
    const typename Loss::theta_type g_theta = l.grad_theta();
    for (int i = 0; i < s.num_blocks(); ++i)
        for (int m = 0; m < s.num_ops(); ++m)
            if (!s.available(i, m)) {
                CHECK(l.arch_probabilities()(i, m) == 0.0);
                CHECK(g_theta(i, m) == 0.0);
            }
    CHECK(g_theta.abs().maxCoeff() > 0);
    const auto f = [&] { return l.forward(); };
    nais_test::check_gradient("dL/dtheta", l.theta(), g_theta, f, nais_test::double_fd);
    l.for_each_group([&](auto g, auto& x, auto& grad) {
        const auto copy = grad.eval();
        nais_test::check_gradient(std::string("dL/d") + decltype(g)::tag::name, x, copy, f, nais_test::double_fd);
    });
}

gpu::signature_table synthetic_gpu_table(const layered_space& s) {
    gpu::signature_table t;
    for (const std::string& sig : gpu::required_signatures(s))
        for (int q = 0; q < s.num_bits(); ++q)
            t.add(sig, s.bit_width(q), 0.01 * double(sig.size()) * s.bit_width(q) / 8.0, "test");
    return t;
}

}  // namespace

TEST_CASE("every device model's gradients on a space with a stem, a head, skip ops and per-block lists") {
    const layered_space s(small_description());
    std::mt19937_64 rng(11);
    SUBCASE("FPGA, recursive") {
        fpga::recursive_loss<layered_space> l(s);
        l.params().res_ub = 300;
        l.params().C = 1.001;
        randomize(l, rng, 4.0);
        check_all_gradients(l, s);
    }
    SUBCASE("FPGA, pipelined") {
        fpga::pipelined_loss<layered_space> l(s);
        l.params().res_ub = 300;
        l.params().C = 1.001;
        l.params().lse_smoothness = 2e4;
        randomize(l, rng, 4.0);
        check_all_gradients(l, s);
    }
    SUBCASE("Loom, per op type") {
        loom::loss<layered_space> l(s);
        randomize(l, rng, 0.0);
        check_all_gradients(l, s);
    }
    SUBCASE("GPU, table keyed by layer shapes") {
        gpu::loss<layered_space> l(s, gpu::latency_table_for(s, synthetic_gpu_table(s)));
        randomize(l, rng, 0.0);
        check_all_gradients(l, s);
    }
}

TEST_CASE("skip ops cost nothing: zero latency, no IP, no DSPs, on every device") {
    const layered_space s(small_description());
    // all probability on the skip ops where there is one (rows 1 and 3)
    fpga::pipelined_loss<layered_space> f(s);
    f.params().res_ub = 1e9;
    f.theta().setZero();
    f.theta()(1, 2) = 50;
    f.theta()(3, 1) = 50;
    f.pf().setConstant(3);
    f.phi().setZero();
    f.phi().col(1).setConstant(50);  // 8 bits everywhere: Psi = 1/2
    f.params().hard = true;
    f.forward();
    CHECK(f.perf_blocks()(1) == 0.0);
    CHECK(f.perf_blocks()(3) == 0.0);
    // exactly: RES counts the IPs of rows 0, 2 and 4 only (one each, 2^3 at Psi(bits))
    const auto d = f.derive();
    CHECK(d.op == std::vector<int>{0, 2, 0, 1, 0});
    const auto rep = fpga::evaluate(f.costs(), d, fpga::board{1e9, 200});
    CHECK(rep.ips_used == 3);
    CHECK(rep.blocks[1].dsp == 0.0);
    CHECK(rep.blocks[1].latency_cycles == 0.0);
    CHECK(f.res() == doctest::Approx(rep.dsp));
    // a derived op is never a cell the space lacks, however large its theta
    f.theta()(2, 3) = 1e3;
    CHECK(f.derive().op[2] != 3);
    loom::loss<layered_space> l(s);
    l.theta().setZero();
    l.theta()(1, 2) = 50;
    l.params().hard = true;
    l.forward();
    CHECK(l.model().latency_blocks()(1) == 0.0);
    const auto table = gpu::latency_table_for(s, synthetic_gpu_table(s));
    CHECK(table.at(1, 2, 0) == 0.0);
    CHECK(table.at(0, 1, 0) == 0.0);  // a cell the stem lacks
    gpu::signature_table partial;
    CHECK(error_of([&] { gpu::latency_table_for(s, partial, "t.csv"); }).find("entries the space needs are missing") !=
          std::string::npos);
}

#endif

#if NAIS_IN_PART(3)

TEST_CASE("re-tuning and exact sweeps on a layered space agree with brute force") {
    const layered_space s(small_description());
    fpga::recursive_loss<layered_space> l(s);
    const fpga::cost_table& c = l.costs();
    const fpga::pf_range range{0, 3};
    // brute force over every design: ops offered per block, bits per IP, pf per IP
    sweep::design_space<fpga::recursive> space(c, range);
    CHECK(space.radix(0) == 1);  // the stem
    CHECK(space.radix(1) == 4);
    CHECK(space.radix(2) == 3);
    CHECK(space.radix(3) == 2);
    CHECK(space.count() == 1ull * 4 * 3 * 2 * 1 * 12 * 12 * 12 * 12);
    sweep::evaluator<fpga::recursive> ev(space);
    std::vector<int> digits;
    std::uint64_t checked = 0;
    for (std::uint64_t k = 0; k < space.count(); k += 37) {
        space.digits_of(k, digits);
        ev.set(digits);
        const auto d = space.design_of(digits);
        const auto rep = fpga::evaluate(c, d, fpga::board{1e9, 200});
        CHECK(double(ev.dsp()) * sweep::resource_unit == doctest::Approx(rep.dsp));
        CHECK(double(ev.latency()) * sweep::latency_unit == doctest::Approx(rep.latency_cycles).epsilon(1e-9));
        CHECK(space.digits_of(d) == digits);
        ++checked;
    }
    CHECK(checked > 1000);
    // re-tuning: its optimum is the best over every pf assignment of the design's IPs
    fpga::design<fpga::recursive> d;
    d.op = {0, 2, 1, 1, 0};
    d.bits = {1, 1, 2, 0};
    d.pf = {0, 0, 0, 0};
    const double budget = 12;
    const auto t = fpga::retune(c, d, budget, range);
    REQUIRE(t.feasible);
    double best = 1e300;
    for (int a = 0; a <= 3; ++a)
        for (int b = 0; b <= 3; ++b)
            for (int e = 0; e <= 3; ++e)
                for (int g = 0; g <= 3; ++g) {
                    auto x = d;
                    x.pf = {a, b, e, g};
                    const auto r = fpga::evaluate(c, x, fpga::board{budget, 200});
                    if (r.budget_met)
                        best = std::min(best, r.latency_cycles);
                }
    CHECK(t.objective == doctest::Approx(best));
}

TEST_CASE("co-search on spaces of layers: the driver's gradient with the proxy, and a whole search of EDD's skeleton") {
    const layered_space s(small_description());
    fpga::recursive_loss<layered_space> loss(s);
    loss.params().res_ub = 200;
    search::search_options<double> o;
    o.learning_rate = {0, 0, 0};
    o.temperature = search::temperature_schedule<double>::constant(0.8);
    search::co_search driver(loss, o);
    std::mt19937_64 rng(5);
    randomize(loss, rng, 3.0);
    search::standin_accuracy<> proxy(s);
    driver.step(proxy);  // draws noise; learning rates 0: nothing moves
    search::accuracy_gradient<double> scratch;
    const auto f = [&] {
        loss.params().acc_loss = proxy.evaluate(fpga::recursive::sharing{}, loss.theta(), loss.phi(), scratch);
        return loss.forward();
    };
    for (int i = 0; i < s.num_blocks(); ++i)
        for (int m = 0; m < s.num_ops(); ++m)
            if (!s.available(i, m))
                CHECK(driver.grad_theta()(i, m) == 0.0);
    nais_test::check_gradient("dL/dtheta", loss.theta(), driver.grad_theta(), f, nais_test::double_fd);
    nais_test::check_gradient("dL/dphi", loss.phi(), driver.gradient(fpga::phi_tag{}), f, nais_test::double_fd);
    nais_test::check_gradient("dL/dpf", loss.pf(), driver.gradient(fpga::pf_tag{}), f, nais_test::double_fd);

    // a whole search of EDD's skeleton (stem and head on IP 0) under a ZCU102 budget
    const layered_space edd(edd_skeleton());
    fpga::recursive_loss<layered_space> l2(edd);
    l2.params().res_ub = 2520;
    search::search_options<double> o2;
    o2.steps = 200;
    o2.learning_rate = {0.1, 0.1, 0.1};
    o2.temperature = search::temperature_schedule<double>::exponential(5.0, 0.98, 0.5);
    search::co_search run(l2, o2);
    search::standin_accuracy<> proxy2(edd);
    run.run(proxy2);
    const auto out = run.finish(200.0);
    CHECK(out.searched.op.front() == 0);  // the stem's only candidate
    CHECK(out.searched.op.back() == 0);   // the head's
    REQUIRE(out.retuned.feasible);
    CHECK(out.retuned_report.budget_met);
    CHECK(out.retuned_report.latency_cycles <= out.searched_report.latency_cycles * (1 + 1e-12));
    MESSAGE("EDD skeleton, recursive, 200 steps: " << out.retuned_report.latency_ms << " ms at 200 MHz, "
                                                   << out.retuned_report.dsp << " DSPs");
}

#endif
