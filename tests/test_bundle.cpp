// The bundle accelerator (nais/bundle.hpp): IP latencies against the loop bounds of SkyNet's HLS
// code counted by hand, SkyNet's per-layer call counts against its schedule, resources that do not
// grow with depth, bundle enumeration and the Pareto set, network growth against brute force
// (part 1); the relaxed form against the exact model and its gradients against central
// differences, the co-search loss's gradients, a co-search and the refusals (part 2).
#include <nais/bundle.hpp>
#include <nais/network.hpp>
#include <nais/search.hpp>

#include "error_of.hpp"
#include "randomize.hpp"
#include "test_part.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <string>

using namespace nais;
using nais_test::error_of;

#if NAIS_IN_PART(1)
namespace {

/// A network of one conv layer on a `c` x h x w input.
net::network one_layer(net::layer l, std::int64_t c, std::int64_t h, std::int64_t w) {
    net::network n;
    n.name = "one";
    n.input = {c, h, w};
    n.layers = {std::move(l)};
    return n;
}

bundle::design unpacked() {
    bundle::design d;
    d.images_per_side = 1;
    return d;
}

}  // namespace
TEST_CASE("bundle IPs: one call's cycles are SkyNet's loop bounds counted by hand") {
    const bundle::design d = unpacked();  // 32 channels, 42 x 82 computed, 40 x 80 new, one image per tile
    // DW_CONV_3x3: for 3 x 3 taps, for 42 rows, for 82 cols (pipelined, II 1), 32 channels unrolled
    const auto dw = bundle::evaluate(one_layer(net::conv("dw", 32, 3, 1, 1, 32), 32, 40, 80), d);
    REQUIRE(dw.layers.size() == 1);
    CHECK(dw.layers[0].calls == 1);
    CHECK(dw.layers[0].compute == 3 * 3 * 42 * 82);          // 30,996
    CHECK(dw.layers[0].input == 44 * 84);                    // load_buf_from_DDR: 44 x 84 beats of 512 bits
    CHECK(dw.layers[0].weights == 9);                        // load_weight_3x3_from_axi: 3 x 3 beats
    CHECK(dw.layers[0].output == 42 * 82);
    CHECK(dw.layers[0].init == 21 * 82);                     // set_bias_3x3: h = 1..42 step 2, w = 1..82
    CHECK(dw.cycles == 30996 + 9 + 42 * 82 + 21 * 82);       // the load overlaps the compute
    // CONV_1x1: 2 steps of 16 inputs: 16 x 32 weight registers, then 42 x 82 at II 2
    const auto pw = bundle::evaluate(one_layer(net::conv("pw", 32, 1), 32, 40, 80), d);
    CHECK(pw.layers[0].compute == 2 * (16 * 32 + 2 * 42 * 82));  // 14,800
    CHECK(pw.layers[0].weights == 32);                           // load_weight_1x1_from_axi: 32 beats
    CHECK(pw.cycles == 14800 + 32 + 42 * 82 + 21 * 82);
    // Relu_Max_Pooling: 20 x 40 outputs at II 2 streamed to DDR, reading the conv's accumulator
    // (no load), so the conv writes nothing
    net::network cp = one_layer(net::conv("pw", 32, 1), 32, 40, 80);
    cp.layers.push_back(net::pool("pool", net::pool_op::max, 2));
    const auto pool = bundle::evaluate(cp, d);
    CHECK(pool.layers[1].compute == 20 * 40 * 2);
    CHECK(pool.layers[1].input == 0);
    CHECK(pool.layers[1].init == 0);
    CHECK(pool.layers[1].cycles == 1600);
    CHECK(pool.layers[0].output == 0);
    CHECK(pool.layers[0].cycles == 14800 + 32 + 21 * 82);
    // channel groups and tiles multiply calls: 64 -> 96 channels at 80 x 160 = 2 x 2 tiles,
    // ceil(96/32) x ceil(64/32) = 6 calls per tile
    const auto big = bundle::evaluate(one_layer(net::conv("pw", 96, 1), 64, 80, 160), d);
    CHECK(big.layers[0].calls == 4 * 6);
    CHECK(big.cycles == 24 * (14800 + 32) + 4 * 3 * (42 * 82 + 21 * 82));
    // without ping-pong buffers the load adds to the compute
    bundle::device serial;
    serial.overlap_loads = false;
    CHECK(bundle::evaluate(one_layer(net::conv("dw", 32, 3, 1, 1, 32), 32, 40, 80), d, {}, serial).cycles ==
          30996 + 44 * 84 + 9 + 42 * 82 + 21 * 82);
    // a narrower port: ceil(32 x 16 / 128) = 4 beats per pixel group
    bundle::device narrow;
    narrow.ddr_bits = 128;
    CHECK(bundle::evaluate(one_layer(net::conv("dw", 32, 3, 1, 1, 32), 32, 40, 80), d, {}, narrow).layers[0].input ==
          4 * 44 * 84);
}

