// H2H (nais/h2h.hpp): the cnn_acc_1 cost model against a hand count, H2H's steps 1-3 against the
// figures its public beta prints on its three-stream example, each step on a hand-worked case,
// the knapsack and the exact optimum against brute force, schedule validity and the refusals.
#include <nais/h2h.hpp>

#include "error_of.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <random>
#include <string>
#include <variant>

using namespace nais::h2h;
using nais_test::error_of;

namespace {

/// prefix followed by the number (appended: GCC 12 -O3 misreads "literal" + std::string, bug 105329)
std::string numbered(const char* prefix, int k) {
    std::string s(prefix);
    s.append(std::to_string(k));
    return s;
}

std::vector<stream> h2h_example() { return three_stream_example(); }

accelerator named(std::string n) {
    accelerator a;
    a.name = std::move(n);
    return a;
}

/// The platforms the beta was run on (its cnn_acc_1 with these keyword arguments).
std::vector<accelerator> platform(int which) {
    accelerator a0 = named("acc0");
    if (which == 0)
        return {a0};
    if (which == 1) {
        accelerator a1 = named("acc1"), a2 = named("acc2");
        a1.throughput_gops = 80, a1.Tm = 32, a1.Tn = 16, a1.power_w = 20, a1.link_gbps = 8;  // W_mem = 1.0 GB/s
        a2.throughput_gops = 40, a2.link_gbps = 20, a2.power_w = 10, a2.Tr = 7, a2.Tc = 7, a2.Tr_in = 9, a2.Tc_in = 9;
        return {a0, a1, a2};
    }
    accelerator a1 = named("acc1");
    a0.memory_gb = 0.0001;
    a1.throughput_gops = 30, a1.power_w = 8, a1.memory_gb = 0.0002;
    return {a0, a1};
}

/// Every layer after its producers and its accelerator's previous layer; no overlap per accelerator.
void check_valid(const workload& w, const plan& p, const schedule& s) {
    REQUIRE(s.feasible);
    for (std::size_t l = 0; l < w.size(); ++l) {
        CHECK(s.slots[l].end >= s.slots[l].start);
        for (std::size_t q : w.predecessors(l))
            CHECK(s.slots[l].start >= s.slots[q].end);
    }
    for (const auto& order : p.order)
        for (std::size_t k = 1; k < order.size(); ++k)
            CHECK(s.slots[order[k]].start >= s.slots[order[k - 1]].end);
}

/// Brute force: every assignment, every order per accelerator, every resident set that fits.
double brute_force(const workload& w, const cost_table& t) {
    const std::size_t n = w.size(), A = t.accelerators();
    double best = std::numeric_limits<double>::infinity();
    std::vector<std::size_t> acc(n, 0);
    while (true) {
        bool ok = true;
        for (std::size_t l = 0; l < n; ++l)
            ok = ok && t.runs(w, l, acc[l]);
        if (ok) {
            plan p;
            p.order.assign(A, {});
            for (std::size_t l = 0; l < n; ++l)
                p.order[acc[l]].push_back(l);
            // every combination of per-accelerator permutations
            std::vector<std::vector<std::size_t>> base = p.order;
            std::function<void(std::size_t)> perms = [&](std::size_t a) {
                if (a == A) {
                    for (std::uint32_t mask = 0; mask < (1u << n); ++mask) {
                        p.resident.assign(n, 0);
                        for (std::size_t l = 0; l < n; ++l)
                            p.resident[l] = (mask >> l) & 1;
                        bool fits = true;
                        for (std::size_t b = 0; b < A; ++b) {
                            double used = 0;
                            for (std::size_t l : p.order[b])
                                if (p.resident[l])
                                    used += std::ceil(double(weight_elements(w.at(l))) / 1000);
                            fits = fits && used <= std::ceil(t.capacity[b] / 1000);
                        }
                        if (!fits)
                            continue;
                        const schedule s = evaluate(w, t, p, true);
                        if (s.feasible)
                            best = std::min(best, s.makespan);
                    }
                    return;
                }
                std::sort(p.order[a].begin(), p.order[a].end());
                do
                    perms(a + 1);
                while (std::next_permutation(p.order[a].begin(), p.order[a].end()));
            };
            perms(0);
        }
        std::size_t i = 0;
        while (i < n && ++acc[i] == A)
            acc[i++] = 0;
        if (i == n)
            break;
    }
    return best;
}

/// A small random workload: 2 streams of conv layers (one may end in an fc), random shapes.
workload random_workload(std::mt19937& g, std::size_t layers, bool with_fc, bool fusion) {
    std::uniform_int_distribution<int> ch(2, 96), px(4, 40), kk(0, 1);
    std::vector<stream> s{stream{std::string("A"), {}}, stream{std::string("B"), {}}};
    for (std::size_t l = 0; l < layers; ++l) {
        stream& x = s[l % 2];
        const std::string name = numbered(l % 2 ? "B" : "A", static_cast<int>(x.layers.size()) + 1);
        if (with_fc && l + 1 == layers)
            x.layers.push_back(fc_layer(name, ch(g) * 4, ch(g) * 8, 1));
        else
            x.layers.push_back(conv_layer(name, ch(g), ch(g), px(g), px(g), kk(g) ? 3 : 1));
    }
    std::vector<std::pair<std::string, std::string>> edges;
    if (fusion && s[0].layers.size() >= 1 && s[1].layers.size() >= 2)
        edges.push_back({s[0].layers[0].name, s[1].layers.back().name});
    return workload(s, edges);
}

std::vector<accelerator> random_platform(std::mt19937& g, bool with_fc) {
    std::uniform_real_distribution<double> th(20, 90), mem(0.00005, 0.0004), link(4, 20);
    std::vector<accelerator> p;
    for (int k = 0; k < 2; ++k) {
        accelerator a = named(numbered("cnn", k));
        a.throughput_gops = th(g), a.memory_gb = mem(g), a.link_gbps = link(g), a.Tm = 16, a.Tn = 4, a.Tr = a.Tc = 8;
        a.Tr_in = a.Tc_in = 10;
        p.push_back(a);
    }
    if (with_fc) {
        accelerator f = named("fc");
        f.accepts = layer_kind::fc, f.throughput_gops = 10, f.memory_gb = mem(g);
        p.push_back(f);
    }
    return p;
}

}  // namespace

