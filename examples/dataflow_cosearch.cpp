// DANCE (Choi et al., DAC 2021) done exactly (nais/dataflow.hpp): a ProxylessNAS-style CIFAR-10
// backbone co-searched with a PE-array accelerator (PE array X x Y, per-PE register file,
// dataflow WS / OS / RS), the accelerator analysed with Timeloop's conventions and differentiated
// exactly instead of through DANCE's learned evaluator.
//   1. one layer on Eyeriss-like hardware under the three dataflows (template mappings) and the
//      exact mapping search;
//   2. a latency-oriented and an energy-oriented co-search (expected cost over the hardware
//      distribution), each printing the derived network and accelerator, and the exact best
//      accelerator for the derived network;
//   3. the same searches against the optimal-hardware envelope (cost = min over hardware).
// The accuracy term is a STAND-IN (a capacity deficit, not an accuracy model; see below).
#include <nais/dataflow.hpp>
#include <nais/search.hpp>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

using namespace nais;
using namespace nais::dataflow;

namespace {

/// nais's stand-in accuracy term (search/standin.hpp; a placeholder, not an accuracy model):
/// 1 + 2 x the mean over the searchable blocks of the expected capacity deficit
/// 1 - sqrt(W_im / max_m W_im) (concave: a block's first MACs are worth most; the 1 keeps Eq. 1's
/// product Acc x Perf from vanishing at the largest ops).
search::standin_accuracy<double> capacity_standin(const layered_space& s) {
    search::standin_accuracy<double>::weights w;
    w.base = 1;
    w.capacity = 2;
    w.precision = 0;
    w.exponent = 0.5;
    int searchable = 0;
    for (int i = 0; i < s.num_blocks(); ++i)
        searchable += s.role(i) == row_role::searchable;
    for (int i = 0; i < s.num_blocks(); ++i)
        w.rows.push_back(s.role(i) == row_role::searchable ? 1.0 / searchable : 0.0);
    return search::standin_accuracy<double>(s, w);
}

const char* df_name(dataflow_kind k) { return dataflow_names[std::size_t(k)]; }

void one_layer() {
    layer l;
    l.name = "conv 64 -> 128, 28 x 28, 3 x 3";
    l.M = 128, l.C = 64, l.P = l.Q = 28, l.R = l.S = 3;
    layer pw;
    pw.name = "pointwise 32 -> 64, 14 x 14";
    pw.M = 64, pw.C = 32, pw.P = pw.Q = 14;
    std::printf("1. One layer on a 14 x 12 PE array (RF 512 words, buffer 64 Ki words, Eyeriss's normalised energies)\n"
                "   layer                             dataflow  mapping        cycles   util  energy/MAC  accesses/MAC: DRAM  buffer     RF\n");
    const auto show = [](const layer& x, const hardware& h, const char* what, const mapping& m) {
        const architecture a = make_architecture(h);
        const evaluation ev = evaluate(x, a, m);
        double acc[3] = {0, 0, 0};
        for (int i = 0; i < 3; ++i)
            for (const access_counts& c : ev.levels[std::size_t(i)].accesses)
                acc[i] += (c.reads + c.fills + c.updates) / ev.macs;
        std::printf("   %-33s %-8s  %-12s %9.0f  %5.3f  %10.2f  %18.4f %7.3f %6.2f\n", x.name.c_str(), df_name(h.dataflow), what, ev.cycles,
                    ev.utilization, ev.energy / ev.macs, acc[0], acc[1], acc[2]);
    };
    for (dataflow_kind k : {dataflow_kind::weight_stationary, dataflow_kind::output_stationary, dataflow_kind::row_stationary}) {
        hardware h;
        h.dataflow = k;
        show(l, h, "template", template_mapping(l, h));
    }
    for (dataflow_kind k : {dataflow_kind::weight_stationary, dataflow_kind::output_stationary, dataflow_kind::row_stationary}) {
        hardware h;
        h.dataflow = k;
        show(pw, h, "template", template_mapping(pw, h));
        const mapping_choice best = search_mapping(pw, h, objective{objective_kind::edp});
        char what[32];
        std::snprintf(what, sizeof what, "exact EDP%s", best.complete ? "" : "?");
        show(pw, h, what, best.map);
        std::printf("   %33s (the exact search analysed %lld mappings of the %s family; its bound cut %lld partial splits)\n", "",
                    static_cast<long long>(best.analysed), df_name(k), static_cast<long long>(best.bound_cuts));
    }
    std::printf("\n");
}

void co_search(const layered_space& space, objective cost, hardware_mode mode, const char* title) {
    codesign_options o;
    o.cost = cost;
    o.mode = mode;
    codesign_loss<layered_space> l{space, o};
    l.params().res_ub = 2.0;  // mm^2 of area (RES = the expected area)
    l.params().beta = 1;
    l.params().C = 2;
    search::search_options<double> so;
    so.steps = 300;
    so.seed = 7;
    so.learning_rate = {0.1, 0.1, 0.1};
    so.temperature = search::temperature_schedule<double>::exponential(5.0, 0.98, 0.5);
    search::co_search s(l, so);
    auto acc = capacity_standin(space);
    const auto curve = s.run(acc);
    const codesign_outcome out = s.finish();
    std::printf("%s\n   loss %.4f -> %.4f over %zu steps\n   derived network:", title, curve.front().loss, curve.back().loss, curve.size());
    for (int i = 0; i < space.num_blocks(); ++i)
        if (space.role(i) == row_role::searchable)
            std::printf(" %s", space.candidate_name(i, out.ops[std::size_t(i)]).c_str());
    const auto show = [](const char* what, const hardware& h, const std::array<double, 3>& f) {
        std::printf("\n   %-26s PE %2lld x %-2lld RF %3lld %s: %.3f ms, %.1f uJ (normalised), %.3f mm^2", what, static_cast<long long>(h.pe_x),
                    static_cast<long long>(h.pe_y), static_cast<long long>(h.rf_entries), df_name(h.dataflow), f[0], f[1], f[2]);
    };
    if (mode == hardware_mode::expected)
        show("sampled accelerator (argmax)", out.chosen, out.chosen_figures);
    show("exact best accelerator", out.best.best, out.best.figures);
    double macs = 0;
    for (const layer& x : out.layers)
        macs += x.macs();
    std::printf("\n   %zu conv / fc layers, %.1f M MACs\n\n", out.layers.size(), macs * 1e-6);
}

}  // namespace

int main() {
    one_layer();
    const layered_space space(proxyless_cifar10());
    const hardware_space hw;
    std::printf("2. ProxylessNAS-style CIFAR-10 space (%d rows, %d candidates: MBConv k 3/5/7 x e 3/6, skip) x %zu accelerators\n"
                "   (PE X, Y in {8, 12, 16, 24}, RF in {16, 64, 256, 512} words, WS / OS / RS), area budget 2 mm^2\n\n",
                space.num_blocks(), space.num_ops(), hw.size());
    co_search(space, objective{objective_kind::latency}, hardware_mode::expected, "latency-oriented (expected latency over the hardware distribution)");
    co_search(space, objective{objective_kind::energy}, hardware_mode::expected, "energy-oriented (expected energy over the hardware distribution)");
    co_search(space, objective{objective_kind::latency}, hardware_mode::envelope, "3. latency-oriented against the optimal-hardware envelope");
    co_search(space, objective{objective_kind::energy}, hardware_mode::envelope, "   energy-oriented against the optimal-hardware envelope");
    return 0;
}
