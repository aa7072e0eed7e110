// The same expression templates over a space known only at run time (dynamic Eigen arrays).
#include "fpga_checks.hpp"
#include "test_part.hpp"

using namespace nais;
using namespace nais_test;

namespace {

[[maybe_unused]] runtime_space random_space(std::mt19937_64& rng) {  // used by one part
    std::uniform_int_distribution<int> nb(1, 6), no(1, 5), ch(1, 64), hw(1, 32), st(1, 3), k(1, 7), e(1, 6);
    std::vector<block> b(static_cast<std::size_t>(nb(rng)));
    for (auto& x : b)
        x = block{ch(rng), ch(rng), hw(rng), hw(rng), st(rng)};
    std::vector<mbconv> o(static_cast<std::size_t>(no(rng)));
    for (auto& x : o)
        x = mbconv{k(rng), e(rng)};
    std::vector<int> bits;
    for (int q : {2, 4, 6, 8, 12, 16, 24, 32})
        if (std::uniform_int_distribution<int>(0, 1)(rng) || bits.empty())
            bits.push_back(q);
    return runtime_space(b, o, bits);
}

template <class Arch>
void same_as_static() {
    std::mt19937_64 rng(30);
    fpga::loss<proxyless_space, double, Arch> st{proxyless_space{}};
    fpga::loss<runtime_space, double, Arch> rt{to_runtime_space(proxyless_space{})};
    static_assert(decltype(rt)::N == Eigen::Dynamic);
    for (int r = 0; r < 5; ++r) {
        randomize(st, rng, true, r % 2 == 0);
        rt.theta() = st.theta();
        rt.phi() = st.phi();
        rt.pf() = st.pf();
        rt.theta_noise() = st.theta_noise();
        rt.phi_noise() = st.phi_noise();
        copy_params(rt.params(), st.params());
        // same code path; fixed-size and dynamic Eigen reductions may sum in another order,
        // so agreement is to rounding, not bit for bit
        CHECK(rt.evaluate() == doctest::Approx(st.evaluate()).epsilon(1e-13));
        auto close = [](const auto& a, const auto& b) {
            return (a - b).abs().maxCoeff() <= 1e-12 * (b.abs().maxCoeff() + 1e-300);
        };
        CHECK(close(rt.grad_theta(), st.grad_theta()));
        CHECK(close(rt.grad_phi(), st.grad_phi()));
        CHECK(close(rt.grad_pf(), st.grad_pf()));
    }
}

template <class Arch>
void random_runtime_spaces() {
    std::mt19937_64 rng(31);
    for (int r = 0; r < 12; ++r) {
        const runtime_space s = random_space(rng);
        fpga::loss<runtime_space, double, Arch> l{s};
        randomize(l, rng, r % 2 == 0, r % 4 == 1);
        check_loss_gradients(l, double_fd);
        check_straight_through(l);
        check_invariants(l);
        check_hard_equals_exact(l, s);
    }
}

}  // namespace

#if NAIS_IN_PART(1)
TEST_CASE("runtime space: recursive loss equals the static one (to rounding)") { same_as_static<fpga::recursive>(); }
#endif

#if NAIS_IN_PART(1)
TEST_CASE("runtime space: pipelined loss equals the static one (to rounding)") { same_as_static<fpga::pipelined>(); }
#endif

#if NAIS_IN_PART(2)
TEST_CASE("runtime space: recursive gradients match finite differences on random spaces") {
    random_runtime_spaces<fpga::recursive>();
}
#endif

#if NAIS_IN_PART(2)
TEST_CASE("runtime space: pipelined gradients match finite differences on random spaces") {
    random_runtime_spaces<fpga::pipelined>();
}
#endif
