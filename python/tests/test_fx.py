"""nais.from_fx: a PyTorch module's nais description; nais.analyze's MACs and parameters of it
equal PyTorch's own counts (parameters summed over the module; MACs by forward hooks)."""
import pytest
import torch
import torch.nn as nn

import nais


class SE(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(c, c // 4, 1)
        self.fc2 = nn.Conv2d(c // 4, c, 1)

    def forward(self, x):
        return x * torch.sigmoid(self.fc2(torch.relu(self.fc1(self.pool(x)))))


class Small(nn.Module):
    """conv-BN-ReLU, max pool, a residual block, a depth-wise conv with SE, a concat, an avg
    pool with ceil_mode, global pooling, flatten and two fully connected layers."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, 2, 1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        self.act = nn.ReLU(inplace=True)
        self.pool = nn.MaxPool2d(3, 2, 1)
        self.c1 = nn.Conv2d(16, 16, 3, 1, 1, bias=False)
        self.b1 = nn.BatchNorm2d(16)
        self.dw = nn.Conv2d(16, 16, (5, 3), 1, (2, 1), groups=16)
        self.se = SE(16)
        self.pw = nn.Conv2d(32, 24, 1)
        self.avg = nn.AvgPool2d(3, 2, ceil_mode=True)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Linear(24, 32)
        self.drop = nn.Dropout(0.1)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.pool(self.act(self.bn(self.stem(x))))
        y = torch.relu(self.b1(self.c1(x)) + x)
        z = self.se(self.dw(y))
        x = self.avg(self.pw(torch.cat([y, z], 1)))
        x = torch.flatten(self.gap(x), 1)
        return self.fc2(self.drop(torch.relu(self.fc1(x))))


def torch_macs(module, x):
    macs = []

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            macs.append(out[0].numel() * m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1])
        elif isinstance(m, nn.Linear):
            macs.append(m.in_features * m.out_features)

    hs = [m.register_forward_hook(hook) for m in module.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        module.eval()(x)
    for h in hs:
        h.remove()
    return sum(macs)


def test_from_fx_counts_equal_pytorchs():
    m = Small()
    x = torch.randn(1, 3, 33, 35)
    desc = nais.from_fx(m, x, name="small")
    kinds = [layer["kind"] for layer in desc["layers"]]
    assert kinds.count("bn_act") == 2 and kinds.count("add") == 1 and kinds.count("scale") == 1
    assert kinds.count("concat") == 1 and "act" in kinds  # the ReLU after the add stays an act
    report = nais.analyze(desc)
    assert report["params"] == sum(p.numel() for p in m.parameters())
    assert report["macs"] == torch_macs(m, x)
    with torch.no_grad():
        out_shape = m(x).shape
    assert report["layers"][-1]["cout"] == out_shape[1]


def test_from_fx_refuses_what_it_cannot_describe():
    class Odd(nn.Module):
        def forward(self, x):
            return torch.fft.fft2(x).real

    with pytest.raises(ValueError, match="from_fx: node"):
        nais.from_fx(Odd(), torch.randn(1, 3, 8, 8))
    with pytest.raises(ValueError, match="N x C x H x W"):
        nais.from_fx(Small(), torch.randn(3, 8, 8))


def test_analyze_refuses_a_bad_description():
    with pytest.raises(nais.SpecError, match="layers"):
        nais.analyze({"name": "x", "input": [3, 8, 8], "layers": []})


def test_from_fx_reports_tracing_and_shape_errors_in_its_own_words():
    class DataDependent(torch.nn.Module):  # control flow on a tensor's value: torch.fx cannot trace it
        def forward(self, x):
            return x if x.sum() > 0 else -x

    with pytest.raises(ValueError, match="from_fx: torch.fx cannot trace DataDependent"):
        nais.from_fx(DataDependent(), torch.zeros(1, 3, 8, 8))
    with pytest.raises(ValueError, match=r"from_fx: running Sequential on an input of shape \(1, 5, 8, 8\) failed"):
        nais.from_fx(torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3)), torch.zeros(1, 5, 8, 8))


TORCHVISION = [  # (model, input size): one of each family torchvision ships, weights not needed
    ("alexnet", 224),  # adaptive pooling to 6 x 6 (the identity at 224)
    ("resnet18", 64), ("resnext50_32x4d", 64),  # grouped convolutions
    ("squeezenet1_1", 64), ("densenet121", 64),  # concat-heavy blocks; a cat of one tensor
    ("googlenet", 64), ("inception_v3", 107),  # functional avg_pool2d
    ("mobilenet_v2", 64),  # functional adaptive_avg_pool2d
    ("mobilenet_v3_small", 64),  # SE and hard-swish gates
    ("mnasnet0_5", 64),  # mean over the spatial dimensions
    ("efficientnet_b0", 64),  # stochastic depth (the identity in eval), SiLU, SE
    ("regnet_y_400mf", 64),
    ("shufflenet_v2_x0_5", 64),  # chunk into channel halves (slice), channel_shuffle kept whole (shuffle)
]


@pytest.mark.parametrize("name,size", TORCHVISION)
def test_from_fx_torchvision_models_count_as_pytorch_does(name, size):
    tvm = pytest.importorskip("torchvision.models")
    torch.manual_seed(0)
    kwargs = {"aux_logits": False, "init_weights": False} if name in ("googlenet", "inception_v3") else {}
    m = getattr(tvm, name)(weights=None, **kwargs).eval()
    x = torch.randn(1, 3, size, size)
    report = nais.analyze(nais.from_fx(m, x))
    assert report["params"] == sum(p.numel() for p in m.parameters())
    assert report["macs"] == torch_macs(m, x)


def test_from_fx_refuses_torchvision_models_it_cannot_describe_naming_the_node():
    tvm = pytest.importorskip("torchvision.models")
    with pytest.raises(ValueError, match=r"from_fx: node 'permute' \(call_method permute\)"):
        nais.from_fx(tvm.convnext_tiny(weights=None).eval(), torch.randn(1, 3, 64, 64))  # channels-last LayerNorm
    with pytest.raises(ValueError, match=r"adaptive pooling from 1 x 1 to 6 x 6"):
        nais.from_fx(tvm.alexnet(weights=None).eval(), torch.randn(1, 3, 64, 64))  # uneven (upsampling) windows



class Halves(nn.Module):
    """chunk and split on channels (uneven parts too), the parts used by branches and a concat."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 3, 3, padding=1)
        self.one = nn.Conv2d(3, 1, 1)
        self.b = nn.Conv2d(4, 6, 1)
        self.c = nn.Conv2d(2, 2, 1)

    def forward(self, x):
        x = torch.cat([x, self.a(x), self.one(x)], 1)  # 7 channels
        p, q, r = x.chunk(3, dim=1)  # 3, 3 and 1 channels (PyTorch's ceil rule)
        s, t = torch.split(torch.cat([p, q, r], 1), [4, 3], dim=1)
        u, v = x.split(5, 1)  # 5 and 2
        return torch.cat([p, q, r, self.b(s), t, self.c(v), u], 1)


def test_from_fx_channel_slices_follow_chunk_and_split():
    m = Halves().eval()
    x = torch.randn(1, 3, 8, 8)
    d = nais.from_fx(m, x)
    slices = [(l["begin"], l["end"]) for l in d["layers"] if l["kind"] == "slice"]
    assert slices == [(0, 3), (3, 6), (6, 7), (0, 4), (4, 7), (0, 5), (5, 7)]
    report = nais.analyze(d)
    assert report["params"] == sum(p.numel() for p in m.parameters())
    assert report["macs"] == torch_macs(m, x)
    assert report["layers"][-1]["cout"] == m(x).shape[1]

    class Spatial(nn.Module):
        def forward(self, x):
            a, b = x.chunk(2, dim=2)
            return a + b

    with pytest.raises(ValueError, match="a chunk on a dimension other than channels"):
        nais.from_fx(Spatial(), x)
    with pytest.raises(ValueError, match=r"slice of channels \[8, 20\) is not within its input 'input' \(3 x 8 x 8\)"):
        nais.analyze({"name": "t", "input": [3, 8, 8], "layers": [{"name": "s", "kind": "slice", "begin": 8, "end": 20}]})
