#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/network/space_layers.hpp>
#include <nais/detail/math.hpp>
#include <nais/expr/node.hpp>
#include <nais/network/analysis.hpp>
#include <nais/network/candidates.hpp>
#include <nais/space/mbconv.hpp>
#include <nais/space/search_space.hpp>
#include <nais/space/sharing.hpp>

#include <Eigen/Core>

#include <cmath>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

// Loom-style bit-serial ASIC (EDD Sec. 4.3; Loom, Sharify et al., DAC 2018; Stripes, Judd et
// al., MICRO 2016). Weights and activations are processed bit-serially, so against a bit-parallel
// engine of the same peak (B x B-bit MACs, B = 16):
//   convolutions (activations reused):        time and compute energy scale with  w * a / B^2
//   depth-wise / fully connected (no reuse):  time and compute energy scale with  w / B
// with w, a the weight and activation bit-widths. Per op (block i, op m), in cycles and in units
// of one B x B-bit MAC of energy:
//   Lat(i,m)    = (conv_macs * w a / B^2 + dw_macs * w / B) / E
//   Energy(i,m) = e_mac * (conv_macs * w a / B^2 + dw_macs * w / B) + e_w * weights * w + e_a * activations * a
// E = equivalent B x B MACs per cycle. Both are  A * w a + Bc * w + C * a  in (w, a): bilinear, so
// their expectation under independent weight and activation precisions (EDD Eq. 2 twice) is the
// same form in E[w], E[a]. Not modelled: the BN/activation ("other") layers, off-chip bandwidth
// limits and Loom's run-time trimming of activation precision below the searched one.
namespace nais::loom {

/// Accelerator constants. Defaults: Loom's evaluated configuration has the peak of 128
/// 16b x 16b MACs per cycle; the clock and energies are illustrative, not measurements: set them
/// from your technology. Energy unit: one 16b x 16b MAC of the bit-parallel baseline; a bit of
/// on-chip buffer traffic defaults to 0.2 of it (order of magnitude: a 64-bit read of a small
/// SRAM costs about 10x a 16-bit multiply in a 45 nm process).
struct accelerator {
    double equivalent_macs_per_cycle = 128;  ///< E: peak B x B-bit MACs per cycle
    double clock_mhz = 1000;                 ///< to convert cycles into ms
    int baseline_bits = 16;                  ///< B: precision of the bit-parallel baseline
    double mac_energy = 1.0;                 ///< energy of one B x B-bit MAC (the unit)
    double weight_bit_energy = 0.2;          ///< per weight bit read
    double activation_bit_energy = 0.2;      ///< per activation bit read or written