TEST_CASE("bundle IPs: SkyNet's first bundle against its HLS schedule counted by hand") {
    // net_hls.cc, DW1: for 8 x 8 tiles { set_bias_3x3; DW_CONV_3x3 (the next image chunk loads
    // into the other buffer meanwhile); for 2 output groups { set_bias_1x1; CONV_1x1;
    // Relu_Max_Pooling } }: the dw output stays in FM_buf2, the pw's in FM_buf_acc
    const double hls = 64 * (1722 + 30996 + 2 * (1722 + 14800 + 1600));  // 4,413,568 cycles for 4 images
    const auto r = bundle::evaluate(net::skynet(), bundle::design{});
    double model = 0;
    for (const auto& l : r.layers)
        if (l.name == "dw1.dw" || l.name == "dw1.pw" || l.name == "pool1")
            model += 4 * l.cycles;  // per image -> per batch of 4
    INFO("model ", model, " hand count ", hls);
    CHECK(std::abs(model - hls) / hls < 0.002);  // the weight beats per call (9 and 32) are the difference
}

TEST_CASE("bundle IPs: SkyNet's calls per layer are its HLS schedule's (batch 4 as a 2 x 2 mosaic)") {
    const auto r = bundle::evaluate(net::skynet(), bundle::design{});
    const std::map<std::string, double> calls{{"dw1.dw", 64},  {"dw1.pw", 128}, {"pool1", 128}, {"dw2.dw", 32},
                                              {"dw2.pw", 96},  {"dw3.dw", 12},  {"dw3.pw", 72},  {"dw4.dw", 6},
                                              {"dw4.pw", 72},  {"dw5.dw", 12},  {"dw5.pw", 192}, {"dw6.dw", 40},
                                              {"dw6.pw", 120}, {"out", 3}};
    int seen = 0;
    for (const auto& l : r.layers)
        if (calls.count(l.name)) {
            INFO(l.name);
            CHECK(l.calls == calls.at(l.name));
            ++seen;
        }
    CHECK(seen == int(calls.size()));
    CHECK(r.ips.size() == 3);  // dw3x3, pw1x1, pool2x2
    CHECK(r.used.dsp == 32 + 32 * 16 / 2);
    // BRAM18: 4 FM buffers x 32 banks x 2 (3,696 x 9 bits) + 32 banks x 4 (3,696 x 12 bits) + weights
    // + the m_axi adapter's read and write buffers, 16 x 16 words of 512 bits: 15 blocks of 36 bits each
    CHECK(r.used.bram18 == 4 * 32 * 2 + 32 * 4 + 4 + 2 * 15);
    CHECK(r.feasible);
    CHECK(r.fps > 25.05);  // the accelerator alone; the contest's 25.05 FPS includes the host's work
}

