// nais_eval::session::co_search (tools/nais_eval/session_search.cpp, what nais.co_search runs):
// EDD Sec. 5's step on the type-erased loss equals nais::search::co_search on the same loss bit
// for bit, on the recursive FPGA (theta, phi in the quantisation role, pf projected onto its
// bounds) and on DANCE's co-design (four sampled hardware groups), with a constant Acc_loss, soft
// and hard, and with an Acc_loss of the sample whose gradient the driver chains through the
// Gumbel-softmax; and its refusals name the step and the variable.
#include <nais_eval/registry.hpp>
#include <nais_eval/session_impl.hpp>

#include <nais/dataflow.hpp>
#include <nais/fpga.hpp>
#include <nais/search.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

namespace {

using json = nlohmann::json;
using fpga_loss = nais::fpga::loss<nais::runtime_space, double, nais::fpga::recursive>;
using dataflow_loss = nais::dataflow::codesign_loss<nais::runtime_space>;

json spec_file(const std::string& path) {
    std::ifstream in(std::string(NAIS_CLI_SPEC_DIR) + "/" + path);
    REQUIRE(in.good());
    return json::parse(in);
}

/// The loss a spec's session holds (the reader's type for "blocks"/"ops").
template <class Loss>
Loss& loss_of(nais_eval::session& s) {
    auto* impl = dynamic_cast<nais_eval::detail::session_impl<Loss>*>(&s);
    REQUIRE(impl != nullptr);
    return impl->loss();
}

/// Acc_loss = 1 + sum_i w_i p_i over theta's sample (spec order i = row * M + col): linear, so
/// d Acc_loss / d p_i = w_i.
double weight(std::size_t i) { return 0.3 * std::sin(1.7 * double(i) + 0.4); }

constexpr long steps = 25;

nais_eval::search_settings settings(bool hard) {
    nais_eval::search_settings s;
    s.steps = steps;
    s.seed = 9;
    s.schedule = "exponential";
    s.tau0 = 3;
    s.tau_min = 0.5;
    s.lr_arch = 0.1;
    s.lr_quant = 0.07;
    s.lr_impl = 0.2;
    s.hard = hard;
    return s;
}

template <class Loss>
void check_equal_to_co_search(const json& spec, bool hard, bool linear_acc) {
    CAPTURE(hard);
    CAPTURE(linear_acc);
    auto driven = nais_eval::open_session(spec);
    auto reference = nais_eval::open_session(spec);
    Loss& l = loss_of<Loss>(*reference);
    const auto curve = driven->co_search(settings(hard), [&](long, double, const std::vector<std::vector<double>>& probs,
                                                            std::vector<std::vector<double>>& grad) {
        if (!linear_acc)
            return 1.3;
        double acc = 1;
        for (std::size_t i = 0; i < probs[0].size(); ++i) {
            acc += weight(i) * probs[0][i];
            grad[0][i] = weight(i);
        }
        return acc;
    });
    REQUIRE(curve.size() == std::size_t(steps));

    nais::search::search_options<double> o;
    o.steps = steps;
    o.seed = 9;
    o.temperature = nais::search::temperature_schedule<double>::exponential(3, std::pow(0.5 / 3, 1.0 / double(steps - 1)), 0.5);
    o.learning_rate = {0.1, 0.07, 0.2};
    o.hard = hard;
    nais::search::co_search search(l, o);
    const Eigen::Index m = l.theta().cols();
    for (const nais_eval::search_step& row : curve) {
        CAPTURE(row.step);
        const auto ref = search.step([&](const auto& ctx, nais::search::accuracy_gradient<double>& g) {
            if (!linear_acc)
                return 1.3;
            // the soft sample (the test runs soft), in spec order, chained through the softmax
            const auto& p = ctx.arch_probabilities;
            double acc = 1;
            for (Eigen::Index r = 0; r < p.rows(); ++r)
                for (Eigen::Index c = 0; c < m; ++c)
                    acc += weight(std::size_t(r * m + c)) * p(r, c);
            for (Eigen::Index r = 0; r < p.rows(); ++r) {
                double dot = 0;
                for (Eigen::Index c = 0; c < m; ++c)
                    dot += p(r, c) * weight(std::size_t(r * m + c));
                for (Eigen::Index c = 0; c < m; ++c)
                    g.theta(r, c) = p(r, c) * (weight(std::size_t(r * m + c)) - dot) / ctx.tau;
            }
            return acc;
        });
        CHECK(row.tau == ref.tau);
        CHECK(row.acc_loss == ref.acc_loss);
        CHECK(row.loss == ref.loss);
        CHECK(row.perf_loss == ref.perf_loss);
        CHECK(row.res == ref.res);
        CHECK(row.penalty == ref.penalty);
    }
    // the searched variables, every one of them
    for (std::size_t k = 0; k < driven->variables().size(); ++k) {
        const auto& v = driven->variables()[k];
        std::size_t n = 1;
        for (std::size_t d : v.shape)
            n *= d;
        std::vector<double> a(n), b(n);
        driven->get_variable(k, a.data());
        reference->get_variable(k, b.data());
        CAPTURE(v.name);
        CHECK(a == b);
    }
}

}  // namespace

