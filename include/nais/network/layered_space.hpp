#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>
#include <nais/network/analysis.hpp>
#include <nais/network/candidates.hpp>
#include <nais/network/layer.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace nais {

/// One searchable block of a layered space: its output channels and stride (what the built-in
/// candidates are instantiated with) and, optionally, its own candidate list (default: the
/// space's list). Layer-list candidates must produce the same output shape as the others.
struct searchable_block {
    std::int64_t cout = 0;
    int stride = 1;
    std::vector<net::op_description> candidates;  ///< empty: the space's default list
};

/// A search space of real layers: fixed stem layers, N searchable blocks each with a list of
/// candidate ops (layer lists, the skip op included; M may differ from block to block), fixed
/// head layers. A fixed network is a space with one candidate per block (or only a stem).
struct layered_space_description {
    std::string name;
    net::tensor_shape input;
    std::vector<int> bits;                        ///< the Q bit-widths
    std::vector<net::layer> stem;                 ///< fixed layers before the blocks ("input": the space input)
    std::vector<net::op_description> candidates;  ///< default candidate list of every block
    std::vector<searchable_block> blocks;
    std::vector<net::layer> head;  ///< fixed layers after the blocks ("input": the last block's output)
    int fixed_column = 0;          ///< the op column (so the IP, under per-op-type sharing) stem and head occupy
};

/// What a row of a layered space is.
enum class row_role { stem, searchable, head };

/// A layered space as the device models see it: an N x M grid of (row, candidate) cells over
/// Q bit-widths. Rows are the stem (if any), the searchable blocks, the head (if any); a fixed
/// row has one available cell, at column fixed_column. Cells past a block's candidate list are
/// unavailable (every composed loss gives them probability 0). work(i, m) is the candidate's EDD
/// Eq. 12 work (0 for a skip or an unavailable cell). The constructor analyses every candidate at
/// its block's input shape and refuses, naming the block and candidate: a layer that does not
/// fit, candidates of one block with different output shapes, a skip where the block changes
/// the shape, an empty block list, bad bit-widths, a fixed column outside [0, M).
class layered_space {
public:
    static constexpr int blocks_at_compile_time = Eigen::Dynamic;
    static constexpr int ops_at_compile_time = Eigen::Dynamic;
    static constexpr int bits_at_compile_time = Eigen::Dynamic;

    explicit layered_space(layered_space_description d) : d_(std::move(d)) {
        using detail::require;
        const std::string& sn = d_.name;
        require(d_.input.c > 0 && d_.input.h > 0 && d_.input.w > 0, "space '", sn, "': input must be positive, got ",
                net::detail::describe(d_.input));
        require(!d_.bits.empty(), "space '", sn, "': the list of bit-widths is empty");
        for (std::size_t q = 0; q < d_.bits.size(); ++q) {
            require(d_.bits[q] >= 1 && d_.bits[q] <= 32, "space '", sn, "': bit-width ", q, " is outside 1..32, got ",
                    d_.bits[q]);
            for (std::size_t r = 0; r < q; ++r)
                require(d_.bits[r] != d_.bits[q], "space '", sn, "': duplicate bit-width ", d_.bits[q]);
        }
        require(!d_.stem.empty() || !d_.blocks.empty() || !d_.head.empty(), "space '", sn,
                "' has no layers: give a stem, blocks or a head");
        std::size_t m = 1;
        for (const auto& b : d_.blocks)
            m = std::max(m, (b.candidates.empty() ? d_.candidates : b.candidates).size());
        m_ = static_cast<int>(m);
        require(d_.fixed_column >= 0 && d_.fixed_column < m_, "space '", sn, "': fixed_column ", d_.fixed_column,
                " is outside [0, ", m_, ")");
        net::tensor_shape x = d_.input;
        if (!d_.stem.empty())
            x = add_fixed_row(row_role::stem, "stem", d_.stem, x);
        for (std::size_t k = 0; k < d_.blocks.size(); ++k)
            x = add_block(k, x);
        if (!d_.head.empty())
            x = add_fixed_row(row_role::head, "head", d_.head, x);
        output_ = x;
        work_.resize(cells_.size());
        for (std::size_t c = 0; c < cells_.size(); ++c)
            work_[c] = cells_[c].available ? cells_[c].report.work : 0;
    }