    /// Ranges: E in [1e-3, 1e12], the clock in [1e-3, 1e6] MHz, energies in [0, 1e12] (so every
    /// latency and energy of counts below 2^62 stays finite).
    void validate() const {
        using nais::detail::max_device_constant;
        const auto in = [](double v, double lo, double hi) { return std::isfinite(v) && v >= lo && v <= hi; };
        nais::detail::require(in(equivalent_macs_per_cycle, 1e-3, max_device_constant),
                              "loom::accelerator.equivalent_macs_per_cycle must be in [1e-3, 1e12], got ",
                              equivalent_macs_per_cycle);
        nais::detail::require(in(clock_mhz, nais::detail::min_clock_mhz, nais::detail::max_clock_mhz),
                              "loom::accelerator.clock_mhz must be in [1e-3, 1e6] MHz, got ", clock_mhz);
        nais::detail::require(baseline_bits >= 1 && baseline_bits <= 32, "loom::accelerator.baseline_bits must be in 1..32, got ",
                              baseline_bits);
        nais::detail::require(in(mac_energy, 0, max_device_constant), "loom::accelerator.mac_energy must be in [0, 1e12], got ",
                              mac_energy);
        nais::detail::require(in(weight_bit_energy, 0, max_device_constant),
                              "loom::accelerator.weight_bit_energy must be in [0, 1e12], got ", weight_bit_energy);
        nais::detail::require(in(activation_bit_energy, 0, max_device_constant),
                              "loom::accelerator.activation_bit_energy must be in [0, 1e12], got ", activation_bit_energy);
    }
};

/// What one op moves and computes, from its layers (EDD's MBConv: nais::layer_work's layers).
struct op_counts {
    std::int64_t conv_macs = 0;    ///< convolutions whose filters see several channels: activations reused
    std::int64_t dw_macs = 0;      ///< depth-wise convolutions and fully connected layers: no activation reuse
    std::int64_t weights = 0;      ///< parameters of those layers (weights and biases)
    std::int64_t activations = 0;  ///< feature-map entries those layers read and write
};

/// Counts of an op's analysed layers. A conv is depth-wise when each filter sees one input
/// channel (groups = input channels); pooling, BN/activation, add, concat and reorg layers are
/// not modelled (see above). A skip op (no layers) counts nothing.
inline op_counts count(const net::network_report& op) {
    op_counts c;
    for (const net::layer_report& l : op.layers) {
        const bool conv = l.kind == net::layer_kind::conv, fc = l.kind == net::layer_kind::fc;
        if (!conv && !fc)
            continue;
        // depth-wise: each filter sees one input channel (groups = input channels)
        const bool depthwise = conv && l.groups == l.in.c && (l.groups > 1 || l.out.c == 1);
        (depthwise || fc ? c.dw_macs : c.conv_macs) += l.macs;
        c.weights += l.params;
        c.activations += l.in_elements + l.out_elements;
    }
    return c;
}

/// The counts of EDD's MBConv(k, e) in block b (its layers: nais::net::mbconv_layers).
inline op_counts count(const block& b, const mbconv& o) { return count(mbconv_report(b, o)); }

/// Per-op coefficients of  cost(w, a) = a_wa * w a + a_w * w + a_a * a  over an N x M space.
template <class T, int N, int M>
struct bilinear_cost_table {
    Eigen::Array<T, N, M> wa, w, a;
};

/// Latency in cycles (kind = latency) or energy in MAC units (kind = energy) of every op.
enum class cost_kind { latency, energy };

template <class T, search_space S>
bilinear_cost_table<T, S::blocks_at_compile_time, S::ops_at_compile_time> cost_table(const S& space, const accelerator& acc,
                                                                                    cost_kind kind) {
    acc.validate();
    const double B = acc.baseline_bits, E = acc.equivalent_macs_per_cycle;
    bilinear_cost_table<T, S::blocks_at_compile_time, S::ops_at_compile_time> t;
    t.wa.resize(space.num_blocks(), space.num_ops());
    t.w.resize(space.num_blocks(), space.num_ops());
    t.a.resize(space.num_blocks(), space.num_ops());
    for (int i = 0; i < space.num_blocks(); ++i)
        for (int m = 0; m < space.num_ops(); ++m) {
            const op_counts c = count(candidate_report(space, i, m));
            const double wa = double(c.conv_macs) / (B * B), w = double(c.dw_macs) / B;
            if (kind == cost_kind::latency) {
                t.wa(i, m) = static_cast<T>(wa / E);
                t.w(i, m) = static_cast<T>(w / E);
                t.a(i, m) = T(0);
            } else {
                t.wa(i, m) = static_cast<T>(acc.mac_energy * wa);
                t.w(i, m) = static_cast<T>(acc.mac_energy * w + acc.weight_bit_energy * double(c.weights));
                t.a(i, m) = static_cast<T>(acc.activation_bit_energy * double(c.activations));
            }
        }
    return t;
}

/// Expected bit-serial cost of every op (EDD Eq. 2 for weights and activations, Sec. 4.3):
///   out[i,m] = wa[i,m] * Ew[g] * Ea[g] + w[i,m] * Ew[g] + a[i,m] * Ea[g],  g = group of (i, m)
/// with Ew, Ea the expected weight and activation bit-widths of the groups (laid out as
/// nais::sharing's rule: 1 x 1, M x 1 or N x M). Output N x M.
template <sharing::rule Sharing, class Table, expr::array_expression Ew, expr::array_expression Ea>
class bit_serial_cost_node : public expr::node<bit_serial_cost_node<Sharing, Table, Ew, Ea>> {
    using group_type = expr::value_t<Ew>;

public:
    using scalar_type = typename group_type::Scalar;
    using value_type = std::remove_cvref_t<decltype(std::declval<Table>().wa)>;
    static_assert(std::is_same_v<group_type, expr::value_t<Ea>>,
                  "nais::loom::bit_serial_cost: weight and activation bit expectations must have the same shape");
    static_assert(std::is_same_v<typename value_type::Scalar, scalar_type>,
                  "nais::loom::bit_serial_cost: the cost table and the expectations must have the same scalar type");

