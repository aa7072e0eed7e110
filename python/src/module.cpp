// nais's Python extension (nais._nais): nais-eval's spec reader and its sessions, with specs as
// Python dicts and arrays as NumPy arrays (no JSON text, no process, no libtorch link). The
// pure-Python package `nais` (python/nais/) wraps it: nais.evaluate, nais.Session and the torch
// bridge nais.torch.
#include "calls.hpp"

#include <nais_eval/registry.hpp>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace py = pybind11;
using json = nlohmann::json;
using spec_error = nais_python::refusal;

namespace {

/// A Python value (dict, list, tuple, str, bool, int, float, None, or an object with .tolist()
/// such as a NumPy array or a torch tensor) as JSON; `key` names it in messages.
json to_json(py::handle v, const std::string& key, int depth) {
    if (depth > nais_python::max_depth)
        throw spec_error("key '" + key + "': nested deeper than " + std::to_string(nais_python::max_depth) +
                         " levels (the limit of every nais reader; a list that contains itself?)");
    if (v.is_none())
        return nullptr;
    if (py::isinstance<py::bool_>(v))
        return v.cast<bool>();
    if (py::isinstance<py::int_>(v)) {
        try {
            return v.cast<std::int64_t>();
        } catch (const py::cast_error&) {
            throw spec_error("key '" + key + "': the integer " + py::str(v).cast<std::string>().substr(0, 40) +
                             " does not fit in 64 bits");
        }
    }
    if (py::isinstance<py::float_>(v))
        return v.cast<double>();  // NaN and infinities are refused by the reader, naming the key
    if (py::isinstance<py::str>(v))
        return v.cast<std::string>();
    if (py::isinstance<py::dict>(v)) {
        json out = json::object();
        for (const auto& [k, x] : v.cast<py::dict>()) {
            if (!py::isinstance<py::str>(k))
                throw spec_error("key '" + key + "': dict keys must be strings, got " +
                                 py::repr(k).cast<std::string>().substr(0, 40));
            const std::string name = k.cast<std::string>();
            out[name] = to_json(x, key.empty() ? name : key + "." + name, depth + 1);
        }
        return out;
    }
    if (py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v)) {
        json out = json::array();
        std::size_t i = 0;
        for (const auto& x : v)
            out.push_back(to_json(x, key + "[" + std::to_string(i++) + "]", depth + 1));
        return out;
    }
    if (py::hasattr(v, "tolist"))  // NumPy arrays and scalars, torch tensors
        return to_json(v.attr("tolist")(), key, depth);
    if (py::hasattr(v, "__fspath__"))  // pathlib paths
        return py::str(v.attr("__fspath__")()).cast<std::string>();
    throw spec_error("key '" + (key.empty() ? std::string("spec") : key) + "': cannot read a Python " +
                     py::str(py::type::handle_of(v).attr("__name__")).cast<std::string>() + " as JSON");
}

py::object to_python(const json& j) {
    switch (j.type()) {
    case json::value_t::null:
        return py::none();
    case json::value_t::boolean:
        return py::bool_(j.get<bool>());
    case json::value_t::number_integer:
        return py::int_(j.get<std::int64_t>());
    case json::value_t::number_unsigned:
        return py::int_(j.get<std::uint64_t>());
    case json::value_t::number_float:
        return py::float_(j.get<double>());
    case json::value_t::string:
        return py::str(j.get<std::string>());
    case json::value_t::array: {
        py::list out;
        for (const auto& x : j)
            out.append(to_python(x));
        return out;
    }
    case json::value_t::object: {
        py::dict out;
        for (auto it = j.begin(); it != j.end(); ++it)
            out[py::str(it.key())] = to_python(it.value());
        return out;
    }
    default:
        return py::none();
    }
}

json spec_of(py::handle spec) {
    if (!py::isinstance<py::dict>(spec))
        throw spec_error("the spec must be a dict, got a Python " +
                         py::str(py::type::handle_of(spec).attr("__name__")).cast<std::string>());
    return to_json(spec, "", 0);
}

