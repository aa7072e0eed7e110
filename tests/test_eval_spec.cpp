// nais-eval's spec reader and writer, in-process: the tool must report exactly what the
// library computes, with the documented layouts, and reject malformed specs by key.
#include <nais_eval/registry.hpp>

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

using nais_eval::json;

namespace {
json load(const char* name) {
    std::ifstream in(std::string(NAIS_CLI_SPEC_DIR) + "/" + name);
    REQUIRE(in);
    return json::parse(in);
}

nais::runtime_space space_of(const json& spec) {
    std::vector<nais::block> b;
    for (const auto& x : spec["blocks"])
        b.push_back({x["cin"], x["cout"], x["h"], x["w"], x["stride"]});
    std::vector<nais::mbconv> o;
    for (const auto& x : spec["ops"])
        o.push_back({x["kernel"], x["expand"]});
    return nais::runtime_space(b, o, spec["bits"].get<std::vector<int>>());
}

template <class Loss>
void set_params(Loss& l, const json& spec) {
    l.params().tau = spec["tau"];
    l.params().hard = spec.value("hard", false);
    l.params().alpha = spec["alpha"];
    l.params().beta = spec["beta"];
    l.params().C = spec["C"];
    l.params().res_ub = spec["res_ub"];
    l.params().acc_loss = spec["acc_loss"];
}

std::string error_of(const json& spec) {
    try {
        nais_eval::evaluate_spec(spec);
    } catch (const nais_eval::spec_error& e) {
        return e.what();
    }
    return "no error";
}
}  // namespace

TEST_CASE("nais-eval reports the recursive loss exactly as the library computes it") {
    const json spec = load("recursive.json");
    const json out = nais_eval::evaluate_spec(spec);
    nais::fpga::recursive_loss<nais::runtime_space> l{space_of(spec)};
    for (int i = 0; i < 2; ++i)
        for (int m = 0; m < 2; ++m) {
            l.theta()(i, m) = spec["theta"][i][m];
            l.theta_noise()(i, m) = spec["gumbel"]["theta"][i][m];
        }
    for (int m = 0; m < 2; ++m) {
        l.pf()(m) = spec["pf"][m];
        for (int q = 0; q < 3; ++q) {
            l.phi()(m, q) = spec["phi"][m][q];
            l.phi_noise()(m, q) = spec["gumbel"]["phi"][m][q];
        }
    }
    set_params(l, spec);
    CHECK(out["loss"].get<double>() == l.evaluate());
    CHECK(out["perf_loss"].get<double>() == l.perf_loss());
    CHECK(out["res"].get<double>() == l.res());
    CHECK(out["perf_blocks"][1].get<double>() == l.perf_blocks()(1));
    CHECK(out["grad"]["theta"][1][0].get<double>() == l.grad_theta()(1, 0));
    CHECK(out["grad"]["phi"][1][2].get<double>() == l.grad_phi()(1, 2));
    CHECK(out["grad"]["pf"][1].get<double>() == l.grad_pf()(1));
    CHECK(out["grad"]["acc_loss"].get<double>() == l.grad_acc_loss());
}

TEST_CASE("nais-eval reads and writes pipelined phi as N x M x Q") {
    const json spec = load("pipelined.json");
    const json out = nais_eval::evaluate_spec(spec);
    nais::fpga::pipelined_loss<nais::runtime_space> l{space_of(spec)};
    const int n = 2, m_ops = 2;
    for (int i = 0; i < n; ++i)
        for (int m = 0; m < m_ops; ++m) {
            l.theta()(i, m) = spec["theta"][i][m];
            l.theta_noise()(i, m) = spec["gumbel"]["theta"][i][m];
            l.pf()(i, m) = spec["pf"][i][m];
            for (int q = 0; q < 3; ++q) {
                l.phi()(i + n * m, q) = spec["phi"][i][m][q];
                l.phi_noise()(i + n * m, q) = spec["gumbel"]["phi"][i][m][q];
            }
        }
    set_params(l, spec);
    CHECK(out["loss"].get<double>() == l.evaluate());
    for (int i = 0; i < n; ++i)
        for (int m = 0; m < m_ops; ++m) {
            CHECK(out["grad"]["pf"][i][m].get<double>() == l.grad_pf()(i, m));
            for (int q = 0; q < 3; ++q)
                CHECK(out["grad"]["phi"][i][m][q].get<double>() == l.grad_phi()(i + n * m, q));
        }
}

