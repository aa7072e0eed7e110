// nais-bundle's spec, run and report (README: nais-bundle): the bundle accelerator's device,
// design, bit widths and design grid, and any of three tasks: "evaluate" a network on the IPs,
// rank "bundles" on probe networks (with the Pareto set), "grow" a network from a bundle for a
// latency target.
#pragma once
#include <nais_eval/common_reader.hpp>

#include <nais/bundle.hpp>

#include <optional>
#include <string>
#include <vector>

namespace nais_eval {

struct bundle_job {
    nais::bundle::device device;
    nais::bundle::design design;
    nais::bundle::precision bits;
    nais::bundle::design_grid grid;
    /// "evaluate": a network on the design (and, with "search": true, on the best design of the grid)
    std::optional<nais::net::network> evaluate;
    bool evaluate_search = false;
    /// "bundles": the bundles to rank on their probe networks
    std::vector<nais::bundle::bundle_spec> bundles;
    nais::bundle::probe_options probe;
    /// "grow": a network from a bundle for a latency target
    std::optional<nais::bundle::bundle_spec> grow_bundle;
    nais::bundle::growth_options growth;
};

/// Reads a nais-bundle spec; refuses malformed specs naming the key.
bundle_job read_bundle_text(const std::string& text, const std::string& base_dir = "");

/// Runs every task of the job; the output document.
json run_bundle(const bundle_job& job);

/// The output as text tables (the per-layer evaluation, the ranked bundles, the grown network).
std::string bundle_tables(const json& result);

/// The Pareto set of a "bundles" result as an SVG scatter (latency against accuracy cost, the
/// marker's area by resource share, Pareto bundles filled and named).
std::string bundle_pareto_svg(const json& result);

}  // namespace nais_eval
