#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/detail/math.hpp>
#include <nais/device/fpga.hpp>
#include <nais/device/fpga_design.hpp>
#include <nais/expr/arithmetic.hpp>
#include <nais/expr/leaf.hpp>
#include <nais/loss/edd_loss.hpp>
#include <nais/objective/log_sum_exp.hpp>
#include <nais/objective/resource_sharing.hpp>
#include <nais/objective/sum.hpp>
#include <nais/sampling/gumbel_softmax.hpp>
#include <nais/space/search_space.hpp>
#include <nais/stage/expectation.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <type_traits>

namespace nais::fpga {

/// Scalar settings of the loss; they may change between evaluations.
template <class T>
struct loss_params {
    T tau = 1;         ///< Gumbel-softmax temperature, > 0
    bool hard = false; ///< straight-through (hard) sampling
    T alpha = 1;       ///< Perf_loss scale (Eq. 6-7), >= 0
    T beta = 1;        ///< penalty weight (Eq. 1), >= 0
    T C = T(1.01);     ///< penalty base (Eq. 1), > 1
    T res_ub = std::numeric_limits<T>::quiet_NaN();  ///< DSP budget RES_ub (Eq. 1): must be set, >= 0
    T acc_loss = 1;    ///< Acc_loss value from the user's supernet (Eq. 1)
    T lse_smoothness = 1;  ///< mu of the pipelined throughput LSE (Eq. 7 is mu = 1)
};

namespace detail {

/// Everything a composed FPGA loss owns: variables, noise, gradients, parameters and the
/// placeholders of shared intermediate values. Sized once at construction.
template <search_space S, class T, class Architecture>
struct fpga_storage {
    static constexpr bool shared = std::is_same_v<Architecture, recursive>;
    static constexpr int N = S::blocks_at_compile_time, M = S::ops_at_compile_time, Q = S::bits_at_compile_time;
    static constexpr int G = shared ? M : nais::detail::product_dim(N, M);  // quantization groups (IPs)

    using theta_type = Eigen::Array<T, N, M>;
    using phi_type = Eigen::Array<T, G, Q>;
    using pf_type = std::conditional_t<shared, Eigen::Array<T, M, 1>, Eigen::Array<T, N, M>>;
    using blocks_type = Eigen::Array<T, N, 1>;
    using calibration_type = Eigen::Array<T, Q, 1>;

    fpga_storage(int n, int m, int q)
        : n_blocks(n),
          n_ops(m),
          n_bits(q),
          theta(theta_type::Zero(n, m)),
          theta_noise(theta_type::Zero(n, m)),
          grad_theta(theta_type::Zero(n, m)),
          phi(phi_type::Zero(groups(), q)),
          phi_noise(phi_type::Zero(groups(), q)),
          grad_phi(phi_type::Zero(groups(), q)),
          pf(pf_type::Zero(pf_rows(), pf_cols())),
          grad_pf(pf_type::Zero(pf_rows(), pf_cols())),
          arch(n, m),
          quant(groups(), q),
          par(pf_rows(), pf_cols()),
          perf_blocks(n, 1) {}

    Eigen::Index groups() const { return shared ? n_ops : Eigen::Index(n_blocks) * n_ops; }
    Eigen::Index pf_rows() const { return shared ? n_ops : n_blocks; }
    Eigen::Index pf_cols() const { return shared ? 1 : n_ops; }

