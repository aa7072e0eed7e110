// The dataflow (DANCE) accelerator model, nais/dataflow.hpp: access counts against hand
// derivations (Timeloop's documented conv1d example; weight-, output- and row-stationary small
// layers), against a step-by-step reference of Timeloop's delta rules on random mappings,
// energy / cycles / bandwidth closed forms, the templates' validity, the exact mapping search
// against brute force, the exact best accelerator against enumeration, and the refusals.
#include <array>
#include <nais/dataflow.hpp>

#include "dataflow_random.hpp"
#include "dataflow_reference.hpp"
#include "error_of.hpp"
#include "sanitized.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

using namespace nais::dataflow;
using nais_test::error_of;

namespace {

void check_counts(const evaluation& ev, int level, operand o, double reads, double fills, double updates) {
    CAPTURE(level);
    CAPTURE(operand_names[std::size_t(o)]);
    const access_counts& c = ev.levels[std::size_t(level)].accesses[std::size_t(o)];
    CHECK(c.reads == reads);
    CHECK(c.fills == fills);
    CHECK(c.updates == updates);
}

architecture three_levels(std::int64_t x, std::int64_t y) {
    architecture a;
    a.levels.push_back({"DRAM", 0, 1, 0, 16, 200, 200, 0, 0, 0});
    a.levels.push_back({"GlobalBuffer", 4096, 1, 0, 16, 6, 6, 0, 0, 2});
    a.levels.push_back({"RegisterFile", 64, x * y, x, 16, 1, 1, 0, 0, 0});
    return a;
}

}  // namespace

TEST_CASE("dataflow: Timeloop's documented conv1d example (C-partitioned weight-stationary), counts derived by hand") {
    // timeloop.csail.mit.edu/v4/output-formats/stats: P 16, R 3, C 32, K 32, 8-bit words;
    // MainMemory: P1 | GlobalBuffer: C2 K32 R3, C16 spatial-X | RegisterFile (16): P16.
    layer l;
    l.M = 32, l.C = 32, l.P = 16, l.R = 3;
    l.bits = {8, 8, 8};
    architecture a;
    a.levels.push_back({"MainMemory", 0, 1, 0, 8, 100, 100, 0, 0, 0});
    a.levels.push_back({"GlobalBuffer", 65536, 1, 0, 8, 10, 12, 0, 0, 0});
    a.levels.push_back({"RegisterFile", 256, 16, 16, 8, 1, 2, 0, 0, 0});
    a.mac.energy = 0.56;
    mapping m;
    m.levels.resize(3);
    m.levels[0].temporal = {{dim::P, 1}};
    m.levels[1].temporal = {{dim::C, 2}, {dim::M, 32}, {dim::R, 3}};
    m.levels[1].spatial = {{dim::C, 16, false}};
    m.levels[2].temporal = {{dim::P, 16}};
    const evaluation ev = evaluate(l, a, m);
    // the tiles Timeloop prints: MainMemory and GlobalBuffer [Weights 3072 Inputs 576 Outputs 512], RF [1 16 16]
    CHECK(ev.levels[1].tile == std::array<std::int64_t, 3>{3072, 576, 512});
    CHECK(ev.levels[2].tile == std::array<std::int64_t, 3>{1, 16, 16});
    CHECK(ev.compute_cycles == 3072);  // 2 * 32 * 3 * 16, as the documentation computes it
    CHECK(ev.cycles == 3072);
    CHECK(ev.macs == 49152);  // P R C K
    CHECK(ev.utilization == 1);
    CHECK(ev.mac_energy == doctest::Approx(27525.12));  // 0.56 pJ x 49152
    // RF, per instance x 16: weights read every MAC, a new weight on each of the 2 * 32 * 3 steps
    check_counts(ev, 2, operand::weights, 49152, 3072, 0);
    // inputs: 16 at the first R step of each K, then a 1-wide slab for R = 1, 2: 2 * 32 * 18 per PE
    check_counts(ev, 2, operand::inputs, 49152, 2 * 32 * 18 * 16, 0);
    // outputs: updated every MAC, 512 distinct per PE (K x P): reads 3072 - 512, fills 64 * 16 - 512
    check_counts(ev, 2, operand::outputs, 16 * (3072 - 512), 16 * (64 * 16 - 512), 16 * 3072);
    // buffer: each weight read once; inputs once per K (C is spread, so no multicast): 576 x 32;
    // outputs reduced over the 16 PEs: 64 tiles of 16
    check_counts(ev, 1, operand::weights, 3072, 3072, 0);
    check_counts(ev, 1, operand::inputs, 18432, 576, 0);
    check_counts(ev, 1, operand::outputs, 1024 - 512, 0, 1024);
    check_counts(ev, 0, operand::weights, 3072, 0, 0);
    check_counts(ev, 0, operand::inputs, 576, 0, 0);
    check_counts(ev, 0, operand::outputs, 0, 0, 512);
    // energy: every count x its level's energy (8-bit operands in 8-bit words) + MACs
    double e = ev.mac_energy;
    const double re[] = {100, 10, 1}, we[] = {100, 12, 2};
    for (int i = 0; i < 3; ++i)
        for (int o = 0; o < 3; ++o) {
            const access_counts& c = ev.levels[std::size_t(i)].accesses[std::size_t(o)];
            e += c.reads * re[i] + (c.fills + c.updates) * we[i];
        }
    CHECK(ev.energy == doctest::Approx(e).epsilon(1e-12));
}