TEST_CASE("the cnn_acc_1 model of one layer, counted by hand") {
    // conv M 64, N 3, 112 x 112, K 3 on cnn_acc_1's defaults (Tm 64, Tn 7, Tr = Tc = Tr' = Tc' = 13)
    const layer l = conv_layer("L", 64, 3, 112, 112, 3, 1, 1);
    const layer_cost c = cost_of(l, accelerator{});
    const double port = 512 * 100e6, link = 1e10;
    const double w_tile = 64 * 7 * 9 * 32 / port, i_tile = 7 * 13 * 13 * 32 / port, o_tile = 64 * 13 * 13 * 32 / port;
    const double compute = 2.0 * 13 * 13 * 64 * 9 * 7 / 1e9 / 61.62;
    const double tiles = 9 * 9 * 1 * (1 * (w_tile + i_tile + compute) + o_tile);  // ceil(112/13) = 9, ceil(3/7) = ceil(64/64) = 1
    CHECK(c.on_chip == doctest::Approx(tiles).epsilon(1e-14));
    CHECK(c.weights == doctest::Approx(64.0 * 3 * 9 * 32 / link).epsilon(1e-14));
    CHECK(c.inputs == doctest::Approx(3.0 * 224 * 224 * 32 / link).epsilon(1e-14));
    CHECK(c.outputs == doctest::Approx(64.0 * 112 * 112 * 32 / link).epsilon(1e-14));
    CHECK(c.full() == doctest::Approx(tiles + c.weights + c.inputs + c.outputs).epsilon(1e-14));
    CHECK(resident_capacity(accelerator{}) == doctest::Approx(1.25e8));
    // fc and lstm through their loop nests
    CHECK(operations(fc_layer("f", 10, 20, 3)) == 2.0 * 10 * 20 * 3);
    CHECK(operations(lstm_layer("r", 8, 4, 5)) == 2.0 * 5 * 32 * 12);
    CHECK(weight_elements(lstm_layer("r", 8, 4, 5)) == 8 * 4 * 12);
}

