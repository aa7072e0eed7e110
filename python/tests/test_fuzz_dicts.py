"""The Python module's readers under random input (issue "Every reader fuzzed"): specs from
tests/cli mutated at random (values made extreme or of another Python type, keys dropped or
added, subtrees copied, self-containing lists) go to nais.evaluate and nais.Session. Each is
accepted with finite outputs or refused with nais.SpecError and a one-line message; anything
else (another exception, a crash, a NaN in an output) fails. Seeded, so a failure reproduces."""
import copy
import math
import random

import numpy as np
import pytest

import nais
from conftest import CLI, load_spec

SEEDS = ["recursive.json", "pipelined.json", "gpu.json", "loom.json", "loom_network.json", "space_gpu.json",
         "space_loom.json", "space_fpga_recursive.json"]
EXTREMES = [math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324, 0, -1, 1, 2**63, -(2**63) - 1, 2**100, 0.5,
            "x", "", None, True, False, [], {}, [[]], {"a": 1}, (1, 2), b"bytes", object(), np.float32(2.5),
            np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([math.nan]), 1e-300, 700.0, -700.0]


def paths(node, prefix=(), seen=None):
    seen = set() if seen is None else seen
    yield prefix
    if id(node) in seen:  # a self-containing list: its inside once
        return
    if isinstance(node, (dict, list)):
        seen.add(id(node))
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, prefix + (k,), seen)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from paths(v, prefix + (i,), seen)


def get(node, path):
    for p in path:
        node = node[p]
    return node


def mutate(spec, rng):
    spec = copy.deepcopy(spec)
    for _ in range(rng.randint(1, 3)):
        all_paths = [p for p in paths(spec) if p]
        if not all_paths:
            break
        path = rng.choice(all_paths)
        parent, key = get(spec, path[:-1]), path[-1]
        op = rng.random()
        if op < 0.55:
            parent[key] = rng.choice(EXTREMES)
        elif op < 0.7 and isinstance(parent, dict):
            del parent[key]
        elif op < 0.8:
            parent[key] = copy.deepcopy(get(spec, rng.choice(all_paths)))
        elif op < 0.9 and isinstance(parent, dict):
            parent[rng.choice(["hard", "gumbel", "sharing", "normalize", "objective", "lse_smoothness", "zz"])] = \
                rng.choice(EXTREMES)
        else:
            loop = []
            loop.append(loop)
            parent[key] = loop
    return spec


def finite(value):
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(finite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(finite(v) for v in value)
    if isinstance(value, np.ndarray):
        return bool(np.all(np.isfinite(value)))
    return True


@pytest.mark.parametrize("seed_file", SEEDS)
def test_mutated_specs_are_accepted_or_refused_in_one_line(seed_file):
    base = load_spec(seed_file)
    rng = random.Random(seed_file)
    accepted = refused = 0
    for _ in range(400):
        spec = mutate(base, rng)
        for call in (lambda: nais.evaluate(spec, CLI), lambda: nais.Session(spec, CLI).evaluate()):
            try:
                out = call()
            except nais.SpecError as e:
                assert "\n" not in str(e) and str(e), repr(e)
                refused += 1
            else:
                assert finite(out), (spec, out)
                accepted += 1
    assert refused > 0 and accepted > 0  # the mutations reach both outcomes
