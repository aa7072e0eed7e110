// EDD on a Loom-style bit-serial ASIC (Sec. 4.3): ops, weight and activation precisions per op
// type searched for the energy-delay product by nais's driver, with a stand-in Acc_loss;
// prints the derived design.
#include <nais/nais.hpp>

#include <cstdio>

int main() {
    using space = nais::static_space<nais::proxyless_blocks, nais::edd_ops, nais::bit_list<2, 4, 8, 16>>;
    nais::loom::accelerator asic;  // 128 equivalent 16b x 16b MACs per cycle at 1 GHz (see loom/cost_model.hpp)
    nais::loom::loss<space, double, nais::sharing::per_op_type> loss{space{}, asic};
    // Perf = L * E, the energy-delay product (the default objective); the driver rescales alpha
    // so that Perf_loss = 1 at the initial point, i.e. Perf_loss = EDP / EDP0
    loss.forward();
    std::printf("Loom-style ASIC, %d blocks x %d ops, weights and activations in {2, 4, 8, 16} bits per op type\n",
                loss.num_blocks(), loss.num_ops());
    std::printf("initial expectation: %.0f cycles, energy %.3g (16b MAC units)\n", loss.latency(), loss.energy());

    nais::search::search_options<double> o;
    o.steps = 300;
    o.learning_rate = {0.1, 0.1, 0.1};
    o.temperature = nais::search::temperature_schedule<double>::exponential(5.0, 0.99, 0.5);
    nais::search::co_search search(loss, o);
    // STAND-IN for Acc_loss: rewards precision of weights and activations alike (half each)
    nais::search::standin_accuracy<> accuracy(space{});
    const auto curve = search.run(accuracy);
    for (const auto& r : curve)
        if (r.step == 0 || (r.step + 1) % 100 == 0)
            std::printf("step %3ld  tau %.2f  L = %.4f  Acc = %.4f  EDP/EDP0 = %.4f\n", r.step + 1, r.tau, r.loss,
                        r.acc_loss, r.perf_loss);
    const auto out = search.finish();  // derivation and exact latency and energy
    const nais::loom::design& d = out.derived;
    const nais::loom::design_report& r = out.report;
    std::printf("derived design: precision per op type (weights / activations)\n");
    for (int m = 0; m < loss.num_ops(); ++m)
        std::printf("  op k%d e%d: w%-2d a%-2d\n", space{}.op_at(m).kernel, space{}.op_at(m).expand,
                    d.weight_bits[std::size_t(m)], d.activation_bits[std::size_t(m)]);
    std::printf("  block  op      cycles        energy\n");
    for (int i = 0; i < loss.num_blocks(); ++i) {
        const nais::mbconv op = space{}.op_at(d.ops[std::size_t(i)]);
        std::printf("  %5d  k%d e%d %9.0f  %12.4g\n", i, op.kernel, op.expand, r.block_cycles[std::size_t(i)],
                    r.block_energy[std::size_t(i)]);
    }
    std::printf("total %.0f cycles = %.3f ms at %.0f MHz, energy %.4g, EDP %.4g (MAC units x ms)\n", r.cycles, r.ms,
                asic.clock_mhz, r.energy, r.energy_delay());
}