TEST_CASE("dataflow: weight stationary on a small 1-D conv, counts derived by hand") {
    // M 4, C 2, P 4, R 3: one weight row (m, c) per PE of a 4 x 2 array (M over X, C over Y); the
    // RF keeps weights only, sweeping R3 then P4 (weights stationary across P)
    layer l;
    l.M = 4, l.C = 2, l.P = 4, l.R = 3;
    const architecture a = three_levels(4, 2);
    mapping m;
    m.levels.resize(3);
    m.levels[1].spatial = {{dim::M, 4, false}, {dim::C, 2, true}};
    m.levels[2].temporal = {{dim::R, 3}, {dim::P, 4}};
    m.levels[2].keep = {true, false, false};
    const evaluation ev = evaluate(l, a, m);
    CHECK(ev.cycles == 12);
    CHECK(ev.utilized_macs == 8);
    check_counts(ev, 2, operand::weights, 8 * 12, 8 * 3, 0);  // 3 taps per PE, each MAC reads its weight
    check_counts(ev, 1, operand::weights, 24, 24, 0);          // every weight read once
    check_counts(ev, 0, operand::weights, 24, 0, 0);
    // inputs bypass the RF: per cycle 2 distinct (c) for 8 MACs (multicast along M); 2 x 6 inputs
    check_counts(ev, 2, operand::inputs, 0, 0, 0);
    check_counts(ev, 1, operand::inputs, 12 * 2, 12, 0);
    check_counts(ev, 0, operand::inputs, 12, 0, 0);
    // outputs bypass the RF: 4 distinct per cycle (reduced over C), 16 outputs
    check_counts(ev, 1, operand::outputs, 48 - 16, 0, 48);
    check_counts(ev, 0, operand::outputs, 0, 0, 16);
}

TEST_CASE("dataflow: output stationary on a small conv, counts derived by hand") {
    // M 2, C 2, P 4, Q 2, R 3: an output pixel per PE (Q over X, P over Y, a 2 x 4 array); the RF
    // keeps outputs only and sweeps M2 C2 R3 (the reduction innermost)
    layer l;
    l.M = 2, l.C = 2, l.P = 4, l.Q = 2, l.R = 3;
    const architecture a = three_levels(2, 4);
    mapping m;
    m.levels.resize(3);
    m.levels[1].spatial = {{dim::Q, 2, false}, {dim::P, 4, true}};
    m.levels[2].temporal = {{dim::M, 2}, {dim::C, 2}, {dim::R, 3}};
    m.levels[2].keep = {false, false, true};
    const evaluation ev = evaluate(l, a, m);
    CHECK(ev.cycles == 12);
    check_counts(ev, 2, operand::outputs, 8 * (12 - 2), 0, 8 * 12);  // 2 outputs per PE, accumulated in place
    check_counts(ev, 1, operand::outputs, 0, 0, 16);
    check_counts(ev, 0, operand::outputs, 0, 0, 16);
    check_counts(ev, 1, operand::weights, 12, 12, 0);  // one weight per cycle, multicast to all 8 PEs
    check_counts(ev, 1, operand::inputs, 12 * 8, 24, 0);  // 8 distinct inputs per cycle; 2 x 6 x 2 inputs
    check_counts(ev, 0, operand::inputs, 24, 0, 0);
}