TEST_CASE("steps 1-3 reproduce H2H's beta on its three-stream example") {
    // printed by xyzxinyizhang/H2H@334fc10 Mapper/MapperH2H.py (getMapping, getKnapsack +
    // getBindedTime, getIfmOfmTrans) for the 44 layers and the platforms above: makespan s, energy J
    const double beta[3][3][2] = {
        {{0.7177551589136079, 13.357423507382245}, {0.6753892069136074, 12.568993140662222}, {0.5304809189136075, 9.872249900982233}},
        {{0.276017730468038, 9.813846206288186}, {0.25595818486803795, 9.51696436001619}, {0.22028532259999997, 6.877947604816185}},
        {{0.4614098441484178, 11.872224924818775}, {0.4614043145484178, 11.872033545362774}, {0.4185285228936708, 10.106798513298774}}};
    const workload w(h2h_example());
    REQUIRE(w.size() == 44);
    for (int which = 0; which < 3; ++which) {
        CAPTURE(which);
        const cost_table t = make_cost_table(w, platform(which));
        const mapping_result r = map(w, t);
        REQUIRE(r.steps.size() == 4);
        for (int k = 0; k < 3; ++k) {
            CAPTURE(k);
            CHECK(r.steps[std::size_t(k)].step == k + 1);
            CHECK(r.steps[std::size_t(k)].timing.makespan == doctest::Approx(beta[which][k][0]).epsilon(1e-12));
            CHECK(r.steps[std::size_t(k)].timing.energy == doctest::Approx(beta[which][k][1]).epsilon(1e-12));
        }
        for (const step_result& s : r.steps)
            check_valid(w, s.mapping, s.timing);
        // step 4 only accepts moves that shorten the makespan
        CHECK(r.steps[3].timing.makespan <= r.steps[2].timing.makespan);
    }
    // the beta's step-1 order on one accelerator: first layers of every stream, then M1 ...
    const mapping_result one = map(w, make_cost_table(w, platform(0)));
    const auto& order = one.steps[0].mapping.order[0];
    CHECK(w.at(order[0]).name == "M1L1");
    CHECK(w.at(order[1]).name == "M2L1");
    CHECK(w.at(order[2]).name == "M3L1");
    CHECK(w.at(order[3]).name == "M1L2");
    CHECK(w.at(order[22]).name == "M2L2");
}

