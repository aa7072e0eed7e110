// HotNAS on ResNet-18 (Jiang et al., CODES+ISSS 2020) with nais's exact tools: the latency of
// HotNAS's published design (hwstr "70, 36, 64, 64, 7, 18, 6, 6", ZCU102 at 200 MHz) as the public
// model computes it and as the hardware runs it, the exact best design, and a hot start that
// compresses the network by each layer's bottleneck to meet a latency target.
#include <nais/network.hpp>
#include <nais/tiled.hpp>

#include <chrono>
#include <cstdio>

int main() {
    using namespace nais;
    const net::network resnet18 = net::resnet18();
    const tiled::design published{70, 36, 64, 64, 7, 18, 6, 6};

    const auto chained = tiled::workloads(resnet18, {}, tiled::shapes::hotnas_chained);
    const auto compat = tiled::evaluate(chained, published, {}, {}, tiled::mode::hotnas_compatible);
    const auto layers = tiled::workloads(resnet18);
    const auto hardware = tiled::evaluate(layers, published);
    std::printf("HotNAS's design, public model:  %.3f ms (the paper: 6.27 ms)\n", compat.ms);
    std::printf("HotNAS's design, true shapes:   %.3f ms, %lld DSP, %lld BRAM (%s)\n", hardware.ms,
                static_cast<long long>(hardware.used.dsp), static_cast<long long>(hardware.used.bram),
                hardware.feasible ? "fits" : hardware.violation.c_str());

    const auto t0 = std::chrono::steady_clock::now();
    const auto best = tiled::search_design(layers);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("exact best design: Tm %d Tn %d Tr %d Tc %d Tk %d W_p %d I_p %d O_p %d: %.3f ms, %lld DSP, %lld BRAM\n",
                best.best.Tm, best.best.Tn, best.best.Tr, best.best.Tc, best.best.Tk, best.best.W_p, best.best.I_p,
                best.best.O_p, best.ms, static_cast<long long>(best.used.dsp), static_cast<long long>(best.used.bram));
    std::printf("  searched %.3g designs in %.3f s\n", best.designs_in_space, seconds);

    tiled::hot_start_options options;
    options.target_ms = 8;
    const auto hot = tiled::hot_start(resnet18, options);
    std::printf("hot start, target %.1f ms: %s, %.3f ms at accuracy cost %.3f (stand-in), %d rounds\n", options.target_ms,
                hot.met ? "met" : "not met", hot.final_ms, hot.accuracy_cost, hot.rounds);
    std::printf("  design Tm %d Tn %d Tr %d Tc %d W_p %d I_p %d O_p %d; compression saves %.3f ms, the design %.3f ms\n",
                hot.final_design.Tm, hot.final_design.Tn, hot.final_design.Tr, hot.final_design.Tc, hot.final_design.W_p,
                hot.final_design.I_p, hot.final_design.O_p, hot.saved_by_compression_ms, hot.saved_by_design_ms);
    std::printf("  %-24s %5s  %-9s %-18s %9s %9s\n", "layer", "class", "technique", "setting", "ms before", "ms after");
    for (const auto& l : hot.layers) {
        char setting[64] = "";
        if (l.applied.technique == "channel")
            std::snprintf(setting, sizeof setting, "%lld channels", static_cast<long long>(l.applied.c.out_channels));
        else if (l.applied.technique == "pattern")
            std::snprintf(setting, sizeof setting, "%d weights/kernel", l.applied.c.kept);
        else if (l.applied.technique == "quantize")
            std::snprintf(setting, sizeof setting, "%d-bit weights", l.applied.c.weight_bits);
        std::printf("  %-24s %5s  %-9s %-18s %9.3f %9.3f\n", l.name.c_str(), tiled::bottleneck_letter(l.initial_class),
                    l.applied.technique.c_str(), setting, l.ms_before, l.ms_after);
    }

    // the same target with a cost that is not additive over layers (interacting_standin:
    // compressing neighbouring units compounds): the knapsack cannot take it; nais's co-search
    // driver over the compression logits and the design can, followed by exact repair and refinement
    tiled::gradient_hot_start_options goptions;
    goptions.target_ms = options.target_ms;
    const tiled::interacting_standin interacting;
    const auto t1 = std::chrono::steady_clock::now();
    const auto grad = tiled::hot_start_gradient(resnet18, goptions, {}, {}, interacting);
    const double gseconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    std::printf("gradient hot start, interacting cost, target %.1f ms: %s, %.3f ms at cost %.4f in %.2f s\n",
                goptions.target_ms, grad.met ? "met" : "not met", grad.final_ms, grad.accuracy_cost, gseconds);
    const tiled::compression_space space(resnet18, best.best);
    std::printf("  the knapsack's plan (additive cost) under the interacting cost: %.4f\n", interacting.of_plan(space, hot.plan));
    std::printf("  %ld steps; derived plan %.3f ms at cost %.4f; %d repairs, %d refinements (from the %s)\n", grad.steps,
                grad.derived_ms, grad.derived_cost, grad.repairs, grad.refinements,
                grad.from_derivation ? "derived plan" : "greedy start");
    return hot.met && grad.met ? 0 : 1;
}
