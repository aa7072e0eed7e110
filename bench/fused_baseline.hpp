// Hand-fused plain loops of the recursive and pipelined FPGA losses and their gradients,
// written as directly as possible: the floor the expression templates are judged against.
// They read the same variables as a nais::fpga::loss and are checked against it before timing.
#pragma once
#include <nais/nais.hpp>

#include <cmath>
#include <vector>

namespace nais_bench {

template <class T>
struct fused_result {
    T loss = 0, perf_loss = 0, res = 0;
};

/// Row softmax of (x + g) / tau into p (row-major, rows x cols).
template <class T, class X>
void softmax_rows(const X& x, const X& g, T tau, int rows, int cols, std::vector<T>& p) {
    for (int r = 0; r < rows; ++r) {
        T mx = -INFINITY;
        for (int c = 0; c < cols; ++c)
            mx = std::max(mx, (x(r, c) + g(r, c)) / tau);
        T s = 0;
        for (int c = 0; c < cols; ++c) {
            const T e = std::exp((x(r, c) + g(r, c)) / tau - mx);
            p[r * cols + c] = e;
            s += e;
        }
        for (int c = 0; c < cols; ++c)
            p[r * cols + c] /= s;
    }
}

/// dx = y (.) (dy - <dy, y>) / tau, row by row.
template <class T, class D>
void softmax_rows_backward(const std::vector<T>& y, const std::vector<T>& dy, T tau, int rows, int cols, D& dx) {
    for (int r = 0; r < rows; ++r) {
        T dot = 0;
        for (int c = 0; c < cols; ++c)
            dot += dy[r * cols + c] * y[r * cols + c];
        for (int c = 0; c < cols; ++c)
            dx(r, c) = y[r * cols + c] * (dy[r * cols + c] - dot) / tau;
    }
}

template <class T>
T penalty(T res, T beta, T C, T ub, T& slope) {
    const T lc = std::log(C), z = (res - ub) * lc, zmax = nais::detail::penalty_exponent_cap<T>();
    if (z <= zmax) {
        const T v = beta * std::exp(z);
        slope = v * lc;
        return v;
    }
    const T a = beta * std::exp(zmax);
    slope = a * lc;
    return a * (1 + z - zmax);
}

/// Workspace sized once; evaluate() reads the loss object's variables and writes gradients.
template <class Loss>
class fused {
    int n_, m_, q_, g_;

public:
    using T = typename Loss::scalar_type;
    using theta_type = typename Loss::theta_type;
    using phi_type = typename Loss::phi_type;
    using pf_type = typename Loss::pf_type;

    template <class Space>
    explicit fused(const Space& s)
        : n_(s.num_blocks()), m_(s.num_ops()), q_(s.num_bits()), g_(Loss::shared ? m_ : n_ * m_),
          grad_theta(), grad_phi(), work_(static_cast<std::size_t>(n_ * m_)), bits_(q_), psi_(q_), pa_(n_ * m_), pq_(g_ * q_), dpa_(n_ * m_),
          dpq_(g_ * q_), ephi_(g_), epsi_(g_), par_(g_), f_(g_), df_(g_), dres_ip_(g_), u_(m_), t_(m_), blk_(n_),
          w_(n_) {
        grad_theta.resize(n_, m_);
        grad_phi.resize(g_, q_);
        for (int i = 0; i < n_; ++i)
            for (int m = 0; m < m_; ++m)
                work_[i * m_ + m] = static_cast<T>(s.work(i, m));
        for (int q = 0; q < q_; ++q) {
            bits_[q] = static_cast<T>(nais::fpga::edd_latency_calibration{}(s.bit_width(q)));
            psi_[q] = static_cast<T>(nais::fpga::edd_dsp_calibration{}(s.bit_width(q)));
        }
        if constexpr (Loss::shared)
            grad_pf.resize(m_);
        else
            grad_pf.resize(n_, m_);
    }

