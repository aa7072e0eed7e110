#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/network/space_layers.hpp>
#include <nais/device/bundle/bundles.hpp>
#include <nais/device/bundle/design_search.hpp>
#include <nais/device/bundle/ip_model.hpp>
#include <nais/device/bundle/relaxed.hpp>
#include <nais/expr/leaf.hpp>
#include <nais/loss/composed_loss.hpp>
#include <nais/network/layered_space.hpp>
#include <nais/objective/sum.hpp>
#include <nais/space/search_space.hpp>
#include <nais/stage/expectation.hpp>
#include <nais/stage/relaxed_cells.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

// The bundle accelerator as a nais device model: co-search of which bundle each block uses
// (theta, Gumbel-softmax) and the IPs' sizes (log2 of Pc, Pi, rows, cols) with EDD Eq. 1. Per
// (block, op): the relaxed ms of the candidate's layers (relaxed.hpp); Perf = sum over blocks of
// its expectation (EDD Eq. 4, 6). RES = dsp x max_tau(DSP / dsp, BRAM18 / bram18), where an IP's
// multipliers count with the probability that some block uses it, presence = 1 - prod_i (1 -
// sum_{m uses it} P[i, m]): resources are summed over IPs, not over layers, and a block that
// switches to a bundle needing a new IP pays for that IP once (its gradient reaches theta).
// BRAM counts every IP of the space's buffers (its largest kernel and all weight buffers).
namespace nais::bundle {

/// Tag of the design group: log2 of (Pc, Pi, rows, cols), 1 x 4.
struct log2_design_tag {
    static constexpr const char* name = "log2_design";
};

/// A co-search space over bundles (bundle_space): per block, each bundle from the block's input
/// width to its output width, followed by a 2 x 2 max pool where the block down-samples.
struct bundle_space_options {
    net::tensor_shape input{3, 160, 320};
    std::vector<std::int64_t> widths{48, 96, 192, 384, 512};  ///< per block
    std::vector<bool> pool_after{true, true, true, false, false};
    std::int64_t head_channels = 10;
};

inline layered_space bundle_space(const std::vector<bundle_spec>& bundles, const bundle_space_options& o = {}) {
    nais::detail::require(!bundles.empty(), "bundle: bundle_space needs at least one bundle");
    nais::detail::require(!o.widths.empty() && o.widths.size() == o.pool_after.size(),
                          "bundle: bundle_space widths and pool_after need one entry per block");
    layered_space_description d;
    d.name = "bundles";
    d.input = o.input;
    d.bits = {16};
    std::int64_t cin = o.input.c;
    for (std::size_t i = 0; i < o.widths.size(); ++i) {
        searchable_block blk;
        blk.cout = o.widths[i];
        for (const bundle_spec& b : bundles)
            blk.candidates.push_back(net::layers_op(name_of(b), bundle_layers(b, "b", cin, o.widths[i], o.pool_after[i])));
        d.blocks.push_back(std::move(blk));
        cin = o.widths[i];
    }
    d.head = {net::conv("head", o.head_channels, 1)};
    return layered_space(std::move(d));
}

/// The outcome of a co-search on the bundle accelerator.
struct search_outcome {
    std::vector<int> ops;               ///< per row, the op with the largest theta
    std::vector<workload> layers;       ///< the derived network's workloads
    design rounded;                     ///< the searched sizes, rounded to integers
    network_report rounded_report;      ///< its exact evaluation
    design_search_result exact;         ///< the exact design search on the derived network
};

namespace detail {

/// Per (block, op): the relaxed ms of the candidate's layers at x.
struct candidate_latency {
    const std::vector<std::vector<workload>>* cells;
    design base;
    precision prec;
    device dev;
    const relaxation* relax;
    dual operator()(std::size_t k, const design_vector& x) const {
        const double ms = 1 / (dev.clock_mhz * 1e3);
        return relaxed_network_cycles((*cells)[k], seeded(x, base), base, prec, dev, relaxed_ops{*relax}) * ms;
    }
};

/// RES = dsp x max_tau(DSP(x, P) / dsp, BRAM18(x) / bram18) with each IP's multipliers weighted
/// by its presence 1 - prod_i (1 - q_i), q_i = sum of P[i, m] over the cells that use it.
struct resource_constants {
    std::vector<ip> ips;                  ///< every IP of the space
    std::vector<std::vector<char>> uses;  ///< uses[ip][i + N m]
    Eigen::Index rows = 0, cols = 0;
    design base;
    precision prec;
    device dev;
    const relaxation* relax = nullptr;
};

template <class U, class Arch, class T>
class resource_use_node : public expr::node<resource_use_node<U, Arch, T>> {
public:
    using value_type = T;
    using probs_type = expr::value_t<Arch>;
    using constants = resource_constants;

