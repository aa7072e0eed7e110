#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/detail/math.hpp>
#include <nais/expr/node.hpp>
#include <nais/space/search_space.hpp>
#include <nais/space/sharing.hpp>

#include <cmath>
#include <concepts>
#include <cstdint>
#include <utility>

// FPGA device model of EDD Sec. 4.1: an IP-based accelerator, one customizable IP per op.
//   latency  Lat^q(op_i^m) = Phi(q) * sum_l 2^-pf * work_l           (Eq. 11-12)
//   DSPs     Res^q(op_i^m) = Psi(q) * 2^pf                            (Eq. 13)
// Two architectures differ in who shares an IP (Sec. 3.2.5, 4.1):
//   recursive: every block's op m shares IP m, so phi is M x Q and pf has M entries;
//   pipelined: every (block, op) has its own IP, so phi is (N*M) x Q and pf is N x M.
namespace nais::fpga {

/// EDD's latency calibration Phi(q) = q (Sec. 4.1.1).
struct edd_latency_calibration {
    constexpr double operator()(int bits) const noexcept { return bits; }
};

/// EDD's DSP calibration Psi(q) (Sec. 4.1.2): 0 for q <= 4 (multiplies in LUTs), 1/2 for 5..8
/// (two multiplies per DSP48), 1 for 9..16. EDD stops at 16 bits; for 17..32 bits nais tiles a
/// q x q multiply over 27 x 18-bit DSP48E2 multipliers: ceil(q/27) * ceil(q/18) (1, 2 or 4).
struct edd_dsp_calibration {
    constexpr double operator()(int bits) const noexcept {
        if (bits <= 4)
            return 0.0;
        if (bits <= 8)
            return 0.5;
        if (bits <= 16)
            return 1.0;
        return static_cast<double>(((bits + 26) / 27) * ((bits + 17) / 18));
    }
};

/// A calibration: any callable from a bit-width to a non-negative number. It is evaluated at
/// the space's discrete bit-widths only; gradients reach the quantization through phi, so no
/// derivative of the calibration is needed.
template <class F>
concept calibration = std::invocable<const F&, int> && std::convertible_to<std::invoke_result_t<const F&, int>, double>;

/// Evaluates a calibration at every bit-width of a space (validated: finite and >= 0).
template <class T, search_space S, calibration F>
Eigen::Array<T, S::bits_at_compile_time, 1> calibrate(const S& space, const F& f, const char* what) {
    Eigen::Array<T, S::bits_at_compile_time, 1> c(space.num_bits());
    for (int q = 0; q < space.num_bits(); ++q) {
        const double v = static_cast<double>(f(space.bit_width(q)));
        detail::require(std::isfinite(v) && v >= 0, what, " calibration at ", space.bit_width(q),
                        " bits must be finite and >= 0, got ", v);
        c(q) = static_cast<T>(v);
    }
    return c;
}

/// Exact latency of one op under one bit-width and parallel factor (Eq. 11-12), in cycles.
template <class T, calibration F = edd_latency_calibration>
T op_latency_exact(std::int64_t work, int bits, T pf, const F& latency_calibration = {}) {
    return static_cast<T>(latency_calibration(bits)) * static_cast<T>(work) * std::exp2(-pf);
}

/// Exact DSP count of one IP under one bit-width and parallel factor (Eq. 13).
template <class T, calibration F = edd_dsp_calibration>
T op_dsp_exact(int bits, T pf, const F& dsp_calibration = {}) {
    return static_cast<T>(dsp_calibration(bits)) * std::exp2(pf);
}

/// Who shares an IP (and so its quantization and parallel factor): nais::sharing's
/// per_op_type (recursive) or per_block_op (pipelined).
namespace sharing = nais::sharing;

/// Recursive FPGA architecture (EDD Sec. 4.1): one IP per op type shared by all blocks;
/// Perf_loss = alpha * sum_i Perf_i (Eq. 6), RES with tanh sharing (Eq. 9-10).
struct recursive {
    using sharing = sharing::per_op_type;
    static constexpr bool throughput_bound = false;  ///< latency-bound: blocks run one after another
};
/// Pipelined FPGA architecture (EDD Sec. 4.1): one IP per (block, op);
/// Perf_loss = alpha * LSE_i(Perf_i) (Eq. 7), RES = sum_i Res_i (Eq. 8).
struct pipelined {
    using sharing = sharing::per_block_op;
    static constexpr bool throughput_bound = true;  ///< throughput-bound: the slowest stage sets the rate
};

/// An FPGA architecture: who shares an IP (a sharing rule over per_op_type or per_block_op
/// layouts, as the op_latency node supports) and whether the network objective is the sum of
/// block latencies (Eq. 6, DSPs tanh-shared, Eq. 9-10) or their smooth maximum (Eq. 7, DSPs
/// summed, Eq. 8). recursive and pipelined are the two of EDD; any type with these members is one.
template <class A>
concept architecture = sharing::rule<typename A::sharing> && requires {
    { A::throughput_bound } -> std::convertible_to<bool>;
};

/// The two IP layouts the FPGA nodes evaluate in vectorised form: one IP per op type (M x 1,
/// as sharing::per_op_type) and one per (block, op) (N x M, as sharing::per_block_op).
template <class Sharing>
inline constexpr bool per_op_layout = sharing::group_rows<Sharing, 2, 3> == 3 && sharing::group_cols<Sharing, 2, 3> == 1;
template <class Sharing>
inline constexpr bool per_block_op_layout =
    sharing::group_rows<Sharing, 2, 3> == 2 && sharing::group_cols<Sharing, 2, 3> == 3;
/// Whether an architecture shares one IP per op type across blocks (phi M x Q, pf M).
template <architecture A>
inline constexpr bool shares_ips_across_blocks = per_op_layout<typename A::sharing>;

/// Parallelism 2^pf of each IP (Sec. 4.1: "the exponential form 2^pf").
template <expr::array_expression Pf>
class parallelism_node : public expr::node<parallelism_node<Pf>> {
public:
    using value_type = expr::value_t<Pf>;
    using scalar_type = typename value_type::Scalar;

