#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/argmax.hpp>
#include <nais/detail/error.hpp>
#include <nais/expr/arithmetic.hpp>
#include <nais/expr/leaf.hpp>
#include <nais/loss/budget_penalty.hpp>
#include <nais/loss/device_model.hpp>
#include <nais/loss/logits.hpp>
#include <nais/sampling/gumbel_softmax.hpp>

#include <boost/hana/concat.hpp>
#include <boost/hana/flatten.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/transform.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/unpack.hpp>

#include <Eigen/Core>

#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace nais {

/// The scalar settings of every composed loss (EDD Eq. 1), plus the device model's own
/// (DeviceParameters, e.g. the pipelined FPGA's lse_smoothness). They may change between
/// evaluations. beta, C and res_ub are used only by devices with a resource term.
template <class T, class DeviceParameters>
struct loss_parameters : DeviceParameters {
    T tau = 1;          ///< Gumbel-softmax temperature, > 0
    bool hard = false;  ///< straight-through (hard) sampling
    T alpha = 1;        ///< Perf_loss = alpha * (the device's performance), >= 0
    T acc_loss = 1;     ///< Acc_loss value from the user's supernet (Eq. 1)
    T beta = 1;         ///< penalty weight (Eq. 1), >= 0
    T C = T(1.01);      ///< penalty base (Eq. 1), > 1
    T res_ub = std::numeric_limits<T>::quiet_NaN();  ///< resource budget RES_ub (Eq. 1): must be set, >= 0
};

namespace detail {

template <class G, bool Sampled = G::is_sampled>
struct group_storage;

/// A sampled group: logits, noise, gradient and the placeholder of its Gumbel-softmax sample.
template <class G>
struct group_storage<G, true> {
    using array_type = typename G::array_type;
    static constexpr bool is_sampled = true;
    explicit group_storage(group_shape s) : x(s.rows, s.cols), probs(s.rows, s.cols) {
        probs.value.setZero();  // defined values (they are moved into the loss's tuple)
        probs.adjoint.setZero();
    }
    logits<array_type> x;
    expr::placeholder<array_type> probs;
    array_type& value() noexcept { return x.value; }
    const array_type& value() const noexcept { return x.value; }
    array_type& grad() noexcept { return x.grad; }
    const array_type& grad() const noexcept { return x.grad; }
};

/// A continuous group: value and gradient.
template <class G>
struct group_storage<G, false> {
    using array_type = typename G::array_type;
    static constexpr bool is_sampled = false;
    explicit group_storage(group_shape s) : x(array_type::Zero(s.rows, s.cols)), g(array_type::Zero(s.rows, s.cols)) {}
    array_type x, g;
    array_type& value() noexcept { return x; }
    const array_type& value() const noexcept { return x; }
    array_type& grad() noexcept { return g; }
    const array_type& grad() const noexcept { return g; }
};

template <class Vars>
struct group_tuple;
template <class... G>
struct group_tuple<variables<G...>> {
    using type = boost::hana::tuple<group_storage<G>...>;
    template <class Tag>
    static constexpr std::size_t index_of() {
        constexpr bool match[] = {std::is_same_v<Tag, typename G::tag>..., false};
        std::size_t k = 0;
        while (k < sizeof...(G) && !match[k])
            ++k;
        return k;
    }
    template <class Model>
    static type make(const Model& m) {
        return type(group_storage<G>(m.shape(typename G::tag{}))...);
    }
};

/// Everything a composed loss owns, sized once; the program refers into it.
template <class Model>
struct loss_storage {
    using T = typename Model::scalar_type;
    using S = typename Model::space_type;
    using groups_info = group_tuple<typename Model::variables>;
    static constexpr int N = S::blocks_at_compile_time, M = S::ops_at_compile_time;
    using theta_type = Eigen::Array<T, N, M>;
    using params_type = loss_parameters<T, typename Model::parameters>;

    template <class... Args>
    loss_storage(const S& space, Args&&... args)
        : model(space, std::forward<Args>(args)...),
          theta(space.num_blocks(), space.num_ops()),
          groups(groups_info::make(model)),
          arch(space.num_blocks(), space.num_ops()),
          theta_offsets(availability_offsets<T>(space)),
          some_unavailable(!theta_offsets.isFinite().all()),
          n_bits(space.num_bits()) {}

    params_type params;
    Model model;
    logits<theta_type> theta;
    typename groups_info::type groups;
    T grad_acc = 0;
    expr::placeholder<theta_type> arch;
    expr::placeholder<T> perf, res, penalty;
    theta_type theta_offsets;  ///< 0 for a candidate, -infinity for a cell the space does not offer
    bool some_unavailable;
    int n_bits;
};

}  // namespace detail

