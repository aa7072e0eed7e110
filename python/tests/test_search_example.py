"""examples/python/search_fashion_mnist.py end to end on sklearn's digits, shortened: the supernet
trains, the architecture steps lower Eq. 1, the derived design is evaluated and re-tuned by
nais, and the derived network is retrained and tested."""
import json
import os
import subprocess
import sys

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
        assert len(r["ops"]) == 4 and 0 < r["dsp"] <= 32 and r["latency_ms"] > 0
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
    best = compare_searches.best_implementation(Args, setting, results[0]["ops"], 32)
    assert best["dsp"] <= 32 and best["latency_ms"] <= results[0]["latency_ms"] * (1 + 1e-12)