    explicit parallelism_node(Pf pf) : pf_(std::move(pf)) {
        out_.resize(pf_.value().rows(), pf_.value().cols());
        grad_.resize(pf_.value().rows(), pf_.value().cols());
    }
    const value_type& forward() {
        out_ = (pf_.forward() * detail::ln2<scalar_type>).exp();
        return out_;
    }
    const value_type& value() const noexcept { return out_; }
    /// d 2^pf / d pf = ln 2 * 2^pf
    void backward(const value_type& seed) {
        grad_ = seed * out_ * detail::ln2<scalar_type>;
        pf_.backward(grad_);
    }

private:
    Pf pf_;
    value_type out_, grad_;
};

template <expr::array_expression Pf>
auto parallelism(Pf&& pf) {
    return parallelism_node<std::remove_cvref_t<Pf>>(std::forward<Pf>(pf));
}

/// Expected op latency Perf(op_i^m) (Eq. 2 applied to Eq. 11-12). Phi(q) factors out of
/// Eq. 12, so Eq. 2 becomes  Perf(op_i^m) = work[i,m] * E_phi[Phi] / 2^pf  with E_phi[Phi] the
/// bit expectation of the op's quantization group. Output N x M.
///   recursive (per_op_type): e and par have M entries (group m);
///   pipelined (per_block_op): e and par are N x M (group (i, m)).
template <class Sharing, class Work, expr::array_expression E, expr::array_expression Par>
class op_latency_node : public expr::node<op_latency_node<Sharing, Work, E, Par>> {
    using group_type = expr::value_t<E>;

public:
    using scalar_type = typename group_type::Scalar;
    static constexpr bool shared = per_op_layout<Sharing>;
    static_assert(shared || per_block_op_layout<Sharing>,
                  "nais::fpga::op_latency: Sharing must lay IPs out per op type (M x 1) or per (block, op) (N x M)");
    static_assert(std::is_same_v<group_type, expr::value_t<Par>>,
                  "nais::fpga::op_latency: bit expectation and parallelism must have the same shape");
    static_assert(!shared || group_type::ColsAtCompileTime == 1,
                  "nais::fpga::op_latency: with per_op_type sharing, bit expectation and parallelism are M-vectors");
    static_assert(std::is_same_v<typename Work::Scalar, scalar_type>,
                  "nais::fpga::op_latency: the work table and the expectations must have the same scalar type");
    static_assert(shared ? (int(Work::ColsAtCompileTime) == int(group_type::RowsAtCompileTime))
                         : (int(Work::RowsAtCompileTime) == int(group_type::RowsAtCompileTime) &&
                            int(Work::ColsAtCompileTime) == int(group_type::ColsAtCompileTime)),
                  "nais::fpga::op_latency: the work table must be N x M and match the IP layout");
    using value_type = Work;
    using work_type = Work;

