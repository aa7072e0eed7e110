#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

// The DANCE accelerator model (Choi et al., DAC 2021), analysed with Timeloop's conventions
// (Parashar et al., ISPASS 2019; NVlabs/timeloop): one convolution or fully connected layer, a
// PE-array architecture of storage levels, and a mapping (loop nest) of the layer onto it.
// This header: the layer (Timeloop's CNN-layer problem shape with a group dimension G).
namespace nais::dataflow {

/// The problem dimensions, as Timeloop's grouped CNN-layer shape names them: batch N, groups G,
/// output channels per group M, input channels per group C, output rows P and columns Q,
/// filter rows R and columns S.
enum class dim : int { N, G, M, C, P, Q, R, S };
inline constexpr int num_dims = 8;
inline constexpr std::array<const char*, num_dims> dim_names{"N", "G", "M", "C", "P", "Q", "R", "S"};

/// The operands (Timeloop's data spaces); Outputs are read-write (partial sums).
enum class operand : int { weights, inputs, outputs };
inline constexpr int num_operands = 3;
inline constexpr std::array<const char*, num_operands> operand_names{"Weights", "Inputs", "Outputs"};

using extents = std::array<std::int64_t, num_dims>;
/// An operand's tile as an axis-aligned box: Weights (G, M, C, R, S), Inputs (N, G, C, H, W),
/// Outputs (N, G, M, P, Q), with H = (P - 1) stride_h + R and W = (Q - 1) stride_w + S.
using box = std::array<std::int64_t, 5>;

/// One conv / fc layer. M and C are the layer's total channels (divisible by groups); a fully
/// connected layer is P = Q = R = S = 1; depth-wise is groups = C = M.
struct layer {
    std::string name;
    std::int64_t N = 1, M = 1, C = 1, P = 1, Q = 1, R = 1, S = 1;
    int stride_h = 1, stride_w = 1, groups = 1;
    std::array<int, num_operands> bits{16, 16, 16};  ///< precision of Weights, Inputs, Outputs

    /// The bounds of the eight problem dimensions (M and C per group).
    extents bounds() const { return {N, groups, M / groups, C / groups, P, Q, R, S}; }
    /// Multiply-accumulates of the layer.
    double macs() const { return double(N) * double(M) * double(C / groups) * double(P) * double(Q) * double(R) * double(S); }
};

/// An operand's box for per-dimension extents e (Timeloop's projections; the input's rows and
/// columns are the bounding box of the sliding window, as Timeloop's AAHR point sets count it).
inline box operand_box(operand o, const extents& e, int stride_h, int stride_w) {
    using enum dim;
    auto at = [&](dim d) { return e[std::size_t(d)]; };
    switch (o) {
    case operand::weights: return {at(G), at(M), at(C), at(R), at(S)};
    case operand::inputs:
        return {at(N), at(G), at(C), (at(P) - 1) * stride_h + at(R), (at(Q) - 1) * stride_w + at(S)};
    case operand::outputs: return {at(N), at(G), at(M), at(P), at(Q)};
    }
    return {};
}

/// A translation of the problem's indices projected onto an operand's axes.
inline box operand_shift(operand o, const extents& t, int stride_h, int stride_w) {
    using enum dim;
    auto at = [&](dim d) { return t[std::size_t(d)]; };
    switch (o) {
    case operand::weights: return {at(G), at(M), at(C), at(R), at(S)};
    case operand::inputs: return {at(N), at(G), at(C), at(P) * stride_h + at(R), at(Q) * stride_w + at(S)};
    case operand::outputs: return {at(N), at(G), at(M), at(P), at(Q)};
    }
    return {};
}

/// Whether dimension d moves operand o's box (Weights ignore N, P, Q; Outputs ignore C, R, S).
constexpr bool relevant(operand o, dim d) {
    switch (o) {
    case operand::weights: return d != dim::N && d != dim::P && d != dim::Q;
    case operand::inputs: return d != dim::M;
    case operand::outputs: return d != dim::C && d != dim::R && d != dim::S;
    }
    return true;
}

inline std::int64_t volume(const box& b) {
    std::int64_t v = 1;
    for (std::int64_t x : b)
        v *= x;
    return v;
}

/// Refuses a layer with a dimension < 1, channels not divisible by groups, a stride < 1 or a
/// precision outside [1, 64] bits; `where` prefixes the message.
inline void validate(const layer& l, const std::string& where = "dataflow: layer") {
    using nais::detail::require;
    const std::array<std::pair<const char*, std::int64_t>, 7> d{{{"N", l.N}, {"M", l.M}, {"C", l.C}, {"P", l.P}, {"Q", l.Q}, {"R", l.R}, {"S", l.S}}};
    for (const auto& [name, v] : d)
        require(v >= 1 && v <= (std::int64_t(1) << 24), where, ".", name, " = ", v, " must be in [1, 2^24]");
    require(l.groups >= 1 && l.M % l.groups == 0 && l.C % l.groups == 0, where, ".groups = ", l.groups,
            " must be >= 1 and divide M = ", l.M, " and C = ", l.C);
    require(l.stride_h >= 1 && l.stride_w >= 1 && l.stride_h <= 64 && l.stride_w <= 64, where, ".stride = [", l.stride_h, ", ",
            l.stride_w, "] must be in [1, 64]");
    for (int o = 0; o < num_operands; ++o)
        require(l.bits[std::size_t(o)] >= 1 && l.bits[std::size_t(o)] <= 64, where, ".bits of ", operand_names[std::size_t(o)], " = ",
                l.bits[std::size_t(o)], " must be in [1, 64]");
}

}  // namespace nais::dataflow
