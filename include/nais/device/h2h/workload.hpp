#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/error.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

// A multi-modal multi-task workload for H2H (Zhang, Hao et al., DAC 2022): several streams
// (modalities), each a chain of layers, joined by fusion edges into one DAG. Layer shapes are
// H2H's (xyzxinyizhang/H2H, DNN/ExampleDNN.py, Mapper/MapperBase.py getLayerWeight):
//   conv {M out channels, N in channels, R x C output, K x K kernel, S stride, P pad}
//   fc   {M outputs, N inputs, K input vectors}
//   lstm {hidden, dim (input size), iter (time steps)}
namespace nais::h2h {

/// What a layer is; an accelerator accepts one kind (H2H's LayerType / accType).
enum class layer_kind { conv, fc, lstm };

inline const char* name_of(layer_kind k) noexcept {
    switch (k) {
    case layer_kind::conv: return "CNN";
    case layer_kind::fc: return "FC";
    case layer_kind::lstm: return "LSTM";
    }
    return "?";
}

/// One layer in H2H's shape vocabulary (unused fields keep their defaults).
struct layer {
    std::string name;
    layer_kind kind = layer_kind::conv;
    std::int64_t M = 1, N = 1, R = 1, C = 1, K = 1, S = 1, P = 0;  ///< conv; fc uses M, N, K
    std::int64_t hidden = 0, dim = 0, iter = 1;                     ///< lstm
};

inline layer conv_layer(std::string name, std::int64_t M, std::int64_t N, std::int64_t R, std::int64_t C, std::int64_t K,
                        std::int64_t S = 1, std::int64_t P = 0) {
    return {std::move(name), layer_kind::conv, M, N, R, C, K, S, P, 0, 0, 1};
}
inline layer fc_layer(std::string name, std::int64_t M, std::int64_t N, std::int64_t K = 1) {
    return {std::move(name), layer_kind::fc, M, N, 1, 1, K, 1, 0, 0, 0, 1};
}
inline layer lstm_layer(std::string name, std::int64_t hidden, std::int64_t dim, std::int64_t iter = 1) {
    return {std::move(name), layer_kind::lstm, 1, 1, 1, 1, 1, 1, 0, hidden, dim, iter};
}

/// Weight elements (MapperBase.getLayerWeight): conv K K N M, fc M N, lstm 4 hidden (hidden + dim).
inline std::int64_t weight_elements(const layer& l) noexcept {
    switch (l.kind) {
    case layer_kind::conv: return l.K * l.K * l.N * l.M;
    case layer_kind::fc: return l.M * l.N;
    case layer_kind::lstm: return l.hidden * 4 * (l.hidden + l.dim);
    }
    return 0;
}
/// Input elements moved from host memory. conv: N x 2R x 2C, exactly as H2H's cnn_acc_1
/// getDataInPerf counts them (an input map twice the output's rows and columns); fc N K;
/// lstm dim x iter (H2H's getJointDNNTrans counts one step).
inline std::int64_t input_elements(const layer& l) noexcept {
    switch (l.kind) {
    case layer_kind::conv: return l.N * l.R * 2 * l.C * 2;
    case layer_kind::fc: return l.N * l.K;
    case layer_kind::lstm: return l.dim * l.iter;
    }
    return 0;
}
/// Output elements written back: conv M R C, fc M K, lstm hidden x iter.
inline std::int64_t output_elements(const layer& l) noexcept {
    switch (l.kind) {
    case layer_kind::conv: return l.M * l.R * l.C;
    case layer_kind::fc: return l.M * l.K;
    case layer_kind::lstm: return l.hidden * l.iter;
    }
    return 0;
}

/// The layer as the loop nest an accelerator tiles: M x N x R x C x K x K, run `repeat` times
/// (fc: R = 1, C = K vectors, 1 x 1 kernel; lstm: one 4 hidden x (hidden + dim) step per time step).
struct loop_nest {
    std::int64_t M = 1, N = 1, R = 1, C = 1, K = 1, repeat = 1;
};
inline loop_nest loops_of(const layer& l) noexcept {
    switch (l.kind) {
    case layer_kind::conv: return {l.M, l.N, l.R, l.C, l.K, 1};
    case layer_kind::fc: return {l.M, l.N, 1, l.K, 1, 1};
    case layer_kind::lstm: return {4 * l.hidden, l.hidden + l.dim, 1, 1, 1, l.iter};
    }
    return {};
}
/// Operations (2 per MAC): cnn_acc_1.getOps for conv, the same count for fc and lstm.
inline double operations(const layer& l) noexcept {
    const loop_nest n = loops_of(l);
    return 2.0 * double(n.R) * double(n.C) * double(n.M) * double(n.K) * double(n.K) * double(n.N) * double(n.repeat);
}

/// Refuses a layer whose shape is not positive, naming it.
inline void validate(const layer& l) {
    using nais::detail::require;
    constexpr std::int64_t cap = std::int64_t(1) << 24;
    const auto in_range = [&](std::int64_t v, const char* what, std::int64_t lo) {
        require(v >= lo && v <= cap, "h2h: layer '", l.name, "': ", what, " = ", v, " must be in [", lo, ", ", cap, "]");
    };
    require(!l.name.empty(), "h2h: every layer needs a name");
    switch (l.kind) {
    case layer_kind::conv:
        in_range(l.M, "M", 1), in_range(l.N, "N", 1), in_range(l.R, "R", 1), in_range(l.C, "C", 1), in_range(l.K, "K", 1);
        in_range(l.S, "S", 1), in_range(l.P, "P", 0);
        break;
    case layer_kind::fc: in_range(l.M, "M", 1), in_range(l.N, "N", 1), in_range(l.K, "K", 1); break;
    case layer_kind::lstm: in_range(l.hidden, "hidden", 1), in_range(l.dim, "dim", 1), in_range(l.iter, "iter", 1); break;
    }
    require(operations(l) < 1e18 && double(weight_elements(l)) < 1e15, "h2h: layer '", l.name, "' is too large");
}

/// A stream (modality or task branch): its layers run as a chain in the order given.
struct stream {
    std::string name;
    std::vector<layer> layers;
};

/// A layer's place in the workload: stream s, position k within it (0-based).
struct layer_ref {
    std::size_t stream = 0, index = 0;
    bool operator==(const layer_ref&) const = default;
};

/// The DAG: layers numbered stream by stream (H2H's node order), chain edges within each
/// stream, then the fusion edges in the order given.
class workload {
public:
    workload() = default;
    /// Refuses an empty stream, a duplicate layer name, an edge naming a missing layer, a
    /// self edge or a cycle.
    workload(std::vector<stream> streams, const std::vector<std::pair<std::string, std::string>>& fusion = {})
        : streams_(std::move(streams)) {
        using nais::detail::require;
        require(!streams_.empty(), "h2h: a workload needs at least one stream");
        for (std::size_t s = 0; s < streams_.size(); ++s) {
            require(!streams_[s].layers.empty(), "h2h: stream '", streams_[s].name, "' has no layers");
            for (std::size_t k = 0; k < streams_[s].layers.size(); ++k) {
                const layer& l = streams_[s].layers[k];
                validate(l);
                require(find(l.name) == npos, "h2h: layer name '", l.name, "' appears twice");
                layers_.push_back(l);
                refs_.push_back({s, k});
            }
        }
        preds_.assign(layers_.size(), {});
        succs_.assign(layers_.size(), {});
        for (std::size_t i = 1; i < layers_.size(); ++i)
            if (refs_[i].stream == refs_[i - 1].stream)
                add_edge(i - 1, i);
        for (const auto& [from, to] : fusion) {
            const std::size_t a = find(from), b = find(to);
            require(a != npos, "h2h: edge [\"", from, "\", \"", to, "\"]: no layer named '", from, "'");
            require(b != npos, "h2h: edge [\"", from, "\", \"", to, "\"]: no layer named '", to, "'");
            require(a != b, "h2h: edge [\"", from, "\", \"", to, "\"] joins a layer to itself");
            add_edge(a, b);
        }
        topological_ = topological_order();
        require(topological_.size() == layers_.size(), "h2h: the edges form a cycle");
    }

