#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/space/mbconv.hpp>
#include <nais/space/runtime_space.hpp>

#include <Eigen/Core>

#include <concepts>
#include <cstdint>
#include <limits>
#include <vector>

namespace nais {

/// A space whose ops are EDD's MBConv(k, e) over block descriptions (static_space,
/// runtime_space): block_at(i) and op_at(m).
template <class S>
concept mbconv_space = requires(const S& s, int i) {
    { s.block_at(i) } -> std::convertible_to<block>;
    { s.op_at(i) } -> std::convertible_to<mbconv>;
};

/// A search space: N blocks x M candidate ops x Q bit-widths, with the work of every (block, op)
/// (EDD Eq. 12). Sizes are compile-time constants (static_space) or Eigen::Dynamic
/// (runtime_space, layered_space, a user's space). A space may mark cells unavailable
/// (available(i, m), when blocks have different numbers of candidates) and cells without hardware
/// (runs_on_hardware(i, m), the skip op). The core needs nothing more; device models that map an
/// op's layers (Loom by layer kind, GPU signatures, the tiled, bundle, H2H and dataflow models)
/// also need the space to describe them (nais::layer_described_space, <nais/network.hpp>):
/// MBConv descriptions (block_at(i), op_at(m)) or analysed layer lists (candidate_report(i, m)).
template <class S>
concept search_space = requires(const S& s, int i) {
    { S::blocks_at_compile_time } -> std::convertible_to<int>;
    { S::ops_at_compile_time } -> std::convertible_to<int>;
    { S::bits_at_compile_time } -> std::convertible_to<int>;
    { s.num_blocks() } -> std::convertible_to<int>;
    { s.num_ops() } -> std::convertible_to<int>;
    { s.num_bits() } -> std::convertible_to<int>;
    { s.bit_width(i) } -> std::convertible_to<int>;
    { s.work(i, i) } -> std::convertible_to<std::int64_t>;
};

/// A space some of whose cells are not candidates.
template <class S>
concept space_with_unavailable_ops = requires(const S& s, int i) {
    { s.available(i, i) } -> std::convertible_to<bool>;
    { s.runs_on_hardware(i, i) } -> std::convertible_to<bool>;
};

/// Whether block i has a candidate m (always, unless the space says otherwise).
template <search_space S>
bool op_available(const S& s, int i, int m) {
    if constexpr (space_with_unavailable_ops<S>)
        return s.available(i, m);
    else
        return true;
}
/// Whether op m of block i has layers to run (false for a skip op and an unavailable cell).
template <search_space S>
bool op_runs_on_hardware(const S& s, int i, int m) {
    if constexpr (space_with_unavailable_ops<S>)
        return s.runs_on_hardware(i, m);
    else
        return true;
}

/// 1 where op m of block i runs on hardware, 0 for a skip op or an unavailable cell (N x M).
template <class T, search_space S>
Eigen::Array<T, S::blocks_at_compile_time, S::ops_at_compile_time> hardware_mask(const S& s) {
    Eigen::Array<T, S::blocks_at_compile_time, S::ops_at_compile_time> a(s.num_blocks(), s.num_ops());
    for (int i = 0; i < s.num_blocks(); ++i)
        for (int m = 0; m < s.num_ops(); ++m)
            a(i, m) = op_runs_on_hardware(s, i, m) ? T(1) : T(0);
    return a;
}

/// 0 where the space has a candidate, -infinity where it has none: added to logits before a
/// softmax, it gives unavailable cells probability 0 and no gradient.
template <class T, search_space S>
Eigen::Array<T, S::blocks_at_compile_time, S::ops_at_compile_time> availability_offsets(const S& s) {
    Eigen::Array<T, S::blocks_at_compile_time, S::ops_at_compile_time> a(s.num_blocks(), s.num_ops());
    for (int i = 0; i < s.num_blocks(); ++i)
        for (int m = 0; m < s.num_ops(); ++m)
            a(i, m) = op_available(s, i, m) ? T(0) : -std::numeric_limits<T>::infinity();
    return a;
}

namespace detail {
constexpr int product_dim(int a, int b) { return (a == Eigen::Dynamic || b == Eigen::Dynamic) ? Eigen::Dynamic : a * b; }
}  // namespace detail

/// Work table W(i,m) of a space as an N x M Eigen array of T (fixed-size for static spaces).
template <class T, search_space S>
Eigen::Array<T, S::blocks_at_compile_time, S::ops_at_compile_time> work_array(const S& s) {
    Eigen::Array<T, S::blocks_at_compile_time, S::ops_at_compile_time> w(s.num_blocks(), s.num_ops());
    for (int i = 0; i < s.num_blocks(); ++i)
        for (int m = 0; m < s.num_ops(); ++m)
            w(i, m) = static_cast<T>(s.work(i, m));
    return w;
}

/// The same space with its sizes known only at run time (e.g. to compare code paths, or to
/// extend a compile-time space from a file).
template <search_space S>
    requires mbconv_space<S>
runtime_space to_runtime_space(const S& s) {
    std::vector<block> blocks;
    std::vector<mbconv> ops;
    std::vector<int> bits;
    for (int i = 0; i < s.num_blocks(); ++i)
        blocks.push_back(s.block_at(i));
    for (int m = 0; m < s.num_ops(); ++m)
        ops.push_back(s.op_at(m));
    for (int q = 0; q < s.num_bits(); ++q)
        bits.push_back(s.bit_width(q));
    return runtime_space(std::move(blocks), std::move(ops), std::move(bits));
}

}  // namespace nais
