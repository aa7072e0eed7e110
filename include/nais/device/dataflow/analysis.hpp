#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/dataflow/architecture.hpp>
#include <nais/device/dataflow/mapping.hpp>
#include <nais/device/dataflow/problem.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <utility>
#include <vector>

// The analysis of a mapping with Timeloop's model conventions (NVlabs/timeloop@4cf6d4c):
// - tiles: a level's tile of an operand is the box its own loops and every inner loop touch
//   (src/loop-analysis/nest-analysis.cpp, the point sets at storage boundaries);
// - temporal reuse: on every iteration of the loops above a tile, the tile's new points are
//   fetched; a translation along one axis that overlaps the old tile fetches only the slab,
//   a translation along several axes the whole tile; a zero translation (a loop irrelevant to
//   the operand) fetches nothing; and when the translation changes (an inner loop wraps), the
//   whole tile is fetched and the stride forgotten (OperationSpace::SaveAndSubtractIfSameStride,
//   AxisAlignedHyperRectangle::Subtract); whether a zero translation counts as a stride is
//   architecture::stationary (Timeloop changed it in a12fff5, Jan 2025);
// - multicast and spatial reduction: every child is filled with its own delta; a parent is read
//   once per distinct point the siblings fetch in the same step (union_of_deltas, the default),
//   or, as Timeloop counts (ComputeAccurateMulticastedAccesses, CheckEquality), once per
//   distinct delta of its own fan-out stage, a stage's delta being the union of those below it
//   (equal_deltas; architecture::multicast);
// - the operand at the innermost level that keeps it is read (updated, for Outputs) once per
//   MAC, with multicast / reduction over the MACs below it;
// - per level (tiling.cpp, ComputeReadUpdateReductionAccesses_Legacy): read-only operands have
//   reads = child accesses, fills = parent share, updates = 0; Outputs have updates = child
//   accesses, reads = updates - partition size (the first write of each output needs no
//   read-back), fills = parent share - partition size (the outermost level: no fills);
// - cycles: the product of the temporal factors, stretched where a level needs more than its
//   bandwidth (src/model/buffer.cpp ComputePerformance: ceil(compute cycles / slowdown)); with
//   architecture::spatial_reduction = in_pe (not a Timeloop option), plus one cycle per psum a PE
//   receives from a neighbour (reduction_cycles).
// Counts are reported as totals over the utilised instances of a level.
namespace nais::dataflow {

struct access_counts {
    double reads = 0, fills = 0, updates = 0;
};

/// One storage level's figures.
struct level_report {
    std::string name;
    std::array<access_counts, num_operands> accesses{};  ///< totals over utilised instances
    std::array<std::int64_t, num_operands> tile{};       ///< per instance (0: bypassed)
    std::array<double, num_operands> partition{};        ///< distinct points one instance ever holds
    std::int64_t utilized_instances = 1;
    double used_bits = 0;  ///< per instance: sum of kept tiles x operand bits
    double energy = 0;     ///< pJ: accesses and the fan-out network
    double cycles = 0;     ///< cycles its bandwidth needs (0: unlimited)
};

/// The evaluation of a mapping.
struct evaluation {
    double cycles = 0, compute_cycles = 0;
    double reduction_cycles = 0;  ///< in_pe spatial reduction: the cycles PEs spend adding received psums
    double energy = 0;       ///< pJ
    double mac_energy = 0;   ///< pJ
    double area = 0;         ///< the architecture's, in its unit
    double macs = 0;         ///< the layer's MACs
    double utilization = 0;  ///< macs / (cycles x MAC units)
    std::int64_t utilized_macs = 1;  ///< MACs the spatial loops use (a padded mapping: those with work)
    std::vector<level_report> levels;
    double seconds(const architecture& a) const { return cycles / (a.clock_mhz * 1e6); }
};

namespace detail {

struct flat_loop {
    dim d;
    std::int64_t factor;
    bool spatial;
    int level;
    std::int64_t stride;  ///< product of the inner loops' factors of the same dimension
};

inline void flatten(const mapping& m, std::vector<flat_loop>& nest) {
    nest.clear();
    for (std::size_t i = 0; i < m.levels.size(); ++i) {
        for (const temporal_loop& t : m.levels[i].temporal)
            if (t.factor > 1)
                nest.push_back({t.d, t.factor, false, int(i), 1});
        for (const spatial_loop& s : m.levels[i].spatial)
            if (s.factor > 1)
                nest.push_back({s.d, s.factor, true, int(i), 1});
    }
    extents inner;
    inner.fill(1);
    for (std::size_t k = nest.size(); k-- > 0;) {
        nest[k].stride = inner[std::size_t(nest[k].d)];
        inner[std::size_t(nest[k].d)] *= nest[k].factor;
    }
}

/// Per-dimension extents of the loops selected by `take`.
template <class Take>
extents extents_of(const std::vector<flat_loop>& nest, Take take) {
    extents e;
    e.fill(1);
    for (const flat_loop& f : nest)
        if (take(f))
            e[std::size_t(f.d)] *= f.factor;
    return e;
}

/// The buffers of one analysis, kept per thread so that an analysis reuses their capacity.
struct workspace {
    std::vector<flat_loop> nest;
    std::array<std::vector<std::int64_t>, num_dims> per_dim;
    std::vector<std::int64_t> next;
    std::array<std::vector<std::int64_t>, 5> axes;  ///< sibling offsets per operand axis
    std::vector<const flat_loop*> outer, siblings, stage;
    std::vector<box> shifts;
    std::vector<std::int64_t> factors;
    std::vector<double> content, share, partition, utilized, network_words;
};

/// Per axis of operand o, the sorted distinct offsets of the sibling instances `loops` (spatial)
/// create, into w.axes.
inline void sibling_offsets(operand o, const layer& l, const std::vector<const flat_loop*>& loops, workspace& w) {
    for (auto& v : w.per_dim)
        v.assign(1, 0);
    for (const flat_loop* f : loops) {
        auto& v = w.per_dim[std::size_t(f->d)];
        w.next.clear();
        for (std::int64_t base : v)
            for (std::int64_t i = 0; i < f->factor; ++i)
                w.next.push_back(base + i * f->stride);
        v.swap(w.next);
    }
    const auto combine = [](const std::vector<std::int64_t>& a, std::int64_t sa, const std::vector<std::int64_t>& b, std::vector<std::int64_t>& r) {
        r.clear();
        for (std::int64_t x : a)
            for (std::int64_t y : b)
                r.push_back(x * sa + y);
    };
    using enum dim;
    auto at = [&](dim d) -> const std::vector<std::int64_t>& { return w.per_dim[std::size_t(d)]; };
    auto& ax = w.axes;
    switch (o) {
    case operand::weights: ax[0] = at(G), ax[1] = at(M), ax[2] = at(C), ax[3] = at(R), ax[4] = at(S); break;
    case operand::inputs:
        ax[0] = at(N), ax[1] = at(G), ax[2] = at(C);
        combine(at(P), l.stride_h, at(R), ax[3]);
        combine(at(Q), l.stride_w, at(S), ax[4]);
        break;
    case operand::outputs: ax[0] = at(N), ax[1] = at(G), ax[2] = at(M), ax[3] = at(P), ax[4] = at(Q); break;
    }
    for (auto& v : ax) {
        std::sort(v.begin(), v.end());
        v.erase(std::unique(v.begin(), v.end()), v.end());
    }
}

/// The measure of the union of [lo + o, hi + o) over sorted offsets o.
inline std::int64_t union_measure(std::int64_t lo, std::int64_t hi, const std::vector<std::int64_t>& offsets) {
    std::int64_t total = 0, end = std::numeric_limits<std::int64_t>::min();
    for (std::int64_t o : offsets) {
        const std::int64_t s = lo + o, e = hi + o;
        if (s >= end)
            total += e - s;
        else if (e > end)
            total += e - end;
        end = std::max(end, e);
    }
    return total;
}

/// What one step fetches into a tile: nothing, the whole tile, or a slab along one axis.
struct delta_shape {
    enum kind_t { none, whole, slab } kind = none;
    int axis = 0;
    std::int64_t width = 0;
    bool high = true;  ///< the slab is at the high end (a positive translation)
};

/// The sums of a stretch of steps: words per child, distinct words over the siblings.
struct step_sums {
    double child = 0, distinct = 0;
    step_sums& operator+=(const step_sums& o) {
        child += o.child;
        distinct += o.distinct;
        return *this;
    }
};
inline step_sums operator*(double k, step_sums s) { return {k * s.child, k * s.distinct}; }
inline step_sums operator-(step_sums a, const step_sums& b) { return {a.child - b.child, a.distinct - b.distinct}; }
inline step_sums operator+(step_sums a, const step_sums& b) { return a += b; }

/// The sums of a run of loops and the stride it leaves remembered (-1: none).
struct walk_state {
    step_sums sums;
    int state = -1;
};

/// The delta walk's buffers (memo per loop and entry state, cycle detection per loop).
struct walk_buffers {
    std::vector<int> canon;
    std::vector<walk_state> memo;
    std::vector<char> known;
    std::vector<std::int64_t> seen;
    std::vector<step_sums> at_start;
};

/// Both workspaces of the analysis, per thread.
struct thread_buffers {
    workspace w;
    walk_buffers b;
};
inline thread_buffers& thread_workspace() {
    thread_local thread_buffers t;
    return t;
}

/// `blocks` increments of one loop from `state`: adds each block's sums (one_block(state) returns
/// {sums, the state after it}) to acc and returns the final state. States repeat within
/// `states` blocks; the first repeat closes a cycle, whose whole repetitions are added in one
/// multiplication (seen, at_start: per state the block it was last seen at, per block the sums at
/// its start; `states` slots each).
template <class Sums, class OneBlock>
int sweep_blocks(std::int64_t blocks, int state, Sums& acc, std::int64_t* seen, Sums* at_start, std::size_t states, OneBlock&& one_block) {
    using scalar = decltype(acc.child);
    std::fill(seen, seen + states, std::int64_t(-1));
    bool jumped = false;
    for (std::int64_t b = 0; b < blocks; ++b) {
        if (!jumped && seen[state + 1] >= 0) {  // a cycle of states: jump over its repetitions
            const std::int64_t first = seen[state + 1], len = b - first;
            const Sums per = acc - at_start[first];
            const std::int64_t reps = (blocks - b) / len;
            acc = acc + scalar(double(reps)) * per;
            b += reps * len;
            jumped = true;
            if (b >= blocks)
                break;
        }
        if (!jumped) {
            seen[state + 1] = b;
            at_start[b] = acc;
        }
        const auto [sums, after] = one_block(state);
        acc = acc + sums;
        state = after;
    }
    return state;
}

/// canon[k]: the first loop whose translation equals loop k's (k itself when none before does);
/// equal translations are one stride to the walks below.
inline void first_equal_translations(const std::vector<box>& translations, std::vector<int>& canon) {
    const std::size_t K = translations.size();
    canon.assign(K, -1);
    for (std::size_t k = 0; k < K; ++k)
        canon[k] = int(std::find(translations.begin(), translations.begin() + std::ptrdiff_t(k + 1), translations[k]) - translations.begin());
}

/// Timeloop's temporal delta accounting for one operand's tile under a list of outer loops.
class delta_walk {
public:
    /// siblings: per operand axis, the offsets whose union one parent read serves; copies: per
    /// axis, how many distinct such unions the outer fan-out stage holds (1 under union_of_deltas).
    delta_walk(const box& tile, const std::vector<box>& translations, const std::vector<std::int64_t>& factors,
               const std::array<std::vector<std::int64_t>, 5>& siblings, const box& copies, stationary_rule stationary, walk_buffers& buffers)
        : tile_(tile), t_(translations), f_(factors), siblings_(siblings), copies_(copies), canon_(buffers.canon), memo_(buffers.memo),
          known_(buffers.known), seen_(buffers.seen), at_start_(buffers.at_start) {
        const int K = int(t_.size());
        zero_state_ = stationary == stationary_rule::reset_stride ? K : -1;
        states_ = K + 1 + (zero_state_ >= 0 ? 1 : 0);  // none, one per distinct stride, and the zero stride
        first_equal_translations(t_, canon_);
        memo_.assign(std::size_t((K + 1) * states_), {});
        known_.assign(memo_.size(), 0);
        seen_.assign(std::size_t(K * states_), -1);
        at_start_.assign(std::size_t(K * (states_ + 1)), {});
    }