TEST_CASE("dataflow: row stationary (Eyeriss's 1-D row primitive), counts derived by hand") {
    // a 3 x 3 conv, output 3 x 4: filter row r on PE row r (Y), output row p on PE column p (X);
    // each PE keeps a filter row (S 3), an input row (Q 4 + S 3 - 1 = 6) and an output row (4)
    layer l;
    l.P = 3, l.Q = 4, l.R = 3, l.S = 3;
    const architecture a = three_levels(3, 3);
    mapping m;
    m.levels.resize(3);
    m.levels[1].spatial = {{dim::R, 3, true}, {dim::P, 3, false}};
    m.levels[2].temporal = {{dim::Q, 4}, {dim::S, 3}};
    const evaluation ev = evaluate(l, a, m);
    CHECK(ev.cycles == 12);
    CHECK(ev.levels[2].tile == std::array<std::int64_t, 3>{3, 6, 4});
    check_counts(ev, 2, operand::weights, 9 * 12, 9 * 3, 0);
    check_counts(ev, 1, operand::weights, 9, 9, 0);  // each filter row multicast along its PE row
    check_counts(ev, 2, operand::inputs, 9 * 12, 9 * 6, 0);
    check_counts(ev, 1, operand::inputs, 30, 30, 0);  // input row p + r shared along the diagonals: 5 rows of 6
    check_counts(ev, 2, operand::outputs, 9 * (12 - 4), 0, 9 * 12);
    check_counts(ev, 1, operand::outputs, 0, 0, 12);  // partial sums reduced down each PE column
    check_counts(ev, 0, operand::outputs, 0, 0, 12);
}

namespace {

/// Every level's reads, fills and updates of `ev` equal the step-by-step reference's.
void require_reference_counts(const layer& l, const architecture& a, const mapping& m, const evaluation& ev) {
    const auto ref = dataflow_reference::counts(l, a, m);
    for (int i = 0; i < 3; ++i)
        for (int o = 0; o < 3; ++o) {
            CAPTURE(i);
            CAPTURE(o);
            const access_counts& x = ev.levels[std::size_t(i)].accesses[std::size_t(o)];
            const access_counts& y = ref[std::size_t(i)][std::size_t(o)];
            REQUIRE(x.reads == y.reads);
            REQUIRE(x.fills == y.fills);
            REQUIRE(x.updates == y.updates);
        }
}

}  // namespace

TEST_CASE("dataflow: the analysis equals a step-by-step reference of Timeloop's delta rules on random mappings") {
    std::mt19937 rng(11);
    int spatial = 0, bypass = 0, strided = 0;
    const int trials = nais_test::cases(400);
    for (int trial = 0; trial < trials; ++trial) {
        CAPTURE(trial);
        const layer l = dataflow_random::small_layer(rng);
        const architecture a = dataflow_random::small_arch(4, 4, 2);
        const mapping m = dataflow_random::random_mapping(l, rng);
        spatial += !m.levels[1].spatial.empty();
        bypass += !m.levels[2].keep[0] || !m.levels[2].keep[1] || !m.levels[2].keep[2];
        strided += l.stride_h > 1 || l.stride_w > 1;
        require_reference_counts(l, a, m, evaluate(l, a, m));
    }
    CHECK(spatial > trials / 2);  // the cases exercise multicast, bypass and sliding windows
    CHECK(bypass > trials / 2);
    CHECK(strided > trials / 4);
}