TEST_CASE("bundle IPs: the m_axi adapter's data buffers, closed forms") {
    bundle::design d;
    CHECK(bundle::detail::axi_buffer_bram(d) == 30);  // 2 x ceil(512 / 36) x ceil(256 / 512)
    d.axi_bits = 128;
    CHECK(bundle::detail::axi_buffer_bram(d) == 8);   // 2 x ceil(128 / 36)
    d.axi_bits = 32;
    d.axi_outstanding = 64;
    d.axi_burst = 64;                                 // 4,096 words of 32 bits: 8 blocks of 512 x 36
    CHECK(bundle::detail::axi_buffer_bram(d) == 16);
    d.axi_bits = 9;                                   // 2K x 9 blocks
    CHECK(bundle::detail::axi_buffer_bram(d) == 4);
    d.axi_outstanding = 0;
    CHECK(bundle::detail::axi_buffer_bram(d) == 0);
    // a constant of the design: the same in every network's total, and no gradient in the relaxation
    const auto ips = bundle::ips_of(bundle::workloads(net::skynet()));
    bundle::design with = bundle::design{}, without = bundle::design{};
    without.axi_outstanding = 0;
    CHECK(bundle::resources_of(ips, with).bram18 - bundle::resources_of(ips, without).bram18 == 30);
    bundle::design bad;
    bad.axi_burst = 0;
    CHECK_THROWS_WITH_AS(bundle::evaluate(net::skynet(), bad), doctest::Contains("design.axi_burst"), nais::invalid_argument);
}

TEST_CASE("bundle IPs: resources are summed over IPs, not layers") {
    bundle::probe_options shallow, deep;
    shallow.repeats = 2;
    shallow.pools = 1;
    deep.repeats = 8;
    const bundle::bundle_spec sky{{bundle::bundle_op::dw3x3, bundle::bundle_op::conv1x1}};
    const auto a = bundle::evaluate(bundle::probe_network(sky, shallow), bundle::design{});
    const auto b = bundle::evaluate(bundle::probe_network(sky, deep), bundle::design{});
    CHECK(a.ips == b.ips);
    CHECK(a.used.dsp == b.used.dsp);
    CHECK(a.used.bram18 == b.used.bram18);
    CHECK(a.used.lut == b.used.lut);
    CHECK(b.cycles > a.cycles);
    // a bundle with a conv 3 x 3 adds one IP's multipliers
    const bundle::bundle_spec with_conv{{bundle::bundle_op::conv3x3, bundle::bundle_op::dw3x3, bundle::bundle_op::conv1x1}};
    const auto c = bundle::evaluate(bundle::probe_network(with_conv, deep), bundle::design{});
    CHECK(c.ips.size() == 4);
    CHECK(c.used.dsp == b.used.dsp + 32 * 16 / 2);
}

TEST_CASE("bundle enumeration: the rules and the Pareto set") {
    const auto all = bundle::enumerate_bundles(3);
    // length 1: conv3, pw; length 2: x + mixing, no repeat; length 3: no dw-dw, no repeat, ends mixing
    int counted = 0;
    const bundle::bundle_op ops[] = {bundle::bundle_op::conv3x3, bundle::bundle_op::conv1x1, bundle::bundle_op::dw3x3,
                                     bundle::bundle_op::dw5x5};
    const auto ok = [](const std::vector<bundle::bundle_op>& b) {
        if (bundle::is_depthwise(b.back()))
            return false;
        for (std::size_t i = 1; i < b.size(); ++i)
            if (b[i] == b[i - 1] || (bundle::is_depthwise(b[i]) && bundle::is_depthwise(b[i - 1])))
                return false;
        return true;
    };
    for (auto a : ops) {
        counted += ok({a});
        for (auto b : ops) {
            counted += ok({a, b});
            for (auto c : ops)
                counted += ok({a, b, c});
        }
    }
    CHECK(int(all.size()) == counted);
    for (const auto& b : all)
        CHECK(ok(b.ops));
    bundle::probe_options probe;
    probe.input = {3, 80, 160};
    probe.repeats = 4;
    probe.base_width = 32;
    const auto results = bundle::evaluate_bundles(all, probe, bundle::capacity_standin);
    int pareto = 0;
    for (const auto& r : results) {
        if (!r.feasible)
            continue;
        bool dominated = false;
        for (const auto& o : results)
            if (o.feasible && o.accuracy_cost <= r.accuracy_cost && o.ms <= r.ms && o.resource_share <= r.resource_share &&
                (o.accuracy_cost < r.accuracy_cost || o.ms < r.ms || o.resource_share < r.resource_share))
                dominated = true;
        CHECK(r.pareto == !dominated);
        pareto += r.pareto;
        CHECK(r.resource_share <= 1);
    }
    CHECK(pareto >= 2);
    for (std::size_t i = 1; i < results.size(); ++i)
        if (results[i].feasible)
            CHECK(results[i - 1].ms <= results[i].ms);
}

