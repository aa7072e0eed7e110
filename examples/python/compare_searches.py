#!/usr/bin/env python3
"""Does co-search pay? EDD's co-search against the two flows it argues against, on the same data,
supernet, seeds and budgets, on two devices:

  --device fpga      EDD's recursive FPGA with bit-widths whose DSPs cost something (8 and 16
                     bits: EDD's Psi(q) is 1/2 and 1 there, 0 at 4 bits), so the DSP budget binds;
                     the implementation is a bit-width (phi) and a parallel factor (pf) per IP
  --device dataflow  DANCE's PE-array accelerators (PE X, PE Y in {8, 12, 16, 24}, RF in {16, 64,
                     256, 512} words, WS / OS / RS: 192 points) under an area budget (mm^2),
                     latency- or energy-oriented (--objective); the implementation is the
                     accelerator, four categoricals sampled by Gumbel-softmax

  co-search   EDD Sec. 5: theta and the implementation by gradient through Eq. 1 with a real
              Acc_loss (search_fashion_mnist.search). FPGA: derive, re-tune pf exactly under the
              budget. Dataflow: derive the network and take its exact best accelerator within the
              budget (the co-searched accelerator, the argmax of its logits, is kept beside it)
  sequential  hardware-aware NAS with the implementation fixed at its initial value (zero logits:
              uniform bits or hardware; pf = log2(RES_ub / #IPs)): only theta learns; then the
              implementation is tuned afterwards, exactly. FPGA: nais.sweep over every IP's
              bit-width and pf with the ops fixed, the fastest design within the budget.
              Dataflow: every accelerator of the space, the best within the budget
  random      N random networks (an op per block drawn uniformly), each with its exact best
              implementation (the same), trained; the one with the best validation accuracy

Every derived network is trained from scratch (with its bits) and tested. The cost is the
device model's for the final design: the recursive FPGA's latency (EDD Eq. 9-13) at 200 MHz, or
the dataflow model's latency or energy (Eyeriss's normalised energies, docs/devices/dataflow.md).

    /usr/bin/python3 examples/python/compare_searches.py --digits --seeds 1 2 3 --json r.json --svg r.svg
    /usr/bin/python3 examples/python/compare_searches.py --device dataflow --objective energy --digits
    /usr/bin/python3 examples/python/compare_searches.py --plot r.json --svg r.svg --table r.md
"""
import argparse
import json
import pathlib
import random
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import search_fashion_mnist as edd  # noqa: E402 - the supernet, the data and EDD's search

import nais  # noqa: E402

METHODS = ["co-search", "sequential", "random"]


class Fpga:
    """EDD's recursive FPGA: DSP budgets; the implementation is a bit-width and a pf per IP."""
    unit, budgets, bits = "DSPs", [16, 32, 64], [8, 16]

    def __init__(self, args):
        self.metric, self.metric_label = "latency_ms", "latency of the final design (ms, recursive FPGA model)"
        self.title = f"recursive FPGA, bits {edd.BITS}"

    def spec(self, args, setting, budget):
        return edd.fpga_spec(args, setting, budget)

    def best_implementation(self, args, setting, ops, budget):
        """The fastest exact design of the ops within the budget: an exhaustive nais.sweep over
        every IP's bit-width and pf (op types no block uses cost nothing and stay at the base)."""
        m = len(edd.OPS)
        spec = {"device": "fpga-recursive", "blocks": setting["blocks"],
                "ops": [{"kernel": k, "expand": e} for k, e in edd.OPS], "bits": edd.BITS, "res_ub": float(budget),
                "sweep": {"mode": "exhaustive", "objectives": ["latency", "dsp"], "clock_mhz": args.clock_mhz, "pf_min": 0,
                          "base": {"op": list(ops), "bits": [edd.BITS[0]] * m, "pf": [0] * m},
                          "free_ips": sorted(set(ops)), "threads": args.threads}}
        front = nais.sweep(spec)["front"]
        if not front:
            return None
        best = min(front, key=lambda p: (p["latency_cycles"], p["dsp"]))
        return {"bits_of_op": {op: b for op, b in zip(best["ops"], best["bits"])}, "latency_ms": best["latency_ms"],
                "res": best["dsp"], "pf": {op: p for op, p in zip(best["ops"], best["pf"])}}

    def co_search_implementation(self, args, setting, design, budget):
        """EDD's own conclusion: the derived bits, pf re-tuned exactly under the budget."""
        rep = design["retuned"].get("report", design["searched"])
        return {"bits_of_op": {b["op"]: b["bits"] for b in design["searched"]["blocks"]},
                "latency_ms": rep["latency_ms"], "res": rep["dsp"]}


