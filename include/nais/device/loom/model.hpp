#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/argmax.hpp>
#include <nais/detail/error.hpp>
#include <nais/device/loom/cost_model.hpp>
#include <nais/expr/leaf.hpp>
#include <nais/loss/composed_loss.hpp>
#include <nais/objective/multi_objective.hpp>
#include <nais/objective/sum.hpp>
#include <nais/space/search_space.hpp>
#include <nais/space/sharing.hpp>
#include <nais/stage/expectation.hpp>

#include <type_traits>
#include <vector>

// The Loom-style bit-serial ASIC of EDD Sec. 4.3 as a nais device model: variables phi_w and
// phi_a (weight and activation precision logits, G x Q each, G by the sharing rule); per-op
// latency and energy bilinear in (E[w], E[a]); Perf a product or weighted sum of total latency
// and energy (Sec. 3.2.4); no resource term (the accelerator is fixed).
namespace nais::loom {

/// Index of each objective in params().objective: 0 = latency (cycles), 1 = energy (MAC units).
inline constexpr std::size_t latency_objective = 0, energy_objective = 1;

struct weights_tag {
    static constexpr const char* name = "phi_weights";
};
struct activations_tag {
    static constexpr const char* name = "phi_activations";
};

/// Outcome of a Loom search: the derived design and its exact latency and energy.
struct search_outcome {
    design derived;
    design_report report;
};

template <search_space S, class T, class Sharing = sharing::per_op_type>
class model {
    static_assert(std::is_floating_point_v<T>, "nais::loom::model: the scalar type must be float, double or long double");
    static_assert(sharing::rule<Sharing>,
                  "nais::loom::loss: Sharing must be nais::sharing::network_wide, per_op_type or per_block_op (or a "
                  "type with the static members of the concept nais::sharing::rule)");

public:
    using space_type = S;
    using scalar_type = T;
    using sharing_rule = Sharing;
    static constexpr int N = S::blocks_at_compile_time, M = S::ops_at_compile_time, Q = S::bits_at_compile_time;
    static constexpr int G = sharing::groups_at_compile_time<Sharing, N, M>;
    static constexpr int GR = sharing::group_rows<Sharing, N, M>, GC = sharing::group_cols<Sharing, N, M>;
    using theta_type = Eigen::Array<T, N, M>;
    using phi_type = Eigen::Array<T, G, Q>;
    using group_type = Eigen::Array<T, GR, GC>;
    using blocks_type = Eigen::Array<T, N, 1>;
    using bits_type = Eigen::Array<T, Q, 1>;
    using table_type = bilinear_cost_table<T, N, M>;
    using variables = nais::variables<sampled<weights_tag, phi_type, Sharing>, sampled<activations_tag, phi_type, Sharing>>;

    // the optional hooks it defines (nais::hook)
    using hooks = nais::hooks<nais::hook::validate_parameters, nais::hook::derive, nais::hook::interface,
                              nais::hook::finish>;
    struct parameters {
        /// Perf from (latency, energy) (EDD Sec. 3.2.4): by default the energy-delay product
        /// alpha_L L * alpha_E E; objective_mix<T, 2>::only(latency_objective, alpha) for latency
        /// alone, ::weighted_sum({lambda_L, lambda_E}) for DANCE's linear cost.
        objective_mix<T, 2> objective{};
    };

    explicit model(const S& space, const accelerator& acc = {})
        : space_(space),
          acc_(acc),
          latency_table_(cost_table<T>(space, acc, cost_kind::latency)),
          energy_table_(cost_table<T>(space, acc, cost_kind::energy)),
          bits_(space.num_bits()),
          bits_w_(sharing::group_rows_of<Sharing>(space.num_blocks(), space.num_ops()),
                  sharing::group_cols_of<Sharing>(space.num_blocks(), space.num_ops())),
          bits_a_(bits_w_.value.rows(), bits_w_.value.cols()),
          latency_blocks_(space.num_blocks(), 1),
          energy_blocks_(space.num_blocks(), 1) {
        for (int q = 0; q < space.num_bits(); ++q) {
            bits_(q) = static_cast<T>(space.bit_width(q));
            bit_widths_.push_back(space.bit_width(q));
        }
    }

    group_shape shape(weights_tag) const { return {bits_w_.value.size(), bits_.size()}; }
    group_shape shape(activations_tag) const { return {bits_w_.value.size(), bits_.size()}; }

    /// E[w], E[a] (Eq. 2 twice) -> bit-serial latency and energy per op -> op expectation
    /// (Eq. 4) -> sums (Eq. 6) -> multi-objective Perf (Sec. 3.2.4).
    template <class B>
    auto program(B& b) {
        using namespace nais::expr;
        const auto gr = bits_w_.value.rows(), gc = bits_w_.value.cols();
        return device_terms(
            statements(
                assign(bits_w_, bit_expectation<GR, GC>(b.probabilities(weights_tag{}), bits_, gr, gc)),      // Eq. 2, weights
                assign(bits_a_, bit_expectation<GR, GC>(b.probabilities(activations_tag{}), bits_, gr, gc)),  // Eq. 2, activations
                assign(latency_blocks_, op_expectation(b.arch(), bit_serial_cost(Sharing{}, table_type(latency_table_),
                                                                                 bits_w_.ref(), bits_a_.ref()))),  // Eq. 4
                assign(energy_blocks_, op_expectation(b.arch(), bit_serial_cost(Sharing{}, table_type(energy_table_),
                                                                                bits_w_.ref(), bits_a_.ref()))),
                assign(latency_, nais::sum(latency_blocks_.ref())),  // Eq. 6
                assign(energy_, nais::sum(energy_blocks_.ref()))),   // Eq. 6 (total energy)
            multi_objective(std::cref(b.params().objective), latency_.ref(), energy_.ref()));  // Sec. 3.2.4
    }

