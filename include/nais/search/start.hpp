#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/loss/device_model.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

// EDD Sec. 5's starting point of a co-search, without the driver's optimizer: zero logits,
// continuous variables at the device model's initial_value within their bounds, the model's
// check_search and prepare_search hooks, alpha normalised so that Perf_loss = 1. co_search's
// initialisation is this; a user with their own loop (Python's HardwareLoss.initial_variables)
// gets the same point from initialize_search(loss).
namespace nais::detail {
template <class Loss, class At, class F, class... G, std::size_t... I>
void for_each_group_indexed(Loss& loss, At& at, F& f, nais::variables<G...>, std::index_sequence<I...>) {
    (f(G{}, loss.template variable<typename G::tag>(), at(std::integral_constant<std::size_t, I>{})), ...);
}
template <class Loss, class At, class F, class... G>
void for_each_group_in(Loss& loss, At& at, F& f, nais::variables<G...> v) {
    for_each_group_indexed(loss, at, f, v, std::index_sequence_for<G...>{});
}
/// f(G{}, the group's array, at(index of G)) for every variable group G of the loss, in order
/// (at: the caller's per-group state, e.g. its bounds or optimizer slots).
template <class Loss, class At, class F>
void for_each_group_with(Loss& loss, At&& at, F&& f) {
    for_each_group_in(loss, at, f, typename Loss::variables{});
}
}  // namespace nais::detail

namespace nais::search {

/// Bounds of one continuous variable group by its name (overrides the device model's).
struct named_bounds {
    std::string group;
    interval bounds;
};

/// What the starting point reads of the search options.
template <class T>
struct start_options {
    /// Bounds of continuous groups by name; unset: the device model's search_bounds.
    std::vector<named_bounds> bounds{};
    /// Rescale params().alpha so that Perf_loss = 1 at the starting point (noise-free).
    bool normalize_performance = true;
    /// For device models with a smooth maximum (the pipelined FPGA's Eq. 7 log-sum-exp): its
    /// smoothness as a fraction of the initial objective scale; nullopt keeps the loss's own.
    std::optional<T> relative_smoothness = T(0.1);
};

/// The starting point of a search over a composed loss, and what the device model's
/// check_search / prepare_search hooks see of the search (bounds(tag), options()).
template <class Loss>
class search_start {
public:
    using scalar_type = typename Loss::scalar_type;
    using T = scalar_type;
    using model_type = typename Loss::model_type;
    using params_type = std::remove_cvref_t<decltype(std::declval<const Loss&>().params())>;

    /// Resolves the continuous groups' bounds (options over the model's search_bounds), checks
    /// the hooks a model lists and runs its check_search; throws nais::invalid_argument naming
    /// the option or group.
    search_start(Loss& loss, start_options<T> options) : loss_(loss), options_(std::move(options)) {
        if (options_.relative_smoothness)
            nais::detail::require(std::isfinite(*options_.relative_smoothness) && *options_.relative_smoothness > 0,
                                  "co_search: options.relative_smoothness must be finite and > 0, got ",
                                  *options_.relative_smoothness);
        for_each_group([&](auto g, auto&, interval& bounds) {
            using G = decltype(g);
            if constexpr (!G::is_sampled) {
                bounds = default_bounds(g);
                for (const named_bounds& b : options_.bounds)
                    if (b.group == G::tag::name)
                        bounds = b.bounds;
                nais::detail::require(bounds.min <= bounds.max, "co_search: bounds of ", G::tag::name, " [", bounds.min,
                                      ", ", bounds.max, "] must satisfy min <= max");
            }
        });
        for (const named_bounds& b : options_.bounds) {
            bool known = false;
            for_each_group([&](auto g, auto&, interval&) {
                known = known || (!decltype(g)::is_sampled && b.group == decltype(g)::tag::name);
            });
            nais::detail::require(known, "co_search: options.bounds names '", b.group,
                                  "', which is not a continuous variable group of the device model");
        }
        constexpr bool has_check = requires(const model_type& m) { m.check_search(loss_, *this); };
        constexpr bool has_prepare = requires(const model_type& m) { m.prepare_search(loss_, *this); };
        static_assert(lists_hook<model_type, hook::prepare_search>() == has_prepare,
                      "nais::search::co_search: the device model lists nais::hook::prepare_search without a "
                      "prepare_search(Loss&, const Search&) const, or defines one without listing the hook");
        if constexpr (lists_hook<model_type, hook::check_search>()) {
            static_assert(has_check, "nais::search::co_search: the device model lists nais::hook::check_search but has "
                                     "no check_search(const Loss&, const Search&) const");
            loss_.model().check_search(loss_, *this);
        } else {
            static_assert(!has_check, "nais::search::co_search: the device model defines check_search(...) but does not "
                                      "list nais::hook::check_search in its hooks");
        }
        check_group_hooks();
    }

