#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/device/fpga/cost_model.hpp>
#include <nais/device/fpga/design.hpp>
#include <nais/device/fpga/retune.hpp>
#include <nais/sweep/pareto.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

// Sweeps of discrete FPGA designs (exact, no expectations): every point is a design in the
// sense of fpga::design, written as a vector of digits (a mixed-radix number):
//   pipelined: one digit per block, (op, bits, pf) of the block's own IP: radix M*Q*P;
//   recursive: one digit per block, its op (radix M), then one per op type m, (bits, pf) of
//              the shared IP m (radix Q*P); IPs no block uses cost nothing.
// with P = pf_max - pf_min + 1. Objectives are kept in fixed point (int64: latency in units of
// 2^-16 cycles, DSPs and accuracy in units of 2^-24), so incremental updates are exact and a
// point's values never depend on the order it was reached in (or on the thread count).
namespace nais::sweep {

/// What a sweep can optimise (all minimised).
enum class objective {
    latency,   ///< end-to-end latency of one frame (sum of block latencies), cycles
    interval,  ///< cycles between frames (1 / throughput): total (recursive), slowest stage (pipelined)
    dsp,       ///< DSPs of the IPs in use (Eq. 13, each IP once)
    accuracy   ///< sum over blocks of a user-given per-op accuracy-loss proxy (lower is better)
};

inline const char* objective_name(objective o) {
    switch (o) {
    case objective::latency:
        return "latency";
    case objective::interval:
        return "interval";
    case objective::dsp:
        return "dsp";
    case objective::accuracy:
    default:
        return "accuracy";
    }
}

inline constexpr double latency_unit = 0x1p-16;   ///< cycles per fixed-point latency unit
inline constexpr double resource_unit = 0x1p-24;  ///< DSPs (and accuracy) per fixed-point unit

namespace detail {

inline std::int64_t to_fixed(double x, double unit, const char* what) {
    const double scaled = std::nearbyint(x / unit);
    nais::detail::require(std::isfinite(x) && x >= 0 && scaled < 0x1p60, "sweep: ", what, " = ", x,
                          " is negative, non-finite or too large for the fixed-point sweep (limit ", 0x1p60 * unit, ")");
    return static_cast<std::int64_t>(scaled);
}

/// Overflow-checked product for point counts.
inline bool mul_overflows(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
    return __builtin_mul_overflow(a, b, &out);
}

/// SplitMix64: the random digits of point j come from a counter, not a stream, so any thread
/// can generate any point.
inline std::uint64_t splitmix64(std::uint64_t x) noexcept {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

}  // namespace detail

/// The swept design space of an architecture over a cost table: digits, radices, the point
/// count, per-(block, op, bits, pf) costs precomputed in fixed point, and the mapping between
/// digits and fpga::design.
template <fpga::architecture Arch>
class design_space {
public:
    static constexpr bool recursive = fpga::shares_ips_across_blocks<Arch>;  // one IP per op type