TEST_CASE("bundle growth: the pruned search finds the brute-force optimum") {
    const bundle::bundle_spec sky{{bundle::bundle_op::dw3x3, bundle::bundle_op::conv1x1}};
    bundle::growth_options o;
    o.repeats = {2, 3};
    o.widths = {16, 32, 64};
    o.pools = 1;
    o.input = {3, 32, 64};
    bundle::design_grid grid;
    grid.channels = {8, 16};
    grid.inputs = {4, 8};
    grid.rows = {10, 18};
    grid.cols = {18, 34};
    bundle::device small;
    small.dsp = 80;
    for (double target : {0.05, 0.2, 0.5, 5.0, 1e-4}) {
        o.target_ms = target;
        const auto g = bundle::grow(sky, o, bundle::capacity_standin, bundle::design{}, {}, small, grid);
        double best = std::numeric_limits<double>::infinity();
        long count = 0;
        bundle::for_each_growth(o, [&](const std::vector<std::int64_t>& widths, const std::vector<bool>& pools) {
            ++count;
            const auto n = bundle::grown(sky, widths, pools, o.input, o.head_channels);
            const auto s = bundle::search_design(bundle::workloads(n), bundle::design{}, {}, small, grid);
            if (s.found && s.report.ms <= target)
                best = std::min(best, bundle::capacity_standin(n));
            return true;
        });
        INFO("target ", target);
        CHECK(g.candidates == count);
        CHECK(g.found == std::isfinite(best));
        if (g.found) {
            CHECK(g.best.accuracy_cost == doctest::Approx(best));
            CHECK(g.best.report.ms <= target);
            CHECK(g.best.report.feasible);
        }
    }
    o.target_ms = 5.0;  // loose: the cheapest network meets it at once
    CHECK(bundle::grow(sky, o, bundle::capacity_standin, bundle::design{}, {}, small, grid).searched == 1);
}

