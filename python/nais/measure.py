"""nais.measure: a latency table on your own device, by timing every candidate op of an MBConv
space in PyTorch, and a check of the table's additivity on sampled whole networks.

    table = nais.measure.latency_table(blocks, ops, batch=1, device="cpu")
    check = nais.measure.additivity(table, blocks, ops, samples=10)

Ops are built in nais's MBConv layout (expand 1x1 when e > 1, depth-wise k x k with the block's
stride, project 1x1, each with BN; ReLU6 after the first two; the residual add where the shape
allows), in eval mode, fp32. Timing: warm-up runs, then `repeats` timed runs of `number`
calls each, the median per call; one thread on the CPU (torch.set_num_threads(1), restored
afterwards); torch.cuda.synchronize around each timed run on a GPU. The table's precision is
the one measured (32 bits); nais.tables.scale_precisions derives others under a stated ratio.
"""
from __future__ import annotations

import statistics
import time
from typing import Any, Callable, Dict, Mapping, Optional, Sequence

import torch
import torch.nn as nn

__all__ = ["mbconv", "latency_table", "additivity"]


class _MBConv(nn.Module):
    def __init__(self, cin, cout, stride, kernel, expand):
        super().__init__()
        mid = cin * expand
        layers = []
        if expand != 1:
            layers += [nn.Conv2d(cin, mid, 1, bias=False), nn.BatchNorm2d(mid), nn.ReLU6()]
        layers += [nn.Conv2d(mid, mid, kernel, stride, kernel // 2, groups=mid, bias=False), nn.BatchNorm2d(mid),
                   nn.ReLU6(), nn.Conv2d(mid, cout, 1, bias=False), nn.BatchNorm2d(cout)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


def mbconv(block: Mapping[str, int], op: Mapping[str, int]) -> nn.Module:
    """The PyTorch module of candidate `op` ({kernel, expand}) in `block` ({cin, cout, h, w, stride})."""
    return _MBConv(block["cin"], block["cout"], block["stride"], op["kernel"], op["expand"]).eval()


def _time(module, x, device, warmup, repeats, number):
    sync = torch.cuda.synchronize if str(device).startswith("cuda") else (lambda: None)
    with torch.no_grad():
        for _ in range(warmup):
            module(x)
        runs = []
        for _ in range(repeats):
            sync()
            t = time.perf_counter()
            for _ in range(number):
                module(x)
            sync()
            runs.append((time.perf_counter() - t) / number)
    return statistics.median(runs) * 1e3


class _OneThread:
    def __init__(self, device):
        self.cpu = not str(device).startswith("cuda")

    def __enter__(self):
        self.saved = torch.get_num_threads()
        if self.cpu:
            torch.set_num_threads(1)

    def __exit__(self, *exc):
        torch.set_num_threads(self.saved)


def latency_table(blocks: Sequence[Mapping[str, int]], ops: Sequence[Mapping[str, int]], batch: int = 1, device: str = "cpu",
                  warmup: int = 5, repeats: int = 7, number: int = 10,
                  progress: Optional[Callable[..., Any]] = None) -> Dict[str, Any]:
    """Times every (block, op) of the space; returns a nais latency table (nais.tables format)
    with the device, batch, threads and timing settings as metadata."""
    entries = []
    with _OneThread(device):
        for i, b in enumerate(blocks):
            x = torch.randn(batch, b["cin"], b["h"], b["w"], device=device)
            for op in ops:
                ms = _time(mbconv(b, op).to(device), x, device, warmup, repeats, number)
                entries.append({"block": i, "kernel": op["kernel"], "expand": op["expand"], "bits": 32, "latency_ms": ms})
                if progress:
                    progress(len(entries), len(blocks) * len(ops))
        threads = 1 if not str(device).startswith("cuda") else torch.get_num_threads()
    meta = {"unit": "ms", "batch": batch, "device": str(device), "threads": threads, "torch": torch.__version__,
            "timing": f"median of {repeats} runs of {number} calls after {warmup} warm-up calls", "measured_bits": 32}
    if str(device).startswith("cuda"):
        meta["device_name"] = torch.cuda.get_device_name(device)
    return {"entries": entries, "metadata": meta}


def additivity(table: Mapping[str, Any], blocks: Sequence[Mapping[str, int]], ops: Sequence[Mapping[str, int]], samples: int = 10,
               seed: int = 0, batch: int = 1, device: str = "cpu", warmup: int = 3, repeats: int = 5,
               number: int = 5) -> Dict[str, Any]:
    """Times `samples` random whole networks (one op per block) and compares each with the sum
    of the table's entries: {"pearson": r, "mean_relative_error": e, "networks": [...]}."""
    lookup = {(e["block"], e["kernel"], e["expand"]): e["latency_ms"] for e in table["entries"] if e["bits"] == 32}
    g = torch.Generator().manual_seed(seed)
    measured, predicted, nets = [], [], []
    with _OneThread(device):
        for _ in range(samples):
            choice = [int(torch.randint(len(ops), (1,), generator=g)) for _ in blocks]
            net = nn.Sequential(*[mbconv(b, ops[m]) for b, m in zip(blocks, choice)]).to(device)
            x = torch.randn(batch, blocks[0]["cin"], blocks[0]["h"], blocks[0]["w"], device=device)
            m_ms = _time(net, x, device, warmup, repeats, number)
            p_ms = sum(lookup[(i, ops[m]["kernel"], ops[m]["expand"])] for i, m in enumerate(choice))
            measured.append(m_ms)
            predicted.append(p_ms)
            nets.append({"ops": choice, "measured_ms": m_ms, "table_sum_ms": p_ms})
    mm, mp = statistics.fmean(measured), statistics.fmean(predicted)
    cov = sum((a - mm) * (b - mp) for a, b in zip(measured, predicted))
    var = (sum((a - mm) ** 2 for a in measured) * sum((b - mp) ** 2 for b in predicted)) ** 0.5
    return {"pearson": cov / var if var > 0 else float("nan"),
            "mean_relative_error": statistics.fmean(abs(b - a) / a for a, b in zip(measured, predicted)),
            "networks": nets}