    /// accuracy_per_op: optional accuracy-loss proxy of each op (M values, lower is better).
    design_space(const fpga::cost_table& costs, fpga::pf_range range, std::vector<double> accuracy_per_op = {})
        : costs_(costs), range_(range), n_(costs.num_blocks()), m_(costs.num_ops()), q_(costs.num_bits()) {
        using nais::detail::require;
        require(n_ > 0 && m_ > 0 && q_ > 0, "sweep: the space is empty (", n_, " blocks, ", m_, " ops, ", q_,
                " bit-widths)");
        require(range.min >= 0 && range.min <= range.max && range.max <= fpga::max_design_pf, "sweep: pf range [",
                range.min, ", ", range.max, "] must satisfy 0 <= min <= max <= ", fpga::max_design_pf);
        require(accuracy_per_op.empty() || static_cast<int>(accuracy_per_op.size()) == m_,
                "sweep: accuracy_per_op has ", accuracy_per_op.size(), " values, the space has ", m_, " ops");
        p_ = range.max - range.min + 1;
        acc_.assign(static_cast<std::size_t>(m_), 0);
        for (int m = 0; m < static_cast<int>(accuracy_per_op.size()); ++m)
            acc_[static_cast<std::size_t>(m)] = detail::to_fixed(accuracy_per_op[static_cast<std::size_t>(m)],
                                                                  resource_unit, "accuracy_per_op");
        has_accuracy_ = !accuracy_per_op.empty();
        ops_.resize(static_cast<std::size_t>(n_));  // the ops each block offers (digit k -> ops_[i][k])
        for (int i = 0; i < n_; ++i) {
            for (int m = 0; m < m_; ++m)
                if (costs.offers(i, m))
                    ops_[static_cast<std::size_t>(i)].push_back(m);
            require(!ops_[static_cast<std::size_t>(i)].empty(), "sweep: block ", i, " offers no op");
        }
        dsp_.resize(static_cast<std::size_t>(q_ * p_));
        for (int b = 0; b < q_; ++b)
            for (int p = 0; p < p_; ++p)
                dsp_[static_cast<std::size_t>(b * p_ + p)] =
                    detail::to_fixed(fpga::ip_dsp(costs, b, range.min + p), resource_unit, "DSPs of an IP");
        if constexpr (!recursive) {
            lat_.resize(static_cast<std::size_t>(n_) * m_ * q_ * p_);
            for (int i = 0; i < n_; ++i)
                for (int k = 0; k < offered(i); ++k)
                    for (int b = 0; b < q_; ++b)
                        for (int p = 0; p < p_; ++p)
                            lat_[lat_index(i, (k * q_ + b) * p_ + p)] =
                                detail::to_fixed(fpga::ip_latency(costs, i, op_at_digit(i, k), b, range.min + p),
                                                 latency_unit, "latency of a block");
        } else {
            work_.resize(static_cast<std::size_t>(n_) * m_);
            for (int i = 0; i < n_; ++i)
                for (int m = 0; m < m_; ++m) {
                    const double w = costs.work(i, m);
                    nais::detail::require(w >= 0 && w < 0x1p53 && w == std::floor(w), "sweep: work(", i, ",", m,
                                          ") = ", w, " is not a non-negative integer below 2^53");
                    work_[static_cast<std::size_t>(i * m_ + m)] = static_cast<std::int64_t>(w);
                }
            // the largest total latency must fit: every block at its largest op, slowest bits, pf_min
            double worst = 0;
            for (int i = 0; i < n_; ++i)
                worst += costs.work.row(i).maxCoeff() * costs.latency_factor.maxCoeff() * std::ldexp(1.0, -range.min);
            detail::to_fixed(worst, latency_unit, "the largest total latency");
        }
        // Every sum the sweep forms must fit int64: each entry is below 2^60 units, and the
        // largest sum of a design is at most (its terms) x (the largest entry), so bounding that
        // by 2^62 keeps every partial and incremental sum exact.
        const auto largest = [](const std::vector<std::int64_t>& v) {
            return v.empty() ? 0.0 : static_cast<double>(*std::max_element(v.begin(), v.end()));
        };
        const double ips = recursive ? double(m_) : double(n_);  // IPs a design instantiates at most
        bound_sum(ips * largest(dsp_), resource_unit, "DSPs", "IPs at the costliest bit-width and pf_max = ",
                  range.max);
        if constexpr (!recursive)
            bound_sum(double(n_) * largest(lat_), latency_unit, "latency", "blocks at their slowest op, bit-width and pf_min = ",
                      range.min);
        bound_sum(double(n_) * largest(acc_), resource_unit, "accuracy proxy", "blocks at the worst op", 0);
    }

    /// The limit of any sum the sweep forms, in fixed-point units.
    static constexpr double max_sum_units = 0x1p62;

    int num_digits() const noexcept { return recursive ? n_ + m_ : n_; }

private:
    static void bound_sum(double units, double unit, const char* what, const char* how, int pf) {
        nais::detail::require(units < max_sum_units, "sweep: the largest total ", what, " of a design (", how, pf,
                              ") is ", units * unit, ", beyond the fixed-point sweep's limit of ", max_sum_units * unit,
                              "; narrow the pf range");
    }

public:
    int radix(int d) const noexcept {
        if constexpr (recursive)
            return d < n_ ? offered(d) : q_ * p_;
        else
            return offered(d) * q_ * p_;
    }
    /// Ops block i offers (all M unless the space lacks some) and the op of digit k.
    int offered(int i) const noexcept { return static_cast<int>(ops_[static_cast<std::size_t>(i)].size()); }
    int op_at_digit(int i, int k) const noexcept { return ops_[static_cast<std::size_t>(i)][static_cast<std::size_t>(k)]; }
    int digit_of_op(int i, int m) const noexcept {
        const auto& v = ops_[static_cast<std::size_t>(i)];
        return static_cast<int>(std::find(v.begin(), v.end(), m) - v.begin());
    }
    /// Whether op m of block i uses its IP (a skip op does not).
    bool runs_on_hardware(int i, int m) const noexcept { return costs_.runs_on_hardware(i, m); }
    int num_blocks() const noexcept { return n_; }
    int num_ops() const noexcept { return m_; }
    int num_bits() const noexcept { return q_; }
    fpga::pf_range pf_range() const noexcept { return range_; }
    bool has_accuracy() const noexcept { return has_accuracy_; }
    const fpga::cost_table& costs() const noexcept { return costs_; }

