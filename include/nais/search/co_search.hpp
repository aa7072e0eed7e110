#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/fpga.hpp>
#include <nais/device/fpga_design.hpp>
#include <nais/device/fpga_retune.hpp>
#include <nais/sampling/gumbel.hpp>
#include <nais/search/derive.hpp>
#include <nais/search/optimizer.hpp>
#include <nais/search/temperature.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <optional>
#include <sstream>
#include <type_traits>
#include <utility>
#include <vector>

// The co-search driver of EDD Sec. 5: initialise {theta, phi, pf}, then per step sample,
// let the user train the supernet weights, take the user's Acc_loss and its gradient, combine
// them with the library's hardware terms by the product rule of Eq. 1, and update all
// variables; finally derive the network and re-tune its parallel factors exactly.
namespace nais::search {

/// What the user's callables see at each step (all references are valid during the call).
template <class Loss>
struct step_context {
    using scalar_type = typename Loss::scalar_type;
    long step;             ///< 0-based step index
    scalar_type tau;       ///< Gumbel-softmax temperature of this step
    bool hard;             ///< straight-through sampling
    const typename Loss::theta_type& theta;  ///< N x M op logits (before this step's update)
    const typename Loss::phi_type& phi;      ///< G x Q bit-width logits
    /// This step's Gumbel-softmax sample of theta / phi (same noise as the hardware terms);
    /// a supernet that samples paths should use these.
    const typename Loss::theta_type& arch_probabilities;
    const typename Loss::phi_type& quant_probabilities;
};

/// Where the accuracy callable writes d Acc_loss / d theta (N x M) and d Acc_loss / d phi
/// (G x Q, rows as the loss's phi). Handed over zeroed and correctly shaped every step.
template <class T>
struct accuracy_gradient {
    Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic> theta;
    Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic> phi;
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

/// One row of the loss curve.
template <class T>
struct step_record {
    long step;
    T tau, loss, acc_loss, perf_loss, res, penalty;
};

template <class T, class Optimizer = adam<T>>
struct search_options {
    long steps = 500;
    std::uint64_t seed = 1;  ///< Gumbel noise seed: equal seeds give bit-identical runs
    temperature_schedule<T> temperature = temperature_schedule<T>::constant(1);
    learning_rates<T> learning_rate{};
    Optimizer optimizer{};
    bool hard = false;          ///< straight-through (hard) Gumbel-softmax
    bool sample_noise = true;   ///< false: no Gumbel noise (plain softmax, deterministic)
    /// Integer range of pf; the continuous pf is projected onto it after every update, and
    /// derivation/re-tuning stay in it. Unset: fpga::budget_pf_range(costs, RES_ub).
    std::optional<fpga::pf_range> pf_bounds{};
    /// Rescale params.alpha at initialisation so that Perf_loss = 1 at the initial point
    /// (noise-free): Eq. 1 then weighs the penalty against a unit performance term.
    bool normalize_performance = true;
};

/// The outcome of a search: the derived design as searched (pf rounded) and re-tuned.
template <fpga::architecture Arch>
struct search_outcome {
    fpga::design<Arch> searched;
    fpga::design_report searched_report;
    fpga::retune_result<Arch> retuned;
    fpga::design_report retuned_report;  ///< meaningful when retuned.feasible
};

/// The co-search driver over a composed FPGA loss (fpga::recursive_loss / pipelined_loss).
/// It holds the loss by reference and owns the optimizer state, the noise generator and the
/// combined gradients, all sized once at construction.
///
/// Gradients the accuracy callable must return (product rule of Eq. 1):
///   the library evaluates  L = Acc * Perf_loss + beta C^(RES - RES_ub)  with Acc set to the
///   value the callable returns, and adds Perf_loss * dAcc/dtheta and Perf_loss * dAcc/dphi.
///   So the callable returns Acc_loss and writes its derivatives with respect to the raw
///   logits theta (N x M) and phi (G x Q) into the accuracy_gradient it is handed; if the
///   supernet consumed ctx.arch_probabilities / quant_probabilities, chain its gradient
///   through the Gumbel-softmax first. Acc_loss does not depend on pf (parallelism does not
///   change what the network computes).
template <class Loss, class Optimizer = adam<typename Loss::scalar_type>>
class co_search {
public:
    using scalar_type = typename Loss::scalar_type;
    using T = scalar_type;
    using architecture = typename Loss::architecture;
    using options_type = search_options<T, Optimizer>;
    using context_type = step_context<Loss>;
    static_assert(optimizer<Optimizer, typename Loss::theta_type>,
                  "nais::search::co_search: Optimizer must provide validate(), slot<A> and update(x, g, slot, lr, step)");

