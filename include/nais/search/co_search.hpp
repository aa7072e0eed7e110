#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/loss/device_model.hpp>
#include <nais/sampling/gumbel.hpp>
#include <nais/search/optimizer.hpp>
#include <nais/search/start.hpp>
#include <nais/search/temperature.hpp>

#include <boost/hana/at.hpp>
#include <boost/hana/tuple.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

// The co-search driver of EDD Sec. 5, for any composed loss (nais::loss of any device model):
// initialise theta and the device's variable groups, then per step sample, let the user train
// the supernet weights, take the user's Acc_loss and its gradient, combine them with the
// library's hardware terms by the product rule of Eq. 1, and update every variable; finally
// let the device model derive the network, evaluate it exactly and re-tune it where it can.
namespace nais::search {

namespace detail {
template <class Vars>
struct sampled_count;
template <class... G>
struct sampled_count<variables<G...>> {
    static constexpr std::size_t value = (std::size_t{0} + ... + std::size_t{G::is_sampled});
};
template <class Loss>
inline constexpr std::size_t sampled_groups_of = sampled_count<typename Loss::variables>::value;

/// Runs f and prefixes any nais::invalid_argument with the search step ("co-search step 3: ...").
template <class F>
decltype(auto) at_step(long t, F&& f) {
    try {
        return f();
    } catch (const invalid_argument& e) {
        nais::detail::fail("co-search step ", t, ": ", nais::detail::message_of(e));
    }
}
}  // namespace detail

/// Where the accuracy callable writes d Acc_loss / d theta (N x M) and d Acc_loss / d each
/// sampled group's logits (shaped as the group; phi() is the first, EDD's phi). Handed over
/// zeroed and correctly shaped every step.
template <class T>
struct accuracy_gradient {
    using array = Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic>;
    array theta;
    std::vector<array> logits;  ///< one per sampled group, in the device model's order
    array& phi() { return logits.at(0); }
    const array& phi() const { return logits.at(0); }
};

/// What the user's callables see at each step (all references are valid during the call).
template <class Loss>
struct step_context {
    using scalar_type = typename Loss::scalar_type;
    long step;             ///< 0-based step index
    scalar_type tau;       ///< Gumbel-softmax temperature of this step
    bool hard;             ///< straight-through sampling
    const Loss& loss;      ///< every variable group: loss.variable(tag), loss.probabilities(tag)
    const typename Loss::theta_type& theta;  ///< N x M op logits (before this step's update)
    /// This step's Gumbel-softmax sample of theta (same noise as the hardware terms); a
    /// supernet that samples paths should use it.
    const typename Loss::theta_type& arch_probabilities;
};

/// An Acc_loss that does not depend on the architecture (a pure hardware search).
template <class T>
struct constant_accuracy {
    T value = 1;
    template <class Context>
    T operator()(const Context&, accuracy_gradient<T>&) const noexcept {
        return value;
    }
};

/// The default weight-training step: none.
struct no_weight_training {
    template <class Context>
    void operator()(const Context&) const noexcept {}
};

/// One row of the loss curve (res and penalty are 0 for devices without a resource term).
template <class T>
struct step_record {
    long step;
    T tau, loss, acc_loss, perf_loss, res, penalty;
};

template <class T, class Optimizer = adam<T>>
struct search_options {
    long steps = 500;
    std::uint64_t seed = 1;  ///< Gumbel noise seed: equal seeds give bit-identical runs (same platform and build)
    temperature_schedule<T> temperature = temperature_schedule<T>::constant(1);
    /// arch for theta; quant for sampled groups (variable_role::quantization); impl for
    /// continuous ones (variable_role::implementation).
    learning_rates<T> learning_rate{};
    Optimizer optimizer{};
    bool hard = false;          ///< straight-through (hard) Gumbel-softmax
    bool sample_noise = true;   ///< false: no Gumbel noise (plain softmax, deterministic)
    /// Bounds of continuous groups (e.g. {"pf", {0, 8}}); a continuous variable is projected onto
    /// its bounds after every update. Unset: the device model's search_bounds.
    std::vector<named_bounds> bounds{};
    /// Rescale params().alpha at initialisation so that Perf_loss = 1 at the initial point
    /// (noise-free): Eq. 1 then weighs the penalty against a unit performance term. On by
    /// default; performance_scale() reports the alpha chosen.
    bool normalize_performance = true;
    /// For device models with a smooth maximum (the pipelined FPGA's Eq. 7 log-sum-exp): its
    /// smoothness as a fraction of the initial objective scale (see the model's prepare_search).
    /// nullopt keeps the loss's own setting.
    std::optional<T> relative_smoothness = T(0.1);
};

namespace detail {
template <class Loss>
constexpr bool check_searchable() {
    static_assert(requires { typename Loss::model_type; typename Loss::variables; typename Loss::theta_type; },
                  "nais::search::co_search: Loss must be a composed loss, nais::loss<YourDeviceModel> (e.g. "
                  "nais::fpga::recursive_loss<S>)");
    static_assert(requires(Loss& l) {
        l.evaluate();
        l.perf_loss();
        l.params().tau;
        l.theta_noise();
    }, "nais::search::co_search: Loss must provide evaluate(), perf_loss(), params() and theta_noise()");
    return true;
}
}  // namespace detail

/// The co-search driver over a composed loss of any device model. It holds the loss by
/// reference and owns the optimizer state, the noise generator and the combined gradients,
/// all sized once at construction.
///
/// Gradients the accuracy callable must return (product rule of Eq. 1):
///   the library evaluates  L = Acc * Perf_loss [+ beta C^(RES - RES_ub)]  with Acc set to the
///   value the callable returns, and adds Perf_loss * dAcc/dx for theta and every sampled
///   group. So the callable returns Acc_loss and writes its derivatives with respect to the raw
///   logits into the accuracy_gradient it is handed (theta, logits[k] per sampled group); if
///   the supernet consumed the sampled probabilities, chain its gradient through the
///   Gumbel-softmax first. Acc_loss does not depend on continuous variables (pf).
///
/// Device-model hooks it calls when present: search_bounds(tag, params) and
/// initial_value(tag, params, bounds) for continuous groups (default: no bounds, 0);
/// check_search(loss, start) at construction; prepare_search(loss, start) at initialisation
/// (start: the search_start, which gives bounds(tag) and options()); finish(loss, search, args...)
/// from finish(args...).
template <class Loss, class Optimizer = adam<typename Loss::scalar_type>>
class co_search {
    static_assert(detail::check_searchable<Loss>());

public:
    using scalar_type = typename Loss::scalar_type;
    using T = scalar_type;
    using model_type = typename Loss::model_type;
    using params_type = std::remove_cvref_t<decltype(std::declval<const Loss&>().params())>;
    using options_type = search_options<T, Optimizer>;
    using context_type = step_context<Loss>;
    static_assert(optimizer<Optimizer, typename Loss::theta_type>,
                  "nais::search::co_search: Optimizer must provide validate(), slot<A> and update(x, g, slot, lr, step)");

private:
    template <class G>
    struct group_state {
        using array_type = typename G::array_type;
        explicit group_state(const array_type& like) : slot(like), combined(like), bounds{-HUGE_VAL, HUGE_VAL} {}
        typename Optimizer::template slot<array_type> slot;
        array_type combined;  ///< gradient with the user's Acc_loss term (sampled groups)
        interval bounds;      ///< continuous groups
    };
    template <class Vars>
    struct states;
    template <class... G>
    struct states<variables<G...>> {
        using type = boost::hana::tuple<group_state<G>...>;
        static type make(Loss& l) { return type(group_state<G>(l.template variable<typename G::tag>())...); }
    };
    using states_type = typename states<typename Loss::variables>::type;

public:
    co_search(Loss& loss, options_type options)
        : loss_(loss),
          options_(validated(std::move(options))),
          rng_(options_.seed),
          theta_slot_(loss.theta()),
          grad_theta_(loss.theta()),
          groups_(states<typename Loss::variables>::make(loss)),
          start_(loss, {options_.bounds, options_.normalize_performance, options_.relative_smoothness}) {
        acc_grad_.logits.resize(detail::sampled_groups_of<Loss>);
        for_each_group([&](auto g, auto&, auto& st) {
            if constexpr (!decltype(g)::is_sampled)
                st.bounds = start_.bounds(typename decltype(g)::tag{});
        });
        initialize();
    }

