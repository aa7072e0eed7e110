// The co-search driver's parts that need no composed loss: optimizers, temperature schedules,
// the stand-in accuracy proxy, derivation helpers, exact design evaluation and re-tuning
// (checked against brute force).
#include <nais/nais.hpp>

#include "error_of.hpp"
#include "fd.hpp"
#include "sanitized.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

using namespace nais;
using nais_test::uniform;

namespace {

using array1 = Eigen::Array<double, 1, 1>;

array1 one(double v) {
    array1 a;
    a(0) = v;
    return a;
}

}  // namespace

TEST_CASE("sgd_momentum matches its closed form (heavy ball and Nesterov)") {
    const search::sgd_momentum<double> heavy{0.9, false};
    array1 x = one(1.0), g = one(2.0);
    search::sgd_momentum<double>::slot<array1> s(x);
    // v1 = 2, x1 = 1 - 0.2; v2 = 3.8, x2 = 0.8 - 0.38; v3 = 5.42, x3 = 0.42 - 0.542
    heavy.update(x, g, s, 0.1, 1);
    CHECK(x(0) == doctest::Approx(0.8).epsilon(1e-15));
    heavy.update(x, g, s, 0.1, 2);
    CHECK(x(0) == doctest::Approx(0.42).epsilon(1e-15));
    heavy.update(x, g, s, 0.1, 3);
    CHECK(x(0) == doctest::Approx(-0.122).epsilon(1e-14));

    const search::sgd_momentum<double> nesterov{0.9, true};
    array1 y = one(1.0);
    search::sgd_momentum<double>::slot<array1> t(y);
    nesterov.update(y, g, t, 0.1, 1);  // v1 = 2; y1 = 1 - 0.1 (2 + 0.9 * 2)
    CHECK(y(0) == doctest::Approx(0.62).epsilon(1e-15));
    nesterov.update(y, g, t, 0.1, 2);  // v2 = 3.8; y2 = 0.62 - 0.1 (2 + 3.42)
    CHECK(y(0) == doctest::Approx(0.078).epsilon(1e-13));

    CHECK(nais_test::error_of([] { search::sgd_momentum<double>{1.0}.validate(); }).find("momentum must be in [0, 1)") !=
          std::string::npos);
}

TEST_CASE("adam matches its closed form and minimises a quadratic") {
    const search::adam<double> opt{};
    // step 1: m = 0.1 g, v = 0.001 g^2, bias-corrected ratio = g / (|g| + eps)
    array1 x = one(1.0), g = one(-3.0);
    search::adam<double>::slot<array1> s(x);
    opt.update(x, g, s, 0.01, 1);
    CHECK(x(0) == doctest::Approx(1.0 + 0.01 * 3.0 / (3.0 + 1e-8)).epsilon(1e-15));
    // step 2 with g2 = 1, written out
    const double m2 = 0.9 * 0.1 * -3.0 + 0.1 * 1.0, v2 = 0.999 * 0.001 * 9.0 + 0.001 * 1.0;
    const double expect = x(0) - 0.01 * (m2 / (1 - 0.81)) / (std::sqrt(v2 / (1 - 0.999 * 0.999)) + 1e-8);
    opt.update(x, one(1.0), s, 0.01, 2);
    CHECK(x(0) == doctest::Approx(expect).epsilon(1e-14));

    Eigen::ArrayXXd z = Eigen::ArrayXXd::Zero(3, 2), target(3, 2);
    target << 1, -2, 0.5, 3, -1, 0.25;
    search::adam<double>::slot<Eigen::ArrayXXd> sz(z);
    for (long k = 1; k <= 3000; ++k) {
        const Eigen::ArrayXXd grad = 2 * (z - target);
        opt.update(z, grad, sz, 0.05, k);
    }
    CHECK((z - target).abs().maxCoeff() < 1e-3);

    CHECK(nais_test::error_of([] { search::adam<double>{0.9, 1.0}.validate(); }).find("adam.beta2 must be in [0, 1)") !=
          std::string::npos);
    CHECK(nais_test::error_of([] { search::adam<double>{0.9, 0.999, 0.0}.validate(); }).find("adam.epsilon") !=
          std::string::npos);
}

