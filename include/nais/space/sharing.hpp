#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/space/search_space.hpp>

#include <Eigen/Core>

#include <concepts>

// Who shares an implementation choice (a quantization, a parallel factor): the "groups" of
// EDD Eq. 2-3. A group's variables are one row of phi; its expectations are laid out as
//   network_wide  1 x 1   (GPU, EDD Sec. 4.2: phi_{i,m,q} = phi_q)
//   per_op_type   M x 1   (recursive FPGA: op m of every block runs on IP m)
//   per_block_op  N x M   (pipelined FPGA: one IP per (block, op); row i + N*m of phi)
namespace nais::sharing {

struct network_wide {};  ///< one choice for the whole network
struct per_op_type {};   ///< one choice per candidate op type, shared by all blocks
struct per_block_op {};  ///< one choice per (block, op)

/// One of the three sharing rules.
template <class S>
concept rule = std::same_as<S, network_wide> || std::same_as<S, per_op_type> || std::same_as<S, per_block_op>;

/// Compile-time rows and columns of a rule's group layout over an N x M space.
template <rule S, int N, int M>
inline constexpr int group_rows = std::same_as<S, network_wide> ? 1 : std::same_as<S, per_op_type> ? M : N;
template <rule S, int N, int M>
inline constexpr int group_cols = std::same_as<S, per_block_op> ? M : 1;
/// Number of groups (rows of phi) at compile time (Eigen::Dynamic when unknown).
template <rule S, int N, int M>
inline constexpr int groups_at_compile_time =
    std::same_as<S, network_wide> ? 1 : std::same_as<S, per_op_type> ? M : nais::detail::product_dim(N, M);

template <rule S>
constexpr Eigen::Index group_rows_of(Eigen::Index n, Eigen::Index m) noexcept {
    return std::same_as<S, network_wide> ? 1 : std::same_as<S, per_op_type> ? m : n;
}
template <rule S>
constexpr Eigen::Index group_cols_of(Eigen::Index, Eigen::Index m) noexcept {
    return std::same_as<S, per_block_op> ? m : 1;
}
template <rule S>
constexpr Eigen::Index groups_of(Eigen::Index n, Eigen::Index m) noexcept {
    return group_rows_of<S>(n, m) * group_cols_of<S>(n, m);
}
/// The group (row of phi) of block i, op m.
template <rule S>
constexpr Eigen::Index group_of(Eigen::Index i, Eigen::Index m, Eigen::Index n) noexcept {
    return std::same_as<S, network_wide> ? 0 : std::same_as<S, per_op_type> ? m : i + n * m;
}

}  // namespace nais::sharing
