"""EDD's FPGA loss (Eq. 1-13) written in plain PyTorch autograd, independently of nais: the
reference the tests compare nais.torch against, and the baseline of bench/bench_python.py."""
import math

import numpy as np
import torch


def mbconv_work(blocks, ops):
    """EDD Eq. 12's work per (block, op), written again from the MBConv layout (README)."""
    work = np.zeros((len(blocks), len(ops)))
    for i, b in enumerate(blocks):
        ho, wo = -(-b["h"] // b["stride"]), -(-b["w"] // b["stride"])
        for m, o in enumerate(ops):
            mid = b["cin"] * o["expand"]
            expand = b["h"] * b["w"] * mid * (b["cin"] + 1) if o["expand"] != 1 else 0
            work[i, m] = expand + o["kernel"] ** 2 * ho * wo * mid + ho * wo * mid + ho * wo * mid * b["cout"] + ho * wo * b["cout"]
    return torch.tensor(work)


def psi(bits):  # EDD Sec. 4.1.2's DSP calibration (nais's for q > 16)
    return 0.0 if bits <= 4 else 0.5 if bits <= 8 else 1.0 if bits <= 16 else math.ceil(bits / 27) * math.ceil(bits / 18)


def fpga_terms(spec, p, qp, pf):
    """EDD Eq. 2-13 for the FPGA in plain PyTorch: Perf_loss, RES and the block latencies at op
    probabilities p (N x M) and bit probabilities qp (recursive M x Q, pipelined N x M x Q)."""
    bits = torch.tensor([float(q) for q in spec["bits"]], dtype=p.dtype)
    psis = torch.tensor([psi(q) for q in spec["bits"]], dtype=p.dtype)
    work = mbconv_work(spec["blocks"], spec["ops"]).to(p.dtype)
    par = torch.exp2(pf)
    lat = work * (qp @ bits) / par  # Eq. 2, 11-12
    blocks = (p * lat).sum(1)  # Eq. 4
    if spec["device"] == "fpga-recursive":  # one IP per op type
        perf = spec["alpha"] * blocks.sum()  # Eq. 6
        res = (torch.tanh(p.sum(0)) * (qp @ psis) * par).sum()  # Eq. 3, 9-10, 13
    else:  # one IP per (block, op)
        mu = spec.get("lse_smoothness", 1.0)
        perf = spec["alpha"] * mu * torch.logsumexp(blocks / mu, 0)  # Eq. 7
        res = (p * (qp @ psis) * par).sum()  # Eq. 5, 8
    return perf, res, blocks


def plain_torch_fpga(spec, theta, phi, pf, acc, noise):
    """EDD Eq. 1 for the FPGA in plain PyTorch autograd: the reference HardwareLoss must match."""
    tau = spec["tau"]
    p = torch.softmax((theta + noise["theta"]) / tau, dim=1)
    qp = torch.softmax((phi + noise["phi"]) / tau, dim=-1)
    perf, res, blocks = fpga_terms(spec, p, qp, pf)
    penalty = spec["beta"] * spec["C"] ** (res - spec["res_ub"])
    return {"loss": acc * perf + penalty, "perf_loss": perf, "res": res, "perf_blocks": blocks}
