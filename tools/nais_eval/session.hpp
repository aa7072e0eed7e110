// A composed loss built once from a nais-eval spec and evaluated many times with new variable
// values: what the Python module's HardwareLoss and expected_cost call (one spec, many steps).
// Kept out of the core headers (it erases the loss's type behind a virtual interface so one
// binding serves every device; the core itself has no virtual call).
#pragma once
#include <nais/nais.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace nais_eval {

/// One variable as a spec (and a Python user) shapes it: theta is N x M; a sampled group is
/// [layout rows] x [layout cols] x Q with the layout's dimensions that are 1 for every space
/// dropped (network-wide: [Q]; per op type: [M, Q]; per (block, op): [N, M, Q]); a continuous
/// group is its rows x cols with a compile-time 1 dropped (recursive pf: [M]).
struct variable_info {
    std::string name;
    std::vector<std::size_t> shape;
    bool sampled = false;
};

/// What a session returns after evaluate() (EDD Eq. 1 and its terms).
struct session_result {
    double loss = 0, perf_loss = 0, res = 0, penalty = 0, grad_acc_loss = 0;
    std::vector<double> perf_blocks;  ///< per-block performance (empty where the device has none)
};

/// A composed loss behind one interface. Arrays cross it flat, in the spec's row-major order.
class session {
public:
    virtual ~session() = default;
    /// theta first, then the device's groups in the loss's order.
    virtual const std::vector<variable_info>& variables() const = 0;
    virtual bool has_resources() const = 0;
    /// Sets variable k from `values` (row-major over variables()[k].shape).
    virtual void set_variable(std::size_t k, const double* values) = 0;
    /// Sets the Gumbel noise of sampled variable k (theta or a sampled group).
    virtual void set_noise(std::size_t k, const double* values) = 0;
    virtual void get_variable(std::size_t k, double* out) const = 0;
    virtual void get_noise(std::size_t k, double* out) const = 0;
    /// dL / d(variable k) after evaluate().
    virtual void get_gradient(std::size_t k, double* out) const = 0;
    /// The Gumbel-softmax sample of sampled variable k, and dL / d(that sample), after evaluate().
    virtual void get_probabilities(std::size_t k, double* out) const = 0;
    virtual void get_grad_probabilities(std::size_t k, double* out) const = 0;
    /// The scalar parameters every loss has: tau, hard (0/1), alpha, acc_loss, beta, C, res_ub.
    virtual void set_parameter(const std::string& name, double v) = 0;
    virtual double parameter(const std::string& name) const = 0;
    /// Validates, evaluates the loss and all gradients (nais::invalid_argument on bad values).
    virtual session_result evaluate() = 0;
    /// The derived ops (argmax of theta per block).
    virtual std::vector<int> derived_ops() const = 0;
    /// The discrete design the current variables stand for (EDD Sec. 5), evaluated exactly at a
    /// clock (MHz); the FPGA devices add its exactly re-tuned parallel factors. See README.
    virtual nlohmann::json design(double clock_mhz) const = 0;
};

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

template <class Array>
void read_spec_order(Array& a, const layout& lay, const double* in) {
    for_each_spec_index(lay, [&](Eigen::Index r, Eigen::Index c) { a(r, c) = static_cast<typename Array::Scalar>(*in++); });
}
template <class Array>
void write_spec_order(const Array& a, const layout& lay, double* out) {
    for_each_spec_index(lay, [&](Eigen::Index r, Eigen::Index c) { *out++ = static_cast<double>(a(r, c)); });
}

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
class session_impl final : public session {
public:
    /// `keys`: the spec's names of the device's groups, where they differ from the tags' names.
    using reporter = std::function<nlohmann::json(const Loss&, double clock_mhz)>;
    explicit session_impl(std::unique_ptr<Loss> l, reporter report, const std::vector<std::string>& keys = {})
        : l_(std::move(l)), report_(std::move(report)) {
        layouts_.push_back({{std::size_t(l_->num_blocks()), std::size_t(l_->num_ops())}, 1, false, false});
        info_.push_back({"theta", layouts_.back().shape, true});
        l_->for_each_group([&](auto g, auto&, auto&) {
            using G = decltype(g);
            layouts_.push_back(layout_of<G>(*l_));
            const std::size_t k = info_.size() - 1;
            info_.push_back({k < keys.size() ? keys[k] : G::tag::name, layouts_.back().shape, G::is_sampled});
        });
    }
    const std::vector<variable_info>& variables() const override { return info_; }
    bool has_resources() const override { return Loss::has_resources; }