    /// All steps: the first fetch of the whole tile, then every iteration of the outer loops.
    step_sums total() {
        step_sums s = cost({delta_shape::whole});
        s += run(0, -1).sums;
        return s;
    }

private:
    using result = walk_state;

    step_sums cost(const delta_shape& d) const {
        if (d.kind == delta_shape::none)
            return {};
        const std::int64_t vol = volume(tile_);
        std::int64_t child = vol;
        double distinct = 1;
        for (int a = 0; a < 5; ++a) {
            std::int64_t lo = 0, hi = tile_[std::size_t(a)];
            if (d.kind == delta_shape::slab && d.axis == a) {
                child = vol / tile_[std::size_t(a)] * d.width;
                if (d.high)
                    lo = hi - d.width;
                else
                    hi = d.width;
            }
            distinct *= double(union_measure(lo, hi, siblings_[std::size_t(a)])) * double(copies_[std::size_t(a)]);
        }
        return {double(child), distinct};
    }

    /// The delta of a translation that Timeloop subtracts: a slab if it moves along one axis
    /// and overlaps, else the whole tile.
    delta_shape subtract(const box& t) const {
        int moved = 0, axis = 0;
        for (int a = 0; a < 5; ++a)
            if (t[std::size_t(a)] != 0) {
                ++moved;
                axis = a;
            }
        const std::int64_t w = std::llabs(t[std::size_t(axis)]);
        if (moved == 1 && w < tile_[std::size_t(axis)])
            return {delta_shape::slab, axis, w, t[std::size_t(axis)] > 0};
        return {delta_shape::whole};
    }

