// The calibrated latency model (nais/calibrated.hpp): NNLS against brute force over active sets,
// the ranking figures against hand-computed cases with ties, a fit that recovers a synthetic
// device exactly, the device model's gradient against central differences and its closed form,
// refusals of malformed measurement files naming file:line, and, with ../shared beside the
// project, the claims on HW-NAS-Bench's FBNet space for every measured device.
#include <nais/calibrated.hpp>
#include <nais/search.hpp>

#include "error_of.hpp"
#include "fd.hpp"
#include "randomize.hpp"
#include "sanitized.hpp"

#include <doctest/doctest.h>

#include <nais_net/space_json.hpp>
#include <json_io.hpp>

#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace nais;
using namespace nais::calibrated;
using nais_test::error_of;

namespace {

layered_space fbnet() {
    return nais_net::read_layered_space(
        nais_json::parse(nais_json::read_file(NAIS_EXAMPLES_DIR "/spaces/fbnet_cifar100.json", "space")));
}

/// A small space of layers: stem, 3 blocks of 3 candidates (one a skip where it can be), head.
layered_space tiny() {
    layered_space_description d;
    d.name = "tiny";
    d.input = {3, 16, 16};
    d.bits = {8};
    d.stem = {net::conv("conv", 8, 3, 1, 1), net::simple("bn", net::layer_kind::bn_act)};
    const std::vector<net::op_description> ops{net::mbconv_op(3, 3), net::mbconv_op(5, 6), net::skip_op()};
    for (int k = 0; k < 3; ++k) {
        searchable_block b;
        b.cout = 8;
        b.candidates = ops;
        d.blocks.push_back(b);
    }
    d.head = {net::global_pool("pool"), net::fc("fc", 10)};
    return layered_space(d);
}

}  // namespace

TEST_CASE("nnls: the least-squares optimum over every active set, and the KKT conditions") {
    std::mt19937_64 rng(3);
    std::normal_distribution<double> z;
    for (int trial = 0; trial < 40; ++trial) {
        const int m = 6 + trial % 5, n = 2 + trial % 4;
        Eigen::MatrixXd A(m, n);
        Eigen::VectorXd b(m);
        for (int i = 0; i < m; ++i) {
            b(i) = z(rng);
            for (int j = 0; j < n; ++j)
                A(i, j) = z(rng);
        }
        const Eigen::VectorXd x = calibrated::detail::nnls(A, b);
        double best = (b).squaredNorm();  // x = 0
        for (int mask = 1; mask < (1 << n); ++mask) {  // brute force: least squares on each support
            std::vector<int> cols;
            for (int j = 0; j < n; ++j)
                if (mask & (1 << j))
                    cols.push_back(j);
            Eigen::MatrixXd As(m, Eigen::Index(cols.size()));
            for (std::size_t k = 0; k < cols.size(); ++k)
                As.col(Eigen::Index(k)) = A.col(cols[k]);
            const Eigen::VectorXd xs = As.colPivHouseholderQr().solve(b);
            if (xs.minCoeff() >= 0)
                best = std::min(best, (As * xs - b).squaredNorm());
        }
        CHECK(x.minCoeff() >= 0);
        CHECK((A * x - b).squaredNorm() == doctest::Approx(best).epsilon(1e-9));
        const Eigen::VectorXd w = A.transpose() * (b - A * x);  // KKT: w <= 0, and w = 0 where x > 0
        for (int j = 0; j < n; ++j) {
            CHECK(w(j) <= 1e-9);
            if (x(j) > 0)
                CHECK(std::abs(w(j)) <= 1e-8);
        }
    }
}

TEST_CASE("ranking figures: Kendall's tau-b and Spearman's rho with ties, MAPE and the share within 10%") {
    // a = (1, 2, 3, 4), b = (1, 3, 2, 4): one discordant pair of six
    CHECK(kendall_tau({1, 2, 3, 4}, {1, 3, 2, 4}) == doctest::Approx(4.0 / 6.0));
    CHECK(spearman_rho({1, 2, 3, 4}, {1, 3, 2, 4}) == doctest::Approx(0.8));
    // ties in b: pairs (C, D, ties) = (5, 0, 1 tie in b): tau_b = 5 / sqrt(6 * 5)
    CHECK(kendall_tau({1, 2, 3, 4}, {1, 2, 2, 4}) == doctest::Approx(5 / std::sqrt(30.0)));
    CHECK(kendall_tau({1, 2, 3}, {3, 2, 1}) == doctest::Approx(-1));
    const agreement g = compare({1.05, 2.5, 3}, {1, 2, 3});
    CHECK(g.mape == doctest::Approx(100.0 * (0.05 + 0.25 + 0) / 3));
    CHECK(g.within10 == doctest::Approx(200.0 / 3));
    CHECK(g.kendall == doctest::Approx(1));
}

