// The optional libtorch autograd baseline: bench_torch.cpp (compiled only when CMake finds
// Torch) sets torch_runner at start-up; the benchmarks use it when it is set.
#pragma once
#include <vector>

namespace nais_bench {

/// One loss evaluation point, with every array flattened row-major in double. Shapes as in
/// nais::fpga::loss: theta N x M; phi G x Q (G = M recursive, N*M pipelined, row i + N*m);
/// pf M (recursive) or N x M (pipelined); work N x M; factors Q.
struct torch_problem {
    bool recursive = true, is_double = true;
    int n = 0, m = 0, q = 0;
    std::vector<double> theta, theta_noise, phi, phi_noise, pf, work, latency_factor, dsp_factor;
    double tau = 1, alpha = 1, beta = 1, C = 1.01, res_ub = 0, acc_loss = 1, lse_smoothness = 1;
};

/// The loss and gradients libtorch autograd computed (flattened as above), and the best time
/// of one forward+backward (constants built outside the timed loop, one thread).
struct torch_result {
    double loss = 0;
    std::vector<double> grad_theta, grad_phi, grad_pf;
    double seconds_per_eval = 0;
};

inline torch_result (*torch_runner)(const torch_problem&) = nullptr;

}  // namespace nais_bench
