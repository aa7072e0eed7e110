// Evaluates the EDD co-search loss (Eq. 1) and its gradients on the default 20-block space for
// both FPGA architectures, at EDD's initial point (Sec. 5): zero logits, parallel factors
// p0 = log2(RES_ub / #IPs). Acc_loss is a stand-in value here; in a real search it is the
// supernet's validation loss, and grad_acc_loss() is what you chain into your framework.
#include <nais/nais.hpp>

#include <cmath>
#include <cstdio>

namespace {

template <class Loss>
void report(const char* title, Loss& edd, double budget) {
    const nais::proxyless_space space;
    edd.evaluate();
    std::printf("== %s ==\n", title);
    std::printf("  loss L        = %.6g   (Eq. 1)\n", edd.value());
    std::printf("  Perf_loss     = %.6g   (alpha = %.3g)\n", edd.perf_loss(), edd.params().alpha);
    std::printf("  RES           = %.1f DSPs of %.0f; penalty beta*C^(RES-RES_ub) = %.4g\n", edd.res(), budget,
                edd.penalty());
    std::printf("  dL/dAcc_loss  = %.6g   (= Perf_loss; chain this into your supernet)\n", edd.grad_acc_loss());
    std::printf("  %-5s %-22s %14s %14s %14s\n", "block", "cin->cout @h, stride", "Perf_i cycles", "|dL/dtheta_i|",
                Loss::shared ? "" : "sum_m dL/dpf");
    for (int i = 0; i < edd.num_blocks(); ++i) {
        const nais::block b = space.block_at(i);
        char shape[32];
        std::snprintf(shape, sizeof shape, "%d->%d @%d, s%d", b.cin, b.cout, b.h, b.stride);
        std::printf("  %-5d %-22s %14.0f %14.4g", i, shape, edd.perf_blocks()(i), edd.grad_theta().row(i).matrix().norm());
        if constexpr (!Loss::shared)
            std::printf(" %14.4g", edd.grad_pf().row(i).sum());
        std::printf("\n");
    }
    if constexpr (Loss::shared) {
        std::printf("  %-5s %-10s %8s %14s %26s\n", "IP m", "op (k, e)", "pf", "dL/dpf", "P(4 / 8 / 16 bits)");
        for (int m = 0; m < edd.num_ops(); ++m) {
            const auto& pq = edd.quant_probabilities();
            std::printf("  %-5d (%d, %d)     %8.3f %14.4g %10.3f %6.3f %6.3f\n", m, space.op_at(m).kernel,
                        space.op_at(m).expand, edd.pf()(m), edd.grad_pf()(m), pq(m, 0), pq(m, 1), pq(m, 2));
        }
    }
    std::printf("  |dL/dphi| = %.4g over %s rows x 3 bit-widths; sum dL/dpf = %.4g\n\n", edd.grad_phi().matrix().norm(),
                Loss::shared ? "M = 9" : "N*M = 180", edd.grad_pf().sum());
}

}  // namespace

int main() {
    using space = nais::proxyless_space;  // N = 20 blocks, M = 9 MBConv ops, Q = 3 bit-widths {4, 8, 16}
    constexpr int N = space::blocks_at_compile_time, M = space::ops_at_compile_time;
    const double acc_loss = 2.3;  // stand-in for the supernet's cross-entropy

    {  // recursive FPGA, ZCU102-like budget: one shared IP per op type (Eq. 6, 9-10)
        nais::fpga::recursive_loss<space> edd{space{}};
        const double budget = 2520;
        edd.params().res_ub = budget;
        edd.params().acc_loss = acc_loss;
        edd.params().C = 1.01;
        edd.pf().setConstant(std::log2(budget / M));  // EDD Sec. 5: p0 = log(RES_ub / M)
        edd.forward();
        edd.params().alpha = 1.0 / edd.perf_loss();  // alpha brings Perf_loss to ~1, Acc_loss's magnitude
        report("recursive FPGA (ZCU102-like, 2520 DSPs; M = 9 shared IPs)", edd, budget);
    }
    {  // pipelined FPGA, ZC706-like budget: one IP per (block, op) (Eq. 7-8)
        nais::fpga::pipelined_loss<space> edd{space{}};
        const double budget = 900;
        edd.params().res_ub = budget;
        edd.params().acc_loss = acc_loss;
        edd.params().C = 1.01;
        edd.pf().setConstant(std::log2(budget / (M * N)));  // EDD Sec. 5: p0 = log(RES_ub / (M N))
        nais::gumbel_noise(edd.theta_noise(), 42);           // one Gumbel-softmax sample, seeded
        nais::gumbel_noise(edd.phi_noise(), 43);
        edd.forward();
        edd.params().alpha = 1.0 / edd.perf_loss();
        report("pipelined FPGA (ZC706-like, 900 DSPs; one Gumbel sample, seed 42/43)", edd, budget);
    }
    return 0;
}
