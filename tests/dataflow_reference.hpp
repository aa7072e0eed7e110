// A step-by-step reference of Timeloop's delta conventions for the dataflow tests: it walks
// every iteration of the outer loops and every sibling instance, builds each delta as an
// explicit set of points and counts unions with std::set. Independent of the analytic walk
// (no memo, no cycle jumps, no interval unions); exponential, for small cases only.
#pragma once
#include <nais/dataflow.hpp>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <set>
#include <vector>

namespace dataflow_reference {

using namespace nais::dataflow;
using point = std::array<std::int64_t, 5>;

struct ref_loop {
    dim d;
    std::int64_t factor;
    bool spatial;
    int level;
    std::int64_t stride = 1;
};

inline std::vector<ref_loop> loops_of(const mapping& m) {
    std::vector<ref_loop> v;
    for (std::size_t i = 0; i < m.levels.size(); ++i) {
        for (const auto& t : m.levels[i].temporal)
            v.push_back({t.d, t.factor, false, int(i)});
        for (const auto& s : m.levels[i].spatial)
            v.push_back({s.d, s.factor, true, int(i)});
    }
    for (std::size_t k = 0; k < v.size(); ++k)
        for (std::size_t j = k + 1; j < v.size(); ++j)
            if (v[j].d == v[k].d)
                v[k].stride *= v[j].factor;
    return v;
}

/// Calls f(indices) for every combination of the loops' indices, the first loop outermost.
template <class F>
void odometer(const std::vector<const ref_loop*>& loops, F&& f) {
    std::vector<std::int64_t> idx(loops.size(), 0);
    while (true) {
        f(idx);
        std::size_t k = loops.size();
        while (k > 0) {
            --k;
            if (++idx[k] < loops[k]->factor)
                break;
            idx[k] = 0;
            if (k == 0)
                return;
        }
        if (loops.empty())
            return;
    }
}

inline point project(operand o, const extents& x, const layer& l) { return operand_shift(o, x, l.stride_h, l.stride_w); }

inline void add_box(std::set<point>& s, const point& origin, const point& lo, const point& hi) {
    point p;
    for (p[0] = lo[0]; p[0] < hi[0]; ++p[0])
        for (p[1] = lo[1]; p[1] < hi[1]; ++p[1])
            for (p[2] = lo[2]; p[2] < hi[2]; ++p[2])
                for (p[3] = lo[3]; p[3] < hi[3]; ++p[3])
                    for (p[4] = lo[4]; p[4] < hi[4]; ++p[4]) {
                        point q;
                        for (int a = 0; a < 5; ++a)
                            q[std::size_t(a)] = p[std::size_t(a)] + origin[std::size_t(a)];
                        s.insert(q);
                    }
}

struct sums {
    double child = 0, distinct = 0;
};

/// Per child instance words fetched and distinct parent words per parent instance, for the
/// tile of level c under parent p.
inline sums walk(const layer& l, const architecture& a, const mapping& m, operand o, int c, int p) {
    const auto v = loops_of(m);
    extents e;
    e.fill(1);
    for (const auto& f : v)
        if (f.level >= c)
            e[std::size_t(f.d)] *= f.factor;
    const box tile = operand_box(o, e, l.stride_h, l.stride_w);
    std::vector<const ref_loop*> outer, sib;
    for (const auto& f : v) {
        if (!f.spatial && f.level < c)
            outer.push_back(&f);
        if (f.spatial && f.level >= p && f.level < c)
            sib.push_back(&f);
    }
    std::vector<extents> sib_offsets;
    std::vector<extents> stage_offsets;  // each sibling's offset from the parent's own fan-out stage
    odometer(sib, [&](const std::vector<std::int64_t>& idx) {
        extents x{}, first{};
        for (std::size_t k = 0; k < sib.size(); ++k) {
            x[std::size_t(sib[k]->d)] += idx[k] * sib[k]->stride;
            if (sib[k]->level == p)
                first[std::size_t(sib[k]->d)] += idx[k] * sib[k]->stride;
        }
        sib_offsets.push_back(x);
        stage_offsets.push_back(first);
    });
    const bool equal_deltas = a.multicast == multicast_rule::equal_deltas;
    const bool zero_is_a_stride = a.stationary == stationary_rule::reset_stride;
    struct state {
        bool has_prev = false, has_stride = false;
        point prev{}, stride{};
    };
    std::vector<state> st(sib_offsets.size());
    sums s;
    odometer(outer, [&](const std::vector<std::int64_t>& idx) {
        extents base{};
        for (std::size_t k = 0; k < outer.size(); ++k)
            base[std::size_t(outer[k]->d)] += idx[k] * outer[k]->stride;
        std::set<point> uni;
        std::map<point, std::set<point>> per_stage;  // equal_deltas: each first-stage group's union
        for (std::size_t c2 = 0; c2 < sib_offsets.size(); ++c2) {
            extents x = base;
            for (int d = 0; d < num_dims; ++d)
                x[std::size_t(d)] += sib_offsets[c2][std::size_t(d)];
            const point org = project(o, x, l);
            state& S = st[c2];
            point lo{}, hi = tile;
            bool fetch = true;
            if (S.has_prev) {
                point t;
                int moved = 0, axis = 0;
                for (int a = 0; a < 5; ++a) {
                    t[std::size_t(a)] = org[std::size_t(a)] - S.prev[std::size_t(a)];
                    if (t[std::size_t(a)] != 0) {
                        ++moved;
                        axis = a;
                    }
                }
                if (moved == 0 && zero_is_a_stride) {  // Timeloop before a12fff5: zero is a stride too
                    if (!S.has_stride || S.stride == t) {
                        fetch = false;
                        S.has_stride = true;
                        S.stride = t;
                    } else
                        S.has_stride = false;  // the stride changed to zero: the whole tile
                } else if (moved == 0)
                    fetch = false;
                else {
                    const bool subtract = !S.has_stride || S.stride == t;
                    if (subtract) {
                        if (!S.has_stride) {
                            S.has_stride = true;
                            S.stride = t;
                        }
                        const std::int64_t w = std::llabs(t[std::size_t(axis)]);
                        if (moved == 1 && w < tile[std::size_t(axis)]) {
                            if (t[std::size_t(axis)] > 0)
                                lo[std::size_t(axis)] = tile[std::size_t(axis)] - w;
                            else
                                hi[std::size_t(axis)] = w;
                        }
                    } else {
                        S.has_stride = false;
                    }
                }
            }
            S.has_prev = true;
            S.prev = org;
            if (fetch) {
                std::set<point> mine;
                add_box(mine, org, lo, hi);
                s.child += double(mine.size());
                uni.insert(mine.begin(), mine.end());
                per_stage[project(o, stage_offsets[c2], l)].insert(mine.begin(), mine.end());
            }
        }
        if (!equal_deltas)
            s.distinct += double(uni.size());
        else {  // one read per distinct group delta (Timeloop's CheckEquality)
            std::set<std::set<point>> distinct;
            for (auto& [offset, pts] : per_stage)
                distinct.insert(pts);
            for (const auto& pts : distinct)
                s.distinct += double(pts.size());
        }
    });
    if (!sib_offsets.empty())
        s.child /= double(sib_offsets.size());
    return s;
}

/// Distinct points one instance of level i ever holds (spatial loops above it fixed at 0).
inline double partition(const layer& l, const mapping& m, operand o, int i) {
    const auto v = loops_of(m);
    std::vector<const ref_loop*> all;
    for (const auto& f : v)
        if (f.level >= i || !f.spatial)
            all.push_back(&f);
    std::set<point> pts;
    odometer(all, [&](const std::vector<std::int64_t>& idx) {
        extents x{};
        for (std::size_t k = 0; k < all.size(); ++k)
            x[std::size_t(all[k]->d)] += idx[k] * all[k]->stride;
        pts.insert(project(o, x, l));
    });
    return double(pts.size());
}

/// Every level's reads, fills and updates (totals over instances) with Timeloop's rules.
inline std::vector<std::array<access_counts, 3>> counts(const layer& l, const architecture& a, const mapping& m) {
    const auto v = loops_of(m);
    const int L = int(a.levels.size());
    double cycles = 1, macs_used = 1;
    for (const auto& f : v)
        (f.spatial ? macs_used : cycles) *= double(f.factor);
    std::vector<std::array<access_counts, 3>> out(static_cast<std::size_t>(L));
    for (int oi = 0; oi < 3; ++oi) {
        const operand o = operand(oi);
        std::vector<int> keep;
        for (int i = 0; i < L; ++i)
            if (m.levels[std::size_t(i)].keep[std::size_t(oi)])
                keep.push_back(i);
        std::vector<double> content(std::size_t(L), 0), share(std::size_t(L), 0);
        for (std::size_t k = 1; k < keep.size(); ++k) {
            const sums s = walk(l, a, m, o, keep[k], keep[k - 1]);
            share[std::size_t(keep[k])] = s.child;
            content[std::size_t(keep[k - 1])] = s.distinct;
        }
        {
            std::vector<const ref_loop*> below;
            for (const auto& f : v)
                if (f.spatial && f.level >= keep.back())
                    below.push_back(&f);
            std::set<point> pts;
            odometer(below, [&](const std::vector<std::int64_t>& idx) {
                extents x{};
                for (std::size_t k = 0; k < below.size(); ++k)
                    x[std::size_t(below[k]->d)] += idx[k] * below[k]->stride;
                pts.insert(project(o, x, l));
            });
            content[std::size_t(keep.back())] = cycles * double(pts.size());
        }
        for (std::size_t k = 0; k < keep.size(); ++k) {
            const int i = keep[k];
            double inst = 1;
            for (const auto& f : v)
                if (f.spatial && f.level < i)
                    inst *= double(f.factor);
            access_counts c;
            if (o == operand::outputs) {
                const double part = partition(l, m, o, i);
                c.updates = content[std::size_t(i)];
                c.reads = content[std::size_t(i)] - part;
                c.fills = k == 0 ? 0 : share[std::size_t(i)] - part;
            } else {
                c.reads = content[std::size_t(i)];
                c.fills = share[std::size_t(i)];
            }
            out[std::size_t(i)][std::size_t(oi)] = {c.reads * inst, c.fills * inst, c.updates * inst};
        }
    }
    return out;
}

}  // namespace dataflow_reference
