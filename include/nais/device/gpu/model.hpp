#pragma once
#include <nais/detail/prologue.hpp>

#include <nais/detail/argmax.hpp>
#include <nais/detail/error.hpp>
#include <nais/device/gpu/cost_model.hpp>
#include <nais/device/gpu/latency_table.hpp>
#include <nais/expr/leaf.hpp>
#include <nais/loss/composed_loss.hpp>
#include <nais/objective/sum.hpp>
#include <nais/space/search_space.hpp>
#include <nais/stage/expectation.hpp>

#include <cmath>
#include <type_traits>

// The GPU device model of EDD Sec. 4.2: a measured latency per (block, op, precision), one
// network-wide precision (phi_{i,m,q} = phi_q), Perf the sum of expected block latencies
// (Eq. 6) and no resource term (the GPU is fixed).
namespace nais::gpu {

/// Tag of the network-wide precision logits (1 x Q).
struct phi_tag {
    static constexpr const char* name = "phi";
};

/// Outcome of a GPU search: the derived design and its exact table latency.
struct search_outcome {
    design derived;
    design_report report;
};

template <search_space S, class T>
class model {
    static_assert(std::is_floating_point_v<T>, "nais::gpu::model: the scalar type must be float, double or long double");

public:
    using space_type = S;
    using scalar_type = T;
    static constexpr int N = S::blocks_at_compile_time, M = S::ops_at_compile_time, Q = S::bits_at_compile_time;
    using theta_type = Eigen::Array<T, N, M>;
    using phi_type = Eigen::Array<T, 1, Q>;
    using blocks_type = Eigen::Array<T, N, 1>;
    using table_type = Eigen::Array<T, nais::detail::product_dim(N, M), Q>;
    using variables = nais::variables<sampled<phi_tag, phi_type, sharing::network_wide>>;
    // the optional hooks it defines (nais::hook)
    using hooks = nais::hooks<nais::hook::derive, nais::hook::interface, nais::hook::finish>;
    struct parameters {};

    /// The table is taken in the units it comes in (normalise it first, e.g.
    /// table.normalized_by(table.max())).
    model(const S& space, const latency_table& table)
        : table_(table), array_(checked(space, table)), blocks_(space.num_blocks(), 1) {}

    group_shape shape(phi_tag) const { return {1, table_.num_bits()}; }

    /// GS(phi) -> table expectation (Eq. 2) -> op expectation (Eq. 4) -> sum (Eq. 6).
    template <class B>
    auto program(B& b) {
        using namespace nais::expr;
        const auto n = b.num_blocks(), m = b.num_ops();
        return device_terms(statements(assign(blocks_, op_expectation(b.arch(), table_latency<N, M>(b.probabilities(phi_tag{}),
                                                                                                   table_type(array_), n, m)))),
                            nais::sum(blocks_.ref()));  // Eq. 2, 4, 6
    }

    /// Perf_i (Eq. 4), table units.
    const blocks_type& perf_blocks() const noexcept { return blocks_.value; }
    const latency_table& table() const noexcept { return table_; }

    /// The discrete design of the current logits: argmax of each theta row and of phi.
    template <class Loss>
    design derive(const Loss& l) const {
        design d;
        d.ops = l.derived_ops();
        d.bits = nais::detail::argmax_rows(l.variable(phi_tag{}))[0];
        return d;
    }
    /// search::co_search's finish(): the derived design and its latency in table units.
    template <class Loss, class Search>
    search_outcome finish(const Loss& l, const Search&) const {
        search_outcome out;
        out.derived = derive(l);
        out.report = evaluate(table_, out.derived);
        return out;
    }

    template <class Loss>
    class interface : public loss_interface<Loss> {
        using loss_interface<Loss>::self;

    public:
        using phi_type = model::phi_type;
        using blocks_type = model::blocks_type;
        using table_type = model::table_type;
        phi_type& phi() noexcept { return self().variable(phi_tag{}); }
        const phi_type& phi() const noexcept { return self().variable(phi_tag{}); }
        phi_type& phi_noise() noexcept { return self().noise(phi_tag{}); }
        const phi_type& phi_noise() const noexcept { return self().noise(phi_tag{}); }
        const phi_type& grad_phi() const noexcept { return self().gradient(phi_tag{}); }
        const phi_type& quant_probabilities() const noexcept { return self().probabilities(phi_tag{}); }
        const blocks_type& perf_blocks() const noexcept { return self().model().perf_blocks(); }
    };

private:
    static table_type checked(const S& space, const latency_table& t) {
        nais::detail::require(t.num_blocks() == space.num_blocks() && t.num_ops() == space.num_ops() &&
                                  t.num_bits() == space.num_bits(),
                              "gpu::loss: the latency table is ", t.num_blocks(), " x ", t.num_ops(), " x ", t.num_bits(),
                              " (blocks x ops x bits), the space ", space.num_blocks(), " x ", space.num_ops(), " x ",
                              space.num_bits());
        for (int i = 0; i < t.num_blocks(); ++i)
            for (int m = 0; m < t.num_ops(); ++m)
                for (int q = 0; q < t.num_bits(); ++q) {
                    const double v = t.at(i, m, q);
                    nais::detail::require(std::isfinite(v) && v >= 0, "gpu::loss: latency table entry (block ", i, ", op ",
                                          m, ", bits ", space.bit_width(q), ") must be finite and >= 0, got ", v);
                }
        return t.to_array<T, table_type::RowsAtCompileTime, table_type::ColsAtCompileTime>();
    }

    latency_table table_;
    table_type array_;
    expr::placeholder<blocks_type> blocks_;
};

/// EDD Eq. 1 on a GPU (Sec. 4.2): L = Acc_loss * alpha * sum_i Perf_i, with
///   Perf_i = sum_m GS(theta)_(i,m) * sum_q GS(phi)_q * Lat(i, m, q)      (Eq. 4 with Eq. 2 simplified)
/// Variables: theta N x M and one network-wide phi 1 x Q.
template <search_space S, class T = double>
using loss = nais::loss<model<S, T>>;

}  // namespace nais::gpu
