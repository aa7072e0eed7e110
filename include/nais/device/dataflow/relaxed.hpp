#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/detail/relaxed_arith.hpp>
#include <nais/device/dataflow/analysis.hpp>
#include <nais/device/dataflow/templates.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

// The dataflow model relaxed in continuous hardware: latency, energy and area of a layer on its
// dataflow template as smooth functions of real PE-array extents and register-file words, with
// exact gradients (forward mode, nais/detail/relaxed_arith.hpp's dual numbers).
//  - The template relaxed is the PADDED template (padded_template below): per dimension the
//    spatial factor min(left, floor(room)), the RF's and the buffer's factors the largest that
//    fit (a linear solve, floored: a tile's bits are affine in one factor), every remaining trip
//    ceil(left / factor). The divisor template (template_mapping) is not relaxed: "the largest
//    divisor <= pe" is not a function any smooth curve follows.
//  - min, floor and ceil are relaxed as in relaxed_arith.hpp (bounded, vanishing with tau); the
//    bandwidth slowdown's ceil and the max of compute and transfer cycles too.
//  - The analysis runs at real loop factors: the same accounting as analysis.hpp, whose counts
//    are, for a fixed loop structure, multilinear in each factor (products of trip counts and
//    tile extents; a walk over f - 1 blocks that settles into a cycle of states). So each count
//    is extended to real factors by its own formula: a loop's last fractional block is that
//    fraction of the next block's sums (linear in the factor), and the union of a tile's
//    translated copies over a spatial lattice is (f - 1) a + E when the copies overlap (spacing
//    a <= extent E) and f E when they are disjoint. At integer factors this is the exact
//    analysis (tests/test_dataflow_relaxed.cpp checks it against analyse() on random mappings).
//    A lattice that interleaves with gaps has no closed form here: its union is counted exactly
//    at the rounded factors and carries no gradient, and `closed_form` reports it (the
//    templates never produce one).
namespace nais::dataflow {

/// A point of the continuous hardware space: real PE-array extents and RF words per PE; the
/// buffer, the dataflow, DRAM bandwidth and clock as in `hardware`.
struct relaxed_hardware {
    double pe_x = 14, pe_y = 12, rf_entries = 512;
    std::int64_t buffer_entries = 65536;
    dataflow_kind dataflow = dataflow_kind::row_stationary;
    double dram_bandwidth = 16;  ///< words per cycle (0: unlimited)
    double clock_mhz = 200;
};

/// The continuous variables, in this order.
enum relaxed_variable : int { var_pe_x, var_pe_y, var_rf, relaxed_variables };
using relaxed_dual = nais::detail::dual_number<relaxed_variables>;

/// A loop at a real factor (stride: the product of the inner loops' factors of its dimension).
template <class T>
struct real_loop {
    dim d = dim::N;
    T factor = 1;
    bool spatial = false;
    int level = 0;
    T stride = 1;
};

/// A mapping at real factors: loops outermost first, what each level keeps.
template <class T>
struct real_mapping {
    std::vector<real_loop<T>> loops;
    std::vector<std::array<bool, num_operands>> keep;
};

/// Per level and operand: reads, fills, updates (over all instances).
template <class T>
using real_accesses = std::array<std::array<T, 3>, num_operands>;

/// The model's figures at real factors; T is double or a dual number.
template <class T>
struct relaxed_costs {
    T cycles = 0, energy = 0, area = 0, macs = 0, utilization = 0;  ///< cycles, pJ, um^2, MACs
    std::vector<real_accesses<T>> accesses;                         ///< per level
    bool closed_form = true;  ///< every lattice union had a closed form (see the file comment)
    T seconds(double clock_mhz) const { return cycles / (clock_mhz * 1e6); }
};

namespace detail {

inline double value_of(double x) { return x; }
template <int N>
double value_of(const nais::detail::dual_number<N>& x) {
    return x.v;
}

/// Real-valued counterparts of extents and box.
template <class T>
using real_extents = std::array<T, num_dims>;
template <class T>
using real_box = std::array<T, 5>;

template <class T>
real_box<T> real_operand_box(operand o, const real_extents<T>& e, int stride_h, int stride_w) {
    using enum dim;
    auto at = [&](dim d) { return e[std::size_t(d)]; };
    switch (o) {
    case operand::weights: return {at(G), at(M), at(C), at(R), at(S)};
    case operand::inputs: return {at(N), at(G), at(C), (at(P) - 1.0) * double(stride_h) + at(R), (at(Q) - 1.0) * double(stride_w) + at(S)};
    case operand::outputs: return {at(N), at(G), at(M), at(P), at(Q)};
    }
    return {};
}

template <class T>
real_box<T> real_operand_shift(operand o, const real_extents<T>& t, int stride_h, int stride_w) {
    using enum dim;
    auto at = [&](dim d) { return t[std::size_t(d)]; };
    switch (o) {
    case operand::weights: return {at(G), at(M), at(C), at(R), at(S)};
    case operand::inputs: return {at(N), at(G), at(C), at(P) * double(stride_h) + at(R), at(Q) * double(stride_w) + at(S)};
    case operand::outputs: return {at(N), at(G), at(M), at(P), at(Q)};
    }
    return {};
}

template <class T>
T real_volume(const real_box<T>& b) {
    T v = 1;
    for (const T& x : b)
        v = v * x;
    return v;
}

template <class T, class Take>
real_extents<T> real_extents_of(const std::vector<real_loop<T>>& loops, Take take) {
    real_extents<T> e;
    e.fill(T(1));
    for (const real_loop<T>& f : loops)
        if (take(f))
            e[std::size_t(f.d)] = e[std::size_t(f.d)] * f.factor;
    return e;
}

/// A progression of sibling offsets along one operand axis: factor copies, spacing apart.
template <class T>
struct progression {
    T factor, spacing;
    std::int64_t rounded_factor = 1, rounded_spacing = 1;  ///< at the factors rounded: they pick the formula
};

/// The sibling progressions of operand o per axis (spatial loops `loops`).
/// (rounded[k], rounded_stride[k]: loop k's factor and stride at the factors rounded.)
template <class T>
std::array<std::vector<progression<T>>, 5> sibling_progressions(operand o, const layer& l, const std::vector<const real_loop<T>*>& loops,
                                                               const real_loop<T>* first, const std::vector<std::int64_t>& rounded,
                                                               const std::vector<std::int64_t>& rounded_stride) {
    std::array<std::vector<progression<T>>, 5> ax;
    using enum dim;
    for (const real_loop<T>* f : loops) {
        const dim d = f->d;
        if (!relevant(o, d))
            continue;
        const auto k = std::size_t(f - first);
        int axis = 0;
        T spacing = f->stride;
        std::int64_t rounded_spacing = rounded_stride[k];
        switch (o) {
        case operand::weights: axis = d == G ? 0 : d == M ? 1 : d == C ? 2 : d == R ? 3 : 4; break;
        case operand::inputs:
            axis = d == N ? 0 : d == G ? 1 : d == C ? 2 : (d == P || d == R) ? 3 : 4;
            if (d == P)
                spacing = spacing * double(l.stride_h), rounded_spacing *= l.stride_h;
            if (d == Q)
                spacing = spacing * double(l.stride_w), rounded_spacing *= l.stride_w;
            break;
        case operand::outputs: axis = d == N ? 0 : d == G ? 1 : d == M ? 2 : d == P ? 3 : 4; break;
        }
        ax[std::size_t(axis)].push_back({f->factor, spacing, rounded[k], rounded_spacing});
    }
    for (auto& v : ax)
        std::stable_sort(v.begin(), v.end(), [](const progression<T>& a, const progression<T>& b) { return a.rounded_spacing < b.rounded_spacing; });
    return ax;
}

/// The measure of the union of an extent-E interval's copies at the sums of the progressions
/// (sorted by spacing): (f - 1) a + E for overlapping copies of a contiguous set, f x measure
/// for copies past the set's span; otherwise counted at the rounded values (closed = false).
/// The case is decided at the rounded values (rounded_extent, the progressions' rounded_*).
template <class T>
T union_extent(const T& extent, std::int64_t rounded_extent, const std::vector<progression<T>>& ps, bool& closed) {
    T measure = extent, span = extent;
    std::int64_t rounded_span = rounded_extent;
    bool contiguous = true;
    for (std::size_t i = 0; i < ps.size(); ++i) {
        const progression<T>& p = ps[i];
        if (contiguous && p.rounded_spacing <= rounded_span) {
            span = (p.factor - 1.0) * p.spacing + span;
            measure = span;
        } else if (p.rounded_spacing >= rounded_span) {
            measure = p.factor * measure;
            span = (p.factor - 1.0) * p.spacing + span;
            contiguous = false;
        } else {  // copies interleave with gaps: count the rounded lattice's union exactly
            closed = false;
            std::vector<std::int64_t> offsets{0}, next;
            for (const progression<T>& q : ps) {
                next.clear();
                const std::int64_t f = q.rounded_factor, a = q.rounded_spacing;
                for (std::int64_t base : offsets)
                    for (std::int64_t k = 0; k < f; ++k)
                        next.push_back(base + k * a);
                offsets.swap(next);
            }
            std::sort(offsets.begin(), offsets.end());
            offsets.erase(std::unique(offsets.begin(), offsets.end()), offsets.end());
            return T(double(union_measure(0, rounded_extent, offsets)));
        }
        rounded_span += (p.rounded_factor - 1) * p.rounded_spacing;
    }
    return measure;
}

template <class T>
struct real_sums {
    T child = 0, distinct = 0;
};
template <class T>
real_sums<T> operator+(const real_sums<T>& a, const real_sums<T>& b) {
    return {a.child + b.child, a.distinct + b.distinct};
}
template <class T>
real_sums<T> operator-(const real_sums<T>& a, const real_sums<T>& b) {
    return {a.child - b.child, a.distinct - b.distinct};
}
template <class T>
real_sums<T> operator*(const T& k, const real_sums<T>& s) {
    return {k * s.child, k * s.distinct};
}

/// delta_walk (analysis.hpp) at real factors: the same states and steps; a loop's f - 1 blocks
/// are its whole blocks, then the fraction of the next (each count is linear in f).
template <class T>
class real_delta_walk {
public:
    /// reference: the translations at the factors rounded, which decide the axes a step moves
    /// and which steps repeat a stride (a real factor near an integer must not turn a cancelled
    /// component into a tiny move)
    real_delta_walk(const real_box<T>& tile, const box& rounded_tile, const std::vector<real_box<T>>& translations, const std::vector<box>& reference,
                    const std::vector<T>& factors, const std::array<std::vector<progression<T>>, 5>& siblings, bool& closed)
        : tile_(tile), rounded_tile_(rounded_tile), t_(translations), ref_(reference), f_(factors), siblings_(siblings), closed_(closed) {
        const int K = int(t_.size());
        first_equal_translations(ref_, canon_);
        memo_.assign(std::size_t((K + 1) * (K + 1)), {});
        known_.assign(memo_.size(), 0);
    }

