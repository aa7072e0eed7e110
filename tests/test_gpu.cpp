// GPU latency-table model (EDD Sec. 4.2): the table expectation node, the composed loss against
// finite differences and closed forms, and the table loaders' errors.
#include <nais/nais.hpp>

#include "error_of.hpp"
#include "test_part.hpp"
#include "fd.hpp"

#include <doctest/doctest.h>

#include <array>
#include <filesystem>
#include <random>
#include <sstream>

using namespace nais;
using namespace nais_test;

namespace {

using small_space = static_space<block_list<block{8, 16, 20, 20, 2}, block{16, 16, 10, 10, 1}, block{16, 24, 10, 10, 2},
                                            block{24, 24, 5, 5, 1}>,
                                 op_list<mbconv{3, 3}, mbconv{5, 6}, mbconv{7, 4}>, bit_list<8, 16, 32>>;

gpu::latency_table random_table(int n, int m, int q, std::mt19937_64& rng) {
    gpu::latency_table t(n, m, q);
    for (int i = 0; i < n; ++i)
        for (int k = 0; k < m; ++k)
            for (int b = 0; b < q; ++b)
                t.at(i, k, b) = uniform(rng, 0.05, 2.0) * (b + 1);
    return t;
}

template <class Loss>
void randomize(Loss& l, std::mt19937_64& rng, bool noise) {
    using T = typename Loss::scalar_type;
    fill_normal(l.theta(), rng, 1.5);
    fill_normal(l.phi(), rng, 1.5);
    if (noise) {
        gumbel_noise(l.theta_noise(), rng());
        gumbel_noise(l.phi_noise(), rng());
    } else {
        l.theta_noise().setZero();
        l.phi_noise().setZero();
    }
    l.params().tau = static_cast<T>(uniform(rng, 0.3, 2.0));
    l.params().alpha = static_cast<T>(uniform(rng, 0.2, 2.0));
    l.params().acc_loss = static_cast<T>(uniform(rng, 0.5, 3.0));
}

template <class Loss>
void check_gpu_gradients(Loss& l) {
    l.evaluate();
    const auto g_theta = l.grad_theta();
    const auto g_phi = l.grad_phi();
    const double g_acc = l.grad_acc_loss();
    auto f = [&] { return static_cast<double>(l.forward()); };
    check_gradient("dL/dtheta", l.theta(), g_theta, f, double_fd);
    check_gradient("dL/dphi", l.phi(), g_phi, f, double_fd);
    check_scalar_gradient("dL/dAcc_loss", l.params().acc_loss, g_acc, f, double_fd);
    CHECK(g_acc == doctest::Approx(static_cast<double>(l.perf_loss())));
}

[[maybe_unused]] std::string shared_table() {
#ifdef NAIS_SHARED_DATA_DIR
    return std::string(NAIS_SHARED_DATA_DIR) + "/mbconv_latency_titanrtx_xeon6130.csv";
#else
    return {};
#endif
}

}  // namespace

#if NAIS_IN_PART(1)
TEST_CASE("gpu::table_latency backward matches finite differences") {
    std::mt19937_64 rng(61);
    constexpr int N = 4, M = 3, Q = 3;
    using P = Eigen::Array<double, 1, Q>;
    Eigen::Array<double, N * M, Q> table;
    fill_normal(table, rng);
    table = table.abs();
    for (int r = 0; r < 10; ++r) {
        P p, gp = P::Zero();
        fill_normal(p, rng);
        Eigen::Array<double, N, M> seed;
        fill_normal(seed, rng);
        auto node = gpu::table_latency<N, M>(expr::variable(p, gp), table);
        node.forward();
        node.backward(seed);
        for (int i = 0; i < N; ++i)  // Eq. 2 with a network-wide phi, closed form
            for (int m = 0; m < M; ++m)
                CHECK(node.value()(i, m) == doctest::Approx((table.row(i + N * m) * p).sum()).epsilon(1e-14));
        check_gradient("dPerf/dP", p, gp, [&] { return static_cast<double>((node.forward() * seed).sum()); }, double_fd);
    }
}
#endif

#if NAIS_IN_PART(1)
TEST_CASE("gpu::loss gradients match finite differences (static and runtime spaces, with and without noise)") {
    std::mt19937_64 rng(62);
    const auto table = random_table(4, 3, 3, rng);
    gpu::loss<small_space> s{small_space{}, table};
    gpu::loss<runtime_space> d{to_runtime_space(small_space{}), table};
    for (int r = 0; r < 8; ++r) {
        randomize(s, rng, r % 2 == 0);
        check_gpu_gradients(s);
        randomize(d, rng, r % 2 == 1);
        check_gpu_gradients(d);
    }
}
#endif

