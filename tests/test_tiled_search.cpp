// The tiled template's exact searches: the design search against brute force over the whole
// space on small networks and devices (both modes, with and without the BRAM check), its
// factorised terms against the one formula, the knapsack against exhaustive enumeration, and the
// hot start's guarantee (the returned design meets the target, or the search says by how much
// it cannot).
#include <nais/network.hpp>
#include <nais/tiled.hpp>

#include "error_of.hpp"

#include <doctest/doctest.h>

#include <random>

using namespace nais;
using nais_test::error_of;

namespace {

net::network random_network(std::mt19937& rng) {
    std::uniform_int_distribution<int> ch(1, 9), size(3, 10), pick(0, 3);
    net::network n{"small", {ch(rng), size(rng), size(rng)}, {}};
    const int layers = 2 + pick(rng) % 2;
    for (int k = 0; k < layers; ++k) {
        const int kind = pick(rng);
        std::string name = "c";  // not "c" + to_string(k): GCC 12 -O3 warns falsely (-Wrestrict, GCC bug 105329)
        name += std::to_string(k);
        if (kind == 0)
            n.layers.push_back(net::conv(name, ch(rng), 3, 1, 1));
        else if (kind == 1)
            n.layers.push_back(net::conv(name, ch(rng), 3, 2, 1));
        else
            n.layers.push_back(net::conv(name, ch(rng), 1));
    }
    return n;
}

}  // namespace

TEST_CASE("the design search finds brute force's optimum on small networks and devices") {
    std::mt19937 rng(11);
    std::uniform_int_distribution<int> dsp(4, 30), bram(40, 160), words(3, 7);
    int compared = 0;
    for (int trial = 0; trial < 24; ++trial) {
        const net::network n = random_network(rng);
        tiled::device dev;
        dev.dsp = dsp(rng);
        dev.bram = bram(rng);
        dev.bram_block_bits = 256;
        dev.port_bits = 16 * words(rng);
        dev.check_bram = trial % 3 != 0;
        const tiled::precision p{trial % 2 ? 8 : 16, 16};
        for (int m = 0; m < 2; ++m) {
            const auto mode = m ? tiled::mode::hotnas_compatible : tiled::mode::hardware;
            auto layers = tiled::workloads(n, {}, m ? tiled::shapes::hotnas_chained : tiled::shapes::true_shapes);
            if (trial % 4 == 1 && layers[0].K_h == 3)
                layers[0].kept = 5;
            const auto fast = tiled::search_design(layers, dev, p, mode);
            const auto slow = tiled::brute_force_design(layers, dev, p, mode);
            REQUIRE(fast.found == slow.found);
            CHECK(fast.designs_in_space == slow.designs_in_space);
            if (!fast.found)
                continue;
            ++compared;
            CHECK(fast.cycles == doctest::Approx(slow.cycles).epsilon(1e-12));
            CHECK(tiled::evaluate(layers, fast.best, dev, p, mode).feasible);
        }
    }
    CHECK(compared >= 30);
}

TEST_CASE("the factorised terms rebuild the one formula's cycles") {
    std::mt19937 rng(3);
    std::uniform_int_distribution<int> t(1, 40);
    const auto layers = tiled::workloads(net::mobilenet_v2());
    for (int m = 0; m < 2; ++m) {
        const auto mode = m ? tiled::mode::hotnas_compatible : tiled::mode::hardware;
        for (int trial = 0; trial < 50; ++trial) {
            const tiled::workload& l = layers[static_cast<std::size_t>(trial) % layers.size()];
            const tiled::design d{t(rng), t(rng), t(rng), t(rng), 7, 1, 1, 1};
            const auto r = tiled::detail::rows_of(l, d.Tr, false, mode), c = tiled::detail::rows_of(l, d.Tc, true, mode);
            const auto ch = tiled::detail::channels_of(l, d.Tm, d.Tn, mode);
            const double kk = double(l.K_h) * l.K_w;
            const double lat1 = std::max({ch.i * r.i * c.i, ch.w, kk * r.c * c.c});
            const double cycles = l.B * ch.count * r.count * c.count * std::max(ch.rounds * lat1, ch.o * r.o * c.o);
            CHECK(cycles == doctest::Approx(tiled::evaluate_layer(l, d, {}, {}, mode).t.cycles).epsilon(1e-12));
        }
    }
}

