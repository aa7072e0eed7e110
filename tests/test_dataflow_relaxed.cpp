// The dataflow model relaxed in continuous hardware (nais/device/dataflow/relaxed.hpp): the
// analysis at real loop factors equals analyse() at integer factors (random mappings, bandwidth
// included), its derivatives equal central differences at real factors and closed forms on
// tiny cases; the padded template is valid and its exact form equals evaluate(); the relaxed
// latency, energy, area and utilisation have gradients equal to central differences with
// respect to (pe_x, pe_y, rf), and tend to the exact model as the temperatures fall.
#include <nais/dataflow.hpp>

#include "dataflow_random.hpp"
#include "error_of.hpp"
#include "fd.hpp"
#include "sanitized.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>

using namespace nais::dataflow;
using nais_test::error_of;

namespace {

constexpr int seeded_loops = 24;
using loop_dual = nais::detail::dual_number<seeded_loops>;

/// The mapping's loops at factors `factors` (loop order), strides recomputed.
template <class T>
real_mapping<T> at_factors(const real_mapping<double>& base, const std::vector<T>& factors) {
    real_mapping<T> m;
    m.keep = base.keep;
    for (std::size_t k = 0; k < base.loops.size(); ++k)
        m.loops.push_back({base.loops[k].d, factors[k], base.loops[k].spatial, base.loops[k].level, T(1)});
    std::array<T, num_dims> inner;
    inner.fill(T(1));
    for (std::size_t k = m.loops.size(); k-- > 0;) {
        m.loops[k].stride = inner[std::size_t(m.loops[k].d)];
        inner[std::size_t(m.loops[k].d)] = inner[std::size_t(m.loops[k].d)] * m.loops[k].factor;
    }
    return m;
}

/// Every count of a relaxed evaluation in one list (accesses, cycles, energy, MACs).
template <class T>
std::vector<T> all_counts(const relaxed_costs<T>& c) {
    std::vector<T> v{c.cycles, c.energy, c.macs};
    for (const auto& level : c.accesses)
        for (const auto& op : level)
            for (const T& x : op)
                v.push_back(x);
    return v;
}

/// Exact max, min, ceil and floor on dual numbers (steps carry no derivative).
struct exact_dual_ops {
    static loop_dual max(const loop_dual& a, const loop_dual& b) { return a.v >= b.v ? a : b; }
    static loop_dual min(const loop_dual& a, const loop_dual& b) { return a.v <= b.v ? a : b; }
    static loop_dual ceil(const loop_dual& x) { return loop_dual(std::ceil(x.v)); }
    static loop_dual floor(const loop_dual& x) { return loop_dual(std::floor(x.v)); }
};

std::vector<layer> sample_layers() {
    std::vector<layer> ls;
    const auto add = [&](std::int64_t m, std::int64_t c, std::int64_t p, std::int64_t r, int stride, int groups) {
        layer l;
        l.M = m, l.C = c, l.P = l.Q = p, l.R = l.S = r, l.stride_h = l.stride_w = stride, l.groups = groups;
        ls.push_back(l);
    };
    add(64, 32, 14, 3, 1, 1);   // 3 x 3 conv
    add(96, 96, 28, 5, 2, 96);  // depth-wise, strided
    add(40, 120, 7, 1, 1, 1);   // point-wise, odd channels
    add(10, 1280, 1, 1, 1, 1);  // fully connected
    add(24, 13, 11, 7, 2, 1);   // primes everywhere
    return ls;
}

}  // namespace

TEST_CASE("dataflow relaxed: the analysis at real factors equals analyse() at integer factors") {
    std::mt19937 rng(23);
    int closed = 0, throttled = 0;
    const int trials = nais_test::cases(400);
    for (int trial = 0; trial < trials; ++trial) {
        CAPTURE(trial);
        const layer l = dataflow_random::small_layer(rng);
        architecture a = dataflow_random::small_arch(4, 4, 2);
        if (trial % 3 == 0)
            a.levels[0].bandwidth = 0.5 + trial % 5, ++throttled;
        const mapping m = dataflow_random::random_mapping(l, rng);
        const evaluation ev = evaluate(l, a, m);
        const relaxed_costs<double> r =
            detail::analyse_real(l, a, detail::to_real_mapping(m), double(a.mac_instances()), area_of(a), nais::detail::exact_ops{});
        closed += r.closed_form;
        CHECK(r.cycles == ev.cycles);
        CHECK(r.macs == ev.macs);
        CHECK(r.energy == doctest::Approx(ev.energy).epsilon(1e-12));
        CHECK(r.utilization == doctest::Approx(ev.utilization).epsilon(1e-12));
        for (int i = 0; i < 3; ++i)
            for (int o = 0; o < 3; ++o) {
                CAPTURE(i);
                CAPTURE(o);
                const access_counts& x = ev.levels[std::size_t(i)].accesses[std::size_t(o)];
                const auto& y = r.accesses[std::size_t(i)][std::size_t(o)];
                CHECK(y[0] == x.reads);
                CHECK(y[1] == x.fills);
                CHECK(y[2] == x.updates);
            }
    }
    MESSAGE("closed-form unions in ", closed, " of ", trials, " random mappings");
    CHECK(closed > trials * 3 / 4);  // interleaved lattices (no closed form) are rare; their counts still match
    CHECK(throttled > trials / 4);
}

