#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/dataflow/analysis.hpp>
#include <nais/device/dataflow/templates.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

// Objectives (DANCE Sec. 3: latency, energy, area, EDAP = energy x latency x area, and the
// lambda-weighted sum), the exact mapping search over a dataflow's family of tilings, and the
// exact best accelerator of a network over a hardware space.
namespace nais::dataflow {

enum class objective_kind { latency, energy, area, edp, edap, linear };
inline constexpr std::array<const char*, 6> objective_names{"latency", "energy", "area", "edp", "edap", "linear"};

/// An objective over latency (ms), energy (uJ) and area (mm^2).
struct objective {
    objective_kind kind = objective_kind::edap;
    double lambda_energy = 1, lambda_latency = 1, lambda_area = 0;  ///< linear: lE E + lL L + lA A

    double operator()(double ms, double uj, double mm2) const {
        switch (kind) {
        case objective_kind::latency: return ms;
        case objective_kind::energy: return uj;
        case objective_kind::area: return mm2;
        case objective_kind::edp: return uj * ms;
        case objective_kind::edap: return uj * ms * mm2;
        case objective_kind::linear: return lambda_energy * uj + lambda_latency * ms + lambda_area * mm2;
        }
        return 0;
    }
    /// Partial derivatives with respect to (ms, uj, mm2).
    std::array<double, 3> gradient(double ms, double uj, double mm2) const {
        switch (kind) {
        case objective_kind::latency: return {1, 0, 0};
        case objective_kind::energy: return {0, 1, 0};
        case objective_kind::area: return {0, 0, 1};
        case objective_kind::edp: return {uj, ms, 0};
        case objective_kind::edap: return {uj * mm2, ms * mm2, uj * ms};
        case objective_kind::linear: return {lambda_latency, lambda_energy, lambda_area};
        }
        return {0, 0, 0};
    }
};

/// Latency (ms), energy (uJ) and area (mm^2) of an evaluation.
inline std::array<double, 3> figures(const evaluation& ev, const architecture& a) {
    return {ev.seconds(a) * 1e3, ev.energy * 1e-6, ev.area * 1e-6};
}

/// The best mapping found, how many mappings were analysed, how many partial splits the bound
/// cut, and whether the family was enumerated completely (the optimum is exact) or the limit
/// stopped it.
struct mapping_choice {
    mapping map;
    evaluation eval;
    double cost = std::numeric_limits<double>::infinity();
    std::int64_t analysed = 0;
    std::int64_t bound_cuts = 0;
    bool complete = true;
};

/// Whether an objective never decreases when latency, energy or area grows (every kind but a
/// linear one with a negative lambda): the condition for bounding it from below.
inline bool is_monotone(const objective& o) {
    return o.kind != objective_kind::linear || (o.lambda_energy >= 0 && o.lambda_latency >= 0 && o.lambda_area >= 0);
}

namespace detail {
/// Every ordered tuple of `slots` factors whose product is n.
inline void ordered_factorizations(std::int64_t n, int slots, std::vector<std::int64_t>& cur, std::vector<std::vector<std::int64_t>>& out) {
    if (int(cur.size()) + 1 == slots) {
        cur.push_back(n);
        out.push_back(cur);
        cur.pop_back();
        return;
    }
    for (std::int64_t d : divisors(n)) {
        cur.push_back(d);
        ordered_factorizations(n / d, slots, cur, out);
        cur.pop_back();
    }
}

/// Lower bounds on the figures of every mapping of a dataflow family whose temporal product
/// (loop iterations over DRAM, buffer and RF) is at least T, for search_mapping's branch and
/// bound. They follow analyse()'s counts: cycles >= T (bandwidth only stretches them); energy >=
/// the MACs' + each MAC's access of every operand its PE's RF keeps (W and I reads, O updates:
/// T x PEs used = MACs of them) + at least one buffer access per cycle for each operand the RF
/// bypasses (the buffer then feeds the array every cycle) + every weight read and every output
/// written once at DRAM (the outermost level holds all of them); area is the architecture's.
struct figure_floor {
    double fixed_pj = 0, per_cycle_pj = 0, clock_mhz = 1, area_um2 = 0;

