// EDD on a Loom-style bit-serial ASIC (Sec. 4.3): ops, weight and activation precisions per op
// type searched for the energy-delay product, with a stand-in Acc_loss; prints the derived design.
#include <nais/nais.hpp>

#include "stand_in_accuracy.hpp"

#include <cstdio>

int main() {
    using space = nais::static_space<nais::proxyless_blocks, nais::edd_ops, nais::bit_list<2, 4, 8, 16>>;
    using loss_t = nais::loom::loss<space, double, nais::sharing::per_op_type>;
    nais::loom::accelerator asic;  // 128 equivalent 16b x 16b MACs per cycle at 1 GHz (see loom.hpp)
    loss_t loss{space{}, asic};
    // Perf_loss = (L / L0) * (E / E0): the energy-delay product, normalised at the initial point
    loss.params().objective = nais::objective_mix<double, 2>::weighted_sum({1, 0});
    loss.forward();
    const double l0 = loss.latency();
    loss.params().objective = nais::objective_mix<double, 2>::weighted_sum({0, 1});
    loss.forward();
    const double e0 = loss.energy();
    loss.params().objective = nais::objective_mix<double, 2>::product({1 / l0, 1 / e0});
    std::printf("Loom-style ASIC, %d blocks x %d ops, weights and activations in {2, 4, 8, 16} bits per op type\n",
                loss.num_blocks(), loss.num_ops());
    std::printf("initial expectation: %.0f cycles, energy %.3g (16b MAC units)\n", l0, e0);

    const example::stand_in_accuracy accuracy(space{});
    nais::search::adam<double> adam;
    nais::search::adam<double>::slot<loss_t::theta_type> s_theta(loss.theta());
    nais::search::adam<double>::slot<loss_t::phi_type> s_w(loss.phi_weights()), s_a(loss.phi_activations());
    example::array g_theta, g_w, g_a, unused;
    for (long step = 1; step <= 300; ++step) {
        nais::gumbel_noise(loss.theta_noise(), 100 + step);
        nais::gumbel_noise(loss.phi_weights_noise(), 200 + step);
        nais::gumbel_noise(loss.phi_activations_noise(), 300 + step);
        loss.params().tau = 5.0 * std::pow(0.99, double(step));
        // the stand-in rewards precision of weights and activations alike (half each)
        const double acc_w = accuracy(loss.theta(), g_theta, loss.phi_weights(), g_w);
        const double acc_a = accuracy(loss.theta(), unused, loss.phi_activations(), g_a);
        loss.params().acc_loss = (acc_w + acc_a) / 2;
        const double l = loss.evaluate();
        const double perf = loss.perf_loss();  // product rule of Eq. 1
        const loss_t::theta_type gt = loss.grad_theta() + perf * (g_theta + unused) / 2;
        const loss_t::phi_type gw = loss.grad_phi_weights() + perf * g_w / 2;
        const loss_t::phi_type ga = loss.grad_phi_activations() + perf * g_a / 2;
        adam.update(loss.theta(), gt, s_theta, 0.1, step);
        adam.update(loss.phi_weights(), gw, s_w, 0.1, step);
        adam.update(loss.phi_activations(), ga, s_a, 0.1, step);
        if (step == 1 || step % 100 == 0)
            std::printf("step %3ld  tau %.2f  L = %.4f  Acc = %.4f  EDP/EDP0 = %.4f\n", step, loss.params().tau, l,
                        loss.params().acc_loss, perf);
    }
    const nais::loom::design d = loss.derive();
    const nais::loom::design_report r = nais::loom::evaluate<nais::sharing::per_op_type>(space{}, asic, d);
    std::printf("derived design: precision per op type (weights / activations)\n");
    for (int m = 0; m < loss.num_ops(); ++m)
        std::printf("  op k%d e%d: w%-2d a%-2d\n", space{}.op_at(m).kernel, space{}.op_at(m).expand,
                    d.weight_bits[std::size_t(m)], d.activation_bits[std::size_t(m)]);
    std::printf("  block  op      cycles        energy\n");
    for (int i = 0; i < loss.num_blocks(); ++i) {
        const nais::mbconv o = space{}.op_at(d.ops[std::size_t(i)]);
        std::printf("  %5d  k%d e%d %9.0f  %12.4g\n", i, o.kernel, o.expand, r.block_cycles[std::size_t(i)],
                    r.block_energy[std::size_t(i)]);
    }
    std::printf("total %.0f cycles = %.3f ms at %.0f MHz, energy %.4g, EDP %.4g (MAC units x ms)\n", r.cycles, r.ms,
                asic.clock_mhz, r.energy, r.energy_delay());
}
