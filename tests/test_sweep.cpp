// Design-space sweeps: the streaming Pareto front against a quadratic brute force, incremental
// evaluation against fpga::evaluate on every point, enumerations, determinism over thread
// counts, and the error messages.
#include <nais/nais.hpp>

#include "error_of.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace nais;
using nais_test::error_of;

namespace {

using values = sweep::pareto_front::values;

/// Brute force: the non-dominated points (smallest index among equal vectors).
std::vector<sweep::pareto_front::entry> naive_front(const std::vector<values>& pts, int dims) {
    std::vector<sweep::pareto_front::entry> out;
    auto le = [&](const values& a, const values& b) {
        for (int k = 0; k < dims; ++k)
            if (a[static_cast<std::size_t>(k)] > b[static_cast<std::size_t>(k)])
                return false;
        return true;
    };
    for (std::size_t i = 0; i < pts.size(); ++i) {
        bool keep = true;
        for (std::size_t j = 0; j < pts.size() && keep; ++j) {
            if (i == j || !le(pts[j], pts[i]))
                continue;
            const bool equal = le(pts[i], pts[j]);
            keep = equal && i < j;  // strictly dominated, or an equal point with a smaller index
        }
        if (keep)
            out.push_back({pts[i], i});
    }
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.v != b.v ? a.v < b.v : a.index < b.index; });
    return out;
}

bool same(const std::vector<sweep::pareto_front::entry>& a, const std::vector<sweep::pareto_front::entry>& b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t k = 0; k < a.size(); ++k)
        if (a[k].v != b[k].v || a[k].index != b[k].index)
            return false;
    return true;
}

}  // namespace

TEST_CASE("pareto_front equals the brute-force front in 2 and 3 dimensions, in any order and any split") {
    std::mt19937_64 rng(4);
    for (int dims : {2, 3})
        for (int trial = 0; trial < 40; ++trial) {
            const int n = 1 + trial * 7;
            std::vector<values> pts(static_cast<std::size_t>(n));
            for (auto& v : pts)
                for (int k = 0; k < 3; ++k)  // small ranges: many ties and duplicates
                    v[static_cast<std::size_t>(k)] = k < dims ? static_cast<std::int64_t>(rng() % 12) : 0;
            const auto expect = naive_front(pts, dims);
            std::vector<std::size_t> order(pts.size());
            for (std::size_t k = 0; k < order.size(); ++k)
                order[k] = k;
            std::shuffle(order.begin(), order.end(), rng);
            sweep::pareto_front whole(dims), left(dims), right(dims);
            for (std::size_t k = 0; k < order.size(); ++k) {
                whole.offer(pts[order[k]], order[k]);
                (k % 3 == 0 ? left : right).offer(pts[order[k]], order[k]);
            }
            right.merge(left);
            CHECK(same(whole.sorted(), expect));
            CHECK(same(right.sorted(), expect));
            if (dims == 2)  // kept sorted by the first objective, the second strictly falling
                for (std::size_t k = 1; k < whole.entries().size(); ++k) {
                    CHECK(whole.entries()[k - 1].v[0] < whole.entries()[k].v[0]);
                    CHECK(whole.entries()[k - 1].v[1] > whole.entries()[k].v[1]);
                }
        }
    CHECK(error_of([] { sweep::pareto_front f(4); }) == "nais: pareto_front: 2 or 3 objectives, got 4");
}