#if NAIS_IN_PART(1)
TEST_CASE("gpu::loss: probabilities sum to 1, Perf_i lies within the block's table range, one-hot equals the table") {
    std::mt19937_64 rng(63);
    const auto table = random_table(4, 3, 3, rng);
    gpu::loss<small_space> l{small_space{}, table};
    for (int r = 0; r < 20; ++r) {
        randomize(l, rng, true);
        l.evaluate();
        CHECK((l.arch_probabilities().rowwise().sum() - 1).abs().maxCoeff() <= 1e-14);
        CHECK(std::abs(l.quant_probabilities().sum() - 1) <= 1e-14);
        for (int i = 0; i < 4; ++i) {
            double lo = 1e300, hi = 0;
            for (int m = 0; m < 3; ++m)
                for (int q = 0; q < 3; ++q)
                    lo = std::min(lo, table.at(i, m, q)), hi = std::max(hi, table.at(i, m, q));
            CHECK(l.perf_blocks()(i) >= lo * (1 - 1e-14));
            CHECK(l.perf_blocks()(i) <= hi * (1 + 1e-14));
        }
    }
    // hard sampling without noise is the discrete design of the logits: L = Acc * alpha * latency
    l.theta_noise().setZero();
    l.phi_noise().setZero();
    l.params().hard = true;
    const double value = l.evaluate();
    const gpu::design d = l.derive();
    const gpu::design_report rep = gpu::evaluate(table, d);
    CHECK(value == doctest::Approx(l.params().acc_loss * l.params().alpha * rep.latency).epsilon(1e-14));
    CHECK(l.grad_acc_loss() == doctest::Approx(l.params().alpha * rep.latency).epsilon(1e-14));
}
#endif

#if NAIS_IN_PART(1)
TEST_CASE("gpu::loss in float agrees with double") {
    std::mt19937_64 rng(64);
    const auto table = random_table(4, 3, 3, rng);
    gpu::loss<small_space> d{small_space{}, table};
    gpu::loss<small_space, float> f{small_space{}, table};
    for (int r = 0; r < 5; ++r) {
        randomize(d, rng, true);
        f.theta() = d.theta().cast<float>();
        f.phi() = d.phi().cast<float>();
        f.theta_noise() = d.theta_noise().cast<float>();
        f.phi_noise() = d.phi_noise().cast<float>();
        f.params().tau = static_cast<float>(d.params().tau);
        f.params().alpha = static_cast<float>(d.params().alpha);
        f.params().acc_loss = static_cast<float>(d.params().acc_loss);
        CHECK(f.evaluate() == doctest::Approx(d.evaluate()).epsilon(1e-5));
        CHECK((f.grad_theta().cast<double>() - d.grad_theta()).abs().maxCoeff() <= 1e-4 * d.grad_theta().abs().maxCoeff());
        CHECK((f.grad_phi().cast<double>() - d.grad_phi()).abs().maxCoeff() <= 1e-4 * d.grad_phi().abs().maxCoeff());
    }
}
#endif

#if NAIS_IN_PART(1)
TEST_CASE("gpu::loss refuses bad input with a message naming it") {
    std::mt19937_64 rng(65);
    const auto table = random_table(4, 3, 3, rng);
    gpu::loss<small_space> l{small_space{}, table};
    l.phi()(0, 1) = std::nan("");
    CHECK(error_of([&] { l.evaluate(); }) == "nais: phi(0,1) is NaN");
    l.phi().setZero();
    l.params().tau = 0;
    CHECK(error_of([&] { l.evaluate(); }).find("params.tau") != std::string::npos);
    l.params().tau = 1;
    l.params().alpha = -1;
    CHECK(error_of([&] { l.evaluate(); }).find("params.alpha") != std::string::npos);
    CHECK(error_of([&] { gpu::loss<small_space> bad{small_space{}, random_table(3, 3, 3, rng)}; }) ==
          "nais: gpu::loss: the latency table is 3 x 3 x 3 (blocks x ops x bits), the space 4 x 3 x 3");
    auto negative = table;
    negative.at(2, 1, 0) = -0.5;
    CHECK(error_of([&] { gpu::loss<small_space> bad{small_space{}, negative}; }) ==
          "nais: gpu::loss: latency table entry (block 2, op 1, bits 8) must be finite and >= 0, got -0.5");
}

#endif

