#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/space/search_space.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <istream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

// Measured latency tables for the GPU model of EDD Sec. 4.2: Perf^q(op_i^m) is a constant per
// (block, op, precision), taken from measurements and normalised as the user asks. Tables come
// from CSV (here), JSON (the tools, through latency_table_builder), a compile-time constant array
// (constant_table), or a measured per-shape MBConv table such as TF-NAS's (load_measured_mbconv_table).
namespace nais::gpu {

/// Latencies in ms of every (block i, op m, bit-width index q) of a space. Every entry is
/// finite and >= 0 once built by the loaders below.
class latency_table {
public:
    latency_table() = default;
    latency_table(int blocks, int ops, int bits)
        : n_(blocks), m_(ops), q_(bits),
          ms_(static_cast<std::size_t>(blocks) * ops * bits, std::numeric_limits<double>::quiet_NaN()) {}

    int num_blocks() const noexcept { return n_; }
    int num_ops() const noexcept { return m_; }
    int num_bits() const noexcept { return q_; }
    double& at(int i, int m, int q) noexcept { return ms_[index(i, m, q)]; }
    double at(int i, int m, int q) const noexcept { return ms_[index(i, m, q)]; }
    const std::vector<double>& values() const noexcept { return ms_; }

    double max() const { return ms_.empty() ? 0.0 : *std::max_element(ms_.begin(), ms_.end()); }

    /// Latency of a discrete network: op ops[i] in every block i, all at bit-width index q.
    double network_latency(const std::vector<int>& ops, int q) const {
        nais::detail::require(static_cast<int>(ops.size()) == n_, "latency_table::network_latency: ", ops.size(),
                        " ops given, the table has ", n_, " blocks");
        nais::detail::require(q >= 0 && q < q_, "latency_table::network_latency: bit-width index ", q, " is outside [0, ", q_, ")");
        double total = 0;
        for (int i = 0; i < n_; ++i) {
            nais::detail::require(ops[i] >= 0 && ops[i] < m_, "latency_table::network_latency: ops[", i, "] = ", ops[i],
                            " is outside [0, ", m_, ")");
            total += at(i, ops[i], q);
        }
        return total;
    }

    /// Every entry divided by `reference` (> 0): e.g. max(), or network_latency(...) of a reference net.
    latency_table normalized_by(double reference) const {
        nais::detail::require(std::isfinite(reference) && reference > 0,
                        "latency_table::normalized_by: the reference latency must be finite and > 0, got ", reference);
        latency_table t = *this;
        for (double& v : t.ms_)
            v /= reference;
        return t;
    }

    /// The table as an (N*M) x Q array, row i + N*m (the layout of the pipelined FPGA's phi).
    template <class T, int Rows = Eigen::Dynamic, int Cols = Eigen::Dynamic>
    Eigen::Array<T, Rows, Cols> to_array() const {
        Eigen::Array<T, Rows, Cols> a(Eigen::Index(n_) * m_, q_);
        for (int m = 0; m < m_; ++m)
            for (int i = 0; i < n_; ++i)
                for (int q = 0; q < q_; ++q)
                    a(i + Eigen::Index(n_) * m, q) = static_cast<T>(at(i, m, q));
        return a;
    }

private:
    std::size_t index(int i, int m, int q) const noexcept {
        return (static_cast<std::size_t>(i) * m_ + m) * q_ + q;
    }
    int n_ = 0, m_ = 0, q_ = 0;
    std::vector<double> ms_;
};

/// Fills a latency_table for a space from (block, kernel, expansion, bits, latency) entries in
/// any order, as the CSV and JSON readers do. Entries the space does not use (another op, another
/// bit-width, a block index past N) are skipped; a needed entry given twice, a negative or
/// non-finite latency is refused naming `where` (e.g. "table.csv:12"); finish() refuses a table
/// with missing entries and names them.
template <search_space S>
    requires mbconv_space<S>
class latency_table_builder {
public:
    latency_table_builder(const S& space, std::string source)
        : space_(&space), source_(std::move(source)), table_(space.num_blocks(), space.num_ops(), space.num_bits()) {}

