// Networks of real layers: shapes and counts of every layer kind against hand-computed values
// (PyTorch's rules, ceil_mode included), refusals that name both layers and their shapes, the
// model zoo's totals against torchvision's, and EDD's MBConv as a layer list (Eq. 12 work equal
// to nais::layer_work on every (block, op) of the default space).
#include <nais/nais.hpp>

#include "error_of.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace nais;
using namespace nais::net;
using nais_test::error_of;

namespace {
network one(tensor_shape in, std::vector<layer> layers) { return {"t", in, std::move(layers)}; }
}  // namespace

TEST_CASE("convolutions: output size, MACs, parameters and Eq. 12 work by hand") {
    // Conv2d(16, 32, 3, stride 2, padding 1) on 16 x 15 x 15: out floor((15 + 2 - 3) / 2) + 1 = 8
    layer c = conv("c", 32, 3, 2, 1, 1, true);
    auto r = analyze(one({16, 15, 15}, {c}));
    CHECK(r.layers[0].out == tensor_shape{32, 8, 8});
    CHECK(r.layers[0].macs == 3 * 3 * 16 * 32 * 8 * 8);
    CHECK(r.layers[0].params == 3 * 3 * 16 * 32 + 32);
    CHECK(r.layers[0].work == r.layers[0].macs);
    // depth-wise 5 x 5 (groups = channels), dilation 2, no padding: reach 9, out 20 - 9 + 1 = 12
    layer dw = conv("dw", 24, 5, 1, 0, 24);
    dw.dilation_h = dw.dilation_w = 2;
    r = analyze(one({24, 20, 20}, {dw}));
    CHECK(r.layers[0].out == tensor_shape{24, 12, 12});
    CHECK(r.layers[0].macs == 5 * 5 * 1 * 24 * 12 * 12);  // Eq. 12 dw-conv: k^2 h w c
    CHECK(r.layers[0].params == 5 * 5 * 24);
    // grouped 1 x 3 with rectangular stride and padding
    layer g = conv("g", 8, 1, 1, 0, 2);
    g.kernel_w = 3;
    g.stride_w = 2;
    g.pad_w = 1;
    r = analyze(one({4, 7, 9}, {g}));
    CHECK(r.layers[0].out == tensor_shape{8, 7, 5});
    CHECK(r.layers[0].macs == 1 * 3 * 2 * 8 * 7 * 5);
    CHECK(r.layers[0].params == 1 * 3 * 2 * 8);
}

TEST_CASE("pooling follows PyTorch, ceil_mode included; fc flattens") {
    auto out = [](layer l, tensor_shape in) { return analyze(one(in, {std::move(l)})).layers[0].out; };
    CHECK(out(pool("p", pool_op::max, 3, 2), {64, 112, 112}) == tensor_shape{64, 55, 55});
    CHECK(out(pool("p", pool_op::max, 3, 2, 1), {64, 112, 112}) == tensor_shape{64, 56, 56});
    CHECK(out(pool("p", pool_op::max, 3, 2, 0, true), {8, 56, 56}) == tensor_shape{8, 28, 28});   // ceil(53/2)+1
    CHECK(out(pool("p", pool_op::max, 3, 2, 0, false), {8, 56, 56}) == tensor_shape{8, 27, 27});  // floor
    // PyTorch drops a last window that starts in the right padding: MaxPool2d(2, 2, 1, ceil_mode) on 5 -> 3
    CHECK(out(pool("p", pool_op::max, 2, 2, 1, true), {1, 5, 5}) == tensor_shape{1, 3, 3});
    CHECK(out(pool("p", pool_op::avg, 2), {3, 7, 6}) == tensor_shape{3, 3, 3});  // stride defaults to the kernel
    CHECK(out(global_pool("g"), {512, 7, 7}) == tensor_shape{512, 1, 1});
    const auto r = analyze(one({16, 3, 3}, {fc("f", 10)}));
    CHECK(r.layers[0].out == tensor_shape{10, 1, 1});
    CHECK(r.layers[0].macs == 144 * 10);
    CHECK(r.layers[0].params == 144 * 10 + 10);
}

