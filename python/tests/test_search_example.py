"""examples/python/search_fashion_mnist.py end to end on sklearn's digits, shortened: the supernet
trains, the architecture steps lower Eq. 1, the derived design is evaluated and re-tuned by
nais, and the derived network is retrained and tested."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import nais

from conftest import SOURCE

pytest.importorskip("sklearn")


def test_digits_search_runs_end_to_end(tmp_path):
    out = tmp_path / "result.json"
    package_dir = os.path.dirname(os.path.dirname(nais.__file__))  # the nais these tests import
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join(filter(None, [package_dir, os.environ.get("PYTHONPATH")])))
    run = subprocess.run([sys.executable, str(SOURCE / "examples" / "python" / "search_fashion_mnist.py"), "--digits",
                          "--threads", "1", "--budgets", "64", "--steps", "80", "--warmup", "30", "--train-steps", "120",
                          "--json", str(out)], capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "RES_ub 64 DSPs: ops [" in run.stdout
    result = json.loads(out.read_text())["results"][0]
    assert len(result["ops"]) == 4 and len(result["bits"]) == 4
    assert result["budget_met"] and result["dsp"] <= 64
    assert result["latency_cycles"] > 0
    assert result["test_accuracy"] > 0.5  # ten classes: chance is 0.1
    first, last = (float(v) for v in run.stdout.split("  L ")[1].split(",")[0].split(" -> "))
    assert last < first


def test_compare_searches_runs_end_to_end(tmp_path):
    """examples/python/compare_searches.py shortened: co-search, the sequential flow and random
    networks each search (or draw), get an implementation within the budget, train and test;
    the table and the plot are written. The exact best implementation of co-search's own ops
    (nais.sweep over bits and pf) is at least as fast as co-search's re-tuned design."""
    out, svg, md = tmp_path / "r.json", tmp_path / "r.svg", tmp_path / "r.md"
    package_dir = os.path.dirname(os.path.dirname(nais.__file__))
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join(filter(None, [package_dir, os.environ.get("PYTHONPATH")])))
    script = SOURCE / "examples" / "python" / "compare_searches.py"
    run = subprocess.run([sys.executable, str(script), "--digits", "--threads", "1", "--seeds", "1", "--budgets", "32",
                          "--steps", "40", "--warmup", "15", "--train-steps", "60", "--random-networks", "2",
                          "--json", str(out), "--svg", str(svg), "--table", str(md)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    results = json.loads(out.read_text())["results"]
    assert [r["method"] for r in results] == ["co-search", "sequential", "random"]
    for r in results:
        assert len(r["ops"]) == 4 and 0 < r["res"] <= 32 and r["latency_ms"] > 0
        assert r["test_accuracy"] > 0.3  # ten classes: chance is 0.1
        assert set(r["bits_of_op"].values()) <= {8, 16}
    assert results[2]["networks_trained"] == 2
    assert md.read_text().count("\n| 32 |") == 3 and svg.read_text().startswith("<svg")
    sys.path.insert(0, str(script.parent))
    import compare_searches  # noqa: E402

    class Args:
        clock_mhz, threads = 200.0, 1

    compare_searches.edd.BITS[:] = [8, 16]
    setting = compare_searches.edd.settings(True)
    best = compare_searches.Fpga(Args).best_implementation(Args, setting, results[0]["ops"], 32)
    assert best["res"] <= 32 and best["latency_ms"] <= results[0]["latency_ms"] * (1 + 1e-12)


def test_compare_searches_on_dataflow_accelerators(tmp_path):
    """The same comparison on DANCE's accelerators (theta with PE X, PE Y, RF and dataflow
    logits; an area budget), energy-oriented, shortened. Every design is the exact best
    accelerator of its network within the budget: checked against every point of the space."""
    out, svg, md = tmp_path / "r.json", tmp_path / "r.svg", tmp_path / "r.md"
    package_dir = os.path.dirname(os.path.dirname(nais.__file__))
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join(filter(None, [package_dir, os.environ.get("PYTHONPATH")])))
    script = SOURCE / "examples" / "python" / "compare_searches.py"
    run = subprocess.run([sys.executable, str(script), "--device", "dataflow", "--objective", "energy", "--digits",
                          "--threads", "1", "--seeds", "1", "--budgets", "0.5", "--steps", "40", "--warmup", "15",
                          "--train-steps", "60", "--random-networks", "2", "--json", str(out), "--svg", str(svg),
                          "--table", str(md)], capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    doc = json.loads(out.read_text())
    assert doc["device"] == "dataflow" and doc["objective"] == "energy"
    results = doc["results"]
    assert [r["method"] for r in results] == ["co-search", "sequential", "random"]
    assert "energy uJ" in md.read_text() and md.read_text().count("\n| 0.5 |") == 3 and svg.read_text().startswith("<svg")
    assert "co_searched" in results[0]  # the co-searched accelerator, kept beside the exact best
    assert [r["block"] for r in doc["op_rankings"]] == [0, 1, 2, 3]
    assert all(r["of"] == 192 and sum(r["cheapest"]) == 192 and 1 <= r["accelerators"] <= 192 for r in doc["op_rankings"])
    sys.path.insert(0, str(script.parent))
    import compare_searches  # noqa: E402

    class Args:
        objective, tau0, beta, C = "energy", 1.0, 1.0, 1.05

    edd = compare_searches.edd
    edd.BITS[:] = [16]
    setting = edd.settings(True)
    for r in results:
        assert r["test_accuracy"] > 0.3 and 0 < r["res"] <= 0.5 and r["energy_uj"] > 0 and r["latency_ms"] > 0
    # the exact best within 0.5 mm^2: no point of DANCE's 192 that fits costs less energy (each
    # point a space of its own, without a budget; its figures are the network's on that point)
    spec = compare_searches.Dataflow(Args).spec(Args, setting, 1e9)[0]
    points = [dict(spec, hardware={"pe_x": [x], "pe_y": [y], "rf": [rf], "dataflows": [flow]})
              for x in (8, 12, 16, 24) for y in (8, 12, 16, 24) for rf in (16, 64, 256, 512) for flow in ("WS", "OS", "RS")]
    sessions = [nais.Session(p) for p in points]
    for r in results:
        assert r["test_accuracy"] > 0.3 and 0 < r["res"] <= 0.5 and r["energy_uj"] > 0 and r["latency_ms"] > 0
        theta = np.full((4, len(edd.OPS)), -1.0)
        theta[np.arange(4), r["ops"]] = 0.0
        energies = []
        for s in sessions:
            s.set_variable("theta", theta)
            f = s.design(200.0)["best"]["figures"]
            if f["mm2"] <= 0.5:
                energies.append(f["uj"])
        assert len(energies) < len(sessions) and r["energy_uj"] == min(energies)