TEST_CASE("dataflow relaxed: derivatives at real factors equal central differences") {
    std::mt19937 rng(5);
    std::uniform_real_distribution<double> u(0.05, 0.45);
    int checked = 0;
    for (int trial = 0; trial < 60; ++trial) {
        CAPTURE(trial);
        const layer l = dataflow_random::small_layer(rng);
        const architecture a = dataflow_random::small_arch(4, 4, 2);
        const real_mapping<double> base = detail::to_real_mapping(dataflow_random::random_mapping(l, rng));
        if (base.loops.empty() || base.loops.size() > std::size_t(seeded_loops))
            continue;
        Eigen::VectorXd x(Eigen::Index(base.loops.size()));
        for (std::size_t k = 0; k < base.loops.size(); ++k)
            x(Eigen::Index(k)) = base.loops[k].factor + u(rng);  // off the integers
        std::vector<loop_dual> seeded;
        for (std::size_t k = 0; k < base.loops.size(); ++k)
            seeded.push_back(loop_dual::seed(x(Eigen::Index(k)), int(k)));
        const relaxed_costs<loop_dual> d = detail::analyse_real(l, a, at_factors(base, seeded), loop_dual(32.0), loop_dual(0.0), exact_dual_ops{});
        const std::vector<loop_dual> counts = all_counts(d);
        for (std::size_t c = 0; c < counts.size(); ++c) {
            if (counts[c].v == 0)
                continue;
            CAPTURE(c);
            for (Eigen::Index j = 0; j < x.size(); ++j) {  // central differences, step 1e-6
                const auto at = [&](double dx) {
                    std::vector<double> f(x.data(), x.data() + x.size());
                    f[std::size_t(j)] += dx;
                    return all_counts(detail::analyse_real(l, a, at_factors(base, f), 32.0, 0.0, nais::detail::exact_ops{}))[c];
                };
                const double fd = (at(1e-6) - at(-1e-6)) / 2e-6, an = counts[c].d(j);
                CAPTURE(j);
                CHECK(std::abs(fd - an) <= 1e-6 * std::max(std::abs(fd), std::abs(an)) + 1e-7 * std::max(1.0, counts[c].v));  // rounding: ~eps |f| / 1e-6
            }
            ++checked;
        }
    }
    CHECK(checked > 500);
}