TEST_CASE("bn_act, add, concat, squeeze-and-excitation and reorg") {
    network n = one({8, 6, 6}, {conv("a", 8, 3, 1, 1), simple("a.bn", layer_kind::bn_act),
                                conv("b", 4, 1, 1, 0, 1, false, {"input"}), simple("sum", layer_kind::add, {"a.bn", "input"}),
                                simple("cat", layer_kind::concat, {"sum", "b"}),
                                // squeeze-and-excitation as its layers: pool, 1 x 1 down, act, 1 x 1 up, gate
                                global_pool("se.pool"), conv("se.fc1", 3, 1, 1, 0, 1, true), simple("se.relu", layer_kind::act),
                                conv("se.fc2", 12, 1, 1, 0, 1, true), simple("se.gate", layer_kind::act),
                                simple("se.scale", layer_kind::scale, {"cat", "se.gate"}), reorg("reorg", 2)});
    const auto r = analyze(n);
    const auto& L = r.layers;
    CHECK(L[1].params == 16);                          // BN: weight and bias per channel
    CHECK(L[1].work == 8 * 6 * 6);                     // Eq. 12 "otherwise": h w c
    CHECK(L[3].out == tensor_shape{8, 6, 6});
    CHECK(L[3].in_elements == 2 * 8 * 6 * 6);
    CHECK(L[4].out == tensor_shape{12, 6, 6});
    CHECK(L[6].params == 12 * 3 + 3);
    CHECK(L[8].params == 3 * 12 + 12);
    CHECK(L[10].out == tensor_shape{12, 6, 6});
    CHECK(L[11].out == tensor_shape{48, 3, 3});
    CHECK(r.params == 8 * 9 * 8 + 16 + 8 * 4 + 39 + 48);
    CHECK(r.macs == 8 * 9 * 8 * 36 + 8 * 4 * 36 + 12 * 3 + 3 * 12);
}

TEST_CASE("ShuffleNet v2's unit: channel slices, a branch, concat and shuffle") {
    // x1, x2 = x.chunk(2, 1); cat(x1, branch(x2)); channel_shuffle(., 2)
    network n = one({16, 8, 8}, {slice("x1", 0, 8), slice("x2", 8, 16, {"input"}), conv("pw", 8, 1),
                                 conv("dw", 8, 3, 1, 1, 8), simple("cat", layer_kind::concat, {"x1", "dw"}),
                                 shuffle("shuffle", 2)});
    const auto r = analyze(n);
    const auto& L = r.layers;
    CHECK(L[0].out == tensor_shape{8, 8, 8});
    CHECK(L[1].out == tensor_shape{8, 8, 8});
    CHECK((L[0].macs == 0 && L[0].params == 0 && L[0].work == 8 * 8 * 8));  // Eq. 12 "otherwise": h w c
    CHECK(L[5].out == tensor_shape{16, 8, 8});
    CHECK(r.macs == 8 * 8 * 64 + 9 * 8 * 64);
    CHECK(std::string(kind_name(layer_kind::slice)) == "slice");
    CHECK(error_of([] { analyze(one({16, 8, 8}, {slice("s", 8, 20)})); }) ==
          "nais: network: layer 's': slice of channels [8, 20) is not within its input 'input' (16 x 8 x 8)");
    CHECK(error_of([] { analyze(one({16, 8, 8}, {slice("s", 4, 4)})); }) ==
          "nais: network: layer 's': slice of channels [4, 4) is not within its input 'input' (16 x 8 x 8)");
}