TEST_CASE("temperature schedules: values, monotonicity, validation") {
    using sched = search::temperature_schedule<double>;
    const sched c = sched::constant(0.7);
    CHECK(c(0) == 0.7);
    CHECK(c(12345) == 0.7);

    const sched e = sched::exponential(5.0, 0.9, 0.5);
    CHECK(e(0) == 5.0);
    CHECK(e(3) == doctest::Approx(5.0 * 0.729).epsilon(1e-15));
    CHECK(e(1000) == 0.5);  // floored

    const sched k = sched::cosine(2.0, 0.1, 100);
    CHECK(k(0) == doctest::Approx(2.0).epsilon(1e-15));
    CHECK(k(50) == doctest::Approx(1.05).epsilon(1e-14));
    CHECK(k(100) == doctest::Approx(0.1).epsilon(1e-14));
    CHECK(k(500) == doctest::Approx(0.1).epsilon(1e-14));
    for (long t = 0; t < 120; ++t) {
        CHECK(k(t + 1) <= k(t));
        CHECK(e(t + 1) <= e(t));
        CHECK(k(t) > 0);
    }

    CHECK(nais_test::error_of([] { sched::constant(0.0); }).find("tau must be finite and > 0") != std::string::npos);
    CHECK(nais_test::error_of([] { sched::constant(std::nan("")); }).find("tau must be finite") != std::string::npos);
    CHECK(nais_test::error_of([] { sched::exponential(1.0, 1.5, 0.1); }).find("decay per step must be in (0, 1]") !=
          std::string::npos);
    CHECK(nais_test::error_of([] { sched::exponential(1.0, 0.9, 2.0); }).find("must not exceed tau0") != std::string::npos);
    CHECK(nais_test::error_of([] { sched::cosine(1.0, 0.1, 0); }).find("annealing length must be > 0") != std::string::npos);
    CHECK(nais_test::error_of([&] { (void)k(-1); }).find("step must be >= 0") != std::string::npos);
}

TEST_CASE("budget_pf_range follows the cheapest DSP rate") {
    const auto costs = fpga::make_cost_table(proxyless_space{});
    CHECK(fpga::budget_pf_range(costs, 2520).max == 12);  // 2520 / 0.5 = 5040 -> 2^12
    CHECK(fpga::budget_pf_range(costs, 900).max == 10);   // 1800 -> 2^10
    CHECK(fpga::budget_pf_range(costs, 0.25).max == 0);
    const auto luts = fpga::make_cost_table(proxyless_space{}, fpga::edd_latency_calibration{}, [](int) { return 0.0; });
    CHECK(fpga::budget_pf_range(luts, 100).max == fpga::pf_range{}.max);
}

TEST_CASE("standin_accuracy: exact gradient and range, both architectures") {
    const auto costs = fpga::make_cost_table(proxyless_space{});
    std::mt19937_64 rng(5);
    auto check = [&]<class Arch>(Arch) {
        search::standin_accuracy<> proxy(costs.work, costs.bit_widths, {1.0, 0.7, 1.3});
        const int g = fpga::num_groups<Arch>(costs.num_blocks(), costs.num_ops());
        for (int trial = 0; trial < nais_test::cases(5); ++trial) {
            Eigen::ArrayXXd theta(costs.num_blocks(), costs.num_ops()), phi(g, costs.num_bits());
            nais_test::fill_normal(theta, rng, 1.5);
            nais_test::fill_normal(phi, rng, 1.5);
            search::accuracy_gradient<double> grad, scratch;
            const double acc = proxy.evaluate(typename Arch::sharing{}, theta, phi, grad);
            CHECK(acc >= 1.0);
            CHECK(acc <= 1.0 + 0.7 + 1.3);
            auto f = [&] { return proxy.evaluate(typename Arch::sharing{}, theta, phi, scratch); };
            nais_test::check_gradient("proxy d/dtheta", theta, grad.theta, f, nais_test::double_fd);
            nais_test::check_gradient("proxy d/dphi", phi, grad.phi(), f, nais_test::double_fd);
        }
        Eigen::ArrayXXd wrong(2, 2);
        search::accuracy_gradient<double> grad;
        CHECK(nais_test::error_of([&] { proxy.evaluate(typename Arch::sharing{}, wrong, wrong, grad); }).find("theta must be 20 x 9, got 2 x 2") !=
              std::string::npos);
    };
    check(fpga::recursive{});
    check(fpga::pipelined{});
}