    /// Number of points; throws nais::invalid_argument when it exceeds 2^64 - 1.
    std::uint64_t count() const {
        std::vector<int> all(static_cast<std::size_t>(num_digits()));
        for (int d = 0; d < num_digits(); ++d)
            all[static_cast<std::size_t>(d)] = d;
        return count_over(all);
    }

    /// Number of points when only `digits` vary; throws nais::invalid_argument past 2^64 - 1.
    std::uint64_t count_over(const std::vector<int>& digits) const {
        std::uint64_t c = 1;
        for (int d : digits)
            if (detail::mul_overflows(c, static_cast<std::uint64_t>(radix(d)), c))
                nais::detail::fail("sweep: the swept space has more than 2^64 - 1 points (", describe(),
                                   "); sample it at random, sweep a neighbourhood, or vary fewer free_digits");
        return c;
    }

    /// "M^N * (Q*P)^M" or "(M*Q*P)^N" with numbers (the product of the radices when blocks
    /// offer different numbers of ops).
    std::string describe() const {
        for (int i = 1; i < n_; ++i)
            if (offered(i) != offered(0)) {
                std::string r;
                for (int d = 0; d < num_digits(); ++d)
                    r += (d ? " x " : "") + std::to_string(radix(d));
                return r;
            }
        if (recursive)
            return std::to_string(offered(0)) + "^" + std::to_string(n_) + " x " + std::to_string(q_ * p_) + "^" +
                   std::to_string(m_);
        return std::to_string(offered(0) * q_ * p_) + "^" + std::to_string(n_);
    }

    /// Digits of point `index` of the exhaustive enumeration (digit 0 varies fastest).
    void digits_of(std::uint64_t index, std::vector<int>& digits) const {
        digits.resize(static_cast<std::size_t>(num_digits()));
        for (int d = 0; d < num_digits(); ++d) {
            digits[static_cast<std::size_t>(d)] = static_cast<int>(index % static_cast<std::uint64_t>(radix(d)));
            index /= static_cast<std::uint64_t>(radix(d));
        }
    }

    /// Digits of random point j of a seeded sample (uniform over digits; counter-based).
    void random_digits(std::uint64_t seed, std::uint64_t j, std::vector<int>& digits) const {
        digits.resize(static_cast<std::size_t>(num_digits()));
        const std::uint64_t base = detail::splitmix64(seed ^ detail::splitmix64(j));
        for (int d = 0; d < num_digits(); ++d) {
            const std::uint64_t r = detail::splitmix64(base + static_cast<std::uint64_t>(d));
            // modulo bias below radix / 2^64
            digits[static_cast<std::size_t>(d)] =
                static_cast<int>(r % static_cast<std::uint64_t>(radix(d)));
        }
    }

    /// The fpga::design of a digit vector (IPs no block uses get bits 0 and pf_min).
    fpga::design<Arch> design_of(const std::vector<int>& digits) const {
        validate_digits(digits);
        fpga::design<Arch> d;
        const int g = fpga::num_groups<Arch>(n_, m_);
        d.bits.assign(static_cast<std::size_t>(g), 0);
        d.pf.assign(static_cast<std::size_t>(g), range_.min);
        for (int i = 0; i < n_; ++i) {
            const int x = digits[static_cast<std::size_t>(i)];
            if constexpr (recursive) {
                d.op.push_back(op_at_digit(i, x));
            } else {
                const int m = op_at_digit(i, x / (q_ * p_)), b = (x / p_) % q_, p = x % p_;
                d.op.push_back(m);
                d.bits[static_cast<std::size_t>(i + n_ * m)] = b;
                d.pf[static_cast<std::size_t>(i + n_ * m)] = range_.min + p;
            }
        }
        if constexpr (recursive)
            for (int m = 0; m < m_; ++m) {
                const int x = digits[static_cast<std::size_t>(n_ + m)];
                d.bits[static_cast<std::size_t>(m)] = x / p_;
                d.pf[static_cast<std::size_t>(m)] = range_.min + x % p_;
            }
        return d;
    }