TEST_CASE("dataflow relaxed: real factors on tiny cases, by hand") {
    // one DRAM loop over C at real factor f, one PE: a weight and an input per step, whole tiles
    // (extent 1, step 1), so DRAM reads f of each; the RF serves f MACs
    layer l;
    l.C = 1;
    const architecture a = dataflow_random::small_arch(1, 1);
    real_mapping<loop_dual> m;
    m.keep = {{true, true, true}, {true, true, true}, {true, true, true}};
    m.loops.push_back({dim::C, loop_dual::seed(5.3, 0), false, 0, loop_dual(1.0)});
    auto r = detail::analyse_real(l, a, m, loop_dual(1.0), loop_dual(0.0), exact_dual_ops{});
    CHECK(r.accesses[0][0][0].v == doctest::Approx(5.3));
    CHECK(r.accesses[0][0][0].d(0) == doctest::Approx(1));
    CHECK(r.accesses[2][1][0].v == doctest::Approx(5.3));  // RF input reads: one per MAC
    CHECK(r.cycles.d(0) == doctest::Approx(1));
    // a sliding window: P at DRAM (real f) over a 3-row filter kept whole below: the first
    // input tile is 3 rows, each further step a 1-row slab: f + 2 rows, d/df = 1
    m.loops = {{dim::P, loop_dual::seed(4.6, 0), false, 0, loop_dual(1.0)}, {dim::R, loop_dual(3.0), false, 1, loop_dual(1.0)}};
    r = detail::analyse_real(l, a, m, loop_dual(1.0), loop_dual(0.0), exact_dual_ops{});
    CHECK(r.accesses[0][1][0].v == doctest::Approx(4.6 + 2));
    CHECK(r.accesses[0][1][0].d(0) == doctest::Approx(1));
    // a spatial lattice: C over g PEs below the buffer (spacing 1, extent 1: contiguous), the
    // buffer reads g distinct inputs and weights per step, each PE fills one
    m.loops = {{dim::C, loop_dual::seed(3.25, 0), true, 1, loop_dual(1.0)}};
    r = detail::analyse_real(l, a, m, loop_dual(4.0), loop_dual(0.0), exact_dual_ops{});
    CHECK(r.accesses[1][1][0].v == doctest::Approx(3.25));
    CHECK(r.accesses[1][1][0].d(0) == doctest::Approx(1));
    CHECK(r.accesses[2][1][1].v == doctest::Approx(3.25));  // fills over the utilised PEs
    // lattices that interleave with gaps have no closed form: counted exactly, flagged
    bool closed = true;
    const std::vector<detail::progression<double>> spaced{{3, 2, 3, 2}, {2, 3, 2, 3}};  // offsets {0, 2, 4} + {0, 3}
    CHECK(detail::union_extent(1.0, 1, spaced, closed) == 6);
    CHECK_FALSE(closed);
    const std::vector<detail::progression<double>> nested{{2, 1, 2, 1}, {3, 4, 3, 4}};  // {0, 1} + {0, 4, 8}: disjoint copies
    CHECK(detail::union_extent(2.0, 2, nested, closed = true) == 9);  // [0, 3), [4, 7), [8, 11)
    CHECK(closed);
}

TEST_CASE("dataflow relaxed: the padded template is valid and its exact form equals evaluate()") {
    int checked = 0, padded = 0;
    for (const layer& l : sample_layers())
        for (int df = 0; df < 3; ++df)
            for (std::int64_t pe : {1, 5, 8, 12, 14, 24})
                for (std::int64_t rf : {16, 40, 512}) {
                    hardware h;
                    h.pe_x = pe, h.pe_y = pe + 3, h.rf_entries = rf, h.dataflow = dataflow_kind(df);
                    CAPTURE(checked);
                    const padded_mapping p = padded_template(l, h);
                    const evaluation ev = evaluate(p.padded, make_architecture(h), p.m);  // valid, fits
                    const relaxed_costs<double> x = exact_padded(l, h);
                    CHECK(x.cycles == ev.cycles);
                    CHECK(x.energy == doctest::Approx(ev.energy).epsilon(1e-12));
                    CHECK(x.area == doctest::Approx(ev.area).epsilon(1e-12));
                    CHECK(x.utilization == doctest::Approx(ev.utilization).epsilon(1e-12));
                    CHECK(x.closed_form);
                    CHECK(p.padded.macs() >= l.macs());
                    padded += p.padded.macs() > l.macs();
                    ++checked;
                }
    MESSAGE(padded, " of ", checked, " (layer, hardware) pairs pad the layer");
    CHECK(checked == 5 * 3 * 6 * 3);
    CHECK(padded > 50);
}

TEST_CASE("dataflow relaxed: gradients in (pe_x, pe_y, rf) equal central differences") {
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> pe(2.2, 23.7), rf(24.5, 500.5);
    int checked = 0;
    for (double tau : {0.1, 0.5})
        for (const layer& l : sample_layers())
            for (int df = 0; df < 3; ++df)
                for (int trial = 0; trial < 3; ++trial) {
                    relaxed_hardware h;
                    h.pe_x = pe(rng), h.pe_y = pe(rng), h.rf_entries = rf(rng), h.dataflow = dataflow_kind(df);
                    const nais::relaxation r{tau, tau};
                    CAPTURE(tau);
                    CAPTURE(df);
                    CAPTURE(h.pe_x);
                    CAPTURE(h.pe_y);
                    CAPTURE(h.rf_entries);
                    const relaxed_costs<relaxed_dual> c = relaxed_evaluate(l, h, r);
                    CHECK(c.closed_form);
                    const std::array<relaxed_dual, 4> figures{c.cycles, c.energy, c.area, c.utilization};
                    for (int which = 0; which < 4; ++which)
                        for (int j = 0; j < relaxed_variables; ++j) {
                            // Richardson's central difference, (4 D(h/2) - D(h)) / 3; the figures are
                            // large (cycles ~1e5), so the tolerance includes their rounding, eps |f| / h
                            const double step = 1e-7 * std::max(1.0, std::array<double, 3>{h.pe_x, h.pe_y, h.rf_entries}[std::size_t(j)]);
                            const auto at = [&](double dx) {
                                relaxed_hardware q = h;
                                (j == 0 ? q.pe_x : j == 1 ? q.pe_y : q.rf_entries) += dx;
                                const relaxed_costs<relaxed_dual> v = relaxed_evaluate(l, q, r);
                                return std::array<double, 4>{v.cycles.v, v.energy.v, v.area.v, v.utilization.v}[std::size_t(which)];
                            };
                            const auto central = [&](double dx) { return (at(dx) - at(-dx)) / (2 * dx); };
                            const double fd = (4 * central(step / 2) - central(step)) / 3, an = figures[std::size_t(which)].d(j);
                            CAPTURE(which);
                            CAPTURE(j);
                            CHECK(std::abs(fd - an) <= 1e-5 * std::max(std::abs(fd), std::abs(an)) + 1e-12 * std::abs(figures[std::size_t(which)].v) / step);
                        }
                    ++checked;
                }
    CHECK(checked == 2 * 5 * 3 * 3);
}

