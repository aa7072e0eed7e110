#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace nais::search {

/// Gumbel-softmax temperature tau as a function of the step t = 0, 1, ...:
///   constant     tau(t) = tau0
///   exponential  tau(t) = max(tau_min, tau0 * decay^t)
///   cosine       tau(t) = tau_min + (tau0 - tau_min) (1 + cos(pi min(t, T) / T)) / 2
/// (cosine annealing over T steps, then tau_min). Every value is > 0 by construction.
template <class T>
class temperature_schedule {
public:
    enum class kind { constant, exponential, cosine };

    static temperature_schedule constant(T tau) {
        check_tau(tau, "tau");
        return temperature_schedule(kind::constant, tau, tau, 1, 1);
    }
    static temperature_schedule exponential(T tau0, T decay, T tau_min) {
        check_tau(tau0, "tau0");
        check_tau(tau_min, "tau_min");
        detail::require(std::isfinite(decay) && decay > 0 && decay <= 1,
                        "temperature_schedule::exponential: decay per step must be in (0, 1], got ", decay);
        detail::require(tau_min <= tau0, "temperature_schedule::exponential: tau_min = ", tau_min,
                        " must not exceed tau0 = ", tau0);
        return temperature_schedule(kind::exponential, tau0, tau_min, decay, 1);
    }
    static temperature_schedule cosine(T tau0, T tau_min, long steps) {
        check_tau(tau0, "tau0");
        check_tau(tau_min, "tau_min");
        detail::require(tau_min <= tau0, "temperature_schedule::cosine: tau_min = ", tau_min, " must not exceed tau0 = ",
                        tau0);
        detail::require(steps > 0, "temperature_schedule::cosine: the annealing length must be > 0 steps, got ", steps);
        return temperature_schedule(kind::cosine, tau0, tau_min, 1, steps);
    }

    T operator()(long step) const {
        detail::require(step >= 0, "temperature_schedule: step must be >= 0, got ", step);
        switch (kind_) {
        case kind::exponential:
            return std::max(tau_min_, tau0_ * std::pow(decay_, static_cast<T>(step)));
        case kind::cosine: {
            const T x = static_cast<T>(std::min(step, steps_)) / static_cast<T>(steps_);
            return tau_min_ + (tau0_ - tau_min_) * (1 + std::cos(std::numbers::pi_v<T> * x)) / 2;
        }
        case kind::constant:
        default:
            return tau0_;
        }
    }

    kind type() const noexcept { return kind_; }

private:
    temperature_schedule(kind k, T tau0, T tau_min, T decay, long steps)
        : kind_(k), tau0_(tau0), tau_min_(tau_min), decay_(decay), steps_(steps) {}
    static void check_tau(T tau, const char* name) {
        detail::require(std::isfinite(tau) && tau > 0, "temperature_schedule: ", name, " must be finite and > 0, got ",
                        tau);
    }

    kind kind_;
    T tau0_, tau_min_, decay_;
    long steps_;
};

}  // namespace nais::search