    int n_blocks, n_ops, n_bits;
    loss_params<T> params;
    theta_type theta, theta_noise, grad_theta;
    phi_type phi, phi_noise, grad_phi;
    pf_type pf, grad_pf;
    T grad_acc = 0;
    expr::placeholder<theta_type> arch;
    expr::placeholder<phi_type> quant;
    expr::placeholder<pf_type> par;
    expr::placeholder<blocks_type> perf_blocks;
    expr::placeholder<T> perf, res;
};

/// Builds the EDD program over a storage: Gumbel-softmax -> Eq. 2-3 -> Eq. 4-5 -> Eq. 6/7 and
/// 8/9-10 -> Eq. 1. Every node refers to the storage, never to another node.
template <search_space S, class T, class Architecture>
auto make_fpga_program(fpga_storage<S, T, Architecture>& s, typename fpga_storage<S, T, Architecture>::theta_type work,
                       typename fpga_storage<S, T, Architecture>::calibration_type c_phi,
                       typename fpga_storage<S, T, Architecture>::calibration_type c_psi) {
    using namespace nais::expr;
    using storage = fpga_storage<S, T, Architecture>;
    const loss_params<T>& p = s.params;
    auto arch = assign(s.arch, gumbel_softmax(variable(s.theta, s.grad_theta), s.theta_noise, std::cref(p.tau),
                                              std::cref(p.hard)));
    auto quant = assign(s.quant, gumbel_softmax(variable(s.phi, s.grad_phi), s.phi_noise, std::cref(p.tau),
                                                std::cref(p.hard)));
    auto par = assign(s.par, parallelism(variable(s.pf, s.grad_pf)));
    // layout of the per-IP expectations: M-vector (recursive) or N x M (pipelined)
    constexpr int ER = storage::shared ? storage::M : storage::N, EC = storage::shared ? 1 : storage::M;
    auto e_phi = bit_expectation<ER, EC>(s.quant.ref(), std::move(c_phi), s.pf_rows(), s.pf_cols());  // Eq. 2 (Phi)
    auto e_psi = bit_expectation<ER, EC>(s.quant.ref(), std::move(c_psi), s.pf_rows(), s.pf_cols());  // Eq. 3 (Psi)
    auto blocks = assign(s.perf_blocks, op_expectation(s.arch.ref(), op_latency(typename Architecture::sharing{},
                                                                                std::move(work), std::move(e_phi),
                                                                                s.par.ref())));  // Eq. 4
    auto dsp = op_dsp(std::move(e_psi), s.par.ref());  // Eq. 3 + 13
    auto acc = variable(s.params.acc_loss, s.grad_acc);
    if constexpr (storage::shared) {
        return program(std::move(arch), std::move(quant), std::move(par), std::move(blocks),
                       assign(s.perf, scale(std::cref(p.alpha), sum(s.perf_blocks.ref()))),  // Eq. 6
                       assign(s.res, resource_sharing(s.arch.ref(), std::move(dsp))),         // Eq. 9-10
                       edd_loss(acc, s.perf.ref(), s.res.ref(), std::cref(p.beta), std::cref(p.C),
                                std::cref(p.res_ub)));  // Eq. 1
    } else {
        return program(std::move(arch), std::move(quant), std::move(par), std::move(blocks),
                       assign(s.perf, scale(std::cref(p.alpha),
                                            log_sum_exp(s.perf_blocks.ref(), std::cref(p.lse_smoothness)))),  // Eq. 7
                       assign(s.res, sum(op_expectation(s.arch.ref(), std::move(dsp)))),  // Eq. 5, 8
                       edd_loss(acc, s.perf.ref(), s.res.ref(), std::cref(p.beta), std::cref(p.C),
                                std::cref(p.res_ub)));  // Eq. 1
    }
}

}  // namespace detail

/// The whole EDD loss (Eq. 1) for an FPGA architecture over a search space, composed from the
/// library's nodes (see detail::make_fpga_program for the graph). It owns the variables (theta,
/// phi, pf), the noise, the gradients and the intermediate placeholders; all storage is sized
/// once at construction (fixed-size and inline for a static_space), so evaluate() allocates
/// nothing. The expression refers to the members, so a loss object can be neither copied nor
/// moved: construct it in place (or in a std::unique_ptr).
///
/// Shapes (N blocks, M ops, Q bit-widths):
///   theta, theta_noise N x M;  perf_blocks N
///   recursive: phi, phi_noise M x Q;       pf M
///   pipelined: phi, phi_noise (N*M) x Q;   pf N x M;  row i + N*m of phi is block i, op m
template <search_space S, class T, class Architecture>
class loss {
    static_assert(std::is_floating_point_v<T>, "nais::fpga::loss: the scalar type must be float, double or long double");
    static_assert(std::is_same_v<Architecture, recursive> || std::is_same_v<Architecture, pipelined>,
                  "nais::fpga::loss: Architecture must be nais::fpga::recursive or nais::fpga::pipelined");
    using storage = detail::fpga_storage<S, T, Architecture>;

public:
    static constexpr bool shared = storage::shared;
    static constexpr int N = storage::N, M = storage::M, Q = storage::Q, G = storage::G;
    using scalar_type = T;
    using architecture = Architecture;
    using theta_type = typename storage::theta_type;
    using phi_type = typename storage::phi_type;
    using pf_type = typename storage::pf_type;
    using blocks_type = typename storage::blocks_type;

    template <calibration Lat = edd_latency_calibration, calibration Dsp = edd_dsp_calibration>
    explicit loss(const S& space, const Lat& latency_calibration = {}, const Dsp& dsp_calibration = {})
        : params(s_.params),
          s_(space.num_blocks(), space.num_ops(), space.num_bits()),
          costs_(make_cost_table(space, latency_calibration, dsp_calibration)),
          program_(detail::make_fpga_program(s_, work_array<T>(space), calibrate<T>(space, latency_calibration, "latency"),
                                             calibrate<T>(space, dsp_calibration, "DSP"))) {}

    loss(const loss&) = delete;
    loss& operator=(const loss&) = delete;

    /// Scalar settings (tau, hard, alpha, beta, C, res_ub, acc_loss, lse_smoothness).
    loss_params<T>& params;

    // Variables (read and write) and their Gumbel noise (zero unless set).
    theta_type& theta() noexcept { return s_.theta; }
    phi_type& phi() noexcept { return s_.phi; }
    pf_type& pf() noexcept { return s_.pf; }
    theta_type& theta_noise() noexcept { return s_.theta_noise; }
    phi_type& phi_noise() noexcept { return s_.phi_noise; }
    const theta_type& theta() const noexcept { return s_.theta; }
    const phi_type& phi() const noexcept { return s_.phi; }
    const pf_type& pf() const noexcept { return s_.pf; }
    const theta_type& theta_noise() const noexcept { return s_.theta_noise; }
    const phi_type& phi_noise() const noexcept { return s_.phi_noise; }

