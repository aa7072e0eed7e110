#!/usr/bin/env python3
"""EDD's co-search (Li, Hao et al., DAC 2020, Sec. 5) with a real Acc_loss: a ProxylessNAS-style
supernet whose weights are really trained, with weight-quantisation paths, searched against
nais's recursive-FPGA hardware term, then derived, re-tuned exactly, retrained from scratch and
tested.

    /usr/bin/python3 examples/python/search_fashion_mnist.py --digits      # sklearn's digits, ~1 min
    /usr/bin/python3 examples/python/search_fashion_mnist.py               # Fashion-MNIST (Debian's
                                                                           # dataset-fashion-mnist)
Supernet (both data sets): stem conv 3x3 (+BN+ReLU6), four searchable blocks, global average
pool, fc. Each block mixes four candidate MBConv ops (kernel 3/5 x expansion 3/6; nais's MBConv
layout: expand 1x1, depth-wise k x k with the block's stride, project 1x1, each with BN; ReLU6
after the first two; a residual add where the shape allows) by the Gumbel-softmax sample of its
theta row (EDD Sec. 3.1). Each op type m has one quantisation choice over {4, 8, 16} bits
(recursive FPGA: one IP per op type, phi M x Q): its weights are W_m = sum_q GS(phi)[m, q] *
Q_q(W), with Q_q symmetric per-tensor fake quantisation with a straight-through rounding, so phi
changes what the network computes. The hardware term is nais's fpga-recursive loss over the
same four blocks (EDD Eq. 6, 9-13) through nais.torch.HardwareLoss; the stem and head are fixed
and not part of the searched cost.

Bilevel alternation as EDD Sec. 5 describes: a weight step on a training batch (SGD, sample
drawn, architecture fixed), then an architecture step on a validation batch: L = Acc_loss *
Perf_loss + beta * C^(RES - RES_ub) with Acc_loss the validation cross-entropy of the same
sample, so Eq. 1's product rule reaches theta and phi through the supernet and through nais.
Temperature falls exponentially. Then: derive (argmax theta and phi), round pf and re-tune it
exactly under the budget (nais), train the derived network from scratch with its bits, test.
"""
import argparse
import gzip
import json
import math
import pathlib
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import nais.torch as nt

BITS = [4, 8, 16]  # EDD's FPGA bit-widths (Sec. 6); --bits changes them
OPS = [(3, 3), (3, 6), (5, 3), (5, 6)]  # (kernel, expansion)
FASHION = pathlib.Path("/usr/share/datasets/fashion-mnist")


# ------------------------------------------------------------------------------------- data
def load_digits(seed):
    from sklearn.datasets import load_digits as sk_digits

    d = sk_digits()
    x = torch.tensor(d.images, dtype=torch.float32).unsqueeze(1) / 16.0
    y = torch.tensor(d.target, dtype=torch.long)
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    x, y = (x - 0.5) / 0.5, y
    x, y = x[perm], y[perm]
    return (x[:1000], y[:1000]), (x[1000:1300], y[1000:1300]), (x[1300:], y[1300:])


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * k: 8 + 4 * k], "big") for k in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_fashion(seed, n_train, n_val):
    if not FASHION.exists():
        sys.exit("search_fashion_mnist: Fashion-MNIST is not installed: apt-get install dataset-fashion-mnist "
                 "(or run with --digits)")
    xs = torch.tensor(read_idx(FASHION / "train-images-idx3-ubyte.gz"), dtype=torch.float32).unsqueeze(1) / 255.0
    ys = torch.tensor(read_idx(FASHION / "train-labels-idx1-ubyte.gz"), dtype=torch.long)
    xt = torch.tensor(read_idx(FASHION / "t10k-images-idx3-ubyte.gz"), dtype=torch.float32).unsqueeze(1) / 255.0
    yt = torch.tensor(read_idx(FASHION / "t10k-labels-idx1-ubyte.gz"), dtype=torch.long)
    norm = lambda x: (x - 0.286) / 0.353  # noqa: E731  (Fashion-MNIST's mean and deviation)
    perm = torch.randperm(len(ys), generator=torch.Generator().manual_seed(seed))
    xs, ys = norm(xs[perm]), ys[perm]
    return (xs[:n_train], ys[:n_train]), (xs[n_train:n_train + n_val], ys[n_train:n_train + n_val]), (norm(xt), yt)