    void set_variable(std::size_t k, const double* v) override {
        with(k, [&](auto& value, auto, auto&, auto&, auto&, const layout& lay) { read_spec_order(value, lay, v); });
    }
    void set_noise(std::size_t k, const double* v) override {
        with(k, [&](auto&, auto noise, auto&, auto&, auto&, const layout& lay) {
            if constexpr (!std::is_same_v<decltype(noise), std::nullptr_t>)
                read_spec_order(*noise, lay, v);
        });
    }
    void get_variable(std::size_t k, double* out) const override {
        with(k, [&](auto& value, auto, auto&, auto&, auto&, const layout& lay) { write_spec_order(value, lay, out); });
    }
    void get_noise(std::size_t k, double* out) const override {
        with(k, [&](auto&, auto noise, auto&, auto&, auto&, const layout& lay) {
            if constexpr (!std::is_same_v<decltype(noise), std::nullptr_t>)
                write_spec_order(*noise, lay, out);
        });
    }
    void get_gradient(std::size_t k, double* out) const override {
        with(k, [&](auto&, auto, auto& grad, auto&, auto&, const layout& lay) { write_spec_order(grad, lay, out); });
    }
    void get_probabilities(std::size_t k, double* out) const override {
        with(k, [&](auto&, auto, auto&, auto& probs, auto&, const layout& lay) { write_spec_order(probs, lay, out); });
    }
    void get_grad_probabilities(std::size_t k, double* out) const override {
        with(k, [&](auto&, auto, auto&, auto&, auto& adj, const layout& lay) { write_spec_order(adj, lay, out); });
    }

    void set_parameter(const std::string& name, double v) override {
        if (name == "hard")
            l_->params().hard = v != 0;
        else
            *parameter_ref(name) = static_cast<typename Loss::scalar_type>(v);
    }
    double parameter(const std::string& name) const override {
        if (name == "hard")
            return l_->params().hard ? 1 : 0;
        return double(*parameter_ref(name));
    }

    session_result evaluate() override {
        session_result r;
        r.loss = double(l_->evaluate());
        r.perf_loss = double(l_->perf_loss());
        r.res = double(l_->res());
        r.penalty = double(l_->penalty());
        r.grad_acc_loss = double(l_->grad_acc_loss());
        if constexpr (requires(const Loss& x) { x.perf_blocks(); }) {
            const auto& b = l_->perf_blocks();
            r.perf_blocks.assign(b.data(), b.data() + b.size());
        }
        return r;
    }
    std::vector<int> derived_ops() const override { return l_->derived_ops(); }
    nlohmann::json design(double clock_mhz) const override { return report_(*l_, clock_mhz); }

private:
    /// Calls f(value, noise* or nullptr, gradient, probabilities, d/d probabilities, layout) for
    /// variable k. Probabilities of a continuous group are its values (and adjoint its gradient).
    template <class F>
    void with(std::size_t k, F&& f) const {
        auto& l = *l_;
        if (k == 0) {
            f(l.theta(), &l.theta_noise(), l.grad_theta(), l.arch_probabilities(), l.grad_arch_probabilities(),
              layouts_[0]);
            return;
        }
        std::size_t i = 1;
        l.for_each_group([&](auto g, auto&, auto&) {
            using G = decltype(g);
            using tag = typename G::tag;
            if (i++ != k)
                return;
            if constexpr (G::is_sampled)
                f(l.variable(tag{}), &l.noise(tag{}), l.gradient(tag{}), l.probabilities(tag{}),
                  l.grad_probabilities(tag{}), layouts_[k]);
            else
                f(l.variable(tag{}), nullptr, l.gradient(tag{}), l.variable(tag{}), l.gradient(tag{}), layouts_[k]);
        });
    }

    typename Loss::scalar_type* parameter_ref(const std::string& name) const {
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

    std::unique_ptr<Loss> l_;  // nais::loss is neither copyable nor movable
    reporter report_;
    std::vector<layout> layouts_;
    std::vector<variable_info> info_;
};

/// A session over a composed loss built by a device's spec reader; `report(loss, clock_mhz)`
/// derives and evaluates its discrete design.
template <class Loss, class Report>
std::unique_ptr<session> make_session(std::unique_ptr<Loss> l, Report report, const std::vector<std::string>& keys = {}) {
    return std::make_unique<session_impl<Loss>>(std::move(l), std::move(report), keys);
}

}  // namespace detail

}  // namespace nais_eval
