#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/bundle/ip_model.hpp>

#include <limits>
#include <vector>

// The exact IP design search for one network: every (Pc, Pi, rows, cols) of a documented grid,
// the other fields of the base design kept, evaluated exactly; the fastest design that fits the
// device wins (ties: fewer DSPs, then fewer BRAM18).
namespace nais::bundle {

/// The grid of the design search (Pi > Pc skipped). Defaults: powers of two channels around
/// SkyNet's 32; tiles whose useful part (rows - 2 halo) x (cols - 2 halo) at halo 1 is 10 x 20 up
/// to 80 x 160 (SkyNet: 40 x 80).
struct design_grid {
    std::vector<int> channels{8, 16, 32, 64, 128};
    std::vector<int> inputs{4, 8, 16, 32, 64};
    std::vector<int> rows{12, 22, 42, 82};
    std::vector<int> cols{22, 42, 82, 162};
};

/// The outcome of a design search.
struct design_search_result {
    bool found = false;     ///< some design of the grid fits the device
    design best;            ///< the fastest fitting design
    network_report report;  ///< its exact evaluation
    long evaluated = 0;     ///< designs evaluated
};

inline void validate(const design_grid& g) {
    const auto check = [](const std::vector<int>& v, const char* what) {
        nais::detail::require(!v.empty(), "bundle: design grid '", what, "' must not be empty");
        for (int x : v)
            nais::detail::require(x >= 1 && x <= 4096, "bundle: design grid '", what, "' values must be in [1, 4096], got ", x);
    };
    check(g.channels, "channels");
    check(g.inputs, "inputs");
    check(g.rows, "rows");
    check(g.cols, "cols");
}

/// The fastest design of the grid that fits `dev` for `layers` (the base design's other fields kept).
inline design_search_result search_design(const std::vector<workload>& layers, const design& base = {},
                                          const precision& p = {}, const device& dev = {}, const design_grid& grid = {}) {
    validate(grid);
    validate(base);
    design_search_result out;
    double best_ms = std::numeric_limits<double>::infinity();
    for (int pc : grid.channels)
        for (int pi : grid.inputs) {
            if (pi > pc)
                continue;
            for (int r : grid.rows)
                for (int c : grid.cols) {
                    if (r <= 2 * base.halo || c <= 2 * base.halo)
                        continue;
                    design d = base;
                    d.channels = pc;
                    d.inputs = pi;
                    d.rows = r;
                    d.cols = c;
                    network_report rep = evaluate(layers, d, p, dev);
                    ++out.evaluated;
                    if (!rep.feasible)
                        continue;
                    const bool better = rep.ms < best_ms ||
                                        (rep.ms == best_ms && (rep.used.dsp < out.report.used.dsp ||
                                                               (rep.used.dsp == out.report.used.dsp &&
                                                                rep.used.bram18 < out.report.used.bram18)));
                    if (better) {
                        best_ms = rep.ms;
                        out.found = true;
                        out.best = d;
                        out.report = std::move(rep);
                    }
                }
        }
    return out;
}

}  // namespace nais::bundle
