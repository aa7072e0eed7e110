#!/usr/bin/env python3
"""Writes examples/spaces/fbnet_cifar100.json: HW-NAS-Bench's FBNet space in its CIFAR-100 setting
(../shared/data/measured/README.md describes it; the measured latencies of
../shared/data/measured/fbnet_cifar100/ are keyed by its choices), as a nais space of layers.

    /usr/bin/python3 scripts/make_fbnet_space.py > examples/spaces/fbnet_cifar100.json

Input 3 x 32 x 32; stem conv 3x3 3 -> 16 + BN + ReLU; 22 searchable blocks in stages of 1, 4, 4,
4, 4, 4, 1 with widths 16, 24, 32, 64, 112, 184, 352 and first-block strides 1, 1, 2, 2, 1, 2, 1;
head conv 1x1 352 -> 1504 + BN + ReLU, global average pool, fc 1504 -> 100. Op kK_eE[_gG] (op
indices 0-8 in HW-NAS-Bench's order): conv 1x1 C_in -> E C_in (groups G) + BN + ReLU, a channel
shuffle when G > 1, depth-wise K x K with the block's stride (padding ceil((K - stride) / 2)) + BN
+ ReLU, conv 1x1 -> C_out (groups G) + BN, and the residual add when C_in == C_out and stride 1
(the 1x1 expansion conv exists for E = 1 too); convolutions have no bias. skip: the identity
where the shape is kept, else conv 1x1 with the block's stride + BN + ReLU. BN without its ReLU
is nais's bn_act (one element-wise pass either way).
"""
import json
import math

OPS = [(3, 1, 1), (3, 1, 2), (3, 3, 1), (3, 6, 1), (5, 1, 1), (5, 1, 2), (5, 3, 1), (5, 6, 1), None]
NAMES = ["k3_e1", "k3_e1_g2", "k3_e3", "k3_e6", "k5_e1", "k5_e1_g2", "k5_e3", "k5_e6", "skip"]
STAGES = [(1, 16, 1), (4, 24, 1), (4, 32, 2), (4, 64, 2), (4, 112, 1), (4, 184, 2), (1, 352, 1)]


def conv(name, cout, k, stride=1, groups=1, inputs=None):
    layer = {"name": name, "kind": "conv", "cout": cout, "kernel": k, "bias": False}
    if stride != 1:
        layer["stride"] = stride
    pad = math.ceil((k - stride) / 2)  # HW-NAS-Bench's ConvBlock: h_out = h_in / stride
    if pad:
        layer["padding"] = pad
    if groups != 1:
        layer["groups"] = groups
    if inputs:
        layer["inputs"] = inputs
    return layer


def candidates(cin, cout, stride):
    out = []
    for name, op in zip(NAMES, OPS):
        if op is None:
            if stride == 1 and cin == cout:
                out.append({"op": "skip", "name": name})
            else:
                out.append({"op": "layers", "name": name, "layers": [conv("conv", cout, 1, stride, inputs=["input"]),
                                                                     {"name": "bn", "kind": "bn_act"}]})
            continue
        k, e, g = op
        mid = cin * e
        layers = [conv("conv1", mid, 1, 1, g, ["input"]), {"name": "bn1", "kind": "bn_act"}]
        if g > 1:
            layers.append({"name": "shuffle", "kind": "shuffle", "groups": g})
        layers += [conv("conv2", mid, k, stride, mid), {"name": "bn2", "kind": "bn_act"},
                   conv("conv3", cout, 1, 1, g), {"name": "bn3", "kind": "bn_act"}]
        if cin == cout and stride == 1:
            layers.append({"name": "add", "kind": "add", "inputs": ["bn3", "input"]})
        out.append({"op": "layers", "name": name, "layers": layers})
    return out


def space():
    blocks, cin = [], 16
    for count, width, stride in STAGES:
        blocks.append({"cout": width, "stride": stride, "candidates": candidates(cin, width, stride)})
        if count > 1:
            blocks.append({"cout": width, "repeat": count - 1, "candidates": candidates(width, width, 1)})
        cin = width
    return {
        "name": "fbnet_cifar100",
        "input": [3, 32, 32],
        "bits": [32],
        "stem": [conv("stem_conv", 16, 3), {"name": "stem_bn", "kind": "bn_act"}],
        "blocks": blocks,
        "head": [{"name": "head_conv", "kind": "conv", "cout": 1504, "kernel": 1, "bias": False},
                 {"name": "head_bn", "kind": "bn_act"},
                 {"name": "pool", "kind": "pool", "op": "avg", "global": True},
                 {"name": "fc", "kind": "fc", "out": 100}],
    }


if __name__ == "__main__":
    print(json.dumps(space(), indent=1))
