// nais-eval's reader and evaluation on arbitrary text: every device, MBConv spaces and spaces or
// networks of real layers (inline; files named in a spec resolve against tests/cli); the same
// text read as a session (the Python module's reader: variables optional), evaluated, its
// gradients and its derived design's report; and
// nais-hotnas's reader on the same text (its searches take seconds on real networks, so the
// harness reads the job and builds its workloads without running them); and nais-bundle's
// reader, with its "evaluate" task run (the design search, the bundle ranking and the growth
// take up to seconds and are dropped); and nais-map's reader, with the mapper run (its exact
// search capped at 2,000 nodes) and the tables and Gantt chart drawn.
#include "check.hpp"
#include "json_mutator.hpp"

#include <nais_eval/bundle_reader.hpp>
#include <nais_eval/registry.hpp>
#include <nais_eval/map_reader.hpp>
#include <nais_eval/tiled_reader.hpp>

#include <algorithm>

NAIS_FUZZ_JSON_MUTATOR

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    nais_fuzz::run_reader([&] { nais_fuzz::require_finite(nais_eval::evaluate_text(text, NAIS_FUZZ_CLI_DIR)); });
    nais_fuzz::run_reader([&] {
        const auto s = nais_eval::open_session(nais_json::parse(text), NAIS_FUZZ_CLI_DIR);
        const nais_eval::session_result r = s->evaluate();
        nais_fuzz::require_finite(nlohmann::json{r.loss, r.perf_loss, r.res, r.penalty, r.grad_acc_loss, r.perf_blocks});
        for (std::size_t k = 0; k < s->variables().size(); ++k) {
            std::size_t n = 1;
            for (auto d : s->variables()[k].shape)
                n *= d;
            std::vector<double> g(n);
            s->get_gradient(k, g.data());
            nais_fuzz::require_finite(nlohmann::json(g));
        }
        nais_fuzz::require_finite(s->design(200));
    });
    nais_fuzz::run_reader([&] {
        const nais_eval::hotnas_job job = nais_eval::read_hotnas_text(text, NAIS_FUZZ_CLI_DIR);
        (void)job.setting.workloads();
    });
    nais_fuzz::run_reader([&] {
        nais_eval::bundle_job job = nais_eval::read_bundle_text(text, NAIS_FUZZ_CLI_DIR);
        job.evaluate_search = false;
        job.bundles.clear();
        job.grow_bundle.reset();
        nais_fuzz::require_finite(nais_eval::run_bundle(job));
    });
    nais_fuzz::run_reader([&] {
        nais_eval::map_job job = nais_eval::read_map_text(text, NAIS_FUZZ_CLI_DIR);
        if (job.workload.size() > 64 || job.accelerators.size() > 4)
            return;  // step 1's exhaustive rounds grow as #accelerators^#accelerators
        if (job.exact_nodes)
            job.exact_nodes = 2000;
        job.options.step1_candidate_limit = 100000;
        job.options.remap_passes = std::min(job.options.remap_passes, 2);
        job.options.remap_visit_limit = 2000;
        const nais_eval::json r = nais_eval::run_map(job);
        nais_fuzz::require_finite(r);
        (void)nais_eval::map_tables(r);
        (void)nais_eval::map_gantt_svg(r);
    });
    return 0;
}
