"""nais.evaluate_many: in-process and as Dask tasks on a two-worker LocalCluster, the same
documents in input order; a failing spec is named by its index."""
import copy
import os
import re

import pytest

import nais
from conftest import SOURCE, load_spec


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
