// float instantiations agree with the double ones, whose gradients are FD-verified.
#include "fpga_checks.hpp"

using namespace nais;
using namespace nais_test;

namespace {
using small_space = static_space<block_list<block{8, 16, 20, 20, 2}, block{16, 16, 10, 10, 1}, block{16, 24, 10, 10, 2}>,
                                 op_list<mbconv{3, 1}, mbconv{5, 3}, mbconv{7, 6}>, bit_list<2, 6, 12, 24>>;

template <class Arch, class Space>
void float_matches_double(const Space& space) {
    std::mt19937_64 rng(50);
    fpga::loss<Space, double, Arch> d{space};
    fpga::loss<Space, float, Arch> f{space};
    for (int r = 0; r < 8; ++r) {
        randomize(d, rng, true, r % 2 == 0);
        f.theta() = d.theta().template cast<float>();
        f.phi() = d.phi().template cast<float>();
        f.pf() = d.pf().template cast<float>();
        f.theta_noise() = d.theta_noise().template cast<float>();
        f.phi_noise() = d.phi_noise().template cast<float>();
        copy_params(f.params(), d.params());
        const double ld = d.evaluate();
        const double lf = f.evaluate();
        CHECK(lf == doctest::Approx(ld).epsilon(1e-4));
        auto close = [](const auto& a, const auto& b) {
            const double scale = b.abs().maxCoeff();
            return (a.template cast<double>() - b).abs().maxCoeff() <= 2e-3 * scale + 1e-30;
        };
        CHECK(close(f.grad_theta(), d.grad_theta()));
        CHECK(close(f.grad_phi(), d.grad_phi()));
        CHECK(close(f.grad_pf(), d.grad_pf()));
        check_invariants(f);
        // No finite differences in float: float rounding of the loss (~1e-7 relative) divided by
        // any usable step leaves ~1e-3 of the gradient scale, far looser than the check above
        // against the double gradients, which test_fpga_* verify by finite differences.
    }
}
}  // namespace

// CMake compiles this file four times (NAIS_TEST_ARCH x NAIS_TEST_SPACE) so that each
// translation unit instantiates two losses and stays well under the compile-time budget.
using arch = fpga::NAIS_TEST_ARCH;
using space = NAIS_TEST_SPACE;
#define NAIS_TEST_STR(x) NAIS_TEST_STR2(x)
#define NAIS_TEST_STR2(x) #x

TEST_CASE("float " NAIS_TEST_STR(NAIS_TEST_ARCH) " loss agrees with double on " NAIS_TEST_STR(NAIS_TEST_SPACE)
          " (values and gradients)") {
    float_matches_double<arch>(space{});
}

TEST_CASE("float " NAIS_TEST_STR(NAIS_TEST_ARCH) " stays finite at tau = 0.05 and 1e6 DSPs past the budget") {
    std::mt19937_64 rng(51);
    fpga::loss<space, float, arch> l{space{}};
    randomize(l, rng, true, false);
    check_extremes(l);
}