TEST_CASE("argmax_rows keeps the first maximum") {
    Eigen::ArrayXXd a(3, 3);
    a << 1, 3, 3, 0, 0, 0, -1, -5, -0.5;
    CHECK(search::argmax_rows(a) == std::vector<int>{1, 0, 2});
}

namespace {

/// A tiny hand-checked table: 2 blocks x 2 ops x bits {4, 8, 16}.
fpga::cost_table tiny_table() {
    fpga::cost_table t;
    t.work.resize(2, 2);
    t.work << 100, 300, 40, 80;
    t.latency_factor.resize(3);
    t.latency_factor << 4, 8, 16;
    t.dsp_factor.resize(3);
    t.dsp_factor << 0, 0.5, 1;
    t.bit_widths = {4, 8, 16};
    return t;
}

}  // namespace

TEST_CASE("evaluate: exact latency, DSPs, throughput and bottleneck on a hand-checked design") {
    const auto t = tiny_table();
    const fpga::board b{10, 100};
    {  // recursive: both blocks on op 1 (one shared IP, 16 bits, pf 2) -> counted once
        const fpga::design<fpga::recursive> d{{1, 1}, {0, 2}, {0, 2}};
        const auto r = fpga::evaluate(t, d, b);
        CHECK(r.blocks[0].latency_cycles == 16.0 * 300 / 4);
        CHECK(r.blocks[1].latency_cycles == 16.0 * 80 / 4);
        CHECK(r.latency_cycles == 1200 + 320);
        CHECK(r.interval_cycles == r.latency_cycles);
        CHECK(r.dsp == 4.0);
        CHECK(r.ips_used == 1);
        CHECK(r.bottleneck == 0);
        CHECK(r.budget_met);
        CHECK(r.latency_ms == doctest::Approx(1520.0 / 1e5));
        CHECK(r.frames_per_second == doctest::Approx(1e8 / 1520.0));
    }
    {  // pipelined: block 0 op 0 (8 bits, pf 1), block 1 op 1 (16 bits, pf 4); groups i + N*m
        fpga::design<fpga::pipelined> d{{0, 1}, std::vector<int>(4, 0), std::vector<int>(4, 0)};
        d.bits[0] = 1;
        d.pf[0] = 1;
        d.bits[3] = 2;
        d.pf[3] = 4;
        const auto r = fpga::evaluate(t, d, b);
        CHECK(r.blocks[0].latency_cycles == 8.0 * 100 / 2);
        CHECK(r.blocks[1].latency_cycles == 16.0 * 80 / 16);
        CHECK(r.interval_cycles == 400);
        CHECK(r.latency_cycles == 480);
        CHECK(r.dsp == 1.0 + 16.0);
        CHECK(r.ips_used == 2);
        CHECK(!r.budget_met);
        CHECK(r.bottleneck == 0);
        CHECK(r.frames_per_second == doctest::Approx(1e8 / 400.0));
    }
    const fpga::design<fpga::recursive> bad_op{{0, 2}, {0, 0}, {0, 0}};
    CHECK(nais_test::error_of([&] { fpga::evaluate(t, bad_op, b); }).find("design.op[1] = 2 is not an op index in [0, 2)") !=
          std::string::npos);
    const fpga::design<fpga::recursive> bad_size{{0, 1}, {0}, {0, 0}};
    CHECK(nais_test::error_of([&] { fpga::evaluate(t, bad_size, b); }).find("design.bits has 1 entries, expected 2") !=
          std::string::npos);
    const fpga::design<fpga::recursive> bad_pf{{0, 1}, {0, 0}, {0, -1}};
    CHECK(nais_test::error_of([&] { fpga::evaluate(t, bad_pf, b); }).find("design.pf[1] = -1 is outside") != std::string::npos);
    const fpga::design<fpga::recursive> ok{{0, 1}, {0, 0}, {0, 0}};
    CHECK(nais_test::error_of([&] { fpga::evaluate(t, ok, fpga::board{10, 0}); }).find("clock_mhz") != std::string::npos);
}

