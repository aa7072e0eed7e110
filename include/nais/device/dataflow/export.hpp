#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/dataflow/architecture.hpp>
#include <nais/device/dataflow/mapping.hpp>
#include <nais/device/dataflow/problem.hpp>

#include <array>
#include <sstream>
#include <string>

// A layer, an architecture and a mapping as the inputs of Timeloop (timeloop-model's v0.3-style
// problem / arch / mapping YAML, as in NVlabs/timeloop's configs and unit tests) and as a
// MAESTRO layer description (maestro-project/maestro's .m DSL), so users can cross-check nais.
// Conventions of the translation:
// - Timeloop's CNN_Layer shape pairs P with R along "W" (Wstride) and Q with S along "H"; nais's
//   stride [h, w] pairs (P, R) and (Q, S), so Wstride = stride_h and Hstride = stride_w. The
//   problem is written with its shape inline and a group dimension G (Timeloop accepts
//   user-defined shapes); M is written as K, Timeloop's name for output channels.
// - Timeloop's arch (v0.2/v0.3 "arch: storage" form) lists storage innermost first; nais's
//   per-access energies go in comments (Timeloop takes energies from Accelergy).
// - Timeloop's mapping lists a level's loops innermost first ("permutation"), one loop per
//   dimension per level; a spatial entry's dimensions before "split" go over X, the rest over Y.
// - MAESTRO's Y and X are the input's rows and columns; a depth-wise layer is DSCONV; other
//   grouped layers are written as one group with a comment (MAESTRO has no group dimension).
namespace nais::dataflow {

namespace detail {
inline const char* timeloop_dim(dim d) { return d == dim::M ? "K" : dim_names[std::size_t(d)]; }
}  // namespace detail

/// Timeloop's problem YAML for the layer.
inline std::string timeloop_problem(const layer& l) {
    validate(l);
    const extents b = l.bounds();
    std::ostringstream y;
    y << "# nais dataflow export: layer '" << l.name << "' (Timeloop problem, grouped CNN layer)\n"
      << "problem:\n  shape:\n    name: Grouped_CNN_Layer\n    dimensions: [ G, R, S, P, Q, C, K, N ]\n"
      << "    coefficients:\n      - name: Wstride\n        default: 1\n      - name: Hstride\n        default: 1\n"
      << "      - name: Wdilation\n        default: 1\n      - name: Hdilation\n        default: 1\n"
      << "    data-spaces:\n"
      << "      - name: Weights\n        projection:\n          - [ [G] ]\n          - [ [C] ]\n          - [ [K] ]\n          - [ [R] ]\n          - [ [S] ]\n"
      << "      - name: Inputs\n        projection:\n          - [ [N] ]\n          - [ [G] ]\n          - [ [C] ]\n"
      << "          - [ [R, Wdilation], [P, Wstride] ]\n          - [ [S, Hdilation], [Q, Hstride] ]\n"
      << "      - name: Outputs\n        projection:\n          - [ [N] ]\n          - [ [G] ]\n          - [ [K] ]\n          - [ [Q] ]\n          - [ [P] ]\n"
      << "        read-write: True\n"
      << "  instance:\n";
    for (dim d : {dim::G, dim::R, dim::S, dim::P, dim::Q, dim::C, dim::M, dim::N})
        y << "    " << detail::timeloop_dim(d) << ": " << b[std::size_t(d)] << "\n";
    y << "    Wstride: " << l.stride_h << "\n    Hstride: " << l.stride_w << "\n";
    return y.str();
}

/// Timeloop's architecture YAML (storage innermost first, then the MACs).
inline std::string timeloop_arch(const architecture& a) {
    validate(a);
    std::ostringstream y;
    y << "# nais dataflow export: architecture (Timeloop v0.3 arch; per-access energies as comments)\n"
      << "arch:\n  arithmetic:\n    name: MACs\n    instances: " << a.mac_instances() << "\n    meshX: " << a.mac_mesh_x()
      << "\n    word-bits: " << a.levels.back().word_bits << "  # energy " << a.mac.energy << " pJ per MAC, area " << a.mac.area << "\n  storage:\n";
    for (std::size_t k = a.levels.size(); k-- > 0;) {
        const level& l = a.levels[k];
        y << "  - name: " << l.name << "\n    instances: " << l.instances << "\n    meshX: " << l.mesh_width() << "\n    word-bits: " << l.word_bits
          << "\n";
        if (l.entries > 0)
            y << "    entries: " << l.entries << "\n";
        if (l.bandwidth > 0)
            y << "    shared_bandwidth: " << l.bandwidth << "\n";
        y << "    # read " << l.read_energy << " pJ, write " << l.write_energy << " pJ per access; network " << l.network_energy
          << " pJ per word; area " << l.area << " per instance\n";
    }
    return y.str();
}

/// Timeloop's mapping YAML. Refuses a mapping that repeats a dimension within one level's
/// temporal loops or spatial loops (Timeloop's mapping has one loop per dimension per level).
inline std::string timeloop_mapping(const architecture& a, const mapping& m) {
    validate(a);
    nais::detail::require(m.levels.size() == a.levels.size(), "dataflow: the mapping has ", m.levels.size(), " levels, the architecture ",
                          a.levels.size());
    nais::detail::require(!m.padded, "dataflow: a padded mapping has no Timeloop mapping form (its factors multiply past the layer's bounds; "
                                     "Timeloop writes imperfect factorisations with residual factors, which nais does not export)");
    std::ostringstream y;
    y << "# nais dataflow export: mapping (Timeloop; permutations innermost first)\nmapping:\n";
    const auto once = [&](const std::string& level, const char* what, const auto& loops) {
        std::array<int, num_dims> seen{};
        for (const auto& x : loops)
            nais::detail::require(++seen[std::size_t(x.d)] == 1, "dataflow: Timeloop export: level '", level, "' has two ", what, " loops over ",
                                  dim_names[std::size_t(x.d)], " (Timeloop allows one per dimension per level)");
    };
    for (std::size_t i = 0; i < m.levels.size(); ++i) {
        const level_mapping& lm = m.levels[i];
        const std::string& name = a.levels[i].name;
        once(name, "temporal", lm.temporal);
        once(name, "spatial", lm.spatial);
        std::array<std::int64_t, num_dims> f;
        f.fill(1);
        std::string perm;
        for (std::size_t k = lm.temporal.size(); k-- > 0;) {
            f[std::size_t(lm.temporal[k].d)] = lm.temporal[k].factor;
            perm += detail::timeloop_dim(lm.temporal[k].d);
        }
        for (int d = 0; d < num_dims; ++d)  // the dimensions without a loop here, after the rest
            if (perm.find(detail::timeloop_dim(dim(d))) == std::string::npos)
                perm += detail::timeloop_dim(dim(d));
        y << "  - target: " << name << "\n    type: temporal\n    factors:";
        for (dim d : {dim::G, dim::R, dim::S, dim::P, dim::Q, dim::C, dim::M, dim::N})
            y << " " << detail::timeloop_dim(d) << "=" << f[std::size_t(d)];
        y << "\n    permutation: " << perm << "\n";
        if (!lm.spatial.empty()) {
            f.fill(1);
            std::string xs, ys;
            for (const spatial_loop& s : lm.spatial) {
                f[std::size_t(s.d)] = s.factor;
                (s.y ? ys : xs) += detail::timeloop_dim(s.d);
            }
            std::string rest;
            for (int d = 0; d < num_dims; ++d)
                if ((xs + ys).find(detail::timeloop_dim(dim(d))) == std::string::npos)
                    rest += detail::timeloop_dim(dim(d));
            y << "  - target: " << name << "\n    type: spatial\n    factors:";
            for (dim d : {dim::G, dim::R, dim::S, dim::P, dim::Q, dim::C, dim::M, dim::N})
                y << " " << detail::timeloop_dim(d) << "=" << f[std::size_t(d)];
            y << "\n    permutation: " << xs << ys << rest << "\n    split: " << xs.size() << "\n";
        }
        y << "  - target: " << name << "\n    type: datatype\n    keep: [";
        std::string keep, bypass;
        for (int o = 0; o < num_operands; ++o) {
            std::string& list = lm.keep[std::size_t(o)] ? keep : bypass;
            if (!list.empty())
                list.append(", ");
            list.append(operand_names[std::size_t(o)]);
        }
        y << keep << "]\n    bypass: [" << bypass << "]\n";
    }
    return y.str();
}

/// MAESTRO's layer description (its .m DSL), the dataflow left to the user.
inline std::string maestro_layer(const layer& l) {
    validate(l);
    const bool depthwise = l.groups > 1 && l.groups == l.C && l.groups == l.M;
    const std::int64_t k = depthwise ? l.M : l.M / l.groups, c = depthwise ? l.C : l.C / l.groups;
    std::ostringstream m;
    const std::string name = l.name.empty() ? std::string("layer") : l.name;
    if (l.groups > 1 && !depthwise)
        m << "// " << name << " has " << l.groups << " groups; MAESTRO has no group dimension: this is one group, run " << l.groups << " times\n";
    m << "Network nais {\nLayer " << name << " {\n  Type: " << (depthwise ? "DSCONV" : "CONV") << "\n  Stride { X: " << l.stride_w
      << ", Y: " << l.stride_h << " }\n  Dimensions { ";
    if (l.N > 1)
        m << "N: " << l.N << ", ";
    m << "K: " << k << ", C: " << c << ", R: " << l.R << ", S: " << l.S << ", Y: " << (l.P - 1) * l.stride_h + l.R
      << ", X: " << (l.Q - 1) * l.stride_w + l.S << " }\n  // Dataflow { ... } : choose MAESTRO directives for the accelerator\n}\n}\n";
    return m.str();
}

}  // namespace nais::dataflow
