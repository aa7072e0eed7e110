#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/detail/math.hpp>
#include <nais/device/fpga/cost_model.hpp>
#include <nais/space/search_space.hpp>

#include <Eigen/Core>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

// Discrete FPGA designs and their exact evaluation (EDD Eq. 11-13 with no expectations):
// a design picks one op per block, one bit-width per quantization group and an integer
// parallel factor per IP; its latency, DSPs and throughput follow directly.
namespace nais::fpga {

/// What the exact model needs from a space and its calibrations: the work W(i,m) of every
/// (block, op), Phi(q) and Psi(q) at every bit-width, and the bit-widths themselves.
/// Built once (make_cost_table, or loss::costs()); evaluation reads it and allocates nothing
/// per (block, op).
struct cost_table {
    Eigen::ArrayXXd work;            ///< N x M, MAC-equivalents (Eq. 12 without Phi and 2^-pf)
    Eigen::ArrayXXd hardware;        ///< N x M: 1 if the op runs on an IP, 0 for a skip (empty: every op does)
    Eigen::ArrayXXd available;       ///< N x M: 1 if the space offers op m in block i (empty: every cell)
    Eigen::ArrayXd latency_factor;   ///< Q: Phi(q), Eq. 12
    Eigen::ArrayXd dsp_factor;       ///< Q: Psi(q), Eq. 13
    std::vector<int> bit_widths;     ///< Q

    int num_blocks() const noexcept { return static_cast<int>(work.rows()); }
    int num_ops() const noexcept { return static_cast<int>(work.cols()); }
    int num_bits() const noexcept { return static_cast<int>(bit_widths.size()); }
    /// Whether op m of block i uses its IP (a skip op uses none).
    bool runs_on_hardware(int i, int m) const noexcept { return hardware.size() == 0 || hardware(i, m) > 0; }
    /// Whether block i offers op m.
    bool offers(int i, int m) const noexcept { return available.size() == 0 || available(i, m) > 0; }
    /// Blocks that cannot avoid an IP (no skip op among their candidates).
    int blocks_needing_an_ip() const noexcept {
        int k = 0;
        for (int i = 0; i < num_blocks(); ++i) {
            bool needs = true;
            for (int m = 0; m < num_ops(); ++m)
                needs = needs && (!offers(i, m) || runs_on_hardware(i, m));
            k += needs ? 1 : 0;
        }
        return k;
    }
};

/// The cost table of a space under the given calibrations (validated like the loss's).
template <search_space S, calibration Lat = edd_latency_calibration, calibration Dsp = edd_dsp_calibration>
cost_table make_cost_table(const S& space, const Lat& latency_calibration = {}, const Dsp& dsp_calibration = {}) {
    cost_table t;
    t.work = work_array<double>(space);
    t.hardware.resize(space.num_blocks(), space.num_ops());
    t.available.resize(space.num_blocks(), space.num_ops());
    for (int i = 0; i < space.num_blocks(); ++i)
        for (int m = 0; m < space.num_ops(); ++m) {
            t.hardware(i, m) = op_runs_on_hardware(space, i, m) ? 1.0 : 0.0;
            t.available(i, m) = op_available(space, i, m) ? 1.0 : 0.0;
        }
    t.latency_factor = calibrate<double>(space, latency_calibration, "latency");
    t.dsp_factor = calibrate<double>(space, dsp_calibration, "DSP");
    for (int q = 0; q < space.num_bits(); ++q)
        t.bit_widths.push_back(space.bit_width(q));
    return t;
}

/// Number of quantization groups (= IPs) of an architecture: M shared IPs (recursive) or one
/// per (block, op), N*M (pipelined).
template <architecture Arch>
constexpr int num_groups(int n_blocks, int n_ops) noexcept {
    return static_cast<int>(sharing::groups_of<typename Arch::sharing>(n_blocks, n_ops));
}

/// A discrete design point. Groups follow the architecture's sharing rule, with the same
/// indexing as the loss's phi rows: recursive g = m (op type), pipelined g = i + N*m.
template <architecture Arch>
struct design {
    std::vector<int> op;    ///< N: index of the op chosen in each block
    std::vector<int> bits;  ///< G: index into the space's bit-widths, per quantization group
    std::vector<int> pf;    ///< G: integer parallel factor per IP (parallelism 2^pf, Sec. 4.1)