    co_search(const co_search&) = delete;
    co_search& operator=(const co_search&) = delete;

    /// EDD Sec. 5 initialisation at tau = the schedule's first: search_start::apply (zero logits
    /// and noise; continuous variables at the device model's initial_value within their bounds;
    /// the model's prepare_search; alpha normalised), then the optimizer state cleared and the
    /// step count and the noise generator restarted.
    void initialize() {
        auto& p = loss_.params();
        p.tau = options_.temperature(0);
        p.hard = options_.hard;
        performance_scale_ = start_.apply();
        theta_slot_ = typename Optimizer::template slot<typename Loss::theta_type>(loss_.theta());
        for_each_group([&](auto g, auto& x, auto& st) {
            st.slot = typename Optimizer::template slot<typename decltype(g)::array_type>(x);
        });
        rng_ = gumbel_generator(options_.seed);
        step_ = 0;
    }

    /// One bilevel iteration (EDD Sec. 5): sample, train(ctx) (the supernet's weight step),
    /// Acc_loss and its gradient from acc(ctx, grad), Eq. 1 and its gradient, one optimizer
    /// update of theta and every variable group. Throws nais::invalid_argument naming the step
    /// and the variable when anything is NaN or misshaped.
    template <class Acc, class Train = no_weight_training>
    step_record<T> step(Acc&& acc, Train&& train = {}) {
        static_assert(std::is_invocable_v<Acc&, const context_type&, accuracy_gradient<T>&>,
                      "nais::search::co_search: the accuracy callable must accept (const step_context<Loss>&, "
                      "accuracy_gradient<T>&) and return Acc_loss");
        static_assert(std::is_invocable_v<Train&, const context_type&>,
                      "nais::search::co_search: the weight-training callable must accept (const step_context<Loss>&)");
        const long t = step_;
        auto& p = loss_.params();
        p.tau = options_.temperature(t);
        p.hard = options_.hard;
        if (options_.sample_noise) {
            rng_.fill(loss_.theta_noise());
            for_each_group([&](auto g, auto&, auto&) {
                if constexpr (decltype(g)::is_sampled)
                    rng_.fill(loss_.noise(typename decltype(g)::tag{}));
            });
        }
        detail::at_step(t, [&] { loss_.forward(); });  // the sample the callables see
        const context_type ctx{t, p.tau, p.hard, loss_, loss_.theta(), loss_.arch_probabilities()};
        train(ctx);
        acc_grad_.theta.setZero(loss_.theta().rows(), loss_.theta().cols());
        {
            std::size_t k = 0;
            for_each_group([&](auto g, auto& x, auto&) {
                if constexpr (decltype(g)::is_sampled)
                    acc_grad_.logits[k++].setZero(x.rows(), x.cols());
            });
        }
        const auto a = acc(ctx, acc_grad_);
        check_accuracy(t, static_cast<double>(a));
        p.acc_loss = static_cast<T>(a);
        detail::at_step(t, [&] { loss_.evaluate(); });
        // Eq. 1 product rule: dL/dx = Acc dPerf/dx + dPenalty/dx (the loss) + Perf dAcc/dx
        const T perf = loss_.perf_loss();
        grad_theta_ = loss_.grad_theta() + perf * acc_grad_.theta.template cast<T>();
        options_.optimizer.update(loss_.theta(), grad_theta_, theta_slot_, options_.learning_rate.arch, t + 1);
        std::size_t k = 0;
        for_each_group([&](auto g, auto& x, auto& st) {
            using G = decltype(g);
            const T lr = G::role == variable_role::quantization ? options_.learning_rate.quant : options_.learning_rate.impl;
            if constexpr (G::is_sampled) {
                st.combined = loss_.gradient(typename G::tag{}) + perf * acc_grad_.logits[k++];
                options_.optimizer.update(x, st.combined, st.slot, lr, t + 1);
            } else {
                options_.optimizer.update(x, loss_.gradient(typename G::tag{}), st.slot, lr, t + 1);
                x = x.cwiseMax(T(st.bounds.min)).cwiseMin(T(st.bounds.max));  // projection onto the bounds
            }
        });
        check_updated(t);
        ++step_;
        return {t, p.tau, loss_.value(), p.acc_loss, loss_.perf_loss(), loss_.res(), loss_.penalty()};
    }