    fused_result<T> evaluate(const Loss& l) {
        const auto& p = l.params();
        const T tau = p.tau, alpha = p.alpha, acc = p.acc_loss;
        softmax_rows(l.theta(), l.theta_noise(), tau, n_, m_, pa_);
        softmax_rows(l.phi(), l.phi_noise(), tau, g_, q_, pq_);
        for (int g = 0; g < g_; ++g) {
            T a = 0, b = 0;
            for (int q = 0; q < q_; ++q) {
                a += pq_[g * q_ + q] * bits_[q];
                b += pq_[g * q_ + q] * psi_[q];
            }
            ephi_[g] = a;
            epsi_[g] = b;
            par_[g] = std::exp2(pf_at(l, g));
            f_[g] = a / par_[g];
        }
        fused_result<T> r;
        // forward: Eq. 2-10
        for (int m = 0; m < m_; ++m)
            u_[m] = 0;
        T res = 0;
        for (int i = 0; i < n_; ++i) {
            T perf_i = 0;
            for (int m = 0; m < m_; ++m) {
                const int g = group(i, m);
                const T pim = pa_[i * m_ + m];
                perf_i += pim * work_[i * m_ + m] * f_[g];
                if constexpr (Loss::shared)
                    u_[m] += pim;
                else
                    res += pim * epsi_[g] * par_[g];
            }
            blk_[i] = perf_i;
        }
        T perf;
        if constexpr (Loss::shared) {
            perf = 0;
            for (int i = 0; i < n_; ++i)
                perf += blk_[i];
            for (int m = 0; m < m_; ++m) {
                t_[m] = std::tanh(u_[m]);
                res += t_[m] * epsi_[m] * par_[m];
            }
        } else {
            const T mu = p.lse_smoothness;
            T mx = blk_[0];
            for (int i = 1; i < n_; ++i)
                mx = std::max(mx, blk_[i]);
            T s = 0;
            for (int i = 0; i < n_; ++i) {
                w_[i] = std::exp((blk_[i] - mx) / mu);
                s += w_[i];
            }
            for (int i = 0; i < n_; ++i)
                w_[i] /= s;
            perf = mx + mu * std::log(s);
        }
        T slope;
        const T pen = penalty(res, p.beta, p.C, p.res_ub, slope);
        r.perf_loss = alpha * perf;
        r.res = res;
        r.loss = acc * r.perf_loss + pen;
        grad_acc = r.perf_loss;
        // backward
        for (int g = 0; g < g_; ++g) {
            df_[g] = 0;
            dres_ip_[g] = 0;
        }
        for (int i = 0; i < n_; ++i) {
            const T dblk = Loss::shared ? acc * alpha : acc * alpha * w_[i];
            for (int m = 0; m < m_; ++m) {
                const int g = group(i, m);
                const T wk = work_[i * m_ + m];
                const T pim = pa_[i * m_ + m];
                T d = dblk * wk * f_[g];
                df_[g] += dblk * pim * wk;
                if constexpr (Loss::shared) {
                    d += slope * (1 - t_[m] * t_[m]) * epsi_[m] * par_[m];
                } else {
                    d += slope * epsi_[g] * par_[g];
                    dres_ip_[g] += slope * pim;
                }
                dpa_[i * m_ + m] = d;
            }
        }
        for (int g = 0; g < g_; ++g) {
            const T dres_g = Loss::shared ? slope * t_[g] : dres_ip_[g];  // dL/dRes(op)
            const T dephi = df_[g] / par_[g];
            const T depsi = dres_g * par_[g];
            const T dpar = -df_[g] * f_[g] / par_[g] + dres_g * epsi_[g];
            pf_grad_at(g) = dpar * par_[g] * nais::detail::ln2<T>;
            for (int q = 0; q < q_; ++q)
                dpq_[g * q_ + q] = dephi * bits_[q] + depsi * psi_[q];
        }
        softmax_rows_backward(pa_, dpa_, tau, n_, m_, grad_theta);
        softmax_rows_backward(pq_, dpq_, tau, g_, q_, grad_phi);
        return r;
    }

    theta_type grad_theta;
    phi_type grad_phi;
    pf_type grad_pf;
    T grad_acc = 0;

private:
    int group(int i, int m) const { return Loss::shared ? m : i + n_ * m; }
    T pf_at(const Loss& l, int g) const {
        if constexpr (Loss::shared)
            return l.pf()(g);
        else
            return l.pf()(g % n_, g / n_);
    }
    T& pf_grad_at(int g) {
        if constexpr (Loss::shared)
            return grad_pf(g);
        else
            return grad_pf(g % n_, g / n_);
    }

    std::vector<T> work_, bits_, psi_, pa_, pq_, dpa_, dpq_, ephi_, epsi_, par_, f_, df_, dres_ip_, u_, t_, blk_, w_;
};

}  // namespace nais_bench