class Dataflow:
    """DANCE's PE-array accelerators (PE X, PE Y, RF and dataflow: 192 points), area budgets
    (mm^2); the implementation is the accelerator, latency- or energy-oriented."""
    unit, budgets, bits = "mm^2", [0.5, 1.0], [16]

    def __init__(self, args):
        self.objective = args.objective
        self.metric = "latency_ms" if args.objective == "latency" else "energy_uj"
        self.metric_label = ("latency (ms" if args.objective == "latency" else "energy (uJ, normalised") + \
            ", dataflow model, the exact best accelerator)"
        self.title = f"dataflow accelerators, {args.objective}"
        self.sessions = {}

    def spec(self, args, setting, budget):
        return {"device": "dataflow", "blocks": setting["blocks"], "ops": [{"kernel": k, "expand": e} for k, e in edd.OPS],
                "bits": edd.BITS, "objective": self.objective, "tau": args.tau0, "alpha": 1.0, "beta": args.beta,
                "C": args.C, "res_ub": float(budget)}, None

    @staticmethod
    def _figures(best):
        f = best["figures"]
        return {"latency_ms": f["ms"], "energy_uj": f["uj"], "res": f["mm2"], "hardware": best["hardware"], "bits_of_op": {}}

    def best_implementation(self, args, setting, ops, budget):
        """The exact best accelerator of the ops within the area budget: every point of the
        hardware space evaluated (the session's design of a theta whose argmax is `ops`)."""
        key = (len(setting["blocks"]), budget)
        if key not in self.sessions:
            self.sessions[key] = nais.Session(self.spec(args, setting, budget)[0])
        s = self.sessions[key]
        theta = np.full((len(ops), len(edd.OPS)), -1.0)
        theta[np.arange(len(ops)), ops] = 0.0
        s.set_variable("theta", theta)
        best = s.design(args.clock_mhz)["best"]
        return None if best is None else self._figures(best)

    def op_rankings(self, args, setting):
        """Why the hardware can (or cannot) change the network: per block, how the candidate ops
        rank by the objective on each accelerator of the space (the block's op swapped into a
        network of k3e3 elsewhere; the model's cost is a sum over layers, so the difference is the
        block's). Returns per block the most common ranking, on how many accelerators it holds,
        and how often each op is the cheapest."""
        n, m = len(setting["blocks"]), len(edd.OPS)
        spec = self.spec(args, setting, 1e9)[0]
        space = spec.get("hardware", {})
        points = [(x, y, rf, flow) for x in space.get("pe_x", [8, 12, 16, 24]) for y in space.get("pe_y", [8, 12, 16, 24])
                  for rf in space.get("rf", [16, 64, 256, 512]) for flow in space.get("dataflows", ["WS", "OS", "RS"])]
        figure = "ms" if self.objective == "latency" else "uj"
        cost = np.zeros((len(points), n, m))
        for h, (x, y, rf, flow) in enumerate(points):
            s = nais.Session(dict(spec, hardware={"pe_x": [x], "pe_y": [y], "rf": [rf], "dataflows": [flow]}))
            for i in range(n):
                for op in range(m):
                    theta = np.full((n, m), -1.0)
                    theta[:, 0] = 0.0
                    theta[i] = -1.0
                    theta[i, op] = 0.0
                    s.set_variable("theta", theta)
                    cost[h, i, op] = s.design(args.clock_mhz)["best"]["figures"][figure]
        out = []
        for i in range(n):
            rankings = [tuple(int(v) for v in np.argsort(cost[h, i], kind="stable")) for h in range(len(points))]
            modal = max(set(rankings), key=rankings.count)
            out.append({"block": i, "ranking": list(modal), "accelerators": rankings.count(modal), "of": len(points),
                        "cheapest": np.bincount([r[0] for r in rankings], minlength=m).tolist()})
        return out

    def co_search_implementation(self, args, setting, design, budget):
        """The derived network's exact best accelerator within the budget (the session's design
        computes it); the co-searched accelerator (argmax of its logits) is kept beside it."""
        if design["best"] is None:
            raise RuntimeError(f"no accelerator of the space fits {budget} mm^2")
        out = self._figures(design["best"])
        out["co_searched"] = {"hardware": design["chosen"]["hardware"], **design["chosen"]["figures"]}
        return out


DEVICES = {"fpga": Fpga, "dataflow": Dataflow}