TEST_CASE("dataflow: Timeloop's 2024 conventions (equal deltas multicast, a zero translation as a stride) equal the step-by-step reference") {
    std::mt19937 rng(29);
    std::array<int, 3> differs{};
    const int trials = nais_test::cases(600, 2);
    for (int trial = 0; trial < trials; ++trial) {
        CAPTURE(trial);
        const layer l = dataflow_random::small_layer(rng);
        architecture a = dataflow_random::small_arch(4, 4, 2);
        const mapping m = dataflow_random::random_mapping(l, rng);
        const int rules = trial % 3;  // each convention alone, then both
        if (rules != 1)
            a.multicast = multicast_rule::equal_deltas;
        if (rules != 0)
            a.stationary = stationary_rule::reset_stride;
        const evaluation ev = evaluate(l, a, m);
        const evaluation plain = evaluate(l, dataflow_random::small_arch(4, 4, 2), m);
        require_reference_counts(l, a, m, ev);
        for (int i = 0; i < 3; ++i)
            for (int o = 0; o < 3; ++o) {
                const access_counts& x = ev.levels[std::size_t(i)].accesses[std::size_t(o)];
                const access_counts& z = plain.levels[std::size_t(i)].accesses[std::size_t(o)];
                differs[std::size_t(rules)] += x.reads != z.reads || x.fills != z.fills;
            }
    }
    MESSAGE("counts the conventions change: multicast ", differs[0], ", stationary ", differs[1], ", both ", differs[2]);
    CHECK(differs[0] > 0);  // each convention changes counts on these cases, so the comparison can fail
    CHECK(differs[1] > 0);
    CHECK(differs[2] > 0);
}

TEST_CASE("dataflow: Timeloop's eyeriss_like tutorial design, its reference counts (a two-stage fan-out through a pass-through level)") {
    // Accelergy-Project/timeloop-accelergy-exercises, example_designs/eyeriss_like/ref_outputs
    // (also examples/dataflow/timeloop_tutorial/, compared whole by nais-fidelity)
    layer l;
    l.M = 32, l.C = 3, l.P = 112, l.Q = 112, l.R = 3, l.S = 3, l.stride_h = 2, l.stride_w = 2;
    l.bits = {8, 8, 8};
    architecture a;
    a.levels = {{"DRAM", 0, 1, 0, 8},           {"shared_glb", 131072, 1, 0, 8},    {"inter_PE_column", 0, 14, 14, 16},
                {"ifmap_spad", 24, 168, 14, 8}, {"weights_spad", 384, 168, 14, 8}, {"psum_spad", 16, 168, 14, 16}};
    mapping m;
    m.levels.resize(6);
    using enum dim;
    m.levels[0].temporal = {{P, 8}, {Q, 2}, {M, 4}};
    m.levels[1].temporal = {{P, 14}, {Q, 4}};
    m.levels[1].spatial = {{Q, 14, false}};
    m.levels[1].keep = {false, true, true};
    m.levels[2].spatial = {{C, 3, true}, {S, 3, true}};
    m.levels[2].keep = {false, false, false};
    m.levels[3].keep = {false, true, false};
    m.levels[4].temporal = {{R, 3}};
    m.levels[4].keep = {true, false, false};
    m.levels[5].temporal = {{M, 8}};
    m.levels[5].keep = {false, false, true};
    const auto inputs = [&](const architecture& arch, int level) { return evaluate(l, arch, m).levels[std::size_t(level)].accesses[1]; };
    // nais's defaults: overlapping windows of sibling PEs share reads; the halo of the DRAM tiles is reused
    CHECK(inputs(a, 0).reads == 156600);
    CHECK(inputs(a, 1).reads == 935424);
    a.multicast = multicast_rule::equal_deltas;
    a.stationary = stationary_rule::reset_stride;
    CHECK(inputs(a, 0).reads == 157296);  // Timeloop: every DRAM tile whole (each move follows a stationary M step)
    CHECK(inputs(a, 1).reads == 1354752);  // Timeloop: no two PE columns' deltas are equal
    CHECK(inputs(a, 3).fills == 1354752);
    CHECK(evaluate(l, a, m).cycles == 86016);
}