    /// options.steps iterations; returns the loss curve.
    template <class Acc, class Train = no_weight_training>
    std::vector<step_record<T>> run(Acc&& acc, Train&& train = {}) {
        std::vector<step_record<T>> curve;
        curve.reserve(static_cast<std::size_t>(options_.steps));
        for (long k = 0; k < options_.steps; ++k)
            curve.push_back(step(acc, train));
        return curve;
    }

    /// The device model's conclusion: derivation, exact evaluation and (FPGA) re-tuning, e.g.
    /// finish(clock_mhz) for the FPGA models, finish() for the GPU and Loom models.
    template <class... Args>
    auto finish(Args&&... args) const {
        static_assert(lists_hook<model_type, hook::finish>(),
                      "nais::search::co_search::finish: the device model does not list nais::hook::finish in its hooks");
        static_assert(requires(const model_type& m, const Loss& l, const co_search& s) {
            m.finish(l, s, std::forward<Args>(args)...);
        }, "nais::search::co_search::finish: the device model has no finish(loss, search, args...) for these arguments");
        return loss_.model().finish(loss_, *this, std::forward<Args>(args)...);
    }

    /// Bounds of a continuous group during the search.
    template <class Tag>
    interval bounds(Tag = {}) const {
        interval out{};
        const_cast<co_search*>(this)->for_each_group([&](auto g, auto&, auto& st) {
            if constexpr (std::is_same_v<typename decltype(g)::tag, Tag>)
                out = st.bounds;
        });
        return out;
    }