def run_one(args, device, setting, data, budget, seed, method):
    train, val, test = data
    t = time.time()
    if method == "random":
        rng = random.Random(seed * 7919 + int(budget))
        candidates = []
        for _ in range(args.random_networks):
            ops = [rng.randrange(len(edd.OPS)) for _ in setting["blocks"]]
            impl = device.best_implementation(args, setting, ops, budget)
            if impl is None:
                continue
            val_acc, test_acc = edd.train_network(args, setting, ops, impl["bits_of_op"], train, seed, [val, test])
            candidates.append((val_acc, test_acc, ops, impl))
        val_acc, test_acc, ops, impl = max(candidates, key=lambda c: c[0])
        result = dict(impl, ops=ops, val_accuracy=val_acc, test_accuracy=test_acc, networks_trained=len(candidates))
    else:
        spec, clamp = device.spec(args, setting, budget)
        design, history, _ = edd.search(args, setting, train, val, spec, seed, learn_implementation=method == "co-search",
                                        clamp=clamp)
        ops = design["ops"]
        if method == "co-search":
            impl = device.co_search_implementation(args, setting, design, budget)
        else:  # the implementation tuned afterwards, exactly
            impl = device.best_implementation(args, setting, ops, budget)
        val_acc, test_acc = edd.train_network(args, setting, ops, impl["bits_of_op"], train, seed, [val, test])
        result = dict(impl, ops=ops, val_accuracy=val_acc, test_accuracy=test_acc,
                      loss_first_last=[history[0]["loss"], history[-1]["loss"]] if history else None)
    result.update({"method": method, "budget": budget, "seed": seed, "seconds": time.time() - t})
    result["bits_of_op"] = {str(k): v for k, v in result["bits_of_op"].items()}
    return result


# ------------------------------------------------------------------------------------- output
COLOURS = {"co-search": "#3366cc", "sequential": "#dc3912", "random": "#109618"}


def summary(results, metric):
    """Mean and sample deviation of test accuracy and `metric` per (method, budget)."""
    rows = {}
    for r in results:
        rows.setdefault((r["method"], r["budget"]), []).append(r)
    out = []
    for (method, budget), rs in sorted(rows.items(), key=lambda kv: (kv[0][1], METHODS.index(kv[0][0]))):
        acc = [r["test_accuracy"] * 100 for r in rs]
        cost = [r[metric] for r in rs]
        sd = lambda v: statistics.stdev(v) if len(v) > 1 else 0.0  # noqa: E731
        out.append({"method": method, "budget": budget, "seeds": len(rs), "acc_mean": statistics.mean(acc),
                    "acc_sd": sd(acc), "cost_mean": statistics.mean(cost), "cost_sd": sd(cost),
                    "res_max": max(r["res"] for r in rs)})
    return out


def table(results, device):
    name = device.metric.replace("_ms", " ms").replace("_uj", " uJ")
    lines = [f"| budget ({device.unit}) | method | seeds | test accuracy % (mean ± sd) | {name} (mean ± sd) | "
             f"max {device.unit} used |", "|---:|---|---:|---:|---:|---:|"]
    for s in summary(results, device.metric):
        lines.append(f"| {s['budget']:g} | {s['method']} | {s['seeds']} | {s['acc_mean']:.2f} ± {s['acc_sd']:.2f} | "
                     f"{s['cost_mean']:.4g} ± {s['cost_sd']:.2g} | {s['res_max']:.4g} |")
    return "\n".join(lines) + "\n"