    int num_blocks() const noexcept { return static_cast<int>(rows_.size()); }
    int num_ops() const noexcept { return m_; }
    int num_bits() const noexcept { return static_cast<int>(d_.bits.size()); }
    int bit_width(int q) const noexcept { return d_.bits[static_cast<std::size_t>(q)]; }
    /// EDD Eq. 11-12 work of candidate m in row i (0 for a skip or an unavailable cell).
    std::int64_t work(int i, int m) const noexcept { return work_[index(i, m)]; }
    /// Whether row i has a candidate m (a composed loss gives the others probability 0).
    bool available(int i, int m) const noexcept { return cell(i, m).available; }
    /// Whether candidate m of row i has layers to run (false for a skip or an unavailable cell):
    /// only these use an IP's resources.
    bool runs_on_hardware(int i, int m) const noexcept { return cell(i, m).available && !cell(i, m).layers.empty(); }
    /// The analysed layers of candidate m in row i (empty for a skip or an unavailable cell).
    const net::network_report& candidate_report(int i, int m) const noexcept { return cell(i, m).report; }
    /// The layers of candidate m in row i, names prefixed by the row.
    const std::vector<net::layer>& candidate_layers(int i, int m) const noexcept { return cell(i, m).layers; }
    const std::string& candidate_name(int i, int m) const noexcept { return cell(i, m).name; }
    /// Number of candidates of row i (1 for the stem and head).
    int num_candidates(int i) const noexcept { return rows_[static_cast<std::size_t>(i)].candidates; }

    row_role role(int i) const noexcept { return rows_[static_cast<std::size_t>(i)].role; }
    const std::string& row_name(int i) const noexcept { return rows_[static_cast<std::size_t>(i)].name; }
    net::tensor_shape row_input(int i) const noexcept { return rows_[static_cast<std::size_t>(i)].in; }
    net::tensor_shape row_output(int i) const noexcept { return rows_[static_cast<std::size_t>(i)].out; }
    int fixed_column() const noexcept { return d_.fixed_column; }
    net::tensor_shape output() const noexcept { return output_; }
    const layered_space_description& description() const noexcept { return d_; }
    const std::string& name() const noexcept { return d_.name; }

    /// The network of one choice per row (ops[i] for row i; fixed rows take their only
    /// candidate whatever ops[i] says): the flat layer list in execution order, each
    /// candidate's "input" renamed to the layer before it.
    net::network instantiate(const std::vector<int>& ops) const {
        detail::require(ops.size() == rows_.size(), "space '", d_.name, "': a choice needs ", rows_.size(),
                        " entries (one per row), got ", ops.size());
        net::network out{d_.name, d_.input, {}};
        for (int i = 0; i < num_blocks(); ++i) {
            const int m = role(i) == row_role::searchable ? ops[static_cast<std::size_t>(i)] : d_.fixed_column;
            detail::require(m >= 0 && m < m_ && available(i, m), "space '", d_.name, "': row ", i, " (", row_name(i),
                            ") has no candidate ", m);
            const std::string previous = out.layers.empty() ? std::string("input") : out.layers.back().name;
            for (net::layer l : candidate_layers(i, m)) {
                for (std::string& in : l.inputs)
                    if (in == "input")
                        in = previous;
                out.layers.push_back(std::move(l));
            }
        }
        return out;
    }

    /// A fixed network as a space: one row (the stem) holding every layer.
    static layered_space fixed_network(const net::network& n, std::vector<int> bits) {
        layered_space_description d;
        d.name = n.name;
        d.input = n.input;
        d.bits = std::move(bits);
        d.stem = n.layers;
        return layered_space(std::move(d));
    }

private:
    struct cell_data {
        bool available = false;
        std::string name;
        std::vector<net::layer> layers;
        net::network_report report;
    };
    struct row_data {
        row_role role;
        std::string name;
        net::tensor_shape in, out;
        int candidates;
    };