    bit_serial_cost_node(Table table, Ew ew, Ea ea) : t_(std::move(table)), ew_(std::move(ew)), ea_(std::move(ea)) {
        const auto n = t_.wa.rows(), m = t_.wa.cols();
        nais::detail::require_shape(t_.w, n, m, "loom::bit_serial_cost: w coefficients");
        nais::detail::require_shape(t_.a, n, m, "loom::bit_serial_cost: a coefficients");
        nais::detail::require_shape(ew_.value(), sharing::group_rows_of<Sharing>(n, m), sharing::group_cols_of<Sharing>(n, m),
                              "loom::bit_serial_cost: weight bit expectation");
        nais::detail::require_shape(ea_.value(), sharing::group_rows_of<Sharing>(n, m), sharing::group_cols_of<Sharing>(n, m),
                              "loom::bit_serial_cost: activation bit expectation");
        out_.resize(n, m);
        rwa_.resize(ew_.value().rows(), ew_.value().cols());
        rw_.resize(rwa_.rows(), rwa_.cols());
        ra_.resize(rwa_.rows(), rwa_.cols());
        gw_.resize(rwa_.rows(), rwa_.cols());
        ga_.resize(rwa_.rows(), rwa_.cols());
    }

    const value_type& forward() {
        const group_type& w = ew_.forward();
        const group_type& a = ea_.forward();
        if constexpr (std::is_same_v<Sharing, sharing::per_block_op>) {
            out_ = t_.wa * w * a + t_.w * w + t_.a * a;
        } else if constexpr (std::is_same_v<Sharing, sharing::per_op_type>) {
            const auto wt = w.transpose(), at = a.transpose();
            out_ = t_.wa.rowwise() * (wt * at) + t_.w.rowwise() * wt + t_.a.rowwise() * at;
        } else if constexpr (std::is_same_v<Sharing, sharing::network_wide>) {
            const scalar_type w0 = w(0, 0), a0 = a(0, 0);
            out_ = t_.wa * (w0 * a0) + t_.w * w0 + t_.a * a0;
        } else {  // any other sharing rule: group by group
            const Eigen::Index n = out_.rows();
            for (Eigen::Index m = 0; m < out_.cols(); ++m)
                for (Eigen::Index i = 0; i < n; ++i) {
                    const Eigen::Index g = Sharing::group(i, m, n);
                    out_(i, m) = t_.wa(i, m) * w(g) * a(g) + t_.w(i, m) * w(g) + t_.a(i, m) * a(g);
                }
        }
        return out_;
    }
    const value_type& value() const noexcept { return out_; }

    /// With r_X[g] = sum_((i,m) in g) s[i,m] X[i,m]:  dEw = r_wa * Ea + r_w,  dEa = r_wa * Ew + r_a
    void backward(const value_type& seed) {
        reduce(seed, t_.wa, rwa_);
        reduce(seed, t_.w, rw_);
        reduce(seed, t_.a, ra_);
        gw_ = rwa_ * ea_.value() + rw_;
        ga_ = rwa_ * ew_.value() + ra_;
        ew_.backward(gw_);
        ea_.backward(ga_);
    }

private:
    static void reduce(const value_type& seed, const value_type& coef, group_type& r) {
        if constexpr (std::is_same_v<Sharing, sharing::per_block_op>)
            r = seed * coef;
        else if constexpr (std::is_same_v<Sharing, sharing::per_op_type>)
            r = (seed * coef).colwise().sum().transpose();
        else if constexpr (std::is_same_v<Sharing, sharing::network_wide>)
            r(0, 0) = (seed * coef).sum();
        else {  // any other sharing rule: group by group
            r.setZero();
            const Eigen::Index n = seed.rows();
            for (Eigen::Index m = 0; m < seed.cols(); ++m)
                for (Eigen::Index i = 0; i < n; ++i)
                    r(Sharing::group(i, m, n)) += seed(i, m) * coef(i, m);
        }
    }