/// What a device model's program() is handed: leaves and sampled probabilities of the
/// variables, and the parameters, all views into the loss that owns them.
template <class Storage>
class bindings {
public:
    explicit bindings(Storage& s) noexcept : s_(&s) {}
    /// The Gumbel-softmax sample of theta (op probabilities), N x M.
    auto arch() noexcept { return s_->arch.ref(); }
    /// The Gumbel-softmax sample of a sampled group.
    template <class Tag>
    auto probabilities(Tag) noexcept {
        auto& g = boost::hana::at_c<Storage::groups_info::template index_of<Tag>()>(s_->groups);
        return g.probs.ref();
    }
    /// A leaf over a continuous group (its gradient lands in the loss).
    template <class Tag>
    auto variable(Tag) noexcept {
        auto& g = boost::hana::at_c<Storage::groups_info::template index_of<Tag>()>(s_->groups);
        return expr::variable(g.x, g.g);
    }
    const typename Storage::params_type& params() const noexcept { return s_->params; }
    Eigen::Index num_blocks() const noexcept { return s_->theta.value.rows(); }
    Eigen::Index num_ops() const noexcept { return s_->theta.value.cols(); }
    Eigen::Index num_bits() const noexcept { return s_->n_bits; }

private:
    Storage* s_;
};

/// CRTP base of a device model's named accessors (`template <class Loss> class interface`):
/// self() is the composed loss they are added to.
template <class Loss>
class loss_interface {
protected:
    Loss& self() noexcept { return static_cast<Loss&>(*this); }
    const Loss& self() const noexcept { return static_cast<const Loss&>(*this); }
};

namespace detail {

/// GS(theta), GS(each sampled group), the device's statements, Perf = alpha * device perf,
/// RES, penalty (EDD Eq. 1's resource term) and Eq. 1. Every node refers into the storage.
template <class Storage>
auto make_loss_program(Storage& s) {
    using params_type = typename Storage::params_type;
    using namespace nais::expr;
    bindings<Storage> b(s);
    auto dev = s.model.program(b);
    const params_type& p = s.params;
    auto samples = boost::hana::flatten(boost::hana::transform(s.groups, [&](auto& g) {
        if constexpr (std::remove_reference_t<decltype(g)>::is_sampled)
            return boost::hana::make_tuple(
                assign(g.probs, gumbel_softmax(g.x.leaf(), g.x.noise, std::cref(p.tau), std::cref(p.hard))));
        else
            return boost::hana::make_tuple();
    }));
    auto head = boost::hana::concat(
        boost::hana::make_tuple(
            assign(s.arch, gumbel_softmax(s.theta.leaf(), s.theta.noise, s.some_unavailable ? &s.theta_offsets : nullptr,
                                          std::cref(p.tau), std::cref(p.hard)))),
        std::move(samples));
    auto acc = variable(s.params.acc_loss, s.grad_acc);
    return boost::hana::unpack(boost::hana::concat(std::move(head), std::move(dev.statements)), [&](auto&&... st) {
        auto perf = assign(s.perf, scale(std::cref(p.alpha), std::move(dev.perf)));
        if constexpr (decltype(dev)::has_resources)
            return program(std::forward<decltype(st)>(st)..., std::move(perf), assign(s.res, std::move(dev.res)),
                           assign(s.penalty, budget_penalty(s.res.ref(), std::cref(p.beta), std::cref(p.C),
                                                            std::cref(p.res_ub))),  // Eq. 1, resource term
                           acc * s.perf.ref() + s.penalty.ref());                   // Eq. 1
        else
            return program(std::forward<decltype(st)>(st)..., std::move(perf), acc * s.perf.ref());  // Eq. 1, no RES
    });
}

template <class Model>
constexpr bool check_device_model() {
    static_assert(requires { typename Model::space_type; },
                  "nais::loss<Model>: the device model must name its search space: using space_type = ...;");
    static_assert(requires { typename Model::scalar_type; },
                  "nais::loss<Model>: the device model must name its scalar: using scalar_type = double; (or float)");
    static_assert(requires { typename Model::variables; },
                  "nais::loss<Model>: the device model must list its variable groups: using variables = "
                  "nais::variables<...>; (nais::variables<> when it has none beyond theta)");
    static_assert(requires { typename Model::parameters; },
                  "nais::loss<Model>: the device model must name its parameters: struct parameters {}; (may be empty)");
    static_assert(device_model<Model>,
                  "nais::loss<Model>: not a device model: space_type must be a nais::search_space, scalar_type a "
                  "floating-point type, variables a nais::variables<sampled<...> or continuous<...>...>, parameters "
                  "default-constructible");
    static_assert(hooks_well_formed<Model>(),
                  "nais::loss<Model>: Model::hooks must be nais::hooks<...> of the hooks in namespace nais::hook "
                  "(validate_parameters, validate, derive, interface, search_bounds, initial_value, check_search, "
                  "prepare_search, finish)");
    static_assert(requires(Model& m, bindings<loss_storage<Model>>& b) { m.program(b); },
                  "nais::loss<Model>: the device model must provide template <class B> auto program(B& bindings) "
                  "returning nais::device_terms(statements(...), perf[, res])");
    return true;
}

template <class Model, class Loss>
struct interface_base {
    static_assert(!requires { typename Model::template interface<Loss>; },
                  "nais::loss<Model>: Model defines template <class Loss> class interface but does not list "
                  "nais::hook::interface in its hooks (using hooks = nais::hooks<..., nais::hook::interface>;)");
    struct type {};
};
template <class Model, class Loss>
    requires(lists_hook<Model, hook::interface>())
struct interface_base<Model, Loss> {
    static_assert(requires { typename Model::template interface<Loss>; },
                  "nais::loss<Model>: Model lists nais::hook::interface but has no template <class Loss> class "
                  "interface (a CRTP base of named accessors)");
    using type = typename Model::template interface<Loss>;
};

}  // namespace detail

