#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/loom.hpp>
#include <nais/expr/arithmetic.hpp>
#include <nais/expr/leaf.hpp>
#include <nais/loss/logits.hpp>
#include <nais/objective/multi_objective.hpp>
#include <nais/objective/sum.hpp>
#include <nais/sampling/gumbel_softmax.hpp>
#include <nais/space/search_space.hpp>
#include <nais/space/sharing.hpp>
#include <nais/stage/expectation.hpp>

#include <cmath>
#include <functional>
#include <type_traits>

namespace nais::loom {

/// Index of each objective in params.objective: 0 = latency (cycles), 1 = energy (MAC units).
inline constexpr std::size_t latency_objective = 0, energy_objective = 1;

template <class T>
struct loss_params {
    T tau = 1;          ///< Gumbel-softmax temperature, > 0
    bool hard = false;  ///< straight-through (hard) sampling
    T acc_loss = 1;     ///< Acc_loss value from the user's supernet (Eq. 1)
    /// Perf_loss from (latency, energy) (EDD Sec. 3.2.4): by default the energy-delay product
    /// alpha_L L * alpha_E E; objective_mix<T, 2>::only(latency_objective, alpha) for latency
    /// alone, ::weighted_sum({lambda_L, lambda_E}) for DANCE's linear cost.
    objective_mix<T, 2> objective{};
};

namespace detail {

template <search_space S, class T, sharing::rule Sharing>
struct loom_storage {
    static constexpr int N = S::blocks_at_compile_time, M = S::ops_at_compile_time, Q = S::bits_at_compile_time;
    static constexpr int G = sharing::groups_at_compile_time<Sharing, N, M>;
    static constexpr int GR = sharing::group_rows<Sharing, N, M>, GC = sharing::group_cols<Sharing, N, M>;
    using theta_type = Eigen::Array<T, N, M>;
    using phi_type = Eigen::Array<T, G, Q>;
    using group_type = Eigen::Array<T, GR, GC>;
    using blocks_type = Eigen::Array<T, N, 1>;
    using bits_type = Eigen::Array<T, Q, 1>;
    using table_type = bilinear_cost_table<T, N, M>;

    loom_storage(int n, int m, int q)
        : theta(n, m),
          phi_w(sharing::groups_of<Sharing>(n, m), q),
          phi_a(sharing::groups_of<Sharing>(n, m), q),
          arch(n, m),
          quant_w(sharing::groups_of<Sharing>(n, m), q),
          quant_a(sharing::groups_of<Sharing>(n, m), q),
          bits_w(sharing::group_rows_of<Sharing>(n, m), sharing::group_cols_of<Sharing>(n, m)),
          bits_a(sharing::group_rows_of<Sharing>(n, m), sharing::group_cols_of<Sharing>(n, m)),
          latency_blocks(n, 1),
          energy_blocks(n, 1) {}