    real_sums<T> total() { return cost({delta_shape::whole}) + run(0, -1).sums; }

private:
    struct result {
        real_sums<T> sums;
        int state = -1;
    };

    real_sums<T> cost(const delta_shape& d, const T& width = T(0)) const {
        if (d.kind == delta_shape::none)
            return {};
        const T vol = real_volume(tile_);
        T child = vol, distinct = 1;
        for (int a = 0; a < 5; ++a) {
            T extent = tile_[std::size_t(a)];
            std::int64_t rounded = rounded_tile_[std::size_t(a)];
            if (d.kind == delta_shape::slab && d.axis == a) {
                child = vol / tile_[std::size_t(a)] * width;
                extent = width;
                rounded = d.width;
            }
            distinct = distinct * union_extent(extent, rounded, siblings_[std::size_t(a)], closed_);
        }
        return {child, distinct};
    }

    real_sums<T> subtract_cost(const real_box<T>& t, const box& ref) const {
        int moved = 0, axis = 0;
        for (int a = 0; a < 5; ++a)
            if (ref[std::size_t(a)] != 0) {
                ++moved;
                axis = a;
            }
        const T w = ref[std::size_t(axis)] < 0 ? -t[std::size_t(axis)] : t[std::size_t(axis)];
        const std::int64_t rounded = std::llabs(ref[std::size_t(axis)]);
        if (moved == 1 && rounded < rounded_tile_[std::size_t(axis)])
            return cost({delta_shape::slab, axis, rounded, true}, w);
        return cost({delta_shape::whole});
    }

