// The libtorch autograd baseline of the recursive and pipelined FPGA losses (EDD Eq. 1-10, soft
// Gumbel-softmax), written as a PyTorch user would: tensor ops, autograd for every gradient.
// Compiled into bench_fpga_loss only when CMake finds Torch (Debian: libtorch-dev).
#include "timing.hpp"
#include "torch_hook.hpp"

#include <torch/torch.h>

#include <cmath>
#include <limits>

namespace nais_bench {
namespace {

torch::Tensor tensor(const std::vector<double>& v, std::vector<int64_t> shape, torch::Dtype dtype, bool grad) {
    auto t = torch::from_blob(const_cast<double*>(v.data()), shape, torch::kFloat64).to(dtype).clone();
    return t.set_requires_grad(grad);
}

std::vector<double> flat(const torch::Tensor& t) {
    const auto c = t.to(torch::kFloat64).contiguous();
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

torch_result run(const torch_problem& p) {
    torch::set_num_threads(1);
    const auto dt = p.is_double ? torch::kFloat64 : torch::kFloat32;
    const int64_t n = p.n, m = p.m, q = p.q, g = p.recursive ? m : n * m;
    // constants, built once outside the timed loop
    const auto theta_noise = tensor(p.theta_noise, {n, m}, dt, false);
    const auto phi_noise = tensor(p.phi_noise, {g, q}, dt, false);
    const auto work = tensor(p.work, {n, m}, dt, false);
    const auto lat_f = tensor(p.latency_factor, {q}, dt, false);
    const auto dsp_f = tensor(p.dsp_factor, {q}, dt, false);
    const double ln_c = std::log(p.C);
    const double z_cap = p.is_double ? std::log(std::numeric_limits<double>::max()) / 4
                                     : std::log(std::numeric_limits<float>::max()) / 4;
    // variables
    auto theta = tensor(p.theta, {n, m}, dt, true);
    auto phi = tensor(p.phi, {g, q}, dt, true);
    auto pf = tensor(p.pf, p.recursive ? std::vector<int64_t>{m} : std::vector<int64_t>{n, m}, dt, true);

    auto loss_fn = [&] {
        const auto arch = torch::softmax((theta + theta_noise) / p.tau, 1);  // Gumbel-softmax over ops
        const auto quant = torch::softmax((phi + phi_noise) / p.tau, 1);     // over bit-widths
        const auto par = torch::exp2(pf);                                    // 2^pf
        auto e_phi = torch::matmul(quant, lat_f);                            // Eq. 2
        auto e_psi = torch::matmul(quant, dsp_f);                            // Eq. 3
        torch::Tensor perf, res;
        if (p.recursive) {
            const auto lat = work * (e_phi / par).unsqueeze(0);              // Eq. 11-12, N x M
            perf = p.alpha * (arch * lat).sum();                             // Eq. 4, 6
            res = (torch::tanh(arch.sum(0)) * e_psi * par).sum();            // Eq. 9-10
        } else {
            e_phi = e_phi.reshape({m, n}).t();                               // row i + N*m -> (i, m)
            e_psi = e_psi.reshape({m, n}).t();
            const auto blocks = (arch * work * e_phi / par).sum(1);          // Eq. 4
            perf = p.alpha * p.lse_smoothness * torch::logsumexp(blocks / p.lse_smoothness, 0);  // Eq. 7
            res = (arch * e_psi * par).sum();                                // Eq. 5, 8
        }
        // beta C^(RES - RES_ub), exact up to the cap and along its tangent beyond (as nais)
        const auto z = (res - p.res_ub) * ln_c;
        const auto penalty = p.beta * torch::exp(torch::clamp_max(z, z_cap)) * (1 + torch::relu(z - z_cap));
        return p.acc_loss * perf + penalty;                                  // Eq. 1
    };
    auto step = [&] {
        for (auto* v : {&theta, &phi, &pf})
            if (v->grad().defined())
                v->mutable_grad().zero_();
        auto l = loss_fn();
        l.backward();
        return l;
    };
    torch_result r;
    r.loss = step().item<double>();
    r.grad_theta = flat(theta.grad());
    r.grad_phi = flat(phi.grad());
    r.grad_pf = flat(pf.grad());
    r.seconds_per_eval = seconds_per_call(step, 200);
    return r;
}

[[maybe_unused]] const bool registered = (torch_runner = &run, true);

}  // namespace
}  // namespace nais_bench
