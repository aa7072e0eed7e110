#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/dataflow/analysis.hpp>
#include <nais/device/dataflow/architecture.hpp>
#include <nais/device/dataflow/mapping.hpp>
#include <nais/device/dataflow/problem.hpp>
#include <nais/device/dataflow/templates.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

// Eyeriss v1 (Chen, Krishna, Emer, Sze, "Eyeriss: An Energy-Efficient Reconfigurable Accelerator
// for Deep Convolutional Neural Networks", IEEE JSSC 52(1), 2017) as a dataflow architecture, and
// its row-stationary mapping from the parameters of the paper's Table III: a PE set of R rows x e
// columns runs the 2-D convolutions of p x t filters and q x r channels at once, n images pass
// through it in turn, m filters' psums stay in the global buffer.
namespace nais::dataflow {

/// The chip (JSSC 2017, Table IV and Sec. V): 168 PEs as 12 rows x 14 columns, per PE an ifmap
/// scratch pad of 12 words, a filter scratch pad of 224 words and a psum scratch pad of 24 words,
/// a 108 KB global buffer (55,296 16-bit words) for ifmaps and psums (filters go from DRAM to the
/// PEs' scratch pads, as in Timeloop's eyeriss_like), 16-bit words, 200 MHz (the measured
/// tables' clock), psums accumulated through the PEs' own adders (reduction_rule::in_pe). Energies:
/// the normalised table (ISCA 2016: DRAM 200, buffer 6, array 2, scratch pad 1, MAC 1). Links:
/// no bandwidth limit (the chip's DRAM link is not in the data this was checked against; the
/// measured traffic needs at most 0.30 GB/s).
inline architecture eyeriss_v1(const energy_table& e = eyeriss_normalized) {
    architecture a;
    a.clock_mhz = 200;
    a.spatial_reduction = reduction_rule::in_pe;
    a.levels.push_back({"DRAM", 0, 1, 0, 16, e.dram, e.dram, 0, 0, 0});
    a.levels.push_back({"GlobalBuffer", 108 * 1024 / 2, 1, 0, 16, e.buffer, e.buffer, 0, 0, e.network});
    a.levels.push_back({"IfmapSpad", 12, 168, 14, 16, e.rf, e.rf, 0, 0, 0});
    a.levels.push_back({"FilterSpad", 224, 168, 14, 16, e.rf, e.rf, 0, 0, 0});
    a.levels.push_back({"PsumSpad", 24, 168, 14, 16, e.rf, e.rf, 0, 0, 0});
    a.mac = {e.mac, 0, 0, 0};
    return a;
}

/// Table III's mapping parameters: m filters' psums in the buffer, n images at a time, e output
/// rows per PE set, p filters and q channels per PE, r PE sets of different channels, t of
/// different filters.
struct rs_parameters {
    std::int64_t m = 1, n = 1, e = 1, p = 1, q = 1, r = 1, t = 1;
};

namespace detail {
inline std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }
/// Where a row-stationary PE set goes on an array_x x array_y array: R filter rows over Y and e
/// output rows over X; a set wider than the array folds into ceil(e / array_x) strips stacked
/// over Y; then the r and t sets go over Y while they fit, else over X.
struct rs_placement {
    std::int64_t strips = 1, set_x = 1;  ///< strips of set_x output rows
    std::int64_t x = 1, y = 1;           ///< PEs used over X and Y
    bool r_on_y = true, t_on_y = true;
    bool fits(std::int64_t array_x, std::int64_t array_y) const noexcept { return x <= array_x && y <= array_y; }
};
inline rs_placement place_row_stationary(std::int64_t e, std::int64_t r, std::int64_t t, std::int64_t R, std::int64_t array_x,
                                         std::int64_t array_y) noexcept {
    rs_placement p;
    p.strips = ceil_div(e, array_x);
    p.set_x = p.strips > 1 ? array_x : e;
    p.y = R * p.strips;
    p.x = p.set_x;
    p.r_on_y = p.y * r <= array_y;
    (p.r_on_y ? p.y : p.x) *= r;
    p.t_on_y = p.y * t <= array_y;
    (p.t_on_y ? p.y : p.x) *= t;
    return p;
}

}  // namespace detail

