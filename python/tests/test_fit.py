"""The calibrated latency model from Python (nais.fit is nais-fit in-process), and HW-NAS-Bench's FBNet
space as nais describes it (examples/spaces/fbnet_cifar100.json) against PyTorch's own count of the
same networks built from the description in ../shared/data/measured/README.md."""
import math

import pytest
import torch
from torch import nn

import nais
from conftest import SOURCE

SPACE = SOURCE / "examples" / "spaces" / "fbnet_cifar100.json"
SHARED = SOURCE.parent / "shared" / "data" / "measured" / "fbnet_cifar100"
OPS = [(3, 1, 1), (3, 1, 2), (3, 3, 1), (3, 6, 1), (5, 1, 1), (5, 1, 2), (5, 3, 1), (5, 6, 1), None]
STAGES = [(1, 16, 1), (4, 24, 1), (4, 32, 2), (4, 64, 2), (4, 112, 1), (4, 184, 2), (1, 352, 1)]


class Shuffle(nn.Module):
    def __init__(self, g):
        super().__init__()
        self.g = g

    def forward(self, x):
        n, c, h, w = x.shape
        return x.view(n, self.g, c // self.g, h, w).transpose(1, 2).reshape(n, c, h, w)


class Block(nn.Module):
    """The description's op kK_eE[_gG] or skip, written from the README (not from HW-NAS-Bench's code)."""

    def __init__(self, cin, cout, stride, op):
        super().__init__()
        self.residual = op is not None and cin == cout and stride == 1
        if op is None:
            self.body = nn.Identity() if stride == 1 and cin == cout else nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout), nn.ReLU())
            return
        k, e, g = op
        mid = cin * e
        layers = [nn.Conv2d(cin, mid, 1, groups=g, bias=False), nn.BatchNorm2d(mid), nn.ReLU()]
        if g > 1:
            layers.append(Shuffle(g))
        layers += [nn.Conv2d(mid, mid, k, stride, math.ceil((k - stride) / 2), groups=mid, bias=False), nn.BatchNorm2d(mid),
                   nn.ReLU(), nn.Conv2d(mid, cout, 1, groups=g, bias=False), nn.BatchNorm2d(cout)]
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        y = self.body(x)
        return y + x if self.residual else y


def torch_fbnet(choice):
    layers = [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()]
    cin, k = 16, 0
    for count, width, stride in STAGES:
        for r in range(count):
            layers.append(Block(cin if r == 0 else width, width, stride if r == 0 else 1, OPS[choice[k]]))
            k += 1
        cin = width
    layers += [nn.Conv2d(352, 1504, 1, bias=False), nn.BatchNorm2d(1504), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
               nn.Linear(1504, 100)]
    return nn.Sequential(*layers)


def torch_macs(model):
    macs = 0

    def hook(m, inp, out):
        nonlocal macs
        if isinstance(m, nn.Conv2d):
            macs += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, nn.Linear):
            macs += m.in_features * m.out_features
    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model.eval()(torch.zeros(1, 3, 32, 32))
    for h in handles:
        h.remove()
    return macs


@pytest.mark.parametrize("choice", [[0] * 22, [8] * 22, list(range(9)) * 2 + [1, 5, 7, 3],
                                    [7, 8, 1, 8, 4, 8, 8, 8, 7, 4, 1, 4, 7, 3, 2, 7, 3, 2, 4, 2, 4, 5]])
def test_fbnet_space_matches_pytorch(choice):
    net = nais.network_of({"space": str(SPACE)}, choice)
    report = nais.analyze(net)
    model = torch_fbnet(choice)
    assert report["params"] == sum(p.numel() for p in model.parameters())
    assert report["macs"] == torch_macs(model)


def test_fit_refusals_and_document():
    with pytest.raises(nais.SpecError, match=r"fit_rows_bad_index.csv:3: block 8's op index '9'"):
        nais.fit({"space": str(SPACE), "train": str(SOURCE / "tests" / "cli" / "fit_rows_bad_index.csv")})
    with pytest.raises(nais.SpecError, match=r"key 'train' is missing"):
        nais.fit({"space": str(SPACE)})


@pytest.mark.skipif(not (SHARED / "titan_rtx_1.csv").exists(), reason="../shared is not beside the project")
def test_fit_titan_rtx_from_20_networks():
    doc = nais.fit({"space": str(SPACE), "device": "titan_rtx_1",
                    "train": {"file": str(SHARED / "titan_rtx_1.csv"), "rows": 20},
                    "test": {"file": str(SHARED / "titan_rtx_1.csv"), "from": 4000, "rows": 1000}})
    a = doc["agreement"]
    assert a["calibrated"]["kendall"] > a["macs_linear"]["kendall"]
    assert a["calibrated"]["kendall"] > a["op_table"]["kendall"]
    assert len(doc["predictions"]) == 1000
    # the fitted model is a device: a Session with theta over the space's rows
    s = nais.Session({"device": "calibrated", "space": str(SPACE), "model": doc["model"], "tau": 1.0, "alpha": 1.0})
    assert [n for n, _, _ in s.variables] == ["theta"]
    s.set_parameter("acc_loss", 1.0)
    r = s.evaluate()
    assert r["loss"] > 0