    /// The digit vector of a design (pf must lie in the range).
    std::vector<int> digits_of(const fpga::design<Arch>& d) const {
        fpga::detail::validate_design(costs_, d);
        std::vector<int> digits(static_cast<std::size_t>(num_digits()));
        auto pf_digit = [&](int g) {
            const int p = d.pf[static_cast<std::size_t>(g)];
            nais::detail::require(p >= range_.min && p <= range_.max, "sweep: design.pf[", g, "] = ", p,
                                  " is outside the swept range [", range_.min, ", ", range_.max, "]");
            return p - range_.min;
        };
        for (int i = 0; i < n_; ++i) {
            const int m = d.op[static_cast<std::size_t>(i)];
            if constexpr (recursive) {
                digits[static_cast<std::size_t>(i)] = digit_of_op(i, m);
            } else {
                const int g = i + n_ * m;
                digits[static_cast<std::size_t>(i)] =
                    (digit_of_op(i, m) * q_ + d.bits[static_cast<std::size_t>(g)]) * p_ + pf_digit(g);
            }
        }
        if constexpr (recursive)
            for (int m = 0; m < m_; ++m)
                digits[static_cast<std::size_t>(n_ + m)] = d.bits[static_cast<std::size_t>(m)] * p_ + pf_digit(m);
        return digits;
    }

    void validate_digits(const std::vector<int>& digits) const {
        nais::detail::require(static_cast<int>(digits.size()) == num_digits(), "sweep: a point has ", digits.size(),
                              " digits, the space has ", num_digits());
        for (int d = 0; d < num_digits(); ++d)
            nais::detail::require(digits[static_cast<std::size_t>(d)] >= 0 && digits[static_cast<std::size_t>(d)] < radix(d),
                                  "sweep: digit ", d, " = ", digits[static_cast<std::size_t>(d)], " is outside [0, ",
                                  radix(d), ")");
    }

    // fixed-point tables (for the evaluator)
    std::int64_t block_latency(int i, int x) const noexcept { return lat_[lat_index(i, x)]; }  // pipelined
    /// DSPs of block i's own IP at digit x (pipelined; 0 for a skip op).
    std::int64_t block_dsp(int i, int x) const noexcept {
        const int qp = q_ * p_;
        return runs_on_hardware(i, op_at_digit(i, x / qp)) ? dsp_[static_cast<std::size_t>(x % qp)] : 0;
    }
    /// Accuracy proxy of block i at digit x (pipelined digits carry bits and pf too).
    std::int64_t block_accuracy(int i, int x) const noexcept {
        return acc_[static_cast<std::size_t>(op_at_digit(i, recursive ? x : x / (q_ * p_)))];
    }
    std::int64_t ip_dsp(int bits_pf) const noexcept { return dsp_[static_cast<std::size_t>(bits_pf)]; }
    std::int64_t op_accuracy(int m) const noexcept { return acc_[static_cast<std::size_t>(m)]; }
    std::int64_t work(int i, int m) const noexcept { return work_[static_cast<std::size_t>(i * m_ + m)]; }  // recursive
    int pf_count() const noexcept { return p_; }

private:
    std::size_t lat_index(int i, int x) const noexcept { return static_cast<std::size_t>(i) * (m_ * q_ * p_) + x; }

    fpga::cost_table costs_;
    fpga::pf_range range_;
    int n_, m_, q_, p_ = 1;
    bool has_accuracy_ = false;
    std::vector<std::int64_t> lat_, dsp_, acc_, work_;
    std::vector<std::vector<int>> ops_;
};

/// Exact objectives of one point, updated digit by digit.
template <fpga::architecture Arch>
class evaluator {
public:
    static constexpr bool recursive = design_space<Arch>::recursive;

    explicit evaluator(const design_space<Arch>& s) : s_(s) {
        const auto n = static_cast<std::size_t>(s.num_blocks()), m = static_cast<std::size_t>(s.num_ops());
        digits_.assign(static_cast<std::size_t>(s.num_digits()), 0);
        if constexpr (recursive) {
            work_sum_.assign(m, 0);
            users_.assign(m, 0);
            ip_lat_.assign(m, 0);
            ip_dsp_.assign(m, 0);
            factor_.resize(static_cast<std::size_t>(s.num_bits() * s.pf_count()));
            for (int b = 0; b < s.num_bits(); ++b)
                for (int p = 0; p < s.pf_count(); ++p)  // Phi(q) 2^-pf in latency units per MAC
                    factor_[static_cast<std::size_t>(b * s.pf_count() + p)] =
                        s.costs().latency_factor(b) * std::ldexp(1.0, -(s.pf_range().min + p)) / latency_unit;
        } else {
            block_lat_.assign(n, 0);
        }
        set(digits_);
    }