TEST_CASE("dataflow: cycles stretch where a level's bandwidth is short (Timeloop's slowdown)") {
    layer l;
    l.M = 4, l.C = 2, l.P = 4, l.R = 3;
    architecture a = three_levels(4, 2);
    mapping m;
    m.levels.resize(3);
    m.levels[1].spatial = {{dim::M, 4, false}, {dim::C, 2, true}};
    m.levels[2].temporal = {{dim::R, 3}, {dim::P, 4}};
    m.levels[2].keep = {true, false, false};
    // the buffer moves weights 24 + 24, inputs 24 + 12, outputs 32 + 48 = 164 words -> 41 cycles at 4 per cycle
    a.levels[1].bandwidth = 4;
    const evaluation ev = evaluate(l, a, m);
    CHECK(ev.compute_cycles == 12);
    CHECK(ev.levels[1].cycles == 41);
    CHECK(ev.cycles == 41);
    CHECK(ev.utilization == doctest::Approx(96.0 / (41 * 8)));
    a.levels[1].bandwidth = 100;
    CHECK(evaluate(l, a, m).cycles == 12);
}

TEST_CASE("dataflow: precision scales access energy and capacity") {
    layer l;
    l.M = 4, l.C = 2, l.P = 4, l.R = 3;
    architecture a = three_levels(4, 2);
    mapping m;
    m.levels.resize(3);
    m.levels[1].spatial = {{dim::M, 4, false}, {dim::C, 2, true}};
    m.levels[2].temporal = {{dim::R, 3}, {dim::P, 4}};
    const evaluation full = evaluate(l, a, m);
    l.bits = {8, 8, 8};
    const evaluation half = evaluate(l, a, m);
    CHECK(half.energy - half.mac_energy == doctest::Approx((full.energy - full.mac_energy) / 2));
    CHECK(half.levels[2].used_bits == full.levels[2].used_bits / 2);
    a.levels[2].entries = 7;  // RF tiles: 3 weights + 6 inputs (P 4 + R 3 - 1) + 4 outputs = 13 words of 8 bits: 6.5 of 16
    CHECK_NOTHROW(evaluate(l, a, m));
    a.levels[2].entries = 6;
    CHECK(error_of([&] { evaluate(l, a, m); }).find("overflows level 'RegisterFile'") != std::string::npos);
}

TEST_CASE("dataflow: refusals name the mistake") {
    layer l;
    l.M = 4, l.C = 2, l.P = 4, l.R = 3;
    const architecture a = three_levels(4, 2);
    mapping m;
    m.levels.resize(3);
    m.levels[1].spatial = {{dim::M, 4, false}, {dim::C, 2, true}};
    m.levels[2].temporal = {{dim::R, 3}, {dim::P, 4}};
    CHECK_NOTHROW(evaluate(l, a, m));
    mapping short_p = m;
    short_p.levels[2].temporal[1].factor = 2;
    CHECK(error_of([&] { evaluate(l, a, short_p); }).find("factors of P multiply to 2, the layer has 4") != std::string::npos);
    mapping wide = m;
    wide.levels[1].spatial[1] = {dim::C, 2, false};
    CHECK(error_of([&] { evaluate(l, a, wide); }).find("spatial fan-out 8 x 1 exceeds the hardware's 4 x 2") != std::string::npos);
    mapping no_dram = m;
    no_dram.levels[0].keep[1] = false;
    CHECK(error_of([&] { evaluate(l, a, no_dram); }).find("must keep Inputs") != std::string::npos);
    layer bad = l;
    bad.groups = 3;
    CHECK(error_of([&] { evaluate(bad, a, m); }).find("groups = 3") != std::string::npos);
    architecture odd = a;
    odd.levels[2].mesh_x = 3;
    CHECK(error_of([&] { evaluate(l, odd, m); }).find("mesh_x = 3 must divide instances = 8") != std::string::npos);
}