TEST_CASE("each step on a hand-worked case") {
    // two streams of two layers; two identical accelerators except the second is twice as fast
    accelerator a = named("slow"), b = named("fast");
    b.throughput_gops = 2 * a.throughput_gops;
    a.memory_gb = b.memory_gb = 0.00000025;  // 62.5 elements... -> 1 knapsack unit each
    const workload w({{"A", {conv_layer("A1", 8, 8, 8, 8, 1), conv_layer("A2", 8, 8, 8, 8, 1)}},
                      {"B", {conv_layer("B1", 8, 8, 8, 8, 1), conv_layer("B2", 8, 8, 8, 8, 1)}}});
    const cost_table t = make_cost_table(w, std::vector<accelerator>{a, b});
    const layer_cost sa = t.cost[0][0], fb = t.cost[0][1];
    const double S = sa.full(), F = fb.full();  // every layer has the same shape
    REQUIRE(F < S);
    mapper_options o;
    o.remap = false;
    const mapping_result r = map(w, t, o);
    // step 1, round 1: ready A1, B1; 2 accelerators -> try both layers on (slow, fast)^2; the
    // smallest makespan is one layer each: max(S, F) = S vs both on fast 2F. 2F < S? no (F = S - on_chip/2)
    const double round1 = std::min(S, 2 * F);
    const plan& p1 = r.steps[0].mapping;
    if (2 * F < S) {
        CHECK(p1.order[1].size() >= 2);
    } else {
        CHECK(w.at(p1.order[0][0]).name == "A1");  // (A1 slow, B1 fast) comes first among equals
        CHECK(w.at(p1.order[1][0]).name == "B1");
    }
    CHECK(r.steps[0].timing.slots[0].end == doctest::Approx(round1 == S ? S : F));
    // brute-check step 1's makespan: A2 after A1, B2 after B1, each on the better accelerator
    double best = std::numeric_limits<double>::infinity();
    for (int x = 0; x < 2; ++x)
        for (int y = 0; y < 2; ++y) {
            // A1 on slow at [0, S], B1 on fast at [0, F]; round 2 maps A2 to x, B2 to y in order
            double free[2] = {S, F};
            const double d[2] = {S, F};
            double e1 = std::max(free[x], S) + d[x];
            free[x] = e1;
            double e2 = std::max(free[y], F) + d[y];
            free[y] = e2;
            best = std::min(best, std::max(free[0], free[1]));
        }
    if (!(2 * F < S))
        CHECK(r.steps[0].timing.makespan == doctest::Approx(best).epsilon(1e-14));
    // step 2: each accelerator holds 1 unit and each layer needs ceil(64 / 1000) = 1; pack.py's
    // table only rises at the first item (ties keep the earlier), so the first layer is resident
    const plan& p2 = r.steps[1].mapping;
    for (const auto& order : p2.order) {
        int resident = 0;
        for (std::size_t l : order)
            resident += p2.resident[l];
        CHECK(resident == std::min<int>(1, int(order.size())));
        if (!order.empty())
            CHECK(p2.resident[order.front()] == 1);
    }
    // step 3: a stream predecessor directly before on the same accelerator -> both transfers vanish
    const schedule& s3 = r.steps[2].timing;
    for (std::size_t acc = 0; acc < 2; ++acc) {
        const auto& order = p2.order[acc];
        for (std::size_t k = 1; k < order.size(); ++k) {
            const bool chain = w.chain_next(order[k - 1], order[k]);
            CHECK(s3.slots[order[k]].input_local == chain);
            CHECK(s3.slots[order[k - 1]].output_local == chain);
            if (chain) {
                const layer_cost& c = t.cost[order[k]][acc];
                CHECK(s3.slots[order[k]].end - s3.slots[order[k]].start ==
                      doctest::Approx(c.seconds(!p2.resident[order[k]], false, true)).epsilon(1e-14));
            }
        }
    }
    CHECK(r.steps[2].timing.makespan <= r.steps[1].timing.makespan);
    CHECK(r.steps[1].timing.makespan <= r.steps[0].timing.makespan);
}

TEST_CASE("the knapsack equals brute force") {
    std::mt19937 g(7);
    for (int trial = 0; trial < 200; ++trial) {
        std::uniform_int_distribution<int> count(0, 9), size(1, 20), cap(0, 60);
        std::vector<std::int64_t> v(static_cast<std::size_t>(count(g)));
        for (auto& x : v)
            x = size(g);
        const std::int64_t C = cap(g);
        const std::vector<char> take = detail::pack(v, C);
        std::int64_t got = 0;
        for (std::size_t i = 0; i < v.size(); ++i)
            got += take[i] ? v[i] : 0;
        std::int64_t best = 0;
        for (std::uint32_t m = 0; m < (1u << v.size()); ++m) {
            std::int64_t s = 0;
            for (std::size_t i = 0; i < v.size(); ++i)
                s += (m >> i) & 1 ? v[i] : 0;
            if (s <= C)
                best = std::max(best, s);
        }
        CHECK(got <= C);
        CHECK(got == best);
    }
}

