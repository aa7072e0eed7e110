// HotNAS's tiled FPGA template: the model against hand-computed tiles, the public figure
// (ResNet-18 at 6.27 ms on HotNAS's design) in compatibility mode, iDetect classes, refusals
// naming the rule, the relaxed form against finite differences and its convergence to the exact
// latency as the temperature falls, and the relaxed ceil's error bounds.
#include <nais/network.hpp>
#include <nais/tiled.hpp>

#include "error_of.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>

using namespace nais;
using nais_test::error_of;

namespace {

tiled::workload conv_layer(std::int64_t M, std::int64_t N, std::int64_t R, int K, int S, int P) {
    tiled::workload w;
    w.name = "c";
    w.M = M;
    w.N = N;
    w.R = w.C = R;
    w.H = w.W = (R - 1) * S + K - 2 * P;
    w.K_h = w.K_w = K;
    w.S_h = w.S_w = S;
    w.P_h = w.P_w = P;
    return w;
}

const tiled::design hotnas_resnet18{70, 36, 64, 64, 7, 18, 6, 6};  // ss_resnet18.py hw_str

}  // namespace

TEST_CASE("one layer by hand, hardware mode") {
    // 3x3 conv, 64 -> 128 channels, 28 x 28 output, stride 1, pad 1 (input 28 x 28)
    const tiled::workload l = conv_layer(128, 64, 28, 3, 1, 1);
    const tiled::design d{32, 16, 14, 7, 3, 4, 8, 2};
    const auto r = tiled::evaluate_layer(l, d);
    // tile 14 x 7 output pixels; receptive field min(13 + 3, 28) = 16 rows, min(6 + 3, 28) = 9 cols
    CHECK(r.t.t_i == doctest::Approx(16.0 * 16 * 9 / 8));
    CHECK(r.t.t_w == doctest::Approx(32.0 * 16 * 9 / 4));
    CHECK(r.t.t_o == doctest::Approx(32.0 * 14 * 7 / 2));
    CHECK(r.t.t_comp == doctest::Approx(9.0 * 14 * 7));
    CHECK(r.t.rounds == 4);                          // ceil(64 / 16)
    CHECK(r.t.tiles == 2 * 4 * 4);                   // ceil(28/14) ceil(28/7) ceil(128/32)
    CHECK(r.t.lat1 == doctest::Approx(1152));        // tW = 1152 > tComp 882 > tI 288
    CHECK(r.t.lat2 == doctest::Approx(4 * 1152));    // 4 rounds > tO 1568
    CHECK(r.t.cycles == doctest::Approx(32 * 4 * 1152));
    CHECK(r.limit == tiled::bottleneck::weight);
    CHECK(r.busy_weight == doctest::Approx(32 * 4 * 1152));
    CHECK(r.busy_output == doctest::Approx(32 * 1568));
}

TEST_CASE("iDetect classes follow the public model's order: O, then I, W, C") {
    const tiled::workload l = conv_layer(64, 64, 14, 3, 1, 1);
    tiled::design d{16, 16, 14, 14, 3, 1, 1, 1};
    // one port word each: transfers dominate; tO = 16 * 196 = 3136 vs 4 rounds x Lat1
    auto r = tiled::evaluate_layer(l, d);
    CHECK(r.limit == tiled::bottleneck::input);  // tI = 16 * 16 * 16 = 4096 > tW 2304, tComp 1764
    d.I_p = 8;
    r = tiled::evaluate_layer(l, d);
    CHECK(r.limit == tiled::bottleneck::weight);  // tW 2304 > tComp 1764 > tI 512
    d.W_p = 8;
    r = tiled::evaluate_layer(l, d);
    CHECK(r.limit == tiled::bottleneck::compute);  // tComp 1764
    d.O_p = 1;
    d.Tn = 64;  // one round: tO 3136 > Lat1 = tComp 1764
    r = tiled::evaluate_layer(l, d);
    CHECK(r.limit == tiled::bottleneck::output);
}

