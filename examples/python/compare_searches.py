#!/usr/bin/env python3
"""Does co-search pay? EDD's co-search against the two flows it argues against, on the same data,
supernet, seeds and DSP budgets, with bit-widths whose DSPs cost something (8 and 16 bits: EDD's
Psi(q) is 1/2 and 1 there, 0 at 4 bits), so the budget binds:

  co-search   EDD Sec. 5: theta, phi (bits) and pf by gradient through Eq. 1 with a real Acc_loss,
              then derive and re-tune pf exactly under the budget (search_fashion_mnist.search)
  sequential  hardware-aware NAS with the implementation fixed at its initial value (phi uniform,
              pf = log2(RES_ub / #IPs)): only theta learns; then the implementation is tuned
              afterwards, exactly: nais.sweep over every IP's bit-width and pf with the ops fixed,
              the fastest design within the budget
  random      N random networks (an op per block drawn uniformly), each with its exact best
              implementation (the same sweep), trained; the one with the best validation accuracy

Every derived network is trained from scratch with its bits and tested. The latency is the
recursive FPGA model's (EDD Eq. 9-13) for the final design, at 200 MHz.

    /usr/bin/python3 examples/python/compare_searches.py --digits --seeds 1 2 3 --json r.json --svg r.svg
    /usr/bin/python3 examples/python/compare_searches.py --plot r.json --svg r.svg --table r.md
"""
import argparse
import json
import math
import pathlib
import random
import statistics
import sys
import time

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import search_fashion_mnist as edd  # noqa: E402 - the supernet, the data and EDD's search

import nais  # noqa: E402

METHODS = ["co-search", "sequential", "random"]


def best_implementation(args, setting, ops, budget):
    """The fastest exact design of the ops within the budget: an exhaustive nais.sweep over every
    IP's bit-width and pf (op types no block uses cost nothing and are left at the base)."""
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
    bits = {op: b for op, b in zip(best["ops"], best["bits"])}
    return {"bits_of_op": bits, "latency_ms": best["latency_ms"], "dsp": best["dsp"],
            "pf": {op: p for op, p in zip(best["ops"], best["pf"])}}


def run_one(args, setting, data, budget, seed, method):
    train, val, test = data
    t = time.time()
    if method == "random":
        rng = random.Random(seed * 7919 + int(budget))
        candidates = []
        for _ in range(args.random_networks):
            ops = [rng.randrange(len(edd.OPS)) for _ in setting["blocks"]]
            impl = best_implementation(args, setting, ops, budget)
            if impl is None:
                continue
            val_acc, test_acc = edd.train_network(args, setting, ops, impl["bits_of_op"], train, seed, [val, test])
            candidates.append((val_acc, test_acc, ops, impl))
        val_acc, test_acc, ops, impl = max(candidates, key=lambda c: c[0])
        result = {"ops": ops, "bits_of_op": impl["bits_of_op"], "latency_ms": impl["latency_ms"], "dsp": impl["dsp"],
                  "val_accuracy": val_acc, "test_accuracy": test_acc, "networks_trained": len(candidates)}
    else:
        design, history, _ = edd.search(args, setting, train, val, budget, seed,
                                        learn_implementation=method == "co-search")
        ops = design["ops"]
        if method == "co-search":  # EDD's own conclusion: derived bits, pf re-tuned exactly
            rep = design["retuned"].get("report", design["searched"])
            bits = {b["op"]: b["bits"] for b in design["searched"]["blocks"]}
            impl = {"bits_of_op": bits, "latency_ms": rep["latency_ms"], "dsp": rep["dsp"]}
        else:  # the implementation tuned afterwards, exactly
            impl = best_implementation(args, setting, ops, budget)
        val_acc, test_acc = edd.train_network(args, setting, ops, impl["bits_of_op"], train, seed, [val, test])
        result = {"ops": ops, "bits_of_op": impl["bits_of_op"], "latency_ms": impl["latency_ms"], "dsp": impl["dsp"],
                  "val_accuracy": val_acc, "test_accuracy": test_acc,
                  "loss_first_last": [history[0]["loss"], history[-1]["loss"]] if history else None}
    result.update({"method": method, "budget": budget, "seed": seed, "seconds": time.time() - t})
    result["bits_of_op"] = {str(k): v for k, v in result["bits_of_op"].items()}
    return result


# ------------------------------------------------------------------------------------- output
COLOURS = {"co-search": "#3366cc", "sequential": "#dc3912", "random": "#109618"}


def summary(results):
    """Mean and sample deviation per (method, budget)."""
    rows = {}
    for r in results:
        rows.setdefault((r["method"], r["budget"]), []).append(r)
    out = []
    for (method, budget), rs in sorted(rows.items(), key=lambda kv: (kv[0][1], METHODS.index(kv[0][0]))):
        acc = [r["test_accuracy"] * 100 for r in rs]
        lat = [r["latency_ms"] for r in rs]
        sd = lambda v: statistics.stdev(v) if len(v) > 1 else 0.0  # noqa: E731
        out.append({"method": method, "budget": budget, "seeds": len(rs), "acc_mean": statistics.mean(acc),
                    "acc_sd": sd(acc), "lat_mean": statistics.mean(lat), "lat_sd": sd(lat),
                    "dsp_max": max(r["dsp"] for r in rs)})
    return out