    /// Validates the inputs and evaluates the loss (no gradients).
    T forward() {
        validate();
        return program_.forward();
    }

    /// Validates the inputs, evaluates the loss and all gradients (overwritten, not accumulated).
    T evaluate() {
        const T l = forward();
        s_.grad_theta.setZero();
        s_.grad_phi.setZero();
        s_.grad_pf.setZero();
        s_.grad_acc = T(0);
        program_.backward(T(1));
        return l;
    }

    // Results of the last forward()/evaluate().
    T value() const noexcept { return program_.value(); }
    T perf_loss() const noexcept { return s_.perf.value; }  ///< Eq. 6 (recursive) or 7 (pipelined)
    T res() const noexcept { return s_.res.value; }         ///< DSPs: Eq. 9-10 (recursive) or 8 (pipelined)
    T penalty() const noexcept { return program_.result().right().value(); }  ///< beta * C^(RES - RES_ub)
    const blocks_type& perf_blocks() const noexcept { return s_.perf_blocks.value; }  ///< Perf_i (Eq. 4), cycles
    const theta_type& arch_probabilities() const noexcept { return s_.arch.value; }
    const phi_type& quant_probabilities() const noexcept { return s_.quant.value; }

    // Gradients of the last evaluate().
    const theta_type& grad_theta() const noexcept { return s_.grad_theta; }
    const phi_type& grad_phi() const noexcept { return s_.grad_phi; }
    const pf_type& grad_pf() const noexcept { return s_.grad_pf; }
    T grad_acc_loss() const noexcept { return s_.grad_acc; }  ///< dL/dAcc_loss = Perf_loss
    /// dL/d(sampled op probabilities) and dL/d(sampled bit probabilities): the gradient at the
    /// Gumbel-softmax outputs, e.g. to chain into a supernet that samples by itself.
    const theta_type& grad_arch_probabilities() const noexcept { return s_.arch.adjoint; }
    const phi_type& grad_quant_probabilities() const noexcept { return s_.quant.adjoint; }

    /// Work and calibrations of the space in double: the exact (expectation-free) model of a
    /// discrete design (fpga::evaluate, fpga::retune).
    const cost_table& costs() const noexcept { return costs_; }

    int num_blocks() const noexcept { return s_.n_blocks; }
    int num_ops() const noexcept { return s_.n_ops; }
    int num_bits() const noexcept { return s_.n_bits; }

private:
    void validate() const {
        using nais::detail::require;
        const loss_params<T>& p = s_.params;
        require(std::isfinite(p.tau) && p.tau > 0, "params.tau (Gumbel-softmax temperature) must be finite and > 0, got ",
                p.tau);
        require(std::isfinite(p.alpha) && p.alpha >= 0, "params.alpha must be finite and >= 0, got ", p.alpha);
        require(std::isfinite(p.beta) && p.beta >= 0, "params.beta must be finite and >= 0, got ", p.beta);
        require(std::isfinite(p.C) && p.C > 1, "params.C (penalty base) must be finite and > 1, got ", p.C);
        require(std::isfinite(p.res_ub) && p.res_ub >= 0,
                "params.res_ub (resource budget) must be set, finite and >= 0, got ", p.res_ub);
        require(std::isfinite(p.acc_loss), "params.acc_loss must be finite, got ", p.acc_loss);
        require(std::isfinite(p.lse_smoothness) && p.lse_smoothness > 0,
                "params.lse_smoothness must be finite and > 0, got ", p.lse_smoothness);
        nais::detail::require_finite(s_.theta, "theta");
        nais::detail::require_finite(s_.phi, "phi");
        nais::detail::require_finite(s_.pf, "pf");
        nais::detail::require_finite(s_.theta_noise, "theta_noise");
        nais::detail::require_finite(s_.phi_noise, "phi_noise");
        const T limit = nais::detail::parallel_factor_limit<T>();
        if (!(s_.pf.abs() <= limit).all()) [[unlikely]] {
            Eigen::Index r = 0, c = 0;
            s_.pf.abs().maxCoeff(&r, &c);
            if (shared)
                nais::detail::fail("pf(", r, ") = ", s_.pf(r, c), " is outside [-", limit, ", ", limit,
                                   "] (2^pf would leave the range of the scalar type)");
            nais::detail::fail("pf(", r, ",", c, ") = ", s_.pf(r, c), " is outside [-", limit, ", ", limit,
                               "] (2^pf would leave the range of the scalar type)");
        }
    }

    storage s_;
    cost_table costs_;
    decltype(detail::make_fpga_program(std::declval<storage&>(), std::declval<theta_type>(),
                                       std::declval<typename storage::calibration_type>(),
                                       std::declval<typename storage::calibration_type>())) program_;
};

template <search_space S, class T = double>
using recursive_loss = loss<S, T, recursive>;
template <search_space S, class T = double>
using pipelined_loss = loss<S, T, pipelined>;

}  // namespace nais::fpga