    figure_floor(const layer& l, const architecture& a, const dataflow_family& f) : clock_mhz(a.clock_mhz), area_um2(area_of(a)) {
        const level &dram = a.levels[0], &buffer = a.levels[1], &rf = a.levels[2];
        const auto scale = [&](operand o, const level& at) { return double(l.bits[std::size_t(o)]) / at.word_bits; };
        const double macs = l.macs();
        fixed_pj = macs * a.mac.energy;
        for (operand o : {operand::weights, operand::inputs, operand::outputs}) {
            const bool update = o == operand::outputs;
            if (f.rf_keep[std::size_t(o)])
                fixed_pj += macs * (update ? rf.write_energy : rf.read_energy) * scale(o, rf);
            else
                per_cycle_pj += (update ? buffer.write_energy : buffer.read_energy) * scale(o, buffer);
        }
        const auto words = [&](operand o) { return double(volume(operand_box(o, l.bounds(), l.stride_h, l.stride_w))); };
        fixed_pj += words(operand::weights) * dram.read_energy * scale(operand::weights, dram) +
                    words(operand::outputs) * dram.write_energy * scale(operand::outputs, dram);
    }
    /// Latency (ms), energy (uJ), area (mm^2) floors, as figures() reports them.
    std::array<double, 3> at(double temporal_product) const {
        return {temporal_product / (clock_mhz * 1e6) * 1e3, (fixed_pj + per_cycle_pj * temporal_product) * 1e-6, area_um2 * 1e-6};
    }
};

/// The slots of dimension d in a family: DRAM, buffer, one per array axis listing d, and the RF.
struct dim_slots {
    bool y = false, x = false, rf = false;
    int count() const { return 2 + int(y) + int(x) + int(rf); }
};
inline dim_slots slots_of(const dataflow_family& f, dim d) {
    dim_slots s;
    for (dim e : f.y_dims)
        s.y = s.y || e == d;
    for (dim e : f.x_dims)
        s.x = s.x || e == d;
    for (dim e : f.rf_order)
        s.rf = s.rf || e == d;
    return s;
}
}  // namespace detail

/// The exact mapping search over the dataflow family of h.dataflow (dataflow_family: its loop
/// orders, array dimensions and RF operands fixed; every split of every dimension's bound into
/// DRAM, buffer, array-Y, array-X and RF factors free), for the objective on one layer. Partial
/// splits whose tiles already overflow a level or whose spatial factors exceed the array are
/// pruned (tiles only grow as factors are added, so no feasible mapping is lost). With
/// `branch_and_bound` (and a monotone objective) a partial split is also cut when the floor of
/// its figures (detail::figure_floor at the least temporal product its remaining dimensions can
/// reach on the PEs left) costs no less than the best mapping so far: the result is the same
/// mapping as without it. The floor is tight in cycles and loose in energy, so latency, EDP and
/// EDAP searches gain most. Stops after `max_analysed` analyses
/// (complete = false). Ties keep the first mapping in enumeration order.
inline mapping_choice search_mapping(const layer& l, const hardware& h, const objective& obj = {}, const energy_table& e = eyeriss_normalized,
                                     const area_table& ar = {}, std::int64_t max_analysed = 2'000'000, bool branch_and_bound = true) {
    validate(l);
    const architecture a = make_architecture(h, e, ar);
    const dataflow_family f = family_of(h.dataflow);
    const extents b = l.bounds();
    std::array<std::vector<std::vector<std::int64_t>>, num_dims> splits;
    std::array<detail::dim_slots, num_dims> slots;
    for (int d = 0; d < num_dims; ++d) {
        slots[std::size_t(d)] = detail::slots_of(f, dim(d));
        std::vector<std::int64_t> cur;
        detail::ordered_factorizations(b[std::size_t(d)], slots[std::size_t(d)].count(), cur, splits[std::size_t(d)]);
    }
    mapping_choice best;
    detail::factor_plan p;
    p.dram.fill(1);
    p.buffer.fill(1);
    p.rf.fill(1);
    const auto fits = [&](const mapping& m) {
        for (std::size_t i = 1; i < 3; ++i)
            if (used_bits(l, m, i) > double(a.levels[i].entries) * a.levels[i].word_bits)
                return false;
        return true;
    };
    const auto assign = [&](int d, const std::vector<std::int64_t>& s, std::vector<spatial_loop>& sp) {
        const detail::dim_slots& sl = slots[std::size_t(d)];
        std::size_t k = 0;
        p.dram[std::size_t(d)] = s[k++];
        p.buffer[std::size_t(d)] = s[k++];
        sp.clear();
        if (sl.y)
            sp.push_back({dim(d), s[k++], true});
        if (sl.x)
            sp.push_back({dim(d), s[k++], false});
        p.rf[std::size_t(d)] = sl.rf ? s[k++] : 1;
    };
    std::array<std::vector<spatial_loop>, num_dims> spatial;
    const bool bounded = branch_and_bound && is_monotone(obj);
    const detail::figure_floor least(l, a, f);
    std::array<double, num_dims + 1> rest_iterations;  // the product of the bounds of dims d.. (all dims' temporal x spatial)
    rest_iterations[num_dims] = 1;
    for (int d = num_dims; d-- > 0;)
        rest_iterations[std::size_t(d)] = rest_iterations[std::size_t(d + 1)] * double(b[std::size_t(d)]);
    const auto cut = [&](double temporal_floor) {  // 1e-9: the floor and the analysis round differently
        const auto [ms, uj, mm2] = least.at(temporal_floor);
        const double c = obj(ms, uj, mm2) * (1 - 1e-9);
        return c >= best.cost;
    };
    const auto recurse = [&](auto&& self, int d, std::int64_t room_y, std::int64_t room_x, double temporal) -> void {
        if (!best.complete)
            return;
        if (d == num_dims) {
            if (best.analysed >= max_analysed) {
                best.complete = false;
                return;
            }
            p.spatial.clear();
            for (const auto& v : spatial)
                for (const spatial_loop& s : v)
                    if (s.factor > 1)
                        p.spatial.push_back(s);
            const mapping m = detail::build(f, p);
            const evaluation ev = analyse(l, a, m);
            ++best.analysed;
            const auto [ms, uj, mm2] = figures(ev, a);
            const double c = obj(ms, uj, mm2);
            if (c < best.cost) {
                best.cost = c;
                best.map = m;
                best.eval = ev;
            }
            return;
        }
        for (const auto& s : splits[std::size_t(d)]) {
            assign(d, s, spatial[std::size_t(d)]);
            std::int64_t fy = 1, fx = 1;
            for (const spatial_loop& sp : spatial[std::size_t(d)])
                (sp.y ? fy : fx) *= sp.factor;
            if (fy > room_y || fx > room_x)
                continue;
            const double t = temporal * double(b[std::size_t(d)] / (fy * fx));
            // the dims after d spread over at most the PEs left: at least rest / PEs iterations
            if (bounded && cut(t * std::max(1.0, std::ceil(rest_iterations[std::size_t(d + 1)] / double(room_y / fy * (room_x / fx)))))) {
                ++best.bound_cuts;
                continue;
            }
            p.spatial.clear();
            for (int e = 0; e <= d; ++e)
                for (const spatial_loop& sp : spatial[std::size_t(e)])
                    if (sp.factor > 1)
                        p.spatial.push_back(sp);
            if (!fits(detail::build(f, p)))
                continue;
            self(self, d + 1, room_y / fy, room_x / fx, t);
        }
        p.dram[std::size_t(d)] = p.buffer[std::size_t(d)] = p.rf[std::size_t(d)] = 1;
        spatial[std::size_t(d)].clear();
    };
    recurse(recurse, 0, h.pe_y, h.pe_x, 1.0);
    nais::detail::require(best.analysed > 0 || !best.complete, "dataflow: no mapping of layer '", l.name, "' fits the ",
                          dataflow_names[std::size_t(h.dataflow)], " family on ", h.pe_x, " x ", h.pe_y, " PEs with RF ", h.rf_entries,
                          " and buffer ", h.buffer_entries, " words");
    return best;
}

/// DANCE's hardware space: the lists each choice ranges over.
struct hardware_space {
    std::vector<std::int64_t> pe_x{8, 12, 16, 24}, pe_y{8, 12, 16, 24};
    std::vector<std::int64_t> rf_entries{16, 64, 256, 512};
    std::vector<dataflow_kind> dataflows{dataflow_kind::weight_stationary, dataflow_kind::output_stationary, dataflow_kind::row_stationary};
    std::int64_t buffer_entries = 65536;
    double dram_bandwidth = 16, clock_mhz = 200;