    /// One increment of loop k from state s (the remembered stride, -1: none; zero_state_: a
    /// remembered zero stride, under stationary_rule::reset_stride).
    result step(int k, int s) const {
        const box& t = t_[std::size_t(k)];
        if (t == box{}) {
            if (zero_state_ < 0)
                return {{}, s};  // stationary: nothing fetched, stride kept
            if (s < 0 || s == zero_state_)
                return {{}, zero_state_};  // nothing fetched; the zero stride remembered
            return {cost({delta_shape::whole}), -1};  // the stride changed to zero: whole tile
        }
        if (s < 0)
            return {cost(subtract(t)), canon_[std::size_t(k)]};
        if (canon_[std::size_t(k)] == s)
            return {cost(subtract(t)), s};
        return {cost({delta_shape::whole}), -1};  // the stride changed: whole tile, stride forgotten
    }

    /// Loops k.. run once from state s, excluding the step that entered them.
    result run(int k, int s) {
        const int K = int(t_.size());
        if (k == K)
            return {{}, s};
        const std::size_t key = std::size_t(k * states_ + (s + 1));
        if (known_[key])
            return memo_[key];
        result r = run(k + 1, s);
        step_sums acc = r.sums;
        int state = r.state;
        const std::int64_t blocks = f_[std::size_t(k)] - 1;
        // per depth k: the block at which each state was last seen, and the sums at that block's
        // start (a state repeats within states_ blocks, so blocks past that are never recorded)
        state = sweep_blocks(blocks, state, acc, seen_.data() + std::size_t(k * states_), at_start_.data() + std::size_t(k * (states_ + 1)),
                             std::size_t(states_),
                             [&](int from) {
                                 const result e = step(k, from);
                                 const result inner = run(k + 1, e.state);
                                 return std::pair{e.sums + inner.sums, inner.state};
                             });
        memo_[key] = {acc, state};
        known_[key] = 1;
        return memo_[key];
    }

