// docs/fidelity.md, the dataflow model against Timeloop's own reference outputs (its tutorial's
// baseline designs, examples/dataflow/timeloop_tutorial/).
#include "fidelity.hpp"

#include <nais_eval/registry.hpp>
#include <json_io.hpp>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

namespace nais_fidelity {

namespace {

using nais_json::json;

const std::vector<std::string> designs{"eyeriss_like", "simple_weight_stationary", "simple_output_stationary"};
const std::vector<std::string> kinds{"reads", "fills", "updates"};

struct comparison {
    int counts = 0, equal = 0;
    std::vector<std::string> differ;  ///< "level Operand kind: nais vs Timeloop"
};

/// Every count of the reference against nais's evaluation of the spec.
comparison compare(const json& reference, const json& out) {
    comparison c;
    for (const auto& [level, operands] : reference.at("counts").items())
        for (const auto& [op, counts] : operands.items())
            for (std::size_t k = 0; k < kinds.size(); ++k) {
                const double want = counts.at(k).get<double>();
                const double got = out.at("accesses").at(level).at(op).at(kinds[k]).get<double>();
                ++c.counts;
                if (got == want)
                    ++c.equal;
                else {
                    std::ostringstream d;
                    d << level << " " << op << " " << kinds[k] << ": " << std::llround(got) << " vs " << std::llround(want);
                    c.differ.push_back(d.str());
                }
            }
    ++c.counts;
    if (out.at("cycles").get<double>() == reference.at("cycles").get<double>())
        ++c.equal;
    else
        c.differ.push_back("cycles: " + std::to_string(std::llround(out.at("cycles").get<double>())) + " vs " +
                           std::to_string(reference.at("cycles").get<std::int64_t>()));
    return c;
}

std::string joined(const std::vector<std::string>& v) {
    if (v.empty())
        return "none";
    std::string s;
    for (const std::string& x : v)
        s += (s.empty() ? "" : "; ") + x;
    return s;
}

}  // namespace

std::string timeloop_section(const std::string& source, std::string& headline) {
    const std::string dir = source + "/examples/dataflow/timeloop_tutorial/";
    const json reference = nais_json::parse(nais_json::read_file(dir + "reference.json", "reference"));
    std::ostringstream o;
    o << "## Dataflow model: Timeloop's own reference outputs (docs/devices/dataflow.md)\n\n"
      << "Reference: **a model**, Timeloop's (" << reference.at("source").get<std::string>() << "): the\n"
      << "tutorial's three baseline designs mapped onto its layer (a 3 x 3, stride-2 convolution, 3 -> 32\n"
      << "channels, 112 x 112 outputs) by Timeloop's mapper. nais evaluates the same architectures and the\n"
      << "mappings Timeloop printed (`examples/dataflow/timeloop_tutorial/*.json`) and compares every scalar\n"
      << "read, fill and update Timeloop reports, as totals over the utilised instances, and the cycles.\n"
      << "The specs set two conventions Timeloop's version of 2024 used: `\"multicast\": \"equal_deltas\"`\n"
      << "(one parent read serves only siblings whose deltas are identical, per fan-out stage; nais's\n"
      << "default counts every distinct word once) and `\"stationary\": \"reset_stride\"` (a stationary step is\n"
      << "remembered as a zero stride, so the next move fetches the whole tile; Timeloop dropped this in\n"
      << "January 2025, a12fff5 \"Translation fix\", which nais's default follows). The last column evaluates\n"
      << "the same specs with nais's defaults, to show which counts each convention moves.\n\n"
      << "| design | counts compared | equal to Timeloop | differing | with nais's defaults: differing |\n"
      << "|---|---:|---:|---|---|\n";
    int total = 0, equal = 0;
    for (const std::string& d : designs) {
        json spec = nais_json::parse(nais_json::read_file(dir + d + ".json", d));
        const comparison c = compare(reference.at("designs").at(d), nais_eval::evaluate_spec(spec, dir));
        spec["arch"].erase("multicast");
        spec["arch"].erase("stationary");
        const comparison dflt = compare(reference.at("designs").at(d), nais_eval::evaluate_spec(spec, dir));
        o << "| " << d << " | " << c.counts << " | " << c.equal << " | " << joined(c.differ) << " | " << joined(dflt.differ) << " |\n";
        total += c.counts;
        equal += c.equal;
    }
    o << "\nWhat the comparison does not cover: energies (Timeloop's come from Accelergy's tables, nais's from\n"
      << "the spec's per-access energies), Timeloop's temporal extrapolation (it runs a loop's first two\n"
      << "iterations and scales the second; nais walks every iteration exactly, so the two can differ when a\n"
      << "loop's iterations after the first are not alike), and link transfers between neighbouring PEs.\n\n";
    headline = "dataflow model against Timeloop's tutorial reference outputs: " + std::to_string(equal) + " of " + std::to_string(total) +
               " access counts and cycles equal (three designs)";
    return o.str();
}

}  // namespace nais_fidelity