    /// Combined gradient of the last step for theta (Eq. 1 with the user's Acc_loss term).
    const typename Loss::theta_type& grad_theta() const noexcept { return grad_theta_; }
    /// Combined gradient of the last step for a group (sampled: with the Acc_loss term).
    template <class Tag>
    const auto& gradient(Tag = {}) const {
        return gradient_impl<Tag>();
    }

    /// The alpha chosen by initialize() (1 / Perf at the initial point when normalising).
    T performance_scale() const noexcept { return performance_scale_; }
    long steps_done() const noexcept { return step_; }
    const options_type& options() const noexcept { return options_; }
    Loss& loss() noexcept { return loss_; }
    const Loss& loss() const noexcept { return loss_; }

private:
    template <class F>
    void for_each_group(F&& f) {
        nais::detail::for_each_group_with(loss_, [&](auto i) -> auto& { return boost::hana::at_c<decltype(i)::value>(groups_); }, f);
    }

    template <class Tag>
    const auto& gradient_impl() const {
        using A = std::remove_cvref_t<decltype(loss_.gradient(Tag{}))>;
        const A* r = &loss_.gradient(Tag{});
        const_cast<co_search*>(this)->for_each_group([&](auto g, auto&, auto& st) {
            if constexpr (std::is_same_v<typename decltype(g)::tag, Tag> && decltype(g)::is_sampled)
                r = &st.combined;
        });
        return *r;
    }

    template <class... Parts>
    [[noreturn]] static void fail_at(long t, const Parts&... parts) {
        nais::detail::fail("co-search step ", t, ": ", parts...);
    }

    /// The options, checked before anything is built from them (the starting point's own options,
    /// bounds and relative_smoothness, are checked by search_start).
    static options_type validated(options_type options) {
        nais::detail::require(options.steps >= 0, "co_search: options.steps must be >= 0, got ", options.steps);
        const auto& lr = options.learning_rate;
        nais::detail::require(std::isfinite(lr.arch) && lr.arch >= 0,
                              "co_search: learning_rate.arch must be finite and >= 0, got ", lr.arch);
        nais::detail::require(std::isfinite(lr.quant) && lr.quant >= 0,
                              "co_search: learning_rate.quant must be finite and >= 0, got ", lr.quant);
        nais::detail::require(std::isfinite(lr.impl) && lr.impl >= 0,
                              "co_search: learning_rate.impl must be finite and >= 0, got ", lr.impl);
        options.optimizer.validate();
        return options;
    }

    void check_accuracy(long t, double a) {
        if (!std::isfinite(a))
            fail_at(t, "the accuracy callable returned Acc_loss = ", a);
        const auto check = [&](const auto& g, const auto& like, const char* name) {
            if (g.rows() != like.rows() || g.cols() != like.cols())
                fail_at(t, "the accuracy callable left d Acc_loss / d ", name, " with shape ", g.rows(), " x ", g.cols(),
                        ", expected ", like.rows(), " x ", like.cols());
            if (!g.allFinite()) {
                Eigen::Index r = 0, col = 0;
                (!g.isFinite()).template cast<int>().maxCoeff(&r, &col);
                fail_at(t, "the accuracy callable returned d Acc_loss / d ", name, "(", r, ",", col, ") = ", g(r, col));
            }
        };
        check(acc_grad_.theta, loss_.theta(), "theta");
        if (acc_grad_.logits.size() != detail::sampled_groups_of<Loss>)
            fail_at(t, "the accuracy callable resized the logits gradients to ", acc_grad_.logits.size(), ", expected ",
                    detail::sampled_groups_of<Loss>);
        std::size_t k = 0;
        for_each_group([&](auto g, auto& x, auto&) {
            if constexpr (decltype(g)::is_sampled)
                check(acc_grad_.logits[k++], x, decltype(g)::tag::name);
        });
    }

    void check_updated(long t) {
        const auto check = [&](const auto& x, const char* name) {
            if (!x.allFinite())
                fail_at(t, "the update made ", name, " non-finite (a learning rate too large for the gradient scale?)");
        };
        check(loss_.theta(), "theta");
        for_each_group([&](auto g, auto& x, auto&) { check(x, decltype(g)::tag::name); });
    }

    Loss& loss_;
    options_type options_;
    gumbel_generator rng_;
    typename Optimizer::template slot<typename Loss::theta_type> theta_slot_;
    typename Loss::theta_type grad_theta_;
    states_type groups_;
    search_start<Loss> start_;  ///< the starting point, and the bounds and options the model's hooks see
    accuracy_gradient<T> acc_grad_;
    T performance_scale_ = 1;
    long step_ = 0;
};

}  // namespace nais::search
