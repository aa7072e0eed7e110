"""nais.bundle, nais.hotnas, nais.map and nais.sweep: the tools in-process return the document the tool's
--json prints for the same spec, and refuse a bad spec with nais.SpecError naming the key."""
import json
import os
import pathlib
import subprocess

import pytest

import nais
from conftest import CLI, SOURCE

TOOLS_DIR = pathlib.Path(os.environ.get("NAIS_TOOLS_DIR", SOURCE / "build" / "tools"))

CASES = [
    ("bundle", "nais-bundle", SOURCE / "examples" / "bundle" / "skynet.json"),
    ("bundle", "nais-bundle", CLI / "bundle_small.json"),
    ("hotnas", "nais-hotnas", CLI / "hotnas_resnet18_design.json"),
    ("hotnas", "nais-hotnas", CLI / "hotnas_small_target.json"),
    ("map", "nais-map", SOURCE / "examples" / "mapping" / "h2h_three_streams_hetero.json"),
    ("sweep", "nais-sweep", CLI / "sweep_small.json"),
    ("sweep", "nais-sweep", CLI / "space_sweep.json"),
    ("sweep", "nais-sweep", SOURCE / "examples" / "sweep" / "zcu102_recursive_subspace.json"),
]


@pytest.mark.parametrize("function, tool, path", CASES, ids=[f"{c[1]}:{c[2].name}" for c in CASES])
def test_in_process_equals_the_tool(function, tool, path):
    args = [str(TOOLS_DIR / tool), "--json"] + (["--quiet"] if tool == "nais-hotnas" else []) + [str(path)]
    printed = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    got = getattr(nais, function)(json.loads(path.read_text()), str(path.parent))
    for doc in (got, printed):  # the run's wall time, the one figure that differs run to run
        doc.pop("seconds", None)
    assert got == printed


def test_skynet_figures():
    doc = nais.bundle(json.loads((SOURCE / "examples" / "bundle" / "skynet.json").read_text()))
    assert doc["evaluate"]["used"] == {"dsp": 288, "bram18": 418, "lut": 13140}
    assert doc["evaluate"]["ms"] == pytest.approx(19.705, abs=5e-4)


@pytest.mark.parametrize(
    "function, spec, key",
    [
        ("bundle", {"evaluate": {"model": "skynet"}, "design": {"chanels": 32}}, "design.chanels"),
        ("bundle", {"device": {"dsp": 360}}, "the spec has no task"),
        ("hotnas", {"model": "resnet18", "limits": {"dps": 1}}, "limits.dps"),
        ("map", {"accelerators": []}, "key '"),
        ("sweep", {"device": "gpu"}, "key 'device'"),
        ("sweep", dict(json.loads((CLI / "sweep_small.json").read_text()), sweep={"mode": "all"}), "sweep.mode"),
    ],
)
def test_refusals_name_the_key(function, spec, key):
    with pytest.raises(nais.SpecError, match=key.replace(".", r"\.")):
        getattr(nais, function)(spec)


def test_console_scripts_run_the_tools():
    """pyproject.toml's console scripts are the package's tool list, and each runs its tool (here
    the build tree's, NAIS_TOOLS_DIR): nais-sweep --json prints what the tool prints; a refusal
    keeps the tool's exit code 2 and one-line message."""
    import re
    import sys

    from nais._tool_names import TOOLS

    scripts = re.findall(r'^(nais-[a-z]+) = "nais\._tools:(\w+)"$', (SOURCE / "pyproject.toml").read_text(), re.M)
    assert [s for s, _ in scripts] == list(TOOLS)
    assert all(f == s.replace("-", "_") for s, f in scripts)
    spec = CLI / "sweep_small.json"
    via = subprocess.run([sys.executable, "-c", "import nais._tools as t; t.nais_sweep()", "--json", str(spec)],
                         capture_output=True, text=True, check=True)
    direct = subprocess.run([str(TOOLS_DIR / "nais-sweep"), "--json", str(spec)], capture_output=True, text=True, check=True)
    a, b = json.loads(via.stdout), json.loads(direct.stdout)
    a.pop("seconds"), b.pop("seconds")
    assert a == b
    bad = subprocess.run([sys.executable, "-c", "import nais._tools as t; t.nais_eval()", "--no-such-option"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("nais-eval: ")