/// The EDD loss (Eq. 1) of any device model over a search space:
///   L = Acc_loss * alpha * Perf(device) [+ beta * C^(RES(device) - RES_ub)]
/// It owns theta (N x M op logits), the device's variable groups (sampled logits such as phi,
/// continuous variables such as pf), their Gumbel noise and gradients, the parameters and the
/// expression program: GS(theta), GS(each sampled group), the device's statements, Perf, RES,
/// the penalty and Eq. 1. Storage is sized once at construction (fixed-size for a static space),
/// so evaluate() allocates nothing and calls nothing virtually. The program points into the
/// object, so it can be neither copied nor moved: construct it in place.
///
/// Variables are reached by tag (`variable(fpga::pf_tag{})`) or by the device model's named
/// accessors (`pf()`), which its `interface<Loss>` adds as a base class.
template <class Model>
class loss : public detail::interface_base<Model, loss<Model>>::type {
    static_assert(detail::check_device_model<Model>());
    using storage = detail::loss_storage<Model>;
    using groups_info = typename storage::groups_info;

public:
    using model_type = Model;
    using space_type = typename Model::space_type;
    using scalar_type = typename Model::scalar_type;
    using variables = typename Model::variables;
    using theta_type = typename storage::theta_type;
    using params_type = typename storage::params_type;
    static constexpr int N = storage::N, M = storage::M, Q = space_type::bits_at_compile_time;

private:
    using program_type = decltype(detail::make_loss_program(std::declval<storage&>()));

public:
    static constexpr bool has_resources =
        decltype(std::declval<Model&>().program(std::declval<bindings<storage>&>()))::has_resources;

    /// Builds the device model in place from (space, args...) and the program over it.
    template <class... Args>
    explicit loss(const space_type& space, Args&&... args)
        : s_(space, std::forward<Args>(args)...), program_(detail::make_loss_program(s_)) {}

    loss(const loss&) = delete;
    loss& operator=(const loss&) = delete;

    /// Scalar settings: tau, hard, alpha, acc_loss, beta, C, res_ub and the device's own.
    params_type& params() noexcept { return s_.params; }
    const params_type& params() const noexcept { return s_.params; }
    Model& model() noexcept { return s_.model; }
    const Model& model() const noexcept { return s_.model; }

    theta_type& theta() noexcept { return s_.theta.value; }
    const theta_type& theta() const noexcept { return s_.theta.value; }
    theta_type& theta_noise() noexcept { return s_.theta.noise; }
    const theta_type& theta_noise() const noexcept { return s_.theta.noise; }
    const theta_type& grad_theta() const noexcept { return s_.theta.grad; }
    const theta_type& arch_probabilities() const noexcept { return s_.arch.value; }
    /// dL / d(sampled op probabilities): the gradient at the Gumbel-softmax output.
    const theta_type& grad_arch_probabilities() const noexcept { return s_.arch.adjoint; }

