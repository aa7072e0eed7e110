// The dataflow model's Eyeriss pieces (nais/device/dataflow/eyeriss.hpp): the psum accumulation
// through the PEs' own adders (reduction_rule::in_pe) against closed forms, padded mappings
// (imperfect factorisation), the row-stationary mapping of Eyeriss's Table III on AlexNet
// (active PEs equal to the chip's measured ones, cycles equal to the hand count), its refusals,
// and the row-stationary search against brute force.
#include <nais/dataflow.hpp>

#include "error_of.hpp"
#include "sanitized.hpp"

#include <doctest/doctest.h>

#include <array>
#include <limits>
#include <string>

using namespace nais::dataflow;
using nais_test::error_of;

namespace {

architecture three_levels(reduction_rule rule) {
    architecture a;
    a.levels.push_back({"DRAM", 0, 1, 0, 16, 200, 200, 0, 0, 0});
    a.levels.push_back({"GlobalBuffer", 4096, 1, 0, 16, 6, 6, 0, 0, 2});
    a.levels.push_back({"RegisterFile", 64, 4 * 3, 4, 16, 1, 1, 0, 0, 0});
    a.spatial_reduction = rule;
    return a;
}

/// R over the array's Y, C and S in the register file, P over X: a small row-stationary nest.
mapping small_rs(std::int64_t c_rf) {
    mapping m;
    m.levels.resize(3);
    m.levels[0].temporal = {{dim::M, 2}, {dim::C, 4 / c_rf}};
    m.levels[1].temporal = {{dim::Q, 5}};
    m.levels[1].spatial = {{dim::P, 4, false}, {dim::R, 3, true}};
    m.levels[2].temporal = {{dim::C, c_rf}, {dim::S, 3}};
    return m;
}

layer small_layer() {
    layer l;
    l.M = 2, l.C = 4, l.P = 4, l.Q = 5, l.R = 3, l.S = 3;
    return l;
}

struct alexnet_case {
    const char* name;
    layer l;
    rs_parameters x;
    double compute_cycles;  ///< by hand: passes x (F S p q n) per pass
    std::int64_t active_pes;  ///< measured on the chip (JSSC 2017, Table V)
};

layer conv(const char* name, std::int64_t M, std::int64_t C, std::int64_t P, std::int64_t R, int stride, int groups) {
    layer l;
    l.name = name;
    l.N = 4, l.M = M, l.C = C, l.P = P, l.Q = P, l.R = R, l.S = R, l.stride_h = l.stride_w = stride, l.groups = groups;
    return l;
}

const std::array<alexnet_case, 5> alexnet{{
    // CONV1: 8 strips of 7 rows (56 >= 55) x 3 filter passes x 3 channels x 4 images, 55 x 11 x 16 x 1 x 1 per pass
    {"CONV1", conv("CONV1", 96, 3, 55, 11, 4, 1), {96, 1, 7, 16, 1, 1, 2}, 8.0 * 3 * 3 * 4 * (55 * 11 * 16), 154},
    // CONV2, per group: 8 filter passes x 24 channel pairs x 4 images, 27 x 5 x 16 x 2 per pass; the set of 27 folds in 14 + 13
    {"CONV2", conv("CONV2", 256, 96, 27, 5, 1, 2), {64, 1, 27, 16, 2, 1, 1}, 2.0 * 8 * 24 * 4 * (27 * 5 * 16 * 2), 135},
    {"CONV3", conv("CONV3", 384, 256, 13, 3, 1, 1), {64, 4, 13, 16, 4, 1, 4}, 6.0 * 64 * (13 * 3 * 16 * 4 * 4), 156},
    {"CONV4", conv("CONV4", 384, 384, 13, 3, 1, 2), {64, 4, 13, 16, 3, 2, 2}, 2.0 * 6 * 32 * (13 * 3 * 16 * 3 * 4), 156},
    {"CONV5", conv("CONV5", 256, 384, 13, 3, 1, 2), {64, 4, 13, 16, 3, 2, 2}, 2.0 * 4 * 32 * (13 * 3 * 16 * 3 * 4), 156},
}};

}  // namespace

