// The FPGA devices' reader (EDD Sec. 4.1): "fpga-recursive" and "fpga-pipelined" on MBConv blocks
// (fpga_reader.cpp) or a space of layers (fpga_reader_layered.cpp). Keys beyond the common ones
// (composed_reader.hpp): "lse_smoothness" (pipelined: mu of Eq. 7). alpha, beta, C and res_ub
// are required. The session's design is the derived network with exactly re-tuned pf.
#pragma once
#include "composed_reader.hpp"

#include <nais/fpga.hpp>

#include <cmath>

namespace nais_eval::detail {

inline json fpga_report_json(const nais::fpga::design_report& r) {
    json blocks = json::array();
    for (const auto& b : r.blocks)
        blocks.push_back({{"block", b.block}, {"op", b.op}, {"ip", b.group}, {"bits", b.bits}, {"pf", b.pf},
                          {"latency_cycles", b.latency_cycles}, {"dsp", b.dsp}});
    return {{"blocks", std::move(blocks)},  {"latency_cycles", r.latency_cycles}, {"interval_cycles", r.interval_cycles},
            {"latency_ms", r.latency_ms},   {"frames_per_second", r.frames_per_second},
            {"dsp", r.dsp},                 {"dsp_budget", r.dsp_budget},
            {"budget_met", r.budget_met},   {"bottleneck", r.bottleneck},
            {"ips_used", r.ips_used}};
}

/// The derived design (pf rounded into the budget's range), its exact report, and the same
/// network with exactly re-tuned integer pf (fpga::retune) and its report.
template <class Loss>
json fpga_design(const Loss& l, double clock_mhz) {
    require_design_clock(clock_mhz);
    const auto& costs = l.model().costs();
    const double budget = static_cast<double>(l.params().res_ub);
    const nais::fpga::board board{budget, clock_mhz};
    const auto d = l.derive();
    std::vector<int> bits;  // per IP, as bit-widths
    for (int b : d.bits)
        bits.push_back(costs.bit_widths[static_cast<std::size_t>(b)]);
    json out = {{"ops", d.op}, {"bits", bits}, {"pf", d.pf}, {"searched", fpga_report_json(nais::fpga::evaluate(costs, d, board))}};
    const auto t = nais::fpga::retune(costs, d, budget, nais::fpga::budget_pf_range(costs, budget));
    out["retuned"] = t.feasible ? json{{"pf", t.tuned.pf}, {"report", fpga_report_json(nais::fpga::evaluate(costs, t.tuned, board))}}
                                : json{{"infeasible", t.reason}};
    return out;
}

/// The FPGA loss of architecture Arch on a space, with the spec's keys.
template <class Arch, class S>
std::unique_ptr<session> open_fpga(const json& spec, const S& space, const std::string&, reading mode) {
    using loss_t = nais::fpga::loss<S, double, Arch>;
    auto l = std::make_unique<loss_t>(space);
    composed_parts<loss_t> parts{&fpga_design<loss_t>};
    if constexpr (std::is_same_v<Arch, nais::fpga::pipelined>) {
        parts.device_keys = {"lse_smoothness"};
        if (const auto s = spec.find("lse_smoothness"); s != spec.end())
            l->params().lse_smoothness = number(*s, "lse_smoothness");
    }
    return composed_session(spec, mode, std::move(l), std::move(parts));
}

// on spaces of layers: instantiated in fpga_reader_layered.cpp
extern template std::unique_ptr<session> open_fpga<nais::fpga::recursive, nais::layered_space>(
    const json&, const nais::layered_space&, const std::string&, reading);
extern template std::unique_ptr<session> open_fpga<nais::fpga::pipelined, nais::layered_space>(
    const json&, const nais::layered_space&, const std::string&, reading);

}  // namespace nais_eval::detail