namespace {

fpga::cost_table small_table(std::mt19937_64& rng, int n, int m) {
    fpga::cost_table t;
    t.work.resize(n, m);
    for (Eigen::Index k = 0; k < t.work.size(); ++k)
        t.work.data()[k] = static_cast<double>(1 + rng() % 5000);
    t.bit_widths = {4, 8, 16};
    t.latency_factor.resize(3);
    t.latency_factor << 4, 8, 16;  // EDD's Phi and Psi: every value is exact in fixed point
    t.dsp_factor.resize(3);
    t.dsp_factor << 0, 0.5, 1;
    return t;
}

/// Every point of an exhaustive sweep against fpga::evaluate from scratch, and the front
/// against the brute-force front of those values.
template <class Arch>
void check_exhaustive(std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    for (int trial = 0; trial < 6; ++trial) {
        const int n = 2 + trial % 2, m = 2 + (trial / 2) % 2;
        const auto t = small_table(rng, n, m);
        std::vector<double> acc(static_cast<std::size_t>(m));
        for (auto& a : acc)
            a = static_cast<double>(rng() % 100) / 8;
        const sweep::design_space<Arch> s(t, {0, 2}, acc);
        sweep::sweep_options o;
        o.dsp_budget = 3.5;
        o.sample_every = 1;
        o.threads = 1;
        o.objectives = trial % 2 ? std::vector<sweep::objective>{sweep::objective::latency, sweep::objective::dsp,
                                                                 sweep::objective::accuracy}
                                 : std::vector<sweep::objective>{sweep::objective::interval, sweep::objective::dsp};
        const auto r = sweep::run_sweep(s, o);
        REQUIRE(r.points == s.count());
        REQUIRE(r.sample.size() == r.points);
        std::vector<values> feasible_values;
        std::vector<std::uint64_t> feasible_index;
        const fpga::board b{o.dsp_budget, 100};
        std::vector<int> digits;
        int mismatches = 0;
        for (std::uint64_t k = 0; k < r.points; ++k) {
            s.digits_of(k, digits);
            const auto d = s.design_of(digits);
            const auto rep = fpga::evaluate(t, d, b);
            double a = 0;
            for (int o_i : d.op)
                a += acc[static_cast<std::size_t>(o_i)];
            const auto& p = r.sample[k];
            mismatches += p.index != k || p.latency_cycles != rep.latency_cycles || p.interval_cycles != rep.interval_cycles ||
                          p.dsp != rep.dsp || p.accuracy != a;
            CHECK(s.digits_of(d) == digits);
            if (rep.budget_met) {
                values v{};
                for (std::size_t j = 0; j < o.objectives.size(); ++j) {
                    const double x = o.objectives[j] == sweep::objective::latency    ? rep.latency_cycles
                                     : o.objectives[j] == sweep::objective::interval ? rep.interval_cycles
                                     : o.objectives[j] == sweep::objective::dsp      ? rep.dsp
                                                                                     : a;
                    v[j] = static_cast<std::int64_t>(x * 1e6);  // exact: all values are multiples of 2^-3
                }
                feasible_values.push_back(v);
                feasible_index.push_back(k);
            }
        }
        CHECK(mismatches == 0);
        CHECK(r.feasible == feasible_values.size());
        auto expect = naive_front(feasible_values, static_cast<int>(o.objectives.size()));
        std::set<std::uint64_t> expect_index, got_index;
        for (auto& e : expect)
            expect_index.insert(feasible_index[e.index]);
        for (auto& p : r.front)
            got_index.insert(p.index);
        CHECK(got_index == expect_index);
        CHECK(!r.front.empty());
    }
}

}  // namespace

TEST_CASE("exhaustive pipelined sweep: every point exact, front = brute force") {
    check_exhaustive<fpga::pipelined>(1);
}

TEST_CASE("exhaustive recursive sweep: every point exact (unused IPs free), front = brute force") {
    check_exhaustive<fpga::recursive>(2);
}

