// Multi-modal multi-task models on a heterogeneous platform (nais/h2h.hpp):
//   1. H2H's mapper, step by step, on the three-stream example of its public code, on one
//      accelerator and on three different ones, with the exact search's best plan and bound;
//   2. the differentiable co-design (Hao & Chen, AICAS 2021): which op each block runs, which
//      device runs it and how large each device is, searched by gradient; the derived mapping
//      evaluated by the exact scheduler, against H2H's mapper on the same network.
#include <nais/h2h.hpp>
#include <nais/search.hpp>

#include <cstdio>
#include <string>
#include <vector>

using namespace nais;

namespace {

std::vector<h2h::accelerator> three_accelerators() {
    h2h::accelerator a0, a1, a2;
    a0.name = "acc0";
    a1.name = "acc1", a1.throughput_gops = 80, a1.Tm = 32, a1.Tn = 16, a1.power_w = 20, a1.link_gbps = 8;
    a2.name = "acc2", a2.throughput_gops = 40, a2.link_gbps = 20, a2.power_w = 10, a2.Tr = a2.Tc = 7, a2.Tr_in = a2.Tc_in = 9;
    return {a0, a1, a2};
}

void mapper_steps(const h2h::workload& w, const std::vector<h2h::accelerator>& platform, const char* title) {
    const h2h::cost_table t = h2h::make_cost_table(w, platform);
    const h2h::mapping_result r = h2h::map(w, t);
    std::printf("%s\n  step                              makespan ms  energy J  moved MB\n", title);
    static const char* names[] = {"", "1 computation-prioritised", "2 + weight locality (knapsack)", "3 + activation locality",
                                  "4 + comm.-aware remapping"};
    for (const h2h::step_result& s : r.steps)
        std::printf("  %-33s %11.3f %9.4f %9.2f\n", names[s.step], s.timing.makespan * 1e3, s.timing.energy, s.timing.bytes_moved / 1e6);
    h2h::exact_options eo;
    eo.incumbent = r.last().mapping;
    eo.node_limit = 1'000'000;
    const h2h::exact_result e = h2h::exact_map(w, t, eo);
    std::printf("  exact search (%lld nodes): best %.3f ms, %s; lower bound %.3f ms\n\n", static_cast<long long>(e.nodes), e.makespan * 1e3,
                e.proven ? "proven optimal" : "not proven", e.lower_bound * 1e3);
}

/// Two modalities (vision: 3 blocks, audio: 2 blocks) fused into one task head.
runtime_space two_modalities() {
    return runtime_space({{3, 16, 32, 32, 2}, {16, 24, 16, 16, 2}, {24, 32, 8, 8, 1}, {1, 16, 16, 16, 1}, {16, 32, 8, 8, 2}, {32, 32, 8, 8, 1}},
                         {{3, 1}, {5, 3}, {3, 6}, {7, 6}}, {16});
}
const h2h::stream_layout layout{{"vision", "audio", "head"}, {3, 2, 1}, {{2, 5}, {4, 5}}};

std::vector<h2h::accelerator> edge_platform() {
    h2h::accelerator big, small, near;
    big.name = "big", big.throughput_gops = 120, big.power_w = 20, big.link_gbps = 8;
    small.name = "small", small.throughput_gops = 25, small.power_w = 4, small.link_gbps = 16, small.Tm = 16, small.Tn = 8;
    near.name = "near_sensor", near.throughput_gops = 10, near.power_w = 1.5, near.link_gbps = 40, near.Tm = 8, near.Tn = 4;
    return {big, small, near};
}

void co_design(double energy_weight, const char* title) {
    const runtime_space space = two_modalities();
    const auto platform = edge_platform();
    h2h::codesign_loss<runtime_space> l{space, layout, platform};
    l.params().res_ub = 30;  // watts
    l.params().beta = 1e-3;  // a steep wall at the budget: C^(RES - RES_ub) doubles per watt over it
    l.params().C = 2;
    l.params().energy_weight = energy_weight;
    search::search_options<double> o;
    o.steps = 200;
    o.learning_rate = {0.2, 0.2, 0.05};
    o.temperature = search::temperature_schedule<double>::exponential(5.0, 0.97, 0.3);
    search::co_search s(l, o);
    auto acc = h2h::per_task_standin(space, layout);
    const auto curve = s.run(acc);
    const h2h::codesign_outcome out = s.finish();
    std::printf("%s: loss %.4f -> %.4f over %zu steps\n  block  stream  op (kernel, expand)  device\n", title, curve.front().loss,
                curve.back().loss, curve.size());
    for (int i = 0; i < space.num_blocks(); ++i) {
        const mbconv op = space.op_at(out.ops[std::size_t(i)]);
        std::printf("  %5d  %-6s  MBConv(%d, %d)         %s\n", i, layout.names[std::size_t(l.model().stream_of_block(i))].c_str(), op.kernel,
                    op.expand, platform[std::size_t(out.devices[std::size_t(i)])].name.c_str());
    }
    std::printf("  scales:");
    for (std::size_t d = 0; d < platform.size(); ++d)
        std::printf(" %s x%g", platform[d].name.c_str(), out.scales[d]);
    std::printf("\n  derived: %zu layers; its mapping, list-scheduled: %.3f ms, %.4f J;"
                " H2H's mapper on it: %.3f ms, %.4f J\n\n",
                out.derived.size(), out.timing.makespan * 1e3, out.timing.energy, out.h2h.last().timing.makespan * 1e3,
                out.h2h.last().timing.energy);
}

}  // namespace

int main() {
    const h2h::workload w(h2h::three_stream_example());
    h2h::accelerator one;
    one.name = "cnn_acc_1";
    mapper_steps(w, {one}, "H2H's three-stream example (44 layers) on cnn_acc_1 alone:");
    mapper_steps(w, three_accelerators(), "The same on three accelerators:");
    co_design(0.0, "Co-design, latency-oriented");
    co_design(20.0, "Co-design, energy-weighted (20 per J)");
}
