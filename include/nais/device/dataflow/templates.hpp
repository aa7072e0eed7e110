#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/dataflow/analysis.hpp>
#include <nais/device/dataflow/architecture.hpp>
#include <nais/device/dataflow/mapping.hpp>
#include <nais/device/dataflow/problem.hpp>
#include <nais/network/analysis.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

// DANCE's accelerator space (Choi et al., DAC 2021, Sec. 3: PE array X x Y, per-PE register
// file size, dataflow among weight, output and row stationary) as nais architectures, and the
// three dataflows as mapping templates: rules that build a valid mapping of a layer from the
// hardware (PE array, RF and buffer sizes). The templates' loop orders and spatial dimensions
// follow the dataflows' usual descriptions (Chen et al., ISCA 2016, Sec. IV: WS as in NVDLA-like
// designs, OS as in ShiDianNao, RS as in Eyeriss).
namespace nais::dataflow {

enum class dataflow_kind { weight_stationary, output_stationary, row_stationary };
inline constexpr std::array<const char*, 3> dataflow_names{"WS", "OS", "RS"};

/// Per-access energies (pJ per 16-bit word) of the hierarchy DRAM / global buffer / array
/// network / register file / MAC.
struct energy_table {
    double dram = 200, buffer = 6, network = 2, rf = 1, mac = 1;
};
/// Eyeriss's normalised costs (Chen et al., ISCA 2016, Fig. 1 / Sec. V: DRAM 200x, global
/// buffer 6x, inter-PE array 2x, RF 1x the energy of a MAC).
inline constexpr energy_table eyeriss_normalized{200, 6, 2, 1, 1};
/// Horowitz's 45 nm figures (ISSCC 2014, "Computing's energy problem"): DRAM 2.6 nJ, 32 KB SRAM
/// 20 pJ and 8 KB SRAM 10 pJ per 64-bit access, a 16-bit float multiply 1.1 pJ and add 0.4 pJ;
/// per 16-bit word: DRAM 650, buffer (32 KB) 5, register file (8 KB bound) 2.5, MAC 1.5 pJ; the
/// network term is taken as the buffer's half (2.5 pJ), an assumption.
inline constexpr energy_table horowitz_45nm{650, 5, 2.5, 2.5, 1.5};

/// Areas (um^2): a MAC from Timeloop's documented conv1d example (16 MACs, 5316 um^2 total,
/// timeloop.csail.mit.edu/v4/output-formats/stats); storage per bit is a STAND-IN (not a
/// published table): 1.2 um^2 per register-file bit, 0.25 um^2 per SRAM buffer bit.
struct area_table {
    double mac = 332.25, rf_bit = 1.2, buffer_bit = 0.25;
};

/// One point of the hardware space: PE array, words per PE register file (shared by the
/// operands the dataflow keeps there), global-buffer words, dataflow.
struct hardware {
    std::int64_t pe_x = 14, pe_y = 12;
    std::int64_t rf_entries = 512;
    std::int64_t buffer_entries = 65536;
    dataflow_kind dataflow = dataflow_kind::row_stationary;
    double dram_bandwidth = 16;  ///< words per cycle (0: unlimited)
    double clock_mhz = 200;
};

/// DRAM, a global buffer and the PE array's register files (one MAC each), 16-bit words.
inline architecture make_architecture(const hardware& h, const energy_table& e = eyeriss_normalized, const area_table& ar = {}) {
    nais::detail::require(h.pe_x >= 1 && h.pe_y >= 1 && h.pe_x * h.pe_y <= (1 << 20), "dataflow: PE array ", h.pe_x, " x ", h.pe_y,
                          " must have 1 to 2^20 PEs");
    nais::detail::require(h.rf_entries >= 1 && h.buffer_entries >= 1, "dataflow: rf and buffer entries must be >= 1");
    architecture a;
    a.clock_mhz = h.clock_mhz;
    a.levels.push_back({"DRAM", 0, 1, 0, 16, e.dram, e.dram, h.dram_bandwidth, 0, 0});
    a.levels.push_back({"GlobalBuffer", h.buffer_entries, 1, 0, 16, e.buffer, e.buffer, 0, ar.buffer_bit * 16 * double(h.buffer_entries), e.network});
    a.levels.push_back({"RegisterFile", h.rf_entries, h.pe_x * h.pe_y, h.pe_x, 16, e.rf, e.rf, 0, ar.rf_bit * 16 * double(h.rf_entries), 0});
    a.mac = {e.mac, ar.mac, 0, 0};
    return a;
}

/// A dataflow's mapping family: loop orders per level (outermost first), the dimensions spread
/// over the array's Y and X (in order of preference), the dimensions the RF's own loops may
/// take, and what the RF keeps.
struct dataflow_family {
    std::vector<dim> dram_order, buffer_order, rf_order;
    std::vector<dim> y_dims, x_dims;
    std::array<bool, num_operands> rf_keep{};
};

inline dataflow_family family_of(dataflow_kind k) {
    using enum dim;
    switch (k) {
    // groups (G) are independent convolutions: each dataflow spreads them over the array too
    case dataflow_kind::weight_stationary:  // a weight per PE (M, then G, over X; C over Y); P, Q, N sweep under it
        return {{G, M, C, R, S, N, P, Q}, {G, M, C, R, S, N, P, Q}, {R, S, N, P, Q}, {C}, {M, G}, {true, false, false}};
    case dataflow_kind::output_stationary:  // an output pixel per PE (Q, M, G over X; P, N over Y); the reduction sweeps under it
        return {{G, N, M, P, Q, C, R, S}, {G, N, M, P, Q, C, R, S}, {M, C, R, S}, {P, N}, {Q, M, G}, {false, false, true}};
    case dataflow_kind::row_stationary:  // a filter row per PE row (R, then C, G, over Y), an output row per column (P, then M, over X)
        return {{G, N, M, P, Q, C, R, S}, {G, N, M, P, Q, C, R, S}, {M, C, Q, S}, {R, C, G}, {P, M}, {true, true, true}};
    }
    return {};
}

namespace detail {
/// The divisors of n >= 1 in increasing order (trial division up to sqrt n).
inline std::vector<std::int64_t> divisors(std::int64_t n) {
    std::vector<std::int64_t> low, high;
    for (std::int64_t d = 1; d * d <= n; ++d)
        if (n % d == 0) {
            low.push_back(d);
            if (d * d != n)
                high.push_back(n / d);
        }
    low.insert(low.end(), high.rbegin(), high.rend());
    return low;
}

inline std::int64_t largest_divisor_at_most(std::int64_t n, std::int64_t cap) {
    for (std::int64_t d = std::min(n, cap); d >= 1; --d)
        if (n % d == 0)
            return d;
    return 1;
}

/// The mapping of a factor assignment: per dimension its DRAM, buffer, RF and spatial factors.
struct factor_plan {
    extents dram, buffer, rf;
    std::vector<spatial_loop> spatial;
};

inline mapping build(const dataflow_family& f, const factor_plan& p) {
    mapping m;
    m.levels.resize(3);
    for (dim d : f.dram_order)
        m.levels[0].temporal.push_back({d, p.dram[std::size_t(d)]});
    for (dim d : f.buffer_order)
        m.levels[1].temporal.push_back({d, p.buffer[std::size_t(d)]});
    m.levels[1].spatial = p.spatial;
    for (dim d : f.rf_order)
        m.levels[2].temporal.push_back({d, p.rf[std::size_t(d)]});
    m.levels[2].keep = f.rf_keep;
    return m;
}
}  // namespace detail

/// The template mapping: spatial factors first (for each array axis, its dimensions in order,
/// the largest divisor that fits), then the RF's loops innermost first (the largest divisor whose
/// tiles still fit the RF), then the buffer's, innermost first; DRAM takes what is left.
inline mapping template_mapping(const layer& l, const hardware& h) {
    const dataflow_family f = family_of(h.dataflow);
    const architecture a = make_architecture(h);
    const extents b = l.bounds();
    extents left = b;
    detail::factor_plan p;
    p.dram.fill(1);
    p.buffer.fill(1);
    p.rf.fill(1);
    for (int axis = 0; axis < 2; ++axis) {
        std::int64_t room = axis == 0 ? h.pe_y : h.pe_x;
        for (dim d : axis == 0 ? f.y_dims : f.x_dims) {
            const std::int64_t k = detail::largest_divisor_at_most(left[std::size_t(d)], room);
            if (k > 1) {
                p.spatial.push_back({d, k, axis == 0});
                left[std::size_t(d)] /= k;
                room /= k;
            }
        }
    }
    // RF, then buffer: a candidate factor is kept when no on-chip level overflows
    for (int index : {2, 1}) {
        const std::vector<dim>& order = index == 2 ? f.rf_order : f.buffer_order;
        extents& level = index == 2 ? p.rf : p.buffer;
        for (std::size_t q = order.size(); q-- > 0;) {
            const dim d = order[q];
            const std::vector<std::int64_t> divs = detail::divisors(left[std::size_t(d)]);
            for (auto it = divs.rbegin(); it != divs.rend(); ++it) {  // the largest divisor that fits
                const std::int64_t k = *it;
                level[std::size_t(d)] = k;
                const mapping trial = detail::build(f, p);
                bool fits = true;
                for (int i = 1; i < 3; ++i)
                    fits = fits && (a.levels[std::size_t(i)].entries == 0 ||
                                    used_bits(l, trial, std::size_t(i)) <= double(a.levels[std::size_t(i)].entries) * a.levels[std::size_t(i)].word_bits);
                if (fits) {
                    left[std::size_t(d)] /= k;
                    break;
                }
                level[std::size_t(d)] = 1;
            }
        }
    }
    p.dram = left;
    return detail::build(f, p);
}

/// The conv and fc layers of an analysed network as dataflow layers (batch 1; padding is part
/// of the input, as Timeloop's problem has none; an fc layer is 1 x 1 over flattened inputs).
inline std::vector<layer> layers_of(const net::network_report& r, std::array<int, num_operands> bits = {16, 16, 16}) {
    std::vector<layer> out;
    for (const net::layer_report& x : r.layers) {
        layer l;
        l.name = x.name;
        l.bits = bits;
        if (x.kind == net::layer_kind::conv) {
            l.M = x.out.c;
            l.C = x.in.c;
            l.P = x.out.h;
            l.Q = x.out.w;
            l.R = x.kernel_h;
            l.S = x.kernel_w;
            l.stride_h = x.stride_h;
            l.stride_w = x.stride_w;
            l.groups = std::max(1, x.groups);
        } else if (x.kind == net::layer_kind::fc) {
            l.M = x.out.c * x.out.h * x.out.w;
            l.C = x.in.c * x.in.h * x.in.w;
        } else {
            continue;
        }
        out.push_back(l);
    }
    return out;
}

}  // namespace nais::dataflow