/// A directory given as str or path-like (os.fspath).
std::string directory_of(py::handle d) {
    if (d.is_none())
        return "";
    return py::module_::import("os").attr("fspath")(d).cast<std::string>();
}

using array = py::array_t<double, py::array::c_style | py::array::forcecast>;

/// A composed loss built once from a spec (nais_eval::session), with NumPy arrays in and out.
/// A float64 array of `shape` holding `values` in row-major order.
array array_of(const std::vector<double>& values, const std::vector<std::size_t>& shape) {
    array a(shape);
    std::copy(values.begin(), values.end(), a.mutable_data());
    return a;
}

class py_session {
public:
    py_session(py::handle spec, py::handle base_dir)
        : s_(nais_python::open_session(spec_of(spec), directory_of(base_dir))) {}

    py::list variables() const {
        py::list out;
        for (const auto& v : s_->variables())
            out.append(py::make_tuple(v.name, py::tuple(py::cast(v.shape)), v.sampled));
        return out;
    }
    std::size_t index(const std::string& name) const {
        const auto& vs = s_->variables();
        for (std::size_t k = 0; k < vs.size(); ++k)
            if (vs[k].name == name)
                return k;
        std::string known;
        for (const auto& v : vs)
            known += (known.empty() ? "" : ", ") + v.name;
        throw spec_error("variable '" + name + "': this device's variables are " + known);
    }
    void set_variable(const std::string& name, const array& a) {
        const std::size_t k = index(name);
        check(k, a, "");
        s_->set_variable(k, a.data());
    }
    void set_noise(const std::string& name, const array& a) {
        const std::size_t k = index(name);
        if (!s_->variables()[k].sampled)
            throw spec_error("noise '" + name + "': a continuous variable has no Gumbel noise");
        check(k, a, "noise ");
        s_->set_noise(k, a.data());
    }
    /// An input (variable, noise) or, with `output`, what an evaluation computes (gradients,
    /// probabilities).
    array get(const std::string& name, void (nais_eval::session::*f)(std::size_t, double*) const, bool output = false) const {
        const std::size_t k = index(name);
        if (output && !evaluated_)  // nothing was computed yet: never hand out memory no evaluation wrote
            throw std::runtime_error("'" + name + "': no evaluation yet; call evaluate() first");
        array out(s_->variables()[k].shape);
        (s_.get()->*f)(k, out.mutable_data());
        return out;
    }
    void set_parameter(const std::string& name, double v) { s_->set_parameter(name, v); }
    double parameter(const std::string& name) const { return s_->parameter(name); }
    py::dict evaluate() {
        // the GIL stays held: an evaluation takes microseconds, and Python threads sharing a
        // session are serialised rather than racing on its arrays
        const nais_eval::session_result r = s_->evaluate();
        evaluated_ = true;
        py::dict out;
        out["loss"] = r.loss;
        out["perf_loss"] = r.perf_loss;
        out["res"] = r.res;
        out["penalty"] = r.penalty;
        out["grad_acc_loss"] = r.grad_acc_loss;
        out["perf_blocks"] = array_of(r.perf_blocks, {r.perf_blocks.size()});
        return out;
    }
    /// HardwareLoss's one call per forward: every variable (and each sampled one's noise, None
    /// to keep it) in variables() order, acc_loss, one evaluation; returns the terms as 0-d arrays
    /// (torch.from_numpy makes each a tensor without a copy), dL/dAcc_loss, the per-block
    /// performance and every variable's gradient. All shapes are checked before anything is set.
    py::tuple evaluate_at(const py::sequence& values, const py::sequence& noise, double acc_loss) {
        const auto& vs = s_->variables();
        if (py::len(values) != vs.size() || py::len(noise) != vs.size())
            throw spec_error("evaluate_at: expected " + std::to_string(vs.size()) + " values and " + std::to_string(vs.size()) +
                             " noise entries (None for none), in variables() order");
        std::vector<array> v;
        std::vector<std::optional<array>> n(vs.size());
        v.reserve(vs.size());
        for (std::size_t k = 0; k < vs.size(); ++k) {
            v.push_back(values[k].cast<array>());
            check(k, v.back(), "");
            if (!noise[k].is_none()) {
                if (!vs[k].sampled)
                    throw spec_error("noise '" + vs[k].name + "': a continuous variable has no Gumbel noise");
                n[k] = noise[k].cast<array>();
                check(k, *n[k], "noise ");
            }
        }
        for (std::size_t k = 0; k < vs.size(); ++k) {
            s_->set_variable(k, v[k].data());
            if (n[k])
                s_->set_noise(k, n[k]->data());
        }
        s_->set_parameter("acc_loss", acc_loss);
        const nais_eval::session_result r = s_->evaluate();
        evaluated_ = true;
        const auto scalar = [](double x) {
            array a(std::vector<py::ssize_t>{});
            *a.mutable_data() = x;
            return a;
        };
        py::list grads(vs.size());
        for (std::size_t k = 0; k < vs.size(); ++k) {
            array g(vs[k].shape);
            s_->get_gradient(k, g.mutable_data());
            grads[k] = std::move(g);
        }
        return py::make_tuple(scalar(r.loss), scalar(r.perf_loss), scalar(r.res), scalar(r.penalty), r.grad_acc_loss,
                              array_of(r.perf_blocks, {r.perf_blocks.size()}), std::move(grads));
    }
    /// EDD Sec. 5's search in C++ (session::co_search) with the user's Acc_loss from Python:
    /// accuracy(step, tau, {name: sample}) returns Acc_loss, or (Acc_loss, {name: d Acc_loss /
    /// d sample}) for any of the sampled variables. Returns the curve, one dict per step.
    py::list co_search(const py::object& accuracy, long steps, std::uint64_t seed, const std::string& schedule, double tau0,
                       double tau_min, const py::dict& learning_rate, bool hard, bool sample_noise, bool normalize_performance,
                       double relative_smoothness, const py::dict& bounds) {
        nais_eval::search_settings settings;
        settings.steps = steps;
        settings.seed = seed;
        settings.schedule = schedule;
        settings.tau0 = tau0;
        settings.tau_min = tau_min;
        for (const auto& [key, value] : learning_rate) {
            const std::string name = py::str(key).cast<std::string>();
            if (name == "arch")
                settings.lr_arch = value.cast<double>();
            else if (name == "quant")
                settings.lr_quant = value.cast<double>();
            else if (name == "impl")
                settings.lr_impl = value.cast<double>();
            else
                throw spec_error("learning_rate['" + name + "']: expected the keys arch (theta), quant and impl");
        }
        settings.hard = hard;
        settings.sample_noise = sample_noise;
        settings.start = start_settings_of(normalize_performance, relative_smoothness, bounds);
        std::vector<std::size_t> sampled;
        for (std::size_t k = 0; k < s_->variables().size(); ++k)
            if (s_->variables()[k].sampled)
                sampled.push_back(k);
        const nais_eval::accuracy_callback callback = [&](long step, double tau, const std::vector<std::vector<double>>& probs,
                                                          std::vector<std::vector<double>>& gradient) -> double {
            if (accuracy.is_none())
                return 1.0;  // a hardware search alone: Acc_loss = 1
            py::dict samples;
            for (std::size_t j = 0; j < sampled.size(); ++j) {
                const auto& v = s_->variables()[sampled[j]];
                samples[py::str(v.name)] = array_of(probs[j], v.shape);
            }
            const py::object out = accuracy(step, tau, samples);
            if (!py::isinstance<py::tuple>(out))
                return out.cast<double>();
            const auto pair = out.cast<py::tuple>();
            if (pair.size() != 2 || !py::isinstance<py::dict>(pair[1]))
                throw spec_error("co_search: the accuracy callback returned a tuple; expected (acc_loss, {name: d acc_loss / d sample})");
            for (const auto& [key, value] : pair[1].cast<py::dict>()) {
                const std::string name = py::str(key).cast<std::string>();
                std::size_t j = 0;
                while (j < sampled.size() && s_->variables()[sampled[j]].name != name)
                    ++j;
                if (j == sampled.size())
                    throw spec_error("co_search: the accuracy callback's gradient names '" + name +
                                     "', which is not a sampled variable of this device");
                const array g = value.cast<array>();
                check(sampled[j], g, "d acc_loss / d ");
                std::copy(g.data(), g.data() + g.size(), gradient[j].begin());
            }
            return pair[0].cast<double>();
        };
        const std::vector<nais_eval::search_step> curve = s_->co_search(settings, callback);
        evaluated_ = true;
        py::list out;
        for (const auto& r : curve) {
            py::dict row;
            row["step"] = r.step;
            row["tau"] = r.tau;
            row["loss"] = r.loss;
            row["acc_loss"] = r.acc_loss;
            row["perf_loss"] = r.perf_loss;
            row["res"] = r.res;
            row["penalty"] = r.penalty;
            out.append(std::move(row));
        }
        return out;
    }
    bool has_resources() const { return s_->has_resources(); }
    double initialize_search(bool normalize_performance, double relative_smoothness, const py::dict& bounds) {
        return s_->initialize_search(start_settings_of(normalize_performance, relative_smoothness, bounds));
    }
    std::vector<int> derived_ops() const { return s_->derived_ops(); }
    std::vector<int> searchable_rows() const { return s_->searchable_rows(); }
    py::object design(double clock_mhz) const { return to_python(s_->design(clock_mhz)); }

private:
    static nais_eval::start_settings start_settings_of(bool normalize_performance, double relative_smoothness, const py::dict& bounds) {
        nais_eval::start_settings settings;
        settings.normalize_performance = normalize_performance;
        settings.relative_smoothness = relative_smoothness;
        for (const auto& [group, b] : bounds) {
            const std::string name = py::str(group).cast<std::string>();
            const auto pair = py::reinterpret_borrow<py::sequence>(b);
            if (py::len(pair) != 2)
                throw spec_error("bounds['" + name + "']: expected (min, max)");
            settings.group_bounds.push_back({name, pair[0].cast<double>(), pair[1].cast<double>()});
        }
        return settings;
    }
    void check(std::size_t k, const array& a, const char* what) const {
        const auto& v = s_->variables()[k];
        bool ok = a.ndim() == static_cast<py::ssize_t>(v.shape.size());
        for (std::size_t d = 0; ok && d < v.shape.size(); ++d)
            ok = a.shape(static_cast<py::ssize_t>(d)) == static_cast<py::ssize_t>(v.shape[d]);
        if (!ok) {
            std::string want, got;
            for (auto n : v.shape)
                want += (want.empty() ? "" : ", ") + std::to_string(n);
            for (py::ssize_t d = 0; d < a.ndim(); ++d)
                got += (got.empty() ? "" : ", ") + std::to_string(a.shape(d));
            throw spec_error(std::string(what) + "'" + v.name + "': expected shape (" + want + "), got (" + got + ")");
        }
    }
    std::unique_ptr<nais_eval::session> s_;
    bool evaluated_ = false;
};

}  // namespace

