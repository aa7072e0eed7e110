#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/gpu.hpp>
#include <nais/device/latency_table.hpp>
#include <nais/expr/arithmetic.hpp>
#include <nais/expr/leaf.hpp>
#include <nais/loss/logits.hpp>
#include <nais/objective/sum.hpp>
#include <nais/sampling/gumbel_softmax.hpp>
#include <nais/space/search_space.hpp>
#include <nais/stage/expectation.hpp>

#include <cmath>
#include <functional>
#include <type_traits>

namespace nais::gpu {

template <class T>
struct loss_params {
    T tau = 1;          ///< Gumbel-softmax temperature, > 0
    bool hard = false;  ///< straight-through (hard) sampling
    T alpha = 1;        ///< Perf_loss scale (Eq. 6), >= 0
    T acc_loss = 1;     ///< Acc_loss value from the user's supernet (Eq. 1)
};

namespace detail {

/// Everything a gpu::loss owns, sized once; the program refers to it.
template <search_space S, class T>
struct gpu_storage {
    static constexpr int N = S::blocks_at_compile_time, M = S::ops_at_compile_time, Q = S::bits_at_compile_time;
    using theta_type = Eigen::Array<T, N, M>;
    using phi_type = Eigen::Array<T, 1, Q>;
    using blocks_type = Eigen::Array<T, N, 1>;
    using table_type = Eigen::Array<T, nais::detail::product_dim(N, M), Q>;

    gpu_storage(int n, int m, int q) : theta(n, m), phi(1, q), arch(n, m), quant(1, q), blocks(n, 1) {}

    loss_params<T> params;
    nais::detail::logits<theta_type> theta;
    nais::detail::logits<phi_type> phi;
    T grad_acc = 0;
    expr::placeholder<theta_type> arch;
    expr::placeholder<phi_type> quant;
    expr::placeholder<blocks_type> blocks;
    expr::placeholder<T> perf;
};

/// GS(theta), GS(phi) -> table expectation (Eq. 2) -> op expectation (Eq. 4) -> sum (Eq. 6) -> Acc * Perf.
template <search_space S, class T>
auto make_gpu_program(gpu_storage<S, T>& s, typename gpu_storage<S, T>::table_type table) {
    using namespace nais::expr;
    constexpr int N = gpu_storage<S, T>::N, M = gpu_storage<S, T>::M;
    const loss_params<T>& p = s.params;
    const auto n = s.theta.value.rows(), m = s.theta.value.cols();
    return program(
        assign(s.arch, gumbel_softmax(s.theta.leaf(), s.theta.noise, std::cref(p.tau), std::cref(p.hard))),
        assign(s.quant, gumbel_softmax(s.phi.leaf(), s.phi.noise, std::cref(p.tau), std::cref(p.hard))),
        assign(s.blocks, op_expectation(s.arch.ref(), table_latency<N, M>(s.quant.ref(), std::move(table), n, m))),  // Eq. 2, 4
        assign(s.perf, scale(std::cref(p.alpha), nais::sum(s.blocks.ref()))),                                        // Eq. 6
        variable(s.params.acc_loss, s.grad_acc) * s.perf.ref());  // Eq. 1 without a resource term
}

}  // namespace detail

/// EDD Eq. 1 on a GPU (Sec. 4.2): L = Acc_loss * alpha * sum_i Perf_i, with
///   Perf_i = sum_m GS(theta)_(i,m) * sum_q GS(phi)_q * Lat(i, m, q)      (Eq. 4 with Eq. 2 simplified)
/// and no resource term (the GPU is fixed). Variables: theta N x M and one network-wide phi
/// 1 x Q. The table is taken in the units it comes in (normalise it first, e.g.
/// table.normalized_by(table.max())). Like fpga::loss it owns all storage, evaluates without
/// allocating, and can be neither copied nor moved.
template <search_space S, class T = double>
class loss {
    static_assert(std::is_floating_point_v<T>, "nais::gpu::loss: the scalar type must be float, double or long double");
    using storage = detail::gpu_storage<S, T>;

public:
    static constexpr int N = storage::N, M = storage::M, Q = storage::Q;
    using scalar_type = T;
    using theta_type = typename storage::theta_type;
    using phi_type = typename storage::phi_type;
    using blocks_type = typename storage::blocks_type;
    using table_type = typename storage::table_type;