    co_search(Loss& loss, options_type options)
        : loss_(loss),
          options_(std::move(options)),
          rng_(options_.seed),
          theta_slot_(loss.theta()),
          phi_slot_(loss.phi()),
          pf_slot_(loss.pf()),
          grad_theta_(loss.theta()),
          grad_phi_(loss.phi()) {
        validate_options();
        bounds_ = options_.pf_bounds ? *options_.pf_bounds
                                     : fpga::budget_pf_range(loss_.costs(), static_cast<double>(loss_.params.res_ub));
        detail::require(bounds_.min >= 0 && bounds_.min <= bounds_.max && bounds_.max <= fpga::max_design_pf,
                        "co_search: pf_bounds [", bounds_.min, ", ", bounds_.max, "] must satisfy 0 <= min <= max <= ",
                        fpga::max_design_pf);
        check_feasible();
        initialize();
    }

    co_search(const co_search&) = delete;
    co_search& operator=(const co_search&) = delete;

    /// EDD Sec. 5 initialisation: zero logits; pf = log2(RES_ub / #IPs) (M IPs recursive, M*N
    /// pipelined), clamped to the pf bounds; optimizer state cleared; the step count and the
    /// noise generator restart.
    void initialize() {
        loss_.theta().setZero();
        loss_.phi().setZero();
        const double ips = Loss::shared ? loss_.num_ops() : double(loss_.num_ops()) * loss_.num_blocks();
        const double p0 = std::log2(static_cast<double>(loss_.params.res_ub) / ips);  // EDD Sec. 5
        loss_.pf().setConstant(static_cast<T>(std::clamp(p0, double(bounds_.min), double(bounds_.max))));
        theta_slot_ = typename Optimizer::template slot<typename Loss::theta_type>(loss_.theta());
        phi_slot_ = typename Optimizer::template slot<typename Loss::phi_type>(loss_.phi());
        pf_slot_ = typename Optimizer::template slot<typename Loss::pf_type>(loss_.pf());
        rng_ = gumbel_generator(options_.seed);
        step_ = 0;
        if (options_.normalize_performance) {
            loss_.theta_noise().setZero();
            loss_.phi_noise().setZero();
            loss_.params.tau = options_.temperature(0);
            loss_.params.hard = options_.hard;
            loss_.params.alpha = 1;
            loss_.forward();
            if (loss_.perf_loss() > 0)
                loss_.params.alpha = T(1) / loss_.perf_loss();
        }
    }