TEST_CASE("dataflow relaxed: area in closed form; the relaxed model tends to the exact one as tau falls") {
    relaxed_hardware h;
    h.pe_x = 7.5, h.pe_y = 9.25, h.rf_entries = 100.5;
    const area_table ar;
    const relaxed_costs<relaxed_dual> c = relaxed_evaluate(sample_layers()[0], h);
    CHECK(c.area.v == doctest::Approx(7.5 * 9.25 * (ar.mac + ar.rf_bit * 16 * 100.5) + ar.buffer_bit * 16 * 65536));
    CHECK(c.area.d(var_pe_x) == doctest::Approx(9.25 * (ar.mac + ar.rf_bit * 16 * 100.5)));
    CHECK(c.area.d(var_pe_y) == doctest::Approx(7.5 * (ar.mac + ar.rf_bit * 16 * 100.5)));
    CHECK(c.area.d(var_rf) == doctest::Approx(7.5 * 9.25 * ar.rf_bit * 16));

    std::array<double, 4> worst{};  // per tau: the largest relative error of cycles and energy
    const std::array<double, 4> taus{0.2, 0.02, 0.005, 1e-3};
    for (const layer& l : sample_layers())
        for (int df = 0; df < 3; ++df)
            for (std::int64_t pe : {4, 12, 16})
                for (std::int64_t rf : {32, 256}) {
                    hardware e;
                    e.pe_x = pe, e.pe_y = pe / 2 + 1, e.rf_entries = rf, e.dataflow = dataflow_kind(df);
                    const relaxed_costs<double> x = exact_padded(l, e);
                    for (std::size_t t = 0; t < taus.size(); ++t) {
                        const relaxed_hardware q{double(e.pe_x), double(e.pe_y), double(rf), e.buffer_entries, e.dataflow};
                        const relaxed_costs<relaxed_dual> y = relaxed_evaluate(l, q, {taus[t], taus[t]});
                        worst[t] = std::max({worst[t], std::abs(y.cycles.v / x.cycles - 1), std::abs(y.energy.v / x.energy - 1)});
                        CHECK(y.area.v == doctest::Approx(x.area).epsilon(1e-12));
                    }
                }
    MESSAGE("largest relative error of relaxed cycles / energy at integer hardware: tau 0.2: ", worst[0], ", 0.02: ", worst[1],
            ", 0.005: ", worst[2], ", 0.001: ", worst[3]);
    CHECK(worst[3] < 0.01);
    CHECK(worst[3] < worst[2]);
    CHECK(worst[2] < worst[1]);
    CHECK(worst[1] < worst[0]);
}

TEST_CASE("dataflow relaxed: refusals name the mistake") {
    const layer l = sample_layers()[0];
    relaxed_hardware h;
    h.pe_x = 0.5;
    CHECK(error_of([&] { (void)relaxed_evaluate(l, h); }).find("PE array") != std::string::npos);
    h.pe_x = 4, h.rf_entries = std::nan("");
    CHECK(error_of([&] { (void)relaxed_evaluate(l, h); }).find("rf_entries") != std::string::npos);
    h.rf_entries = 64;
    CHECK(error_of([&] { (void)relaxed_evaluate(l, h, {0, 0.02}); }).find("temperatures") != std::string::npos);
    h.rf_entries = 1;  // row stationary keeps three operands in the RF: one word cannot hold them
    CHECK(error_of([&] { (void)relaxed_evaluate(l, h); }).find("register file") != std::string::npos);
    CHECK(error_of([&] { (void)relaxed_network({}, h); }).find("at least one layer") != std::string::npos);
}