    std::size_t index(int i, int m) const noexcept {
        return static_cast<std::size_t>(i) * static_cast<std::size_t>(m_) + static_cast<std::size_t>(m);
    }
    const cell_data& cell(int i, int m) const noexcept { return cells_[index(i, m)]; }

    static net::network_report analyze_cell(const std::string& name, const std::vector<net::layer>& layers,
                                            net::tensor_shape in) {
        net::network_report r;
        r.name = name;
        r.input = in;
        if (!layers.empty())
            r = net::analyze(net::network{name, in, layers});
        return r;
    }
    static net::tensor_shape output_of(const net::network_report& r) { return r.layers.empty() ? r.input : r.layers.back().out; }

    net::tensor_shape add_fixed_row(row_role role, const std::string& name, const std::vector<net::layer>& layers,
                                    net::tensor_shape in) {
        std::vector<net::layer> named = net::prefixed(layers, name);
        cells_.resize(cells_.size() + static_cast<std::size_t>(m_));
        cell_data& c = cells_[cells_.size() - static_cast<std::size_t>(m_) + static_cast<std::size_t>(d_.fixed_column)];
        c.available = true;
        c.name = name;
        c.report = analyze_cell(name, named, in);
        c.layers = std::move(named);
        const net::tensor_shape out = output_of(c.report);
        rows_.push_back({role, name, in, out, 1});
        return out;
    }

    net::tensor_shape add_block(std::size_t k, net::tensor_shape in) {
        using detail::require;
        const searchable_block& b = d_.blocks[k];
        const auto& list = b.candidates.empty() ? d_.candidates : b.candidates;
        const std::string bn = "blocks." + std::to_string(k);
        require(!list.empty(), "space '", d_.name, "': block ", k, " has no candidates (give \"candidates\" for the "
                                                                   "space or for the block)");
        require(b.cout >= 1 && b.stride >= 1, "space '", d_.name, "': block ", k, ": cout and stride must be >= 1, got ",
                b.cout, " and ", b.stride);
        const std::size_t first = cells_.size();
        cells_.resize(first + static_cast<std::size_t>(m_));
        bool have_out = false;
        net::tensor_shape out{};
        std::string out_from;
        std::vector<std::size_t> skips;
        for (std::size_t m = 0; m < list.size(); ++m) {
            cell_data& c = cells_[first + m];
            c.available = true;
            c.name = net::op_name(list[m]);
            for (std::size_t j = 0; j < m; ++j)
                require(cells_[first + j].name != c.name, "space '", d_.name, "': block ", k, " has two candidates named '",
                        c.name, "'");
            if (list[m].kind == net::op_kind::skip) {
                skips.push_back(m);
                c.report = analyze_cell(bn + "." + c.name, {}, in);
                continue;
            }
            c.layers = net::op_layers(list[m], bn + "." + c.name, in.c, b.cout, b.stride);
            c.report = analyze_cell(bn + "." + c.name, c.layers, in);
            const net::tensor_shape o = output_of(c.report);
            if (!have_out) {
                have_out = true;
                out = o;
                out_from = c.name;
            }
            require(o == out, "space '", d_.name, "': block ", k, ": candidate '", c.name, "' outputs ",
                    net::detail::describe(o), " but candidate '", out_from, "' outputs ", net::detail::describe(out),
                    " (every candidate of a block must give the same shape)");
        }
        if (!have_out)
            out = in;  // a block of skips only
        for (std::size_t m : skips)
            require(out == in, "space '", d_.name, "': block ", k, ": candidate '", cells_[first + m].name,
                    "' (the identity) cannot replace a block that changes ", net::detail::describe(in), " into ",
                    net::detail::describe(out));
        rows_.push_back({row_role::searchable, bn, in, out, static_cast<int>(list.size())});
        return out;
    }

    layered_space_description d_;
    int m_ = 1;
    std::vector<row_data> rows_;
    std::vector<cell_data> cells_;
    std::vector<std::int64_t> work_;
    net::tensor_shape output_;
};

}  // namespace nais