# ------------------------------------------------------------------------------- the network
def fake_quant(w, bits):
    """Symmetric per-tensor quantisation to `bits`, straight-through in the backward pass."""
    levels = 2 ** (bits - 1) - 1
    scale = w.detach().abs().max().clamp_min(1e-8) / levels
    q = torch.clamp(torch.round(w / scale), -levels, levels) * scale
    return w + (q - w).detach()


def quantised(w, bit_probs):
    """EDD's quantisation paths for one op's weights: sum_q GS(phi)[q] * Q_q(W); a one-hot row
    (a derived network) is its single bit-width."""
    return sum(p * fake_quant(w, b) for p, b in zip(bit_probs, BITS) if float(p) != 0.0)


class MBConv(nn.Module):
    """nais's MBConv layout: expand 1x1 (e > 1), depth-wise k x k with stride, project 1x1."""

    def __init__(self, cin, cout, stride, kernel, expand):
        super().__init__()
        mid = cin * expand
        self.expand = nn.Conv2d(cin, mid, 1, bias=False) if expand != 1 else None
        self.bn1 = nn.BatchNorm2d(mid) if expand != 1 else None
        self.dw = nn.Conv2d(mid, mid, kernel, stride, kernel // 2, groups=mid, bias=False)
        self.bn2 = nn.BatchNorm2d(mid)
        self.project = nn.Conv2d(mid, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.residual = stride == 1 and cin == cout

    def forward(self, x, bit_probs):
        h = x
        if self.expand is not None:
            h = F.relu6(self.bn1(F.conv2d(h, quantised(self.expand.weight, bit_probs))))
        d = self.dw
        h = F.relu6(self.bn2(F.conv2d(h, quantised(d.weight, bit_probs), None, d.stride, d.padding, 1, d.groups)))
        h = self.bn3(F.conv2d(h, quantised(self.project.weight, bit_probs)))
        return x + h if self.residual else h


class Net(nn.Module):
    """Stem, searchable blocks, head. `choice`: None for the supernet (every candidate of every
    block), else the derived op per block (a plain network)."""

    def __init__(self, setting, choice=None):
        super().__init__()
        c0, stem_stride = setting["stem"]
        self.stem = nn.Sequential(nn.Conv2d(1, c0, 3, stem_stride, 1, bias=False), nn.BatchNorm2d(c0), nn.ReLU6())
        self.choice = choice
        self.blocks = nn.ModuleList()
        for i, b in enumerate(setting["blocks"]):
            ops = range(len(OPS)) if choice is None else [choice[i]]
            self.blocks.append(nn.ModuleDict({str(m): MBConv(b["cin"], b["cout"], b["stride"], *OPS[m]) for m in ops}))
        self.fc = nn.Linear(setting["blocks"][-1]["cout"], 10)

    def forward(self, x, op_probs, bit_probs):
        """op_probs N x M (the supernet's sample; ignored for a derived network), bit_probs M x Q."""
        h = self.stem(x)
        for i, ops in enumerate(self.blocks):
            if self.choice is None:
                # a one-hot row (the weight step's sampled path) computes its one op only
                h = sum(op_probs[i, m] * ops[str(m)](h, bit_probs[m]) for m in range(len(OPS)) if float(op_probs[i, m]) != 0.0)
            else:
                h = ops[str(self.choice[i])](h, bit_probs[self.choice[i]])
        return self.fc(F.adaptive_avg_pool2d(h, 1).flatten(1))


def settings(digits):
    """The stem and the searchable blocks {cin, cout, h, w, stride} (h, w: the block's input)."""
    if digits:  # 8 x 8 images
        return {"stem": (8, 1), "blocks": [dict(cin=8, cout=16, h=8, w=8, stride=1), dict(cin=16, cout=16, h=8, w=8, stride=1),
                                           dict(cin=16, cout=24, h=8, w=8, stride=2), dict(cin=24, cout=24, h=4, w=4, stride=1)]}
    return {"stem": (16, 2), "blocks": [dict(cin=16, cout=16, h=14, w=14, stride=1), dict(cin=16, cout=24, h=14, w=14, stride=2),
                                        dict(cin=24, cout=24, h=7, w=7, stride=1), dict(cin=24, cout=32, h=7, w=7, stride=2)]}


# ------------------------------------------------------------------------------- the search
def gumbel(shape, gen):
    return -torch.log(-torch.log(torch.rand(shape, generator=gen, dtype=torch.float64).clamp(1e-12, 1 - 1e-12)))


def batches(data, size, gen):
    x, y = data
    while True:
        perm = torch.randperm(len(y), generator=gen)
        for k in range(0, len(y) - size + 1, size):
            idx = perm[k:k + size]
            yield x[idx], y[idx]


def accuracy(net, data, op_probs, bit_probs):
    net.eval()
    with torch.no_grad():
        x, y = data
        correct = sum((net(x[k:k + 1000], op_probs, bit_probs).argmax(1) == y[k:k + 1000]).sum().item()
                      for k in range(0, len(y), 1000))
    net.train()
    return correct / len(y)


def fpga_spec(args, setting, budget):
    """nais's recursive-FPGA hardware term over the searchable blocks (EDD Eq. 6, 9-13), with its
    clamp: pf within [0, the whole budget on one IP at 5..8 bits (Psi = 1/2)]."""
    spec = {"device": "fpga-recursive", "blocks": setting["blocks"],
            "ops": [{"kernel": k, "expand": e} for k, e in OPS], "bits": BITS,
            "tau": args.tau0, "alpha": 1.0, "beta": args.beta, "C": args.C, "res_ub": float(budget)}
    return spec, {"pf": (0.0, math.floor(math.log2(budget / 0.5)))}


def search(args, setting, train, val, spec, seed, learn_implementation=True, clamp=None):
    """EDD's co-search against the hardware term of `spec` (any device nais.torch.HardwareLoss
    opens; its blocks and ops are the supernet's); with learn_implementation=False, hardware-aware
    NAS alone: the implementation variables (phi, pf, a dataflow accelerator's PE array, RF and
    dataflow logits, ...) stay at their initial values (the sequential flow EDD argues against:
    tune the implementation after). `clamp`: {variable: (min, max)} applied after every step.
    Quantisation paths follow the device's phi when it has one, else the single bit-width BITS[0].
    Returns the session's design of the derived variables, the history and the supernet."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    hw = nt.HardwareLoss(spec)
    n, m, q = len(setting["blocks"]), len(OPS), len(BITS)
    net = Net(setting)
    # EDD Sec. 5's start, as nais's C++ co_search starts: zero logits, the continuous variables at
    # the model's initial values (FPGA: pf = log2(RES_ub / #IPs)), alpha such that Perf_loss = 1 there
    start = hw.initial_variables()
    variables = {name: start[name].requires_grad_() for name in hw.names}
    theta, phi = variables["theta"], variables.get("phi")
    if phi is None and q != 1:
        raise ValueError(f"search: {spec['device']} has no phi to choose among bits {BITS}; give one bit-width")
    w_opt = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)
    groups = [{"params": [theta], "lr": args.arch_lr}]
    if learn_implementation:  # pf learns at its own rate, the implementation's logits at the architecture's
        groups += [{"params": [v], "lr": args.pf_lr if name == "pf" else args.arch_lr}
                   for name, v in variables.items() if name != "theta"]
    a_opt = torch.optim.Adam(groups)
    tr, va = batches(train, args.batch, gen), batches(val, args.batch, gen)
    fixed_bits = torch.ones(m, 1)
    history = []
    for step in range(args.steps):
        tau = max(args.tau_min, args.tau0 * args.tau_decay ** step)
        hw.tau = tau
        # weight step: one path and one bit-width per op type sampled from GS(theta), GS(phi)
        # (the argmax of a Gumbel-perturbed row is a sample of its softmax), held fixed
        g_t = gumbel((n, m), gen)
        g_p = gumbel((m, q), gen) if phi is not None else None
        with torch.no_grad():
            p = F.one_hot((theta + g_t).argmax(1), m).float()
            b = F.one_hot((phi + g_p).argmax(1), q).float() if phi is not None else fixed_bits
        x, y = next(tr)
        w_opt.zero_grad()
        F.cross_entropy(net(x, p, b), y).backward()
        w_opt.step()
        # architecture step: Eq. 1 with Acc_loss = the validation cross-entropy of a sample; the
        # supernet's theta (and phi) sample is the hardware term's; other sampled variables
        # (a dataflow accelerator's hardware) are drawn by HardwareLoss from `gen`
        if step >= args.warmup:
            g_t = gumbel((n, m), gen)
            noise = {"theta": g_t}
            p = torch.softmax((theta + g_t) / tau, 1)
            if phi is not None:
                noise["phi"] = g_p = gumbel((m, q), gen)
                b = torch.softmax((phi + g_p) / tau, 1).float()
            x, y = next(va)
            acc_loss = F.cross_entropy(net(x, p.float(), b), y).double()
            out = hw(acc_loss=acc_loss, noise=noise, generator=gen, **variables)
            a_opt.zero_grad()
            net.zero_grad(set_to_none=True)
            out["loss"].backward()
            a_opt.step()
            with torch.no_grad():
                for name, (lo, hi) in (clamp or {}).items():
                    variables[name].clamp_(lo, hi)
            history.append({"step": step, "tau": tau, "loss": out["loss"].item(), "acc_loss": acc_loss.item(),
                            "perf_loss": out["perf_loss"].item(), "res": out["res"].item()})
    for name, v in variables.items():
        hw.session.set_variable(name, v.detach().numpy())
    design = hw.session.design(args.clock_mhz)
    return design, history, net


def train_derived(args, setting, design, train, test, seed):
    """Trains the derived network from scratch with its op per block and bits per op type."""
    # bits per IP (op type) as the design reports them; op types no block uses keep the widest
    used = {b["op"]: b["bits"] for b in design["searched"]["blocks"]}
    return train_network(args, setting, design["ops"], used, train, seed, [test])[0]


def train_network(args, setting, ops, bits_of_op, train, seed, evaluate_on):
    """Trains the network of one op per block (`ops`) with the bit-width of each op type
    (`bits_of_op`: {op: bits}; the others the widest) from scratch; its accuracy on each data set
    of `evaluate_on`."""
    torch.manual_seed(seed + 1000)
    gen = torch.Generator().manual_seed(seed + 1000)
    net = Net(setting, choice=ops)
    bit_rows = torch.zeros(len(OPS), len(BITS))
    for m in range(len(OPS)):
        bit_rows[m, BITS.index(bits_of_op.get(m, BITS[-1]))] = 1.0
    opt = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)
    steps = args.train_steps
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    tr = batches(train, args.batch, gen)
    for _ in range(steps):
        x, y = next(tr)
        opt.zero_grad()
        F.cross_entropy(net(x, None, bit_rows), y).backward()
        opt.step()
        sched.step()
    return [accuracy(net, data, None, bit_rows) for data in evaluate_on]


# ------------------------------------------------------------------------------------- output
COLOURS = ["#3366cc", "#dc3912", "#109618", "#990099"]


def svg_axes(xs, ys, title, xlabel, w=560, h=360, pad=64, x_margin=1.15):
    """The frame of an accuracy (%, y) against latency (ms, x) plot: the SVG parts so far and the
    two scales (value -> pixel)."""
    x0, x1 = 0.0, max(xs) * x_margin
    y0, y1 = math.floor(min(ys) - 1), min(100, math.ceil(max(ys) + 1))
    sx = lambda v: pad + (v - x0) / ((x1 - x0) or 1) * (w - 2 * pad)  # noqa: E731
    sy = lambda v: h - pad - (v - y0) / ((y1 - y0) or 1) * (h - 2 * pad)  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
             f'<rect width="{w}" height="{h}" fill="white"/>',
             f'<text x="{w / 2}" y="22" text-anchor="middle" font-size="14">{title}</text>',
             f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="black"/>',
             f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{h - pad}" stroke="black"/>',
             f'<text x="{w / 2}" y="{h - 20}" text-anchor="middle">{xlabel}</text>',
             f'<text x="16" y="{h / 2}" transform="rotate(-90 16 {h / 2})" text-anchor="middle">test accuracy (%)</text>']
    for k in range(5):
        vx, vy = x0 + (x1 - x0) * k / 4, y0 + (y1 - y0) * k / 4
        parts.append(f'<text x="{sx(vx):.1f}" y="{h - pad + 16}" text-anchor="middle">{vx:.3g}</text>')
        parts.append(f'<text x="{pad - 6}" y="{sy(vy) + 4:.1f}" text-anchor="end">{vy:.1f}</text>')
    return parts, sx, sy


def svg_plot(series, path, title):
    """Test accuracy against the re-tuned design's latency, one point per DSP budget, one line per
    series: [(label, [result, ...]), ...]."""
    w, pad = 560, 64
    pts_all = [p for _, pts in series for p in pts]
    parts, sx, sy = svg_axes([p["latency_ms"] for p in pts_all], [p["test_accuracy"] * 100 for p in pts_all], title,
                             "latency of the re-tuned design (ms)", w=w, pad=pad)
    for s_i, (label, pts) in enumerate(series):
        c = COLOURS[s_i % len(COLOURS)]
        pts = sorted(pts, key=lambda p: p["latency_ms"])
        parts.append(f'<polyline fill="none" stroke="{c}" stroke-width="1.5" points="' +
                     " ".join(f'{sx(p["latency_ms"]):.1f},{sy(p["test_accuracy"] * 100):.1f}' for p in pts) + '"/>')
        for p in pts:
            x, y = sx(p["latency_ms"]), sy(p["test_accuracy"] * 100)
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{c}"/>')
            parts.append(f'<text x="{x + 7:.1f}" y="{y - 7:.1f}" fill="{c}">{p["budget"]:g} DSPs</text>')
        parts.append(f'<rect x="{w - pad - 150}" y="{pad + 18 * s_i - 9}" width="10" height="10" fill="{c}"/>')
        parts.append(f'<text x="{w - pad - 135}" y="{pad + 18 * s_i}">{label}</text>')
    parts.append("</svg>")
    pathlib.Path(path).write_text("\n".join(parts) + "\n")


def add_search_arguments(ap):
    """The data, search and training options this script shares with compare_searches.py."""
    ap.add_argument("--digits", action="store_true", help="sklearn's digits (8x8, 1797 images) instead of Fashion-MNIST")
    ap.add_argument("--steps", type=int, default=None, help="search steps (a weight step, then an architecture step)")
    ap.add_argument("--train-steps", type=int, default=None, help="training steps of each derived network")
    ap.add_argument("--warmup", type=int, default=None, help="weight-only steps before architecture steps begin")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=0.05, help="the weights' SGD learning rate")
    ap.add_argument("--arch-lr", type=float, default=0.05, help="Adam's rate for theta and the implementation's logits")
    ap.add_argument("--pf-lr", type=float, default=0.1, help="Adam's rate for the FPGA's parallel factors")
    ap.add_argument("--tau0", type=float, default=5.0, help="Gumbel-softmax temperature at the start")
    ap.add_argument("--tau-decay", type=float, default=None, help="per step (default: reaches --tau-min at the last step)")
    ap.add_argument("--tau-min", type=float, default=0.5)
    ap.add_argument("--beta", type=float, default=1.0, help="EDD Eq. 1's resource penalty weight")
    ap.add_argument("--C", type=float, default=1.05, help="EDD Eq. 1's penalty base")
    ap.add_argument("--clock-mhz", type=float, default=200.0)
    ap.add_argument("--n-train", type=int, default=20000, help="Fashion-MNIST training images (the rest validate)")
    ap.add_argument("--n-val", type=int, default=5000)
    ap.add_argument("--threads", type=int, default=2)


def fill_defaults(args):
    """The per-data-set defaults of the options left out (digits: a minute's run), and the
    temperature decay that reaches tau_min at the last step."""
    d = args.digits
    args.steps = args.steps or (200 if d else 800)
    args.train_steps = args.train_steps or (300 if d else 1500)
    args.warmup = args.warmup if args.warmup is not None else (60 if d else 200)
    args.tau_decay = args.tau_decay or math.exp(math.log(args.tau_min / args.tau0) / max(1, args.steps - args.warmup))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_search_arguments(ap)
    ap.add_argument("--budgets", type=float, nargs="+", default=[16, 64, 256], help="DSP budgets RES_ub (one search each)")
    ap.add_argument("--bits", type=int, nargs="+", default=[4, 8, 16],
                    help="weight bit-widths to search (EDD: 4 8 16; 4-bit IPs use no DSPs in EDD's model)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--svg", help="write the accuracy-latency plot here")
    ap.add_argument("--plot", nargs="+", metavar="RESULT.json",
                    help="only draw --svg from earlier --json results (one line each)")
    args = ap.parse_args()
    if args.plot:
        runs = [json.loads(pathlib.Path(f).read_text()) for f in args.plot]
        svg_plot([(f'bits {r.get("bits", [4, 8, 16])}', r["results"]) for r in runs], args.svg or "plot.svg",
                 f"nais co-search on {runs[0]['data']}: accuracy vs latency (recursive FPGA)")
        return
    torch.set_num_threads(args.threads)
    BITS[:] = sorted(set(args.bits))
    if any(b < 2 or b > 16 for b in BITS):
        ap.error("--bits: bit-widths must be in 2..16")
    fill_defaults(args)
    d = args.digits
    setting = settings(d)
    t0 = time.time()
    train, val, test = load_digits(args.seed) if d else load_fashion(args.seed, args.n_train, args.n_val)
    name = "digits" if d else "Fashion-MNIST"
    print(f"{name}: {len(train[1])} training, {len(val[1])} validation, {len(test[1])} test images; "
          f"{len(setting['blocks'])} blocks x {len(OPS)} ops x bits {BITS}; {args.steps} search steps")
    results = []
    for budget in args.budgets:
        t = time.time()
        spec, clamp = fpga_spec(args, setting, budget)
        design, history, _ = search(args, setting, train, val, spec, args.seed, clamp=clamp)
        t_search = time.time() - t
        t = time.time()
        acc = train_derived(args, setting, design, train, test, args.seed)
        t_train = time.time() - t
        ret = design["retuned"]
        rep = ret.get("report", design["searched"])
        ops = ", ".join(f"k{OPS[o][0]}e{OPS[o][1]}" for o in design["ops"])
        print(f"RES_ub {budget:g} DSPs: ops [{ops}], bits per op type {design['bits']}, searched pf {design['pf']}"
              f" -> re-tuned pf {ret.get('pf', '-')}: {rep['latency_cycles']:.0f} cycles = {rep['latency_ms']:.4f} ms,"
              f" {rep['dsp']:g} DSPs ({'met' if rep['budget_met'] else 'NOT met'}); test accuracy {acc * 100:.2f}%"
              f" (search {t_search:.1f} s, retraining {t_train:.1f} s)")
        if history:
            h0, h1 = history[0], history[-1]
            print(f"  L {h0['loss']:.3f} -> {h1['loss']:.3f}, Acc_loss {h0['acc_loss']:.3f} -> {h1['acc_loss']:.3f},"
                  f" Perf_loss {h0['perf_loss']:.3f} -> {h1['perf_loss']:.3f}, RES {h0['res']:.1f} -> {h1['res']:.1f}")
        results.append({"budget": budget, "ops": design["ops"], "bits": design["bits"], "pf": ret.get("pf", design["pf"]),
                        "latency_cycles": rep["latency_cycles"], "latency_ms": rep["latency_ms"], "dsp": rep["dsp"],
                        "budget_met": rep["budget_met"], "test_accuracy": acc, "search_s": t_search, "train_s": t_train})
    print(f"total {time.time() - t0:.1f} s")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({"data": name, "bits": BITS, "results": results}, indent=1) + "\n")
    if args.svg:
        svg_plot([(f"bits {BITS}", results)], args.svg, f"nais co-search on {name}: accuracy vs latency (recursive FPGA)")


if __name__ == "__main__":
    main()
