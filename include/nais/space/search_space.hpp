#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/space/mbconv.hpp>
#include <nais/space/runtime_space.hpp>

#include <Eigen/Core>

#include <concepts>
#include <cstdint>
#include <vector>

namespace nais {

/// A search space: N blocks x M candidate ops x Q bit-widths, with the work of every (block,
/// op). Sizes are compile-time constants (static_space) or Eigen::Dynamic (runtime_space).
template <class S>
concept search_space = requires(const S& s, int i) {
    { S::blocks_at_compile_time } -> std::convertible_to<int>;
    { S::ops_at_compile_time } -> std::convertible_to<int>;
    { S::bits_at_compile_time } -> std::convertible_to<int>;
    { s.num_blocks() } -> std::convertible_to<int>;
    { s.num_ops() } -> std::convertible_to<int>;
    { s.num_bits() } -> std::convertible_to<int>;
    { s.block_at(i) } -> std::convertible_to<block>;
    { s.op_at(i) } -> std::convertible_to<mbconv>;
    { s.bit_width(i) } -> std::convertible_to<int>;
    { s.work(i, i) } -> std::convertible_to<std::int64_t>;
};

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
