// A latency model calibrated to a device from 20 measured networks, then a co-search with it: the
// FBNet space of HW-NAS-Bench (examples/spaces/fbnet_cifar100.json) and the Titan RTX at batch 1
// (../shared/data/measured/fbnet_cifar100/titan_rtx_1.csv: 5,000 networks measured by HELP).
// 1. fit the calibrated model to the file's first 20 networks (nais-fit does the same from a spec);
// 2. search the space under a latency budget with EDD's loss (Eq. 1 with RES = the expected ms:
//    a stand-in accuracy term makes bigger ops "more accurate", so the search spends the budget
//    on the ops that buy the most of it per measured-device ms);
// 3. hold the derived network against the data: its latency as a per-(block, op) table fitted to
//    4,000 measured networks predicts it (a reference built from measurements: Kendall 0.97 on the
//    held-out 1,000), and the measured latency of the held-out network nearest to it.
#include <nais/calibrated.hpp>
#include <nais/search.hpp>

#include <nais_net/space_json.hpp>
#include <json_io.hpp>

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    using namespace nais;
    namespace cal = nais::calibrated;
    const std::string data = argc > 1 ? argv[1] : NAIS_SHARED_DATA_DIR "/measured/fbnet_cifar100/titan_rtx_1.csv";
    const layered_space space = nais_net::read_layered_space(
        nais_json::parse(nais_json::read_file(NAIS_EXAMPLES_DIR "/spaces/fbnet_cifar100.json", "space")));
    std::vector<cal::measurement> rows;
    try {
        rows = cal::read_measurements(data, space);
    } catch (const nais::invalid_argument& e) {
        std::printf("calibrated_fbnet: %s (give the measured CSV as the argument)\n", e.what());
        return 0;
    }
    const cal::space_cells cells(space);
    const std::vector<cal::measurement> train(rows.begin(), rows.begin() + 20);
    const cal::fitted_model fitted = cal::fit(space, cells, train);
    std::printf("fitted to %zu measured networks: %.3f ms per network + %.4f ms per conv layer + %.4f per depth-wise "
                "layer + %.4f per element-wise layer + ...\n",
                train.size(), fitted.intercept, fitted.weights[cal::conv_layers], fitted.weights[cal::depthwise_layers],
                fitted.weights[cal::elementwise_layers]);

    // the co-search: EDD Eq. 1 with Perf = RES = the calibrated expected latency, budget 6 ms
    const double budget_ms = 6.0;
    cal::budgeted_loss<layered_space> loss{space, fitted};
    loss.params().res_ub = budget_ms;
    loss.params().beta = 0.1;
    loss.params().C = 4;  // beta C^(ms - budget): the penalty quadruples per ms over budget
    search::search_options<double> o;
    o.steps = 300;
    o.learning_rate = {0.2, 0.1, 0.1};
    o.temperature = search::temperature_schedule<double>::exponential(5.0, 0.98, 0.3);
    search::co_search s(loss, o);
    search::standin_accuracy<>::weights w;
    w.capacity = 8;  // enough that, unconstrained, the search takes the largest ops (9 ms and more)
    search::standin_accuracy<> accuracy(space, w);  // STAND-IN for a supernet's validation loss
    const auto curve = s.run(accuracy);
    const cal::search_outcome out = s.finish();
    std::printf("co-search (%ld steps): loss %.4f -> %.4f; derived network:", static_cast<long>(o.steps), curve.front().loss, curve.back().loss);
    std::vector<int> choice;
    for (int i = 0; i < space.num_blocks(); ++i)
        if (space.role(i) == row_role::searchable) {
            choice.push_back(out.ops[std::size_t(i)]);
            std::printf(" %s", space.candidate_name(i, out.ops[std::size_t(i)]).c_str());
        }
    std::printf("\n  predicted by the calibrated model (20 networks): %.3f ms (budget %.1f ms)\n", out.ms, budget_ms);
    // why depth and not op size: at batch 1 this GPU is per-layer (launch) bound
    const int row = 10;
    const auto op_named = [&](const std::string& name) {
        for (int m = 0; m < space.num_ops(); ++m)
            if (space.available(row, m) && space.candidate_name(row, m) == name)
                return m;
        return 0;
    };
    const int small = op_named("k3_e1"), large = op_named("k5_e6");
    std::printf("  (the fitted cost of block %d: %s %.3f ms, %s %.3f ms: depth, not width, is what costs here)\n", row,
                space.candidate_name(row, small).c_str(), loss.model().costs()(row, small),
                space.candidate_name(row, large).c_str(), loss.model().costs()(row, large));

    // held against the data
    const std::vector<cal::measurement> pool(rows.begin(), rows.begin() + 4000), held_out(rows.begin() + 4000, rows.end());
    const cal::op_table_fit reference = cal::fit_op_table(pool, cal::searchable_blocks(space), space.num_ops());
    std::printf("  the per-(block, op) table of 4,000 measured networks predicts: %.3f ms\n", reference.predict(choice));
    const cal::measurement* nearest = nullptr;
    int best = 1 << 30;
    double fastest = 1e300, slowest = 0;
    for (const auto& m : held_out) {
        int d = 0;
        for (std::size_t k = 0; k < choice.size(); ++k)
            d += m.choice[k] != choice[k];
        if (d < best)
            best = d, nearest = &m;
        fastest = std::min(fastest, m.latency_ms);
        slowest = std::max(slowest, m.latency_ms);
    }
    std::printf("  the nearest held-out measured network (%d of 22 blocks differ): measured %.3f ms, predicted %.3f ms\n", best,
                nearest->latency_ms, cal::calibration(cells, space, fitted).predict(cal::row_ops(space, nearest->choice)));
    std::printf("  the 1,000 held-out networks measure %.3f to %.3f ms\n", fastest, slowest);
}