TEST_CASE("compatibility mode reproduces HotNAS's published ResNet-18 latency (6.27 ms)") {
    const auto layers = tiled::workloads(net::resnet18(), {}, tiled::shapes::hotnas_chained);
    CHECK(layers.size() == 20);  // the convs; the public loop skips fc
    const auto r = tiled::evaluate(layers, hotnas_resnet18, {}, {}, tiled::mode::hotnas_compatible);
    CHECK(r.cycles == doctest::Approx(1254656).epsilon(1e-12));
    CHECK(r.ms == doctest::Approx(6.27328).epsilon(1e-9));  // slide: "Resnet 6.27"
    // chained shapes: the downsample conv reads conv2's 28 x 28 output and makes 14 x 14, and the
    // rest of the stage inherits it
    CHECK(layers[7].name == "layer2.0.downsample.0");
    CHECK(layers[7].R == 14);
    CHECK(layers[8].R == 14);  // layer2.1.conv1 (28 x 28 in the network)
    // the public code's classes on this design (its first layers compute-bound, layer4 weight-bound)
    CHECK(r.layers[1].limit == tiled::bottleneck::compute);
    CHECK(r.layers[19].limit == tiled::bottleneck::weight);
    // HotNAS's resource formulas: 2520 DSP; the BRAM its code leaves unchecked exceeds ZCU102's
    CHECK(r.used.dsp == 2520);
    CHECK(r.used.bram == 2 * 36 * 4 + 2 * 70 * 4 + 70 * 36);
    CHECK(r.used.port_bits == 16 * 30);
    CHECK_FALSE(r.feasible);
    CHECK(r.violation.find("bram") != std::string::npos);
    tiled::device lax;
    lax.check_bram = false;
    CHECK(tiled::evaluate(layers, hotnas_resnet18, lax, {}, tiled::mode::hotnas_compatible).feasible);
}

TEST_CASE("true shapes: downsample convs at their real size, fc as a 1 x 1 conv") {
    const auto layers = tiled::workloads(net::resnet18());
    CHECK(layers.size() == 21);
    CHECK(layers[7].name == "layer2.0.downsample.0");
    CHECK(layers[7].R == 28);
    CHECK(layers[7].H == 56);
    CHECK(layers[20].name == "fc");
    CHECK(layers[20].N == 512);
    CHECK(layers[20].M == 1000);
    const auto r = tiled::evaluate(layers, hotnas_resnet18);
    CHECK(r.ms > 6.27328);  // the public shapes and tile arithmetic undercount
}

TEST_CASE("depth-wise convs: hardware reads each channel tile once; the public dconv counts them twice") {
    tiled::workload l = conv_layer(96, 96, 14, 3, 1, 1);
    l.depthwise = true;
    const tiled::design d{32, 8, 14, 14, 3, 8, 8, 8};
    const auto hw = tiled::evaluate_layer(l, d);
    CHECK(hw.t.rounds == 1);
    CHECK(hw.t.tiles == 3);
    CHECK(hw.t.t_comp == doctest::Approx(9 * 196));
    const auto compat = tiled::evaluate_layer(l, d, {}, {}, tiled::mode::hotnas_compatible);
    CHECK(compat.t.rounds == 3);  // ceil(N / Tm): Tn is set to Tm
    CHECK(compat.t.tiles == 3);
    CHECK(compat.t.cycles == doctest::Approx(3 * hw.t.cycles));
}