    template <class P>
    void validate_parameters(const P& p) const {
        p.objective.validate("params.objective");
    }

    T latency() const noexcept { return latency_.value; }  ///< expected cycles
    T energy() const noexcept { return energy_.value; }    ///< expected energy, MAC units
    const blocks_type& latency_blocks() const noexcept { return latency_blocks_.value; }
    const blocks_type& energy_blocks() const noexcept { return energy_blocks_.value; }
    const group_type& expected_weight_bits() const noexcept { return bits_w_.value; }
    const group_type& expected_activation_bits() const noexcept { return bits_a_.value; }
    const accelerator& device() const noexcept { return acc_; }

    /// The discrete design of the current logits: argmax of every row of theta, phi_w and phi_a.
    template <class Loss>
    design derive(const Loss& l) const {
        design d;
        d.ops = l.derived_ops();
        d.weight_bits = bit_widths_of(nais::detail::argmax_rows(l.variable(weights_tag{})));
        d.activation_bits = bit_widths_of(nais::detail::argmax_rows(l.variable(activations_tag{})));
        return d;
    }
    /// search::co_search's finish(): the derived design, its exact cycles, ms and energy.
    template <class Loss, class Search>
    search_outcome finish(const Loss& l, const Search&) const {
        search_outcome out;
        out.derived = derive(l);
        out.report = evaluate<Sharing>(space_, acc_, out.derived);
        return out;
    }

    template <class Loss>
    class interface : public loss_interface<Loss> {
        using loss_interface<Loss>::self;

    public:
        using sharing_rule = Sharing;
        using phi_type = model::phi_type;
        using group_type = model::group_type;
        using blocks_type = model::blocks_type;
        static constexpr int G = model::G;

        phi_type& phi_weights() noexcept { return self().variable(weights_tag{}); }
        phi_type& phi_activations() noexcept { return self().variable(activations_tag{}); }
        phi_type& phi_weights_noise() noexcept { return self().noise(weights_tag{}); }
        phi_type& phi_activations_noise() noexcept { return self().noise(activations_tag{}); }
        const phi_type& phi_weights() const noexcept { return self().variable(weights_tag{}); }
        const phi_type& phi_activations() const noexcept { return self().variable(activations_tag{}); }
        const phi_type& phi_weights_noise() const noexcept { return self().noise(weights_tag{}); }
        const phi_type& phi_activations_noise() const noexcept { return self().noise(activations_tag{}); }
        const phi_type& weight_probabilities() const noexcept { return self().probabilities(weights_tag{}); }
        const phi_type& activation_probabilities() const noexcept { return self().probabilities(activations_tag{}); }
        const phi_type& grad_phi_weights() const noexcept { return self().gradient(weights_tag{}); }
        const phi_type& grad_phi_activations() const noexcept { return self().gradient(activations_tag{}); }
        T latency() const noexcept { return self().model().latency(); }
        T energy() const noexcept { return self().model().energy(); }
        const blocks_type& latency_blocks() const noexcept { return self().model().latency_blocks(); }
        const blocks_type& energy_blocks() const noexcept { return self().model().energy_blocks(); }
        const group_type& expected_weight_bits() const noexcept { return self().model().expected_weight_bits(); }
        const group_type& expected_activation_bits() const noexcept { return self().model().expected_activation_bits(); }
        const accelerator& device() const noexcept { return self().model().device(); }
    };

private:
    std::vector<int> bit_widths_of(const std::vector<int>& indices) const {
        std::vector<int> r;
        for (int q : indices)
            r.push_back(bit_widths_[static_cast<std::size_t>(q)]);
        return r;
    }

    S space_;
    accelerator acc_;
    table_type latency_table_, energy_table_;
    bits_type bits_;
    std::vector<int> bit_widths_;
    expr::placeholder<group_type> bits_w_, bits_a_;
    expr::placeholder<blocks_type> latency_blocks_, energy_blocks_;
    expr::placeholder<T> latency_, energy_;
};

/// EDD Eq. 1 on a Loom-style bit-serial accelerator (Sec. 4.3): L = Acc_loss * alpha * Perf with
/// Perf a product or weighted sum of latency and energy (params().objective), both searched
/// over the op (theta N x M), the weight precision (phi_w G x Q) and the activation precision
/// (phi_a G x Q). Sharing decides G for both: network_wide (1), per_op_type (M, the default) or
/// per_block_op (N*M, row i + N*m).
template <search_space S, class T = double, class Sharing = sharing::per_op_type>
using loss = nais::loss<model<S, T, Sharing>>;

}  // namespace nais::loom
