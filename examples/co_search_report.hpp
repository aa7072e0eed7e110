// Shared by the co-search examples: runs a complete EDD co-search (Sec. 5) on the default
// 20-block space and prints the loss curve, the derived network and its re-tuned design.
#pragma once
#include <nais/nais.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <type_traits>
#include <vector>

namespace example {

using space = nais::proxyless_space;  // N = 20 MBConv blocks, M = 9 ops (k 3/5/7 x e 4/5/6), bits {4, 8, 16}

/// The search settings both examples use.
inline nais::search::search_options<double> settings() {
    nais::search::search_options<double> o;
    o.steps = 400;
    o.seed = 2020;
    o.learning_rate = {0.1, 0.1, 0.1};  // Adam for theta, phi and pf
    o.temperature = nais::search::temperature_schedule<double>::exponential(5.0, 0.99, 0.5);
    return o;  // pf bounds from the budget (fpga::budget_pf_range); alpha normalised at the start
}

inline void print_curve(const std::vector<nais::search::step_record<double>>& curve) {
    std::printf("loss curve (L = Acc * Perf_loss + penalty; Perf_loss = 1 at the start):\n");
    std::printf("  %6s %7s %10s %9s %10s %9s %11s\n", "step", "tau", "L", "Acc", "Perf_loss", "RES", "penalty");
    const std::size_t n = curve.size();
    for (std::size_t k : {std::size_t{0}, n / 10, n / 4, n / 2, 3 * n / 4, n - 1}) {
        const auto& r = curve[k];
        std::printf("  %6ld %7.3f %10.4f %9.4f %10.4f %9.1f %11.3g\n", r.step, r.tau, r.loss, r.acc_loss, r.perf_loss,
                    r.res, r.penalty);
    }
    const auto best = std::min_element(curve.begin(), curve.end(), [](auto& a, auto& b) { return a.loss < b.loss; });
    std::printf("  lowest L = %.4f at step %ld\n", best->loss, best->step);
}

template <class Arch>
void print_design(const char* title, const nais::fpga::design_report& r, const std::vector<int>& searched_pf) {
    const space s;
    std::printf("%s\n", title);
    std::printf("  %5s %-17s %-8s %4s %9s %14s %8s\n", "block", "cin->cout @h, s", "op (k,e)", "bits", "pf",
                "latency cyc", "DSPs");
    for (const auto& b : r.blocks) {
        const nais::block blk = s.block_at(b.block);
        const nais::mbconv op = s.op_at(b.op);
        char shape[32], opname[16], pf[16];
        std::snprintf(shape, sizeof shape, "%d->%d @%d, s%d", blk.cin, blk.cout, blk.h, blk.stride);
        std::snprintf(opname, sizeof opname, "(%d,%d)", op.kernel, op.expand);
        if (searched_pf.empty())
            std::snprintf(pf, sizeof pf, "%d", b.pf);
        else
            std::snprintf(pf, sizeof pf, "%d (%d)", b.pf, searched_pf[static_cast<std::size_t>(b.group)]);
        std::printf("  %5d %-17s %-8s %4d %9s %14.0f %8.1f%s\n", b.block, shape, opname, b.bits, pf, b.latency_cycles,
                    b.dsp, b.block == r.bottleneck ? "  <- bottleneck" : "");
    }
    std::printf("  latency %.0f cycles = %.3f ms; %.1f frames/s; %.1f of %.0f DSPs (%s); %d IPs%s\n", r.latency_cycles,
                r.latency_ms, r.frames_per_second, r.dsp, r.dsp_budget, r.budget_met ? "met" : "NOT met", r.ips_used,
                std::is_same_v<Arch, nais::fpga::recursive> ? " (DSPs per block are its shared IP's)" : "");
}

/// Runs the search with the stand-in accuracy term and prints everything.
template <class Arch>
int run(const char* title, const nais::fpga::board& board) {
    nais::fpga::loss<space, double, Arch> loss{space{}};  // Eq. 1 for this architecture
    loss.params().res_ub = board.dsp_budget;
    nais::search::co_search search(loss, settings());

    // STAND-IN for the supernet's validation loss: rewards capacity and precision only; it is
    // not an accuracy model. A real search passes a callable that runs the supernet on the
    // validation set with ctx.arch_probabilities / quant_probabilities and returns Acc_loss
    // with d Acc_loss / d theta and d Acc_loss / d phi (see nais/search/co_search.hpp).
    nais::search::standin_accuracy<> stand_in_accuracy(space{});
    long weight_steps = 0;
    auto train_weights = [&](const nais::search::step_context<decltype(loss)>&) {
        ++weight_steps;  // a real search updates the supernet weights on the training set here
    };

    std::printf("== %s ==\n", title);
    std::printf("Acc_loss: STAND-IN capacity/precision proxy, not an accuracy model (replace with your supernet)\n");
    const auto t0 = std::chrono::steady_clock::now();
    const auto curve = search.run(stand_in_accuracy, train_weights);
    const auto t1 = std::chrono::steady_clock::now();
    const auto out = search.finish(board.clock_mhz);
    const auto t2 = std::chrono::steady_clock::now();
    const double search_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
    const double finish_ms = std::chrono::duration<double, std::milli>(t2 - t1).count();
    std::printf("%ld steps (%ld weight steps) in %.1f ms (%.1f us/step); derivation + exact evaluation + re-tuning "
                "%.3f ms; pf bounds [%g, %g]\n",
                search.steps_done(), weight_steps, search_ms, 1e3 * search_ms / static_cast<double>(curve.size()),
                finish_ms, search.bounds(nais::fpga::pf_tag{}).min, search.bounds(nais::fpga::pf_tag{}).max);
    print_curve(curve);
    print_design<Arch>("derived network, searched pf rounded:", out.searched_report, {});
    if (!out.retuned.feasible) {
        std::printf("re-tuning: %s\n", out.retuned.reason.c_str());
        return 1;
    }
    print_design<Arch>("derived network, re-tuned pf (optimal under the budget; searched pf in brackets):",
                       out.retuned_report, out.searched.pf);
    std::printf("\n");
    return 0;
}

}  // namespace example