    std::size_t size() const { return pe_x.size() * pe_y.size() * rf_entries.size() * dataflows.size(); }
    /// Point h in the order (pe_x, pe_y, rf, dataflow), the last fastest.
    std::array<std::size_t, 4> indices(std::size_t h) const {
        std::array<std::size_t, 4> k{};
        k[3] = h % dataflows.size();
        h /= dataflows.size();
        k[2] = h % rf_entries.size();
        h /= rf_entries.size();
        k[1] = h % pe_y.size();
        k[0] = h / pe_y.size();
        return k;
    }
    hardware at(std::size_t h) const {
        const auto k = indices(h);
        return {pe_x[k[0]], pe_y[k[1]], rf_entries[k[2]], buffer_entries, dataflows[k[3]], dram_bandwidth, clock_mhz};
    }
};

inline void validate(const hardware_space& s) {
    using nais::detail::require;
    require(!s.pe_x.empty() && !s.pe_y.empty() && !s.rf_entries.empty() && !s.dataflows.empty(),
            "dataflow: every list of the hardware space needs at least one choice");
    for (const auto* v : {&s.pe_x, &s.pe_y, &s.rf_entries})
        for (std::int64_t x : *v)
            require(x >= 1 && x <= 4096, "dataflow: hardware space choices must be in [1, 4096], got ", x);
    require(s.buffer_entries >= 1, "dataflow: hardware space buffer_entries must be >= 1");
}

/// A network's latency (ms), energy (uJ) and area (mm^2) on one accelerator, each layer by its
/// dataflow's template mapping.
inline std::array<double, 3> network_figures(const std::vector<layer>& layers, const hardware& h, const energy_table& e = eyeriss_normalized,
                                             const area_table& ar = {}) {
    const architecture a = make_architecture(h, e, ar);
    std::array<double, 3> f{0, 0, 0};
    for (const layer& l : layers) {
        const evaluation ev = analyse(l, a, template_mapping(l, h));
        const auto x = figures(ev, a);
        f[0] += x[0];
        f[1] += x[1];
    }
    f[2] = area_of(a) * 1e-6;
    return f;
}

/// The exact best accelerator of a network over a hardware space (every point evaluated with
/// the template mappings), and its figures.
struct accelerator_choice {
    hardware best;
    std::size_t index = 0;
    std::array<double, 3> figures{};
    double cost = std::numeric_limits<double>::infinity();  ///< infinite: no point within the area budget
    bool found() const noexcept { return std::isfinite(cost); }
};

/// `max_area_mm2`: only points whose area is at most this compete (a co-search's RES_ub); when
/// none fits, the result has found() false.
inline accelerator_choice best_accelerator(const std::vector<layer>& layers, const hardware_space& s, const objective& obj = {},
                                           const energy_table& e = eyeriss_normalized, const area_table& ar = {},
                                           double max_area_mm2 = std::numeric_limits<double>::infinity()) {
    validate(s);
    nais::detail::require(max_area_mm2 > 0, "dataflow: best_accelerator's area budget must be a number > 0 mm^2 (or infinity), got ", max_area_mm2);
    accelerator_choice c;
    for (std::size_t h = 0; h < s.size(); ++h) {
        const hardware hw = s.at(h);
        if (area_of(make_architecture(hw, e, ar)) * 1e-6 > max_area_mm2)
            continue;  // the area depends on the hardware alone: no layer is analysed
        const auto f = network_figures(layers, hw, e, ar);
        const double v = obj(f[0], f[1], f[2]);
        if (v < c.cost) {
            c = {hw, h, f, v};
        }
    }
    return c;
}

}  // namespace nais::dataflow
