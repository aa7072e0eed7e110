#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/space/mbconv.hpp>

#include <array>
#include <cstddef>
#include <cstdint>

namespace nais {
namespace detail {

// Each description is checked element by element, so the compiler's instantiation note shows
// the offending value, e.g. "check_block<nais::block{16, 24, 112, 112, 0}>".
template <block B>
struct check_block {
    static_assert(B.cin >= 1, "nais::block: cin (input channels) must be >= 1");
    static_assert(B.cout >= 1, "nais::block: cout (output channels) must be >= 1");
    static_assert(B.h >= 1, "nais::block: h (input height) must be >= 1");
    static_assert(B.w >= 1, "nais::block: w (input width) must be >= 1");
    static_assert(B.stride >= 1, "nais::block: stride must be >= 1");
    static constexpr bool value = true;
};

template <mbconv O>
struct check_op {
    static_assert(O.kernel >= 1, "nais::mbconv: kernel size must be >= 1");
    static_assert(O.expand >= 1, "nais::mbconv: expansion ratio must be >= 1");
    static constexpr bool value = true;
};

template <int Q>
struct check_bit_width {
    static_assert(Q >= 1 && Q <= 32, "nais::bit_list: a bit-width is outside 1..32");
    static constexpr bool value = true;
};

template <std::size_t N>
constexpr bool all_distinct(const std::array<int, N>& a) {
    for (std::size_t i = 0; i < N; ++i)
        for (std::size_t j = i + 1; j < N; ++j)
            if (a[i] == a[j])
                return false;
    return true;
}

}  // namespace detail

/// The N blocks of a compile-time space.
template <block... Bs>
struct block_list {
    static_assert(sizeof...(Bs) >= 1, "nais::block_list: a space needs at least one block");
    static_assert((detail::check_block<Bs>::value && ...));
    static constexpr std::array<block, sizeof...(Bs)> values{Bs...};
};

/// The M candidate operations of every block of a compile-time space.
template <mbconv... Os>
struct op_list {
    static_assert(sizeof...(Os) >= 1, "nais::op_list: a space needs at least one candidate op");
    static_assert((detail::check_op<Os>::value && ...));
    static constexpr std::array<mbconv, sizeof...(Os)> values{Os...};
};

/// The Q quantization paths (bit-widths) of a compile-time space.
template <int... Qs>
struct bit_list {
    static_assert(sizeof...(Qs) >= 1, "nais::bit_list: the list of bit-widths is empty");
    static_assert((detail::check_bit_width<Qs>::value && ...));
    static constexpr std::array<int, sizeof...(Qs)> values{Qs...};
    static_assert(detail::all_distinct(values), "nais::bit_list: duplicate bit-width");
};

namespace detail {
template <class>
inline constexpr bool is_block_list = false;
template <block... Bs>
inline constexpr bool is_block_list<block_list<Bs...>> = true;
template <class>
inline constexpr bool is_op_list = false;
template <mbconv... Os>
inline constexpr bool is_op_list<op_list<Os...>> = true;
template <class>
inline constexpr bool is_bit_list = false;
template <int... Qs>
inline constexpr bool is_bit_list<bit_list<Qs...>> = true;
}  // namespace detail

/// A search space whose sizes and work counts are compile-time constants: N blocks x M ops x
/// Q bit-widths. Expressions over it use fixed-size Eigen arrays (on the stack).
template <class Blocks, class Ops, class Bits>
struct static_space {
    static_assert(detail::is_block_list<Blocks>,
                  "nais::static_space: first argument must be nais::block_list<...>");
    static_assert(detail::is_op_list<Ops>, "nais::static_space: second argument must be nais::op_list<...>");
    static_assert(detail::is_bit_list<Bits>,
                  "nais::static_space: third argument must be nais::bit_list<...>");

    static constexpr int blocks_at_compile_time = static_cast<int>(Blocks::values.size());
    static constexpr int ops_at_compile_time = static_cast<int>(Ops::values.size());
    static constexpr int bits_at_compile_time = static_cast<int>(Bits::values.size());

    /// Work of op m in block i (Eq. 11-12 without Phi(q) and 2^-pf), computed at compile time.
    static constexpr auto work_table = [] {
        std::array<std::array<std::int64_t, ops_at_compile_time>, blocks_at_compile_time> t{};
        for (int i = 0; i < blocks_at_compile_time; ++i)
            for (int m = 0; m < ops_at_compile_time; ++m)
                t[i][m] = layer_work(Blocks::values[i], Ops::values[m]).total();
        return t;
    }();

    constexpr int num_blocks() const noexcept { return blocks_at_compile_time; }
    constexpr int num_ops() const noexcept { return ops_at_compile_time; }
    constexpr int num_bits() const noexcept { return bits_at_compile_time; }
    constexpr const block& block_at(int i) const noexcept { return Blocks::values[i]; }
    constexpr const mbconv& op_at(int m) const noexcept { return Ops::values[m]; }
    constexpr int bit_width(int q) const noexcept { return Bits::values[q]; }
    constexpr std::int64_t work(int i, int m) const noexcept { return work_table[i][m]; }
};

}  // namespace nais
