// nais-fit's spec (docs/devices/calibrated.md): a space, measured networks to fit, optionally
// measured networks to test on, and the fit's options. Light: no nais header (nais-fit's main and
// the Python module include it).
#pragma once
#include <json_io.hpp>

#include <string>

namespace nais_eval {

/// Fits the calibrated model of a spec {"space", "train", "test" (optional), "model" (optional:
/// {folds, ridge, coarse_ridge, residual_ridge, residual}), "device" (optional: a name for
/// reports)}; paths relative to `base_dir`. The document: the fitted model ("model": what
/// nais-eval's "calibrated" device and nais.Session load), and on the test rows the agreement of
/// the model and of the two baselines fitted to the same rows ("agreement": calibrated,
/// macs_linear, op_table: mape, within10, kendall, spearman, networks), and every test row's
/// prediction ("predictions": [[choice, measured, predicted]]).
nais_json::json run_fit(const nais_json::json& spec, const std::string& base_dir);

/// The text report of run_fit's document.
std::string fit_report(const nais_json::json& result);

/// The GPU-style latency table (nais CSV keyed by op signature) of a fitted model on its space.
std::string fit_latency_table(const nais_json::json& spec, const std::string& base_dir, const nais_json::json& model);

}  // namespace nais_eval