TEST_CASE("in-PE psum accumulation: one cycle per received psum, 1 / (the PE's reduction loops) of the MACs") {
    const layer l = small_layer();
    for (std::int64_t c_rf : {1, 2, 4}) {
        CAPTURE(c_rf);
        const mapping m = small_rs(c_rf);
        const evaluation tree = evaluate(l, three_levels(reduction_rule::adder_tree), m);
        const evaluation pe = evaluate(l, three_levels(reduction_rule::in_pe), m);
        const double steps = 2.0 * double(4 / c_rf) * 5 * double(c_rf) * 3;
        CHECK(tree.compute_cycles == steps);
        CHECK(tree.cycles == steps);
        CHECK(tree.reduction_cycles == 0);
        CHECK(pe.compute_cycles == steps);
        CHECK(pe.reduction_cycles == steps / double(c_rf * 3));
        CHECK(pe.cycles == steps + steps / double(c_rf * 3));
        for (std::size_t i = 0; i < pe.levels.size(); ++i)  // the rule moves time, not data
            for (int o = 0; o < num_operands; ++o)
                CHECK(pe.levels[i].accesses[std::size_t(o)].reads == tree.levels[i].accesses[std::size_t(o)].reads);
    }
    // no reduction dimension over the array: nothing to accumulate from a neighbour
    mapping m = small_rs(1);
    m.levels[1].spatial = {{dim::P, 4, false}};
    m.levels[2].temporal = {{dim::C, 1}, {dim::S, 3}, {dim::R, 3}};
    const evaluation pe = evaluate(small_layer(), three_levels(reduction_rule::in_pe), m);
    CHECK(pe.reduction_cycles == 0);
    CHECK(pe.cycles == pe.compute_cycles);
}

TEST_CASE("padded mappings: cycles count the padded steps, MACs and utilisation the layer's own") {
    const architecture a = three_levels(reduction_rule::adder_tree);
    layer l = small_layer();
    l.P = 3;  // the array's 4 columns cover 3 rows with one idle
    mapping m = small_rs(1);
    CHECK(error_of([&] { evaluate(l, a, m); }).find("factors of P multiply to 4, the layer has 3 (factors must cover each dimension exactly)") !=
          std::string::npos);
    m.padded = true;
    const evaluation ev = evaluate(l, a, m);
    CHECK(ev.compute_cycles == 2.0 * 4 * 5 * 3);
    CHECK(ev.macs == l.macs());
    CHECK(ev.utilization == doctest::Approx(l.macs() / (ev.cycles * 12.0)));
    CHECK(ev.utilized_macs == 9);  // 3 of the 4 columns have work
    l.P = 2;  // 4 >= 2 x 2: more than one extra copy
    CHECK(error_of([&] { evaluate(l, a, m); }).find("padded mapping's factors of P multiply to 4, the layer has 2") != std::string::npos);
    l.P = 5;  // 4 < 5: not covered
    CHECK(error_of([&] { evaluate(l, a, m); }).find("multiply to 4, the layer has 5 (a padded mapping covers each dimension") != std::string::npos);
    CHECK(error_of([&] { (void)timeloop_mapping(a, m); }).find("a padded mapping has no Timeloop mapping form") != std::string::npos);
}

TEST_CASE("Eyeriss's published row-stationary mappings of AlexNet: active PEs as measured, cycles as counted by hand") {
    const architecture a = eyeriss_v1();
    for (const alexnet_case& c : alexnet) {
        CAPTURE(c.name);
        const mapping m = row_stationary_mapping(c.l, a, c.x);
        const evaluation ev = evaluate(c.l, a, m);  // fits the pads and the buffer
        CHECK(ev.utilized_macs == c.active_pes);
        CHECK(ev.compute_cycles == c.compute_cycles);
        CHECK(ev.reduction_cycles == c.compute_cycles / double(c.x.q * c.l.S));
        CHECK(ev.macs == c.l.macs());
        CHECK(ev.cycles == ev.compute_cycles + ev.reduction_cycles);
    }
}