    /// A variable group by tag: its values, Gumbel noise (sampled groups), gradient, sample.
    template <class Tag>
    auto& variable(Tag = {}) noexcept {
        return group<Tag>().value();
    }
    template <class Tag>
    const auto& variable(Tag = {}) const noexcept {
        return group<Tag>().value();
    }
    template <class Tag>
    auto& noise(Tag = {}) noexcept {
        return group<Tag>().x.noise;
    }
    template <class Tag>
    const auto& noise(Tag = {}) const noexcept {
        return group<Tag>().x.noise;
    }
    template <class Tag>
    const auto& gradient(Tag = {}) const noexcept {
        return group<Tag>().grad();
    }
    template <class Tag>
    const auto& probabilities(Tag = {}) const noexcept {
        return group<Tag>().probs.value;
    }
    template <class Tag>
    const auto& grad_probabilities(Tag = {}) const noexcept {
        return group<Tag>().probs.adjoint;
    }

    /// Calls f(descriptor, values, gradient) for every variable group in order;
    /// the descriptor is a value of the group's sampled<...> / continuous<...> type.
    template <class F>
    void for_each_group(F&& f) {
        for_each_group_impl(*this, f, std::make_index_sequence<variables::size>{});
    }
    template <class F>
    void for_each_group(F&& f) const {
        for_each_group_impl(*this, f, std::make_index_sequence<variables::size>{});
    }

    /// Validates the inputs and evaluates the loss (no gradients). Inputs that pass validation
    /// but overflow the scalar type together (alpha = 1e300 on a long network, say) throw
    /// nais::invalid_argument naming the term, rather than return infinity or NaN.
    scalar_type forward() {
        validate();
        const scalar_type l = program_.forward();
        if (!std::isfinite(l)) [[unlikely]]
            overflowed("the loss", l);
        return l;
    }

    /// Validates the inputs, evaluates the loss and all gradients (overwritten, not accumulated).
    /// A gradient that overflows (tau = 1e-300, say) throws nais::invalid_argument naming it.
    scalar_type evaluate() {
        const scalar_type l = forward();
        s_.theta.grad.setZero();
        boost::hana::for_each(s_.groups, [](auto& g) { g.grad().setZero(); });
        s_.grad_acc = scalar_type(0);
        program_.backward(scalar_type(1));
        if (!s_.theta.grad.allFinite()) [[unlikely]]
            overflowed("the gradient of theta", s_.theta.grad.abs().maxCoeff());
        check_group_gradients(std::make_index_sequence<variables::size>{});
        return l;
    }

    // Results of the last forward()/evaluate().
    scalar_type value() const noexcept { return program_.value(); }
    scalar_type perf_loss() const noexcept { return s_.perf.value; }  ///< alpha * the device's performance
    /// RES (0 for a device with no resource term).
    scalar_type res() const noexcept { return s_.res.value; }
    /// beta * C^(RES - RES_ub) (0 for a device with no resource term).
    scalar_type penalty() const noexcept { return s_.penalty.value; }
    scalar_type grad_acc_loss() const noexcept { return s_.grad_acc; }  ///< dL/dAcc_loss = Perf_loss

    /// The discrete design of the current variables (the device model's derivation).
    auto derive() const
        requires(lists_hook<Model, hook::derive>())
    {
        static_assert(requires(const Model& m, const loss& l) { m.derive(l); },
                      "nais::loss<Model>::derive: Model lists nais::hook::derive but has no derive(const Loss&) const");
        return s_.model.derive(*this);
    }

    /// The op of every block with the largest theta among the block's candidates (EDD Sec. 5's
    /// derivation of the architecture; cells a space does not offer are never chosen).
    std::vector<int> derived_ops() const {
        if (!s_.some_unavailable)
            return nais::detail::argmax_rows(s_.theta.value);
        return nais::detail::argmax_rows((s_.theta.value + s_.theta_offsets).eval());
    }
    /// 0 for a candidate, -infinity for a cell the space does not offer (N x M).
    const theta_type& theta_offsets() const noexcept { return s_.theta_offsets; }

    int num_blocks() const noexcept { return static_cast<int>(s_.theta.value.rows()); }
    int num_ops() const noexcept { return static_cast<int>(s_.theta.value.cols()); }
    int num_bits() const noexcept { return s_.n_bits; }

private:
    template <class Tag>
    auto& group() noexcept {
        constexpr std::size_t k = groups_info::template index_of<Tag>();
        static_assert(k < variables::size, "nais::loss: the device model has no variable group with this tag");
        return boost::hana::at_c<k>(s_.groups);
    }
    template <class Tag>
    const auto& group() const noexcept {
        constexpr std::size_t k = groups_info::template index_of<Tag>();
        static_assert(k < variables::size, "nais::loss: the device model has no variable group with this tag");
        return boost::hana::at_c<k>(s_.groups);
    }