TEST_CASE("compression: pattern pruning shortens tComp, quantised weights pack more per port word") {
    tiled::workload l = conv_layer(512, 512, 7, 3, 1, 1);
    const tiled::design d{64, 32, 7, 7, 3, 4, 8, 8};
    const auto plain = tiled::evaluate_layer(l, d);
    l.kept = 6;
    CHECK(tiled::evaluate_layer(l, d).t.t_comp == doctest::Approx(plain.t.t_comp * 6 / 9));
    l.kept = 0;
    l.weight_bits = 8;  // floor(4 * 16 / 8) = 8 weights per cycle
    CHECK(tiled::evaluate_layer(l, d).t.t_w == doctest::Approx(plain.t.t_w / 2));
    l.weight_bits = 12;  // floor(4 * 16 / 12) = 5
    CHECK(tiled::evaluate_layer(l, d).t.t_w == doctest::Approx(plain.t.t_w * 4 / 5));
    // channel cuts thin the consumer: layer4.0.conv1 512 -> 480 makes conv2's N 480
    const auto cut = tiled::workloads(net::resnet18(), {{"layer4.0.conv1", {480, 0, 0}}});
    CHECK(cut[15].M == 480);
    CHECK(cut[16].N == 480);
    // a cut that breaks a residual add is refused, naming it
    CHECK(error_of([] { (void)tiled::workloads(net::resnet18(), {{"layer4.0.conv2", {480, 0, 0}}}); })
              .find("add") != std::string::npos);
    CHECK(error_of([] { (void)tiled::workloads(net::resnet18(), {{"nope", {0, 6, 0}}}); }).find("'nope'") != std::string::npos);
}

TEST_CASE("invalid designs are refused naming the rule") {
    const auto layers = tiled::workloads(net::resnet18());
    tiled::design d = hotnas_resnet18;
    d.Tk = 3;
    CHECK(error_of([&] { (void)tiled::evaluate(layers, d); }).find("rule kernel: layer 'conv1' has a 7 x 7 kernel") !=
          std::string::npos);
    d = hotnas_resnet18;
    d.W_p = 21;  // 16 x (21 + 6 + 6) = 528 > 512
    CHECK(error_of([&] { (void)tiled::evaluate(layers, d); }).find("rule ports") != std::string::npos);
    d = hotnas_resnet18;
    d.Tm = 0;
    CHECK(error_of([&] { (void)tiled::evaluate(layers, d); }).find("Tm must be in [1,") != std::string::npos);
    tiled::device dev;
    dev.clock_mhz = 0;
    CHECK(error_of([&] { (void)tiled::evaluate(layers, hotnas_resnet18, dev); }).find("clock_mhz") != std::string::npos);
    CHECK(error_of([&] { (void)tiled::evaluate(layers, hotnas_resnet18, {}, {17, 16}); }).find("bits must be in [1, 16]") !=
          std::string::npos);
}

TEST_CASE("relaxed form: exact gradients (central differences) at random points, both modes") {
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> u(0, 1);
    const tiled::relaxation r{0.05, 0.05};
    for (int m = 0; m < 2; ++m) {
        const auto mode = m ? tiled::mode::hotnas_compatible : tiled::mode::hardware;
        const auto layers =
            tiled::workloads(net::resnet18(), {{"layer3.0.conv2", {0, 6, 8}}}, m ? tiled::shapes::hotnas_chained : tiled::shapes::true_shapes);
        for (int trial = 0; trial < 8; ++trial) {
            tiled::design_vector x;
            x << 8 + 120 * u(rng), 4 + 60 * u(rng), 4 + 80 * u(rng), 4 + 80 * u(rng), 1 + 10 * u(rng), 1 + 10 * u(rng),
                1 + 10 * u(rng);
            const auto g = tiled::relaxed_cycles(layers, x, 7, {}, {}, mode, r);
            const double largest = g.gradient.cwiseAbs().maxCoeff();
            for (int i = 0; i < tiled::design_variables; ++i) {
                const double h = 1e-6 * x(i);
                tiled::design_vector a = x, b = x;
                a(i) += h;
                b(i) -= h;
                const double fd = (tiled::relaxed_cycles(layers, a, 7, {}, {}, mode, r).cycles -
                                   tiled::relaxed_cycles(layers, b, 7, {}, {}, mode, r).cycles) /
                                  (2 * h);
                CHECK(std::abs(g.gradient(i) - fd) <= 1e-4 * std::abs(fd) + 1e-5 * largest);
            }
        }
    }
}