TEST_CASE("the exact optimum equals brute force and never loses to H2H") {
    std::mt19937 g(11);
    for (int trial = 0; trial < 12; ++trial) {
        CAPTURE(trial);
        const bool with_fc = trial % 3 == 2, fusion = trial % 2 == 1;
        const workload w = random_workload(g, trial < 6 ? 4 : 5, with_fc, fusion);
        const cost_table t = make_cost_table(w, random_platform(g, with_fc));
        const double brute = brute_force(w, t);
        const exact_result e = exact_map(w, t);
        REQUIRE(e.proven);
        CHECK(e.makespan == doctest::Approx(brute).epsilon(1e-12));
        check_valid(w, e.mapping, e.timing);
        const mapping_result h = map(w, t);
        for (const step_result& s : h.steps)
            check_valid(w, s.mapping, s.timing);
        CHECK(e.makespan <= h.last().timing.makespan * (1 + 1e-12));
        // started from H2H's plan, the search proves the same optimum
        exact_options from;
        from.incumbent = h.last().mapping;
        const exact_result e2 = exact_map(w, t, from);
        CHECK(e2.makespan == doctest::Approx(brute).epsilon(1e-12));
        // a node limit gives a lower bound below the optimum and a plan above it
        exact_options tiny;
        tiny.node_limit = 5;
        const exact_result cut = exact_map(w, t, tiny);
        CHECK(cut.lower_bound <= brute * (1 + 1e-12));
        if (!cut.mapping.order.empty())
            CHECK(cut.makespan >= brute * (1 - 1e-12));
    }
}

TEST_CASE("the modality switch keeps resident weights pinned") {
    const workload w(h2h_example());
    const cost_table t = make_cost_table(w, platform(2));
    const mapping_result first = map(w, t);
    mapper_options o;
    const plan& prev = first.last().mapping;
    const std::vector<std::size_t> acc = assignment_of(prev, w.size());
    for (std::size_t l = 0; l < w.size(); ++l)
        if (prev.resident[l])
            o.pinned.push_back({l, acc[l]});
    REQUIRE(!o.pinned.empty());
    const mapping_result second = map(w, t, o);
    for (const step_result& s : second.steps) {
        const std::vector<std::size_t> now = assignment_of(s.mapping, w.size());
        for (const pinned_layer& p : o.pinned) {
            CHECK(now[p.layer] == p.accelerator);
            CHECK(s.mapping.resident[p.layer] == 1);
        }
        check_valid(w, s.mapping, s.timing);
    }
}

namespace user {

/// A platform member written outside nais: a fixed-function unit with a measured time per MAC
/// and no private memory (h2h::platform_member, found by argument-dependent lookup).
struct systolic_unit {
    std::string name = "systolic";
    layer_kind accepts = layer_kind::conv;
    double power_w = 3;
    double seconds_per_mac = 1e-11;
};
inline double resident_capacity(const systolic_unit&) { return 0; }
inline double bytes_per_element(const systolic_unit&) { return 1; }
inline layer_cost cost_of(const layer& l, const systolic_unit& u) {
    layer_cost c;
    c.on_chip = operations(l) / 2 * u.seconds_per_mac;
    c.inputs = double(input_elements(l)) * 1e-9;
    c.outputs = double(output_elements(l)) * 1e-9;
    c.weights = double(weight_elements(l)) * 1e-9;
    return c;
}

}  // namespace user

static_assert(platform_member<accelerator>);
static_assert(platform_member<user::systolic_unit>);

TEST_CASE("a platform member written by a user plugs into the mapper and the exact search") {
    const workload w({{"A", {conv_layer("a1", 16, 8, 16, 16, 3), conv_layer("a2", 16, 16, 8, 8, 3)}},
                      {"B", {conv_layer("b1", 8, 4, 16, 16, 3)}}});
    const cost_table t = make_cost_table(w, std::vector<user::systolic_unit>{{"u0", layer_kind::conv, 3, 1e-11}, {"u1", layer_kind::conv, 1, 4e-11}});
    CHECK(t.cost[0][0].on_chip == doctest::Approx(16.0 * 8 * 16 * 16 * 9 * 1e-11));
    CHECK(t.capacity[0] == 0);
    const mapping_result r = map(w, t);
    for (const step_result& s : r.steps) {
        check_valid(w, s.mapping, s.timing);
        for (char x : s.mapping.resident)
            CHECK(x == 0);  // nothing fits in no memory
    }
    const exact_result e = exact_map(w, t);
    CHECK(e.proven);
    CHECK(e.makespan == doctest::Approx(brute_force(w, t)).epsilon(1e-12));
}