/// The row-stationary loop nest of `x` on an Eyeriss-like architecture (five levels: DRAM, a
/// global buffer keeping Inputs and Outputs, and per PE an ifmap, a filter and a psum scratch
/// pad; the PE mesh of the last level). Order, outermost first (the paper's "m, C, E, M"
/// processing order read from the outside): DRAM: G, N / n, M / m, P / e, C / (q r); buffer:
/// m / (p t), n, Q; spatial: a PE set's R filter rows over Y and e output rows over X; a set wider
/// than the array folds into ceil(e / X) strips stacked over Y (Table III's CONV2: 27 rows as
/// 14 + 13); the r and t sets go over Y while they fit, else over X; filter pad: q, S; psum pad:
/// p. Dimensions that do not divide are padded (mapping::padded). Refuses parameters that do
/// not fit the array, naming them; the caller's evaluate() refuses tiles that overflow a pad.
inline mapping row_stationary_mapping(const layer& l, const architecture& a, const rs_parameters& x) {
    using nais::detail::require;
    using detail::ceil_div;
    using enum dim;
    require(a.levels.size() == 5, "dataflow: the row-stationary mapping needs Eyeriss's five levels (DRAM, buffer, three pads), the arch has ",
            a.levels.size());
    for (auto [name, v] : {std::pair{"m", x.m}, {"n", x.n}, {"e", x.e}, {"p", x.p}, {"q", x.q}, {"r", x.r}, {"t", x.t}})
        require(v >= 1 && v <= (std::int64_t(1) << 20), "dataflow: rs parameter ", name, " = ", v, " must be in [1, 2^20]");
    const extents b = l.bounds();
    auto bound = [&](dim d) { return b[std::size_t(d)]; };
    require(x.m % (x.p * x.t) == 0, "dataflow: rs parameter m = ", x.m, " must be a multiple of p x t = ", x.p * x.t);
    const auto [array_x, array_y] = fanout(a, 1);
    const detail::rs_placement at = detail::place_row_stationary(x.e, x.r, x.t, bound(R), array_x, array_y);
    const std::int64_t strips = at.strips, set_x = at.set_x;
    require(at.fits(array_x, array_y), "dataflow: rs parameters e = ", x.e, ", r = ", x.r, ", t = ", x.t, " with R = ", bound(R),
            " need ", at.x, " x ", at.y, " PEs; the array has ", array_x, " x ", array_y);
    mapping mp;
    mp.padded = true;
    mp.levels.resize(5);
    mp.levels[0].temporal = {{G, bound(G)},
                             {N, ceil_div(bound(N), x.n)},
                             {M, ceil_div(bound(M), x.m)},
                             {P, ceil_div(bound(P), strips * set_x)},
                             {C, ceil_div(bound(C), x.q * x.r)}};
    mp.levels[1].temporal = {{M, x.m / (x.p * x.t)}, {N, std::min(x.n, bound(N))}, {Q, bound(Q)}};
    mp.levels[1].spatial = {{P, set_x, false}, {R, bound(R), true}};
    if (strips > 1)
        mp.levels[1].spatial.push_back({P, strips, true});
    mp.levels[1].spatial.push_back({C, x.r, at.r_on_y});
    mp.levels[1].spatial.push_back({M, x.t, at.t_on_y});
    mp.levels[1].keep = {false, true, true};
    mp.levels[2].keep = {false, true, false};
    mp.levels[3].temporal = {{C, x.q}, {S, bound(S)}};
    mp.levels[3].keep = {true, false, false};
    mp.levels[4].temporal = {{M, x.p}};
    mp.levels[4].keep = {false, false, true};
    return mp;
}

