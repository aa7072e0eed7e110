// nais-bundle's spec, run and report (README: nais-bundle): the bundle accelerator's device,
// design, bit widths and design grid, and any of three tasks: "evaluate" a network on the IPs,
// rank "bundles" on probe networks (with the Pareto set), "grow" a network from a bundle for a
// latency target.
#pragma once
#include <nais_eval/common_reader.hpp>
#include <nais_eval/composed_device.hpp>

#include <nais/bundle.hpp>

#include <memory>
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

/// The accelerator's keys as objects under `key` (nais-bundle: "device", "design", "bits"; a
/// session: "board", "design", "precision"), read into the given defaults; refusals name the key.
void read_bundle_device(const json& spec, const std::string& key, nais::bundle::device& dev);
void read_bundle_design(const json& spec, const std::string& key, nais::bundle::design& d);
void read_bundle_precision(const json& spec, const std::string& key, nais::bundle::precision& p);
/// A network's evaluation at a design, as nais-bundle prints it.
json bundle_report_json(const nais::bundle::network_report& r, const nais::bundle::design& d);

namespace detail {
/// The bundle accelerator's co-search loss over a space (nais::bundle::loss: theta and
/// log2_design, 1 x 4: Pc, Pi, rows, cols) as a session. Device keys: "board" (nais-bundle's
/// "device" object), "design" (the base design), "precision" (nais-bundle's "bits").
/// Instantiated in bundle_session.cpp.
template <class Space>
std::unique_ptr<session> open_bundle(const json& spec, const Space& space, const std::string& base_dir, reading mode);
extern template std::unique_ptr<session> open_bundle<nais::runtime_space>(const json&, const nais::runtime_space&,
                                                                          const std::string&, reading);
extern template std::unique_ptr<session> open_bundle<nais::layered_space>(const json&, const nais::layered_space&,
                                                                          const std::string&, reading);
}  // namespace detail

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
