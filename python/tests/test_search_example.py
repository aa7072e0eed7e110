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
