#!/usr/bin/env python3
"""The cost of one hardware-term call from Python: nais.torch.HardwareLoss (nais's C++ forward and
hand-written backward behind one torch.autograd.Function) against the same loss written in plain
PyTorch autograd (python/tests/plain_fpga.py), in the same process, on the same point, after
checking that both give the same loss and gradients. Also: nais.Session.evaluate alone (NumPy
in, no torch) and nais.torch.expected_cost.

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_python.py      (scripts/bench.sh runs it)

Prints per case the best-of-7 microseconds per call of forward + backward and the ratio
plain / nais (above 1: nais is faster). One thread (torch.set_num_threads(1)).
"""
import pathlib
import sys
import time

import torch

import nais.torch as nt

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "python" / "tests"))
from plain_fpga import plain_torch_fpga  # noqa: E402

# EDD's default space (nais::proxyless_space): 20 MBConv blocks x 9 ops x {4, 8, 16} bits
STAGES = [(16, 24, 112, 2), (24, 40, 56, 2), (40, 80, 28, 2), (80, 96, 14, 1), (96, 192, 14, 2)]


def edd_blocks():
    blocks = []
    for cin, cout, size, stride in STAGES:
        blocks.append(dict(cin=cin, cout=cout, h=size, w=size, stride=stride))
        out = -(-size // stride)
        blocks += [dict(cin=cout, cout=cout, h=out, w=out, stride=1)] * 3
    return blocks


def spec(device, blocks):
    return {"device": device, "blocks": blocks, "bits": [4, 8, 16], "hard": False,
            "ops": [{"kernel": k, "expand": e} for k in (3, 5, 7) for e in (4, 5, 6)],
            "tau": 1.0, "alpha": 1e-7, "beta": 1.0, "C": 1.01, "res_ub": 2520.0,
            **({"lse_smoothness": 1e5} if device == "fpga-pipelined" else {})}


class _Empty(torch.autograd.Function):
    """The floor of any autograd.Function: a scalar out, precomputed gradients back."""

    @staticmethod
    def forward(ctx, *xs):
        ctx.grads = [torch.zeros_like(x) for x in xs]
        return xs[0].new_zeros(())

    @staticmethod
    def backward(ctx, g):
        return tuple(ctx.grads)


def best_us(f, calls):
    f()
    best = float("inf")
    for _ in range(7):
        t = time.perf_counter()
        for _ in range(calls):
            f()
        best = min(best, (time.perf_counter() - t) / calls)
    return best * 1e6


def case(name, s, calls):
    hw = nt.HardwareLoss(s)
    n, m, q = len(s["blocks"]), len(s["ops"]), len(s["bits"])
    g = torch.Generator().manual_seed(1)
    shared = s["device"] == "fpga-recursive"
    theta = torch.randn(n, m, generator=g, dtype=torch.float64)
    phi = torch.randn(*((m, q) if shared else (n, m, q)), generator=g, dtype=torch.float64)
    pf = torch.full((m,) if shared else (n, m), 6.0, dtype=torch.float64)
    noise = {"theta": torch.randn(n, m, generator=g, dtype=torch.float64), "phi": torch.zeros_like(phi)}
    acc = torch.tensor(2.3, dtype=torch.float64)
    xs = [t.clone().requires_grad_() for t in (theta, phi, pf)]
    ys = [t.clone().requires_grad_() for t in (theta, phi, pf)]

    def ours():
        for x in xs:
            x.grad = None
        out = hw(*xs, acc_loss=acc, noise=noise)["loss"]
        out.backward()
        return out

    def plain():
        for y in ys:
            y.grad = None
        out = plain_torch_fpga(s, *ys, acc, noise)["loss"]
        out.backward()
        return out

    a, b = ours(), plain()
    assert torch.allclose(a, b, rtol=1e-10), (a, b)
    for x, y in zip(xs, ys):
        assert torch.allclose(x.grad, y.grad, rtol=1e-8, atol=1e-14)
    session = hw.session
    arrays = {k: v.numpy() for k, v in zip(("theta", "phi", "pf"), (theta, phi, pf))}

    def raw():
        for k, v in arrays.items():
            session.set_variable(k, v)
        return session.evaluate()

    zs = [t.clone().requires_grad_() for t in (theta, phi, pf)]

    def floor():
        for z in zs:
            z.grad = None
        _Empty.apply(*zs).backward()

    t_ours, t_plain, t_raw, t_floor = best_us(ours, calls), best_us(plain, calls), best_us(raw, calls), best_us(floor, calls)
    print(f"{name:<34} {n:>3} x {m} x {q}  nais.torch {t_ours:8.1f} us  plain torch {t_plain:8.1f} us"
          f"  plain/nais {t_plain / t_ours:5.2f}   Session.evaluate {t_raw:7.1f} us  empty Function {t_floor:6.1f} us"
          f"  nais.torch / (evaluate + empty) {t_ours / (t_raw + t_floor):5.2f}")


def overhead_case(name, s, base_dir, calls, start=None):
    """nais.torch against Session.evaluate + the empty Function's floor, for any device's spec
    (`start`: values of continuous variables to start near)."""
    start = start or {}
    hw = nt.HardwareLoss(s, base_dir)
    g = torch.Generator().manual_seed(2)
    values, noise = {}, {}
    for vname, shape, sampled in hw.variables:
        if sampled:
            x = torch.randn(shape, generator=g, dtype=torch.float64)
        elif vname in start:  # a continuous design given by the example spec: near it
            x = torch.tensor(start[vname], dtype=torch.float64).reshape(shape) + 0.1 * torch.rand(shape, generator=g, dtype=torch.float64)
        else:  # parallel factors around 3
            x = 3 + torch.rand(shape, generator=g, dtype=torch.float64)
        values[vname] = x.requires_grad_()
        if sampled:
            noise[vname] = torch.zeros(shape, dtype=torch.float64)
    acc = torch.tensor(2.3, dtype=torch.float64)

    def ours():
        for v in values.values():
            v.grad = None
        hw(**values, acc_loss=acc, noise=noise)["loss"].backward()

    session = hw.session
    arrays = {k: v.detach().numpy() for k, v in values.items()}

    def raw():
        for k, v in arrays.items():
            session.set_variable(k, v)
        return session.evaluate()

    zs = list(values.values())

    def floor():
        for z in zs:
            z.grad = None
        _Empty.apply(*zs).backward()

    t_ours, t_raw, t_floor = best_us(ours, calls), best_us(raw, calls), best_us(floor, calls)
    print(f"{name:<34} nais.torch {t_ours:8.1f} us   Session.evaluate {t_raw:7.1f} us  empty Function {t_floor:6.1f} us"
          f"  nais.torch / (evaluate + empty) {t_ours / (t_raw + t_floor):5.2f}")


VARIABLES = ("theta", "phi", "pf", "phi_act", "log2_design", "pe_x", "pe_y", "rf", "dataflow", "assignment", "log2_scale",
             "acc_loss", "gumbel")


def bare_cli_spec(file, **changes):
    """A spec file (under the project's root) without its variables; and the variables it had."""
    import json
    root = pathlib.Path(__file__).resolve().parents[1]
    spec = json.loads((root / file).read_text())
    given = {k: spec.pop(k) for k in VARIABLES if k in spec}
    spec.update(changes)
    return spec, given


def main():
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}; forward + backward per call, best of 7")
    small = edd_blocks()[:2]
    case("fpga-recursive, 2 blocks", spec("fpga-recursive", small), 2000)
    case("fpga-recursive, EDD default space", spec("fpga-recursive", edd_blocks()), 1000)
    case("fpga-pipelined, EDD default space", spec("fpga-pipelined", edd_blocks()), 1000)
    hw = nt.HardwareLoss(spec("fpga-recursive", edd_blocks()))
    p = torch.softmax(torch.randn(20, 9, dtype=torch.float64), 1).requires_grad_()
    qp = torch.softmax(torch.randn(9, 3, dtype=torch.float64), 1).requires_grad_()
    pf = torch.full((9,), 6.0, dtype=torch.float64, requires_grad=True)

    def cost():
        c = nt.expected_cost(hw, {"theta": p, "phi": qp}, pf=pf)
        (c["perf_loss"] + 1e-3 * c["res"]).backward()

    print(f"{'expected_cost (Perf and RES), EDD space':<34}  nais.torch {best_us(cost, 500):8.1f} us")
    root = pathlib.Path(__file__).resolve().parents[1]
    for file in ("tests/cli/recursive.json", "tests/cli/pipelined.json", "tests/cli/gpu.json", "tests/cli/loom.json",
                 "examples/tiled/cosearch_small.json", "examples/bundle/cosearch_small.json",
                 "examples/mapping/cosearch_small.json", "examples/dataflow/cosearch_small.json"):
        s, given = bare_cli_spec(file, hard=False)
        overhead_case(f"{s['device']} ({file})", s, str((root / file).parent), 1000,
                      {k: v for k, v in given.items() if k in ("log2_design", "log2_scale")})


if __name__ == "__main__":
    main()