    resource_use_node(U u, Arch arch, const constants* c) : u_(std::move(u)), arch_(std::move(arch)), c_(c) {}

    const value_type& forward() {
        x_ = nais::detail::exp2_of<design_variables>(u_.forward());
        const probs_type& P = arch_.forward();
        const relaxed_ops ops{*c_->relax};
        const auto v = seeded(x_, c_->base);
        const std::size_t n_ip = c_->ips.size(), rows = static_cast<std::size_t>(c_->rows);
        size_workspace();
        for (std::size_t k = 0; k < n_ip; ++k) {
            double none = 1;
            for (Eigen::Index i = 0; i < c_->rows; ++i) {
                double q = 0;
                for (Eigen::Index m = 0; m < c_->cols; ++m)
                    if (c_->uses[k][static_cast<std::size_t>(i + c_->rows * m)])
                        q += static_cast<double>(P(i, m));
                double& qk = q_[k * rows + static_cast<std::size_t>(i)];
                qk = std::clamp(q, 0.0, 1.0);
                none *= 1 - qk;
            }
            presence_[k] = 1 - none;
            multipliers_[k] = ip_multipliers(c_->ips[k], v, c_->base);
        }
        const dual dsp = relaxed_dsp(c_->ips, presence_, v, c_->base);
        const dual bram = buffer_bram(c_->ips, v, c_->base, c_->prec, ops);
        const double D = c_->dev.dsp, B = c_->dev.bram18;
        const dual r = ops.max(dsp / D, bram / B);
        dsp_slope_ = ops.max_slope(dsp.v / D, r.v);  // d r / d (DSP / dsp)
        grad_ = r.d * D;
        out_ = static_cast<T>(r.v * D);
        return out_;
    }
    const value_type& value() const noexcept { return out_; }
    void backward(const value_type& seed) {
        const double s = static_cast<double>(seed);
        u_.backward(nais::detail::log2_chain<design_variables>(design_vector(grad_ * s), x_, expr::value_t<U>(u_.value())));
        // d RES / d presence_k = dsp_slope * multipliers_k (D cancels); d presence_k / d P[i, m] =
        // uses * prod_{i' != i} (1 - q_i')
        probs_type& g = grad_probs_;
        g.setZero();
        const std::size_t n = static_cast<std::size_t>(c_->rows);
        for (std::size_t k = 0; k < c_->ips.size(); ++k) {
            const double dk = s * dsp_slope_ * multipliers_[k].v;
            const double* q = q_.data() + k * n;
            prefix_[0] = suffix_[n] = 1;
            for (std::size_t i = 0; i < n; ++i)
                prefix_[i + 1] = prefix_[i] * (1 - q[i]);
            for (std::size_t i = n; i-- > 0;)
                suffix_[i] = suffix_[i + 1] * (1 - q[i]);
            for (Eigen::Index i = 0; i < c_->rows; ++i)
                for (Eigen::Index m = 0; m < c_->cols; ++m)
                    if (c_->uses[k][static_cast<std::size_t>(i + c_->rows * m)])
                        g(i, m) += static_cast<typename probs_type::Scalar>(
                            dk * prefix_[static_cast<std::size_t>(i)] * suffix_[static_cast<std::size_t>(i) + 1]);
        }
        arch_.backward(g);
    }

private:
    /// Sizes the per-evaluation workspace once (the first forward; the constants are final by
    /// then): no allocation per evaluation afterwards.
    void size_workspace() {
        const std::size_t n_ip = c_->ips.size(), rows = static_cast<std::size_t>(c_->rows);
        if (q_.size() != n_ip * rows)
            q_.resize(n_ip * rows);
        if (presence_.size() != n_ip) {
            presence_.resize(n_ip);
            multipliers_.resize(n_ip);
        }
        if (prefix_.size() != rows + 1) {
            prefix_.resize(rows + 1);
            suffix_.resize(rows + 1);
        }
        if (grad_probs_.rows() != c_->rows || grad_probs_.cols() != c_->cols)
            grad_probs_.resize(c_->rows, c_->cols);
    }