def table(results):
    lines = ["| DSP budget | method | seeds | test accuracy % (mean ± sd) | latency ms (mean ± sd) | max DSPs used |",
             "|---:|---|---:|---:|---:|---:|"]
    for s in summary(results):
        lines.append(f"| {s['budget']:g} | {s['method']} | {s['seeds']} | {s['acc_mean']:.2f} ± {s['acc_sd']:.2f} | "
                     f"{s['lat_mean']:.4f} ± {s['lat_sd']:.4f} | {s['dsp_max']:g} |")
    return "\n".join(lines) + "\n"


def svg_plot(results, path, title):
    """Test accuracy against latency: one point per (method, budget, seed), a cross at each
    (method, budget) mean; one colour per method."""
    w, pad = 640, 70
    parts, sx, sy = edd.svg_axes([r["latency_ms"] for r in results], [r["test_accuracy"] * 100 for r in results], title,
                                 "latency of the final design (ms, recursive FPGA model)", w=w, h=420, pad=pad,
                                 x_margin=1.1)
    for r in results:
        c = COLOURS[r["method"]]
        parts.append(f'<circle cx="{sx(r["latency_ms"]):.1f}" cy="{sy(r["test_accuracy"] * 100):.1f}" r="3" '
                     f'fill="{c}" fill-opacity="0.45"/>')
    for s in summary(results):
        x, y, c = sx(s["lat_mean"]), sy(s["acc_mean"]), COLOURS[s["method"]]
        parts.append(f'<path d="M{x - 6:.1f},{y:.1f}h12M{x:.1f},{y - 6:.1f}v12" stroke="{c}" stroke-width="2.5"/>')
        parts.append(f'<text x="{x + 8:.1f}" y="{y - 6:.1f}" fill="{c}" font-size="10">{s["budget"]:g}</text>')
    for k, method in enumerate(METHODS):
        parts.append(f'<rect x="{w - pad - 170}" y="{pad + 18 * k - 9}" width="10" height="10" fill="{COLOURS[method]}"/>')
        parts.append(f'<text x="{w - pad - 155}" y="{pad + 18 * k}">{method}</text>')
    parts.append(f'<text x="{w - pad - 170}" y="{pad + 18 * len(METHODS)}" font-size="10">+ mean per DSP budget (labelled)</text>')
    parts.append("</svg>")
    pathlib.Path(path).write_text("\n".join(parts) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--digits", action="store_true", help="sklearn's digits instead of Fashion-MNIST")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--budgets", type=float, nargs="+", default=[16, 32, 64], help="DSP budgets RES_ub")
    ap.add_argument("--methods", nargs="+", default=METHODS, choices=METHODS)
    ap.add_argument("--random-networks", type=int, default=4, help="random networks per (budget, seed)")
    ap.add_argument("--bits", type=int, nargs="+", default=[8, 16], help="bit-widths (8 and 16 cost DSPs in EDD's model)")
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--train-steps", type=int, default=None)
    ap.add_argument("--warmup", type=int, default=None)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--arch-lr", type=float, default=0.05)
    ap.add_argument("--pf-lr", type=float, default=0.1)
    ap.add_argument("--tau0", type=float, default=5.0)
    ap.add_argument("--tau-min", type=float, default=0.5)
    ap.add_argument("--beta", type=float, default=1.0)
    ap.add_argument("--C", type=float, default=1.05)
    ap.add_argument("--clock-mhz", type=float, default=200.0)
    ap.add_argument("--n-train", type=int, default=20000)
    ap.add_argument("--n-val", type=int, default=5000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", help="write every run's result here")
    ap.add_argument("--svg", help="write the accuracy-latency plot here")
    ap.add_argument("--table", help="write the Markdown table here")
    ap.add_argument("--plot", metavar="RESULT.json", help="only draw --svg / --table from an earlier --json")
    args = ap.parse_args()
    if args.plot:
        doc = json.loads(pathlib.Path(args.plot).read_text())
        results, name = doc["results"], doc["data"]
        edd.BITS[:] = doc["bits"]
    else:
        torch.set_num_threads(args.threads)
        edd.BITS[:] = sorted(set(args.bits))
        d = args.digits
        args.steps = args.steps or (200 if d else 800)
        args.train_steps = args.train_steps or (300 if d else 1500)
        args.warmup = args.warmup if args.warmup is not None else (60 if d else 200)
        args.tau_decay = math.exp(math.log(args.tau_min / args.tau0) / max(1, args.steps - args.warmup))
        setting = edd.settings(d)
        name = "digits" if d else "Fashion-MNIST"
        results = []
        t0 = time.time()
        for seed in args.seeds:
            data = edd.load_digits(seed) if d else edd.load_fashion(seed, args.n_train, args.n_val)
            for budget in args.budgets:
                for method in args.methods:
                    r = run_one(args, setting, data, budget, seed, method)
                    results.append(r)
                    print(f"seed {seed}, {budget:g} DSPs, {method:10s}: ops {r['ops']}, bits {r['bits_of_op']}, "
                          f"{r['latency_ms']:.4f} ms, {r['dsp']:g} DSPs, test accuracy {r['test_accuracy'] * 100:.2f}% "
                          f"({r['seconds']:.1f} s)", flush=True)
        print(f"total {time.time() - t0:.1f} s")
        if args.json:
            pathlib.Path(args.json).write_text(json.dumps({"data": name, "bits": edd.BITS, "steps": args.steps,
                                                           "train_steps": args.train_steps, "results": results},
                                                          indent=1) + "\n")
    print(table(results), end="")
    if args.table:
        pathlib.Path(args.table).write_text(table(results))
    if args.svg:
        svg_plot(results, args.svg, f"{name}: co-search against sequential and random (recursive FPGA, bits {edd.BITS})")


if __name__ == "__main__":
    main()
