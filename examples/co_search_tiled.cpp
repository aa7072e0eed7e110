// EDD's co-search (Sec. 5) on HotNAS's tiled FPGA template: the architecture (theta over the
// ProxylessNAS space's MBConv candidates) and the template's design (Tm, Tn, Tr, Tc and the
// three ports, as log2 values) descend one loss, Eq. 1, whose Perf is the relaxed latency in ms
// and whose RES is the binding resource of ZCU102 (DSP, BRAM, ports). finish() rounds the
// searched design, evaluates it exactly, and runs the exact design search on the derived network.
// The accuracy term is nais's documented STAND-IN (standin_accuracy), not a supernet.
#include <nais/nais.hpp>

#include <chrono>
#include <cstdio>

int main() {
    using space = nais::proxyless_space;
    nais::tiled::loss<space> loss{space{}};
    loss.params().res_ub = nais::tiled::device{}.dsp;  // every resource at its limit
    nais::search::search_options<double> o;
    o.steps = 150;
    o.learning_rate = {0.1, 0.1, 0.2};
    o.temperature = nais::search::temperature_schedule<double>::exponential(5.0, 0.98, 0.5);
    nais::search::co_search search(loss, o);
    nais::search::standin_accuracy<> accuracy(space{});
    const auto t0 = std::chrono::steady_clock::now();
    const auto curve = search.run(accuracy);
    const auto t1 = std::chrono::steady_clock::now();
    const nais::tiled::search_outcome out = search.finish();
    const auto t2 = std::chrono::steady_clock::now();
    const auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    const auto show = [](const char* what, const nais::tiled::design& d, double latency_ms, const nais::tiled::resources& r) {
        std::printf("%-22s Tm %d Tn %d Tr %d Tc %d Tk %d W_p %d I_p %d O_p %d: %.3f ms, %lld DSP, %lld BRAM, %lld port bits\n",
                    what, d.Tm, d.Tn, d.Tr, d.Tc, d.Tk, d.W_p, d.I_p, d.O_p, latency_ms, static_cast<long long>(r.dsp),
                    static_cast<long long>(r.bram), static_cast<long long>(r.port_bits));
    };
    std::printf("tiled co-search, ProxylessNAS space on ZCU102: L %.4f -> %.4f in %ld steps (%.1f ms)\n", curve.front().loss,
                curve.back().loss, o.steps, ms(t0, t1));
    std::printf("derived ops:");
    for (int op : out.ops)
        std::printf(" %d", op);
    std::printf(" (%zu template layers)\n", out.layers.size());
    show("searched, rounded:", out.rounded, out.rounded_report.ms, out.rounded_report.used);
    if (!out.rounded_report.feasible)
        std::printf("  (over the device: %s)\n", out.rounded_report.violation.c_str());
    if (out.exact.found)
        show("exact re-tuning:", out.exact.best, out.exact.ms, out.exact.used);
    std::printf("finish (exact design search) took %.0f ms\n", ms(t1, t2));
}
