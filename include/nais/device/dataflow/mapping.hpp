#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/dataflow/architecture.hpp>
#include <nais/device/dataflow/problem.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

// A mapping of a layer onto an architecture (Timeloop's mapping spec): per storage level,
// temporal loops outermost first, spatial loops over the level's X and Y fan-out, and the
// operands the level keeps (the others bypass it).
namespace nais::dataflow {

struct temporal_loop {
    dim d = dim::N;
    std::int64_t factor = 1;
};
struct spatial_loop {
    dim d = dim::N;
    std::int64_t factor = 1;
    bool y = false;  ///< over the fan-out's Y extent (else X)
};

struct level_mapping {
    std::vector<temporal_loop> temporal;  ///< outermost first
    std::vector<spatial_loop> spatial;    ///< the fan-out below this level
    std::array<bool, num_operands> keep{true, true, true};
};

/// One entry per architecture level, outermost first. padded: a dimension's factors may
/// multiply to more than its bound (imperfect factorisation, as a PE set of 7 output rows
/// covers 55 rows in 8 steps): the hardware runs the padded iterations on idle MACs, so cycles
/// count them; accesses are counted on the padded problem (an upper bound: the last step's
/// tiles are partly empty), MACs and utilisation on the real one.
struct mapping {
    std::vector<level_mapping> levels;
    bool padded = false;
};

/// Per dimension, the product of the mapping's factors over every level: temporal and spatial,
/// or (spatial_only) the spatial ones alone.
inline extents factor_products(const mapping& m, bool spatial_only = false) {
    extents product;
    product.fill(1);
    for (const level_mapping& lm : m.levels) {
        if (!spatial_only)
            for (const temporal_loop& t : lm.temporal)
                product[std::size_t(t.d)] *= t.factor;
        for (const spatial_loop& s : lm.spatial)
            product[std::size_t(s.d)] *= s.factor;
    }
    return product;
}

/// The padded mappings' rule for one dimension: its factors cover the bound with less than one
/// extra copy (bound <= product < 2 bound).
inline bool padded_cover(std::int64_t product, std::int64_t bound) noexcept { return product >= bound && product < 2 * bound; }

/// Refuses a mapping whose factors do not cover the layer's dimensions exactly (naming the
/// dimension and the product; a padded mapping: at least, and less than twice), factors < 1, a spatial fan-out larger than the level's X or Y,
/// and an outermost level that does not keep every operand.
inline void validate(const layer& l, const architecture& a, const mapping& m) {
    using nais::detail::require;
    require(m.levels.size() == a.levels.size(), "dataflow: the mapping has ", m.levels.size(), " levels, the architecture ", a.levels.size());
    extents product;
    product.fill(1);
    for (std::size_t i = 0; i < m.levels.size(); ++i) {
        const level_mapping& lm = m.levels[i];
        const std::string w = "dataflow: mapping of level '" + a.levels[i].name + "'";
        for (const temporal_loop& t : lm.temporal) {
            require(t.factor >= 1, w, ": temporal factor of ", dim_names[std::size_t(t.d)], " = ", t.factor, " must be >= 1");
            product[std::size_t(t.d)] *= t.factor;
        }
        std::int64_t fx = 1, fy = 1;
        for (const spatial_loop& s : lm.spatial) {
            require(s.factor >= 1, w, ": spatial factor of ", dim_names[std::size_t(s.d)], " = ", s.factor, " must be >= 1");
            product[std::size_t(s.d)] *= s.factor;
            (s.y ? fy : fx) *= s.factor;
        }
        const auto [ax, ay] = fanout(a, i);
        require(fx <= ax && fy <= ay, w, ": spatial fan-out ", fx, " x ", fy, " exceeds the hardware's ", ax, " x ", ay);
        for (std::int64_t p : product)
            require(p <= (std::int64_t(1) << 30), w, ": factors overflow");
    }
    for (int o = 0; o < num_operands; ++o)
        require(m.levels.front().keep[std::size_t(o)], "dataflow: the outermost level '", a.levels.front().name, "' must keep ",
                operand_names[std::size_t(o)]);
    const extents b = l.bounds();
    for (int d = 0; d < num_dims; ++d) {
        const std::int64_t got = product[std::size_t(d)], want = b[std::size_t(d)];
        if (m.padded)
            require(padded_cover(got, want), "dataflow: the padded mapping's factors of ", dim_names[std::size_t(d)], " multiply to ", got,
                    ", the layer has ", want, " (a padded mapping covers each dimension, with less than one extra copy)");
        else
            require(got == want, "dataflow: the mapping's factors of ", dim_names[std::size_t(d)], " multiply to ", got, ", the layer has ",
                    want, " (factors must cover each dimension exactly)");
    }
}

/// The layer a padded mapping runs: each dimension the product of its factors (the layer itself
/// for an exact mapping).
inline layer padded_layer(const layer& l, const mapping& m) {
    if (!m.padded)
        return l;
    const extents product = factor_products(m);
    using enum dim;
    auto at = [&](dim d) { return product[std::size_t(d)]; };
    layer p = l;
    p.groups = int(at(G));
    p.N = at(N), p.M = at(M) * at(G), p.C = at(C) * at(G), p.P = at(P), p.Q = at(Q), p.R = at(R), p.S = at(S);
    return p;
}

}  // namespace nais::dataflow
