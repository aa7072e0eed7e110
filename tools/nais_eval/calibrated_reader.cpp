// The calibrated latency model's readers: nais-fit's spec (calibrated_reader.hpp) and the
// "calibrated" device of the registry (a fitted model on its space as a composed loss; its keys
// beyond the common ones: "model", a fitted model document or a file of one).
#include "calibrated_reader.hpp"

#include "composed_reader.hpp"
#include "space_reader.hpp"

#include <nais/calibrated.hpp>

#include <cstdio>
#include <filesystem>
#include <sstream>

namespace nais_eval {

namespace {

namespace cal = nais::calibrated;
using detail::fail;
using detail::number;
using detail::refuse_unknown;
using detail::require_key;

/// A list of positive numbers (a penalty grid).
std::vector<double> grid(const json& j, const std::string& key) {
    if (!j.is_array() || j.empty() || j.size() > 64)
        fail(key, "a list of 1 to 64 numbers > 0", j);
    std::vector<double> v;
    for (std::size_t k = 0; k < j.size(); ++k) {
        const double x = number(j[k], key + "[" + std::to_string(k) + "]");
        if (!(x > 0))
            fail(key + "[" + std::to_string(k) + "]", "a number > 0", j[k]);
        v.push_back(x);
    }
    return v;
}

cal::fit_options read_options(const json& spec) {
    cal::fit_options o;
    const auto m = spec.find("model");
    if (m == spec.end())
        return o;
    if (!m->is_object())
        fail("model", "an object {folds, ridge, coarse_ridge, residual_ridge, residual}", *m);
    refuse_unknown(*m, "model.", {"folds", "ridge", "coarse_ridge", "residual_ridge", "residual"});
    o.folds = detail::int_in(*m, "model.", "folds", o.folds, 2, 100);
    if (m->contains("ridge"))
        o.ridge = grid((*m)["ridge"], "model.ridge");
    if (m->contains("coarse_ridge"))
        o.coarse_ridge = grid((*m)["coarse_ridge"], "model.coarse_ridge");
    if (m->contains("residual_ridge"))
        o.residual_ridge = grid((*m)["residual_ridge"], "model.residual_ridge");
    o.residual = detail::flag(*m, "model.", "residual", true);
    return o;
}

/// Measurements a spec names at `key`: a CSV file (a path relative to the spec), or {"file",
/// "from" (the first data row, 0-based; default 0), "rows" (how many; default all)}.
std::vector<cal::measurement> measurements(const json& spec, const char* key, const std::string& base_dir,
                                           const nais::layered_space& space) {
    const json& v = require_key(spec, key, key);
    const std::string at = std::string(key);
    const json* f = &v;
    long long from = 0, rows = -1;
    if (v.is_object()) {
        refuse_unknown(v, at + ".", {"file", "from", "rows"});
        f = &require_key(v, "file", at + ".file");
        if (v.contains("from"))
            from = detail::integer_at_least(v["from"], at + ".from", 0);
        if (v.contains("rows"))
            rows = detail::integer_at_least(v["rows"], at + ".rows", 1);
    }
    if (!f->is_string())
        fail(v.is_object() ? at + ".file" : at, "a CSV file name (rows choice,latency_ms)", *f);
    const std::filesystem::path path = detail::spec_path(f->get<std::string>(), base_dir);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw spec_error("key '" + at + "': '" + nais::detail::one_line(f->get<std::string>()) + "' is not a readable regular file");
    std::vector<cal::measurement> all;
    try {
        all = cal::read_measurements(path.string(), space);
    } catch (const nais::invalid_argument& e) {
        throw spec_error(nais::detail::message_of(e));  // file:line and what was expected
    }
    if (from >= (long long)all.size())
        throw spec_error("key '" + at + ".from': " + std::to_string(from) + " is past the file's " + std::to_string(all.size()) + " rows");
    const long long end = rows < 0 ? (long long)all.size() : from + rows;
    if (end > (long long)all.size())
        throw spec_error("key '" + at + ".rows': rows " + std::to_string(from) + " to " + std::to_string(end - 1) +
                         " are past the file's " + std::to_string(all.size()) + " rows");
    return std::vector<cal::measurement>(all.begin() + from, all.begin() + end);
}

json model_json(const nais::layered_space& space, const cal::fitted_model& m) {
    json w = json::object(), r = json::object(), g = json::object();
    for (int k = 0; k < cal::feature_count; ++k)
        w[cal::feature_names[std::size_t(k)]] = m.weights[std::size_t(k)];
    for (std::size_t s = 0; s < m.signatures.size(); ++s)
        if (m.residual[s] != 0)
            r[m.signatures[s]] = m.residual[s];
    for (int k = 0; k < cal::group_count; ++k)
        g[cal::group_names[std::size_t(k)]] = m.group_weights[std::size_t(k)];
    const auto finite_or_none = [](double x) { return std::isfinite(x) ? json(x) : json("none"); };
    return {{"kind", "nais calibrated latency model"},
            {"space", space.name()},
            {"rows", m.rows},
            {"intercept_ms", m.intercept},
            {"weights_ms", w},
            {"residual_ms", r},
            {"coarse", {{"weights_ms", g}, {"intercept_ms", m.group_intercept}}},
            {"penalties", {{"coarse", m.coarse_ridge}, {"towards_zero", m.ridge_zero}, {"towards_coarse", m.ridge_group},
                           {"residual", finite_or_none(m.residual_ridge)}}}};
}

/// A fitted model from its document (model_json's), checked.
cal::fitted_model model_of(const json& j, const std::string& at) {
    if (!j.is_object())
        fail(at, "a fitted model document (nais-fit --save)", j);
    refuse_unknown(j, at + ".", {"kind", "space", "rows", "intercept_ms", "weights_ms", "residual_ms", "coarse", "penalties"});
    cal::fitted_model m;
    m.intercept = number(require_key(j, "intercept_ms", at + ".intercept_ms"), at + ".intercept_ms");
    const json& w = require_key(j, "weights_ms", at + ".weights_ms");
    if (!w.is_object())
        fail(at + ".weights_ms", "an object {feature: ms per unit}", w);
    std::set<std::string> names(cal::feature_names.begin(), cal::feature_names.end());
    refuse_unknown(w, at + ".weights_ms.", names);
    for (int k = 0; k < cal::feature_count; ++k)
        if (const auto it = w.find(cal::feature_names[std::size_t(k)]); it != w.end()) {
            const double x = number(*it, at + ".weights_ms." + cal::feature_names[std::size_t(k)]);
            if (x < 0)
                fail(at + ".weights_ms." + cal::feature_names[std::size_t(k)], "a weight >= 0", *it);
            m.weights[std::size_t(k)] = x;
        }
    if (const auto r = j.find("residual_ms"); r != j.end()) {
        if (!r->is_object())
            fail(at + ".residual_ms", "an object {op signature: ms}", *r);
        for (const auto& [sig, v] : r->items()) {
            m.signatures.push_back(sig);
            m.residual.push_back(number(v, at + ".residual_ms." + nais::detail::one_line(sig.substr(0, 60))));
        }
    }
    if (const auto r = j.find("rows"); r != j.end())
        m.rows = detail::integer_at_least(*r, at + ".rows", 0);
    return m;
}

/// The model a "calibrated" spec names: a document inline, or a file of one relative to the spec.
cal::fitted_model spec_model(const json& spec, const std::string& base_dir) {
    const json& m = require_key(spec, "model", "model");
    if (m.is_string()) {
        const std::filesystem::path path = detail::spec_path(m.get<std::string>(), base_dir);
        return model_of(nais_json::parse(nais_json::read_file(path, "model")), "model");
    }
    return model_of(m, "model");
}

double macs_of(const nais::layered_space& s, const std::vector<int>& ops) {
    double v = 0;
    for (int i = 0; i < s.num_blocks(); ++i)
        v += double(nais::candidate_report(s, i, ops[std::size_t(i)]).macs);
    return v;
}

json agreement_json(const cal::agreement& g) {
    return {{"mape", g.mape}, {"within10", g.within10}, {"kendall", g.kendall}, {"spearman", g.spearman}, {"networks", g.networks}};
}

std::string choice_text(const std::vector<int>& c) {
    std::string s;
    for (std::size_t k = 0; k < c.size(); ++k)
        s += (k ? "-" : "") + std::to_string(c[k]);
    return s;
}

// ------------------------------------------------------------------ the "calibrated" device

template <class Loss>
std::unique_ptr<session> open_calibrated_as(const json& spec, const nais::layered_space& space, const std::string& base_dir,
                                            reading mode) {
    auto l = std::make_unique<Loss>(space, spec_model(spec, base_dir));
    composed_parts<Loss> parts{[](const Loss& x, double) {
        const cal::search_outcome o = x.derive();
        return json{{"ops", o.ops}, {"predicted_ms", o.ms}};
    }};
    parts.report = [](const Loss& x, json& out) {
        const cal::search_outcome o = x.derive();
        out["design"] = {{"ops", o.ops}, {"predicted_ms", o.ms}};
    };
    parts.device_keys = {"model"};
    return composed_session(spec, mode, std::move(l), std::move(parts));
}

/// With "res_ub" (a latency budget in ms) the model has EDD Eq. 1's resource term on the
/// expected latency; without it, none.
std::unique_ptr<session> open_calibrated(const json& spec, const nais::layered_space& space, const std::string& base_dir,
                                         reading mode) {
    if (spec.contains("res_ub"))
        return open_calibrated_as<cal::budgeted_loss<nais::layered_space>>(spec, space, base_dir, mode);
    return open_calibrated_as<cal::loss<nais::layered_space>>(spec, space, base_dir, mode);
}

}  // namespace

json run_fit(const json& spec, const std::string& base_dir) {
    if (!spec.is_object())
        throw spec_error("the spec must be a JSON object, got " + detail::type_name(spec));
    refuse_unknown(spec, "", {"space", "bits", "train", "test", "model", "device"});
    nais::layered_space space = [&] {
        try {
            return detail::read_layered_space_key(spec, base_dir);
        } catch (const nais::invalid_argument& e) {
            throw spec_error(e.what());
        }
    }();
    const cal::fit_options options = read_options(spec);
    const std::vector<cal::measurement> train = measurements(spec, "train", base_dir, space);
    if (train.size() < 2)
        throw spec_error("key 'train': needs at least 2 measured networks, got " + std::to_string(train.size()));
    const cal::space_cells cells(space);
    const cal::fitted_model m = [&] {
        try {
            return cal::fit(space, cells, train, options);
        } catch (const nais::invalid_argument& e) {
            throw spec_error(e.what());
        }
    }();
    json out;
    out["space"] = space.name();
    if (const auto d = spec.find("device"); d != spec.end()) {
        if (!d->is_string())
            fail("device", "a name for the measured device", *d);
        out["device"] = *d;
    }
    out["train"] = {{"networks", train.size()}};
    out["model"] = model_json(space, m);
    if (!spec.contains("test"))
        return out;
    const std::vector<cal::measurement> test = measurements(spec, "test", base_dir, space);
    if (test.size() < 2)
        throw spec_error("key 'test': needs at least 2 measured networks, got " + std::to_string(test.size()));
    // the baselines, fitted to the same training rows
    std::vector<double> train_macs, train_ms;
    for (const auto& r : train) {
        train_macs.push_back(macs_of(space, cal::row_ops(space, r.choice)));
        train_ms.push_back(r.latency_ms);
    }
    const cal::macs_fit mf = cal::fit_macs(train_macs, train_ms);
    const cal::op_table_fit tf = cal::fit_op_table(train, cal::searchable_blocks(space), space.num_ops());
    const cal::calibration c(cells, space, m);
    std::vector<double> measured, p, pm, pt;
    json predictions = json::array();
    for (const auto& r : test) {
        const std::vector<int> ops = cal::row_ops(space, r.choice);
        measured.push_back(r.latency_ms);
        p.push_back(c.predict(ops));
        pm.push_back(mf.predict(macs_of(space, ops)));
        pt.push_back(tf.predict(r.choice));
        predictions.push_back({choice_text(r.choice), r.latency_ms, p.back()});
    }
    out["test"] = {{"networks", test.size()}};
    out["agreement"] = {{"calibrated", agreement_json(cal::compare(p, measured))},
                        {"macs_linear", agreement_json(cal::compare(pm, measured))},
                        {"op_table", agreement_json(cal::compare(pt, measured))}};
    out["predictions"] = std::move(predictions);
    return out;
}

std::string fit_report(const json& r) {
    std::ostringstream o;
    char buf[256];
    const json& m = r["model"];
    o << "nais-fit: calibrated latency model of space '" << r["space"].get<std::string>() << "'"
      << (r.contains("device") ? ", device '" + r["device"].get<std::string>() + "'" : std::string()) << ", fitted to "
      << r["train"]["networks"].get<int>() << " measured networks\n";
    std::snprintf(buf, sizeof buf, "  %-20s %14.6g\n", "intercept (ms)", m["intercept_ms"].get<double>());
    o << buf;
    for (const auto& [name, w] : m["weights_ms"].items()) {
        std::snprintf(buf, sizeof buf, "  %-20s %14.6g ms per unit\n", name.c_str(), w.get<double>());
        o << buf;
    }
    o << "  residuals: " << m["residual_ms"].size() << " op signatures (penalty " << m["penalties"]["residual"].dump() << ")\n";
    if (!r.contains("agreement"))
        return o.str();
    o << "on " << r["test"]["networks"].get<int>() << " test networks:\n";
    std::snprintf(buf, sizeof buf, "  %-26s %8s %10s %8s %9s\n", "model", "MAPE %", "within 10%", "Kendall", "Spearman");
    o << buf;
    for (const char* k : {"calibrated", "macs_linear", "op_table"}) {
        const json& g = r["agreement"][k];
        const char* name = std::string(k) == "calibrated" ? "calibrated (nais)"
                           : std::string(k) == "macs_linear" ? "linear fit of MACs"
                                                             : "per-(block, op) table";
        std::snprintf(buf, sizeof buf, "  %-26s %8.2f %10.1f %8.3f %9.3f\n", name, g["mape"].get<double>(), g["within10"].get<double>(),
                      g["kendall"].get<double>(), g["spearman"].get<double>());
        o << buf;
    }
    return o.str();
}

std::string fit_latency_table(const json& spec, const std::string& base_dir, const json& model) {
    const nais::layered_space space = detail::read_layered_space_key(spec, base_dir);
    return cal::latency_table_csv(space, model_of(model, "model"),
                                  spec.contains("device") && spec["device"].is_string() ? spec["device"].get<std::string>() : "");
}

device_entry calibrated_device() {
    return composed_device("calibrated",
                           "a latency model fitted to measured networks of your device (nais-fit): expected ms over the ops",
                           nullptr, &open_calibrated);
}

}  // namespace nais_eval
