// EDD Sec. 5's co-search on a session (session.hpp: session::co_search): the step of
// nais::search::co_search (include/nais/search/co_search.hpp) on the type-erased loss's arrays,
// with the driver's own parts: the starting point (initialize_search: search_start), the
// temperature schedule, the Gumbel generator (noise drawn in co_search's order: theta, then the
// sampled groups, each in gumbel_generator::fill's order) and Adam. Compiled once for every
// device; tests/test_session_search.cpp holds it equal to co_search bit for bit.
#include "session_impl.hpp"

#include <nais/sampling/gumbel.hpp>
#include <nais/search/co_search.hpp>
#include <nais/search/optimizer.hpp>
#include <nais/search/temperature.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace nais_eval::detail {

namespace {

using nais::detail::require;
using nais::search::detail::at_step;

nais::search::temperature_schedule<double> schedule_of(const search_settings& s) {
    using schedule = nais::search::temperature_schedule<double>;
    if (s.schedule == "constant")
        return schedule::constant(s.tau0);
    if (s.schedule == "exponential") {  // tau0 at the first step, tau_min at the last
        // capped at 1 so that tau_min > tau0 gets the schedule's own refusal, not one about the decay
        const double decay = s.steps > 1 ? std::pow(s.tau_min / s.tau0, 1.0 / double(s.steps - 1)) : 1.0;
        return schedule::exponential(s.tau0, std::min(decay, 1.0), s.tau_min);
    }
    if (s.schedule == "cosine")
        return schedule::cosine(s.tau0, s.tau_min, std::max(1L, s.steps - 1));
    nais::detail::fail("co_search: schedule must be \"constant\", \"exponential\" or \"cosine\", got \"", s.schedule, "\"");
}

}  // namespace

