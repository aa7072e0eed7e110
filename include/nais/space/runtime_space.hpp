#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/space/mbconv.hpp>

#include <Eigen/Core>

#include <cstdint>
#include <utility>
#include <vector>

namespace nais {

/// A search space whose sizes are known only at run time (e.g. read from a file). The same
/// expression templates accept it; their arrays are then dynamic, sized once at construction.
/// The constructor validates the description and throws nais::invalid_argument naming the
/// offending block, op or bit-width.
class runtime_space {
public:
    static constexpr int blocks_at_compile_time = Eigen::Dynamic;
    static constexpr int ops_at_compile_time = Eigen::Dynamic;
    static constexpr int bits_at_compile_time = Eigen::Dynamic;

    runtime_space(std::vector<block> blocks, std::vector<mbconv> ops, std::vector<int> bits)
        : blocks_(std::move(blocks)), ops_(std::move(ops)), bits_(std::move(bits)) {
        using detail::require;
        require(!blocks_.empty(), "runtime_space: a space needs at least one block");
        require(!ops_.empty(), "runtime_space: a space needs at least one candidate op");
        require(!bits_.empty(), "runtime_space: the list of bit-widths is empty");
        for (std::size_t i = 0; i < blocks_.size(); ++i) {
            const block& b = blocks_[i];
            require(b.cin >= 1, "runtime_space: block ", i, ": cin (input channels) must be >= 1, got ", b.cin);
            require(b.cout >= 1, "runtime_space: block ", i, ": cout (output channels) must be >= 1, got ", b.cout);
            require(b.h >= 1, "runtime_space: block ", i, ": h (input height) must be >= 1, got ", b.h);
            require(b.w >= 1, "runtime_space: block ", i, ": w (input width) must be >= 1, got ", b.w);
            require(b.stride >= 1, "runtime_space: block ", i, ": stride must be >= 1, got ", b.stride);
        }
        for (std::size_t m = 0; m < ops_.size(); ++m) {
            require(ops_[m].kernel >= 1, "runtime_space: op ", m, ": kernel size must be >= 1, got ", ops_[m].kernel);
            require(ops_[m].expand >= 1, "runtime_space: op ", m, ": expansion ratio must be >= 1, got ",
                    ops_[m].expand);
        }
        for (std::size_t q = 0; q < bits_.size(); ++q) {
            require(bits_[q] >= 1 && bits_[q] <= 32, "runtime_space: bit-width ", q, " is outside 1..32, got ",
                    bits_[q]);
            for (std::size_t r = 0; r < q; ++r)
                require(bits_[r] != bits_[q], "runtime_space: duplicate bit-width ", bits_[q], " (entries ", r,
                        " and ", q, ")");
        }
        work_.resize(blocks_.size() * ops_.size());
        for (std::size_t i = 0; i < blocks_.size(); ++i)
            for (std::size_t m = 0; m < ops_.size(); ++m)
                work_[i * ops_.size() + m] = checked_work(i, m);
    }

    int num_blocks() const noexcept { return static_cast<int>(blocks_.size()); }
    int num_ops() const noexcept { return static_cast<int>(ops_.size()); }
    int num_bits() const noexcept { return static_cast<int>(bits_.size()); }
    const block& block_at(int i) const noexcept { return blocks_[static_cast<std::size_t>(i)]; }
    const mbconv& op_at(int m) const noexcept { return ops_[static_cast<std::size_t>(m)]; }
    int bit_width(int q) const noexcept { return bits_[static_cast<std::size_t>(q)]; }
    std::int64_t work(int i, int m) const noexcept {
        return work_[static_cast<std::size_t>(i) * ops_.size() + static_cast<std::size_t>(m)];
    }

private:
    // The total work is below 4*k^2*h*w*cin*e*(cin+cout); checking that bound for overflow first
    // makes layer_work() safe.
    std::int64_t checked_work(std::size_t i, std::size_t m) const {
        const block& b = blocks_[i];
        const mbconv& o = ops_[m];
        std::int64_t acc = 1;
        for (std::int64_t f : {std::int64_t(o.kernel) * o.kernel, std::int64_t(b.h), std::int64_t(b.w),
                               std::int64_t(b.cin), std::int64_t(o.expand), std::int64_t(b.cin) + b.cout, std::int64_t(4)})
            detail::require(!__builtin_mul_overflow(acc, f, &acc), "runtime_space: block ", i, ", op ", m,
                            ": work count overflows 64 bits");
        return layer_work(b, o).total();
    }

    std::vector<block> blocks_;
    std::vector<mbconv> ops_;
    std::vector<int> bits_;
    std::vector<std::int64_t> work_;
};

}  // namespace nais