    Table t_;
    Ew ew_;
    Ea ea_;
    value_type out_;
    group_type rwa_, rw_, ra_, gw_, ga_;
};

/// bit_serial_cost(sharing::per_op_type{} (or network_wide, per_block_op), table, E[w], E[a])
template <sharing::rule Sharing, class Table, expr::array_expression Ew, expr::array_expression Ea>
auto bit_serial_cost(Sharing, Table&& table, Ew&& ew, Ea&& ea) {
    using node_t = bit_serial_cost_node<Sharing, std::remove_cvref_t<Table>, std::remove_cvref_t<Ew>, std::remove_cvref_t<Ea>>;
    return node_t(std::forward<Table>(table), std::forward<Ew>(ew), std::forward<Ea>(ea));
}

/// A discrete design: one op per block, a weight and an activation bit-width per group (G
/// entries each, groups as the sharing rule: 1, M, or N*M with index i + N*m).
struct design {
    std::vector<int> ops;
    std::vector<int> weight_bits;
    std::vector<int> activation_bits;
};

struct design_report {
    std::vector<double> block_cycles, block_energy;
    double cycles = 0, ms = 0, energy = 0;
    double energy_delay() const noexcept { return energy * ms; }  ///< energy x latency (MAC units x ms)
};

/// Exact latency and energy of a discrete design (the formulas above with w, a fixed).
template <sharing::rule Sharing, search_space S>
design_report evaluate(const S& space, const accelerator& acc, const design& d) {
    const auto lat = cost_table<double>(space, acc, cost_kind::latency);
    const auto en = cost_table<double>(space, acc, cost_kind::energy);
    const int n = space.num_blocks(), m_ops = space.num_ops();
    const auto groups = static_cast<std::size_t>(sharing::groups_of<Sharing>(n, m_ops));
    nais::detail::require(static_cast<int>(d.ops.size()) == n, "loom::evaluate: ", d.ops.size(), " ops for ", n, " blocks");
    nais::detail::require(d.weight_bits.size() == groups && d.activation_bits.size() == groups, "loom::evaluate: ",
                    d.weight_bits.size(), " weight and ", d.activation_bits.size(), " activation bit-widths, expected ",
                    groups, " each");
    design_report r;
    for (int i = 0; i < n; ++i) {
        const int m = d.ops[static_cast<std::size_t>(i)];
        nais::detail::require(m >= 0 && m < m_ops && op_available(space, i, m), "loom::evaluate: ops[", i, "] = ", m,
                              " is not an op block ", i, " offers (the space has ", m_ops, " columns)");
        const auto g = static_cast<std::size_t>(sharing::group_of<Sharing>(i, m, n));
        const double w = d.weight_bits[g], a = d.activation_bits[g];
        nais::detail::require(w >= 1 && a >= 1, "loom::evaluate: bit-widths must be >= 1 (group ", g, ")");
        r.block_cycles.push_back(lat.wa(i, m) * w * a + lat.w(i, m) * w + lat.a(i, m) * a);
        r.block_energy.push_back(en.wa(i, m) * w * a + en.w(i, m) * w + en.a(i, m) * a);
        r.cycles += r.block_cycles.back();
        r.energy += r.block_energy.back();
    }
    r.ms = r.cycles / (acc.clock_mhz * 1e3);
    return r;
}

}  // namespace nais::loom