    /// EDD Sec. 5 initialisation of the loss at its current tau and hard: zero logits and zero
    /// noise; continuous variables at the device model's initial_value (FPGA: pf = log2(RES_ub /
    /// #IPs)) within their bounds; the model's prepare_search; then alpha normalised
    /// (options.normalize_performance). Returns the alpha chosen.
    T apply() {
        loss_.theta().setZero();
        loss_.theta_noise().setZero();
        for_each_group([&](auto g, auto& x, interval& bounds) {
            using G = decltype(g);
            if constexpr (G::is_sampled) {
                x.setZero();
                loss_.noise(typename G::tag{}).setZero();
            } else {
                x.setConstant(initial_value(g, bounds));
            }
        });
        auto& p = loss_.params();
        if constexpr (lists_hook<model_type, hook::prepare_search>())
            loss_.model().prepare_search(loss_, *this);
        if (options_.normalize_performance) {
            p.alpha = 1;
            loss_.forward();
            if (loss_.perf_loss() > 0)
                p.alpha = T(1) / loss_.perf_loss();
        }
        return p.alpha;
    }

    /// Bounds of a continuous group.
    template <class Tag>
    interval bounds(Tag = {}) const {
        interval out{};
        const_cast<search_start*>(this)->for_each_group([&](auto g, auto&, interval& b) {
            if constexpr (std::is_same_v<typename decltype(g)::tag, Tag>)
                out = b;
        });
        return out;
    }
    const start_options<T>& options() const noexcept { return options_; }
    Loss& loss() noexcept { return loss_; }
    const Loss& loss() const noexcept { return loss_; }

private:
    template <class Vars>
    struct group_count;
    template <class... G>
    struct group_count<variables<G...>> {
        static constexpr std::size_t value = sizeof...(G);
    };
    static constexpr std::size_t num_groups = group_count<typename Loss::variables>::value;

    template <class F>
    void for_each_group(F&& f) {
        nais::detail::for_each_group_with(loss_, [&](auto i) -> interval& { return std::get<decltype(i)::value>(bounds_); }, f);
    }

    template <class G>
    static constexpr bool has_search_bounds = requires(const model_type& m, const params_type& p) {
        m.search_bounds(typename G::tag{}, p);
    };
    template <class G>
    static constexpr bool has_initial_value = requires(const model_type& m, const params_type& p, interval b) {
        m.initial_value(typename G::tag{}, p, b);
    };
    /// search_bounds and initial_value are per continuous group (Tag): a listed hook must match at
    /// least one group (a misspelt or mistyped one matches none), an unlisted one none.
    void check_group_hooks() {
        bool bounds = false, initial = false;
        for_each_group([&](auto g, auto&, interval&) {
            using G = decltype(g);
            if constexpr (!G::is_sampled) {
                bounds = bounds || has_search_bounds<G>;
                initial = initial || has_initial_value<G>;
            }
        });
        if constexpr (lists_hook<model_type, hook::search_bounds>())
            nais::detail::require(bounds, "co_search: the device model lists nais::hook::search_bounds but no continuous "
                                          "group has search_bounds(Tag, const Params&) const");
        if constexpr (lists_hook<model_type, hook::initial_value>())
            nais::detail::require(initial, "co_search: the device model lists nais::hook::initial_value but no continuous "
                                           "group has initial_value(Tag, const Params&, interval) const");
    }
    template <class G>
    interval default_bounds(G g) const {
        static_assert(lists_hook<model_type, hook::search_bounds>() || !has_search_bounds<G>,
                      "nais::search::co_search: the device model defines search_bounds(Tag, params) but does not list "
                      "nais::hook::search_bounds in its hooks");
        if constexpr (has_search_bounds<G>)
            return loss_.model().search_bounds(typename G::tag{}, loss_.params());
        else {
            (void)g;
            return {-HUGE_VAL, HUGE_VAL};
        }
    }
    template <class G>
    T initial_value(G, interval b) const {
        static_assert(lists_hook<model_type, hook::initial_value>() || !has_initial_value<G>,
                      "nais::search::co_search: the device model defines initial_value(Tag, params, interval) but does "
                      "not list nais::hook::initial_value in its hooks");
        if constexpr (has_initial_value<G>)
            return loss_.model().initial_value(typename G::tag{}, loss_.params(), b);
        else
            return static_cast<T>(std::clamp(0.0, b.min, b.max));
    }

    Loss& loss_;
    start_options<T> options_;
    std::array<interval, num_groups> bounds_{};
};

/// EDD Sec. 5's starting point in one call: what co_search's construction does to the loss,
/// without the driver (at the loss's current tau and hard). Returns the alpha chosen.
template <class Loss>
typename Loss::scalar_type initialize_search(Loss& loss, start_options<typename Loss::scalar_type> options = {}) {
    search_start<Loss> start(loss, std::move(options));
    return start.apply();
}

}  // namespace nais::search