    loss_params<T> params;
    nais::detail::logits<theta_type> theta;
    nais::detail::logits<phi_type> phi_w, phi_a;
    T grad_acc = 0;
    expr::placeholder<theta_type> arch;
    expr::placeholder<phi_type> quant_w, quant_a;
    expr::placeholder<group_type> bits_w, bits_a;
    expr::placeholder<blocks_type> latency_blocks, energy_blocks;
    expr::placeholder<T> latency, energy, perf;
};

/// GS(theta), GS(phi_w), GS(phi_a) -> E[w], E[a] (Eq. 2 twice) -> bit-serial latency and energy
/// per op -> op expectation (Eq. 4) -> sums (Eq. 6) -> multi-objective Perf (Sec. 3.2.4) -> Acc * Perf.
template <search_space S, class T, sharing::rule Sharing>
auto make_loom_program(loom_storage<S, T, Sharing>& s, typename loom_storage<S, T, Sharing>::bits_type bits,
                       typename loom_storage<S, T, Sharing>::table_type latency_table,
                       typename loom_storage<S, T, Sharing>::table_type energy_table) {
    using namespace nais::expr;
    using storage = loom_storage<S, T, Sharing>;
    const loss_params<T>& p = s.params;
    const auto gr = s.bits_w.value.rows(), gc = s.bits_w.value.cols();
    return program(
        assign(s.arch, gumbel_softmax(s.theta.leaf(), s.theta.noise, std::cref(p.tau), std::cref(p.hard))),
        assign(s.quant_w, gumbel_softmax(s.phi_w.leaf(), s.phi_w.noise, std::cref(p.tau), std::cref(p.hard))),
        assign(s.quant_a, gumbel_softmax(s.phi_a.leaf(), s.phi_a.noise, std::cref(p.tau), std::cref(p.hard))),
        assign(s.bits_w, bit_expectation<storage::GR, storage::GC>(s.quant_w.ref(), bits, gr, gc)),  // Eq. 2, weights
        assign(s.bits_a, bit_expectation<storage::GR, storage::GC>(s.quant_a.ref(), bits, gr, gc)),  // Eq. 2, activations
        assign(s.latency_blocks, op_expectation(s.arch.ref(), bit_serial_cost(Sharing{}, std::move(latency_table),
                                                                              s.bits_w.ref(), s.bits_a.ref()))),  // Eq. 4
        assign(s.energy_blocks, op_expectation(s.arch.ref(), bit_serial_cost(Sharing{}, std::move(energy_table),
                                                                             s.bits_w.ref(), s.bits_a.ref()))),
        assign(s.latency, nais::sum(s.latency_blocks.ref())),  // Eq. 6
        assign(s.energy, nais::sum(s.energy_blocks.ref())),    // Eq. 6 (total energy)
        assign(s.perf, multi_objective(std::cref(p.objective), s.latency.ref(), s.energy.ref())),  // Sec. 3.2.4
        variable(s.params.acc_loss, s.grad_acc) * s.perf.ref());  // Eq. 1, no resource term (fixed ASIC)
}

}  // namespace detail

/// EDD Eq. 1 on a Loom-style bit-serial accelerator (Sec. 4.3): L = Acc_loss * Perf_loss with
/// Perf_loss a product or weighted sum of latency and energy (params.objective), both searched
/// over the op (theta N x M), the weight precision (phi_w G x Q) and the activation precision
/// (phi_a G x Q). Sharing decides G for both precisions: network_wide (1), per_op_type (M,
/// the default) or per_block_op (N*M, row i + N*m). The space's bit-widths are the candidates
/// for weights and activations alike. No resource term: the accelerator is fixed. Owns all
/// storage, evaluates without allocating, neither copyable nor movable.
template <search_space S, class T = double, class Sharing = sharing::per_op_type>
class loss {
    static_assert(std::is_floating_point_v<T>, "nais::loom::loss: the scalar type must be float, double or long double");
    static_assert(sharing::rule<Sharing>,
                  "nais::loom::loss: Sharing must be nais::sharing::network_wide, per_op_type or per_block_op");
    using storage = detail::loom_storage<S, T, Sharing>;

public:
    static constexpr int N = storage::N, M = storage::M, Q = storage::Q, G = storage::G;
    using scalar_type = T;
    using sharing_rule = Sharing;
    using theta_type = typename storage::theta_type;
    using phi_type = typename storage::phi_type;
    using group_type = typename storage::group_type;
    using blocks_type = typename storage::blocks_type;

    explicit loss(const S& space, const accelerator& acc = {})
        : params(s_.params),
          s_(space.num_blocks(), space.num_ops(), space.num_bits()),
          acc_(acc),
          program_(detail::make_loom_program(s_, bit_widths(space), cost_table<T>(space, acc, cost_kind::latency),
                                             cost_table<T>(space, acc, cost_kind::energy))) {
        for (int q = 0; q < space.num_bits(); ++q)
            bits_.push_back(space.bit_width(q));
    }

    loss(const loss&) = delete;
    loss& operator=(const loss&) = delete;

    /// Scalar settings (tau, hard, acc_loss, objective).
    loss_params<T>& params;

