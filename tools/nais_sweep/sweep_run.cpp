// The sweep itself and its JSON document, compiled once (nais_eval_lib) for nais-sweep and the
// Python module's nais.sweep.
#include "sweep_reader.hpp"

namespace nais_sweep {

namespace {

template <class Arch>
json point_json(const sweep_job<Arch>& job, const described_point<Arch>& dp) {
    const nais::sweep::point& p = dp.p;
    const per_block_design b = per_block(job, dp.design);
    return {{"index", p.index},
            {"latency_cycles", p.latency_cycles},
            {"latency_ms", p.latency_cycles / (job.clock_mhz * 1e3)},
            {"interval_cycles", p.interval_cycles},
            {"frames_per_second", job.clock_mhz * 1e6 / p.interval_cycles},
            {"dsp", p.dsp},
            {"accuracy", p.accuracy},
            {"ops", b.ops},
            {"bits", b.bits},
            {"pf", b.pf}};
}

template <class Arch>
json document(const sweep_job<Arch>& job, const nais::sweep::sweep_result& r) {
    static const char* modes[] = {"exhaustive", "random", "neighbourhood"};
    const auto& o = job.options;
    json objectives = json::array();
    for (const auto ob : o.objectives)
        objectives.push_back(nais::sweep::objective_name(ob));
    json front = json::array(), sample = json::array();
    for (const auto& dp : describe(job, r.front))
        front.push_back(point_json(job, dp));
    for (const auto& dp : describe(job, r.sample))
        sample.push_back(point_json(job, dp));
    const std::uint64_t begin = std::min(o.index_begin, r.space_points);
    return {{"device", std::is_same_v<Arch, nais::fpga::recursive> ? "fpga-recursive" : "fpga-pipelined"},
            {"mode", modes[static_cast<int>(o.mode)]},
            {"space", job.space.describe()},
            {"objectives", objectives},
            {"dsp_budget", o.dsp_budget},
            {"pf_range", {job.space.pf_range().min, job.space.pf_range().max}},
            {"clock_mhz", job.clock_mhz},
            {"space_points", r.space_points},
            {"index_begin", begin},
            {"index_end", begin + r.points},
            {"points", r.points},
            {"feasible", r.feasible},
            {"front", front},
            {"sample", sample},
            {"threads", r.threads},
            {"seconds", r.seconds}};
}

}  // namespace

nais::sweep::sweep_result run_job(const sweep_job<nais::fpga::recursive>& job) {
    return nais::sweep::run_sweep(job.space, job.options);
}

nais::sweep::sweep_result run_job(const sweep_job<nais::fpga::pipelined>& job) {
    return nais::sweep::run_sweep(job.space, job.options);
}

json sweep_document(const sweep_job<nais::fpga::recursive>& job, const nais::sweep::sweep_result& r) {
    return document(job, r);
}

json sweep_document(const sweep_job<nais::fpga::pipelined>& job, const nais::sweep::sweep_result& r) {
    return document(job, r);
}

json run_sweep_spec(const json& spec, const std::string& base_dir) {
    const any_job job = read_sweep_spec(spec, base_dir);
    return std::visit([](const auto& j) { return sweep_document(j, run_job(j)); }, job);
}

}  // namespace nais_sweep
