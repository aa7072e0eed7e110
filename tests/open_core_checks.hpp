// Shared by the open-core tests: a small space, a random GPU table, random variables for any
// composed loss, and the driver's product-rule check against central differences.
#pragma once
#include <nais/nais.hpp>

#include "error_of.hpp"
#include "fd.hpp"
#include "randomize.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>

namespace nais_open_core {
using namespace nais;
using nais_test::double_fd;

using small = static_space<block_list<block{8, 16, 20, 20, 2}, block{16, 16, 10, 10, 1}, block{16, 24, 10, 10, 2}>,
                           op_list<mbconv{3, 1}, mbconv{5, 3}, mbconv{7, 6}>, bit_list<2, 6, 12, 24>>;

static_assert(device_model<fpga::model<proxyless_space, double, fpga::recursive>>);
static_assert(device_model<fpga::model<runtime_space, float, fpga::pipelined>>);
static_assert(device_model<gpu::model<tfnas_gpu_space, double>>);
static_assert(device_model<loom::model<small, double, sharing::per_block_op>>);
static_assert(fpga::recursive_loss<small>::has_resources && !gpu::loss<small>::has_resources);

gpu::latency_table small_table(std::mt19937_64& rng) {
    const small s{};
    gpu::latency_table t(s.num_blocks(), s.num_ops(), s.num_bits());
    std::uniform_real_distribution<double> u(0.1, 2.0);
    for (int i = 0; i < s.num_blocks(); ++i)
        for (int m = 0; m < s.num_ops(); ++m)
            for (int q = 0; q < s.num_bits(); ++q)
                t.at(i, m, q) = u(rng) * (1 + m) * s.bit_width(q) / 8.0;
    return t;
}

using nais_test::randomize;

/// One driver step with zero learning rates (nothing moves), then the combined gradients of
/// theta and every group against central differences of Acc(theta, phi...) * Perf [+ penalty].
template <class Loss>
void check_driver_product_rule(Loss& loss, double c) {
    search::search_options<double> o;
    o.learning_rate = {0, 0, 0};
    o.temperature = search::temperature_schedule<double>::constant(0.7);
    search::co_search s(loss, o);
    std::mt19937_64 rng(3);
    randomize(loss, rng, c);
    search::standin_accuracy<> proxy(small{});
    // the driver draws its own noise each step: draw it, then freeze it for the differences
    s.step(proxy);
    const long before = s.steps_done();
    search::accuracy_gradient<double> scratch;
    scratch.logits.resize(search::detail::sampled_groups_of<Loss>);
    const auto acc = [&] {  // the proxy as the driver calls it: a context over this loss
        const search::step_context<Loss> ctx{0, loss.params().tau, false, loss, loss.theta(), loss.arch_probabilities()};
        return proxy(ctx, scratch);
    };
    auto f = [&] {
        loss.params().acc_loss = acc();
        return loss.forward();
    };
    CHECK(before == 1);
    nais_test::check_gradient("dL/dtheta", loss.theta(), s.grad_theta(), f, double_fd);
    loss.for_each_group([&](auto g, auto& x, auto&) {
        nais_test::check_gradient(std::string("dL/d") + decltype(g)::tag::name, x, s.gradient(typename decltype(g)::tag{}),
                                  f, double_fd);
    });
}

}  // namespace nais_open_core