    op_latency_node(work_type work, E e, Par par) : w_(std::move(work)), e_(std::move(e)), par_(std::move(par)) {
        const auto& ev = e_.value();
        if constexpr (shared)
            detail::require(ev.size() == w_.cols(), "fpga::op_latency: ", ev.size(), " IPs but ", w_.cols(), " ops");
        else
            detail::require_shape(ev, w_.rows(), w_.cols(), "fpga::op_latency: per-(block, op) expectation");
        detail::require_shape(par_.value(), ev.rows(), ev.cols(), "fpga::op_latency: parallelism");
        out_.resize(w_.rows(), w_.cols());
        sw_.resize(w_.rows(), w_.cols());
        f_.resize(ev.rows(), ev.cols());
        ge_.resize(ev.rows(), ev.cols());
        gp_.resize(ev.rows(), ev.cols());
    }

    const value_type& forward() {
        f_ = e_.forward() / par_.forward();  // E[Phi] * 2^-pf per IP
        if constexpr (shared)
            out_ = w_.rowwise() * f_.transpose();
        else
            out_ = w_ * f_;
        return out_;
    }
    const value_type& value() const noexcept { return out_; }

    /// de = sum_(i,m in group) s * work / par,  dpar = -sum_(i,m in group) s * work * e / par^2
    void backward(const value_type& seed) {
        sw_ = seed * w_;
        if constexpr (shared)
            ge_ = sw_.colwise().sum().transpose() / par_.value();
        else
            ge_ = sw_ / par_.value();
        gp_ = -ge_ * f_;
        e_.backward(ge_);
        par_.backward(gp_);
    }

private:
    work_type w_;
    E e_;
    Par par_;
    value_type out_, sw_;
    group_type f_, ge_, gp_;
};

/// op_latency(sharing::per_op_type{} or per_block_op{}, work N x M, bit expectation, parallelism)
template <class Sharing, class Work, expr::array_expression E, expr::array_expression Par>
auto op_latency(Sharing, Work&& work, E&& e, Par&& par) {
    using node_t = op_latency_node<Sharing, std::remove_cvref_t<Work>, std::remove_cvref_t<E>, std::remove_cvref_t<Par>>;
    return node_t(std::forward<Work>(work), std::forward<E>(e), std::forward<Par>(par));
}

/// Expected DSPs of each IP, Res(op) (Eq. 3 applied to Eq. 13): Psi(q) factors out, so
/// Res(op) = E_phi[Psi] * 2^pf, elementwise over the IPs (M-vector or N x M).
template <expr::array_expression E, expr::array_expression Par>
class op_dsp_node : public expr::node<op_dsp_node<E, Par>> {
public:
    using value_type = expr::value_t<E>;
    using scalar_type = typename value_type::Scalar;
    static_assert(std::is_same_v<value_type, expr::value_t<Par>>,
                  "nais::fpga::op_dsp: bit expectation and parallelism must have the same shape");

    op_dsp_node(E e, Par par) : e_(std::move(e)), par_(std::move(par)) {
        detail::require_shape(par_.value(), e_.value().rows(), e_.value().cols(), "fpga::op_dsp: parallelism");
        out_.resize(e_.value().rows(), e_.value().cols());
        ge_.resize(out_.rows(), out_.cols());
        gp_.resize(out_.rows(), out_.cols());
    }
    const value_type& forward() {
        out_ = e_.forward() * par_.forward();
        return out_;
    }
    const value_type& value() const noexcept { return out_; }
    void backward(const value_type& seed) {
        ge_ = seed * par_.value();
        gp_ = seed * e_.value();
        e_.backward(ge_);
        par_.backward(gp_);
    }

private:
    E e_;
    Par par_;
    value_type out_, ge_, gp_;
};

template <expr::array_expression E, expr::array_expression Par>
auto op_dsp(E&& e, Par&& par) {
    return op_dsp_node<std::remove_cvref_t<E>, std::remove_cvref_t<Par>>(std::forward<E>(e), std::forward<Par>(par));
}

}  // namespace nais::fpga