    /// Evaluates a point from scratch.
    void set(const std::vector<int>& digits) {
        digits_ = digits;
        latency_ = dsp_ = accuracy_ = interval_ = 0;
        const int n = s_.num_blocks();
        if constexpr (recursive) {
            std::fill(work_sum_.begin(), work_sum_.end(), 0);
            std::fill(users_.begin(), users_.end(), 0);
            for (int i = 0; i < n; ++i) {
                const int m = s_.op_at_digit(i, digits_[static_cast<std::size_t>(i)]);
                work_sum_[static_cast<std::size_t>(m)] += s_.work(i, m);
                users_[static_cast<std::size_t>(m)] += s_.runs_on_hardware(i, m) ? 1 : 0;  // a skip builds no IP
                accuracy_ += s_.op_accuracy(m);
            }
            for (int m = 0; m < s_.num_ops(); ++m) {
                refresh_ip(m);
                latency_ += ip_lat_[static_cast<std::size_t>(m)];
                dsp_ += ip_dsp_[static_cast<std::size_t>(m)];
            }
            interval_ = latency_;
        } else {
            for (int i = 0; i < n; ++i) {
                const int x = digits_[static_cast<std::size_t>(i)];
                const std::int64_t l = s_.block_latency(i, x);
                block_lat_[static_cast<std::size_t>(i)] = l;
                latency_ += l;
                dsp_ += s_.block_dsp(i, x);
                accuracy_ += s_.block_accuracy(i, x);
                interval_ = std::max(interval_, l);
            }
        }
    }

    /// Changes one digit and updates the objectives incrementally (exact: integer arithmetic).
    void change(int d, int value) {
        int& old = digits_[static_cast<std::size_t>(d)];
        if constexpr (recursive) {
            const int n = s_.num_blocks();
            if (d < n) {  // block d moves from op `old` to op `value`
                const int a = s_.op_at_digit(d, old), b = s_.op_at_digit(d, value);
                old = value;
                work_sum_[static_cast<std::size_t>(a)] -= s_.work(d, a);
                users_[static_cast<std::size_t>(a)] -= s_.runs_on_hardware(d, a) ? 1 : 0;
                work_sum_[static_cast<std::size_t>(b)] += s_.work(d, b);
                users_[static_cast<std::size_t>(b)] += s_.runs_on_hardware(d, b) ? 1 : 0;
                accuracy_ += s_.op_accuracy(b) - s_.op_accuracy(a);
                update_ip(a);
                update_ip(b);
            } else {  // IP d - n changes bits / pf
                old = value;
                update_ip(d - n);
            }
            interval_ = latency_;
        } else {
            const std::int64_t before = block_lat_[static_cast<std::size_t>(d)];
            const std::int64_t after = s_.block_latency(d, value);
            latency_ += after - before;
            dsp_ += s_.block_dsp(d, value) - s_.block_dsp(d, old);
            accuracy_ += s_.block_accuracy(d, value) - s_.block_accuracy(d, old);
            old = value;
            block_lat_[static_cast<std::size_t>(d)] = after;
            if (after >= interval_)
                interval_ = after;
            else if (before == interval_)  // the slowest stage got faster: rescan
                interval_ = *std::max_element(block_lat_.begin(), block_lat_.end());
        }
    }

    std::int64_t latency() const noexcept { return latency_; }
    std::int64_t interval() const noexcept { return interval_; }
    std::int64_t dsp() const noexcept { return dsp_; }
    std::int64_t accuracy() const noexcept { return accuracy_; }
    std::int64_t value(objective o) const noexcept {
        switch (o) {
        case objective::latency:
            return latency_;
        case objective::interval:
            return interval_;
        case objective::dsp:
            return dsp_;
        case objective::accuracy:
        default:
            return accuracy_;
        }
    }
    const std::vector<int>& digits() const noexcept { return digits_; }

private:
    void refresh_ip(int m) {
        const auto k = static_cast<std::size_t>(m);
        if (users_[k] == 0) {
            ip_lat_[k] = ip_dsp_[k] = 0;  // an IP no block uses is not built
            return;
        }
        const int bp = digits_[static_cast<std::size_t>(s_.num_blocks() + m)];
        ip_lat_[k] = static_cast<std::int64_t>(
            std::nearbyint(static_cast<double>(work_sum_[k]) * factor_[static_cast<std::size_t>(bp)]));
        ip_dsp_[k] = s_.ip_dsp(bp);
    }
    void update_ip(int m) {
        const auto k = static_cast<std::size_t>(m);
        latency_ -= ip_lat_[k];
        dsp_ -= ip_dsp_[k];
        refresh_ip(m);
        latency_ += ip_lat_[k];
        dsp_ += ip_dsp_[k];
    }