namespace {

template <class Arch>
constexpr bool design_space_is_recursive = sweep::design_space<Arch>::recursive;

/// Three shards of uneven index ranges (sweep_options::index_begin / index_end): points and
/// feasible counts add up, samples concatenate, and the non-dominated points of the shards' fronts
/// (equal points keeping the smallest index) are the whole sweep's front.
template <class Arch>
void check_shards_merge_into_the_whole(const sweep::design_space<Arch>& s, sweep::sweep_options o,
                                       const sweep::sweep_result& whole) {
    const std::uint64_t n = whole.points;
    const std::vector<std::uint64_t> cuts{0, n / 3 + 1, n / 3 + 1, 2 * n / 3, n + 5};  // one empty shard, one past the end
    std::uint64_t points = 0, feasible = 0;
    std::vector<sweep::point> candidates, sample;
    for (std::size_t k = 0; k + 1 < cuts.size(); ++k) {
        o.index_begin = cuts[k];
        o.index_end = cuts[k + 1];
        o.threads = 2;
        const auto r = sweep::run_sweep(s, o);
        CHECK(r.space_points == n);
        points += r.points;
        feasible += r.feasible;
        candidates.insert(candidates.end(), r.front.begin(), r.front.end());
        sample.insert(sample.end(), r.sample.begin(), r.sample.end());
        for (const auto& p : r.front)
            CHECK((p.index >= cuts[k] && p.index < cuts[k + 1]));
    }
    CHECK(points == n);
    CHECK(feasible == whole.feasible);
    REQUIRE(sample.size() == whole.sample.size());
    for (std::size_t j = 0; j < sample.size(); ++j)
        CHECK(sample[j].index == whole.sample[j].index);
    auto key = [](const sweep::point& p) { return std::array<double, 2>{p.interval_cycles, p.dsp}; };  // the default objectives
    std::vector<std::uint64_t> merged;
    for (const auto& p : candidates) {
        bool kept = true;
        for (const auto& q : candidates) {
            const auto a = key(p), b = key(q);
            const bool dominates = b[0] <= a[0] && b[1] <= a[1] && b != a;
            kept = kept && !dominates && !(b == a && q.index < p.index);
        }
        if (kept)
            merged.push_back(p.index);
    }
    std::vector<std::uint64_t> expected;
    for (const auto& p : whole.front)
        expected.push_back(p.index);
    std::sort(merged.begin(), merged.end());
    std::sort(expected.begin(), expected.end());
    CHECK(merged == expected);
    o.index_begin = 3;
    o.index_end = 2;
    CHECK(error_of([&] { sweep::run_sweep(s, o); }) == "nais: sweep: index_begin 3 is above index_end 2");
}

template <class Arch>
void check_modes_deterministic() {
    const auto costs = fpga::make_cost_table(proxyless_space{});
    const sweep::design_space<Arch> s(costs, {0, 10});
    std::vector<int> base;
    s.random_digits(5, 0, base);
    std::vector<sweep::sweep_options> modes(3);
    // exhaustive over a sub-space of the 20-block space: blocks 3 and 17 (and, recursive, IP 4)
    modes[0].mode = sweep::enumeration::exhaustive;
    modes[0].base = base;
    modes[0].free_digits = {17, 3};
    if (design_space_is_recursive<Arch>)
        modes[0].free_digits.push_back(20 + 4);
    modes[1].mode = sweep::enumeration::random;
    modes[1].samples = 30000;
    modes[1].seed = 99;
    modes[2].mode = sweep::enumeration::neighbourhood;
    modes[2].base = base;
    for (int k = 0; k < 3; ++k) {
        auto o = modes[static_cast<std::size_t>(k)];
        o.dsp_budget = 200;
        o.chunk_size = 100;  // several chunks even for the 448-point recursive neighbourhood
        o.sample_every = 7;
        std::vector<sweep::sweep_result> runs;
        for (unsigned threads : {1u, 2u, 3u}) {
            o.threads = threads;
            runs.push_back(sweep::run_sweep(s, o));
        }
        for (const auto& r : runs) {
            CHECK(r.points == runs[0].points);
            CHECK(r.feasible == runs[0].feasible);
            REQUIRE(r.front.size() == runs[0].front.size());
            REQUIRE(r.sample.size() == runs[0].sample.size());
            bool equal = true;
            for (std::size_t j = 0; j < r.front.size(); ++j)
                equal = equal && r.front[j].index == runs[0].front[j].index && r.front[j].dsp == runs[0].front[j].dsp &&
                        r.front[j].interval_cycles == runs[0].front[j].interval_cycles;
            for (std::size_t j = 0; j < r.sample.size(); ++j)
                equal = equal && r.sample[j].index == runs[0].sample[j].index &&
                        r.sample[j].latency_cycles == runs[0].sample[j].latency_cycles;
            CHECK(equal);
        }
        CHECK(runs[2].threads == 3);
        CHECK(runs[0].space_points == runs[0].points);
        check_shards_merge_into_the_whole(s, o, runs[0]);
        // every sampled point agrees with a from-scratch evaluation of its design
        const fpga::board b{200, 100};
        for (const auto& p : runs[0].sample) {
            const auto digits = sweep::point_digits(s, o, p.index);
            const auto rep = fpga::evaluate(s.costs(), s.design_of(digits), b);
            CHECK(p.latency_cycles == doctest::Approx(rep.latency_cycles).epsilon(1e-12));
            CHECK(p.dsp == rep.dsp);
            if (k == 2) {  // one digit away from the centre
                int differ = 0;
                for (std::size_t d = 0; d < digits.size(); ++d)
                    differ += digits[d] != base[d];
                CHECK(differ == 1);
            }
            if (k == 0)  // only the free digits leave the base
                for (std::size_t d = 0; d < digits.size(); ++d)
                    if (std::find(o.free_digits.begin(), o.free_digits.end(), static_cast<int>(d)) == o.free_digits.end())
                        CHECK(digits[d] == base[d]);
        }
        if (k == 0) {  // index = free digit 17 + radix * free digit 3 (+ radix^2 * IP 4's digit)
            std::uint64_t expect = 1;
            for (int d : o.free_digits)
                expect *= static_cast<std::uint64_t>(s.radix(d));
            CHECK(runs[0].points == expect);
            const auto d5 = sweep::point_digits(s, o, 5 + static_cast<std::uint64_t>(s.radix(17)) * 2);
            CHECK(d5[17] == 5);
            CHECK(d5[3] == 2);
        }
        if (k == 2) {
            std::uint64_t expect = 0;
            for (int d = 0; d < s.num_digits(); ++d)
                expect += static_cast<std::uint64_t>(s.radix(d) - 1);
            CHECK(runs[0].points == expect);
        }
    }
}

}  // namespace

