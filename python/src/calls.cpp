// The Python extension's calls into nais-eval's readers (calls.hpp).
#include "calls.hpp"

#include <nais_eval/eval_spec.hpp>

namespace nais_python {

static_assert(max_depth == nais_json::max_depth, "the Python reader's nesting limit is nais's");

namespace {

/// Runs f; nais-eval's and the library's refusals become nais_python::refusal.
template <class F>
auto refusing(F&& f) {
    try {
        return f();
    } catch (const nais_json::spec_error& e) {
        throw refusal(e.what());
    } catch (const nais::invalid_argument& e) {
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
    std::vector<int> derived_ops() const override { return s_->derived_ops(); }
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

std::vector<std::string> signatures(const nlohmann::json& spec, const std::string& base_dir) {
    return refusing([&] {
        return nais::gpu::required_signatures(nais_eval::detail::read_layered_space_key(spec, base_dir));
    });
}

nlohmann::json analyze(const nlohmann::json& network) {
    return refusing([&] {
        const nais::net::network n = nais_net::read_network(network);
        return nais_net::report_json(n, nais::net::analyze(n));
    });
}

}  // namespace nais_python