    /// Returns whether the space needs the entry.
    bool add(long block, long kernel, long expand, long bits, double latency_ms, const std::string& where) {
        nais::detail::require(std::isfinite(latency_ms), where, ": latency_ms is ", nais::detail::describe_non_finite(latency_ms));
        nais::detail::require(latency_ms >= 0, where, ": latency_ms = ", latency_ms, " is negative");
        if (block < 0 || block >= space_->num_blocks())
            return false;
        int m = -1, q = -1;
        for (int k = 0; k < space_->num_ops(); ++k)
            if (space_->op_at(k).kernel == kernel && space_->op_at(k).expand == expand)
                m = k;
        for (int k = 0; k < space_->num_bits(); ++k)
            if (space_->bit_width(k) == bits)
                q = k;
        if (m < 0 || q < 0)
            return false;
        double& slot = table_.at(static_cast<int>(block), m, q);
        nais::detail::require(std::isnan(slot), where, ": duplicate entry for block ", block, ", op k", kernel, "e", expand,
                        ", ", bits, " bits");
        slot = latency_ms;
        return true;
    }

    /// The table, if every (block, op, bit-width) of the space is present; otherwise throws
    /// nais::invalid_argument listing the missing entries (the first 12 and a count).
    latency_table finish() const {
        std::ostringstream missing;
        int count = 0;
        for (int i = 0; i < space_->num_blocks(); ++i)
            for (int m = 0; m < space_->num_ops(); ++m)
                for (int q = 0; q < space_->num_bits(); ++q)
                    if (std::isnan(table_.at(i, m, q)) && ++count <= 12)
                        missing << (count > 1 ? ", " : "") << "(block " << i << ", op k" << space_->op_at(m).kernel << "e"
                                << space_->op_at(m).expand << ", " << space_->bit_width(q) << " bits)";
        nais::detail::require(count == 0, "latency table ", source_, ": ", count, " entr", count == 1 ? "y" : "ies",
                        " the space needs ", count == 1 ? "is" : "are", " missing: ", missing.str(),
                        count > 12 ? ", ..." : "");
        return table_;
    }

private:
    const S* space_;
    std::string source_;
    latency_table table_;
};

namespace detail {

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

inline std::vector<std::string_view> split_csv(std::string_view line) {
    std::vector<std::string_view> fields;
    for (std::size_t start = 0;;) {
        const std::size_t comma = line.find(',', start);
        fields.push_back(trim(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
        if (comma == std::string_view::npos)
            return fields;
        start = comma + 1;
    }
}

/// A CSV file with a header row naming its columns; lines starting with '#' and blank lines
/// are skipped. Rows are handed to `row(fields, where)` with `where` = "source:line".
class csv_reader {
public:
    csv_reader(std::istream& in, std::string source, std::vector<std::string> required)
        : in_(&in), source_(std::move(source)), required_(std::move(required)) {}

    /// Column index of each required name, in the order given.
    template <class Row>
    void for_each_row(Row&& row) {
        std::string line;
        long number = 0;
        std::vector<std::size_t> column;
        while (std::getline(*in_, line)) {
            ++number;
            const std::string_view t = trim(line);
            if (t.empty() || t.front() == '#')
                continue;
            const std::string where = source_ + ":" + std::to_string(number);
            const auto fields = split_csv(t);
            if (column.empty()) {  // the header
                for (const auto& name : required_) {
                    const auto it = std::find(fields.begin(), fields.end(), std::string_view(name));
                    nais::detail::require(it != fields.end(), where, ": the header has no column '", name,
                                          "' (it needs ", join(required_), ")");
                    column.push_back(static_cast<std::size_t>(it - fields.begin()));
                }
                width_ = fields.size();
                continue;
            }
            nais::detail::require(fields.size() == width_, where, ": ", fields.size(), " fields, the header has ", width_);
            std::vector<std::string_view> picked;
            for (std::size_t c : column)
                picked.push_back(fields[c]);
            row(picked, where);
        }
        nais::detail::require(!column.empty(), source_, ": no header row (expected the columns ", join(required_), ")");
    }

    static long integer(std::string_view s, const std::string& where, std::string_view name) {
        long v = 0;
        const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
        nais::detail::require(r.ec == std::errc() && r.ptr == s.data() + s.size(), where, ": ", name, " '", s,
                              "' is not an integer");
        return v;
    }
    static double real(std::string_view s, const std::string& where, std::string_view name) {
        double v = 0;
        const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
        nais::detail::require(r.ec == std::errc() && r.ptr == s.data() + s.size(), where, ": ", name, " '", s,
                              "' is not a number");
        return v;
    }

private:
    static std::string join(const std::vector<std::string>& names) {
        std::string s;
        for (const auto& n : names)
            s += (s.empty() ? "" : ",") + n;
        return s;
    }
    std::istream* in_;
    std::string source_;
    std::vector<std::string> required_;
    std::size_t width_ = 0;
};

/// Largest latency table file read (64 MiB), and the file must be a regular file (not a device
/// or a pipe that never ends).
inline constexpr std::uintmax_t max_table_bytes = std::uintmax_t{64} << 20;

inline std::ifstream open_table(const std::string& path) {
    std::error_code ec;
    nais::detail::require(std::filesystem::is_regular_file(path, ec) && !ec, "cannot open latency table '", path,
                          "' (not a readable regular file)");
    const std::uintmax_t size = std::filesystem::file_size(path, ec);
    nais::detail::require(!ec && size <= max_table_bytes, "latency table '", path, "' is larger than the limit of ",
                          max_table_bytes >> 20, " MiB");
    std::ifstream in(path);
    nais::detail::require(in.good(), "cannot open latency table '", path, "'");
    return in;
}

}  // namespace detail

/// Reads a latency table in nais's CSV format: a header naming the columns
///   block,kernel,expand,bits,latency_ms
/// (any order, extra columns ignored), one row per (block index from 0, op kernel, op
/// expansion, bit-width, latency in ms); '#' lines are comments. Errors name `source`:line.
template <search_space S>
    requires mbconv_space<S>
latency_table read_latency_table_csv(std::istream& in, const S& space, const std::string& source = "<stream>") {
    latency_table_builder<S> builder(space, source);
    detail::csv_reader csv(in, source, {"block", "kernel", "expand", "bits", "latency_ms"});
    csv.for_each_row([&](const std::vector<std::string_view>& f, const std::string& where) {
        using r = detail::csv_reader;
        builder.add(r::integer(f[0], where, "block"), r::integer(f[1], where, "kernel"), r::integer(f[2], where, "expand"),
                    r::integer(f[3], where, "bits"), r::real(f[4], where, "latency_ms"), where);
    });
    return builder.finish();
}

template <search_space S>
    requires mbconv_space<S>
latency_table load_latency_table_csv(const std::string& path, const S& space) {
    auto in = detail::open_table(path);
    return read_latency_table_csv(in, space, path);
}

/// Per-precision factors applied to an fp32 measurement: latency(q bits) = factor(q) * fp32.
struct precision_scaling {
    std::vector<std::pair<int, double>> factor;  ///< (bits, factor > 0)

    double at(int bits) const {
        for (const auto& [b, f] : factor)
            if (b == bits)
                return f;
        nais::detail::fail("precision_scaling has no factor for ", bits, " bits");
    }

    /// EDD Table 2: EDD-Net-1 on a GTX 1080 Ti under TensorRT, fp32 2.83 ms, fp16 2.29 ms,
    /// int8 1.74 ms. A network-level ratio applied to every op: an approximation for tables
    /// measured in fp32 only, to be replaced by per-precision measurements where available.
    static precision_scaling edd_table2() { return {{{32, 1.0}, {16, 2.29 / 2.83}, {8, 1.74 / 2.83}}}; }
};

/// How to read a measured per-shape MBConv table.
struct measured_table_options {
    std::string device = "gpu";  ///< value of the 'device' column to use
    precision_scaling precision = precision_scaling::edd_table2();
    /// Refuse the file if any row of `device` is invalid (negative or non-finite), not only the
    /// rows the space needs.
    bool validate_all_rows = false;
};

/// Reads a measured MBConv latency table keyed by block shape, such as TF-NAS's
/// (columns device,h_in,cin,cout,kernel,stride,se_channels,mid_channels,latency_ms; others
/// ignored): the entry of block i, op m is the row of `device` with h_in = h (square inputs),
/// cin, cout, the op's kernel, the block's stride, no squeeze-excitation (se_channels = 0, as
/// nais's MBConv) and mid_channels = expand * cin. The bit-width axis is the measured fp32 value
/// times options.precision. A needed row that is negative or non-finite is refused with its
/// file and line; missing rows are listed.
template <search_space S>
    requires mbconv_space<S>
latency_table read_measured_mbconv_table(std::istream& in, const S& space, const measured_table_options& options = {},
                                         const std::string& source = "<stream>") {
    using key = std::tuple<long, long, long, long, long, long>;  // h, cin, cout, kernel, stride, mid
    std::map<key, std::vector<std::pair<int, int>>> needed;       // key -> (block, op)
    for (int i = 0; i < space.num_blocks(); ++i) {
        const block b = space.block_at(i);
        nais::detail::require(b.h == b.w, "measured MBConv tables are keyed by square inputs; block ", i, " is ", b.h,
                              " x ", b.w);
        for (int m = 0; m < space.num_ops(); ++m) {
            const mbconv o = space.op_at(m);
            needed[key{b.h, b.cin, b.cout, o.kernel, b.stride, long(b.cin) * o.expand}].emplace_back(i, m);
        }
    }
    std::vector<double> factors;
    for (int q = 0; q < space.num_bits(); ++q) {
        factors.push_back(options.precision.at(space.bit_width(q)));
        nais::detail::require(std::isfinite(factors.back()) && factors.back() > 0, "precision factor for ",
                              space.bit_width(q), " bits must be finite and > 0, got ", factors.back());
    }
    latency_table t(space.num_blocks(), space.num_ops(), space.num_bits());
    detail::csv_reader csv(in, source,
                           {"device", "h_in", "cin", "cout", "kernel", "stride", "se_channels", "mid_channels", "latency_ms"});
    csv.for_each_row([&](const std::vector<std::string_view>& f, const std::string& where) {
        if (f[0] != options.device)
            return;
        using r = detail::csv_reader;
        const double ms = r::real(f[8], where, "latency_ms");
        const key k{r::integer(f[1], where, "h_in"),   r::integer(f[2], where, "cin"),
                    r::integer(f[3], where, "cout"),   r::integer(f[4], where, "kernel"),
                    r::integer(f[5], where, "stride"), r::integer(f[7], where, "mid_channels")};
        const bool se = r::integer(f[6], where, "se_channels") != 0;
        const auto it = se ? needed.end() : needed.find(k);
        if (it == needed.end() && !options.validate_all_rows)
            return;
        const auto describe = [&] {
            std::ostringstream os;
            os << " (" << options.device << " h_in " << std::get<0>(k) << ", cin " << std::get<1>(k) << ", cout "
               << std::get<2>(k) << ", kernel " << std::get<3>(k) << ", stride " << std::get<4>(k) << ", mid "
               << std::get<5>(k) << ")";
            return os.str();
        };
        nais::detail::require(std::isfinite(ms), where, ": latency_ms is ", nais::detail::describe_non_finite(ms), describe());
        nais::detail::require(ms >= 0, where, ": latency_ms = ", ms, " is negative", describe(),
                              "; a measured latency must be >= 0");
        if (it == needed.end())
            return;
        for (const auto& [i, m] : it->second) {
            nais::detail::require(std::isnan(t.at(i, m, 0)), where, ": a second row for block ", i, ", op k",
                                  space.op_at(m).kernel, "e", space.op_at(m).expand, describe());
            for (int q = 0; q < space.num_bits(); ++q)
                t.at(i, m, q) = ms * factors[static_cast<std::size_t>(q)];
        }
    });
    std::ostringstream missing;
    int count = 0;
    for (const auto& [k, entries] : needed)
        for (const auto& [i, m] : entries)
            if (std::isnan(t.at(i, m, 0)) && ++count <= 12)
                missing << (count > 1 ? ", " : "") << "(block " << i << ", op k" << space.op_at(m).kernel << "e"
                        << space.op_at(m).expand << ": h_in " << std::get<0>(k) << ", cin " << std::get<1>(k) << ", cout "
                        << std::get<2>(k) << ", stride " << std::get<4>(k) << ", mid " << std::get<5>(k) << ")";
    nais::detail::require(count == 0, "measured table ", source, " (device ", options.device, "): ", count,
                          " (block, op) entr", count == 1 ? "y" : "ies", " the space needs ", count == 1 ? "is" : "are",
                          " missing: ", missing.str(), count > 12 ? ", ..." : "");
    return t;
}

template <search_space S>
    requires mbconv_space<S>
latency_table load_measured_mbconv_table(const std::string& path, const S& space, const measured_table_options& options = {}) {
    auto in = detail::open_table(path);
    return read_measured_mbconv_table(in, space, options, path);
}

namespace detail {
template <std::size_t K>
constexpr std::size_t first_invalid_latency(const std::array<double, K>& v) {
    for (std::size_t k = 0; k < K; ++k)
        if (!(v[k] >= 0 && v[k] <= std::numeric_limits<double>::max()))
            return k;
    return K;
}
// constant_table takes its values as a template argument of class type (C++20's P1907), which
// GCC 11+ and Clang 18+ accept; with an older compiler it is absent (NAIS_HAS_CONSTANT_TABLE 0)
// and the run-time loaders are the way in.
#if defined(__cpp_nontype_template_args) && __cpp_nontype_template_args >= 201911L
#define NAIS_HAS_CONSTANT_TABLE 1
// Instantiated for the first bad entry only, so the compiler's note names its index and value,
// e.g. "check_latency_entry<7, -1.0>".
template <std::size_t Index, std::size_t Size, double Value>
struct check_latency_entry {
    static_assert(Index == Size || (Value >= 0 && Value <= std::numeric_limits<double>::max()),
                  "nais::gpu::constant_table: a latency is negative, infinite or NaN (see Index in this note)");
    static constexpr bool value = true;
};
#else
#define NAIS_HAS_CONSTANT_TABLE 0
#endif
}  // namespace detail

#if NAIS_HAS_CONSTANT_TABLE
/// A latency table fixed at compile time (embedded use: no file, no parser): `Values` is a
/// std::array<double, N*M*Q> of ms, block-major ([i][m][q]) over a static_space S. Its size and
/// every value are checked by static_assert.
template <search_space S, auto Values>
struct constant_table {
    static constexpr int N = S::blocks_at_compile_time, M = S::ops_at_compile_time, Q = S::bits_at_compile_time;
    static_assert(N != Eigen::Dynamic && M != Eigen::Dynamic && Q != Eigen::Dynamic,
                  "nais::gpu::constant_table: needs a static_space (sizes known at compile time)");
    static_assert(std::is_same_v<typename decltype(Values)::value_type, double>,
                  "nais::gpu::constant_table: Values must be a std::array<double, N*M*Q>");
    static_assert(Values.size() == std::size_t(N) * M * Q,
                  "nais::gpu::constant_table: Values must hold N*M*Q latencies (block-major [i][m][q])");
    static constexpr std::size_t first_bad = detail::first_invalid_latency(Values);
    static_assert(detail::check_latency_entry<first_bad, Values.size(),
                                              Values[first_bad == Values.size() ? 0 : first_bad]>::value);

    static latency_table table() {
        latency_table t(N, M, Q);
        for (int i = 0; i < N; ++i)
            for (int m = 0; m < M; ++m)
                for (int q = 0; q < Q; ++q)
                    t.at(i, m, q) = Values[(std::size_t(i) * M + m) * Q + q];
        return t;
    }
};
#endif

}  // namespace nais::gpu
