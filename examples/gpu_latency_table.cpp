// EDD on a GPU (Sec. 4.2): the measured Titan RTX latency table of examples/gpu/, a network-wide
// precision, and a short co-search with a stand-in Acc_loss; prints the derived network.
#include <nais/nais.hpp>

#include "stand_in_accuracy.hpp"

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
    using space = nais::tfnas_gpu_space;  // 21 blocks x 6 MBConv ops x {8, 16, 32} bits
    const std::string path = argc > 1 ? argv[1] : NAIS_EXAMPLES_DIR "/gpu/titanrtx_tfnas_gpu.csv";
    const nais::gpu::latency_table ms = nais::gpu::load_latency_table_csv(path, space{});
    // normalise by the largest network of the table (every block on its slowest op, fp32)
    std::vector<int> largest(space::blocks_at_compile_time, 5);
    const double reference = ms.network_latency(largest, 2);
    nais::gpu::loss<space> loss{space{}, ms.normalized_by(reference)};
    std::printf("GPU table %s: %d blocks x %d ops x %d bit-widths; largest network %.2f ms (fp32, batch 32)\n",
                path.c_str(), loss.num_blocks(), loss.num_ops(), loss.num_bits(), reference);

    const example::stand_in_accuracy accuracy(space{});
    nais::search::adam<double> adam;
    using theta_t = nais::gpu::loss<space>::theta_type;
    using phi_t = nais::gpu::loss<space>::phi_type;
    nais::search::adam<double>::slot<theta_t> s_theta(loss.theta());
    nais::search::adam<double>::slot<phi_t> s_phi(loss.phi());
    example::array g_theta, g_phi;
    for (long step = 1; step <= 300; ++step) {
        nais::gumbel_noise(loss.theta_noise(), 100 + step);
        nais::gumbel_noise(loss.phi_noise(), 200 + step);
        loss.params().tau = 5.0 * std::pow(0.99, double(step));
        loss.params().acc_loss = accuracy(loss.theta(), g_theta, loss.phi(), g_phi);
        const double l = loss.evaluate();  // L = Acc * Perf_loss (no resource term on a GPU)
        // product rule of Eq. 1: dL/dx = Acc * dPerf/dx (the library's gradient) + Perf * dAcc/dx
        const theta_t gt = loss.grad_theta() + loss.perf_loss() * g_theta;
        const phi_t gp = loss.grad_phi() + loss.perf_loss() * g_phi;
        adam.update(loss.theta(), gt, s_theta, 0.1, step);
        adam.update(loss.phi(), gp, s_phi, 0.1, step);
        if (step == 1 || step % 100 == 0)
            std::printf("step %3ld  tau %.2f  L = %.4f  Acc = %.4f  Perf_loss = %.4f\n", step, loss.params().tau, l,
                        loss.params().acc_loss, loss.perf_loss());
    }
    const nais::gpu::design d = loss.derive();
    const nais::gpu::design_report r = nais::gpu::evaluate(ms, d);
    std::printf("derived network, %d-bit (network-wide):\n  block  op         latency ms\n", space{}.bit_width(d.bits));
    for (int i = 0; i < loss.num_blocks(); ++i) {
        const nais::mbconv o = space{}.op_at(d.ops[std::size_t(i)]);
        std::printf("  %5d  k%d e%d  %13.4f\n", i, o.kernel, o.expand, r.block_latency[std::size_t(i)]);
    }
    std::printf("total %.3f ms per batch of 32 (%.1f%% of the largest network)\n", r.latency, 100 * r.latency / reference);
}