TEST_CASE("ResNet-18 on ZCU102: the searched design beats HotNAS's and every random feasible design") {
    const auto layers = tiled::workloads(net::resnet18());
    const auto best = tiled::search_design(layers);
    REQUIRE(best.found);
    CHECK(best.designs_in_space > 1e12);
    CHECK(tiled::evaluate(layers, best.best).feasible);
    std::mt19937 rng(5);
    std::uniform_int_distribution<int> t(1, 128), port(1, 30);
    int feasible = 0;
    for (int trial = 0; trial < 3000; ++trial) {
        tiled::design d{t(rng), t(rng) / 2 + 1, t(rng) / 2 + 1, t(rng) / 2 + 1, 7, port(rng), 1, 1};
        d.I_p = std::max(1, 32 - d.W_p - port(rng) % 16);
        d.O_p = std::max(1, 32 - d.W_p - d.I_p);
        if (d.W_p + d.I_p + d.O_p > 32)
            continue;
        const auto r = tiled::evaluate(layers, d);
        if (!r.feasible)
            continue;
        ++feasible;
        CHECK(r.cycles >= best.cycles);
    }
    CHECK(feasible > 100);
}

TEST_CASE("the knapsack is exact: dynamic programming against every combination") {
    std::mt19937 rng(9);
    std::uniform_real_distribution<double> u(0, 1);
    for (int trial = 0; trial < 40; ++trial) {
        std::vector<tiled::knapsack_unit> units(2 + trial % 4);
        for (auto& unit : units) {
            const int options = 1 + static_cast<int>(u(rng) * 4);
            for (int k = 0; k < options; ++k) {
                unit.plans.emplace_back();
                unit.cycles.push_back(10 + 90 * u(rng));
                unit.cost.push_back(k == 0 ? 0 : u(rng));
            }
        }
        const double budget = 20.0 * static_cast<double>(units.size()) + 200 * u(rng);
        // every combination
        double best = INFINITY;
        std::size_t combos = 1;
        for (const auto& unit : units)
            combos *= unit.plans.size();
        for (std::size_t c = 0; c < combos; ++c) {
            double cy = 5, cost = 0;
            std::size_t rest = c;
            for (const auto& unit : units) {
                cy += unit.cycles[rest % unit.plans.size()];
                cost += unit.cost[rest % unit.plans.size()];
                rest /= unit.plans.size();
            }
            if (cy <= budget)
                best = std::min(best, cost);
        }
        const auto pick = tiled::solve_knapsack(units, 5, budget);
        if (std::isinf(best)) {
            CHECK(pick.empty());
            continue;
        }
        REQUIRE(pick.size() == units.size());
        double cy = 5, cost = 0;
        for (std::size_t k = 0; k < units.size(); ++k) {
            cy += units[k].cycles[pick[k]];
            cost += units[k].cost[pick[k]];
        }
        CHECK(cy <= budget);
        CHECK(cost == doctest::Approx(best).epsilon(1e-12));
    }
}

TEST_CASE("hot start on ResNet-18: the target is met exactly, or the shortfall is reported") {
    tiled::hot_start_options o;
    o.target_ms = 8;
    const auto r = tiled::hot_start(net::resnet18(), o);
    REQUIRE(r.met);
    CHECK(r.final_ms <= 8);
    CHECK(r.initial_ms > 8);
    // the plan's latency is evaluate()'s
    const auto layers = tiled::workloads(net::resnet18(), r.plan);
    CHECK(tiled::evaluate(layers, r.final_design).ms == doctest::Approx(r.final_ms).epsilon(1e-12));
    CHECK(r.accuracy_cost > 0);
    // iSpace by class: compute-bound layers were pattern-pruned, weight-bound ones quantised
    for (const auto& l : r.layers) {
        if (l.applied.technique == "pattern")
            CHECK(l.initial_class == tiled::bottleneck::compute);
        if (l.applied.technique == "quantize")
            CHECK(l.initial_class == tiled::bottleneck::weight);
    }
    // a looser target costs less
    o.target_ms = 10;
    const auto loose = tiled::hot_start(net::resnet18(), o);
    REQUIRE(loose.met);
    CHECK(loose.accuracy_cost < r.accuracy_cost);
    // an impossible one: not met, and by how much
    o.target_ms = 2;
    const auto impossible = tiled::hot_start(net::resnet18(), o);
    CHECK_FALSE(impossible.met);
    CHECK(impossible.shortfall_ms > 0);
    // the public model's world: HotNAS's design space on the chained shapes
    o.target_ms = 4;
    o.latency_mode = tiled::mode::hotnas_compatible;
    o.layer_shapes = tiled::shapes::hotnas_chained;
    const auto compat = tiled::hot_start(net::resnet18(), o);
    CHECK(compat.met);
    CHECK(compat.final_ms <= 4);
}

TEST_CASE("hot start refuses bad options") {
    tiled::hot_start_options o;
    o.target_ms = -1;
    CHECK(error_of([&] { (void)tiled::hot_start(net::resnet18(), o); }).find("target_ms") != std::string::npos);
    o.target_ms = 5;
    o.weight_bits = {0};
    CHECK(error_of([&] { (void)tiled::hot_start(net::resnet18(), o); }).find("weight_bits") != std::string::npos);
}