    /// One bilevel iteration (EDD Sec. 5): sample, train(ctx) (the supernet's weight step),
    /// Acc_loss and its gradient from acc(ctx, grad), Eq. 1 and its gradient, one optimizer
    /// update of theta, phi and pf. Throws nais::invalid_argument naming the step and the
    /// variable when anything is NaN or misshaped.
    template <class Acc, class Train = no_weight_training>
    step_record<T> step(Acc&& acc, Train&& train = {}) {
        static_assert(std::is_invocable_v<Acc&, const context_type&, accuracy_gradient<T>&>,
                      "nais::search::co_search: the accuracy callable must accept (const step_context<Loss>&, "
                      "accuracy_gradient<T>&) and return Acc_loss");
        static_assert(std::is_invocable_v<Train&, const context_type&>,
                      "nais::search::co_search: the weight-training callable must accept (const step_context<Loss>&)");
        const long t = step_;
        auto& p = loss_.params;
        p.tau = options_.temperature(t);
        p.hard = options_.hard;
        if (options_.sample_noise) {
            rng_.fill(loss_.theta_noise());
            rng_.fill(loss_.phi_noise());
        }
        at_step(t, [&] { loss_.forward(); });  // the sample the callables see
        const context_type ctx{t, p.tau, p.hard, loss_.theta(), loss_.phi(), loss_.arch_probabilities(),
                               loss_.quant_probabilities()};
        train(ctx);
        acc_grad_.theta.setZero(loss_.theta().rows(), loss_.theta().cols());
        acc_grad_.phi.setZero(loss_.phi().rows(), loss_.phi().cols());
        const auto a = acc(ctx, acc_grad_);
        check_accuracy(t, static_cast<double>(a));
        p.acc_loss = static_cast<T>(a);
        at_step(t, [&] { loss_.evaluate(); });
        // Eq. 1 product rule: dL/dx = Acc dPerf/dx + dPenalty/dx (the loss) + Perf dAcc/dx
        const T perf = loss_.perf_loss();
        grad_theta_ = loss_.grad_theta() + perf * acc_grad_.theta;
        grad_phi_ = loss_.grad_phi() + perf * acc_grad_.phi;
        options_.optimizer.update(loss_.theta(), grad_theta_, theta_slot_, options_.learning_rate.arch, t + 1);
        options_.optimizer.update(loss_.phi(), grad_phi_, phi_slot_, options_.learning_rate.quant, t + 1);
        options_.optimizer.update(loss_.pf(), loss_.grad_pf(), pf_slot_, options_.learning_rate.impl, t + 1);
        loss_.pf() = loss_.pf().cwiseMax(T(bounds_.min)).cwiseMin(T(bounds_.max));  // projection onto the pf bounds
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

    /// Derivation, exact evaluation and re-tuning under params.res_ub at a clock (MHz).
    search_outcome<architecture> finish(double clock_mhz) const {
        const fpga::board b{static_cast<double>(loss_.params.res_ub), clock_mhz};
        search_outcome<architecture> out;
        out.searched = derive(loss_, bounds_);
        out.searched_report = fpga::evaluate(loss_.costs(), out.searched, b);
        out.retuned = fpga::retune(loss_.costs(), out.searched, b.dsp_budget, bounds_);
        if (out.retuned.feasible)
            out.retuned_report = fpga::evaluate(loss_.costs(), out.retuned.tuned, b);
        return out;
    }

    /// Combined gradients of the last step (Eq. 1 with the user's Acc_loss term).
    const typename Loss::theta_type& grad_theta() const noexcept { return grad_theta_; }
    const typename Loss::phi_type& grad_phi() const noexcept { return grad_phi_; }
    const typename Loss::pf_type& grad_pf() const noexcept { return loss_.grad_pf(); }

    long steps_done() const noexcept { return step_; }
    fpga::pf_range pf_bounds() const noexcept { return bounds_; }
    const options_type& options() const noexcept { return options_; }
    Loss& loss() noexcept { return loss_; }
    const Loss& loss() const noexcept { return loss_; }

private:
    template <class... Parts>
    [[noreturn]] static void fail_at(long t, const Parts&... parts) {
        detail::fail("co-search step ", t, ": ", parts...);
    }

    /// Runs f and prefixes any nais::invalid_argument with the step.
    template <class F>
    static void at_step(long t, F&& f) {
        try {
            f();
        } catch (const invalid_argument& e) {
            std::string what = e.what();
            if (what.rfind("nais: ", 0) == 0)
                what.erase(0, 6);
            fail_at(t, what);
        }
    }

    void validate_options() const {
        detail::require(options_.steps >= 0, "co_search: options.steps must be >= 0, got ", options_.steps);
        const auto& lr = options_.learning_rate;
        detail::require(std::isfinite(lr.arch) && lr.arch >= 0, "co_search: learning_rate.arch must be finite and >= 0, got ",
                        lr.arch);
        detail::require(std::isfinite(lr.quant) && lr.quant >= 0,
                        "co_search: learning_rate.quant must be finite and >= 0, got ", lr.quant);
        detail::require(std::isfinite(lr.impl) && lr.impl >= 0, "co_search: learning_rate.impl must be finite and >= 0, got ",
                        lr.impl);
        options_.optimizer.validate();
        const T ub = loss_.params.res_ub;
        detail::require(std::isfinite(ub) && ub >= 0, "co_search: params.res_ub (the DSP budget) must be set, finite and >= 0, got ",
                        ub);
    }

    /// Refuses a budget no design of the space can meet: the cheapest design puts every block
    /// on the cheapest IP at the cheapest bit-width and pf = pf_min (one shared IP when
    /// recursive, N IPs when pipelined).
    void check_feasible() const {
        const auto& c = loss_.costs();
        const double per_ip = c.dsp_factor.minCoeff() * std::ldexp(1.0, bounds_.min);
        const double cheapest = Loss::shared ? per_ip : per_ip * c.num_blocks();
        const double ub = static_cast<double>(loss_.params.res_ub);
        if (cheapest > ub) {
            std::ostringstream os;
            os << "nais: infeasible budget: no design of the space meets RES_ub = " << ub << " DSPs; the cheapest ("
               << (Loss::shared ? "one shared IP" : "one IP per block") << " at the cheapest bit-width, pf = "
               << bounds_.min << ") needs " << cheapest;
            throw infeasible_budget(os.str());
        }
    }

    void check_accuracy(long t, double a) const {
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
        check(acc_grad_.phi, loss_.phi(), "phi");
    }

    void check_updated(long t) const {
        const auto check = [&](const auto& x, const char* name) {
            if (!x.allFinite())
                fail_at(t, "the update made ", name,
                        " non-finite (a learning rate too large for the gradient scale?)");
        };
        check(loss_.theta(), "theta");
        check(loss_.phi(), "phi");
        check(loss_.pf(), "pf");
    }

    Loss& loss_;
    options_type options_;
    fpga::pf_range bounds_{};
    gumbel_generator rng_;
    typename Optimizer::template slot<typename Loss::theta_type> theta_slot_;
    typename Optimizer::template slot<typename Loss::phi_type> phi_slot_;
    typename Optimizer::template slot<typename Loss::pf_type> pf_slot_;
    typename Loss::theta_type grad_theta_;
    typename Loss::phi_type grad_phi_;
    accuracy_gradient<T> acc_grad_;
    long step_ = 0;
};

}  // namespace nais::search