    int num_blocks() const noexcept { return static_cast<int>(op.size()); }
    /// The IP (quantization group) that block i runs on.
    int group_of(int i) const noexcept {
        return static_cast<int>(Arch::sharing::group(i, op[static_cast<std::size_t>(i)], num_blocks()));
    }
};

/// Where to evaluate a design: the DSP budget RES_ub and the clock.
struct board {
    double dsp_budget;   ///< RES_ub, DSPs
    double clock_mhz;    ///< IP clock; cycles -> ms and frames/s
};
/// Xilinx ZCU102 (XCZU9EG: 2520 DSP48E2), EDD's recursive target; 200 MHz is an assumed
/// accelerator clock, not a figure from the paper.
inline constexpr board zcu102{2520, 200};
/// Xilinx ZC706 (XC7Z045: 900 DSP48E1), EDD's pipelined target; 200 MHz assumed as above.
inline constexpr board zc706{900, 200};

/// Largest integer parallel factor accepted in a design (2^62 parallel multipliers).
inline constexpr int max_design_pf = 62;

/// One block of an exactly evaluated design.
struct block_cost {
    int block = 0, op = 0, group = 0;
    int bits = 0;              ///< bit-width (not its index)
    int pf = 0;                ///< parallel factor of the block's IP
    double latency_cycles = 0; ///< Eq. 11-12
    double dsp = 0;            ///< DSPs of the block's IP (Eq. 13); shared by blocks in the recursive architecture
};

/// Exact evaluation of a design (no expectations).
struct design_report {
    std::vector<block_cost> blocks;
    double latency_cycles = 0;    ///< one frame end to end: sum of block latencies
    double interval_cycles = 0;   ///< cycles between frames: the total (recursive), the slowest stage (pipelined)
    double latency_ms = 0;        ///< latency_cycles at the board's clock
    double frames_per_second = 0; ///< clock / interval_cycles
    double dsp = 0;               ///< DSPs of the IPs in use, each counted once (Eq. 8 / Eq. 10 with shares of 1)
    double dsp_budget = 0;
    bool budget_met = false;      ///< dsp <= dsp_budget
    int bottleneck = 0;           ///< block with the largest latency (the slowest stage when pipelined)
    int ips_used = 0;             ///< distinct IPs instantiated
};

namespace detail {

template <architecture Arch>
void validate_design(const cost_table& costs, const design<Arch>& d) {
    using nais::detail::require;
    const int n = costs.num_blocks(), m = costs.num_ops(), q = costs.num_bits();
    const auto g = static_cast<std::size_t>(num_groups<Arch>(n, m));
    require(d.op.size() == static_cast<std::size_t>(n), "design.op has ", d.op.size(), " entries, the space has ", n,
            " blocks");
    require(d.bits.size() == g, "design.bits has ", d.bits.size(), " entries, expected ", g,
            " (one per quantization group)");
    require(d.pf.size() == g, "design.pf has ", d.pf.size(), " entries, expected ", g, " (one per IP)");
    for (int i = 0; i < n; ++i) {
        const int o = d.op[static_cast<std::size_t>(i)];
        require(o >= 0 && o < m, "design.op[", i, "] = ", o, " is not an op index in [0, ", m, ")");
        require(costs.offers(i, o), "design.op[", i, "] = ", o, ": block ", i, " has no candidate ", o);
        const auto gi = static_cast<std::size_t>(d.group_of(i));
        require(d.bits[gi] >= 0 && d.bits[gi] < q, "design.bits[", gi, "] = ", d.bits[gi],
                " is not a bit-width index in [0, ", q, ")");
        require(d.pf[gi] >= 0 && d.pf[gi] <= max_design_pf, "design.pf[", gi, "] = ", d.pf[gi], " is outside [0, ",
                max_design_pf, "]");
    }
}

}  // namespace detail

/// Latency (Eq. 11-12) and DSPs (Eq. 13) of one IP at a bit-width index and parallel factor.
inline double ip_latency(const cost_table& c, int block, int op, int bits_index, int pf) noexcept {
    return c.latency_factor(bits_index) * c.work(block, op) * std::ldexp(1.0, -pf);
}
inline double ip_dsp(const cost_table& c, int bits_index, int pf) noexcept {
    return c.dsp_factor(bits_index) * std::ldexp(1.0, pf);
}

/// Exact latency, throughput and DSPs of a design on a board (validated; throws
/// nais::invalid_argument naming the bad entry).
template <architecture Arch>
design_report evaluate(const cost_table& costs, const design<Arch>& d, const board& b) {
    nais::detail::require(std::isfinite(b.dsp_budget) && b.dsp_budget >= 0, "board.dsp_budget must be finite and >= 0, got ",
                          b.dsp_budget);
    nais::detail::require(std::isfinite(b.clock_mhz) && b.clock_mhz >= nais::detail::min_clock_mhz &&
                              b.clock_mhz <= nais::detail::max_clock_mhz,
                          "board.clock_mhz must be in [1e-3, 1e6] MHz, got ", b.clock_mhz);
    detail::validate_design(costs, d);
    const int n = costs.num_blocks();
    design_report r;
    r.dsp_budget = b.dsp_budget;
    std::vector<char> used(d.pf.size(), 0);
    double slowest = -1;
    for (int i = 0; i < n; ++i) {
        block_cost bc;
        bc.block = i;
        bc.op = d.op[static_cast<std::size_t>(i)];
        bc.group = d.group_of(i);
        const int qi = d.bits[static_cast<std::size_t>(bc.group)];
        bc.bits = costs.bit_widths[static_cast<std::size_t>(qi)];
        bc.pf = d.pf[static_cast<std::size_t>(bc.group)];
        bc.latency_cycles = ip_latency(costs, i, bc.op, qi, bc.pf);  // Eq. 11-12
        const bool ip = costs.runs_on_hardware(i, bc.op);            // a skip op uses no IP
        bc.dsp = ip ? ip_dsp(costs, qi, bc.pf) : 0.0;                // Eq. 13
        if (ip && !used[static_cast<std::size_t>(bc.group)]) {  // an IP counts once however many blocks share it
            used[static_cast<std::size_t>(bc.group)] = 1;
            r.dsp += bc.dsp;
            ++r.ips_used;
        }
        r.latency_cycles += bc.latency_cycles;
        if (bc.latency_cycles > slowest) {
            slowest = bc.latency_cycles;
            r.bottleneck = i;
        }
        r.blocks.push_back(bc);
    }
    r.interval_cycles = Arch::throughput_bound ? slowest : r.latency_cycles;
    r.latency_ms = r.latency_cycles / (b.clock_mhz * 1e3);
    r.frames_per_second = r.interval_cycles > 0 ? b.clock_mhz * 1e6 / r.interval_cycles : std::numeric_limits<double>::infinity();
    r.budget_met = r.dsp <= b.dsp_budget;
    return r;
}

}  // namespace nais::fpga
