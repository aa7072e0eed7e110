#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/space/search_space.hpp>

#include <Eigen/Core>

#include <concepts>

// Who shares an implementation choice (a quantization, a parallel factor): the "groups" of
// EDD Eq. 2-3. A group's variables are one row of phi; its expectations are laid out as a
// group_rows x group_cols array. The three rules nais ships:
//   network_wide  1 x 1   (GPU, EDD Sec. 4.2: phi_{i,m,q} = phi_q)
//   per_op_type   M x 1   (recursive FPGA: op m of every block runs on IP m)
//   per_block_op  N x M   (pipelined FPGA: one IP per (block, op); row i + N*m of phi)
// A rule is any type with the static members below (concept sharing::rule), so a device model
// may bring its own (e.g. one choice per stage of blocks).
namespace nais::sharing {

/// One choice for the whole network.
struct network_wide {
    template <int N, int M>
    static constexpr int rows_at_compile_time = 1;
    template <int N, int M>
    static constexpr int cols_at_compile_time = 1;
    static constexpr Eigen::Index rows(Eigen::Index, Eigen::Index) noexcept { return 1; }
    static constexpr Eigen::Index cols(Eigen::Index, Eigen::Index) noexcept { return 1; }
    /// The group (row of phi) of block i, op m in a space of n blocks.
    static constexpr Eigen::Index group(Eigen::Index, Eigen::Index, Eigen::Index) noexcept { return 0; }
};

/// One choice per candidate op type, shared by all blocks.
struct per_op_type {
    template <int N, int M>
    static constexpr int rows_at_compile_time = M;
    template <int N, int M>
    static constexpr int cols_at_compile_time = 1;
    static constexpr Eigen::Index rows(Eigen::Index, Eigen::Index m) noexcept { return m; }
    static constexpr Eigen::Index cols(Eigen::Index, Eigen::Index) noexcept { return 1; }
    static constexpr Eigen::Index group(Eigen::Index, Eigen::Index m, Eigen::Index) noexcept { return m; }
};

/// One choice per (block, op).
struct per_block_op {
    template <int N, int M>
    static constexpr int rows_at_compile_time = N;
    template <int N, int M>
    static constexpr int cols_at_compile_time = M;
    static constexpr Eigen::Index rows(Eigen::Index n, Eigen::Index) noexcept { return n; }
    static constexpr Eigen::Index cols(Eigen::Index, Eigen::Index m) noexcept { return m; }
    static constexpr Eigen::Index group(Eigen::Index i, Eigen::Index m, Eigen::Index n) noexcept { return i + n * m; }
};

/// A sharing rule: the layout of its groups over an N x M space and the group of (block, op).
/// Groups are numbered in the column-major order of that layout.
template <class S>
concept rule = requires(Eigen::Index i) {
    { S::rows(i, i) } -> std::convertible_to<Eigen::Index>;
    { S::cols(i, i) } -> std::convertible_to<Eigen::Index>;
    { S::group(i, i, i) } -> std::convertible_to<Eigen::Index>;
    { S::template rows_at_compile_time<1, 1> } -> std::convertible_to<int>;
    { S::template cols_at_compile_time<1, 1> } -> std::convertible_to<int>;
};

/// Compile-time rows and columns of a rule's group layout over an N x M space.
template <rule S, int N, int M>
inline constexpr int group_rows = S::template rows_at_compile_time<N, M>;
template <rule S, int N, int M>
inline constexpr int group_cols = S::template cols_at_compile_time<N, M>;
/// Number of groups (rows of phi) at compile time (Eigen::Dynamic when unknown).
template <rule S, int N, int M>
inline constexpr int groups_at_compile_time = nais::detail::product_dim(group_rows<S, N, M>, group_cols<S, N, M>);

template <rule S>
constexpr Eigen::Index group_rows_of(Eigen::Index n, Eigen::Index m) noexcept {
    return S::rows(n, m);
}
template <rule S>
constexpr Eigen::Index group_cols_of(Eigen::Index n, Eigen::Index m) noexcept {
    return S::cols(n, m);
}
template <rule S>
constexpr Eigen::Index groups_of(Eigen::Index n, Eigen::Index m) noexcept {
    return S::rows(n, m) * S::cols(n, m);
}
/// The group (row of phi) of block i, op m.
template <rule S>
constexpr Eigen::Index group_of(Eigen::Index i, Eigen::Index m, Eigen::Index n) noexcept {
    return S::group(i, m, n);
}

}  // namespace nais::sharing
