#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/expr/node.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

// Several objectives combined into one Perf_loss (EDD Sec. 3.2.4), chosen at run time:
//   product       Perf = prod_k (alpha_k * x_k)^gamma_k   (EDD: "the production of different
//                 objectives"; gamma = (1, 1) over latency and energy is the energy-delay
//                 product, gamma_k = 0 leaves objective k out)
//   weighted_sum  Perf = sum_k lambda_k * x_k              (DANCE: lambda_E E + lambda_L L + lambda_A A)
namespace nais {

enum class combination { product, weighted_sum };

/// How K objectives combine: the mode, one weight per objective (alpha_k for the product,
/// lambda_k for the weighted sum) and, for the product, one exponent per objective.
template <class T, std::size_t K>
struct objective_mix {
    combination mode = combination::product;
    std::array<T, K> weight = filled(T(1));    ///< alpha_k (product) or lambda_k (weighted sum), >= 0
    std::array<T, K> exponent = filled(T(1));  ///< gamma_k (product only), >= 0; 0 drops objective k

    /// Throws nais::invalid_argument naming the bad entry (`what` names the mix, e.g. "params.objective").
    void validate(const char* what) const {
        for (std::size_t k = 0; k < K; ++k) {
            detail::require(std::isfinite(weight[k]) && weight[k] >= 0, what, ".weight[", k,
                            "] must be finite and >= 0, got ", weight[k]);
            detail::require(std::isfinite(exponent[k]) && exponent[k] >= 0, what, ".exponent[", k,
                            "] must be finite and >= 0, got ", exponent[k]);
        }
    }

    static constexpr std::array<T, K> filled(T v) {
        std::array<T, K> a{};
        for (auto& x : a)
            x = v;
        return a;
    }
    /// Only objective k, scaled by alpha: Perf = alpha * x_k.
    static objective_mix only(std::size_t k, T alpha = 1) {
        objective_mix m;
        m.exponent = filled(T(0));
        m.exponent[k] = T(1);
        m.weight[k] = alpha;
        return m;
    }
    /// prod_k alpha_k x_k (every exponent 1).
    static objective_mix product(std::array<T, K> alphas) { return {combination::product, alphas, filled(T(1))}; }
    /// sum_k lambda_k x_k.
    static objective_mix weighted_sum(std::array<T, K> lambdas) {
        return {combination::weighted_sum, lambdas, filled(T(1))};
    }
};

/// The combined objective of K scalar objectives (K >= 1), its mix a value or std::cref of a
/// user's objective_mix. Backward of the product divides by nothing: the product of the other
/// factors comes from prefix and suffix products, so an objective equal to 0 is handled exactly
/// with integer exponents (a fractional exponent below 1 needs x_k > 0).
template <expr::scalar_expression... Xs>
class multi_objective_node : public expr::node<multi_objective_node<Xs...>> {
public:
    static constexpr std::size_t K = sizeof...(Xs);
    static_assert(K >= 1, "nais::multi_objective: needs at least one objective");
    using value_type = std::common_type_t<expr::value_t<Xs>...>;
    using scalar_type = value_type;
    static_assert((std::is_same_v<value_type, expr::value_t<Xs>> && ...),
                  "nais::multi_objective: all objectives must have the same scalar type");
    using mix_type = objective_mix<value_type, K>;

    multi_objective_node(expr::param<mix_type> mix, Xs... xs) : mix_(mix), xs_(std::move(xs)...) {}

    const value_type& forward() {
        forward_children(std::make_index_sequence<K>{});
        const mix_type mix = mix_.get();
        if (mix.mode == combination::weighted_sum) {
            out_ = 0;
            for (std::size_t k = 0; k < K; ++k)
                out_ += mix.weight[k] * x_[k];
            return out_;
        }
        value_type prefix = 1;
        for (std::size_t k = 0; k < K; ++k) {
            t_[k] = factor(mix.weight[k] * x_[k], mix.exponent[k]);  // (alpha_k x_k)^gamma_k
            before_[k] = prefix;
            prefix *= t_[k];
        }
        out_ = prefix;
        return out_;
    }
    const value_type& value() const noexcept { return out_; }

    /// weighted sum: d/dx_k = lambda_k;  product: d/dx_k = gamma_k alpha_k (alpha_k x_k)^(gamma_k - 1) prod_(j != k) t_j
    void backward(const value_type& seed) {
        const mix_type mix = mix_.get();
        if (mix.mode == combination::weighted_sum) {
            for (std::size_t k = 0; k < K; ++k)
                g_[k] = seed * mix.weight[k];
        } else {
            value_type after = 1;
            for (std::size_t j = K; j-- > 0;) {
                const value_type a = mix.weight[j], gamma = mix.exponent[j];
                const value_type dt = gamma == 0 ? value_type(0)
                                      : gamma == 1 ? a
                                                   : gamma * a * std::pow(a * x_[j], gamma - 1);
                g_[j] = seed * before_[j] * after * dt;
                after *= t_[j];
            }
        }
        backward_children(std::make_index_sequence<K>{});
    }

private:
    static value_type factor(value_type base, value_type gamma) {
        return gamma == 0 ? value_type(1) : gamma == 1 ? base : std::pow(base, gamma);
    }
    template <std::size_t... I>
    void forward_children(std::index_sequence<I...>) {
        ((x_[I] = std::get<I>(xs_).forward()), ...);
    }
    template <std::size_t... I>
    void backward_children(std::index_sequence<I...>) {
        (std::get<I>(xs_).backward(g_[I]), ...);
    }

    expr::param<mix_type> mix_;
    std::tuple<Xs...> xs_;
    std::array<value_type, K> x_{}, t_{}, before_{}, g_{};
    value_type out_{};
};

/// multi_objective(mix, x_1, ..., x_K): EDD Sec. 3.2.4 product or DANCE weighted sum.
template <class Mix, expr::scalar_expression... Xs>
auto multi_objective(Mix&& mix, Xs&&... xs) {
    using node_t = multi_objective_node<std::remove_cvref_t<Xs>...>;
    return node_t(expr::param<typename node_t::mix_type>(std::forward<Mix>(mix)), std::forward<Xs>(xs)...);
}

}  // namespace nais