TEST_CASE("fit: measurements made by the model's own form are recovered (analytic weights and residuals)") {
    const layered_space s = tiny();
    const space_cells cells(s);
    fitted_model truth;
    truth.weights[pointwise_macs] = 2e-6;
    truth.weights[depthwise_macs] = 9e-6;
    truth.weights[conv_layers] = 0.05;
    truth.weights[elementwise_words] = 1e-6;
    truth.intercept = 0.4;
    truth.signatures = cells.signatures();
    truth.residual.assign(truth.signatures.size(), 0.0);
    truth.residual[0] = 0.03;
    const calibration device(cells, s, truth);
    std::vector<measurement> rows;
    for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b)
            for (int c = 0; c < 3; ++c)
                rows.push_back({{a, b, c}, device.predict(row_ops(s, {a, b, c})), 0});
    const fitted_model m = fit(s, cells, rows);
    const calibration got(cells, s, m);
    for (const auto& r : rows)
        CHECK(got.predict(row_ops(s, r.choice)) == doctest::Approx(r.latency_ms).epsilon(2e-3));
    CHECK(m.rows == 27);
    // deterministic: the same fit twice
    const fitted_model again = fit(s, cells, rows);
    CHECK(again.intercept == m.intercept);
    CHECK(again.residual == m.residual);
}

TEST_CASE("the calibrated device model: Perf is the expected latency, its gradient exact") {
    const layered_space s = tiny();
    const space_cells cells(s);
    fitted_model fm;
    fm.weights[pointwise_macs] = 1e-5;
    fm.weights[depthwise_macs] = 3e-5;
    fm.weights[conv_layers] = 0.1;
    fm.intercept = 0.2;
    calibrated::loss<layered_space> l{s, fm};
    l.params().alpha = 1;
    l.params().acc_loss = 1.5;
    l.params().tau = 0.8;
    std::mt19937_64 rng(2);
    nais_test::randomize(l, rng, 0.0);  // theta and its noise (the model has no other group)
    const double v = l.evaluate();
    const auto& P = l.arch_probabilities();
    const auto& c = l.model().costs();
    CHECK(l.perf_loss() == doctest::Approx((P * c).sum()).epsilon(1e-12));  // EDD Eq. 4, 6
    CHECK(v == doctest::Approx(1.5 * l.perf_loss()).epsilon(1e-12));
    const Eigen::ArrayXXd g = l.grad_theta();
    nais_test::check_gradient("theta", l.theta(), g, [&] { return l.forward(); }, nais_test::double_fd);
    // a search with the stand-in accuracy derives a network the calibration predicts
    search::search_options<double> o;
    o.steps = 30;
    search::co_search sr(l, o);
    search::standin_accuracy<> acc(s);
    sr.run(acc);
    const search_outcome out = sr.finish();
    CHECK(out.ms == doctest::Approx(l.model().fitted().predict(out.ops)));
}

TEST_CASE("the budgeted calibrated model: RES is the expected latency, Eq. 1's penalty on it exact") {
    const layered_space s = tiny();
    fitted_model fm;
    fm.weights[pointwise_macs] = 1e-5;
    fm.weights[conv_layers] = 0.1;
    fm.intercept = 0.2;
    calibrated::budgeted_loss<layered_space> l{s, fm};
    l.params().alpha = 0.5;
    l.params().acc_loss = 1.5;
    l.params().beta = 0.3;
    l.params().C = 3;
    l.params().res_ub = 0.4;
    std::mt19937_64 rng(7);
    nais_test::randomize(l, rng, 0.0);
    const double v = l.evaluate();
    const double ms = (l.arch_probabilities() * l.model().costs()).sum();
    CHECK(l.res() == doctest::Approx(ms).epsilon(1e-12));
    CHECK(l.penalty() == doctest::Approx(0.3 * std::pow(3.0, ms - 0.4)).epsilon(1e-12));                  // EDD Eq. 1
    CHECK(v == doctest::Approx(1.5 * 0.5 * ms + 0.3 * std::pow(3.0, ms - 0.4)).epsilon(1e-12));
    const Eigen::ArrayXXd g = l.grad_theta();
    nais_test::check_gradient("theta", l.theta(), g, [&] { return l.forward(); }, nais_test::double_fd);
    // the budget must be set
    calibrated::budgeted_loss<layered_space> unset{s, fm};
    CHECK(error_of([&] { unset.evaluate(); }).find("res_ub") != std::string::npos);
}