TEST_CASE("dataflow: the templates build valid mappings across the hardware space") {
    std::mt19937 rng(3);
    const hardware_space s;
    int checked = 0;
    for (int trial = 0; trial < 60; ++trial) {
        layer l;
        const int pick = trial % 3;
        l.M = 8 << (trial % 4), l.C = pick == 1 ? l.M : 16, l.P = l.Q = 32 >> (trial % 4), l.R = l.S = 1 + 2 * (trial % 3);
        l.groups = pick == 1 ? int(l.C) : 1;  // depth-wise
        l.stride_h = l.stride_w = 1 + (trial % 2);
        for (std::size_t h = 0; h < s.size(); h += 7) {
            const hardware hw = s.at(h);
            const mapping m = template_mapping(l, hw);
            const evaluation ev = evaluate(l, make_architecture(hw), m);  // validates and checks capacity
            CHECK(ev.macs == l.macs());
            CHECK(ev.utilization <= 1);
            ++checked;
        }
    }
    CHECK(checked > 1500);
}

namespace {
bool same_mapping(const mapping& x, const mapping& y) {
    if (x.levels.size() != y.levels.size())
        return false;
    for (std::size_t i = 0; i < x.levels.size(); ++i) {
        const level_mapping &a = x.levels[i], &b = y.levels[i];
        if (a.temporal.size() != b.temporal.size() || a.spatial.size() != b.spatial.size() || a.keep != b.keep)
            return false;
        for (std::size_t k = 0; k < a.temporal.size(); ++k)
            if (a.temporal[k].d != b.temporal[k].d || a.temporal[k].factor != b.temporal[k].factor)
                return false;
        for (std::size_t k = 0; k < a.spatial.size(); ++k)
            if (a.spatial[k].d != b.spatial[k].d || a.spatial[k].factor != b.spatial[k].factor || a.spatial[k].y != b.spatial[k].y)
                return false;
    }
    return true;
}

/// Every split of every dimension into the family's slots, without pruning, filtered by the
/// constraints; the minimum objective.
double brute_force(const layer& l, const hardware& h, const objective& obj, std::int64_t& feasible, double& floor_slack) {
    const architecture a = make_architecture(h);
    const dataflow_family f = family_of(h.dataflow);
    const nais::dataflow::detail::figure_floor floor(l, a, f);
    const extents b = l.bounds();
    std::array<std::vector<std::vector<std::int64_t>>, num_dims> splits;
    for (int d = 0; d < num_dims; ++d) {
        std::vector<std::int64_t> cur;
        const auto sl = nais::dataflow::detail::slots_of(f, dim(d));
        nais::dataflow::detail::ordered_factorizations(b[std::size_t(d)], sl.count(), cur, splits[std::size_t(d)]);
    }
    double best = std::numeric_limits<double>::infinity();
    std::array<std::size_t, num_dims> k{};
    feasible = 0;
    while (true) {
        nais::dataflow::detail::factor_plan p;
        for (int d = 0; d < num_dims; ++d) {
            const auto& s = splits[std::size_t(d)][k[std::size_t(d)]];
            const auto sl = nais::dataflow::detail::slots_of(f, dim(d));
            std::size_t q = 0;
            p.dram[std::size_t(d)] = s[q++];
            p.buffer[std::size_t(d)] = s[q++];
            if (sl.y && s[q++] > 1)
                p.spatial.push_back({dim(d), s[q - 1], true});
            if (sl.x && s[q++] > 1)
                p.spatial.push_back({dim(d), s[q - 1], false});
            p.rf[std::size_t(d)] = sl.rf ? s[q++] : 1;
        }
        const mapping m = nais::dataflow::detail::build(f, p);
        try {
            const evaluation ev = evaluate(l, a, m);
            ++feasible;
            const auto x = figures(ev, a);
            best = std::min(best, obj(x[0], x[1], x[2]));
            // the branch and bound's floor at this mapping's temporal product bounds each figure
            const auto lo = floor.at(ev.compute_cycles);
            CHECK(lo[0] <= x[0]);
            CHECK(lo[1] <= x[1] * (1 + 1e-12));
            CHECK(lo[2] == x[2]);
            floor_slack = std::min(floor_slack, x[1] / lo[1]);
        } catch (const nais::invalid_argument&) {
        }
        int d = 0;
        while (d < num_dims && ++k[std::size_t(d)] == splits[std::size_t(d)].size())
            k[std::size_t(d++)] = 0;
        if (d == num_dims)
            break;
    }
    return best;
}
}  // namespace

