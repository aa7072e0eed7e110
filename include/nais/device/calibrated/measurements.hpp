#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/network/layered_space.hpp>

#include <cmath>
#include <cstddef>
#include <fstream>
#include <istream>
#include <sstream>
#include <string>
#include <vector>

// Measured whole networks of a space: CSV rows `choice,latency_ms`, `choice` being the
// searchable blocks' op indices joined by '-' (as HW-NAS-Bench's and HELP's files key them),
// checked against the space. A malformed file is refused with nais::invalid_argument naming
// file:line and what was expected.
namespace nais::calibrated {

/// One measured network: the op index of every searchable block and its latency.
struct measurement {
    std::vector<int> choice;  ///< per searchable block, in the space's order
    double latency_ms = 0;
    int line = 0;             ///< the CSV line it came from (1-based)
};

/// The op of every row of the space (stem and head at their fixed column) for a choice.
inline std::vector<int> row_ops(const layered_space& s, const std::vector<int>& choice) {
    std::vector<int> ops(static_cast<std::size_t>(s.num_blocks()), s.fixed_column());
    std::size_t k = 0;
    for (int i = 0; i < s.num_blocks(); ++i)
        if (s.role(i) == row_role::searchable) {
            nais::detail::require(k < choice.size(), "calibrated: the choice has ", choice.size(),
                                  " ops, fewer than the space's searchable blocks");
            ops[static_cast<std::size_t>(i)] = choice[k++];
        }
    nais::detail::require(k == choice.size(), "calibrated: the choice has ", choice.size(), " ops for ", k,
                          " searchable blocks");
    return ops;
}

/// The number of searchable blocks of a space.
inline int searchable_blocks(const layered_space& s) {
    int n = 0;
    for (int i = 0; i < s.num_blocks(); ++i)
        n += s.role(i) == row_role::searchable;
    return n;
}

namespace detail {

inline std::string trim(std::string s) {
    const auto a = s.find_first_not_of(" \t\r");
    const auto b = s.find_last_not_of(" \t\r");
    return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

inline std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string cur;
    std::istringstream in(s);
    while (std::getline(in, cur, sep))
        out.push_back(trim(cur));
    if (!s.empty() && s.back() == sep)
        out.emplace_back();
    return out;
}

}  // namespace detail

/// Parses `choice,latency_ms` rows (any column order, other columns ignored, '#' comments,
/// blank lines skipped) against the space: every choice has one op per searchable block, each a
/// candidate of its block; every latency is finite and > 0. `source` names the input in messages.
inline std::vector<measurement> parse_measurements(std::istream& in, const std::string& source, const layered_space& space) {
    using nais::detail::fail;
    std::vector<measurement> out;
    std::string line;
    int number = 0, choice_col = -1, latency_col = -1;
    std::size_t columns = 0;
    const int blocks = searchable_blocks(space);
    std::vector<int> block_row;
    for (int i = 0; i < space.num_blocks(); ++i)
        if (space.role(i) == row_role::searchable)
            block_row.push_back(i);
    while (std::getline(in, line)) {
        ++number;
        const std::string t = detail::trim(line);
        if (t.empty() || t[0] == '#')
            continue;
        const std::vector<std::string> cells = detail::split(t, ',');
        if (choice_col < 0) {  // the header
            for (std::size_t k = 0; k < cells.size(); ++k) {
                if (cells[k] == "choice")
                    choice_col = int(k);
                if (cells[k] == "latency_ms")
                    latency_col = int(k);
            }
            if (choice_col < 0 || latency_col < 0)
                fail(source, ":", number, ": expected a header with the columns choice and latency_ms, got '",
                     nais::detail::one_line(t.substr(0, 80)), "'");
            columns = cells.size();
            continue;
        }
        if (cells.size() != columns)
            fail(source, ":", number, ": expected ", columns, " columns as the header has, got ", cells.size());
        measurement m;
        m.line = number;
        const std::vector<std::string> ops = detail::split(cells[std::size_t(choice_col)], '-');
        if (int(ops.size()) != blocks)
            fail(source, ":", number, ": the choice has ", ops.size(), " op indices, the space has ", blocks,
                 " searchable blocks");
        for (std::size_t k = 0; k < ops.size(); ++k) {
            const std::string& o = ops[k];
            const bool digits = !o.empty() && o.size() <= 6 && o.find_first_not_of("0123456789") == std::string::npos;
            const int v = digits ? std::stoi(o) : -1;
            const int row = block_row[k];
            if (v < 0 || v >= space.num_candidates(row) || !space.available(row, v))
                fail(source, ":", number, ": block ", k, "'s op index '", nais::detail::one_line(o.substr(0, 20)),
                     "' is not one of its ", space.num_candidates(row), " candidates (0 to ", space.num_candidates(row) - 1, ")");
            m.choice.push_back(v);
        }
        const std::string& l = cells[std::size_t(latency_col)];
        std::size_t used = 0;
        double ms = 0;
        try {
            ms = std::stod(l, &used);
        } catch (...) {
            used = 0;
        }
        if (used == 0 || used != l.size() || !std::isfinite(ms) || ms <= 0)
            fail(source, ":", number, ": latency_ms '", nais::detail::one_line(l.substr(0, 30)),
                 "' is not a finite number > 0");
        m.latency_ms = ms;
        out.push_back(std::move(m));
    }
    if (choice_col < 0)
        fail(source, ": the file is empty (expected a header choice,latency_ms and rows)");
    if (out.empty())
        fail(source, ": no measurement rows after the header");
    return out;
}

/// The measurements of a CSV file (see parse_measurements).
inline std::vector<measurement> read_measurements(const std::string& path, const layered_space& space) {
    std::ifstream in(path);
    nais::detail::require(bool(in), "calibrated: cannot open '", path, "'");
    return parse_measurements(in, path, space);
}

}  // namespace nais::calibrated