    result step(int k, int s) const {
        const real_box<T>& t = t_[std::size_t(k)];
        const box& ref = ref_[std::size_t(k)];
        if (ref == box{})
            return {{}, s};
        if (s < 0)
            return {subtract_cost(t, ref), canon_[std::size_t(k)]};
        if (canon_[std::size_t(k)] == s)
            return {subtract_cost(t, ref), s};
        return {cost({delta_shape::whole}), -1};
    }

    result run(int k, int s) {
        const int K = int(t_.size());
        if (k == K)
            return {{}, s};
        const std::size_t key = std::size_t(k * (K + 1) + (s + 1));
        if (known_[key])
            return memo_[key];
        result r = run(k + 1, s);
        real_sums<T> acc = r.sums;
        int state = r.state;
        const T blocks = f_[std::size_t(k)] - 1.0;
        const auto whole = std::int64_t(std::floor(value_of(blocks) + 1e-9));
        std::vector<std::int64_t> seen(std::size_t(K + 1));
        std::vector<real_sums<T>> at_start(std::size_t(K + 1));
        state = sweep_blocks(whole, state, acc, seen.data(), at_start.data(), std::size_t(K + 1), [&](int from) {
            const result e = step(k, from);
            const result inner = run(k + 1, e.state);
            return std::pair{e.sums + inner.sums, inner.state};
        });
        // the fractional block: its share of the next block's sums (zero at integer factors,
        // but its derivative is the block's cost)
        const T fraction = blocks - double(whole);
        {
            const result e = step(k, state);
            const result inner = run(k + 1, e.state);
            acc = acc + fraction * (e.sums + inner.sums);
        }
        memo_[key] = {acc, state};
        known_[key] = 1;
        return memo_[key];
    }

