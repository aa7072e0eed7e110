#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/network/space_layers.hpp>
#include <nais/device/gpu/latency_table.hpp>
#include <nais/network/analysis.hpp>
#include <nais/space/search_space.hpp>

#include <cmath>
#include <istream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

// Latency tables keyed by the op's layers (net::op_signature: kinds, kernels, strides, groups and
// shapes) and the bit-width, so that any op of any block of any space (MBConv, ResNet blocks,
// the user's layer lists, a fixed stem or head) can be looked up. A skip op needs no entry (its
// latency is 0, as in ProxylessNAS).
namespace nais::gpu {

/// Measured latencies in ms by (op signature, bit-width).
class signature_table {
public:
    /// Adds one measurement; a negative or non-finite latency, a bit-width outside 1..32 or a
    /// duplicate is refused naming `where`.
    void add(std::string signature, int bits, double latency_ms, const std::string& where) {
        nais::detail::require(!signature.empty(), where, ": the signature is empty");
        nais::detail::require(bits >= 1 && bits <= 32, where, ": bits = ", bits, " is outside 1..32");
        nais::detail::require(std::isfinite(latency_ms), where, ": latency_ms is ",
                              nais::detail::describe_non_finite(latency_ms));
        nais::detail::require(latency_ms >= 0, where, ": latency_ms = ", latency_ms, " is negative");
        const bool fresh = ms_.emplace(std::make_pair(std::move(signature), bits), latency_ms).second;
        nais::detail::require(fresh, where, ": duplicate entry for this signature at ", bits, " bits");
    }
    /// The latency of an op at a bit-width, or nullptr.
    const double* find(const std::string& signature, int bits) const {
        const auto it = ms_.find({signature, bits});
        return it == ms_.end() ? nullptr : &it->second;
    }
    std::size_t size() const noexcept { return ms_.size(); }

private:
    std::map<std::pair<std::string, int>, double> ms_;
};

/// The distinct signatures of the ops a space runs (skip ops and cells it lacks excluded), in
/// (block, op) order: what a user measures to build a table for it.
template <search_space S>
std::vector<std::string> required_signatures(const S& space) {
    std::vector<std::string> out;
    for (int i = 0; i < space.num_blocks(); ++i)
        for (int m = 0; m < space.num_ops(); ++m) {
            if (!op_runs_on_hardware(space, i, m))
                continue;
            std::string s = net::op_signature(candidate_report(space, i, m));
            if (std::find(out.begin(), out.end(), s) == out.end())
                out.push_back(std::move(s));
        }
    return out;
}

/// The (block, op, bit-width) table of a space from signature-keyed measurements: skip ops and
/// cells the space lacks get 0; missing entries are refused, listed with their block, op and
/// signature (the first 4 and a count).
template <search_space S>
latency_table latency_table_for(const S& space, const signature_table& t, const std::string& source = "<table>") {
    latency_table out(space.num_blocks(), space.num_ops(), space.num_bits());
    std::ostringstream missing;
    int count = 0;
    for (int i = 0; i < space.num_blocks(); ++i)
        for (int m = 0; m < space.num_ops(); ++m) {
            const bool runs = op_runs_on_hardware(space, i, m);
            const std::string sig = runs ? net::op_signature(candidate_report(space, i, m)) : std::string();
            for (int q = 0; q < space.num_bits(); ++q) {
                if (!runs) {
                    out.at(i, m, q) = 0;
                    continue;
                }
                if (const double* v = t.find(sig, space.bit_width(q))) {
                    out.at(i, m, q) = *v;
                } else if (++count <= 4) {
                    missing << (count > 1 ? "; " : "") << "(block " << i << ", op " << m << ", " << space.bit_width(q)
                            << " bits: " << sig << ")";
                }
            }
        }
    nais::detail::require(count == 0, "latency table ", source, ": ", count, " entr", count == 1 ? "y" : "ies",
                          " the space needs ", count == 1 ? "is" : "are", " missing: ", missing.str(),
                          count > 4 ? "; ..." : "");
    return out;
}

/// Reads a signature-keyed table in CSV: a header naming the columns signature,bits,latency_ms
/// (any order, extra columns ignored), '#' lines are comments. Errors name `source`:line.
inline signature_table read_signature_table_csv(std::istream& in, const std::string& source = "<stream>") {
    signature_table t;
    detail::csv_reader csv(in, source, {"signature", "bits", "latency_ms"});
    csv.for_each_row([&](const std::vector<std::string_view>& f, const std::string& where) {
        using r = detail::csv_reader;
        const long bits = r::integer(f[1], where, "bits");
        nais::detail::require(bits >= 1 && bits <= 32, where, ": bits = ", bits, " is outside 1..32");
        t.add(std::string(f[0]), static_cast<int>(bits), r::real(f[2], where, "latency_ms"), where);
    });
    return t;
}

inline signature_table load_signature_table_csv(const std::string& path) {
    auto in = detail::open_table(path);
    return read_signature_table_csv(in, path);
}

}  // namespace nais::gpu