def svg_plot(results, device, path, title):
    """Test accuracy against the device's metric (latency or energy): one point per (method,
    budget, seed), a cross at each (method, budget) mean; one colour per method."""
    w, pad, metric = 640, 70, device.metric
    parts, sx, sy = edd.svg_axes([r[metric] for r in results], [r["test_accuracy"] * 100 for r in results], title,
                                 device.metric_label, w=w, h=420, pad=pad, x_margin=1.1)
    for r in results:
        c = COLOURS[r["method"]]
        parts.append(f'<circle cx="{sx(r[metric]):.1f}" cy="{sy(r["test_accuracy"] * 100):.1f}" r="3" '
                     f'fill="{c}" fill-opacity="0.45"/>')
    for s in summary(results, metric):
        x, y, c = sx(s["cost_mean"]), sy(s["acc_mean"]), COLOURS[s["method"]]
        parts.append(f'<path d="M{x - 6:.1f},{y:.1f}h12M{x:.1f},{y - 6:.1f}v12" stroke="{c}" stroke-width="2.5"/>')
        parts.append(f'<text x="{x + 8:.1f}" y="{y - 6:.1f}" fill="{c}" font-size="10">{s["budget"]:g}</text>')
    for k, method in enumerate(METHODS):
        parts.append(f'<rect x="{w - pad - 170}" y="{pad + 18 * k - 9}" width="10" height="10" fill="{COLOURS[method]}"/>')
        parts.append(f'<text x="{w - pad - 155}" y="{pad + 18 * k}">{method}</text>')
    parts.append(f'<text x="{w - pad - 170}" y="{pad + 18 * len(METHODS)}" font-size="10">'
                 f'+ mean per budget ({device.unit}, labelled)</text>')
    parts.append("</svg>")
    pathlib.Path(path).write_text("\n".join(parts) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    edd.add_search_arguments(ap)
    ap.add_argument("--device", choices=list(DEVICES), default="fpga",
                    help="fpga: EDD's recursive FPGA (DSP budgets, bits and pf); dataflow: DANCE's accelerators (area budgets)")
    ap.add_argument("--objective", choices=["latency", "energy"], default="latency", help="dataflow: what the hardware term costs")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--budgets", type=float, nargs="+", default=None,
                    help="RES_ub: DSPs (fpga, default 16 32 64) or mm^2 (dataflow, default 0.5 1.0)")
    ap.add_argument("--methods", nargs="+", default=METHODS, choices=METHODS)
    ap.add_argument("--random-networks", type=int, default=4, help="random networks per (budget, seed)")
    ap.add_argument("--bits", type=int, nargs="+", default=None,
                    help="fpga: bit-widths (default 8 16: both cost DSPs in EDD's model); dataflow: one (default 16)")
    ap.add_argument("--json", help="write every run's result here")
    ap.add_argument("--svg", help="write the accuracy-latency plot here")
    ap.add_argument("--table", help="write the Markdown table here")
    ap.add_argument("--plot", metavar="RESULT.json", help="only draw --svg / --table from an earlier --json")
    args = ap.parse_args()
    if args.plot:
        doc = json.loads(pathlib.Path(args.plot).read_text())
        results, name = doc["results"], doc["data"]
        args.device, args.objective = doc.get("device", "fpga"), doc.get("objective", "latency")
        edd.BITS[:] = doc["bits"]
        device = DEVICES[args.device](args)
    else:
        torch.set_num_threads(args.threads)
        cls = DEVICES[args.device]
        edd.BITS[:] = sorted(set(args.bits or cls.bits))
        if args.device == "dataflow" and len(edd.BITS) != 1:
            ap.error("--bits: the dataflow device takes one bit-width (its operands' precision)")
        args.budgets = args.budgets or cls.budgets
        device = cls(args)
        edd.fill_defaults(args)
        d = args.digits
        setting = edd.settings(d)
        name = "digits" if d else "Fashion-MNIST"
        results = []
        t0 = time.time()
        rankings = device.op_rankings(args, setting) if hasattr(device, "op_rankings") else None
        for r in rankings or []:
            print(f"block {r['block']}: ops ranked {r['ranking']} by {device.metric} on {r['accelerators']} of {r['of']} "
                  f"accelerators; cheapest op counts {r['cheapest']}")
        for seed in args.seeds:
            data = edd.load_digits(seed) if d else edd.load_fashion(seed, args.n_train, args.n_val)
            for budget in args.budgets:
                for method in args.methods:
                    r = run_one(args, device, setting, data, budget, seed, method)
                    results.append(r)
                    print(f"seed {seed}, {budget:g} {device.unit}, {method:10s}: ops {r['ops']}, "
                          f"{r.get('hardware') or 'bits ' + str(r['bits_of_op'])}, {device.metric} {r[device.metric]:.4g}, "
                          f"{r['res']:.4g} {device.unit}, test accuracy {r['test_accuracy'] * 100:.2f}% "
                          f"({r['seconds']:.1f} s)", flush=True)
        print(f"total {time.time() - t0:.1f} s")
        if args.json:
            pathlib.Path(args.json).write_text(json.dumps({"data": name, "device": args.device, "objective": args.objective,
                                                           "bits": edd.BITS, "steps": args.steps, "op_rankings": rankings,
                                                           "train_steps": args.train_steps, "results": results},
                                                          indent=1) + "\n")
    print(table(results, device), end="")
    if args.table:
        pathlib.Path(args.table).write_text(table(results, device))
    if args.svg:
        svg_plot(results, device, args.svg, f"{name}: co-search, sequential, random ({device.title})")


if __name__ == "__main__":
    main()