TEST_CASE("bundle: refusals name the layer or the field") {
    net::network grouped = one_layer(net::conv("g", 32, 3, 1, 1, 4), 32, 8, 8);
    CHECK(error_of([&] { bundle::workloads(grouped); }).find("layer 'g': grouped convs") != std::string::npos);
    bundle::design d;
    d.inputs = 64;
    CHECK(error_of([&] { bundle::evaluate(net::skynet(), d); }).find("design.inputs") != std::string::npos);
    bundle::growth_options o;
    CHECK(error_of([&] { bundle::validate(o); }).find("growth.target_ms") != std::string::npos);
    CHECK(error_of([&] { bundle::bundle_layers({{bundle::bundle_op::dw3x3}}, "b", 3, 8, false); }).find("no conv or point-wise") !=
          std::string::npos);
}
#endif
#if NAIS_IN_PART(2)
TEST_CASE("bundle relaxed: tends to the exact cycles as tau falls; its gradient is exact") {
    const auto layers = bundle::workloads(net::skynet());
    const bundle::design d;
    const double exact = bundle::evaluate(layers, d).cycles;
    double previous = std::numeric_limits<double>::infinity();
    for (double tau : {0.05, 0.01, 0.002}) {
        const auto r = bundle::relaxed_cycles(layers, bundle::to_vector(d), d, {}, {}, {tau, tau});
        const double err = std::abs(r.value - exact) / exact;
        INFO("tau ", tau, " relaxed ", r.value, " exact ", exact);
        CHECK(err < previous);
        previous = err;
    }
    CHECK(previous < 0.01);
    // resources: the relaxed DSP is exact; BRAM tends to it
    const auto ips = bundle::ips_of(layers);
    const auto res = bundle::relaxed_resources(ips, bundle::to_vector(d), d, {}, {0.002, 0.002});
    const auto used = bundle::resources_of(ips, d);
    CHECK(res.dsp.value == doctest::Approx(double(used.dsp)));
    CHECK(res.bram18.value == doctest::Approx(double(used.bram18)).epsilon(0.02));
    // forward-mode gradients against central differences at random non-integer sizes
    std::mt19937_64 rng(5);
    std::uniform_real_distribution<double> U(0.2, 0.8);
    for (int trial = 0; trial < 4; ++trial) {
        bundle::design_vector x;
        x << 12 + 40 * U(rng), 3 + 10 * U(rng), 10 + 60 * U(rng), 20 + 100 * U(rng);
        const nais::relaxation tau{0.1, 0.2};
        const auto r = bundle::relaxed_cycles(layers, x, d, {}, {}, tau);
        const auto rr = bundle::relaxed_resources(ips, x, d, {}, tau);
        for (int k = 0; k < bundle::design_variables; ++k) {
            const double h = 1e-5 * x(k);
            bundle::design_vector up = x, down = x;
            up(k) += h;
            down(k) -= h;
            const double fd = (bundle::relaxed_cycles(layers, up, d, {}, {}, tau).value -
                               bundle::relaxed_cycles(layers, down, d, {}, {}, tau).value) / (2 * h);
            INFO("trial ", trial, " variable ", k);
            CHECK(r.gradient(k) == doctest::Approx(fd).epsilon(1e-5).scale(std::abs(r.value) * 1e-9));
            const double fb = (bundle::relaxed_resources(ips, up, d, {}, tau).bram18.value -
                               bundle::relaxed_resources(ips, down, d, {}, tau).bram18.value) / (2 * h);
            CHECK(rr.bram18.gradient(k) == doctest::Approx(fb).epsilon(1e-5).scale(1e-6));
        }
    }
}

namespace {
layered_space small_bundle_space() {
    using bundle::bundle_op;
    bundle::bundle_space_options o;
    o.input = {3, 32, 64};
    o.widths = {16, 32, 64};
    o.pool_after = {true, true, false};
    return bundle::bundle_space({bundle::bundle_spec{{bundle_op::dw3x3, bundle_op::conv1x1}},
                                 bundle::bundle_spec{{bundle_op::conv3x3}},
                                 bundle::bundle_spec{{bundle_op::conv1x1, bundle_op::dw5x5, bundle_op::conv1x1}}},
                                o);
}
}  // namespace

static_assert(device_model<bundle::model<layered_space>>);
static_assert(bundle::loss<layered_space>::has_resources);

TEST_CASE("bundle model: gradients of the composed loss against central differences") {
    bundle::loss<layered_space> l{small_bundle_space()};
    bundle::device dev;
    dev.dsp = 200;
    l.params().res_ub = 200;
    l.params().beta = 0.3;
    l.params().C = 1.001;
    l.params().acc_loss = 1.3;
    l.params().relax = {0.1, 0.2};
    std::mt19937_64 rng(3);
    std::normal_distribution<double> n01;
    const nais_test::tolerance tol{2e-5, 1e-7};
    for (int trial = 0; trial < 4; ++trial) {
        nais_test::randomize(l, rng, 3 + 0.5 * trial);
        l.params().tau = 0.6 + 0.2 * trial;
        l.evaluate();
        CHECK(std::isfinite(l.value()));
        CHECK(l.res() > 0);
        const auto g_theta = l.grad_theta();
        const auto g_design = l.grad_log2_design();
        CHECK(g_design.abs().maxCoeff() > 0);
        CHECK(g_theta.abs().maxCoeff() > 0);
        auto f = [&] { return l.forward(); };
        nais_test::check_gradient("theta", l.theta(), g_theta, f, tol, 1e-5);
        nais_test::check_gradient("log2_design", l.log2_design(), g_design, f, tol, 1e-5);
    }
}