TEST_CASE("dataflow: the exact mapping search equals brute force over the family") {
    const objective objectives[] = {{objective_kind::edp}, {objective_kind::energy}, {objective_kind::latency}};
    int cases = 0;
    for (int df = 0; df < 3; ++df)
        for (int c = 0; c < 3; ++c) {
            layer l;
            l.M = c == 0 ? 4 : 2, l.C = c == 1 ? 4 : 2, l.P = 4, l.Q = c == 2 ? 4 : 2, l.R = 3, l.S = c == 2 ? 1 : 3;
            l.stride_h = c == 1 ? 2 : 1;
            hardware h;
            h.pe_x = 2 + c, h.pe_y = 4, h.rf_entries = 24 + 8 * c, h.buffer_entries = 160, h.dataflow = dataflow_kind(df);
            h.dram_bandwidth = 2;
            const objective& obj = objectives[c];
            CAPTURE(df);
            CAPTURE(c);
            std::int64_t feasible = 0;
            double floor_slack = std::numeric_limits<double>::infinity();
            const double bf = brute_force(l, h, obj, feasible, floor_slack);
            CHECK(floor_slack >= 1);
            const mapping_choice s = search_mapping(l, h, obj, eyeriss_normalized, {}, 2'000'000, false);
            CHECK(s.complete);
            CHECK(s.analysed == feasible);  // pruning loses no feasible mapping and analyses no infeasible one
            CHECK(s.cost == bf);
            const mapping_choice bb = search_mapping(l, h, obj);  // branch and bound: the same mapping, fewer analyses
            CHECK(bb.complete);
            CHECK(same_mapping(bb.map, s.map));
            CHECK(bb.analysed <= s.analysed);  // the energy floor is loose: energy searches may cut nothing
            const auto tf = figures(evaluate(l, make_architecture(h), template_mapping(l, h)), make_architecture(h));
            CHECK(s.cost <= obj(tf[0], tf[1], tf[2]));  // the template is one member of the family
            ++cases;
        }
    CHECK(cases == 9);
}

TEST_CASE("dataflow: the branch-and-bound mapping search returns the exhaustive search's mapping") {
    // more layers (depth-wise, strided, 3 x 3, 1 x 1, batch 2), precisions that differ by operand,
    // bandwidth-throttled DRAM, Horowitz's energies; a linear objective with a negative lambda is
    // not bounded
    std::mt19937 rng(20261204);
    // (energy and area searches are compared with brute force above; the floor cuts little there)
    const objective objectives[] = {{objective_kind::latency}, {objective_kind::edp}, {objective_kind::edap}, {objective_kind::linear, 2, 50, 0.5}};
    std::int64_t full = 0, bounded = 0;
    for (int c = 0; c < 6; ++c) {
        layer l;
        l.M = 4, l.C = 2, l.P = 4, l.Q = 2, l.R = l.S = 3;
        if (c == 1)
            l.M = l.C = l.groups = 4;
        if (c == 2)
            l.R = l.S = 1, l.M = 8;
        if (c == 3)
            l.stride_h = l.stride_w = 2, l.Q = 3;
        if (c == 4)
            l.bits = {8, 4, 16};
        if (c == 5)
            l.N = 2, l.C = 1;
        hardware h;
        h.pe_x = std::uniform_int_distribution<int>(2, 8)(rng), h.pe_y = std::uniform_int_distribution<int>(2, 8)(rng);
        h.rf_entries = std::uniform_int_distribution<int>(16, 64)(rng), h.buffer_entries = 1024;
        h.dram_bandwidth = c % 2 == 0 ? 1.0 : 16.0;
        for (int df : {c % 3, (c + 1) % 3}) {
            h.dataflow = dataflow_kind(df);
            const objective& obj = objectives[std::size_t(c + df) % 4];
            CAPTURE(c);
            CAPTURE(df);
            CAPTURE(int(obj.kind));
            const mapping_choice s = search_mapping(l, h, obj, horowitz_45nm, {}, 2'000'000, false);
            const mapping_choice bb = search_mapping(l, h, obj, horowitz_45nm);
            REQUIRE(s.complete);
            CHECK(bb.complete);
            CHECK(bb.cost == s.cost);
            CHECK(same_mapping(bb.map, s.map));
            CHECK(bb.analysed <= s.analysed);
            full += s.analysed, bounded += bb.analysed;
        }
    }
    MESSAGE("branch and bound: ", bounded, " of ", full, " analyses");
    CHECK(bounded * 2 < full);  // the bound cuts more than half of the latency, EDP, EDAP and linear searches' analyses
    objective negative{objective_kind::linear, 1, -1, 0};
    CHECK_FALSE(is_monotone(negative));
    layer l;
    l.M = 8, l.C = 4, l.P = l.Q = 2;
    hardware h;
    h.pe_x = h.pe_y = 4;
    const mapping_choice s = search_mapping(l, h, negative, eyeriss_normalized, {}, 2'000'000, false);
    const mapping_choice bb = search_mapping(l, h, negative);
    CHECK(bb.bound_cuts == 0);
    CHECK(bb.analysed == s.analysed);
    CHECK(same_mapping(bb.map, s.map));
}