    loss(const S& space, const latency_table& table)
        : params(s_.params),
          s_(space.num_blocks(), space.num_ops(), space.num_bits()),
          program_(detail::make_gpu_program(s_, checked(space, table))) {}

    loss(const loss&) = delete;
    loss& operator=(const loss&) = delete;

    /// Scalar settings (tau, hard, alpha, acc_loss).
    loss_params<T>& params;

    theta_type& theta() noexcept { return s_.theta.value; }
    phi_type& phi() noexcept { return s_.phi.value; }
    theta_type& theta_noise() noexcept { return s_.theta.noise; }
    phi_type& phi_noise() noexcept { return s_.phi.noise; }
    const theta_type& theta() const noexcept { return s_.theta.value; }
    const phi_type& phi() const noexcept { return s_.phi.value; }
    const theta_type& theta_noise() const noexcept { return s_.theta.noise; }
    const phi_type& phi_noise() const noexcept { return s_.phi.noise; }

    /// Validates the inputs and evaluates the loss (no gradients).
    T forward() {
        validate();
        return program_.forward();
    }
    /// Validates the inputs, evaluates the loss and all gradients (overwritten, not accumulated).
    T evaluate() {
        const T l = forward();
        s_.theta.grad.setZero();
        s_.phi.grad.setZero();
        s_.grad_acc = T(0);
        program_.backward(T(1));
        return l;
    }

    T value() const noexcept { return program_.value(); }
    T perf_loss() const noexcept { return s_.perf.value; }                     ///< alpha * sum_i Perf_i (Eq. 6)
    const blocks_type& perf_blocks() const noexcept { return s_.blocks.value; }  ///< Perf_i (Eq. 4), table units
    const theta_type& arch_probabilities() const noexcept { return s_.arch.value; }
    const phi_type& quant_probabilities() const noexcept { return s_.quant.value; }
    const theta_type& grad_theta() const noexcept { return s_.theta.grad; }
    const phi_type& grad_phi() const noexcept { return s_.phi.grad; }
    T grad_acc_loss() const noexcept { return s_.grad_acc; }  ///< dL/dAcc_loss = Perf_loss

    /// The discrete design of the current logits: argmax of each theta row and of phi.
    design derive() const {
        design d;
        for (Eigen::Index i = 0; i < s_.theta.value.rows(); ++i) {
            Eigen::Index m = 0;
            s_.theta.value.row(i).maxCoeff(&m);
            d.ops.push_back(static_cast<int>(m));
        }
        Eigen::Index q = 0;
        s_.phi.value.maxCoeff(&q);
        d.bits = static_cast<int>(q);
        return d;
    }

    int num_blocks() const noexcept { return static_cast<int>(s_.theta.value.rows()); }
    int num_ops() const noexcept { return static_cast<int>(s_.theta.value.cols()); }
    int num_bits() const noexcept { return static_cast<int>(s_.phi.value.cols()); }

private:
    static table_type checked(const S& space, const latency_table& t) {
        nais::detail::require(t.num_blocks() == space.num_blocks() && t.num_ops() == space.num_ops() &&
                                  t.num_bits() == space.num_bits(),
                              "gpu::loss: the latency table is ", t.num_blocks(), " x ", t.num_ops(), " x ", t.num_bits(),
                              " (blocks x ops x bits), the space ", space.num_blocks(), " x ", space.num_ops(), " x ",
                              space.num_bits());
        for (int i = 0; i < t.num_blocks(); ++i)
            for (int m = 0; m < t.num_ops(); ++m)
                for (int q = 0; q < t.num_bits(); ++q) {
                    const double v = t.at(i, m, q);
                    nais::detail::require(std::isfinite(v) && v >= 0, "gpu::loss: latency table entry (block ", i, ", op ",
                                          m, ", bits ", space.bit_width(q), ") must be finite and >= 0, got ", v);
                }
        return t.to_array<T, table_type::RowsAtCompileTime, table_type::ColsAtCompileTime>();
    }

    void validate() const {
        nais::detail::validate_sampling(s_.params.tau, s_.params.acc_loss);
        nais::detail::require(std::isfinite(s_.params.alpha) && s_.params.alpha >= 0,
                              "params.alpha must be finite and >= 0, got ", s_.params.alpha);
        s_.theta.validate("theta");
        s_.phi.validate("phi");
    }

    storage s_;
    decltype(detail::make_gpu_program(std::declval<storage&>(), std::declval<table_type>())) program_;
};

}  // namespace nais::gpu
