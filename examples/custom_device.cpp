// Extending nais: a device model written in one file and searched by nais's co-search driver.
// "lane array" is a made-up accelerator that shows the contract (docs/design.md, "Adding a
// device model"); it is not a published model. One IP per op type runs 2^s lanes of bits_m-bit
// multipliers:  latency(i,m) = work(i,m) E[bits]_m 2^-s,  area_m = E[bits]_m 2^s  (bit-lanes).
#include <nais/nais.hpp>

#include <cmath>
#include <cstdio>

namespace lane {

struct bits_tag { static constexpr const char* name = "phi"; };   // precision logits, M x Q
struct lanes_tag { static constexpr const char* name = "s"; };    // log2 of the lane count, 1 x 1

/// out(r, m) = W(r, m) E_m 2^(Sign s): the per-op cost node, with its hand-written backward.
template <int Sign, class W, class E, class S>
struct op_cost : nais::expr::node<op_cost<Sign, W, E, S>> {
    using value_type = W;
    op_cost(W w, E e, S s) : w_(std::move(w)), e_(std::move(e)), s_(std::move(s)), out_(w_), f_(e_.value()), ge_(f_) {}
    const W& forward() {
        f_ = e_.forward() * std::exp2(Sign * s_.forward()(0, 0));
        out_ = w_.rowwise() * f_.transpose();
        return out_;
    }
    const W& value() const noexcept { return out_; }
    void backward(const W& seed) {  // dE_m = sum_r seed W 2^(Sign s), ds = Sign ln 2 sum_m (sum_r seed W) f_m
        ge_ = (seed * w_).colwise().sum().transpose();
        typename std::remove_cvref_t<decltype(s_.value())> gs;
        gs(0, 0) = Sign * std::log(2.0) * (ge_ * f_).sum();
        ge_ *= std::exp2(Sign * s_.value()(0, 0));
        e_.backward(ge_);
        s_.backward(gs);
    }
    W w_; E e_; S s_; W out_; nais::expr::value_t<E> f_, ge_;
};
template <int Sign, class W, class E, class S>
op_cost<Sign, W, E, S> make_op_cost(W w, E e, S s) { return {std::move(w), std::move(e), std::move(s)}; }

template <nais::search_space Space, class T = double>
struct model {
    using space_type = Space;
    using scalar_type = T;
    static constexpr int N = Space::blocks_at_compile_time, M = Space::ops_at_compile_time, Q = Space::bits_at_compile_time;
    using cost_type = Eigen::Array<T, N, M>;
    using variables = nais::variables<nais::sampled<bits_tag, Eigen::Array<T, M, Q>, nais::sharing::per_op_type>,
                                      nais::continuous<lanes_tag, Eigen::Array<T, 1, 1>>>;
    using hooks = nais::hooks<nais::hook::search_bounds, nais::hook::initial_value, nais::hook::finish>;
    struct parameters {};

    explicit model(const Space& space) : work(nais::work_array<T>(space)), bits(space.num_bits()), blocks(space.num_blocks(), 1) {
        for (int q = 0; q < space.num_bits(); ++q)
            bits(q) = T(space.bit_width(q));
    }
    nais::group_shape shape(bits_tag) const { return {work.cols(), bits.size()}; }
    nais::group_shape shape(lanes_tag) const { return {1, 1}; }

    template <class B>
    auto program(B& b) {
        using namespace nais;
        const auto e_bits = [&] { return bit_expectation<M, 1>(b.probabilities(bits_tag{}), bits, work.cols(), 1); };
        return device_terms(statements(expr::assign(blocks, op_expectation(b.arch(), make_op_cost<-1>(work, e_bits(), b.variable(lanes_tag{}))))),
                            sum(blocks.ref()),                                                                    // Perf: latency sum
                            sum(make_op_cost<+1>(Eigen::Array<T, 1, M>(Eigen::Array<T, 1, M>::Ones(1, work.cols())), e_bits(), b.variable(lanes_tag{}))));  // RES: bit-lanes
    }
    // search hooks: s in [0, 12], starting at log2(RES_ub / (M * the widest bit-width))
    template <class P> nais::interval search_bounds(lanes_tag, const P&) const { return {0, 12}; }
    template <class P> T initial_value(lanes_tag, const P& p, nais::interval r) const {
        return T(std::clamp(std::log2(double(p.res_ub) / (double(work.cols()) * bits.maxCoeff())), r.min, r.max));
    }
    template <class Loss, class Search> auto finish(const Loss& l, const Search&) const {
        struct outcome { std::vector<int> ops, bits; double lanes; } o{nais::search::argmax_rows(l.theta()), {}, std::exp2(std::round(l.variable(lanes_tag{})(0, 0)))};
        for (int m : nais::search::argmax_rows(l.variable(bits_tag{})))
            o.bits.push_back(int(bits(m)));
        return o;
    }

    cost_type work;
    Eigen::Array<T, Q, 1> bits;
    nais::expr::placeholder<Eigen::Array<T, N, 1>> blocks;
};

}  // namespace lane

#ifndef NAIS_CUSTOM_DEVICE_NO_MAIN
int main() {
    using space = nais::proxyless_space;
    nais::loss<lane::model<space>> loss{space{}};  // the composed EDD loss of the new model
    loss.params().res_ub = 4096;                   // bit-lanes budget
    nais::search::search_options<double> o;
    o.steps = 200;
    o.learning_rate = {0.1, 0.1, 0.05};
    o.temperature = nais::search::temperature_schedule<double>::exponential(5.0, 0.98, 0.5);
    nais::search::co_search search(loss, o);
    nais::search::standin_accuracy<> accuracy(space{});  // STAND-IN for Acc_loss
    const auto curve = search.run(accuracy);
    const auto d = search.finish();
    std::printf("lane array: L %.4f -> %.4f, area %.0f of %.0f bit-lanes; derived: %g lanes, bits per op type:",
                curve.front().loss, curve.back().loss, loss.res(), loss.params().res_ub, d.lanes);
    for (int b : d.bits)
        std::printf(" %d", b);
    std::printf("\n");
}
#endif