TEST_CASE("a nais device model as a platform member: the tiled FPGA template beside H2H accelerators") {
    tiled_member fpga;
    fpga.name = "zcu102";
    const layer l = conv_layer("c", 64, 32, 28, 28, 3, 1, 1);
    const layer_cost c = cost_of(l, fpga);
    // the template's own cycles for the same conv (28 x 28 output from a 28 x 28 input, padding 1)
    nais::tiled::workload t;
    t.name = "c", t.M = 64, t.N = 32, t.R = t.C = t.H = t.W = 28, t.K_h = t.K_w = 3, t.P_h = t.P_w = 1;
    CHECK(c.on_chip == doctest::Approx(nais::tiled::evaluate_layer(t, fpga.design, fpga.device).t.cycles / (200e6)).epsilon(1e-12));
    CHECK(c.weights == doctest::Approx(64.0 * 32 * 9 * 16 / 10e9).epsilon(1e-12));  // 16-bit words over 10 Gb/s
    // a mixed platform: H2H's cnn_acc_1 and the template
    const workload w(three_stream_example());
    const std::vector<std::variant<accelerator, tiled_member>> mixed{accelerator{}, fpga};
    const cost_table ct = make_cost_table(w, mixed);
    CHECK(ct.names == std::vector<std::string>{"cnn_acc_1", "zcu102"});
    CHECK(ct.cost[5][1].on_chip == doctest::Approx(cost_of(w.at(5), fpga).on_chip));
    CHECK(ct.cost[5][0].on_chip == doctest::Approx(cost_of(w.at(5), accelerator{}).on_chip));
    const mapping_result r = map(w, ct);
    for (const step_result& s : r.steps)
        check_valid(w, s.mapping, s.timing);
    CHECK(r.last().timing.makespan < map(w, make_cost_table(w, std::vector<accelerator>{accelerator{}})).last().timing.makespan);
    // a layer the template cannot run is refused, naming the rule
    tiled_member small = fpga;
    small.design.Tk = 1;
    CHECK(error_of([&] { cost_of(l, small); }).find("rule kernel") != std::string::npos);
}

TEST_CASE("refusals name what is wrong") {
    CHECK(error_of([] { workload(std::vector<stream>{stream{"A", {}}}); }).find("stream 'A' has no layers") != std::string::npos);
    CHECK(error_of([] { workload({{"A", {conv_layer("x", 1, 1, 1, 1, 1), conv_layer("x", 1, 1, 1, 1, 1)}}}); }).find("'x' appears twice") !=
          std::string::npos);
    CHECK(error_of([] { workload({{"A", {conv_layer("x", 0, 1, 1, 1, 1)}}}); }).find("layer 'x': M = 0") != std::string::npos);
    CHECK(error_of([] { workload({{"A", {conv_layer("x", 1, 1, 1, 1, 1)}}}, {{"x", "y"}}); }).find("no layer named 'y'") !=
          std::string::npos);
    CHECK(error_of([] {
              workload({{"A", {conv_layer("a", 1, 1, 1, 1, 1), conv_layer("b", 1, 1, 1, 1, 1)}}}, {{"b", "a"}});
          }).find("cycle") != std::string::npos);
    const workload w({{"A", {conv_layer("a", 1, 1, 1, 1, 1)}}, {"B", {lstm_layer("r", 4, 4, 2)}}});
    CHECK(error_of([&] { make_cost_table(w, std::vector<accelerator>{accelerator{}}); }).find("layer 'r' is LSTM and no accelerator accepts LSTM") !=
          std::string::npos);
    accelerator bad;
    bad.link_gbps = 0;
    CHECK(error_of([&] { make_cost_table(w, std::vector<accelerator>{bad}); }).find("link_gbps = 0") != std::string::npos);
    accelerator r = named("rnn");
    r.accepts = layer_kind::lstm;
    const cost_table t = make_cost_table(w, std::vector<accelerator>{accelerator{}, r});
    plan p{{{0, 1}, {}}, {0, 0}};
    CHECK(error_of([&] { validate(p, w, t); }).find("'r' (LSTM) is mapped to 'cnn_acc_1'") != std::string::npos);
    const mapping_result m = map(w, t);
    CHECK(assignment_of(m.last().mapping, 2) == std::vector<std::size_t>{0, 1});
}