TEST_CASE("session co_search equals nais::search::co_search bit for bit: recursive FPGA") {
    const json spec = spec_file("recursive.json");
    check_equal_to_co_search<fpga_loss>(spec, false, false);
    check_equal_to_co_search<fpga_loss>(spec, true, false);
    check_equal_to_co_search<fpga_loss>(spec, false, true);
}

TEST_CASE("session co_search equals nais::search::co_search bit for bit: DANCE's co-design") {
    const json spec = spec_file("../../examples/dataflow/cosearch_small.json");
    check_equal_to_co_search<dataflow_loss>(spec, false, false);
    check_equal_to_co_search<dataflow_loss>(spec, false, true);
}

TEST_CASE("session co_search: the pf bounds hold and a bad callback or option is refused naming it") {
    auto s = nais_eval::open_session(spec_file("recursive.json"));
    nais_eval::search_settings o = settings(false);
    o.lr_impl = 5;  // large steps: the projection must hold pf inside [0, log2 bound]
    o.start.group_bounds = {{"pf", 1.0, 4.0}};
    s->co_search(o, [](long, double, const auto&, auto&) { return 1.0; });
    std::vector<double> pf(2);
    s->get_variable(2, pf.data());
    for (double x : pf) {
        CHECK(x >= 1.0);
        CHECK(x <= 4.0);
    }
    const auto refused = [&](nais_eval::search_settings bad, const nais_eval::accuracy_callback& acc, const std::string& what) {
        CAPTURE(what);
        CHECK_THROWS_WITH(s->co_search(bad, acc), doctest::Contains(what.c_str()));
    };
    const auto one = [](long, double, const auto&, auto&) { return 1.0; };
    refused(settings(false), [](long t, double, const auto&, auto&) { return t == 3 ? std::nan("") : 1.0; },
            "co-search step 3: the accuracy callback returned Acc_loss = nan");
    refused(settings(false), [](long, double, const auto&, auto& g) {
        g[1][4] = INFINITY;
        return 1.0;
    }, "the accuracy callback returned d Acc_loss / d phi[4] = inf");
    refused(settings(false), [](long, double, const auto&, auto& g) {
        g[0].pop_back();
        return 1.0;
    }, "left d Acc_loss / d theta with 3 values, expected 4");
    nais_eval::search_settings bad = settings(false);
    bad.schedule = "linear";
    refused(bad, one, "schedule must be \"constant\", \"exponential\" or \"cosine\", got \"linear\"");
    bad = settings(false);
    bad.lr_quant = -1;
    refused(bad, one, "learning_rate.quant must be finite and >= 0");
    bad = settings(false);
    bad.tau_min = 10;
    refused(bad, one, "tau_min = 10 must not exceed tau0 = 3");
    bad = settings(false);
    bad.lr_arch = 1e300;
    refused(bad, [](long, double, const auto&, auto& g) {
        g[0][0] = 1e300;
        return 1.0;
    }, "the update made theta non-finite");
}
