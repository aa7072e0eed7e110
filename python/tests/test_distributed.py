"""nais.evaluate_many and nais.sweep's shards: in-process and as Dask tasks on a two-worker
LocalCluster, the same documents (in input order; the whole sweep's front, sample and counts); a
failing spec is named by its index, a failing shard by its range."""
import copy
import os
import re

import pytest

import nais
from conftest import CLI, SOURCE, load_spec


def specs():
    base = load_spec("recursive.json")
    out = []
    for k in range(7):  # different parallel factors: every document differs
        s = copy.deepcopy(base)
        s["pf"] = [2 + k, 3 + k]
        out.append(s)
    return out


def test_in_process_equals_one_by_one_and_keeps_order():
    many = nais.evaluate_many(specs(), chunk=3)
    assert many == [nais.evaluate(s) for s in specs()]
    assert len({m["loss"] for m in many}) == len(many)


def test_a_failing_spec_is_named_by_its_index():
    bad = specs()
    bad[5]["tau"] = -1.0
    with pytest.raises(nais.SpecError, match=r"specs\[5\]: .*tau"):
        nais.evaluate_many(bad, chunk=2)
    with pytest.raises(nais.SpecError, match="chunk"):
        nais.evaluate_many(specs(), chunk=0)


def test_version_is_the_projects():
    text = (SOURCE / "pyproject.toml").read_text()
    assert nais.__version__ == re.search(r'^version = "([^"]+)"', text, re.M).group(1)


def sweep_specs():
    """A three-objective exhaustive sweep (27,000 points, a sampled 540) and a two-objective
    sub-space of a 20-block recursive space (13.8 million points)."""
    import json

    return [json.loads((CLI / "sweep_small.json").read_text()),
            json.loads((SOURCE / "examples" / "sweep" / "zcu102_recursive_subspace.json").read_text())]


def same_sweep(sharded, whole):
    """Everything but the run's threads, wall time and shard count is the whole sweep's."""
    drop = {"threads", "seconds", "shards"}
    return {k: v for k, v in sharded.items() if k not in drop} == {k: v for k, v in whole.items() if k not in drop}


@pytest.mark.parametrize("shards", [1, 5, 7])
def test_sweep_shards_merge_into_the_whole_sweep(shards):
    for spec in sweep_specs():
        whole = nais.sweep(spec)
        sharded = nais.sweep(spec, shards=shards)
        assert sharded["shards"] == shards
        assert same_sweep(sharded, whole)
        assert len(whole["front"]) > 1 and whole["points"] == whole["space_points"]


def test_sweep_shards_of_a_range_and_refusals():
    spec = sweep_specs()[0]
    spec["sweep"]["index_begin"], spec["sweep"]["index_end"] = 1000, 20000
    ranged = nais.sweep(spec)
    assert (ranged["index_begin"], ranged["index_end"], ranged["points"]) == (1000, 20000, 19000)
    assert all(1000 <= p["index"] < 20000 for p in ranged["front"] + ranged["sample"])
    assert same_sweep(nais.sweep(spec, shards=3), ranged)
    with pytest.raises(nais.SpecError, match="shards"):
        nais.sweep(spec, shards=0)
    spec["sweep"]["index_begin"] = 30000
    with pytest.raises(nais.SpecError, match=r"sweep\.index_begin': 30000 is above sweep\.index_end = 20000"):
        nais.sweep(spec, shards=2)


@pytest.fixture
def restored_environment():
    """distributed's LocalCluster writes MALLOC_TRIM_THRESHOLD_=65536 (and OMP_NUM_THREADS=1, ...) into
    this process's environment; a PyTorch subprocess started later with it ran 5x slower (the digits
    search example: 42 s instead of 8 s)."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_dask_local_cluster_of_two_workers_gives_the_same_documents(restored_environment):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        work = specs()
        remote = nais.evaluate_many(work, client=client, chunk=2)  # four tasks over two workers
        assert remote == nais.evaluate_many(work)
        workers = client.run(lambda: __import__("nais").__file__)
        assert len(workers) == 2
        bad = specs()
        bad[3]["tau"] = -1.0
        with pytest.raises(nais.SpecError, match=r"specs\[3\]: .*tau"):
            nais.evaluate_many(bad, client=client, chunk=2)
        for spec in sweep_specs():  # a sweep's shards as tasks: four per worker by default
            sharded = nais.sweep(spec, client=client)
            assert sharded["shards"] == 8
            assert same_sweep(sharded, nais.sweep(spec))
