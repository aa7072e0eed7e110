// The Python extension's calls into the device registry (calls.hpp): no nais header here, the
// registry dispatches to the readers compiled in nais_eval_lib.
#include "calls.hpp"

#include <nais_eval/bundle_reader.hpp>
#include <nais_eval/calibrated_reader.hpp>
#include <nais_eval/map_reader.hpp>
#include <nais_eval/registry.hpp>
#include <nais_eval/tiled_reader.hpp>
#include <nais_sweep/sweep_run.hpp>

namespace nais_python {

static_assert(max_depth == nais_json::max_depth, "the Python reader's nesting limit is nais's");

namespace {

/// Runs f; nais-eval's refusals (and a session's refusal of a value, which the registry's
/// readers report as spec_error or std::invalid_argument) become nais_python::refusal.
template <class F>
auto refusing(F&& f) {
    try {
        return f();
    } catch (const nais_json::spec_error& e) {
        throw refusal(e.what());
    } catch (const std::invalid_argument& e) {  // nais::invalid_argument is one
        throw refusal(e.what());
    }
}

class guarded_session final : public nais_eval::session {
public:
    explicit guarded_session(std::unique_ptr<nais_eval::session> s) : s_(std::move(s)) {}
    const std::vector<nais_eval::variable_info>& variables() const override { return s_->variables(); }
    bool has_resources() const override { return s_->has_resources(); }
    void set_variable(std::size_t k, const double* v) override { s_->set_variable(k, v); }
    void set_noise(std::size_t k, const double* v) override { s_->set_noise(k, v); }
    void get_variable(std::size_t k, double* out) const override { s_->get_variable(k, out); }
    void get_noise(std::size_t k, double* out) const override { s_->get_noise(k, out); }
    void get_gradient(std::size_t k, double* out) const override { s_->get_gradient(k, out); }
    void get_probabilities(std::size_t k, double* out) const override { s_->get_probabilities(k, out); }
    void get_grad_probabilities(std::size_t k, double* out) const override { s_->get_grad_probabilities(k, out); }
    void set_parameter(const std::string& name, double v) override {
        refusing([&] { s_->set_parameter(name, v); });
    }
    double parameter(const std::string& name) const override {
        return refusing([&] { return s_->parameter(name); });
    }
    nais_eval::session_result evaluate() override {
        return refusing([&] { return s_->evaluate(); });
    }
    double initialize_search(const nais_eval::start_settings& settings) override {
        return refusing([&] { return s_->initialize_search(settings); });
    }
    std::vector<nais_eval::search_step> co_search(const nais_eval::search_settings& settings,
                                                  const nais_eval::accuracy_callback& accuracy) override {
        return refusing([&] { return s_->co_search(settings, accuracy); });
    }
    std::vector<int> derived_ops() const override { return s_->derived_ops(); }
    std::vector<int> searchable_rows() const override { return s_->searchable_rows(); }
    void add_report(nlohmann::json& out) const override {
        refusing([&] { s_->add_report(out); });
    }
    nlohmann::json design(double clock_mhz) const override {
        return refusing([&] { return s_->design(clock_mhz); });
    }

private:
    std::unique_ptr<nais_eval::session> s_;
};

}  // namespace

nlohmann::json evaluate(const nlohmann::json& spec, const std::string& base_dir) {
    return refusing([&] { return nais_eval::evaluate_spec(spec, base_dir); });
}

std::unique_ptr<nais_eval::session> open_session(const nlohmann::json& spec, const std::string& base_dir) {
    return refusing([&]() -> std::unique_ptr<nais_eval::session> {
        return std::make_unique<guarded_session>(nais_eval::open_session(spec, base_dir));
    });
}

nlohmann::json fit(const nlohmann::json& spec, const std::string& base_dir) {
    return refusing([&] { return nais_eval::run_fit(spec, base_dir); });
}

// the tools read their spec from text (a file or standard input): the dict is that text
nlohmann::json bundle(const nlohmann::json& spec, const std::string& base_dir) {
    return refusing([&] { return nais_eval::run_bundle(nais_eval::read_bundle_text(spec.dump(), base_dir)); });
}

nlohmann::json hotnas(const nlohmann::json& spec, const std::string& base_dir) {
    return refusing([&] { return nais_eval::run_hotnas(nais_eval::read_hotnas_text(spec.dump(), base_dir)); });
}

nlohmann::json map(const nlohmann::json& spec, const std::string& base_dir) {
    return refusing([&] { return nais_eval::run_map(nais_eval::read_map_text(spec.dump(), base_dir)); });
}

nlohmann::json sweep(const nlohmann::json& spec, const std::string& base_dir) {
    return refusing([&] { return nais_sweep::run_sweep_spec(spec, base_dir); });
}

}  // namespace nais_python
