// Property test of the library API where it takes runtime input (issue "Every reader fuzzed"):
// random valid and invalid spaces (MBConv blocks and spaces of layers), parameters and variables
// (NaN, infinities, zero and huge values among ordinary ones) thrown at every composed loss. Each
// evaluation either gives a finite loss and finite gradients or throws nais::invalid_argument;
// CI runs it under ASan + UBSan, so undefined behaviour on the way fails too.
#include <nais/nais.hpp>

#include "newer_losses.hpp"
#include "sanitized.hpp"
#include "test_part.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

using namespace nais;

namespace {

struct generator {
    std::mt19937_64 rng;
    explicit generator(std::uint64_t seed) : rng(seed) {}

    bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }
    template <class T>
    const T& pick(const std::vector<T>& v) {
        return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
    }
    int integer(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
    /// An ordinary value around `centre`, or (with probability p) an extreme one.
    double value(double centre, double spread, double p = 0.03) {
        static const std::vector<double> extreme{std::numeric_limits<double>::quiet_NaN(),
                                                 std::numeric_limits<double>::infinity(),
                                                 -std::numeric_limits<double>::infinity(),
                                                 1e300,
                                                 -1e300,
                                                 1e-320,
                                                 0.0,
                                                 700.0,
                                                 -700.0};
        if (chance(p))
            return pick(extreme);
        return std::normal_distribution<double>(centre, spread)(rng);
    }
    template <class A>
    void fill(A& a, double centre, double spread, double p = 0.03) {
        for (Eigen::Index k = 0; k < a.size(); ++k)
            a.data()[k] = static_cast<typename A::Scalar>(value(centre, spread, p));
    }
    /// A scalar parameter: usually valid, sometimes at or past its limits.
    double param(const std::vector<double>& valid, const std::vector<double>& other) {
        return chance(0.85) ? pick(valid) : pick(other);
    }
};

[[maybe_unused]] const double nan = std::numeric_limits<double>::quiet_NaN();
[[maybe_unused]] const double inf = std::numeric_limits<double>::infinity();

/// A random MBConv space: mostly valid, sometimes with a zero, negative or huge size.
[[maybe_unused]] runtime_space random_mbconv_space(generator& g) {
    std::vector<block> blocks;
    const int n = g.integer(1, 6);
    for (int i = 0; i < n; ++i) {
        block b{g.integer(1, 64), g.integer(1, 64), g.integer(1, 64), g.integer(1, 64), g.integer(1, 3)};
        if (g.chance(0.03))
            b.h = g.pick(std::vector<int>{0, -3, 1 << 30});
        if (g.chance(0.02))
            b.cin = g.pick(std::vector<int>{0, 1 << 30});
        blocks.push_back(b);
    }
    std::vector<mbconv> ops;
    for (int m = g.integer(1, 4); m > 0; --m)
        ops.push_back({g.pick(std::vector<int>{1, 3, 5, 7}), g.integer(g.chance(0.02) ? 0 : 1, 6)});
    std::vector<int> bits;
    for (int q : {2, 4, 8, 16, 32})
        if (g.chance(0.6))
            bits.push_back(q);
    if (g.chance(0.03))
        bits.push_back(g.pick(std::vector<int>{0, 33, 8}));
    return runtime_space(blocks, ops, bits);
}

/// A random space of layers: stem, blocks with lists of random candidates (skip ops included,
/// sometimes where the block changes shape), head.
[[maybe_unused]] layered_space random_layered_space(generator& g) {
    layered_space_description d;
    d.name = "random";
    d.input = {g.integer(1, 4), g.integer(4, 32), g.integer(4, 32)};
    d.bits = {4, 8, 16};
    if (g.chance(0.7))
        d.stem = {net::conv("conv", g.integer(1, 16), 3, 1, 1), net::simple("bn", net::layer_kind::bn_act)};
    const std::vector<net::op_description> pool{net::mbconv_op(3, 3), net::mbconv_op(5, 6, true, true), net::conv_op(3),
                                               net::basic_op(),      net::bottleneck_op(),              net::skip_op()};
    for (int k = g.integer(0, 4); k > 0; --k) {
        searchable_block b;
        b.cout = 4 * g.integer(1, 6);
        b.stride = g.chance(0.3) ? 2 : 1;
        for (int m = g.integer(1, 4); m > 0; --m) {
            const auto& op = g.pick(pool);
            bool dup = false;
            for (const auto& o : b.candidates)
                dup = dup || net::op_name(o) == net::op_name(op);
            if (!dup)
                b.candidates.push_back(op);
        }
        d.blocks.push_back(b);
    }
    if (g.chance(0.7))
        d.head = {net::global_pool("pool"), net::fc("fc", g.integer(1, 10))};
    return layered_space(d);
}

template <class Loss>
void randomize_params(Loss& l, generator& g) {
    auto& p = l.params();
    p.tau = g.param({1, 0.5, 5, 1e-3}, {0, -1, nan, inf, 1e-300, 1e300});
    p.hard = g.chance(0.3);
    p.alpha = g.param({1, 1e-6, 0.3}, {0, -1, nan, 1e300, inf});
    p.acc_loss = g.param({1, 2.5, 0}, {-1, nan, 1e300, -1e300});
    p.beta = g.param({1, 0.1}, {0, -1, nan, 1e300});
    p.C = g.param({1.01, 2}, {1, 0.5, nan, 1e300});
    p.res_ub = g.param({100, 2520, 1}, {0, -5, nan, 1e300});
    if constexpr (requires { p.lse_smoothness; })
        p.lse_smoothness = g.param({1, 1e4}, {0, -1, nan, 1e-300, 1e300});
    if constexpr (requires { p.tau_ms; }) {  // h2h: the smooth maximum's temperature, the energy weight
        p.tau_ms = g.param({0.2, 0.02, 5}, {0, -1, nan, 1e-300, 1e300});
        p.energy_weight = g.param({0, 3, 0.5}, {-1, nan, 1e300});
    }
}

struct tally {
    long evaluated = 0, refused = 0;
};

/// Builds a loss of type Loss over `space`, randomises it and evaluates it: finite outputs and
/// gradients, or nais::invalid_argument.
template <class Loss, class Space, class... Args>
void exercise(const Space& space, generator& g, tally& t, Args&&... args) {
    std::unique_ptr<Loss> l;
    try {
        l = std::make_unique<Loss>(space, std::forward<Args>(args)...);
    } catch (const nais::invalid_argument&) {
        ++t.refused;
        return;
    }
    for (int round = 0; round < 4; ++round) {
        randomize_params(*l, g);
        g.fill(l->theta(), 0, 2);
        gumbel_noise(l->theta_noise(), g.rng());
        l->for_each_group([&](auto desc, auto& x, auto&) {
            if constexpr (decltype(desc)::is_sampled) {
                g.fill(x, 0, 2);
                gumbel_noise(l->noise(typename decltype(desc)::tag{}), g.rng());
            } else {
                g.fill(x, 3, 2, 0.05);
            }
        });
        try {
            const double v = l->evaluate();
            ++t.evaluated;
            INFO("loss " << v << " perf " << l->perf_loss() << " res " << l->res());
            REQUIRE(std::isfinite(v));
            REQUIRE(std::isfinite(l->perf_loss()));
            REQUIRE(std::isfinite(l->res()));
            REQUIRE(std::isfinite(l->penalty()));
            REQUIRE(std::isfinite(l->grad_acc_loss()));
            REQUIRE(l->grad_theta().allFinite());
            l->for_each_group([&](auto, auto&, auto& grad) { REQUIRE(grad.allFinite()); });
        } catch (const nais::invalid_argument& e) {
            ++t.refused;
            REQUIRE(std::string(e.what()).rfind("nais: ", 0) == 0);
        }
    }
}

gpu::latency_table random_table(const auto& s, generator& g) {
    gpu::latency_table t(s.num_blocks(), s.num_ops(), s.num_bits());
    for (int i = 0; i < s.num_blocks(); ++i)
        for (int m = 0; m < s.num_ops(); ++m)
            for (int q = 0; q < s.num_bits(); ++q)
                t.at(i, m, q) = g.chance(0.01) ? g.pick(std::vector<double>{nan, -1.0, inf, 1e300}) : g.value(1, 0.3, 0);
    return t;
}

/// Devices = 0: the two FPGA losses; 1: GPU and the two Loom sharing rules; 2: HotNAS's tiled
/// template and the bundle accelerator; 3: H2H's multi-task co-design (two streams, two
/// accelerators) and DANCE's dataflow co-design (expected hardware and the envelope) (one
/// translation unit each stays under the compile-time budget).
template <class Space, int Devices, class MakeSpace>
void run_all(MakeSpace make, int iterations, std::uint64_t seed) {
    generator g(seed);
    constexpr int kinds = Devices == 1 ? 3 : 2;  // losses exercised in turn
    std::array<tally, kinds> per;
    long bad_spaces = 0;
    for (int k = 0; k < iterations; ++k) {
        std::optional<Space> s;
        try {
            s.emplace(make(g));
        } catch (const nais::invalid_argument&) {
            ++bad_spaces;
            continue;
        }
        tally& t = per[std::size_t(k % kinds)];
        if constexpr (Devices == 0) {
            if (k % 2 == 0)
                exercise<fpga::recursive_loss<Space>>(*s, g, t);
            else
                exercise<fpga::pipelined_loss<Space>>(*s, g, t);
        } else if constexpr (Devices == 1) {
            if (k % 3 == 0)
                exercise<gpu::loss<Space>>(*s, g, t, random_table(*s, g));
            else if (k % 3 == 1)
                exercise<loom::loss<Space>>(*s, g, t);
            else
                exercise<loom::loss<Space, double, sharing::per_block_op>>(*s, g, t);
        } else if constexpr (Devices == 2) {
            if (k % 2 == 0)
                exercise<tiled::loss<Space>>(*s, g, t);
            else
                exercise<bundle::loss<Space>>(*s, g, t);
        } else {
            if (k % 2 == 0) {
                exercise<h2h::codesign_loss<Space>>(*s, g, t, nais_test::two_streams(s->num_blocks()),
                                                    nais_test::two_accelerators());
            } else {
                auto o = nais_test::small_dataflow_options();
                o.mode = g.chance(0.5) ? dataflow::hardware_mode::expected : dataflow::hardware_mode::envelope;
                exercise<dataflow::codesign_loss<Space>>(*s, g, t, o);
            }
        }
    }
    long evaluated = 0, refused = bad_spaces;
    for (std::size_t k = 0; k < per.size(); ++k) {
        MESSAGE("loss " << k << ": " << per[k].evaluated << " finite evaluations, " << per[k].refused << " refusals");
        CHECK(per[k].evaluated > iterations / (4 * kinds));  // each loss meets many valid inputs: not vacuous
        evaluated += per[k].evaluated;
        refused += per[k].refused;
    }
    CHECK(evaluated > iterations / 2);
    CHECK(refused > 0);
}

}  // namespace