    theta_type& theta() noexcept { return s_.theta.value; }
    phi_type& phi_weights() noexcept { return s_.phi_w.value; }
    phi_type& phi_activations() noexcept { return s_.phi_a.value; }
    theta_type& theta_noise() noexcept { return s_.theta.noise; }
    phi_type& phi_weights_noise() noexcept { return s_.phi_w.noise; }
    phi_type& phi_activations_noise() noexcept { return s_.phi_a.noise; }
    const theta_type& theta() const noexcept { return s_.theta.value; }
    const phi_type& phi_weights() const noexcept { return s_.phi_w.value; }
    const phi_type& phi_activations() const noexcept { return s_.phi_a.value; }
    const theta_type& theta_noise() const noexcept { return s_.theta.noise; }
    const phi_type& phi_weights_noise() const noexcept { return s_.phi_w.noise; }
    const phi_type& phi_activations_noise() const noexcept { return s_.phi_a.noise; }

    T forward() {
        validate();
        return program_.forward();
    }
    T evaluate() {
        const T l = forward();
        s_.theta.grad.setZero();
        s_.phi_w.grad.setZero();
        s_.phi_a.grad.setZero();
        s_.grad_acc = T(0);
        program_.backward(T(1));
        return l;
    }

    T value() const noexcept { return program_.value(); }
    T perf_loss() const noexcept { return s_.perf.value; }
    T latency() const noexcept { return s_.latency.value; }  ///< expected cycles
    T energy() const noexcept { return s_.energy.value; }    ///< expected energy, MAC units
    const blocks_type& latency_blocks() const noexcept { return s_.latency_blocks.value; }
    const blocks_type& energy_blocks() const noexcept { return s_.energy_blocks.value; }
    const group_type& expected_weight_bits() const noexcept { return s_.bits_w.value; }
    const group_type& expected_activation_bits() const noexcept { return s_.bits_a.value; }
    const theta_type& arch_probabilities() const noexcept { return s_.arch.value; }
    const phi_type& weight_probabilities() const noexcept { return s_.quant_w.value; }
    const phi_type& activation_probabilities() const noexcept { return s_.quant_a.value; }
    const theta_type& grad_theta() const noexcept { return s_.theta.grad; }
    const phi_type& grad_phi_weights() const noexcept { return s_.phi_w.grad; }
    const phi_type& grad_phi_activations() const noexcept { return s_.phi_a.grad; }
    T grad_acc_loss() const noexcept { return s_.grad_acc; }  ///< dL/dAcc_loss = Perf_loss

    const accelerator& device() const noexcept { return acc_; }

    /// The discrete design of the current logits: argmax of every row of theta, phi_w and phi_a.
    design derive() const {
        design d;
        d.ops = argmax_rows(s_.theta.value, nullptr);
        d.weight_bits = argmax_rows(s_.phi_w.value, &bits_);
        d.activation_bits = argmax_rows(s_.phi_a.value, &bits_);
        return d;
    }

    int num_blocks() const noexcept { return static_cast<int>(s_.theta.value.rows()); }
    int num_ops() const noexcept { return static_cast<int>(s_.theta.value.cols()); }
    int num_bits() const noexcept { return static_cast<int>(bits_.size()); }

private:
    static typename storage::bits_type bit_widths(const S& space) {
        typename storage::bits_type b(space.num_bits());
        for (int q = 0; q < space.num_bits(); ++q)
            b(q) = static_cast<T>(space.bit_width(q));
        return b;
    }
    template <class A>
    static std::vector<int> argmax_rows(const A& a, const std::vector<int>* values) {
        std::vector<int> r;
        for (Eigen::Index i = 0; i < a.rows(); ++i) {
            Eigen::Index c = 0;
            a.row(i).maxCoeff(&c);
            r.push_back(values ? (*values)[static_cast<std::size_t>(c)] : static_cast<int>(c));
        }
        return r;
    }

    void validate() const {
        nais::detail::validate_sampling(s_.params.tau, s_.params.acc_loss);
        s_.params.objective.validate("params.objective");
        s_.theta.validate("theta");
        s_.phi_w.validate("phi_weights");
        s_.phi_a.validate("phi_activations");
    }

    storage s_;
    accelerator acc_;
    std::vector<int> bits_;
    decltype(detail::make_loom_program(std::declval<storage&>(), std::declval<typename storage::bits_type>(),
                                       std::declval<typename storage::table_type>(),
                                       std::declval<typename storage::table_type>())) program_;
};

}  // namespace nais::loom
