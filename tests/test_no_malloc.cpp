// Proves that forward + backward of the composed losses allocate nothing: Eigen's
// EIGEN_RUNTIME_NO_MALLOC switch aborts on any Eigen heap allocation, and a replaced global
// operator new counts every other allocation.
//
// EIGEN_RUNTIME_NO_MALLOC reports through eigen_assert, which NDEBUG (Release) would compile
// out, and Eigen allocates with malloc, which operator new never sees. So this TU routes
// eigen_assert to an exception in every build type, and a control case below proves that a
// forbidden Eigen allocation is caught.
#include "no_malloc_prelude.hpp"  // first: it configures Eigen (a precompiled header of its own)
#include "fpga_checks.hpp"
#include "test_part.hpp"

#define NAIS_CUSTOM_DEVICE_NO_MAIN
#include "../examples/custom_device.cpp"
#include "newer_losses.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<long> allocations{0};
}

// Kept out of line: when GCC inlines the replacement delete next to a new-expression it warns
// (-Wmismatched-new-delete) that free() meets operator new, although the pair is ours.
[[gnu::noinline]] void* operator new(std::size_t n) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1))
        return p;
    throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace nais;

namespace {
runtime_space small_runtime() {
    return runtime_space({{8, 16, 20, 20, 2}, {16, 16, 10, 10, 1}, {16, 24, 10, 10, 2}}, {{3, 4}, {5, 6}}, {4, 8, 16});
}

/// Two evaluations (soft and hard sampling) after a warm-up: no Eigen allocation, no operator new.
template <class Loss>
void expect_no_allocation(Loss& l) {
    l.evaluate();  // warm up
    for (bool hard : {false, true}) {
        l.params().hard = hard;
        const long before = allocations.load();
        Eigen::internal::set_is_malloc_allowed(false);
        CHECK_NOTHROW(l.evaluate());
        CHECK_NOTHROW(l.evaluate());
        Eigen::internal::set_is_malloc_allowed(true);
        CHECK(allocations.load() == before);
    }
}

template <class Loss>
void no_allocation(Loss& l) {
    std::mt19937_64 rng(60);
    nais_test::randomize(l, rng, true, false);
    expect_no_allocation(l);
}

/// Any composed loss: random theta and groups, a budget for devices with a resource term.
template <class Loss>
void no_allocation_any(Loss& l) {
    std::mt19937_64 rng(61);
    nais_test::fill_normal(l.theta(), rng);
    l.for_each_group([&](auto, auto& x, auto&) { nais_test::fill_normal(x, rng, 0.5, 1.0); });
    l.params().res_ub = 100;
    expect_no_allocation(l);
}
}  // namespace

#if NAIS_IN_PART(1)
TEST_CASE("recursive and pipelined losses allocate nothing per evaluation (static space)") {
    fpga::recursive_loss<proxyless_space> r{proxyless_space{}};
    fpga::pipelined_loss<proxyless_space> p{proxyless_space{}};
    no_allocation(r);
    no_allocation(p);
}
#endif

#if NAIS_IN_PART(1)
TEST_CASE("recursive and pipelined losses allocate nothing per evaluation (runtime space, dynamic arrays)") {
    fpga::recursive_loss<runtime_space> r{small_runtime()};
    fpga::pipelined_loss<runtime_space> p{small_runtime()};
    no_allocation(r);
    no_allocation(p);
}
#endif

#if NAIS_IN_PART(2)
TEST_CASE("GPU and Loom losses (every sharing rule) allocate nothing per evaluation") {
    gpu::latency_table t(20, 9, 3);
    for (int i = 0; i < 20; ++i)
        for (int m = 0; m < 9; ++m)
            for (int q = 0; q < 3; ++q)
                t.at(i, m, q) = 0.1 * (1 + i + m + q);
    gpu::loss<proxyless_space> g{proxyless_space{}, t};
    no_allocation_any(g);
    loom::loss<proxyless_space, double, sharing::network_wide> l1{proxyless_space{}};
    loom::loss<proxyless_space, double, sharing::per_op_type> l2{proxyless_space{}};
    loom::loss<runtime_space, double, sharing::per_block_op> l3{small_runtime()};  // long names, dynamic arrays
    no_allocation_any(l1);
    no_allocation_any(l2);
    no_allocation_any(l3);
}
#endif

#if NAIS_IN_PART(2)
TEST_CASE("a user's device model (examples/custom_device.cpp) allocates nothing per evaluation") {
    nais::loss<lane::model<proxyless_space>> l{proxyless_space{}};
    no_allocation_any(l);
}
#endif

#if NAIS_IN_PART(1)
TEST_CASE("control: a forbidden Eigen allocation is caught in this build type") {
    Eigen::internal::set_is_malloc_allowed(false);
    CHECK_THROWS_AS(Eigen::ArrayXd(64), eigen_assertion);
    Eigen::internal::set_is_malloc_allowed(true);
}
#endif

#if NAIS_IN_PART(1)
TEST_CASE("control: the allocation counter does see allocations") {
    const long before = allocations.load();
    static std::vector<int>* volatile sink = nullptr;  // escapes, so the compiler cannot elide the allocation
    sink = new std::vector<int>(100);
    delete sink;
    CHECK(allocations.load() > before);
}
#endif

#if NAIS_IN_PART(3)
TEST_CASE("HotNAS's tiled template and the bundle accelerator allocate nothing per evaluation") {
    tiled::loss<proxyless_space> t{proxyless_space{}};
    t.log2_design().setConstant(3.0);
    no_allocation_any(t);
    bundle::loss<layered_space> b{nais_test::bundle_supernet()};
    b.log2_design().setConstant(3.0);
    no_allocation_any(b);
}
#endif

#if NAIS_IN_PART(3)
TEST_CASE("H2H's multi-task co-design and DANCE's dataflow co-design allocate nothing per evaluation") {
    const runtime_space s = small_runtime();
    h2h::codesign_loss<runtime_space> h{s, nais_test::two_streams(s.num_blocks()), nais_test::two_accelerators()};
    no_allocation_any(h);
    for (auto mode : {dataflow::hardware_mode::expected, dataflow::hardware_mode::envelope}) {
        auto o = nais_test::small_dataflow_options();
        o.mode = mode;
        dataflow::codesign_loss<layered_space> d{nais_test::cifar_slice(), o};
        no_allocation_any(d);
    }
}
#endif