TEST_CASE("shapes that do not fit are refused, naming the layers and their shapes") {
    CHECK(error_of([] { analyze(one({8, 6, 6}, {conv("a", 4, 3, 2, 1), simple("s", layer_kind::add, {"a", "input"})})); }) ==
          "nais: network: layer 's' adds 'a' (4 x 3 x 3) and 'input' (8 x 6 x 6): shapes differ");
    CHECK(error_of([] { analyze(one({6, 8, 8}, {conv("g", 8, 3, 1, 1, 4)})); }) ==
          "nais: network: layer 'g': channels 6 -> 8 are not divisible by groups = 4 (input 'input' is 6 x 8 x 8)");
    CHECK(error_of([] { analyze(one({3, 4, 4}, {conv("big", 8, 7)})); }) ==
          "nais: network: layer 'big': its height kernel 7 (dilated) is larger than the padded input 4 (input 3 x 4 x 4)");
    CHECK(error_of([] { analyze(one({3, 4, 4}, {conv("a", 8, 1), simple("c", layer_kind::concat, {"a", "nope"})})); }) ==
          "nais: network: layer 'c': input 'nope' is not an earlier layer (inputs name layers before it, or \"input\")");
    CHECK(error_of([] { analyze(one({3, 4, 4}, {conv("a", 8, 1, 2), simple("c", layer_kind::concat, {"a", "input"})})); }) ==
          "nais: network: layer 'c' concatenates 'a' (8 x 2 x 2) and 'input' (3 x 4 x 4): spatial sizes differ");
    CHECK(error_of([] { analyze(one({3, 5, 4}, {reorg("r", 2)})); }) ==
          "nais: network: layer 'r': reorg stride 2 does not divide its input 'input' (3 x 5 x 4)");
    CHECK(error_of([] { analyze(one({3, 4, 4}, {conv("a", 8, 1), conv("a", 8, 1)})); }) ==
          "nais: network: two layers are named 'a'");
    CHECK(error_of([] { analyze(one({3, 4, 4}, {pool("p", pool_op::max, 2, 2, 2)})); }) ==
          "nais: network: layer 'p': pool padding 2 must be at most half the height kernel 2");
    CHECK(error_of([] { analyze(one({3, 4, 4}, {global_pool("g"), simple("s", layer_kind::scale, {"input", "g"}),
                                                 simple("t", layer_kind::scale, {"s", "input"})})); }) ==
          "nais: network: layer 't' scales 's' (3 x 4 x 4) by 'input' (3 x 4 x 4): the gate must be 3 x 1 x 1");
    CHECK(error_of([] { analyze(one({0, 4, 4}, {conv("a", 8, 1)})); }) ==
          "nais: network 't': the input shape must be positive, got 0 x 4 x 4");
}

TEST_CASE("the model zoo: parameters and MACs equal torchvision's") {
    struct expected {
        const char* name;
        std::int64_t params;
        double gmacs;  // torchvision's published GFLOPS (multiply-accumulates), 3 or 4 significant digits
    };
    for (const expected& e : {expected{"alexnet", 61100840, 0.714}, expected{"vgg16", 138357544, 15.47},
                              expected{"resnet18", 11689512, 1.814}, expected{"resnet34", 21797672, 3.664},
                              expected{"resnet50", 25557032, 4.089}, expected{"mobilenet_v2", 3504872, 0.301},
                              expected{"mnasnet1_0", 4383312, 0.314}}) {
        CAPTURE(e.name);
        const auto r = analyze(zoo(e.name));
        CHECK(r.params == e.params);
        const double g = static_cast<double>(r.macs) / 1e9;
        CHECK(std::abs(g - e.gmacs) <= (e.gmacs > 10 ? 0.005 : 0.0005));
        CHECK(r.layers.back().out == tensor_shape{1000, 1, 1});
    }
    CHECK(analyze(resnet18()).macs == 1814073344);  // exact, for regressions
    // ProxylessNAS-GPU: the parameters of the published model (pytorchcv checks 7,119,848), and
    // the paper's 465 M MACs
    const auto px = analyze(proxylessnas_gpu());
    CHECK(px.params == 7119848);
    CHECK(std::abs(static_cast<double>(px.macs) / 1e6 - 465) < 0.5);
    // SkyNet at 160 x 320: the reorg bypass (192 x 40 x 80 -> 768 x 20 x 40) meets dw5's 512 channels
    const auto sky = analyze(skynet());
    CHECK(sky.layers.back().out == tensor_shape{10, 20, 40});
    CHECK(sky.params == 442049);  // conv weights 435,387 + BN affine 6,662
    CHECK(error_of([] { zoo("lenet"); }).find("nais: zoo: no network named 'lenet' (known: alexnet, vgg16") == 0);
}

TEST_CASE("EDD's MBConv as a layer list: Eq. 12 work equals nais::layer_work on the default space") {
    const proxyless_space s{};
    for (int i = 0; i < s.num_blocks(); ++i)
        for (int m = 0; m < s.num_ops(); ++m) {
            const block b = s.block_at(i);
            const mbconv o = s.op_at(m);
            const network n{"mb", {b.cin, b.h, b.w}, mbconv_layers("op", b.cin, b.cout, b.stride, o.kernel, o.expand)};
            const auto r = analyze(n);
            CHECK(r.work == layer_work(b, o).total());
            CHECK(r.layers.back().out == tensor_shape{b.cout, (b.h + b.stride - 1) / b.stride, (b.w + b.stride - 1) / b.stride});
        }
}
