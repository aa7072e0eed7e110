// nais_eval::session over any composed loss nais::loss<Model> (see session.hpp).
#pragma once
#include "session.hpp"

#include <nais/core.hpp>
#include <nais/search/start.hpp>

#include <cmath>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace nais_eval {

namespace detail {

/// How a variable's spec (row-major) index maps to its (row, col) in the loss's array.
struct layout {
    std::vector<std::size_t> shape;  ///< the spec's shape
    Eigen::Index layout_rows = 1;    ///< a sampled group: rows of its sharing layout (group = a + rows * b)
    bool sampled_group = false;
    bool transposed_vector = false;  ///< a continuous 1 x n row given as [n]
};

/// Calls visit(row, col) for the loss array's element of each spec index, in row-major order.
template <class Visit>
void for_each_spec_index(const layout& lay, Visit&& visit) {
    const auto& s = lay.shape;
    if (lay.sampled_group) {  // [..layout dims..] x Q; the layout's groups are numbered column-major
        std::size_t groups = 1;
        for (std::size_t d = 0; d + 1 < s.size(); ++d)
            groups *= s[d];
        const std::size_t cols = s.size() == 3 ? s[1] : 1;
        for (std::size_t g = 0; g < groups; ++g) {
            // two layout dims: spec (a, b) -> group a + layout_rows * b; one or none: group g
            const Eigen::Index row = s.size() == 3 ? Eigen::Index(g / cols) + lay.layout_rows * Eigen::Index(g % cols)
                                                   : Eigen::Index(g);
            for (std::size_t j = 0; j < s.back(); ++j)
                visit(row, Eigen::Index(j));
        }
    } else if (s.size() == 1) {
        for (std::size_t i = 0; i < s[0]; ++i)
            lay.transposed_vector ? visit(0, Eigen::Index(i)) : visit(Eigen::Index(i), 0);
    } else {
        for (std::size_t i = 0; i < s[0]; ++i)
            for (std::size_t j = 0; j < s[1]; ++j)
                visit(Eigen::Index(i), Eigen::Index(j));
    }
}

/// One variable's arrays inside the loss (double, sized once, so their storage never moves),
/// and where each spec (row-major) index lives in them.
struct variable_arrays {
    double* value = nullptr;
    double* noise = nullptr;  ///< nullptr for a continuous group
    const double* grad = nullptr;
    const double* probs = nullptr;    ///< the Gumbel-softmax sample (a continuous group: its values)
    const double* adjoint = nullptr;  ///< dL / d(sample) (a continuous group: its gradient)
    std::vector<std::size_t> offset;  ///< storage offset of each spec index
    Eigen::Index rows = 0, cols = 0;  ///< the array's shape and order: a search fills noise in
    bool row_major = false;           ///< nais::gumbel_generator::fill's (col, row) order
};

template <class Array>
std::vector<std::size_t> storage_offsets(const Array& a, const layout& lay) {
    std::vector<std::size_t> out;
    for_each_spec_index(lay, [&](Eigen::Index r, Eigen::Index c) {
        out.push_back(static_cast<std::size_t>(Array::IsRowMajor ? r * a.cols() + c : r + c * a.rows()));
    });
    return out;
}

/// A variable's arrays: value, noise (nullptr: continuous), gradient, sample, its adjoint.
template <class Array>
variable_arrays arrays_of(Array& value, double* noise, const double* grad, const double* probs, const double* adjoint,
                          const layout& lay) {
    return {value.data(), noise, grad, probs, adjoint, storage_offsets(value, lay), value.rows(), value.cols(), bool(Array::IsRowMajor)};
}

/// Every array access of a session, on the arrays' storage: the part of a session that does not
/// depend on the loss's type (compiled once, whatever the device).
class session_arrays : public session {
public:
    const std::vector<variable_info>& variables() const override { return info_; }
    void set_variable(std::size_t k, const double* v) override { copy_in(arrays_[k].value, k, v); }
    void set_noise(std::size_t k, const double* v) override {
        if (arrays_[k].noise)
            copy_in(arrays_[k].noise, k, v);
    }
    void get_variable(std::size_t k, double* out) const override { copy_out(arrays_[k].value, k, out); }
    void get_noise(std::size_t k, double* out) const override {
        if (arrays_[k].noise)
            copy_out(arrays_[k].noise, k, out);
    }
    void get_gradient(std::size_t k, double* out) const override { copy_out(arrays_[k].grad, k, out); }
    void get_probabilities(std::size_t k, double* out) const override { copy_out(arrays_[k].probs, k, out); }
    void get_grad_probabilities(std::size_t k, double* out) const override { copy_out(arrays_[k].adjoint, k, out); }
    /// EDD Sec. 5's search on these arrays (session_search.cpp: compiled once, whatever the device).
    std::vector<search_step> co_search(const search_settings& settings, const accuracy_callback& accuracy) override;

protected:
    /// The loss and every sample, without gradients (what the accuracy callback sees).
    virtual void forward() = 0;
    void copy_in(double* a, std::size_t k, const double* v) {
        for (std::size_t i = 0; i < arrays_[k].offset.size(); ++i)
            a[arrays_[k].offset[i]] = v[i];
    }
    void copy_out(const double* a, std::size_t k, double* out) const {
        for (std::size_t i = 0; i < arrays_[k].offset.size(); ++i)
            out[i] = a[arrays_[k].offset[i]];
    }
    std::vector<variable_info> info_;
    std::vector<variable_arrays> arrays_;
    struct bounds {
        double min = -HUGE_VAL, max = HUGE_VAL;
    };
    std::vector<bounds> bounds_;  ///< each variable's, from the last initialize_search (continuous groups)
};

template <class G, class Loss>
layout layout_of(const Loss& l) {
    using A = typename G::array_type;
    const auto& v = l.variable(typename G::tag{});
    layout lay;
    if constexpr (G::is_sampled) {
        using rule = typename G::sharing_rule;
        // a layout dimension is kept unless the rule makes it 1 for every space (probe 2 x 3)
        const Eigen::Index n = l.num_blocks(), m = l.num_ops();
        const bool keep_rows = rule::rows(2, 3) != 1, keep_cols = rule::cols(2, 3) != 1;
        lay.sampled_group = true;
        lay.layout_rows = rule::rows(n, m);
        if (keep_rows)
            lay.shape.push_back(std::size_t(rule::rows(n, m)));
        if (keep_cols)
            lay.shape.push_back(std::size_t(rule::cols(n, m)));
        lay.shape.push_back(std::size_t(v.cols()));
    } else if constexpr (A::ColsAtCompileTime == 1) {
        lay.shape = {std::size_t(v.rows())};
    } else if constexpr (A::RowsAtCompileTime == 1) {
        lay.shape = {std::size_t(v.cols())};
        lay.transposed_vector = true;
    } else {
        lay.shape = {std::size_t(v.rows()), std::size_t(v.cols())};
    }
    return lay;
}

template <class Loss>
class session_impl final : public session_arrays {
    static_assert(std::is_same_v<typename Loss::scalar_type, double>, "nais_eval::session: double losses only");

public:
    using designer = std::function<nlohmann::json(const Loss&, double clock_mhz)>;
    using reporter = std::function<void(const Loss&, nlohmann::json& out)>;
    /// `design`: the derived design, exactly evaluated; `report`: nais-eval's extra outputs (may
    /// be empty); `keys`: the spec's names of the device's groups, where they differ from the
    /// tags' names.
    session_impl(std::unique_ptr<Loss> l, designer design, reporter report, const std::vector<std::string>& keys = {})
        : l_(std::move(l)), design_(std::move(design)), report_(std::move(report)) {
        Loss& x = *l_;
        const layout theta_layout{{std::size_t(x.num_blocks()), std::size_t(x.num_ops())}, 1, false, false};
        info_.push_back({"theta", theta_layout.shape, true, false});
        arrays_.push_back(arrays_of(x.theta(), x.theta_noise().data(), x.grad_theta().data(), x.arch_probabilities().data(),
                                    x.grad_arch_probabilities().data(), theta_layout));
        x.for_each_group([&](auto g, auto& value, auto& grad) {
            using G = decltype(g);
            using tag = typename G::tag;
            const layout lay = layout_of<G>(x);
            const std::size_t k = info_.size() - 1;
            info_.push_back({k < keys.size() ? keys[k] : G::tag::name, lay.shape, G::is_sampled,
                             G::role == nais::variable_role::quantization});
            if constexpr (G::is_sampled)
                arrays_.push_back(arrays_of(value, x.noise(tag{}).data(), grad.data(), x.probabilities(tag{}).data(),
                                            x.grad_probabilities(tag{}).data(), lay));
            else
                arrays_.push_back(arrays_of(value, nullptr, grad.data(), value.data(), grad.data(), lay));
        });
        bounds_.resize(info_.size());
    }
    bool has_resources() const override { return Loss::has_resources; }