TEST_CASE("row-stationary mapping refusals name the parameter") {
    const architecture a = eyeriss_v1();
    const layer l = alexnet[2].l;
    rs_parameters x = alexnet[2].x;
    x.m = 60;
    CHECK(error_of([&] { row_stationary_mapping(l, a, x); }).find("rs parameter m = 60 must be a multiple of p x t = 64") != std::string::npos);
    x = alexnet[2].x;
    x.t = 5, x.m = 80;  // 3 rows x 5 sets = 15 > 12 rows; 13 x 5 columns > 14
    CHECK(error_of([&] { row_stationary_mapping(l, a, x); }).find("rs parameters e = 13, r = 1, t = 5 with R = 3 need") != std::string::npos);
    x = alexnet[2].x;
    x.p = 32, x.q = 1, x.t = 1, x.m = 64;  // 32 psums per PE: the psum pad has 24
    CHECK(error_of([&] { evaluate(l, a, row_stationary_mapping(l, a, x)); }).find("overflows level 'PsumSpad'") != std::string::npos);
    x = alexnet[2].x;
    x.q = 0;
    CHECK(error_of([&] { row_stationary_mapping(l, a, x); }).find("rs parameter q = 0 must be in [1, 2^20]") != std::string::npos);
    CHECK(error_of([&] { row_stationary_mapping(l, three_levels(reduction_rule::in_pe), alexnet[2].x); })
              .find("needs Eyeriss's five levels") != std::string::npos);
}

TEST_CASE("row-stationary search: the fewest cycles of every feasible parameter choice (brute force), then the least energy") {
    architecture a = eyeriss_v1();
    a.levels[1].entries = 64;  // a small buffer: some choices of m and n overflow it
    layer l;
    l.name = "small";
    l.N = 2, l.M = 4, l.C = 3, l.P = 3, l.Q = 3, l.R = 2, l.S = 2;
    const rs_choice got = search_row_stationary(l, a, 1 << 20);
    double best = std::numeric_limits<double>::infinity(), best_energy = best;
    int feasible = 0;
    for (std::int64_t p = 1; p <= 8; ++p)  // every parameter up to twice its dimension
        for (std::int64_t q = 1; q <= 6; ++q)
            for (std::int64_t t = 1; t <= 8; ++t)
                for (std::int64_t r = 1; r <= 6; ++r)
                    for (std::int64_t e = 1; e <= 6; ++e)
                        for (std::int64_t n = 1; n <= 2; ++n)
                            for (std::int64_t m = p * t; m <= 8; m += p * t) {
                                evaluation ev;
                                try {
                                    ev = evaluate(l, a, row_stationary_mapping(l, a, {m, n, e, p, q, r, t}));
                                } catch (const nais::invalid_argument&) {
                                    continue;
                                }
                                ++feasible;
                                if (ev.cycles < best || (ev.cycles == best && ev.energy < best_energy))
                                    best = ev.cycles, best_energy = ev.energy;
                            }
    CHECK(feasible > 10);
    CHECK(feasible == got.feasible);
    CHECK(got.ev.cycles == best);
    CHECK(got.ev.energy == best_energy);
    CHECK(got.analysed >= 1);
}

#if !NAIS_SANITIZED  // 3 s here, minutes instrumented: the brute-force case above runs the same code there
TEST_CASE("row-stationary search on AlexNet CONV3: at least as fast as the published mapping") {
    const architecture a = eyeriss_v1();
    const alexnet_case& c = alexnet[2];
    const rs_choice got = search_row_stationary(c.l, a);
    CHECK(got.ev.cycles <= evaluate(c.l, a, row_stationary_mapping(c.l, a, c.x)).cycles);
}
#endif