TEST_CASE("dataflow: the best accelerator equals enumeration, and a limit is reported") {
    std::vector<layer> net(2);
    net[0].M = 16, net[0].C = 8, net[0].P = net[0].Q = 8, net[0].R = net[0].S = 3;
    net[1].M = 32, net[1].C = 16, net[1].P = net[1].Q = 4;
    hardware_space s;
    s.pe_x = {4, 8};
    s.pe_y = {4, 8};
    s.rf_entries = {16, 64};
    for (objective_kind k : {objective_kind::latency, objective_kind::energy, objective_kind::edap}) {
        const objective obj{k};
        const accelerator_choice c = best_accelerator(net, s, obj);
        double best = std::numeric_limits<double>::infinity();
        for (std::size_t h = 0; h < s.size(); ++h) {
            const auto f = network_figures(net, s.at(h));
            best = std::min(best, obj(f[0], f[1], f[2]));
        }
        CHECK(c.cost == best);
        const auto f = network_figures(net, c.best);
        CHECK(obj(f[0], f[1], f[2]) == c.cost);
        // within an area budget: the enumeration over the points that fit; none fitting is reported
        std::vector<double> areas;
        for (std::size_t h = 0; h < s.size(); ++h)
            areas.push_back(network_figures(net, s.at(h))[2]);
        std::sort(areas.begin(), areas.end());
        const double budget = areas[areas.size() / 2];
        double best_within = std::numeric_limits<double>::infinity();
        for (std::size_t h = 0; h < s.size(); ++h) {
            const auto g = network_figures(net, s.at(h));
            if (g[2] <= budget)
                best_within = std::min(best_within, obj(g[0], g[1], g[2]));
        }
        const accelerator_choice within = best_accelerator(net, s, obj, eyeriss_normalized, {}, budget);
        CHECK(within.found());
        CHECK(within.cost == best_within);
        CHECK(within.figures[2] <= budget);
        CHECK(within.cost >= c.cost);
        CHECK_FALSE(best_accelerator(net, s, obj, eyeriss_normalized, {}, areas.front() * 0.5).found());
    }
    CHECK_THROWS_WITH_AS(best_accelerator(net, s, {}, eyeriss_normalized, {}, 0.0), doctest::Contains("area budget"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(best_accelerator(net, s, {}, eyeriss_normalized, {}, std::nan("")), doctest::Contains("area budget"),
                         std::invalid_argument);
    const mapping_choice limited = search_mapping(net[0], s.at(0), {}, eyeriss_normalized, {}, 10);
    CHECK_FALSE(limited.complete);
    CHECK(limited.analysed == 10);
}