TEST_CASE("relaxed form: tends to the exact latency as the temperature falls") {
    for (int m = 0; m < 2; ++m) {
        const auto mode = m ? tiled::mode::hotnas_compatible : tiled::mode::hardware;
        const auto layers = tiled::workloads(net::resnet18(), {{"layer4.1.conv1", {0, 0, 8}}},
                                             m ? tiled::shapes::hotnas_chained : tiled::shapes::true_shapes);
        for (const tiled::design& d : {hotnas_resnet18, tiled::design{64, 24, 28, 28, 7, 20, 9, 3}}) {
            const double exact = tiled::evaluate(layers, d, {}, {}, mode).cycles;
            // ties between max terms cost up to the p-norm's n^tau (Lat1 over three, Lat2 over two)
            for (double tau : {0.005, 0.001, 0.0002}) {
                const double relaxed = tiled::relaxed_cycles(layers, tiled::to_vector(d), 7, {}, {}, mode, {tau, tau}).cycles;
                CHECK(std::abs(relaxed / exact - 1) <= std::pow(6.0, tau) - 1 + 1e-6);
            }
        }
    }
}

TEST_CASE("relaxed ceil and floor: error bounds") {
    for (double tau : {0.1, 0.02, 0.001}) {
        const tiled::detail::relaxed_ops ops{{tau, tau}};
        const double s = 1 / (2 * std::sqrt(tau));
        for (double x = 0.01; x < 20; x += 0.0137) {
            const double c = ops.ceil(tiled::detail::dual(x)).v;
            CHECK(std::abs(c - std::ceil(x)) <= 1.0);
            const double frac = x - std::floor(x);
            if (x <= 1 || frac >= 2 * s * tau)
                CHECK(std::abs(c - std::ceil(x)) <= std::exp(-s) + 1e-12);
            if (x >= 1) {
                const double f = ops.floor(tiled::detail::dual(x)).v;
                CHECK(std::abs(f - std::floor(x)) <= 1.0);
                if (1 - frac >= 2 * s * tau)
                    CHECK(std::abs(f - std::floor(x)) <= std::exp(-s) + 1e-12);
            }
        }
        // at integers: sigma(-s), less the neighbouring step's e^-(1/tau - s)
        for (double n = 1; n < 10; ++n)
            CHECK(std::abs(ops.ceil(tiled::detail::dual(n)).v - n) <= 1 / (1 + std::exp(s)) + std::exp(s - 1 / tau) + 1e-12);
    }
    // smooth max and min bracket the exact ones within n^tau
    const tiled::detail::relaxed_ops ops{{0.02, 0.02}};
    const double mx = ops.max(tiled::detail::dual(3.0), tiled::detail::dual(5.0)).v;
    CHECK(mx >= 5);
    CHECK(mx <= 5 * std::pow(2.0, 0.02));
    const double mn = ops.min(tiled::detail::dual(3.0), tiled::detail::dual(5.0)).v;
    CHECK(mn <= 3);
    CHECK(mn >= 3 * std::pow(2.0, -0.02));
}

TEST_CASE("relaxed form refuses temperatures and design values out of range") {
    const auto layers = tiled::workloads(net::resnet18());
    tiled::design_vector x = tiled::to_vector(hotnas_resnet18);
    CHECK(error_of([&] { (void)tiled::relaxed_cycles(layers, x, 7, {}, {}, tiled::mode::hardware, {0, 0.1}); })
              .find("temperatures") != std::string::npos);
    x(2) = NAN;
    CHECK(error_of([&] { (void)tiled::relaxed_cycles(layers, x, 7); }).find("variable 2") != std::string::npos);
}