TEST_CASE("bundle model: RES at a one-hot choice is the exact resources of the chosen IPs") {
    const layered_space space = small_bundle_space();
    bundle::loss<layered_space> l{space};
    l.params().res_ub = 360;
    l.params().relax = {0.002, 0.002};
    const bundle::design d;
    for (int k = 0; k < bundle::design_variables; ++k)
        l.log2_design()(k) = std::log2(bundle::to_vector(d)(k));
    for (int op = 0; op < 3; ++op) {
        l.theta().setConstant(-60);
        l.theta().col(op).setConstant(60);  // every block picks bundle `op`
        l.theta_noise().setZero();
        l.params().tau = 1;
        l.evaluate();
        std::vector<bundle::workload> layers;
        for (int i = 0; i < space.num_blocks(); ++i) {
            const int m = space.role(i) == row_role::searchable ? op : space.fixed_column();
            for (const auto& w : l.model().candidate_workloads(i, m))
                layers.push_back(w);
        }
        const auto exact = bundle::evaluate(layers, d);
        const auto all = bundle::resources_of(l.model().space_ips(), d);
        // DSP of the chosen IPs only; BRAM of every IP of the space (the buffers are built for all)
        const double expected = std::max(double(exact.used.dsp) / 360, double(all.bram18) / 432) * 360;
        INFO("op ", op);
        CHECK(l.res() == doctest::Approx(expected).epsilon(0.02));
        CHECK(l.perf_loss() == doctest::Approx(l.params().alpha * exact.ms).epsilon(0.02));
    }
}

TEST_CASE("bundle model: a co-search lowers the loss; finish() searches the derived network's IPs exactly") {
    bundle::loss<layered_space> l{small_bundle_space()};
    l.params().res_ub = 360;
    search::search_options<double> o;
    o.steps = 30;
    o.learning_rate = {0.1, 0.1, 0.05};
    o.temperature = search::temperature_schedule<double>::exponential(5.0, 0.95, 0.5);
    search::co_search s(l, o);
    CHECK(l.log2_design()(bundle::var_channels) == doctest::Approx(5.0));
    search::standin_accuracy<> proxy(small_bundle_space());
    const auto curve = s.run(proxy);
    CHECK(curve.back().loss < curve.front().loss);
    const bundle::search_outcome out = s.finish();
    CHECK(out.exact.found);
    CHECK(out.exact.report.feasible);
    if (out.rounded_report.feasible)
        CHECK(out.exact.report.ms <= out.rounded_report.ms);
}

TEST_CASE("bundle model: refusals name the variable or the setting") {
    bundle::loss<layered_space> l{small_bundle_space()};
    l.params().res_ub = 360;
    l.log2_design().setConstant(3);
    l.log2_design()(2) = 13;
    CHECK(error_of([&] { l.evaluate(); }).find("log2_design(2) = 13 is outside [0, 12]") != std::string::npos);
    l.log2_design()(2) = 3;
    l.params().relax.tau_ceil = 0;
    CHECK(error_of([&] { l.evaluate(); }).find("relax temperatures") != std::string::npos);
    bundle::design_vector x;
    x << 32, 16, 0.5, 80;
    CHECK(error_of([&] { bundle::relaxed_cycles({}, x); }).find("relaxed design variable 2") != std::string::npos);
}
#endif