TEST_CASE("pipelined sweeps: exhaustive, random and neighbourhood are identical on 1, 2 and 3 threads") {
    check_modes_deterministic<fpga::pipelined>();
}

TEST_CASE("recursive sweeps: exhaustive, random and neighbourhood are identical on 1, 2 and 3 threads") {
    check_modes_deterministic<fpga::recursive>();
}

TEST_CASE("sweep errors name the problem") {
    const auto costs = fpga::make_cost_table(proxyless_space{});
    const sweep::design_space<fpga::recursive> s(costs, {0, 12});
    sweep::sweep_options o;
    o.dsp_budget = 0;
    CHECK(error_of([&] { sweep::run_sweep(s, o); }) == "nais: sweep: the DSP budget must be finite and > 0, got 0");
    o.dsp_budget = 2520;
    CHECK(error_of([&] { sweep::run_sweep(s, o); }) ==
          "nais: sweep: the swept space has more than 2^64 - 1 points (9^20 x 39^9); sample it at random, sweep a "
          "neighbourhood, or vary fewer free_digits");
    o.mode = sweep::enumeration::random;
    CHECK(error_of([&] { sweep::run_sweep(s, o); }) == "nais: sweep: random sampling needs samples > 0");
    o.samples = 10;
    o.objectives = {sweep::objective::dsp, sweep::objective::dsp};
    CHECK(error_of([&] { sweep::run_sweep(s, o); }) == "nais: sweep: objective 'dsp' is listed twice");
    o.objectives = {sweep::objective::accuracy, sweep::objective::dsp};
    CHECK(error_of([&] { sweep::run_sweep(s, o); }) ==
          "nais: sweep: the accuracy objective needs accuracy_per_op in the design space");
    o.objectives = {sweep::objective::latency};
    CHECK(error_of([&] { sweep::run_sweep(s, o); }) == "nais: sweep: 2 or 3 objectives, got 1");
    o.objectives = {sweep::objective::latency, sweep::objective::dsp};
    o.mode = sweep::enumeration::neighbourhood;
    o.base = std::vector<int>(29, 0);
    o.base[3] = 9;
    CHECK(error_of([&] { sweep::run_sweep(s, o); }) == "nais: sweep: digit 3 = 9 is outside [0, 9)");
    o.mode = sweep::enumeration::exhaustive;
    o.base.clear();
    o.free_digits = {3};
    CHECK(error_of([&] { sweep::run_sweep(s, o); }) ==
          "nais: sweep: free_digits needs a base design for the digits it keeps fixed");
    o.base = std::vector<int>(29, 0);
    o.free_digits = {3, 29};
    CHECK(error_of([&] { sweep::run_sweep(s, o); }) == "nais: sweep: free digit 29 is outside [0, 29)");
    o.free_digits = {3, 3};
    CHECK(error_of([&] { sweep::run_sweep(s, o); }) == "nais: sweep: free digit 3 is listed twice");
    fpga::cost_table empty = costs;
    empty.work.resize(0, 9);
    CHECK(error_of([&] { sweep::design_space<fpga::pipelined> e(empty, {0, 3}); }) ==
          "nais: sweep: the space is empty (0 blocks, 9 ops, 3 bit-widths)");
    CHECK(error_of([&] { sweep::design_space<fpga::pipelined> e(costs, {0, 3}, {1.0, 2.0}); }) ==
          "nais: sweep: accuracy_per_op has 2 values, the space has 9 ops");
    CHECK(error_of([&] { sweep::design_space<fpga::pipelined> e(costs, {4, 3}); }) ==
          "nais: sweep: pf range [4, 3] must satisfy 0 <= min <= max <= 62");
    const sweep::design_space<fpga::pipelined> p(costs, {0, 3});
    CHECK(error_of([&] { (void)p.count(); }).find("more than 2^64 - 1 points (108^20)") != std::string::npos);
}