TEST_CASE("measurement files: malformed ones are refused naming file:line and what was expected") {
    const layered_space s = tiny();
    const auto refusal = [&](const std::string& text) {
        std::istringstream in(text);
        return error_of([&] { parse_measurements(in, "rows.csv", s); });
    };
    CHECK(refusal("") == "nais: rows.csv: the file is empty (expected a header choice,latency_ms and rows)");
    CHECK(refusal("choice,ms\n0-1-2,3\n").find("nais: rows.csv:1: expected a header with the columns choice and latency_ms") == 0);
    CHECK(refusal("choice,latency_ms\n0-1,3\n") == "nais: rows.csv:2: the choice has 2 op indices, the space has 3 searchable blocks");
    CHECK(refusal("choice,latency_ms\n0-1-9,3\n").find("nais: rows.csv:2: block 2's op index '9' is not one of its 3 candidates") == 0);
    CHECK(refusal("choice,latency_ms\n0-1-2,0\n") == "nais: rows.csv:2: latency_ms '0' is not a finite number > 0");
    CHECK(refusal("choice,latency_ms\n0-1-2,nan\n") == "nais: rows.csv:2: latency_ms 'nan' is not a finite number > 0");
    CHECK(refusal("choice,latency_ms\n0-1-2\n") == "nais: rows.csv:2: expected 2 columns as the header has, got 1");
    CHECK(refusal("choice,latency_ms\n") == "nais: rows.csv: no measurement rows after the header");
    std::istringstream ok("# comment\nlatency_ms,choice\n2.5,0-1-2\n\n3.5,2-2-2\n");
    const auto rows = parse_measurements(ok, "ok.csv", s);
    REQUIRE(rows.size() == 2);
    CHECK(rows[1].choice == std::vector<int>{2, 2, 2});
    CHECK(rows[1].latency_ms == 3.5);
    CHECK(rows[1].line == 5);
}

TEST_CASE("HW-NAS-Bench's FBNet space as nais describes it: the shapes and counts of the description") {
    const layered_space s = fbnet();
    CHECK(searchable_blocks(s) == 22);
    CHECK(s.num_ops() == 9);
    // every op of the first block: 16 -> 16 at 32 x 32, stride 1 (skip is the identity there)
    const net::network_report k3e1 = candidate_report(s, 1, 0);
    CHECK(k3e1.macs == 16 * 16 * 1024 + 9 * 16 * 1024 + 16 * 16 * 1024);  // 1x1, dw 3x3, 1x1
    CHECK(candidate_report(s, 1, 8).layers.empty());
    // the grouped op has its channel shuffle
    bool shuffle = false;
    for (const auto& l : candidate_report(s, 1, 1).layers)
        shuffle = shuffle || l.kind == net::layer_kind::shuffle;
    CHECK(shuffle);
    // the second block's skip changes 16 -> 24 channels: a 1x1 conv
    CHECK(candidate_report(s, 2, 8).macs == 16 * 24 * 1024);
}

#ifdef NAIS_SHARED_DATA_DIR
TEST_CASE("measured devices (../shared): with 20 networks the calibrated model ranks better than a MACs fit; "
          "with 1,000 within 0.02 of a per-(block, op) table") {
    const layered_space s = fbnet();
    const space_cells cells(s);
    const std::vector<const char*> all{"titan_rtx_1", "titan_rtx_32", "1080ti_1", "1080ti_64", "gold_6240", "silver_4114", "pixel2", "fpga",
                                       "eyeriss"};
    const std::vector<const char*> some{"titan_rtx_1", "fpga"};  // a GPU and a model column, under the sanitizers
    for (const char* d : NAIS_SANITIZED ? some : all) {
        CAPTURE(d);
        const auto rows = read_measurements(std::string(NAIS_SHARED_DATA_DIR) + "/measured/fbnet_cifar100/" + d + ".csv", s);
        REQUIRE(rows.size() == 5000);
        const std::vector<measurement> test(rows.begin() + 4000, rows.end());
        std::vector<double> measured, test_macs;
        for (const auto& m : test) {
            measured.push_back(m.latency_ms);
            double macs = 0;
            const auto ops = row_ops(s, m.choice);
            for (int i = 0; i < s.num_blocks(); ++i)
                macs += double(candidate_report(s, i, ops[std::size_t(i)]).macs);
            test_macs.push_back(macs);
        }
        for (int n : {20, 1000}) {
            CAPTURE(n);
            const std::vector<measurement> train(rows.begin(), rows.begin() + n);
            const calibration c(cells, s, fit(s, cells, train));
            std::vector<double> p, pm, pt, macs, ms;
            for (const auto& m : train) {
                double x = 0;
                const auto ops = row_ops(s, m.choice);
                for (int i = 0; i < s.num_blocks(); ++i)
                    x += double(candidate_report(s, i, ops[std::size_t(i)]).macs);
                macs.push_back(x);
                ms.push_back(m.latency_ms);
            }
            const macs_fit mf = fit_macs(macs, ms);
            const op_table_fit tf = fit_op_table(train, 22, 9);
            for (std::size_t k = 0; k < test.size(); ++k) {
                p.push_back(c.predict(row_ops(s, test[k].choice)));
                pm.push_back(mf.predict(test_macs[k]));
                pt.push_back(tf.predict(test[k].choice));
            }
            const double tau = kendall_tau(p, measured);
            if (n == 20)
                CHECK(tau > kendall_tau(pm, measured));
            else
                CHECK(tau >= kendall_tau(pt, measured) - 0.02);
        }
    }
}
#endif