    void set_parameter(const std::string& name, double v) override {
        double* p = name == "hard" ? nullptr : parameter_ref(name);  // refuses an unknown name first
        if (!std::isfinite(v))  // refused before it is stored: a refused call leaves the session as it was
            nais::detail::fail("parameter '", name, "' = ", v, ": expected a finite number");
        if (p)
            *p = v;
        else
            l_->params().hard = v != 0;
    }
    double parameter(const std::string& name) const override {
        if (name == "hard")
            return l_->params().hard ? 1 : 0;
        return *parameter_ref(name);
    }

    session_result evaluate() override {
        session_result r;
        r.loss = l_->evaluate();
        r.perf_loss = l_->perf_loss();
        r.res = l_->res();
        r.penalty = l_->penalty();
        r.grad_acc_loss = l_->grad_acc_loss();
        if constexpr (requires(const Loss& x) { x.perf_blocks(); }) {
            const auto& b = l_->perf_blocks();
            r.perf_blocks.assign(b.data(), b.data() + b.size());
        }
        return r;
    }
    double initialize_search(const start_settings& settings) override {
        nais::search::start_options<double> o;
        o.normalize_performance = settings.normalize_performance;
        o.relative_smoothness = settings.relative_smoothness > 0 ? std::optional<double>(settings.relative_smoothness)
                                                                 : std::nullopt;
        for (const auto& b : settings.group_bounds)
            o.bounds.push_back({b.group, {b.min, b.max}});
        nais::search::search_start<Loss> start(*l_, std::move(o));
        const double alpha = start.apply();
        std::size_t k = 0;  // the bounds a search projects the continuous groups onto
        l_->for_each_group([&](auto g, auto&, auto&) {
            ++k;
            if constexpr (!decltype(g)::is_sampled) {
                const nais::interval b = start.bounds(typename decltype(g)::tag{});
                bounds_[k] = {b.min, b.max};
            }
        });
        return alpha;
    }
    std::vector<int> derived_ops() const override { return l_->derived_ops(); }
    std::vector<int> searchable_rows() const override {
        const auto& offsets = l_->theta_offsets();  // 0 for a candidate, -infinity for a cell not offered
        std::vector<int> rows;
        for (Eigen::Index i = 0; i < offsets.rows(); ++i)
            if (offsets.row(i).isFinite().count() >= 2)
                rows.push_back(int(i));
        return rows;
    }
    nlohmann::json design(double clock_mhz) const override { return design_(*l_, clock_mhz); }
    void add_report(nlohmann::json& out) const override {
        if (report_)
            report_(*l_, out);
    }
    /// The composed loss itself (for the device's reader).
    Loss& loss() { return *l_; }

protected:
    void forward() override { l_->forward(); }

private:
    double* parameter_ref(const std::string& name) const {
        auto& p = l_->params();
        if (name == "tau")
            return &p.tau;
        if (name == "alpha")
            return &p.alpha;
        if (name == "acc_loss")
            return &p.acc_loss;
        if (name == "beta")
            return &p.beta;
        if (name == "C")
            return &p.C;
        if (name == "res_ub")
            return &p.res_ub;
        nais::detail::fail("parameter '", name, "': expected tau, hard, alpha, acc_loss, beta, C or res_ub");
    }

    std::unique_ptr<Loss> l_;  // nais::loss is neither copyable nor movable: its arrays stay put
    designer design_;
    reporter report_;
};

}  // namespace detail

}  // namespace nais_eval