    real_box<T> tile_;
    box rounded_tile_;
    const std::vector<real_box<T>>& t_;
    const std::vector<box>& ref_;
    const std::vector<T>& f_;
    const std::array<std::vector<progression<T>>, 5>& siblings_;
    bool& closed_;
    std::vector<int> canon_;
    std::vector<result> memo_;
    std::vector<char> known_;
};


/// analyse() at real factors (see the file comment); mac_instances and area are the hardware's.
template <class T, class Ops>
relaxed_costs<T> analyse_real(const layer& l, const architecture& a, const real_mapping<T>& m, const T& mac_instances, const T& area, const Ops& ops) {
    const std::vector<real_loop<T>>& nest = m.loops;
    const int L = int(a.levels.size());
    relaxed_costs<T> ev;
    ev.area = area;
    T compute = 1, used_macs = 1;
    ev.macs = 1;
    for (const auto& f : nest) {
        ev.macs = ev.macs * f.factor;
        if (f.spatial)
            used_macs = used_macs * f.factor;
        else
            compute = compute * f.factor;
    }
    std::vector<std::int64_t> rounded(nest.size()), rounded_stride(nest.size());  // the reference structure
    {
        extents inner;
        inner.fill(1);
        for (std::size_t k = nest.size(); k-- > 0;) {
            rounded[k] = std::max<std::int64_t>(1, std::llround(value_of(nest[k].factor)));
            rounded_stride[k] = inner[std::size_t(nest[k].d)];
            inner[std::size_t(nest[k].d)] *= rounded[k];
        }
    }
    std::vector<T> utilized(std::size_t(L), T(1)), network_words(std::size_t(L), T(0));
    for (int i = 0; i < L; ++i)
        for (const auto& f : nest)
            if (f.spatial && f.level < i)
                utilized[std::size_t(i)] = utilized[std::size_t(i)] * f.factor;
    ev.accesses.assign(std::size_t(L), real_accesses<T>{});
    const auto box_of = [&](operand o, auto take) { return real_operand_box(o, real_extents_of(nest, take), l.stride_h, l.stride_w); };
    for (int oi = 0; oi < num_operands; ++oi) {
        const operand o = operand(oi);
        const double bits = l.bits[std::size_t(oi)];
        std::vector<int> keepers;
        for (int i = 0; i < L; ++i)
            if (m.keep[std::size_t(i)][std::size_t(oi)])
                keepers.push_back(i);
        std::vector<T> content(std::size_t(L), T(0)), share(std::size_t(L), T(0)), partition(std::size_t(L), T(0));
        for (int i : keepers)
            partition[std::size_t(i)] = real_volume(box_of(o, [&](const real_loop<T>& f) { return f.level >= i || !f.spatial; }));
        for (std::size_t k = 1; k < keepers.size(); ++k) {
            const int c = keepers[k], p = keepers[k - 1];
            const real_box<T> tile = box_of(o, [&](const real_loop<T>& f) { return f.level >= c; });
            extents rounded_extents;
            rounded_extents.fill(1);
            for (std::size_t k2 = 0; k2 < nest.size(); ++k2)
                if (nest[k2].level >= c)
                    rounded_extents[std::size_t(nest[k2].d)] *= rounded[k2];
            const box rounded_tile = operand_box(o, rounded_extents, l.stride_h, l.stride_w);
            std::vector<const real_loop<T>*> outer, siblings;
            std::vector<std::size_t> outer_index;
            for (const auto& f : nest) {
                if (!f.spatial && f.level < c) {
                    outer.push_back(&f);
                    outer_index.push_back(std::size_t(&f - nest.data()));
                }
                if (f.spatial && f.level >= p && f.level < c)
                    siblings.push_back(&f);
            }
            std::vector<real_box<T>> shifts;
            std::vector<box> reference;
            std::vector<T> factors;
            for (std::size_t q = 0; q < outer.size(); ++q) {  // loop q steps, the loops inside it wrap
                real_extents<T> t;
                t.fill(T(0));
                extents r{};
                t[std::size_t(outer[q]->d)] = t[std::size_t(outer[q]->d)] + outer[q]->stride;
                r[std::size_t(outer[q]->d)] += rounded_stride[outer_index[q]];
                for (std::size_t j = q + 1; j < outer.size(); ++j) {
                    t[std::size_t(outer[j]->d)] = t[std::size_t(outer[j]->d)] - (outer[j]->factor - 1.0) * outer[j]->stride;
                    r[std::size_t(outer[j]->d)] -= (rounded[outer_index[j]] - 1) * rounded_stride[outer_index[j]];
                }
                shifts.push_back(real_operand_shift(o, t, l.stride_h, l.stride_w));
                reference.push_back(operand_shift(o, r, l.stride_h, l.stride_w));
                factors.push_back(outer[q]->factor);
            }
            const auto sib = sibling_progressions(o, l, siblings, nest.data(), rounded, rounded_stride);
            const real_sums<T> s = real_delta_walk<T>(tile, rounded_tile, shifts, reference, factors, sib, ev.closed_form).total();
            share[std::size_t(c)] = s.child;
            content[std::size_t(p)] = s.distinct;
            network_words[std::size_t(p)] = network_words[std::size_t(p)] + s.child * utilized[std::size_t(c)] * (bits / a.levels[std::size_t(p)].word_bits);
        }
        {  // the innermost keeper feeds the MACs: one access per MAC and cycle, multicast / reduced
            const int in = keepers.back();
            std::vector<const real_loop<T>*> below;
            for (const auto& f : nest)
                if (f.spatial && f.level >= in)
                    below.push_back(&f);
            T distinct = 1;
            for (const auto& ax : sibling_progressions(o, l, below, nest.data(), rounded, rounded_stride))
                distinct = distinct * union_extent(T(1), 1, ax, ev.closed_form);
            content[std::size_t(in)] = compute * distinct;
            if (in + 1 < L)
                network_words[std::size_t(in)] = network_words[std::size_t(in)] + compute * used_macs * (bits / a.levels[std::size_t(in)].word_bits);
        }
        for (std::size_t k = 0; k < keepers.size(); ++k) {
            const std::size_t i = std::size_t(keepers[k]);
            std::array<T, 3> per{T(0), T(0), T(0)};  // reads, fills, updates per instance
            if (o == operand::outputs) {
                per = {content[i] - partition[i], k == 0 ? T(0) : share[i] - partition[i], content[i]};
            } else {
                per = {content[i], share[i], T(0)};
            }
            for (int c = 0; c < 3; ++c)
                ev.accesses[i][std::size_t(oi)][std::size_t(c)] = per[std::size_t(c)] * utilized[i];
        }
    }
    ev.energy = ev.macs * a.mac.energy;
    ev.cycles = compute;
    for (int i = 0; i < L; ++i) {
        const level& hw = a.levels[std::size_t(i)];
        T words = 0, energy = network_words[std::size_t(i)] * hw.network_energy;
        for (int oi = 0; oi < num_operands; ++oi) {
            const double scale = double(l.bits[std::size_t(oi)]) / hw.word_bits;
            const auto& c = ev.accesses[std::size_t(i)][std::size_t(oi)];
            energy = energy + (c[0] * hw.read_energy + (c[1] + c[2]) * hw.write_energy) * scale;
            words = words + (c[0] + c[1] + c[2]) * scale;
        }
        ev.energy = ev.energy + energy;
        const T per_cycle = hw.bandwidth > 0 ? words / utilized[std::size_t(i)] / hw.bandwidth - 1e-9 : T(0);
        if (value_of(per_cycle) > 0)  // the bandwidth slowdown (Timeloop's), ceil and max relaxed
            ev.cycles = ops.max(ev.cycles, ops.ceil(per_cycle));
    }
    ev.utilization = ev.macs / (ev.cycles * mac_instances);
    return ev;
}

/// The padded template's factors per level and dimension (DRAM gets what is left).
template <class T>
struct template_factors {
    real_extents<T> dram, buffer, rf;
    std::vector<real_loop<T>> spatial;  ///< dim, factor, spatial (true), level 1; y in `stride`'s stead: see y_axis
    std::vector<bool> y_axis;
};

/// The padded template (see the file comment) at hardware values of type T, with ops' min,
/// floor and ceil: exact ops give integers, relaxed ops their smooth counterparts.
template <class T, class Ops>
template_factors<T> padded_factors(const layer& l, const dataflow_family& fam, const T& pe_x, const T& pe_y, const T& rf_words,
                                   double buffer_words, const std::array<int, num_operands>& bits, const Ops& ops) {
    const extents b = l.bounds();
    template_factors<T> p;
    real_extents<T>& left = p.dram;
    for (int d = 0; d < num_dims; ++d)
        left[std::size_t(d)] = double(b[std::size_t(d)]);
    p.buffer.fill(T(1));
    p.rf.fill(T(1));
    constexpr double one = 1 + 1e-9;  // a factor at most this is no loop
    for (int axis = 0; axis < 2; ++axis) {
        T room = axis == 0 ? pe_y : pe_x;
        for (dim d : axis == 0 ? fam.y_dims : fam.x_dims) {
            if (b[std::size_t(d)] == 1 || value_of(room) < one)
                continue;
            const T cap = ops.floor(room), s = ops.min(left[std::size_t(d)], cap);
            if (value_of(s) <= one)
                continue;
            p.spatial.push_back({d, s, true, 1, T(1)});
            p.y_axis.push_back(axis == 0);
            // ceil(left / min(left, cap)) = ceil(left / cap): no relaxed step where the dimension fits
            left[std::size_t(d)] = ops.ceil(left[std::size_t(d)] / cap);
            room = room / s;
        }
    }
    // bits of level j's kept tiles (j = 1 buffer: every operand; j = 2 RF: the family's)
    const auto tile_bits = [&](int j) {
        real_extents<T> e = p.rf;
        if (j == 1) {
            for (int d = 0; d < num_dims; ++d)
                e[std::size_t(d)] = e[std::size_t(d)] * p.buffer[std::size_t(d)];
            for (const auto& s : p.spatial)
                e[std::size_t(s.d)] = e[std::size_t(s.d)] * s.factor;
        }
        T total = 0;
        for (int o = 0; o < num_operands; ++o)
            if (j == 1 || fam.rf_keep[std::size_t(o)])
                total = total + real_volume(real_operand_box(operand(o), e, l.stride_h, l.stride_w)) * double(bits[std::size_t(o)]);
        return total;
    };
    const T caps[3] = {T(0), T(buffer_words * 16), rf_words * 16.0};
    for (int j = 1; j <= 2; ++j)  // the growth below keeps every tile within its level: the smallest tiles must fit
        nais::detail::require(value_of(tile_bits(j)) <= value_of(caps[j]) * (1 + 1e-12), "dataflow: layer '", l.name,
                              "': the template's smallest tiles need ", value_of(tile_bits(j)), " bits at ",
                              j == 1 ? "the global buffer" : "the register file", ", which has ", value_of(caps[j]));
    for (int index : {2, 1}) {
        const std::vector<dim>& order = index == 2 ? fam.rf_order : fam.buffer_order;
        real_extents<T>& at = index == 2 ? p.rf : p.buffer;
        for (std::size_t q = order.size(); q-- > 0;) {
            const std::size_t d = std::size_t(order[q]);
            if (value_of(left[d]) <= one)
                continue;
            // the largest k whose tiles fit every on-chip level at or above: bits are affine in k
            bool bounded = false, full = false;
            T limit = 0;
            for (int j = index; j >= 1 && !full; --j) {
                at[d] = T(1);
                const T b1 = tile_bits(j);
                at[d] = T(2);
                const T slope = tile_bits(j) - b1;
                at[d] = T(1);
                if (value_of(slope) <= 0)
                    continue;
                const T k = 1.0 + (caps[j] - b1) / slope;
                full = value_of(k) < one;  // not even a factor above 1 fits
                limit = bounded && !full ? ops.min(limit, k) : k;
                bounded = true;
            }
            if (full)
                continue;
            if (!bounded) {  // the dimension does not grow this level's tiles: all of it
                at[d] = left[d];
                left[d] = T(1);
                continue;
            }
            const T cap = ops.floor(limit), k = ops.min(left[d], cap);
            if (value_of(k) <= one)
                continue;
            at[d] = k;
            left[d] = ops.ceil(left[d] / cap);
        }
    }
    return p;
}

/// The template's loops outermost first (DRAM, buffer, the array, RF), strides set.
template <class T>
real_mapping<T> to_real_mapping(const dataflow_family& fam, const template_factors<T>& p) {
    real_mapping<T> m;
    constexpr double one = 1 + 1e-9;
    const auto add = [&](dim d, const T& f, bool spatial, int level) {
        if (value_of(f) > one)
            m.loops.push_back({d, f, spatial, level, T(1)});
    };
    for (dim d : fam.dram_order)
        add(d, p.dram[std::size_t(d)], false, 0);
    for (dim d : fam.buffer_order)
        add(d, p.buffer[std::size_t(d)], false, 1);
    for (const auto& s : p.spatial)
        add(s.d, s.factor, true, 1);
    for (dim d : fam.rf_order)
        add(d, p.rf[std::size_t(d)], false, 2);
    real_extents<T> inner;
    inner.fill(T(1));
    for (std::size_t k = m.loops.size(); k-- > 0;) {
        m.loops[k].stride = inner[std::size_t(m.loops[k].d)];
        inner[std::size_t(m.loops[k].d)] = inner[std::size_t(m.loops[k].d)] * m.loops[k].factor;
    }
    m.keep = {{true, true, true}, {true, true, true}, fam.rf_keep};
    return m;
}

/// An integer mapping at real factors (T = double): what analyse_real takes.
inline real_mapping<double> to_real_mapping(const mapping& m) {
    real_mapping<double> r;
    std::vector<flat_loop> nest;
    flatten(m, nest);
    for (const flat_loop& f : nest)
        r.loops.push_back({f.d, double(f.factor), f.spatial, f.level, double(f.stride)});
    for (const level_mapping& lm : m.levels)
        r.keep.push_back(lm.keep);
    return r;
}

template <class T>
T relaxed_area(const T& pe_x, const T& pe_y, const T& rf_words, double buffer_words, const area_table& ar) {
    return pe_x * pe_y * (ar.mac + ar.rf_bit * 16.0 * rf_words) + ar.buffer_bit * 16.0 * buffer_words;
}

}  // namespace detail

/// The padded template at integer hardware as a mapping, and the layer padded to its factors'
/// products (what the mapping covers exactly; evaluate() of the pair equals exact_padded()).
struct padded_mapping {
    layer padded;
    mapping m;
};

inline padded_mapping padded_template(const layer& l, const hardware& h) {
    validate(l);
    const dataflow_family fam = family_of(h.dataflow);
    const auto p = detail::padded_factors(l, fam, double(h.pe_x), double(h.pe_y), double(h.rf_entries), double(h.buffer_entries), l.bits,
                                          nais::detail::exact_ops{});
    detail::factor_plan plan;
    extents covered;
    for (int d = 0; d < num_dims; ++d) {
        const auto at = [&](const detail::real_extents<double>& e) { return std::int64_t(std::llround(e[std::size_t(d)])); };
        plan.dram[std::size_t(d)] = at(p.dram), plan.buffer[std::size_t(d)] = at(p.buffer), plan.rf[std::size_t(d)] = at(p.rf);
        covered[std::size_t(d)] = plan.dram[std::size_t(d)] * plan.buffer[std::size_t(d)] * plan.rf[std::size_t(d)];
    }
    for (std::size_t i = 0; i < p.spatial.size(); ++i) {
        const auto f = std::int64_t(std::llround(p.spatial[i].factor));
        plan.spatial.push_back({p.spatial[i].d, f, p.y_axis[i]});
        covered[std::size_t(p.spatial[i].d)] *= f;
    }
    padded_mapping out{l, detail::build(fam, plan)};
    using enum dim;
    const auto at = [&](dim d) { return covered[std::size_t(d)]; };
    out.padded.N = at(N), out.padded.groups = int(at(G)), out.padded.M = at(M) * at(G), out.padded.C = at(C) * at(G);
    out.padded.P = at(P), out.padded.Q = at(Q), out.padded.R = at(R), out.padded.S = at(S);
    return out;
}

namespace detail {
template <class T, class Ops>
relaxed_costs<T> template_costs(const layer& l, const T& pe_x, const T& pe_y, const T& rf, const relaxed_hardware& h, const Ops& ops,
                                const energy_table& e, const area_table& ar) {
    const dataflow_family fam = family_of(h.dataflow);
    const template_factors<T> p = padded_factors(l, fam, pe_x, pe_y, rf, double(h.buffer_entries), l.bits, ops);
    hardware hw;
    hw.buffer_entries = h.buffer_entries;
    hw.dram_bandwidth = h.dram_bandwidth;
    hw.clock_mhz = h.clock_mhz;
    const architecture a = make_architecture(hw, e, ar);  // energies, word bits, bandwidth (sizes come from pe_x, pe_y, rf)
    return analyse_real(l, a, to_real_mapping(fam, p), pe_x * pe_y, relaxed_area(pe_x, pe_y, rf, double(h.buffer_entries), ar), ops);
}

inline void check_relaxed(const relaxed_hardware& h, const relaxation& r) {
    using nais::detail::require;
    require(nais::detail::valid_temperatures(r), "dataflow: relaxation temperatures must be in [1e-4, 1], got tau_max ", r.tau_max,
            ", tau_ceil ", r.tau_ceil);
    require(std::isfinite(h.pe_x) && std::isfinite(h.pe_y) && h.pe_x >= 1 && h.pe_y >= 1 && h.pe_x * h.pe_y <= double(1 << 20),
            "dataflow: relaxed PE array ", h.pe_x, " x ", h.pe_y, " must be finite, each >= 1, at most 2^20 PEs");
    require(std::isfinite(h.rf_entries) && h.rf_entries >= 1 && h.rf_entries <= double(1 << 24), "dataflow: relaxed rf_entries ",
            h.rf_entries, " must be in [1, 2^24]");
    require(h.buffer_entries >= 1 && h.dram_bandwidth >= 0 && std::isfinite(h.dram_bandwidth) && h.clock_mhz > 0,
            "dataflow: relaxed buffer_entries must be >= 1, dram_bandwidth >= 0 and clock_mhz > 0");
}
}  // namespace detail

/// The exact model of the padded template at integer hardware (cycles, pJ, um^2; equals
/// evaluate() of padded_template's pair).
inline relaxed_costs<double> exact_padded(const layer& l, const hardware& h, const energy_table& e = eyeriss_normalized, const area_table& ar = {}) {
    validate(l);
    const relaxed_hardware r{double(h.pe_x), double(h.pe_y), double(h.rf_entries), h.buffer_entries, h.dataflow, h.dram_bandwidth, h.clock_mhz};
    detail::check_relaxed(r, {});
    return detail::template_costs(l, r.pe_x, r.pe_y, r.rf_entries, r, nais::detail::exact_ops{}, e, ar);
}

/// The relaxed model: cycles, energy (pJ), area (um^2), MACs and utilisation of a layer on its
/// padded template, each with its gradient with respect to (pe_x, pe_y, rf_entries).
inline relaxed_costs<relaxed_dual> relaxed_evaluate(const layer& l, const relaxed_hardware& h, const relaxation& r = {},
                                                    const energy_table& e = eyeriss_normalized, const area_table& ar = {}) {
    validate(l);
    detail::check_relaxed(h, r);
    const relaxed_dual x = relaxed_dual::seed(h.pe_x, var_pe_x), y = relaxed_dual::seed(h.pe_y, var_pe_y),
                       rf = relaxed_dual::seed(h.rf_entries, var_rf);
    return detail::template_costs(l, x, y, rf, h, nais::detail::relaxed_ops_of<relaxed_dual>{r}, e, ar);
}

/// A network's relaxed totals: cycles and energy summed over its layers, the area once.
inline relaxed_costs<relaxed_dual> relaxed_network(const std::vector<layer>& layers, const relaxed_hardware& h, const relaxation& r = {},
                                                   const energy_table& e = eyeriss_normalized, const area_table& ar = {}) {
    nais::detail::require(!layers.empty(), "dataflow: relaxed_network needs at least one layer");
    relaxed_costs<relaxed_dual> total;
    for (const layer& l : layers) {
        const relaxed_costs<relaxed_dual> c = relaxed_evaluate(l, h, r, e, ar);
        total.cycles = total.cycles + c.cycles;
        total.energy = total.energy + c.energy;
        total.macs = total.macs + c.macs;
        total.area = c.area;
        total.closed_form = total.closed_form && c.closed_form;
    }
    total.utilization = total.macs / (total.cycles * relaxed_dual::seed(h.pe_x, var_pe_x) * relaxed_dual::seed(h.pe_y, var_pe_y));
    return total;
}

}  // namespace nais::dataflow
