// The tiled template's spec keys, shared by nais-eval ("device": "fpga-tiled") and nais-hotnas:
// the network ("model" or "network"), "bits", "clock_mhz", "batch", "mode", "limits" and
// "compression" (README: HotNAS), and nais-hotnas's job (its search keys and its report).
#pragma once
#include <nais_eval/common_reader.hpp>
#include <nais_eval/composed_device.hpp>

#include <nais/tiled.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace nais_eval {

/// What a tiled spec says besides the design.
struct tiled_setting {
    nais::net::network network;
    nais::tiled::device device;
    nais::tiled::precision bits;
    int batch = 1;
    nais::tiled::mode mode = nais::tiled::mode::hardware;
    nais::tiled::compression_plan compression;
    /// the template's workloads (shapes by mode, compression applied, batch set); refuses a
    /// network without conv or fc layers
    std::vector<nais::tiled::workload> workloads() const;
};

namespace detail {
/// Reads the shared keys; `keys` lists which of them (and of the caller's own) the spec may have.
tiled_setting read_tiled_setting(const json& spec, const std::string& base_dir, const std::set<std::string>& keys);
/// A precision: a number (the weights' bits) or {"weights", "activations"}; `key` names it.
void read_tiled_precision(const json& value, const std::string& key, nais::tiled::precision& prec);
/// The device keys: "clock_mhz", "mode" and "limits" {dsp, bram, port_bits, check_bram, word_bits,
/// dsp_per_multiplier}.
void read_tiled_device(const json& spec, nais::tiled::device& dev, nais::tiled::mode& mode);
json tiled_design_json(const nais::tiled::design& d);
json tiled_resources_json(const nais::tiled::resources& r);

/// The template's composed loss over a space (nais::tiled::loss: theta and log2_design, 1 x 7) as
/// a session. Device keys: "precision" (a number or {weights, activations}), "clock_mhz", "mode",
/// "limits", "target_ms". Instantiated in tiled_session.cpp.
template <class Space>
std::unique_ptr<session> open_tiled(const json& spec, const Space& space, const std::string& base_dir, reading mode);
extern template std::unique_ptr<session> open_tiled<nais::runtime_space>(const json&, const nais::runtime_space&,
                                                                         const std::string&, reading);
extern template std::unique_ptr<session> open_tiled<nais::layered_space>(const json&, const nais::layered_space&,
                                                                         const std::string&, reading);
}  // namespace detail

/// A nais-hotnas job: the setting, and a hot start when the spec gives "target_ms".
struct hotnas_job {
    tiled_setting setting;
    std::optional<nais::tiled::hot_start_options> hot_start;
    nais::tiled::standin_weights weights;              ///< "accuracy_cost": channel, pattern, quantize
    std::map<std::string, double> layer_sensitivity;  ///< "accuracy_cost.layers"
    double interaction = 0;                           ///< "accuracy_cost.interaction": gamma of tiled::interacting_standin
    /// "hot_start.search": "gradient" (tiled::hot_start_gradient; its steps, attempts, seed)
    std::optional<nais::tiled::gradient_hot_start_options> gradient;
    /// the stand-in accuracy cost with the spec's weights and per-layer sensitivities
    double accuracy_cost(const nais::tiled::workload& l, const nais::tiled::compression_choice& c) const;
};

/// Reads a nais-hotnas spec (README: nais-hotnas); refuses malformed specs naming the key.
hotnas_job read_hotnas_text(const std::string& text, const std::string& base_dir = "");

/// Progress of a run: (done, total) steps.
using progress_callback = std::function<void(std::uint64_t, std::uint64_t)>;

/// Runs the job: the exact design search and, if asked, the hot start; the output document.
json run_hotnas(const hotnas_job& job, const progress_callback& progress = {});

/// The output as a text report: the design, and per layer (HotNAS's ResNet-18 slide) its class,
/// the technique applied and the latency saved.
std::string hotnas_table(const json& result);

}  // namespace nais_eval
