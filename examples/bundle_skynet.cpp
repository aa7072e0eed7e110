// The NAIS talk's Method 1 (bundles) on nais's IP-reuse FPGA model: SkyNet on the IPs of its
// public HLS code (estimated frames per second on an Ultra96), the same IPs without ping-pong
// buffers and behind a 128-bit port, bundles ranked on probe networks with their Pareto set, a
// network grown from SkyNet's bundle for a latency target, and a short co-search of per-block
// bundle choices and IP sizes by gradient (EDD Eq. 1 on the bundle model).
#include <nais/nais.hpp>

#include <cstdio>

using namespace nais;

int main() {
    const net::network sky = net::skynet();
    const net::network_report a = net::analyze(sky);
    const bundle::design hls;  // Pc 32, Pi 16, 42 x 82 per call, II 1 / 2 / 2, 4 images per tile
    const bundle::network_report r = bundle::evaluate(sky, hls);
    std::printf("SkyNet: %.1f M MACs, %.1f k parameters\n", a.macs / 1e6, a.params / 1e3);
    std::printf("  on its HLS IPs (%zu IPs, %lld DSP, %lld BRAM18) at 214 MHz: %.3f ms per image, %.2f FPS "
                "(published, end to end on the board: 25.05 FPS)\n",
                r.ips.size(), (long long)r.used.dsp, (long long)r.used.bram18, r.ms, r.fps);
    bundle::device serial, narrow;
    serial.overlap_loads = false;
    narrow.ddr_bits = 128;
    std::printf("  without ping-pong input buffers: %.2f FPS; behind a 128-bit port: %.2f FPS\n",
                bundle::evaluate(sky, hls, {}, serial).fps, bundle::evaluate(sky, hls, {}, narrow).fps);

    // bundles of up to two layers on SkyNet-like probes, each on its fastest fitting IP design
    std::vector<bundle::bundle_spec> two;
    for (const auto& b : bundle::enumerate_bundles(2))
        two.push_back(b);
    const auto ranked = bundle::evaluate_bundles(two, {}, bundle::capacity_standin);
    std::printf("\nbundles on probe networks (5 repeats, 3 pools, 48 to 512 channels), * = Pareto:\n");
    for (const auto& b : ranked)
        std::printf("  %c %-14s %8.3f ms  cost %.3f  %4lld DSP %4lld BRAM18\n", b.pareto ? '*' : ' ', b.name.c_str(), b.ms,
                    b.accuracy_cost, (long long)b.used.dsp, (long long)b.used.bram18);

    // grow a network from SkyNet's bundle for 20 ms per image
    const bundle::bundle_spec sky_bundle{{bundle::bundle_op::dw3x3, bundle::bundle_op::conv1x1}};
    bundle::growth_options g;
    g.target_ms = 20;
    const bundle::growth_result grown = bundle::grow(sky_bundle, g, bundle::capacity_standin);
    std::printf("\ngrown from dw3x3+pw1x1 for %.0f ms: %s; %ld of %ld networks searched\n  widths", g.target_ms,
                grown.found ? "found" : "none meets it", grown.searched, grown.candidates);
    for (std::size_t k = 0; k < grown.best.widths.size(); ++k)
        std::printf(" %lld%s", (long long)grown.best.widths[k], grown.best.pool_after[k] ? "+pool" : "");
    std::printf("\n  %.3f ms per image, %.1f M MACs, cost %.3f\n", grown.best.report.ms,
                net::analyze(grown.best.network).macs / 1e6, grown.best.accuracy_cost);

    // co-search: each of five blocks picks one of three bundles, with the IP sizes, by gradient
    using bundle::bundle_op;
    const layered_space space = bundle::bundle_space({bundle::bundle_spec{{bundle_op::dw3x3, bundle_op::conv1x1}},
                                                      bundle::bundle_spec{{bundle_op::dw5x5, bundle_op::conv1x1}},
                                                      bundle::bundle_spec{{bundle_op::conv3x3}}});
    bundle::loss<layered_space> l{space};
    l.params().res_ub = bundle::device{}.dsp;
    search::search_options<double> o;
    o.steps = 60;
    search::co_search s(l, o);
    search::standin_accuracy<> proxy(space);
    const auto curve = s.run(proxy);
    const bundle::search_outcome out = s.finish();
    std::printf("\nco-search (60 steps): loss %.3f -> %.3f; derived bundles", curve.front().loss, curve.back().loss);
    for (std::size_t i = 0; i + 1 < out.ops.size(); ++i)
        std::printf(" %s", space.candidate_name(static_cast<int>(i), out.ops[i]).c_str());
    std::printf("\n  exact IP design: Pc %d, Pi %d, tile %dx%d: %.3f ms per image, %lld DSP, %lld BRAM18\n",
                out.exact.best.channels, out.exact.best.inputs, out.exact.best.rows, out.exact.best.cols, out.exact.report.ms,
                (long long)out.exact.report.used.dsp, (long long)out.exact.report.used.bram18);
    return 0;
}