TEST_CASE("sweep sums are bounded at construction: pipelined DSP totals at the int64 boundary") {
    // 16 blocks, one IP each; an IP at 16 bits costs Psi = 1 DSP x 2^pf = 2^(pf + 24) units, so the
    // largest total is 16 x 2^(pf_max + 24) = 2^(pf_max + 28): accepted up to pf_max = 33 (2^61),
    // refused from 34 on (2^62). Before the bound, pf_max = 35 wrapped 16 x 2^59 to a negative sum.
    std::vector<block> blocks(16, block{8, 8, 8, 8, 1});
    const runtime_space space(blocks, {{3, 4}}, {8, 16});
    const auto costs = fpga::make_cost_table(space);
    const sweep::design_space<fpga::pipelined> ok(costs, {33, 33});
    sweep::sweep_options o;
    o.dsp_budget = 0x1p40;  // every point infeasible, but every sum is formed
    o.objectives = {sweep::objective::interval, sweep::objective::dsp};
    o.sample_every = 1;
    o.threads = 1;
    const auto r = sweep::run_sweep(ok, o);
    REQUIRE(r.points == 65536);
    for (const auto& p : r.sample) {
        CHECK(p.dsp > 0);
        CHECK(p.dsp <= 16 * 0x1p33);
    }
    double largest = 0;
    for (const auto& p : r.sample)
        largest = std::max(largest, p.dsp);
    CHECK(largest == 16 * 0x1p33);  // every IP at 16 bits: exactly 2^37 DSPs
    for (int pf_max : {34, 35}) {
        const std::string msg = error_of([&] { sweep::design_space<fpga::pipelined>(costs, {0, pf_max}); });
        CHECK(msg.find("nais: sweep: the largest total DSPs of a design (IPs at the costliest bit-width and pf_max = " +
                       std::to_string(pf_max) + ")") == 0);
        CHECK(msg.find("narrow the pf range") != std::string::npos);
    }
    // the recursive space bounds its M IPs the same way, and its accuracy proxy sums too
    CHECK_NOTHROW(sweep::design_space<fpga::recursive>(costs, {0, 35}));  // one IP: 2^59 units
    CHECK_NOTHROW(sweep::design_space<fpga::recursive>(costs, {0, 35}, {0x1p33}));  // 16 x 2^57 units
    CHECK(error_of([&] { sweep::design_space<fpga::recursive>(costs, {0, 35}, {0x1p35}); })
              .find("nais: sweep: the largest total accuracy proxy of a design") == 0);  // 16 x 2^59
}