namespace {

fpga::cost_table random_table(std::mt19937_64& rng, int n, int m) {
    fpga::cost_table t;
    t.work.resize(n, m);
    for (Eigen::Index k = 0; k < t.work.size(); ++k)
        t.work.data()[k] = std::floor(uniform(rng, 1, 5000));
    t.bit_widths = {4, 8, 16};
    t.latency_factor.resize(3);
    t.latency_factor << 4, 8, 16;
    t.dsp_factor.resize(3);
    // EDD's Psi or an arbitrary non-dyadic calibration
    if (uniform(rng, 0, 1) < 0.5)
        t.dsp_factor << 0, 0.5, 1;
    else
        t.dsp_factor << uniform(rng, 0, 0.4), uniform(rng, 0.3, 0.9), uniform(rng, 0.8, 2.3);
    return t;
}

template <class Arch>
fpga::design<Arch> random_design(std::mt19937_64& rng, int n, int m) {
    fpga::design<Arch> d;
    const int g = fpga::num_groups<Arch>(n, m);
    for (int i = 0; i < n; ++i)
        d.op.push_back(static_cast<int>(uniform(rng, 0, m - 1e-9)));
    for (int k = 0; k < g; ++k) {
        d.bits.push_back(static_cast<int>(uniform(rng, 0, 3 - 1e-9)));
        d.pf.push_back(0);
    }
    return d;
}

/// Every assignment of pf in the range to the IPs the design uses, evaluated exactly; the best
/// by (objective, DSPs) among those within the budget.
template <class Arch>
bool brute_force(const fpga::cost_table& t, fpga::design<Arch> d, double budget, fpga::pf_range r, double& best,
                 double& best_dsp) {
    std::vector<int> used;
    for (int i = 0; i < d.num_blocks(); ++i) {
        const int g = d.group_of(i);
        if (std::find(used.begin(), used.end(), g) == used.end())
            used.push_back(g);
    }
    std::vector<int> digits(used.size(), r.min);
    std::vector<std::pair<double, double>> feasible;  // (objective, DSPs)
    const fpga::board b{budget, 100};
    for (;;) {
        for (std::size_t k = 0; k < used.size(); ++k)
            d.pf[static_cast<std::size_t>(used[k])] = digits[k];
        const auto rep = fpga::evaluate(t, d, b);
        if (rep.budget_met)
            feasible.emplace_back(rep.interval_cycles, rep.dsp);
        std::size_t k = 0;
        while (k < digits.size() && ++digits[k] > r.max)
            digits[k++] = r.min;
        if (k == digits.size())
            break;
    }
    if (feasible.empty())
        return false;
    best = feasible.front().first;
    for (const auto& f : feasible)
        best = std::min(best, f.first);
    best_dsp = std::numeric_limits<double>::infinity();
    for (const auto& f : feasible)  // equal objectives up to the summation order
        if (f.first <= best * (1 + 1e-12))
            best_dsp = std::min(best_dsp, f.second);
    return true;
}

template <class Arch>
void check_retune_against_brute_force(std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    int feasible = 0, infeasible = 0;
    for (int trial = 0; trial < 60; ++trial) {
        const int n = 1 + trial % 4, m = 1 + (trial / 4) % 4;
        const auto t = random_table(rng, n, m);
        const auto d = random_design<Arch>(rng, n, m);
        const fpga::pf_range r{trial % 3 == 0 ? 1 : 0, 5 + trial % 2};
        const double budget = std::floor(uniform(rng, 0, trial % 7 == 0 ? 2.0 : 60.0 * n));
        double best = 0, best_dsp = 0;
        const bool found = brute_force(t, d, budget, r, best, best_dsp);
        const auto res = fpga::retune(t, d, budget, r);
        INFO("trial " << trial << ": n " << n << " m " << m << " budget " << budget);
        REQUIRE(res.feasible == found);
        if (!found) {
            ++infeasible;
            CHECK(res.reason.find("no parallel factors in range meet the DSP budget") != std::string::npos);
            continue;
        }
        ++feasible;
        const auto rep = fpga::evaluate(t, res.tuned, fpga::board{budget, 100});
        CHECK(rep.budget_met);
        CHECK(rep.interval_cycles == doctest::Approx(best).epsilon(1e-12));
        CHECK(res.objective == doctest::Approx(best).epsilon(1e-12));
        CHECK(rep.dsp == doctest::Approx(best_dsp).epsilon(1e-12));
        CHECK(res.dsp == doctest::Approx(rep.dsp).epsilon(1e-12));
        for (int p : res.tuned.pf) {
            CHECK(p >= r.min);
            CHECK(p <= r.max);
        }
    }
    CHECK(feasible > 20);
    CHECK(infeasible > 0);
}

}  // namespace