PYBIND11_MODULE(_nais, m) {
    m.doc() = "nais: the EDD co-search loss and its exact gradients (C++ extension; use the nais package)";
    static py::exception<spec_error> spec_exc(m, "SpecError", PyExc_ValueError);
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p)
                std::rethrow_exception(p);
        } catch (const spec_error& e) {  // nais-eval's and the library's refusals
            spec_exc(e.what());
        }
    });
    m.def(
        "evaluate",
        [](py::handle spec, py::handle base_dir) {
            return to_python(nais_python::evaluate(spec_of(spec), directory_of(base_dir)));
        },
        py::arg("spec"), py::arg("base_dir") = py::none(),
        "nais-eval in-process: the spec as a dict, the output document as a dict");
    m.def(
        "registry", [] { return py::capsule(&nais_eval::devices(), nais_python::registry_capsule_name); },
        "the device registry, for a plug-in module's register(capsule) (nais.register_devices)");
    m.def(
        "devices",
        [] {
            py::list out;
            for (const auto& e : nais_eval::devices().entries())
                out.append(py::make_tuple(e.name, e.summary, bool(e.open)));
            return out;
        },
        "[(name, summary, has_loss)]: the registered devices");
    m.def(
        "fit",
        [](py::handle spec, py::handle base_dir) {
            return to_python(nais_python::fit(spec_of(spec), directory_of(base_dir)));
        },
        py::arg("spec"), py::arg("base_dir") = py::none(),
        "nais-fit in-process: the calibrated latency model fitted to the spec's measured networks, and on its test "
        "rows the agreement of the model and of the two baselines (the document nais-fit --json prints, with "
        "\"predictions\")");
    const auto tool = [&m](const char* name, nlohmann::json (*run)(const nlohmann::json&, const std::string&), const char* doc) {
        m.def(
            name,
            [run](py::handle spec, py::handle base_dir) {
                const nlohmann::json j = spec_of(spec);
                const std::string dir = directory_of(base_dir);
                nlohmann::json result;
                {
                    py::gil_scoped_release unlocked;  // the tools touch no Python object: other threads run meanwhile
                    result = run(j, dir);
                }
                return to_python(result);
            },
            py::arg("spec"), py::arg("base_dir") = py::none(), doc);
    };
    tool("bundle", &nais_python::bundle,
         "nais-bundle in-process: the spec as a dict (\"evaluate\", \"bundles\", \"grow\" tasks), the document as a dict");
    tool("hotnas", &nais_python::hotnas,
         "nais-hotnas in-process: the spec as a dict (the exact design, a hot start with \"target_ms\"), the document as a dict");
    tool("sweep", &nais_python::sweep,
         "nais-sweep in-process: the spec as a dict (nais-eval's space keys and \"sweep\"), the document nais-sweep "
         "--json prints as a dict (the front and the sample with each point's design)");
    tool("map", &nais_python::map,
         "nais-map in-process: the spec as a dict (a workload on a platform, H2H's steps), the document as a dict");
    m.def(
        "network_of",
        [](py::handle spec, const std::vector<int>& choice, py::handle base_dir) {
            return to_python(nais_python::network_of(spec_of(spec), choice, directory_of(base_dir)));
        },
        py::arg("spec"), py::arg("choice"), py::arg("base_dir") = py::none(),
        "the network description of one op index per searchable block of the spec's \"space\" (nais-net --choice --export)");
    m.def(
        "analyze", [](py::handle network) { return to_python(nais_python::analyze(spec_of(network))); },
        py::arg("network"), "nais-net --json in-process: a network description (dict) analysed layer by layer");
    m.def(
        "signatures",
        [](py::handle spec, py::handle base_dir) { return nais_python::signatures(spec_of(spec), directory_of(base_dir)); },
        py::arg("spec"), py::arg("base_dir") = py::none(),
        "nais-net --signatures in-process: the op signatures a GPU table needs for the spec's \"space\" (and \"bits\")");
    py::class_<py_session>(m, "Session")
        .def(py::init<py::handle, py::handle>(), py::arg("spec"), py::arg("base_dir") = py::none())
        .def_property_readonly("variables", &py_session::variables,
                               "[(name, shape, sampled)]: theta first, then the device's groups")
        .def_property_readonly("has_resources", &py_session::has_resources)
        .def_property_readonly("searchable_rows", &py_session::searchable_rows,
                               "the rows of theta that choose (two or more candidates; not a space's fixed stem and head rows)")
        .def("set_variable", &py_session::set_variable, py::arg("name"), py::arg("value"),
             "sets a variable (a float64 array shaped as `variables` says)")
        .def("set_noise", &py_session::set_noise, py::arg("name"), py::arg("value"),
             "sets a sampled variable's Gumbel noise (shaped as the variable)")
        .def(
            "variable", [](const py_session& s, const std::string& n) { return s.get(n, &nais_eval::session::get_variable); },
            py::arg("name"), "a variable's current value")
        .def(
            "noise", [](const py_session& s, const std::string& n) { return s.get(n, &nais_eval::session::get_noise); },
            py::arg("name"), "a sampled variable's current Gumbel noise")
        .def(
            "gradient",
            [](const py_session& s, const std::string& n) { return s.get(n, &nais_eval::session::get_gradient, true); },
            py::arg("name"), "dL / d(variable) of the last evaluate()")
        .def(
            "probabilities",
            [](const py_session& s, const std::string& n) { return s.get(n, &nais_eval::session::get_probabilities, true); },
            py::arg("name"), "a sampled variable's Gumbel-softmax sample of the last evaluate()")
        .def(
            "grad_probabilities",
            [](const py_session& s, const std::string& n) {
                return s.get(n, &nais_eval::session::get_grad_probabilities, true);
            },
            py::arg("name"), "dL / d(the Gumbel-softmax sample) of the last evaluate()")
        .def("set_parameter", &py_session::set_parameter, py::arg("name"), py::arg("value"),
             "sets tau, hard (0/1), alpha, acc_loss, beta, C or res_ub")
        .def("parameter", &py_session::parameter, py::arg("name"), "tau, hard (0/1), alpha, acc_loss, beta, C or res_ub")
        .def("evaluate", &py_session::evaluate,
             "Eq. 1 and every gradient at the current variables and noise: {loss, perf_loss, res, penalty, grad_acc_loss, "
             "perf_blocks}")
        .def("evaluate_at", &py_session::evaluate_at, py::arg("values"), py::arg("noise"), py::arg("acc_loss"),
             "every variable (float64 arrays in `variables` order), each sampled one's noise (None keeps it), acc_loss, "
             "then one evaluate(): (loss, perf_loss, res, penalty) as 0-d arrays, grad_acc_loss, perf_blocks, "
             "[dL / d(variable)] (nais.torch.HardwareLoss's one call per forward)")
        .def("co_search", &py_session::co_search, py::arg("accuracy") = py::none(), py::arg("steps") = 100,
             py::arg("seed") = 1, py::arg("schedule") = "exponential", py::arg("tau0") = 5.0, py::arg("tau_min") = 0.5,
             py::arg("learning_rate") = py::dict(), py::arg("hard") = false, py::arg("sample_noise") = true,
             py::arg("normalize_performance") = true, py::arg("relative_smoothness") = 0.1, py::arg("bounds") = py::dict(),
             "EDD Sec. 5's co-search in C++ from the starting point of initialize_search: per step the temperature "
             "(schedule: constant tau0, or exponential / cosine from tau0 to tau_min over the steps), fresh Gumbel noise "
             "(seeded), the sample, accuracy(step, tau, {name: sample}) -> Acc_loss or (Acc_loss, {name: d Acc_loss / "
             "d sample}) (None: Acc_loss = 1), Eq. 1's gradient by the product rule, one Adam update (learning_rate: "
             "{arch, quant, impl}, 0.05 each by default), continuous variables projected onto their bounds. Leaves the "
             "searched variables in the session (design() derives them); returns the curve [{step, tau, loss, acc_loss, "
             "perf_loss, res, penalty}]")
        .def("initialize_search", &py_session::initialize_search, py::arg("normalize_performance") = true,
             py::arg("relative_smoothness") = 0.1, py::arg("bounds") = py::dict(),
             "EDD Sec. 5's starting point, the one nais's C++ co_search starts from: zero logits and noise, continuous "
             "variables at the device model's initial values (FPGA: pf = log2(RES_ub / #IPs)) within their bounds "
             "(`bounds`: {group: (min, max)}, default the model's), the model's own preparation (the pipelined FPGA's "
             "smooth maximum at `relative_smoothness` of the initial scale; <= 0 keeps the spec's), and alpha set so "
             "that Perf_loss = 1 (normalize_performance). Returns alpha.")
        .def("derived_ops", &py_session::derived_ops, "the derived op per block (argmax of theta)")
        .def("design", &py_session::design, py::arg("clock_mhz") = 200.0,
             "the derived design, evaluated exactly (FPGA: and its pf re-tuned exactly under res_ub)");
}
