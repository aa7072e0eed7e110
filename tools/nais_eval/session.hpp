// A composed loss built once from a nais-eval spec and evaluated many times with new variable
// values: what the Python module's HardwareLoss and expected_cost call (one spec, many steps).
// Kept out of the core headers (it erases the loss's type behind a virtual interface so one
// binding serves every device; the core itself has no virtual call). This header is the
// interface alone (no nais headers); session_impl.hpp holds the implementation over any loss.
#pragma once
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace nais_eval {

/// One variable as a spec (and a Python user) shapes it: theta is N x M; a sampled group is
/// [layout rows] x [layout cols] x Q with the layout's dimensions that are 1 for every space
/// dropped (network-wide: [Q]; per op type: [M, Q]; per (block, op): [N, M, Q]); a continuous
/// group is its rows x cols with a compile-time 1 dropped (recursive pf: [M]).
struct variable_info {
    std::string name;
    std::vector<std::size_t> shape;
    bool sampled = false;
    bool quantization = false;  ///< a group in EDD's quantisation role (a search's quant learning rate, as co_search)
};

/// What a session returns after evaluate() (EDD Eq. 1 and its terms).
struct session_result {
    double loss = 0, perf_loss = 0, res = 0, penalty = 0, grad_acc_loss = 0;
    std::vector<double> perf_blocks;  ///< per-block performance (empty where the device has none)
};

/// How a session's starting point is chosen (nais::search::start_options, without nais headers).
struct start_settings {
    bool normalize_performance = true;  ///< alpha such that Perf_loss = 1 at the start
    double relative_smoothness = 0.1;   ///< the pipelined FPGA's smooth maximum; <= 0: keep the loss's
    struct bounds {
        std::string group;
        double min, max;
    };
    std::vector<bounds> group_bounds;  ///< continuous groups' bounds by name (default: the model's)
};

/// EDD Sec. 5's search over a session (nais::search::co_search's step on the type-erased loss,
/// with its Adam, temperature schedule, Gumbel generator and starting point; session_search.cpp).
struct search_settings {
    long steps = 100;
    std::uint64_t seed = 1;                 ///< Gumbel noise: equal seeds give equal runs
    std::string schedule = "exponential";   ///< "constant" (tau0), "exponential" or "cosine" (tau0 -> tau_min over the steps)
    double tau0 = 5, tau_min = 0.5;
    double lr_arch = 0.05, lr_quant = 0.05, lr_impl = 0.05;  ///< theta; quantisation groups; the others
    bool hard = false;                      ///< straight-through Gumbel-softmax
    bool sample_noise = true;               ///< false: zero noise (plain softmax)
    start_settings start;                   ///< the starting point (initialize_search)
};

/// One row of a search's curve (res and penalty are 0 for devices without a resource term).
struct search_step {
    long step;
    double tau, loss, acc_loss, perf_loss, res, penalty;
};

/// The user's Acc_loss at a step: given the step, tau and the sample of each sampled variable
/// (flat, in the spec's layout, variables() order without the continuous ones), returns Acc_loss
/// and writes d Acc_loss / d(sample) into `gradient` (the same layout, handed over zeroed).
using accuracy_callback = std::function<double(long step, double tau, const std::vector<std::vector<double>>& probabilities,
                                               std::vector<std::vector<double>>& gradient)>;

/// A composed loss behind one interface. Arrays cross it flat, in the spec's row-major order.
class session {
public:
    virtual ~session() = default;
    /// theta first, then the device's groups in the loss's order.
    virtual const std::vector<variable_info>& variables() const = 0;
    virtual bool has_resources() const = 0;
    /// Sets variable k from `values` (row-major over variables()[k].shape).
    virtual void set_variable(std::size_t k, const double* values) = 0;
    /// Sets the Gumbel noise of sampled variable k (theta or a sampled group).
    virtual void set_noise(std::size_t k, const double* values) = 0;
    virtual void get_variable(std::size_t k, double* out) const = 0;
    virtual void get_noise(std::size_t k, double* out) const = 0;
    /// dL / d(variable k) after evaluate().
    virtual void get_gradient(std::size_t k, double* out) const = 0;
    /// The Gumbel-softmax sample of sampled variable k, and dL / d(that sample), after evaluate().
    virtual void get_probabilities(std::size_t k, double* out) const = 0;
    virtual void get_grad_probabilities(std::size_t k, double* out) const = 0;
    /// The scalar parameters every loss has: tau, hard (0/1), alpha, acc_loss, beta, C, res_ub.
    virtual void set_parameter(const std::string& name, double v) = 0;
    virtual double parameter(const std::string& name) const = 0;
    /// Validates, evaluates the loss and all gradients (nais::invalid_argument on bad values).
    virtual session_result evaluate() = 0;
    /// EDD Sec. 5's starting point, the one nais's co_search starts from
    /// (nais::search::initialize_search): zero logits and noise, continuous variables at the device
    /// model's initial values, the model's prepare_search, alpha normalised. Returns alpha.
    virtual double initialize_search(const start_settings& settings) = 0;
    /// Runs search_settings.steps steps of EDD Sec. 5 from initialize_search(settings.start):
    /// per step the temperature, fresh Gumbel noise, the sample, the user's Acc_loss and its
    /// gradient (chained through the Gumbel-softmax), Eq. 1 and its gradient by the product rule,
    /// one Adam update of every variable, continuous ones projected onto their bounds. Leaves
    /// the searched variables in the session (design() derives them). Throws
    /// nais::invalid_argument naming the step and the variable when anything is NaN or misshaped.
    virtual std::vector<search_step> co_search(const search_settings& settings, const accuracy_callback& accuracy) = 0;
    /// The derived ops (argmax of theta per block).
    virtual std::vector<int> derived_ops() const = 0;
    /// The rows of theta that choose (two or more candidates): a space's fixed stem and head
    /// rows, and a block of one candidate, have none to choose.
    virtual std::vector<int> searchable_rows() const = 0;
    /// The discrete design the current variables stand for (EDD Sec. 5), evaluated exactly at a
    /// clock (MHz); the FPGA devices add its exactly re-tuned parallel factors. See docs/cli.md.
    virtual nlohmann::json design(double clock_mhz) const = 0;
    /// What nais-eval prints for the device beyond the loss, its terms and gradients (e.g. the
    /// derived design); added to `out` after evaluate().
    virtual void add_report(nlohmann::json& out) const = 0;
};

}  // namespace nais_eval
