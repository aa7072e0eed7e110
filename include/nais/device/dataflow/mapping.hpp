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

/// One entry per architecture level, outermost first.
struct mapping {
    std::vector<level_mapping> levels;
};

/// Refuses a mapping whose factors do not cover the layer's dimensions exactly (naming the
/// dimension and the product), factors < 1, a spatial fan-out larger than the level's X or Y,
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
    for (int d = 0; d < num_dims; ++d)
        require(product[std::size_t(d)] == b[std::size_t(d)], "dataflow: the mapping's factors of ", dim_names[std::size_t(d)],
                " multiply to ", product[std::size_t(d)], ", the layer has ", b[std::size_t(d)],
                " (factors must cover each dimension exactly)");
}

}  // namespace nais::dataflow