TEST_CASE("retune (recursive) is the brute-force optimum: least total latency, then fewest DSPs") {
    check_retune_against_brute_force<fpga::recursive>(11);
}

TEST_CASE("retune (pipelined) is the brute-force optimum: least slowest stage, then fewest DSPs") {
    check_retune_against_brute_force<fpga::pipelined>(12);
}

TEST_CASE("retune on the default space: feasible, within budget, and at least as good as any single-IP step away") {
    const auto costs = fpga::make_cost_table(proxyless_space{});
    std::mt19937_64 rng(3);
    for (int trial = 0; trial < 4; ++trial) {
        const auto rd = random_design<fpga::recursive>(rng, 20, 9);
        const auto rr = fpga::retune(costs, rd, 2520, {0, 12});
        REQUIRE(rr.feasible);
        const auto pd = random_design<fpga::pipelined>(rng, 20, 9);
        const auto pr = fpga::retune(costs, pd, 900, {0, 10});
        REQUIRE(pr.feasible);
        // local optimality: no single IP's pf +-1 gives a feasible better design
        auto local = [&](auto tuned, double budget, double objective) {
            const fpga::board b{budget, 200};
            for (int i = 0; i < tuned.num_blocks(); ++i)
                for (int delta : {-1, 1}) {
                    auto d = tuned;
                    int& p = d.pf[static_cast<std::size_t>(d.group_of(i))];
                    p += delta;
                    if (p < 0 || p > 12)
                        continue;
                    const auto rep = fpga::evaluate(costs, d, b);
                    if (rep.budget_met)
                        CHECK(rep.interval_cycles >= objective * (1 - 1e-12));
                }
        };
        local(rr.tuned, 2520, rr.objective);
        local(pr.tuned, 900, pr.objective);
    }
    const fpga::design<fpga::recursive> d{std::vector<int>(20, 0), std::vector<int>(9, 2), std::vector<int>(9, 0)};
    const auto tight = fpga::retune(costs, d, 0.5, {0, 12});  // one 16-bit IP needs 1 DSP at pf 0
    CHECK(!tight.feasible);
    CHECK(tight.reason == "no parallel factors in range meet the DSP budget: even pf = 0 everywhere needs 1 DSPs, "
                          "the budget is 0.5");
    CHECK(nais_test::error_of([&] { fpga::retune(costs, d, -1); }).find("DSP budget must be finite and >= 0") !=
          std::string::npos);
    CHECK(nais_test::error_of([&] { fpga::retune(costs, d, 10, {3, 2}); }).find("pf range [3, 2]") != std::string::npos);
}