    U u_;
    Arch arch_;
    const constants* c_;
    T out_{};
    double dsp_slope_ = 0;
    design_vector grad_ = design_vector::Zero(), x_ = design_vector::Ones();
    std::vector<double> q_;  ///< q_[k rows + i]: probability that block i uses IP k
    std::vector<double> presence_, prefix_, suffix_;
    std::vector<dual> multipliers_;
    probs_type grad_probs_;
};

}  // namespace detail

/// The bundle accelerator as a device model over a space (bundle_space, or any layered or MBConv
/// space whose layers the IPs run): variables theta and log2_design (1 x 4). The base design's
/// other fields (halo, pipeline intervals, packing, buffers), the precision and the device are
/// constants of the model; params().relax holds the temperatures.
template <search_space S, class T = double>
class model {
    static_assert(std::is_floating_point_v<T>, "nais::bundle::model: the scalar type must be float, double or long double");

public:
    using space_type = S;
    using scalar_type = T;
    static constexpr int N = S::blocks_at_compile_time, M = S::ops_at_compile_time;
    using cost_type = Eigen::Array<T, N, M>;
    using blocks_type = Eigen::Array<T, N, 1>;
    using design_type = Eigen::Array<T, 1, design_variables>;
    using variables = nais::variables<continuous<log2_design_tag, design_type>>;

    // the optional hooks it defines (nais::hook)
    using hooks = nais::hooks<nais::hook::validate_parameters, nais::hook::validate, nais::hook::interface,
                              nais::hook::search_bounds, nais::hook::check_search, nais::hook::prepare_search,
                              nais::hook::finish>;
    struct parameters {
        relaxation relax{};  ///< temperatures of max/min and ceil
    };

    /// Refuses a design, device, precision or candidate layer the IPs cannot run, naming it.
    explicit model(const S& space, const design& base = {}, const precision& p = {}, const device& dev = {})
        : base_(base), prec_(p), dev_(dev), blocks_(space.num_blocks(), 1) {
        bundle::validate(base_);
        bundle::validate(prec_);
        bundle::validate(dev_);
        cells_.resize(space.num_blocks(), space.num_ops());
        for (int op = 0; op < cells_.cols; ++op)
            for (int i = 0; i < cells_.rows; ++i)
                if (op_runs_on_hardware(space, i, op))
                    cells_.at(i, op) = workloads(candidate_network(space, i, op));
        for (const auto& c : cells_.cells)
            for (const ip& u : ips_of(c))
                if (std::find(res_.ips.begin(), res_.ips.end(), u) == res_.ips.end())
                    res_.ips.push_back(u);
        std::sort(res_.ips.begin(), res_.ips.end());
        res_.uses.assign(res_.ips.size(), std::vector<char>(cells_.cells.size(), 0));
        for (std::size_t k = 0; k < res_.ips.size(); ++k)
            for (std::size_t c = 0; c < cells_.cells.size(); ++c)
                for (const workload& w : cells_.cells[c])
                    if (w.role == role::compute && w.unit == res_.ips[k])
                        res_.uses[k][c] = 1;
        res_.rows = cells_.rows;
        res_.cols = cells_.cols;
        res_.base = base_;
        res_.prec = prec_;
        res_.dev = dev_;
    }

    group_shape shape(log2_design_tag) const { return {1, design_variables}; }

    /// relaxed ms per (block, op) -> op expectation (EDD Eq. 4) -> sum (Eq. 6); RES as above.
    template <class B>
    auto program(B& b) {
        using u_type = std::remove_cvref_t<decltype(b.variable(log2_design_tag{}))>;
        using arch_type = std::remove_cvref_t<decltype(b.arch())>;
        using latency_node = nais::detail::relaxed_cells_node<u_type, cost_type, design_variables, detail::candidate_latency>;
        res_.relax = &b.params().relax;
        latency_node latency(b.variable(log2_design_tag{}), blocks_.value.rows(), cells_.cols,
                             {&cells_.cells, base_, prec_, dev_, &b.params().relax});
        return device_terms(statements(expr::assign(blocks_, op_expectation(b.arch(), std::move(latency)))),  // Eq. 4
                            nais::sum(blocks_.ref()),                                                        // Eq. 6
                            detail::resource_use_node<u_type, arch_type, T>(b.variable(log2_design_tag{}), b.arch(), &res_));
    }