    box tile_;
    const std::vector<box>& t_;
    const std::vector<std::int64_t>& f_;
    const std::array<std::vector<std::int64_t>, 5>& siblings_;
    box copies_;
    int zero_state_ = -1, states_ = 0;
    std::vector<int>& canon_;
    std::vector<result>& memo_;
    std::vector<char>& known_;
    std::vector<std::int64_t>& seen_;
    std::vector<step_sums>& at_start_;
};

constexpr bool reduces(dim d) { return d == dim::C || d == dim::R || d == dim::S; }

/// architecture::spatial_reduction = in_pe: where a spatial loop spreads a reduction dimension
/// over the PEs below level r (the innermost such level), each PE adds one received psum per
/// output it completes, i.e. once per product K of the reduction loops inside it (the temporal
/// loops of C, R, S below level r): compute_cycles / K.
inline double in_pe_reduction_cycles(const std::vector<flat_loop>& nest, const architecture& a, double compute_cycles) {
    if (a.spatial_reduction != reduction_rule::in_pe)
        return 0;
    int r = -1;
    for (const flat_loop& f : nest)
        if (f.spatial && reduces(f.d))
            r = std::max(r, f.level);
    if (r < 0)
        return 0;
    double k = 1;
    for (const flat_loop& f : nest)
        if (!f.spatial && f.level > r && reduces(f.d))
            k *= double(f.factor);
    return compute_cycles / k;
}

}  // namespace detail

/// Bits each instance of level i uses for the tiles it keeps.
inline double used_bits(const layer& l, const mapping& m, std::size_t i) {
    thread_local std::vector<detail::flat_loop> nest;  // not the analysis's workspace: searches call both
    detail::flatten(m, nest);
    const extents e = detail::extents_of(nest, [&](const detail::flat_loop& f) { return f.level >= int(i); });
    double bits = 0;
    for (int o = 0; o < num_operands; ++o)
        if (m.levels[i].keep[std::size_t(o)])
            bits += double(volume(operand_box(operand(o), e, l.stride_h, l.stride_w))) * l.bits[std::size_t(o)];
    return bits;
}

/// Whether every level's kept tiles fit its entries; else the first level that overflows.
inline int first_overflow(const layer& l, const architecture& a, const mapping& m) {
    for (std::size_t i = 0; i < a.levels.size(); ++i)
        if (a.levels[i].entries > 0 && used_bits(l, m, i) > double(a.levels[i].entries) * a.levels[i].word_bits)
            return int(i);
    return -1;
}

/// The architecture's area: every instance of every level, and the MACs.
inline double area_of(const architecture& a) {
    double area = a.mac.area * double(a.mac_instances());
    for (const level& l : a.levels)
        area += l.area * double(l.instances);
    return area;
}

/// The analysis of a valid mapping (validate(l, a, m) and no overflow assumed; see evaluate).
inline evaluation analyse(const layer& l, const architecture& a, const mapping& m) {
    detail::thread_buffers& buffers = detail::thread_workspace();
    detail::workspace& w = buffers.w;
    detail::flatten(m, w.nest);
    const std::vector<detail::flat_loop>& nest = w.nest;
    const int L = int(a.levels.size());
    evaluation ev;
    ev.macs = l.macs();
    ev.compute_cycles = 1;
    for (const auto& f : nest)
        if (!f.spatial)
            ev.compute_cycles *= double(f.factor);
        else
            ev.utilized_macs *= f.factor;
    ev.levels.resize(std::size_t(L));
    std::vector<double>& utilized = w.utilized;
    utilized.assign(std::size_t(L), 1);
    for (int i = 0; i < L; ++i) {
        for (const auto& f : nest)
            if (f.spatial && f.level < i)
                utilized[std::size_t(i)] *= double(f.factor);
        ev.levels[std::size_t(i)].name = a.levels[std::size_t(i)].name;
        ev.levels[std::size_t(i)].utilized_instances = std::int64_t(utilized[std::size_t(i)]);
    }
    std::vector<double>& network_words = w.network_words;  // words (of the level's width) through level i's fan-out
    network_words.assign(std::size_t(L), 0);
    for (int oi = 0; oi < num_operands; ++oi) {
        const operand o = operand(oi);
        std::vector<int> keepers;
        for (int i = 0; i < L; ++i)
            if (m.levels[std::size_t(i)].keep[std::size_t(oi)])
                keepers.push_back(i);
        std::vector<double>&content = w.content, &share = w.share, &partition = w.partition;
        content.assign(std::size_t(L), 0);
        share.assign(std::size_t(L), 0);
        partition.assign(std::size_t(L), 0);
        for (int i : keepers) {
            const extents e = detail::extents_of(nest, [&](const detail::flat_loop& f) { return f.level >= i; });
            const box tile = operand_box(o, e, l.stride_h, l.stride_w);
            ev.levels[std::size_t(i)].tile[std::size_t(oi)] = volume(tile);
            const extents pe = detail::extents_of(nest, [&](const detail::flat_loop& f) { return f.level >= i || !f.spatial; });
            partition[std::size_t(i)] = double(volume(operand_box(o, pe, l.stride_h, l.stride_w)));
        }
        for (std::size_t k = 1; k < keepers.size(); ++k) {
            const int c = keepers[k], p = keepers[k - 1];
            const extents e = detail::extents_of(nest, [&](const detail::flat_loop& f) { return f.level >= c; });
            const box tile = operand_box(o, e, l.stride_h, l.stride_w);
            std::vector<box>& shifts = w.shifts;
            std::vector<std::int64_t>& factors = w.factors;
            std::vector<const detail::flat_loop*>&outer = w.outer, &siblings = w.siblings;
            shifts.clear(), factors.clear(), outer.clear(), siblings.clear();
            for (const auto& f : nest) {
                if (!f.spatial && f.level < c)
                    outer.push_back(&f);
                if (f.spatial && f.level >= p && f.level < c)
                    siblings.push_back(&f);
            }
            for (std::size_t q = 0; q < outer.size(); ++q) {  // loop q steps, the loops inside it wrap
                extents t{};
                t[std::size_t(outer[q]->d)] += outer[q]->stride;
                for (std::size_t j = q + 1; j < outer.size(); ++j)
                    t[std::size_t(outer[j]->d)] -= (outer[j]->factor - 1) * outer[j]->stride;
                shifts.push_back(operand_shift(o, t, l.stride_h, l.stride_w));
                factors.push_back(outer[q]->factor);
            }
            box copies{1, 1, 1, 1, 1};
            if (a.multicast == multicast_rule::equal_deltas) {  // the parent's own stage: distinct deltas only
                std::vector<const detail::flat_loop*>& own = w.stage;
                own.clear();
                for (const detail::flat_loop* f : siblings)
                    if (f->level == p)
                        own.push_back(f);
                detail::sibling_offsets(o, l, own, w);
                for (int ax = 0; ax < 5; ++ax)
                    copies[std::size_t(ax)] = std::int64_t(w.axes[std::size_t(ax)].size());
                std::erase_if(siblings, [&](const detail::flat_loop* f) { return f->level == p; });
            }
            detail::sibling_offsets(o, l, siblings, w);
            const detail::step_sums s = detail::delta_walk(tile, shifts, factors, w.axes, copies, a.stationary, buffers.b).total();
            share[std::size_t(c)] = s.child;
            content[std::size_t(p)] = s.distinct;
            network_words[std::size_t(p)] += s.child * utilized[std::size_t(c)] * double(l.bits[std::size_t(oi)]) / a.levels[std::size_t(p)].word_bits;
        }
        {  // the innermost keeper feeds the MACs: one access per MAC and cycle, multicast / reduced
            const int in = keepers.back();
            std::vector<const detail::flat_loop*>& below = w.siblings;
            below.clear();
            for (const auto& f : nest)
                if (f.spatial && f.level >= in)
                    below.push_back(&f);
            detail::sibling_offsets(o, l, below, w);
            double distinct = 1;
            for (const auto& v : w.axes)
                distinct *= double(v.size());
            content[std::size_t(in)] = ev.compute_cycles * distinct;
            if (in + 1 < L)
                network_words[std::size_t(in)] += ev.compute_cycles * double(ev.utilized_macs) * double(l.bits[std::size_t(oi)]) /
                                                  a.levels[std::size_t(in)].word_bits;  // each MAC's operand, every cycle
        }
        for (std::size_t k = 0; k < keepers.size(); ++k) {
            const int i = keepers[k];
            access_counts per;
            if (o == operand::outputs) {
                per.updates = content[std::size_t(i)];
                per.reads = content[std::size_t(i)] - partition[std::size_t(i)];
                per.fills = k == 0 ? 0.0 : share[std::size_t(i)] - partition[std::size_t(i)];
            } else {
                per.reads = content[std::size_t(i)];
                per.fills = share[std::size_t(i)];
            }
            const double n = utilized[std::size_t(i)];
            level_report& r = ev.levels[std::size_t(i)];
            r.accesses[std::size_t(oi)] = {per.reads * n, per.fills * n, per.updates * n};
            r.partition[std::size_t(oi)] = partition[std::size_t(i)];
        }
    }
    ev.mac_energy = ev.macs * a.mac.energy;
    ev.energy = ev.mac_energy;
    ev.reduction_cycles = detail::in_pe_reduction_cycles(nest, a, ev.compute_cycles);
    ev.cycles = ev.compute_cycles + ev.reduction_cycles;
    ev.area = area_of(a);
    for (int i = 0; i < L; ++i) {
        const level& hw = a.levels[std::size_t(i)];
        level_report& r = ev.levels[std::size_t(i)];
        double words = 0;
        for (int oi = 0; oi < num_operands; ++oi) {
            const double scale = double(l.bits[std::size_t(oi)]) / hw.word_bits;
            const access_counts& c = r.accesses[std::size_t(oi)];
            r.energy += (c.reads * hw.read_energy + (c.fills + c.updates) * hw.write_energy) * scale;
            words += (c.reads + c.fills + c.updates) * scale;
            if (m.levels[std::size_t(i)].keep[std::size_t(oi)])
                r.used_bits += double(r.tile[std::size_t(oi)]) * l.bits[std::size_t(oi)];
        }
        r.energy += network_words[std::size_t(i)] * hw.network_energy;
        if (hw.bandwidth > 0) {
            r.cycles = std::ceil(words / r.utilized_instances / hw.bandwidth - 1e-9);
            ev.cycles = std::max(ev.cycles, r.cycles);
        }
        ev.energy += r.energy;
    }
    ev.utilization = ev.macs / (ev.cycles * double(a.mac_instances()));
    return ev;
}

/// Validates the layer, the architecture and the mapping (factors cover the layer, fan-outs fit,
/// kept tiles fit each level's entries) and analyses the mapping; a padded mapping is analysed
/// on padded_layer (cycles and accesses), its MACs and utilisation are the layer's own.
inline evaluation evaluate(const layer& l, const architecture& a, const mapping& m) {
    validate(l);
    validate(a);
    validate(l, a, m);
    const layer run = padded_layer(l, m);
    const int over = first_overflow(run, a, m);
    nais::detail::require(over < 0, "dataflow: the mapping overflows level '", over < 0 ? std::string() : a.levels[std::size_t(over)].name,
                          "': its tiles need ", over < 0 ? 0.0 : used_bits(run, m, std::size_t(over)), " bits, it has ",
                          over < 0 ? 0.0 : double(a.levels[std::size_t(over)].entries) * a.levels[std::size_t(over)].word_bits);
    evaluation ev = analyse(run, a, m);
    if (m.padded) {
        ev.mac_energy = l.macs() * a.mac.energy;  // gated: a padded step's MAC has no operand
        ev.energy += ev.mac_energy - ev.macs * a.mac.energy;
        ev.macs = l.macs();
        ev.utilization = ev.macs / (ev.cycles * double(a.mac_instances()));
        // the MACs with work: per dimension, its spatial extent or its bound if smaller (a fold of
        // 27 output rows over 14 + 14 columns leaves one column idle)
        const extents b = l.bounds();
        const extents spread = factor_products(m, true);
        ev.utilized_macs = 1;
        for (int d = 0; d < num_dims; ++d)
            ev.utilized_macs *= std::min(spread[std::size_t(d)], b[std::size_t(d)]);
    }
    return ev;
}

}  // namespace nais::dataflow
