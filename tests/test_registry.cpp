// The device registry above the core: a user's device model (examples/custom_device.cpp) added
// with one registration (examples/custom_device_reader.hpp) is evaluated by nais-eval's code path
// and opened as a session (what nais.Session and HardwareLoss call), exactly as the library
// computes it; the registry's refusals and its generated device listing.
#include "../examples/custom_device_reader.hpp"

#include "error_of.hpp"

#include <nais_eval/registry.hpp>

#include <doctest/doctest.h>

#include <vector>

using nais_eval::json;

namespace {

json lane_spec() {
    return json::parse(R"({"device": "lane-array",
        "blocks": [{"cin": 8, "cout": 16, "h": 16, "w": 16, "stride": 2}, {"cin": 16, "cout": 16, "h": 8, "w": 8, "stride": 1}],
        "ops": [{"kernel": 3, "expand": 3}, {"kernel": 5, "expand": 6}], "bits": [4, 8],
        "theta": [[0.3, -0.2], [0.1, 0.4]], "phi": [[0.5, -0.5], [0.0, 0.2]], "s": [3.0],
        "gumbel": {"theta": [[0.1, 0.2], [-0.3, 0.05]], "phi": [[0.0, 0.1], [0.2, -0.1]]},
        "tau": 0.7, "alpha": 1e-4, "beta": 0.5, "C": 1.1, "res_ub": 40, "acc_loss": 2.0})");
}

std::string refusal_of(const json& spec) {
    try {
        nais_eval::evaluate_spec(spec);
    } catch (const nais_eval::spec_error& e) {
        return e.what();
    }
    return "no error";
}

/// Registers the lane array once per process.
void register_lane_array() {
    if (!nais_eval::devices().find("lane-array"))
        nais_eval::devices().add(lane::registry_entry());
}

}  // namespace

TEST_CASE("a user's device model registered once is evaluated by nais-eval's code path as the library computes it") {
    register_lane_array();
    const json spec = lane_spec();
    const json out = nais_eval::evaluate_spec(spec);

    const nais::runtime_space space({{8, 16, 16, 16, 2}, {16, 16, 8, 8, 1}}, {{3, 3}, {5, 6}}, {4, 8});
    nais::loss<lane::model<nais::runtime_space>> l{space};
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j) {
            l.theta()(i, j) = spec["theta"][i][j];
            l.theta_noise()(i, j) = spec["gumbel"]["theta"][i][j];
            l.variable(lane::bits_tag{})(i, j) = spec["phi"][i][j];
            l.noise(lane::bits_tag{})(i, j) = spec["gumbel"]["phi"][i][j];
        }
    l.variable(lane::lanes_tag{})(0, 0) = 3.0;
    auto& p = l.params();
    p.tau = 0.7;
    p.alpha = 1e-4;
    p.beta = 0.5;
    p.C = 1.1;
    p.res_ub = 40;
    p.acc_loss = 2.0;
    const double loss = l.evaluate();
    CHECK(out["loss"].get<double>() == doctest::Approx(loss).epsilon(1e-15));
    CHECK(out["res"].get<double>() == doctest::Approx(l.res()).epsilon(1e-15));
    CHECK(out["grad"]["s"][0].get<double>() == doctest::Approx(l.gradient(lane::lanes_tag{})(0, 0)).epsilon(1e-15));
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j) {
            CHECK(out["grad"]["theta"][i][j].get<double>() == doctest::Approx(l.grad_theta()(i, j)).epsilon(1e-15));
            CHECK(out["grad"]["phi"][i][j].get<double>() == doctest::Approx(l.gradient(lane::bits_tag{})(i, j)).epsilon(1e-15));
        }
    CHECK(out["grad"]["acc_loss"].get<double>() == doctest::Approx(l.perf_loss()).epsilon(1e-15));
}

TEST_CASE("the registered device opens as a session: variables by name and shape, design") {
    register_lane_array();
    json spec = lane_spec();
    for (const char* k : {"theta", "phi", "s", "acc_loss"})
        spec.erase(k);  // optional for a session
    auto s = nais_eval::open_session(spec);
    REQUIRE(s->variables().size() == 3);
    CHECK(s->variables()[0].name == "theta");
    CHECK(s->variables()[1].name == "phi");
    CHECK(s->variables()[1].shape == std::vector<std::size_t>{2, 2});  // per op type: M x Q
    CHECK(s->variables()[1].sampled);
    CHECK(s->variables()[2].name == "s");
    CHECK(!s->variables()[2].sampled);
    const std::vector<double> theta{2.0, -1.0, -1.0, 2.0}, phi{0, 3, 3, 0}, lanes{4.0};
    s->set_variable(0, theta.data());
    s->set_variable(1, phi.data());
    s->set_variable(2, lanes.data());
    s->set_parameter("acc_loss", 1.0);
    s->set_parameter("tau", 0.01);
    const auto r = s->evaluate();
    CHECK(std::isfinite(r.loss));
    const json d = s->design(200);
    CHECK(d["ops"] == json::array({0, 1}));
    CHECK(d["bits"] == json::array({8, 4}));
    CHECK(d["lanes"].get<double>() == 16.0);
}

TEST_CASE("the registry refuses what it does not know, naming it, and lists every registered device") {
    register_lane_array();
    json spec = lane_spec();
    spec["lanes"] = 2;  // a misspelt variable
    CHECK(refusal_of(spec).find("key 'lanes': unknown (expected one of") == 0);
    spec = lane_spec();
    spec["device"] = "lane";
    const std::string listing = refusal_of(spec);
    CHECK(listing.find("key 'device': expected \"fpga-recursive\", ") == 0);
    CHECK(listing.find("\"dataflow\"") != std::string::npos);
    CHECK(listing.find(" or \"lane-array\", got string \"lane\"") != std::string::npos);
    CHECK(nais_test::error_of([] { nais_eval::devices().add(lane::registry_entry()); }).find("registered already") !=
          std::string::npos);
    CHECK(nais_test::error_of([] { nais_eval::devices().add({"", "", nullptr, nullptr}); }).find("needs a name") !=
          std::string::npos);
    spec = lane_spec();
    spec.erase("s");
    CHECK(refusal_of(spec) == "key 's' is missing");
}