/// The fastest row-stationary mapping of `l`: nais's search over Table III's parameters, every
/// combination that fits the array, the pads and the buffer (cycles from the loop nest, as
/// evaluate counts them), ties broken by energy (the tied mappings are analysed, at most
/// `max_ties`). Eyeriss's own mapper minimised energy, not time.
struct rs_choice {
    rs_parameters parameters;
    evaluation ev;
    std::int64_t feasible = 0, analysed = 0;
};

inline rs_choice search_row_stationary(const layer& l, const architecture& a, int max_ties = 64) {
    using enum dim;
    validate(l);
    validate(a);
    const extents b = l.bounds();
    auto bound = [&](dim d) { return b[std::size_t(d)]; };
    const auto [array_x, array_y] = fanout(a, 1);
    const std::int64_t psum_words = a.levels.at(4).entries, filter_words = a.levels[3].entries, ifmap_words = a.levels[2].entries;
    std::vector<std::pair<double, rs_parameters>> fastest;
    double best_cycles = std::numeric_limits<double>::infinity();
    std::vector<detail::flat_loop> nest;
    rs_choice out;
    // every choice whose padding stays below one extra copy of each dimension (mapping::padded)
    for (std::int64_t p = 1; p < 2 * bound(M) && (psum_words == 0 || p <= psum_words); ++p)
        for (std::int64_t q = 1; q < 2 * bound(C) && (ifmap_words == 0 || q * bound(S) <= ifmap_words) &&
                                 (filter_words == 0 || p * q * bound(S) <= filter_words);
             ++q)
            for (std::int64_t t = 1; p * t < 2 * bound(M); ++t)
                for (std::int64_t r = 1; q * r < 2 * bound(C); ++r)
                    for (std::int64_t e = 1; e < 2 * bound(P); ++e) {
                        if (!detail::place_row_stationary(e, r, t, bound(R), array_x, array_y).fits(array_x, array_y))
                            continue;
                        for (std::int64_t n = 1; n <= bound(N); ++n)
                            for (std::int64_t m = p * t; m < 2 * bound(M); m += p * t) {
                                const rs_parameters x{m, n, e, p, q, r, t};
                                const mapping mp = row_stationary_mapping(l, a, x);
                                const extents covered = factor_products(mp), bounds_of_l = l.bounds();
                                bool within = true;  // validate's rule for padded mappings, dimension by dimension
                                for (int d = 0; d < num_dims; ++d)
                                    within = within && padded_cover(covered[std::size_t(d)], bounds_of_l[std::size_t(d)]);
                                if (!within)
                                    continue;  // more than one extra copy of a dimension
                                const layer run = padded_layer(l, mp);
                                if (first_overflow(run, a, mp) >= 0)
                                    break;  // a larger m only grows the buffer's psum tile
                                ++out.feasible;
                                detail::flatten(mp, nest);
                                double steps = 1;
                                for (const detail::flat_loop& f : nest)
                                    if (!f.spatial)
                                        steps *= double(f.factor);
                                const double cycles = steps + detail::in_pe_reduction_cycles(nest, a, steps);
                                if (cycles < best_cycles)
                                    best_cycles = cycles, fastest.clear();
                                if (cycles == best_cycles && int(fastest.size()) < max_ties)
                                    fastest.push_back({cycles, x});
                            }
                    }
    nais::detail::require(!fastest.empty(), "dataflow: no row-stationary mapping of layer '", l.name, "' fits the architecture");
    double best_energy = std::numeric_limits<double>::infinity();
    for (const auto& [cycles, x] : fastest) {
        const evaluation ev = evaluate(l, a, row_stationary_mapping(l, a, x));
        ++out.analysed;
        if (ev.energy < best_energy)
            best_energy = ev.energy, out.parameters = x, out.ev = ev;
    }
    return out;
}

}  // namespace nais::dataflow