namespace {
[[maybe_unused]] std::string csv_of(const gpu::latency_table& t, const small_space& s, bool skip_last = false) {
    std::ostringstream os;
    os << "# a comment\nlatency_ms, bits ,block,kernel,expand,note\n";
    for (int i = 0; i < t.num_blocks(); ++i)
        for (int m = 0; m < t.num_ops(); ++m)
            for (int q = 0; q < t.num_bits(); ++q) {
                if (skip_last && i == 3 && m == 2 && q == 2)
                    continue;
                os.precision(17);
                os << t.at(i, m, q) << "," << s.bit_width(q) << "," << i << "," << s.op_at(m).kernel << ","
                   << s.op_at(m).expand << ",x\n";
            }
    os << "\n7,16,0,9,9,an op the space does not have\n99,8,17,3,3,a block past N\n";
    return os.str();
}
}  // namespace

#if NAIS_IN_PART(2)
TEST_CASE("latency table CSV: round trip, any column order, unneeded rows skipped") {
    std::mt19937_64 rng(66);
    const auto table = random_table(4, 3, 3, rng);
    std::istringstream in(csv_of(table, small_space{}));
    const auto read = gpu::read_latency_table_csv(in, small_space{}, "t.csv");
    CHECK(read.values() == table.values());
    const auto norm = read.normalized_by(read.max());
    CHECK(norm.max() == 1.0);
    CHECK(norm.at(1, 2, 0) == doctest::Approx(table.at(1, 2, 0) / table.max()).epsilon(1e-15));
}
#endif

#if NAIS_IN_PART(2)
TEST_CASE("latency table CSV: a missing entry is refused with a message naming it") {
    std::mt19937_64 rng(67);
    std::istringstream in(csv_of(random_table(4, 3, 3, rng), small_space{}, true));
    CHECK(error_of([&] { gpu::read_latency_table_csv(in, small_space{}, "t.csv"); }) ==
          "nais: latency table t.csv: 1 entry the space needs is missing: (block 3, op k7e4, 32 bits)");
}
#endif

#if NAIS_IN_PART(2)
TEST_CASE("latency table CSV: malformed rows are refused with file and line") {
    const auto err = [](const std::string& body) {
        std::istringstream in("block,kernel,expand,bits,latency_ms\n0,3,3,8,0.5\n" + body);
        return error_of([&] { gpu::read_latency_table_csv(in, small_space{}, "t.csv"); });
    };
    CHECK(err("1,3,3,8,-0.25\n") == "nais: t.csv:3: latency_ms = -0.25 is negative");
    CHECK(err("1,3,3,8,nan\n") == "nais: t.csv:3: latency_ms is NaN");
    CHECK(err("1,3,3,8,fast\n") == "nais: t.csv:3: latency_ms 'fast' is not a number");
    CHECK(err("1,3.5,3,8,1\n") == "nais: t.csv:3: kernel '3.5' is not an integer");
    CHECK(err("1,3,3,8\n") == "nais: t.csv:3: 4 fields, the header has 5");
    CHECK(err("0,3,3,8,0.7\n") == "nais: t.csv:3: duplicate entry for block 0, op k3e3, 8 bits");
    std::istringstream no_column("block,kernel,bits,latency_ms\n");
    CHECK(error_of([&] { gpu::read_latency_table_csv(no_column, small_space{}, "t.csv"); }) ==
          "nais: t.csv:1: the header has no column 'expand' (it needs block,kernel,expand,bits,latency_ms)");
    std::istringstream empty("# nothing\n");
    CHECK(error_of([&] { gpu::read_latency_table_csv(empty, small_space{}, "t.csv"); }) ==
          "nais: t.csv: no header row (expected the columns block,kernel,expand,bits,latency_ms)");
    CHECK(error_of([&] { gpu::load_latency_table_csv("/nonexistent/t.csv", small_space{}); }) ==
          "nais: cannot open latency table '/nonexistent/t.csv' (not a readable regular file)");
    // a device that never ends is not read (a regular file is required)
    CHECK(error_of([&] { gpu::load_latency_table_csv("/dev/zero", small_space{}); }).find("not a readable regular file") !=
          std::string::npos);
}
#endif

