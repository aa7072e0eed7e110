#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/argmax.hpp>
#include <nais/detail/error.hpp>
#include <nais/device/calibrated/fit.hpp>
#include <nais/expr/leaf.hpp>
#include <nais/loss/composed_loss.hpp>
#include <nais/loss/device_model.hpp>
#include <nais/objective/sum.hpp>
#include <nais/stage/expectation.hpp>

#include <Eigen/Core>

#include <string>
#include <type_traits>
#include <vector>

// The calibrated latency model as a nais device model: the fitted model's ms of every (row, op)
// cell of a space of layers (calibration), and Perf = alpha sum_i sum_m P_im ms_im, the expected
// latency under the sampled op probabilities (EDD Eq. 4, 6), with its exact gradient. The device
// is fixed (a GPU, CPU or phone as measured): no implementation variable. Its resource term is
// optional: with Budget = latency_budget::expected_ms, RES is the same expected latency, so EDD
// Eq. 1's beta C^(RES - RES_ub) holds the search to a latency budget RES_ub in ms.
namespace nais::calibrated {

/// What a calibrated search derives: the network and its predicted latency.
struct search_outcome {
    std::vector<int> ops;  ///< per row
    double ms = 0;
};

/// Whether the model has a resource term (EDD Eq. 1): none, or the expected latency against a
/// budget RES_ub in ms.
enum class latency_budget { none, expected_ms };

template <search_space S, class T = double, latency_budget Budget = latency_budget::none>
class model {
    static_assert(std::is_same_v<S, layered_space>,
                  "nais::calibrated::model: the space must be a nais::layered_space (the model weighs the layers of "
                  "its ops; an MBConv space becomes one with layered_space(space_of_layers(...)))");
    static_assert(std::is_floating_point_v<T>, "nais::calibrated::model: the scalar type must be float or double");

public:
    using space_type = S;
    using scalar_type = T;
    using cost_type = Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic>;
    using blocks_type = Eigen::Array<T, Eigen::Dynamic, 1>;
    using variables = nais::variables<>;
    // the optional hooks it defines (nais::hook)
    using hooks = nais::hooks<nais::hook::derive, nais::hook::interface, nais::hook::finish>;
    struct parameters {};

    /// A fitted model bound to the space (its cells' features and signatures computed here).
    model(const S& space, const fitted_model& fitted)
        : calibration_(space_cells(space), space, fitted), cost_(calibration_.table().template cast<T>()),
          blocks_(space.num_blocks(), 1) {}

    /// expected ms per block (EDD Eq. 4) -> sum (Eq. 6).
    template <class B>
    auto program(B& b) {
        auto blocks = statements(expr::assign(blocks_, op_expectation(b.arch(), expr::constant(cost_))));
        if constexpr (Budget == latency_budget::none)
            return device_terms(std::move(blocks), nais::sum(blocks_.ref()));  // Eq. 6
        else
            return device_terms(std::move(blocks), nais::sum(blocks_.ref()), nais::sum(blocks_.ref()));  // Eq. 6; RES = ms
    }

    /// The predicted ms of every (row, op) cell.
    const cost_type& costs() const noexcept { return cost_; }
    const calibration& fitted() const noexcept { return calibration_; }
    /// Expected ms per row (Eq. 4).
    const blocks_type& perf_blocks() const noexcept { return blocks_.value; }

    template <class Loss>
    search_outcome derive(const Loss& l) const {
        search_outcome o;
        o.ops = l.derived_ops();
        o.ms = calibration_.predict(o.ops);
        return o;
    }
    template <class Loss, class Search>
    search_outcome finish(const Loss& l, const Search&) const {
        return derive(l);
    }

    /// Named accessors nais::loss adds for this model (CRTP).
    template <class Loss>
    class interface : public loss_interface<Loss> {
        using loss_interface<Loss>::self;

    public:
        /// Expected ms per row (Eq. 4).
        const blocks_type& perf_blocks() const noexcept { return self().model().perf_blocks(); }
    };

private:
    calibration calibration_;
    cost_type cost_;
    expr::placeholder<blocks_type> blocks_;
};

/// EDD Eq. 1 on a calibrated device: L = Acc_loss * alpha * (expected ms), theta only.
template <search_space S, class T = double>
using loss = nais::loss<model<S, T>>;
/// The same with EDD Eq. 1's resource term on the expected latency: + beta C^(ms - RES_ub).
template <search_space S, class T = double>
using budgeted_loss = nais::loss<model<S, T, latency_budget::expected_ms>>;

/// The model's ms per cell as nais's GPU latency table of a space of layers
/// (`signature,bits,latency_ms`, keyed by net::op_signature; gpu::load_signature_table_csv reads
/// it back): one row per distinct signature (cells with the same layers cost the same in the
/// fitted model, residuals being per signature), the fixed rows' cost and the intercept in the
/// first row's signature. `bits` is the space's first bit-width.
inline std::string latency_table_csv(const layered_space& space, const fitted_model& fitted, const std::string& device) {
    const space_cells cells(space);
    const calibration c(cells, space, fitted);
    std::map<std::string, double> rows;
    for (int i = 0; i < space.num_blocks(); ++i)
        for (int m = 0; m < space.num_ops(); ++m) {
            if (!space.available(i, m))
                continue;
            const std::string sig = net::op_signature(candidate_report(space, i, m));
            if (sig.empty())
                continue;  // a skip op: no layers, no cost
            rows.emplace(sig, c.table()(i, m));
        }
    std::ostringstream o;
    o.precision(9);
    o << "# nais calibrated latency table for space '" << space.name() << "', device '" << device << "', ms per network\n"
      << "# fitted to " << fitted.rows << " measured networks (docs/devices/calibrated.md); the first row carries the\n"
      << "# per-network intercept " << fitted.intercept << " ms\n"
      << "signature,bits,latency_ms\n";
    for (const auto& [sig, ms] : rows)
        o << sig << ',' << space.bit_width(0) << ',' << ms << '\n';
    return o.str();
}

}  // namespace nais::calibrated
