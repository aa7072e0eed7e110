#include <nais/nais.hpp>

#include <doctest/doctest.h>

#include <string>

using nais::block;
using nais::mbconv;

// Work counts of a static space are compile-time constants.
static_assert(nais::proxyless_space::work_table[0][0] == 20547072);
static_assert(nais::proxyless_space::blocks_at_compile_time == 20);
static_assert(nais::proxyless_space::ops_at_compile_time == 9);
static_assert(nais::proxyless_space::bits_at_compile_time == 3);
static_assert(nais::search_space<nais::proxyless_space>);
static_assert(nais::search_space<nais::runtime_space>);
static_assert(!nais::search_space<int>);

TEST_CASE("layer work follows the fixed MBConv layer list (Eq. 11-12 without Phi and pf)") {
    // 16 -> 24 channels, 112x112, stride 2, k = 3, e = 4: mid = 64, dw output 56x56
    const auto w = nais::layer_work(block{16, 24, 112, 112, 2}, mbconv{3, 4});
    CHECK(w.expand_conv == 112LL * 112 * 16 * 64);
    CHECK(w.expand_other == 112LL * 112 * 64);
    CHECK(w.dw_conv == 9LL * 56 * 56 * 64);
    CHECK(w.dw_other == 56LL * 56 * 64);
    CHECK(w.project_conv == 56LL * 56 * 64 * 24);
    CHECK(w.project_other == 56LL * 56 * 24);
    CHECK(w.total() == 20547072);
}

TEST_CASE("expansion 1 omits the expand conv; odd sizes round the strided output up") {
    const auto w = nais::layer_work(block{8, 8, 7, 7, 2}, mbconv{5, 1});  // output ceil(7/2) = 4
    CHECK(w.expand_conv == 0);
    CHECK(w.expand_other == 0);
    CHECK(w.dw_conv == 25LL * 4 * 4 * 8);
    CHECK(w.total() == 25LL * 16 * 8 + 16 * 8 + 16 * 8 * 8 + 16 * 8);
}

TEST_CASE("the default space is EDD's 20 x 9 x 3 ProxylessNAS skeleton") {
    constexpr nais::proxyless_space s;
    CHECK(s.num_blocks() == 20);
    CHECK(s.num_ops() == 9);
    CHECK(s.num_bits() == 3);
    CHECK(s.bit_width(0) == 4);
    CHECK(s.bit_width(2) == 16);
    CHECK(s.op_at(4).kernel == 5);
    CHECK(s.op_at(4).expand == 5);
    // channels chain from block to block
    for (int i = 1; i < s.num_blocks(); ++i)
        CHECK(s.block_at(i).cin == s.block_at(i - 1).cout);
    // larger kernels and expansions cost more work in every block
    for (int i = 0; i < s.num_blocks(); ++i)
        for (int m = 1; m < s.num_ops(); ++m)
            if (m % 3 != 0)
                CHECK(s.work(i, m) > s.work(i, m - 1));
}

TEST_CASE("a runtime space computes the same work as the static one") {
    constexpr nais::proxyless_space st;
    const nais::runtime_space rt = nais::to_runtime_space(st);
    REQUIRE(rt.num_blocks() == 20);
    REQUIRE(rt.num_bits() == 3);
    CHECK(rt.bit_width(1) == 8);
    for (int i = 0; i < 20; ++i)
        for (int m = 0; m < 9; ++m)
            CHECK(rt.work(i, m) == st.work(i, m));
    CHECK((nais::work_array<double>(rt) == nais::work_array<double>(st)).all());
}

namespace {
std::string error_of(std::vector<block> b, std::vector<mbconv> o, std::vector<int> q) {
    try {
        nais::runtime_space s(std::move(b), std::move(o), std::move(q));
    } catch (const nais::invalid_argument& e) {
        return e.what();
    }
    return "no error";
}
}  // namespace

TEST_CASE("invalid runtime spaces throw with a message naming the problem") {
    const block ok{16, 24, 56, 56, 1};
    CHECK(error_of({}, {{3, 4}}, {8}) == "nais: runtime_space: a space needs at least one block");
    CHECK(error_of({ok}, {}, {8}) == "nais: runtime_space: a space needs at least one candidate op");
    CHECK(error_of({ok}, {{3, 4}}, {}) == "nais: runtime_space: the list of bit-widths is empty");
    CHECK(error_of({ok, {16, 24, 56, 56, 0}}, {{3, 4}}, {8}) == "nais: runtime_space: block 1: stride must be >= 1, got 0");
    CHECK(error_of({{0, 24, 56, 56, 1}}, {{3, 4}}, {8}) ==
          "nais: runtime_space: block 0: cin (input channels) must be >= 1, got 0");
    CHECK(error_of({{16, 24, -5, 56, 1}}, {{3, 4}}, {8}) == "nais: runtime_space: block 0: h (input height) must be >= 1, got -5");
    CHECK(error_of({ok}, {{0, 4}}, {8}) == "nais: runtime_space: op 0: kernel size must be >= 1, got 0");
    CHECK(error_of({ok}, {{3, 4}}, {4, 33}) == "nais: runtime_space: bit-width 1 is outside 1..32, got 33");
    CHECK(error_of({ok}, {{3, 4}}, {4, 8, 4}) == "nais: runtime_space: duplicate bit-width 4 (entries 0 and 2)");
    CHECK(error_of({{1 << 30, 1 << 30, 1 << 20, 1 << 20, 1}}, {{7, 6}}, {8}) ==
          "nais: runtime_space: block 0, op 0: work count overflows 64 bits");
}

TEST_CASE("EDD calibrations: Phi(q) = q, Psi(q) = 0 / 0.5 / 1 and DSP48E2 tiling past 16 bits") {
    const nais::fpga::edd_latency_calibration phi;
    const nais::fpga::edd_dsp_calibration psi;
    CHECK(phi(8) == 8.0);
    CHECK(psi(1) == 0.0);
    CHECK(psi(4) == 0.0);
    CHECK(psi(5) == 0.5);
    CHECK(psi(8) == 0.5);
    CHECK(psi(9) == 1.0);
    CHECK(psi(16) == 1.0);
    CHECK(psi(18) == 1.0);  // fits one 27 x 18 multiplier
    CHECK(psi(24) == 2.0);
    CHECK(psi(32) == 4.0);
    CHECK(nais::fpga::op_latency_exact<double>(1000, 8, 3.0) == doctest::Approx(1000.0 * 8 / 8));
    CHECK(nais::fpga::op_dsp_exact<double>(16, 5.0) == doctest::Approx(32.0));
    CHECK(nais::fpga::op_dsp_exact<double>(8, 5.0) == doctest::Approx(16.0));
    CHECK(nais::fpga::op_dsp_exact<double>(4, 5.0) == 0.0);
}