    template <class Self, class F, std::size_t... I>
    static void for_each_group_impl(Self& self, F& f, std::index_sequence<I...>) {
        (f(descriptor<I>(), boost::hana::at_c<I>(self.s_.groups).value(), boost::hana::at_c<I>(self.s_.groups).grad()), ...);
    }
    template <std::size_t I, class... G>
    static auto descriptor_of(nais::variables<G...>) {
        return std::tuple_element_t<I, std::tuple<G...>>{};
    }
    template <std::size_t I>
    static auto descriptor() {
        return descriptor_of<I>(variables{});
    }

    [[noreturn]] void overflowed(const char* what, scalar_type v) const {
        const params_type& p = s_.params;
        nais::detail::fail(what, " is ", std::isnan(v) ? "NaN" : "infinite",
                           ": the inputs overflow the scalar type together (perf_loss ", s_.perf.value, ", res ",
                           s_.res.value, ", tau ", p.tau, ", alpha ", p.alpha, ", acc_loss ", p.acc_loss,
                           "); scale alpha, the latencies or the budget down");
    }
    template <std::size_t... I>
    void check_group_gradients(std::index_sequence<I...>) const {
        (check_group_gradient(descriptor<I>(), boost::hana::at_c<I>(s_.groups)), ...);
    }
    template <class G, class Storage>
    void check_group_gradient(G, const Storage& g) const {
        if (!g.grad().allFinite()) [[unlikely]]
            overflowed((std::string("the gradient of ") + G::tag::name).c_str(), g.grad().abs().maxCoeff());
    }

    void validate() const {
        using nais::detail::require;
        const params_type& p = s_.params;
        require(std::isfinite(p.tau) && p.tau > 0, "params.tau (Gumbel-softmax temperature) must be finite and > 0, got ",
                p.tau);
        require(std::isfinite(p.alpha) && p.alpha >= 0, "params.alpha must be finite and >= 0, got ", p.alpha);
        if constexpr (has_resources) {
            require(std::isfinite(p.beta) && p.beta >= 0, "params.beta must be finite and >= 0, got ", p.beta);
            require(std::isfinite(p.C) && p.C > 1, "params.C (penalty base) must be finite and > 1, got ", p.C);
            require(std::isfinite(p.res_ub) && p.res_ub >= 0,
                    "params.res_ub (resource budget) must be set, finite and >= 0, got ", p.res_ub);
        }
        require(std::isfinite(p.acc_loss), "params.acc_loss must be finite, got ", p.acc_loss);
        constexpr bool has_validate_parameters = requires(const Model& m) { m.validate_parameters(p); };
        constexpr bool has_validate = requires(const Model& m) { m.validate(*this); };
        constexpr bool has_derive = requires(const Model& m) { m.derive(*this); };
        if constexpr (lists_hook<Model, hook::validate_parameters>()) {
            static_assert(has_validate_parameters, "nais::loss<Model>: Model lists nais::hook::validate_parameters but "
                                                   "has no validate_parameters(const parameters&) const");
            s_.model.validate_parameters(p);
        } else {
            static_assert(!has_validate_parameters, "nais::loss<Model>: Model defines validate_parameters(...) but does "
                                                    "not list nais::hook::validate_parameters in its hooks");
        }
        static_assert(lists_hook<Model, hook::derive>() || !has_derive,
                      "nais::loss<Model>: Model defines derive(const Loss&) but does not list nais::hook::derive in its hooks");
        s_.theta.validate("theta");
        validate_groups(std::make_index_sequence<variables::size>{});
        if constexpr (lists_hook<Model, hook::validate>()) {
            static_assert(has_validate, "nais::loss<Model>: Model lists nais::hook::validate but has no "
                                        "template <class Loss> void validate(const Loss&) const");
            s_.model.validate(*this);
        } else {
            static_assert(!has_validate,
                          "nais::loss<Model>: Model defines validate(const Loss&) but does not list nais::hook::validate in its hooks");
        }
    }
    template <std::size_t... I>
    void validate_groups(std::index_sequence<I...>) const {
        (validate_group(descriptor<I>(), boost::hana::at_c<I>(s_.groups)), ...);
    }
    template <class G, class Storage>
    static void validate_group(G, const Storage& g) {
        if constexpr (G::is_sampled)
            g.x.validate(G::tag::name);
        else
            nais::detail::require_finite(g.x, G::tag::name);
    }

    storage s_;
    program_type program_;
};

}  // namespace nais