TEST_CASE("malformed specs name the key and what was expected") {
    const json good = load("recursive.json");
    auto with = [&](const char* key, json v) {
        json s = good;
        s[key] = std::move(v);
        return s;
    };
    json s = good;
    s.erase("theta");
    CHECK(error_of(s) == "key 'theta' is missing");
    CHECK(error_of(with("tau", "fast")) == "key 'tau': expected a finite number, got string \"fast\"");
    CHECK(error_of(with("pf", json::array({1.0}))) == "key 'pf': expected an array of 2 numbers, got 1 entries");
    CHECK(error_of(with("phi", json::array({json::array({1, 2, 3}), json::array({1, "x", 3})}))) ==
          "key 'phi[1][1]': expected a finite number, got string \"x\"");
    CHECK(error_of(with("bits", json::array({4, 4}))) == "nais: runtime_space: duplicate bit-width 4 (entries 0 and 1)");
    CHECK(error_of(with("hard", 1)) == "key 'hard': expected true or false, got number 1");
    CHECK(error_of(with("C", 1)) == "nais: params.C (penalty base) must be finite and > 1, got 1");
    json b = good;
    b["blocks"][1]["stride"] = 0;
    CHECK(error_of(b) == "key 'blocks[1].stride': expected an integer >= 1 (and <= 1e9), got number 0");
    b = good;
    b["blocks"][0].erase("cout");
    CHECK(error_of(b) == "key 'blocks[0].cout' is missing");
    CHECK(error_of(json::array()) == "the spec must be a JSON object, got array");
    try {
        nais_eval::evaluate_text(R"({"device": "fpga-recursive", "tau": NaN})");
        FAIL("no error");
    } catch (const nais_eval::spec_error& e) {
        CHECK(std::string(e.what()).rfind("malformed JSON in the value of key 'tau'", 0) == 0);
    }
}

TEST_CASE("nais-eval reports the GPU loss exactly as the library computes it, for every table source") {
    const json spec = load("gpu.json");
    const auto space = space_of(spec);
    nais::gpu::latency_table t(2, 2, 3);
    for (const auto& e : spec["latency_table"]) {
        const int m = e["kernel"] == 3 ? 0 : 1, q = e["bits"] == 8 ? 0 : e["bits"] == 16 ? 1 : 2;
        t.at(e["block"], m, q) = e["latency_ms"];
    }
    nais::gpu::loss<nais::runtime_space> l{space, t.normalized_by(t.max())};
    for (int i = 0; i < 2; ++i)
        for (int m = 0; m < 2; ++m) {
            l.theta()(i, m) = spec["theta"][i][m];
            l.theta_noise()(i, m) = spec["gumbel"]["theta"][i][m];
        }
    for (int q = 0; q < 3; ++q) {
        l.phi()(0, q) = spec["phi"][q];
        l.phi_noise()(0, q) = spec["gumbel"]["phi"][q];
    }
    l.params().tau = spec["tau"];
    l.params().alpha = spec["alpha"];
    l.params().acc_loss = spec["acc_loss"];
    const double loss = l.evaluate();
    const json out = nais_eval::evaluate_spec(spec);
    CHECK(out["loss"].get<double>() == loss);
    CHECK(out["grad"]["theta"][1][0].get<double>() == l.grad_theta()(1, 0));
    CHECK(out["grad"]["phi"][2].get<double>() == l.grad_phi()(0, 2));
    // the same table from a CSV file and a JSON file, relative to the spec's directory
    json csv = load("gpu_csv.json");
    const json from_csv = nais_eval::evaluate_spec(csv, NAIS_CLI_SPEC_DIR);
    CHECK(from_csv["loss"].get<double>() == doctest::Approx(loss * t.max()).epsilon(1e-14));  // not normalised
    const json from_json = nais_eval::evaluate_spec(load("gpu_json_file.json"), NAIS_CLI_SPEC_DIR);
    CHECK(from_json["loss"].get<double>() == doctest::Approx(loss * t.max() / 0.5).epsilon(1e-14));
    csv["latency_table"] = "no_such_table.csv";
    CHECK(error_of(csv) == "nais: cannot open latency table 'no_such_table.csv' (not a readable regular file)");
}

TEST_CASE("nais-eval reports the Loom loss exactly as the library computes it") {
    const json spec = load("loom.json");
    nais::loom::loss<nais::runtime_space> l{space_of(spec)};
    for (int i = 0; i < 2; ++i)
        for (int m = 0; m < 2; ++m)
            l.theta()(i, m) = spec["theta"][i][m];
    for (int m = 0; m < 2; ++m)
        for (int q = 0; q < 3; ++q) {
            l.phi_weights()(m, q) = spec["phi"][m][q];
            l.phi_activations()(m, q) = spec["phi_act"][m][q];
        }
    l.params().tau = spec["tau"];
    l.params().acc_loss = spec["acc_loss"];
    l.params().objective = nais::objective_mix<double, 2>::product({1e-4, 1e-5});
    const double loss = l.evaluate();
    const json out = nais_eval::evaluate_spec(spec);
    CHECK(out["loss"].get<double>() == loss);
    CHECK(out["energy"].get<double>() == l.energy());
    CHECK(out["grad"]["phi_act"][1][2].get<double>() == l.grad_phi_activations()(1, 2));
    json bad = spec;
    bad["objective"]["mode"] = "max";
    CHECK(error_of(bad) == "key 'objective.mode': expected \"product\" or \"weighted_sum\", got string \"max\"");
    bad = spec;
    bad["accelerator"]["clock_mhz"] = -1;
    CHECK(error_of(bad) == "nais: loom::accelerator.clock_mhz must be in [1e-3, 1e6] MHz, got -1");
    bad["accelerator"]["clock_mhz"] = 1e-320;  // a denormal clock made the latency in ms infinite (fuzz_eval)
    CHECK(error_of(bad) == "nais: loom::accelerator.clock_mhz must be in [1e-3, 1e6] MHz, got 9.99989e-321");
    bad = spec;
    bad["phi_act"] = json::array({1, 2, 3});
    CHECK(error_of(bad) == "key 'phi_act': expected an array of 2 arrays, got 3 entries");
}