    static constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();

    std::size_t size() const noexcept { return layers_.size(); }
    const layer& at(std::size_t i) const { return layers_.at(i); }
    const std::vector<layer>& layers() const noexcept { return layers_; }
    const std::vector<stream>& streams() const noexcept { return streams_; }
    const layer_ref& ref(std::size_t i) const { return refs_.at(i); }
    const std::vector<std::size_t>& predecessors(std::size_t i) const { return preds_.at(i); }
    const std::vector<std::size_t>& successors(std::size_t i) const { return succs_.at(i); }
    const std::vector<std::size_t>& topological() const noexcept { return topological_; }
    /// j is the next layer of i's stream (H2H's getModalCheck and getDependCheck both hold).
    bool chain_next(std::size_t i, std::size_t j) const {
        return refs_.at(i).stream == refs_.at(j).stream && refs_[i].index + 1 == refs_[j].index;
    }
    /// The first layer of stream s.
    std::size_t first_of(std::size_t s) const {
        for (std::size_t i = 0; i < refs_.size(); ++i)
            if (refs_[i].stream == s)
                return i;
        return npos;
    }
    std::size_t find(const std::string& name) const {
        for (std::size_t i = 0; i < layers_.size(); ++i)
            if (layers_[i].name == name)
                return i;
        return npos;
    }

private:
    void add_edge(std::size_t a, std::size_t b) {
        for (std::size_t p : preds_[b])
            if (p == a)
                return;
        preds_[b].push_back(a);
        succs_[a].push_back(b);
    }
    std::vector<std::size_t> topological_order() const {
        std::vector<std::size_t> indeg(layers_.size()), out;
        for (std::size_t i = 0; i < layers_.size(); ++i)
            indeg[i] = preds_[i].size();
        for (std::size_t i = 0; i < layers_.size(); ++i)
            if (indeg[i] == 0)
                out.push_back(i);
        for (std::size_t k = 0; k < out.size(); ++k)
            for (std::size_t j : succs_[out[k]])
                if (--indeg[j] == 0)
                    out.push_back(j);
        return out;
    }

    std::vector<stream> streams_;
    std::vector<layer> layers_;
    std::vector<layer_ref> refs_;
    std::vector<std::vector<std::size_t>> preds_, succs_;
    std::vector<std::size_t> topological_;
};

}  // namespace nais::h2h
