// EDD on a GPU (Sec. 4.2): the measured Titan RTX latency table of examples/gpu/ (ms per batch
// of 32), a network-wide precision, and a co-search by nais's driver with a stand-in Acc_loss;
// prints the derived network.
#include <nais/nais.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
    using space = nais::tfnas_gpu_space;  // 21 blocks x 6 MBConv ops x {8, 16, 32} bits
    const std::string path = argc > 1 ? argv[1] : NAIS_EXAMPLES_DIR "/gpu/titanrtx_tfnas_gpu.csv";
    const nais::gpu::latency_table ms = nais::gpu::load_latency_table_csv(path, space{});
    // normalise by the largest network of the table (every block on its slowest op, fp32), as
    // nais-eval's "normalize": <reference ms> does: Perf_i is then a fraction of that network
    std::vector<int> largest(space::blocks_at_compile_time, 5);
    const double reference = ms.network_latency(largest, 2);
    nais::gpu::loss<space> loss{space{}, ms.normalized_by(reference)};
    std::printf("GPU table %s: %d blocks x %d ops x %d bit-widths; largest network %.2f ms (fp32, batch 32)\n",
                path.c_str(), loss.num_blocks(), loss.num_ops(), loss.num_bits(), reference);

    nais::search::search_options<double> o;  // Adam, seeded Gumbel noise
    o.steps = 300;
    o.learning_rate = {0.1, 0.1, 0.1};
    o.temperature = nais::search::temperature_schedule<double>::exponential(5.0, 0.99, 0.5);
    nais::search::co_search search(loss, o);  // alpha rescaled so that Perf_loss = 1 at the start
    nais::search::standin_accuracy<> accuracy(space{});  // STAND-IN for the supernet's Acc_loss
    const auto curve = search.run(accuracy);
    for (const auto& r : curve)
        if (r.step == 0 || (r.step + 1) % 100 == 0)
            std::printf("step %3ld  tau %.2f  L = %.4f  Acc = %.4f  Perf_loss = %.4f\n", r.step + 1, r.tau, r.loss,
                        r.acc_loss, r.perf_loss);
    const auto out = search.finish();  // derivation and exact table latency (in the table's units)
    const nais::gpu::design_report r = nais::gpu::evaluate(ms, out.derived);
    std::printf("derived network, %d-bit (network-wide):\n  block  op         latency ms\n",
                space{}.bit_width(out.derived.bits));
    for (int i = 0; i < loss.num_blocks(); ++i) {
        const nais::mbconv op = space{}.op_at(out.derived.ops[std::size_t(i)]);
        std::printf("  %5d  k%d e%d  %13.4f\n", i, op.kernel, op.expand, r.block_latency[std::size_t(i)]);
    }
    std::printf("total %.3f ms per batch of 32 (%.1f%% of the largest network)\n", r.latency, 100 * r.latency / reference);
}