#if NAIS_IN_PART(2)
#if NAIS_HAS_CONSTANT_TABLE  // C++20 class-type template arguments (GCC 11+, Clang 18+)
TEST_CASE("a compile-time constant table equals the same values loaded at run time") {
    using tiny = static_space<block_list<block{8, 8, 4, 4, 1}, block{8, 16, 4, 4, 2}>, op_list<mbconv{3, 1}, mbconv{5, 2}>,
                              bit_list<8, 16>>;
    using table = gpu::constant_table<tiny, std::array<double, 8>{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8}>;
    const gpu::latency_table t = table::table();
    CHECK(t.at(0, 0, 0) == 0.1);
    CHECK(t.at(0, 1, 1) == 0.4);
    CHECK(t.at(1, 0, 0) == 0.5);
    CHECK(t.at(1, 1, 1) == 0.8);
    gpu::loss<tiny> l{tiny{}, t};
    l.params().hard = true;
    l.theta() << 5, 0, 0, 5;  // ops 0, 1
    l.phi() << 0, 5;          // 16 bits
    CHECK(l.evaluate() == doctest::Approx(0.2 + 0.8).epsilon(1e-15));
}
#endif
#endif

#if NAIS_IN_PART(2)
TEST_CASE("the shipped example table loads for tfnas_gpu_space and matches the measured source") {
    const std::string shipped = std::string(NAIS_EXAMPLES_DIR) + "/gpu/titanrtx_tfnas_gpu.csv";
    const auto t = gpu::load_latency_table_csv(shipped, tfnas_gpu_space{});
    CHECK(t.num_blocks() == 21);
    CHECK(t.num_ops() == 6);
    CHECK(t.max() > 0);
    for (int i = 0; i < 21; ++i)
        for (int m = 0; m < 6; ++m) {
            CHECK(t.at(i, m, 0) == doctest::Approx(t.at(i, m, 2) * 1.74 / 2.83).epsilon(1e-14));  // 8 bits, EDD Table 2
            CHECK(t.at(i, m, 1) == doctest::Approx(t.at(i, m, 2) * 2.29 / 2.83).epsilon(1e-14));  // 16 bits
        }
    const std::string source = shared_table();
    if (source.empty() || !std::filesystem::exists(source)) {
        WARN_MESSAGE(false, "../shared/data is not beside the project: the shipped table is not compared with its source");
        return;
    }
    const auto measured = gpu::load_measured_mbconv_table(source, tfnas_gpu_space{});
    for (std::size_t k = 0; k < t.values().size(); ++k)
        CHECK(measured.values()[k] == doctest::Approx(t.values()[k]).epsilon(1e-14));
}
#endif

#if NAIS_IN_PART(2)
TEST_CASE("measured MBConv table: negative rows and missing shapes are refused clearly") {
    const std::string source = shared_table();
    if (source.empty() || !std::filesystem::exists(source)) {
        WARN_MESSAGE(false, "../shared/data is not beside the project: skipped");
        return;
    }
    gpu::measured_table_options strict;
    strict.validate_all_rows = true;  // asks for every gpu row, including the 88 negative ones
    const std::string e = error_of([&] { gpu::load_measured_mbconv_table(source, tfnas_gpu_space{}, strict); });
    CHECK(e == "nais: " + source +
                   ":10: latency_ms = -0.233094 is negative (gpu h_in 112, cin 16, cout 24, kernel 3, stride 2, mid 1); a "
                   "measured latency must be >= 0");
    strict.device = "cpu";  // the CPU twin has 84 negative rows too, at the same tiny widths
    CHECK(error_of([&] { gpu::load_measured_mbconv_table(source, tfnas_gpu_space{}, strict); })
              .find(":36490: latency_ms = -0.50443 is negative (cpu h_in 112") != std::string::npos);
    strict.validate_all_rows = false;  // only the rows the space needs: all valid
    const auto cpu = gpu::load_measured_mbconv_table(source, tfnas_gpu_space{}, strict);
    CHECK(cpu.max() > 0);
    // a space asking for a shape the table does not have: the 7x7 kernel
    using k7 = static_space<block_list<block{16, 24, 112, 112, 2}>, op_list<mbconv{3, 3}, mbconv{7, 3}>, bit_list<32>>;
    CHECK(error_of([&] { gpu::load_measured_mbconv_table(source, k7{}); }) ==
          "nais: measured table " + source +
              " (device gpu): 1 (block, op) entry the space needs is missing: (block 0, op k7e3: h_in 112, cin 16, cout "
              "24, stride 2, mid 48)");
    using bits4 = static_space<block_list<block{16, 24, 112, 112, 2}>, op_list<mbconv{3, 3}>, bit_list<4>>;
    CHECK(error_of([&] { gpu::load_measured_mbconv_table(source, bits4{}); }) ==
          "nais: precision_scaling has no factor for 4 bits");
}
#endif