    template <class P>
    void validate_parameters(const P& p) const {
        nais::detail::require(nais::detail::valid_temperatures(p.relax), "bundle: params.relax temperatures must be in [1e-4, 1]");
    }
    /// 2^u must stay in [1, 4096]: u in [0, 12].
    template <class Loss>
    void validate(const Loss& l) const {
        nais::detail::require_log2_design(l.variable(log2_design_tag{}), 12, "bundle");
    }

    const blocks_type& latency_blocks() const noexcept { return blocks_.value; }
    /// Every IP the space can use.
    const std::vector<ip>& space_ips() const noexcept { return res_.ips; }
    const std::vector<workload>& candidate_workloads(int i, int m) const { return cells_.at(i, m); }

    /// The sizes 2^u rounded (Pi at most Pc).
    template <class Loss>
    design derive_design(const Loss& l) const {
        const design_vector x = nais::detail::exp2_of<design_variables>(l.variable(log2_design_tag{}));
        design d = base_;
        const auto at = [&](int k, int lo) { return static_cast<int>(std::clamp(std::round(x(k)), double(lo), max_relaxed_value)); };
        d.channels = at(var_channels, 1);
        d.inputs = std::min(at(var_inputs, 1), d.channels);
        d.rows = at(var_useful_rows, 1) + 2 * base_.halo;
        d.cols = at(var_useful_cols, 1) + 2 * base_.halo;
        return d;
    }
    template <class Loss>
    std::vector<workload> derive_layers(const Loss& l) const {
        return cells_.derived(l);
    }

    // ---- search hooks (search::co_search)

    /// u in [0, 9]: Pc and Pi up to 512, useful tiles up to 512 x 512.
    template <class P>
    interval search_bounds(log2_design_tag, const P&) const {
        return {0, 9};
    }
    /// Starts at the base design (SkyNet's by default), within the bounds.
    template <class Loss, class Search>
    void prepare_search(Loss& l, const Search& s) const {
        nais::detail::start_log2_design(l.variable(log2_design_tag{}), to_vector(base_), s.bounds(log2_design_tag{}));
    }
    template <class Loss, class Search>
    void check_search(const Loss& l, const Search& s) const {
        nais::detail::require_log2_search(s.bounds(log2_design_tag{}), 12, static_cast<double>(l.params().res_ub));
    }
    /// Derivation, the exact evaluation of the rounded sizes and the exact design search.
    template <class Loss, class Search>
    search_outcome finish(const Loss& l, const Search&) const {
        search_outcome out;
        out.ops = l.derived_ops();
        out.layers = derive_layers(l);
        out.rounded = derive_design(l);
        out.rounded_report = evaluate(out.layers, out.rounded, prec_, dev_);
        out.exact = search_design(out.layers, base_, prec_, dev_);
        return out;
    }

    /// The constants of the model: the base design (its fields other than the searched sizes),
    /// the bit widths and the device.
    const design& base_design() const noexcept { return base_; }
    const precision& bits() const noexcept { return prec_; }
    const device& target() const noexcept { return dev_; }

    /// Named accessors nais::loss adds for this model (CRTP): log2_design(), grad_log2_design(),
    /// latency_blocks().
    template <class Loss>
    using interface = nais::detail::log2_design_interface<Loss, log2_design_tag, design_type, blocks_type>;

private:
    design base_;
    precision prec_;
    device dev_;
    nais::detail::design_cells<workload> cells_;
    detail::resource_constants res_;
    expr::placeholder<blocks_type> blocks_;
};

/// EDD Eq. 1 on the bundle accelerator: L = Acc_loss * alpha * (expected ms) + beta *
/// C^(RES - RES_ub), theta N x M and log2_design 1 x 4.
template <search_space S, class T = double>
using loss = nais::loss<model<S, T>>;

}  // namespace nais::bundle