    const design_space<Arch>& s_;
    std::vector<int> digits_;
    std::int64_t latency_ = 0, dsp_ = 0, accuracy_ = 0, interval_ = 0;
    std::vector<std::int64_t> block_lat_;                        // pipelined
    std::vector<std::int64_t> work_sum_, ip_lat_, ip_dsp_;       // recursive
    std::vector<int> users_;
    std::vector<double> factor_;
};

/// One evaluated point, in physical units.
struct point {
    std::uint64_t index = 0;      ///< enumeration index (exhaustive), sample number (random) or neighbour number
    double latency_cycles = 0;
    double interval_cycles = 0;
    double dsp = 0;
    double accuracy = 0;
};

enum class enumeration {
    exhaustive,    ///< every point (or every point of the sub-space free_digits spans), index 0 .. count-1;
                   ///< consecutive points differ in few digits
    random,        ///< `samples` points drawn uniformly over digits from `seed`
    neighbourhood  ///< every design one digit away from `base` (index: digit-major)
};

struct sweep_options {
    enumeration mode = enumeration::exhaustive;
    std::vector<objective> objectives{objective::interval, objective::dsp};  ///< 2 or 3, all minimised
    double dsp_budget = 0;          ///< points above it are infeasible (counted, not on the front); > 0
    std::uint64_t samples = 0;      ///< random mode: how many points
    std::uint64_t seed = 1;         ///< random mode
    std::vector<int> base;          ///< neighbourhood mode: the centre design; exhaustive with free_digits: the fixed digits
    /// Exhaustive mode: when non-empty, only these digits vary (the first fastest) and every
    /// other digit keeps its value in `base` (an exhaustive sweep of a sub-space, e.g. the
    /// first k blocks of a 20-block network around a design).
    std::vector<int> free_digits;
    unsigned threads = 0;           ///< 0: std::thread::hardware_concurrency()
    std::uint64_t sample_every = 0; ///< also keep every k-th point (by index) in result.sample; 0: none
    std::uint64_t sample_limit = 1'000'000;  ///< at most this many kept points
    std::uint64_t chunk_size = 1 << 16;      ///< points per unit of work handed to a thread
    /// Only the points with index in [index_begin, index_end) (clipped to the sweep's points): one
    /// shard of a sweep split over processes or machines. Fronts of disjoint shards merge into the
    /// whole sweep's front (equal points keep the smallest index), samples concatenate.
    std::uint64_t index_begin = 0;
    std::uint64_t index_end = std::numeric_limits<std::uint64_t>::max();
    /// Called from the calling thread about every 100 ms with (points done, points total).
    std::function<void(std::uint64_t, std::uint64_t)> progress{};
};

struct sweep_result {
    std::uint64_t points = 0;     ///< evaluated (the points of [index_begin, index_end))
    std::uint64_t space_points = 0;  ///< the whole sweep's points, whatever the index range
    std::uint64_t feasible = 0;   ///< within the DSP budget
    std::vector<point> front;     ///< Pareto front of the feasible points, sorted by the objectives
    std::vector<point> sample;    ///< every sample_every-th point by index (sorted by index)
    double seconds = 0;
    unsigned threads = 1;
};

namespace detail {

template <fpga::architecture Arch>
point to_point(const evaluator<Arch>& e, std::uint64_t index) {
    return {index, static_cast<double>(e.latency()) * latency_unit, static_cast<double>(e.interval()) * latency_unit,
            static_cast<double>(e.dsp()) * resource_unit, static_cast<double>(e.accuracy()) * resource_unit};
}

/// Per-thread accumulation; cache-line aligned so that threads updating their own counters
/// and evaluators never share a line (false sharing halved 2-thread throughput).
template <fpga::architecture Arch>
struct alignas(64) worker_state {
    worker_state(const design_space<Arch>& s, int dims) : eval(s), front(dims) {}
    evaluator<Arch> eval;
    pareto_front front;
    std::vector<point> sample;
    std::uint64_t feasible = 0;
    std::vector<int> digits;
};

}  // namespace detail

namespace detail {

/// Which digits an exhaustive sweep varies (all of them, or sweep_options::free_digits, the
/// first fastest) and the values of the others (zeros, or the base design's).
struct exhaustive_layout {
    std::vector<int> varied;
    std::vector<int> start;
};

template <fpga::architecture Arch>
exhaustive_layout layout_of(const design_space<Arch>& s, const sweep_options& o) {
    exhaustive_layout l;
    if (o.free_digits.empty()) {
        for (int d = 0; d < s.num_digits(); ++d)
            l.varied.push_back(d);
        l.start.assign(static_cast<std::size_t>(s.num_digits()), 0);
        return l;
    }
    nais::detail::require(!o.base.empty(), "sweep: free_digits needs a base design for the digits it keeps fixed");
    s.validate_digits(o.base);
    std::vector<char> seen(static_cast<std::size_t>(s.num_digits()), 0);
    for (int d : o.free_digits) {
        nais::detail::require(d >= 0 && d < s.num_digits(), "sweep: free digit ", d, " is outside [0, ", s.num_digits(),
                              ")");
        nais::detail::require(!seen[static_cast<std::size_t>(d)], "sweep: free digit ", d, " is listed twice");
        seen[static_cast<std::size_t>(d)] = 1;
    }
    l.varied = o.free_digits;
    l.start = o.base;
    for (int d : l.varied)
        l.start[static_cast<std::size_t>(d)] = 0;
    return l;
}

/// Digits of point `index` of an exhaustive sweep.
template <fpga::architecture Arch>
void exhaustive_digits(const design_space<Arch>& s, const exhaustive_layout& l, std::uint64_t index,
                       std::vector<int>& digits) {
    digits = l.start;
    for (int d : l.varied) {
        const auto r = static_cast<std::uint64_t>(s.radix(d));
        digits[static_cast<std::size_t>(d)] = static_cast<int>(index % r);
        index /= r;
    }
}

}  // namespace detail

/// The digits of point `index` of a sweep (to turn a front entry back into a design).
template <fpga::architecture Arch>
std::vector<int> point_digits(const design_space<Arch>& s, const sweep_options& o, std::uint64_t index) {
    std::vector<int> digits;
    switch (o.mode) {
    case enumeration::exhaustive:
        detail::exhaustive_digits(s, detail::layout_of(s, o), index, digits);
        break;
    case enumeration::random:
        s.random_digits(o.seed, index, digits);
        break;
    case enumeration::neighbourhood: {
        digits = o.base;
        std::uint64_t k = index;
        for (int d = 0; d < s.num_digits(); ++d) {
            const auto others = static_cast<std::uint64_t>(s.radix(d) - 1);
            if (k < others) {
                const int v = static_cast<int>(k);
                digits[static_cast<std::size_t>(d)] = v < o.base[static_cast<std::size_t>(d)] ? v : v + 1;
                break;
            }
            k -= others;
        }
        break;
    }
    }
    return digits;
}

/// Runs a sweep over all cores (std::thread). The front and the sample are identical for any
/// thread count: work is split in fixed chunks, fronts merge order-independently and samples
/// are sorted by index.
template <fpga::architecture Arch>
sweep_result run_sweep(const design_space<Arch>& s, const sweep_options& o) {
    using nais::detail::require;
    const auto start = std::chrono::steady_clock::now();
    const int dims = static_cast<int>(o.objectives.size());
    require(dims == 2 || dims == 3, "sweep: 2 or 3 objectives, got ", dims);
    for (std::size_t a = 0; a < o.objectives.size(); ++a)
        for (std::size_t b = a + 1; b < o.objectives.size(); ++b)
            require(o.objectives[a] != o.objectives[b], "sweep: objective '", objective_name(o.objectives[a]),
                    "' is listed twice");
    for (objective ob : o.objectives)
        require(ob != objective::accuracy || s.has_accuracy(),
                "sweep: the accuracy objective needs accuracy_per_op in the design space");
    require(std::isfinite(o.dsp_budget) && o.dsp_budget > 0, "sweep: the DSP budget must be finite and > 0, got ",
            o.dsp_budget);
    std::uint64_t total = 0;
    detail::exhaustive_layout layout;
    switch (o.mode) {
    case enumeration::exhaustive:
        layout = detail::layout_of(s, o);
        total = s.count_over(layout.varied);
        break;
    case enumeration::random:
        require(o.samples > 0, "sweep: random sampling needs samples > 0");
        total = o.samples;
        break;
    case enumeration::neighbourhood:
        s.validate_digits(o.base);
        for (int d = 0; d < s.num_digits(); ++d)
            total += static_cast<std::uint64_t>(s.radix(d) - 1);
        break;
    }
    const std::int64_t budget =
        o.dsp_budget / resource_unit >= 0x1p62 ? std::numeric_limits<std::int64_t>::max()
                                               : static_cast<std::int64_t>(std::floor(o.dsp_budget / resource_unit));
    std::array<objective, 3> obj{o.objectives[0], o.objectives[1], dims == 3 ? o.objectives[2] : o.objectives[1]};
    const std::uint64_t space_points = total;
    require(o.index_begin <= o.index_end, "sweep: index_begin ", o.index_begin, " is above index_end ", o.index_end);
    const std::uint64_t first = std::min(o.index_begin, total);
    total = std::min(o.index_end, total) - first;  // from here, the points of this range

    unsigned threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
    require(o.chunk_size > 0, "sweep: chunk_size must be > 0");
    const std::uint64_t chunk = o.chunk_size;
    const std::uint64_t chunks = (total + chunk - 1) / chunk;
    threads = static_cast<unsigned>(std::max<std::uint64_t>(1, std::min<std::uint64_t>(threads, chunks)));
    std::atomic<std::uint64_t> next{0}, done{0};
    std::vector<detail::worker_state<Arch>> states;
    states.reserve(threads);
    for (unsigned t = 0; t < threads; ++t)
        states.emplace_back(s, dims);

    auto visit = [&](detail::worker_state<Arch>& w, std::uint64_t index) {
        const evaluator<Arch>& e = w.eval;
        if (o.sample_every && index % o.sample_every == 0 && index / o.sample_every < o.sample_limit)
            w.sample.push_back(detail::to_point(e, index));
        if (e.dsp() > budget)
            return;
        ++w.feasible;
        w.front.offer({e.value(obj[0]), e.value(obj[1]), dims == 3 ? e.value(obj[2]) : 0}, index);
    };
    auto work = [&](unsigned t) {
        detail::worker_state<Arch>& w = states[t];
        for (std::uint64_t c; (c = next.fetch_add(1)) < chunks;) {
            const std::uint64_t begin = first + c * chunk, end = first + std::min(total, c * chunk + chunk);
            if (o.mode == enumeration::exhaustive) {
                detail::exhaustive_digits(s, layout, begin, w.digits);
                w.eval.set(w.digits);
                for (std::uint64_t k = begin;;) {
                    visit(w, k);
                    if (++k == end)
                        break;
                    // odometer step over the varied digits, the first fastest; carries reset to 0
                    for (int d : layout.varied) {
                        const int v = w.eval.digits()[static_cast<std::size_t>(d)] + 1;
                        if (v < s.radix(d)) {
                            w.eval.change(d, v);
                            break;
                        }
                        w.eval.change(d, 0);
                    }
                }
            } else if (o.mode == enumeration::random) {
                for (std::uint64_t k = begin; k < end; ++k) {
                    s.random_digits(o.seed, k, w.digits);
                    w.eval.set(w.digits);
                    visit(w, k);
                }
            } else {
                w.eval.set(o.base);
                for (std::uint64_t k = begin; k < end; ++k) {
                    w.digits = point_digits(s, o, k);
                    // from the centre, one digit differs: change it, visit, change it back
                    int d = 0;
                    while (w.digits[static_cast<std::size_t>(d)] == o.base[static_cast<std::size_t>(d)])
                        ++d;
                    w.eval.change(d, w.digits[static_cast<std::size_t>(d)]);
                    visit(w, k);
                    w.eval.change(d, o.base[static_cast<std::size_t>(d)]);
                }
            }
            done.fetch_add(end - begin, std::memory_order_relaxed);
        }
    };
    std::vector<std::thread> pool;
    if (o.progress) {  // all threads work; this one reports
        for (unsigned t = 0; t < threads; ++t)
            pool.emplace_back(work, t);
        while (done.load() < total) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            o.progress(done.load(), total);
        }
    } else {
        for (unsigned t = 1; t < threads; ++t)
            pool.emplace_back(work, t);
        work(0);
    }
    for (auto& th : pool)
        th.join();

    sweep_result r;
    r.points = total;
    r.space_points = space_points;
    r.threads = threads;
    pareto_front merged(dims);
    for (auto& w : states) {
        r.feasible += w.feasible;
        merged.merge(w.front);
        r.sample.insert(r.sample.end(), w.sample.begin(), w.sample.end());
    }
    std::sort(r.sample.begin(), r.sample.end(), [](const point& a, const point& b) { return a.index < b.index; });
    evaluator<Arch> e(s);
    for (const auto& entry : merged.sorted()) {
        e.set(point_digits(s, o, entry.index));
        r.front.push_back(detail::to_point(e, entry.index));
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

}  // namespace nais::sweep