std::vector<search_step> session_arrays::co_search(const search_settings& s, const accuracy_callback& accuracy) {
    require(s.steps >= 0, "co_search: steps must be >= 0, got ", s.steps);
    const std::pair<const char*, double> rates[] = {{"arch", s.lr_arch}, {"quant", s.lr_quant}, {"impl", s.lr_impl}};
    for (const auto& [name, lr] : rates)
        require(std::isfinite(lr) && lr >= 0, "co_search: learning_rate.", name, " must be finite and >= 0, got ", lr);
    const nais::search::temperature_schedule<double> temperature = schedule_of(s);
    const nais::search::adam<double> adam{};
    // co_search's initialisation: tau and hard of the first step, then the starting point
    set_parameter("tau", temperature(0));
    set_parameter("hard", s.hard ? 1 : 0);
    initialize_search(s.start);
    nais::gumbel_generator rng(s.seed);

    const std::size_t n = arrays_.size();
    std::vector<nais::search::adam<double>::slot<Eigen::ArrayXd>> slots;
    std::vector<Eigen::ArrayXd> x(n), g(n);
    std::vector<std::size_t> sampled;  // the variables the callback sees, in order
    for (std::size_t k = 0; k < n; ++k) {
        const auto size = Eigen::Index(arrays_[k].rows * arrays_[k].cols);
        x[k].resize(size);
        g[k].resize(size);
        slots.emplace_back(x[k]);
        if (info_[k].sampled)
            sampled.push_back(k);
    }
    std::vector<std::vector<double>> soft(sampled.size()), one_hot(sampled.size()), d_acc(sampled.size());
    for (std::size_t j = 0; j < sampled.size(); ++j) {
        soft[j].resize(arrays_[sampled[j]].offset.size());
        one_hot[j].resize(soft[j].size());
    }

    std::vector<search_step> curve;
    curve.reserve(std::size_t(s.steps));
    for (long t = 0; t < s.steps; ++t) {
        const double tau = temperature(t);
        set_parameter("tau", tau);
        set_parameter("hard", s.hard ? 1 : 0);
        if (s.sample_noise)
            for (std::size_t k : sampled) {  // gumbel_generator::fill: column by column, rows inner
                const variable_arrays& a = arrays_[k];
                for (Eigen::Index c = 0; c < a.cols; ++c)
                    for (Eigen::Index r = 0; r < a.rows; ++r)
                        a.noise[a.row_major ? r * a.cols + c : r + c * a.rows] = rng();
            }
        // the sample the callback sees (hard: one-hot) and the soft sample its gradient chains
        // through (the straight-through estimator's backward is the soft one's)
        at_step(t, [&] { forward(); });
        for (std::size_t j = 0; j < sampled.size(); ++j)
            get_probabilities(sampled[j], (s.hard ? one_hot : soft)[j].data());
        if (s.hard) {
            set_parameter("hard", 0);
            at_step(t, [&] { forward(); });
            set_parameter("hard", 1);
            for (std::size_t j = 0; j < sampled.size(); ++j)
                get_probabilities(sampled[j], soft[j].data());
        }
        for (std::size_t j = 0; j < sampled.size(); ++j)
            d_acc[j].assign(soft[j].size(), 0.0);
        const double acc = accuracy(t, tau, s.hard ? one_hot : soft, d_acc);
        if (!std::isfinite(acc))
            nais::detail::fail("co-search step ", t, ": the accuracy callback returned Acc_loss = ", acc);
        if (d_acc.size() != sampled.size())
            nais::detail::fail("co-search step ", t, ": the accuracy callback resized the gradients to ", d_acc.size(),
                               " variables, expected ", sampled.size());
        for (std::size_t j = 0; j < sampled.size(); ++j) {
            const variable_info& v = info_[sampled[j]];
            if (d_acc[j].size() != soft[j].size())
                nais::detail::fail("co-search step ", t, ": the accuracy callback left d Acc_loss / d ", v.name, " with ",
                                   d_acc[j].size(), " values, expected ", soft[j].size());
            for (std::size_t i = 0; i < d_acc[j].size(); ++i)
                if (!std::isfinite(d_acc[j][i]))
                    nais::detail::fail("co-search step ", t, ": the accuracy callback returned d Acc_loss / d ", v.name, "[", i,
                                       "] = ", d_acc[j][i]);
        }
        set_parameter("acc_loss", acc);
        const session_result r = at_step(t, [&] { return evaluate(); });
        // Eq. 1 product rule: dL/dx = Acc dPerf/dx + dPenalty/dx (the loss) + Perf dAcc/dx, with
        // dAcc/d(logits) = p (dAcc/dp - sum p dAcc/dp) / tau per categorical row (the spec's last axis)
        for (std::size_t k = 0; k < n; ++k) {
            const variable_arrays& a = arrays_[k];
            x[k] = Eigen::Map<const Eigen::ArrayXd>(a.value, x[k].size());
            g[k] = Eigen::Map<const Eigen::ArrayXd>(a.grad, g[k].size());
        }
        for (std::size_t j = 0; j < sampled.size(); ++j) {
            const std::size_t k = sampled[j];
            const std::size_t q = info_[k].shape.back();
            const std::vector<std::size_t>& at = arrays_[k].offset;
            for (std::size_t row = 0; row < at.size(); row += q) {
                double dot = 0;
                for (std::size_t i = row; i < row + q; ++i)
                    dot += soft[j][i] * d_acc[j][i];
                for (std::size_t i = row; i < row + q; ++i)
                    g[k](Eigen::Index(at[i])) += r.perf_loss * (soft[j][i] * (d_acc[j][i] - dot) / tau);
            }
        }
        for (std::size_t k = 0; k < n; ++k) {
            const double lr = k == 0 ? s.lr_arch : info_[k].quantization ? s.lr_quant : s.lr_impl;
            adam.update(x[k], g[k], slots[k], lr, t + 1);
            if (!info_[k].sampled)  // projection onto the bounds
                x[k] = x[k].cwiseMax(bounds_[k].min).cwiseMin(bounds_[k].max);
            if (!x[k].allFinite())
                nais::detail::fail("co-search step ", t, ": the update made ", info_[k].name,
                                   " non-finite (a learning rate too large for the gradient scale?)");
        }
        for (std::size_t k = 0; k < n; ++k)
            Eigen::Map<Eigen::ArrayXd>(arrays_[k].value, x[k].size()) = x[k];
        curve.push_back({t, tau, r.loss, acc, r.perf_loss, r.res, r.penalty});
    }
    return curve;
}

}  // namespace nais_eval::detail