#if NAIS_IN_PART(1)
TEST_CASE("FPGA losses on random MBConv spaces: finite results or nais::invalid_argument") {
    run_all<runtime_space, 0>(random_mbconv_space, nais_test::cases(1500), 1);
}
#endif
#if NAIS_IN_PART(2)
TEST_CASE("GPU and Loom losses on random MBConv spaces: finite results or nais::invalid_argument") {
    run_all<runtime_space, 1>(random_mbconv_space, nais_test::cases(1500), 2);
}
#endif
#if NAIS_IN_PART(3)
TEST_CASE("FPGA losses on random spaces of layers: finite results or nais::invalid_argument") {
    run_all<layered_space, 0>(random_layered_space, nais_test::cases(1500), 3);
}
#endif
#if NAIS_IN_PART(4)
TEST_CASE("GPU and Loom losses on random spaces of layers: finite results or nais::invalid_argument") {
    run_all<layered_space, 1>(random_layered_space, nais_test::cases(1500), 4);
}
#endif
#if NAIS_IN_PART(5)
TEST_CASE("HotNAS's tiled template and the bundle accelerator on random MBConv spaces and bundle supernets") {
    run_all<runtime_space, 2>(random_mbconv_space, nais_test::cases(600), 5);
    run_all<layered_space, 2>([](generator& g) { return nais_test::bundle_supernet(g.integer(1, 4), 4 * g.integer(1, 8)); }, nais_test::cases(200), 6);
}
#endif
#if NAIS_IN_PART(6)
TEST_CASE("H2H's co-design on random MBConv spaces and DANCE's co-design on random spaces of layers") {
    run_all<runtime_space, 3>(random_mbconv_space, nais_test::cases(600), 7);
    run_all<layered_space, 3>(random_layered_space, nais_test::cases(200), 8);
}
#endif
