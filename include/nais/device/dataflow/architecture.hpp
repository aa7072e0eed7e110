#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/dataflow/problem.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

// The accelerator's storage hierarchy, outermost first (Timeloop's architecture spec, flattened):
// each level has instances laid out as a mesh (mesh_x wide), words of word_bits, per-access
// energies and a bandwidth; below the innermost level sit the MAC units.
namespace nais::dataflow {

/// One storage level. entries: words per instance (0: unbounded, as DRAM); bandwidth: words
/// per cycle per instance, reads and writes shared (Timeloop's shared_bandwidth; 0: unlimited);
/// network_energy: pJ per word delivered through this level's fan-out to its children (the
/// "array" cost of Eyeriss's normalised table); area per instance.
struct level {
    std::string name;
    std::int64_t entries = 0;
    std::int64_t instances = 1;
    std::int64_t mesh_x = 0;  ///< 0: all instances in one row (mesh_x = instances)
    int word_bits = 16;
    double read_energy = 0, write_energy = 0;
    double bandwidth = 0;
    double area = 0;
    double network_energy = 0;

    std::int64_t mesh_width() const noexcept { return mesh_x > 0 ? mesh_x : instances; }
    std::int64_t mesh_height() const noexcept { return instances / mesh_width(); }
};

/// The MAC units: energy per MAC (pJ), area per unit, and their count and mesh (0: one per
/// instance of the innermost level).
struct mac_unit {
    double energy = 1, area = 0;
    std::int64_t instances = 0, mesh_x = 0;
};

/// Which sibling deltas one parent read serves. union_of_deltas: every distinct word the
/// siblings fetch in a step is read once (a network that multicasts overlapping windows, as
/// Eyeriss's diagonal ifmap multicast does); equal_deltas: only siblings whose deltas are
/// identical share a read, per fan-out stage (Timeloop's ComputeAccurateMulticastedAccesses
/// compares deltas with CheckEquality; a level that keeps nothing is a stage of its own).
enum class multicast_rule { union_of_deltas, equal_deltas };

/// What a stationary step (zero translation) does to the remembered stride of a tile.
/// keep_stride: nothing (Timeloop from a12fff5, Jan 2025, "Translation fix"); reset_stride: a
/// zero translation is remembered as a stride, so the first move after a stationary run changes
/// the stride and fetches the whole tile (Timeloop before that fix; the tutorial's reference
/// outputs of 2024 were made with it).
enum class stationary_rule { keep_stride, reset_stride };

/// Who adds the partial sums of a reduction spread over PEs (a spatial loop over C, R or S).
/// adder_tree: a separate reduction network, free in time (Timeloop's model); in_pe: each PE
/// adds the psum it receives from its neighbour with its own adder, one cycle per psum, in which
/// it does no MAC. A PE receives one psum per output it completes, that is per
/// (its reduction loops' product) MACs: cycles = MAC steps x (1 + 1 / that product). Eyeriss v1's
/// PE has one multiply-and-accumulate datapath and accumulates psums vertically through the
/// array (Chen et al., JSSC 2017, Sec. IV-V); the rule is nais's reading of that datapath,
/// checked against the chip's measured AlexNet latencies (docs/fidelity.md).
enum class reduction_rule { adder_tree, in_pe };

struct architecture {
    std::vector<level> levels;
    mac_unit mac;
    double clock_mhz = 200;
    multicast_rule multicast = multicast_rule::union_of_deltas;
    stationary_rule stationary = stationary_rule::keep_stride;
    reduction_rule spatial_reduction = reduction_rule::adder_tree;

    std::int64_t mac_instances() const { return mac.instances > 0 ? mac.instances : levels.back().instances; }
    std::int64_t mac_mesh_x() const { return mac.mesh_x > 0 ? mac.mesh_x : (mac.instances > 0 ? mac.instances : levels.back().mesh_width()); }
};

/// Refuses an empty hierarchy, an outermost level with several instances, instance counts that
/// do not nest (each level's mesh must divide the next inner one's along X and Y), negative
/// energies, areas or bandwidths, and a word width outside [1, 1024] bits.
inline void validate(const architecture& a) {
    using nais::detail::require;
    require(!a.levels.empty(), "dataflow: the architecture needs at least one storage level");
    require(std::isfinite(a.clock_mhz) && a.clock_mhz > 0, "dataflow: arch clock_mhz = ", a.clock_mhz, " must be > 0");
    require(a.levels.front().instances == 1, "dataflow: the outermost level '", a.levels.front().name, "' must have one instance");
    for (std::size_t i = 0; i < a.levels.size(); ++i) {
        const level& l = a.levels[i];
        const std::string w = "dataflow: arch level '" + l.name + "'";
        require(!l.name.empty(), "dataflow: arch level ", i, " needs a name");
        for (std::size_t j = 0; j < i; ++j)
            require(a.levels[j].name != l.name, w, " appears twice");
        require(l.instances >= 1 && l.instances <= (std::int64_t(1) << 20), w, ": instances = ", l.instances, " must be in [1, 2^20]");
        require(l.mesh_x >= 0 && l.instances % l.mesh_width() == 0, w, ": mesh_x = ", l.mesh_x, " must divide instances = ", l.instances);
        require(l.entries >= 0, w, ": entries = ", l.entries, " must be >= 0 (0: unbounded)");
        require(l.word_bits >= 1 && l.word_bits <= 1024, w, ": word_bits = ", l.word_bits, " must be in [1, 1024]");
        for (double v : {l.read_energy, l.write_energy, l.bandwidth, l.area, l.network_energy})
            require(std::isfinite(v) && v >= 0, w, ": energies, bandwidth and area must be finite and >= 0");
        if (i > 0) {
            const level& o = a.levels[i - 1];
            require(l.mesh_width() % o.mesh_width() == 0 && l.mesh_height() % o.mesh_height() == 0, w, "'s mesh ", l.mesh_width(), " x ",
                    l.mesh_height(), " is not a multiple of '", o.name, "''s ", o.mesh_width(), " x ", o.mesh_height());
        }
    }
    const level& last = a.levels.back();
    const std::int64_t mi = a.mac_instances(), mx = a.mac_mesh_x();
    require(mi >= 1 && mi <= (std::int64_t(1) << 20) && mx >= 1 && mi % mx == 0 && mx % last.mesh_width() == 0 && (mi / mx) % last.mesh_height() == 0,
            "dataflow: arch mac instances = ", mi, " (mesh_x ", mx, ") must be a multiple of the innermost level's mesh ", last.mesh_width(),
            " x ", last.mesh_height());
    require(std::isfinite(a.mac.energy) && a.mac.energy >= 0 && std::isfinite(a.mac.area) && a.mac.area >= 0,
            "dataflow: arch mac energy and area must be finite and >= 0");
}

/// The X and Y fan-out from level i's instances to its children (level i + 1, or the MACs).
inline std::pair<std::int64_t, std::int64_t> fanout(const architecture& a, std::size_t i) {
    const level& l = a.levels[i];
    if (i + 1 < a.levels.size()) {
        const level& c = a.levels[i + 1];
        return {c.mesh_width() / l.mesh_width(), c.mesh_height() / l.mesh_height()};
    }
    const std::int64_t mx = a.mac_mesh_x();
    return {mx / l.mesh_width(), (a.mac_instances() / mx) / l.mesh_height()};
}

}  // namespace nais::dataflow
